/*
 * probe_int: private to src/probe*.c, the probe engine's own files. The
 * per-probe state (struct job), the engine (struct prober, opaque to every
 * other module through include/httpsmon/probe.h, which stays the public
 * contract) and the functions one engine file calls in another. See
 * probe.c's top comment for what each file owns and the invariants.
 */
#ifndef HTTPSMON_PROBE_INT_H
#define HTTPSMON_PROBE_INT_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "httpsmon/httpfault.h"
#include "httpsmon/probe.h"
#include "httpsmon/revoke.h"
#include "httpsmon/util.h"

#define AIA_MAX_BYTES   (64 * 1024)
#define MAX_ADDRS       16 /* all_addresses: addresses probed per endpoint */
#define AIA_MIN_TIME_MS 200

/* A trust store per CA file, shared by every handshake that uses it. */
struct trust {
	char *ca_file;          /* NULL: the system store */
	X509_STORE *store;
	char error[200];        /* why the store could not be loaded, or "" */
	struct trust *next;
};

struct job {
	struct prober *p;
	struct config *cfg;     /* reference held while the job lives */
	const struct endpoint *ep;
	uint64_t tag;
	struct job *next, *prev;

	CURL *main, *plain, *aia;
	int pending;            /* transfers not finished */
	struct curl_slist *headers, *resolve, *plain_resolve;
	char errbuf[CURL_ERROR_SIZE];
	char plain_errbuf[CURL_ERROR_SIZE];
	char aia_errbuf[CURL_ERROR_SIZE];
	int64_t t0_us;          /* monotonic time the main transfer was handed to curl */

	/* TLS facts of the current connection, gathered in OpenSSL callbacks */
	bool tls_started;       /* a TLS connection was set up for this probe */
	STACK_OF(X509) *peer;   /* chain as sent, each certificate up-ref'd */
	int64_t hs_start_us, hs_done_us;
	char alert[64];         /* last TLS alert received, "" if none */
	bool cert_rejected;     /* we refused to send the request */
	const struct trust *trust;

	struct strbuf body;
	struct strbuf aia_body;
	struct probe_result r;

	/* redirects (see the top comment) */
	char *hop_url;          /* the current hop's URL; NULL on the first (the endpoint's) */
	int hops;               /* redirects followed */
	bool hop_get;           /* this hop is a GET without body (after a 303, or a 301/302 to a POST) */
	int64_t hop_t0_us;      /* monotonic time this hop was handed to curl */
	struct probe_timings hop_sum; /* phases of the earlier hops, -1 where none reached */
	enum probe_error hop_error; /* the redirect itself failed the probe, or PERR_NONE */

	struct http_watch hw;   /* the response being read, for naming a server that breaks HTTP */
	int socket_errno;       /* socket() failed for the main transfer: why; 0 if not */

	/*
	 * all_addresses: the parent resolves the name without blocking
	 * (getaddrinfo_a), then runs one child job per address, each pinned
	 * to it with a resolve entry; children are not in the running list
	 * (the parent holds the in-flight slot) and report to the parent.
	 */
	struct gaicb *gai;      /* parent: resolution in progress, or NULL */
	struct addrinfo gai_hints;
	char gai_port[8];
	int64_t resolve_us;     /* parent: time the lookup took */
	struct job **kids;      /* parent: running children, NULL once delivered */
	struct probe_result *kid_results;
	int nkids, kids_pending;
	struct job *parent;     /* child: its parent */
	int index;              /* child: position in the parent's arrays */
	char *addr;             /* child: the address it is pinned to */
};

struct prober {
	CURLM *multi;
	int max_inflight;
	probe_done_cb cb;
	void *ud;
	struct job *queue_head, *queue_tail;
	struct job *running;    /* doubly linked */
	size_t n_running, n_queued;
	struct trust *trusts;
	struct curl_waitfd *wfd;  /* prober_wait's extra descriptors, grown as needed */
	unsigned wfd_cap;
	struct loop *loop;      /* attached to (prober_attach), or NULL */
	struct extra *extras;   /* transfers that are not probes (prober_easy_add) */
	struct revoker *revoker; /* the revocation cache and its fetches (revoke.h) */
};

/* The SSL_CTX ex_data slot holding the job (probe_tls.c; set up by prober_new). */
extern int job_ex_index;

/*
 * probe_tls.c: trust stores, OpenSSL callbacks, checks on the received chain, AIA.
 * trust_get: the prober's store for ca_file (NULL: the system store), loaded
 * once and kept until trusts_free; never NULL (t->error says why a store is
 * missing). ssl_ctx_cb and prereq_cb are curl callbacks (userptr/ud: the job).
 */
struct trust *trust_get(struct prober *p, const char *ca_file);
void trusts_free(struct trust *t);
CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *userptr);
/* True when host is an IPv4 or IPv6 literal. */
bool probe_host_is_ip(const char *host);
/* Checks the leaf against the host the transfer reached; sets j->r.verify. */
void check_hostname(struct job *j, CURL *easy);
int prereq_cb(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
	      int conn_local_port);
/* The AIA transfer finished: would the chain verify with what it fetched? */
void finish_aia(struct job *j, CURL *e, CURLcode rc);
/*
 * Turns the kept chain (j->peer) into j->r.chain and settles chain-level
 * flags; starts the chain's revocation look-ups (revocation = yes).
 */
void finish_chain(struct job *j);
/* j->r.revocation from the revocation cache, as the probe is delivered. */
void settle_revocation(struct job *j);
/* True when the leaf came alone and names an http:// caIssuers to fetch. */
bool want_aia(const struct job *j);
/* Adds the AIA transfer (j->pending counts it) if time is left; else notes why not. */
void start_aia(struct job *j);

/*
 * probe_setup.c: setting up transfers and their body sinks. Each returns a
 * new easy handle owned by the caller (NULL when curl cannot make one);
 * timeout_ms is what is left of the endpoint's timeout.
 */
size_t aia_cb(char *data, size_t size, size_t nmemb, void *ud);
CURL *easy_common(struct job *j, const char *url, char *errbuf, int64_t timeout_ms);
/* The main transfer for the current hop (j->hop_url, or the endpoint's URL). */
CURL *setup_main(struct job *j);
/* The plain-HTTP redirect check, same host on http_port. */
CURL *setup_plain(struct job *j);

/* probe_facts.c: turning a finished transfer into facts (all read curl's counters). */
/* A curl time or size counter; 0 when curl has none. */
int64_t probe_info_us(CURL *e, CURLINFO what);
/* The error class of a finished transfer (rc, errbuf: curl's words). */
enum probe_error probe_classify(struct job *j, CURL *e, CURLcode rc, const char *errbuf);
/* Phase durations of this hop into j->r.t (tls: a TLS transfer). */
void fill_timings(struct job *j, CURL *e, bool tls);
/* The response header's value, malloc'd for the caller, or NULL when absent. */
char *probe_header_value(CURL *e, const char *name);
/* j->r.error_text from errbuf or rc, with the TLS alert received when it adds to it. */
void copy_error_text(struct job *j, const char *errbuf, CURLcode rc);

/* probe_hops.c: redirects hop by hop; finishing the main and plain-HTTP transfers. */
/* True when a next hop was started on a new handle (see the definition). */
bool hop_next(struct job *j, CURL *e, CURLcode rc);
void finish_main(struct job *j, CURL *e, CURLcode rc);
void finish_plain(struct job *j, CURL *e, CURLcode rc);

#endif
