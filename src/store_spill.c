/*
 * store_spill: the store's spill file (store_spill in store.h; the file
 * format is spill.h's).
 *
 * What a collector could not write before it stopped goes to "<db>.spill"
 * (spill.h): C (certificate), P (probe), O (outage), K (an outage's mark
 * alone), E (event), G (posture pass, store_posture.c) records, then the alert engine's writes (store_alert.c:
 * A outbox row, S its status, D delivery attempt, M mark), in queue
 * order: an alert whose outbox row could not be written is not lost with
 * the collector. The next collector queues them again at open; each chunk
 * that writes some of them records, in the same transaction, how many
 * probes, events and alert records of that file are in (table spill), so
 * a collector killed half way through never writes one twice (the alert
 * records all go with the first chunk: one count covers them). The file is
 * removed once the queue has been written out entirely. Until then the
 * alert engine sees the imported outbox rows through store_outbox_pending,
 * which merges the queued writes, so they are delivered even while the
 * database still refuses writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/spill.h"
#include "httpsmon/util.h"
#include "store_int.h"

/*
 * fields per record; a P record of SP_P_V3 fields (written before the
 * failed phase was kept), a C record of SP_C_V7 fields (before the SCT
 * count) and an O record of SP_O_V1 fields (before outages had a mark)
 * import too; K: an outage's mark alone
 */
enum { SP_P = 21, SP_P_V3 = 20, SP_C = 16, SP_C_V7 = 15, SP_O = 8, SP_O_V1 = 7, SP_K = 4, SP_E = 5 };

static const char *i64s(char b[24], int64_t v)
{
	snprintf(b, 24, "%lld", (long long)v);
	return b;
}

static void spill_certs(struct store *st, struct spill_w *w)
{
	char n[6][24];

	for (size_t i = 0; i < st->cq_n; i++) {
		const struct cert_info *c = &st->cq[i];
		const char *f[SP_C] = { "C", c->sha256, c->subject, c->issuer, c->sans, c->serial,
					i64s(n[0], c->not_before), i64s(n[1], c->not_after), c->key_type,
					i64s(n[2], c->key_bits), c->key_curve, c->sig_alg, c->aia_ca_issuers,
					i64s(n[3], c->self_issued), i64s(n[4], c->is_ca),
					i64s(n[5], c->sct_count) };

		spill_put(w, f, SP_C);
	}
}

static void spill_probes(struct store *st, struct spill_w *w)
{
	char n[10][24], chain[PROBE_MAX_CHAIN * 65 + 1];

	for (size_t i = 0; i < st->pq_n; i++) {
		const struct qprobe *q = st->pq[(st->pq_head + i) % st->pq_cap];
		const struct ep *e = &st->eps[q->ep];
		const char *f[SP_P] = { "P", e->name, e->url, i64s(n[0], q->t_ms), NULL, NULL, NULL, NULL, NULL, NULL,
					i64s(n[7], q->status), i64s(n[8], q->state), reason_name((enum reason)q->reason),
					chain, q->s[QS_MESSAGE], q->s[QS_IP], q->s[QS_TLS_VERSION], q->s[QS_CIPHER],
					q->s[QS_ALPN], q->s[QS_ERROR], i64s(n[9], q->phase) };
		char *c = chain;

		for (int k = PHASE_FIRST; k < PHASE_END; k++)
			f[4 + PCOL(k)] = i64s(n[1 + PCOL(k)], q->us[k]);
		*c = '\0';
		for (int k = 0; k < q->nchain; k++) {
			if (k)
				*c++ = ',';
			store_sha_to_hex(q->chain[k], 32, c);
			c += 64;
		}
		spill_put(w, f, SP_P);
	}
}

static void spill_rest(struct store *st, struct spill_w *w)
{
	char n[3][24];

	for (size_t i = 0; i < st->oq_n; i++) {
		const struct qoutage *o = &st->oq[i];
		const char *f[SP_O] = { "O", st->eps[o->ep].name, i64s(n[0], o->start_ms), i64s(n[1], o->end_ms),
					o->reason, o->message, i64s(n[2], o->failed), o->mark };

		if (o->mark_only) {
			f[0] = "K";
			f[3] = o->mark;
			spill_put(w, f, SP_K);
		} else {
			spill_put(w, f, SP_O);
		}
	}
	for (size_t i = 0; i < st->evq_n; i++) {
		const struct qevent *e = &st->evq[i];
		const char *f[SP_E] = { "E", st->eps[e->ep].name, i64s(n[0], e->t_ms), e->kind, e->detail };

		spill_put(w, f, SP_E);
	}
}

/* A new file's identity: wall-clock nanoseconds, which no earlier spill of this database had. */
static int64_t spill_new_id(void)
{
	struct timespec ts;
	int64_t id;

	clock_gettime(CLOCK_REALTIME, &ts);
	id = ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec) & INT64_MAX;
	return id ? id : 1;
}

long store_spill(struct store *st, char *msg, size_t msglen)
{
	size_t np, no, ne, na, ng;
	struct spill_w *w;
	char *path;

	if (!st || st->mode != STORE_COLLECTOR)
		return -1;
	np = st->pq_n, no = st->oq_n, ne = st->evq_n, na = st->aq_n, ng = st->psq_n;
	if (!np && !no && !ne && !na && !ng)
		return 0;
	path = xasprintf("%s.spill", st->path);
	w = spill_create(path, spill_new_id(), msg, msglen);
	if (!w) {
		free(path);
		return -1;
	}
	spill_certs(st, w);
	spill_probes(st, w);
	spill_rest(st, w);
	store_spill_posture(st, w);
	store_spill_alerts(st, w);
	if (spill_finish(w, msg, msglen) != 0) {
		free(path);
		return -1;
	}
	{
		char alerts[160] = "";
		size_t o = 0;

		if (ng)
			o = (size_t)snprintf(alerts, sizeof(alerts), ", %zu posture pass%s", ng, ng == 1 ? "" : "es");
		if (na)
			snprintf(alerts + o, sizeof(alerts) - o, ", %zu alert write%s (outbox, deliveries)", na,
				 na == 1 ? "" : "s");
		snprintf(msg, msglen, "%zu probe%s, %zu outage update%s and %zu event%s%s saved to %s;"
			 " the next collector start writes them to the database", np, np == 1 ? "" : "s", no,
			 no == 1 ? "" : "s", ne, ne == 1 ? "" : "s", alerts, path);
	}
	store_free_queues(st);
	/* the file now holds what is left of an imported one too, under a new identity */
	st->spill_id = 0;
	st->spill_alerts = 0;
	free(path);
	return (long)(np + no + ne + na + ng);
}

static int64_t field_i64(const char *s, bool *ok)
{
	char *end;
	long long v;

	if (!s || !*s) {
		*ok = false;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno)
		*ok = false;
	return v;
}

static int reason_by_name(const char *name)
{
	for (int r = 0; r < REASON_COUNT; r++)
		if (name && !strcmp(reason_name((enum reason)r), name))
			return r;
	return REASON_PROBE_ERROR;
}

/* A P record of nf fields as a queued probe, or NULL when malformed. */
static struct qprobe *import_probe(struct store *st, char **f, int nf)
{
	unsigned char sha[PROBE_MAX_CHAIN][32];
	const char *src[QS_COUNT] = { f[14], f[15], f[16], f[17], f[18], f[19] };
	int nchain = 0;
	bool ok = f[1] != NULL;
	struct qprobe *q;
	int64_t us[PHASE_END], t = field_i64(f[3], &ok), status = field_i64(f[10], &ok), state = field_i64(f[11], &ok);

	us[PHASE_NONE] = -1;
	for (int k = PHASE_FIRST; k < PHASE_END; k++)
		us[k] = field_i64(f[4 + PCOL(k)], &ok);
	for (const char *c = f[13] ? f[13] : ""; ok && *c && nchain < PROBE_MAX_CHAIN; nchain++) {
		char hex[65];

		snprintf(hex, sizeof(hex), "%.64s", c);
		if (store_sha_from_hex(hex, sha[nchain]) != 0)
			ok = false;
		c += strlen(hex);
		c += *c == ',';
	}
	if (!ok || state < DB_UP || state > DB_DOWN)
		return NULL;
	q = store_qprobe_new(src, (const unsigned char (*)[32])sha, nchain);
	q->ep = store_ep_intern(st, f[1], f[2]);
	q->t_ms = t;
	memcpy(q->us, us, sizeof(us));
	q->status = (long)status;
	q->state = (int)state;
	q->reason = reason_by_name(f[12]);
	if (nf == SP_P) {
		bool known = true;
		int64_t code = field_i64(f[20], &known);

		/* a code this version does not know is "not recorded", not a reason to drop the probe */
		q->phase = known && store_phase_decode(code) >= 0 ? (int)code : -1;
	}
	return q;
}

/* A C record into the certificate queue. Returns 0, or -1 when malformed. */
static int import_cert(struct store *st, char **f, int nf)
{
	struct cert_info c = { 0 };
	unsigned char sha[32];
	bool ok = true;

	c.not_before = field_i64(f[6], &ok);
	c.not_after = field_i64(f[7], &ok);
	c.key_bits = (int)field_i64(f[9], &ok);
	c.self_issued = field_i64(f[13], &ok) != 0;
	c.is_ca = field_i64(f[14], &ok) != 0;
	c.sct_count = nf == SP_C ? (int)field_i64(f[15], &ok) : -1;
	if (!ok || store_sha_from_hex(f[1], sha) != 0)
		return -1;
	/* borrowed strings: queue_cert copies */
	c.subject = f[2];
	c.issuer = f[3];
	c.sans = f[4];
	c.aia_ca_issuers = f[12];
	snprintf(c.sha256, sizeof(c.sha256), "%s", f[1]);
	snprintf(c.serial, sizeof(c.serial), "%s", f[5] ? f[5] : "");
	snprintf(c.key_type, sizeof(c.key_type), "%s", f[8] ? f[8] : "");
	snprintf(c.key_curve, sizeof(c.key_curve), "%s", f[10] ? f[10] : "");
	snprintf(c.sig_alg, sizeof(c.sig_alg), "%s", f[11] ? f[11] : "");
	store_queue_cert(st, &c, sha);
	return 0;
}

/* One record of the spill file back into the queues. Returns 1 queued, 0 written before, -1 malformed. */
static int import_record(struct store *st, char **f, int nf, const int64_t done[3], int64_t seen[3])
{
	bool ok = true;
	int64_t a, b, c;

	if (!f[0] || !f[1])
		return -1;
	if (store_is_alert_record(f[0])) {
		/* counted whether well-formed or not: the mark counts records of the file */
		if (++seen[2] <= done[2])
			return 0;
		return store_import_alert(st, f, nf) == 0 ? 1 : -1;
	}
	if (!strcmp(f[0], "C") && (nf == SP_C || nf == SP_C_V7))
		return import_cert(st, f, nf) == 0 ? 1 : -1;
	if (!strcmp(f[0], "P") && (nf == SP_P || nf == SP_P_V3)) {
		struct qprobe *q;

		if (++seen[0] <= done[0])
			return 0;
		if (!(q = import_probe(st, f, nf)))
			return -1;
		q->spill_ix = seen[0];
		store_pq_push(st, q);
		return 1;
	}
	if (!strcmp(f[0], "O") && (nf == SP_O || nf == SP_O_V1)) {
		a = field_i64(f[2], &ok), b = field_i64(f[3], &ok), c = field_i64(f[6], &ok);
		if (!ok)
			return -1;
		store_put_outage(st, f[1], a, b, f[4], f[5], (int)c);
		if (nf == SP_O)
			store_mark_outage(st, f[1], a, f[7]);
		return 1;
	}
	if (!strcmp(f[0], "K") && nf == SP_K) {
		a = field_i64(f[2], &ok);
		if (!ok || !f[3])
			return -1;
		store_mark_outage(st, f[1], a, f[3]);
		return 1;
	}
	if (!strcmp(f[0], "G"))
		return store_import_posture(st, f, nf) == 0 ? 1 : -1;
	if (!strcmp(f[0], "E") && nf == SP_E) {
		if (++seen[1] <= done[1])
			return 0;
		a = field_i64(f[2], &ok);
		if (!ok)
			return -1;
		store_add_event(st, f[1], a, f[3], f[4]);
		st->evq[st->evq_n - 1].spill_ix = seen[1];
		return 1;
	}
	return -1;
}

/* How many probes, events and alert records of spill file id the database has already. */
static void spill_marks(struct store *st, int64_t id, int64_t done[3])
{
	sqlite3_stmt *s = store_stmt(st, S_SPILL_GET);

	done[0] = done[1] = done[2] = 0;
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		for (int k = 0; k < 3; k++)
			done[k] = sqlite3_column_int64(s, k);
	sqlite3_reset(s);
}

/* At a collector's open: queues what the last one spilled (see the section comment). */
void store_spill_import(struct store *st)
{
	char *path = xasprintf("%s.spill", st->path), *f[SPILL_MAX_FIELDS], err[512];
	int64_t id = 0, done[3], seen[3] = { 0, 0, 0 };
	size_t counts[3] = { 0, 0, 0 }; /* queued, written before, malformed */
	struct spill_r *r = spill_read(path, &id, err, sizeof(err));
	int nf;

	if (!r) {
		if (errno != ENOENT)
			store_note(st, "%s; it is left in place and not imported", err);
		free(path);
		return;
	}
	spill_marks(st, id, done);
	while ((nf = spill_next(r, f, SPILL_MAX_FIELDS)) > 0) {
		int k = import_record(st, f, nf, done, seen);

		counts[k < 0 ? 2 : k == 0 ? 1 : 0]++;
	}
	st->spill_id = id;
	st->spill_alerts = seen[2];
	store_note(st, "%zu records from %s queued for writing (%zu written before, %zu malformed and ignored)",
	     counts[0], path, counts[1], counts[2]);
	spill_free(r);
	free(path);
}

/* Everything of the imported spill file is in the database: the file goes, then its mark. */
void store_spill_finished(struct store *st)
{
	char *path;
	sqlite3_stmt *s;

	if (!st->spill_id)
		return;
	path = xasprintf("%s.spill", st->path);
	if (unlink(path) == 0 || errno == ENOENT) {
		if ((s = store_stmt(st, S_SPILL_DEL))) {
			sqlite3_bind_int64(s, 1, st->spill_id);
			store_stmt_run(s); /* a mark left behind names a file that is gone: harmless */
		}
		st->spill_id = 0;
	}
	free(path);
}
