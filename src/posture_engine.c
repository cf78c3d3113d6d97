/*
 * posture_engine: runs posture passes (posture.h) on the one loop. A pass
 * is a fixed plan of steps (one per protocol version, one modern client,
 * one per cipher category, some categories repeated to list their suites);
 * each step that needs the server is one handshake on a fresh, non-blocking
 * TCP connection registered with the loop, bounded by a timer. Passes wait
 * in a FIFO; at most `inflight` run at once, and a pass runs its handshakes
 * one after another, so at most `inflight` handshakes are in flight.
 *
 * Why raw OpenSSL on our own sockets rather than libcurl CONNECT_ONLY: each
 * handshake needs its own SSL_CTX (min = max version, a category's suites,
 * @SECLEVEL=0, NULL and anonymous suites curl will not offer), the failure
 * must be read as "the server refused" vs "this libssl cannot" from
 * OpenSSL's own error queue, and no HTTP is ever sent; curl would add a
 * second event source and hide the SSL until the handshake is over. The
 * price is name resolution: the endpoint's `resolve` entries and address
 * literals need none; other names go through glibc's getaddrinfo_a (its
 * helper thread, like curl's threaded resolver), polled from a timer.
 *
 * Invariants: a pass is either queued (e->queue) or running (e->running);
 * a running pass has at most one descriptor and one timer; done is called
 * exactly once per pass, from a loop callback, after which it is freed.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/util.h"
#include "posture_int.h"

#define RESOLVE_POLL_MS 10
#define MAX_ADDRS 8         /* addresses of a name tried in turn when a connection is refused */

/* Steps of a pass: PPROTO_N protocol rows, the modern client, then the categories. */
#define STEP_MODERN PPROTO_N
#define STEP_CAT0 (PPROTO_N + 1)
#define STEP_END (STEP_CAT0 + PCAT_N)

/* The suites offered per category on TLS <= 1.2 (@SECLEVEL=0 is added). */
static const char *const cat_ciphers[PCAT_N] = {
	[PCAT_STATIC_RSA] = "kRSA:!eNULL:!aNULL:!PSK",
	[PCAT_3DES] = "3DES:!aNULL:!PSK:!SRP",
	[PCAT_RC4] = "RC4:!aNULL:!PSK:!SRP",
	[PCAT_NULL_ANON_EXPORT] = "eNULL:aNULL:EXP:!PSK:!SRP",
	[PCAT_CBC_SHA1] = "SHA1:!eNULL:!aNULL:!PSK:!SRP:!RC4:!3DES",
	[PCAT_FS] = "kECDHE:kDHE:!aNULL:!eNULL:!PSK",
	[PCAT_AEAD] = "AESGCM:CHACHA20:AESCCM:ARIAGCM:!aNULL:!eNULL:!PSK",
};

struct pass {
	struct posture_engine *e;
	const struct endpoint *ep;
	posture_done_cb done;
	void *arg;
	struct pass *next;

	struct posture p;
	int step;                 /* index in the plan: proto rows, STEP_MODERN, categories */
	int64_t t0_ms;            /* monotonic start of the pass */
	int64_t hs_ms;            /* bound of each handshake */
	struct sockaddr_storage addr;
	socklen_t alen;
	char addr_text[64];
	char addrs[MAX_ADDRS][64]; /* the name's addresses, resolver order; addrs[at] in use */
	int n_addrs, at;
	struct gaicb *gai;        /* resolving, or NULL */
	int64_t gai_deadline_ms;
	X509_STORE *store;        /* for the staple, or NULL */

	/* the handshake in flight */
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint64_t timer;
	bool connected;
	struct hs_offer offer;
	char exclude[256];
};

/* getaddrinfo_a requests given up on: kept until glibc is done with them. */
struct orphan {
	struct gaicb *gai;
	struct orphan *next;
};

struct posture_engine {
	struct loop *l;
	int inflight;
	int64_t hs_ms;
	struct pass *queue, *queue_tail;
	struct pass *running;
	int n_running;
	uint64_t kick;
	struct orphan *orphans;
};

static void pass_begin(struct pass *ps);
static void step_run(struct pass *ps);

/* ---- queue ---------------------------------------------------------------- */

static void gai_free(struct gaicb *g)
{
	if (!g)
		return;
	if (g->ar_result)
		freeaddrinfo(g->ar_result);
	free((char *)(uintptr_t)g->ar_name);
	free((char *)(uintptr_t)g->ar_service);
	free((void *)(uintptr_t)g->ar_request);
	free(g);
}

static void orphans_reap(struct posture_engine *e, bool wait)
{
	struct orphan **o = &e->orphans;

	while (*o) {
		struct orphan *x = *o;

		if (wait) {
			const struct gaicb *list[1] = { x->gai };

			while (gai_error(x->gai) == EAI_INPROGRESS)
				gai_suspend(list, 1, NULL);
		}
		if (gai_error(x->gai) == EAI_INPROGRESS) {
			o = &x->next;
			continue;
		}
		*o = x->next;
		gai_free(x->gai);
		free(x);
	}
}

static int64_t kick_cb(struct loop *l, uint64_t id, void *ud)
{
	struct posture_engine *e = ud;

	(void)l;
	(void)id;
	e->kick = 0;
	orphans_reap(e, false);
	while (e->queue && e->n_running < e->inflight) {
		struct pass *ps = e->queue;

		e->queue = ps->next;
		if (!e->queue)
			e->queue_tail = NULL;
		ps->next = e->running;
		e->running = ps;
		e->n_running++;
		pass_begin(ps);
	}
	return LOOP_TIMER_STOP;
}

static void kick(struct posture_engine *e)
{
	if (!e->kick)
		e->kick = loop_timer_add(e->l, 0, kick_cb, e);
}

/* Closes the handshake in flight, if any. */
static void hs_close(struct pass *ps)
{
	struct loop *l = ps->e->l;

	loop_timer_remove(l, ps->timer);
	ps->timer = 0;
	if (ps->fd >= 0) {
		loop_fd_remove(l, ps->fd);
		close(ps->fd);
		ps->fd = -1;
	}
	SSL_free(ps->ssl);
	ps->ssl = NULL;
	SSL_CTX_free(ps->ctx);
	ps->ctx = NULL;
	ps->connected = false;
}

static void pass_free(struct pass *ps)
{
	hs_close(ps);
	if (ps->gai) {
		if (gai_cancel(ps->gai) == EAI_NOTCANCELED) {
			struct orphan *o = xcalloc(1, sizeof(*o));

			o->gai = ps->gai;
			o->next = ps->e->orphans;
			ps->e->orphans = o;
		} else {
			gai_free(ps->gai);
		}
	}
	X509_STORE_free(ps->store);
	free(ps);
}

/* The pass is over: unlink, report, free, start the next. */
static void pass_end(struct pass *ps)
{
	struct posture_engine *e = ps->e;
	struct pass **pp = &e->running;

	hs_close(ps);
	while (*pp && *pp != ps)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = ps->next;
		e->n_running--;
	}
	ps->p.took_ms = util_mono_us() / 1000 - ps->t0_ms;
	ps->p.complete = ps->step >= STEP_END && !ps->p.error[0];
	ps->done(ps->arg, ps->ep, &ps->p);
	pass_free(ps);
	orphans_reap(e, false);
	kick(e);
}

/* ---- where to connect ------------------------------------------------------ */

/* An IP address literal (no SNI for those, as RFC 6066 says). */
static bool set_addr_is_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static bool set_addr(struct pass *ps, const char *text)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ps->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ps->addr;
	char buf[64];
	size_t n = strlen(text);

	if (text[0] == '[' && n > 2 && text[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
		text = buf;
	}
	memset(&ps->addr, 0, sizeof(ps->addr));
	if (ps->ep->ip != IPMODE_V6 && inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)ps->ep->port);
		ps->alen = sizeof(*v4);
	} else if (ps->ep->ip != IPMODE_V4 && inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)ps->ep->port);
		ps->alen = sizeof(*v6);
	} else {
		return false;
	}
	snprintf(ps->addr_text, sizeof(ps->addr_text), "%s", text);
	return true;
}

/*
 * The addresses of the endpoint's resolve entry for its host and port
 * (curl's HOST:PORT:ADDR[,ADDR...], an optional leading '+') into
 * ps->addrs, the first in use; false when there is no usable one.
 */
static bool addr_from_resolve(struct pass *ps)
{
	const struct endpoint *ep = ps->ep;
	size_t hl = strlen(ep->host);

	for (size_t i = 0; i < ep->resolve.n && !ps->n_addrs; i++) {
		const char *r = ep->resolve.v[i] + (ep->resolve.v[i][0] == '+');
		const char *a;

		if (strncasecmp(r, ep->host, hl) != 0 || r[hl] != ':' || atoi(r + hl + 1) != ep->port)
			continue;
		a = strchr(r + hl + 1, ':');
		for (a = a ? a + 1 : NULL; a && *a && ps->n_addrs < MAX_ADDRS; a += *a == ',') {
			size_t n = strcspn(a, ",");

			if (n < sizeof(ps->addrs[0])) {
				memcpy(ps->addrs[ps->n_addrs], a, n);
				ps->addrs[ps->n_addrs][n] = '\0';
				ps->n_addrs += set_addr(ps, ps->addrs[ps->n_addrs]);
			}
			a += n;
		}
	}
	return ps->n_addrs > 0 && set_addr(ps, ps->addrs[0]);
}

static void start_resolve(struct pass *ps);

static int64_t resolve_poll_cb(struct loop *l, uint64_t id, void *ud)
{
	struct pass *ps = ud;
	int rc = gai_error(ps->gai);

	(void)l;
	(void)id;
	if (rc == EAI_INPROGRESS && util_mono_us() / 1000 < ps->gai_deadline_ms)
		return RESOLVE_POLL_MS;
	ps->timer = 0;
	if (rc != 0) {
		snprintf(ps->p.error, sizeof(ps->p.error), "cannot resolve %s: %s", ps->ep->host,
			 rc == EAI_INPROGRESS ? "timed out" : gai_strerror(rc));
		pass_end(ps);
		return LOOP_TIMER_STOP;
	}
	for (struct addrinfo *ai = ps->gai->ar_result; ai && ps->n_addrs < MAX_ADDRS; ai = ai->ai_next) {
		char *text = ps->addrs[ps->n_addrs];

		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(ps->addrs[0]), NULL, 0, NI_NUMERICHOST) == 0 &&
		    set_addr(ps, text))
			ps->n_addrs++;
	}
	gai_free(ps->gai);
	ps->gai = NULL;
	if (ps->n_addrs)
		set_addr(ps, ps->addrs[0]);
	if (!ps->alen) {
		snprintf(ps->p.error, sizeof(ps->p.error), "no usable address for %s", ps->ep->host);
		pass_end(ps);
		return LOOP_TIMER_STOP;
	}
	step_run(ps);
	return LOOP_TIMER_STOP;
}

static void start_resolve(struct pass *ps)
{
	struct addrinfo *hints = xcalloc(1, sizeof(*hints));
	struct gaicb *g = xcalloc(1, sizeof(*g));

	hints->ai_family = ps->ep->ip == IPMODE_V4 ? AF_INET : ps->ep->ip == IPMODE_V6 ? AF_INET6 : AF_UNSPEC;
	hints->ai_socktype = SOCK_STREAM;
	g->ar_name = xstrdup(ps->ep->host);
	g->ar_service = xasprintf("%d", ps->ep->port);
	g->ar_request = hints;
	ps->gai = g;
	if (getaddrinfo_a(GAI_NOWAIT, &ps->gai, 1, NULL) != 0) {
		snprintf(ps->p.error, sizeof(ps->p.error), "cannot resolve %s: out of resources", ps->ep->host);
		pass_end(ps);
		return;
	}
	ps->gai_deadline_ms = util_mono_us() / 1000 + ps->hs_ms;
	ps->timer = loop_timer_add(ps->e->l, RESOLVE_POLL_MS, resolve_poll_cb, ps);
}

static void pass_begin(struct pass *ps)
{
	char why[160];

	ps->t0_ms = util_mono_us() / 1000;
	ps->p.started_ms = util_now_ms();
	if (ps->ep->proxy) {
		snprintf(ps->p.error, sizeof(ps->p.error), "not tested: the endpoint goes through a proxy");
		pass_end(ps);
		return;
	}
	ps->store = ptls_store(ps->ep->ca_file, why, sizeof(why));
	if (addr_from_resolve(ps) || set_addr(ps, ps->ep->host))
		step_run(ps);
	else
		start_resolve(ps);
}

/* ---- the plan -------------------------------------------------------------- */

static struct posture_check *step_check(struct pass *ps)
{
	if (ps->step < PPROTO_N)
		return &ps->p.proto[ps->step];
	return ps->step >= STEP_CAT0 ? &ps->p.cat[ps->step - STEP_CAT0] : NULL;
}

static void answer(struct posture_check *c, enum posture_answer a, const char *reason)
{
	c->answer = a;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
}

/*
 * What step ps->step offers, or false when it needs no handshake (its
 * answer is recorded here: a version or category this side cannot offer,
 * a category with no version to try it on).
 */
static bool plan_offer(struct pass *ps)
{
	struct hs_offer *o = &ps->offer;
	int cat = ps->step - STEP_CAT0;

	memset(o, 0, sizeof(*o));
	if (ps->step == PPROTO_SSL2 || ps->step == PPROTO_SSL3) {
		answer(&ps->p.proto[ps->step], PANS_NOT_TESTABLE,
		       ps->step == PPROTO_SSL2 ? "OpenSSL 1.1 and later have no SSLv2 client"
					       : "the local OpenSSL is built without SSLv3");
		return false;
	}
	if (ps->step < PPROTO_N) {
		o->version = posture_proto_names((enum posture_proto)ps->step)->num;
		return true;
	}
	if (ps->step == STEP_MODERN) {
		o->staple = true;
		return true;
	}
	if (!ps->p.cat_version) {
		answer(&ps->p.cat[cat], PANS_NOT_TESTED, "no TLS 1.2 or older version accepted");
		return false;
	}
	if (cat == PCAT_AEAD && ps->p.cat_version < 12) {
		answer(&ps->p.cat[cat], PANS_REFUSED, "no AEAD suite exists before TLS 1.2, the best accepted here");
		return false;
	}
	o->version = ps->p.cat_version;
	o->ciphers = cat_ciphers[cat];
	o->exclude = ps->exclude[0] ? ps->exclude : NULL;
	return true;
}

/* Whether the category of this step is listed suite by suite (another handshake without what was found). */
static bool enumerates(const struct pass *ps, const struct posture_check *c)
{
	int cat = ps->step - STEP_CAT0;

	return ps->step >= STEP_CAT0 && cat != PCAT_FS && cat != PCAT_AEAD && c->n_suites < POSTURE_MAX_SUITES;
}

static void record_bits(struct posture *p, int bits)
{
	if (!p->best_bits || bits > p->best_bits)
		p->best_bits = bits;
	if (!p->worst_bits || bits < p->worst_bits)
		p->worst_bits = bits;
}

/*
 * The key-exchange group: the modern handshake's when it negotiated one;
 * a server that refuses it (TLS 1.0/1.1 only) still picks a group in the
 * sweep, so before it the best accepted version's (the sweep goes upwards),
 * and a category handshake fills it only when nothing else did. Empty only
 * when no accepted handshake had an ephemeral key.
 */
static void record_group(struct pass *ps, const struct hs_outcome *o)
{
	if (o->answer != PANS_ACCEPTED || !o->group[0])
		return;
	if (ps->step >= STEP_CAT0 && ps->p.group[0])
		return;
	snprintf(ps->p.group, sizeof(ps->p.group), "%s", o->group);
	ps->p.group_bits = o->group_bits;
}

/* Files what a handshake found; returns true when the same step runs again. */
static bool record(struct pass *ps, const struct hs_outcome *o)
{
	struct posture_check *c = step_check(ps);

	record_group(ps, o);
	if (ps->step == STEP_MODERN) {
		if (o->answer == PANS_ACCEPTED) {
			snprintf(ps->p.version, sizeof(ps->p.version), "%s", o->version);
			snprintf(ps->p.cipher, sizeof(ps->p.cipher), "%s", o->cipher);
			ps->p.leaf_sct_count = o->sct_count;
			ps->p.staple = o->staple;
			record_bits(&ps->p, o->bits);
		}
		return false;
	}
	if (o->answer != PANS_ACCEPTED) {
		/* a repeat that found nothing more leaves the category accepted */
		if (c->answer != PANS_ACCEPTED)
			answer(c, o->answer, o->reason);
		return false;
	}
	c->answer = PANS_ACCEPTED;
	c->reason[0] = '\0';
	if (!c->n_suites)
		c->bits = o->bits;
	if (c->n_suites < POSTURE_MAX_SUITES)
		snprintf(c->suites[c->n_suites++], sizeof(c->suites[0]), "%s", o->cipher);
	record_bits(&ps->p, o->bits);
	if (!enumerates(ps, c))
		return false;
	snprintf(ps->exclude + strlen(ps->exclude), sizeof(ps->exclude) - strlen(ps->exclude), "%s-%s",
		 ps->exclude[0] ? ":" : "", o->cipher);
	return true;
}

/* The next step after one is filed: past the protocols, fix where categories are tried. */
static void advance(struct pass *ps)
{
	ps->step++;
	ps->exclude[0] = '\0';
	if (ps->step == STEP_MODERN)
		ps->p.cat_version = posture_highest(&ps->p, 12);
}

/* ---- one handshake ------------------------------------------------------- */

/* A step is over with outcome o: file it, then the next step (or the same again). */
static void step_done(struct pass *ps, const struct hs_outcome *o)
{
	hs_close(ps);
	if (!record(ps, o))
		advance(ps);
	step_run(ps);
}

static void hs_fail(struct pass *ps, enum posture_answer a, const char *fmt, const char *arg)
{
	struct hs_outcome o = { .answer = a };

	snprintf(o.reason, sizeof(o.reason), fmt, arg);
	step_done(ps, &o);
}

/*
 * The TCP connection could not be made: the name's next address is tried
 * for the same step (a name with ::1 and 127.0.0.1 and a server on one of
 * them); with none left every other step would fail the same way.
 */
static void connect_failed(struct pass *ps, int err)
{
	if (ps->at + 1 < ps->n_addrs) {
		hs_close(ps);
		set_addr(ps, ps->addrs[++ps->at]);
		step_run(ps);
		return;
	}
	snprintf(ps->p.error, sizeof(ps->p.error), "connect to %s port %d: %s", ps->addr_text, ps->ep->port,
		 strerror(err));
	pass_end(ps);
}

static void hs_io_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct pass *ps = ud;
	struct hs_outcome o = { .answer = PANS_ERROR };
	unsigned want = 0;
	int rc;

	(void)events;
	if (!ps->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err) {
			connect_failed(ps, err);
			return;
		}
		ps->connected = true;
	}
	rc = ptls_step(ps->ssl, &want, &o);
	if (rc == 0) {
		loop_fd_modify(l, fd, want);
		return;
	}
	if (rc == 1)
		ptls_facts(ps->ssl, &ps->offer, ps->store, util_now_ms() / 1000, &o);
	step_done(ps, &o);
}

static int64_t hs_timeout_cb(struct loop *l, uint64_t id, void *ud)
{
	struct pass *ps = ud;
	char ms[32];

	(void)l;
	(void)id;
	ps->timer = 0;
	if (!ps->connected) {
		connect_failed(ps, ETIMEDOUT);
		return LOOP_TIMER_STOP;
	}
	snprintf(ms, sizeof(ms), "%lld", (long long)ps->hs_ms);
	hs_fail(ps, PANS_ERROR, "no answer within %s ms", ms);
	return LOOP_TIMER_STOP;
}

/* Starts the handshake of the current step. Returns false when it ended at once (filed). */
static bool hs_start(struct pass *ps)
{
	char why[120];
	bool sni = ps->ep->host[0] && !set_addr_is_literal(ps->ep->host);

	ps->ctx = ptls_ctx(&ps->offer, why, sizeof(why));
	if (!ps->ctx) {
		hs_fail(ps, PANS_NOT_TESTABLE, "%s", why);
		return false;
	}
	ps->fd = socket(ps->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ps->fd < 0) {
		hs_fail(ps, PANS_ERROR, "no socket: %s", strerror(errno));
		return false;
	}
	ps->ssl = ptls_ssl(ps->ctx, ps->fd, sni ? ps->ep->host : NULL);
	ps->p.handshakes++;
	if (!ps->ssl || (connect(ps->fd, (struct sockaddr *)&ps->addr, ps->alen) != 0 && errno != EINPROGRESS)) {
		connect_failed(ps, ps->ssl ? errno : ENOMEM);
		return false;
	}
	if (loop_fd_add(ps->e->l, ps->fd, LOOP_WRITE, hs_io_cb, ps) != 0) {
		hs_fail(ps, PANS_ERROR, "cannot watch the socket: %s", strerror(errno));
		return false;
	}
	ps->timer = loop_timer_add(ps->e->l, ps->hs_ms, hs_timeout_cb, ps);
	return true;
}

/*
 * Runs steps from ps->step until one waits on the server, or ends the
 * pass. Recursion is bounded: hs_start files at once only through
 * hs_fail -> step_done -> step_run, one level per step.
 */
static void step_run(struct pass *ps)
{
	while (ps->step < STEP_END) {
		if (!plan_offer(ps)) {
			advance(ps);
			continue;
		}
		hs_start(ps);
		return;
	}
	pass_end(ps);
}

/* ---- the engine -------------------------------------------------------------- */

struct posture_engine *posture_engine_new(struct loop *l, int inflight, int64_t handshake_ms, char *err,
					  size_t errlen)
{
	struct posture_engine *e;

	if (OPENSSL_init_ssl(0, NULL) != 1) {
		snprintf(err, errlen, "cannot initialise OpenSSL");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->l = l;
	e->inflight = inflight > 0 ? inflight : 1;
	e->hs_ms = handshake_ms > 0 ? handshake_ms : CONFIG_DEFAULT_TIMEOUT_MS;
	return e;
}

int posture_submit(struct posture_engine *e, const struct endpoint *ep, posture_done_cb done, void *arg)
{
	struct pass *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return -1;
	ps->e = e;
	ps->ep = ep;
	ps->done = done;
	ps->arg = arg;
	ps->fd = -1;
	posture_init(&ps->p);
	ps->hs_ms = ep->timeout_ms > 0 && ep->timeout_ms < e->hs_ms ? ep->timeout_ms : e->hs_ms;
	if (e->queue_tail)
		e->queue_tail->next = ps;
	else
		e->queue = ps;
	e->queue_tail = ps;
	kick(e);
	return 0;
}

size_t posture_engine_pending(const struct posture_engine *e)
{
	size_t n = (size_t)e->n_running;

	for (const struct pass *ps = e->queue; ps; ps = ps->next)
		n++;
	return n;
}

int posture_engine_running(const struct posture_engine *e)
{
	int n = 0;

	for (const struct pass *ps = e->running; ps; ps = ps->next)
		n += ps->fd >= 0;
	return n;
}

void posture_engine_free(struct posture_engine *e)
{
	if (!e)
		return;
	loop_timer_remove(e->l, e->kick);
	for (struct pass *lists[2] = { e->queue, e->running }, **x = lists; x < lists + 2; x++) {
		while (*x) {
			struct pass *ps = *x;

			*x = ps->next;
			pass_free(ps);
		}
	}
	/* glibc may still write into a request it would not cancel: wait for it */
	orphans_reap(e, true);
	free(e);
}
