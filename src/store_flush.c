/*
 * store_flush: commits the write queue in transactions of at most
 * STORE_FLUSH_CHUNK probes and events, oldest first; on a full disk the
 * chunk halves, so what space there is takes the oldest results. A chunk
 * leaves the queue only when it committed; ids learnt inside it
 * (certificates) are remembered only then. After a failed flush the store
 * keeps the backoff (store_flush_due, store_wake_ms): doubling from
 * BACKOFF_FIRST_MS to BACKOFF_MAX_MS, and on a full disk sooner as soon as
 * free space grows, looked at no more often than SPACE_CHECK_MS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define BACKOFF_FIRST_MS  1000  /* after a failed flush; doubles per failure */
#define BACKOFF_MAX_MS    60000
#define SPACE_CHECK_MS    1000  /* disk full: free space looked at no more often */

/* The scratch state of one flush; forgotten when it rolls back. */
struct flush {
	struct hashmap certs; /* sha256 -> id learnt in this transaction */
	struct hashmap tls;   /* "version\0cipher\0alpn" -> id */
	struct hashmap seen;  /* (endpoint id, cert id) -> index in seen_v */
	struct {
		int64_t ep, cert, first, last;
	} *seen_v;
	size_t nseen, seen_cap;
};

/* The endpoints of a chunk: its np probes and ne events, and every queued outage. */
static int flush_endpoints(struct store *st, size_t np, size_t ne)
{
	sqlite3_stmt *up = store_stmt(st, S_EP_UPSERT), *get = store_stmt(st, S_EP_ID);
	uint64_t gen = ++st->gen;

	if (!up || !get)
		return -1;
	for (size_t i = 0; i < np; i++) {
		const struct qprobe *q = st->pq[(st->pq_head + i) % st->pq_cap];
		struct ep *e = &st->eps[q->ep];

		if (e->gen != gen) {
			e->gen = gen;
			e->first_ms = e->last_ms = q->t_ms;
		}
		if (q->t_ms < e->first_ms)
			e->first_ms = q->t_ms;
		if (q->t_ms > e->last_ms)
			e->last_ms = q->t_ms;
	}
	for (size_t i = 0; i < st->oq_n + ne; i++) {
		struct ep *e = &st->eps[i < st->oq_n ? st->oq[i].ep : st->evq[i - st->oq_n].ep];

		if (e->gen != gen) {
			e->gen = gen;
			e->first_ms = e->last_ms = 0;
		}
	}
	for (size_t i = 0; i < st->neps; i++) {
		struct ep *e = &st->eps[i];

		if (e->gen != gen)
			continue;
		sqlite3_bind_text(up, 1, e->name, -1, SQLITE_STATIC);
		store_bind_text(up, 2, e->url);
		sqlite3_bind_int64(up, 3, e->first_ms);
		sqlite3_bind_int64(up, 4, e->last_ms);
		sqlite3_bind_int64(up, 5, st->wseq + 1);
		if (store_stmt_run(up) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(get, 1, e->name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW) {
			sqlite3_reset(get);
			return -1;
		}
		e->id = sqlite3_column_int64(get, 0);
		sqlite3_reset(get);
	}
	return 0;
}

static int flush_certs(struct store *st)
{
	sqlite3_stmt *add = store_stmt(st, S_CERT_ADD);

	if (!add)
		return -1;
	for (size_t i = 0; i < st->cq_n; i++) {
		const struct cert_info *c = &st->cq[i];
		unsigned char sha[32];

		if (store_sha_from_hex(c->sha256, sha) != 0)
			continue;
		sqlite3_bind_blob(add, 1, sha, 32, SQLITE_STATIC);
		store_bind_text(add, 2, c->subject);
		store_bind_text(add, 3, c->issuer);
		store_bind_text(add, 4, c->sans);
		store_bind_text(add, 5, c->serial);
		sqlite3_bind_int64(add, 6, c->not_before);
		sqlite3_bind_int64(add, 7, c->not_after);
		store_bind_text(add, 8, c->key_type);
		sqlite3_bind_int(add, 9, c->key_bits);
		store_bind_text(add, 10, c->key_curve);
		store_bind_text(add, 11, c->sig_alg);
		store_bind_text(add, 12, c->aia_ca_issuers);
		sqlite3_bind_int(add, 13, c->self_issued);
		sqlite3_bind_int(add, 14, c->is_ca);
		sqlite3_bind_int(add, 15, c->sct_count);
		if (store_stmt_run(add) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* The id of a certificate, or 0 when the file does not have it. -1 on error. */
static int64_t cert_id(struct store *st, struct flush *f, const unsigned char sha[32])
{
	uint64_t *known = hashmap_bget(&f->certs, sha, 32);
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (known)
		return (int64_t)*known;
	known = hashmap_bget(&st->certs, sha, 32);
	if (known && *known > 0)
		return (int64_t)*known;
	if (!(s = store_stmt(st, S_CERT_ID)))
		return -1;
	sqlite3_bind_blob(s, 1, sha, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	hashmap_bput(&f->certs, sha, 32, (uint64_t)id);
	return id;
}

static int64_t tls_id(struct store *st, struct flush *f, const struct qprobe *q)
{
	const char *ver = q->s[QS_TLS_VERSION], *cip = q->s[QS_CIPHER], *alpn = q->s[QS_ALPN];
	size_t a = strlen(ver), b = strlen(cip), c = strlen(alpn);
	char key[16 + 64 + 16 + 3];
	sqlite3_stmt *add, *get;
	uint64_t *known;
	int64_t id;

	if (!a && !b && !c)
		return 0;
	if (a + b + c + 3 > sizeof(key))
		return 0;
	memcpy(key, ver, a + 1);
	memcpy(key + a + 1, cip, b + 1);
	memcpy(key + a + b + 2, alpn, c + 1);
	if ((known = hashmap_bget(&f->tls, key, a + b + c + 3)))
		return (int64_t)*known;
	add = store_stmt(st, S_TLS_ADD);
	get = store_stmt(st, S_TLS_ID);
	if (!add || !get)
		return -1;
	for (int k = 1; k <= 3; k++) {
		sqlite3_bind_text(add, k, k == 1 ? ver : k == 2 ? cip : alpn, -1, SQLITE_STATIC);
		sqlite3_bind_text(get, k, k == 1 ? ver : k == 2 ? cip : alpn, -1, SQLITE_STATIC);
	}
	if (store_stmt_run(add) != SQLITE_OK)
		return -1;
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		return -1;
	}
	id = sqlite3_column_int64(get, 0);
	sqlite3_reset(get);
	hashmap_bput(&f->tls, key, a + b + c + 3, (uint64_t)id);
	return id;
}

static void seen_note(struct flush *f, int64_t ep, int64_t cert, int64_t t_ms)
{
	int64_t key[2] = { ep, cert };
	uint64_t *ix = hashmap_bget(&f->seen, key, sizeof(key));

	if (ix) {
		if (t_ms < f->seen_v[*ix].first)
			f->seen_v[*ix].first = t_ms;
		if (t_ms > f->seen_v[*ix].last)
			f->seen_v[*ix].last = t_ms;
		return;
	}
	f->seen_v = xgrow(f->seen_v, f->nseen, &f->seen_cap, sizeof(*f->seen_v), 64);
	f->seen_v[f->nseen].ep = ep;
	f->seen_v[f->nseen].cert = cert;
	f->seen_v[f->nseen].first = f->seen_v[f->nseen].last = t_ms;
	hashmap_bput(&f->seen, key, sizeof(key), f->nseen++);
}

static int flush_probes(struct store *st, struct flush *f, size_t np)
{
	sqlite3_stmt *s = store_stmt(st, S_PROBE_ADD);

	if (!s)
		return -1;
	for (size_t i = 0; i < np; i++) {
		const struct qprobe *q = st->pq[(st->pq_head + i) % st->pq_cap];
		int64_t ep = st->eps[q->ep].id, leaf = 0, tls;

		for (int k = 0; k < q->nchain; k++) {
			int64_t id = cert_id(st, f, q->chain[k]);

			if (id < 0)
				return -1;
			if (k == 0)
				leaf = id;
			if (id > 0)
				seen_note(f, ep, id, q->t_ms);
		}
		if ((tls = tls_id(st, f, q)) < 0)
			return -1;
		sqlite3_bind_int64(s, 1, ep);
		sqlite3_bind_int(s, 3, q->state);
		sqlite3_bind_int64(s, 4, st->reason_id[q->reason]);
		for (int k = PHASE_FIRST; k < PHASE_END; k++)
			store_bind_us(s, 5 + PCOL(k), q->us[k]);
		sqlite3_bind_int64(s, 11, q->status);
		store_bind_opt(s, 12, tls != 0, tls);
		store_bind_opt(s, 13, leaf != 0, leaf);
		store_bind_text(s, 14, q->s[QS_IP]);
		store_bind_text(s, 15, q->s[QS_MESSAGE]);
		store_bind_text(s, 16, q->s[QS_ERROR][0] ? q->s[QS_ERROR] : NULL);
		store_bind_opt(s, 17, q->phase >= 0, q->phase);
		/* two probes of one endpoint in the same millisecond: keep both, 1 ms apart */
		for (int64_t t = q->t_ms; t < q->t_ms + 1000; t++) {
			sqlite3_bind_int64(s, 2, t);
			if (store_stmt_run(s) != SQLITE_OK)
				return -1;
			if (sqlite3_changes(st->db)) {
				if (store_merge_late(st, ep, q) != 0)
					return -1;
				break;
			}
		}
	}
	return 0;
}

static int flush_rest(struct store *st, struct flush *f, size_t ne)
{
	sqlite3_stmt *s;

	if (f->nseen) {
		if (!(s = store_stmt(st, S_SEEN_UPSERT)))
			return -1;
		for (size_t i = 0; i < f->nseen; i++) {
			sqlite3_bind_int64(s, 1, f->seen_v[i].ep);
			sqlite3_bind_int64(s, 2, f->seen_v[i].cert);
			sqlite3_bind_int64(s, 3, f->seen_v[i].first);
			sqlite3_bind_int64(s, 4, f->seen_v[i].last);
			if (store_stmt_run(s) != SQLITE_OK)
				return -1;
		}
	}
	for (size_t i = 0; i < st->oq_n; i++) {
		const struct qoutage *o = &st->oq[i];

		if (!(s = store_stmt(st, o->mark_only ? S_OUTAGE_MARK : S_OUTAGE_UPSERT)))
			return -1;
		sqlite3_bind_int64(s, 1, st->eps[o->ep].id);
		sqlite3_bind_int64(s, 2, o->start_ms);
		if (o->mark_only) {
			store_bind_text(s, 3, o->mark);
		} else {
			store_bind_opt(s, 3, o->end_ms != 0, o->end_ms);
			store_bind_text(s, 4, o->reason);
			store_bind_text(s, 5, o->message);
			sqlite3_bind_int(s, 6, o->failed);
			store_bind_text(s, 7, o->mark);
		}
		if (store_stmt_run(s) != SQLITE_OK)
			return -1;
	}
	if (st->aq_n && store_flush_alerts(st) != 0)
		return -1;
	if (st->psq_n && store_flush_posture(st) != 0)
		return -1;
	if (ne) {
		if (!(s = store_stmt(st, S_EVENT_ADD)))
			return -1;
		for (size_t i = 0; i < ne; i++) {
			const struct qevent *e = &st->evq[i];

			sqlite3_bind_int64(s, 1, st->eps[e->ep].id);
			sqlite3_bind_int64(s, 2, e->t_ms);
			store_bind_text(s, 3, e->kind);
			store_bind_text(s, 4, e->detail);
			if (store_stmt_run(s) != SQLITE_OK)
				return -1;
		}
	}
	return 0;
}

static void flush_done(struct flush *f)
{
	hashmap_done(&f->certs);
	hashmap_done(&f->tls);
	hashmap_done(&f->seen);
	free(f->seen_v);
}

static void set_write_error(struct store *st)
{
	size_t kept = store_queued(st);
	int n = snprintf(st->err, sizeof(st->err), "cannot write %s: %s; %zu result%s kept in memory",
			 st->path, sqlite3_errmsg(st->db), kept, kept == 1 ? "" : "s");

	if (st->dropped && n > 0 && (size_t)n < sizeof(st->err))
		snprintf(st->err + n, sizeof(st->err) - (size_t)n, ", %llu dropped",
			 (unsigned long long)st->dropped);
	st->failing = true;
}

/*
 * How much of the imported spill file a chunk writes: the queues are FIFO
 * and the file's records went in first, so the largest index in the chunk
 * is how far the file is written. Recorded in the same transaction, so a
 * crash never imports a record twice.
 */
static int flush_spill_mark(struct store *st, size_t np, size_t ne)
{
	sqlite3_stmt *s;
	int64_t p = 0, e = 0;

	if (!st->spill_id)
		return 0;
	for (size_t i = 0; i < np; i++) {
		int64_t ix = st->pq[(st->pq_head + i) % st->pq_cap]->spill_ix;

		p = ix > p ? ix : p;
	}
	for (size_t i = 0; i < ne; i++)
		e = st->evq[i].spill_ix > e ? st->evq[i].spill_ix : e;
	/* every queued alert write goes in this chunk: the file's alert records with it */
	if (!p && !e && !(st->aq_n && st->spill_alerts))
		return 0;
	if (!(s = store_stmt(st, S_SPILL_PUT)))
		return -1;
	sqlite3_bind_int64(s, 1, st->spill_id);
	sqlite3_bind_int64(s, 2, p);
	sqlite3_bind_int64(s, 3, e);
	sqlite3_bind_int64(s, 4, st->aq_n ? st->spill_alerts : 0);
	return store_stmt_run(s) == SQLITE_OK ? 0 : -1;
}

/*
 * One transaction: the oldest np probes and ne events, with every queued
 * outage, certificate and alert write. Returns SQLITE_OK (and pops them), or the error.
 */
static int flush_chunk(struct store *st, size_t np, size_t ne)
{
	struct flush f = { 0 };
	const struct hashmap_slot *sl;
	int rc;

	hashmap_init(&f.certs, HASHMAP_BYTES);
	hashmap_init(&f.tls, HASHMAP_BYTES);
	hashmap_init(&f.seen, HASHMAP_BYTES);
	rc = store_run(st, S_BEGIN_W);

	if (rc == SQLITE_OK) {
		if (flush_endpoints(st, np, ne) == 0 && flush_certs(st) == 0 && flush_probes(st, &f, np) == 0 &&
		    flush_rest(st, &f, ne) == 0 && flush_spill_mark(st, np, ne) == 0)
			rc = store_run(st, S_COMMIT);
		else if ((rc = sqlite3_errcode(st->db)) == SQLITE_OK)
			rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		/* the message first: ROLLBACK would replace it */
		set_write_error(st);
		store_rollback(st);
		flush_done(&f);
		return rc;
	}
	/* committed: the ids learnt are real now */
	st->wseq++;
	for (size_t i = 0; (sl = hashmap_next(&f.certs, &i));)
		if (sl->val > 0)
			hashmap_bput(&st->certs, sl->key.b, sl->klen, sl->val);
	flush_done(&f);
	if (st->aq_n)
		st->spill_alerts = 0; /* written, and counted in the spill table */
	store_queues_pop(st, np, ne);
	return SQLITE_OK;
}

/* Bytes this process may still write on the database's file system, 0 when unknown. */
static uint64_t free_bytes(const struct store *st)
{
	struct statvfs sv;

	if (statvfs(st->path, &sv) != 0)
		return 0;
	/* root may use the blocks reserved for it */
	return (uint64_t)(geteuid() == 0 ? sv.f_bfree : sv.f_bavail) * sv.f_frsize;
}

/* After a failed flush: when to try again (see store_flush_due). */
static void back_off(struct store *st, bool wrote, bool full)
{
	int64_t now = st->clock(), delay = BACKOFF_FIRST_MS;

	/* a flush that wrote some chunks found space: the schedule starts again */
	st->fails = wrote ? 1 : st->fails + 1;
	for (int i = 1; i < st->fails && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	st->retry_ms = now + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
	st->disk_full = full;
	st->space_ms = now;
	st->free_bytes = full ? free_bytes(st) : 0;
}

int store_flush(struct store *st)
{
	size_t chunk = STORE_FLUSH_CHUNK;
	bool wrote = false;
	int rc = SQLITE_OK;

	if (!st || st->mode != STORE_COLLECTOR)
		return -1;
	while (store_queued(st)) {
		size_t np = st->pq_n < chunk ? st->pq_n : chunk, ne = st->evq_n < chunk ? st->evq_n : chunk;

		rc = flush_chunk(st, np, ne);
		if (rc == SQLITE_OK) {
			wrote = true;
			continue;
		}
		/* a full disk may still take a smaller transaction: use what is free, oldest first */
		if ((rc & 0xff) == SQLITE_FULL && chunk > 1) {
			chunk /= 2;
			continue;
		}
		break;
	}
	if (rc != SQLITE_OK) {
		back_off(st, wrote, (rc & 0xff) == SQLITE_FULL);
		return -1;
	}
	store_spill_finished(st);
	st->failing = false;
	st->fails = 0;
	st->err[0] = '\0';
	return 0;
}

bool store_flush_due(struct store *st)
{
	int64_t now;
	uint64_t free_now;

	if (!st || !st->failing)
		return true;
	now = st->clock();
	if (now >= st->retry_ms)
		return true;
	if (!st->disk_full || now - st->space_ms < SPACE_CHECK_MS)
		return false;
	st->space_ms = now;
	free_now = free_bytes(st);
	if (free_now > st->free_bytes)
		return true;
	st->free_bytes = free_now; /* space taken by others: growth from here counts */
	return false;
}

int64_t store_wake_ms(const struct store *st)
{
	if (!st || !st->failing)
		return 0;
	if (st->disk_full && st->space_ms + SPACE_CHECK_MS < st->retry_ms)
		return st->space_ms + SPACE_CHECK_MS;
	return st->retry_ms;
}
