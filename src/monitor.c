/*
 * monitor: live state per endpoint (see monitor.h).
 *
 * Each endpoint is a `struct entry`: the public `struct ep_status` the view
 * reads, its flap filter (`struct flap`, whose counters ep_status mirrors
 * after every step), plus the facts remembered to notice changes (leaf
 * fingerprint, issuer, TLS version, cipher, IP) and the reason of the
 * failing run in progress. Entries live in an array in config order, with
 * two maps into it (hashmap.c), by name and by id, rebuilt on every config
 * change, so a result finds its endpoint in O(1). Ids are handed out once
 * per name and never reused, so a probe result that arrives after its
 * endpoint was removed finds nothing and is dropped. The id is the one
 * identity of an endpoint inside the collector: the scheduler's id and the
 * probe engine's tag are this id.
 *
 * The rules of the filter are flap.c's; this file judges each result
 * (verdict.c), feeds the verdict to the filter and acts on what changed:
 * outage rows and events to the store, events to the callback. The
 * callback runs inside monitor_result, that is inside the probe engine's
 * completion: the app queues what it is told and delivers it to listeners
 * after the pass (app.c), so nothing here calls up into a view.
 */
#include "httpsmon/monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/util.h"

struct entry {
	struct ep_status s;
	struct flap flap;
	/* remembered facts, for change events; "" until first seen */
	char sha256[65];
	char *issuer;
	int64_t not_after;
	char serial[130];
	char tls_version[16];
	char cipher[64];
	char ip[256];                 /* all_addresses: the sorted set, comma-separated */
	char revocation[16];          /* revoke_status_name of the last settled status */
	/* the failing run in progress: becomes the outage's reason if it opens one */
	char run_reason[32];
	char run_message[512];
};

struct monitor {
	struct store *st;
	mon_event_cb cb;
	void *ud;
	struct config *cfg;
	struct entry **v;
	size_t n;
	struct hashmap by_name;       /* entry name (borrowed from v[i]) -> i */
	struct hashmap by_id;         /* entry id -> i */
	uint64_t next_id;
};

static const char *const event_names[] = {
	[MEV_STATE] = "state", [MEV_OUTAGE_START] = "outage_start", [MEV_OUTAGE_END] = "outage_end",
	[MEV_CERT_CHANGED] = "cert_changed", [MEV_ISSUER_CHANGED] = "issuer_changed",
	[MEV_TLS_CHANGED] = "tls_changed", [MEV_IP_CHANGED] = "ip_changed",
	[MEV_REVOCATION_CHANGED] = "revocation_changed", [MEV_POSTURE] = "posture",
};

const char *mon_event_name(enum mon_event_kind k)
{
	return (unsigned)k < MEV_COUNT ? event_names[k] : "?";
}

/* Hands an event to the callback and, except first-state noise, to the store. */
static void emit(struct monitor *m, struct entry *e, enum mon_event_kind kind, int64_t t_ms,
		 bool keep, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit(struct monitor *m, struct entry *e, enum mon_event_kind kind, int64_t t_ms,
		 bool keep, const char *fmt, ...)
{
	struct mon_event ev = { .kind = kind, .name = e->s.name, .t_ms = t_ms };
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ev.text = text;
	if (keep && m->st)
		store_add_event(m->st, e->s.name, t_ms, mon_event_name(kind), text);
	if (m->cb)
		m->cb(m->ud, &ev);
}

struct monitor *monitor_new(struct store *st, mon_event_cb cb, void *ud)
{
	struct monitor *m = xcalloc(1, sizeof(*m));

	m->st = st;
	m->cb = cb;
	m->ud = ud;
	m->next_id = 1;
	hashmap_init(&m->by_name, HASHMAP_STR);
	hashmap_init(&m->by_id, HASHMAP_U64);
	return m;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->s.name);
	free(e->s.posture);
	probe_result_done(&e->s.last);
	free(e->issuer);
	free(e);
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_free(m->v[i]);
	free(m->v);
	hashmap_done(&m->by_name);
	hashmap_done(&m->by_id);
	config_unref(m->cfg);
	free(m);
}

/* The index of the entry called name, or -1. */
static ptrdiff_t find_at(const struct monitor *m, const char *name)
{
	uint64_t i;

	return hashmap_sget(&m->by_name, name, &i) ? (ptrdiff_t)i : -1;
}

static struct entry *find(const struct monitor *m, const char *name)
{
	ptrdiff_t i = find_at(m, name);

	return i < 0 ? NULL : m->v[i];
}

/* Both maps follow v[0..n). */
static void index_entries(struct monitor *m)
{
	hashmap_clear(&m->by_name);
	hashmap_clear(&m->by_id);
	for (size_t i = 0; i < m->n; i++) {
		hashmap_sput(&m->by_name, m->v[i]->s.name, i);
		hashmap_put(&m->by_id, m->v[i]->s.id, i);
	}
}

/* The view's copy of the filter's counters. */
static void publish(struct entry *e)
{
	e->s.live = e->flap.live;
	e->s.fails_in_row = e->flap.fails_in_row;
	e->s.oks_in_row = e->flap.oks_in_row;
	e->s.in_outage = e->flap.in_outage;
	e->s.outage_start_ms = e->flap.outage_start_ms;
	e->s.outage_failed = e->flap.outage_failed;
}

/* A collector that restarts mid-outage picks the open outage up again. */
static void restore_outage(struct monitor *m, struct entry *e)
{
	struct outage_row *rows = NULL;
	size_t n = 0;

	if (!m->st || store_outages(m->st, e->s.name, 0, 1, &rows, &n) != 0)
		return;
	if (n == 1 && rows[0].end_ms == 0) {
		flap_resume_outage(&e->flap, rows[0].start_ms, rows[0].failed_probes, e->s.ep->fail_after);
		publish(e);
		snprintf(e->s.outage_reason, sizeof(e->s.outage_reason), "%s", rows[0].reason);
		snprintf(e->s.outage_message, sizeof(e->s.outage_message), "%s", rows[0].message);
	}
	free(rows);
}

static void note_changes(struct monitor *m, struct entry *e, const struct probe_result *r, int64_t t_ms);

/*
 * A monitor starting on an existing database shows what it knew at once:
 * the newest stored probe (its facts, verdict and leaf certificate) and the
 * newest probes as the sparkline, marked from_history until the first
 * fresh probe. The filter itself starts PENDING (or in the resumed
 * outage): only fresh probes are judged. The stored facts are the
 * remembered ones, so a certificate that changed while the collector was
 * stopped is a change event at the first fresh probe.
 */
static void restore_last(struct monitor *m, struct entry *e)
{
	struct ep_status *s = &e->s;
	struct probe_row row;

	if (!m->st || store_last_result(m->st, s->name, &row, &s->last, &s->last_v) != 0)
		return;
	s->have_result = true;
	s->from_history = true;
	s->last_ms = row.t_ms;
	if (store_recent(m->st, s->name, MONITOR_SPARK, s->spark_us, &s->spark_len) != 0)
		s->spark_len = 0;
	s->spark_head = s->spark_len % MONITOR_SPARK;
	note_changes(m, e, &s->last, row.t_ms);
	/* the store keeps one address per probe: a set of them would look changed */
	if (s->ep->all_addresses)
		e->ip[0] = '\0';
}

static struct entry *entry_new(struct monitor *m, const struct endpoint *ep)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->s.name = xstrdup(ep->name);
	e->s.ep = ep;
	e->s.id = m->next_id++;
	flap_init(&e->flap);
	publish(e);
	probe_result_init(&e->s.last);
	restore_outage(m, e);
	restore_last(m, e);
	if (m->st) {
		struct posture_rec *r = xmalloc(sizeof(*r));

		if (store_last_posture(m->st, ep->name, r) == 0)
			e->s.posture = r;
		else
			free(r);
	}
	if (m->st && store_is_paused(m->st, ep->name) == 1) {
		/* paused before a restart: stays paused (quietly: nothing happened now) */
		struct flap_step st;

		flap_pause(&e->flap, true, &st);
		publish(e);
	}
	return e;
}

/* An endpoint leaves the config: its open outage ends with it. */
static void entry_drop(struct monitor *m, struct entry *e, int64_t now_ms)
{
	if (e->s.in_outage && m->st)
		store_put_outage(m->st, e->s.name, e->s.outage_start_ms, now_ms, e->s.outage_reason,
				 "endpoint removed from the config while down", e->s.outage_failed);
	entry_free(e);
}

void monitor_set_config(struct monitor *m, struct config *cfg, int64_t now_ms)
{
	struct entry **nv = xcalloc(cfg->n ? cfg->n : 1, sizeof(*nv));
	size_t nn = 0;

	for (size_t i = 0; i < cfg->n; i++) {
		const struct endpoint *ep = &cfg->eps[i];
		struct entry *e;
		ptrdiff_t k;

		if (!ep->enabled)
			continue;
		k = find_at(m, ep->name);
		if (k >= 0 && m->v[k]) {
			/* taken over: mark so the sweep below does not free it */
			e = m->v[k];
			m->v[k] = NULL;
			e->s.ep = ep;
		} else {
			e = entry_new(m, ep);
		}
		nv[nn++] = e;
	}
	for (size_t k = 0; k < m->n; k++)
		if (m->v[k])
			entry_drop(m, m->v[k], now_ms);
	free(m->v);
	m->v = nv;
	m->n = nn;
	index_entries(m); /* the maps borrowed names of the entries just dropped */
	config_ref(cfg);
	config_unref(m->cfg);
	m->cfg = cfg;
}

struct config *monitor_config(const struct monitor *m)
{
	return m->cfg;
}

static void date_of(int64_t unix_s, char *buf, size_t n)
{
	if (unix_s)
		util_fmt_time_utc(buf, n, unix_s);
	else
		snprintf(buf, n, "?");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The address fact: the one IP used, or with all_addresses the sorted set,
 * so round-robin DNS answering in a new order is not a change.
 */
static void address_set(const struct probe_result *r, char *out, size_t n)
{
	const char *v[16];
	int k = 0;
	size_t used = 0;

	out[0] = '\0';
	if (r->n_addrs <= 1) {
		snprintf(out, n, "%s", r->ip);
		return;
	}
	for (int i = 0; i < r->n_addrs && k < 16; i++)
		v[k++] = r->addrs[i].ip;
	qsort(v, (size_t)k, sizeof(v[0]), cmp_str);
	for (int i = 0; i < k && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? "," : "", v[i]);
}

/*
 * The history keeps revocation as events when the status changes (good,
 * revoked, unknown; a pending status is not one yet), not with each probe:
 * it changes rarely and the probe row's verdict already says cert_revoked.
 */
static void revocation_change(struct monitor *m, struct entry *e, const struct revocation *rv, int64_t t_ms)
{
	const char *now = revoke_status_name(rv->status);
	char line[512];

	if (!rv->checked || rv->pending)
		return;
	if (e->revocation[0] && strcmp(e->revocation, now) != 0) {
		revocation_line(rv, t_ms / 1000, line, sizeof(line));
		emit(m, e, MEV_REVOCATION_CHANGED, t_ms, true, "revocation changed: %s -> %s", e->revocation, line);
	}
	snprintf(e->revocation, sizeof(e->revocation), "%s", now);
}

/* Change events: compared with the last value seen, not the last probe, so a failed probe forgets nothing. */
static void note_changes(struct monitor *m, struct entry *e, const struct probe_result *r, int64_t t_ms)
{
	const struct cert_info *leaf = r->chain_len ? &r->chain[0] : NULL;
	char ips[256];

	if (leaf && leaf->sha256[0]) {
		if (e->sha256[0] && strcmp(e->sha256, leaf->sha256) != 0) {
			char was[40], now[40];

			date_of(e->not_after, was, sizeof(was));
			date_of(leaf->not_after, now, sizeof(now));
			emit(m, e, MEV_CERT_CHANGED, t_ms, true,
			     "certificate changed: serial %s (issuer %s, expires %s) -> serial %s (issuer %s, expires %s)",
			     e->serial, e->issuer ? e->issuer : "?", was, leaf->serial, leaf->issuer ? leaf->issuer : "?", now);
			if (e->issuer && leaf->issuer && strcmp(e->issuer, leaf->issuer) != 0)
				emit(m, e, MEV_ISSUER_CHANGED, t_ms, true, "issuer changed: %s -> %s", e->issuer, leaf->issuer);
		}
		snprintf(e->sha256, sizeof(e->sha256), "%s", leaf->sha256);
		snprintf(e->serial, sizeof(e->serial), "%s", leaf->serial);
		free(e->issuer);
		e->issuer = xstrdup(leaf->issuer);
		e->not_after = leaf->not_after;
	}
	if (r->tls_version[0]) {
		if (e->tls_version[0] && (strcmp(e->tls_version, r->tls_version) || strcmp(e->cipher, r->cipher)))
			emit(m, e, MEV_TLS_CHANGED, t_ms, true, "TLS changed: %s %s -> %s %s", e->tls_version,
			     e->cipher, r->tls_version, r->cipher);
		snprintf(e->tls_version, sizeof(e->tls_version), "%s", r->tls_version);
		snprintf(e->cipher, sizeof(e->cipher), "%s", r->cipher);
	}
	revocation_change(m, e, &r->revocation, t_ms);
	address_set(r, ips, sizeof(ips));
	if (ips[0]) {
		if (e->ip[0] && strcmp(e->ip, ips) != 0)
			emit(m, e, MEV_IP_CHANGED, t_ms, true, "IP changed: %s -> %s", e->ip, ips);
		snprintf(e->ip, sizeof(e->ip), "%s", ips);
	}
}

/* The state event: the first verdict after start is news for a log, not history. */
static void state_event(struct monitor *m, struct entry *e, const struct flap_step *st, int64_t t_ms,
			const struct verdict *v)
{
	if (st->from == st->to)
		return;
	emit(m, e, MEV_STATE, t_ms, st->from != LIVE_PENDING, "%s -> %s (%s: %s)", live_name(st->from),
	     live_name(st->to), v ? reason_name(v->reason) : "-", v ? v->message : "");
}

/* Writes what the filter decided about the outage: its row, and an event when it opens or closes. */
static void outage_write(struct monitor *m, struct entry *e, enum flap_outage what)
{
	struct ep_status *s = &e->s;
	int64_t end_ms = what == FLAP_OUTAGE_CLOSE ? e->flap.recover_start_ms : 0;
	char dur[32];

	if (what == FLAP_OUTAGE_NONE)
		return;
	if (what == FLAP_OUTAGE_OPEN) {
		s->outages++;
		snprintf(s->outage_reason, sizeof(s->outage_reason), "%s", e->run_reason);
		snprintf(s->outage_message, sizeof(s->outage_message), "%s", e->run_message);
	}
	if (m->st)
		store_put_outage(m->st, s->name, s->outage_start_ms, end_ms, s->outage_reason, s->outage_message,
				 s->outage_failed);
	if (what == FLAP_OUTAGE_OPEN)
		emit(m, e, MEV_OUTAGE_START, s->outage_start_ms, false, "outage started after %d failed probes: %s",
		     s->outage_failed, s->outage_message);
	if (what != FLAP_OUTAGE_CLOSE)
		return;
	util_fmt_duration_us(dur, sizeof(dur), (end_ms - s->outage_start_ms) * 1000);
	emit(m, e, MEV_OUTAGE_END, end_ms, false, "outage over after %s, %d failed probes (%s)", dur,
	     s->outage_failed, s->outage_reason);
}

/* One verdict through the filter, then its consequences in the order a reader expects. */
static void judge(struct monitor *m, struct entry *e, const struct verdict *v, int64_t t_ms)
{
	struct flap_step st;

	flap_verdict(&e->flap, v->state, e->s.ep->fail_after, e->s.ep->recover_after, t_ms, &st);
	publish(e);
	if (st.run_started) {
		snprintf(e->run_reason, sizeof(e->run_reason), "%s", reason_name(v->reason));
		snprintf(e->run_message, sizeof(e->run_message), "%s", v->message);
	}
	outage_write(m, e, st.outage);
	state_event(m, e, &st, t_ms, v);
}

static void spark_push(struct ep_status *s, int64_t us)
{
	s->spark_us[s->spark_head] = us;
	s->spark_head = (s->spark_head + 1) % MONITOR_SPARK;
	if (s->spark_len < MONITOR_SPARK)
		s->spark_len++;
}

void monitor_result(struct monitor *m, const char *name, const struct probe_result *r, int64_t now_ms)
{
	struct entry *e = find(m, name);
	struct ep_status *s;
	struct verdict v;
	int64_t t_ms = r->started_ms ? r->started_ms : now_ms;

	if (!e)
		return;
	s = &e->s;
	verdict_judge_posture(s->ep, r, monitor_judged_posture(s), now_ms / 1000, &v, NULL);
	if (m->st)
		store_add_probe(m->st, s->name, s->ep->url, r, &v);
	probe_result_done(&s->last);
	probe_result_copy(&s->last, r);
	free(s->last.body);
	s->last.body = NULL;
	s->last_v = v;
	s->last_ms = now_ms;
	s->have_result = true;
	s->from_history = false;
	s->probes++;
	s->failures += v.state == STATE_DOWN;
	s->by_state[v.state]++;
	spark_push(s, v.state == STATE_DOWN ? -1 : r->t.us[PHASE_TOTAL]);
	note_changes(m, e, r, t_ms);
	judge(m, e, &v, t_ms);
}

const struct posture *monitor_judged_posture(const struct ep_status *s)
{
	if (!s->posture || s->ep->posture_interval_ms <= 0 || s->ep->posture_verdict != POSTURE_VERDICT_WARN ||
	    strcmp(s->posture->url, s->ep->url) != 0)
		return NULL;
	return &s->posture->p;
}

void monitor_posture(struct monitor *m, const char *name, const struct posture_rec *r)
{
	struct entry *e = find(m, name);
	char changes[900];
	bool first;
	int n;

	if (!e)
		return;
	first = !e->s.posture;
	n = posture_changes(e->s.posture, r, changes, sizeof changes);
	if (first)
		e->s.posture = xmalloc(sizeof(*e->s.posture));
	*e->s.posture = *r;
	e->s.posture_passes++;
	if (n)
		emit(m, e, MEV_POSTURE, r->t_ms, true, "%s", changes);
	/* an endpoint's first pass is kept like a change: what later ones are compared with */
	store_add_posture(m->st, name, r, n > 0 || first, changes);
}

void monitor_set_paused(struct monitor *m, const char *name, bool paused, int64_t now_ms)
{
	struct entry *e = find(m, name);
	struct flap_step st;

	if (!e)
		return;
	flap_pause(&e->flap, paused, &st);
	publish(e);
	if (st.from != st.to && m->st && store_set_paused(m->st, name, paused, now_ms) != 0)
		emit(m, e, MEV_STATE, now_ms, false, "%s is not saved in the history: it ends with this run",
		     paused ? "the pause" : "the resume");
	if (paused)
		state_event(m, e, &st, now_ms, NULL);
	else if (st.from != st.to) /* judged afresh by the next probe */
		emit(m, e, MEV_STATE, now_ms, false, "PAUSED -> PENDING (resumed)");
}

size_t monitor_count(const struct monitor *m)
{
	return m->n;
}

const struct ep_status *monitor_at(const struct monitor *m, size_t i)
{
	return i < m->n ? &m->v[i]->s : NULL;
}

const struct ep_status *monitor_find(const struct monitor *m, const char *name)
{
	struct entry *e = find(m, name);

	return e ? &e->s : NULL;
}

const struct ep_status *monitor_find_id(const struct monitor *m, uint64_t id)
{
	uint64_t i;

	return hashmap_get(&m->by_id, id, &i) ? &m->v[i]->s : NULL;
}

void monitor_counts(const struct monitor *m, size_t counts[LIVE_PAUSED + 1])
{
	memset(counts, 0, sizeof(size_t) * (LIVE_PAUSED + 1));
	for (size_t i = 0; i < m->n; i++)
		counts[m->v[i]->s.live]++;
}
