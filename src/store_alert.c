/*
 * store_alert: the alert engine's tables (outbox, delivery, alert_mark; see
 * store.c for the schema). Writes are queued in st->aq, in the order the
 * engine made them, and written by store_flush_alerts inside the first
 * chunk of a flush (with the queued outages), so an outbox row and the
 * outage or event that caused it commit together or not at all; a status
 * change queued after its row is written after it. Reads are for the
 * engine at start (pending rows, marks, the id sequence), `httpsmon
 * history` and the dashboard's alerts pane.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

static struct qalert *aq_push(struct store *st, enum qalert_op op)
{
	struct qalert *q;

	st->aq = xgrow(st->aq, st->aq_n, &st->aq_cap, sizeof(*st->aq), 16);
	q = &st->aq[st->aq_n++];
	memset(q, 0, sizeof(*q));
	q->op = op;
	return q;
}

static bool writable(const struct store *st)
{
	return st && st->mode == STORE_COLLECTOR;
}

void store_outbox_add(struct store *st, int64_t id, const char *notifier, const struct alert *a,
		      int status, const char *why)
{
	struct qalert *q;

	if (!writable(st) || !notifier || !a)
		return;
	q = aq_push(st, QA_OUTBOX_ADD);
	q->id = id;
	q->status = status;
	q->notifier = xstrdup(notifier);
	q->why = why ? xstrdup(why) : NULL;
	alert_copy(&q->a, a);
}

void store_outbox_set(struct store *st, int64_t id, int status, int attempts, int64_t done_ms, const char *why)
{
	struct qalert *q;

	if (!writable(st))
		return;
	q = aq_push(st, QA_OUTBOX_SET);
	q->id = id;
	q->status = status;
	q->attempts = attempts;
	q->done_ms = done_ms;
	q->why = why ? xstrdup(why) : NULL;
}

void store_add_delivery(struct store *st, const struct delivery_row *d)
{
	if (writable(st) && d)
		aq_push(st, QA_DELIVERY)->d = *d;
}

void store_alert_mark(struct store *st, const char *key, int64_t value)
{
	struct qalert *q;

	if (!writable(st) || !key)
		return;
	q = aq_push(st, QA_MARK);
	q->notifier = xstrdup(key);
	q->id = value;
}

void store_alerts_pop(struct store *st)
{
	for (size_t i = 0; i < st->aq_n; i++) {
		free(st->aq[i].notifier);
		free(st->aq[i].why);
		alert_done(&st->aq[i].a);
	}
	st->aq_n = 0;
}

/* "a,b,c" of a's tags into b (reset first). */
static const char *tags_join(struct strbuf *b, const struct strlist *tags)
{
	strbuf_reset(b);
	for (size_t i = 0; i < tags->n; i++)
		strbuf_printf(b, "%s%s", i ? "," : "", tags->v[i]);
	return strbuf_cstr(b);
}

static int write_outbox(struct store *st, const struct qalert *q, struct strbuf *tags)
{
	sqlite3_stmt *s = store_stmt(st, S_OUTBOX_ADD);
	const struct alert *a = &q->a;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, q->id);
	store_bind_text(s, 2, q->notifier);
	store_bind_text(s, 3, alert_kind_name(a->kind));
	sqlite3_bind_int64(s, 4, a->time_s);
	store_bind_text(s, 5, a->endpoint);
	store_bind_text(s, 6, a->url);
	store_bind_text(s, 7, a->state);
	store_bind_text(s, 8, a->reason);
	store_bind_text(s, 9, a->message);
	sqlite3_bind_int64(s, 10, a->since_s);
	sqlite3_bind_int64(s, 11, a->end_s);
	sqlite3_bind_int64(s, 12, a->duration_s);
	if (a->has_days_left)
		sqlite3_bind_int(s, 13, a->days_left);
	else
		sqlite3_bind_null(s, 13);
	sqlite3_bind_int(s, 14, a->failed_probes);
	store_bind_text(s, 15, tags_join(tags, &a->tags));
	sqlite3_bind_int(s, 16, q->status);
	store_bind_text(s, 17, q->why);
	return store_stmt_run(s) == SQLITE_OK ? 0 : -1;
}

static int write_one(struct store *st, const struct qalert *q, struct strbuf *tags)
{
	sqlite3_stmt *s;

	switch (q->op) {
	case QA_OUTBOX_ADD:
		return write_outbox(st, q, tags);
	case QA_OUTBOX_SET:
		if (!(s = store_stmt(st, S_OUTBOX_SET)))
			return -1;
		sqlite3_bind_int64(s, 1, q->id);
		sqlite3_bind_int(s, 2, q->status);
		sqlite3_bind_int(s, 3, q->attempts);
		if (q->done_ms)
			sqlite3_bind_int64(s, 4, q->done_ms);
		else
			sqlite3_bind_null(s, 4);
		store_bind_text(s, 5, q->why);
		break;
	case QA_DELIVERY:
		if (!(s = store_stmt(st, S_DELIVERY_ADD)))
			return -1;
		sqlite3_bind_int64(s, 1, q->d.t_ms);
		store_bind_text(s, 2, q->d.notifier);
		store_bind_text(s, 3, q->d.kind);
		store_bind_text(s, 4, q->d.endpoints);
		sqlite3_bind_int(s, 5, q->d.count);
		store_bind_text(s, 6, q->d.result);
		sqlite3_bind_int(s, 7, q->d.code);
		store_bind_text(s, 8, q->d.error[0] ? q->d.error : NULL);
		store_bind_text(s, 9, q->d.target[0] ? q->d.target : NULL);
		break;
	case QA_MARK:
		if (!(s = store_stmt(st, S_MARK_PUT)))
			return -1;
		store_bind_text(s, 1, q->notifier);
		sqlite3_bind_int64(s, 2, q->id);
		break;
	default:
		return -1;
	}
	return store_stmt_run(s) == SQLITE_OK ? 0 : -1;
}

int store_flush_alerts(struct store *st)
{
	struct strbuf tags = { 0 };
	int rc = 0;

	for (size_t i = 0; i < st->aq_n && rc == 0; i++)
		rc = write_one(st, &st->aq[i], &tags);
	strbuf_done(&tags);
	return rc;
}

int store_alerts_age(struct store *st, int64_t before_ms)
{
	sqlite3_stmt *s;

	for (enum stmt k = S_OUTBOX_AGE; k <= S_DELIVERY_AGE; k++) {
		if (!(s = store_stmt(st, k)))
			return -1;
		sqlite3_bind_int64(s, 1, before_ms);
		if (store_stmt_run(s) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* ---- reads ---- */

static void outbox_read(sqlite3_stmt *s, struct outbox_row *r)
{
	enum alert_kind k = ALERT_TEST;
	char buf[512], *tags;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, r->notifier, sizeof(r->notifier));
	store_col_text(s, 2, buf, sizeof(buf));
	alert_kind_parse(buf, &k);
	alert_init(&r->a, k);
	r->a.id = r->id;
	r->a.time_s = sqlite3_column_int64(s, 3);
	r->a.endpoint = store_col_dup(s, 4);
	r->a.url = store_col_dup(s, 5);
	r->a.state = store_col_dup(s, 6);
	r->a.reason = store_col_dup(s, 7);
	r->a.message = store_col_dup(s, 8);
	r->a.since_s = sqlite3_column_int64(s, 9);
	r->a.end_s = sqlite3_column_int64(s, 10);
	r->a.duration_s = sqlite3_column_int64(s, 11);
	r->a.has_days_left = sqlite3_column_type(s, 12) != SQLITE_NULL;
	r->a.days_left = sqlite3_column_int(s, 12);
	r->a.failed_probes = sqlite3_column_int(s, 13);
	tags = store_col_dup(s, 14);
	if (tags) {
		char *save = NULL;

		for (char *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save))
			strlist_push(&r->a.tags, t);
	}
	free(tags);
	r->status = sqlite3_column_int(s, 15);
	r->attempts = sqlite3_column_int(s, 16);
	r->done_ms = sqlite3_column_int64(s, 17);
	store_col_text(s, 18, r->why, sizeof(r->why));
}

static int outbox_rows(sqlite3_stmt *s, struct outbox_row **rows, size_t *n)
{
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 16);
		outbox_read(s, &(*rows)[(*n)++]);
	}
	if (rc != SQLITE_DONE) {
		store_outbox_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return store_rows_done(s, rc, NULL, n);
}

int store_outbox_pending(struct store *st, struct outbox_row **rows, size_t *n)
{
	return outbox_rows(st ? store_stmt(st, S_OUTBOX_PENDING) : NULL, rows, n);
}

int store_outbox_recent(struct store *st, size_t limit, struct outbox_row **rows, size_t *n)
{
	sqlite3_stmt *s = st ? store_stmt(st, S_OUTBOX_RECENT) : NULL;

	if (s)
		sqlite3_bind_int64(s, 1, (int64_t)limit);
	return outbox_rows(s, rows, n);
}

void store_outbox_rows_free(struct outbox_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		alert_done(&rows[i].a);
	free(rows);
}

int64_t store_outbox_max_id(struct store *st)
{
	return store_query_int(st, S_OUTBOX_MAX, -1);
}

int store_deliveries(struct store *st, int64_t since_ms, size_t limit, struct delivery_row **rows, size_t *n)
{
	sqlite3_stmt *s = st ? store_stmt(st, S_DELIVERIES) : NULL;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, since_ms);
	sqlite3_bind_int64(s, 2, (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct delivery_row *d;

		*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 16);
		d = &(*rows)[(*n)++];
		d->t_ms = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, d->notifier, sizeof(d->notifier));
		store_col_text(s, 2, d->kind, sizeof(d->kind));
		store_col_text(s, 3, d->endpoints, sizeof(d->endpoints));
		d->count = sqlite3_column_int(s, 4);
		store_col_text(s, 5, d->result, sizeof(d->result));
		d->code = sqlite3_column_int(s, 6);
		store_col_text(s, 7, d->error, sizeof(d->error));
		store_col_text(s, 8, d->target, sizeof(d->target));
	}
	if (store_rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
}

int store_alert_marks(struct store *st, const char *prefix,
		      void (*cb)(void *ud, const char *key, int64_t value), void *ud)
{
	sqlite3_stmt *s = st ? store_stmt(st, S_MARKS) : NULL;
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, prefix ? prefix : "");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(ud, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}
