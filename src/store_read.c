/*
 * store_read: reads of rows: outages and events (newest first), probes and
 * the latest probe, a certificate by fingerprint, the endpoint names, and
 * what the read-only viewer polls (the names written since a write
 * sequence, the sequence, the newest probe, the file's size). A read that
 * fails hands back no rows at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "httpsmon/util.h"
#include "store_int.h"

/* The outage and event lists: (name?, since, limit), newest first. */
static sqlite3_stmt *newest_query(struct store *st, enum stmt id, const char *name, int64_t since_ms, size_t limit)
{
	sqlite3_stmt *s = st ? store_stmt(st, id) : NULL;

	if (!s)
		return NULL;
	store_bind_name(s, name);
	sqlite3_bind_int64(s, 2, since_ms);
	sqlite3_bind_int64(s, 3, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	return s;
}

/*
 * Ends a row-collecting read: on an error the caller gets no rows at all
 * (arr is freed here; the caller clears its pointer). Returns 0 or -1.
 */
int store_rows_done(sqlite3_stmt *s, int rc, void *arr, size_t *n)
{
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	free(arr);
	*n = 0;
	return -1;
}

/* Reads outage rows from a bound statement (NULL: it could not be made). */
static int outage_rows(sqlite3_stmt *s, struct outage_row **rows, size_t *n)
{
	size_t cap = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct outage_row *r;

		*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 16);
		r = &(*rows)[(*n)++];
		store_col_text(s, 0, r->name, sizeof(r->name));
		r->start_ms = sqlite3_column_int64(s, 1);
		r->end_ms = sqlite3_column_int64(s, 2); /* NULL reads as 0: ongoing */
		store_col_text(s, 3, r->reason, sizeof(r->reason));
		store_col_text(s, 4, r->message, sizeof(r->message));
		r->failed_probes = sqlite3_column_int(s, 5);
		store_col_text(s, 6, r->mark, sizeof(r->mark));
	}
	if (store_rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
}

const char *store_mark_label(const char *mark)
{
	if (!mark || !*mark)
		return "";
	if (!strcmp(mark, STORE_MARK_LOCAL_NETWORK))
		return "local network down";
	if (!strcmp(mark, STORE_MARK_MAINTENANCE))
		return "maintenance";
	return "alerts held"; /* a mark of a newer version: held, whatever the why */
}

int store_outages(struct store *st, const char *name, int64_t since_ms, size_t limit,
		  struct outage_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	return outage_rows(newest_query(st, name ? S_OUTAGES_EP : S_OUTAGES_ALL, name, since_ms, limit), rows, n);
}

int store_open_outages(struct store *st, struct outage_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	return outage_rows(st ? store_stmt(st, S_OUTAGES_OPEN) : NULL, rows, n);
}

int store_events(struct store *st, const char *name, int64_t since_ms, size_t limit,
		 struct event_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!(s = newest_query(st, name ? S_EVENTS_EP : S_EVENTS_ALL, name, since_ms, limit)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct event_row *r;

		*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 16);
		r = &(*rows)[(*n)++];
		store_col_text(s, 0, r->name, sizeof(r->name));
		r->t_ms = sqlite3_column_int64(s, 1);
		store_col_text(s, 2, r->kind, sizeof(r->kind));
		store_col_text(s, 3, r->detail, sizeof(r->detail));
	}
	if (store_rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
}

static const char *state_text(int s)
{
	return s == DB_DOWN ? "DOWN" : s == DB_WARN ? "WARN" : "UP";
}

static void probe_row_read(sqlite3_stmt *s, struct probe_row *r)
{
	r->t_ms = sqlite3_column_int64(s, 0);
	r->t.us[PHASE_NONE] = -1;
	for (int k = PHASE_FIRST; k < PHASE_END; k++)
		r->t.us[k] = store_col_us(s, 1 + PCOL(k));
	r->http_status = (long)sqlite3_column_int64(s, 7);
	snprintf(r->state, sizeof(r->state), "%s", state_text(sqlite3_column_int(s, 8)));
	store_col_text(s, 9, r->reason, sizeof(r->reason));
	store_col_text(s, 10, r->message, sizeof(r->message));
	store_col_text(s, 11, r->ip, sizeof(r->ip));
	store_col_text(s, 12, r->tls_version, sizeof(r->tls_version));
	store_col_text(s, 13, r->cipher, sizeof(r->cipher));
	store_sha_to_hex(sqlite3_column_blob(s, 14), (size_t)sqlite3_column_bytes(s, 14), r->cert_sha256);
	store_col_text(s, 15, r->url, sizeof(r->url));
	r->failed_phase = store_phase_decode(store_col_us(s, 16));
}

int store_latest(struct store *st, const char *name, struct probe_row *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st || !name || !(s = store_stmt(st, S_LATEST)))
		return -1;
	store_bind_name(s, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		probe_row_read(s, out);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* The reason called name; REASON_OK for a name this build does not know (a newer writer's). */
static enum reason reason_of(const char *name)
{
	for (int r = 0; r < REASON_COUNT; r++)
		if (!strcmp(reason_name((enum reason)r), name))
			return (enum reason)r;
	return REASON_OK;
}

int store_last_result(struct store *st, const char *name, struct probe_row *row, struct probe_result *r,
		      struct verdict *v)
{
	int rc = store_latest(st, name, row);

	memset(v, 0, sizeof(*v));
	if (rc != 0)
		return rc;
	r->started_ms = row->t_ms;
	r->t = row->t;
	/* as the probe engine said; rows from before schema 5 did not say */
	r->failed_phase = row->failed_phase > 0 ? (enum probe_phase)row->failed_phase : PHASE_NONE;
	r->http_status = row->http_status;
	snprintf(r->ip, sizeof(r->ip), "%s", row->ip);
	snprintf(r->tls_version, sizeof(r->tls_version), "%s", row->tls_version);
	snprintf(r->cipher, sizeof(r->cipher), "%s", row->cipher);
	if (row->cert_sha256[0] && store_cert(st, row->cert_sha256, &r->chain[0]) == 0) {
		r->chain_len = 1;
		r->chain_sent = 1;
	}
	v->state = !strcmp(row->state, "UP") ? STATE_UP : !strcmp(row->state, "WARN") ? STATE_WARN : STATE_DOWN;
	v->reason = reason_of(row->reason);
	v->reasons = REASON_BIT(v->reason);
	v->severity[v->reason] = v->state;
	snprintf(v->message, sizeof(v->message), "%s", row->message);
	return 0;
}

int store_recent(struct store *st, const char *name, int max, int64_t *us, int *n)
{
	sqlite3_stmt *s;
	int rc, k = 0;

	*n = 0;
	if (!st || !name || max <= 0 || !(s = store_stmt(st, S_RECENT)))
		return -1;
	store_bind_name(s, name);
	sqlite3_bind_int(s, 2, max);
	/* newest first from the index: filled from the end, so the array reads oldest first */
	while (k < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		k++;
		us[max - k] = sqlite3_column_int(s, 0) == DB_DOWN ? -1 : store_col_us(s, 1);
	}
	if (k == max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	memmove(us, us + (max - k), (size_t)k * sizeof(*us));
	*n = k;
	return 0;
}

int store_probes(struct store *st, const char *name, int64_t from_ms, int64_t to_ms, size_t limit,
		 struct probe_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!st || !name || !(s = store_stmt(st, S_PROBES)))
		return -1;
	store_bind_name(s, name);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	sqlite3_bind_int64(s, 4, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct probe_row *r;

		*rows = xgrow(*rows, *n, &cap, sizeof(**rows), 64);
		r = &(*rows)[(*n)++];
		probe_row_read(s, r);
	}
	if (store_rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
}

int store_cert(struct store *st, const char *sha256, struct cert_info *out)
{
	unsigned char sha[32];
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	if (store_sha_from_hex(sha256, sha) != 0)
		return 1;
	if (!(s = store_stmt(st, S_CERT_GET)))
		return -1;
	sqlite3_bind_blob(s, 1, sha, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->subject = store_col_dup(s, 0);
		out->issuer = store_col_dup(s, 1);
		out->sans = store_col_dup(s, 2);
		store_col_text(s, 3, out->serial, sizeof(out->serial));
		out->not_before = sqlite3_column_int64(s, 4);
		out->not_after = sqlite3_column_int64(s, 5);
		store_col_text(s, 6, out->key_type, sizeof(out->key_type));
		out->key_bits = sqlite3_column_int(s, 7);
		store_col_text(s, 8, out->key_curve, sizeof(out->key_curve));
		store_col_text(s, 9, out->sig_alg, sizeof(out->sig_alg));
		out->aia_ca_issuers = store_col_dup(s, 10);
		out->self_issued = sqlite3_column_int(s, 11) != 0;
		out->is_ca = sqlite3_column_int(s, 12) != 0;
		out->sct_count = sqlite3_column_type(s, 13) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 13);
		store_sha_to_hex(sha, 32, out->sha256);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_endpoint_names(struct store *st, struct strlist *out)
{
	return store_stmt_strings(st, S_NAMES, out);
}

int store_endpoints_written(struct store *st, int64_t after_seq, struct strlist *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !(s = store_stmt(st, S_NAMES_WRITTEN)))
		return -1;
	sqlite3_bind_int64(s, 1, after_seq);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		strlist_push(out, v ? v : "");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t store_last_probe_ms(struct store *st)
{
	return store_query_int(st, S_LAST_PROBE, 0);
}

int64_t store_write_seq(struct store *st)
{
	return store_query_int(st, S_WSEQ, -1);
}

int64_t store_size_bytes(const struct store *st)
{
	struct stat sb;
	int64_t total = 0;
	char *wal;

	if (!st)
		return 0;
	if (stat(st->path, &sb) == 0)
		total += sb.st_size;
	wal = xasprintf("%s-wal", st->path);
	if (stat(wal, &sb) == 0)
		total += sb.st_size;
	free(wal);
	return total;
}
