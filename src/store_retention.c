/*
 * store_retention: keeps the file bounded, a budget of RETENTION_ROWS rows
 * per call so that the collector's loop never waits long. Closes hours as
 * soon as they are over, deletes raw rows of closed hours past retain_raw,
 * rollups, events and ended outages past retain_rollup, then certificates
 * and endpoints nothing refers to; over the size cap the oldest raw hour
 * goes first, then the oldest rollups. An endpoint cursor (st->ret_cursor)
 * lets the next call go on where a spent budget stopped.
 */
#include <stdbool.h>
#include <stdio.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define RETENTION_ROWS    5000 /* raw rows rolled up (or rows deleted) per call */
#define CLOSE_AFTER_MS    (5 * 60000LL) /* an hour is closed this long after its end */

/* The next endpoint id after the cursor, 0 at the end. -1 on error. */
static int64_t next_endpoint(struct store *st, int64_t after)
{
	sqlite3_stmt *s = store_stmt(st, S_EP_NEXT);
	int64_t id = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, after);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* The oldest time in table k's range of endpoint ep (S_RAW_OLDEST, S_ROLL_OLDEST), or INT64_MAX. */
static int64_t oldest(struct store *st, enum stmt k, int64_t ep)
{
	sqlite3_stmt *s = store_stmt(st, k);
	int64_t t = INT64_MAX;

	if (!s)
		return INT64_MIN;
	sqlite3_bind_int64(s, 1, ep);
	if (sqlite3_step(s) == SQLITE_ROW)
		t = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return t;
}

/*
 * Ages endpoint ep: closes its hours up to close_cut, then deletes its raw
 * rows older than raw_cut that lie in closed hours, within budget rows
 * (read plus deleted). Returns the rows spent, or -1.
 */
static int64_t age_endpoint(struct store *st, int64_t ep, int64_t close_cut, int64_t raw_cut, int64_t budget)
{
	sqlite3_stmt *del = store_stmt(st, S_RAW_DEL);
	int64_t rolled = store_rolled_until(st, ep), n = 0, cut;

	if (!del || rolled == INT64_MAX)
		return -1;
	if (rolled < close_cut) {
		n = store_close_hours(st, ep, rolled, close_cut, budget, &rolled);
		if (n < 0)
			return -1;
	}
	cut = raw_cut < rolled ? raw_cut : rolled;
	if (n >= budget || oldest(st, S_RAW_OLDEST, ep) >= cut)
		return n;
	sqlite3_bind_int64(del, 1, ep);
	sqlite3_bind_int64(del, 2, cut);
	sqlite3_bind_int64(del, 3, budget - n);
	if (store_stmt_run(del) != SQLITE_OK)
		return -1;
	return n + sqlite3_changes(st->db);
}

/*
 * Ages every endpoint (age_endpoint), starting after the cursor, within
 * *budget rows. Returns 1 when stopped early, 0 when done, -1 on error.
 */
static int age_all(struct store *st, int64_t close_cut, int64_t raw_cut, int64_t *budget)
{
	int64_t start = st->ret_cursor, ep = start;
	bool wrapped = false;

	for (;;) {
		int64_t n;

		ep = next_endpoint(st, ep);
		if (ep < 0)
			return -1;
		if (ep == 0) {
			if (wrapped || start == 0)
				break;
			wrapped = true;
			continue;
		}
		if (wrapped && ep > start)
			break;
		n = age_endpoint(st, ep, close_cut, raw_cut, *budget);
		if (n < 0)
			return -1;
		*budget -= n;
		if (*budget <= 0) {
			/* the endpoint may have more: come back to it first */
			st->ret_cursor = ep - 1;
			return 1;
		}
	}
	st->ret_cursor = 0;
	return 0;
}

/* Deletes rollups older than cutoff, within *budget rows. Returns 1/0/-1 like age_all. */
static int drop_rollups(struct store *st, int64_t cutoff, int64_t *budget)
{
	sqlite3_stmt *s = store_stmt(st, S_ROLL_DEL);
	int64_t ep = 0;

	if (!s)
		return -1;
	while ((ep = next_endpoint(st, ep)) > 0) {
		sqlite3_bind_int64(s, 1, ep);
		sqlite3_bind_int64(s, 2, cutoff);
		sqlite3_bind_int64(s, 3, *budget);
		if (store_stmt_run(s) != SQLITE_OK)
			return -1;
		*budget -= sqlite3_changes(st->db);
		if (*budget <= 0)
			return 1;
	}
	return ep < 0 ? -1 : 0;
}

static int64_t pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Bytes the file needs (pages in use) and bytes it takes. */
static void db_bytes(struct store *st, int64_t *used, int64_t *file)
{
	int64_t pages = pragma_int(st, "PRAGMA page_count");
	int64_t free_pages = pragma_int(st, "PRAGMA freelist_count");
	int64_t psize = pragma_int(st, "PRAGMA page_size");

	*file = pages * psize;
	*used = (pages - free_pages) * psize;
}

/* Over the size cap: the oldest raw hour goes (it is closed first), else the oldest rollups go. */
static int enforce_cap(struct store *st, int64_t now_ms, int64_t *budget)
{
	int64_t ep = 0, raw = INT64_MAX, roll = INT64_MAX, recent;

	while ((ep = next_endpoint(st, ep)) > 0) {
		int64_t a = oldest(st, S_RAW_OLDEST, ep), b = oldest(st, S_ROLL_OLDEST, ep);

		if (a == INT64_MIN || b == INT64_MIN)
			return -1;
		raw = a < raw ? a : raw;
		roll = b < roll ? b : roll;
	}
	if (ep < 0)
		return -1;
	/* the newest hour stays raw: it is what the dashboard shows */
	recent = store_hour_floor(now_ms - HOUR_MS);
	if (raw < recent) {
		st->ret_cursor = 0;
		return age_all(st, store_hour_floor(now_ms - CLOSE_AFTER_MS), store_hour_floor(raw) + HOUR_MS, budget) < 0 ? -1 : 1;
	}
	if (roll != INT64_MAX)
		return drop_rollups(st, roll + 24 * HOUR_MS, budget) < 0 ? -1 : 1;
	return 0;
}

/*
 * Deletes certificates and endpoints nothing refers to any more (few
 * rows): cert_seen rows last seen before horizon first. Returns 0 or -1.
 */
static int drop_orphans(struct store *st, int64_t horizon)
{
	sqlite3_stmt *s;

	if (!(s = store_stmt(st, S_SEEN_DEL)))
		return -1;
	sqlite3_bind_int64(s, 1, horizon);
	if (store_stmt_run(s) != SQLITE_OK || store_run(st, S_CERT_DEL) != SQLITE_OK)
		return -1;
	if (sqlite3_changes(st->db)) {
		/* ids we remembered may be gone: forget the written ones */
		struct hashmap keep;
		const struct hashmap_slot *sl;

		hashmap_init(&keep, HASHMAP_BYTES);
		for (size_t i = 0; (sl = hashmap_next(&st->certs, &i));)
			if (sl->val == 0)
				hashmap_bput(&keep, sl->key.b, sl->klen, 0);
		hashmap_done(&st->certs);
		st->certs = keep;
	}
	if (!(s = store_stmt(st, S_EP_DEL)))
		return -1;
	sqlite3_bind_int64(s, 1, horizon);
	return store_stmt_run(s) == SQLITE_OK ? 0 : -1;
}

int store_retention(struct store *st, int64_t now_ms, int64_t retain_raw_ms,
		    int64_t retain_rollup_ms, int64_t max_bytes)
{
	int64_t budget = RETENTION_ROWS, close_cut = store_hour_floor(now_ms - CLOSE_AFTER_MS), raw_cut, horizon;
	int64_t used, file;
	int more = 0, rc;
	sqlite3_stmt *s;

	if (!st || st->mode != STORE_COLLECTOR)
		return -1;
	if (retain_raw_ms <= 0)
		retain_raw_ms = 30 * 24 * HOUR_MS;
	if (retain_rollup_ms <= 0)
		retain_rollup_ms = 400 * 24 * HOUR_MS;
	/* only closed hours lose their raw rows */
	raw_cut = store_hour_floor(now_ms - retain_raw_ms);
	if (raw_cut > close_cut)
		raw_cut = close_cut;
	/* older than anything a raw row still refers to (see S_CERT_DEL) */
	horizon = now_ms - (retain_rollup_ms > retain_raw_ms ? retain_rollup_ms : retain_raw_ms);
	if (horizon > raw_cut)
		horizon = raw_cut;
	if (store_run(st, S_BEGIN_W) != SQLITE_OK)
		goto fail;

	rc = age_all(st, close_cut, raw_cut, &budget);
	if (rc < 0)
		goto fail;
	more |= rc;
	if (budget > 0) {
		rc = drop_rollups(st, now_ms - retain_rollup_ms, &budget);
		if (rc < 0)
			goto fail;
		more |= rc;
	}
	if (budget > 0) {
		if (!(s = store_stmt(st, S_EVENT_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retain_rollup_ms);
		sqlite3_bind_int64(s, 2, budget);
		if (store_stmt_run(s) != SQLITE_OK)
			goto fail;
		budget -= sqlite3_changes(st->db);
		if (!(s = store_stmt(st, S_OUTAGE_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retain_rollup_ms);
		sqlite3_bind_int64(s, 2, budget > 0 ? budget : 1);
		if (store_stmt_run(s) != SQLITE_OK)
			goto fail;
		budget -= sqlite3_changes(st->db);
		more |= budget <= 0;
		/*
		 * delivered alerts and attempts go with the events (few rows: no
		 * budget); an Alertmanager notifier's resend rounds (a row per
		 * round per member, 1,440 a day at resend = 1m) with the raw probes
		 */
		if (store_alerts_age(st, now_ms - retain_rollup_ms, now_ms - retain_raw_ms) != 0)
			goto fail;
		/* and the posture changes (one row a day at most per endpoint); the latest stays */
		if (!(s = store_stmt(st, S_POSTURE_AGE)))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retain_rollup_ms);
		if (store_stmt_run(s) != SQLITE_OK)
			goto fail;
	}
	if (!more && drop_orphans(st, horizon) != 0)
		goto fail;
	if (max_bytes > 0 && budget > 0) {
		db_bytes(st, &used, &file);
		if (used > max_bytes) {
			rc = enforce_cap(st, now_ms, &budget);
			if (rc < 0)
				goto fail;
			more |= rc;
		} else if (file > max_bytes) {
			/* the rows fit, the file does not: give free pages back, a few MB at a time */
			int64_t before = file;

			if (sqlite3_exec(st->db, "PRAGMA incremental_vacuum(2048)", NULL, NULL, NULL) != SQLITE_OK)
				goto fail;
			db_bytes(st, &used, &file);
			more |= file > max_bytes && file < before;
		}
	}
	if (store_run(st, S_COMMIT) != SQLITE_OK)
		goto fail;
	hashmap_clear(&st->rolled);
	return more ? 1 : 0;
fail:
	hashmap_clear(&st->rolled);
	if (!st->failing) {
		snprintf(st->err, sizeof(st->err), "cannot clean up %s: %s", st->path, sqlite3_errmsg(st->db));
		st->failing = true;
	}
	store_rollback(st);
	return -1;
}
