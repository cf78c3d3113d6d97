/*
 * main_cmd: the commands of the command line, one function each, run by
 * main.c's table with the options it parsed (main_int.h). Each says how it
 * ended (enum outcome) and leaves its message in c->err; main.c reports it.
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

#include "main_int.h"

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
bool is_url(const char *s)
{
	return !strncmp(s, "https://", 8) || !strncmp(s, "http://", 7);
}

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
enum outcome cmd_check_urls(struct cmd_ctx *c)
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
enum outcome cmd_scan_urls(struct cmd_ctx *c)
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
enum outcome cmd_check(struct cmd_ctx *c)
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
enum outcome cmd_scan(struct cmd_ctx *c)
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

enum outcome cmd_check_config(struct cmd_ctx *c)
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
enum outcome cmd_headless(struct cmd_ctx *c)
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

enum outcome cmd_history(struct cmd_ctx *c)
{
	return history_or_stats(c, false);
}

enum outcome cmd_stats(struct cmd_ctx *c)
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
enum outcome cmd_export(struct cmd_ctx *c)
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
enum outcome cmd_init(struct cmd_ctx *c)
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
enum outcome cmd_add(struct cmd_ctx *c)
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
enum outcome cmd_dashboard(struct cmd_ctx *c)
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
enum outcome cmd_view(struct cmd_ctx *c)
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
enum outcome cmd_test_notify(struct cmd_ctx *c)
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
enum outcome cmd_mute(struct cmd_ctx *c)
{
	if (c->nargs != 2) {
		snprintf(c->err, sizeof(c->err), "mute takes NAME and DURATION (1h, 4h, 24h or until-up)");
		return OUTCOME_USAGE;
	}
	return mute_command(c->o.arg[O_DB], c->args[0], c->args[1], c->o.arg[O_REASON], c->err, sizeof(c->err));
}

enum outcome cmd_unmute(struct cmd_ctx *c)
{
	if (c->nargs != 1) {
		snprintf(c->err, sizeof(c->err), "unmute takes one NAME");
		return OUTCOME_USAGE;
	}
	return unmute_command(c->o.arg[O_DB], c->args[0], c->err, sizeof(c->err));
}