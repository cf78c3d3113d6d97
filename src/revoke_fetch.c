/*
 * revoke_fetch: the revocation engine's cache and transfers (revoke.h).
 *
 * Two maps: CRLs by URL (struct crl_entry: the last CRL that verified,
 * parsed once, its issuer and times, and why the last fetch failed) and
 * certificates by SHA-256 (struct cert_entry: the last OCSP answer, and
 * why the last lookup failed). A fetch (struct fetch) is one libcurl
 * transfer added to the prober's multi handle with prober_easy_add, so it
 * never counts against max_inflight; it holds up-refs of what checking its
 * answer needs (the issuer, the chain as sent, the trust store) and the
 * probes waiting on it (struct waiter: one certificate of one probe).
 *
 * Invariants: an entry has at most one fetch in flight; a waiter is on
 * exactly one fetch's list; a failed lookup is not repeated before
 * revoke_retry_at; entries are kept for the life of the revoker (one per
 * CRL URL and one per certificate seen, so they grow only with renewals).
 * Status look-ups (revoke_status, revoke_cache.c) read the maps through
 * plain values and never start anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "revoke_int.h"

/* One certificate of one probe waiting for a fetch. */
struct waiter {
	X509 *cert, *issuer;     /* up-ref'd */
	STACK_OF(X509) *chain;   /* the chain as sent, up-ref'd: candidate OCSP signers */
	X509_STORE *store;       /* up-ref'd */
	char *ocsp_url;          /* NULL: none to fall back to */
	char sha256[65];
	uint64_t tag;
	bool notify;             /* the probe is judged pending: call back when it is done */
	int64_t interval_s;
	struct waiter *next;
};

struct fetch {
	struct revoker *rv;
	CURL *easy;
	struct crl_entry *crl;   /* a CRL fetch, or */
	struct cert_entry *ce;   /* an OCSP question */
	struct rv_ocsp_req q;
	X509 *issuer;            /* up-ref'd */
	STACK_OF(X509) *chain;   /* up-ref'd */
	X509_STORE *store;       /* up-ref'd */
	struct strbuf body;
	size_t max;              /* bytes accepted */
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	struct waiter *waiters;
	struct fetch *next, *prev;
};

static void waiter_free(struct waiter *w)
{
	X509_free(w->cert);
	X509_free(w->issuer);
	sk_X509_pop_free(w->chain, X509_free);
	X509_STORE_free(w->store);
	free(w->ocsp_url);
	free(w);
}

static void fetch_free(struct fetch *f)
{
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->headers);
	rv_ocsp_req_done(&f->q);
	X509_free(f->issuer);
	sk_X509_pop_free(f->chain, X509_free);
	X509_STORE_free(f->store);
	strbuf_done(&f->body);
	while (f->waiters) {
		struct waiter *w = f->waiters;

		f->waiters = w->next;
		waiter_free(w);
	}
	free(f);
}

/* ---- the revoker ------------------------------------------------------- */

struct revoker *revoker_new(struct prober *p)
{
	struct revoker *rv = xcalloc(1, sizeof(*rv));

	rv->p = p;
	hashmap_init(&rv->crls, HASHMAP_STR);
	hashmap_init(&rv->certs, HASHMAP_STR);
	return rv;
}

void revoker_free(struct revoker *rv)
{
	const struct hashmap_slot *s;
	size_t i = 0;

	if (!rv)
		return;
	while (rv->fetches) {
		struct fetch *f = rv->fetches;

		rv->fetches = f->next;
		prober_easy_remove(rv->p, f->easy);
		fetch_free(f);
	}
	while ((s = hashmap_next(&rv->crls, &i)))
		crl_entry_free((struct crl_entry *)(uintptr_t)s->val);
	i = 0;
	while ((s = hashmap_next(&rv->certs, &i)))
		free((struct cert_entry *)(uintptr_t)s->val);
	hashmap_done(&rv->crls);
	hashmap_done(&rv->certs);
	free(rv);
}

void revoker_on_landed(struct revoker *rv, revoke_landed_cb cb, void *ud)
{
	rv->cb = cb;
	rv->ud = ud;
}

size_t revoker_fetching(const struct revoker *rv)
{
	return rv ? rv->n_fetching : 0;
}

/* ---- transfers ----------------------------------------------------------- */

static size_t body_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct fetch *f = ud;
	size_t n = size * nmemb;

	if (f->body.len + n > f->max) {
		f->too_big = true;
		return 0; /* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	strbuf_append(&f->body, data, n);
	return n;
}

static void fetch_done_cb(void *easy, int rc, void *ud);

/* A transfer of url on rv's prober: GET, or POST of body (OCSP). NULL with err when it cannot start. */
static struct fetch *fetch_start(struct revoker *rv, const char *url, const unsigned char *body, size_t len,
				 size_t max, char *err, size_t errlen)
{
	struct fetch *f = xcalloc(1, sizeof(*f));

	f->rv = rv;
	f->max = max;
	f->easy = curl_easy_init();
	if (!f->easy) {
		snprintf(err, errlen, "libcurl could not create a transfer");
		free(f);
		return NULL;
	}
	curl_easy_setopt(f->easy, CURLOPT_URL, url);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, (long)REVOKE_FETCH_TIMEOUT_MS);
	/* CRLs and OCSP are plain HTTP by design (RFC 5280, 6960): they are signed, and https would be circular */
	curl_easy_setopt(f->easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(f->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http");
	curl_easy_setopt(f->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(f->easy, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(f->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(f->easy, CURLOPT_USERAGENT, "httpsmon/" HTTPSMON_VERSION);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	if (body) {
		f->headers = curl_slist_append(f->headers, "Content-Type: application/ocsp-request");
		f->headers = curl_slist_append(f->headers, "Expect:");
		curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->headers);
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (prober_easy_add(rv->p, f->easy, fetch_done_cb, f) != 0) {
		snprintf(err, errlen, "libcurl refused the transfer");
		curl_easy_cleanup(f->easy);
		curl_slist_free_all(f->headers);
		free(f);
		return NULL;
	}
	f->next = rv->fetches;
	if (rv->fetches)
		rv->fetches->prev = f;
	rv->fetches = f;
	rv->n_fetching++;
	return f;
}

/* Why a finished transfer gave no usable body, into err; 0 when it did. */
static int fetch_outcome(struct fetch *f, int rc, const char *what, char *err, size_t errlen)
{
	long status = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (f->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errlen, "%s is larger than %zu %s: refused", what,
			 f->max >= 1024 * 1024 ? f->max / (1024 * 1024) : f->max / 1024,
			 f->max >= 1024 * 1024 ? "MiB" : "KiB");
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", f->errbuf[0] ? f->errbuf : curl_easy_strerror((CURLcode)rc));
	else if (status != 200)
		snprintf(err, errlen, "HTTP %ld", status);
	else
		return 0;
	return -1;
}

/* ---- waiters --------------------------------------------------------------- */

static bool tag_waiting(const struct revoker *rv, uint64_t tag)
{
	for (const struct fetch *f = rv->fetches; f; f = f->next)
		for (const struct waiter *w = f->waiters; w; w = w->next)
			if (w->tag == tag && w->notify)
				return true;
	return false;
}

/* Frees the finished waiters, then calls back for each probe no longer waiting on anything. */
static void waiters_finish(struct revoker *rv, struct waiter *done)
{
	while (done) {
		struct waiter *w = done;
		bool call = w->notify && rv->cb;
		uint64_t tag = w->tag;

		done = w->next;
		waiter_free(w);
		/* one call per probe: a later waiter of the same tag is still in done, or elsewhere */
		for (struct waiter *o = done; call && o; o = o->next)
			if (o->tag == tag && o->notify)
				call = false;
		if (call && !tag_waiting(rv, tag))
			rv->cb(rv->ud, tag);
	}
}

static struct waiter *waiter_new(X509 *cert, X509 *issuer, STACK_OF(X509) *sent, X509_STORE *store,
				 const struct cert_info *ci, uint64_t tag, int64_t interval_s)
{
	struct waiter *w = xcalloc(1, sizeof(*w));

	X509_up_ref(cert);
	w->cert = cert;
	X509_up_ref(issuer);
	w->issuer = issuer;
	w->chain = X509_chain_up_ref(sent);
	X509_STORE_up_ref(store);
	w->store = store;
	w->ocsp_url = xstrdup(ci->ocsp_url);
	snprintf(w->sha256, sizeof(w->sha256), "%s", ci->sha256);
	w->tag = tag;
	w->interval_s = interval_s;
	return w;
}

/* ---- OCSP ------------------------------------------------------------------ */

/*
 * Makes w's certificate's OCSP answer current: attaches w to the fetch in
 * flight, starts one, or (answer fresh, failure too recent, request
 * impossible) puts w on *done.
 */
static void ocsp_wait(struct revoker *rv, struct waiter *w, int64_t now, struct waiter **done)
{
	struct cert_entry *ce = cert_entry_get(rv, w->sha256);
	char err[200];
	struct fetch *f;

	if (!ce->fetch && cert_entry_needs_fetch(ce, w->interval_s, now)) {
		struct rv_ocsp_req q;

		if (rv_ocsp_req_new(w->cert, w->issuer, &q, err, sizeof(err)) == 0) {
			f = fetch_start(rv, w->ocsp_url, q.der, q.der_len, REVOKE_MAX_OCSP_BYTES, err, sizeof(err));
			if (f) {
				f->q = q;
				f->ce = ce;
				X509_up_ref(w->issuer);
				f->issuer = w->issuer;
				f->chain = X509_chain_up_ref(w->chain);
				X509_STORE_up_ref(w->store);
				f->store = w->store;
				ce->fetch = f;
				util_sanitize(w->ocsp_url, strlen(w->ocsp_url), ce->url, sizeof(ce->url));
			} else {
				rv_ocsp_req_done(&q);
			}
		}
		if (!ce->fetch)
			cert_entry_fail(ce, w->ocsp_url, err, now);
	}
	if (ce->fetch && !cert_entry_usable(ce, w->interval_s, now)) {
		w->notify = true;
		w->next = ce->fetch->waiters;
		ce->fetch->waiters = w;
	} else {
		w->next = *done;
		*done = w;
	}
}

static void ocsp_landed(struct fetch *f, int rc, int64_t now)
{
	struct cert_entry *ce = f->ce;
	struct rv_answer a;
	char err[200];

	ce->fetch = NULL;
	if (fetch_outcome(f, rc, "the OCSP answer", err, sizeof(err)) == 0 &&
	    rv_ocsp_answer((const unsigned char *)f->body.s, f->body.len, &f->q, f->chain, f->store, now, &a,
			   err, sizeof(err)) == 0)
		cert_entry_answer(ce, &a, now);
	else
		cert_entry_fail(ce, NULL, err, now);
}

/* ---- CRL --------------------------------------------------------------------- */

static void crl_landed(struct fetch *f, int rc, int64_t now)
{
	struct crl_entry *e = f->crl;
	X509_CRL *crl = NULL;
	char err[200];

	e->fetch = NULL;
	if (fetch_outcome(f, rc, "the CRL", err, sizeof(err)) == 0 &&
	    rv_crl_parse((const unsigned char *)f->body.s, f->body.len, &crl, err, sizeof(err)) == 0 &&
	    rv_crl_check(crl, f->issuer, now, err, sizeof(err)) == 0) {
		crl_entry_set(e, crl, now);
		return;
	}
	X509_CRL_free(crl);
	crl_entry_fail(e, err, now);
}

/* Hands each waiter of a landed CRL on: done when the CRL answers for it, else to OCSP. */
static void crl_waiters_on(struct revoker *rv, struct fetch *f, int64_t now, struct waiter **done)
{
	while (f->waiters) {
		struct waiter *w = f->waiters;

		f->waiters = w->next;
		if (!crl_entry_answers(f->crl, w->cert, now) && w->ocsp_url) {
			ocsp_wait(rv, w, now, done);
		} else {
			w->next = *done;
			*done = w;
		}
	}
}

static void fetch_done_cb(void *easy, int rc, void *ud)
{
	struct fetch *f = ud;
	struct revoker *rv = f->rv;
	struct waiter *done = NULL;
	int64_t now = util_now_ms() / 1000;

	(void)easy;
	if (f->prev)
		f->prev->next = f->next;
	else
		rv->fetches = f->next;
	if (f->next)
		f->next->prev = f->prev;
	rv->n_fetching--;
	if (f->crl) {
		crl_landed(f, rc, now);
		crl_waiters_on(rv, f, now, &done);
	} else {
		ocsp_landed(f, rc, now);
		done = f->waiters;
		f->waiters = NULL;
	}
	fetch_free(f);
	waiters_finish(rv, done);
}

/* ---- requests --------------------------------------------------------------- */

/* The issuer of sent[i]: the next certificate sent when it issued it, else from the store. Up-ref'd or NULL. */
static X509 *issuer_of(STACK_OF(X509) *sent, int i, X509_STORE *store)
{
	X509 *cert = sk_X509_value(sent, i), *issuer = NULL;
	X509_STORE_CTX *ctx;

	for (int k = 0; k < sk_X509_num(sent); k++) {
		X509 *cand = sk_X509_value(sent, k);

		if (k != i && X509_check_issued(cand, cert) == X509_V_OK) {
			X509_up_ref(cand);
			return cand;
		}
	}
	ctx = store ? X509_STORE_CTX_new() : NULL;
	if (ctx && X509_STORE_CTX_init(ctx, store, cert, NULL) == 1 &&
	    X509_STORE_CTX_get1_issuer(&issuer, ctx, cert) != 1)
		issuer = NULL;
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return issuer;
}

/* Starts the CRL fetch of ci's URL when due; the waiter w goes on it when the probe must wait. */
static void crl_request(struct revoker *rv, const struct cert_info *ci, struct waiter *w, int64_t now,
			struct waiter **done)
{
	struct crl_entry *e = crl_entry_get(rv, ci->crl_url);
	char err[200];

	if (!e->fetch && crl_entry_needs_fetch(e, w->interval_s, now)) {
		e->fetch = fetch_start(rv, ci->crl_url, NULL, 0, (size_t)REVOKE_MAX_CRL_BYTES, err, sizeof(err));
		if (e->fetch) {
			e->fetch->crl = e;
			X509_up_ref(w->issuer);
			e->fetch->issuer = w->issuer;
		} else {
			crl_entry_fail(e, err, now);
		}
	}
	if (e->fetch && !crl_entry_answers(e, w->cert, now)) {
		w->notify = true;
		w->next = e->fetch->waiters;
		e->fetch->waiters = w;
	} else if (!crl_entry_answers(e, w->cert, now) && w->ocsp_url) {
		ocsp_wait(rv, w, now, done);
	} else {
		w->next = *done;
		*done = w;
	}
}

void revoke_request(struct revoker *rv, const struct cert_info *chain, int n, struct stack_st_X509 *sent,
		    struct x509_store_st *store, uint64_t tag, int64_t interval_s, int64_t now_s)
{
	struct waiter *done = NULL;

	for (int i = 0; i < n && i < sk_X509_num(sent); i++) {
		const struct cert_info *ci = &chain[i];
		X509 *issuer;
		struct waiter *w;

		if (ci->self_issued || (!ci->crl_url && !ci->ocsp_url))
			continue;
		issuer = issuer_of(sent, i, store);
		if (!issuer) {
			cert_entry_fail(cert_entry_get(rv, ci->sha256), NULL,
					"its issuer is neither in the chain sent nor in the trust store", now_s);
			continue;
		}
		w = waiter_new(sk_X509_value(sent, i), issuer, sent, store, ci, tag, interval_s);
		X509_free(issuer);
		if (ci->crl_url) {
			crl_request(rv, ci, w, now_s, &done);
		} else {
			ocsp_wait(rv, w, now_s, &done);
		}
	}
	/* nothing was waited for here: no call back for these */
	for (struct waiter *w = done; w; w = w->next)
		w->notify = false;
	waiters_finish(rv, done);
}
