/*
 * report: what `httpsmon check` prints. A detailed block per probe (phase
 * waterfall, verdict, TLS facts, certificate chain), a one-row-per-endpoint
 * table, and one JSON object per probe. Every piece of text that came from
 * the network or a certificate passes through util_sanitize (text) or JSON
 * escaping (json) before it is written.
 */
#ifndef HTTPSMON_REPORT_H
#define HTTPSMON_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "httpsmon/config.h"
#include "httpsmon/result.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"

struct report_style {
	bool color;  /* ANSI colours (a tty, NO_COLOR unset) */
	bool utf8;   /* block characters for bars; '#' otherwise */
	int width;   /* terminal columns, 0 when not a terminal (no clipping) */
};

/* Fills st from the environment and whether out is a terminal. */
void report_style_detect(struct report_style *st, FILE *out);

/*
 * The httpstat-like block for one probe. now_s: Unix seconds. each: the
 * r->n_addrs verdicts verdict_judge_each gave with v (NULL when r->n_addrs
 * is 0); the report shows them, it never judges again.
 */
void report_detail(FILE *out, const struct report_style *st, const struct endpoint *ep,
		   const struct probe_result *r, const struct verdict *v, const struct verdict *each,
		   int64_t now_s);

/* The table: a header line, then one row per endpoint. */
void report_table_header(FILE *out, const struct report_style *st);
void report_table_row(FILE *out, const struct report_style *st, const struct endpoint *ep,
		      const struct probe_result *r, const struct verdict *v, int64_t now_s);

/*
 * Appends the JSON value of a Strict-Transport-Security header (NULL: none
 * received): null, or {header, valid, max_age, include_subdomains,
 * preload, problem} as hsts_parse reads it. check --json's and scan's
 * "hsts".
 */
void report_json_hsts(struct strbuf *b, const char *header);

/* Appends one certificate as check --json's "cert" and "chain" give it (the API's stored certificates too). */
void report_json_cert(struct strbuf *b, const struct cert_info *c, int64_t now_s);

/* Appends one JSON object (no newline) with every fact of the probe; each as for report_detail. */
void report_json(struct strbuf *b, const struct endpoint *ep, const struct probe_result *r,
		 const struct verdict *v, const struct verdict *each, int64_t now_s);

/*
 * Appends the revocation object of check --json (and scan --json): null
 * when not checked, else {"status": "good|revoked|unknown", "method":
 * "crl|ocsp"|null, "revoked_at", "reason", "detail", "source", "checked_at",
 * "next_update", "pending", "certs"} (times ISO-8601 UTC or null).
 */
void report_json_revocation(struct strbuf *b, const struct revocation *rv);

#endif
