/*
 * report: the printers behind `httpsmon check` (see report.h). Pure
 * formatting: no probing, no judging. Untrusted text (anything from the
 * server or its certificates) is written only through san() or JSON
 * escaping, so a hostile server cannot drive the operator's terminal.
 */
#include "httpsmon/report.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "httpsmon/hsts.h"

#define BAR_WIDTH 36

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_DIM    "\033[2m"
#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN   "\033[36m"

void report_style_detect(struct report_style *st, FILE *out)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	const char *cs = nl_langinfo(CODESET);
	int fd = fileno(out);
	struct winsize ws;

	memset(st, 0, sizeof(*st));
	st->utf8 = cs && !strcmp(cs, "UTF-8");
	if (fd >= 0 && isatty(fd)) {
		st->color = !(nc && *nc) && term && strcmp(term, "dumb") != 0;
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			st->width = ws.ws_col;
	}
}

static const char *col(const struct report_style *st, const char *code)
{
	return st->color ? code : "";
}

static const char *state_color(const struct report_style *st, enum state s)
{
	return col(st, s == STATE_UP ? C_GREEN : s == STATE_WARN ? C_YELLOW : C_RED);
}

/* Sanitised copy of untrusted text into a caller buffer. */
static const char *san(const char *s, char *buf, size_t n)
{
	if (!s)
		return "";
	return util_sanitize(s, strlen(s), buf, n);
}

/* A URL for output: query values and passwords redacted, then sanitised. */
static const char *san_url(const char *url, char *buf, size_t n)
{
	char red[2048];

	if (!url)
		return "";
	util_url_redact(url, red, sizeof(red));
	return util_sanitize(red, strlen(red), buf, n);
}

static const char *ms(int64_t us, char *buf, size_t n)
{
	if (us < 0)
		return "-";
	return util_fmt_duration_us(buf, n, us);
}

static void put_bar(FILE *out, const struct report_style *st, int64_t start_us, int64_t len_us,
		    int64_t total_us)
{
	int from, to;

	if (total_us <= 0 || len_us < 0)
		return;
	from = (int)(start_us * BAR_WIDTH / total_us);
	to = (int)((start_us + len_us) * BAR_WIDTH / total_us);
	if (to == from && len_us > 0)
		to = from + 1; /* a phase that happened is never invisible */
	if (to > BAR_WIDTH)
		to = BAR_WIDTH;
	fprintf(out, "%*s", from, "");
	for (int i = from; i < to; i++)
		fputs(st->utf8 ? "\u2588" : "#", out);
}

static void waterfall(FILE *out, const struct report_style *st, const struct probe_result *r)
{
	int64_t at = 0;
	char b[32];

	for (int p = PHASE_FIRST; p <= PHASE_LAST; p++) {
		bool failed = r->failed_phase == (enum probe_phase)p;
		int64_t us = r->t.us[p];

		if (us < 0)
			continue;
		fprintf(out, "  %-14s %9s  %s", probe_phase_names(p)->label, ms(us, b, sizeof(b)),
			col(st, failed ? C_RED : C_CYAN));
		put_bar(out, st, at, us, r->t.us[PHASE_TOTAL]);
		fprintf(out, "%s%s\n", col(st, C_RESET), failed ? (st->utf8 ? " \u2190 failed here" : " <- failed here") : "");
		at += us;
	}
	fprintf(out, "  %-14s %9s\n", probe_phase_names(PHASE_TOTAL)->label, ms(r->t.us[PHASE_TOTAL], b, sizeof(b)));
}

/* The leaf's lifetime and Certificate Transparency, each flagged past its limit. */
static void leaf_facts(FILE *out, const struct report_style *st, const struct cert_info *c)
{
	const char *life = col(st, cert_lifetime_long(c) ? C_YELLOW : "");
	const char *ct = col(st, cert_sct_few(c) ? C_YELLOW : "");
	char b[64];

	fprintf(out, "      lifetime %s%s%s\n", life, cert_describe_lifetime(c, b, sizeof(b)), *life ? col(st, C_RESET) : "");
	fprintf(out, "      CT       %s%s%s\n", ct, cert_describe_scts(c, b, sizeof(b)), *ct ? col(st, C_RESET) : "");
}

/* The final response's Strict-Transport-Security, parsed; an invalid one quoted (sanitised). */
static void hsts_line(FILE *out, const struct report_style *st, const char *h)
{
	struct hsts_info hi;
	char b[512], d[160];

	hsts_parse(h, &hi);
	hsts_describe(&hi, d, sizeof(d));
	if (hi.present && !hi.valid)
		fprintf(out, "  hsts     %s%s%s (\"%s\")\n", col(st, C_YELLOW), d, col(st, C_RESET), san(h, b, sizeof(b)));
	else
		fprintf(out, "  hsts     %s\n", d);
}

static void chain_block(FILE *out, const struct report_style *st, const struct probe_result *r,
			int64_t now_s)
{
	char b1[512], b2[512], t[40], why[64];

	if (!r->chain_len)
		return;
	fprintf(out, "  certificate chain (%d sent by the server):\n", r->chain_sent);
	for (int i = 0; i < r->chain_len; i++) {
		const struct cert_info *c = &r->chain[i];
		int days = cert_days_left(c, now_s);
		bool bad = days < 0 || c->not_before > now_s;

		fprintf(out, "  %d %s%s%s\n", i, col(st, C_BOLD), san(c->subject, b1, sizeof(b1)), col(st, C_RESET));
		fprintf(out, "      issuer   %s\n", san(c->issuer, b1, sizeof(b1)));
		fprintf(out, "      valid    %s", util_fmt_time_utc(t, sizeof(t), c->not_before));
		fprintf(out, " .. %s  %s", util_fmt_time_utc(t, sizeof(t), c->not_after), col(st, bad ? C_RED : ""));
		if (c->not_before > now_s)
			fprintf(out, "(not valid yet)");
		else if (days < 0)
			fprintf(out, "(expired %d days ago)", -days);
		else
			fprintf(out, "(%d days left)", days);
		fprintf(out, "%s\n", col(st, bad ? C_RESET : ""));
		if (c->sans)
			fprintf(out, "      SANs     %s\n", san(c->sans, b2, sizeof(b2)));
		fprintf(out, "      key      %s %d%s%s, %s", c->key_type, c->key_bits, c->key_curve[0] ? " " : "",
			c->key_curve, c->sig_alg);
		if (cert_is_weak(c, why, sizeof(why)) && !(c->self_issued && i > 0))
			fprintf(out, "  %s(weak: %s)%s", col(st, C_RED), why, col(st, C_RESET));
		fputc('\n', out);
		if (!c->is_ca)
			leaf_facts(out, st, c);
		fprintf(out, "      sha256   %s\n", c->sha256);
	}
	if (r->chain_sent > r->chain_len)
		fprintf(out, "  ... %d more not shown\n", r->chain_sent - r->chain_len);
}

static void verify_line(FILE *out, const struct report_style *st, const struct probe_result *r)
{
	const struct tls_verify *v = &r->verify;
	char b[320];

	if (!v->checked)
		return;
	if (v->code)
		fprintf(out, "  verify   %s%s (depth %d)%s", col(st, C_RED), v->error, v->depth, col(st, C_RESET));
	else
		fprintf(out, "  verify   %sok%s", col(st, C_GREEN), col(st, C_RESET));
	if (v->hostname_ok >= 0)
		fprintf(out, "; host %s %s", san(v->hostname, b, sizeof(b)), v->hostname_ok ? "matches" : "does NOT match");
	fputc('\n', out);
	if (v->aia_note[0])
		fprintf(out, "  AIA      %s\n", san(v->aia_note, b, sizeof(b)));
}

void report_detail(FILE *out, const struct report_style *st, const struct endpoint *ep,
		   const struct probe_result *r, const struct verdict *v, const struct verdict *each,
		   int64_t now_s)
{
	char b[1024], b2[512];

	fprintf(out, "%s%s%s  %s\n", col(st, C_BOLD), san(ep->name, b2, sizeof(b2)), col(st, C_RESET),
		san_url(ep->url, b, sizeof(b)));
	if (r->ip[0])
		fprintf(out, "  connected to %s port %d\n", r->ip, r->port);
	waterfall(out, st, r);
	fprintf(out, "  %s%-4s%s %s: %s\n", state_color(st, v->state), state_name(v->state), col(st, C_RESET),
		reason_name(v->reason), san(v->message, b, sizeof(b)));
	if (r->http_status)
		fprintf(out, "  http     %s %ld%s%s", r->http_version, r->http_status,
			r->redirects ? ", after redirects to " : "",
			r->redirects ? san_url(r->final_url, b, sizeof(b)) : "");
	if (r->http_status)
		fprintf(out, "%s\n", r->body_truncated ? " (body cut at max_body)" : "");
	if (r->tls_version[0])
		fprintf(out, "  tls      %s %s%s%s%s\n", r->tls_version, san(r->cipher, b2, sizeof(b2)),
			r->alpn[0] ? ", ALPN " : "", san(r->alpn, b, sizeof(b)),
			r->ocsp_stapled ? ", OCSP stapled" : ", no OCSP staple");
	if (r->http_status && !ep->plain_http)
		hsts_line(out, st, r->hsts);
	if (r->http_check.done) {
		const struct redirect_check *c = &r->http_check;

		if (c->error != PERR_NONE)
			fprintf(out, "  http->https  %s\n", san(c->error_text, b, sizeof(b)));
		else
			fprintf(out, "  http->https  %ld%s%s\n", c->status, c->location ? " to " : " (no redirect)",
				c->location ? san_url(c->location, b, sizeof(b)) : "");
	}
	for (int i = 0; each && i < r->n_addrs; i++) {
		char t[32];

		fprintf(out, "  address  %-39s %s%-4s%s %s, %s\n", r->addrs[i].ip, state_color(st, each[i].state),
			state_name(each[i].state), col(st, C_RESET), reason_name(each[i].reason),
			ms(r->addrs[i].t.us[PHASE_TOTAL], t, sizeof(t)));
	}
	verify_line(out, st, r);
	if (r->revocation.checked) {
		revocation_line(&r->revocation, now_s, b2, sizeof(b2));
		fprintf(out, "  revoked? %s%s%s\n",
			col(st, r->revocation.status == REVOKE_REVOKED ? C_RED
			    : r->revocation.status == REVOKE_GOOD ? C_GREEN : C_YELLOW),
			san(b2, b, sizeof(b)), col(st, C_RESET));
	}
	chain_block(out, st, r, now_s);
	if (r->error != PERR_NONE)
		fprintf(out, "  error    %s\n", san(r->error_text, b, sizeof(b)));
	fputc('\n', out);
}

void report_table_header(FILE *out, const struct report_style *st)
{
	fprintf(out, "%s%-4s  %-20s %-22s %4s %9s %9s %5s %-7s  %s%s\n", col(st, C_BOLD), "STATE", "NAME",
		"REASON", "HTTP", "TOTAL", "TLS", "CERT", "PROTO", "MESSAGE", col(st, C_RESET));
}

void report_table_row(FILE *out, const struct report_style *st, const struct endpoint *ep,
		      const struct probe_result *r, const struct verdict *v, int64_t now_s)
{
	char name[256], msg[1024], tot[32], tls[32], days[16] = "-", status[8] = "-";
	int64_t exp = probe_result_earliest_expiry(r, NULL);
	int used;

	san(ep->name, name, sizeof(name));
	san(v->message, msg, sizeof(msg));
	if (exp) {
		int64_t d = exp - now_s;

		snprintf(days, sizeof(days), "%dd", (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400)));
	}
	if (r->http_status)
		snprintf(status, sizeof(status), "%ld", r->http_status);
	used = fprintf(out, "%s%-5s%s %-20.20s %-22s %4s %9s %9s %5s %-7s  ", state_color(st, v->state),
		       state_name(v->state), col(st, C_RESET), name, reason_name(v->reason), status,
		       ms(r->t.us[PHASE_TOTAL], tot, sizeof(tot)), ms(probe_result_handshake_us(r), tls, sizeof(tls)), days,
		       r->tls_version[0] ? r->tls_version : "-");
	if (st->color)
		used -= (int)(strlen(state_color(st, v->state)) + strlen(C_RESET));
	/* on a terminal keep one row per endpoint; a pipe gets the whole message */
	if (st->width > used + 4 && (int)strlen(msg) > st->width - used)
		fprintf(out, "%.*s...\n", st->width - used - 3, msg);
	else
		fprintf(out, "%s\n", msg);
}

/* ---- JSON --------------------------------------------------------------- */

static void json_key(struct strbuf *b, const char *key)
{
	if (b->len && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[')
		strbuf_puts(b, ",");
	strbuf_json_str(b, key);
	strbuf_puts(b, ":");
}

static void json_str(struct strbuf *b, const char *key, const char *val)
{
	json_key(b, key);
	if (val)
		strbuf_json_str(b, val);
	else
		strbuf_puts(b, "null");
}

/* Scripts get what people get: a URL with its query values and password redacted. */
static void json_url(struct strbuf *b, const char *key, const char *url)
{
	char red[2048];

	json_str(b, key, url ? util_url_redact(url, red, sizeof(red)) : NULL);
}

static void json_int(struct strbuf *b, const char *key, long long v)
{
	json_key(b, key);
	strbuf_printf(b, "%lld", v);
}

static void json_bool(struct strbuf *b, const char *key, bool v)
{
	json_key(b, key);
	strbuf_puts(b, v ? "true" : "false");
}

static void json_ms(struct strbuf *b, const char *key, int64_t us)
{
	json_key(b, key);
	if (us < 0)
		strbuf_puts(b, "null");
	else
		strbuf_printf(b, "%.3f", (double)us / 1000.0);
}

static void json_time(struct strbuf *b, const char *key, int64_t unix_s)
{
	char t[40];

	json_str(b, key, unix_s ? util_fmt_time_utc(t, sizeof(t), unix_s) : NULL);
}

static void json_sans(struct strbuf *b, const char *sans)
{
	const char *p = sans;

	json_key(b, "sans");
	strbuf_puts(b, "[");
	while (p && *p) {
		const char *end = strstr(p, ", ");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *one = xstrndup(p, n);

		if (p != sans)
			strbuf_puts(b, ",");
		strbuf_json_str(b, one);
		free(one);
		p = end ? end + 2 : NULL;
	}
	strbuf_puts(b, "]");
}

void report_json_cert(struct strbuf *b, const struct cert_info *c, int64_t now_s)
{
	char why[64];

	strbuf_puts(b, "{");
	json_str(b, "subject", c->subject);
	json_str(b, "issuer", c->issuer);
	json_sans(b, c->sans);
	json_str(b, "serial", c->serial);
	json_time(b, "not_before", c->not_before);
	json_time(b, "not_after", c->not_after);
	json_int(b, "days_left", cert_days_left(c, now_s));
	json_str(b, "sha256", c->sha256);
	json_key(b, "key");
	strbuf_printf(b, "\"%s %d%s%s\"", c->key_type, c->key_bits, c->key_curve[0] ? " " : "", c->key_curve);
	json_str(b, "sig_alg", c->sig_alg);
	json_bool(b, "self_issued", c->self_issued);
	json_bool(b, "is_ca", c->is_ca);
	json_str(b, "aia_ca_issuers", c->aia_ca_issuers);
	json_int(b, "lifetime_days", cert_lifetime_days(c));
	json_key(b, "sct_count");
	if (c->sct_count < 0)
		strbuf_puts(b, "null");
	else
		strbuf_printf(b, "%d", c->sct_count);
	json_key(b, "flags");
	strbuf_printf(b, "[%s%s%s]", cert_lifetime_long(c) ? "\"long_lifetime\"" : "",
		      cert_lifetime_long(c) && cert_sct_few(c) ? "," : "", cert_sct_few(c) ? "\"few_scts\"" : "");
	json_str(b, "crl_url", c->crl_url);
	json_str(b, "ocsp_url", c->ocsp_url);
	json_key(b, "weak");
	if (cert_is_weak(c, why, sizeof(why)))
		strbuf_json_str(b, why);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, "}");
}

void report_json_hsts(struct strbuf *b, const char *header)
{
	struct hsts_info hi;

	hsts_parse(header, &hi);
	if (!hi.present) {
		strbuf_puts(b, "null");
		return;
	}
	strbuf_puts(b, "{");
	json_str(b, "header", header);
	json_bool(b, "valid", hi.valid);
	json_key(b, "max_age");
	if (hi.valid)
		strbuf_printf(b, "%lld", (long long)hi.max_age_s);
	else
		strbuf_puts(b, "null");
	/* directives of a header browsers ignore count for nothing */
	json_bool(b, "include_subdomains", hi.valid && hi.include_subdomains);
	json_bool(b, "preload", hi.valid && hi.preload);
	json_str(b, "problem", hi.valid ? NULL : hi.problem);
	strbuf_puts(b, "}");
}

void report_json_revocation(struct strbuf *b, const struct revocation *rv)
{
	if (!rv->checked) {
		strbuf_puts(b, "null");
		return;
	}
	strbuf_puts(b, "{");
	json_str(b, "status", revoke_status_name(rv->status));
	json_str(b, "method", rv->method ? revoke_method_name(rv->method) : NULL);
	json_time(b, "revoked_at", rv->status == REVOKE_REVOKED ? rv->revoked_at : 0);
	json_str(b, "reason", rv->status == REVOKE_REVOKED ? rv->reason : NULL);
	json_str(b, "detail", rv->pending ? "lookup in progress" : rv->detail[0] ? rv->detail : NULL);
	json_str(b, "source", rv->source[0] ? rv->source : NULL);
	json_time(b, "checked_at", rv->checked_at);
	json_time(b, "next_update", rv->next_update);
	json_bool(b, "pending", rv->pending);
	json_int(b, "certs", rv->certs);
	strbuf_puts(b, "}");
}

void report_json(struct strbuf *b, const struct endpoint *ep, const struct probe_result *r,
		 const struct verdict *v, const struct verdict *each, int64_t now_s)
{
	int at = -1;
	int64_t exp = probe_result_earliest_expiry(r, &at);
	bool first = true;

	strbuf_puts(b, "{");
	json_str(b, "name", ep->name);
	json_url(b, "url", ep->url);
	json_time(b, "time", r->started_ms / 1000);
	json_str(b, "verdict", state_name(v->state));
	json_str(b, "reason", reason_name(v->reason));
	json_key(b, "reasons");
	strbuf_puts(b, "[");
	for (int i = 0; i < REASON_COUNT; i++) {
		if (v->reasons & (REASON_BIT(i))) {
			strbuf_puts(b, first ? "" : ",");
			strbuf_json_str(b, reason_name((enum reason)i));
			first = false;
		}
	}
	strbuf_puts(b, "]");
	json_str(b, "message", v->message);
	if (r->http_status)
		json_int(b, "http_status", r->http_status);
	else
		json_str(b, "http_status", NULL);
	json_str(b, "http_version", r->http_version[0] ? r->http_version : NULL);
	json_str(b, "ip", r->ip[0] ? r->ip : NULL);
	json_int(b, "port", r->port);
	json_str(b, "tls_version", r->tls_version[0] ? r->tls_version : NULL);
	json_str(b, "cipher", r->cipher[0] ? r->cipher : NULL);
	json_str(b, "alpn", r->alpn[0] ? r->alpn : NULL);
	json_bool(b, "ocsp_stapled", r->ocsp_stapled);
	json_int(b, "redirects", r->redirects);
	json_url(b, "final_url", r->final_url);
	json_key(b, "hsts");
	report_json_hsts(b, r->hsts);

	json_key(b, "timings");
	strbuf_puts(b, "{");
	for (int p = PHASE_FIRST; p < PHASE_END; p++) {
		char key[24];

		snprintf(key, sizeof(key), "%s_ms", probe_phase_names(p)->key);
		json_ms(b, key, r->t.us[p]);
	}
	strbuf_puts(b, "}");
	json_str(b, "failed_phase", r->failed_phase ? probe_phase_name(r->failed_phase) : NULL);
	json_str(b, "error", r->error ? probe_error_name(r->error) : NULL);
	json_str(b, "error_text", r->error ? r->error_text : NULL);

	json_key(b, "cert");
	if (r->chain_len)
		report_json_cert(b, &r->chain[0], now_s);
	else
		strbuf_puts(b, "null");
	json_key(b, "chain");
	strbuf_puts(b, "[");
	for (int i = 0; i < r->chain_len; i++) {
		if (i)
			strbuf_puts(b, ",");
		report_json_cert(b, &r->chain[i], now_s);
	}
	strbuf_puts(b, "]");
	json_int(b, "chain_sent", r->chain_sent);
	json_key(b, "revocation");
	report_json_revocation(b, &r->revocation);
	json_time(b, "earliest_expiry", exp);
	if (exp)
		json_int(b, "days_left", cert_days_left(&r->chain[at], now_s));
	else
		json_str(b, "days_left", NULL);
	json_str(b, "verify_error", r->verify.code ? r->verify.error : NULL);
	json_key(b, "verify");
	strbuf_puts(b, "{");
	json_bool(b, "checked", r->verify.checked);
	json_int(b, "code", r->verify.code);
	json_int(b, "depth", r->verify.depth);
	json_str(b, "hostname", r->verify.hostname[0] ? r->verify.hostname : NULL);
	json_key(b, "hostname_ok");
	strbuf_puts(b, r->verify.hostname_ok < 0 ? "null" : r->verify.hostname_ok ? "true" : "false");
	json_bool(b, "chain_incomplete", r->verify.flags & VERIFY_CHAIN_INCOMPLETE);
	json_str(b, "aia", r->verify.aia_note[0] ? r->verify.aia_note : NULL);
	strbuf_puts(b, "}");
	json_key(b, "http_check");
	if (r->http_check.done) {
		strbuf_puts(b, "{");
		json_int(b, "status", r->http_check.status);
		json_url(b, "location", r->http_check.location);
		json_bool(b, "to_https", r->http_check.to_https);
		json_str(b, "error", r->http_check.error ? r->http_check.error_text : NULL);
		strbuf_puts(b, "}");
	} else {
		strbuf_puts(b, "null");
	}
	if (r->n_addrs && each) {
		json_key(b, "addresses");
		strbuf_puts(b, "[");
		for (int i = 0; i < r->n_addrs; i++) {
			strbuf_puts(b, i ? ",{" : "{");
			json_str(b, "ip", r->addrs[i].ip);
			json_str(b, "verdict", state_name(each[i].state));
			json_str(b, "reason", reason_name(each[i].reason));
			json_str(b, "message", each[i].message);
			json_ms(b, "tls_ms", r->addrs[i].t.us[PHASE_TLS]);
			json_ms(b, "total_ms", r->addrs[i].t.us[PHASE_TOTAL]);
			strbuf_puts(b, "}");
		}
		strbuf_puts(b, "]");
	}
	json_int(b, "body_bytes", (long long)r->body_len);
	json_bool(b, "body_truncated", r->body_truncated);
	strbuf_puts(b, "}");
}
