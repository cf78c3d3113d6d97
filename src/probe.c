/*
 * probe: the probe engine (see probe.h). It owns one libcurl multi handle
 * and, per probe, a `struct job` holding up to three transfers: the main
 * request, an optional plain-HTTP redirect check, and an optional fetch of
 * the leaf's AIA caIssuers certificate when the server sent no
 * intermediate.
 *
 * Certificate verification is ours, not curl's: curl is told not to verify
 * (so it never aborts the handshake blindly), our SSL_CTX callback installs
 * a shared trust store and a verify callback that records every problem in
 * the chain and keeps the chain the server sent. A pre-request callback
 * then refuses to send the request if the chain or host name failed, so no
 * header or body ever goes to a server we could not authenticate, while the
 * facts of the handshake are all kept.
 *
 * Redirects are followed here, hop by hop, not by curl: each hop is a new
 * transfer on the main handle's slot. That is how an https:// endpoint
 * refuses a redirect to http:// before anything is sent to it, how the
 * configured headers stay with the configured host and port, and how a
 * Location that cannot be followed is named as the server's fault. Phase
 * timings are summed over the hops.
 *
 * The event loop (loop.c) waits through this engine: prober_attach makes
 * prober_wait() (curl_multi_poll, the loop's descriptors as one extra) its
 * wait and prober_perform() the end of its every pass.
 *
 * Invariants: a job is in exactly one of the queue or the running list;
 * `running` counts jobs, not transfers; a job's curl handles all carry the
 * job in CURLOPT_PRIVATE; a job is delivered once, when its last transfer
 * finishes.
 *
 * The values a probe produces (struct probe_result: init, copy, free, the
 * names of errors and phases) live in result.c, which needs no libcurl.
 */
#include "httpsmon/probe.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "httpsmon/httpfault.h"
#include "httpsmon/redirect.h"
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
};

static int job_ex_index = -1;

/* ---- trust stores ------------------------------------------------------ */

static struct trust *trust_get(struct prober *p, const char *ca_file)
{
	struct trust *t;

	for (t = p->trusts; t; t = t->next)
		if ((!ca_file && !t->ca_file) || (ca_file && t->ca_file && !strcmp(ca_file, t->ca_file)))
			return t;
	t = xcalloc(1, sizeof(*t));
	t->ca_file = xstrdup(ca_file);
	t->store = X509_STORE_new();
	if (!t->store) {
		snprintf(t->error, sizeof(t->error), "cannot create a trust store");
	} else if (ca_file ? !X509_STORE_load_file(t->store, ca_file)
			   : !X509_STORE_set_default_paths(t->store)) {
		unsigned long e = ERR_get_error();

		snprintf(t->error, sizeof(t->error), "cannot load CA certificates from %s: %s",
			 ca_file ? ca_file : "the system store", ERR_reason_error_string(e));
	}
	ERR_clear_error();
	/* the same flags curl sets when it verifies itself */
	if (t->store)
		X509_STORE_set_flags(t->store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
	t->next = p->trusts;
	p->trusts = t;
	return t;
}

static void trusts_free(struct trust *t)
{
	while (t) {
		struct trust *next = t->next;

		X509_STORE_free(t->store);
		free(t->ca_file);
		free(t);
		t = next;
	}
}

/* ---- OpenSSL callbacks -------------------------------------------------- */

static struct job *job_of_ssl(const SSL *ssl)
{
	return ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), job_ex_index) : NULL;
}

/*
 * Facts belong to one connection: curl builds a new SSL_CTX for every
 * connection, so a redirect's new connection starts afresh here.
 */
static void job_reset_tls(struct job *j)
{
	j->tls_started = true;
	sk_X509_pop_free(j->peer, X509_free);
	j->peer = NULL;
	j->hs_start_us = j->hs_done_us = 0;
	j->alert[0] = '\0';
	memset(&j->r.verify, 0, sizeof(j->r.verify));
	j->r.verify.hostname_ok = -1;
	j->r.tls_version[0] = j->r.cipher[0] = j->r.alpn[0] = '\0';
	j->r.tls_version_num = 0;
	j->r.ocsp_stapled = false;
}

static unsigned verify_flag(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return VERIFY_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return VERIFY_NOT_YET_VALID;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return VERIFY_SELF_SIGNED;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		return VERIFY_UNTRUSTED_ROOT;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return VERIFY_UNKNOWN_ISSUER;
	default:
		return VERIFY_OTHER;
	}
}

/*
 * Called by OpenSSL for every certificate of the chain and for every error.
 * Returning 1 lets verification run to the end, so every problem is seen
 * and the handshake completes; the pre-request callback then decides.
 */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct job *j = job_of_ssl(ssl);
	struct tls_verify *v;
	int err;

	if (!j)
		return ok;
	v = &j->r.verify;
	v->checked = true;
	if (!j->peer) {
		STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(x);

		if (sent)
			j->peer = X509_chain_up_ref(sent);
	}
	if (ok)
		return 1;
	err = X509_STORE_CTX_get_error(x);
	if (!v->code) {
		v->code = err;
		v->depth = X509_STORE_CTX_get_error_depth(x);
		snprintf(v->error, sizeof(v->error), "%s", X509_verify_cert_error_string(err));
	}
	v->flags |= verify_flag(err);
	return 1;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct job *j = job_of_ssl(ssl);

	if (!j)
		return;
	if ((where & SSL_CB_HANDSHAKE_START) && !j->hs_start_us)
		j->hs_start_us = util_mono_us();
	if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ))
		snprintf(j->alert, sizeof(j->alert), "%s", SSL_alert_desc_string_long(ret));
	if ((where & SSL_CB_HANDSHAKE_DONE) && !j->hs_done_us) {
		const unsigned char *alpn = NULL;
		unsigned int alpn_len = 0;
		int version = SSL_version(ssl);

		j->hs_done_us = util_mono_us();
		snprintf(j->r.tls_version, sizeof(j->r.tls_version), "%s", SSL_get_version(ssl));
		j->r.tls_version_num = version == TLS1_3_VERSION ? 13 : version == TLS1_2_VERSION ? 12
				     : version == TLS1_1_VERSION ? 11 : version == TLS1_VERSION ? 10 : 0;
		snprintf(j->r.cipher, sizeof(j->r.cipher), "%s", SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
		SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
		if (alpn_len && alpn_len < sizeof(j->r.alpn)) {
			memcpy(j->r.alpn, alpn, alpn_len);
			j->r.alpn[alpn_len] = '\0';
		}
	}
}

static int ocsp_cb(SSL *ssl, void *arg)
{
	struct job *j = arg;
	const unsigned char *resp = NULL;

	j->r.ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &resp) > 0 && resp;
	return 1; /* stapled or not, judging is not OpenSSL's job here */
}

/*
 * curl calls this for every new connection's SSL_CTX, after setting its own
 * options. We open the protocol range to TLS 1.0 at security level 0 so a
 * server stuck on an old protocol or a weak certificate is seen and named,
 * not just "handshake failed"; verdict.c then holds it to min_tls.
 */
static CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *userptr)
{
	SSL_CTX *ctx = sslctx;
	struct job *j = userptr;

	(void)easy;
	job_reset_tls(j);
	SSL_CTX_set_ex_data(ctx, job_ex_index, j);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	if (j->trust->store)
		SSL_CTX_set1_cert_store(ctx, j->trust->store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_info_callback(ctx, info_cb);
	SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp);
	SSL_CTX_set_tlsext_status_cb(ctx, ocsp_cb);
	SSL_CTX_set_tlsext_status_arg(ctx, j);
	return CURLE_OK;
}

/* ---- checks on the received chain -------------------------------------- */

static bool host_is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The host of the URL being requested now (redirects change it). */
static void current_host(CURL *easy, char *out, size_t n)
{
	char *url = NULL;
	CURLU *u = curl_url();
	char *host = NULL;

	out[0] = '\0';
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		size_t len = strlen(host);

		/* IPv6 literals come back in brackets */
		if (len > 2 && host[0] == '[' && host[len - 1] == ']')
			snprintf(out, n, "%.*s", (int)(len - 2), host + 1);
		else
			snprintf(out, n, "%s", host);
	}
	curl_free(host);
	curl_url_cleanup(u);
}

static void check_hostname(struct job *j, CURL *easy)
{
	struct tls_verify *v = &j->r.verify;
	X509 *leaf = j->peer && sk_X509_num(j->peer) > 0 ? sk_X509_value(j->peer, 0) : NULL;

	if (!leaf)
		return;
	current_host(easy, v->hostname, sizeof(v->hostname));
	if (!v->hostname[0])
		return;
	if (host_is_ip(v->hostname))
		v->hostname_ok = X509_check_ip_asc(leaf, v->hostname, 0) == 1;
	else
		v->hostname_ok = X509_check_host(leaf, v->hostname, 0, 0, NULL) == 1;
}

static bool url_is_https(CURL *easy)
{
	char *url = NULL;

	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	return url && !strncasecmp(url, "https://", 8);
}

static bool chain_failed(const struct job *j)
{
	return j->r.verify.code != 0 || j->r.verify.hostname_ok == 0;
}

/*
 * Runs after the connection (and TLS) is up, before the request is sent:
 * the last moment to keep credentials away from a server that failed.
 */
static int prereq_cb(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
		     int conn_local_port)
{
	struct job *j = ud;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	if (!j->tls_started || !url_is_https(j->main))
		return CURL_PREREQFUNC_OK; /* plain HTTP */
	check_hostname(j, j->main);
	if (chain_failed(j)) {
		j->cert_rejected = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* ---- body sinks --------------------------------------------------------- */

static size_t body_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;
	size_t room = (size_t)j->ep->max_body - j->body.len;

	if (n > room) {
		/* stop reading: the rest is not ours to download */
		strbuf_append(&j->body, data, room);
		j->r.body_truncated = true;
		return room == n ? n : CURL_WRITEFUNC_ERROR;
	}
	strbuf_append(&j->body, data, n);
	return n;
}

static size_t aia_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;

	if (j->aia_body.len + n > AIA_MAX_BYTES)
		return CURL_WRITEFUNC_ERROR;
	strbuf_append(&j->aia_body, data, n);
	return n;
}

static size_t discard_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	(void)ud;
	return size * nmemb;
}

/* ---- setting up transfers ---------------------------------------------- */

/*
 * Opens the main transfer's sockets as curl would, close-on-exec, and keeps
 * errno when that fails: curl reports a socket it could not open (out of
 * descriptors) as a failed connect, which would blame the server.
 */
static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job *j = ud;
	int fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		j->socket_errno = errno;
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static CURL *easy_common(struct job *j, const char *url, char *errbuf, int64_t timeout_ms)
{
	const struct endpoint *ep = j->ep;
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* every probe measures a fresh lookup, connect and full handshake */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "httpsmon/" HTTPSMON_VERSION);
	curl_easy_setopt(e, CURLOPT_IPRESOLVE, ep->ip == IPMODE_V4 ? CURL_IPRESOLVE_V4
				   : ep->ip == IPMODE_V6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_WHATEVER);
	if (ep->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, ep->proxy);
	return e;
}

static struct curl_slist *slist_of(const struct strlist *l)
{
	struct curl_slist *s = NULL;

	for (size_t i = 0; i < l->n; i++)
		s = curl_slist_append(s, l->v[i]);
	return s;
}

/* Method, body and headers of the current hop. */
static void setup_request(struct job *j, CURL *e, const char *url)
{
	const struct endpoint *ep = j->ep;
	bool head = !strcmp(ep->method, "HEAD");

	if (head) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!j->hop_get) {
		if (strcmp(ep->method, "GET") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, ep->method);
		if (ep->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(ep->body));
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, ep->body);
			if (!strcmp(ep->method, "GET"))
				curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
		}
	}
	/* configured headers (API keys...) go to the configured host and port only */
	if (ep->headers.n && (ep->redirect_headers || !j->hop_url || redirect_same_origin(ep->url, url))) {
		if (!j->headers)
			j->headers = slist_of(&ep->headers);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	}
}

static CURL *setup_main(struct job *j)
{
	const struct endpoint *ep = j->ep;
	const char *url = j->hop_url ? j->hop_url : ep->url;
	int64_t left_ms = ep->timeout_ms - (util_mono_us() - j->t0_us) / 1000;
	CURL *e = easy_common(j, url, j->errbuf, left_ms > 1 ? left_ms : 1);

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, j);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpfault_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &j->hw);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	/* redirects are ours to follow (hop_next) */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, ep->http_version == 2 ? (long)CURL_HTTP_VERSION_2TLS
										: (long)CURL_HTTP_VERSION_1_1);
	setup_request(j, e, url);
	if (ep->resolve.n && !j->resolve)
		j->resolve = slist_of(&ep->resolve);
	if (j->addr && !j->hop_url) {
		/* last entry wins for the same host:port */
		char *pin = strchr(j->addr, ':') ? xasprintf("%s:%d:[%s]", ep->host, ep->port, j->addr)
						 : xasprintf("%s:%d:%s", ep->host, ep->port, j->addr);

		j->resolve = curl_slist_append(j->resolve, pin);
		free(pin);
	}
	if (j->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, j->resolve);
	if (ep->client_cert) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, ep->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, ep->client_key);
	}
	return e;
}

/*
 * The plain-HTTP redirect check goes to the same host on http_port; the
 * endpoint's resolve entries are carried over to that port so the check
 * reaches the same backend as the main probe.
 */
static CURL *setup_plain(struct job *j)
{
	const struct endpoint *ep = j->ep;
	char *url;
	CURL *e;

	url = strchr(ep->host, ':') ? xasprintf("http://[%s]:%d/", ep->host, ep->http_port)
				     : xasprintf("http://%s:%d/", ep->host, ep->http_port);
	e = easy_common(j, url, j->plain_errbuf, ep->timeout_ms);
	free(url);
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	for (size_t i = 0; i < ep->resolve.n; i++) {
		const char *r = ep->resolve.v[i];
		const char *c1 = strchr(r[0] == '[' ? strchr(r, ']') ? strchr(r, ']') : r : r, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c1 && c2) {
			char *entry = xasprintf("%.*s:%d%s", (int)(c1 - r), r, ep->http_port, c2);

			j->plain_resolve = curl_slist_append(j->plain_resolve, entry);
			free(entry);
		}
	}
	if (j->plain_resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, j->plain_resolve);
	return e;
}

/* ---- turning a finished transfer into facts ----------------------------- */

static int64_t info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;

	return curl_easy_getinfo(e, what, &v) == CURLE_OK ? (int64_t)v : 0;
}

static bool text_has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

static enum probe_error classify(struct job *j, CURL *e, CURLcode rc, const char *errbuf)
{
	long oserr = 0;

	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
	if (e == j->main && rc != CURLE_OK) {
		if (j->socket_errno) {
			snprintf(j->r.error_text, sizeof(j->r.error_text), "cannot open a socket: %s",
				 strerror(j->socket_errno));
			return PERR_LOCAL;
		}
		if (httpfault_server(&j->hw, e, rc, errbuf))
			return PERR_HTTP_PROTOCOL;
		if (httpfault_proxy(j->ep->proxy, e, rc, oserr, j->tls_started, errbuf, j->r.error_text,
				    sizeof(j->r.error_text)))
			return PERR_PROXY;
	}
	switch (rc) {
	case CURLE_OK:
		return PERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
		return PERR_DNS;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY:
		return PERR_PROXY;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			return PERR_REFUSED;
		if (oserr == ETIMEDOUT)
			return PERR_CONNECT_TIMEOUT;
		return PERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return PERR_TIMEOUT; /* refined by the phase reached */
	case CURLE_SSL_CONNECT_ERROR:
		if (text_has(j->alert, "protocol version") || text_has(errbuf, "unsupported protocol") ||
		    text_has(errbuf, "no protocols available") || text_has(errbuf, "protocol version") ||
		    text_has(errbuf, "version too low"))
			return PERR_TLS_VERSION;
		return PERR_TLS;
	case CURLE_TOO_MANY_REDIRECTS:
		return PERR_TOO_MANY_REDIRECTS;
	case CURLE_ABORTED_BY_CALLBACK:
		return j->cert_rejected ? PERR_CERT_REJECTED : PERR_OTHER;
	case CURLE_WRITE_ERROR:
		return j->r.body_truncated ? PERR_NONE : PERR_LOCAL;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* TLS 1.3 servers refuse a missing client certificate after the handshake */
		if (text_has(errbuf, "alert") && (text_has(errbuf, "certificate") || text_has(errbuf, "handshake")))
			return PERR_TLS;
		return PERR_RECV;
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return PERR_RECV;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
		return PERR_LOCAL;
	default:
		return PERR_OTHER;
	}
}

/*
 * Phase durations from curl's cumulative marks. curl reports the connect
 * mark only once TLS is also up, so when a handshake fails or stalls the
 * TCP-connected moment comes from our own handshake-start mark instead.
 */
static void fill_timings(struct job *j, CURL *e, bool tls)
{
	struct probe_result *r = &j->r;
	struct probe_timings *t = &r->t;
	int64_t nl = info_us(e, CURLINFO_NAMELOOKUP_TIME_T);
	int64_t conn = info_us(e, CURLINFO_CONNECT_TIME_T);
	int64_t app = info_us(e, CURLINFO_APPCONNECT_TIME_T);
	int64_t pre = info_us(e, CURLINFO_PRETRANSFER_TIME_T);
	int64_t st = info_us(e, CURLINFO_STARTTRANSFER_TIME_T);
	int64_t tot = info_us(e, CURLINFO_TOTAL_TIME_T);
	bool failed = r->error != PERR_NONE;

	t->total_us = tot;
	if (!nl) {
		r->failed_phase = failed ? PHASE_DNS : PHASE_NONE;
		t->dns_us = tot;
		return;
	}
	t->dns_us = nl;
	if (!conn && tls && j->hs_start_us) {
		/* TCP connected, the handshake began and never finished */
		conn = j->hs_start_us - j->hop_t0_us;
		if (conn < nl)
			conn = nl;
		if (conn > tot)
			conn = tot;
	}
	if (!conn) {
		t->connect_us = tot - nl;
		r->failed_phase = PHASE_CONNECT;
		return;
	}
	t->connect_us = conn - nl;
	if (tls) {
		if (!app) {
			t->tls_us = tot - conn;
			r->failed_phase = PHASE_TLS;
			return;
		}
		t->tls_us = app - conn;
	}
	if (!st) {
		if (r->error == PERR_CERT_REJECTED)
			return; /* stopped on purpose before the request */
		if (pre)
			t->server_us = tot - pre;
		r->failed_phase = failed ? PHASE_SERVER : PHASE_NONE;
		return;
	}
	t->server_us = st - (pre ? pre : (app ? app : conn));
	t->transfer_us = tot - st;
	if (failed && j->hop_error == PERR_NONE)
		r->failed_phase = PHASE_TRANSFER;
}

static char *header_value(CURL *e, const char *name)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value)
		return xstrdup(h->value);
	return NULL;
}

static void copy_error_text(struct job *j, const char *errbuf, CURLcode rc)
{
	const char *text = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (j->alert[0] && !text_has(text, j->alert))
		snprintf(j->r.error_text, sizeof(j->r.error_text), "%s (server alert: %s)", text, j->alert);
	else
		snprintf(j->r.error_text, sizeof(j->r.error_text), "%s", text);
}

/* Adds v to a phase sum where -1 means "never reached". */
static void phase_add(int64_t *sum, int64_t v)
{
	if (v >= 0)
		*sum = *sum >= 0 ? *sum + v : v;
}

/* Adds the current hop's phases to the sum over the hops. */
static void hop_sum_add(struct job *j)
{
	const struct probe_timings *t = &j->r.t;
	struct probe_timings *h = &j->hop_sum;

	phase_add(&h->dns_us, t->dns_us);
	phase_add(&h->connect_us, t->connect_us);
	phase_add(&h->tls_us, t->tls_us);
	phase_add(&h->server_us, t->server_us);
	phase_add(&h->transfer_us, t->transfer_us);
	phase_add(&h->total_us, t->total_us);
}

/* The probe ends on this hop's redirect: says why, for finish_main. */
static void hop_fail(struct job *j, enum probe_error e, const char *text)
{
	j->hop_error = e;
	snprintf(j->r.error_text, sizeof(j->r.error_text), "%s", text);
}

/*
 * The main transfer ended: when its response is a redirect to follow,
 * starts the next hop on a new handle and returns true. Returns false when
 * the probe ends with this response, with hop_error set when the redirect
 * itself is the failure (not followable, or one too many).
 */
static bool hop_next(struct job *j, CURL *e, CURLcode rc)
{
	const struct endpoint *ep = j->ep;
	char why[200], red[256], *loc, *url = NULL, *target = NULL;
	enum redirect_target to;
	long status = 0;
	bool was_get = j->hop_get;
	CURL *next;

	if (!ep->follow_redirects || ep->plain_http || j->hw.fault[0] ||
	    (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && j->r.body_truncated)))
		return false;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (!redirect_status(status) || !(loc = header_value(e, "Location")))
		return false; /* judged as it is, a 3xx without Location included */
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
	to = redirect_resolve(url ? url : ep->url, loc, &target, why, sizeof(why));
	free(loc);
	if (to == REDIRECT_INVALID || to == REDIRECT_TOO_LONG) {
		hop_fail(j, PERR_HTTP_PROTOCOL, why);
	} else if (to == REDIRECT_INSECURE) {
		/* the target goes into messages: its query values redacted, as every URL shown */
		hop_fail(j, PERR_INSECURE_REDIRECT, util_url_redact(target, red, sizeof(red)));
	} else if (to == REDIRECT_BAD_SCHEME) {
		snprintf(why, sizeof(why), "redirect to a URL that is not https:// (%.150s)",
			 util_url_redact(target, red, sizeof(red)));
		hop_fail(j, PERR_HTTP_PROTOCOL, why);
	} else if (j->hops >= ep->max_redirects) {
		hop_fail(j, PERR_TOO_MANY_REDIRECTS, "");
	} else if (util_mono_us() - j->t0_us >= ep->timeout_ms * 1000) {
		/* one timeout covers every hop */
		hop_fail(j, PERR_TIMEOUT, "time ran out while following redirects");
	}
	if (j->hop_error != PERR_NONE) {
		free(target);
		return false;
	}
	free(j->hop_url);
	j->hop_url = target;
	if (!j->hop_get)
		j->hop_get = redirect_to_get(status, ep->method);
	next = setup_main(j);
	if (!next || curl_multi_add_handle(j->p->multi, next) != CURLM_OK) {
		curl_easy_cleanup(next);
		j->hop_get = was_get;
		hop_fail(j, PERR_LOCAL, "cannot start a transfer to follow the redirect (out of memory?)");
		return false;
	}
	/* this hop's phases count, then everything about its response is forgotten */
	fill_timings(j, e, true);
	hop_sum_add(j);
	j->hops++;
	j->hop_t0_us = util_mono_us();
	strbuf_done(&j->body);
	j->r.body_truncated = false;
	j->r.failed_phase = PHASE_NONE;
	memset(&j->hw, 0, sizeof(j->hw));
	curl_multi_remove_handle(j->p->multi, e);
	curl_easy_cleanup(e);
	j->main = next;
	return true;
}

static void finish_main(struct job *j, CURL *e, CURLcode rc)
{
	struct probe_result *r = &j->r;
	char *s = NULL;
	long l = 0;
	bool tls = !j->ep->plain_http;

	r->curl_code = rc;
	r->error = classify(j, e, rc, j->errbuf);
	if (j->hop_error != PERR_NONE)
		r->error = j->hop_error; /* error_text was written by hop_next */
	else if (r->error == PERR_HTTP_PROTOCOL)
		snprintf(r->error_text, sizeof(r->error_text), "%s", j->hw.fault);
	else if (r->error != PERR_NONE && !r->error_text[0]) /* httpfault_proxy or classify wrote it */
		copy_error_text(j, j->errbuf, rc);
	fill_timings(j, e, tls);
	if (j->hops) {
		hop_sum_add(j);
		r->t = j->hop_sum;
	}
	if (r->error == PERR_TIMEOUT && (r->failed_phase == PHASE_CONNECT || r->failed_phase == PHASE_DNS)) {
		/* a TCP connect that never completes is a dropped port, not a slow server */
		r->error = r->failed_phase == PHASE_DNS ? PERR_DNS : PERR_CONNECT_TIMEOUT;
	}
	if (r->error == PERR_CONNECT_TIMEOUT || r->error == PERR_REFUSED)
		r->failed_phase = PHASE_CONNECT;

	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
		snprintf(r->ip, sizeof(r->ip), "%s", s);
	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &l) == CURLE_OK)
		r->port = (int)l;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->http_status);
	r->redirects = j->hops;
	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
		r->final_url = xstrdup(s);
	if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &l) == CURLE_OK && r->http_status) {
		snprintf(r->http_version, sizeof(r->http_version), "%s",
			 l == CURL_HTTP_VERSION_2_0 ? "HTTP/2" : l == CURL_HTTP_VERSION_3 ? "HTTP/3"
			 : l == CURL_HTTP_VERSION_1_0 ? "HTTP/1.0" : "HTTP/1.1");
	}
	if (r->http_status) {
		r->hsts = header_value(e, "Strict-Transport-Security");
		r->location = header_value(e, "Location");
	}
	if (j->body.len || r->http_status) {
		r->body_len = j->body.len;
		r->body = j->body.s ? j->body.s : xstrdup("");
		j->body.s = NULL;
		j->body.len = j->body.cap = 0;
	}
	if (tls && j->peer && r->verify.hostname_ok < 0)
		check_hostname(j, e);
	if (j->ep->plain_http) {
		/* the endpoint itself is the redirect check */
		struct redirect_check *c = &r->http_check;

		c->done = true;
		c->error = r->error;
		snprintf(c->error_text, sizeof(c->error_text), "%s", r->error_text);
		c->status = r->http_status;
		c->location = xstrdup(r->location);
		c->to_https = c->status >= 300 && c->status < 400 && r->location &&
			      !strncasecmp(r->location, "https://", 8);
	}
}

static void finish_plain(struct job *j, CURL *e, CURLcode rc)
{
	struct redirect_check *c = &j->r.http_check;

	c->done = true;
	c->error = classify(j, e, rc, j->plain_errbuf);
	if (c->error == PERR_TIMEOUT && info_us(e, CURLINFO_CONNECT_TIME_T) == 0)
		c->error = PERR_CONNECT_TIMEOUT;
	if (c->error != PERR_NONE)
		snprintf(c->error_text, sizeof(c->error_text), "%s",
			 j->plain_errbuf[0] ? j->plain_errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
	c->location = c->status ? header_value(e, "Location") : NULL;
	c->to_https = c->status >= 300 && c->status < 400 && c->location &&
		      !strncasecmp(c->location, "https://", 8);
}

/*
 * With the intermediate fetched from the leaf's AIA URL, would the chain
 * verify? Answers the operator's real question: "is my server just missing
 * the intermediate in its chain file?"
 */
static void finish_aia(struct job *j, CURL *e, CURLcode rc)
{
	struct tls_verify *v = &j->r.verify;
	const unsigned char *p = (const unsigned char *)j->aia_body.s;
	X509 *inter = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	long status = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status != 200) {
		snprintf(v->aia_note, sizeof(v->aia_note), "could not fetch the AIA intermediate: %s",
			 rc != CURLE_OK ? (j->aia_errbuf[0] ? j->aia_errbuf : curl_easy_strerror(rc)) : "HTTP error");
		return;
	}
	if (p)
		inter = d2i_X509(NULL, &p, (long)j->aia_body.len);
	if (!inter && j->aia_body.s) {
		BIO *b = BIO_new_mem_buf(j->aia_body.s, (int)j->aia_body.len);

		inter = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	if (!inter) {
		snprintf(v->aia_note, sizeof(v->aia_note), "the AIA URL did not return a certificate");
		ERR_clear_error();
		return;
	}
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (untrusted && ctx && sk_X509_push(untrusted, inter) &&
	    X509_STORE_CTX_init(ctx, j->trust->store, sk_X509_value(j->peer, 0), untrusted)) {
		inter = NULL; /* owned by the stack now */
		if (X509_verify_cert(ctx) == 1) {
			v->flags |= VERIFY_AIA_COMPLETES;
			snprintf(v->aia_note, sizeof(v->aia_note),
				 "the chain verifies with the intermediate from the AIA URL");
		} else {
			snprintf(v->aia_note, sizeof(v->aia_note),
				 "even with the AIA intermediate the chain does not verify: %s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		}
	}
	X509_free(inter);
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
}

/* Turns the up-ref'd chain into plain values and settles chain-level facts. */
static void finish_chain(struct job *j)
{
	struct probe_result *r = &j->r;
	int n = j->peer ? sk_X509_num(j->peer) : 0;

	r->chain_sent = n;
	for (int i = 0; i < n && i < PROBE_MAX_CHAIN; i++) {
		cert_info_from_x509(sk_X509_value(j->peer, i), &r->chain[r->chain_len]);
		r->chain_len++;
	}
	/* an issuer we cannot find, for a leaf sent alone that is not its own issuer */
	if ((r->verify.flags & VERIFY_UNKNOWN_ISSUER) && n == 1 && !r->chain[0].self_issued)
		r->verify.flags |= VERIFY_CHAIN_INCOMPLETE;
}

static bool want_aia(const struct job *j)
{
	const struct probe_result *r = &j->r;

	return (r->verify.flags & VERIFY_CHAIN_INCOMPLETE) && r->chain_len == 1 &&
	       r->chain[0].aia_ca_issuers && !strncasecmp(r->chain[0].aia_ca_issuers, "http://", 7) &&
	       j->trust->store;
}

static void start_aia(struct job *j)
{
	int64_t left_ms = j->ep->timeout_ms - (util_mono_us() - j->t0_us) / 1000;

	if (left_ms < AIA_MIN_TIME_MS) {
		snprintf(j->r.verify.aia_note, sizeof(j->r.verify.aia_note),
			 "no time left to fetch the AIA intermediate");
		return;
	}
	j->aia = easy_common(j, j->r.chain[0].aia_ca_issuers, j->aia_errbuf, left_ms);
	if (!j->aia)
		return;
	curl_easy_setopt(j->aia, CURLOPT_WRITEFUNCTION, aia_cb);
	curl_easy_setopt(j->aia, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->aia, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(j->aia, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(j->aia, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(j->aia, CURLOPT_REDIR_PROTOCOLS_STR, "http");
	if (curl_multi_add_handle(j->p->multi, j->aia) == CURLM_OK)
		j->pending++;
}

/* ---- job lifecycle ------------------------------------------------------ */

static void job_free(struct job *j);

/*
 * A lookup still in flight cannot be freed under glibc's feet: cancel it,
 * or wait for it briefly (it is bounded by the resolver's own timeout).
 */
static void gai_release(struct job *j)
{
	if (!j->gai)
		return;
	if (gai_cancel(j->gai) == EAI_NOTCANCELED) {
		const struct gaicb *list[1] = { j->gai };
		struct timespec ts = { .tv_sec = 5 };

		gai_suspend(list, 1, &ts);
	}
	if (gai_error(j->gai) != EAI_INPROGRESS) {
		if (j->gai->ar_result)
			freeaddrinfo(j->gai->ar_result);
		free(j->gai);
	}
	j->gai = NULL;
}

static void job_free(struct job *j)
{
	CURL *handles[3] = { j->main, j->plain, j->aia };

	gai_release(j);
	for (int i = 0; i < j->nkids; i++) {
		if (j->kids[i])
			job_free(j->kids[i]);
		probe_result_done(&j->kid_results[i]);
	}
	free(j->kids);
	free(j->kid_results);
	free(j->addr);
	free(j->hop_url);

	for (int i = 0; i < 3; i++) {
		if (handles[i]) {
			curl_multi_remove_handle(j->p->multi, handles[i]);
			curl_easy_cleanup(handles[i]);
		}
	}
	curl_slist_free_all(j->headers);
	curl_slist_free_all(j->resolve);
	curl_slist_free_all(j->plain_resolve);
	sk_X509_pop_free(j->peer, X509_free);
	strbuf_done(&j->body);
	strbuf_done(&j->aia_body);
	probe_result_done(&j->r);
	config_unref(j->cfg);
	free(j);
}

static void running_unlink(struct prober *p, struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		p->running = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
	p->n_running--;
}

static void job_fail_local(struct job *j, const char *why)
{
	j->r.error = PERR_LOCAL;
	snprintf(j->r.error_text, sizeof(j->r.error_text), "%s", why);
}

static void parent_deliver(struct prober *p, struct job *j)
{
	running_unlink(p, j);
	if (j->nkids) {
		/* the first address stands for the endpoint; every one is attached */
		probe_result_done(&j->r);
		probe_result_copy(&j->r, &j->kid_results[0]);
		j->r.addrs = j->kid_results;
		j->r.n_addrs = j->nkids;
		j->kid_results = NULL;
		j->nkids = 0;
	}
	p->cb(p->ud, j->ep, j->tag, &j->r);
	job_free(j);
}

static void job_deliver(struct prober *p, struct job *j)
{
	struct job *parent = j->parent;

	if (!parent) {
		parent_deliver(p, j);
		return;
	}
	if (!j->r.ip[0])
		snprintf(j->r.ip, sizeof(j->r.ip), "%s", j->addr); /* refused connects leave it empty */
	/* the lookup was this probe's DNS phase */
	if (j->r.t.dns_us >= 0)
		j->r.t.dns_us += parent->resolve_us;
	if (j->r.t.total_us >= 0)
		j->r.t.total_us += parent->resolve_us;
	parent->kid_results[j->index] = j->r;
	probe_result_init(&j->r); /* moved */
	parent->kids[j->index] = NULL;
	job_free(j);
	if (--parent->kids_pending == 0)
		parent_deliver(p, parent);
}

static void job_launch(struct prober *p, struct job *j);
static void resolve_start(struct prober *p, struct job *j);
static void kids_launch(struct prober *p, struct job *j, char addrs[][INET6_ADDRSTRLEN], int n);
static int pinned_addrs(const struct endpoint *ep, char out[MAX_ADDRS][INET6_ADDRSTRLEN]);

static void job_start(struct prober *p, struct job *j)
{
	j->next = p->running;
	j->prev = NULL;
	if (p->running)
		p->running->prev = j;
	p->running = j;
	p->n_running++;
	if (j->ep->all_addresses && !host_is_ip(j->ep->host)) {
		char addrs[MAX_ADDRS][INET6_ADDRSTRLEN];
		int n = pinned_addrs(j->ep, addrs);

		if (n > 0) {
			/* resolve pins are the addresses, as they are for a single probe */
			j->r.started_ms = util_now_ms();
			j->t0_us = util_mono_us();
			kids_launch(p, j, addrs, n);
		} else {
			resolve_start(p, j);
		}
	} else {
		job_launch(p, j);
	}
}

/* Starts the transfers of a job (a plain one, or one child of all_addresses). */
static void job_launch(struct prober *p, struct job *j)
{
	j->trust = trust_get(p, j->ep->ca_file);
	j->r.started_ms = util_now_ms();
	if (j->trust->error[0] && !j->ep->plain_http) {
		job_fail_local(j, j->trust->error);
		job_deliver(p, j);
		return;
	}
	j->t0_us = j->hop_t0_us = util_mono_us();
	j->hop_sum = (struct probe_timings){ -1, -1, -1, -1, -1, -1 };
	j->main = setup_main(j);
	if (!j->main || curl_multi_add_handle(p->multi, j->main) != CURLM_OK) {
		job_fail_local(j, "cannot start a transfer (out of memory?)");
		job_deliver(p, j);
		return;
	}
	j->pending = 1;
	if (j->ep->check_http_redirect && !j->ep->plain_http) {
		j->plain = setup_plain(j);
		if (j->plain && curl_multi_add_handle(p->multi, j->plain) == CURLM_OK)
			j->pending++;
	}
}

/* Runs on glibc's resolver thread: only wake the loop. */
static void gai_notify(union sigval v)
{
	curl_multi_wakeup(v.sival_ptr);
}

static void resolve_start(struct prober *p, struct job *j)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD };
	struct gaicb *list[1];

	j->r.started_ms = util_now_ms();
	j->t0_us = util_mono_us();
	j->gai = xcalloc(1, sizeof(*j->gai));
	j->gai_hints.ai_family = j->ep->ip == IPMODE_V4 ? AF_INET : j->ep->ip == IPMODE_V6 ? AF_INET6 : AF_UNSPEC;
	j->gai_hints.ai_socktype = SOCK_STREAM;
	snprintf(j->gai_port, sizeof(j->gai_port), "%d", j->ep->port);
	j->gai->ar_name = j->ep->host;
	j->gai->ar_service = j->gai_port;
	j->gai->ar_request = &j->gai_hints;
	list[0] = j->gai;
	sev.sigev_notify_function = gai_notify;
	sev.sigev_value.sival_ptr = p->multi;
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
		free(j->gai);
		j->gai = NULL;
		job_fail_local(j, "cannot start a name lookup");
		job_deliver(p, j);
	}
}

/* Distinct addresses of a finished lookup, in resolver order. */
static int collect_addrs(const struct addrinfo *ai, char out[MAX_ADDRS][INET6_ADDRSTRLEN])
{
	int n = 0;

	for (; ai && n < MAX_ADDRS; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a = ai->ai_family == AF_INET ? (const void *)&((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
		bool seen = false;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    !inet_ntop(ai->ai_family, a, text, sizeof(text)))
			continue;
		for (int i = 0; i < n; i++)
			seen |= !strcmp(out[i], text);
		if (!seen)
			snprintf(out[n++], INET6_ADDRSTRLEN, "%s", text);
	}
	return n;
}

/*
 * The addresses a `resolve` entry pins the endpoint's host and port to
 * (curl's HOST:PORT:ADDR[,ADDR...], "*" for any host; the last matching
 * entry wins, as in curl), IPv6 without brackets. Returns how many, 0 for
 * no pin.
 */
static int pinned_addrs(const struct endpoint *ep, char out[MAX_ADDRS][INET6_ADDRSTRLEN])
{
	int n = 0;

	for (size_t i = 0; i < ep->resolve.n; i++) {
		const char *e = ep->resolve.v[i], *c1 = strchr(e, ':'), *a;
		char port[8];

		if (!c1 || !(a = strchr(c1 + 1, ':')))
			continue;
		snprintf(port, sizeof(port), "%d", ep->port);
		if (!((c1 - e == 1 && e[0] == '*') ||
		      ((size_t)(c1 - e) == strlen(ep->host) && !strncasecmp(e, ep->host, (size_t)(c1 - e)))) ||
		    (size_t)(a - c1 - 1) != strlen(port) || strncmp(c1 + 1, port, strlen(port)) != 0)
			continue;
		n = 0;
		for (a++; *a && n < MAX_ADDRS; a += strspn(a, ",")) {
			size_t len = strcspn(a, ",");
			bool br = len >= 2 && a[0] == '[' && a[len - 1] == ']';

			if (len - (br ? 2 : 0) < INET6_ADDRSTRLEN)
				snprintf(out[n++], INET6_ADDRSTRLEN, "%.*s", (int)(len - (br ? 2 : 0)), a + br);
			a += len;
		}
	}
	return n;
}

static void resolve_done(struct prober *p, struct job *j)
{
	char addrs[MAX_ADDRS][INET6_ADDRSTRLEN];
	int rc = gai_error(j->gai);
	int n = rc == 0 ? collect_addrs(j->gai->ar_result, addrs) : 0;

	j->resolve_us = util_mono_us() - j->t0_us;
	if (j->gai->ar_result)
		freeaddrinfo(j->gai->ar_result);
	free(j->gai);
	j->gai = NULL;
	if (n == 0) {
		j->r.error = PERR_DNS;
		j->r.failed_phase = PHASE_DNS;
		j->r.t.dns_us = j->r.t.total_us = j->resolve_us;
		snprintf(j->r.error_text, sizeof(j->r.error_text), "Could not resolve host: %s (%s)", j->ep->host,
			 rc ? gai_strerror(rc) : "no address");
		job_deliver(p, j);
		return;
	}
	kids_launch(p, j, addrs, n);
}

/* Runs one child job per address, each pinned to it. */
static void kids_launch(struct prober *p, struct job *j, char addrs[][INET6_ADDRSTRLEN], int n)
{
	j->nkids = n;
	j->kids_pending = n + 1; /* held until every child is launched */
	j->kids = xcalloc((size_t)n, sizeof(*j->kids));
	j->kid_results = xcalloc((size_t)n, sizeof(*j->kid_results));
	for (int i = 0; i < n; i++) {
		struct job *k = xcalloc(1, sizeof(*k));

		k->p = p;
		k->cfg = config_ref(j->cfg);
		k->ep = j->ep;
		k->tag = j->tag;
		k->parent = j;
		k->index = i;
		k->addr = xstrdup(addrs[i]);
		probe_result_init(&k->r);
		probe_result_init(&j->kid_results[i]);
		j->kids[i] = k;
	}
	/* a child may finish inside job_launch; the hold keeps j alive meanwhile */
	for (int i = 0; i < n; i++)
		job_launch(p, j->kids[i]);
	if (--j->kids_pending == 0)
		parent_deliver(p, j);
}

static void check_lookups(struct prober *p)
{
	for (struct job *j = p->running, *next; j; j = next) {
		next = j->next;
		if (j->gai && gai_error(j->gai) != EAI_INPROGRESS)
			resolve_done(p, j);
	}
}

static void start_queued(struct prober *p)
{
	while (p->queue_head && p->n_running < (size_t)p->max_inflight) {
		struct job *j = p->queue_head;

		p->queue_head = j->next;
		if (!p->queue_head)
			p->queue_tail = NULL;
		p->n_queued--;
		j->next = NULL;
		job_start(p, j);
	}
}

static void transfer_done(struct prober *p, CURL *e, CURLcode rc)
{
	char *priv = NULL;
	struct job *j;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
	j = (struct job *)priv;
	if (!j)
		return;
	if (e == j->main) {
		if (hop_next(j, e, rc))
			return; /* the next hop runs on a new handle */
		finish_main(j, e, rc);
		finish_chain(j);
		if (want_aia(j))
			start_aia(j);
	} else if (e == j->plain) {
		finish_plain(j, e, rc);
	} else if (e == j->aia) {
		finish_aia(j, e, rc);
	}
	j->pending--;
	if (j->pending == 0)
		job_deliver(p, j);
}

/* ---- public API --------------------------------------------------------- */

struct prober *prober_new(int max_inflight, probe_done_cb cb, void *ud, char *err, size_t errlen)
{
	struct prober *p;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return NULL;
	}
	if (job_ex_index < 0)
		job_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (job_ex_index < 0) {
		snprintf(err, errlen, "OpenSSL ex_data index unavailable");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->multi = curl_multi_init();
	if (!p->multi) {
		snprintf(err, errlen, "curl_multi_init failed");
		free(p);
		return NULL;
	}
	p->max_inflight = max_inflight > 0 ? max_inflight : CONFIG_DEFAULT_MAX_INFLIGHT;
	p->cb = cb;
	p->ud = ud;
	return p;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	while (p->running) {
		struct job *j = p->running;

		running_unlink(p, j);
		job_free(j);
	}
	while (p->queue_head) {
		struct job *j = p->queue_head;

		p->queue_head = j->next;
		job_free(j);
	}
	if (p->loop)
		loop_set_wait(p->loop, NULL);
	curl_multi_cleanup(p->multi);
	trusts_free(p->trusts);
	free(p->wfd);
	free(p);
}

void prober_submit(struct prober *p, struct config *cfg, size_t idx, uint64_t tag)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->p = p;
	j->cfg = config_ref(cfg);
	j->ep = &cfg->eps[idx];
	j->tag = tag;
	probe_result_init(&j->r);
	if (p->queue_tail)
		p->queue_tail->next = j;
	else
		p->queue_head = j;
	p->queue_tail = j;
	p->n_queued++;
}

void prober_cancel(struct prober *p, uint64_t tag)
{
	struct job **pp = &p->queue_head, *prev = NULL;

	while (*pp) {
		struct job *j = *pp;

		if (j->tag == tag) {
			*pp = j->next;
			if (p->queue_tail == j)
				p->queue_tail = prev;
			p->n_queued--;
			job_free(j);
		} else {
			prev = j;
			pp = &j->next;
		}
	}
	for (struct job *j = p->running, *next; j; j = next) {
		next = j->next;
		if (j->tag == tag) {
			running_unlink(p, j);
			job_free(j);
		}
	}
}

size_t prober_running(const struct prober *p)
{
	return p->n_running;
}

size_t prober_queued(const struct prober *p)
{
	return p->n_queued;
}

int prober_wait(struct prober *p, struct pollfd *extra, unsigned nextra, int timeout_ms)
{
	struct curl_waitfd *wfd;
	unsigned n = nextra;

	/* queued work can start right away: do not sleep on it */
	if (p->queue_head && p->n_running < (size_t)p->max_inflight)
		timeout_ms = 0;
	if (n > p->wfd_cap) {
		p->wfd = xrealloc(p->wfd, n * sizeof(*p->wfd));
		p->wfd_cap = n;
	}
	wfd = p->wfd;
	for (unsigned i = 0; i < n; i++) {
		wfd[i].fd = extra[i].fd;
		wfd[i].events = (short)(((extra[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
					((extra[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0) |
					((extra[i].events & POLLPRI) ? CURL_WAIT_POLLPRI : 0));
		wfd[i].revents = 0;
	}
	if (curl_multi_poll(p->multi, n ? wfd : NULL, n, timeout_ms, NULL) != CURLM_OK)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		extra[i].revents = (short)(((wfd[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0) |
					   ((wfd[i].revents & CURL_WAIT_POLLOUT) ? POLLOUT : 0) |
					   ((wfd[i].revents & CURL_WAIT_POLLPRI) ? POLLPRI : 0));
	}
	return 0;
}

static int attached_wait(void *ud, struct pollfd *extra, unsigned nextra, int timeout_ms)
{
	return prober_wait(ud, extra, nextra, timeout_ms);
}

static void attached_perform(void *ud)
{
	prober_perform(ud);
}

void prober_attach(struct prober *p, struct loop *l)
{
	const struct loop_wait w = { attached_wait, attached_perform, p };

	if (p->loop)
		loop_set_wait(p->loop, NULL);
	p->loop = l;
	if (l)
		loop_set_wait(l, &w);
}

void prober_wakeup(struct prober *p)
{
	curl_multi_wakeup(p->multi);
}

void prober_perform(struct prober *p)
{
	int still = 0;
	CURLMsg *m;
	int left;

	start_queued(p);
	check_lookups(p);
	curl_multi_perform(p->multi, &still);
	while ((m = curl_multi_info_read(p->multi, &left))) {
		if (m->msg == CURLMSG_DONE)
			transfer_done(p, m->easy_handle, m->data.result);
	}
	/* finished jobs freed slots: fill them now rather than after a poll */
	if (p->queue_head && p->n_running < (size_t)p->max_inflight) {
		start_queued(p);
		curl_multi_perform(p->multi, &still);
	}
}
