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
 *
 * Five files, one engine: this one owns the job lifecycle (queue, launch,
 * all_addresses resolution and children, delivery) and the public API;
 * probe_setup.c builds the transfers (curl options, body sinks),
 * probe_tls.c the trust stores, OpenSSL callbacks, chain checks and the
 * AIA fetch, probe_facts.c turns a finished transfer into facts (error
 * class, timings, headers), probe_hops.c follows redirects hop by hop and
 * finishes the main and plain-HTTP transfers. struct job and struct prober
 * are shared through src/probe_int.h, which only these files include;
 * struct prober stays opaque to everyone else.
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
#include <openssl/ssl.h>

#include "httpsmon/util.h"
#include "probe_int.h"

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

	settle_revocation(j);
	if (!parent) {
		parent_deliver(p, j);
		return;
	}
	if (!j->r.ip[0])
		snprintf(j->r.ip, sizeof(j->r.ip), "%s", j->addr); /* refused connects leave it empty */
	/* the lookup was this probe's DNS phase */
	if (j->r.t.us[PHASE_DNS] >= 0)
		j->r.t.us[PHASE_DNS] += parent->resolve_us;
	if (j->r.t.us[PHASE_TOTAL] >= 0)
		j->r.t.us[PHASE_TOTAL] += parent->resolve_us;
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
	if (j->ep->all_addresses && !probe_host_is_ip(j->ep->host)) {
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
	probe_timings_init(&j->hop_sum);
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
		j->r.t.us[PHASE_DNS] = j->r.t.us[PHASE_TOTAL] = j->resolve_us;
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

/* A transfer that is not a probe (prober_easy_add). */
struct extra {
	CURL *easy;
	prober_easy_cb cb;
	void *ud;
	struct extra *next;
};

/* Unlinks and returns e's extra, or NULL when e is a probe's transfer. */
static struct extra *extra_take(struct prober *p, CURL *e)
{
	for (struct extra **pp = &p->extras; *pp; pp = &(*pp)->next) {
		struct extra *x = *pp;

		if (x->easy == e) {
			*pp = x->next;
			return x;
		}
	}
	return NULL;
}

static void transfer_done(struct prober *p, CURL *e, CURLcode rc)
{
	struct extra *x = p->extras ? extra_take(p, e) : NULL;
	char *priv = NULL;
	struct job *j;

	if (x) {
		curl_multi_remove_handle(p->multi, e);
		x->cb(e, (int)rc, x->ud);
		free(x);
		return;
	}

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
	p->revoker = revoker_new(p);
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
	revoker_free(p->revoker); /* its transfers leave the extras silently */
	while (p->extras) {
		struct extra *x = p->extras;

		p->extras = x->next;
		curl_multi_remove_handle(p->multi, x->easy);
		x->cb(x->easy, (int)CURLE_ABORTED_BY_CALLBACK, x->ud);
		free(x);
	}
	if (p->loop)
		loop_set_wait(p->loop, NULL);
	curl_multi_cleanup(p->multi);
	trusts_free(p->trusts);
	free(p->wfd);
	free(p);
}

void prober_on_revocation(struct prober *p, revoke_landed_cb cb, void *ud)
{
	revoker_on_landed(p->revoker, cb, ud);
}

void prober_revocation(const struct prober *p, const struct endpoint *ep, struct probe_result *r)
{
	if (ep->revocation && r->chain_len)
		revoke_status(p->revoker, r->chain, r->chain_len, ep->revocation_interval_ms / 1000,
			      util_now_ms() / 1000, &r->revocation);
}

size_t prober_revocation_fetching(const struct prober *p)
{
	return revoker_fetching(p->revoker);
}

int prober_easy_add(struct prober *p, void *easy, prober_easy_cb cb, void *ud)
{
	struct extra *x;

	if (curl_multi_add_handle(p->multi, easy) != CURLM_OK)
		return -1;
	x = xcalloc(1, sizeof(*x));
	x->easy = easy;
	x->cb = cb;
	x->ud = ud;
	x->next = p->extras;
	p->extras = x;
	return 0;
}

void prober_easy_remove(struct prober *p, void *easy)
{
	struct extra *x = extra_take(p, easy);

	if (x) {
		curl_multi_remove_handle(p->multi, easy);
		free(x);
	}
}

size_t prober_easy_running(const struct prober *p)
{
	size_t n = 0;

	for (const struct extra *x = p->extras; x; x = x->next)
		n++;
	return n;
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

