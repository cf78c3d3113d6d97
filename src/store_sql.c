/*
 * store_sql: every SQL statement of the store, by enum stmt (store_int.h),
 * prepared on first use and cached for the life of the store; the helpers
 * that bind values (never formatted into SQL) and read columns; SHA-256
 * fingerprints as hex; the on-disk codes of the failed phase. The store's
 * maps (endpoint names, fingerprints, TLS triples, rolled-until times) are
 * hashmap.h's, with owned byte-string keys where the key is not an id.
 */
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define EP_ID "(SELECT id FROM endpoint WHERE name = ?1)"

#define ROLLUP_COLS "endpoint_id, hour_ms, probes, failures, warns, " \
	"dns_n, dns_min, dns_avg, dns_max, dns_p95, " \
	"connect_n, connect_min, connect_avg, connect_max, connect_p95, " \
	"tls_n, tls_min, tls_avg, tls_max, tls_p95, " \
	"server_n, server_min, server_avg, server_max, server_p95, " \
	"transfer_n, transfer_min, transfer_avg, transfer_max, transfer_p95, " \
	"total_n, total_min, total_avg, total_max, total_p95"
#define PHASES_US "dns_us, connect_us, tls_us, server_us, transfer_us, total_us"

static const char *const sql_text[S_COUNT] = {
	[S_BEGIN] = "BEGIN",
	[S_BEGIN_W] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	/* first_ms 0 = "no probe yet" (the row came with an outage or event) */
	[S_EP_UPSERT] = "INSERT INTO endpoint(name, url, first_ms, last_ms, wseq) VALUES(?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(name) DO UPDATE SET url = coalesce(excluded.url, url),"
		" first_ms = CASE WHEN first_ms = 0 THEN excluded.first_ms"
		" WHEN excluded.first_ms = 0 THEN first_ms ELSE min(first_ms, excluded.first_ms) END,"
		" last_ms = max(last_ms, excluded.last_ms), wseq = excluded.wseq",
	[S_EP_ID] = "SELECT id FROM endpoint WHERE name = ?1",
	[S_REASON_ADD] = "INSERT OR IGNORE INTO reason(name) VALUES(?1)",
	[S_REASON_ID] = "SELECT id FROM reason WHERE name = ?1",
	[S_TLS_ADD] = "INSERT OR IGNORE INTO tls(version, cipher, alpn) VALUES(?1, ?2, ?3)",
	[S_TLS_ID] = "SELECT id FROM tls WHERE version = ?1 AND cipher = ?2 AND alpn = ?3",
	[S_CERT_ADD] = "INSERT OR IGNORE INTO cert(sha256, subject, issuer, sans, serial, not_before,"
		" not_after, key_type, key_bits, key_curve, sig_alg, aia, self_issued, is_ca, sct_count)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[S_CERT_ID] = "SELECT id FROM cert WHERE sha256 = ?1",
	[S_PROBE_ADD] = "INSERT OR IGNORE INTO probe(endpoint_id, t_ms, state, reason, " PHASES_US ","
		" http_status, tls_id, cert_id, ip, message, error, failed_phase)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
	[S_SEEN_UPSERT] = "INSERT INTO cert_seen(endpoint_id, cert_id, first_seen, last_seen)"
		" VALUES(?1, ?2, ?3, ?4) ON CONFLICT(endpoint_id, cert_id) DO UPDATE SET"
		" first_seen = min(first_seen, excluded.first_seen),"
		" last_seen = max(last_seen, excluded.last_seen)",
	/* a mark once set stays: later updates of the outage carry none */
	[S_OUTAGE_UPSERT] = "INSERT INTO outage(endpoint_id, start_ms, end_ms, reason, message, failed_probes, mark)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(endpoint_id, start_ms) DO UPDATE SET"
		" end_ms = excluded.end_ms, reason = excluded.reason, message = excluded.message,"
		" failed_probes = excluded.failed_probes, mark = coalesce(excluded.mark, mark)",
	[S_OUTAGE_MARK] = "UPDATE outage SET mark = ?3 WHERE endpoint_id = ?1 AND start_ms = ?2",
	[S_EVENT_ADD] = "INSERT INTO event(endpoint_id, t_ms, kind, detail) VALUES(?1, ?2, ?3, ?4)",

	/* an outage is in the window when it had not ended by since */
	[S_OUTAGES_EP] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes, o.mark"
		" FROM outage o JOIN endpoint e ON e.id = o.endpoint_id"
		" WHERE o.endpoint_id = " EP_ID " AND (o.end_ms IS NULL OR o.end_ms >= ?2)"
		" ORDER BY o.start_ms DESC LIMIT ?3",
	[S_OUTAGES_ALL] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes, o.mark"
		" FROM outage o JOIN endpoint e ON e.id = o.endpoint_id"
		" WHERE (o.end_ms IS NULL OR o.end_ms >= ?2) AND ?1 IS NULL"
		" ORDER BY o.start_ms DESC LIMIT ?3",
	[S_OUTAGES_OPEN] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes, o.mark"
		" FROM outage o JOIN endpoint e ON e.id = o.endpoint_id WHERE o.end_ms IS NULL",
	[S_EVENTS_EP] = "SELECT e.name, v.t_ms, v.kind, v.detail FROM event v JOIN endpoint e ON e.id = v.endpoint_id"
		" WHERE v.endpoint_id = " EP_ID " AND v.t_ms >= ?2 ORDER BY v.t_ms DESC, v.id DESC LIMIT ?3",
	[S_EVENTS_ALL] = "SELECT e.name, v.t_ms, v.kind, v.detail FROM event v JOIN endpoint e ON e.id = v.endpoint_id"
		" WHERE v.t_ms >= ?2 AND ?1 IS NULL ORDER BY v.t_ms DESC, v.id DESC LIMIT ?3",
	[S_UP_RAW] = "SELECT count(*), coalesce(sum(state = 2), 0) FROM probe"
		" WHERE endpoint_id = " EP_ID " AND t_ms >= ?2 AND t_ms < ?3",
	/* an hour counts when it starts inside the window */
	[S_UP_ROLL] = "SELECT coalesce(sum(probes), 0), coalesce(sum(failures), 0) FROM rollup"
		" WHERE endpoint_id = " EP_ID " AND hour_ms >= ?2 AND hour_ms < ?3",
	[S_LAT_RAW] = "SELECT " PHASES_US " FROM probe"
		" WHERE endpoint_id = " EP_ID " AND t_ms >= ?2 AND t_ms <= ?3 AND state < 2",
	[S_SERIES_RAW] = "SELECT t_ms, state, " PHASES_US " FROM probe"
		" WHERE endpoint_id = " EP_ID " AND t_ms >= ?2 AND t_ms < ?3",
	[S_SERIES_ROLL] = "SELECT " ROLLUP_COLS " FROM rollup"
		" WHERE endpoint_id = " EP_ID " AND hour_ms >= ?2 AND hour_ms < ?3",
#define PROBE_ROW "SELECT p.t_ms, p.dns_us, p.connect_us, p.tls_us, p.server_us, p.transfer_us, p.total_us," \
		" p.http_status, p.state, r.name, p.message, p.ip, t.version, t.cipher, c.sha256," \
		" (SELECT url FROM endpoint WHERE id = p.endpoint_id), p.failed_phase" \
		" FROM probe p LEFT JOIN reason r ON r.id = p.reason LEFT JOIN tls t ON t.id = p.tls_id" \
		" LEFT JOIN cert c ON c.id = p.cert_id WHERE p.endpoint_id = " EP_ID
	[S_PROBES] = PROBE_ROW " AND p.t_ms >= ?2 AND p.t_ms <= ?3 ORDER BY p.t_ms LIMIT ?4",
	[S_LATEST] = PROBE_ROW " ORDER BY p.t_ms DESC LIMIT 1",
	[S_RECENT] = "SELECT state, total_us FROM probe WHERE endpoint_id = " EP_ID " ORDER BY t_ms DESC LIMIT ?2",
	[S_CERT_GET] = "SELECT subject, issuer, sans, serial, not_before, not_after, key_type, key_bits,"
		" key_curve, sig_alg, aia, self_issued, is_ca, sct_count FROM cert WHERE sha256 = ?1",
	[S_NAMES] = "SELECT name FROM endpoint ORDER BY name",
	[S_NAMES_WRITTEN] = "SELECT name FROM endpoint WHERE wseq > ?1 ORDER BY name",
	[S_WSEQ] = "SELECT coalesce(max(wseq), 0) FROM endpoint",
	[S_LAST_PROBE] = "SELECT coalesce(max(last_ms), 0) FROM endpoint",
	/* the end of the closed hours (see "Invariants"); NULL when none */
	[S_ROLLED] = "SELECT max(hour_ms) + 3600000 FROM rollup WHERE endpoint_id = " EP_ID,
	[S_RAW_FIRST] = "SELECT min(t_ms) FROM probe WHERE endpoint_id = " EP_ID,
	/* a raw row just before ?2: next to the window's own rows, so it costs no extra disk read */
	[S_RAW_BEFORE] = "SELECT t_ms FROM probe WHERE endpoint_id = " EP_ID " AND t_ms < ?2 ORDER BY t_ms DESC LIMIT 1",

	[S_EP_NEXT] = "SELECT id FROM endpoint WHERE id > ?1 ORDER BY id LIMIT 1",
	[S_ROLLED_ID] = "SELECT max(hour_ms) + 3600000 FROM rollup WHERE endpoint_id = ?1",
	[S_RAW_OLDEST] = "SELECT t_ms FROM probe WHERE endpoint_id = ?1 ORDER BY t_ms LIMIT 1",
	[S_RAW_HOURS] = "SELECT t_ms, state, " PHASES_US " FROM probe"
		" WHERE endpoint_id = ?1 AND t_ms >= ?2 AND t_ms < ?3 ORDER BY t_ms",
	[S_RAW_DEL] = "DELETE FROM probe WHERE endpoint_id = ?1 AND t_ms IN"
		" (SELECT t_ms FROM probe WHERE endpoint_id = ?1 AND t_ms < ?2 ORDER BY t_ms LIMIT ?3)",
	[S_ROLL_GET] = "SELECT " ROLLUP_COLS " FROM rollup WHERE endpoint_id = ?1 AND hour_ms = ?2",
	[S_ROLL_PUT] = "INSERT OR REPLACE INTO rollup(" ROLLUP_COLS ") VALUES(?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
		" ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)",
	[S_ROLL_OLDEST] = "SELECT hour_ms FROM rollup WHERE endpoint_id = ?1 ORDER BY hour_ms LIMIT 1",
	[S_ROLL_DEL] = "DELETE FROM rollup WHERE endpoint_id = ?1 AND hour_ms IN"
		" (SELECT hour_ms FROM rollup WHERE endpoint_id = ?1 AND hour_ms < ?2 ORDER BY hour_ms LIMIT ?3)",
	[S_EVENT_DEL] = "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE t_ms < ?1 LIMIT ?2)",
	[S_OUTAGE_DEL] = "DELETE FROM outage WHERE (endpoint_id, start_ms) IN"
		" (SELECT endpoint_id, start_ms FROM outage WHERE start_ms < ?1 AND end_ms IS NOT NULL"
		" AND end_ms < ?1 LIMIT ?2)",
	[S_SEEN_DEL] = "DELETE FROM cert_seen WHERE last_seen < ?1",
	/*
	 * A raw probe never outlives its certificate: it was seen at most at
	 * cert_seen.last_seen, and retention only gets here once every raw row
	 * older than the horizon is rolled up.
	 */
	[S_CERT_DEL] = "DELETE FROM cert WHERE NOT EXISTS (SELECT 1 FROM cert_seen s WHERE s.cert_id = cert.id)",
	[S_EP_DEL] = "DELETE FROM endpoint WHERE last_ms < ?1"
		" AND NOT EXISTS (SELECT 1 FROM probe WHERE endpoint_id = endpoint.id)"
		" AND NOT EXISTS (SELECT 1 FROM rollup WHERE endpoint_id = endpoint.id)"
		" AND NOT EXISTS (SELECT 1 FROM outage WHERE endpoint_id = endpoint.id)"
		" AND NOT EXISTS (SELECT 1 FROM event WHERE endpoint_id = endpoint.id)"
		" AND NOT EXISTS (SELECT 1 FROM cert_seen WHERE endpoint_id = endpoint.id)",
	[S_SPILL_GET] = "SELECT probes, events, alerts FROM spill WHERE id = ?1",
	[S_SPILL_PUT] = "INSERT INTO spill(id, probes, events, alerts) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id)"
		" DO UPDATE SET probes = max(probes, excluded.probes), events = max(events, excluded.events),"
		" alerts = max(alerts, excluded.alerts)",
	[S_SPILL_DEL] = "DELETE FROM spill WHERE id = ?1",
	[S_OUTBOX_ADD] = "INSERT OR REPLACE INTO outbox(id, notifier, kind, t_s, endpoint, url, state, reason, message,"
		" since_s, end_s, duration_s, days_left, failed_probes, tags, status, attempts, done_ms, why)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 0, NULL, ?17)",
	[S_OUTBOX_SET] = "UPDATE outbox SET status = ?2, attempts = ?3, done_ms = ?4, why = coalesce(?5, why)"
		" WHERE id = ?1",
	[S_DELIVERY_ADD] = "INSERT INTO delivery(t_ms, notifier, kind, endpoints, count, result, code, error, target)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_MARK_PUT] = "INSERT INTO alert_mark(key, value) VALUES(?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
#define OUTBOX_COLS "id, notifier, kind, t_s, endpoint, url, state, reason, message, since_s, end_s," \
	" duration_s, days_left, failed_probes, tags, status, attempts, done_ms, why"
	[S_OUTBOX_PENDING] = "SELECT " OUTBOX_COLS " FROM outbox WHERE status = 0 ORDER BY id",
	[S_OUTBOX_RECENT] = "SELECT " OUTBOX_COLS " FROM outbox ORDER BY id DESC LIMIT ?1",
	[S_OUTBOX_MAX] = "SELECT coalesce(max(id), 0) FROM outbox",
	[S_DELIVERIES] = "SELECT t_ms, notifier, kind, endpoints, count, result, code, error, target FROM delivery"
		" WHERE t_ms >= ?1 ORDER BY id DESC LIMIT ?2",
	[S_MARKS] = "SELECT key, value FROM alert_mark WHERE substr(key, 1, length(?1)) = ?1",
	[S_PAUSE_PUT] = "INSERT INTO pause(name, since_ms) VALUES(?1, ?2) ON CONFLICT(name) DO NOTHING",
	[S_PAUSE_DEL] = "DELETE FROM pause WHERE name = ?1",
	[S_PAUSED] = "SELECT name FROM pause ORDER BY name",
	[S_PAUSED_ONE] = "SELECT 1 FROM pause WHERE name = ?1",
	[S_REQ_TAKE] = "SELECT id, name, action, t_ms FROM request ORDER BY id LIMIT ?1",
	[S_REQ_DEL] = "DELETE FROM request WHERE id <= ?1",
	[S_OUTBOX_AGE] = "DELETE FROM outbox WHERE status != 0 AND done_ms < ?1",
	[S_DELIVERY_AGE] = "DELETE FROM delivery WHERE t_ms < ?1",
	[S_RESEND_AGE] = "DELETE FROM delivery WHERE t_ms < ?1 AND kind = 'resend'",
#undef OUTBOX_COLS
	[S_MUTE_SET] = "INSERT INTO mute(name, since_ms, until_ms, reason) VALUES(?1, ?2, ?3, ?4)"
		" ON CONFLICT(name) DO UPDATE SET since_ms = excluded.since_ms, until_ms = excluded.until_ms,"
		" reason = excluded.reason",
	[S_MUTE_DEL] = "DELETE FROM mute WHERE name = ?1",
	/* the mutes in force at ?1: until UP (NULL), or ending after it */
	[S_MUTE_LIST] = "SELECT name, since_ms, until_ms, reason FROM mute"
		" WHERE until_ms IS NULL OR until_ms > ?1 ORDER BY name",
	[S_MUTE_PRUNE] = "DELETE FROM mute WHERE until_ms IS NOT NULL AND until_ms <= ?1",
	[S_DATA_VERSION] = "PRAGMA data_version",
	/* older unchanged passes only: a pass imported again from a spill file never removes a newer one */
	[S_POSTURE_SAME_DEL] = "DELETE FROM posture WHERE name = ?1 AND changed = 0 AND t_ms < ?2",
	[S_POSTURE_ADD] = "INSERT OR REPLACE INTO posture(name, t_ms, grade, changed, changes, data)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_POSTURE_LAST] = "SELECT data FROM posture WHERE name = ?1 ORDER BY t_ms DESC LIMIT 1",
	/* changes older than ?1, never an endpoint's latest pass */
	[S_POSTURE_AGE] = "DELETE FROM posture WHERE t_ms < ?1"
		" AND t_ms < (SELECT max(p.t_ms) FROM posture p WHERE p.name = posture.name)",
};

sqlite3_stmt *store_stmt(struct store *st, enum stmt k)
{
	if (!st->stmt[k] &&
	    sqlite3_prepare_v3(st->db, sql_text[k], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[k], NULL) != SQLITE_OK)
		return NULL;
	return st->stmt[k];
}

int store_stmt_strings(struct store *st, enum stmt k, struct strlist *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !(s = store_stmt(st, k)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		strlist_push(out, v ? v : "");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Runs a statement that returns no rows worth reading. Returns an SQLite code. */
int store_stmt_run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_run(struct store *st, enum stmt k)
{
	sqlite3_stmt *s = store_stmt(st, k);

	return s ? store_stmt_run(s) : sqlite3_errcode(st->db);
}

/* The one integer a statement returns, or fallback. */
int64_t store_query_int(struct store *st, enum stmt k, int64_t fallback)
{
	sqlite3_stmt *s;
	int64_t v = fallback;

	if (!st || !(s = store_stmt(st, k)))
		return fallback;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

/* Makes sure no transaction stays open after a failure. */
void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_run(st, S_ROLLBACK);
}

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_name(sqlite3_stmt *s, const char *name)
{
	store_bind_text(s, 1, name);
}

void store_bind_opt(sqlite3_stmt *s, int i, bool set, int64_t v)
{
	if (set)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

void store_bind_us(sqlite3_stmt *s, int i, int64_t us)
{
	if (us < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, us);
}

/* Copies a text column into dst, cut at a UTF-8 character boundary. */
void store_col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	size_t len = v ? (size_t)sqlite3_column_bytes(s, i) : 0;

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
			len--;
	}
	if (len)
		memcpy(dst, v, len);
	dst[len] = '\0';
}

char *store_col_dup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? xstrdup(v) : NULL;
}

int64_t store_col_us(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* On-disk failed-phase codes, by position (see store_int.h): never reorder. */
static const enum probe_phase disk_phases[] = {
	PHASE_NONE, PHASE_DNS, PHASE_CONNECT, PHASE_TLS, PHASE_SERVER, PHASE_TRANSFER,
};
#define N_DISK_PHASES ((int)(sizeof(disk_phases) / sizeof(disk_phases[0])))

int store_phase_code(enum probe_phase p)
{
	for (int i = 0; i < N_DISK_PHASES; i++)
		if (disk_phases[i] == p)
			return i;
	return -1;
}

int store_phase_decode(int64_t code)
{
	return code >= 0 && code < N_DISK_PHASES ? (int)disk_phases[code] : -1;
}

int store_sha_from_hex(const char *hex, unsigned char out[32])
{
	if (!hex || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = util_hex_digit(hex[2 * i]), lo = util_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void store_sha_to_hex(const unsigned char *sha, size_t n, char out[65])
{
	static const char digits[] = "0123456789abcdef";

	if (n != 32) {
		out[0] = '\0';
		return;
	}
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = digits[sha[i] >> 4];
		out[2 * i + 1] = digits[sha[i] & 15];
	}
	out[64] = '\0';
}
