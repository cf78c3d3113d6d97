/*
 * verdict_int: private to src/verdict*.c. The state one judgement carries
 * between its rules (struct judge), note() which every rule calls, the
 * sentence helpers more than one rule file uses, and the rule groups that
 * verdict.c's judge_one() runs. include/httpsmon/verdict.h stays the only
 * public contract; nothing outside the verdict files includes this.
 */
#ifndef HTTPSMON_VERDICT_INT_H
#define HTTPSMON_VERDICT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/verdict.h"

#define DAY_S 86400
#define SENTENCE_MAX sizeof(((struct verdict *)NULL)->message)
/* a URL in a sentence: query values and passwords redacted (util_url_redact) */
#define VERDICT_URL_MAX 320

/* One judgement in progress: what is judged, and what has been said so far. */
struct judge {
	const struct endpoint *ep;
	const struct probe_result *r;
	int64_t now_s;
	struct verdict *v;
	int nchain;                        /* r->chain_len clamped to the array */
	bool expired;                      /* something in the chain has expired */
	const struct posture *posture;     /* the last posture pass to judge too, or NULL */
	char said[REASON_COUNT][SENTENCE_MAX];  /* the sentence of each noted reason */
};

/*
 * Records that reason rs applies, asking for state st, with one sentence
 * (truncated to SENTENCE_MAX). A second note for the same reason keeps the
 * first sentence and raises the severity if st is worse.
 */
void note(struct judge *j, enum reason rs, enum state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* True once reason rs has been noted in this judgement. */
bool noted(const struct judge *j, enum reason rs);

/* s, or "" for NULL. */
const char *verdict_str(const char *s);
/* ": " when s has text to follow it, so "could not resolve x" needs no ": ". */
const char *verdict_sep(const char *s);
/* "s" unless n is 1. */
const char *verdict_plural(int64_t n);
/* Whole days from a to b, rounded down (negative when b is before a). */
int64_t verdict_days_between(int64_t a, int64_t b);
/* A configured limit in ms into buf (n bytes): "10s" when whole seconds; returns buf. */
char *verdict_fmt_limit_ms(char *buf, size_t n, int64_t ms);
/* "host:443", "[::1]:443" into buf (n bytes); host may be NULL; returns buf. */
char *verdict_fmt_hostport(char *buf, size_t n, const char *host, int port);
/* The chain entry expiring first, or -1 without a dated chain. */
int verdict_earliest_expiry(const struct judge *j);

/*
 * How served certificate i is named in a sentence: "certificate 'CN'" (the
 * leaf), "intermediate 'CN'", "root 'CN'"; into buf, returned.
 */
char *verdict_cert_role(char *buf, size_t n, const struct probe_result *r, int i);

/* verdict_tls.c: reaching the server, TLS version, certificate chain. */
void judge_transport(struct judge *j);
void judge_tls_version(struct judge *j);
void judge_cert(struct judge *j);
void judge_cert_rejected(struct judge *j);

/* verdict_revoke.c: the chain's revocation status (cert_revoked, revocation_unknown). */
void judge_revocation(struct judge *j);

/* verdict_posture.c: what the last posture pass found accepted (needs j->posture). */
void judge_posture(struct judge *j);

/* verdict_http.c: the HTTP exchange, once the transfer completed. */
void judge_status(struct judge *j);
void judge_body(struct judge *j);
void judge_plain_http(struct judge *j);
void judge_port80(struct judge *j);
void judge_hsts(struct judge *j);
void judge_latency(struct judge *j);

#endif
