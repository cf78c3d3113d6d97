/*
 * store_posture: the posture table (schema 10, see store.c): one row per
 * posture pass, the pass and its grade as posture_rec JSON. Passes go
 * through the write queue like events (store_flush.c commits them with
 * the first chunk; a database that is locked or full keeps them queued and
 * store_spill saves them to the spill file as G records), so a pass is
 * never lost to a full disk; the queue holds at most POSTURE_QUEUE_MAX,
 * past it the oldest goes, counted in store_dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/spill.h"
#include "httpsmon/util.h"
#include "store_int.h"

#define POSTURE_QUEUE_MAX 1000
enum { SP_G = 7 };

static void qposture_free(struct qposture *q)
{
	free(q->grade);
	free(q->changes);
	free(q->json);
}

/* Queues a pass whose JSON is json (taken). */
static void queue(struct store *st, const char *name, int64_t t_ms, const char *grade, bool changed,
		  const char *changes, char *json)
{
	struct qposture *q;

	if (st->psq_n == POSTURE_QUEUE_MAX) {
		qposture_free(&st->psq[0]);
		memmove(st->psq, st->psq + 1, (st->psq_n - 1) * sizeof(*st->psq));
		st->psq_n--;
		st->dropped++;
	}
	st->psq = xgrow(st->psq, st->psq_n, &st->psq_cap, sizeof(*st->psq), 8);
	q = &st->psq[st->psq_n++];
	q->ep = store_ep_intern(st, name, NULL);
	q->t_ms = t_ms;
	q->changed = changed;
	q->grade = xstrdup(grade ? grade : "");
	q->changes = changes && *changes ? xstrdup(changes) : NULL;
	q->json = json;
}

void store_add_posture(struct store *st, const char *name, const struct posture_rec *r, bool changed,
		       const char *changes)
{
	if (!st || st->mode != STORE_COLLECTOR || !name || !r)
		return;
	queue(st, name, r->t_ms, r->g.grade, changed, changes, posture_rec_to_json(r));
}

int store_flush_posture(struct store *st)
{
	sqlite3_stmt *del = store_stmt(st, S_POSTURE_SAME_DEL), *add = store_stmt(st, S_POSTURE_ADD);
	int rc = del && add ? SQLITE_OK : SQLITE_ERROR;

	for (size_t i = 0; rc == SQLITE_OK && i < st->psq_n; i++) {
		const struct qposture *q = &st->psq[i];
		const char *name = st->eps[q->ep].name;

		if (!q->changed) {
			sqlite3_bind_text(del, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(del, 2, q->t_ms);
			rc = store_stmt_run(del);
		}
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_text(add, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(add, 2, q->t_ms);
		sqlite3_bind_text(add, 3, q->grade, -1, SQLITE_STATIC);
		sqlite3_bind_int(add, 4, q->changed);
		store_bind_text(add, 5, q->changes);
		sqlite3_bind_text(add, 6, q->json, -1, SQLITE_STATIC);
		rc = store_stmt_run(add);
	}
	if (add)
		sqlite3_clear_bindings(add);
	return rc == SQLITE_OK ? 0 : -1;
}

void store_posture_pop(struct store *st)
{
	for (size_t i = 0; i < st->psq_n; i++)
		qposture_free(&st->psq[i]);
	st->psq_n = 0;
}

void store_spill_posture(struct store *st, struct spill_w *w)
{
	char t[24];

	for (size_t i = 0; i < st->psq_n; i++) {
		const struct qposture *q = &st->psq[i];
		const char *f[SP_G] = { "G", st->eps[q->ep].name, t, q->grade, q->changed ? "1" : "0", q->changes, q->json };

		snprintf(t, sizeof t, "%lld", (long long)q->t_ms);
		spill_put(w, f, SP_G);
	}
}

int store_import_posture(struct store *st, char **f, int nf)
{
	struct posture_rec r;
	char *end;
	long long t;

	if (nf != SP_G || !f[1] || !f[2] || !f[3] || !f[4] || !f[6])
		return -1;
	t = strtoll(f[2], &end, 10);
	/* the JSON is read back as the table's reader reads it: a record it cannot read is not queued */
	if (*end || t <= 0 || (strcmp(f[4], "0") && strcmp(f[4], "1")) || posture_rec_from_json(f[6], &r) != 0)
		return -1;
	queue(st, f[1], t, f[3], f[4][0] == '1', f[5], xstrdup(f[6]));
	return 0;
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
