/*
 * main: the command line. One table of commands (struct cmd_entry, as
 * tmux's cmd_entry): each row names a command, its lines in --help, how
 * many positional arguments it takes, the set of options it accepts, and
 * the function that runs it and says how it ended (enum outcome,
 * outcome.h). One table of options (optspecs) gives each option its
 * spellings and, for check URL's thresholds, the config key it sets.
 * main() parses the options once (they may come before or after the
 * command word), picks a row, refuses in one place (cmd_accepts) every
 * option the row does not use, runs it, and maps its outcome to the exit
 * status and prints its message in one place (exit_map, main_exit).
 *   httpsmon check [-c FILE] [NAME...]  probe configured endpoints once, print a table
 *   httpsmon check URL...          probe URLs with default settings, print details
 *   httpsmon scan [URL... | NAME...]  what the servers still accept, and a grade
 *   httpsmon check-config [FILE]   validate a config file
 *   httpsmon history | stats       outages and events | uptime and percentiles, from the database
 *   httpsmon [-c FILE]             the dashboard (stdin and stdout are a terminal; else: check)
 *   httpsmon --headless            the collector without a terminal
 *   httpsmon --view [--db FILE]    read-only dashboard on a collector's database
 *   httpsmon --view --remote URL...  the same on collectors' HTTP APIs
 *   httpsmon mute NAME DUR | unmute NAME   hold back an endpoint's alerts
 * Adding a command is a function and a row; adding an option is a row of
 * optspecs and its bit in the rows that accept it.
 * Exit status follows monitoring plugins: 0 all UP, 1 some WARN, 2 some
 * DOWN, 3 usage or config error. Errors are reported here, once.
 */
#include <getopt.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/app.h"
#include "httpsmon/cfgedit.h"
#include "httpsmon/check.h"
#include "httpsmon/scan.h"
#include "httpsmon/config.h"
#include "httpsmon/export.h"
#include "httpsmon/history.h"
#include "httpsmon/loop.h"
#include "httpsmon/mute.h"
#include "httpsmon/notify.h"
#include "httpsmon/outcome.h"
#include "httpsmon/paths.h"
#include "httpsmon/probe.h"
#include "httpsmon/remote.h"
#include "httpsmon/svc.h"
#include "httpsmon/util.h"
#include "httpsmon/version.h"
#include "httpsmon/view.h"

/* Every option, one bit each in struct cmd_entry.accepts. */
enum opt {
	O_CONFIG, O_DB, O_JSON, O_VERBOSE, O_CACERT, O_RESOLVE, O_TIMEOUT, O_IPV4, O_IPV6,
	O_ENDPOINT, O_SINCE, O_UNTIL, O_FORMAT, O_WHAT, O_NAME, O_REASON, O_REMOTE, O_TOKEN,
	O_EXPECT_STATUS, O_CERT_WARN_DAYS, O_CERT_CRIT_DAYS, O_MIN_TLS, O_LATENCY_WARN, O_EXPECT_BODY,
	O_COUNT
};
#define OPT(o) ((uint64_t)1 << (o))

/* Long options return OPT_LONG + enum opt (beyond any char getopt_long returns). */
#define OPT_LONG 256
enum { MODE_HEADLESS = OPT_LONG + O_COUNT, MODE_VIEW };

static const struct optspec {
	const char *name;       /* long name */
	char short_name;        /* or 0 */
	int has_arg;
	const char *key;        /* check URL: the config key it sets (endpoint_set), else NULL */
} optspecs[O_COUNT] = {
	[O_CONFIG] = { "config", 'c', required_argument, NULL },
	[O_DB] = { "db", 0, required_argument, NULL },
	[O_JSON] = { "json", 0, no_argument, NULL },
	[O_VERBOSE] = { "verbose", 'v', no_argument, NULL },
	[O_CACERT] = { "cacert", 0, required_argument, NULL },
	[O_RESOLVE] = { "resolve", 0, required_argument, NULL },
	[O_TIMEOUT] = { "timeout", 0, required_argument, NULL },
	[O_IPV4] = { "ipv4", '4', no_argument, NULL },
	[O_IPV6] = { "ipv6", '6', no_argument, NULL },
	[O_ENDPOINT] = { "endpoint", 0, required_argument, NULL },
	[O_SINCE] = { "since", 0, required_argument, NULL },
	[O_UNTIL] = { "until", 0, required_argument, NULL },
	[O_FORMAT] = { "format", 0, required_argument, NULL },
	[O_WHAT] = { "what", 0, required_argument, NULL },
	[O_NAME] = { "name", 0, required_argument, NULL },
	[O_REASON] = { "reason", 0, required_argument, NULL },
	[O_REMOTE] = { "remote", 0, required_argument, NULL },
	[O_TOKEN] = { "token", 0, required_argument, NULL },
	[O_EXPECT_STATUS] = { "expect-status", 0, required_argument, "expect_status" },
	[O_CERT_WARN_DAYS] = { "cert-warn-days", 0, required_argument, "cert_warn_days" },
	[O_CERT_CRIT_DAYS] = { "cert-crit-days", 0, required_argument, "cert_crit_days" },
	[O_MIN_TLS] = { "min-tls", 0, required_argument, "min_tls" },
	[O_LATENCY_WARN] = { "latency-warn", 0, required_argument, "latency_warn" },
	[O_EXPECT_BODY] = { "expect-body", 0, required_argument, "expect_body" },
};

#define PROBE_OPTS (OPT(O_CACERT) | OPT(O_RESOLVE) | OPT(O_TIMEOUT) | OPT(O_IPV4) | OPT(O_IPV6))
#define THRESHOLD_OPTS (OPT(O_EXPECT_STATUS) | OPT(O_CERT_WARN_DAYS) | OPT(O_CERT_CRIT_DAYS) | OPT(O_MIN_TLS) | \
			OPT(O_LATENCY_WARN) | OPT(O_EXPECT_BODY))

struct options {
	const char *arg[O_COUNT];  /* each option's argument as given (the last one), NULL: not given */
	bool long_form[O_COUNT];   /* how it was spelled, for messages */
	uint64_t given;            /* OPT() of every option seen */
	struct strlist resolve;    /* --resolve is repeatable */
	struct strlist remote;     /* so are --remote */
	struct strlist token;      /* and --token (secrets: never printed) */
	int64_t timeout_ms;        /* parsed --timeout */
	int64_t since_ms;          /* parsed --since: a Unix time */
	int64_t until_ms;          /* parsed --until: a Unix time */
	const char *mode;          /* a row chosen by an option: "--help", "--version", "--headless", "--view" */
};

/* What a command gets: the parsed options, its arguments, and where its message goes. */
struct cmd_ctx {
	struct options o;
	char **args;            /* positional arguments after the command word */
	int nargs;
	char err[4096];         /* the message main_exit prints, empty: none */
};

/* Runs one command; a failure leaves its message in c->err for main_exit. */
typedef enum outcome cmd_fn(struct cmd_ctx *c);

struct cmd_entry {
	const char *name;       /* the word after the options, or the option that picks it */
	bool word;              /* chosen by its name as the first argument */
	const char *usage;      /* its lines in --help */
	int max_args;           /* positional arguments it takes, -1: any */
	const char *args_msg;   /* the usage error for one more; %s: the first extra */
	uint64_t accepts;       /* OPT() of the options it uses; any other is refused */
	const char *label;      /* how "OPTION has no effect with LABEL" names it */
	const char *hint;       /* said after that for the options in hint_for, or NULL */
	uint64_t hint_for;
	cmd_fn *fn;
};

/* How each outcome ends the process: the one place exit statuses are chosen. */
static const struct {
	int status;
	bool prefix;            /* "httpsmon: " before the message (config errors are FILE:LINE lines) */
	bool usage;             /* followed by the short usage line */
} exit_map[] = {
	[OUTCOME_OK] = { 0, true, false },
	[OUTCOME_WARN] = { 1, true, false },
	[OUTCOME_DOWN] = { 2, true, false },
	[OUTCOME_FAILED] = { 1, true, false },
	[OUTCOME_UNUSABLE] = { 3, true, false },
	[OUTCOME_BAD_CONFIG] = { 3, false, false },
	[OUTCOME_USAGE] = { 3, true, true },
	[OUTCOME_UNDELIVERED] = { 2, true, false },
};

#define USAGE_LINE "usage: httpsmon [OPTIONS] [check [URL... | NAME...] | scan [URL... | NAME...] | check-config [FILE] | history | stats | export | init | add]"

/*
 * The config a command runs on: -c, else the first of the search list
 * (paths.h) that exists. NULL with c->err set when there is none: where it
 * looked, how to make one (init) and how to give one. Caller frees.
 */
static char *config_need(struct cmd_ctx *c)
{
	char *path = paths_config_find(c->o.arg[O_CONFIG], c->err, sizeof(c->err));
	size_t n = strlen(c->err);

	if (!path)
		snprintf(c->err + n, sizeof(c->err) - n,
			 "\n  create a starter config (commented, a few public endpoints) with: httpsmon init\n"
			 "  or give one with: httpsmon -c FILE");
	return path;
}

/* An argument of check that is a URL rather than an endpoint name. */
static bool is_url(const char *s)
{
	return !strncmp(s, "https://", 8) || !strncmp(s, "http://", 7);
}

/* ---- the commands ---------------------------------------------------------- */

static cmd_fn cmd_check, cmd_check_urls, cmd_scan, cmd_scan_urls, cmd_check_config, cmd_headless, cmd_history, cmd_stats, cmd_export,
	cmd_init, cmd_add, cmd_dashboard, cmd_view, cmd_help, cmd_version, cmd_test_notify, cmd_mute, cmd_unmute;

/* check URL's endpoint settings from the probe options and the thresholds, parsed as the file's keys are. */
static enum outcome url_base(struct cmd_ctx *c, struct endpoint *base)
{
	const struct options *o = &c->o;
	char msg[512];

	if (o->arg[O_CACERT])
		base->ca_file = xstrdup(o->arg[O_CACERT]);
	strlist_copy(&base->resolve, &o->resolve);
	if (o->timeout_ms)
		base->timeout_ms = o->timeout_ms;
	base->ip = o->given & OPT(O_IPV6) ? IPMODE_V6 : o->given & OPT(O_IPV4) ? IPMODE_V4 : IPMODE_ANY;
	for (int k = 0; k < O_COUNT; k++) {
		if (optspecs[k].key && o->arg[k] && endpoint_set(base, optspecs[k].key, o->arg[k], msg, sizeof(msg))) {
			snprintf(c->err, sizeof(c->err), "--%s: %s", optspecs[k].name, msg);
			return OUTCOME_USAGE;
		}
	}
	if (base->cert_crit_days > base->cert_warn_days) {
		snprintf(c->err, sizeof(c->err), "--cert-crit-days %d%s must not exceed --cert-warn-days %d%s",
			 base->cert_crit_days, o->arg[O_CERT_CRIT_DAYS] ? "" : " (the default)", base->cert_warn_days,
			 o->arg[O_CERT_WARN_DAYS] ? "" : " (the default)");
		return OUTCOME_USAGE;
	}
	return OUTCOME_OK;
}

/* The config of URL arguments: each URL with default settings and the command line's. NULL: c->err and *rc. */
static struct config *urls_config(struct cmd_ctx *c, enum outcome *rc)
{
	struct endpoint base;
	struct config *cfg;

	for (int i = 0; i < c->nargs; i++) {
		if (!is_url(c->args[i])) {
			snprintf(c->err, sizeof(c->err), "'%s' is not a URL: give URLs, or endpoint names with -c FILE",
				 c->args[i]);
			*rc = OUTCOME_USAGE;
			return NULL;
		}
	}
	endpoint_defaults(&base);
	*rc = url_base(c, &base);
	cfg = *rc == OUTCOME_OK ? config_from_urls(c->args, (size_t)c->nargs, &base, c->err, sizeof(c->err)) : NULL;
	endpoint_done(&base);
	if (!cfg && *rc == OUTCOME_OK)
		*rc = OUTCOME_UNUSABLE;
	return cfg;
}

/* check URL...: each URL with default settings and the command line's. */
static enum outcome cmd_check_urls(struct cmd_ctx *c)
{
	enum outcome rc;
	struct config *cfg = urls_config(c, &rc);

	if (!cfg)
		return rc;
	rc = check_run(cfg, NULL, c->o.arg[O_JSON] != NULL, true, c->err, sizeof(c->err));
	config_unref(cfg);
	return rc;
}

/* scan URL...: the posture report of each URL. */
static enum outcome cmd_scan_urls(struct cmd_ctx *c)
{
	enum outcome rc;
	struct config *cfg = urls_config(c, &rc);

	if (!cfg)
		return rc;
	rc = scan_run(cfg, NULL, c->o.arg[O_JSON] != NULL, c->err, sizeof(c->err));
	config_unref(cfg);
	return rc;
}

/*
 * The config file and the endpoints the arguments name (globs allowed; none
 * named: *sel NULL, every enabled one). NULL with c->err and *rc.
 */
static struct config *named_config(struct cmd_ctx *c, bool **sel, enum outcome *rc)
{
	char *path = config_need(c);
	struct config *cfg = path ? config_load(path, c->err, sizeof(c->err)) : NULL;

	*sel = NULL;
	*rc = path ? OUTCOME_BAD_CONFIG : OUTCOME_UNUSABLE;
	free(path);
	if (!cfg)
		return NULL;
	*rc = OUTCOME_OK;
	if (c->nargs) {
		*sel = xcalloc(cfg->n ? cfg->n : 1, sizeof(**sel));
		if (check_select(cfg, c->args, (size_t)c->nargs, *sel, c->err, sizeof(c->err))) {
			free(*sel);
			*sel = NULL;
			config_unref(cfg);
			*rc = OUTCOME_UNUSABLE;
			return NULL;
		}
	}
	return cfg;
}

/* check [-c FILE] [NAME...]: every enabled endpoint, or the ones named (globs allowed). */
static enum outcome cmd_check(struct cmd_ctx *c)
{
	bool *sel;
	enum outcome rc;
	struct config *cfg = named_config(c, &sel, &rc);

	if (!cfg)
		return rc;
	rc = check_run(cfg, sel, c->o.arg[O_JSON] != NULL, c->o.arg[O_VERBOSE] != NULL, c->err, sizeof(c->err));
	free(sel);
	config_unref(cfg);
	return rc;
}

/* scan [-c FILE] [NAME...]: the posture report of every enabled endpoint, or of those named. */
static enum outcome cmd_scan(struct cmd_ctx *c)
{
	bool *sel;
	enum outcome rc;
	struct config *cfg = named_config(c, &sel, &rc);

	if (!cfg)
		return rc;
	rc = scan_run(cfg, sel, c->o.arg[O_JSON] != NULL, c->err, sizeof(c->err));
	free(sel);
	config_unref(cfg);
	return rc;
}

static enum outcome cmd_check_config(struct cmd_ctx *c)
{
	char *path = c->nargs ? xstrdup(c->args[0]) : config_need(c);
	struct config *cfg = path ? config_load(path, c->err, sizeof(c->err)) : NULL;
	size_t enabled = 0;

	if (!path)
		return OUTCOME_UNUSABLE;
	if (cfg) {
		for (size_t i = 0; i < cfg->n; i++)
			enabled += cfg->eps[i].enabled;
		printf("%s: OK, %zu endpoints (%zu enabled)\n", path, cfg->n, enabled);
		for (size_t i = 0; i < cfg->n_notifiers; i++) {
			char d[1024], safe[2048];

			notifier_describe(&cfg->notifiers[i], d, sizeof(d));
			printf("  notify:%s: %s\n", cfg->notifiers[i].name, util_sanitize(d, strlen(d), safe, sizeof(safe)));
		}
		config_unref(cfg);
	}
	free(path);
	return cfg ? OUTCOME_OK : OUTCOME_BAD_CONFIG;
}

/*
 * The collector without a terminal: probes on schedule, keeps history, logs
 * one line per state change and event to stderr. SIGTERM/SIGINT stop it
 * cleanly (OUTCOME_OK once every write landed), SIGHUP reloads the config.
 */
static enum outcome cmd_headless(struct cmd_ctx *c)
{
	struct app_opts ao = { .db_path = c->o.arg[O_DB], .log = stderr };
	char *path = config_need(c);
	enum outcome rc = OUTCOME_OK;
	struct svc *sv;
	struct app *a;

	if (!path)
		return OUTCOME_UNUSABLE;
	ao.config_path = path;
	a = app_new(&ao, c->err, sizeof(c->err));
	if (!a) {
		free(path);
		return OUTCOME_UNUSABLE;
	}
	/* READY=1 only now: the config loaded and the history is open */
	sv = svc_start(app_loop(a), app_monitor(a));
	if (app_run(a) != 0) {
		snprintf(c->err, sizeof(c->err), "event loop failed");
		rc = OUTCOME_FAILED;
	}
	svc_stop(sv);
	if (app_shutdown(a) != 0)
		rc = OUTCOME_FAILED;
	app_free(a);
	free(path);
	return rc;
}

static enum outcome history_or_stats(struct cmd_ctx *c, bool stats)
{
	struct history_opts h = { .db_path = c->o.arg[O_DB], .endpoint = c->o.arg[O_ENDPOINT],
				  .json = c->o.arg[O_JSON] != NULL };
	int rc;

	h.since_ms = c->o.arg[O_SINCE] ? util_now_ms() - c->o.since_ms : (stats ? 30 : 7) * DAY_MS;
	if (stats)
		rc = stats_print(stdout, &h, c->err, sizeof(c->err));
	else
		rc = history_print(stdout, &h, c->err, sizeof(c->err));
	return rc == 0 ? OUTCOME_OK : OUTCOME_UNUSABLE;
}

static enum outcome cmd_history(struct cmd_ctx *c)
{
	return history_or_stats(c, false);
}

static enum outcome cmd_stats(struct cmd_ctx *c)
{
	return history_or_stats(c, true);
}

/* One of a closed set of words for an option (--format, --what), or a usage error listing them. */
static int word_arg(struct cmd_ctx *c, int k, const char *const *words, int def)
{
	const char *a = c->o.arg[k];

	if (!a)
		return def;
	for (int i = 0; words[i]; i++)
		if (!strcmp(a, words[i]))
			return i;
	snprintf(c->err, sizeof(c->err), "bad --%s '%s' (use %s)", optspecs[k].name, a,
		 k == O_FORMAT ? "csv or json" : "probes, outages or events");
	return -1;
}

/* export: raw rows, streamed to stdout. */
static enum outcome cmd_export(struct cmd_ctx *c)
{
	static const char *const formats[] = { "csv", "json", NULL };
	static const char *const whats[] = { [STORE_PROBES] = "probes", [STORE_OUTAGES] = "outages",
					     [STORE_EVENTS] = "events", NULL };
	struct export_opts e = { .db_path = c->o.arg[O_DB], .endpoint = c->o.arg[O_ENDPOINT] };
	int format = word_arg(c, O_FORMAT, formats, 0), what = word_arg(c, O_WHAT, whats, STORE_PROBES);

	if (format < 0 || what < 0)
		return OUTCOME_USAGE;
	e.json = format == 1;
	e.what = (enum store_what)what;
	e.since_ms = c->o.arg[O_SINCE] ? c->o.since_ms : 0;
	e.until_ms = c->o.arg[O_UNTIL] ? c->o.until_ms : INT64_MAX;
	if (e.since_ms >= e.until_ms) {
		snprintf(c->err, sizeof(c->err), "--since must be before --until");
		return OUTCOME_USAGE;
	}
	return export_run(stdout, &e, c->err, sizeof(c->err)) < 0 ? OUTCOME_UNUSABLE : OUTCOME_OK;
}

/* init [FILE]: the starter config, where the dashboard looks for it by default. */
static enum outcome cmd_init(struct cmd_ctx *c)
{
	char *path = c->nargs ? xstrdup(c->args[0]) : paths_config_user();
	const char *editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
	bool other = c->nargs > 0;
	enum outcome rc = OUTCOME_UNUSABLE;

	if (cfgedit_init(path, c->err, sizeof(c->err)) == 0) {
		printf("wrote the starter config to %s\n"
		       "  it watches a few public endpoints; every key is explained in its comments.\n"
		       "  edit it:      %s %s\n"
		       "  add one:      httpsmon add https://example.org/health --name web%s%s\n"
		       "  check it:     httpsmon check-config %s\n"
		       "  run it:       httpsmon%s%s\n",
		       path, editor && *editor ? editor : "${EDITOR:-vi}", path, other ? " -c " : "", other ? path : "",
		       path, other ? " -c " : "", other ? path : "");
		rc = OUTCOME_OK;
	}
	free(path);
	return rc;
}

/* add URL [--name NAME] [-c FILE]: one endpoint appended to the config, checked before it is written. */
static enum outcome cmd_add(struct cmd_ctx *c)
{
	char *path, name[256];
	enum outcome rc = OUTCOME_UNUSABLE;

	if (c->nargs != 1) {
		snprintf(c->err, sizeof(c->err), "add takes one URL");
		return OUTCOME_USAGE;
	}
	if (!(path = config_need(c)))
		return OUTCOME_UNUSABLE;
	if (cfgedit_add(path, c->args[0], c->o.arg[O_NAME], name, sizeof(name), c->err, sizeof(c->err)) == 0) {
		printf("added [%s] to %s\n"
		       "  url = %s\n"
		       "  a running dashboard or collector on this file reloads it by itself; probe it now with:\n"
		       "  httpsmon check%s%s %s\n",
		       name, path, c->args[0], c->o.arg[O_CONFIG] ? " -c " : "", c->o.arg[O_CONFIG] ? path : "", name);
		rc = OUTCOME_OK;
	}
	free(path);
	return rc;
}

/* The dashboard on the config: probing, with a hint when a collector already writes the database. */
static enum outcome cmd_dashboard(struct cmd_ctx *c)
{
	char *path = config_need(c);
	const char *db = c->o.arg[O_DB];
	enum outcome rc;
	size_t n;

	if (!path)
		return OUTCOME_UNUSABLE;
	rc = view_live(path, db, c->err, sizeof(c->err));
	n = strlen(c->err);
	free(path);
	if (rc != OUTCOME_OK && strstr(c->err, "another httpsmon collector"))
		snprintf(c->err + n, sizeof(c->err) - n, "\nhttpsmon: to watch it without probing: httpsmon --view%s%s",
			 db ? " --db " : "", db ? db : "");
	return rc;
}

/*
 * --view --remote URL... [--token T...] [--cacert FILE]: the dashboard on
 * collectors elsewhere. One --token goes with every --remote, or one each
 * in order; without one, HTTPSMON_TOKEN from the environment (out of ps).
 */
static enum outcome cmd_view_remote(struct cmd_ctx *c)
{
	const struct options *o = &c->o;
	const char *env = getenv("HTTPSMON_TOKEN");
	struct remote_opts *ro;
	char why[256];
	enum outcome rc;

	if (o->token.n > 1 && o->token.n != o->remote.n) {
		snprintf(c->err, sizeof(c->err), "%zu --token for %zu --remote: give one for all, or one per --remote in order",
			 o->token.n, o->remote.n);
		return OUTCOME_USAGE;
	}
	for (size_t i = 0; i < o->remote.n; i++) {
		if (remote_url_check(o->remote.v[i], why, sizeof(why)) != 0) {
			char red[600], safe[1200];

			/* a password or a token in a query is not echoed */
			util_url_redact(o->remote.v[i], red, sizeof(red));
			snprintf(c->err, sizeof(c->err), "bad --remote '%s': %s", util_sanitize(red, strlen(red), safe, sizeof(safe)),
				 why);
			return OUTCOME_USAGE;
		}
	}
	ro = xcalloc(o->remote.n, sizeof(*ro));
	for (size_t i = 0; i < o->remote.n; i++) {
		ro[i].url = o->remote.v[i];
		ro[i].token = o->token.n ? o->token.v[o->token.n == 1 ? 0 : i] : env && *env ? env : NULL;
		ro[i].ca_file = o->arg[O_CACERT];
	}
	rc = view_remote(ro, o->remote.n, c->err, sizeof(c->err));
	free(ro);
	return rc;
}

/* --view: the dashboard on the database, read-only; or on remote collectors. */
static enum outcome cmd_view(struct cmd_ctx *c)
{
	if (c->o.remote.n && c->o.arg[O_DB]) {
		snprintf(c->err, sizeof(c->err),
			 "--view reads either a database (--db FILE) or collectors (--remote URL), not both");
		return OUTCOME_USAGE;
	}
	if (c->o.remote.n)
		return cmd_view_remote(c);
	if (c->o.arg[O_CACERT]) {
		snprintf(c->err, sizeof(c->err), "--cacert goes with --remote https://... (the database needs none)");
		return OUTCOME_USAGE;
	}
	return view_readonly(c->o.arg[O_DB], c->err, sizeof(c->err));
}

static void test_probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	(void)ud;
	(void)ep;
	(void)tag;
	(void)r;
}

/* test-notify NAME: one `test` alert through one notifier, on a loop of its own. */
static enum outcome cmd_test_notify(struct cmd_ctx *c)
{
	char *path, result[512], safe[1024];
	struct config *cfg;
	const struct notifier *nt;
	struct loop *l = NULL;
	struct prober *p = NULL;
	enum outcome rc = OUTCOME_UNUSABLE;

	if (c->nargs != 1) {
		snprintf(c->err, sizeof(c->err), "test-notify takes the name of a [notify:NAME] section");
		return OUTCOME_USAGE;
	}
	if (!(path = config_need(c)))
		return OUTCOME_BAD_CONFIG;
	cfg = config_load(path, c->err, sizeof(c->err));
	if (!cfg) {
		free(path);
		return OUTCOME_BAD_CONFIG;
	}
	if (!(nt = config_notifier(cfg, c->args[0]))) {
		snprintf(c->err, sizeof(c->err), "%s has no [notify:%s] section", path,
			 util_sanitize(c->args[0], strlen(c->args[0]), safe, sizeof(safe)));
		rc = OUTCOME_USAGE;
	} else if ((l = loop_new(0, c->err, sizeof(c->err))) &&
		   (p = prober_new(1, test_probe_done, NULL, c->err, sizeof(c->err)))) {
		prober_attach(p, l);
		rc = notify_test(l, p, nt, result, sizeof(result)) == 0 ? OUTCOME_OK : OUTCOME_UNDELIVERED;
		printf("notify:%s: %s: %s\n", nt->name, rc == OUTCOME_OK ? "delivered" : "NOT delivered",
		       util_sanitize(result, strlen(result), safe, sizeof(safe)));
	}
	prober_free(p);
	loop_free(l);
	config_unref(cfg);
	free(path);
	return rc;
}

/* mute NAME DURATION [--reason TEXT]: in the database, so the collector and restarts see it. */
static enum outcome cmd_mute(struct cmd_ctx *c)
{
	if (c->nargs != 2) {
		snprintf(c->err, sizeof(c->err), "mute takes NAME and DURATION (1h, 4h, 24h or until-up)");
		return OUTCOME_USAGE;
	}
	return mute_command(c->o.arg[O_DB], c->args[0], c->args[1], c->o.arg[O_REASON], c->err, sizeof(c->err));
}

static enum outcome cmd_unmute(struct cmd_ctx *c)
{
	if (c->nargs != 1) {
		snprintf(c->err, sizeof(c->err), "unmute takes one NAME");
		return OUTCOME_USAGE;
	}
	return unmute_command(c->o.arg[O_DB], c->args[0], c->err, sizeof(c->err));
}

/* ---- the table --------------------------------------------------------------- */

#define WINDOW_OPTS (OPT(O_DB) | OPT(O_ENDPOINT) | OPT(O_SINCE) | OPT(O_JSON))

/* In --help order; the last two have their lines under "options:". */
static const struct cmd_entry cmds[] = {
	{ "check", true,
	  "  httpsmon check [-c FILE] [NAME...]  probe the configured endpoints (or those named;\n"
	  "                               globs such as 'api-*') once, one row each\n",
	  -1, NULL, OPT(O_CONFIG) | OPT(O_JSON) | OPT(O_VERBOSE), "check -c FILE [NAME...]",
	  "probe options and thresholds go with URLs; set them per endpoint in the config",
	  PROBE_OPTS | THRESHOLD_OPTS, cmd_check },
	{ "check URL", false,
	  "  httpsmon check URL...        probe URLs once and show timings, verdict, certificates;\n"
	  "                               thresholds: --expect-status 200,301 --cert-warn-days 21\n"
	  "                               --cert-crit-days 7 --min-tls 1.2 --latency-warn 800ms\n"
	  "                               --expect-body TEXT (the config keys' syntax)\n",
	  -1, NULL, OPT(O_JSON) | PROBE_OPTS | THRESHOLD_OPTS, "check URL",
	  "check URL always shows the detailed block", OPT(O_VERBOSE), cmd_check_urls },
	{ "scan", true,
	  "  httpsmon scan [-c FILE] [NAME...]   what the endpoints' servers still accept (protocols,\n"
	  "                               cipher categories, key exchange, stapling) and a grade\n",
	  -1, NULL, OPT(O_CONFIG) | OPT(O_JSON), "scan -c FILE [NAME...]",
	  "probe options go with URLs; set them per endpoint in the config", PROBE_OPTS, cmd_scan },
	{ "scan URL", false,
	  "  httpsmon scan URL...         the same for URLs (--cacert, --resolve, --timeout, -4/-6)\n",
	  -1, NULL, OPT(O_JSON) | PROBE_OPTS, "scan URL", NULL, 0, cmd_scan_urls },
	{ "check-config", true, "  httpsmon check-config [FILE] validate a config file (exit 0 or 3)\n", 1,
	  "check-config takes one FILE", OPT(O_CONFIG), "check-config", NULL, 0, cmd_check_config },
	{ "--headless", false,
	  "  httpsmon --headless [-c FILE] [--db FILE]  keep probing on schedule and record history\n", 0,
	  "--headless takes no command ('%s')", OPT(O_CONFIG) | OPT(O_DB), "--headless",
	  "set probe options per endpoint in the config", PROBE_OPTS | THRESHOLD_OPTS, cmd_headless },
	{ "history", true, "  httpsmon history [--endpoint NAME] [--since 7d] [--json] [--db FILE]  outages and events\n",
	  0, "unexpected argument '%s'", WINDOW_OPTS, "history", NULL, 0, cmd_history },
	{ "stats", true,
	  "  httpsmon stats [--endpoint NAME] [--since 30d] [--json] [--db FILE]  uptime and latency percentiles\n", 0,
	  "unexpected argument '%s'", WINDOW_OPTS, "stats", NULL, 0, cmd_stats },
	{ "export", true,
	  "  httpsmon export [--endpoint NAME] [--since 7d] [--until WHEN] [--format csv|json]\n"
	  "                  [--what probes|outages|events] [--db FILE]  raw rows, every column\n",
	  0, "unexpected argument '%s'", OPT(O_DB) | OPT(O_ENDPOINT) | OPT(O_SINCE) | OPT(O_UNTIL) | OPT(O_FORMAT) |
	  OPT(O_WHAT), "export", "export writes CSV unless --format json", OPT(O_JSON), cmd_export },
	{ "init", true,
	  "  httpsmon init [FILE]         write a commented starter config (default\n"
	  "                               $XDG_CONFIG_HOME/httpsmon/endpoints.ini); never overwrites\n",
	  1, "init takes one FILE ('%s' is one more)", 0, "init", NULL, 0, cmd_init },
	{ "add", true,
	  "  httpsmon add URL [--name NAME] [-c FILE]  append an endpoint to the config (checked\n"
	  "                               before it is written; the name defaults to the URL's host)\n",
	  1, "add takes one URL ('%s' is one more)", OPT(O_CONFIG) | OPT(O_NAME), "add", NULL, 0, cmd_add },
	{ "test-notify", true,
	  "  httpsmon test-notify NAME [-c FILE]   send a test alert through [notify:NAME] (exit 0 sent, 2 not)\n",
	  1, "test-notify takes one notifier name", OPT(O_CONFIG), "test-notify", NULL, 0, cmd_test_notify },
	{ "mute", true,
	  "  httpsmon mute NAME DURATION [--reason TEXT]   hold back NAME's alerts for 1h, 4h, 24h... or until-up\n"
	  "  httpsmon unmute NAME         send NAME's alerts again\n",
	  2, "mute takes NAME and DURATION, not '%s'", OPT(O_DB) | OPT(O_REASON), "mute", NULL, 0, cmd_mute },
	{ "unmute", true, "", 1, "unmute takes one NAME, not '%s'", OPT(O_DB), "unmute", NULL, 0, cmd_unmute },
	{ "dashboard", false,
	  "  httpsmon [-c FILE] [--db FILE]  the dashboard: probe on schedule, keep history, show it live\n"
	  "                               (on a terminal; otherwise the same as: check)\n",
	  0, NULL, OPT(O_CONFIG) | OPT(O_DB), "the dashboard", NULL, 0, cmd_dashboard },
	{ "--view", false,
	  "  httpsmon --view [--db FILE]  read-only dashboard on the database a collector writes\n"
	  "  httpsmon --view --remote URL [--remote URL...] [--token TOKEN] [--cacert FILE]\n"
	  "                               the same on collectors elsewhere, through their HTTP API\n"
	  "                               (listen); several: one list with a LOCATION column\n",
	  0, "--view takes no command ('%s')", OPT(O_DB) | OPT(O_REMOTE) | OPT(O_TOKEN) | OPT(O_CACERT), "--view",
	  "it reads a database (--db FILE) or collectors (--remote URL); the collector has the config", ~(uint64_t)0, cmd_view },
	{ "--help", false, "", -1, NULL, ~(uint64_t)0, "--help", NULL, 0, cmd_help },
	{ "--version", false, "", -1, NULL, ~(uint64_t)0, "--version", NULL, 0, cmd_version },
};

static enum outcome cmd_help(struct cmd_ctx *c)
{
	(void)c;
	printf(USAGE_LINE "\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fputs(cmds[i].usage, stdout);
	printf("\n"
	       "options (each command refuses those it does not use):\n"
	       "  -c, --config FILE   endpoints file (default: the first that exists of\n"
	       "                      ./" PATHS_REPO_CONFIG ", $XDG_CONFIG_HOME/httpsmon/endpoints.ini,\n"
	       "                      " PATHS_SYSTEM_CONFIG ")\n"
	       "      --db FILE       history database (default $XDG_STATE_HOME/httpsmon/history.db)\n"
	       "      --json          one JSON object per line\n"
	       "  -v, --verbose       check -c: the detailed block for every endpoint, not a table\n"
	       "      --cacert FILE   check/scan URL, --view --remote: trust these CA certificates instead of\n"
	       "                      the system store\n"
	       "      --resolve HOST:PORT:ADDR  check/scan URL: connect to ADDR for HOST:PORT (repeatable)\n"
	       "      --timeout DUR   check/scan URL: whole-probe timeout, e.g. 5s, 800ms (default 10s)\n"
	       "  -4, -6              check/scan URL: use IPv4 / IPv6 only\n"
	       "      --endpoint NAME history, stats: one endpoint\n"
	       "      --since WHEN    history, stats, export: from WHEN: 7d (back from now) or a UTC time\n"
	       "                      2026-11-26[T10:00[:00[.000]]][Z]\n"
	       "      --until WHEN    export: up to (not including) WHEN, same forms (default: now)\n"
	       "      --format F      export: csv (RFC 4180, header line) or json (one object per line)\n"
	       "      --what W        export: probes (default), outages or events\n"
	       "      --name NAME     add: the new endpoint's name\n"
	       "      --remote URL    --view: a collector's listener, http(s)://HOST:PORT (repeatable)\n"
	       "      --token TOKEN   --view --remote: its listen_token (one for all, or one per --remote;\n"
	       "                      default $HTTPSMON_TOKEN)\n"
	       "  -h, --help          this help\n"
	       "  -V, --version       version, and the libraries' versions it runs with\n"
	       "\n"
	       "exit status: 0 all UP, 1 some WARN, 2 some DOWN, 3 usage or config error\n");
	return OUTCOME_OK;
}

static enum outcome cmd_version(struct cmd_ctx *c)
{
	(void)c;
	version_print(stdout);
	return OUTCOME_OK;
}

/* The row called name; word: only rows chosen by a command word (not "--view" after "--"). */
static const struct cmd_entry *cmd_find(const char *name, bool word)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if ((cmds[i].word || !word) && !strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/*
 * The row to run: the one an option picked, else the command word, else
 * the dashboard when stdin and stdout are a terminal and every option
 * given is one the dashboard uses, else check (piped, or with check's
 * options). check with URLs (and no -c) is the "check URL" row.
 */
static const struct cmd_entry *cmd_pick(struct cmd_ctx *c)
{
	const struct cmd_entry *ce;

	if (c->o.mode)
		return cmd_find(c->o.mode, false);
	if (c->nargs == 0) {
		ce = cmd_find("dashboard", false);
		if ((c->o.given & ~ce->accepts) || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			ce = cmd_find("check", true);
		return ce;
	}
	ce = cmd_find(c->args[0], true);
	if (!ce)
		snprintf(c->err, sizeof(c->err), "unknown command '%s'", c->args[0]);
	c->args++;
	c->nargs--;
	if (ce && (!strcmp(ce->name, "check") || !strcmp(ce->name, "scan")) && c->nargs && is_url(c->args[0])) {
		char row[16];

		if (c->o.arg[O_CONFIG]) {
			snprintf(c->err, sizeof(c->err), "give either URLs or -c FILE with endpoint names, not both");
			return NULL;
		}
		snprintf(row, sizeof(row), "%s URL", ce->name);
		ce = cmd_find(row, false);
	}
	return ce;
}

/* The row's own rules on arguments and options, before anything runs: the one place options are refused. */
static enum outcome cmd_accepts(const struct cmd_entry *ce, struct cmd_ctx *c)
{
	uint64_t extra = c->o.given & ~ce->accepts;

	if (ce->max_args >= 0 && c->nargs > ce->max_args) {
		snprintf(c->err, sizeof(c->err), ce->args_msg, c->args[ce->max_args]);
		return OUTCOME_USAGE;
	}
	for (int k = 0; k < O_COUNT; k++) {
		bool hint = ce->hint && (ce->hint_for & OPT(k));
		char spelled[40];

		if (!(extra & OPT(k)))
			continue;
		if (c->o.long_form[k] || !optspecs[k].short_name)
			snprintf(spelled, sizeof(spelled), "--%s", optspecs[k].name);
		else
			snprintf(spelled, sizeof(spelled), "-%c", optspecs[k].short_name);
		snprintf(c->err, sizeof(c->err), "%s has no effect with %s%s%s", spelled, ce->label, hint ? ": " : "",
			 hint ? ce->hint : "");
		return OUTCOME_USAGE;
	}
	return OUTCOME_OK;
}

/* ---- options ------------------------------------------------------------------- */

/* A positive duration for --timeout, or a usage error naming the option and examples. */
static enum outcome duration_arg(struct cmd_ctx *c, const char *arg, int64_t *ms)
{
	if (util_parse_duration_ms(arg, ms) == 0 && *ms > 0)
		return OUTCOME_OK;
	snprintf(c->err, sizeof(c->err), "bad --timeout '%s' (use e.g. 10s, 800ms)", arg);
	return OUTCOME_USAGE;
}

/* --since: a duration back from now or a UTC time. */
static enum outcome time_arg(struct cmd_ctx *c, const char *opt, const char *arg, int64_t *ms)
{
	int64_t back;

	if (util_parse_time_ms(arg, util_now_ms(), ms) == 0 && (util_parse_duration_ms(arg, &back) || back > 0))
		return OUTCOME_OK;
	snprintf(c->err, sizeof(c->err), "bad --%s '%s' (use e.g. 24h, 7d, 2026-11-26, 2026-11-26T10:00:00Z)", opt,
		 arg);
	return OUTCOME_USAGE;
}

/* One option from getopt_long (ch) with its argument. */
static enum outcome option_take(struct cmd_ctx *c, int ch, bool long_form, const char *bad)
{
	struct options *o = &c->o;
	int k = -1;

	if (ch >= OPT_LONG && ch < OPT_LONG + O_COUNT)
		k = ch - OPT_LONG;
	for (int i = 0; k < 0 && ch > 0 && i < O_COUNT; i++)
		if (optspecs[i].short_name == ch)
			k = i;
	if (k >= 0) {
		o->given |= OPT(k);
		o->long_form[k] = long_form;
		o->arg[k] = optspecs[k].has_arg == no_argument ? "" : optarg;
		if (k == O_RESOLVE)
			strlist_push(&o->resolve, optarg);
		if (k == O_REMOTE)
			strlist_push(&o->remote, optarg);
		if (k == O_TOKEN)
			strlist_push(&o->token, optarg);
		if (k == O_TIMEOUT)
			return duration_arg(c, optarg, &o->timeout_ms);
		if (k == O_SINCE)
			return time_arg(c, "since", optarg, &o->since_ms);
		if (k == O_UNTIL)
			return time_arg(c, "until", optarg, &o->until_ms);
		return OUTCOME_OK;
	}
	switch (ch) {
	/* --headless wins over --view whatever the order; -h and -V end the parse */
	case MODE_HEADLESS:
		o->mode = "--headless";
		break;
	case MODE_VIEW:
		o->mode = o->mode ? o->mode : "--view";
		break;
	case 'h':
		o->mode = "--help";
		break;
	case 'V':
		o->mode = "--version";
		break;
	case ':':
		snprintf(c->err, sizeof(c->err), "option '%s' needs an argument", bad);
		return OUTCOME_USAGE;
	default:
		snprintf(c->err, sizeof(c->err), "unknown option '%s'", bad);
		return OUTCOME_USAGE;
	}
	return OUTCOME_OK;
}

static enum outcome options_parse(struct cmd_ctx *c, int argc, char **argv)
{
	struct option longopts[O_COUNT + 5];
	enum outcome rc = OUTCOME_OK;
	int ch, n = 0, li;

	for (int k = 0; k < O_COUNT; k++)
		longopts[n++] = (struct option){ optspecs[k].name, optspecs[k].has_arg, NULL, OPT_LONG + k };
	longopts[n++] = (struct option){ "headless", no_argument, NULL, MODE_HEADLESS };
	longopts[n++] = (struct option){ "view", no_argument, NULL, MODE_VIEW };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	while (rc == OUTCOME_OK && (li = -1, ch = getopt_long(argc, argv, ":c:vhV46", longopts, &li)) != -1) {
		/* a short option comes back as its char: give it its row's id */
		rc = option_take(c, ch, li >= 0, argv[optind - 1]);
		if (ch == 'h' || ch == 'V')
			break;
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	return rc;
}

/* --remote goes with --view, --token with --remote: said before a row is picked (its refusal would name another). */
static enum outcome remote_opts_check(struct cmd_ctx *c)
{
	const struct options *o = &c->o;
	bool help = o->mode && !strcmp(o->mode, "--help");

	if ((o->given & OPT(O_REMOTE)) && !help && (!o->mode || strcmp(o->mode, "--view"))) {
		snprintf(c->err, sizeof(c->err), "--remote goes with --view: httpsmon --view --remote http://HOST:9469");
		return OUTCOME_USAGE;
	}
	if ((o->given & OPT(O_TOKEN)) && !(o->given & OPT(O_REMOTE)) && !help) {
		snprintf(c->err, sizeof(c->err), "--token goes with --remote URL (the collector's listen_token)");
		return OUTCOME_USAGE;
	}
	return OUTCOME_OK;
}

/* The one place an outcome becomes a message on stderr and an exit status. */
static int main_exit(enum outcome rc, const char *err)
{
	if (*err)
		fprintf(stderr, "%s%s\n", exit_map[rc].prefix ? "httpsmon: " : "", err);
	if (exit_map[rc].usage)
		fprintf(stderr, USAGE_LINE "; try 'httpsmon --help'\n");
	return exit_map[rc].status;
}

int main(int argc, char **argv)
{
	struct cmd_ctx c = { 0 };
	const struct cmd_entry *ce = NULL;
	enum outcome rc;

	setlocale(LC_ALL, "");
	rc = options_parse(&c, argc, argv);
	if (rc == OUTCOME_OK)
		rc = remote_opts_check(&c);
	if (rc == OUTCOME_OK && !(ce = cmd_pick(&c)))
		rc = OUTCOME_USAGE;
	if (rc == OUTCOME_OK)
		rc = cmd_accepts(ce, &c);
	if (rc == OUTCOME_OK)
		rc = ce->fn(&c);
	strlist_done(&c.o.resolve);
	strlist_done(&c.o.remote);
	for (size_t i = 0; i < c.o.token.n; i++)
		memset(c.o.token.v[i], 0, strlen(c.o.token.v[i]));
	strlist_done(&c.o.token);
	return main_exit(rc, c.err);
}
