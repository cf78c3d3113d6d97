/*
 * main: the command line. Parses options, picks a mode and wires the
 * modules together for it:
 *   httpsmon [check] [-c FILE]     probe every configured endpoint once, print a table
 *   httpsmon check URL...          probe URLs with default settings, print details
 *   httpsmon check-config [FILE]   validate a config file
 *   httpsmon [-c FILE]             the dashboard (stdin and stdout are a terminal; else: check)
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
#include "httpsmon/probe.h"
#include "httpsmon/report.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"
#include "httpsmon/view.h"

#define EXIT_USAGE 3

struct options {
	const char *config;     /* -c, or NULL for the default search */
	const char *db;
	bool json;
	bool verbose;
	const char *cacert;
	struct strlist resolve;
	int64_t timeout_ms;     /* 0: default */
	int ip;                 /* IPMODE_* */
	bool check_only_opts;   /* an option that only `check` takes was given */
	bool headless;
	bool view;              /* --view: read-only dashboard on the database */
	const char *endpoint;   /* history/stats: one endpoint */
	int64_t since_ms;       /* history/stats: window, 0 = the command's default */
};

/* One finished probe, kept until the run ends so output is in config order. */
struct outcome {
	bool done;
	struct probe_result r;  /* body dropped once judged */
	struct verdict v;
};

struct run {
	struct config *cfg;
	struct outcome *out;
	size_t done;
	bool json, detail;
	struct report_style style;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: httpsmon [OPTIONS] [check [URL...] | check-config [FILE] | history | stats]\n"
		"\n"
		"  httpsmon check URL...        probe URLs once and show timings, verdict, certificates\n"
		"  httpsmon check [-c FILE]     probe every configured endpoint once, one row each\n"
		"  httpsmon check-config [FILE] validate a config file (exit 0 or 3)\n"
		"  httpsmon --headless          keep probing on schedule and record history (no terminal)\n"
		"  httpsmon history [--endpoint NAME] [--since 7d] [--json]   outages and events\n"
		"  httpsmon stats [--endpoint NAME] [--since 30d] [--json]    uptime and latency percentiles\n"
		"  httpsmon [-c FILE]           the dashboard: probe on schedule, keep history, show it live\n"
		"                               (on a terminal; otherwise the same as: check)\n"
		"  httpsmon --view [--db FILE]  read-only dashboard on the database a collector writes\n"
		"\n"
		"options:\n"
		"  -c, --config FILE   endpoints file (default: ./config/endpoints.ini if present,\n"
		"                      else $XDG_CONFIG_HOME/httpsmon/endpoints.ini)\n"
		"      --db FILE       history database (used by the collector and dashboard)\n"
		"      --json          one JSON object per endpoint per line\n"
		"  -v, --verbose       with -c: the detailed block for every endpoint, not a table\n"
		"      --cacert FILE   trust these CA certificates instead of the system store\n"
		"      --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT (repeatable)\n"
		"      --timeout DUR   whole-probe timeout, e.g. 5s, 800ms (default 10s)\n"
		"  -4, -6              use IPv4 / IPv6 only\n"
		"  -h, --help          this help\n"
		"  -V, --version       version\n"
		"\n"
		"exit status: 0 all UP, 1 some WARN, 2 some DOWN, 3 usage or config error\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "httpsmon: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: httpsmon [OPTIONS] [check [URL...] | check-config [FILE] | history | stats]; "
		"try 'httpsmon --help'\n");
	return EXIT_USAGE;
}

/* -c, else ./config/endpoints.ini, else the XDG location. Caller frees. */
static char *config_path(const char *given)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (given)
		return xstrdup(given);
	if (access("config/endpoints.ini", F_OK) == 0)
		return xstrdup("config/endpoints.ini");
	if (xdg && *xdg)
		return xasprintf("%s/httpsmon/endpoints.ini", xdg);
	return xasprintf("%s/.config/httpsmon/endpoints.ini", home ? home : ".");
}

static void probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct run *run = ud;
	struct outcome *o = &run->out[tag];

	verdict_judge(ep, r, util_now_ms() / 1000, &o->v);
	probe_result_copy(&o->r, r);
	/* the body was only needed for judging; a thousand of them add up */
	free(o->r.body);
	o->r.body = NULL;
	o->done = true;
	run->done++;
}

static int worst_exit(const struct run *run)
{
	int rc = 0;

	for (size_t i = 0; i < run->cfg->n; i++) {
		if (!run->out[i].done)
			continue;
		if (run->out[i].v.state == STATE_DOWN)
			return 2;
		if (run->out[i].v.state == STATE_WARN)
			rc = 1;
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
		struct outcome *o = &run->out[i];

		if (!o->done)
			continue;
		if (run->json) {
			strbuf_reset(&b);
			report_json(&b, ep, &o->r, &o->v, now_s);
			puts(strbuf_cstr(&b));
		} else if (run->detail) {
			report_detail(stdout, &run->style, ep, &o->r, &o->v, now_s);
		} else {
			report_table_row(stdout, &run->style, ep, &o->r, &o->v, now_s);
		}
	}
	strbuf_done(&b);
}

/* Probes every enabled endpoint once, concurrently; returns the exit status. */
static int run_check(struct config *cfg, bool json, bool detail)
{
	struct run run = { .cfg = cfg, .json = json, .detail = detail };
	char err[256];
	struct prober *p;
	size_t submitted = 0;
	int rc;

	report_style_detect(&run.style, stdout);
	run.out = xcalloc(cfg->n ? cfg->n : 1, sizeof(*run.out));
	p = prober_new(cfg->max_inflight, probe_done, &run, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "httpsmon: %s\n", err);
		free(run.out);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < cfg->n; i++) {
		if (cfg->eps[i].enabled) {
			prober_submit(p, cfg, i, i);
			submitted++;
		}
	}
	while (run.done < submitted) {
		if (prober_wait(p, NULL, 0, 1000) != 0) {
			fprintf(stderr, "httpsmon: waiting on transfers failed\n");
			break;
		}
		prober_perform(p);
	}
	prober_free(p);
	print_results(&run);
	rc = worst_exit(&run);
	for (size_t i = 0; i < cfg->n; i++)
		probe_result_done(&run.out[i].r);
	free(run.out);
	return rc;
}

static struct config *load_or_report(const char *path)
{
	char err[4096];
	struct config *cfg = config_load(path, err, sizeof(err));

	if (!cfg)
		fprintf(stderr, "%s\n", err);
	return cfg;
}

static int cmd_check_config(const char *path)
{
	struct config *cfg = load_or_report(path);
	size_t enabled = 0;

	if (!cfg)
		return EXIT_USAGE;
	for (size_t i = 0; i < cfg->n; i++)
		enabled += cfg->eps[i].enabled;
	printf("%s: OK, %zu endpoints (%zu enabled)\n", path, cfg->n, enabled);
	config_unref(cfg);
	return 0;
}

static int cmd_check_urls(const struct options *o, char *const *urls, size_t n)
{
	struct endpoint base;
	struct config *cfg;
	char err[1024];
	int rc;

	endpoint_defaults(&base);
	if (o->cacert)
		base.ca_file = xstrdup(o->cacert);
	strlist_copy(&base.resolve, &o->resolve);
	if (o->timeout_ms)
		base.timeout_ms = o->timeout_ms;
	base.ip = (enum ip_mode)o->ip;
	cfg = config_from_urls(urls, n, &base, err, sizeof(err));
	endpoint_done(&base);
	if (!cfg) {
		fprintf(stderr, "httpsmon: %s\n", err);
		return EXIT_USAGE;
	}
	rc = run_check(cfg, o->json, true);
	config_unref(cfg);
	return rc;
}

static int cmd_check_config_file(const struct options *o)
{
	char *path = config_path(o->config);
	struct config *cfg = load_or_report(path);
	int rc;

	free(path);
	if (!cfg)
		return EXIT_USAGE;
	rc = run_check(cfg, o->json, o->verbose);
	config_unref(cfg);
	return rc;
}

/* The dashboard on the config (probing) or, with --view, on the database (read-only). */
static int cmd_dashboard(const struct options *o)
{
	char err[4096];
	char *path;
	int rc;

	if (o->view) {
		rc = view_readonly(o->db, err, sizeof(err));
	} else {
		path = config_path(o->config);
		rc = view_live(path, o->db, err, sizeof(err));
		free(path);
	}
	if (rc != 0)
		fprintf(stderr, "httpsmon: %s\n", err);
	if (rc != 0 && !o->view && strstr(err, "another httpsmon collector"))
		fprintf(stderr, "httpsmon: to watch it without probing: httpsmon --view%s%s\n", o->db ? " --db " : "",
			o->db ? o->db : "");
	return rc;
}

/*
 * The collector without a terminal: probes on schedule, keeps history, logs
 * one line per state change and event to stderr. SIGTERM/SIGINT stop it
 * cleanly (exit 0 once every write landed), SIGHUP reloads the config.
 */
static int cmd_headless(const struct options *o)
{
	struct app_opts ao = { .db_path = o->db, .log = stderr };
	char *path = config_path(o->config);
	char err[4096];
	struct app *a;
	int rc = 0;

	ao.config_path = path;
	a = app_new(&ao, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "httpsmon: %s\n", err);
		free(path);
		return EXIT_USAGE;
	}
	while (!app_stop_requested(a)) {
		if (app_step(a, NULL, 0, 60000) != 0) {
			fprintf(stderr, "httpsmon: event loop failed\n");
			rc = 1;
			break;
		}
	}
	if (app_shutdown(a) != 0)
		rc = 1;
	app_free(a);
	free(path);
	return rc;
}

int main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_JSON, OPT_CACERT, OPT_RESOLVE, OPT_TIMEOUT, OPT_HEADLESS, OPT_ENDPOINT,
	       OPT_SINCE, OPT_VIEW };
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
	struct options o = { 0 };
	const char *cmd;
	int c, rc;

	setlocale(LC_ALL, "");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:vhV46", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case OPT_DB:
			o.db = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_HEADLESS:
			o.headless = true;
			break;
		case OPT_VIEW:
			o.view = true;
			break;
		case OPT_ENDPOINT:
			o.endpoint = optarg;
			break;
		case OPT_SINCE:
			if (util_parse_duration_ms(optarg, &o.since_ms) != 0 || o.since_ms <= 0) {
				strlist_done(&o.resolve);
				return usage_error("bad --since '%s' (use e.g. 24h, 7d, 30d)", optarg);
			}
			break;
		case OPT_CACERT:
			o.cacert = optarg;
			o.check_only_opts = true;
			break;
		case OPT_RESOLVE:
			strlist_push(&o.resolve, optarg);
			o.check_only_opts = true;
			break;
		case OPT_TIMEOUT:
			if (util_parse_duration_ms(optarg, &o.timeout_ms) != 0 || o.timeout_ms <= 0) {
				strlist_done(&o.resolve);
				return usage_error("bad --timeout '%s' (use e.g. 10s, 800ms)", optarg);
			}
			o.check_only_opts = true;
			break;
		case '4':
			o.ip = IPMODE_V4;
			o.check_only_opts = true;
			break;
		case '6':
			o.ip = IPMODE_V6;
			o.check_only_opts = true;
			break;
		case 'h':
			usage(stdout);
			strlist_done(&o.resolve);
			return 0;
		case 'V':
			printf("httpsmon %s\n", HTTPSMON_VERSION);
			strlist_done(&o.resolve);
			return 0;
		case ':':
			strlist_done(&o.resolve);
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			strlist_done(&o.resolve);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}

	if (o.headless) {
		strlist_done(&o.resolve);
		if (optind < argc)
			return usage_error("--headless takes no command ('%s')", argv[optind]);
		return cmd_headless(&o);
	}
	if (o.view) {
		strlist_done(&o.resolve);
		if (optind < argc)
			return usage_error("--view takes no command ('%s')", argv[optind]);
		if (o.json || o.verbose || o.check_only_opts)
			return usage_error("%s", "--view takes only --db FILE");
		return cmd_dashboard(&o);
	}
	/* no command on a terminal: the dashboard; piped or with check options: check, as before */
	if (optind == argc && !o.json && !o.verbose && !o.check_only_opts && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO)) {
		strlist_done(&o.resolve);
		return cmd_dashboard(&o);
	}
	cmd = optind < argc ? argv[optind] : "check";
	if (optind < argc)
		optind++;
	if (!strcmp(cmd, "history") || !strcmp(cmd, "stats")) {
		struct history_opts h = { .db_path = o.db, .endpoint = o.endpoint, .json = o.json };

		strlist_done(&o.resolve);
		if (optind < argc)
			return usage_error("unexpected argument '%s'", argv[optind]);
		h.since_ms = o.since_ms ? o.since_ms : (!strcmp(cmd, "history") ? 7 : 30) * 86400000LL;
		return !strcmp(cmd, "history") ? history_print(stdout, &h) : stats_print(stdout, &h);
	}
	if (!strcmp(cmd, "check-config")) {
		char *path;

		if (argc - optind > 1 || o.json || o.check_only_opts) {
			strlist_done(&o.resolve);
			return usage_error("%s takes one FILE and no probe options", cmd);
		}
		path = optind < argc ? xstrdup(argv[optind]) : config_path(o.config);
		rc = cmd_check_config(path);
		free(path);
	} else if (!strcmp(cmd, "check")) {
		if (optind < argc) {
			if (o.config) {
				strlist_done(&o.resolve);
				return usage_error("%s", "give either URLs or -c FILE, not both");
			}
			rc = cmd_check_urls(&o, argv + optind, (size_t)(argc - optind));
		} else if (o.check_only_opts) {
			strlist_done(&o.resolve);
			return usage_error("%s", "--cacert, --resolve, --timeout, -4 and -6 go with URLs; "
					   "set them per endpoint in the config file");
		} else {
			rc = cmd_check_config_file(&o);
		}
	} else {
		strlist_done(&o.resolve);
		return usage_error("unknown command '%s'", cmd);
	}
	strlist_done(&o.resolve);
	return rc;
}
