/*
 * main: the command line. One table of commands (struct cmd_entry, as
 * tmux's cmd_entry): each row names a command, its lines in --help, what
 * positional arguments and options it refuses, and the function that runs
 * it and says how it ended (enum outcome, outcome.h). main() parses the
 * options once (they may come before or after the command word), picks a
 * row, checks it, runs it, and maps its outcome to the exit status and
 * prints its message in one place (exit_map, main_exit).
 *   httpsmon [check] [-c FILE]     probe every configured endpoint once, print a table
 *   httpsmon check URL...          probe URLs with default settings, print details
 *   httpsmon check-config [FILE]   validate a config file
 *   httpsmon history | stats       outages and events | uptime and percentiles, from the database
 *   httpsmon [-c FILE]             the dashboard (stdin and stdout are a terminal; else: check)
 *   httpsmon --headless            the collector without a terminal
 *   httpsmon --view [--db FILE]    read-only dashboard on a collector's database
 * Exit status follows monitoring plugins: 0 all UP, 1 some WARN, 2 some
 * DOWN, 3 usage or config error. Errors are reported here, once.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/app.h"
#include "httpsmon/config.h"
#include "httpsmon/history.h"
#include "httpsmon/loop.h"
#include "httpsmon/notify.h"
#include "httpsmon/outcome.h"
#include "httpsmon/paths.h"
#include "httpsmon/probe.h"
#include "httpsmon/report.h"
#include "httpsmon/svc.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"
#include "httpsmon/version.h"
#include "httpsmon/view.h"

/* Options a command may refuse (struct cmd_entry.refuses). */
enum {
	OPTF_JSON = 1 << 0,
	OPTF_VERBOSE = 1 << 1,
	OPTF_PROBE = 1 << 2,    /* --cacert, --resolve, --timeout, -4, -6: only `check URL...` takes them */
};

struct options {
	const char *config;     /* -c, or NULL for the default search */
	const char *db;
	bool json;
	bool verbose;
	const char *cacert;
	struct strlist resolve;
	int64_t timeout_ms;     /* 0: default */
	int ip;                 /* IPMODE_* */
	unsigned given;         /* OPTF_* seen */
	const char *mode;       /* a row chosen by an option: "--help", "--version", "--headless", "--view" */
	const char *endpoint;   /* history/stats: one endpoint */
	int64_t since_ms;       /* history/stats: window, 0 = the command's default */
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
	unsigned refuses;       /* OPTF_* that are a usage error with it */
	const char *refuse_msg;
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

#define USAGE_LINE "usage: httpsmon [OPTIONS] [check [URL...] | check-config [FILE] | history | stats]"

/* One finished probe, kept until the run ends so output is in config order. */
struct finished {
	bool done;
	struct probe_result r;  /* body dropped once judged */
	struct verdict v;
	struct verdict *each;   /* r.n_addrs verdicts of its addresses (all_addresses), owned; NULL */
};

struct run {
	struct config *cfg;
	struct finished *out;
	size_t done;
	bool json, detail;
	struct report_style style;
};

/*
 * The config a command runs on: -c, else the first of the search list
 * (paths.h) that exists. NULL with c->err set when there is none: where it
 * looked, and how to give one. Caller frees.
 */
static char *config_need(struct cmd_ctx *c)
{
	char *path = paths_config_find(c->o.config, c->err, sizeof(c->err));
	size_t n = strlen(c->err);

	if (!path)
		snprintf(c->err + n, sizeof(c->err) - n, "\n  give one with: httpsmon -c FILE");
	return path;
}

static void probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct run *run = ud;
	struct finished *o = &run->out[tag];

	o->each = r->n_addrs > 0 ? xcalloc((size_t)r->n_addrs, sizeof(*o->each)) : NULL;
	verdict_judge_each(ep, r, util_now_ms() / 1000, &o->v, o->each);
	probe_result_copy(&o->r, r);
	/* the body was only needed for judging; a thousand of them add up */
	free(o->r.body);
	o->r.body = NULL;
	o->done = true;
	run->done++;
}

static enum outcome worst_outcome(const struct run *run)
{
	enum outcome rc = OUTCOME_OK;

	for (size_t i = 0; i < run->cfg->n; i++) {
		if (!run->out[i].done)
			continue;
		if (run->out[i].v.state == STATE_DOWN)
			return OUTCOME_DOWN;
		if (run->out[i].v.state == STATE_WARN)
			rc = OUTCOME_WARN;
	}
	return rc;
}

static void print_results(struct run *run)
{
	int64_t now_s = util_now_ms() / 1000;
	struct strbuf b = { 0 };

	if (!run->json && !run->detail)
		report_table_header(stdout, &run->style);
	for (size_t i = 0; i < run->cfg->n; i++) {
		const struct endpoint *ep = &run->cfg->eps[i];
		struct finished *o = &run->out[i];

		if (!o->done)
			continue;
		if (run->json) {
			strbuf_reset(&b);
			report_json(&b, ep, &o->r, &o->v, o->each, now_s);
			puts(strbuf_cstr(&b));
		} else if (run->detail) {
			report_detail(stdout, &run->style, ep, &o->r, &o->v, o->each, now_s);
		} else {
			report_table_row(stdout, &run->style, ep, &o->r, &o->v, now_s);
		}
	}
	strbuf_done(&b);
}

/*
 * Probes every enabled endpoint once, concurrently, and prints them in
 * config order. OUTCOME_OK/WARN/DOWN from the worst verdict, or
 * OUTCOME_UNUSABLE (err) when no transfer could be set up.
 */
static enum outcome run_check(struct config *cfg, bool json, bool detail, char *err, size_t errlen)
{
	struct run run = { .cfg = cfg, .json = json, .detail = detail };
	struct loop *lp = loop_new(0, err, errlen);
	struct prober *p;
	size_t submitted = 0;
	enum outcome rc;

	if (!lp)
		return OUTCOME_UNUSABLE;
	report_style_detect(&run.style, stdout);
	run.out = xcalloc(cfg->n ? cfg->n : 1, sizeof(*run.out));
	p = prober_new(cfg->max_inflight, probe_done, &run, err, errlen);
	if (!p) {
		free(run.out);
		loop_free(lp);
		return OUTCOME_UNUSABLE;
	}
	/* the loop waits on the transfers only: no signals of its own, so Ctrl-C ends a check at once */
	prober_attach(p, lp);
	for (size_t i = 0; i < cfg->n; i++) {
		if (cfg->eps[i].enabled) {
			prober_submit(p, cfg, i, i);
			submitted++;
		}
	}
	while (run.done < submitted) {
		if (loop_run_once(lp) != 0) {
			fprintf(stderr, "httpsmon: %s\n", loop_error(lp));
			break;
		}
	}
	prober_free(p);
	loop_free(lp);
	print_results(&run);
	rc = worst_outcome(&run);
	for (size_t i = 0; i < cfg->n; i++) {
		probe_result_done(&run.out[i].r);
		free(run.out[i].each);
	}
	free(run.out);
	return rc;
}

/* ---- the commands ---------------------------------------------------------- */

static cmd_fn cmd_check, cmd_check_config, cmd_headless, cmd_history, cmd_stats, cmd_dashboard, cmd_view,
	cmd_help, cmd_version, cmd_test_notify;

static enum outcome check_urls(struct cmd_ctx *c)
{
	const struct options *o = &c->o;
	struct endpoint base;
	struct config *cfg;
	enum outcome rc;

	endpoint_defaults(&base);
	if (o->cacert)
		base.ca_file = xstrdup(o->cacert);
	strlist_copy(&base.resolve, &o->resolve);
	if (o->timeout_ms)
		base.timeout_ms = o->timeout_ms;
	base.ip = (enum ip_mode)o->ip;
	cfg = config_from_urls(c->args, (size_t)c->nargs, &base, c->err, sizeof(c->err));
	endpoint_done(&base);
	if (!cfg)
		return OUTCOME_UNUSABLE;
	rc = run_check(cfg, o->json, true, c->err, sizeof(c->err));
	config_unref(cfg);
	return rc;
}

static enum outcome check_config_file(struct cmd_ctx *c)
{
	char *path = config_need(c);
	struct config *cfg;
	enum outcome rc;

	if (!path)
		return OUTCOME_BAD_CONFIG;
	cfg = config_load(path, c->err, sizeof(c->err));
	free(path);
	if (!cfg)
		return OUTCOME_BAD_CONFIG;
	rc = run_check(cfg, c->o.json, c->o.verbose, c->err, sizeof(c->err));
	config_unref(cfg);
	return rc;
}

/* check URL... or check [-c FILE]: probe options go only with URLs. */
static enum outcome cmd_check(struct cmd_ctx *c)
{
	if (c->nargs > 0 && c->o.config) {
		snprintf(c->err, sizeof(c->err), "give either URLs or -c FILE, not both");
		return OUTCOME_USAGE;
	}
	if (c->nargs > 0)
		return check_urls(c);
	if (c->o.given & OPTF_PROBE) {
		snprintf(c->err, sizeof(c->err), "--cacert, --resolve, --timeout, -4 and -6 go with URLs; "
			 "set them per endpoint in the config file");
		return OUTCOME_USAGE;
	}
	return check_config_file(c);
}

static enum outcome cmd_check_config(struct cmd_ctx *c)
{
	char *path = c->nargs ? xstrdup(c->args[0]) : config_need(c);
	struct config *cfg;
	size_t enabled = 0;

	if (!path)
		return OUTCOME_BAD_CONFIG;
	cfg = config_load(path, c->err, sizeof(c->err));
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
	struct app_opts ao = { .db_path = c->o.db, .log = stderr };
	char *path = config_need(c);
	enum outcome rc = OUTCOME_OK;
	struct svc *sv;
	struct app *a;

	if (!path)
		return OUTCOME_BAD_CONFIG;
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
	struct history_opts h = { .db_path = c->o.db, .endpoint = c->o.endpoint, .json = c->o.json };
	int rc;

	h.since_ms = c->o.since_ms ? c->o.since_ms : (stats ? 30 : 7) * DAY_MS;
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

/* The dashboard on the config: probing, with a hint when a collector already writes the database. */
static enum outcome cmd_dashboard(struct cmd_ctx *c)
{
	char *path = config_need(c);
	enum outcome rc;
	size_t n;

	if (!path)
		return OUTCOME_BAD_CONFIG;
	rc = view_live(path, c->o.db, c->err, sizeof(c->err));
	n = strlen(c->err);
	free(path);
	if (rc != OUTCOME_OK && strstr(c->err, "another httpsmon collector"))
		snprintf(c->err + n, sizeof(c->err) - n, "\nhttpsmon: to watch it without probing: httpsmon --view%s%s",
			 c->o.db ? " --db " : "", c->o.db ? c->o.db : "");
	return rc;
}

/* --view: the dashboard on the database, read-only. */
static enum outcome cmd_view(struct cmd_ctx *c)
{
	return view_readonly(c->o.db, c->err, sizeof(c->err));
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

/* ---- the table --------------------------------------------------------------- */

/* In --help order; the last two have their lines under "options:". */
static const struct cmd_entry cmds[] = {
	{ "check", true,
	  "  httpsmon check URL...        probe URLs once and show timings, verdict, certificates\n"
	  "  httpsmon check [-c FILE]     probe every configured endpoint once, one row each\n",
	  -1, NULL, 0, NULL, cmd_check },
	{ "check-config", true, "  httpsmon check-config [FILE] validate a config file (exit 0 or 3)\n", 1,
	  "check-config takes one FILE and no probe options", OPTF_JSON | OPTF_PROBE,
	  "check-config takes one FILE and no probe options", cmd_check_config },
	{ "--headless", false,
	  "  httpsmon --headless          keep probing on schedule and record history (no terminal)\n", 0,
	  "--headless takes no command ('%s')", 0, NULL, cmd_headless },
	{ "history", true, "  httpsmon history [--endpoint NAME] [--since 7d] [--json]   outages and events\n", 0,
	  "unexpected argument '%s'", 0, NULL, cmd_history },
	{ "stats", true, "  httpsmon stats [--endpoint NAME] [--since 30d] [--json]    uptime and latency percentiles\n",
	  0, "unexpected argument '%s'", 0, NULL, cmd_stats },
	{ "test-notify", true,
	  "  httpsmon test-notify NAME [-c FILE]   send a test alert through [notify:NAME] (exit 0 sent, 2 not)\n",
	  1, "test-notify takes one notifier name", OPTF_JSON | OPTF_PROBE,
	  "test-notify takes only -c FILE", cmd_test_notify },
	{ "dashboard", false,
	  "  httpsmon [-c FILE]           the dashboard: probe on schedule, keep history, show it live\n"
	  "                               (on a terminal; otherwise the same as: check)\n",
	  0, NULL, 0, NULL, cmd_dashboard },
	{ "--view", false, "  httpsmon --view [--db FILE]  read-only dashboard on the database a collector writes\n", 0,
	  "--view takes no command ('%s')", OPTF_JSON | OPTF_VERBOSE | OPTF_PROBE, "--view takes only --db FILE",
	  cmd_view },
	{ "--help", false, "", -1, NULL, 0, NULL, cmd_help },
	{ "--version", false, "", -1, NULL, 0, NULL, cmd_version },
};

static enum outcome cmd_help(struct cmd_ctx *c)
{
	(void)c;
	printf(USAGE_LINE "\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fputs(cmds[i].usage, stdout);
	printf("\n"
	       "options:\n"
	       "  -c, --config FILE   endpoints file (default: the first that exists of\n"
	       "                      ./" PATHS_REPO_CONFIG ", $XDG_CONFIG_HOME/httpsmon/endpoints.ini,\n"
	       "                      " PATHS_SYSTEM_CONFIG ")\n"
	       "      --db FILE       history database (used by the collector and dashboard)\n"
	       "      --json          one JSON object per endpoint per line\n"
	       "  -v, --verbose       with -c: the detailed block for every endpoint, not a table\n"
	       "      --cacert FILE   trust these CA certificates instead of the system store\n"
	       "      --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (repeatable)\n"
	       "      --timeout DUR   whole-probe timeout, e.g. 5s, 800ms (default 10s)\n"
	       "  -4, -6              use IPv4 / IPv6 only\n"
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
 * the dashboard when there are no options and stdin and stdout are a
 * terminal, else check (piped or with check options, as before).
 */
static const struct cmd_entry *cmd_pick(struct cmd_ctx *c)
{
	const struct cmd_entry *ce;

	if (c->o.mode)
		return cmd_find(c->o.mode, false);
	if (c->nargs == 0)
		return cmd_find(!c->o.given && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? "dashboard" : "check",
				false);
	ce = cmd_find(c->args[0], true);
	if (!ce)
		snprintf(c->err, sizeof(c->err), "unknown command '%s'", c->args[0]);
	c->args++;
	c->nargs--;
	return ce;
}

/* The row's own rules on arguments and options, before anything runs. */
static enum outcome cmd_accepts(const struct cmd_entry *ce, struct cmd_ctx *c)
{
	if (ce->max_args >= 0 && c->nargs > ce->max_args) {
		snprintf(c->err, sizeof(c->err), ce->args_msg, c->args[ce->max_args]);
		return OUTCOME_USAGE;
	}
	if (c->o.given & ce->refuses) {
		snprintf(c->err, sizeof(c->err), "%s", ce->refuse_msg);
		return OUTCOME_USAGE;
	}
	return OUTCOME_OK;
}

/* ---- options ------------------------------------------------------------------- */

/* Long options without a short form (beyond any char getopt_long returns). */
enum { OPT_DB = 256, OPT_JSON, OPT_CACERT, OPT_RESOLVE, OPT_TIMEOUT, OPT_HEADLESS, OPT_VIEW, OPT_ENDPOINT, OPT_SINCE };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "resolve", required_argument, NULL, OPT_RESOLVE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "view", no_argument, NULL, OPT_VIEW },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A positive duration for --since/--timeout, or a usage error naming the option and examples. */
static enum outcome duration_arg(struct cmd_ctx *c, const char *opt, const char *eg, int64_t *ms)
{
	if (util_parse_duration_ms(optarg, ms) == 0 && *ms > 0)
		return OUTCOME_OK;
	snprintf(c->err, sizeof(c->err), "bad --%s '%s' (use e.g. %s)", opt, optarg, eg);
	return OUTCOME_USAGE;
}

/* One option from getopt_long; bad: the argument as written, for messages. */
static enum outcome option_take(struct cmd_ctx *c, int ch, const char *bad)
{
	struct options *o = &c->o;

	switch (ch) {
	case 'c':
		o->config = optarg;
		break;
	case OPT_DB:
		o->db = optarg;
		break;
	case OPT_JSON:
		o->json = true;
		o->given |= OPTF_JSON;
		break;
	case 'v':
		o->verbose = true;
		o->given |= OPTF_VERBOSE;
		break;
	case OPT_ENDPOINT:
		o->endpoint = optarg;
		break;
	case OPT_SINCE:
		return duration_arg(c, "since", "24h, 7d, 30d", &o->since_ms);
	case OPT_CACERT:
		o->cacert = optarg;
		o->given |= OPTF_PROBE;
		break;
	case OPT_RESOLVE:
		strlist_push(&o->resolve, optarg);
		o->given |= OPTF_PROBE;
		break;
	case OPT_TIMEOUT:
		o->given |= OPTF_PROBE;
		return duration_arg(c, "timeout", "10s, 800ms", &o->timeout_ms);
	case '4':
		o->ip = IPMODE_V4;
		o->given |= OPTF_PROBE;
		break;
	case '6':
		o->ip = IPMODE_V6;
		o->given |= OPTF_PROBE;
		break;
	/* --headless wins over --view whatever the order; -h and -V end the parse */
	case OPT_HEADLESS:
		o->mode = "--headless";
		break;
	case OPT_VIEW:
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
	enum outcome rc = OUTCOME_OK;
	int ch;

	opterr = 0;
	while (rc == OUTCOME_OK && (ch = getopt_long(argc, argv, ":c:vhV46", longopts, NULL)) != -1) {
		rc = option_take(c, ch, argv[optind - 1]);
		if (ch == 'h' || ch == 'V')
			break;
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	return rc;
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
	if (rc == OUTCOME_OK && !(ce = cmd_pick(&c)))
		rc = OUTCOME_USAGE;
	if (rc == OUTCOME_OK)
		rc = cmd_accepts(ce, &c);
	if (rc == OUTCOME_OK)
		rc = ce->fn(&c);
	strlist_done(&c.o.resolve);
	return main_exit(rc, c.err);
}
