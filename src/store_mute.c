/*
 * store_mute: the mute table (schema 4, see store.c): set, clear and list
 * mutes, and the cheap test a collector polls to notice that `httpsmon
 * mute` changed them from another process (PRAGMA data_version).
 *
 * Writes run in their own short transaction, outside the write queue: a
 * mute is a command, not a sample, and must be in the file when the
 * command returns. The collector never holds a transaction open between
 * passes, so this never waits behind its own flush.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

static int fail(struct store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot %s in %s: %s", what, st->path, sqlite3_errmsg(st->db));
	return -1;
}

int store_mute_set(struct store *st, const char *name, int64_t since_ms, int64_t until_ms, const char *reason,
		   char *err, size_t errlen)
{
	sqlite3_stmt *set = store_stmt(st, S_MUTE_SET), *prune = store_stmt(st, S_MUTE_PRUNE);

	if (!set || !prune)
		return fail(st, "write mutes", err, errlen);
	sqlite3_bind_text(set, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(set, 2, since_ms);
	store_bind_opt(set, 3, until_ms > 0, until_ms);
	store_bind_text(set, 4, reason && *reason ? reason : NULL);
	sqlite3_bind_int64(prune, 1, since_ms);
	if (store_run(st, S_BEGIN_W) != SQLITE_OK || store_stmt_run(set) != SQLITE_OK ||
	    store_stmt_run(prune) != SQLITE_OK || store_run(st, S_COMMIT) != SQLITE_OK) {
		fail(st, "write the mute", err, errlen);
		store_rollback(st);
		return -1;
	}
	return 0;
}

int store_mute_clear(struct store *st, const char *name, bool *found, char *err, size_t errlen)
{
	sqlite3_stmt *del = store_stmt(st, S_MUTE_DEL);

	*found = false;
	if (!del)
		return fail(st, "write mutes", err, errlen);
	sqlite3_bind_text(del, 1, name, -1, SQLITE_STATIC);
	if (store_stmt_run(del) != SQLITE_OK)
		return fail(st, "remove the mute", err, errlen);
	*found = sqlite3_changes(st->db) > 0;
	return 0;
}

int store_mutes(struct store *st, int64_t now_ms, struct mute_row **rows, size_t *n)
{
	sqlite3_stmt *s = store_stmt(st, S_MUTE_LIST);
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mute_row *r;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*rows = xrealloc(*rows, cap * sizeof(**rows));
		}
		r = &(*rows)[(*n)++];
		r->name = store_col_dup(s, 0);
		r->since_ms = sqlite3_column_int64(s, 1);
		r->until_ms = sqlite3_column_type(s, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 2);
		r->reason = store_col_dup(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_mute_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void store_mute_rows_free(struct mute_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].name);
		free(rows[i].reason);
	}
	free(rows);
}

bool store_changed_elsewhere(struct store *st)
{
	int64_t v = store_query_int(st, S_DATA_VERSION, -1);
	bool changed = !st->data_version_seen || v != st->data_version;

	st->data_version = v;
	st->data_version_seen = true;
	return changed;
}
