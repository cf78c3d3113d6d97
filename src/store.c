/*
 * store: the SQLite history (see store.h for the contract).
 *
 * The file holds, at schema version 3 (PRAGMA user_version):
 *
 *   endpoint   id, name (unique), url, first_ms/last_ms of its probes
 *              (0 while it has only outages or events), wseq: the write
 *              sequence of the last transaction that touched it
 *   probe      one row per probe, WITHOUT ROWID, keyed (endpoint_id, t_ms):
 *              one endpoint's history is one contiguous range of the
 *              b-tree, so every history query is a range scan. Phase
 *              timings in microseconds (NULL = phase not reached), state as
 *              0/1/2 (UP/WARN/DOWN, fixed here, not the enum's values),
 *              reason as an id into `reason`, TLS facts as an id into
 *              `tls`, the leaf as an id into `cert`; text as sent.
 *   reason     id <-> reason name; ids are handed out by name, so
 *              reordering enum reason never reinterprets old rows
 *   tls        interned (version, cipher, alpn): one small integer per row
 *   cert       certificates by SHA-256 (32-byte blob, unique), full details
 *   cert_seen  (endpoint_id, cert_id) -> first/last seen
 *   rollup     one row per closed hour of an endpoint: probes, failures
 *              (DOWN), warns, and per phase n/min/avg/max/p95 over the
 *              probes that were not DOWN
 *   outage     keyed (endpoint_id, start_ms); end_ms NULL while ongoing
 *   event      endpoint_id, t_ms, kind, detail
 *   spill      spill file id -> probes and events of it already written
 *
 * Invariants:
 * - Hours are closed as soon as they are over (CLOSE_AFTER_MS later, so
 *   that probes still in flight land first), not when their raw rows age
 *   out: a long window (uptime 30 d, the 7 d and 30 d charts) reads 720
 *   hourly rows, not 43,200 raw ones, which is what keeps the history pane
 *   fast on a cold file. An endpoint's closed hours are everything before
 *   rolled_until = max(rollup.hour_ms) + 1 h: raw rows at or after it are
 *   the open tail, raw rows before it are kept (until retain_raw) for
 *   percentiles, per-probe views and charts finer than an hour. A reader
 *   takes whole hours before rolled_until from rollups and everything else
 *   from raw rows, so nothing is counted twice or missed. Retention only
 *   deletes raw rows of closed hours. A probe that arrives for a closed
 *   hour (a clock step, a very slow probe) is merged into its hour's
 *   rollup at the flush that writes it.
 * - Files written before hours were closed early have rollups only where
 *   raw rows had aged out; rolled_until then equals the oldest raw hour,
 *   so the same reads are right, and the collector closes the rest a
 *   budget at a time.
 * - Only the collector writes, and only from this file; readers open the
 *   file SQLITE_OPEN_READONLY. WAL lets them read while the collector
 *   writes. One collector per file: flock() on "<db>.lock", which holds the
 *   holder's pid for the refusal message. The lock file stays after close
 *   (removing it would race with the next collector taking it).
 * - Durability: WAL with synchronous=NORMAL. A committed transaction is in
 *   the WAL file before COMMIT returns, so it survives the process being
 *   SIGKILLed at any point (the kernel has the data); only a power loss or
 *   kernel crash can lose the last transactions before a checkpoint, which
 *   is not what "nothing acknowledged is lost" asks of a monitor, and FULL
 *   would cost an fsync per flush.
 * - Writes are queued in memory (the queue types are in store_int.h,
 *   shared with store_spill.c, which saves the queue to a file when the
 *   collector stops while writes fail and queues it again at the next
 *   open). A flush commits the queue in chunks, oldest first, and a chunk
 *   leaves the queue only when its transaction committed. Ids learnt
 *   inside a transaction (certificates) are only remembered after COMMIT,
 *   so a rolled-back chunk leaves no stale id behind.
 * - After a failed flush the store, not its caller, keeps the backoff
 *   (store_flush_due), on a clock a test can replace.
 * - Every statement is prepared once and cached for the life of the store;
 *   every value is bound, never formatted into SQL.
 */
#include "httpsmon/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sqlite3.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define BUSY_COLLECTOR_MS 50   /* the collector's loop must never wait long */
#define BUSY_READER_MS    500
#define RETENTION_ROWS    5000 /* raw rows rolled up (or rows deleted) per call */
#define EVENT_QUEUE_MAX   (STORE_QUEUE_MAX / 10)
#define CLOSE_AFTER_MS    (5 * 60000LL) /* an hour is closed this long after its end */
#define SERIES_MAX        100000
#define BACKOFF_FIRST_MS  1000  /* after a failed flush; doubles per failure */
#define BACKOFF_MAX_MS    60000
#define SPACE_CHECK_MS    1000  /* disk full: free space looked at no more often */

/* ---- schema ---------------------------------------------------------------- */

#define PHASE_AGG(p) p "_n INTEGER NOT NULL, " p "_min INTEGER, " p "_avg INTEGER, " \
		     p "_max INTEGER, " p "_p95 INTEGER, "

/*
 * Forward migrations: step i takes user_version i to i + 1. Append only;
 * a released step is never edited.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE endpoint("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT,"
	" first_ms INTEGER NOT NULL,"
	" last_ms INTEGER NOT NULL);"
	"CREATE TABLE reason(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE tls("
	" id INTEGER PRIMARY KEY, version TEXT NOT NULL, cipher TEXT NOT NULL, alpn TEXT NOT NULL,"
	" UNIQUE(version, cipher, alpn));"
	"CREATE TABLE cert("
	" id INTEGER PRIMARY KEY,"
	" sha256 BLOB NOT NULL UNIQUE,"
	" subject TEXT, issuer TEXT, sans TEXT, serial TEXT,"
	" not_before INTEGER, not_after INTEGER,"
	" key_type TEXT, key_bits INTEGER, key_curve TEXT, sig_alg TEXT,"
	" aia TEXT, self_issued INTEGER NOT NULL, is_ca INTEGER NOT NULL);"
	"CREATE TABLE cert_seen("
	" endpoint_id INTEGER NOT NULL, cert_id INTEGER NOT NULL,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" PRIMARY KEY(endpoint_id, cert_id)) WITHOUT ROWID;"
	"CREATE INDEX cert_seen_cert ON cert_seen(cert_id);"
	"CREATE TABLE probe("
	" endpoint_id INTEGER NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" reason INTEGER NOT NULL,"
	" dns_us INTEGER, connect_us INTEGER, tls_us INTEGER,"
	" server_us INTEGER, transfer_us INTEGER, total_us INTEGER,"
	" http_status INTEGER NOT NULL,"
	" tls_id INTEGER,"
	" cert_id INTEGER,"
	" ip TEXT,"
	" message TEXT,"
	" error TEXT,"
	" PRIMARY KEY(endpoint_id, t_ms)) WITHOUT ROWID;"
	"CREATE TABLE rollup("
	" endpoint_id INTEGER NOT NULL,"
	" hour_ms INTEGER NOT NULL,"
	" probes INTEGER NOT NULL, failures INTEGER NOT NULL, warns INTEGER NOT NULL, "
	PHASE_AGG("dns") PHASE_AGG("connect") PHASE_AGG("tls")
	PHASE_AGG("server") PHASE_AGG("transfer") PHASE_AGG("total")
	" PRIMARY KEY(endpoint_id, hour_ms)) WITHOUT ROWID;"
	"CREATE TABLE outage("
	" endpoint_id INTEGER NOT NULL,"
	" start_ms INTEGER NOT NULL,"
	" end_ms INTEGER,"
	" reason TEXT, message TEXT,"
	" failed_probes INTEGER NOT NULL,"
	" PRIMARY KEY(endpoint_id, start_ms)) WITHOUT ROWID;"
	"CREATE INDEX outage_start ON outage(start_ms);"
	"CREATE TABLE event("
	" id INTEGER PRIMARY KEY,"
	" endpoint_id INTEGER NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" detail TEXT);"
	"CREATE INDEX event_ep ON event(endpoint_id, t_ms);"
	"CREATE INDEX event_t ON event(t_ms);",
	/* 1 -> 2: the outages going on now, without a walk through a year of ended ones */
	"CREATE INDEX outage_open ON outage(endpoint_id) WHERE end_ms IS NULL;",
	/*
	 * 2 -> 3: endpoint.wseq, the write sequence of the last transaction that
	 * touched the endpoint, so a viewer reloads what was written, not what
	 * started after its last look; spill, how much of each spill file is
	 * in the file already (see store_spill.c).
	 */
	"ALTER TABLE endpoint ADD COLUMN wseq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX endpoint_wseq ON endpoint(wseq);"
	"CREATE TABLE spill(id INTEGER PRIMARY KEY, probes INTEGER NOT NULL, events INTEGER NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements ------------------------------------------------------------ */

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
		" not_after, key_type, key_bits, key_curve, sig_alg, aia, self_issued, is_ca)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[S_CERT_ID] = "SELECT id FROM cert WHERE sha256 = ?1",
	[S_PROBE_ADD] = "INSERT OR IGNORE INTO probe(endpoint_id, t_ms, state, reason, " PHASES_US ","
		" http_status, tls_id, cert_id, ip, message, error)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[S_SEEN_UPSERT] = "INSERT INTO cert_seen(endpoint_id, cert_id, first_seen, last_seen)"
		" VALUES(?1, ?2, ?3, ?4) ON CONFLICT(endpoint_id, cert_id) DO UPDATE SET"
		" first_seen = min(first_seen, excluded.first_seen),"
		" last_seen = max(last_seen, excluded.last_seen)",
	[S_OUTAGE_UPSERT] = "INSERT INTO outage(endpoint_id, start_ms, end_ms, reason, message, failed_probes)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(endpoint_id, start_ms) DO UPDATE SET"
		" end_ms = excluded.end_ms, reason = excluded.reason, message = excluded.message,"
		" failed_probes = excluded.failed_probes",
	[S_EVENT_ADD] = "INSERT INTO event(endpoint_id, t_ms, kind, detail) VALUES(?1, ?2, ?3, ?4)",

	/* an outage is in the window when it had not ended by since */
	[S_OUTAGES_EP] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes"
		" FROM outage o JOIN endpoint e ON e.id = o.endpoint_id"
		" WHERE o.endpoint_id = " EP_ID " AND (o.end_ms IS NULL OR o.end_ms >= ?2)"
		" ORDER BY o.start_ms DESC LIMIT ?3",
	[S_OUTAGES_ALL] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes"
		" FROM outage o JOIN endpoint e ON e.id = o.endpoint_id"
		" WHERE (o.end_ms IS NULL OR o.end_ms >= ?2) AND ?1 IS NULL"
		" ORDER BY o.start_ms DESC LIMIT ?3",
	[S_OUTAGES_OPEN] = "SELECT e.name, o.start_ms, o.end_ms, o.reason, o.message, o.failed_probes"
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
		" (SELECT url FROM endpoint WHERE id = p.endpoint_id)" \
		" FROM probe p LEFT JOIN reason r ON r.id = p.reason LEFT JOIN tls t ON t.id = p.tls_id" \
		" LEFT JOIN cert c ON c.id = p.cert_id WHERE p.endpoint_id = " EP_ID
	[S_PROBES] = PROBE_ROW " AND p.t_ms >= ?2 AND p.t_ms <= ?3 ORDER BY p.t_ms LIMIT ?4",
	[S_LATEST] = PROBE_ROW " ORDER BY p.t_ms DESC LIMIT 1",
	[S_CERT_GET] = "SELECT subject, issuer, sans, serial, not_before, not_after, key_type, key_bits,"
		" key_curve, sig_alg, aia, self_issued, is_ca FROM cert WHERE sha256 = ?1",
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
	[S_SPILL_GET] = "SELECT probes, events FROM spill WHERE id = ?1",
	[S_SPILL_PUT] = "INSERT INTO spill(id, probes, events) VALUES(?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET"
		" probes = max(probes, excluded.probes), events = max(events, excluded.events)",
	[S_SPILL_DEL] = "DELETE FROM spill WHERE id = ?1",
};

/* ---- a small hash map: byte-string keys -> int64 --------------------------- */

static uint64_t map_hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static struct map_slot *map_find(const struct map *m, const void *key, size_t klen)
{
	if (!m->cap)
		return NULL;
	for (size_t i = map_hash(key, klen) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct map_slot *s = &m->s[i];

		if (!s->key || (s->klen == klen && !memcmp(s->key, key, klen)))
			return s;
	}
}

static int64_t *map_get(const struct map *m, const void *key, size_t klen)
{
	struct map_slot *s = map_find(m, key, klen);

	return s && s->key ? &s->val : NULL;
}

static void map_put(struct map *m, const void *key, size_t klen, int64_t val)
{
	struct map_slot *s;

	if ((m->n + 1) * 2 > m->cap) {
		struct map old = *m;

		m->cap = old.cap ? old.cap * 2 : 64;
		m->s = xcalloc(m->cap, sizeof(*m->s));
		for (size_t i = 0; i < old.cap; i++) {
			if (!old.s[i].key)
				continue;
			*map_find(m, old.s[i].key, old.s[i].klen) = old.s[i];
		}
		free(old.s);
	}
	s = map_find(m, key, klen);
	if (!s->key) {
		s->key = xmalloc(klen ? klen : 1);
		memcpy(s->key, key, klen);
		s->klen = klen;
		m->n++;
	}
	s->val = val;
}

static void map_done(struct map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->s[i].key);
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ---- the store ------------------------------------------------------------- */


static sqlite3_stmt *stmt_get(struct store *st, enum stmt k)
{
	if (!st->stmt[k] &&
	    sqlite3_prepare_v3(st->db, sql_text[k], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[k], NULL) != SQLITE_OK)
		return NULL;
	return st->stmt[k];
}

/* Runs a statement that returns no rows worth reading. Returns an SQLite code. */
static int stmt_run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int run(struct store *st, enum stmt k)
{
	sqlite3_stmt *s = stmt_get(st, k);

	return s ? stmt_run(s) : sqlite3_errcode(st->db);
}

static int64_t default_clock(void)
{
	return util_mono_us() / 1000;
}

/* The one integer a statement returns, or fallback. */
static int64_t query_int(struct store *st, enum stmt k, int64_t fallback)
{
	sqlite3_stmt *s;
	int64_t v = fallback;

	if (!st || !(s = stmt_get(st, k)))
		return fallback;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

/* Makes sure no transaction stays open after a failure. */
static void rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		run(st, S_ROLLBACK);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_us(sqlite3_stmt *s, int i, int64_t us)
{
	if (us < 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, us);
}

/* Copies a text column into dst, cut at a UTF-8 character boundary. */
static void col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
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

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? xstrdup(v) : NULL;
}

static int64_t col_us(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int store_sha_from_hex(const char *hex, unsigned char out[32])
{
	if (!hex || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

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

/* ---- opening --------------------------------------------------------------- */

char *store_default_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	/* the XDG spec says relative paths are invalid and must be ignored */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/httpsmon/history.db", xdg);
	if (!home || !home[0]) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !home[0])
		return xstrdup("httpsmon-history.db");
	return xasprintf("%s/.local/state/httpsmon/history.db", home);
}

/* mkdir -p of the directory that will hold path. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == 0) {
			/* exactly 0700, whatever the umask: it will hold the history */
			chmod(dir, 0700);
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	free(dir);
	return 0;
}

/*
 * The history holds URLs and messages: a file the collector creates is
 * 0600 whatever the umask, and SQLite gives its -wal and -shm files the
 * main file's mode. An existing file keeps the mode its owner gave it (a
 * group may read it on purpose, for --view), but one that others than the
 * owner can read or write is noted once in st->notice.
 */
static int create_private(struct store *st, char *err, size_t errlen)
{
	int fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct stat sb;

	if (fd >= 0) {
		int rc = fchmod(fd, 0600);

		close(fd);
		if (rc == 0)
			return 0;
		snprintf(err, errlen, "cannot make %s private: %s", st->path, strerror(errno));
		return -1;
	}
	if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", st->path, strerror(errno));
		return -1;
	}
	if (stat(st->path, &sb) == 0 && (sb.st_mode & 077))
		store_note(st, "warning: %s is open to %s (mode %04o) although it holds URLs and messages;"
			 " chmod 600 it unless that is intended", st->path,
			 sb.st_mode & 07 ? "every user" : "its group", (unsigned)(sb.st_mode & 07777));
	return 0;
}

/* One collector per file: an exclusive flock on "<db>.lock" holding our pid. */
static int take_lock(struct store *st, char *err, size_t errlen)
{
	char *lock = xasprintf("%s.lock", st->path);
	char buf[32];
	ssize_t n;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = 0;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
		}
		if (e == EWOULDBLOCK && pid > 0)
			snprintf(err, errlen, "another httpsmon collector (pid %ld) is writing %s", pid, st->path);
		else if (e == EWOULDBLOCK)
			snprintf(err, errlen, "another httpsmon collector is writing %s", st->path);
		else
			snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(e));
		close(fd);
		free(lock);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		/* the pid is only for the message: failing to write it is harmless */
	}
	st->lock_fd = fd;
	free(lock);
	return 0;
}

static int user_version(struct store *st, int *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int migrate(struct store *st, char *err, size_t errlen)
{
	int v = 0, rc;

	if ((rc = user_version(st, &v)) != SQLITE_OK)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "%s was written by a newer httpsmon (schema %d, this one knows %d)",
			 st->path, v, SCHEMA_VERSION);
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		char setv[48];

		snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", v + 1);
		rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, setv, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "cannot upgrade %s to schema %d: %s", st->path, v + 1,
				 sqlite3_errmsg(st->db));
			rollback(st);
			return -1;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot read %s: %s", st->path, sqlite3_errmsg(st->db));
	return -1;
}

/* Gives every reason name an id, by name (see the top comment). */
static int load_reasons(struct store *st)
{
	sqlite3_stmt *add = stmt_get(st, S_REASON_ADD), *get = stmt_get(st, S_REASON_ID);

	if (!add || !get)
		return -1;
	for (int r = 0; r < REASON_COUNT; r++) {
		const char *name = reason_name((enum reason)r);

		sqlite3_bind_text(add, 1, name, -1, SQLITE_STATIC);
		if (stmt_run(add) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW) {
			sqlite3_reset(get);
			return -1;
		}
		st->reason_id[r] = sqlite3_column_int64(get, 0);
		sqlite3_reset(get);
	}
	return 0;
}

struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags, v = 0;

	st->path = xstrdup(path);
	st->mode = mode;
	st->lock_fd = -1;
	st->clock = default_clock;
	if (mode == STORE_COLLECTOR) {
		if (make_parents(path, err, errlen) != 0 || take_lock(st, err, errlen) != 0 ||
		    create_private(st, err, errlen) != 0)
			goto err;
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else {
		struct stat sb;

		if (stat(path, &sb) != 0) {
			snprintf(err, errlen, "no history at %s (%s)", path,
				 errno == ENOENT ? "no collector has written it yet" : strerror(errno));
			goto err;
		}
		flags = SQLITE_OPEN_READONLY;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto err;
	}
	sqlite3_busy_timeout(st->db, mode == STORE_COLLECTOR ? BUSY_COLLECTOR_MS : BUSY_READER_MS);
	if (mode == STORE_COLLECTOR) {
		/*
		 * auto_vacuum only takes on an empty file, and switching to WAL
		 * writes the first page: it goes first. synchronous=NORMAL is
		 * enough under WAL: see the top comment.
		 */
		if (sqlite3_exec(st->db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				 "PRAGMA journal_size_limit = 16777216; PRAGMA temp_store = MEMORY;"
				 "PRAGMA cache_size = -8000", NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		if (migrate(st, err, errlen) != 0)
			goto err;
		if (load_reasons(st) != 0) {
			snprintf(err, errlen, "cannot write %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		st->wseq = query_int(st, S_WSEQ, 0);
		store_spill_import(st);
	} else {
		sqlite3_exec(st->db, "PRAGMA cache_size = -8000", NULL, NULL, NULL);
		if (user_version(st, &v) != SQLITE_OK) {
			/* a collector killed while creating the file left a journal only a writer may undo */
			if (sqlite3_errcode(st->db) == SQLITE_READONLY)
				snprintf(err, errlen, "cannot read %s: it needs recovery after a crash;"
					 " start the collector once", path);
			else
				snprintf(err, errlen, "cannot read %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		if (v == 0) {
			snprintf(err, errlen, "no history in %s (no collector has written it yet)", path);
			goto err;
		}
		if (v != SCHEMA_VERSION) {
			snprintf(err, errlen, v > SCHEMA_VERSION
				 ? "%s was written by a newer httpsmon (schema %d, this one knows %d)"
				 : "%s has history schema %d; run the collector once to upgrade it to %d",
				 path, v, SCHEMA_VERSION);
			goto err;
		}
	}
	return st;
err:
	store_close(st);
	return NULL;
}

void store_free_queues(struct store *st)
{
	for (size_t i = 0; i < st->pq_n; i++)
		free(st->pq[(st->pq_head + i) % st->pq_cap]);
	st->pq_n = st->pq_head = 0;
	for (size_t i = 0; i < st->oq_n; i++) {
		free(st->oq[i].reason);
		free(st->oq[i].message);
	}
	st->oq_n = 0;
	for (size_t i = 0; i < st->evq_n; i++) {
		free(st->evq[i].kind);
		free(st->evq[i].detail);
	}
	st->evq_n = 0;
	for (size_t i = 0; i < st->cq_n; i++)
		cert_info_done(&st->cq[i]);
	st->cq_n = 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db && st->mode == STORE_COLLECTOR && store_queued(st))
		store_flush(st);
	for (int k = 0; k < S_COUNT; k++)
		sqlite3_finalize(st->stmt[k]);
	/* the last connection to close checkpoints and removes the WAL */
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	store_free_queues(st);
	free(st->pq);
	free(st->oq);
	free(st->evq);
	free(st->cq);
	for (size_t i = 0; i < st->neps; i++) {
		free(st->eps[i].name);
		free(st->eps[i].url);
	}
	free(st->eps);
	map_done(&st->ep_index);
	map_done(&st->certs);
	map_done(&st->rolled);
	free(st->path);
	free(st);
}

/* ---- queueing -------------------------------------------------------------- */

size_t store_ep_intern(struct store *st, const char *name, const char *url)
{
	size_t len = strlen(name);
	int64_t *ix = map_get(&st->ep_index, name, len);
	struct ep *e;

	if (ix) {
		e = &st->eps[*ix];
		if (url && (!e->url || strcmp(e->url, url) != 0)) {
			free(e->url);
			e->url = xstrdup(url);
		}
		return (size_t)*ix;
	}
	if (st->neps == st->eps_cap) {
		st->eps_cap = st->eps_cap ? st->eps_cap * 2 : 16;
		st->eps = xrealloc(st->eps, st->eps_cap * sizeof(*st->eps));
	}
	e = &st->eps[st->neps];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->url = xstrdup(url);
	map_put(&st->ep_index, name, len, (int64_t)st->neps);
	return st->neps++;
}

static int db_state(enum state s)
{
	return s == STATE_DOWN ? DB_DOWN : s == STATE_WARN ? DB_WARN : DB_UP;
}

void store_queue_cert(struct store *st, const struct cert_info *c, const unsigned char sha[32])
{
	if (map_get(&st->certs, sha, 32))
		return;
	if (st->cq_n == st->cq_cap) {
		st->cq_cap = st->cq_cap ? st->cq_cap * 2 : 8;
		st->cq = xrealloc(st->cq, st->cq_cap * sizeof(*st->cq));
	}
	cert_info_copy(&st->cq[st->cq_n++], c);
	map_put(&st->certs, sha, 32, 0);
}

void store_pq_push(struct store *st, struct qprobe *q)
{
	if (st->pq_n == STORE_QUEUE_MAX) {
		/* writes have failed for long: the oldest result goes */
		free(st->pq[st->pq_head]);
		st->pq_head = (st->pq_head + 1) % st->pq_cap;
		st->pq_n--;
		st->dropped++;
	}
	if (st->pq_n == st->pq_cap) {
		size_t ncap = st->pq_cap ? st->pq_cap * 2 : 256;
		struct qprobe **nv = xmalloc(ncap * sizeof(*nv));

		for (size_t i = 0; i < st->pq_n; i++)
			nv[i] = st->pq[(st->pq_head + i) % st->pq_cap];
		free(st->pq);
		st->pq = nv;
		st->pq_cap = ncap;
		st->pq_head = 0;
	}
	st->pq[(st->pq_head + st->pq_n) % st->pq_cap] = q;
	st->pq_n++;
}

/*
 * A queued probe holding copies of src (NULL taken as "") and of the
 * chain's fingerprints, in one allocation; the caller fills in the rest.
 */
struct qprobe *store_qprobe_new(const char *const src[QS_COUNT], const unsigned char (*sha)[32], int nchain)
{
	size_t len[QS_COUNT], total = 0;
	struct qprobe *q;
	char *p;

	for (int i = 0; i < QS_COUNT; i++) {
		len[i] = src[i] ? strlen(src[i]) : 0;
		total += len[i] + 1;
	}
	q = xmalloc(sizeof(*q) + total + (size_t)nchain * 32);
	q->nchain = nchain;
	q->spill_ix = 0;
	p = q->data;
	q->chain = (unsigned char (*)[32])p;
	if (nchain)
		memcpy(p, sha, (size_t)nchain * 32);
	p += (size_t)nchain * 32;
	for (int i = 0; i < QS_COUNT; i++) {
		if (len[i])
			memcpy(p, src[i], len[i]);
		p[len[i]] = '\0';
		q->s[i] = p;
		p += len[i] + 1;
	}
	return q;
}

void store_add_probe(struct store *st, const char *name, const char *url,
		     const struct probe_result *r, const struct verdict *v)
{
	const char *src[QS_COUNT];
	unsigned char sha[PROBE_MAX_CHAIN][32];
	int nchain = 0;
	struct qprobe *q;

	if (!st || st->mode != STORE_COLLECTOR || !name || !r || !v)
		return;
	src[QS_MESSAGE] = v->message;
	src[QS_IP] = r->ip;
	src[QS_TLS_VERSION] = r->tls_version;
	src[QS_CIPHER] = r->cipher;
	src[QS_ALPN] = r->alpn;
	src[QS_ERROR] = r->error_text;
	for (int i = 0; i < r->chain_len && i < PROBE_MAX_CHAIN; i++) {
		if (store_sha_from_hex(r->chain[i].sha256, sha[nchain]) != 0)
			continue;
		store_queue_cert(st, &r->chain[i], sha[nchain]);
		nchain++;
	}
	q = store_qprobe_new(src, (const unsigned char (*)[32])sha, nchain);
	q->ep = store_ep_intern(st, name, url);
	q->t_ms = r->started_ms;
	q->us[0] = r->t.dns_us;
	q->us[1] = r->t.connect_us;
	q->us[2] = r->t.tls_us;
	q->us[3] = r->t.server_us;
	q->us[4] = r->t.transfer_us;
	q->us[5] = r->t.total_us;
	q->status = r->http_status;
	q->state = db_state(v->state);
	q->reason = (int)v->reason >= 0 && v->reason < REASON_COUNT ? (int)v->reason : REASON_PROBE_ERROR;
	store_pq_push(st, q);
}

void store_put_outage(struct store *st, const char *name, int64_t start_ms, int64_t end_ms,
		      const char *reason, const char *message, int failed_probes)
{
	size_t ep;
	struct qoutage *o = NULL;

	if (!st || st->mode != STORE_COLLECTOR || !name)
		return;
	ep = store_ep_intern(st, name, NULL);
	/* an outage is updated at every failed probe: keep only its newest state */
	for (size_t i = 0; i < st->oq_n; i++)
		if (st->oq[i].ep == ep && st->oq[i].start_ms == start_ms)
			o = &st->oq[i];
	if (o) {
		free(o->reason);
		free(o->message);
	} else {
		if (st->oq_n == st->oq_cap) {
			st->oq_cap = st->oq_cap ? st->oq_cap * 2 : 8;
			st->oq = xrealloc(st->oq, st->oq_cap * sizeof(*st->oq));
		}
		o = &st->oq[st->oq_n++];
	}
	o->ep = ep;
	o->start_ms = start_ms;
	o->end_ms = end_ms;
	o->reason = xstrdup(reason ? reason : "");
	o->message = xstrdup(message ? message : "");
	o->failed = failed_probes;
}

void store_add_event(struct store *st, const char *name, int64_t t_ms, const char *kind,
		     const char *detail)
{
	struct qevent *e;

	if (!st || st->mode != STORE_COLLECTOR || !name)
		return;
	if (st->evq_n == EVENT_QUEUE_MAX) {
		free(st->evq[0].kind);
		free(st->evq[0].detail);
		memmove(st->evq, st->evq + 1, (st->evq_n - 1) * sizeof(*st->evq));
		st->evq_n--;
		st->dropped++;
	}
	if (st->evq_n == st->evq_cap) {
		st->evq_cap = st->evq_cap ? st->evq_cap * 2 : 8;
		st->evq = xrealloc(st->evq, st->evq_cap * sizeof(*st->evq));
	}
	e = &st->evq[st->evq_n++];
	e->ep = store_ep_intern(st, name, NULL);
	e->t_ms = t_ms;
	e->spill_ix = 0;
	e->kind = xstrdup(kind ? kind : "");
	e->detail = xstrdup(detail ? detail : "");
}

size_t store_queued(const struct store *st)
{
	return st ? st->pq_n + st->oq_n + st->evq_n : 0;
}

const char *store_last_error(const struct store *st)
{
	return st && st->failing ? st->err : NULL;
}

uint64_t store_dropped(const struct store *st)
{
	return st ? st->dropped : 0;
}

const char *store_notice(const struct store *st)
{
	return st && st->notice[0] ? st->notice : NULL;
}

/* ---- for store_spill.c --------------------------------------------------- */

/* Appends one line to st->notice. */
void store_note(struct store *st, const char *fmt, ...)
{
	size_t used = strlen(st->notice);
	va_list ap;

	if (used && used + 1 < sizeof(st->notice))
		st->notice[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(st->notice + used, sizeof(st->notice) - used, fmt, ap);
	va_end(ap);
}

/* How many probes and events of spill file id the database has already. */
void store_spill_marks(struct store *st, int64_t id, int64_t *probes, int64_t *events)
{
	sqlite3_stmt *s = stmt_get(st, S_SPILL_GET);

	*probes = *events = 0;
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*probes = sqlite3_column_int64(s, 0);
		*events = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
}

/* ---- percentiles ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank of per-mille q in sorted v[n]. */
static int64_t rank(const int64_t *v, size_t n, int q)
{
	size_t r = ((size_t)q * n + 999) / 1000;

	if (!n)
		return -1;
	return v[r ? r - 1 : 0];
}

struct vals {
	int64_t *v;
	size_t n, cap;
};

static void vals_push(struct vals *a, int64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = x;
}

/* ---- hourly rollups -------------------------------------------------------- */

static int64_t hour_floor(int64_t t_ms)
{
	return t_ms - ((t_ms % HOUR_MS) + HOUR_MS) % HOUR_MS;
}

/* One hour of one endpoint, aggregated. */
struct rollup {
	int64_t hour_ms, probes, failures, warns;
	int64_t n[NPHASE], min[NPHASE], avg[NPHASE], max[NPHASE], p95[NPHASE];
};

static void rollup_from(struct rollup *ru, int64_t hour, struct vals ph[NPHASE], int64_t probes,
			int64_t failures, int64_t warns)
{
	ru->hour_ms = hour;
	ru->probes = probes;
	ru->failures = failures;
	ru->warns = warns;
	for (int k = 0; k < NPHASE; k++) {
		struct vals *a = &ph[k];
		int64_t sum = 0;

		ru->n[k] = (int64_t)a->n;
		if (!a->n) {
			ru->min[k] = ru->avg[k] = ru->max[k] = ru->p95[k] = -1;
			continue;
		}
		qsort(a->v, a->n, sizeof(*a->v), cmp_i64);
		for (size_t i = 0; i < a->n; i++)
			sum += a->v[i];
		ru->min[k] = a->v[0];
		ru->max[k] = a->v[a->n - 1];
		ru->avg[k] = sum / (int64_t)a->n;
		ru->p95[k] = rank(a->v, a->n, 950);
		a->n = 0;
	}
}

static void rollup_read(sqlite3_stmt *s, struct rollup *ru)
{
	ru->hour_ms = sqlite3_column_int64(s, 1);
	ru->probes = sqlite3_column_int64(s, 2);
	ru->failures = sqlite3_column_int64(s, 3);
	ru->warns = sqlite3_column_int64(s, 4);
	for (int k = 0; k < NPHASE; k++) {
		ru->n[k] = sqlite3_column_int64(s, 5 + 5 * k);
		ru->min[k] = col_us(s, 6 + 5 * k);
		ru->avg[k] = col_us(s, 7 + 5 * k);
		ru->max[k] = col_us(s, 8 + 5 * k);
		ru->p95[k] = col_us(s, 9 + 5 * k);
	}
}

/* Writes a rollup, merged into the one already there (late probes of a rolled-up hour). */
static int rollup_put(struct store *st, int64_t ep, struct rollup *ru)
{
	sqlite3_stmt *get = stmt_get(st, S_ROLL_GET), *put = stmt_get(st, S_ROLL_PUT);
	int rc;

	if (!get || !put)
		return -1;
	sqlite3_bind_int64(get, 1, ep);
	sqlite3_bind_int64(get, 2, ru->hour_ms);
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW) {
		struct rollup old;

		rollup_read(get, &old);
		ru->probes += old.probes;
		ru->failures += old.failures;
		ru->warns += old.warns;
		for (int k = 0; k < NPHASE; k++) {
			int64_t n = ru->n[k] + old.n[k];

			if (!old.n[k])
				continue;
			if (!ru->n[k]) {
				ru->n[k] = old.n[k];
				ru->min[k] = old.min[k];
				ru->avg[k] = old.avg[k];
				ru->max[k] = old.max[k];
				ru->p95[k] = old.p95[k];
				continue;
			}
			ru->avg[k] = (ru->avg[k] * ru->n[k] + old.avg[k] * old.n[k]) / n;
			ru->min[k] = old.min[k] < ru->min[k] ? old.min[k] : ru->min[k];
			ru->max[k] = old.max[k] > ru->max[k] ? old.max[k] : ru->max[k];
			/* the raw rows behind the old p95 are gone: keep the worse one */
			ru->p95[k] = old.p95[k] > ru->p95[k] ? old.p95[k] : ru->p95[k];
			ru->n[k] = n;
		}
	}
	sqlite3_reset(get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	sqlite3_bind_int64(put, 1, ep);
	sqlite3_bind_int64(put, 2, ru->hour_ms);
	sqlite3_bind_int64(put, 3, ru->probes);
	sqlite3_bind_int64(put, 4, ru->failures);
	sqlite3_bind_int64(put, 5, ru->warns);
	for (int k = 0; k < NPHASE; k++) {
		sqlite3_bind_int64(put, 6 + 5 * k, ru->n[k]);
		bind_us(put, 7 + 5 * k, ru->n[k] ? ru->min[k] : -1);
		bind_us(put, 8 + 5 * k, ru->n[k] ? ru->avg[k] : -1);
		bind_us(put, 9 + 5 * k, ru->n[k] ? ru->max[k] : -1);
		bind_us(put, 10 + 5 * k, ru->n[k] ? ru->p95[k] : -1);
	}
	return stmt_run(put) == SQLITE_OK ? 0 : -1;
}

/* The end of endpoint ep's closed hours, INT64_MIN when it has none, or INT64_MAX on error. */
static int64_t rolled_until_id(struct store *st, int64_t ep)
{
	sqlite3_stmt *s = stmt_get(st, S_ROLLED_ID);
	int64_t t = INT64_MAX;
	int rc;

	if (!s)
		return INT64_MAX;
	sqlite3_bind_int64(s, 1, ep);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_type(s, 0) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return t;
}

/* ---- flushing -------------------------------------------------------------- */

/* The scratch state of one flush; forgotten when it rolls back. */
struct flush {
	struct map certs;    /* sha256 -> id learnt in this transaction */
	struct map tls;      /* "version\0cipher\0alpn" -> id */
	struct map seen;     /* (endpoint id, cert id) -> index in seen_v */
	struct {
		int64_t ep, cert, first, last;
	} *seen_v;
	size_t nseen, seen_cap;
};

/* The endpoints of a chunk: its np probes and ne events, and every queued outage. */
static int flush_endpoints(struct store *st, size_t np, size_t ne)
{
	sqlite3_stmt *up = stmt_get(st, S_EP_UPSERT), *get = stmt_get(st, S_EP_ID);
	uint64_t gen = ++st->gen;

	if (!up || !get)
		return -1;
	for (size_t i = 0; i < np; i++) {
		const struct qprobe *q = st->pq[(st->pq_head + i) % st->pq_cap];
		struct ep *e = &st->eps[q->ep];

		if (e->gen != gen) {
			e->gen = gen;
			e->first_ms = e->last_ms = q->t_ms;
		}
		if (q->t_ms < e->first_ms)
			e->first_ms = q->t_ms;
		if (q->t_ms > e->last_ms)
			e->last_ms = q->t_ms;
	}
	for (size_t i = 0; i < st->oq_n + ne; i++) {
		struct ep *e = &st->eps[i < st->oq_n ? st->oq[i].ep : st->evq[i - st->oq_n].ep];

		if (e->gen != gen) {
			e->gen = gen;
			e->first_ms = e->last_ms = 0;
		}
	}
	for (size_t i = 0; i < st->neps; i++) {
		struct ep *e = &st->eps[i];

		if (e->gen != gen)
			continue;
		sqlite3_bind_text(up, 1, e->name, -1, SQLITE_STATIC);
		bind_text(up, 2, e->url);
		sqlite3_bind_int64(up, 3, e->first_ms);
		sqlite3_bind_int64(up, 4, e->last_ms);
		sqlite3_bind_int64(up, 5, st->wseq + 1);
		if (stmt_run(up) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(get, 1, e->name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW) {
			sqlite3_reset(get);
			return -1;
		}
		e->id = sqlite3_column_int64(get, 0);
		sqlite3_reset(get);
	}
	return 0;
}

static int flush_certs(struct store *st)
{
	sqlite3_stmt *add = stmt_get(st, S_CERT_ADD);

	if (!add)
		return -1;
	for (size_t i = 0; i < st->cq_n; i++) {
		const struct cert_info *c = &st->cq[i];
		unsigned char sha[32];

		if (store_sha_from_hex(c->sha256, sha) != 0)
			continue;
		sqlite3_bind_blob(add, 1, sha, 32, SQLITE_STATIC);
		bind_text(add, 2, c->subject);
		bind_text(add, 3, c->issuer);
		bind_text(add, 4, c->sans);
		bind_text(add, 5, c->serial);
		sqlite3_bind_int64(add, 6, c->not_before);
		sqlite3_bind_int64(add, 7, c->not_after);
		bind_text(add, 8, c->key_type);
		sqlite3_bind_int(add, 9, c->key_bits);
		bind_text(add, 10, c->key_curve);
		bind_text(add, 11, c->sig_alg);
		bind_text(add, 12, c->aia_ca_issuers);
		sqlite3_bind_int(add, 13, c->self_issued);
		sqlite3_bind_int(add, 14, c->is_ca);
		if (stmt_run(add) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* The id of a certificate, or 0 when the file does not have it. -1 on error. */
static int64_t cert_id(struct store *st, struct flush *f, const unsigned char sha[32])
{
	int64_t *known = map_get(&f->certs, sha, 32);
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (known)
		return *known;
	known = map_get(&st->certs, sha, 32);
	if (known && *known > 0)
		return *known;
	if (!(s = stmt_get(st, S_CERT_ID)))
		return -1;
	sqlite3_bind_blob(s, 1, sha, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	map_put(&f->certs, sha, 32, id);
	return id;
}

static int64_t tls_id(struct store *st, struct flush *f, const struct qprobe *q)
{
	const char *ver = q->s[QS_TLS_VERSION], *cip = q->s[QS_CIPHER], *alpn = q->s[QS_ALPN];
	size_t a = strlen(ver), b = strlen(cip), c = strlen(alpn);
	char key[16 + 64 + 16 + 3];
	sqlite3_stmt *add, *get;
	int64_t *known, id;

	if (!a && !b && !c)
		return 0;
	if (a + b + c + 3 > sizeof(key))
		return 0;
	memcpy(key, ver, a + 1);
	memcpy(key + a + 1, cip, b + 1);
	memcpy(key + a + b + 2, alpn, c + 1);
	if ((known = map_get(&f->tls, key, a + b + c + 3)))
		return *known;
	add = stmt_get(st, S_TLS_ADD);
	get = stmt_get(st, S_TLS_ID);
	if (!add || !get)
		return -1;
	for (int k = 1; k <= 3; k++) {
		sqlite3_bind_text(add, k, k == 1 ? ver : k == 2 ? cip : alpn, -1, SQLITE_STATIC);
		sqlite3_bind_text(get, k, k == 1 ? ver : k == 2 ? cip : alpn, -1, SQLITE_STATIC);
	}
	if (stmt_run(add) != SQLITE_OK)
		return -1;
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		return -1;
	}
	id = sqlite3_column_int64(get, 0);
	sqlite3_reset(get);
	map_put(&f->tls, key, a + b + c + 3, id);
	return id;
}

static void seen_note(struct flush *f, int64_t ep, int64_t cert, int64_t t_ms)
{
	int64_t key[2] = { ep, cert };
	int64_t *ix = map_get(&f->seen, key, sizeof(key));

	if (ix) {
		if (t_ms < f->seen_v[*ix].first)
			f->seen_v[*ix].first = t_ms;
		if (t_ms > f->seen_v[*ix].last)
			f->seen_v[*ix].last = t_ms;
		return;
	}
	if (f->nseen == f->seen_cap) {
		f->seen_cap = f->seen_cap ? f->seen_cap * 2 : 64;
		f->seen_v = xrealloc(f->seen_v, f->seen_cap * sizeof(*f->seen_v));
	}
	f->seen_v[f->nseen].ep = ep;
	f->seen_v[f->nseen].cert = cert;
	f->seen_v[f->nseen].first = f->seen_v[f->nseen].last = t_ms;
	map_put(&f->seen, key, sizeof(key), (int64_t)f->nseen++);
}

/*
 * A probe for an hour already closed (see "Invariants") goes into that
 * hour's rollup as well as into the raw rows, or readers, which take closed
 * hours from rollups, would never count it. Returns 0 or -1.
 */
static int merge_late(struct store *st, int64_t ep, const struct qprobe *q)
{
	int64_t *known = map_get(&st->rolled, &ep, sizeof(ep)), rolled;
	struct vals ph[NPHASE] = { { 0 } };
	struct rollup ru;
	int rc;

	if (known) {
		rolled = *known;
	} else {
		if ((rolled = rolled_until_id(st, ep)) == INT64_MAX)
			return -1;
		map_put(&st->rolled, &ep, sizeof(ep), rolled);
	}
	if (q->t_ms >= rolled)
		return 0;
	for (int k = 0; k < NPHASE && q->state != DB_DOWN; k++)
		if (q->us[k] >= 0)
			vals_push(&ph[k], q->us[k]);
	rollup_from(&ru, hour_floor(q->t_ms), ph, 1, q->state == DB_DOWN, q->state == DB_WARN);
	rc = rollup_put(st, ep, &ru);
	for (int k = 0; k < NPHASE; k++)
		free(ph[k].v);
	return rc;
}

static int flush_probes(struct store *st, struct flush *f, size_t np)
{
	sqlite3_stmt *s = stmt_get(st, S_PROBE_ADD);

	if (!s)
		return -1;
	for (size_t i = 0; i < np; i++) {
		const struct qprobe *q = st->pq[(st->pq_head + i) % st->pq_cap];
		int64_t ep = st->eps[q->ep].id, leaf = 0, tls;

		for (int k = 0; k < q->nchain; k++) {
			int64_t id = cert_id(st, f, q->chain[k]);

			if (id < 0)
				return -1;
			if (k == 0)
				leaf = id;
			if (id > 0)
				seen_note(f, ep, id, q->t_ms);
		}
		if ((tls = tls_id(st, f, q)) < 0)
			return -1;
		sqlite3_bind_int64(s, 1, ep);
		sqlite3_bind_int(s, 3, q->state);
		sqlite3_bind_int64(s, 4, st->reason_id[q->reason]);
		for (int k = 0; k < NPHASE; k++)
			bind_us(s, 5 + k, q->us[k]);
		sqlite3_bind_int64(s, 11, q->status);
		if (tls)
			sqlite3_bind_int64(s, 12, tls);
		else
			sqlite3_bind_null(s, 12);
		if (leaf)
			sqlite3_bind_int64(s, 13, leaf);
		else
			sqlite3_bind_null(s, 13);
		bind_text(s, 14, q->s[QS_IP]);
		bind_text(s, 15, q->s[QS_MESSAGE]);
		bind_text(s, 16, q->s[QS_ERROR][0] ? q->s[QS_ERROR] : NULL);
		/* two probes of one endpoint in the same millisecond: keep both, 1 ms apart */
		for (int64_t t = q->t_ms; t < q->t_ms + 1000; t++) {
			sqlite3_bind_int64(s, 2, t);
			if (stmt_run(s) != SQLITE_OK)
				return -1;
			if (sqlite3_changes(st->db)) {
				if (merge_late(st, ep, q) != 0)
					return -1;
				break;
			}
		}
	}
	return 0;
}

static int flush_rest(struct store *st, struct flush *f, size_t ne)
{
	sqlite3_stmt *s;

	if (f->nseen) {
		if (!(s = stmt_get(st, S_SEEN_UPSERT)))
			return -1;
		for (size_t i = 0; i < f->nseen; i++) {
			sqlite3_bind_int64(s, 1, f->seen_v[i].ep);
			sqlite3_bind_int64(s, 2, f->seen_v[i].cert);
			sqlite3_bind_int64(s, 3, f->seen_v[i].first);
			sqlite3_bind_int64(s, 4, f->seen_v[i].last);
			if (stmt_run(s) != SQLITE_OK)
				return -1;
		}
	}
	if (st->oq_n) {
		if (!(s = stmt_get(st, S_OUTAGE_UPSERT)))
			return -1;
		for (size_t i = 0; i < st->oq_n; i++) {
			const struct qoutage *o = &st->oq[i];

			sqlite3_bind_int64(s, 1, st->eps[o->ep].id);
			sqlite3_bind_int64(s, 2, o->start_ms);
			if (o->end_ms)
				sqlite3_bind_int64(s, 3, o->end_ms);
			else
				sqlite3_bind_null(s, 3);
			bind_text(s, 4, o->reason);
			bind_text(s, 5, o->message);
			sqlite3_bind_int(s, 6, o->failed);
			if (stmt_run(s) != SQLITE_OK)
				return -1;
		}
	}
	if (ne) {
		if (!(s = stmt_get(st, S_EVENT_ADD)))
			return -1;
		for (size_t i = 0; i < ne; i++) {
			const struct qevent *e = &st->evq[i];

			sqlite3_bind_int64(s, 1, st->eps[e->ep].id);
			sqlite3_bind_int64(s, 2, e->t_ms);
			bind_text(s, 3, e->kind);
			bind_text(s, 4, e->detail);
			if (stmt_run(s) != SQLITE_OK)
				return -1;
		}
	}
	return 0;
}

static void flush_done(struct flush *f)
{
	map_done(&f->certs);
	map_done(&f->tls);
	map_done(&f->seen);
	free(f->seen_v);
}

static void set_write_error(struct store *st)
{
	size_t kept = store_queued(st);
	int n = snprintf(st->err, sizeof(st->err), "cannot write %s: %s; %zu result%s kept in memory",
			 st->path, sqlite3_errmsg(st->db), kept, kept == 1 ? "" : "s");

	if (st->dropped && n > 0 && (size_t)n < sizeof(st->err))
		snprintf(st->err + n, sizeof(st->err) - (size_t)n, ", %llu dropped",
			 (unsigned long long)st->dropped);
	st->failing = true;
}

/*
 * How much of the imported spill file a chunk writes: the queues are FIFO
 * and the file's records went in first, so the largest index in the chunk
 * is how far the file is written. Recorded in the same transaction, so a
 * crash never imports a record twice.
 */
static int flush_spill_mark(struct store *st, size_t np, size_t ne)
{
	sqlite3_stmt *s;
	int64_t p = 0, e = 0;

	if (!st->spill_id)
		return 0;
	for (size_t i = 0; i < np; i++) {
		int64_t ix = st->pq[(st->pq_head + i) % st->pq_cap]->spill_ix;

		p = ix > p ? ix : p;
	}
	for (size_t i = 0; i < ne; i++)
		e = st->evq[i].spill_ix > e ? st->evq[i].spill_ix : e;
	if (!p && !e)
		return 0;
	if (!(s = stmt_get(st, S_SPILL_PUT)))
		return -1;
	sqlite3_bind_int64(s, 1, st->spill_id);
	sqlite3_bind_int64(s, 2, p);
	sqlite3_bind_int64(s, 3, e);
	return stmt_run(s) == SQLITE_OK ? 0 : -1;
}

/* Forgets what a committed chunk wrote: np probes and ne events from the heads, all outages and certificates. */
static void queues_pop(struct store *st, size_t np, size_t ne)
{
	for (size_t i = 0; i < np; i++)
		free(st->pq[(st->pq_head + i) % st->pq_cap]);
	st->pq_head = st->pq_n == np ? 0 : (st->pq_head + np) % st->pq_cap;
	st->pq_n -= np;
	for (size_t i = 0; i < ne; i++) {
		free(st->evq[i].kind);
		free(st->evq[i].detail);
	}
	if (ne)
		memmove(st->evq, st->evq + ne, (st->evq_n - ne) * sizeof(*st->evq));
	st->evq_n -= ne;
	for (size_t i = 0; i < st->oq_n; i++) {
		free(st->oq[i].reason);
		free(st->oq[i].message);
	}
	st->oq_n = 0;
	for (size_t i = 0; i < st->cq_n; i++)
		cert_info_done(&st->cq[i]);
	st->cq_n = 0;
}

/*
 * One transaction: the oldest np probes and ne events, with every queued
 * outage and certificate. Returns SQLITE_OK (and pops them), or the error.
 */
static int flush_chunk(struct store *st, size_t np, size_t ne)
{
	struct flush f = { 0 };
	int rc = run(st, S_BEGIN_W);

	if (rc == SQLITE_OK) {
		if (flush_endpoints(st, np, ne) == 0 && flush_certs(st) == 0 && flush_probes(st, &f, np) == 0 &&
		    flush_rest(st, &f, ne) == 0 && flush_spill_mark(st, np, ne) == 0)
			rc = run(st, S_COMMIT);
		else if ((rc = sqlite3_errcode(st->db)) == SQLITE_OK)
			rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		/* the message first: ROLLBACK would replace it */
		set_write_error(st);
		rollback(st);
		flush_done(&f);
		return rc;
	}
	/* committed: the ids learnt are real now */
	st->wseq++;
	for (size_t i = 0; i < f.certs.cap; i++)
		if (f.certs.s[i].key && f.certs.s[i].val > 0)
			map_put(&st->certs, f.certs.s[i].key, 32, f.certs.s[i].val);
	flush_done(&f);
	queues_pop(st, np, ne);
	return SQLITE_OK;
}

/* Bytes this process may still write on the database's file system, 0 when unknown. */
static uint64_t free_bytes(const struct store *st)
{
	struct statvfs sv;

	if (statvfs(st->path, &sv) != 0)
		return 0;
	/* root may use the blocks reserved for it */
	return (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) * sv.f_frsize;
}

/* After a failed flush: when to try again (see store_flush_due). */
static void back_off(struct store *st, bool wrote, bool full)
{
	int64_t now = st->clock(), delay = BACKOFF_FIRST_MS;

	/* a flush that wrote some chunks found space: the schedule starts again */
	st->fails = wrote ? 1 : st->fails + 1;
	for (int i = 1; i < st->fails && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	st->retry_ms = now + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
	st->disk_full = full;
	st->space_ms = now;
	st->free_bytes = full ? free_bytes(st) : 0;
}

/* Everything of the imported spill file is in the database: the file goes, then its mark. */
static void spill_finished(struct store *st)
{
	char *path;
	sqlite3_stmt *s;

	if (!st->spill_id)
		return;
	path = xasprintf("%s.spill", st->path);
	if (unlink(path) == 0 || errno == ENOENT) {
		if ((s = stmt_get(st, S_SPILL_DEL))) {
			sqlite3_bind_int64(s, 1, st->spill_id);
			stmt_run(s); /* a mark left behind names a file that is gone: harmless */
		}
		st->spill_id = 0;
	}
	free(path);
}

int store_flush(struct store *st)
{
	size_t chunk = STORE_FLUSH_CHUNK;
	bool wrote = false;
	int rc = SQLITE_OK;

	if (!st || st->mode != STORE_COLLECTOR)
		return -1;
	while (store_queued(st)) {
		size_t np = st->pq_n < chunk ? st->pq_n : chunk, ne = st->evq_n < chunk ? st->evq_n : chunk;

		rc = flush_chunk(st, np, ne);
		if (rc == SQLITE_OK) {
			wrote = true;
			continue;
		}
		/* a full disk may still take a smaller transaction: use what is free, oldest first */
		if ((rc & 0xff) == SQLITE_FULL && chunk > 1) {
			chunk /= 2;
			continue;
		}
		break;
	}
	if (rc != SQLITE_OK) {
		back_off(st, wrote, (rc & 0xff) == SQLITE_FULL);
		return -1;
	}
	spill_finished(st);
	st->failing = false;
	st->fails = 0;
	st->err[0] = '\0';
	return 0;
}

bool store_flush_due(struct store *st)
{
	int64_t now;
	uint64_t free_now;

	if (!st || !st->failing)
		return true;
	now = st->clock();
	if (now >= st->retry_ms)
		return true;
	if (!st->disk_full || now - st->space_ms < SPACE_CHECK_MS)
		return false;
	st->space_ms = now;
	free_now = free_bytes(st);
	if (free_now > st->free_bytes)
		return true;
	st->free_bytes = free_now; /* space taken by others: growth from here counts */
	return false;
}

int64_t store_wake_ms(const struct store *st)
{
	if (!st || !st->failing)
		return 0;
	if (st->disk_full && st->space_ms + SPACE_CHECK_MS < st->retry_ms)
		return st->space_ms + SPACE_CHECK_MS;
	return st->retry_ms;
}

void store_set_clock(struct store *st, int64_t (*mono_ms)(void))
{
	if (st)
		st->clock = mono_ms ? mono_ms : default_clock;
}

/* ---- retention ------------------------------------------------------------- */

/* Room for one more element of an array that holds n of cap (doubling, from first). */
static void *grow(void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : first;
	return xrealloc(v, *cap * elem);
}

/* The next endpoint id after the cursor, 0 at the end. -1 on error. */
static int64_t next_endpoint(struct store *st, int64_t after)
{
	sqlite3_stmt *s = stmt_get(st, S_EP_NEXT);
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
	sqlite3_stmt *s = stmt_get(st, k);
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
 * Closes endpoint ep's whole hours in [from, cutoff) (cutoff an hour
 * boundary) from its raw rows, oldest first, stopping after the hour in
 * which budget rows were read. *rolled becomes the end of the last hour
 * closed (unchanged when there was none). Returns the raw rows read, or -1.
 */
static int64_t close_hours(struct store *st, int64_t ep, int64_t from, int64_t cutoff, int64_t budget,
			   int64_t *rolled)
{
	sqlite3_stmt *s = stmt_get(st, S_RAW_HOURS);
	struct vals ph[NPHASE] = { { 0 } };
	struct rollup ru;
	int64_t rows = 0, hour = -1, probes = 0, failures = 0, warns = 0;
	int rc = SQLITE_DONE;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, ep);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, cutoff);
	for (;;) {
		int64_t h;

		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		h = hour_floor(sqlite3_column_int64(s, 0));
		if (h != hour) {
			/* one hour is complete: it has no rollup yet (it is past rolled_until) */
			if (hour != -1) {
				rollup_from(&ru, hour, ph, probes, failures, warns);
				if (rollup_put(st, ep, &ru) != 0) {
					rc = SQLITE_ERROR;
					break;
				}
				*rolled = hour + HOUR_MS;
				if (rows >= budget)
					break;
			}
			hour = h;
			probes = failures = warns = 0;
		}
		rows++;
		probes++;
		if (sqlite3_column_int(s, 1) == DB_DOWN) {
			failures++;
			continue;
		}
		if (sqlite3_column_int(s, 1) == DB_WARN)
			warns++;
		for (int k = 0; k < NPHASE; k++)
			if (sqlite3_column_type(s, 2 + k) != SQLITE_NULL)
				vals_push(&ph[k], sqlite3_column_int64(s, 2 + k));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE && hour != -1) {
		rollup_from(&ru, hour, ph, probes, failures, warns);
		if (rollup_put(st, ep, &ru) != 0)
			rc = SQLITE_ERROR;
		else
			*rolled = hour + HOUR_MS;
	}
	for (int k = 0; k < NPHASE; k++)
		free(ph[k].v);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rows : -1;
}

/*
 * Ages endpoint ep: closes its hours up to close_cut, then deletes its raw
 * rows older than raw_cut that lie in closed hours, within budget rows
 * (read plus deleted). Returns the rows spent, or -1.
 */
static int64_t age_endpoint(struct store *st, int64_t ep, int64_t close_cut, int64_t raw_cut, int64_t budget)
{
	sqlite3_stmt *del = stmt_get(st, S_RAW_DEL);
	int64_t rolled = rolled_until_id(st, ep), n = 0, cut;

	if (!del || rolled == INT64_MAX)
		return -1;
	if (rolled < close_cut) {
		n = close_hours(st, ep, rolled, close_cut, budget, &rolled);
		if (n < 0)
			return -1;
	}
	cut = raw_cut < rolled ? raw_cut : rolled;
	if (n >= budget || oldest(st, S_RAW_OLDEST, ep) >= cut)
		return n;
	sqlite3_bind_int64(del, 1, ep);
	sqlite3_bind_int64(del, 2, cut);
	sqlite3_bind_int64(del, 3, budget - n);
	if (stmt_run(del) != SQLITE_OK)
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
	sqlite3_stmt *s = stmt_get(st, S_ROLL_DEL);
	int64_t ep = 0;

	if (!s)
		return -1;
	while ((ep = next_endpoint(st, ep)) > 0) {
		sqlite3_bind_int64(s, 1, ep);
		sqlite3_bind_int64(s, 2, cutoff);
		sqlite3_bind_int64(s, 3, *budget);
		if (stmt_run(s) != SQLITE_OK)
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
	recent = hour_floor(now_ms - HOUR_MS);
	if (raw < recent) {
		st->ret_cursor = 0;
		return age_all(st, hour_floor(now_ms - CLOSE_AFTER_MS), hour_floor(raw) + HOUR_MS, budget) < 0 ? -1 : 1;
	}
	if (roll != INT64_MAX)
		return drop_rollups(st, roll + 24 * HOUR_MS, budget) < 0 ? -1 : 1;
	return 0;
}

int store_retention(struct store *st, int64_t now_ms, int64_t retain_raw_ms,
		    int64_t retain_rollup_ms, int64_t max_bytes)
{
	int64_t budget = RETENTION_ROWS, close_cut = hour_floor(now_ms - CLOSE_AFTER_MS), raw_cut, horizon;
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
	raw_cut = hour_floor(now_ms - retain_raw_ms);
	if (raw_cut > close_cut)
		raw_cut = close_cut;
	/* older than anything a raw row still refers to (see S_CERT_DEL) */
	horizon = now_ms - (retain_rollup_ms > retain_raw_ms ? retain_rollup_ms : retain_raw_ms);
	if (horizon > raw_cut)
		horizon = raw_cut;
	if (run(st, S_BEGIN_W) != SQLITE_OK)
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
		if (!(s = stmt_get(st, S_EVENT_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retain_rollup_ms);
		sqlite3_bind_int64(s, 2, budget);
		if (stmt_run(s) != SQLITE_OK)
			goto fail;
		budget -= sqlite3_changes(st->db);
		if (!(s = stmt_get(st, S_OUTAGE_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, now_ms - retain_rollup_ms);
		sqlite3_bind_int64(s, 2, budget > 0 ? budget : 1);
		if (stmt_run(s) != SQLITE_OK)
			goto fail;
		budget -= sqlite3_changes(st->db);
		more |= budget <= 0;
	}
	if (!more) {
		/* certificates and endpoints nothing refers to any more; few rows */
		if (!(s = stmt_get(st, S_SEEN_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, horizon);
		if (stmt_run(s) != SQLITE_OK || run(st, S_CERT_DEL) != SQLITE_OK)
			goto fail;
		if (sqlite3_changes(st->db)) {
			/* ids we remembered may be gone: forget the written ones */
			struct map keep = { 0 };

			for (size_t i = 0; i < st->certs.cap; i++)
				if (st->certs.s[i].key && st->certs.s[i].val == 0)
					map_put(&keep, st->certs.s[i].key, 32, 0);
			map_done(&st->certs);
			st->certs = keep;
		}
		if (!(s = stmt_get(st, S_EP_DEL)))
			goto fail;
		sqlite3_bind_int64(s, 1, horizon);
		if (stmt_run(s) != SQLITE_OK)
			goto fail;
	}
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
	if (run(st, S_COMMIT) != SQLITE_OK)
		goto fail;
	map_done(&st->rolled);
	return more ? 1 : 0;
fail:
	map_done(&st->rolled);
	if (!st->failing) {
		snprintf(st->err, sizeof(st->err), "cannot clean up %s: %s", st->path, sqlite3_errmsg(st->db));
		st->failing = true;
	}
	rollback(st);
	return -1;
}

/* ---- reads ----------------------------------------------------------------- */

static void bind_name(sqlite3_stmt *s, const char *name)
{
	bind_text(s, 1, name);
}

/* The outage and event lists: (name?, since, limit), newest first. */
static sqlite3_stmt *newest_query(struct store *st, enum stmt id, const char *name, int64_t since_ms, size_t limit)
{
	sqlite3_stmt *s = st ? stmt_get(st, id) : NULL;

	if (!s)
		return NULL;
	bind_name(s, name);
	sqlite3_bind_int64(s, 2, since_ms);
	sqlite3_bind_int64(s, 3, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	return s;
}

/*
 * Ends a row-collecting read: on an error the caller gets no rows at all
 * (arr is freed here; the caller clears its pointer). Returns 0 or -1.
 */
static int rows_done(sqlite3_stmt *s, int rc, void *arr, size_t *n)
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

		*rows = grow(*rows, *n, &cap, sizeof(**rows), 16);
		r = &(*rows)[(*n)++];
		col_text(s, 0, r->name, sizeof(r->name));
		r->start_ms = sqlite3_column_int64(s, 1);
		r->end_ms = sqlite3_column_int64(s, 2); /* NULL reads as 0: ongoing */
		col_text(s, 3, r->reason, sizeof(r->reason));
		col_text(s, 4, r->message, sizeof(r->message));
		r->failed_probes = sqlite3_column_int(s, 5);
	}
	if (rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
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
	return outage_rows(st ? stmt_get(st, S_OUTAGES_OPEN) : NULL, rows, n);
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

		*rows = grow(*rows, *n, &cap, sizeof(**rows), 16);
		r = &(*rows)[(*n)++];
		col_text(s, 0, r->name, sizeof(r->name));
		r->t_ms = sqlite3_column_int64(s, 1);
		col_text(s, 2, r->kind, sizeof(r->kind));
		col_text(s, 3, r->detail, sizeof(r->detail));
	}
	if (rows_done(s, rc, *rows, n) != 0) {
		*rows = NULL;
		return -1;
	}
	return 0;
}

/* Two statements that must see one snapshot run inside BEGIN ... COMMIT. */
static int read_begin(struct store *st)
{
	return run(st, S_BEGIN) == SQLITE_OK ? 0 : -1;
}

static int read_end(struct store *st, int rc)
{
	if (run(st, S_COMMIT) != SQLITE_OK) {
		rollback(st);
		return -1;
	}
	return rc;
}

/*
 * A time from a one-value query by name and maybe a time ?2 (S_ROLLED,
 * S_RAW_FIRST, S_RAW_BEFORE); none when NULL or no row. Returns 0 or -1.
 */
static int name_time_q(struct store *st, enum stmt k, const char *name, int64_t t_ms, int64_t none, int64_t *out)
{
	sqlite3_stmt *s = stmt_get(st, k);
	int rc;

	*out = none;
	if (!s)
		return -1;
	bind_name(s, name);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, t_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int name_time(struct store *st, enum stmt k, const char *name, int64_t none, int64_t *out)
{
	return name_time_q(st, k, name, 0, none, out);
}

static int name_time_at(struct store *st, enum stmt k, const char *name, int64_t t_ms, int64_t *out)
{
	return name_time_q(st, k, name, t_ms, INT64_MAX, out);
}

static int64_t hour_ceil(int64_t t_ms)
{
	return hour_floor(t_ms) == t_ms ? t_ms : hour_floor(t_ms) + HOUR_MS;
}

/*
 * Where the rows of a window [since, until) come from: the hours starting
 * in [lo, hi) from rollups, the rest from raw rows, [since, min(lo, until))
 * and [max(hi, since), until). rolled: where the rollups to use end.
 */
struct window {
	int64_t lo, hi;
};

static struct window window_split(int64_t since, int64_t until, int64_t rolled)
{
	struct window w = { hour_ceil(since), rolled < until ? rolled : until };

	if (w.hi < w.lo)
		w.hi = w.lo;
	return w;
}

/* Statement k (by name over [?2, ?3)) bound, ready to step; NULL if it cannot be made. */
static sqlite3_stmt *range_query(struct store *st, enum stmt k, const char *name, int64_t from, int64_t to)
{
	sqlite3_stmt *s = stmt_get(st, k);

	if (!s)
		return NULL;
	bind_name(s, name);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return s;
}

/* Adds probes and failures of name in [from, to) from S_UP_RAW or S_UP_ROLL. Returns 0 or -1. */
static int add_counts(struct store *st, enum stmt k, const char *name, int64_t from, int64_t to, struct uptime *out)
{
	sqlite3_stmt *s;
	int rc;

	if (from >= to)
		return 0;
	if (!(s = range_query(st, k, name, from, to)))
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->probes += sqlite3_column_int64(s, 0);
		out->failures += sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_uptime(struct store *st, const char *name, int64_t since_ms, int64_t now_ms, struct uptime *out)
{
	int64_t rolled, until = now_ms + 1; /* now_ms itself is inside */
	struct window w;
	int rc;

	memset(out, 0, sizeof(*out));
	out->pct = -1;
	if (!st || !name || read_begin(st) != 0)
		return -1;
	rc = name_time(st, S_ROLLED, name, INT64_MIN, &rolled);
	w = window_split(since_ms, until, rolled);
	if (rc == 0)
		rc = add_counts(st, S_UP_ROLL, name, w.lo, w.hi, out);
	if (rc == 0)
		rc = add_counts(st, S_UP_RAW, name, since_ms, w.lo < until ? w.lo : until, out);
	if (rc == 0)
		rc = add_counts(st, S_UP_RAW, name, w.hi > since_ms ? w.hi : since_ms, until, out);
	rc = read_end(st, rc);
	if (out->probes)
		out->pct = 100.0 * (double)(out->probes - out->failures) / (double)out->probes;
	return rc;
}

/*
 * Percentiles come from raw rows only (rollups keep no distribution), over
 * probes that were not DOWN: a failed probe's phase holds the time until it
 * failed, not a latency; failures are what uptime counts.
 */
int store_latency_stats(struct store *st, const char *name, int64_t since_ms, struct phase_stats *out)
{
	sqlite3_stmt *s;
	struct vals ph[NPHASE] = { { 0 } };
	int rc;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < NPHASE; k++)
		out->p50[k] = out->p95[k] = out->p99[k] = -1;
	if (!st || !name || !(s = stmt_get(st, S_LAT_RAW)))
		return -1;
	bind_name(s, name);
	sqlite3_bind_int64(s, 2, since_ms);
	sqlite3_bind_int64(s, 3, INT64_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->count++;
		for (int k = 0; k < NPHASE; k++)
			if (sqlite3_column_type(s, k) != SQLITE_NULL)
				vals_push(&ph[k], sqlite3_column_int64(s, k));
	}
	sqlite3_reset(s);
	for (int k = 0; k < NPHASE; k++) {
		if (ph[k].n) {
			qsort(ph[k].v, ph[k].n, sizeof(int64_t), cmp_i64);
			out->p50[k] = rank(ph[k].v, ph[k].n, 500);
			out->p95[k] = rank(ph[k].v, ph[k].n, 950);
			out->p99[k] = rank(ph[k].v, ph[k].n, 990);
		}
		free(ph[k].v);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Per bucket while a series is built: sums to average at the end. */
struct bucket {
	int64_t count, failures, max_total;
	int64_t sum[NPHASE], n[NPHASE];
};

/* Adds name's rollups of the hours starting in [from, to) to the buckets: weighted by each phase's count. */
static int series_rollups(struct store *st, const char *name, int64_t from, int64_t to, int64_t since_ms,
			  int64_t bucket_ms, struct bucket *b)
{
	sqlite3_stmt *s;
	int rc;

	if (from >= to)
		return 0;
	if (!(s = range_query(st, S_SERIES_ROLL, name, from, to)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rollup ru;
		struct bucket *x;

		rollup_read(s, &ru);
		x = &b[(ru.hour_ms - since_ms) / bucket_ms];
		x->count += ru.probes;
		x->failures += ru.failures;
		for (int k = 0; k < NPHASE; k++) {
			if (!ru.n[k])
				continue;
			x->sum[k] += ru.avg[k] * ru.n[k];
			x->n[k] += ru.n[k];
		}
		if (ru.n[5] && ru.max[5] > x->max_total)
			x->max_total = ru.max[5];
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Adds name's raw probes in [from, to) to the buckets. */
static int series_raw(struct store *st, const char *name, int64_t from, int64_t to, int64_t since_ms,
		      int64_t bucket_ms, struct bucket *b)
{
	sqlite3_stmt *s;
	int rc;

	if (from >= to)
		return 0;
	if (!(s = range_query(st, S_SERIES_RAW, name, from, to)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct bucket *x = &b[(sqlite3_column_int64(s, 0) - since_ms) / bucket_ms];

		x->count++;
		if (sqlite3_column_int(s, 1) == DB_DOWN) {
			x->failures++;
			continue;
		}
		for (int k = 0; k < NPHASE; k++) {
			if (sqlite3_column_type(s, 2 + k) == SQLITE_NULL)
				continue;
			x->sum[k] += sqlite3_column_int64(s, 2 + k);
			x->n[k]++;
		}
		if (sqlite3_column_type(s, 7) != SQLITE_NULL && sqlite3_column_int64(s, 7) > x->max_total)
			x->max_total = sqlite3_column_int64(s, 7);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Buckets of an hour or more take closed hours from rollups. Finer buckets
 * cannot split an hour's rollup, so they read raw rows wherever there are
 * any and rollups only before the oldest whole raw hour.
 */
static int series_window(struct store *st, const char *name, int64_t since_ms, int64_t until_ms,
			 int64_t bucket_ms, struct window *w)
{
	int64_t rolled, first, before;

	if (bucket_ms < HOUR_MS) {
		/* raw rows go oldest first: one before the window means raw rows cover all of it */
		if (name_time_at(st, S_RAW_BEFORE, name, since_ms, &before) != 0)
			return -1;
		if (before != INT64_MAX) {
			*w = window_split(since_ms, until_ms, INT64_MIN);
			return 0;
		}
	}
	if (name_time(st, S_ROLLED, name, INT64_MIN, &rolled) != 0)
		return -1;
	if (bucket_ms < HOUR_MS) {
		if (name_time(st, S_RAW_FIRST, name, INT64_MAX, &first) != 0)
			return -1;
		if (first != INT64_MAX && hour_ceil(first) < rolled)
			rolled = hour_ceil(first);
	}
	*w = window_split(since_ms, until_ms, rolled);
	return 0;
}

int store_latency_series(struct store *st, const char *name, int64_t since_ms, int64_t until_ms,
			 int64_t bucket_ms, struct series_point **pts, size_t *n)
{
	struct bucket *b;
	struct window w;
	int64_t nb;
	int rc;

	*pts = NULL;
	*n = 0;
	if (!st || !name || bucket_ms <= 0 || until_ms <= since_ms)
		return -1;
	nb = (until_ms - since_ms + bucket_ms - 1) / bucket_ms;
	if (nb > SERIES_MAX)
		return -1;
	b = xcalloc((size_t)nb, sizeof(*b));
	for (int64_t i = 0; i < nb; i++)
		b[i].max_total = -1;
	if (read_begin(st) != 0) {
		free(b);
		return -1;
	}
	rc = series_window(st, name, since_ms, until_ms, bucket_ms, &w);
	if (rc == 0)
		rc = series_rollups(st, name, w.lo, w.hi, since_ms, bucket_ms, b);
	if (rc == 0)
		rc = series_raw(st, name, since_ms, w.lo < until_ms ? w.lo : until_ms, since_ms, bucket_ms, b);
	if (rc == 0)
		rc = series_raw(st, name, w.hi > since_ms ? w.hi : since_ms, until_ms, since_ms, bucket_ms, b);
	if (rc == 0) {
		*pts = xcalloc((size_t)nb, sizeof(**pts));
		*n = (size_t)nb;
		for (int64_t i = 0; i < nb; i++) {
			struct series_point *p = &(*pts)[i];

			p->t_ms = since_ms + i * bucket_ms;
			p->count = b[i].count;
			p->failures = b[i].failures;
			p->max_total_us = b[i].max_total;
			for (int k = 0; k < NPHASE; k++)
				p->avg_us[k] = b[i].n[k] ? b[i].sum[k] / b[i].n[k] : -1;
		}
	}
	free(b);
	return read_end(st, rc);
}

static const char *state_text(int s)
{
	return s == DB_DOWN ? "DOWN" : s == DB_WARN ? "WARN" : "UP";
}

static void probe_row_read(sqlite3_stmt *s, struct probe_row *r)
{
	r->t_ms = sqlite3_column_int64(s, 0);
	for (int k = 0; k < NPHASE; k++)
		r->us[k] = col_us(s, 1 + k);
	r->http_status = (long)sqlite3_column_int64(s, 7);
	snprintf(r->state, sizeof(r->state), "%s", state_text(sqlite3_column_int(s, 8)));
	col_text(s, 9, r->reason, sizeof(r->reason));
	col_text(s, 10, r->message, sizeof(r->message));
	col_text(s, 11, r->ip, sizeof(r->ip));
	col_text(s, 12, r->tls_version, sizeof(r->tls_version));
	col_text(s, 13, r->cipher, sizeof(r->cipher));
	store_sha_to_hex(sqlite3_column_blob(s, 14), (size_t)sqlite3_column_bytes(s, 14), r->cert_sha256);
	col_text(s, 15, r->url, sizeof(r->url));
}

int store_latest(struct store *st, const char *name, struct probe_row *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st || !name || !(s = stmt_get(st, S_LATEST)))
		return -1;
	bind_name(s, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		probe_row_read(s, out);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_probes(struct store *st, const char *name, int64_t from_ms, int64_t to_ms, size_t limit,
		 struct probe_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!st || !name || !(s = stmt_get(st, S_PROBES)))
		return -1;
	bind_name(s, name);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	sqlite3_bind_int64(s, 4, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct probe_row *r;

		*rows = grow(*rows, *n, &cap, sizeof(**rows), 64);
		r = &(*rows)[(*n)++];
		probe_row_read(s, r);
	}
	if (rows_done(s, rc, *rows, n) != 0) {
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
	if (!(s = stmt_get(st, S_CERT_GET)))
		return -1;
	sqlite3_bind_blob(s, 1, sha, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->subject = col_dup(s, 0);
		out->issuer = col_dup(s, 1);
		out->sans = col_dup(s, 2);
		col_text(s, 3, out->serial, sizeof(out->serial));
		out->not_before = sqlite3_column_int64(s, 4);
		out->not_after = sqlite3_column_int64(s, 5);
		col_text(s, 6, out->key_type, sizeof(out->key_type));
		out->key_bits = sqlite3_column_int(s, 7);
		col_text(s, 8, out->key_curve, sizeof(out->key_curve));
		col_text(s, 9, out->sig_alg, sizeof(out->sig_alg));
		out->aia_ca_issuers = col_dup(s, 10);
		out->self_issued = sqlite3_column_int(s, 11) != 0;
		out->is_ca = sqlite3_column_int(s, 12) != 0;
		store_sha_to_hex(sha, 32, out->sha256);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int store_endpoint_names(struct store *st, struct strlist *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !(s = stmt_get(st, S_NAMES)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		strlist_push(out, v ? v : "");
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_endpoints_written(struct store *st, int64_t after_seq, struct strlist *out)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !(s = stmt_get(st, S_NAMES_WRITTEN)))
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
	return query_int(st, S_LAST_PROBE, 0);
}

int64_t store_write_seq(struct store *st)
{
	return query_int(st, S_WSEQ, -1);
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
