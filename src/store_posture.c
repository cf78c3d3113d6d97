/*
 * store_posture: the posture table (schema 9, see store.c): one row per
 * posture pass, the pass and its grade as posture_rec JSON. Writes run in
 * their own short transaction outside the write queue, like store_mute.c:
 * a pass is rare (daily by default), and the next start reads it back so
 * the dashboard shows the last grade before any new pass. A row that
 * cannot be written is reported to the caller once and not retried: the
 * next pass writes its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

int store_put_posture(struct store *st, const char *name, const struct posture_rec *r, bool changed,
		      const char *changes, char *err, size_t errlen)
{
	sqlite3_stmt *del = store_stmt(st, S_POSTURE_SAME_DEL), *add = store_stmt(st, S_POSTURE_ADD);
	char *json;
	int rc;

	if (!del || !add) {
		snprintf(err, errlen, "cannot write the posture of %s in %s: %s", name, st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	json = posture_rec_to_json(r);
	sqlite3_bind_text(del, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(add, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(add, 2, r->t_ms);
	sqlite3_bind_text(add, 3, r->g.grade, -1, SQLITE_STATIC);
	sqlite3_bind_int(add, 4, changed);
	store_bind_text(add, 5, changes && *changes ? changes : NULL);
	sqlite3_bind_text(add, 6, json, -1, SQLITE_STATIC);
	rc = store_run(st, S_BEGIN_W);
	if (rc == SQLITE_OK && !changed)
		rc = store_stmt_run(del);
	if (rc == SQLITE_OK)
		rc = store_stmt_run(add);
	if (rc == SQLITE_OK)
		rc = store_run(st, S_COMMIT);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot write the posture of %s in %s: %s", name, st->path, sqlite3_errmsg(st->db));
		store_rollback(st);
	}
	sqlite3_reset(del);
	sqlite3_clear_bindings(add);
	free(json);
	return rc == SQLITE_OK ? 0 : -1;
}

int store_last_posture(struct store *st, const char *name, struct posture_rec *out)
{
	sqlite3_stmt *s;
	int rc, found = 1;

	memset(out, 0, sizeof *out);
	posture_init(&out->p);
	if (!st || !(s = store_stmt(st, S_POSTURE_LAST)))
		return -1;
	store_bind_name(s, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		found = posture_rec_from_json((const char *)sqlite3_column_text(s, 0), out) == 0 ? 0 : 1;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}
