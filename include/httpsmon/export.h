/*
 * export: `httpsmon export`, the history as raw rows for other tools:
 * probes, outages or events of one endpoint or all, over a window, as CSV
 * (RFC 4180: a header line, CRLF line ends, fields with a comma, quote, CR
 * or LF quoted, quotes doubled) or JSON lines (one object per row). Every
 * column the database has (store_rows_open), times in ISO 8601 UTC with
 * milliseconds. Streams: one row in memory at a time. Text from the
 * network is made terminal-safe: control characters become visible escapes
 * in CSV (util_sanitize) and \u escapes in JSON.
 */
#ifndef HTTPSMON_EXPORT_H
#define HTTPSMON_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "httpsmon/store.h"

struct export_opts {
	const char *db_path;     /* NULL: store_default_path() */
	const char *endpoint;    /* NULL: every endpoint; else it must be in the database */
	int64_t since_ms;        /* window [since_ms, until_ms), Unix ms */
	int64_t until_ms;
	enum store_what what;
	bool json;               /* JSON lines, else CSV */
};

/*
 * Writes the rows to out. Returns the number of rows written, or -1 with
 * err (a database that cannot be read, an unknown endpoint: "no endpoint
 * 'X' in DB (known: ...)", a write error on out).
 */
long export_run(FILE *out, const struct export_opts *o, char *err, size_t errlen);

/*
 * The same on an open store, to a new file at path (created 0600, never
 * over an existing file): what the history pane's export key calls.
 * Returns the rows written, or -1 with err (the file is removed).
 */
long export_to_file(struct store *st, const char *path, const struct export_opts *o, char *err, size_t errlen);

#endif
