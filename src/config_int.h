/*
 * config internals: what config.c lends config_notify.c (the loader's raw
 * sections and its error list). Private to src/config*.c.
 */
#ifndef HTTPSMON_CONFIG_INT_H
#define HTTPSMON_CONFIG_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "httpsmon/config.h"

#define CONFIG_NAME_MAX     64  /* section (endpoint) name, bytes */

struct rawkv {
	char *key;
	char *value;         /* after ${VAR} substitution */
	char *written;       /* as in the file when a substitution changed it, else NULL */
	struct strlist subs; /* "NAME=value" substituted: kept out of messages */
	bool bad;            /* substitution failed (already reported): not applied */
	int line;
};

struct rawsec {
	char *name;
	int line;
	struct rawkv *kv;
	size_t n;
};

struct cerr {
	int line;   /* 0: about the whole file */
	size_t seq; /* keeps the order of errors found on one line */
	char *msg;  /* the whole line, "FILE:LINE: ..." */
};

struct loader {
	const char *path;
	char *dir;           /* of path, for relative file names; NULL = cwd */
	FILE *f;
	char *buf;           /* getline buffer */
	size_t cap;
	int line;            /* line last handed to inih */
	size_t line_max;     /* longest line inih takes, characters */
	int read_errno;
	struct rawsec *secs;
	size_t nsecs;
	long cur;            /* index into secs; NO_SECTION or BROKEN_SECTION */
	struct config *cfg;  /* being built: where global keys go */
	struct cerr *errs;
	size_t nerrs;
	const struct rawkv *cur_kv; /* being applied: its substituted values are scrubbed from errors */
};
#define NO_SECTION     (-1)
#define BROKEN_SECTION (-2) /* header was rejected: its keys are skipped silently */

/*
 * Adds "FILE:LINE: [section] key: message" to ld's errors (line 0: about
 * the file; section, key NULL: left out). The values substituted into the
 * key being applied (ld->cur_kv) are scrubbed from the message.
 */
void config_err_add(struct loader *ld, int line, const char *section, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The "[notify:NAME]" sections of ld into cfg->notifiers (config_notify.c). */
void config_notifiers_build(struct loader *ld, struct config *cfg);

/*
 * Checks that every name in e->notify is a notifier of cfg; a problem goes
 * on line (where notify was set) of section.
 */
void config_notify_names_check(struct loader *ld, const struct config *cfg, const struct endpoint *e,
			       const char *section, int line);

#define CONFIG_NOTIFY_PREFIX "notify:"

#endif
