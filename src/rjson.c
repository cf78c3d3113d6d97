/*
 * rjson: a remote collector's /api/v1 answers into the dashboard's values
 * (see rjson.h). Every read goes through the few helpers at the top: a
 * field of the wrong type, a number out of its range (never cast before it
 * is known to fit), an unparsable time or an unknown name reads as absent;
 * strings are cut to their field's size. The parse is cJSON's with the
 * length given (the body is not NUL-terminated) and its nesting limit.
 */
#include "httpsmon/rjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "httpsmon/config.h"
#include "httpsmon/util.h"

/* ---- fields ----------------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* a when it is an array, else NULL (for cJSON_ArrayForEach) */
static const cJSON *arr(const cJSON *a)
{
	return cJSON_IsArray(a) ? a : NULL;
}

/* The string at key, or NULL (absent, null or not a string). */
static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* A heap copy of at most RJ_TEXT_MAX bytes, or NULL when absent. */
static char *dup_text(const char *s)
{
	return s ? xstrndup(s, RJ_TEXT_MAX) : NULL;
}

/* The number at key when it is finite and within [lo, hi]. */
static bool num(const cJSON *o, const char *key, double lo, double hi, double *out)
{
	const cJSON *v = get(o, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
		return false;
	*out = v->valuedouble;
	return true;
}

static long long int_or(const cJSON *o, const char *key, long long lo, long long hi, long long def)
{
	double d;

	return num(o, key, (double)lo, (double)hi, &d) ? (long long)d : def;
}

static bool flag(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(get(o, key));
}

/* Milliseconds (a duration, up to a day) as microseconds; -1 when absent. */
static int64_t ms_us(const cJSON *o, const char *key)
{
	double d;

	return num(o, key, 0, 86400000.0, &d) ? (int64_t)llround(d * 1000.0) : -1;
}

/* An ISO-8601 UTC time at key as Unix ms; 0 when absent or not a time after 1970. */
static int64_t time_ms(const cJSON *o, const char *key)
{
	const char *s = str(o, key);
	int64_t ms;

	/* util_parse_time_ms takes durations too ("7d" back from now): with now 0 they come out negative */
	if (!s || strlen(s) > 40 || util_parse_time_ms(s, 0, &ms) != 0 || ms <= 0)
		return 0;
	return ms;
}

/* ---- names ------------------------------------------------------------------- */

enum live rjson_live(const char *s)
{
	for (int l = LIVE_PENDING; s && l <= LIVE_PAUSED; l++)
		if (!strcasecmp(s, live_name((enum live)l)))
			return (enum live)l;
	return LIVE_PENDING;
}

static enum state state_of(const char *s)
{
	for (int k = STATE_UP; s && k <= STATE_DOWN; k++)
		if (!strcasecmp(s, state_name((enum state)k)))
			return (enum state)k;
	return STATE_UP;
}

static enum reason reason_of(const char *s)
{
	for (int k = 0; s && k < REASON_COUNT; k++)
		if (!strcmp(s, reason_name((enum reason)k)))
			return (enum reason)k;
	return REASON_OK;
}

static enum probe_error error_of(const char *s)
{
	for (int k = PERR_DNS; s && k <= PERR_HTTP_PROTOCOL; k++)
		if (!strcmp(s, probe_error_name((enum probe_error)k)))
			return (enum probe_error)k;
	return s ? PERR_OTHER : PERR_NONE;
}

static enum probe_phase phase_of(const char *s)
{
	for (int k = PHASE_FIRST; s && k <= PHASE_LAST; k++)
		if (!strcmp(s, probe_phase_name((enum probe_phase)k)))
			return (enum probe_phase)k;
	return PHASE_NONE;
}

/* ---- a probe (check --json's object) ----------------------------------------- */

/*
 * "RSA 2048", "EC 256 prime256v1" into the key's type, size and curve. The
 * size is read as text and then with strtol: sscanf's %d on a number too
 * large for an int is undefined (glibc wraps it, so "RSA 4294969344" came
 * out as 2048 bits).
 */
static void key_from(const char *key, struct cert_info *c)
{
	char bits[24] = "", *end;
	long v;

	if (!key || strlen(key) >= 64 || sscanf(key, "%15s %23s %23s", c->key_type, bits, c->key_curve) < 2)
		return;
	v = strtol(bits, &end, 10);
	c->key_bits = end != bits && !*end && v > 0 && v <= 65536 ? (int)v : 0;
}

static void cert_from(const cJSON *o, struct cert_info *c)
{
	const cJSON *sans = get(o, "sans"), *s;
	struct strbuf sb = { 0 };
	const char *key = str(o, "key");

	memset(c, 0, sizeof(*c));
	c->subject = dup_text(str(o, "subject"));
	c->issuer = dup_text(str(o, "issuer"));
	cJSON_ArrayForEach(s, arr(sans)) {
		if (cJSON_IsString(s) && sb.len < RJ_TEXT_MAX)
			strbuf_printf(&sb, "%s%.256s", sb.len ? ", " : "", s->valuestring);
	}
	c->sans = sb.len ? xstrdup(strbuf_cstr(&sb)) : NULL;
	strbuf_done(&sb);
	copy(c->serial, sizeof(c->serial), str(o, "serial"));
	c->not_before = time_ms(o, "not_before") / 1000;
	c->not_after = time_ms(o, "not_after") / 1000;
	copy(c->sha256, sizeof(c->sha256), str(o, "sha256"));
	key_from(key, c);
	copy(c->sig_alg, sizeof(c->sig_alg), str(o, "sig_alg"));
	c->self_issued = flag(o, "self_issued");
	c->is_ca = flag(o, "is_ca");
	c->aia_ca_issuers = dup_text(str(o, "aia_ca_issuers"));
	c->crl_url = dup_text(str(o, "crl_url"));
	c->ocsp_url = dup_text(str(o, "ocsp_url"));
	c->sct_count = (int)int_or(o, "sct_count", 0, 10000, 0);
	if (cJSON_IsNull(get(o, "sct_count")))
		c->sct_count = -1; /* the collector found the list unreadable */
}

static void verify_from(const cJSON *o, const cJSON *top, struct tls_verify *v)
{
	const cJSON *ok = get(o, "hostname_ok");

	v->checked = flag(o, "checked");
	v->code = (int)int_or(o, "code", 0, 1000, 0);
	v->depth = (int)int_or(o, "depth", 0, PROBE_MAX_CHAIN * 10, 0);
	copy(v->error, sizeof(v->error), str(top, "verify_error"));
	copy(v->hostname, sizeof(v->hostname), str(o, "hostname"));
	v->hostname_ok = cJSON_IsBool(ok) ? cJSON_IsTrue(ok) : -1;
	v->flags = flag(o, "chain_incomplete") ? VERIFY_CHAIN_INCOMPLETE : 0;
	copy(v->aia_note, sizeof(v->aia_note), str(o, "aia"));
}

static void http_check_from(const cJSON *o, struct redirect_check *h)
{
	if (!cJSON_IsObject(o))
		return;
	h->done = true;
	h->status = (long)int_or(o, "status", 0, 999, 0);
	h->location = dup_text(str(o, "location"));
	h->to_https = flag(o, "to_https");
	if (str(o, "error")) {
		h->error = PERR_OTHER;
		copy(h->error_text, sizeof(h->error_text), str(o, "error"));
	}
}

static void probe_from(const cJSON *o, struct rj_endpoint *e)
{
	struct probe_result *r = &e->r;
	const cJSON *t = get(o, "timings"), *chain = get(o, "chain"), *c;
	const char *tv;

	r->started_ms = e->last_ms = time_ms(o, "time");
	e->v.state = state_of(str(o, "verdict"));
	e->v.reason = reason_of(str(o, "reason"));
	/* only the deciding reason: the others' severities are not in the answer */
	e->v.reasons = REASON_BIT(e->v.reason);
	e->v.severity[e->v.reason] = e->v.state;
	copy(e->v.message, sizeof(e->v.message), str(o, "message"));
	r->http_status = (long)int_or(o, "http_status", 0, 999, 0);
	copy(r->http_version, sizeof(r->http_version), str(o, "http_version"));
	copy(r->ip, sizeof(r->ip), str(o, "ip"));
	r->port = (int)int_or(o, "port", 0, 65535, 0);
	tv = str(o, "tls_version");
	copy(r->tls_version, sizeof(r->tls_version), tv);
	if (tv && !strncmp(tv, "TLSv1.", 6) && tv[6] >= '0' && tv[6] <= '3' && !tv[7])
		r->tls_version_num = 10 + tv[6] - '0';
	copy(r->cipher, sizeof(r->cipher), str(o, "cipher"));
	copy(r->alpn, sizeof(r->alpn), str(o, "alpn"));
	r->ocsp_stapled = flag(o, "ocsp_stapled");
	r->redirects = (int)int_or(o, "redirects", 0, 1000, 0);
	r->final_url = dup_text(str(o, "final_url"));
	/* check --json's hsts object (its header as received), or a plain string from an older collector */
	r->hsts = dup_text(str(o, "hsts") ? str(o, "hsts") : str(get(o, "hsts"), "header"));
	for (int p = PHASE_FIRST; p < PHASE_END; p++) {
		char key[24];

		snprintf(key, sizeof(key), "%s_ms", probe_phase_names((enum probe_phase)p)->key);
		r->t.us[p] = ms_us(t, key);
	}
	r->failed_phase = phase_of(str(o, "failed_phase"));
	r->error = error_of(str(o, "error"));
	copy(r->error_text, sizeof(r->error_text), str(o, "error_text"));
	cJSON_ArrayForEach(c, arr(chain)) {
		if (r->chain_len == PROBE_MAX_CHAIN)
			break;
		if (cJSON_IsObject(c))
			cert_from(c, &r->chain[r->chain_len++]);
	}
	r->chain_sent = (int)int_or(o, "chain_sent", 0, 1000, r->chain_len);
	verify_from(get(o, "verify"), o, &r->verify);
	http_check_from(get(o, "http_check"), &r->http_check);
	r->body_len = (size_t)int_or(o, "body_bytes", 0, 1LL << 40, 0);
	r->body_truncated = flag(o, "body_truncated");
}

/* ---- the endpoint list --------------------------------------------------------- */

static void recent_from(const cJSON *a, struct rj_endpoint *e)
{
	int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0, skip = n > MONITOR_SPARK ? n - MONITOR_SPARK : 0;
	const cJSON *x;
	int i = 0;

	/* the newest MONITOR_SPARK, oldest first */
	cJSON_ArrayForEach(x, arr(a)) {
		if (i++ < skip)
			continue;
		e->spark_us[e->spark_n++] = cJSON_IsNumber(x) && isfinite(x->valuedouble) && x->valuedouble >= 0 &&
							    x->valuedouble <= 86400000.0
						    ? (int64_t)llround(x->valuedouble * 1000.0)
						    : -1;
	}
}

/*
 * The list's grade fields (api.c's grade_json): a grade that is not one of
 * the ten is no grade; caps are cut to the record's sizes.
 */
static struct posture_rec *grade_from(const cJSON *o)
{
	static const char *const grades[] = { "A+", "A", "A-", "B", "C", "D", "E", "F", "T", "M" };
	const char *g = str(o, "grade");
	const cJSON *c;
	struct posture_rec *r;
	size_t i;

	for (i = 0; g && i < sizeof grades / sizeof grades[0]; i++)
		if (!strcmp(g, grades[i]))
			break;
	if (!g || i == sizeof grades / sizeof grades[0])
		return NULL;
	r = xcalloc(1, sizeof(*r));
	posture_init(&r->p);
	copy(r->g.grade, sizeof r->g.grade, g);
	r->g.score = (int)int_or(o, "grade_score", 0, 100, 0);
	r->t_ms = time_ms(o, "posture_at");
	cJSON_ArrayForEach(c, arr(get(o, "grade_caps"))) {
		if (r->g.n_caps == GRADE_MAX_CAPS)
			break;
		if (cJSON_IsString(c) && c->valuestring)
			copy(r->g.caps[r->g.n_caps++], sizeof r->g.caps[0], c->valuestring);
	}
	return r;
}

/* One entry; false when it has no usable name. */
static bool endpoint_from(const cJSON *o, struct rj_endpoint *e)
{
	const char *name = str(o, "name"), *url = str(o, "url");
	const cJSON *last = get(o, "last");
	double d;

	memset(e, 0, sizeof(*e));
	probe_result_init(&e->r);
	if (!name || !*name)
		return false;
	e->name = xstrndup(name, RJ_NAME_MAX);
	e->url = xstrndup(url ? url : "", RJ_TEXT_MAX);
	if (!url || config_url_host(url, e->host, sizeof(e->host)) != 0)
		e->host[0] = '\0';
	e->live = rjson_live(str(o, "state"));
	e->stale = flag(o, "stale");
	e->in_outage = flag(o, "in_outage");
	e->outage_start_ms = e->in_outage ? time_ms(o, "outage_start") : 0;
	e->interval_ms = num(o, "interval_s", 1, 366 * 86400.0, &d) ? (int64_t)d * 1000 : 0;
	e->up24 = num(o, "uptime_24h", 0, 100, &d) ? d : -1;
	recent_from(get(o, "recent_ms"), e);
	e->posture = grade_from(o);
	if (cJSON_IsObject(last)) {
		e->have = true;
		probe_from(last, e);
	}
	return true;
}

static void ep_done(struct rj_endpoint *e)
{
	free(e->name);
	free(e->url);
	free(e->posture);
	probe_result_done(&e->r);
}

void rj_list_done(struct rj_list *l)
{
	for (size_t i = 0; l->eps && i < l->n; i++)
		ep_done(&l->eps[i]);
	free(l->eps);
	free(l->location);
	memset(l, 0, sizeof(*l));
}

/* The answer's root object, or NULL with the reason in err. */
static cJSON *root_of(const char *body, size_t len, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *root = body && len ? cJSON_ParseWithLengthOpts(body, len, &end, 0) : NULL;

	if (!root) {
		if (end && end >= body && end <= body + len)
			snprintf(err, errlen, "not JSON (at byte %zu of %zu)", (size_t)(end - body), len);
		else
			snprintf(err, errlen, "not JSON (%zu bytes)", len);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "JSON, but not an object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* The array at key of the answer's root, or NULL with the reason in err. */
static const cJSON *array_of(const cJSON *root, const char *key, char *err, size_t errlen)
{
	const cJSON *a = get(root, key);

	if (!cJSON_IsArray(a)) {
		snprintf(err, errlen, "no %s array in the answer", key);
		return NULL;
	}
	return a;
}

int rjson_endpoints(const char *body, size_t len, struct rj_list *out, char *err, size_t errlen)
{
	cJSON *root = root_of(body, len, err, errlen);
	const cJSON *a = root ? array_of(root, "endpoints", err, errlen) : NULL, *x;
	const char *loc;
	size_t cap;

	memset(out, 0, sizeof(*out));
	if (!a) {
		cJSON_Delete(root);
		return -1;
	}
	loc = str(root, "location");
	out->location = loc && *loc ? xstrndup(loc, RJ_LOCATION_MAX) : NULL;
	cap = (size_t)cJSON_GetArraySize(a);
	cap = cap > RJ_MAX_ENDPOINTS ? RJ_MAX_ENDPOINTS : cap;
	out->eps = xcalloc(cap ? cap : 1, sizeof(*out->eps));
	cJSON_ArrayForEach(x, a) {
		if (out->n == cap || !endpoint_from(x, &out->eps[out->n])) {
			if (out->n < cap)
				ep_done(&out->eps[out->n]);
			out->dropped++;
			continue;
		}
		out->n++;
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- history rows ---------------------------------------------------------------- */

static void outage_from(const cJSON *o, struct outage_row *r)
{
	memset(r, 0, sizeof(*r));
	copy(r->name, sizeof(r->name), str(o, "endpoint"));
	r->start_ms = time_ms(o, "start");
	r->end_ms = time_ms(o, "end");
	copy(r->reason, sizeof(r->reason), str(o, "reason"));
	copy(r->message, sizeof(r->message), str(o, "message"));
	r->failed_probes = (int)int_or(o, "failed_probes", 0, 1e9, 0);
	copy(r->mark, sizeof(r->mark), str(o, "mark")); /* shown through store_mark_label: known words only */
}

static void event_from(const cJSON *o, struct event_row *r)
{
	memset(r, 0, sizeof(*r));
	copy(r->name, sizeof(r->name), str(o, "endpoint"));
	r->t_ms = time_ms(o, "time");
	copy(r->kind, sizeof(r->kind), str(o, "kind"));
	copy(r->detail, sizeof(r->detail), str(o, "detail"));
}

/* Rows of size elem from the objects of array a (at most RJ_MAX_ROWS), each read by fill. */
static void *rows_from(const cJSON *a, size_t elem, void (*fill)(const cJSON *, void *), size_t *n)
{
	size_t cap = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
	char *rows;
	const cJSON *x;

	cap = cap > RJ_MAX_ROWS ? RJ_MAX_ROWS : cap;
	rows = xcalloc(cap ? cap : 1, elem);
	*n = 0;
	cJSON_ArrayForEach(x, arr(a)) {
		if (*n == cap)
			break;
		if (cJSON_IsObject(x))
			fill(x, rows + elem * (*n)++);
	}
	return rows;
}

static void outage_fill(const cJSON *o, void *r)
{
	outage_from(o, r);
}

static void event_fill(const cJSON *o, void *r)
{
	event_from(o, r);
}

static void point_fill(const cJSON *o, void *p_)
{
	struct series_point *p = p_;
	const cJSON *t = get(o, "timings");

	memset(p, 0, sizeof(*p));
	p->t_ms = time_ms(o, "time");
	p->count = int_or(o, "count", 0, 1e12, 0);
	p->failures = int_or(o, "failures", 0, p->count, 0);
	for (int k = 0; k < PHASE_END; k++) {
		char key[24];

		snprintf(key, sizeof(key), "%s_ms", probe_phase_names((enum probe_phase)k)->key);
		p->avg_us[k] = k >= PHASE_FIRST ? ms_us(t, key) : -1;
	}
	p->max_total_us = ms_us(o, "max_total_ms");
}

int rjson_detail(const char *body, size_t len, struct rj_detail *out, char *err, size_t errlen)
{
	static const char *const spans[3] = { "24h", "7d", "30d" };
	cJSON *root = root_of(body, len, err, errlen);
	const cJSON *up = get(root, "uptime");

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3; i++)
		if (!num(up, spans[i], 0, 100, &out->up[i]))
			out->up[i] = -1;
	if (!root)
		return -1;
	out->out = rows_from(get(root, "outages"), sizeof(*out->out), outage_fill, &out->n_out);
	out->ev = rows_from(get(root, "events"), sizeof(*out->ev), event_fill, &out->n_ev);
	cJSON_Delete(root);
	return 0;
}

void rj_detail_done(struct rj_detail *d)
{
	free(d->out);
	free(d->ev);
	memset(d, 0, sizeof(*d));
}

/* The rows of the array at key of the answer's root, each read by fill; -1 (nothing) when there is none. */
static int answer_rows(const char *body, size_t len, const char *key, size_t elem, void (*fill)(const cJSON *, void *),
		       void **rows, size_t *n, char *err, size_t errlen)
{
	cJSON *root = root_of(body, len, err, errlen);
	const cJSON *a = root ? array_of(root, key, err, errlen) : NULL;

	*rows = NULL;
	*n = 0;
	if (a)
		*rows = rows_from(a, elem, fill, n);
	cJSON_Delete(root);
	return a ? 0 : -1;
}

int rjson_outages(const char *body, size_t len, struct outage_row **rows, size_t *n, char *err, size_t errlen)
{
	void *p;
	int rc = answer_rows(body, len, "outages", sizeof(**rows), outage_fill, &p, n, err, errlen);

	*rows = p;
	return rc;
}

int rjson_series(const char *body, size_t len, struct series_point **pts, size_t *n, char *err, size_t errlen)
{
	void *p;
	int rc = answer_rows(body, len, "series", sizeof(**pts), point_fill, &p, n, err, errlen);

	*pts = p;
	return rc;
}

/* ---- an outage's probes ---------------------------------------------------------- */

static void probe_row_fill(const cJSON *o, void *r_)
{
	struct probe_row *r = r_;
	const cJSON *t = get(o, "timings");

	memset(r, 0, sizeof(*r));
	r->t_ms = time_ms(o, "time");
	for (int k = 0; k < PHASE_END; k++) {
		char key[24];

		snprintf(key, sizeof(key), "%s_ms", probe_phase_names((enum probe_phase)k)->key);
		r->t.us[k] = k >= PHASE_FIRST ? ms_us(t, key) : -1;
	}
	r->http_status = (long)int_or(o, "http_status", 0, 999, 0);
	copy(r->state, sizeof(r->state), state_name(state_of(str(o, "verdict"))));
	copy(r->reason, sizeof(r->reason), str(o, "reason"));
	copy(r->message, sizeof(r->message), str(o, "message"));
	copy(r->ip, sizeof(r->ip), str(o, "ip"));
	copy(r->tls_version, sizeof(r->tls_version), str(o, "tls_version"));
	copy(r->cipher, sizeof(r->cipher), str(o, "cipher"));
	copy(r->cert_sha256, sizeof(r->cert_sha256), str(o, "cert_sha256"));
	r->failed_phase = (int)phase_of(str(o, "failed_phase"));
}

int rjson_probes(const char *body, size_t len, struct rj_probes *out, char *err, size_t errlen)
{
	cJSON *root = root_of(body, len, err, errlen);
	const cJSON *a = root ? array_of(root, "probes", err, errlen) : NULL, *certs = get(root, "certs"), *c;

	memset(out, 0, sizeof(*out));
	if (!a) {
		cJSON_Delete(root);
		return -1;
	}
	out->rows = rows_from(a, sizeof(*out->rows), probe_row_fill, &out->n);
	out->certs = xcalloc(RJ_MAX_CERTS, sizeof(*out->certs));
	/* an object keyed by sha256 (cJSON keeps an object's members as a list) */
	for (c = cJSON_IsObject(certs) ? certs->child : NULL; c && out->n_certs < RJ_MAX_CERTS; c = c->next) {
		struct rj_cert *rc = &out->certs[out->n_certs];

		if (!c->string || !*c->string || !cJSON_IsObject(c))
			continue;
		copy(rc->sha256, sizeof(rc->sha256), c->string);
		cert_from(c, &rc->ci);
		out->n_certs++;
	}
	cJSON_Delete(root);
	return 0;
}

void rj_probes_done(struct rj_probes *p)
{
	for (size_t i = 0; p->certs && i < p->n_certs; i++)
		cert_info_done(&p->certs[i].ci);
	free(p->certs);
	free(p->rows);
	memset(p, 0, sizeof(*p));
}

const struct cert_info *rj_probes_cert(const struct rj_probes *p, const char *sha256)
{
	for (size_t i = 0; sha256 && *sha256 && i < p->n_certs; i++)
		if (!strcmp(p->certs[i].sha256, sha256))
			return &p->certs[i].ci;
	return NULL;
}
