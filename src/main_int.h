/*
 * main_int.h: what the command line (main.c: the table, the options,
 * main()) shares with the commands it runs (main_cmd.c): the options as
 * parsed, the context a command gets, and the commands themselves. Private
 * to those two files; main.o and main_cmd.o are the program, not a layer.
 */
#ifndef HTTPSMON_MAIN_INT_H
#define HTTPSMON_MAIN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "httpsmon/outcome.h"
#include "httpsmon/util.h"

/* Every option, one bit each in struct cmd_entry.accepts. */
enum opt {
	O_CONFIG, O_DB, O_JSON, O_VERBOSE, O_CACERT, O_RESOLVE, O_TIMEOUT, O_IPV4, O_IPV6,
	O_ENDPOINT, O_SINCE, O_UNTIL, O_FORMAT, O_WHAT, O_NAME, O_REASON, O_REMOTE, O_TOKEN,
	O_EXPECT_STATUS, O_CERT_WARN_DAYS, O_CERT_CRIT_DAYS, O_MIN_TLS, O_LATENCY_WARN, O_EXPECT_BODY,
	O_COUNT
};
#define OPT(o) ((uint64_t)1 << (o))

/* One option: its spellings and, for check URL's thresholds, the config key it sets. */
struct optspec {
	const char *name;       /* long name */
	char short_name;        /* or 0 */
	int has_arg;
	const char *key;        /* check URL: the config key it sets (endpoint_set), else NULL */
};
extern const struct optspec optspecs[O_COUNT];

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

/* The commands (main_cmd.c); --help and --version, which read the table, are main.c's. */
cmd_fn cmd_check, cmd_check_urls, cmd_scan, cmd_scan_urls, cmd_check_config, cmd_headless, cmd_history,
	cmd_stats, cmd_export, cmd_init, cmd_add, cmd_dashboard, cmd_view, cmd_test_notify, cmd_mute, cmd_unmute;
/* An argument of check or scan that is a URL rather than an endpoint name. */
bool is_url(const char *s);

#endif
