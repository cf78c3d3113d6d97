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

#include "main_int.h"

/* Long options return OPT_LONG + enum opt (beyond any char getopt_long returns). */
#define OPT_LONG 256
enum { MODE_HEADLESS = OPT_LONG + O_COUNT, MODE_VIEW };

const struct optspec optspecs[O_COUNT] = {
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

static cmd_fn cmd_help, cmd_version;

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
