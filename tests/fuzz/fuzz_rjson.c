/*
 * fuzz_rjson: libFuzzer target for what a remote collector sends the
 * remote viewer (src/rjson.c): every input goes through each of the
 * /api/v1 readers (endpoints, one endpoint's detail, outages, series,
 * probes). Whatever the bytes, every reader must return 0 or -1 with a
 * reason, and what it fills must keep the contract of rjson.h: names never
 * empty, strings terminated within their fields, counts within their caps,
 * enums within range, numbers within the ranges the dashboard draws; and
 * everything must be freed (the leak checker runs too).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/rjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (strnlen((a), sizeof(a)) < sizeof(a))

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_cert(const struct cert_info *c)
{
	check(TERMINATED(c->serial) && TERMINATED(c->sha256) && TERMINATED(c->key_type) &&
	      TERMINATED(c->key_curve) && TERMINATED(c->sig_alg));
	check(c->key_bits >= 0 && c->key_bits <= 65536 && c->sct_count >= -1);
	check(!c->subject || strlen(c->subject) <= RJ_TEXT_MAX);
	check(!c->sans || strlen(c->sans) <= RJ_TEXT_MAX + 256 + 2);
}

static void check_endpoint(const struct rj_endpoint *e)
{
	check(e->name && *e->name && strlen(e->name) <= RJ_NAME_MAX);
	check(e->url && strlen(e->url) <= RJ_TEXT_MAX && TERMINATED(e->host));
	check(e->live >= LIVE_PENDING && e->live <= LIVE_PAUSED);
	check(e->up24 == -1 || (e->up24 >= 0 && e->up24 <= 100));
	check(e->spark_n >= 0 && e->spark_n <= MONITOR_SPARK);
	check(e->r.chain_len >= 0 && e->r.chain_len <= PROBE_MAX_CHAIN && e->r.port >= 0 && e->r.port <= 65535);
	check(e->v.state >= STATE_UP && e->v.state <= STATE_DOWN);
	check((int)e->v.reason >= 0 && e->v.reason < REASON_COUNT && TERMINATED(e->v.message));
	check(TERMINATED(e->r.tls_version) && TERMINATED(e->r.cipher) && TERMINATED(e->r.error_text) &&
	      TERMINATED(e->r.verify.error) && TERMINATED(e->r.verify.hostname));
	for (int i = 0; i < e->r.chain_len; i++)
		check_cert(&e->r.chain[i]);
}

static void check_rows(const struct outage_row *o, size_t n_o, const struct event_row *ev, size_t n_ev)
{
	check(n_o <= RJ_MAX_ROWS && n_ev <= RJ_MAX_ROWS);
	for (size_t i = 0; i < n_o; i++)
		check(TERMINATED(o[i].name) && TERMINATED(o[i].message) && TERMINATED(o[i].mark) &&
		      o[i].start_ms >= 0 && o[i].failed_probes >= 0);
	for (size_t i = 0; i < n_ev; i++)
		check(TERMINATED(ev[i].name) && TERMINATED(ev[i].kind) && TERMINATED(ev[i].detail));
}

static void endpoints(const char *b, size_t n)
{
	struct rj_list l;
	char err[96];

	if (rjson_endpoints(b, n, &l, err, sizeof(err)) == 0) {
		check(l.n <= RJ_MAX_ENDPOINTS && (!l.location || (*l.location && strlen(l.location) <= RJ_LOCATION_MAX)));
		for (size_t i = 0; i < l.n; i++)
			check_endpoint(&l.eps[i]);
	} else {
		check(err[0] && TERMINATED(err));
	}
	rj_list_done(&l);
}

static void detail(const char *b, size_t n)
{
	struct rj_detail d;
	struct outage_row *o;
	struct series_point *p;
	size_t k;
	char err[96];

	if (rjson_detail(b, n, &d, err, sizeof(err)) == 0) {
		for (int i = 0; i < 3; i++)
			check(d.up[i] == -1 || (d.up[i] >= 0 && d.up[i] <= 100));
		check_rows(d.out, d.n_out, d.ev, d.n_ev);
	}
	rj_detail_done(&d);
	if (rjson_outages(b, n, &o, &k, err, sizeof(err)) == 0)
		check_rows(o, k, NULL, 0);
	free(o);
	if (rjson_series(b, n, &p, &k, err, sizeof(err)) == 0) {
		check(k <= RJ_MAX_ROWS);
		for (size_t i = 0; i < k; i++)
			check(p[i].count >= 0 && p[i].failures >= 0 && p[i].failures <= p[i].count);
	}
	free(p);
}

static void probes(const char *b, size_t n)
{
	struct rj_probes pr;
	char err[96];

	if (rjson_probes(b, n, &pr, err, sizeof(err)) == 0) {
		check(pr.n <= RJ_MAX_ROWS && pr.n_certs <= RJ_MAX_CERTS);
		for (size_t i = 0; i < pr.n; i++) {
			check(TERMINATED(pr.rows[i].state) && TERMINATED(pr.rows[i].cert_sha256) &&
			      TERMINATED(pr.rows[i].message));
			rj_probes_cert(&pr, pr.rows[i].cert_sha256);
		}
		for (size_t i = 0; i < pr.n_certs; i++) {
			check(pr.certs[i].sha256[0] && TERMINATED(pr.certs[i].sha256));
			check_cert(&pr.certs[i].ci);
		}
	}
	rj_probes_done(&pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: a read past the body is ASan's to see */
	char *b = size ? malloc(size) : NULL;

	if (size)
		memcpy(b, data, size);
	endpoints(b, size);
	detail(b, size);
	probes(b, size);
	rjson_live(NULL);
	free(b);
	return 0;
}
