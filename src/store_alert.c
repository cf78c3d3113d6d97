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

#include "httpsmon/spill.h"
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
	store_bind_opt(s, 13, a->has_days_left, a->days_left);
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
		store_bind_opt(s, 4, q->done_ms != 0, q->done_ms);
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

int store_alerts_age(struct store *st, int64_t before_ms, int64_t resend_before_ms)
{
	sqlite3_stmt *s;

	for (enum stmt k = S_OUTBOX_AGE; k <= S_RESEND_AGE; k++) {
		if (!(s = store_stmt(st, k)))
			return -1;
		sqlite3_bind_int64(s, 1, k == S_RESEND_AGE ? resend_before_ms : before_ms);
		if (store_stmt_run(s) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* ---- the spill file (store_spill.c) ---- */

/* fields per alert record: A outbox row, S its status, D a delivery attempt, M a mark */
enum { SP_A = 18, SP_S = 6, SP_D = 10, SP_M = 3 };

static const char *i64s(char b[24], int64_t v)
{
	snprintf(b, 24, "%lld", (long long)v);
	return b;
}

static void spill_outbox(const struct qalert *q, struct spill_w *w, struct strbuf *tags)
{
	const struct alert *a = &q->a;
	char n[10][24];
	const char *f[SP_A] = { "A", i64s(n[0], q->id), q->notifier, alert_kind_name(a->kind), i64s(n[1], a->time_s),
				a->endpoint, a->url, a->state, a->reason, a->message, i64s(n[2], a->since_s),
				i64s(n[3], a->end_s), i64s(n[4], a->duration_s),
				a->has_days_left ? i64s(n[5], a->days_left) : NULL, i64s(n[6], a->failed_probes),
				tags_join(tags, &a->tags), i64s(n[7], q->status), q->why };

	spill_put(w, f, SP_A);
}

void store_spill_alerts(struct store *st, struct spill_w *w)
{
	struct strbuf tags = { 0 };
	char n[6][24];

	for (size_t i = 0; i < st->aq_n; i++) {
		const struct qalert *q = &st->aq[i];
		const struct delivery_row *d = &q->d;

		if (q->op == QA_OUTBOX_ADD) {
			spill_outbox(q, w, &tags);
		} else if (q->op == QA_OUTBOX_SET) {
			const char *f[SP_S] = { "S", i64s(n[0], q->id), i64s(n[1], q->status), i64s(n[2], q->attempts),
						i64s(n[3], q->done_ms), q->why };

			spill_put(w, f, SP_S);
		} else if (q->op == QA_DELIVERY) {
			const char *f[SP_D] = { "D", i64s(n[0], d->t_ms), d->notifier, d->kind, d->endpoints,
						i64s(n[1], d->count), d->result, i64s(n[2], d->code), d->error, d->target };

			spill_put(w, f, SP_D);
		} else {
			const char *f[SP_M] = { "M", q->notifier, i64s(n[0], q->id) };

			spill_put(w, f, SP_M);
		}
	}
	strbuf_done(&tags);
}

static int64_t num(const char *s, bool *ok)
{
	char *end;
	long long v;

	if (!s || !*s) {
		*ok = false;
		return 0;
	}
	v = strtoll(s, &end, 10);
	*ok = *ok && !*end;
	return v;
}

/* An A record back into the queue. 0, or -1 when malformed. */
static int import_outbox(struct store *st, char **f)
{
	enum alert_kind k;
	struct alert a;
	bool ok = f[2] && alert_kind_parse(f[3], &k) == 0;
	int64_t id = num(f[1], &ok), status = num(f[16], &ok);
	char *save = NULL, *t;

	if (!ok)
		return -1;
	alert_init(&a, k);
	a.time_s = num(f[4], &ok);
	alert_set(&a.endpoint, f[5]);
	alert_set(&a.url, f[6]);
	alert_set(&a.state, f[7]);
	alert_set(&a.reason, f[8]);
	alert_set(&a.message, f[9]);
	a.since_s = num(f[10], &ok);
	a.end_s = num(f[11], &ok);
	a.duration_s = num(f[12], &ok);
	a.has_days_left = f[13] != NULL;
	a.days_left = f[13] ? (int)num(f[13], &ok) : 0;
	a.failed_probes = (int)num(f[14], &ok);
	for (t = f[15] ? strtok_r(f[15], ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		strlist_push(&a.tags, t);
	if (ok)
		store_outbox_add(st, id, f[2], &a, (int)status, f[17]);
	alert_done(&a);
	return ok ? 0 : -1;
}

int store_import_alert(struct store *st, char **f, int nf)
{
	bool ok = true;

	if (!strcmp(f[0], "A") && nf == SP_A)
		return import_outbox(st, f);
	if (!strcmp(f[0], "S") && nf == SP_S) {
		int64_t id = num(f[1], &ok), status = num(f[2], &ok), attempts = num(f[3], &ok), done = num(f[4], &ok);

		if (ok)
			store_outbox_set(st, id, (int)status, (int)attempts, done, f[5]);
	} else if (!strcmp(f[0], "D") && nf == SP_D) {
		struct delivery_row d = { .t_ms = num(f[1], &ok), .count = (int)num(f[5], &ok), .code = (int)num(f[7], &ok) };

		snprintf(d.notifier, sizeof(d.notifier), "%s", f[2] ? f[2] : "");
		snprintf(d.kind, sizeof(d.kind), "%s", f[3] ? f[3] : "");
		snprintf(d.endpoints, sizeof(d.endpoints), "%s", f[4] ? f[4] : "");
		snprintf(d.result, sizeof(d.result), "%s", f[6] ? f[6] : "");
		snprintf(d.error, sizeof(d.error), "%s", f[8] ? f[8] : "");
		snprintf(d.target, sizeof(d.target), "%s", f[9] ? f[9] : "");
		if (ok && f[2])
			store_add_delivery(st, &d);
	} else if (!strcmp(f[0], "M") && nf == SP_M) {
		int64_t v = num(f[2], &ok);

		if (ok && f[1])
			store_alert_mark(st, f[1], v);
	} else {
		return -1;
	}
	return ok ? 0 : -1;
}

bool store_is_alert_record(const char *kind)
{
	return kind && kind[1] == '\0' && strchr("ASDM", kind[0]);
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

/* The row of id in rows[n], or NULL. */
static struct outbox_row *row_of(struct outbox_row *rows, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

/*
 * The queued alert writes applied to the pending rows read from the file:
 * rows imported from a spill file (or written by this collector) that are
 * not in the file yet count, and a row the queue has since delivered or
 * given up does not.
 */
static void pending_merge(const struct store *st, struct outbox_row **rows, size_t *n)
{
	size_t cap = *n, w = 0;

	for (size_t i = 0; i < st->aq_n; i++) {
		const struct qalert *q = &st->aq[i];
		struct outbox_row *r = row_of(*rows, *n, q->id);

		if (q->op == QA_OUTBOX_ADD) {
			if (r) {
				alert_done(&r->a);
			} else {
				*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 16);
				r = &(*rows)[(*n)++];
			}
			memset(r, 0, sizeof(*r));
			r->id = q->id;
			snprintf(r->notifier, sizeof(r->notifier), "%s", q->notifier);
			alert_copy(&r->a, &q->a);
			r->a.id = q->id;
			r->status = q->status;
		} else if (q->op == QA_OUTBOX_SET && r) {
			r->status = q->status;
			r->attempts = q->attempts;
			r->done_ms = q->done_ms;
		}
	}
	for (size_t i = 0; i < *n; i++) {
		if ((*rows)[i].status == OUTBOX_PENDING)
			(*rows)[w++] = (*rows)[i];
		else
			alert_done(&(*rows)[i].a);
	}
	*n = w;
}

int store_outbox_pending(struct store *st, struct outbox_row **rows, size_t *n)
{
	if (outbox_rows(st ? store_stmt(st, S_OUTBOX_PENDING) : NULL, rows, n) != 0)
		return -1;
	pending_merge(st, rows, n);
	return 0;
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
	int64_t max = store_query_int(st, S_OUTBOX_MAX, -1);

	/* ids queued and not written yet (a spill file's) are taken too */
	for (size_t i = 0; st && max >= 0 && i < st->aq_n; i++)
		if (st->aq[i].op == QA_OUTBOX_ADD && st->aq[i].id > max)
			max = st->aq[i].id;
	return max;
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
	/* and the queued ones (a spill file's), after: the newer value wins */
	for (size_t i = 0; rc == SQLITE_DONE && i < st->aq_n; i++)
		if (st->aq[i].op == QA_MARK && !strncmp(st->aq[i].notifier, prefix ? prefix : "", strlen(prefix ? prefix : "")))
			cb(ud, st->aq[i].notifier, st->aq[i].id);
	return rc == SQLITE_DONE ? 0 : -1;
}
