/*
 * scan_report: how `httpsmon scan` prints one endpoint (scan.h): the JSON
 * object with the fields issue 14 pinned (built with cJSON, which does the
 * escaping), and a testssl.sh-like table for people. Everything that came
 * from the network (HSTS header, suite reasons, staple details) is printed
 * sanitised; suite and group names are OpenSSL's own.
 */
#include "httpsmon/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "httpsmon/hsts.h"
#include "httpsmon/report.h"

/* true / false / null (not testable or not tested) for one protocol row. */
static cJSON *answer_json(enum posture_answer a)
{
	return a == PANS_ACCEPTED ? cJSON_CreateTrue() : a == PANS_REFUSED ? cJSON_CreateFalse() : cJSON_CreateNull();
}

static cJSON *time_json(int64_t unix_s)
{
	char t[40];

	return unix_s ? cJSON_CreateString(util_fmt_time_utc(t, sizeof(t), unix_s)) : cJSON_CreateNull();
}

static cJSON *str_or_null(const char *s)
{
	return s && s[0] ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *protocols_json(const struct posture *p)
{
	cJSON *o = cJSON_CreateObject();

	for (int v = PPROTO_TLS10; v <= PPROTO_TLS13; v++)
		cJSON_AddItemToObject(o, posture_proto_names((enum posture_proto)v)->key, answer_json(p->proto[v].answer));
	for (int v = PPROTO_SSL2; v <= PPROTO_SSL3; v++)
		cJSON_AddItemToObject(o, posture_proto_names((enum posture_proto)v)->key, answer_json(p->proto[v].answer));
	return o;
}

static cJSON *ciphers_json(const struct posture *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *weak = cJSON_AddArrayToObject(o, "weak_accepted");
	cJSON *nofs = cJSON_AddArrayToObject(o, "no_forward_secrecy");
	cJSON *nt = cJSON_AddArrayToObject(o, "not_testable");

	for (int c = 0; c < PCAT_N; c++) {
		const struct posture_check *k = &p->cat[c];
		const char *key = posture_cat_names((enum posture_cat)c)->key;

		if (k->answer == PANS_NOT_TESTABLE)
			cJSON_AddItemToArray(nt, cJSON_CreateString(key));
		if (k->answer != PANS_ACCEPTED)
			continue;
		if (c == PCAT_STATIC_RSA) {
			for (int i = 0; i < k->n_suites; i++)
				cJSON_AddItemToArray(nofs, cJSON_CreateString(k->suites[i]));
		} else if (posture_cat_names((enum posture_cat)c)->weak) {
			cJSON_AddItemToArray(weak, cJSON_CreateString(key));
		}
	}
	cJSON_AddNumberToObject(o, "tried_on", p->cat_version);
	return o;
}

/* Forward secrecy with a modern client: TLS 1.3, or an ECDHE/DHE suite accepted; null when unknown. */
static cJSON *fs_json(const struct posture *p)
{
	if (posture_accepts(p, PPROTO_TLS13) || p->cat[PCAT_FS].answer == PANS_ACCEPTED)
		return cJSON_CreateTrue();
	return p->cat[PCAT_FS].answer == PANS_REFUSED ? cJSON_CreateFalse() : cJSON_CreateNull();
}

static cJSON *staple_json(const struct posture *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "stapled", p->staple.stapled);
	cJSON_AddItemToObject(o, "status", p->staple.stapled ? cJSON_CreateString(staple_status_name(p->staple.status))
							     : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "next_update", time_json(p->staple.next_update));
	return o;
}

static cJSON *revocation_json(const struct revocation *rv)
{
	cJSON *o = cJSON_CreateObject();
	bool known = rv->checked && !rv->pending;

	cJSON_AddStringToObject(o, "status", known ? revoke_status_name(rv->status) : "unknown");
	cJSON_AddItemToObject(o, "method", known ? str_or_null(revoke_method_name(rv->method)) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "revoked_at", time_json(known ? rv->revoked_at : 0));
	cJSON_AddItemToObject(o, "reason", str_or_null(known ? rv->reason : NULL));
	cJSON_AddStringToObject(o, "detail", !rv->checked ? "not checked" : rv->pending ? "lookup in progress" : rv->detail);
	return o;
}

/* check --json's hsts value, written by report.c's one writer: the same shape in both */
static cJSON *hsts_json(const char *h)
{
	struct strbuf b = { 0 };
	cJSON *o;

	report_json_hsts(&b, h);
	o = cJSON_CreateRaw(strbuf_cstr(&b));
	strbuf_done(&b);
	return o;
}

static cJSON *findings_json(const struct grade *g)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < g->n_findings; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "id", g->findings[i].id);
		cJSON_AddStringToObject(f, "severity", grade_severity_name(g->findings[i].severity));
		cJSON_AddStringToObject(f, "message", g->findings[i].message);
		cJSON_AddItemToArray(a, f);
	}
	return a;
}

void scan_report_json(struct strbuf *b, const struct scan_report *s)
{
	const struct posture *p = s->p;
	cJSON *o = cJSON_CreateObject(), *caps = cJSON_CreateArray();
	char url[2048], *txt;

	cJSON_AddStringToObject(o, "name", s->ep->name);
	cJSON_AddStringToObject(o, "url", util_url_redact(s->ep->url, url, sizeof(url)));
	cJSON_AddItemToObject(o, "grade", str_or_null(s->g->grade));
	for (int i = 0; i < s->g->n_caps; i++)
		cJSON_AddItemToArray(caps, cJSON_CreateString(s->g->caps[i]));
	cJSON_AddItemToObject(o, "grade_caps", caps);
	cJSON_AddNumberToObject(o, "score", s->g->score);
	cJSON_AddItemToObject(o, "protocols", protocols_json(p));
	cJSON_AddItemToObject(o, "ciphers", ciphers_json(p));
	cJSON_AddItemToObject(o, "forward_secrecy", fs_json(p));
	cJSON_AddItemToObject(o, "group", str_or_null(p->group));
	cJSON_AddItemToObject(o, "group_bits", p->group_bits ? cJSON_CreateNumber(p->group_bits) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "ocsp_stapling", staple_json(p));
	cJSON_AddItemToObject(o, "revocation", revocation_json(&s->r->revocation));
	cJSON_AddItemToObject(o, "sct_count", p->leaf_sct_count >= 0 ? cJSON_CreateNumber(p->leaf_sct_count)
								      : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "hsts", hsts_json(s->r->hsts));
	cJSON_AddItemToObject(o, "cert_lifetime_days", s->f->lifetime_days >= 0 ? cJSON_CreateNumber(s->f->lifetime_days)
										 : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "findings", findings_json(s->g));
	cJSON_AddItemToObject(o, "error", str_or_null(p->error[0] ? p->error : s->r->error ? s->r->error_text : NULL));
	cJSON_AddNumberToObject(o, "handshakes", p->handshakes);
	txt = cJSON_PrintUnformatted(o);
	strbuf_puts(b, txt ? txt : "{}");
	free(txt);
	cJSON_Delete(o);
}

/* ---- the table ---------------------------------------------------------------- */

static void row_check(FILE *out, const char *label, const struct posture_check *c)
{
	char what[220] = "";
	size_t n = 0;

	for (int i = 0; i < c->n_suites && n < sizeof(what); i++)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s", i ? ", " : "", c->suites[i]);
	fprintf(out, "   %-28s %-13s %s\n", label, posture_answer_name(c->answer), c->answer == PANS_ACCEPTED ? what
													   : c->reason);
}

static void text_protocols(FILE *out, const struct posture *p)
{
	fprintf(out, " Protocols\n");
	for (int v = 0; v < PPROTO_N; v++)
		row_check(out, posture_proto_names((enum posture_proto)v)->label, &p->proto[v]);
	if (p->cat_version)
		fprintf(out, " Cipher categories (tried on TLS 1.%d)\n", p->cat_version - 10);
	else
		fprintf(out, " Cipher categories (not tried: no TLS 1.2 or older accepted)\n");
	for (int c = 0; c < PCAT_N; c++)
		row_check(out, posture_cat_names((enum posture_cat)c)->label, &p->cat[c]);
}

static void text_cert(FILE *out, const struct scan_report *s)
{
	const struct grade_facts *f = s->f;
	const struct probe_result *r = s->r;
	char line[200];

	if (!f->have_cert) {
		fprintf(out, " Certificate    none received\n");
	} else {
		fprintf(out, " Certificate    %s %d-bit, %s, valid %d days, %s, %s\n", f->key_type, f->key_bits, f->sig_alg,
			f->lifetime_days, f->expired ? "EXPIRED" : f->self_signed ? "self-signed" : f->untrusted ? "untrusted"
			: f->chain_incomplete ? "chain incomplete" : "trusted",
			f->name_mismatch ? "NAME MISMATCH" : r->verify.hostname_ok == 1 ? "name matches" : "name not checked");
	}
	if (!r->revocation.checked)
		snprintf(line, sizeof(line), "not checked");
	else
		revocation_line(&r->revocation, s->now_s, line, sizeof(line));
	fprintf(out, " Revocation     %s\n", line);
}

static void text_facts(FILE *out, const struct scan_report *s)
{
	const struct posture *p = s->p;
	struct hsts_info hi;
	char t[40], h[200];

	fprintf(out, " Negotiated     %s %s\n", p->version[0] ? p->version : "-", p->cipher);
	fprintf(out, " Key exchange   %s", posture_group_text(p));
	if (p->group_bits)
		fprintf(out, " (%d bits)", p->group_bits);
	fputc('\n', out);
	text_cert(out, s);
	if (!p->staple.stapled)
		fprintf(out, " OCSP stapling  no staple\n");
	else
		fprintf(out, " OCSP stapling  %s%s%s%s%s\n", staple_status_name(p->staple.status),
			p->staple.next_update ? ", next update " : "",
			p->staple.next_update ? util_fmt_time_utc(t, sizeof(t), p->staple.next_update) : "",
			p->staple.detail[0] ? ": " : "", p->staple.detail);
	if (p->leaf_sct_count >= 0)
		fprintf(out, " CT             %d embedded SCT%s\n", p->leaf_sct_count, p->leaf_sct_count == 1 ? "" : "s");
	else
		fprintf(out, " CT             unknown (no certificate)\n");
	hsts_parse(s->r->hsts, &hi);
	fprintf(out, " HSTS           %s\n", hsts_describe(&hi, h, sizeof(h)));
}

void scan_report_text(FILE *out, const struct scan_report *s)
{
	const struct grade *g = s->g;
	char url[2048];

	fprintf(out, "%s  %s", s->ep->name, util_url_redact(s->ep->url, url, sizeof(url)));
	if (s->r->ip[0])
		fprintf(out, "  (%s)", s->r->ip);
	fprintf(out, "  %d handshakes in %lld ms\n", s->p->handshakes, (long long)s->p->took_ms);
	if (s->p->error[0])
		fprintf(out, " Posture pass   %s\n", s->p->error);
	if (s->r->error)
		fprintf(out, " Probe          %s: %s\n", probe_error_name(s->r->error), s->r->error_text);
	text_protocols(out, s->p);
	text_facts(out, s);
	fprintf(out, " Grade          %s  (approximation of SSL Labs' grade; score %d)\n", g->grade[0] ? g->grade : "-",
		g->score);
	for (int i = 0; i < g->n_caps; i++)
		fprintf(out, "   %s\n", g->caps[i]);
	if (g->n_findings)
		fprintf(out, " Findings\n");
	for (int i = 0; i < g->n_findings; i++)
		fprintf(out, "   %-5s %-20s %s\n", grade_severity_name(g->findings[i].severity), g->findings[i].id,
			g->findings[i].message);
	fputc('\n', out);
}
