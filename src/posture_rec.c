/*
 * posture_rec: changes between two posture passes, and a pass with its
 * grade as JSON for the history database (see posture_rec.h). Enumerated
 * values are written as their numbers and range-checked when read back, so
 * a row from a newer httpsmon reads as "not tested" instead of anything
 * out of bounds.
 */
#include "httpsmon/posture_rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "httpsmon/util.h"

/* ---- changes ------------------------------------------------------------- */

struct say {
	char *out;
	size_t n, len;
	int count;
};

static void say(struct say *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct say *s, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (s->len + 2 >= s->n)
		return;
	if (s->count++)
		s->len += (size_t)snprintf(s->out + s->len, s->n - s->len, "; ");
	if (s->len >= s->n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(s->out + s->len, s->n - s->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		s->len = s->len + (size_t)w < s->n ? s->len + (size_t)w : s->n - 1;
}

static bool definite(enum posture_answer a)
{
	return a == PANS_ACCEPTED || a == PANS_REFUSED;
}

/* accepted -> refused or back; label is what the phrase names. */
static void answer_change(struct say *s, enum posture_answer was, enum posture_answer is, const char *label)
{
	if (!definite(was) || !definite(is) || was == is)
		return;
	if (is == PANS_ACCEPTED)
		say(s, "now accepts %s", label);
	else
		say(s, "%s no longer accepted", label);
}

static void staple_change(struct say *s, const struct posture_staple *was, const struct posture_staple *is)
{
	if (was->stapled && !is->stapled)
		say(s, "OCSP staple missing");
	else if (!was->stapled && is->stapled)
		say(s, "OCSP staple now sent (%s)", staple_status_name(is->status));
	else if (was->stapled && was->status != is->status)
		say(s, "OCSP staple %s -> %s", staple_status_name(was->status), staple_status_name(is->status));
}

int posture_changes(const struct posture_rec *old, const struct posture_rec *now, char *out, size_t n)
{
	struct say s = { .out = out, .n = n };
	const struct posture *a, *b;

	if (n)
		out[0] = '\0';
	if (!old || !n)
		return 0;
	a = &old->p;
	b = &now->p;
	for (int v = 0; v < PPROTO_N; v++)
		answer_change(&s, a->proto[v].answer, b->proto[v].answer, posture_proto_names(v)->label);
	for (int c = 0; c < PCAT_N; c++) {
		if (posture_cat_names(c)->weak && c != PCAT_STATIC_RSA)
			answer_change(&s, a->cat[c].answer, b->cat[c].answer, posture_cat_names(c)->label);
	}
	answer_change(&s, a->cat[PCAT_STATIC_RSA].answer, b->cat[PCAT_STATIC_RSA].answer,
		      "static RSA key exchange (no forward secrecy)");
	if (a->group[0] && b->group[0] && strcmp(a->group, b->group))
		say(&s, "key exchange %s -> %s", a->group, b->group);
	if (a->proto[PPROTO_TLS12].answer != PANS_ERROR && b->proto[PPROTO_TLS12].answer != PANS_ERROR &&
	    (a->version[0] && b->version[0]))
		staple_change(&s, &a->staple, &b->staple);
	if (old->g.grade[0] && now->g.grade[0] && strcmp(old->g.grade, now->g.grade))
		say(&s, "grade %s -> %s", old->g.grade, now->g.grade);
	return s.count;
}

/* ---- JSON ------------------------------------------------------------------ */

static void put_check(cJSON *arr, const struct posture_check *c)
{
	cJSON *o = cJSON_CreateObject(), *suites = cJSON_AddArrayToObject(o, "suites");

	cJSON_AddNumberToObject(o, "answer", c->answer);
	cJSON_AddStringToObject(o, "reason", c->reason);
	for (int i = 0; i < c->n_suites && i < POSTURE_MAX_SUITES; i++)
		cJSON_AddItemToArray(suites, cJSON_CreateString(c->suites[i]));
	cJSON_AddNumberToObject(o, "bits", c->bits);
	cJSON_AddItemToArray(arr, o);
}

static void put_posture(cJSON *o, const struct posture *p)
{
	cJSON *proto = cJSON_AddArrayToObject(o, "proto"), *cat = cJSON_AddArrayToObject(o, "cat");
	cJSON *st = cJSON_AddObjectToObject(o, "staple");

	cJSON_AddNumberToObject(o, "started_ms", (double)p->started_ms);
	cJSON_AddNumberToObject(o, "took_ms", (double)p->took_ms);
	cJSON_AddNumberToObject(o, "handshakes", p->handshakes);
	cJSON_AddBoolToObject(o, "complete", p->complete);
	cJSON_AddStringToObject(o, "error", p->error);
	for (int i = 0; i < PPROTO_N; i++)
		put_check(proto, &p->proto[i]);
	cJSON_AddNumberToObject(o, "cat_version", p->cat_version);
	for (int i = 0; i < PCAT_N; i++)
		put_check(cat, &p->cat[i]);
	cJSON_AddStringToObject(o, "version", p->version);
	cJSON_AddStringToObject(o, "cipher", p->cipher);
	cJSON_AddStringToObject(o, "group", p->group);
	cJSON_AddNumberToObject(o, "group_bits", p->group_bits);
	cJSON_AddNumberToObject(o, "best_bits", p->best_bits);
	cJSON_AddNumberToObject(o, "worst_bits", p->worst_bits);
	cJSON_AddNumberToObject(o, "leaf_sct_count", p->leaf_sct_count);
	cJSON_AddBoolToObject(st, "stapled", p->staple.stapled);
	cJSON_AddNumberToObject(st, "status", p->staple.status);
	cJSON_AddNumberToObject(st, "this_update", (double)p->staple.this_update);
	cJSON_AddNumberToObject(st, "next_update", (double)p->staple.next_update);
	cJSON_AddNumberToObject(st, "revoked_at", (double)p->staple.revoked_at);
	cJSON_AddStringToObject(st, "detail", p->staple.detail);
}

static void put_grade(cJSON *o, const struct grade *g)
{
	cJSON *caps = cJSON_AddArrayToObject(o, "caps"), *fs = cJSON_AddArrayToObject(o, "findings");

	cJSON_AddStringToObject(o, "grade", g->grade);
	cJSON_AddNumberToObject(o, "score", g->score);
	cJSON_AddNumberToObject(o, "proto_score", g->proto_score);
	cJSON_AddNumberToObject(o, "kx_score", g->kx_score);
	cJSON_AddNumberToObject(o, "cipher_score", g->cipher_score);
	cJSON_AddNumberToObject(o, "warnings", g->n_warnings);
	for (int i = 0; i < g->n_caps && i < GRADE_MAX_CAPS; i++)
		cJSON_AddItemToArray(caps, cJSON_CreateString(g->caps[i]));
	for (int i = 0; i < g->n_findings && i < GRADE_MAX_FINDINGS; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "id", g->findings[i].id);
		cJSON_AddNumberToObject(f, "severity", g->findings[i].severity);
		cJSON_AddStringToObject(f, "message", g->findings[i].message);
		cJSON_AddItemToArray(fs, f);
	}
}

char *posture_rec_to_json(const struct posture_rec *r)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "t_ms", (double)r->t_ms);
	cJSON_AddStringToObject(o, "url", r->url);
	put_posture(cJSON_AddObjectToObject(o, "posture"), &r->p);
	put_grade(cJSON_AddObjectToObject(o, "grade"), &r->g);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort(); /* cJSON fails only when out of memory, as xmalloc would */
	return s;
}

/* Number member key of o, or 0; an integer within [lo, hi], else fallback. */
static int64_t num(const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double d;

	if (!cJSON_IsNumber(v))
		return fallback;
	d = v->valuedouble;
	return d >= (double)lo && d <= (double)hi ? (int64_t)d : fallback;
}

static void str(const cJSON *o, const char *key, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static bool flag(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

#define BIG ((int64_t)1 << 52) /* exact in a double */

static void get_check(const cJSON *o, struct posture_check *c)
{
	const cJSON *s, *suites = cJSON_GetObjectItemCaseSensitive(o, "suites");

	c->answer = (enum posture_answer)num(o, "answer", PANS_NOT_TESTED, PANS_ERROR, PANS_NOT_TESTED);
	str(o, "reason", c->reason, sizeof c->reason);
	c->bits = (int)num(o, "bits", 0, 4096, 0);
	cJSON_ArrayForEach(s, suites) {
		if (c->n_suites == POSTURE_MAX_SUITES)
			break;
		if (cJSON_IsString(s))
			snprintf(c->suites[c->n_suites++], sizeof c->suites[0], "%s", s->valuestring);
	}
}

static void get_checks(const cJSON *arr, struct posture_check *out, int n)
{
	const cJSON *c;
	int i = 0;

	cJSON_ArrayForEach(c, arr) {
		if (i == n)
			break;
		get_check(c, &out[i++]);
	}
}

static void get_posture(const cJSON *o, struct posture *p)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "staple");

	p->started_ms = num(o, "started_ms", 0, BIG, 0);
	p->took_ms = num(o, "took_ms", 0, BIG, 0);
	p->handshakes = (int)num(o, "handshakes", 0, 1000, 0);
	p->complete = flag(o, "complete");
	str(o, "error", p->error, sizeof p->error);
	get_checks(cJSON_GetObjectItemCaseSensitive(o, "proto"), p->proto, PPROTO_N);
	p->cat_version = (int)num(o, "cat_version", 0, 13, 0);
	get_checks(cJSON_GetObjectItemCaseSensitive(o, "cat"), p->cat, PCAT_N);
	str(o, "version", p->version, sizeof p->version);
	str(o, "cipher", p->cipher, sizeof p->cipher);
	str(o, "group", p->group, sizeof p->group);
	p->group_bits = (int)num(o, "group_bits", 0, 65536, 0);
	p->best_bits = (int)num(o, "best_bits", 0, 4096, 0);
	p->worst_bits = (int)num(o, "worst_bits", 0, 4096, 0);
	p->leaf_sct_count = (int)num(o, "leaf_sct_count", -1, 1000, -1);
	p->staple.stapled = flag(st, "stapled");
	p->staple.status = (enum staple_status)num(st, "status", STAPLE_NONE, STAPLE_INVALID, STAPLE_NONE);
	p->staple.this_update = num(st, "this_update", 0, BIG, 0);
	p->staple.next_update = num(st, "next_update", 0, BIG, 0);
	p->staple.revoked_at = num(st, "revoked_at", 0, BIG, 0);
	str(st, "detail", p->staple.detail, sizeof p->staple.detail);
}

static void get_grade(const cJSON *o, struct grade *g)
{
	const cJSON *x;

	str(o, "grade", g->grade, sizeof g->grade);
	g->score = (int)num(o, "score", 0, 100, 0);
	g->proto_score = (int)num(o, "proto_score", 0, 100, 0);
	g->kx_score = (int)num(o, "kx_score", 0, 100, 0);
	g->cipher_score = (int)num(o, "cipher_score", 0, 100, 0);
	g->n_warnings = (int)num(o, "warnings", 0, 1000, 0);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "caps")) {
		if (g->n_caps < GRADE_MAX_CAPS && cJSON_IsString(x))
			snprintf(g->caps[g->n_caps++], sizeof g->caps[0], "%s", x->valuestring);
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "findings")) {
		struct grade_finding *f;

		if (g->n_findings == GRADE_MAX_FINDINGS || !cJSON_IsObject(x))
			continue;
		f = &g->findings[g->n_findings++];
		str(x, "id", f->id, sizeof f->id);
		f->severity = (enum grade_severity)num(x, "severity", GSEV_INFO, GSEV_CRIT, GSEV_INFO);
		str(x, "message", f->message, sizeof f->message);
	}
}

int posture_rec_from_json(const char *text, struct posture_rec *r)
{
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	const cJSON *p, *g;

	memset(r, 0, sizeof *r);
	posture_init(&r->p);
	p = cJSON_GetObjectItemCaseSensitive(o, "posture");
	g = cJSON_GetObjectItemCaseSensitive(o, "grade");
	if (!cJSON_IsObject(o) || !cJSON_IsObject(p) || !cJSON_IsObject(g)) {
		cJSON_Delete(o);
		return -1;
	}
	r->t_ms = num(o, "t_ms", 0, BIG, 0);
	str(o, "url", r->url, sizeof r->url);
	get_posture(p, &r->p);
	get_grade(g, &r->g);
	cJSON_Delete(o);
	return 0;
}
