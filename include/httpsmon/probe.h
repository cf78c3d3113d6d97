/*
 * probe: the probe engine. It owns the libcurl multi handle and turns one
 * endpoint's settings into one `struct probe_result`: phase timings, TLS
 * facts, the certificate chain the server sent, HTTP facts and, when the
 * probe failed, what failed and where. It records facts and never decides
 * UP or DOWN (that is verdict.c's job).
 *
 * Every probe is a fresh DNS lookup, TCP connect and full TLS handshake: no
 * connection reuse, no TLS session resumption, no DNS cache between probes.
 * At most max_inflight probes run at once; the others wait in a queue and
 * their waiting is not counted in any phase, because a probe's clock starts
 * when its transfer is handed to curl.
 *
 * One thread: the prober attaches to the event loop (prober_attach), whose
 * every pass then waits in prober_wait() (curl_multi_poll) and ends with
 * prober_perform(); a caller without a loop calls the two itself. Finished
 * probes are delivered through the done callback from inside
 * prober_perform().
 */
#ifndef HTTPSMON_PROBE_H
#define HTTPSMON_PROBE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/cert.h"
#include "httpsmon/config.h"
#include "httpsmon/loop.h"

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

/* The phases of one request, in order. */
enum probe_phase {
	PHASE_NONE = 0,
	PHASE_DNS,
	PHASE_CONNECT,
	PHASE_TLS,
	PHASE_SERVER,   /* request sent, waiting for the first byte */
	PHASE_TRANSFER, /* reading the response */
};

/*
 * Phase durations in microseconds, not cumulative; -1 when the phase was
 * never reached. The phase a failed probe died in holds the time spent in
 * it until the failure. With redirects followed, each phase is the sum over
 * every hop. total_us is the whole probe.
 */
struct probe_timings {
	int64_t dns_us;
	int64_t connect_us;
	int64_t tls_us;
	int64_t server_us;   /* time to first byte after the request was sent */
	int64_t transfer_us;
	int64_t total_us;
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

/* The values of a probe: src/result.c, no libcurl (the core library links them). */
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

/* Names for output: "dns", "refused", ... and "DNS", "connect", "TLS", ... */
const char *probe_error_name(enum probe_error e);
const char *probe_phase_name(enum probe_phase p);

/*
 * Called once per finished probe from inside prober_perform(). ep and r are
 * borrowed for the call; copy what you keep.
 */
typedef void (*probe_done_cb)(void *ud, const struct endpoint *ep, uint64_t tag,
			      const struct probe_result *r);

struct prober;

/*
 * Creates a probe engine running at most max_inflight probes at once.
 * Returns NULL with a message in err if libcurl or OpenSSL cannot be set up.
 */
struct prober *prober_new(int max_inflight, probe_done_cb cb, void *ud, char *err, size_t errlen);

/* Abandons every queued and running probe without calling back. NULL is fine. */
void prober_free(struct prober *p);

/*
 * Queues a probe of cfg->eps[idx]. The prober takes a reference on cfg and
 * drops it when the probe is delivered or abandoned. tag is handed back to
 * the callback unchanged (callers use it to tell endpoints apart).
 */
void prober_submit(struct prober *p, struct config *cfg, size_t idx, uint64_t tag);

/* Abandons the queued or running probes with this tag, without calling back. */
void prober_cancel(struct prober *p, uint64_t tag);

size_t prober_running(const struct prober *p);
size_t prober_queued(const struct prober *p);

/*
 * Makes l wait on this prober's transfers (curl_multi_poll, with the loop's
 * descriptors as an extra one) and drive them after every pass; replaces
 * the loop's previous wait. NULL detaches. prober_free detaches too.
 */
void prober_attach(struct prober *p, struct loop *l);

/*
 * Waits until a transfer needs attention, one of the extra descriptors (any
 * number) is ready (their revents are filled in: POLLIN, POLLOUT, POLLPRI
 * only, as curl reports them), prober_wakeup() is called or timeout_ms
 * passes. Returns 0, or -1 on a libcurl error.
 */
int prober_wait(struct prober *p, struct pollfd *extra, unsigned nextra, int timeout_ms);

/*
 * Transfers that are not probes (alert deliveries: HTTP, SMTP) on the same
 * multi handle: they never count against max_inflight and never delay a
 * probe. easy is a CURL * the caller set up and keeps owning; cb runs once
 * when it finished (from prober_perform; e is out of the multi by then),
 * with curl's CURLcode as rc, or at prober_free with
 * CURLE_ABORTED_BY_CALLBACK. Returns 0, or -1 when curl refused it.
 */
typedef void (*prober_easy_cb)(void *easy, int rc, void *ud);
int prober_easy_add(struct prober *p, void *easy, prober_easy_cb cb, void *ud);
/* Takes easy back before it finished, without a callback. Unknown: no-op. */
void prober_easy_remove(struct prober *p, void *easy);
/* Non-probe transfers running. */
size_t prober_easy_running(const struct prober *p);

/* Makes a prober_wait() return early; safe from a signal handler. */
void prober_wakeup(struct prober *p);

/* Drives transfers, starts queued probes, delivers finished ones. */
void prober_perform(struct prober *p);

#endif
