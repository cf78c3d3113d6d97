/*
 * store_bench: the history store's figures, printed as markdown.
 *
 *   store_bench [-e ENDPOINTS] [-r RAW_DAYS] [-y DAYS] [-q RUNS] OUTDIR
 *
 * 1. Insert rate: store_add_probe() + store_flush() as the collector calls
 *    them (realistic rows: phase timings, a verdict sentence, IP, TLS facts,
 *    a two-certificate chain), in batches of 100 rows and of 17 rows (one
 *    loop pass a second at 1,000 endpoints probed every 60 s), on a fresh
 *    file in OUTDIR. Bytes per raw probe row from dbstat on that file: the
 *    layout the collector really produces (rows of many endpoints arrive
 *    interleaved, so b-tree pages are not packed full).
 * 2. A year of synthetic history (default 1,000 endpoints at 60 s: RAW_DAYS
 *    of raw probes plus hourly rollups for the rest of DAYS, outages and
 *    events), generated once with INSERT ... SELECT over recursive CTEs in
 *    one transaction per endpoint and cached in OUTDIR (a file is reused
 *    when its bench_meta row says it was finished for the same sizes).
 * 3. The history pane's queries on that file through a reader store,
 *    median (and worst) of RUNS runs, each on another endpoint.
 *
 * Figures are reported, never asserted. Synthetic timestamps end at a
 * fixed "now" so a cached file stays valid.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "httpsmon/store.h"
#include "httpsmon/util.h"

#define NOW_MS   1798761600000LL /* 2027-01-01T00:00:00Z: the synthetic history ends here */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, why);
	exit(1);
}

static void exec_or_die(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err ? err : sqlite3_errmsg(db));
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t file_bytes(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* ---- 1. insert rate -------------------------------------------------------- */

static void fake_cert(struct cert_info *c, unsigned id, bool leaf)
{
	memset(c, 0, sizeof(*c));
	c->subject = leaf ? xasprintf("CN=host-%u.bench.test", id) : xstrdup("CN=Bench Intermediate CA,O=Bench");
	c->issuer = xstrdup(leaf ? "CN=Bench Intermediate CA,O=Bench" : "CN=Bench Root CA,O=Bench");
	c->sans = leaf ? xasprintf("DNS:host-%u.bench.test, DNS:www.host-%u.bench.test", id, id) : NULL;
	snprintf(c->serial, sizeof(c->serial), "%08X5EED", leaf ? id : 0xFFFFFFFFu);
	c->not_before = NOW_MS / 1000 - 30 * 86400;
	c->not_after = NOW_MS / 1000 + 60 * 86400;
	snprintf(c->key_type, sizeof(c->key_type), "EC");
	c->key_bits = 256;
	snprintf(c->key_curve, sizeof(c->key_curve), "prime256v1");
	snprintf(c->sig_alg, sizeof(c->sig_alg), "ecdsa-with-SHA256");
	snprintf(c->sha256, sizeof(c->sha256), "%08x%056x", leaf ? id : 0xFFFFFFFFu, 0);
	c->aia_ca_issuers = xstrdup("http://ca.bench.test/int.der");
	c->is_ca = !leaf;
}

struct insert_fig {
	int batch;
	int64_t rows;
	double secs;
	double bytes_per_row;   /* dbstat: pages of the probe table / rows */
	double payload_per_row; /* dbstat: bytes actually used in them / rows */
	int ret_calls;          /* store_retention calls to roll every row up */
	double ret_median_ms, ret_max_ms;
};

static int cmp_double(const void *a, const void *b);

static void insert_rate(const char *dir, int endpoints, int batch, int64_t rows, struct insert_fig *fig)
{
	char *path = xasprintf("%s/store-insert-%d.db", dir, batch), err[512];
	char *lock = xasprintf("%s.lock", path), *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	struct store *st;
	struct probe_result r;
	struct verdict v;
	char **names = xcalloc((size_t)endpoints, sizeof(*names));
	unsigned rnd = 12345;
	double t0;
	sqlite3 *db;

	unlink(path);
	unlink(wal);
	if (!(st = store_open(path, STORE_COLLECTOR, err, sizeof(err))))
		die(path, err);
	for (int e = 0; e < endpoints; e++)
		names[e] = xasprintf("host-%d", e);
	probe_result_init(&r);
	memset(&v, 0, sizeof(v));
	snprintf(r.ip, sizeof(r.ip), "192.0.2.%d", 1 + (int)(rnd % 250));
	snprintf(r.tls_version, sizeof(r.tls_version), "TLSv1.3");
	snprintf(r.cipher, sizeof(r.cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(r.alpn, sizeof(r.alpn), "h2");
	r.http_status = 200;
	r.chain_len = 2;
	fake_cert(&r.chain[1], 0, false);

	t0 = now_s();
	for (int64_t i = 0; i < rows; i++) {
		int e = (int)(i % endpoints);

		rnd = rnd * 1103515245u + 12345u;
		fake_cert(&r.chain[0], (unsigned)e, true);
		r.started_ms = NOW_MS - 30 * DAY_MS + (i / endpoints) * MIN_MS + e;
		r.t.us[PHASE_DNS] = 800 + rnd % 4000;
		r.t.us[PHASE_CONNECT] = 1500 + rnd % 9000;
		r.t.us[PHASE_TLS] = 8000 + rnd % 30000;
		r.t.us[PHASE_SERVER] = 20000 + rnd % 90000;
		r.t.us[PHASE_TRANSFER] = 100 + rnd % 900;
		r.t.us[PHASE_TOTAL] = r.t.us[PHASE_DNS] + r.t.us[PHASE_CONNECT] + r.t.us[PHASE_TLS] + r.t.us[PHASE_SERVER] + r.t.us[PHASE_TRANSFER];
		v.state = rnd % 200 ? STATE_UP : STATE_DOWN;
		v.reason = v.state == STATE_UP ? REASON_OK : REASON_TIMEOUT;
		snprintf(v.message, sizeof(v.message), "HTTP 200 in %lldms, TLSv1.3, certificate valid 60 more days",
			 (long long)(r.t.us[PHASE_TOTAL] / 1000));
		store_add_probe(st, names[e], "https://host.bench.test/health", &r, &v);
		cert_info_done(&r.chain[0]);
		if (store_queued(st) >= (size_t)batch && store_flush(st) != 0)
			die(path, store_last_error(st));
	}
	if (store_flush(st) != 0)
		die(path, store_last_error(st));
	fig->secs = now_s() - t0;
	fig->rows = rows;
	fig->batch = batch;
	fig->ret_calls = 0;
	/* a reader alongside the collector, as a viewer would be */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(path, sqlite3_errmsg(db));
	fig->bytes_per_row = (double)one_int(db, "SELECT sum(pgsize) FROM dbstat WHERE name = 'probe'") / (double)rows;
	fig->payload_per_row = (double)one_int(db, "SELECT sum(pgsize - unused) FROM dbstat WHERE name = 'probe'") /
			       (double)rows;
	sqlite3_close(db);
	if (batch == 100) {
		/* retention, once every row is old: how long one bounded call holds the loop */
		double *ms = NULL;
		int rc;

		do {
			t0 = now_s();
			rc = store_retention(st, NOW_MS + 40 * DAY_MS, 30 * DAY_MS, 400 * DAY_MS, 0);
			ms = xrealloc(ms, (size_t)(fig->ret_calls + 1) * sizeof(*ms));
			ms[fig->ret_calls++] = (now_s() - t0) * 1000;
		} while (rc == 1);
		if (rc != 0)
			die(path, "store_retention failed");
		qsort(ms, (size_t)fig->ret_calls, sizeof(*ms), cmp_double);
		fig->ret_median_ms = ms[(fig->ret_calls - 1) / 2];
		fig->ret_max_ms = ms[fig->ret_calls - 1];
		free(ms);
	}
	store_close(st);
	probe_result_done(&r);

	for (int e = 0; e < endpoints; e++)
		free(names[e]);
	free(names);
	unlink(path);
	unlink(wal);
	unlink(lock);
	unlink(shm);
	free(path);
	free(lock);
	free(wal);
	free(shm);
}

/* ---- 2. a year of history ------------------------------------------------- */

struct year {
	char *path;
	int endpoints, raw_days, days;
	bool cached;
	double gen_secs;         /* from bench_meta: how long generating took */
	double close_secs;       /* from bench_closed: closing the raw days' hours */
	int close_calls;
	int64_t raw_rows, rollup_rows, outages, events, bytes;
	double raw_bytes_per_row, raw_payload_per_row;
};

static const char gen_raw[] =
	"WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < ?2 - 1)"
	" INSERT INTO probe(endpoint_id, t_ms, state, reason, dns_us, connect_us, tls_us, server_us,"
	"  transfer_us, total_us, http_status, tls_id, cert_id, ip, message, error)"
	" SELECT ?1, ?3 + i * 60000 + ?1 * 37, s, CASE s WHEN 0 THEN ?4 ELSE ?5 END,"
	"  d, c, t, CASE s WHEN 0 THEN w END, CASE s WHEN 0 THEN x END,"
	"  CASE s WHEN 0 THEN d + c + t + w + x ELSE 10000000 END,"
	"  CASE s WHEN 0 THEN 200 ELSE 0 END, 1, CASE s WHEN 0 THEN ?1 + 1 END, ?6,"
	"  CASE s WHEN 0 THEN printf('HTTP 200 in %dms, TLSv1.3, certificate valid %d more days',"
	"   (d + c + t + w + x) / 1000, 60 - i / 1440)"
	"   ELSE 'timed out after 10s waiting for the response' END,"
	"  CASE s WHEN 0 THEN NULL ELSE 'Operation timed out after 10000 milliseconds with 0 bytes received' END"
	" FROM (SELECT i, CASE WHEN abs(random()) % 200 = 0 THEN 2 ELSE 0 END AS s,"
	"  800 + abs(random()) % 4000 AS d, 1500 + abs(random()) % 9000 AS c,"
	"  8000 + abs(random()) % 30000 AS t, 20000 + abs(random()) % 90000 AS w,"
	"  100 + abs(random()) % 900 AS x FROM g)";

#define ROLL_PHASE(lo, span) \
	" 60 - f, " lo ", " lo " + " span " / 2, " lo " + " span ", " lo " + " span " * 95 / 100,"
static const char gen_rollup[] =
	"WITH RECURSIVE g(h) AS (SELECT 0 UNION ALL SELECT h + 1 FROM g WHERE h < ?2 - 1)"
	" INSERT INTO rollup SELECT ?1, ?3 + h * 3600000, 60, f, abs(random()) % 2,"
	ROLL_PHASE("800", "4000") ROLL_PHASE("1500", "9000") ROLL_PHASE("8000", "30000")
	ROLL_PHASE("20000", "90000") ROLL_PHASE("100", "900")
	" 60 - f, 30400, 97200, 164000, 157000"
	" FROM (SELECT h, CASE WHEN abs(random()) % 50 = 0 THEN abs(random()) % 60 ELSE 0 END AS f FROM g)";

/* An outage every ~3 days per endpoint, 2-30 minutes long, with its two state events. */
static const char gen_outages[] =
	"WITH RECURSIVE g(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM g WHERE k < ?2 - 1)"
	" INSERT INTO outage SELECT ?1, s, s + m * 60000, 'timeout',"
	"  'timed out after 10s waiting for the response', m"
	" FROM (SELECT ?3 + k * 259200000 + abs(random()) % 86400000 AS s, 2 + abs(random()) % 29 AS m FROM g)";
static const char gen_events[] =
	"INSERT INTO event(endpoint_id, t_ms, kind, detail)"
	" SELECT endpoint_id, start_ms, 'state', 'UP -> DOWN: timed out after 10s' FROM outage WHERE endpoint_id = ?1"
	" UNION ALL SELECT endpoint_id, end_ms, 'state', 'DOWN -> UP' FROM outage WHERE endpoint_id = ?1";

static void bind_run(sqlite3 *db, sqlite3_stmt *s, const int64_t *v, int nv)
{
	for (int i = 0; i < nv; i++)
		sqlite3_bind_int64(s, i + 1, v[i]);
	if (sqlite3_step(s) != SQLITE_DONE)
		die("generating", sqlite3_errmsg(db));
	sqlite3_reset(s);
}

static bool year_cached(struct year *y)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	bool ok = false;

	if (access(y->path, F_OK) != 0 || sqlite3_open_v2(y->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_prepare_v2(db, "SELECT endpoints, raw_days, days, gen_secs, raw_rows, rollup_rows, outages,"
			       " events, raw_bytes, raw_payload FROM bench_meta", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == y->endpoints &&
		    sqlite3_column_int(s, 1) == y->raw_days && sqlite3_column_int(s, 2) == y->days) {
			y->gen_secs = sqlite3_column_double(s, 3);
			y->raw_rows = sqlite3_column_int64(s, 4);
			y->rollup_rows = sqlite3_column_int64(s, 5);
			y->outages = sqlite3_column_int64(s, 6);
			y->events = sqlite3_column_int64(s, 7);
			y->raw_bytes_per_row = (double)sqlite3_column_int64(s, 8) / (double)y->raw_rows;
			y->raw_payload_per_row = (double)sqlite3_column_int64(s, 9) / (double)y->raw_rows;
			ok = true;
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return ok;
}

static void year_generate(struct year *y)
{
	char err[512], *wal = xasprintf("%s-wal", y->path), *sql;
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *raw, *roll, *out, *ev;
	int64_t raw_n = (int64_t)y->raw_days * 1440, roll_n = (int64_t)(y->days - y->raw_days) * 24;
	int64_t raw_from = NOW_MS - (int64_t)y->raw_days * DAY_MS, roll_from = NOW_MS - (int64_t)y->days * DAY_MS;
	int64_t ok_reason, down_reason, raw_bytes, raw_payload;
	double t0 = now_s(), t;

	unlink(y->path);
	unlink(wal);
	/* the store makes the schema, so the bench measures the real one */
	if (!(st = store_open(y->path, STORE_COLLECTOR, err, sizeof(err))))
		die(y->path, err);
	store_close(st);
	if (sqlite3_open(y->path, &db) != SQLITE_OK)
		die(y->path, sqlite3_errmsg(db));
	/* a bulk load: no crash safety needed, a half-made file is made again */
	exec_or_die(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;"
		    "PRAGMA temp_store = MEMORY");
	ok_reason = one_int(db, "SELECT id FROM reason WHERE name = 'ok'");
	down_reason = one_int(db, "SELECT id FROM reason WHERE name = 'timeout'");
	exec_or_die(db, "BEGIN");
	exec_or_die(db, "INSERT INTO tls(id, version, cipher, alpn) VALUES(1, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'h2')");
	sql = xasprintf("WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)"
			" INSERT INTO endpoint(id, name, url, first_ms, last_ms)"
			" SELECT i, printf('host-%%04d', i), printf('https://host-%%04d.bench.test/health', i), %lld, %lld"
			" FROM g;"
			"INSERT INTO cert(id, sha256, subject, issuer, sans, serial, not_before, not_after, key_type,"
			" key_bits, key_curve, sig_alg, aia, self_issued, is_ca)"
			" SELECT 1, randomblob(32), 'CN=Bench Intermediate CA,O=Bench', 'CN=Bench Root CA,O=Bench', NULL,"
			" 'FFFF5EED', 0, 1900000000, 'EC', 256, 'prime256v1', 'ecdsa-with-SHA256', NULL, 0, 1;"
			"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)"
			" INSERT INTO cert(id, sha256, subject, issuer, sans, serial, not_before, not_after, key_type,"
			" key_bits, key_curve, sig_alg, aia, self_issued, is_ca)"
			" SELECT i + 1, randomblob(32), printf('CN=host-%%04d.bench.test', i),"
			" 'CN=Bench Intermediate CA,O=Bench', printf('DNS:host-%%04d.bench.test', i), hex(randomblob(16)),"
			" 1790000000, 1804000000, 'EC', 256, 'prime256v1', 'ecdsa-with-SHA256',"
			" 'http://ca.bench.test/int.der', 0, 0 FROM g;"
			"INSERT INTO cert_seen SELECT id, id + 1, %lld, %lld FROM endpoint;"
			"INSERT INTO cert_seen SELECT id, 1, %lld, %lld FROM endpoint;",
			y->endpoints, (long long)roll_from, (long long)(NOW_MS - MIN_MS), y->endpoints,
			(long long)raw_from, (long long)(NOW_MS - MIN_MS), (long long)raw_from,
			(long long)(NOW_MS - MIN_MS));
	exec_or_die(db, sql);
	free(sql);
	exec_or_die(db, "COMMIT");
	if (sqlite3_prepare_v2(db, gen_raw, -1, &raw, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, gen_rollup, -1, &roll, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, gen_outages, -1, &out, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, gen_events, -1, &ev, NULL) != SQLITE_OK)
		die("preparing the generator", sqlite3_errmsg(db));
	for (int e = 1; e <= y->endpoints; e++) {
		int64_t a[] = { e, raw_n, raw_from, ok_reason, down_reason };
		int64_t b[] = { e, roll_n, roll_from };
		int64_t c[] = { e, y->days / 3, roll_from };
		int64_t d[] = { e };

		exec_or_die(db, "BEGIN");
		bind_run(db, roll, b, 3);
		sqlite3_bind_text(raw, 6, "192.0.2.80", -1, SQLITE_STATIC);
		for (int i = 0; i < 5; i++)
			sqlite3_bind_int64(raw, i + 1, a[i]);
		if (sqlite3_step(raw) != SQLITE_DONE)
			die("generating raw probes", sqlite3_errmsg(db));
		sqlite3_reset(raw);
		bind_run(db, out, c, 3);
		bind_run(db, ev, d, 1);
		exec_or_die(db, "COMMIT");
		if (e % 50 == 0 || e == y->endpoints) {
			t = now_s() - t0;
			fprintf(stderr, "store_bench: generated %d/%d endpoints in %.0f s (eta %.0f s)\n", e,
				y->endpoints, t, t / e * (y->endpoints - e));
		}
	}
	sqlite3_finalize(raw);
	sqlite3_finalize(roll);
	sqlite3_finalize(out);
	sqlite3_finalize(ev);
	y->gen_secs = now_s() - t0;
	y->raw_rows = one_int(db, "SELECT count(*) FROM probe");
	y->rollup_rows = one_int(db, "SELECT count(*) FROM rollup");
	y->outages = one_int(db, "SELECT count(*) FROM outage");
	y->events = one_int(db, "SELECT count(*) FROM event");
	fprintf(stderr, "store_bench: measuring the probe table with dbstat\n");
	/* per page, not aggregate = TRUE: SQLite 3.40 sums that in an int, which wraps past 2 GB */
	raw_bytes = one_int(db, "SELECT sum(pgsize) FROM dbstat WHERE name = 'probe'");
	raw_payload = one_int(db, "SELECT sum(pgsize - unused) FROM dbstat WHERE name = 'probe'");
	y->raw_bytes_per_row = (double)raw_bytes / (double)y->raw_rows;
	y->raw_payload_per_row = (double)raw_payload / (double)y->raw_rows;
	/* back to what a collector leaves behind */
	exec_or_die(db, "PRAGMA journal_mode = WAL");
	exec_or_die(db, "CREATE TABLE bench_meta(endpoints, raw_days, days, gen_secs, raw_rows, rollup_rows,"
		    " outages, events, raw_bytes, raw_payload)");
	sql = xasprintf("INSERT INTO bench_meta VALUES(%d, %d, %d, %.1f, %lld, %lld, %lld, %lld, %lld, %lld)",
			y->endpoints, y->raw_days, y->days, y->gen_secs, (long long)y->raw_rows,
			(long long)y->rollup_rows, (long long)y->outages, (long long)y->events,
			(long long)raw_bytes, (long long)raw_payload);
	exec_or_die(db, sql);
	free(sql);
	sqlite3_close(db);
	free(wal);
}

/* ---- 3. the history pane's queries ----------------------------------------- */

struct timing {
	const char *what;
	double ms[64];
	int n;
	char note[96];
};

/*
 * The generator writes rollups only for the days before the raw ones (what
 * a collector left before hours were closed early). The real collector
 * code closes the raw days' hours, as a collector upgraded onto this file
 * would, and the time it took is kept in bench_closed.
 */
static void year_close(struct year *y)
{
	char err[512];
	struct store *st;
	sqlite3 *db;
	double t0;
	int rc;

	/* a collector's open also brings a cached file's schema up to date */
	if (!(st = store_open(y->path, STORE_COLLECTOR, err, sizeof(err))))
		die(y->path, err);
	if (sqlite3_open(y->path, &db) != SQLITE_OK)
		die(y->path, sqlite3_errmsg(db));
	if (one_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'bench_closed'") == 1) {
		y->close_secs = (double)one_int(db, "SELECT ms FROM bench_closed") / 1000;
		y->close_calls = (int)one_int(db, "SELECT calls FROM bench_closed");
		y->rollup_rows = one_int(db, "SELECT rollups FROM bench_closed");
		sqlite3_close(db);
		store_close(st);
		return;
	}
	fprintf(stderr, "store_bench: closing the hours of the %d raw days (once)\n", y->raw_days);
	t0 = now_s();
	while ((rc = store_retention(st, NOW_MS, (int64_t)y->raw_days * DAY_MS, 400 * DAY_MS, 0)) == 1)
		if (++y->close_calls % 1000 == 0)
			fprintf(stderr, "store_bench: %d retention calls, %.0f s\n", y->close_calls, now_s() - t0);
	if (rc != 0)
		die("closing hours", store_last_error(st));
	y->close_calls++;
	y->close_secs = now_s() - t0;
	store_close(st);
	y->rollup_rows = one_int(db, "SELECT count(*) FROM rollup");
	exec_or_die(db, "CREATE TABLE bench_closed(ms, calls, rollups)");
	{
		char *sql = xasprintf("INSERT INTO bench_closed VALUES(%lld, %d, %lld)",
				      (long long)(y->close_secs * 1000), y->close_calls, (long long)y->rollup_rows);

		exec_or_die(db, sql);
		free(sql);
	}
	sqlite3_close(db);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report_row(FILE *f, struct timing *t)
{
	qsort(t->ms, (size_t)t->n, sizeof(double), cmp_double);
	fprintf(f, "| %s | %.3f | %.3f | %s |\n", t->what, t->ms[(t->n - 1) / 2], t->ms[t->n - 1], t->note);
}

int main(int argc, char **argv)
{
	struct year y = { .endpoints = 1000, .raw_days = 30, .days = 365 };
	struct insert_fig ins[2];
	struct timing tm[10];
	int runs = 21, opt, nt = 0;
	struct store *st;
	char err[512], *md;
	FILE *out;
	const char *dir;

	while ((opt = getopt(argc, argv, "e:r:y:q:")) != -1) {
		switch (opt) {
		case 'e': y.endpoints = atoi(optarg); break;
		case 'r': y.raw_days = atoi(optarg); break;
		case 'y': y.days = atoi(optarg); break;
		case 'q': runs = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: store_bench [-e ENDPOINTS] [-r RAW_DAYS] [-y DAYS] [-q RUNS] OUTDIR\n");
			return 2;
		}
	}
	if (optind != argc - 1 || y.endpoints < 1 || y.raw_days < 7 || y.days < y.raw_days || runs < 1 || runs > 64)
		die("arguments", "need OUTDIR, endpoints >= 1, 7 <= raw days <= days, 1..64 runs");
	dir = argv[optind];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die(dir, strerror(errno));
	srand(42);

	fprintf(stderr, "store_bench: insert rate\n");
	insert_rate(dir, 1000, 100, 200000, &ins[0]);
	insert_rate(dir, 1000, 17, 50000, &ins[1]);

	y.path = xasprintf("%s/store-year-%de-%dd-%dd.db", dir, y.endpoints, y.raw_days, y.days);
	y.cached = year_cached(&y);
	if (!y.cached) {
		fprintf(stderr, "store_bench: generating %s (once; later runs reuse it)\n", y.path);
		year_generate(&y);
	}
	year_close(&y);
	y.bytes = file_bytes(y.path);

	if (!(st = store_open(y.path, STORE_READER, err, sizeof(err))))
		die(y.path, err);
	memset(tm, 0, sizeof(tm));
	tm[nt++].what = "outages of one endpoint, 90 days";
	tm[nt++].what = "uptime 24 h";
	tm[nt++].what = "uptime 7 d";
	tm[nt++].what = "uptime 30 d";
	tm[nt++].what = "uptime 365 d (raw + rollups)";
	tm[nt++].what = "latency series 7 d, 168 hourly buckets";
	tm[nt++].what = "latency series 365 d, 365 daily buckets";
	tm[nt++].what = "latency percentiles 7 d";
	tm[nt++].what = "last probe time (viewer polling)";
	tm[nt++].what = "endpoint names";
	for (int r = 0; r < runs; r++) {
		char name[32];
		struct outage_row *o;
		struct series_point *p;
		struct phase_stats ps;
		struct uptime u;
		struct strlist names = { 0 };
		size_t n;
		double t;
		int k = 0;

		snprintf(name, sizeof(name), "host-%04d", 1 + rand() % y.endpoints);
#define TIME(call, fmt, ...)                                                                  \
	do {                                                                                  \
		t = now_s();                                                                  \
		if ((call) != 0)                                                              \
			die(tm[k].what, "query failed");                                      \
		tm[k].ms[tm[k].n++] = (now_s() - t) * 1000;                                   \
		snprintf(tm[k].note, sizeof(tm[k].note), fmt, __VA_ARGS__);                  \
		k++;                                                                          \
	} while (0)
		TIME(store_outages(st, name, NOW_MS - 90 * DAY_MS, 10000, &o, &n), "%zu outages", n);
		free(o);
		TIME(store_uptime(st, name, NOW_MS - DAY_MS, NOW_MS, &u), "%lld probes", (long long)u.probes);
		TIME(store_uptime(st, name, NOW_MS - 7 * DAY_MS, NOW_MS, &u), "%lld probes", (long long)u.probes);
		TIME(store_uptime(st, name, NOW_MS - 30 * DAY_MS, NOW_MS, &u), "%lld probes", (long long)u.probes);
		TIME(store_uptime(st, name, NOW_MS - 365 * DAY_MS, NOW_MS, &u), "%lld probes", (long long)u.probes);
		TIME(store_latency_series(st, name, NOW_MS - 7 * DAY_MS, NOW_MS, HOUR_MS, &p, &n), "%zu points", n);
		free(p);
		TIME(store_latency_series(st, name, NOW_MS - 365 * DAY_MS, NOW_MS, DAY_MS, &p, &n), "%zu points", n);
		free(p);
		TIME(store_latency_stats(st, name, NOW_MS - 7 * DAY_MS, &ps), "%lld probes", (long long)ps.count);
		TIME(store_last_probe_ms(st) > 0 ? 0 : -1, "%s", "");
		TIME(store_endpoint_names(st, &names), "%zu names", names.n);
		strlist_done(&names);
#undef TIME
	}
	store_close(st);

	md = xasprintf("%s/results.md", dir);
	out = stdout;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !(out = fopen(md, "a")))
			die(md, strerror(errno));
		fprintf(out, "\n## store benchmark\n\n");
		fprintf(out, "- SQLite %s, WAL, synchronous=NORMAL (as the collector runs), %ld CPUs\n",
			sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN));
		for (int i = 0; i < 2; i++)
			fprintf(out, "- insert: %lld probes of 1,000 endpoints via store_add_probe + store_flush every %d"
				" rows: %.2f s, **%.0f probes/s** (target >= 5,000); probe table %.1f bytes/row"
				" in pages, %.1f bytes/row of payload (dbstat)\n",
				(long long)ins[i].rows, ins[i].batch, ins[i].secs, (double)ins[i].rows / ins[i].secs,
				ins[i].bytes_per_row, ins[i].payload_per_row);
		fprintf(out, "- retention: rolling those %lld rows up into hourly rollups took %d store_retention"
			" calls (bounded work each): median %.1f ms, worst %.1f ms per call\n",
			(long long)ins[0].rows, ins[0].ret_calls, ins[0].ret_median_ms, ins[0].ret_max_ms);
		fprintf(out, "- history file: %d endpoints at 60 s, %d days raw (%lld rows) + hourly rollups for"
			" %d more days, %lld outages, %lld events: %.2f GB; %s in %.0f s\n",
			y.endpoints, y.raw_days, (long long)y.raw_rows, y.days - y.raw_days,
			(long long)y.outages, (long long)y.events, (double)y.bytes / 1e9,
			y.cached ? "cached, generated earlier" : "generated", y.gen_secs);
		fprintf(out, "- closing the raw days' hours into rollups on that file (store_retention, as a collector"
			" does; once per file): %d calls, %.0f s; %lld rollup rows in all\n",
			y.close_calls, y.close_secs, (long long)y.rollup_rows);
		fprintf(out, "- raw probe rows in the bulk-loaded file (pages packed in key order): %.1f bytes/row"
			" in pages, %.1f bytes/row of payload (dbstat)\n", y.raw_bytes_per_row, y.raw_payload_per_row);
		fprintf(out, "- queries through a reader store, %d runs each on a random endpoint (the same"
			" endpoints every time: srand(42)); the times are warm only if the OS page cache holds"
			" the file: a cold file pays disk reads on first touch\n\n", runs);
		fprintf(out, "| query | median ms | worst ms | rows |\n|---|--:|--:|---|\n");
		for (int i = 0; i < nt; i++)
			report_row(out, &tm[i]);
	}
	fclose(out);
	free(md);
	free(y.path);
	return 0;
}
