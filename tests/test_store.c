/*
 * test_store: the SQLite history on real files in temporary directories.
 *
 * Round trips (probes, certificates deduplicated by fingerprint with
 * first/last seen, outages, events, hostile text kept as sent), uptime,
 * percentiles and series on known synthetic data, retention (rollup counts,
 * failures and p95; old rollups deleted; the size cap), one collector per
 * file with readers alongside, failing writes (a locked database, and a
 * full tmpfs when mount is permitted): the queue is kept, bounded, and
 * written once the problem goes away; and SIGKILL at random moments never
 * loses an acknowledged probe nor breaks the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "httpsmon/cert.h"
#include "httpsmon/result.h"
#include "httpsmon/spill.h"
#include "httpsmon/store.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"
#include "testlib.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z in ms */

struct fx {
	char *dir;
	char *db;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tl_mkdtemp();
	f->db = xasprintf("%s/a/b/history.db", f->dir); /* parents made by the collector */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *mnt = xasprintf("%s/small", f->dir);

	umount2(mnt, MNT_DETACH); /* test_disk_full's tmpfs, if it failed half way */
	free(mnt);
	tl_rmrf(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static struct store *open_collector(const char *path)
{
	char err[512] = "";
	struct store *st = store_open(path, STORE_COLLECTOR, err, sizeof(err));

	if (!st)
		fail_msg("store_open(%s): %s", path, err);
	return st;
}

static struct store *open_reader(const char *path)
{
	char err[512] = "";
	struct store *st = store_open(path, STORE_READER, err, sizeof(err));

	if (!st)
		fail_msg("store_open reader(%s): %s", path, err);
	return st;
}

static void set_cert(struct cert_info *c, char fill, const char *subject, const char *issuer)
{
	memset(c, 0, sizeof(*c));
	c->subject = xstrdup(subject);
	c->issuer = xstrdup(issuer);
	c->sans = xstrdup("DNS:a.example, DNS:b.example, IP:127.0.0.1");
	snprintf(c->serial, sizeof(c->serial), "0A1B2C%c", fill);
	c->not_before = T0 / 1000 - 10 * 86400;
	c->not_after = T0 / 1000 + 80 * 86400;
	snprintf(c->key_type, sizeof(c->key_type), "EC");
	c->key_bits = 256;
	snprintf(c->key_curve, sizeof(c->key_curve), "prime256v1");
	snprintf(c->sig_alg, sizeof(c->sig_alg), "ecdsa-with-SHA256");
	memset(c->sha256, fill, 64);
	c->sha256[64] = '\0';
	c->aia_ca_issuers = xstrdup("http://ca.example/int.der");
	c->self_issued = fill == 'f';
	c->is_ca = fill != 'a';
	c->sct_count = fill == 'a' ? 3 : 0;
}

/* A probe at t_ms: total in microseconds, phases derived from it; no chain. */
static void make_probe(struct probe_result *r, struct verdict *v, int64_t t_ms, int64_t total_us,
		       enum state s)
{
	probe_result_init(r);
	memset(v, 0, sizeof(*v));
	r->started_ms = t_ms;
	r->t.us[PHASE_DNS] = total_us / 10;
	r->t.us[PHASE_CONNECT] = total_us / 10;
	r->t.us[PHASE_TLS] = total_us / 5;
	r->t.us[PHASE_SERVER] = total_us / 2;
	r->t.us[PHASE_TRANSFER] = total_us - total_us / 10 * 2 - total_us / 5 - total_us / 2;
	r->t.us[PHASE_TOTAL] = total_us;
	r->http_status = s == STATE_DOWN ? 503 : 200;
	snprintf(r->ip, sizeof(r->ip), "192.0.2.7");
	snprintf(r->tls_version, sizeof(r->tls_version), "TLSv1.3");
	snprintf(r->cipher, sizeof(r->cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(r->alpn, sizeof(r->alpn), "h2");
	v->state = s;
	v->reason = s == STATE_DOWN ? REASON_HTTP_STATUS : s == STATE_WARN ? REASON_TOO_SLOW : REASON_OK;
	snprintf(v->message, sizeof(v->message), "HTTP %ld in %lldus", r->http_status, (long long)total_us);
}

static void add(struct store *st, const char *name, int64_t t_ms, int64_t total_us, enum state s)
{
	struct probe_result r;
	struct verdict v;

	make_probe(&r, &v, t_ms, total_us, s);
	store_add_probe(st, name, "https://x.example/", &r, &v);
	probe_result_done(&r);
}

/*
 * The checks open the file read-write, as the next collector would: a
 * child killed while it was creating the file (before the switch to WAL)
 * leaves a hot rollback journal that only a writer may roll back.
 */
/* Runs sql on the file at path through a connection of its own. */
static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static char *sql_text(const char *path, const char *sql);

static void assert_intact(const char *path)
{
	char *v = sql_text(path, "PRAGMA integrity_check");

	assert_non_null(v);
	if (strcmp(v, "ok") != 0)
		fail_msg("integrity_check of %s: %s", path, v);
	free(v);
}

static char *sql_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* ---- round trips --------------------------------------------------------- */

static const char hostile[] = "HTTP 500 '); DROP TABLE probe; -- \x1b[31mred\x1b[0m \"q\" \n\xff\xfe é";

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db), *rd;
	struct probe_result r;
	struct verdict v;
	struct probe_row *rows;
	struct outage_row *outs;
	struct event_row *evs;
	struct strlist names = { 0 };
	struct cert_info c;
	size_t n;

	assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 10);
	assert_int_equal(sql_int(f->db, "PRAGMA auto_vacuum"), 2); /* incremental */
	for (int i = 0; i < 3; i++) {
		make_probe(&r, &v, T0 + i * MIN_MS, 143000 + i, i == 1 ? STATE_DOWN : STATE_UP);
		set_cert(&r.chain[0], 'a', "CN=leaf.example", "CN=Int CA");
		set_cert(&r.chain[1], 'b', "CN=Int CA", "CN=Root");
		r.chain_len = 2;
		if (i == 1) {
			r.t.us[PHASE_TRANSFER] = -1; /* not reached */
			snprintf(r.error_text, sizeof(r.error_text), "%s", hostile);
			snprintf(v.message, sizeof(v.message), "%s", hostile);
		}
		store_add_probe(st, "api", "https://api.example/health", &r, &v);
		probe_result_done(&r);
		if (i == 0)
			assert_int_equal(store_flush(st), 0); /* certificates already known next time */
	}
	/* another endpoint serving the same intermediate */
	make_probe(&r, &v, T0 + 5 * MIN_MS, 99000, STATE_UP);
	set_cert(&r.chain[0], 'c', "CN=www.example", "CN=Int CA");
	set_cert(&r.chain[1], 'b', "CN=Int CA", "CN=Root");
	r.chain_len = 2;
	store_add_probe(st, "www", "https://www.example/", &r, &v);
	probe_result_done(&r);

	store_put_outage(st, "api", T0 + MIN_MS, 0, "http_status", "HTTP 500", 1);
	store_put_outage(st, "api", T0 + MIN_MS, T0 + 2 * MIN_MS, "http_status", hostile, 2);
	store_put_outage(st, "www", T0 - DAY_MS, T0 - DAY_MS + HOUR_MS, "dns", "no such host", 60);
	store_add_event(st, "api", T0 + MIN_MS, "state", "UP -> DOWN");
	store_add_event(st, "api", T0 + 2 * MIN_MS, "state", "DOWN -> UP");
	store_add_event(st, "only-events", T0, "cert_changed", hostile);
	assert_int_equal(store_queued(st), 3 + 2 + 3); /* probes, outages (one updated), events */
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_queued(st), 0);
	assert_null(store_last_error(st));

	/* certificates: one row per fingerprint, first/last seen per endpoint */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cert"), 3);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cert_seen"), 4);
	assert_int_equal(sql_int(f->db, "SELECT s.first_seen FROM cert_seen s JOIN endpoint e ON e.id = s.endpoint_id"
				 " JOIN cert c ON c.id = s.cert_id WHERE e.name = 'api' AND c.serial = '0A1B2Cb'"), T0);
	assert_int_equal(sql_int(f->db, "SELECT s.last_seen FROM cert_seen s JOIN endpoint e ON e.id = s.endpoint_id"
				 " JOIN cert c ON c.id = s.cert_id WHERE e.name = 'api' AND c.serial = '0A1B2Cb'"),
			 T0 + 2 * MIN_MS);
	assert_int_equal(sql_int(f->db, "SELECT s.first_seen FROM cert_seen s JOIN endpoint e ON e.id = s.endpoint_id"
				 " JOIN cert c ON c.id = s.cert_id WHERE e.name = 'www' AND c.serial = '0A1B2Cb'"),
			 T0 + 5 * MIN_MS);
	assert_int_equal(sql_int(f->db, "SELECT first_ms FROM endpoint WHERE name = 'api'"), T0);
	assert_int_equal(sql_int(f->db, "SELECT last_ms FROM endpoint WHERE name = 'api'"), T0 + 2 * MIN_MS);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM tls"), 1);
	store_close(st);

	/* everything reads back through a reader */
	rd = open_reader(f->db);
	assert_int_equal(store_probes(rd, "api", T0, T0 + HOUR_MS, 100, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].t_ms, T0);
	assert_int_equal(rows[0].t.us[PHASE_TOTAL], 143000);
	assert_int_equal(rows[0].t.us[PHASE_SERVER], 71500);
	assert_int_equal(rows[0].http_status, 200);
	assert_string_equal(rows[0].state, "UP");
	assert_string_equal(rows[0].reason, "ok");
	assert_string_equal(rows[0].ip, "192.0.2.7");
	assert_string_equal(rows[0].tls_version, "TLSv1.3");
	assert_string_equal(rows[0].cipher, "TLS_AES_256_GCM_SHA384");
	assert_string_equal(rows[0].cert_sha256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(rows[1].state, "DOWN");
	assert_string_equal(rows[1].reason, "http_status");
	assert_string_equal(rows[1].message, hostile); /* stored as sent */
	assert_int_equal(rows[1].t.us[PHASE_TRANSFER], -1);
	assert_int_equal(rows[1].http_status, 503);
	free(rows);
	assert_int_equal(store_probes(rd, "api", T0 + MIN_MS, T0 + MIN_MS, 100, &rows, &n), 0);
	assert_int_equal(n, 1);
	free(rows);
	assert_int_equal(store_probes(rd, "api", 0, INT64_MAX, 1, &rows, &n), 0);
	assert_int_equal(n, 1);
	{
		struct probe_row last;

		assert_int_equal(store_latest(rd, "api", &last), 0);
		assert_int_equal(last.t_ms, T0 + 2 * MIN_MS);
		assert_string_equal(last.state, "UP");
		assert_string_equal(last.cert_sha256, rows[0].cert_sha256);
		assert_int_equal(store_latest(rd, "nobody", &last), 1);
	}
	free(rows);
	assert_int_equal(store_probes(rd, "nobody", 0, INT64_MAX, 100, &rows, &n), 0);
	assert_int_equal(n, 0);
	free(rows);

	assert_int_equal(store_cert(rd, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &c), 0);
	assert_string_equal(c.subject, "CN=leaf.example");
	assert_string_equal(c.issuer, "CN=Int CA");
	assert_string_equal(c.sans, "DNS:a.example, DNS:b.example, IP:127.0.0.1");
	assert_string_equal(c.serial, "0A1B2Ca");
	assert_int_equal(c.not_after, T0 / 1000 + 80 * 86400);
	assert_string_equal(c.key_type, "EC");
	assert_int_equal(c.key_bits, 256);
	assert_string_equal(c.key_curve, "prime256v1");
	assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
	assert_string_equal(c.aia_ca_issuers, "http://ca.example/int.der");
	assert_false(c.is_ca);
	assert_false(c.self_issued);
	assert_int_equal(c.sct_count, 3);
	cert_info_done(&c);
	assert_int_equal(store_cert(rd, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", &c), 0);
	assert_true(c.is_ca);
	assert_int_equal(c.sct_count, 0);
	cert_info_done(&c);
	assert_int_equal(store_cert(rd, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", &c), 1);
	assert_int_equal(store_cert(rd, "not hex", &c), 1);

	assert_int_equal(store_outages(rd, "api", 0, 10, &outs, &n), 0);
	assert_int_equal(n, 1); /* updated in place, keyed by start */
	assert_string_equal(outs[0].name, "api");
	assert_int_equal(outs[0].start_ms, T0 + MIN_MS);
	assert_int_equal(outs[0].end_ms, T0 + 2 * MIN_MS);
	assert_int_equal(outs[0].failed_probes, 2);
	assert_string_equal(outs[0].message, hostile);
	free(outs);
	assert_int_equal(store_outages(rd, NULL, 0, 10, &outs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(outs[0].name, "api"); /* newest first */
	assert_string_equal(outs[1].name, "www");
	free(outs);
	assert_int_equal(store_outages(rd, NULL, T0 - HOUR_MS, 10, &outs, &n), 0);
	assert_int_equal(n, 1); /* www's ended before the window */
	free(outs);
	/* what the viewer marks DOWN: only the outages going on */
	assert_int_equal(store_open_outages(rd, &outs, &n), 0);
	assert_int_equal(n, 0);
	st = open_collector(f->db);
	store_put_outage(st, "www", T0 + 3 * MIN_MS, 0, "timeout", "timed out", 1);
	store_close(st);
	assert_int_equal(store_open_outages(rd, &outs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(outs[0].name, "www");
	assert_int_equal(outs[0].start_ms, T0 + 3 * MIN_MS);
	assert_int_equal(outs[0].end_ms, 0);
	free(outs);

	assert_int_equal(store_events(rd, NULL, 0, 10, &evs, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(evs[0].t_ms, T0 + 2 * MIN_MS);
	assert_string_equal(evs[0].detail, "DOWN -> UP");
	assert_string_equal(evs[2].name, "only-events");
	assert_string_equal(evs[2].detail, hostile);
	free(evs);
	assert_int_equal(store_events(rd, "api", T0 + 2 * MIN_MS, 10, &evs, &n), 0);
	assert_int_equal(n, 1);
	free(evs);

	assert_int_equal(store_endpoint_names(rd, &names), 0);
	assert_int_equal(names.n, 3);
	assert_string_equal(names.v[0], "api");
	assert_string_equal(names.v[1], "only-events");
	assert_string_equal(names.v[2], "www");
	strlist_done(&names);
	assert_int_equal(store_last_probe_ms(rd), T0 + 5 * MIN_MS);
	assert_true(store_size_bytes(rd) > 0);
	store_close(rd);
}

/* Two probes of one endpoint in the same millisecond are both kept. */
static void test_same_ms(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);

	add(st, "e", T0, 1000, STATE_UP);
	add(st, "e", T0, 2000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	add(st, "e", T0, 3000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	store_close(st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 3);
	assert_int_equal(sql_int(f->db, "SELECT max(t_ms) FROM probe"), T0 + 2);
}

/*
 * What a screen starting on the file shows at once: the newest probe as a
 * result and verdict, and the newest probes one mark each (a DOWN probe is
 * -1 even with a latency), oldest first, at most max.
 */
static void test_last_known(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	struct probe_result r;
	struct probe_row row;
	struct verdict v;
	int64_t us[4];
	int n = -1;

	assert_int_equal(store_last_result(st, "e", &row, &r, &v), 1);
	assert_int_equal(store_recent(st, "e", 4, us, &n), 0);
	assert_int_equal(n, 0);
	for (int i = 0; i < 6; i++)
		add(st, "e", T0 + i * MIN_MS, 1000 * (i + 1), i == 4 ? STATE_DOWN : i == 5 ? STATE_WARN : STATE_UP);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_recent(st, "e", 4, us, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(us[0], 3000);
	assert_int_equal(us[1], 4000);
	assert_int_equal(us[2], -1);      /* the DOWN probe, latency or not */
	assert_int_equal(us[3], 6000);
	assert_int_equal(store_recent(st, "e", 0, us, &n), -1);

	probe_result_init(&r);
	assert_int_equal(store_last_result(st, "e", &row, &r, &v), 0);
	assert_int_equal(r.started_ms, T0 + 5 * MIN_MS);
	assert_int_equal(r.t.us[PHASE_TOTAL], 6000);
	assert_int_equal(r.http_status, 200);
	assert_string_equal(r.tls_version, "TLSv1.3");
	assert_string_equal(r.ip, "192.0.2.7");
	assert_int_equal(v.state, STATE_WARN);
	assert_int_equal(v.reason, REASON_TOO_SLOW);
	assert_int_equal(v.reasons, REASON_BIT(REASON_TOO_SLOW));
	assert_string_equal(v.message, "HTTP 200 in 6000us");
	probe_result_done(&r);
	store_close(st);
}

/*
 * Posture passes: each endpoint keeps its passes that changed something
 * and its latest one; the latest reads back (from a reader too); retention
 * ages the changes out and never the latest.
 */
static void test_posture(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db), *rd;
	struct posture_rec r, got;

	memset(&r, 0, sizeof r);
	posture_init(&r.p);
	assert_int_equal(store_last_posture(st, "api", &got), 1);
	r.t_ms = T0;
	r.p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	snprintf(r.g.grade, sizeof r.g.grade, "B");
	store_add_posture(st, "api", &r, true, NULL);
	assert_int_equal(store_queued(st), 1);
	assert_int_equal(store_flush(st), 0);
	r.t_ms = T0 + DAY_MS;
	store_add_posture(st, "api", &r, false, "");
	assert_int_equal(store_flush(st), 0);
	r.t_ms = T0 + 2 * DAY_MS;
	store_add_posture(st, "api", &r, false, NULL);
	assert_int_equal(store_flush(st), 0);
	/* the first (a change) and the latest; the unchanged one between is gone */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE name = 'api'"), 2);
	r.t_ms = T0 + 3 * DAY_MS;
	r.p.proto[PPROTO_TLS10].answer = PANS_REFUSED;
	snprintf(r.g.grade, sizeof r.g.grade, "A");
	store_add_posture(st, "api", &r, true, "TLS 1.0 no longer accepted; grade B -> A");
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE name = 'api'"), 3);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE changed = 1"), 2);
	{
		char *c = sql_text(f->db, "SELECT changes FROM posture ORDER BY t_ms DESC LIMIT 1");

		assert_string_equal(c, "TLS 1.0 no longer accepted; grade B -> A");
		free(c);
	}
	assert_int_equal(store_last_posture(st, "api", &got), 0);
	assert_int_equal(got.t_ms, T0 + 3 * DAY_MS);
	assert_string_equal(got.g.grade, "A");
	assert_int_equal(got.p.proto[PPROTO_TLS10].answer, PANS_REFUSED);
	rd = open_reader(f->db);
	assert_int_equal(store_last_posture(rd, "api", &got), 0);
	assert_string_equal(got.g.grade, "A");
	assert_int_equal(store_last_posture(rd, "other", &got), 1);
	store_close(rd);
	/* a row this version cannot read is "none", not an error */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture"), 3);
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "INSERT INTO posture VALUES('junk', 1, '', 1, NULL, 'not json')",
					      NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	assert_int_equal(store_last_posture(st, "junk", &got), 1);
	/* retention: changes older than retain_rollup go, each endpoint's latest stays */
	while (store_retention(st, T0 + 3 * DAY_MS + 10 * HOUR_MS, DAY_MS, DAY_MS, 0) == 1)
		;
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE name = 'api'"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE name = 'junk'"), 1);
	assert_int_equal(store_last_posture(st, "api", &got), 0);
	assert_int_equal(got.t_ms, T0 + 3 * DAY_MS);
	store_close(st);
}

/* Pauses kept across a reopen; a viewer's requests taken once, oldest first, unknown ones dropped. */
static void test_controls(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db), *rd;
	struct strlist names = { 0 };
	struct store_req q[4];
	char err[512];

	assert_int_equal(store_is_paused(st, "a"), 0);
	assert_int_equal(store_set_paused(st, "a", true, T0), 0);
	assert_int_equal(store_set_paused(st, "a", true, T0 + 5), 0);   /* again: no change */
	assert_int_equal(store_set_paused(st, "b", true, T0), 0);
	assert_int_equal(store_set_paused(st, "b", false, T0), 0);
	assert_int_equal(store_set_paused(st, "c", false, T0), 0);      /* never paused: nothing */
	store_close(st);

	st = open_collector(f->db);
	assert_int_equal(store_is_paused(st, "a"), 1);
	assert_int_equal(store_is_paused(st, "b"), 0);
	assert_int_equal(sql_int(f->db, "SELECT since_ms FROM pause WHERE name = 'a'"), T0);
	rd = open_reader(f->db);
	assert_int_equal(store_paused(rd, &names), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "a");
	strlist_done(&names);
	/* a reader never writes its pauses */
	assert_int_equal(store_set_paused(rd, "x", true, T0), -1);

	assert_int_equal(store_take_requests(st, q, 4), 0);
	assert_int_equal(store_request(f->db, "a", STORE_RESUME, T0 + 1, err, sizeof(err)), 0);
	assert_int_equal(store_request(f->db, "b", STORE_PROBE_NOW, T0 + 2, err, sizeof(err)), 0);
	sql_int(f->db, "INSERT INTO request(name, action, t_ms) VALUES('c', 'reboot', 3)");
	assert_int_equal(store_request(f->db, "'); DROP TABLE request; --", STORE_PAUSE, T0 + 3, err, sizeof(err)), 0);
	assert_int_equal(store_take_requests(st, q, 4), 3);
	assert_string_equal(q[0].name, "a");
	assert_int_equal(q[0].action, STORE_RESUME);
	assert_int_equal(q[0].t_ms, T0 + 1);
	assert_string_equal(q[1].name, "b");
	assert_int_equal(q[1].action, STORE_PROBE_NOW);
	assert_string_equal(q[2].name, "'); DROP TABLE request; --");
	assert_int_equal(q[2].action, STORE_PAUSE);
	assert_int_equal(store_take_requests(st, q, 4), 0);             /* taken once */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM request"), 0);
	assert_int_equal(store_take_requests(rd, q, 4), -1);
	/* no collector holds a file nobody opened; this one does (its lock, from the kernel's table) */
	assert_int_equal(store_collector_pid("/nonexistent/x.db"), 0);
	assert_int_equal(store_collector_pid(f->db), (long)getpid());
	store_close(rd);
	store_close(st);
	assert_int_equal(store_collector_pid(f->db), 0);
	assert_int_not_equal(store_request("/nonexistent/x.db", "a", STORE_PAUSE, T0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/x.db"));
}

/* ---- uptime, percentiles, series ----------------------------------------- */

static void test_uptime_percentiles(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	struct uptime u;
	struct phase_stats ps;
	struct series_point *pts;
	size_t n;

	/* 100 probes a minute apart; totals 1..100 ms; every 10th DOWN (with a 10 s total) */
	for (int i = 1; i <= 100; i++) {
		bool down = i % 10 == 0;

		add(st, "e", T0 + (i - 1) * MIN_MS, down ? 10000000 : i * 1000, down ? STATE_DOWN : STATE_UP);
	}
	add(st, "other", T0, 5000, STATE_DOWN);
	assert_int_equal(store_flush(st), 0);

	assert_int_equal(store_uptime(st, "e", T0, T0 + 100 * MIN_MS, &u), 0);
	assert_int_equal(u.probes, 100);
	assert_int_equal(u.failures, 10);
	assert_true(u.pct > 89.999 && u.pct < 90.001);
	assert_int_equal(store_uptime(st, "e", T0 + 50 * MIN_MS, T0 + 100 * MIN_MS, &u), 0);
	assert_int_equal(u.probes, 50);
	assert_int_equal(u.failures, 5);
	assert_int_equal(store_uptime(st, "nobody", T0, T0 + DAY_MS, &u), 0);
	assert_int_equal(u.probes, 0);
	assert_true(u.pct < 0);

	/* the 90 UP totals are 1..99 ms without the multiples of 10 */
	assert_int_equal(store_latency_stats(st, "e", T0, &ps), 0);
	assert_int_equal(ps.count, 90);
	assert_int_equal(ps.p50[PHASE_TOTAL], 49000);  /* rank 45: 49 ms */
	assert_int_equal(ps.p95[PHASE_TOTAL], 95000);  /* rank ceil(85.5) = 86: 95 ms */
	assert_int_equal(ps.p99[PHASE_TOTAL], 99000);  /* rank ceil(89.1) = 90: 99 ms */
	assert_int_equal(ps.p50[PHASE_TLS], 49000 / 5);
	assert_int_equal(store_latency_stats(st, "nobody", T0, &ps), 0);
	assert_int_equal(ps.count, 0);
	assert_int_equal(ps.p50[PHASE_TOTAL], -1);

	/* ten buckets of ten minutes: averages of the UP probes */
	assert_int_equal(store_latency_series(st, "e", T0, T0 + 100 * MIN_MS, 10 * MIN_MS, &pts, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(pts[0].t_ms, T0);
	assert_int_equal(pts[0].count, 10);
	assert_int_equal(pts[0].failures, 1);
	assert_int_equal(pts[0].avg_us[PHASE_TOTAL], 5000);          /* 1..9 ms */
	assert_int_equal(pts[0].max_total_us, 9000);
	assert_int_equal(pts[9].avg_us[PHASE_TOTAL], 95000);         /* 91..99 ms */
	free(pts);
	/* a window reaching past the data has empty buckets */
	assert_int_equal(store_latency_series(st, "e", T0 - HOUR_MS, T0, 30 * MIN_MS, &pts, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pts[1].count, 0);
	assert_int_equal(pts[1].avg_us[PHASE_DNS], -1);
	free(pts);
	store_close(st);
}

/* ---- retention ------------------------------------------------------------ */

/* 3 days at 60 s for two endpoints; every 20th probe DOWN; totals cycle 1..60 ms. */
static void fill_days(struct store *st, int64_t from, int days)
{
	for (int64_t i = 0; i < days * 1440; i++) {
		int64_t t = from + i * MIN_MS;
		bool down = i % 20 == 7;

		add(st, "a", t, down ? 9000000 : (i % 60 + 1) * 1000, down ? STATE_DOWN : STATE_UP);
		add(st, "b", t + 17, 2000, i % 60 == 0 ? STATE_WARN : STATE_UP);
		if (i % 1000 == 999)
			assert_int_equal(store_flush(st), 0);
	}
	assert_int_equal(store_flush(st), 0);
}

static void test_retention_rollup(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	int64_t now = T0 + 3 * DAY_MS, before_probes, before_fail;
	struct uptime u;
	struct series_point *pts;
	size_t n;
	int rc, calls = 0;

	fill_days(st, T0, 3);
	assert_int_equal(store_uptime(st, "a", T0, now, &u), 0);
	before_probes = u.probes;
	before_fail = u.failures;
	assert_int_equal(before_probes, 3 * 1440);

	/*
	 * Keep one day raw: every hour that is over is closed into a rollup (the
	 * last one is still open at now), and the raw rows of the two older days
	 * go; a bounded bite at a time.
	 */
	while ((rc = store_retention(st, now, DAY_MS, 400 * DAY_MS, 0)) == 1)
		calls++;
	assert_int_equal(rc, 0);
	assert_true(calls >= 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rollup"), 2 * 71);
	assert_int_equal(sql_int(f->db, "SELECT max(hour_ms) FROM rollup"), now - 2 * HOUR_MS);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 2 * 1440);
	assert_int_equal(sql_int(f->db, "SELECT min(t_ms) FROM probe"), T0 + 2 * DAY_MS);
	assert_int_equal(sql_int(f->db, "SELECT min(probes) FROM rollup"), 60);
	assert_int_equal(sql_int(f->db, "SELECT max(probes) FROM rollup"), 60);
	assert_int_equal(sql_int(f->db, "SELECT sum(failures) FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a'"), 71 * 60 / 20);
	assert_int_equal(sql_int(f->db, "SELECT sum(warns) FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'b'"), 71);
	/* hour 0 of a: totals 1..60 ms, minus the DOWN ones at i = 7, 27, 47 (8, 28, 48 ms) */
	assert_int_equal(sql_int(f->db, "SELECT total_n FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 57);
	assert_int_equal(sql_int(f->db, "SELECT total_min FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 1000);
	assert_int_equal(sql_int(f->db, "SELECT total_max FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 60000);
	/* nearest rank 55 of 57 values: 1..60 without 8, 28, 48 -> 58 ms */
	assert_int_equal(sql_int(f->db, "SELECT total_p95 FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 58000);
	assert_int_equal(sql_int(f->db, "SELECT total_avg FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), (1830000 - 84000) / 57);

	/* uptime over the whole window is the same from rollups + raw */
	assert_int_equal(store_uptime(st, "a", T0, now, &u), 0);
	assert_int_equal(u.probes, before_probes);
	assert_int_equal(u.failures, before_fail);
	/* closed hours whose raw rows are still there are not counted twice */
	assert_int_equal(store_uptime(st, "a", T0 + 2 * DAY_MS, now, &u), 0);
	assert_int_equal(u.probes, 1440);
	assert_int_equal(u.failures, 1440 / 20);
	/* a window that starts inside an hour: its first part comes from raw rows, exactly */
	assert_int_equal(store_uptime(st, "a", T0 + 2 * DAY_MS + 30 * MIN_MS, now, &u), 0);
	assert_int_equal(u.probes, 1440 - 30);
	/* one inside the open hour */
	assert_int_equal(store_uptime(st, "b", now - 10 * MIN_MS, now, &u), 0);
	assert_int_equal(u.probes, 10);
	/* a chart finer than an hour reads raw rows where there are any */
	assert_int_equal(store_latency_series(st, "a", T0 + 2 * DAY_MS, T0 + 2 * DAY_MS + HOUR_MS, 10 * MIN_MS,
					      &pts, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(pts[0].count, 10);
	assert_int_equal(pts[0].avg_us[PHASE_TOTAL], (1 + 2 + 3 + 4 + 5 + 6 + 7 + 9 + 10) * 1000 / 9);
	free(pts);
	/* series over rolled-up days come from rollups */
	assert_int_equal(store_latency_series(st, "b", T0, now, DAY_MS, &pts, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pts[0].count, 1440);
	assert_int_equal(pts[0].avg_us[PHASE_TOTAL], 2000);
	assert_int_equal(pts[2].count, 1440);
	free(pts);

	/* a late probe for a closed hour merges into its rollup as it is written, raw rows there or not */
	add(st, "a", T0 + 30 * MIN_MS + 5, 1000, STATE_DOWN);
	add(st, "b", now - 3 * HOUR_MS + 5, 1000, STATE_DOWN);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(sql_int(f->db, "SELECT probes FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 61);
	assert_int_equal(store_uptime(st, "b", now - 3 * HOUR_MS, now, &u), 0);
	assert_int_equal(u.probes, 3 * 60 + 1);
	assert_int_equal(u.failures, 1);
	assert_int_equal(store_retention(st, now, DAY_MS, 400 * DAY_MS, 0), 0);
	assert_int_equal(sql_int(f->db, "SELECT probes FROM rollup r JOIN endpoint e ON e.id = r.endpoint_id"
				 " WHERE e.name = 'a' AND hour_ms = 1767225600000"), 61);

	/* rollups older than retain_rollup go; then nothing is left to do */
	while ((rc = store_retention(st, now, DAY_MS, 2 * DAY_MS, 0)) == 1)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rollup"), 2 * 47);
	assert_int_equal(sql_int(f->db, "SELECT min(hour_ms) FROM rollup"), T0 + DAY_MS);
	assert_int_equal(store_retention(st, now, DAY_MS, 2 * DAY_MS, 0), 0);
	store_close(st);
	assert_intact(f->db);
}

/*
 * A file written before hours were closed early has rollups only where raw
 * rows aged out. Its reads are right as they are, and the next retention
 * passes close the rest.
 */
static void test_retention_old_layout(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	int64_t now = T0 + 3 * DAY_MS;
	struct uptime u;
	struct series_point *pts;
	size_t n;

	fill_days(st, T0, 3);
	while (store_retention(st, now, DAY_MS, 400 * DAY_MS, 0) == 1)
		;
	/* T0 + 2 days: what an older collector left behind */
	sql_int(f->db, "DELETE FROM rollup WHERE hour_ms >= 1767398400000");
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rollup"), 2 * 48);
	assert_int_equal(store_uptime(st, "a", T0, now, &u), 0);
	assert_int_equal(u.probes, 3 * 1440);
	assert_int_equal(u.failures, 3 * 1440 / 20);
	assert_int_equal(store_latency_series(st, "b", T0, now, DAY_MS, &pts, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pts[0].count, 1440);
	assert_int_equal(pts[2].count, 1440);
	assert_int_equal(pts[2].avg_us[PHASE_TOTAL], 2000);
	free(pts);

	while (store_retention(st, now, DAY_MS, 400 * DAY_MS, 0) == 1)
		;
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rollup"), 2 * 71);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 2 * 1440);
	assert_int_equal(store_uptime(st, "a", T0, now, &u), 0);
	assert_int_equal(u.probes, 3 * 1440);
	assert_int_equal(u.failures, 3 * 1440 / 20);
	store_close(st);
	assert_intact(f->db);
}

static void test_retention_old_everything(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	struct probe_result r;
	struct verdict v;
	int64_t now = T0 + 500 * DAY_MS;

	make_probe(&r, &v, T0, 1000, STATE_UP);
	set_cert(&r.chain[0], 'a', "CN=old", "CN=old");
	r.chain_len = 1;
	store_add_probe(st, "gone", "https://gone.example/", &r, &v);
	probe_result_done(&r);
	store_put_outage(st, "gone", T0, T0 + MIN_MS, "dns", "x", 1);
	store_add_event(st, "gone", T0, "state", "x");
	add(st, "live", now - MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	while (store_retention(st, now, 30 * DAY_MS, 400 * DAY_MS, 0) == 1)
		;
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rollup"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outage"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM event"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cert"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cert_seen"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM endpoint"), 1);
	/* the same certificate seen again is written again */
	make_probe(&r, &v, now, 1000, STATE_UP);
	set_cert(&r.chain[0], 'a', "CN=old", "CN=old");
	r.chain_len = 1;
	store_add_probe(st, "live", NULL, &r, &v);
	probe_result_done(&r);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cert"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe WHERE cert_id IS NOT NULL"), 1);
	store_close(st);
}

static void test_retention_size_cap(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	int64_t now = T0 + 3 * DAY_MS, size0, cap;
	int rc, calls = 0;

	fill_days(st, T0, 3);
	size0 = sql_int(f->db, "PRAGMA page_count") * 4096;
	cap = size0 / 4;
	while ((rc = store_retention(st, now, 30 * DAY_MS, 400 * DAY_MS, cap)) == 1)
		assert_true(++calls < 1000);
	assert_int_equal(rc, 0);
	/* raw rows went into rollups (all but the newest hour or so) and the file shrank */
	assert_true(sql_int(f->db, "SELECT count(*) FROM probe") < 2 * 3 * 1440 / 2);
	assert_true(sql_int(f->db, "SELECT count(*) FROM rollup") > 0);
	assert_true(sql_int(f->db, "PRAGMA page_count") * 4096 <= cap);
	store_close(st);
	assert_intact(f->db);
}

/* ---- one collector, many readers ------------------------------------------ */

static void test_second_collector(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db), *st2, *rd, *rd2;
	char err[512] = "", want[64];
	struct uptime u;

	st2 = store_open(f->db, STORE_COLLECTOR, err, sizeof(err));
	assert_null(st2);
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	assert_non_null(strstr(err, "another httpsmon collector"));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, f->db));

	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	rd = open_reader(f->db);
	assert_int_equal(store_last_probe_ms(rd), T0);
	/* the collector writes while the reader reads */
	add(st, "e", T0 + MIN_MS, 1000, STATE_DOWN);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_uptime(rd, "e", T0, T0 + HOUR_MS, &u), 0);
	assert_int_equal(u.probes, 2);
	assert_int_equal(store_last_probe_ms(rd), T0 + MIN_MS);
	/* readers never write */
	add(rd, "e", T0 + 2 * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_queued(rd), 0);
	assert_int_equal(store_flush(rd), -1);
	store_close(st);

	/* with the collector gone: a reader still opens, and a new collector may start */
	rd2 = open_reader(f->db);
	assert_int_equal(store_last_probe_ms(rd2), T0 + MIN_MS);
	st = open_collector(f->db);
	store_close(st);
	store_close(rd);
	store_close(rd2);
}

/*
 * A slow probe is written after a faster one that started later: a viewer
 * that has seen the fast one must still be told about the slow one.
 */
static void test_write_seq(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db), *rd;
	struct strlist names = { 0 };
	int64_t seq0, seq1, seq2;

	add(st, "fast", T0 + 5000, 1000, STATE_UP);
	add(st, "slow", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	rd = open_reader(f->db);
	seq0 = store_write_seq(rd);
	assert_true(seq0 > 0);

	add(st, "fast", T0 + 10000, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	seq1 = store_write_seq(rd);
	assert_int_equal(seq1, seq0 + 1);
	assert_int_equal(store_endpoints_written(rd, seq0, &names), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "fast");
	strlist_done(&names);

	/* started at +6 s, before the newest probe seen (+10 s), written now: a timeout */
	add(st, "slow", T0 + 6000, 5000000, STATE_DOWN);
	assert_int_equal(store_flush(st), 0);
	seq2 = store_write_seq(rd);
	assert_int_equal(seq2, seq1 + 1);
	assert_int_equal(store_last_probe_ms(rd), T0 + 10000); /* the old mark did not move */
	assert_int_equal(store_endpoints_written(rd, seq1, &names), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "slow");
	strlist_done(&names);
	assert_int_equal(store_endpoints_written(rd, seq2, &names), 0);
	assert_int_equal(names.n, 0);
	strlist_done(&names);

	/* outages and events move it too (they change what a viewer shows) */
	store_put_outage(st, "slow", T0 + 6000, 0, "timeout", "timed out", 1);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_write_seq(rd), seq2 + 1);
	store_close(st);

	/* the next collector goes on from the file's sequence */
	st = open_collector(f->db);
	add(st, "fast", T0 + 20000, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_write_seq(rd), seq2 + 2);
	store_close(st);
	store_close(rd);
}

static void test_reader_errors(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	char *path = xasprintf("%s/none.db", f->dir);
	struct store *st;
	sqlite3 *db;

	assert_null(store_open(path, STORE_READER, err, sizeof(err)));
	assert_non_null(strstr(err, "no history at"));
	assert_int_equal(access(path, F_OK), -1); /* a reader creates nothing */

	/* a file from a newer httpsmon is left alone */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(path, STORE_READER, err, sizeof(err)));
	assert_non_null(strstr(err, "newer httpsmon"));
	st = store_open(path, STORE_COLLECTOR, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "newer httpsmon"));
	free(path);

	/* not a database at all */
	path = tl_write_file(f->dir, "junk.db", "this is not a database, just some text that is long enough........"
			     "..................................................................................");
	assert_null(store_open(path, STORE_COLLECTOR, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	free(path);
}

/* ---- failing writes ------------------------------------------------------- */

static void test_locked_queue_kept(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	sqlite3 *other;
	const char *e;
	int64_t t;

	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);

	/* someone else holds the write lock (an sqlite3 shell in a transaction, say) */
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	add(st, "e", T0 + MIN_MS, 1000, STATE_UP);
	store_add_event(st, "e", T0 + MIN_MS, "state", "x");
	t = util_mono_us();
	assert_int_equal(store_flush(st), -1);
	assert_true(util_mono_us() - t < 1000000); /* the busy timeout is short */
	e = store_last_error(st);
	assert_non_null(e);
	assert_non_null(strstr(e, "cannot write"));
	assert_non_null(strstr(e, f->db));
	assert_non_null(strstr(e, "locked"));
	assert_non_null(strstr(e, "2 results kept in memory"));
	assert_int_equal(store_queued(st), 2);

	/* past the bound the oldest probe rows go, and are counted */
	for (int i = 0; i < STORE_QUEUE_MAX + 5; i++)
		add(st, "e", T0 + (2 + i) * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_queued(st), STORE_QUEUE_MAX + 1);
	assert_int_equal(store_dropped(st), 6);
	assert_int_equal(store_flush(st), -1);
	assert_non_null(strstr(store_last_error(st), "6 dropped"));

	/* the lock goes away: everything kept is written */
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_flush(st), 0);
	assert_null(store_last_error(st));
	assert_int_equal(store_queued(st), 0);
	store_close(st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 1 + STORE_QUEUE_MAX);
	assert_int_equal(sql_int(f->db, "SELECT min(t_ms) FROM probe WHERE t_ms > 1767225600000"),
			 T0 + 7 * MIN_MS);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM event"), 1);
}

/* Fills the file system holding dir; returns the filler's path (caller frees). */
static char *fill_disk(const char *dir)
{
	char *path = xasprintf("%s/filler", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[4096];

	assert_true(fd >= 0);
	memset(buf, 'x', sizeof(buf));
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	while (write(fd, buf, 1) > 0)
		;
	close(fd);
	return path;
}

static void test_disk_full(void **state)
{
	struct fx *f = *state;
	char *mnt = xasprintf("%s/small", f->dir), *db, *filler;
	struct store *st;
	const char *e;

	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("httpsmon-test", mnt, "tmpfs", 0, "size=1m") != 0) {
		fprintf(stderr, "test_disk_full: cannot mount a tmpfs (%s): skipped\n", strerror(errno));
		free(mnt);
		skip();
	}
	db = xasprintf("%s/history.db", mnt);
	st = open_collector(db);
	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	filler = fill_disk(mnt);

	for (int i = 1; i <= 2000; i++)
		add(st, "e", T0 + i * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_flush(st), -1);
	e = store_last_error(st);
	assert_non_null(e);
	assert_non_null(strstr(e, db));
	assert_non_null(strstr(e, "full"));
	assert_non_null(strstr(e, "2000 results kept in memory"));
	assert_int_equal(store_queued(st), 2000);
	/* still full: still kept */
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_queued(st), 2000);

	/* space comes back: writes resume */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(store_flush(st), 0);
	assert_null(store_last_error(st));
	store_close(st);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe"), 2001);
	assert_intact(db);
	free(filler);
	free(db);
	umount2(mnt, MNT_DETACH);
	free(mnt);
}

/* ---- backoff, chunks, spill ---------------------------------------------------- */

static unsigned file_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	return (unsigned)(sb.st_mode & 07777);
}

static int64_t fake_ms;
static int64_t fake_clock(void)
{
	return fake_ms;
}

/* Another connection holds the write lock: every flush fails (SQLITE_BUSY), the disk is fine. */
static sqlite3 *hold_lock(const char *db)
{
	sqlite3 *other;

	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return other;
}

static void release_lock(sqlite3 *other)
{
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
}

/*
 * A posture pass while the database is locked stays queued (the store
 * says it is failing), is saved to the spill file at exit with the rest,
 * and the next collector writes it: a pass is never lost. Imported twice
 * (a collector killed before the file went) it is the same row.
 */
static void test_posture_spill(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	char *spill = xasprintf("%s.spill", f->db), msg[1024], *c;
	struct posture_rec r, got;
	sqlite3 *other;

	memset(&r, 0, sizeof r);
	posture_init(&r.p);
	r.t_ms = T0;
	snprintf(r.g.grade, sizeof r.g.grade, "C");
	snprintf(r.p.group, sizeof r.p.group, "X25519");
	other = hold_lock(f->db);
	store_add_posture(st, "tab\tname", &r, true, "now accepts TLS 1.0;\n100%");
	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), -1);
	assert_non_null(store_last_error(st));
	assert_int_equal(store_queued(st), 2);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "1 probe, 0 outage updates and 0 events, 1 posture pass saved to"));
	store_close(st);
	release_lock(other);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture"), 0);
	snprintf(msg, sizeof msg, "%s.copy", spill);
	assert_int_equal(link(spill, msg), 0);
	for (int round = 0; round < 2; round++) {
		/* the second round: the file is put back, as if the collector died before removing it */
		if (round)
			assert_int_equal(rename(msg, spill), 0);
		st = open_collector(f->db); /* imports the file and writes it at once */
		assert_int_equal(store_queued(st), 0);
		assert_int_equal(access(spill, F_OK), -1);
		assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture"), 1);
		assert_int_equal(sql_int(f->db, "SELECT count(*) FROM posture WHERE name = 'tab\tname' AND changed = 1"), 1);
		assert_int_equal(store_last_posture(st, "tab\tname", &got), 0);
		assert_string_equal(got.g.grade, "C");
		assert_string_equal(got.p.group, "X25519");
		c = sql_text(f->db, "SELECT changes FROM posture");
		assert_string_equal(c, "now accepts TLS 1.0;\n100%");
		free(c);
		store_close(st);
	}
	free(spill);
}

static void test_backoff(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	static const int64_t schedule[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
	sqlite3 *other;

	store_set_clock(st, fake_clock);
	fake_ms = 5000000;
	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	assert_true(store_flush_due(st));
	assert_int_equal(store_wake_ms(st), 0);

	other = hold_lock(f->db);
	add(st, "e", T0 + MIN_MS, 1000, STATE_UP);
	for (size_t i = 0; i < sizeof(schedule) / sizeof(schedule[0]); i++) {
		assert_int_equal(store_flush(st), -1);
		assert_non_null(store_last_error(st));
		assert_int_equal(store_wake_ms(st), fake_ms + schedule[i]);
		/* not one millisecond early; a lock is not a full disk: no shortcut */
		fake_ms += schedule[i] - 1;
		assert_false(store_flush_due(st));
		fake_ms += 1;
		assert_true(store_flush_due(st));
	}
	release_lock(other);
	assert_int_equal(store_flush(st), 0);
	assert_null(store_last_error(st));
	assert_true(store_flush_due(st));
	assert_int_equal(store_wake_ms(st), 0);

	/* the schedule starts again at 1 s after writes worked */
	other = hold_lock(f->db);
	add(st, "e", T0 + 2 * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_wake_ms(st), fake_ms + 1000);
	release_lock(other);
	store_close(st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM probe"), 3);
}

/* A tmpfs of size_kb at dir/small; skips the test when mounting is not permitted. */
static char *small_fs(const char *dir, int size_kb)
{
	char *mnt = xasprintf("%s/small", dir), opt[32];

	assert_int_equal(mkdir(mnt, 0700), 0);
	snprintf(opt, sizeof(opt), "size=%dk", size_kb);
	if (mount("httpsmon-test", mnt, "tmpfs", 0, opt) != 0) {
		fprintf(stderr, "cannot mount a tmpfs (%s): skipped (the suite runs as root on CI)\n", strerror(errno));
		free(mnt);
		skip();
	}
	return mnt;
}

/* A file of kb KiB at path (it must fit). */
static void make_file(const char *path, int kb)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[1024];

	assert_true(fd >= 0);
	memset(buf, 'y', sizeof(buf));
	for (int i = 0; i < kb; i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
}

/*
 * A full disk with a backlog larger than the space freed: the chunks that
 * fit are written, oldest first; the freed space is seen before the
 * backoff has passed; the rest lands once there is room.
 */
static void test_disk_full_chunks(void **state)
{
	struct fx *f = *state;
	char *mnt = small_fs(f->dir, 2048), *db = xasprintf("%s/history.db", mnt);
	char *some = xasprintf("%s/some", mnt), *filler;
	struct store *st = open_collector(db);
	const int n = 4000;
	int64_t written, left;

	store_set_clock(st, fake_clock);
	fake_ms = 1000000;
	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	make_file(some, 96);
	filler = fill_disk(mnt);
	for (int i = 1; i <= n; i++)
		add(st, "e", T0 + i * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_flush(st), -1);
	assert_non_null(strstr(store_last_error(st), "full"));
	assert_int_equal(store_queued(st), n);
	assert_int_equal(store_wake_ms(st), fake_ms + 1000); /* the next look at free space */
	assert_int_equal(store_flush(st), -1);               /* backoff now 2 s */
	fake_ms += 999;
	assert_false(store_flush_due(st));

	/* 96 KiB come free: less than the backlog needs */
	assert_int_equal(unlink(some), 0);
	assert_false(store_flush_due(st)); /* free space is looked at once a second, not per pass */
	fake_ms += 1;
	assert_true(store_flush_due(st));  /* before the 2 s backoff is over */
	assert_int_equal(store_flush(st), -1);
	left = (int64_t)store_queued(st);
	written = sql_int(db, "SELECT count(*) FROM probe") - 1;
	if (written <= 0 || written >= n)
		fail_msg("%lld of %d probes written into 96 KiB: the chunks should use part of it", (long long)written, n);
	assert_int_equal(written + left, n);
	/* oldest first: exactly the first ones */
	assert_int_equal(sql_int(db, "SELECT max(t_ms) FROM probe"), T0 + written * MIN_MS);
	assert_true(store_wake_ms(st) > fake_ms); /* and it backs off again */

	assert_int_equal(unlink(filler), 0);
	fake_ms += 1000;
	assert_true(store_flush_due(st));
	assert_int_equal(store_flush(st), 0);
	store_close(st);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe"), n + 1);
	assert_int_equal(sql_int(db, "SELECT count(DISTINCT t_ms) FROM probe"), n + 1);
	assert_intact(db);
	free(filler);
	free(some);
	free(db);
	umount2(mnt, MNT_DETACH);
	free(mnt);
}

/* The child: imports the spill at open, writes what fits, dies without closing. */
static void spill_child(const char *db)
{
	char err[512];
	struct store *st = store_open(db, STORE_COLLECTOR, err, sizeof(err));

	if (!st)
		_exit(2);
	if (!store_notice(st) || !strstr(store_notice(st), "queued for writing"))
		_exit(3);
	_exit(store_flush(st) == 0 ? 4 : 0); /* a partial write is what is wanted */
}

/*
 * Stopping while writes fail: the queue goes to a spill file (0600), the
 * next collector queues it again. Here that collector is killed after
 * writing part of it on a nearly full disk; the one after it writes the
 * rest: every probe, outage and event exactly once, and the file goes.
 */
static void test_spill(void **state)
{
	struct fx *f = *state;
	char *mnt = small_fs(f->dir, 4096), *db = xasprintf("%s/history.db", mnt);
	char *spill = xasprintf("%s.spill", db), *some = xasprintf("%s/some", mnt), *filler, msg[1024];
	struct store *st = open_collector(db);
	struct probe_result r;
	struct verdict v;
	sqlite3 *other;
	const int n = 3000;
	int status;
	pid_t pid;

	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	other = hold_lock(db);
	for (int i = 1; i <= n; i++)
		add(st, i % 2 ? "e" : "tab\tname", T0 + i * MIN_MS, 1000 + i, i % 3 ? STATE_UP : STATE_DOWN);
	/* text that must survive the file: tabs, newlines, percent signs, escapes, a chain */
	make_probe(&r, &v, T0 + (n + 1) * MIN_MS, 5000, STATE_DOWN);
	snprintf(v.message, sizeof(v.message), "%s", hostile);
	snprintf(r.error_text, sizeof(r.error_text), "100%% \t\r\n%%41");
	set_cert(&r.chain[0], 'a', "CN=leaf\tx", "CN=int\n");
	set_cert(&r.chain[1], 'b', "CN=int\n", "CN=root %");
	r.chain_len = 2;
	store_add_probe(st, "e", "https://x.example/?a=1%20", &r, &v);
	probe_result_done(&r);
	store_put_outage(st, "e", T0 + MIN_MS, 0, "http_status", "HTTP 503\n", 3);
	for (int i = 0; i < 40; i++)
		store_add_event(st, "e", T0 + i * MIN_MS, "state", i ? "UP -> DOWN" : hostile);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), n + 1 + 1 + 40);
	assert_non_null(strstr(msg, "3001 probes, 1 outage update and 40 events saved to"));
	assert_non_null(strstr(msg, spill));
	assert_int_equal(store_queued(st), 0);
	assert_int_equal(file_mode(spill), 0600);
	store_close(st);
	release_lock(other);

	/* the next collector gets part of it in before it dies */
	make_file(some, 192);
	filler = fill_disk(mnt);
	assert_int_equal(unlink(some), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		spill_child(db);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("spill child exited %d (2 open, 3 no import notice, 4 no partial write)", WEXITSTATUS(status));
	assert_true(sql_int(db, "SELECT count(*) FROM probe") > 1);
	assert_int_equal(access(spill, F_OK), 0);

	/* and the one after it writes the rest, once */
	assert_int_equal(unlink(filler), 0);
	st = open_collector(db);
	assert_non_null(store_notice(st));
	assert_null(strstr(store_notice(st), "(0 written before"));
	assert_non_null(strstr(store_notice(st), "0 malformed"));
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(access(spill, F_OK), -1);
	store_close(st);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe"), n + 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe WHERE (t_ms - 1767225600000) % 60000 != 0"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe p JOIN endpoint e ON e.id = p.endpoint_id"
				     " WHERE e.name = 'tab\tname'"), n / 2);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM event"), 40);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM outage WHERE failed_probes = 3"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM cert"), 2);
	assert_int_equal(sql_int(db, "SELECT sct_count FROM cert WHERE subject = 'CN=leaf	x'"), 3);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM spill"), 0);
	{
		char *t = sql_text(db, "SELECT message FROM probe WHERE t_ms = 1767225600000 + 3001 * 60000");
		char *e = sql_text(db, "SELECT error FROM probe WHERE t_ms = 1767225600000 + 3001 * 60000");
		char *d = sql_text(db, "SELECT detail FROM event ORDER BY t_ms LIMIT 1");
		char *sub = sql_text(db, "SELECT subject FROM cert WHERE issuer = 'CN=int\n'");

		assert_string_equal(t, hostile);
		assert_string_equal(e, "100% \t\r\n%41");
		assert_string_equal(d, hostile);
		assert_string_equal(sub, "CN=leaf\tx");
		free(t);
		free(e);
		free(d);
		free(sub);
	}
	assert_intact(db);
	free(filler);
	free(some);
	free(spill);
	free(db);
	umount2(mnt, MNT_DETACH);
	free(mnt);
}

/* A spill file that was cut short is refused whole and left for the operator. */
static void test_spill_torn(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	char *spill = xasprintf("%s.spill", f->db), msg[1024];
	sqlite3 *other;
	struct stat sb;

	other = hold_lock(f->db);
	for (int i = 0; i < 10; i++)
		add(st, "e", T0 + i * MIN_MS, 1000, STATE_UP);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), 10);
	store_close(st);
	release_lock(other);
	assert_int_equal(stat(spill, &sb), 0);
	assert_int_equal(truncate(spill, sb.st_size - 8), 0);
	st = open_collector(f->db);
	assert_non_null(store_notice(st));
	assert_non_null(strstr(store_notice(st), "is not a complete httpsmon spill file"));
	assert_non_null(strstr(store_notice(st), "left in place"));
	assert_int_equal(store_queued(st), 0);
	store_close(st);
	assert_int_equal(access(spill, F_OK), 0);
	free(spill);
}

/* The end line is "end N" exactly: trailing bytes or a count past LLONG_MAX are not a complete file. */
static void test_spill_end_line(void **state)
{
	static const struct {
		const char *end;
		bool ok;
	} cases[] = {
		{ "end 1", true },       { "end 1x", false }, { "end 01", true },  { "end +1", false },
		{ "end -1", false },     { "end ", false },   { "end 2", false },  { "end 1 ", false },
		{ "end 99999999999999999999", false },        { "end 18446744073709551617", false },
	};
	struct fx *f = *state;
	char *path = xasprintf("%s/end.spill", f->dir), err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *fp = fopen(path, "w");
		struct spill_r *r;
		int64_t id = 0;

		assert_non_null(fp);
		fprintf(fp, "httpsmon-spill 1 7\na\tb\n%s\n", cases[i].end);
		fclose(fp);
		r = spill_read(path, &id, err, sizeof(err));
		if ((r != NULL) != cases[i].ok)
			fail_msg("\"%s\": %s, want %s", cases[i].end, r ? "read" : err, cases[i].ok ? "read" : "refused");
		if (r)
			assert_int_equal(spill_count(r), 1);
		spill_free(r);
	}
	free(path);
}

/*
 * An outage's mark (schema 9): kept through later updates of the outage,
 * set on an outage already in the file, carried through the spill file,
 * read back by store_outages; an outage never marked reads "".
 */
static void test_outage_mark(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	struct outage_row *rows;
	size_t n;
	char msg[1024];
	sqlite3 *other;

	store_put_outage(st, "a", T0, 0, "refused", "m1", 2);
	store_mark_outage(st, "a", T0, STORE_MARK_LOCAL_NETWORK);
	store_put_outage(st, "a", T0, 0, "refused", "m2", 3); /* the same outage, updated: the mark stays */
	store_put_outage(st, "b", T0, 0, "refused", "m", 2);
	store_put_outage(st, "c", T0, 0, "refused", "m", 2);
	assert_int_equal(store_flush(st), 0);
	store_mark_outage(st, "b", T0, STORE_MARK_MAINTENANCE); /* already in the file */
	store_put_outage(st, "a", T0, T0 + MIN_MS, "refused", "m3", 4);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outage WHERE mark = 'local_network' AND end_ms > 0"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outage WHERE mark = 'maintenance'"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outage WHERE mark IS NULL"), 1);
	/* through the spill file: a mark with its outage, and a mark alone */
	other = hold_lock(f->db);
	store_put_outage(st, "d", T0, 0, "refused", "m", 2);
	store_mark_outage(st, "d", T0, STORE_MARK_LOCAL_NETWORK);
	store_mark_outage(st, "c", T0, STORE_MARK_MAINTENANCE);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), 2);
	store_close(st);
	release_lock(other);
	st = open_collector(f->db);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_outages(st, NULL, 0, 10, &rows, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rows[i].mark, !strcmp(rows[i].name, "a") || !strcmp(rows[i].name, "d")
							  ? STORE_MARK_LOCAL_NETWORK : STORE_MARK_MAINTENANCE);
	free(rows);
	assert_string_equal(store_mark_label(STORE_MARK_LOCAL_NETWORK), "local network down");
	assert_string_equal(store_mark_label(""), "");
	store_close(st);
}

/* ---- the failed phase (schema 5) -------------------------------------------- */

/* Makes path from an SQL text file (a dump), as sqlite3's .read would. */
static void sql_load(const char *path, const char *sql_file)
{
	FILE *fp = fopen(sql_file, "r");
	char *text, *err = NULL;
	long len;
	sqlite3 *db;

	if (!fp)
		fail_msg("cannot open %s", sql_file);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	text = xmalloc((size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	text[len] = '\0';
	fclose(fp);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql_file, err);
	sqlite3_close(db);
	free(text);
}

/* A probe that died in phase ph (PHASE_NONE: a response that was judged DOWN). */
static void add_failed(struct store *st, const char *name, int64_t t_ms, enum probe_phase ph)
{
	struct probe_result r;
	struct verdict v;

	make_probe(&r, &v, t_ms, 5000, ph == PHASE_NONE ? STATE_DOWN : STATE_UP);
	r.failed_phase = ph;
	v.state = STATE_DOWN;
	store_add_probe(st, name, "https://x.example/", &r, &v);
	probe_result_done(&r);
}

/* The failed phase of every probe of name, oldest first, as "p p p" (-1 = not recorded). */
static void assert_phases(struct store *st, const char *name, const char *want)
{
	struct probe_row *rows = NULL;
	size_t n = 0;
	char got[256] = "";

	assert_int_equal(store_probes(st, name, 0, INT64_MAX, 100, &rows, &n), 0);
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", i ? " " : "", rows[i].failed_phase);
	free(rows);
	assert_string_equal(got, want);
}

/*
 * A file written at schema 3 (tests/fixtures/store-schema3.sql, made by the
 * previous httpsmon) is migrated to 4 by the first collector: its rows keep
 * every value and read back with the failed phase "not recorded" (-1, NULL
 * on disk), never a guess; probes written from then on keep the phase the
 * probe engine named, on disk as the fixed codes, through the spill file
 * too; a spill file written before the phase was kept still imports.
 */
static void test_failed_phase_migration(void **state)
{
	struct fx *f = *state;
	char *db = xasprintf("%s/old.db", f->dir), *spill = xasprintf("%s.spill", db), msg[1024], err[256];
	const char *fixture = "tests/fixtures/store-schema3.sql";
	struct probe_row *rows = NULL;
	struct spill_w *w;
	struct store *st;
	sqlite3 *other;
	size_t n = 0;

	sql_load(db, fixture);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 3);
	st = open_collector(db);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 10);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM probe WHERE failed_phase IS NULL"), 6);
	/* the old rows: values as they were, the phase not recorded (a refused connect and a judged response alike) */
	assert_int_equal(store_probes(st, "closed", 0, INT64_MAX, 100, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].t.us[PHASE_CONNECT], 259);
	assert_int_equal(rows[0].t.us[PHASE_TOTAL], 267);
	assert_int_equal(rows[0].t.us[PHASE_TLS], -1);
	assert_string_equal(rows[0].reason, "refused");
	free(rows);
	assert_phases(st, "closed", "-1 -1 -1");
	assert_phases(st, "web", "-1 -1 -1");

	/* new probes keep what the probe engine said */
	add_failed(st, "new", T0, PHASE_CONNECT);
	add_failed(st, "new", T0 + 1000, PHASE_NONE);
	add_failed(st, "new", T0 + 2000, PHASE_TLS);
	add_failed(st, "new", T0 + 3000, PHASE_TRANSFER);
	add(st, "new", T0 + 4000, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	assert_phases(st, "new", "2 0 3 5 0");
	assert_int_equal(sql_int(db, "SELECT group_concat(failed_phase, '') FROM (SELECT p.failed_phase FROM probe p"
				 " JOIN endpoint e ON e.id = p.endpoint_id WHERE e.name = 'new' ORDER BY p.t_ms)"),
			 20350); /* the codes on disk: connect 2, none 0, TLS 3, transfer 5, none 0 */

	/* through the spill file */
	other = hold_lock(db);
	add_failed(st, "spilled", T0, PHASE_SERVER);
	add_failed(st, "spilled", T0 + 1000, PHASE_DNS);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), 2);
	store_close(st);
	release_lock(other);
	st = open_collector(db);
	assert_int_equal(store_flush(st), 0);
	assert_phases(st, "spilled", "4 1");
	store_close(st);

	/* a P record of 20 fields, as written before schema 5 */
	w = spill_create(spill, 987654, err, sizeof(err));
	assert_non_null(w);
	{
		const char *rec[20] = { "P", "v3", "https://v3.example/", "1767225600000", "10", "20", "30", "40", "50",
					"150", "200", "0", "ok", "", "HTTP 200", "192.0.2.1", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
					"h2", NULL };

		spill_put(w, rec, 20);
	}
	assert_int_equal(spill_finish(w, err, sizeof(err)), 0);
	st = open_collector(db);
	assert_int_equal(store_flush(st), 0);
	assert_phases(st, "v3", "-1");
	store_close(st);
	free(spill);
	free(db);
}

/* ---- file modes ------------------------------------------------------------ */

static void test_file_modes(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(0); /* the most permissive umask: the modes must not come from it */
	char *dir = xasprintf("%s/a", f->dir), *wal = xasprintf("%s-wal", f->db), *shm = xasprintf("%s-shm", f->db);
	char *other = xasprintf("%s/shared.db", f->dir);
	struct store *st = open_collector(f->db);
	int fd;

	add(st, "e", T0, 1000, STATE_UP);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(file_mode(f->db), 0600);
	assert_int_equal(file_mode(wal), 0600);
	assert_int_equal(file_mode(shm), 0600);
	assert_int_equal(file_mode(dir), 0700);
	assert_null(store_notice(st));
	store_close(st);
	umask(old);

	/* an operator's existing file keeps its mode; group or world access is noted, once, at open */
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0640), 0);
	close(fd);
	st = open_collector(other);
	assert_int_equal(file_mode(other), 0640);
	assert_non_null(store_notice(st));
	assert_non_null(strstr(store_notice(st), "its group (mode 0640)"));
	assert_non_null(strstr(store_notice(st), other));
	store_close(st);
	assert_int_equal(chmod(other, 0604), 0);
	st = open_collector(other);
	assert_non_null(strstr(store_notice(st), "every user (mode 0604)"));
	store_close(st);
	assert_int_equal(chmod(other, 0600), 0);
	st = open_collector(other);
	assert_null(store_notice(st));
	store_close(st);
	free(dir);
	free(wal);
	free(shm);
	free(other);
}

/* ---- SIGKILL -------------------------------------------------------------- */

/* The child: writes batches of 50 probes forever, reporting each acknowledged total. */
static void crash_child(const char *path, int fd, int64_t base)
{
	char err[512];
	struct store *st = store_open(path, STORE_COLLECTOR, err, sizeof(err));
	int64_t n = 0;

	if (!st)
		_exit(2);
	for (;;) {
		for (int i = 0; i < 50; i++, n++)
			add(st, "crash", base + n, 1000 + n % 1000, n % 7 ? STATE_UP : STATE_DOWN);
		store_add_event(st, "crash", base + n, "state", "batch");
		if (store_flush(st) != 0)
			_exit(3);
		if (write(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
			_exit(4);
		if (n % 1000 == 0)
			store_retention(st, base + n + 40 * DAY_MS, 30 * DAY_MS, 400 * DAY_MS, 0);
	}
}

static void test_sigkill(void **state)
{
	struct fx *f = *state;
	int64_t acked = 0, base = T0;
	unsigned seed = (unsigned)time(NULL);

	srand(seed);
	for (int round = 0; round < 20; round++) {
		int p[2], status;
		pid_t pid;
		int64_t v, have;
		char q[256];
		/* round 0 dies early, maybe while the file is being created */
		struct timespec ts = { 0, (long)(rand() % (round ? 150 : 5)) * 1000000L };

		assert_int_equal(pipe(p), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(f->db, p[1], base + (int64_t)round * 100000000);
		}
		close(p[1]);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			fail_msg("round %d: the child exited with %d", round, WEXITSTATUS(status));
		v = 0;
		while (read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
			;
		close(p[0]);

		/* every acknowledged probe is in the file, and the file is sound */
		acked += v;
		/* retention in the child closes hours: rollups for those, raw rows after them */
		snprintf(q, sizeof(q), "SELECT (SELECT coalesce(sum(probes), 0) FROM rollup) +"
			 " (SELECT count(*) FROM probe WHERE t_ms >="
			 " coalesce((SELECT max(hour_ms) + 3600000 FROM rollup), -1))");
		/* killed before the file or its schema was made: nothing was acknowledged either */
		if (access(f->db, F_OK) != 0 || sql_int(f->db, "PRAGMA user_version") == 0)
			have = 0;
		else
			have = sql_int(f->db, q);
		if (have < acked)
			fail_msg("round %d (seed %u): %lld probes acknowledged, %lld in the file", round, seed,
				 (long long)acked, (long long)have);
		acked = have; /* a flush may have committed after its last report */
		if (access(f->db, F_OK) == 0)
			assert_intact(f->db);
	}
	if (acked < 1000)
		fail_msg("only %lld probes acknowledged in 20 rounds: the test proves little", (long long)acked);
	/* the lock died with its holder */
	store_close(open_collector(f->db));
}

/* A retried down attempt of notifier ops for endpoints eps. */
static void delivery_fill(struct delivery_row *d, const char *eps, const char *error)
{
	snprintf(d->notifier, sizeof(d->notifier), "ops");
	snprintf(d->kind, sizeof(d->kind), "down");
	snprintf(d->endpoints, sizeof(d->endpoints), "%s", eps);
	snprintf(d->result, sizeof(d->result), "retry");
	snprintf(d->error, sizeof(d->error), "%s", error);
}

static void mark_cb(void *ud, const char *key, int64_t value)
{
	if (!strcmp(key, "cert:api:ab12"))
		*(int64_t *)ud = value;
}

/*
 * The outbox: a row queued right after its outage commits in the same
 * flush; it stays pending until a status change says otherwise; attempts
 * and marks read back; a reader sees the same.
 */
static void test_outbox(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	struct outbox_row *rows;
	struct delivery_row d = { .t_ms = T0 + 5000, .count = 2, .code = 503 }, *ds;
	struct alert a;
	size_t n;
	int64_t got = 0;

	assert_int_equal(store_outbox_max_id(st), 0);
	alert_init(&a, ALERT_DOWN);
	alert_set(&a.endpoint, "api");
	alert_set(&a.reason, "refused");
	alert_set(&a.message, "connection refused");
	a.time_s = T0 / 1000;
	a.since_s = T0 / 1000 - 60;
	a.failed_probes = 2;
	strlist_push(&a.tags, "prod");
	strlist_push(&a.tags, "eu");
	store_put_outage(st, "api", T0 - 60000, 0, "refused", "connection refused", 2);
	store_outbox_add(st, 1, "ops", &a, OUTBOX_PENDING, NULL);
	a.kind = ALERT_CERT_EXPIRING;
	a.has_days_left = true;
	a.days_left = 7;
	store_outbox_add(st, 2, "mail", &a, OUTBOX_SUPPRESSED, "muted until 12:00");
	alert_done(&a);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(store_flush(st), 0);
	/* one flush: the outage and its outbox rows together */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outage"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outbox"), 2);
	assert_int_equal(store_outbox_max_id(st), 2);
	assert_int_equal(store_outbox_pending(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, 1);
	assert_string_equal(rows[0].notifier, "ops");
	assert_int_equal(rows[0].a.kind, ALERT_DOWN);
	assert_string_equal(rows[0].a.endpoint, "api");
	assert_string_equal(rows[0].a.message, "connection refused");
	assert_int_equal(rows[0].a.since_s, T0 / 1000 - 60);
	assert_int_equal(rows[0].a.failed_probes, 2);
	assert_false(rows[0].a.has_days_left);
	assert_int_equal(rows[0].a.tags.n, 2);
	assert_string_equal(rows[0].a.tags.v[1], "eu");
	store_outbox_rows_free(rows, n);

	store_outbox_set(st, 1, OUTBOX_SENT, 3, T0 + 5000, NULL);
	delivery_fill(&d, "api,web", "HTTP 503");
	store_add_delivery(st, &d);
	store_alert_mark(st, "cert:api:ab12", 2);
	store_alert_mark(st, "cert:api:ab12", 3);
	assert_int_equal(store_flush(st), 0);
	assert_int_equal(store_outbox_pending(st, &rows, &n), 0);
	assert_int_equal(n, 0);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_recent(st, 10, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, 2);
	assert_int_equal(rows[0].status, OUTBOX_SUPPRESSED);
	assert_string_equal(rows[0].why, "muted until 12:00");
	assert_true(rows[0].a.has_days_left);
	assert_int_equal(rows[0].a.days_left, 7);
	assert_int_equal(rows[1].status, OUTBOX_SENT);
	assert_int_equal(rows[1].attempts, 3);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_deliveries(st, 0, 10, &ds, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ds[0].endpoints, "api,web");
	assert_int_equal(ds[0].code, 503);
	assert_string_equal(ds[0].error, "HTTP 503");
	free(ds);
	assert_int_equal(store_alert_marks(st, "cert:", mark_cb, &got), 0);
	assert_int_equal(got, 3);
	store_close(st);
}

/* A whole small file (caller frees), NULL when it cannot be read. */
static char *slurp_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;

	if (!fp)
		return NULL;
	buf = xcalloc(1, 1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static void put_file(const char *path, const char *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/*
 * The alert engine's writes go to the spill file with the rest when the
 * collector stops while writes fail (schema 9): the next collector sees
 * the pending alert before anything is written (its engine delivers it
 * even if writes still fail) and takes its ids after the spilled ones;
 * the flush writes each record once; a collector killed after that commit
 * and before the file went (the file back, its mark kept) imports none of
 * them again: no delivery row doubled, no delivered row made pending.
 */
static void test_spill_alerts(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	char *spill = xasprintf("%s.spill", f->db), msg[1024], *copy, sql[200];
	struct delivery_row d = { .t_ms = T0 + 5000, .count = 1, .code = 503 };
	struct outbox_row *rows;
	struct alert a;
	sqlite3 *other;
	int64_t got = 0;
	size_t n, len;

	other = hold_lock(f->db);
	store_put_outage(st, "api", T0, 0, "refused", "connection refused", 2);
	alert_init(&a, ALERT_DOWN);
	alert_set(&a.endpoint, "api");
	alert_set(&a.message, hostile);
	a.time_s = T0 / 1000;
	a.since_s = T0 / 1000;
	strlist_push(&a.tags, "prod");
	strlist_push(&a.tags, "eu");
	store_outbox_add(st, 1, "ops", &a, OUTBOX_PENDING, NULL);
	delivery_fill(&d, "api", "HTTP 503\tbusy");
	snprintf(d.target, sizeof(d.target), "http://am:9093/…");
	store_add_delivery(st, &d);
	store_outbox_set(st, 1, OUTBOX_PENDING, 1, 0, NULL);
	a.kind = ALERT_CERT_EXPIRING;
	a.has_days_left = true;
	a.days_left = 7;
	store_outbox_add(st, 2, "ops", &a, OUTBOX_PENDING, NULL);
	store_outbox_set(st, 2, OUTBOX_SENT, 1, T0 + 6000, NULL);
	store_alert_mark(st, "cert:api:ab12", 2);
	alert_done(&a);
	assert_int_equal(store_flush(st), -1);
	assert_int_equal(store_spill(st, msg, sizeof(msg)), 1 + 6);
	assert_non_null(strstr(msg, "1 outage update and 0 events, 6 alert writes (outbox, deliveries) saved to"));
	store_close(st);
	release_lock(other);
	copy = slurp_file(spill, &len);
	assert_non_null(copy);

	/* the next collector writes the file at open: the pending alert, each record once */
	st = open_collector(f->db);
	assert_int_equal(access(spill, F_OK), -1);
	assert_int_equal(store_outbox_pending(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, 1);
	assert_int_equal(rows[0].attempts, 1);
	assert_string_equal(rows[0].a.message, hostile);
	assert_int_equal(rows[0].a.tags.n, 2);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_alert_marks(st, "cert:", mark_cb, &got), 0);
	assert_int_equal(got, 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM delivery WHERE target = 'http://am:9093/…'"
				     " AND error = 'HTTP 503' || char(9) || 'busy'"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outbox WHERE id = 2 AND status = 1 AND days_left = 7"), 1);
	assert_int_equal(sql_int(f->db, "SELECT value FROM alert_mark WHERE key = 'cert:api:ab12'"), 2);
	/* writes not in the file yet count for the engine (what a still-full disk leaves queued) */
	store_outbox_set(st, 1, OUTBOX_SENT, 2, T0 + 7000, NULL);
	alert_init(&a, ALERT_UP);
	store_outbox_add(st, 3, "ops", &a, OUTBOX_PENDING, NULL);
	alert_done(&a);
	assert_int_equal(store_outbox_pending(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, 3);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_max_id(st), 3);
	assert_int_equal(store_flush(st), 0);
	store_close(st);

	/* killed after that first commit, before the file went: the file is back, its mark too */
	put_file(spill, copy, len);
	snprintf(sql, sizeof(sql), "INSERT INTO spill(id, probes, events, alerts) VALUES(%lld, 0, 0, 6)",
		 strtoll(copy + strlen("httpsmon-spill 1 "), NULL, 10));
	sql_exec(f->db, sql);
	st = open_collector(f->db);
	assert_non_null(strstr(store_notice(st), "(6 written before, 0 malformed"));
	assert_int_equal(store_outbox_pending(st, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, 3);
	store_outbox_rows_free(rows, n);
	store_close(st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM delivery"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM outbox WHERE status = 1"), 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM spill"), 0);
	assert_int_equal(access(spill, F_OK), -1);
	free(copy);
	free(spill);
}

/*
 * Retention of the delivery history: an Alertmanager notifier's resend
 * rows go with the raw probes (retain_raw), every other attempt with the
 * events (retain_rollup); exactly at the horizon a row stays.
 */
static void test_resend_retention(void **state)
{
	struct fx *f = *state;
	struct store *st = open_collector(f->db);
	int64_t now = T0 + 10 * DAY_MS;
	const struct {
		int64_t t;
		const char *kind;
	} rows[] = { { now - DAY_MS - 1, "resend" }, { now - DAY_MS, "resend" }, { now - DAY_MS - 1, "down" },
		     { now - 5 * DAY_MS - 1, "down" } };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct delivery_row d = { .t_ms = rows[i].t, .count = 1 };

		snprintf(d.notifier, sizeof(d.notifier), "am");
		snprintf(d.kind, sizeof(d.kind), "%s", rows[i].kind);
		snprintf(d.result, sizeof(d.result), "delivered");
		store_add_delivery(st, &d);
	}
	assert_int_equal(store_flush(st), 0);
	while (store_retention(st, now, DAY_MS, 5 * DAY_MS, 0) == 1)
		;
	store_close(st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM delivery"), 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM delivery WHERE kind = 'resend'"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM delivery WHERE kind = 'down'"), 1);
}

/* touch path (its directory exists) */
static void touch(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fclose(fp);
}

/*
 * Where the database is when not given: $STATE_DIRECTORY under systemd
 * (first of a list), else XDG; and the readers' fallback to the system
 * collector's database only when the user has none of their own.
 */
static void test_default_paths(void **state)
{
	struct fx *f = *state;
	char *sys = xasprintf("%s/sys.db", f->dir), *mine = xasprintf("%s/state/httpsmon/history.db", f->dir);
	char *state_dir = xasprintf("%s/state", f->dir), *p;

	setenv("HOME", f->dir, 1);
	setenv("XDG_STATE_HOME", state_dir, 1);
	setenv("STATE_DIRECTORY", "/var/lib/httpsmon:/var/lib/other", 1);
	p = store_default_path();
	assert_string_equal(p, "/var/lib/httpsmon/history.db");
	free(p);
	setenv("STATE_DIRECTORY", "relative", 1);    /* not systemd's: ignored */
	p = store_default_path();
	assert_string_equal(p, mine);
	free(p);
	unsetenv("STATE_DIRECTORY");

	p = store_reader_path(sys);                  /* neither exists: the user's, for the message */
	assert_string_equal(p, mine);
	free(p);
	touch(sys);
	p = store_reader_path(sys);                  /* only the system's: that one */
	assert_string_equal(p, sys);
	free(p);
	assert_int_equal(mkdir(state_dir, 0700), 0);
	p = xasprintf("%s/httpsmon", state_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	touch(mine);
	p = store_reader_path(sys);                  /* the user's own wins */
	assert_string_equal(p, mine);
	free(p);
	unsetenv("XDG_STATE_HOME");
	free(sys);
	free(mine);
	free(state_dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roundtrip),
		T(test_same_ms),
		T(test_last_known),
		T(test_controls),
		T(test_posture),
		T(test_posture_spill),
		T(test_uptime_percentiles),
		T(test_retention_rollup),
		T(test_retention_old_layout),
		T(test_retention_old_everything),
		T(test_retention_size_cap),
		T(test_second_collector),
		T(test_write_seq),
		T(test_reader_errors),
		T(test_locked_queue_kept),
		T(test_disk_full),
		T(test_backoff),
		T(test_disk_full_chunks),
		T(test_spill),
		T(test_spill_torn),
		T(test_spill_end_line),
		T(test_outage_mark),
		T(test_failed_phase_migration),
		T(test_file_modes),
		T(test_sigkill),
		T(test_outbox),
		T(test_spill_alerts),
		T(test_resend_retention),
		T(test_default_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
