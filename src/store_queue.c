/*
 * store_queue: the collector's write queue. Probes (a ring buffer, bounded
 * by STORE_QUEUE_MAX: past it the oldest goes, counted in store_dropped),
 * outages (only the newest state of each), events (bounded at a tenth of
 * that) and certificates not in the file yet. Queue items name their
 * endpoint by an index into st->eps, interned by name. store_flush.c
 * commits the queue; a committed chunk leaves it through store_queues_pop.
 */
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define EVENT_QUEUE_MAX (STORE_QUEUE_MAX / 10)

size_t store_ep_intern(struct store *st, const char *name, const char *url)
{
	size_t len = strlen(name);
	uint64_t *ix = hashmap_bget(&st->ep_index, name, len);
	struct ep *e;

	if (ix) {
		e = &st->eps[*ix];
		if (url && (!e->url || strcmp(e->url, url) != 0)) {
			free(e->url);
			e->url = xstrdup(url);
		}
		return (size_t)*ix;
	}
	st->eps = xgrow(st->eps, st->neps, &st->eps_cap, sizeof(*st->eps), 16);
	e = &st->eps[st->neps];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->url = xstrdup(url);
	hashmap_bput(&st->ep_index, name, len, st->neps);
	return st->neps++;
}

static int db_state(enum state s)
{
	return s == STATE_DOWN ? DB_DOWN : s == STATE_WARN ? DB_WARN : DB_UP;
}

void store_queue_cert(struct store *st, const struct cert_info *c, const unsigned char sha[32])
{
	if (hashmap_bget(&st->certs, sha, 32))
		return;
	st->cq = xgrow(st->cq, st->cq_n, &st->cq_cap, sizeof(*st->cq), 8);
	cert_info_copy(&st->cq[st->cq_n++], c);
	hashmap_bput(&st->certs, sha, 32, 0);
}

void store_pq_push(struct store *st, struct qprobe *q)
{
	if (st->pq_n == STORE_QUEUE_MAX) {
		/* writes have failed for long: the oldest result goes */
		free(st->pq[st->pq_head]);
		st->pq_head = (st->pq_head + 1) % st->pq_cap;
		st->pq_n--;
		st->dropped++;
	}
	if (st->pq_n == st->pq_cap) {
		size_t ncap = st->pq_cap ? st->pq_cap * 2 : 256;
		struct qprobe **nv = xmalloc(ncap * sizeof(*nv));

		for (size_t i = 0; i < st->pq_n; i++)
			nv[i] = st->pq[(st->pq_head + i) % st->pq_cap];
		free(st->pq);
		st->pq = nv;
		st->pq_cap = ncap;
		st->pq_head = 0;
	}
	st->pq[(st->pq_head + st->pq_n) % st->pq_cap] = q;
	st->pq_n++;
}

/*
 * A queued probe holding copies of src (NULL taken as "") and of the
 * chain's fingerprints, in one allocation; the caller fills in the rest.
 */
struct qprobe *store_qprobe_new(const char *const src[QS_COUNT], const unsigned char (*sha)[32], int nchain)
{
	size_t len[QS_COUNT], total = 0;
	struct qprobe *q;
	char *p;

	for (int i = 0; i < QS_COUNT; i++) {
		len[i] = src[i] ? strlen(src[i]) : 0;
		total += len[i] + 1;
	}
	q = xmalloc(sizeof(*q) + total + (size_t)nchain * 32);
	q->nchain = nchain;
	q->phase = -1;
	q->spill_ix = 0;
	p = q->data;
	q->chain = (unsigned char (*)[32])p;
	if (nchain)
		memcpy(p, sha, (size_t)nchain * 32);
	p += (size_t)nchain * 32;
	for (int i = 0; i < QS_COUNT; i++) {
		if (len[i])
			memcpy(p, src[i], len[i]);
		p[len[i]] = '\0';
		q->s[i] = p;
		p += len[i] + 1;
	}
	return q;
}

void store_add_probe(struct store *st, const char *name, const char *url,
		     const struct probe_result *r, const struct verdict *v)
{
	const char *src[QS_COUNT];
	unsigned char sha[PROBE_MAX_CHAIN][32];
	int nchain = 0;
	struct qprobe *q;

	if (!st || st->mode != STORE_COLLECTOR || !name || !r || !v)
		return;
	src[QS_MESSAGE] = v->message;
	src[QS_IP] = r->ip;
	src[QS_TLS_VERSION] = r->tls_version;
	src[QS_CIPHER] = r->cipher;
	src[QS_ALPN] = r->alpn;
	src[QS_ERROR] = r->error_text;
	for (int i = 0; i < r->chain_len && i < PROBE_MAX_CHAIN; i++) {
		if (store_sha_from_hex(r->chain[i].sha256, sha[nchain]) != 0)
			continue;
		store_queue_cert(st, &r->chain[i], sha[nchain]);
		nchain++;
	}
	q = store_qprobe_new(src, (const unsigned char (*)[32])sha, nchain);
	q->ep = store_ep_intern(st, name, url);
	q->t_ms = r->started_ms;
	memcpy(q->us, r->t.us, sizeof(q->us));
	q->status = r->http_status;
	q->state = db_state(v->state);
	q->reason = (int)v->reason >= 0 && v->reason < REASON_COUNT ? (int)v->reason : REASON_PROBE_ERROR;
	q->phase = store_phase_code(r->failed_phase);
	store_pq_push(st, q);
}

/*
 * The queued state of outage (ep, start_ms): the one queued already (an
 * outage is updated at every failed probe: only its newest state is
 * kept), or a new one that knows nothing but its key (mark_only).
 */
static struct qoutage *outage_queued(struct store *st, size_t ep, int64_t start_ms)
{
	struct qoutage *o;

	for (size_t i = 0; i < st->oq_n; i++)
		if (st->oq[i].ep == ep && st->oq[i].start_ms == start_ms)
			return &st->oq[i];
	st->oq = xgrow(st->oq, st->oq_n, &st->oq_cap, sizeof(*st->oq), 8);
	o = &st->oq[st->oq_n++];
	memset(o, 0, sizeof(*o));
	o->ep = ep;
	o->start_ms = start_ms;
	o->mark_only = true;
	return o;
}

void store_put_outage(struct store *st, const char *name, int64_t start_ms, int64_t end_ms,
		      const char *reason, const char *message, int failed_probes)
{
	struct qoutage *o;

	if (!st || st->mode != STORE_COLLECTOR || !name)
		return;
	o = outage_queued(st, store_ep_intern(st, name, NULL), start_ms);
	free(o->reason);
	free(o->message);
	o->mark_only = false; /* a mark queued before stays with the row */
	o->start_ms = start_ms;
	o->end_ms = end_ms;
	o->reason = xstrdup(reason ? reason : "");
	o->message = xstrdup(message ? message : "");
	o->failed = failed_probes;
}

void store_mark_outage(struct store *st, const char *name, int64_t start_ms, const char *mark)
{
	struct qoutage *o;

	if (!st || st->mode != STORE_COLLECTOR || !name || !mark || !*mark)
		return;
	o = outage_queued(st, store_ep_intern(st, name, NULL), start_ms);
	free(o->mark);
	o->mark = xstrdup(mark);
}

void store_add_event(struct store *st, const char *name, int64_t t_ms, const char *kind,
		     const char *detail)
{
	struct qevent *e;

	if (!st || st->mode != STORE_COLLECTOR || !name)
		return;
	if (st->evq_n == EVENT_QUEUE_MAX) {
		free(st->evq[0].kind);
		free(st->evq[0].detail);
		memmove(st->evq, st->evq + 1, (st->evq_n - 1) * sizeof(*st->evq));
		st->evq_n--;
		st->dropped++;
	}
	st->evq = xgrow(st->evq, st->evq_n, &st->evq_cap, sizeof(*st->evq), 8);
	e = &st->evq[st->evq_n++];
	e->ep = store_ep_intern(st, name, NULL);
	e->t_ms = t_ms;
	e->spill_ix = 0;
	e->kind = xstrdup(kind ? kind : "");
	e->detail = xstrdup(detail ? detail : "");
}

/* Empties what is written whole with every chunk: outages, certificates, alert writes and posture passes. */
static void queues_clear_rest(struct store *st)
{
	for (size_t i = 0; i < st->oq_n; i++) {
		free(st->oq[i].reason);
		free(st->oq[i].message);
		free(st->oq[i].mark);
	}
	st->oq_n = 0;
	for (size_t i = 0; i < st->cq_n; i++)
		cert_info_done(&st->cq[i]);
	st->cq_n = 0;
	store_alerts_pop(st);
	store_posture_pop(st);
}

/* Forgets what a committed chunk wrote: np probes and ne events from the heads, all outages, certificates, alert writes and posture passes. */
void store_queues_pop(struct store *st, size_t np, size_t ne)
{
	for (size_t i = 0; i < np; i++)
		free(st->pq[(st->pq_head + i) % st->pq_cap]);
	st->pq_head = st->pq_n == np ? 0 : (st->pq_head + np) % st->pq_cap;
	st->pq_n -= np;
	for (size_t i = 0; i < ne; i++) {
		free(st->evq[i].kind);
		free(st->evq[i].detail);
	}
	if (ne)
		memmove(st->evq, st->evq + ne, (st->evq_n - ne) * sizeof(*st->evq));
	st->evq_n -= ne;
	queues_clear_rest(st);
}

void store_free_queues(struct store *st)
{
	for (size_t i = 0; i < st->pq_n; i++)
		free(st->pq[(st->pq_head + i) % st->pq_cap]);
	st->pq_n = st->pq_head = 0;
	for (size_t i = 0; i < st->evq_n; i++) {
		free(st->evq[i].kind);
		free(st->evq[i].detail);
	}
	st->evq_n = 0;
	queues_clear_rest(st);
}

size_t store_queued(const struct store *st)
{
	return st ? st->pq_n + st->oq_n + st->evq_n + st->aq_n + st->psq_n : 0;
}

const char *store_last_error(const struct store *st)
{
	return st && st->failing ? st->err : NULL;
}

uint64_t store_dropped(const struct store *st)
{
	return st ? st->dropped : 0;
}
