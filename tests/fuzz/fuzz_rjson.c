/*
 * fuzz_rjson: libFuzzer target for the remote viewer's reading of a
 * collector's /api/v1 answers (rjson.h): any bytes are given to each of
 * its parsers, as a hostile server would send them. Every bound the header
 * promises must hold (names present and cut, arrays capped), a refusal
 * must say why, and everything must be freed (the leak checker runs too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/rjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct rj_list *l)
{
	if (l->n > RJ_MAX_ENDPOINTS || (l->location && (!*l->location || strlen(l->location) > RJ_LOCATION_MAX)))
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct rj_endpoint *e = &l->eps[i];

		if (!e->name || !*e->name || strlen(e->name) > RJ_NAME_MAX || !e->url || strlen(e->url) > RJ_TEXT_MAX)
			abort();
		if (e->spark_n < 0 || e->spark_n > MONITOR_SPARK || e->r.chain_len < 0 || e->r.chain_len > PROBE_MAX_CHAIN)
			abort();
		if (e->up24 > 100 || (e->up24 < 0 && e->up24 != -1) || e->r.port < 0 || e->r.port > 65535)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char err[256];
	struct rj_list l;
	struct rj_detail d;
	struct rj_probes p;
	struct outage_row *o;
	struct series_point *s;
	size_t n;

	err[0] = '\0';
	if (rjson_endpoints(body, size, &l, err, sizeof(err)) == 0)
		check_list(&l);
	else if (!err[0])
		abort(); /* every refusal says why */
	rj_list_done(&l);
	if (rjson_detail(body, size, &d, err, sizeof(err)) == 0 && (d.n_out > RJ_MAX_ROWS || d.n_ev > RJ_MAX_ROWS))
		abort();
	rj_detail_done(&d);
	if (rjson_probes(body, size, &p, err, sizeof(err)) == 0 && (p.n > RJ_MAX_ROWS || p.n_certs > RJ_MAX_CERTS))
		abort();
	rj_probes_done(&p);
	if (rjson_outages(body, size, &o, &n, err, sizeof(err)) == 0 && n > RJ_MAX_ROWS)
		abort();
	free(o);
	if (rjson_series(body, size, &s, &n, err, sizeof(err)) == 0 && n > RJ_MAX_ROWS)
		abort();
	free(s);
	return 0;
}
