/*
 * probe_tls: the probe engine's certificate checking (see probe.c). Trust
 * stores are loaded once per CA file and shared; our SSL_CTX callback
 * installs one and a verify callback that records every problem in the
 * chain and keeps the chain the server sent; the pre-request callback
 * refuses to send anything when the chain or host name failed. When the
 * server sent a leaf alone, the leaf's AIA caIssuers certificate is fetched
 * (plain HTTP, size and time bounded) to tell the operator whether the
 * missing intermediate is the only problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "probe_int.h"

/* the SSL_CTX ex_data slot that carries the job to the OpenSSL callbacks */
int job_ex_index = -1;

/* ---- trust stores ------------------------------------------------------ */

struct trust *trust_get(struct prober *p, const char *ca_file)
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

void trusts_free(struct trust *t)
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
CURLcode ssl_ctx_cb(CURL *easy, void *sslctx, void *userptr)
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

bool probe_host_is_ip(const char *host)
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

void check_hostname(struct job *j, CURL *easy)
{
	struct tls_verify *v = &j->r.verify;
	X509 *leaf = j->peer && sk_X509_num(j->peer) > 0 ? sk_X509_value(j->peer, 0) : NULL;

	if (!leaf)
		return;
	current_host(easy, v->hostname, sizeof(v->hostname));
	if (!v->hostname[0])
		return;
	if (probe_host_is_ip(v->hostname))
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
int prereq_cb(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
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

/*
 * With the intermediate fetched from the leaf's AIA URL, would the chain
 * verify? Answers the operator's real question: "is my server just missing
 * the intermediate in its chain file?"
 */
void finish_aia(struct job *j, CURL *e, CURLcode rc)
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
void finish_chain(struct job *j)
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
	/* started now, read at delivery: a fetch that lands meanwhile is used at once */
	if (j->ep->revocation && r->chain_len && j->trust->store)
		revoke_request(j->p->revoker, r->chain, r->chain_len, j->peer, j->trust->store, j->tag,
			       j->ep->revocation_interval_ms / 1000, util_now_ms() / 1000);
}

void settle_revocation(struct job *j)
{
	struct probe_result *r = &j->r;

	if (j->ep->revocation && r->chain_len)
		revoke_status(j->p->revoker, r->chain, r->chain_len, j->ep->revocation_interval_ms / 1000,
			      util_now_ms() / 1000, &r->revocation);
}

bool want_aia(const struct job *j)
{
	const struct probe_result *r = &j->r;

	return (r->verify.flags & VERIFY_CHAIN_INCOMPLETE) && r->chain_len == 1 &&
	       r->chain[0].aia_ca_issuers && !strncasecmp(r->chain[0].aia_ca_issuers, "http://", 7) &&
	       j->trust->store;
}

void start_aia(struct job *j)
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

