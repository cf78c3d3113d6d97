/*
 * result: the vocabulary of one probe, as plain values: struct
 * probe_result (phase timings, the transport error and the phase it hit,
 * TLS and HTTP facts, the certificate chain as sent), the names of errors
 * and phases, and the value's init/copy/done. No libcurl, no OpenSSL: the
 * probe engine (probe.h) fills these in; verdict, store, report, history
 * and the UI read them through this header alone.
 */
#ifndef HTTPSMON_RESULT_H
#define HTTPSMON_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/cert.h"
#include "httpsmon/revoke.h"

#define PROBE_MAX_CHAIN 10

/* What went wrong at the transport level, as a fact (not a verdict). */
enum probe_error {
	PERR_NONE = 0,
	PERR_DNS,             /* name did not resolve */
	PERR_REFUSED,         /* TCP RST: nothing listens, or a firewall rejects */
	PERR_CONNECT_TIMEOUT, /* TCP never connected (SYN dropped) */
	PERR_CONNECT,         /* other connect failure (unreachable, ...) */
	PERR_TIMEOUT,         /* connected, then ran out of time; see failed_phase */
	PERR_TLS,             /* TLS handshake failed; see tls_error */
	PERR_TLS_VERSION,     /* handshake failed on protocol version */
	PERR_CERT_REJECTED,   /* handshake done, request not sent: certificate failed verification */
	PERR_TOO_MANY_REDIRECTS,
	PERR_RECV,            /* connection closed or reset mid-response */
	PERR_PROXY,           /* the proxy failed; error_text says how */
	PERR_LOCAL,           /* local problem: bad client cert/key file, out of memory or descriptors */
	PERR_OTHER,
	PERR_INSECURE_REDIRECT, /* https:// redirected to http://; error_text holds the target */
	PERR_HTTP_PROTOCOL,   /* the server broke HTTP; error_text says how */
};

/*
 * The phases of one request, in order, and the one set of names for them.
 * failed_phase holds PHASE_NONE when the probe did not die in a phase.
 * Timing arrays (struct probe_timings, the store's rows and percentiles)
 * are indexed by this enum: PHASE_DNS..PHASE_TRANSFER, then PHASE_TOTAL
 * for the whole probe; their PHASE_NONE slot is unused (-1).
 */
enum probe_phase {
	PHASE_NONE = 0,
	PHASE_DNS,
	PHASE_CONNECT,
	PHASE_TLS,
	PHASE_SERVER,   /* request sent, waiting for the first byte */
	PHASE_TRANSFER, /* reading the response */
	PHASE_TOTAL,    /* not a phase: the whole probe, as a slot of timing arrays */
	PHASE_END
};
#define PHASE_FIRST PHASE_DNS  /* first slot of a timing array in use */
#define PHASE_LAST PHASE_TRANSFER /* last real phase; PHASE_TOTAL follows */

/* Every name a phase goes by, one row per phase (result.c's table). */
struct phase_names {
	const char *name;   /* in messages and the waterfall: "DNS", "connect", "TLS", "server", "transfer" */
	const char *key;    /* JSON keys ("<key>_ms"): "dns", "connect", "tls", "ttfb", "transfer", "total" */
	const char *label;  /* the check report's waterfall: "DNS lookup", "TCP connect", ... */
	const char *tag;    /* the history chart's rows: "dns", "conn", "tls", "server", "xfer" */
	const char *head;   /* column headings: "DNS", "CONNECT", "TLS", "SERVER", "XFER", "TOTAL" */
};

/*
 * Phase durations in microseconds, indexed by enum probe_phase, not
 * cumulative; -1 when the phase was never reached. The phase a failed probe
 * died in holds the time spent in it until the failure. With redirects
 * followed, each phase is the sum over every hop. us[PHASE_TOTAL] is the
 * whole probe; us[PHASE_NONE] is unused (-1).
 */
struct probe_timings {
	int64_t us[PHASE_END];
};

/* Bits of tls_verify.flags: every problem OpenSSL reported in the chain. */
#define VERIFY_EXPIRED           (1u << 0)
#define VERIFY_NOT_YET_VALID     (1u << 1)
#define VERIFY_SELF_SIGNED       (1u << 2)  /* leaf is self-signed */
#define VERIFY_UNTRUSTED_ROOT    (1u << 3)  /* chain ends in a root not in the trust store */
#define VERIFY_UNKNOWN_ISSUER    (1u << 4)  /* an issuer could not be found */
#define VERIFY_CHAIN_INCOMPLETE  (1u << 5)  /* server sent its leaf without the intermediate(s) */
#define VERIFY_AIA_COMPLETES     (1u << 6)  /* the leaf's AIA caIssuers cert completes the chain */
#define VERIFY_OTHER             (1u << 7)  /* anything else (bad signature, revoked, purpose...) */

struct tls_verify {
	bool checked;        /* a certificate chain was received and verified */
	int code;            /* first X509_V_ERR_* seen, 0 when the chain verified */
	int depth;           /* chain depth of that first error */
	char error[160];     /* OpenSSL's text for code, or "" */
	unsigned flags;      /* VERIFY_* bits */
	int hostname_ok;     /* 1 match, 0 mismatch, -1 not checked */
	char hostname[256];  /* the name checked against the leaf */
	char aia_note[200];  /* outcome of following the leaf's AIA caIssuers, or "" */
};

/* The plain-HTTP redirect check (url = http://..., or check_http_redirect). */
struct redirect_check {
	bool done;
	enum probe_error error;
	char error_text[256];
	long status;         /* 0 when no response */
	char *location;      /* Location header, raw, or NULL */
	bool to_https;       /* Location is an https:// URL on the same host */
};

struct probe_result {
	int64_t started_ms;         /* wall clock when the transfer began */
	struct probe_timings t;

	enum probe_error error;     /* PERR_NONE when a response was received */
	enum probe_phase failed_phase; /* phase the probe died in, PHASE_NONE if it didn't */
	int curl_code;              /* for the curious; 0 when fine */
	char error_text[256];       /* curl's and OpenSSL's words, raw */

	char ip[64];                /* remote address used, "" if none */
	int port;
	char http_version[12];      /* "HTTP/1.1", "HTTP/2", "" */
	char alpn[16];              /* ALPN protocol selected, "" if none */
	long http_status;           /* final response status, 0 if none */
	int redirects;              /* redirects followed */
	char *final_url;            /* after redirects, or NULL */
	char *location;             /* Location header of the final response, or NULL */
	char *hsts;                 /* Strict-Transport-Security of the final response, or NULL */

	char tls_version[16];       /* "TLSv1.3", "" when no handshake */
	int tls_version_num;        /* 10, 11, 12, 13; 0 when unknown */
	char cipher[64];
	bool ocsp_stapled;
	struct tls_verify verify;
	struct cert_info chain[PROBE_MAX_CHAIN]; /* as the server sent it, leaf first */
	int chain_len;
	int chain_sent;             /* certificates the server sent (may exceed chain_len) */
	struct revocation revocation; /* of the chain, from the revocation cache (revoke.h) */

	char *body;                 /* first max_body bytes, NUL-terminated; NULL if none */
	size_t body_len;
	bool body_truncated;        /* the server sent more than max_body */

	struct redirect_check http_check;

	/*
	 * all_addresses: one result per resolved address (owned), in resolver
	 * order; the fields above are a copy of the first. NULL/0 otherwise.
	 */
	struct probe_result *addrs;
	int n_addrs;
};

/* Every phase "never reached" (-1). */
void probe_timings_init(struct probe_timings *t);

/* src/result.c; the core library links them. */
void probe_result_init(struct probe_result *r);
void probe_result_done(struct probe_result *r);
void probe_result_copy(struct probe_result *dst, const struct probe_result *src);

/* The earliest not_after in the served chain, or 0 when there is no chain. */
int64_t probe_result_earliest_expiry(const struct probe_result *r, int *index);

/*
 * The TLS handshake time a one-figure column shows (the list's TLS HS, the
 * check summary line), in microseconds: -1 ("-") unless the handshake
 * completed, i.e. a TLS version was negotiated. A handshake that failed
 * has a time too (how long failing took, often near 0 for an alert): that
 * belongs in the phase waterfall next to its failure mark, not in a column
 * read as "the handshake took".
 */
int64_t probe_result_handshake_us(const struct probe_result *r);

/* Names for output: "dns", "refused", ... ("?" out of range). */
const char *probe_error_name(enum probe_error e);

/* The names of phase p (PHASE_NONE..PHASE_TOTAL); a row of "?" out of range. Static. */
const struct phase_names *probe_phase_names(enum probe_phase p);

/* probe_phase_names(p)->name: "DNS", "connect", "TLS", "server", "transfer" ("none", "total"). */
const char *probe_phase_name(enum probe_phase p);

#endif
