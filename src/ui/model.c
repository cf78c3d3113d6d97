/*
 * model: the rows the dashboard draws, one per endpoint, built from the
 * monitor (live dashboard) or from the store (read-only viewer), so both
 * modes share every pane. Owns the row array, the filtered and sorted
 * order (arranged by order.c), the viewer's copies of stored probes and a
 * cache of 24 h uptimes.
 *
 * Invariants: a row's pointers point only into the model's own storage
 * (struct lrow live, struct vrow in the viewer) and are valid until the
 * next model_refresh(): a config reload frees the old config and the
 * monitor entries of dropped endpoints before the next refresh, and keys
 * handled in between read rows;
 * the store is never queried per frame: an uptime is refreshed when the
 * collector wrote its endpoint (store_endpoints_written) or after
 * UPTIME_TTL_MS, within a time budget per pass, the viewer rebuilds only when
 * store_write_seq() moved, and checks that at most once a second: it
 * follows what the collector wrote, not when probes started, so a slow or
 * timing-out probe, written long after it started, is seen too.
 * The viewer's first load reads every endpoint (on a cold file, disk reads
 * for each): it shows the names at once and fills the rows in slices of
 * LOAD_SLICE_MS, one per pass, so keys are answered while it loads.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpsmon/config.h"
#include "httpsmon/fmt.h"
#include "httpsmon/hashmap.h"
#include "httpsmon/notify.h"
#include "httpsmon/util.h"

#define UPTIME_TTL_MS    60000 /* the window's far end moves slowly; each refresh is a query */
#define UPTIME_BUDGET_US 5000  /* uptime queries per pass, so a burst of writes never stalls a frame */
#define VIEWER_POLL_MS   1000
#define LOAD_SLICE_MS    20    /* viewer: first load, per pass */

struct upcache {
	char name[128];
	double pct;       /* -1 unknown */
	int64_t at_ms;    /* when fetched, 0 never */
	bool used;        /* seen in the latest refresh */
};

struct vrow {
	char *name;
	bool have;
	bool paused;      /* in the store's pause table */
	struct probe_row pr;
	struct probe_result r;
	struct verdict v;
	bool in_outage;
	int64_t outage_start_ms;
	int64_t spark[MONITOR_SPARK];
	int spark_n;
	char host[256];   /* from pr.url */
	struct posture_rec *posture; /* the latest stored posture pass, NULL none */
};

struct lrow {
	uint64_t id;      /* monitor entry copied; 0 none yet */
	int64_t probes;   /* its result count at the copy: r and v are copied again when it moves */
	bool have;        /* r and v hold a result */
	char *name, *url, *host;
	struct strlist tags;
	bool expect_hsts;
	struct probe_result r; /* body dropped */
	struct verdict v;
	struct posture_rec *posture; /* copy of the entry's last posture pass, NULL none */
	int64_t posture_passes;  /* the entry's count at the copy, -1 none */
};

void model_init_live(struct model *m, struct app *a)
{
	memset(m, 0, sizeof(*m));
	m->sel = -1;
	m->cursor_top = true;
	m->app = a;
	m->st = app_store(a);
}

void model_init_viewer(struct model *m, struct store *st, const char *db_path)
{
	memset(m, 0, sizeof(*m));
	m->sel = -1;
	m->cursor_top = true;
	m->viewer = true;
	m->st = st;
	m->v_last_probe_ms = -1;
	m->v_seq = -1;
	m->up_seq = -1;
	snprintf(m->db_path, sizeof(m->db_path), "%s", db_path ? db_path : "");
	{
		struct endpoint d;

		endpoint_defaults(&d);
		m->v_cert_warn_days = d.cert_warn_days;
		m->v_cert_crit_days = d.cert_crit_days;
		endpoint_done(&d);
	}
}

enum state model_cert_state(const struct row *r, int64_t not_after_s, int64_t now_s)
{
	return verdict_cert_expiry(not_after_s, now_s, r->cert_warn_days, r->cert_crit_days);
}

static void vrows_free(struct model *m)
{
	for (size_t i = 0; m->v && i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].posture);
		probe_result_done(&m->v[i].r);
	}
	free(m->v);
	m->v = NULL;
}

static void lrow_done(struct lrow *l)
{
	free(l->name);
	free(l->url);
	free(l->host);
	strlist_done(&l->tags);
	probe_result_done(&l->r);
	free(l->posture);
	memset(l, 0, sizeof(*l));
	probe_result_init(&l->r);
}

/* Live storage for n rows: rows past n are freed, new ones start empty. */
static void lrows_resize(struct model *m, size_t old_n, size_t n)
{
	for (size_t i = n; i < old_n; i++)
		lrow_done(&m->l[i]);
	m->l = xrealloc(m->l, (n ? n : 1) * sizeof(*m->l));
	for (size_t i = old_n; i < n; i++) {
		memset(&m->l[i], 0, sizeof(m->l[i]));
		probe_result_init(&m->l[i].r);
	}
}

void model_done(struct model *m)
{
	mutes_free(m->vmutes);
	m->vmutes = NULL;
	if (m->rs)
		model_remote_done(m);
	else if (m->viewer)
		vrows_free(m);
	else if (m->l)
		lrows_resize(m, m->n, 0);
	model_freeze(m, false);
	free(m->l);
	free(m->rows);
	free(m->order);
	free(m->up);
	memset(m, 0, sizeof(*m));
}

static void resize_rows(struct model *m, size_t n)
{
	m->rows = xrealloc(m->rows, (n ? n : 1) * sizeof(*m->rows));
	m->order = xrealloc(m->order, (n ? n : 1) * sizeof(*m->order));
	memset(m->rows, 0, (n ? n : 1) * sizeof(*m->rows));
	m->n = n;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* ---- uptime cache ------------------------------------------------------- */

static struct upcache *up_find(struct model *m, const char *name, size_t hint)
{
	if (hint < m->n_up && !strcmp(m->up[hint].name, name))
		return &m->up[hint];
	for (size_t i = 0; i < m->n_up; i++)
		if (!strcmp(m->up[i].name, name))
			return &m->up[i];
	m->up = xrealloc(m->up, (m->n_up + 1) * sizeof(*m->up));
	memset(&m->up[m->n_up], 0, sizeof(*m->up));
	snprintf(m->up[m->n_up].name, sizeof(m->up[m->n_up].name), "%s", name);
	m->up[m->n_up].pct = -1;
	return &m->up[m->n_up++];
}

/*
 * The figures of the endpoints the collector wrote since the last look go
 * stale at once (at_ms 0): an uptime moves when probes land (a state
 * change commits at once), so "UP 24h" never lags the sparkline beside it
 * by a minute; the TTL only ages the window's far end.
 */
static void up_invalidate_written(struct model *m)
{
	int64_t seq = store_write_seq(m->st);
	struct strlist names = { 0 };

	if (seq < 0 || seq == m->up_seq)
		return;
	if (m->up_seq >= 0 && store_endpoints_written(m->st, m->up_seq, &names) == 0) {
		for (size_t k = 0; k < names.n; k++)
			for (size_t i = 0; i < m->n_up; i++)
				if (!strcmp(m->up[i].name, names.v[k]))
					m->up[i].at_ms = 0;
	} else {
		for (size_t i = 0; i < m->n_up; i++)
			m->up[i].at_ms = 0;
	}
	strlist_done(&names);
	m->up_seq = seq;
}

/* Whether c is due for a query: never fetched or written since (first), or past its TTL. */
static bool up_due(const struct upcache *c, int64_t now_ms, bool written_only)
{
	if (!c->at_ms)
		return true;
	/* unknown (no rows yet) is asked again sooner */
	return !written_only && now_ms - c->at_ms >= (c->pct < 0 ? UPTIME_TTL_MS / 6 : UPTIME_TTL_MS);
}

/*
 * Refreshes stale entries, the written ones first, for at most
 * UPTIME_BUDGET_US per pass (the rest waits for the next pass); drops
 * entries of vanished endpoints. Every figure is store_uptime's: the one
 * definition the history pane and the CLI read too.
 */
static void up_refresh(struct model *m, int64_t now_ms)
{
	int64_t t0 = util_mono_us();
	size_t w = 0;

	for (size_t i = 0; i < m->n_up; i++)
		if (m->up[i].used)
			m->up[w++] = m->up[i];
	m->n_up = w;
	if (!m->st || !m->n_up)
		return;
	up_invalidate_written(m);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < m->n_up; k++) {
			struct upcache *c = &m->up[(m->up_next + k) % m->n_up];
			struct uptime u;

			if (!up_due(c, now_ms, pass == 0))
				continue;
			if (util_mono_us() - t0 > UPTIME_BUDGET_US) {
				m->up_next = (m->up_next + k) % m->n_up;
				return;
			}
			c->at_ms = now_ms;
			if (store_uptime(m->st, c->name, now_ms - DAY_MS, now_ms, &u) == 0)
				c->pct = u.pct;
		}
	}
}

/* Each row's 24 h uptime from the cache, as refreshed; true when one moved. */
static bool rows_take_uptimes(struct model *m)
{
	bool moved = false;

	for (size_t i = 0; i < m->n; i++) {
		struct row *r = &m->rows[i];
		double pct = up_find(m, r->name, i)->pct;

		if (pct != r->up24) {
			r->up24 = pct;
			moved = true;
		}
	}
	return moved;
}

/* ---- live --------------------------------------------------------------- */

static void str_sync(char **slot, const char *s)
{
	if (*slot && s && !strcmp(*slot, s))
		return;
	free(*slot);
	*slot = xstrdup(s ? s : "");
}

/*
 * Brings l up to date with s: text is copied only when it differs, the
 * probe result only when the entry has a new one (a copy holds a chain).
 */
static void lrow_sync(struct lrow *l, const struct ep_status *s)
{
	if (l->id != s->id) {
		lrow_done(l);
		l->id = s->id;
		l->probes = -1;
	}
	str_sync(&l->name, s->name);
	str_sync(&l->url, s->ep->url);
	str_sync(&l->host, s->ep->host);
	if (!strlist_equal(&l->tags, &s->ep->tags)) {
		strlist_done(&l->tags);
		strlist_copy(&l->tags, &s->ep->tags);
	}
	l->expect_hsts = s->ep->expect_hsts;
	if (!s->posture) {
		free(l->posture);
		l->posture = NULL;
	} else if (!l->posture || l->posture_passes != s->posture_passes || l->posture->t_ms != s->posture->t_ms) {
		if (!l->posture)
			l->posture = xmalloc(sizeof(*l->posture));
		*l->posture = *s->posture;
		l->posture_passes = s->posture_passes;
	}
	if (l->probes == s->probes && l->have == s->have_result)
		return;
	probe_result_done(&l->r);
	probe_result_init(&l->r);
	if (s->have_result) {
		probe_result_copy(&l->r, &s->last);
		free(l->r.body);
		l->r.body = NULL;
	}
	l->v = s->last_v;
	l->have = s->have_result;
	l->probes = s->probes;
}

static bool refresh_live(struct model *m, int64_t now_ms)
{
	const struct monitor *mon = app_monitor(m->app);
	size_t n = monitor_count(mon);
	uint64_t sig = mix((uint64_t)(uintptr_t)monitor_config(mon), n);

	if (n != m->n || !m->l) {
		lrows_resize(m, m->l ? m->n : 0, n);
		resize_rows(m, n);
	}
	for (size_t i = 0; i < m->n_up; i++)
		m->up[i].used = false;
	for (size_t i = 0; i < n; i++) {
		const struct ep_status *s = monitor_at(mon, i);
		struct lrow *l = &m->l[i];
		struct row *r = &m->rows[i];
		up_find(m, s->name, i)->used = true;
		lrow_sync(l, s);
		r->name = l->name;
		r->url = l->url;
		r->host = l->host;
		r->tags = &l->tags;
		r->stored = false;
		r->expect_hsts = l->expect_hsts;
		r->v = l->have ? &l->v : NULL;
		r->from_history = s->from_history;
		r->live = s->live;
		r->fails_in_row = s->fails_in_row;
		if (s->from_history && s->live == LIVE_PENDING) {
			/* known at once: the stored state until a fresh probe is judged */
			r->live = model_stored_live(true, s->in_outage, l->v.state);
			if (r->live == LIVE_FAILING)
				r->fails_in_row = 1;
		}
		r->fail_after = s->ep->fail_after;
		r->r = l->have ? &l->r : NULL;
		r->vstate = l->v.state;
		r->reason = l->have ? reason_name(l->v.reason) : "";
		r->message = l->have ? l->v.message : "";
		r->last_ms = s->have_result ? s->last_ms : 0;
		r->interval_ms = s->ep->interval_ms;
		r->cert_warn_days = s->ep->cert_warn_days;
		r->cert_crit_days = s->ep->cert_crit_days;
		r->spark_n = s->spark_len;
		fmt_ring_linear(s->spark_us, s->spark_len, s->spark_head, MONITOR_SPARK, r->spark_us);
		r->expiry_s = r->r ? probe_result_earliest_expiry(r->r, NULL) : 0;
		r->in_outage = s->in_outage;
		r->outage_start_ms = s->outage_start_ms;
		r->posture = l->posture;
		r->posture_on = s->ep->posture_interval_ms > 0 && !s->ep->plain_http;
		r->posture_judged = monitor_judged_posture(s) != NULL;
		sig = mix(sig, l->posture ? (uint64_t)l->posture->t_ms : 0);
		/* without history: since the start (the store's figures come after the loop) */
		if (!m->st)
			r->up24 = s->probes ? 100.0 * (double)(s->probes - s->failures) / (double)s->probes : -1;
		sig = mix(sig, hash_str(s->name));
		sig = mix(sig, hash_str(l->host)); /* a reload may move an endpoint: the filter matches hosts */
		sig = mix(sig, (uint64_t)s->last_ms);
		sig = mix(sig, (uint64_t)r->live * 131 + (uint64_t)r->fails_in_row + (s->from_history ? 1u << 20 : 0));
		sig = mix(sig, (uint64_t)(int64_t)(r->up24 * 1000));
	}
	up_refresh(m, now_ms);
	if (m->st && rows_take_uptimes(m))
		sig = mix(sig, ++m->up_moves);
	if (sig == m->sig)
		return false;
	m->sig = sig;
	return true;
}

/* ---- viewer ------------------------------------------------------------- */

/*
 * What the history's latest probe of v says, and its newest probes as the
 * sparkline: one mark per probe, the same as the live ring (a failed probe
 * is a failure mark, whatever the others of its minute did).
 */
static void vrow_load(struct model *m, struct vrow *v, int64_t now_ms)
{
	(void)now_ms;
	probe_result_init(&v->r);
	v->have = store_last_result(m->st, v->name, &v->pr, &v->r, &v->v) == 0;
	v->spark_n = 0;
	if (!v->posture)
		v->posture = xmalloc(sizeof(*v->posture));
	if (store_last_posture(m->st, v->name, v->posture) != 0) {
		free(v->posture);
		v->posture = NULL;
	}
	if (!v->have)
		return;
	if (config_url_host(v->pr.url, v->host, sizeof(v->host)) != 0)
		snprintf(v->host, sizeof(v->host), "%s", v->pr.ip);
	if (store_recent(m->st, v->name, MONITOR_SPARK, v->spark, &v->spark_n) != 0)
		v->spark_n = 0;
}

static bool same_names(const struct model *m, const struct strlist *names)
{
	if (!m->v || names->n != m->n)
		return false;
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], m->v[i].name) != 0)
			return false;
	return true;
}

/* Loads the rows after v_loaded (the first load goes in name order) for at most LOAD_SLICE_MS. */
static void load_slice(struct model *m, int64_t now_ms)
{
	int64_t t0 = util_mono_us();

	while (m->v_loaded < m->n && util_mono_us() - t0 < LOAD_SLICE_MS * 1000) {
		vrow_load(m, &m->v[m->v_loaded], now_ms);
		m->v_loaded++;
	}
}

static void load_all(struct model *m, const struct strlist *names, int64_t now_ms)
{
	vrows_free(m);
	resize_rows(m, names->n);
	m->v = xcalloc(names->n ? names->n : 1, sizeof(*m->v));
	for (size_t i = 0; i < names->n; i++) {
		m->v[i].name = xstrdup(names->v[i]);
		probe_result_init(&m->v[i].r);
	}
	m->v_loaded = 0;
	load_slice(m, now_ms);
}

bool model_loading(const struct model *m)
{
	return m->viewer && m->v_loaded < m->n;
}

/* Both lists are sorted by name: one merge pass finds the rows to reload. */
static void load_written(struct model *m, int64_t after_seq, int64_t now_ms)
{
	struct strlist upd = { 0 };
	size_t i = 0;

	if (store_endpoints_written(m->st, after_seq, &upd) != 0)
		return;
	for (size_t k = 0; k < upd.n; k++) {
		while (i < m->n && strcmp(m->v[i].name, upd.v[k]) < 0)
			i++;
		/* a row the first load has not reached yet will be read fresh anyway */
		if (i < m->v_loaded && !strcmp(m->v[i].name, upd.v[k])) {
			struct vrow *v = &m->v[i];

			probe_result_done(&v->r);
			v->spark_n = 0;
			vrow_load(m, v, now_ms);
		}
	}
	strlist_done(&upd);
}

/*
 * A notifier that keeps failing, as the collector's header says it: from
 * the delivery history (one indexed read of its newest rows a poll).
 * True when the text changed.
 */
static bool viewer_failing(struct model *m)
{
	struct delivery_row *d;
	size_t n;
	char now[sizeof(m->v_failing)];

	if (store_deliveries(m->st, 0, NOTIFY_FAILING_ROWS, &d, &n) != 0)
		return false;
	notify_failing_rows(d, n, now, sizeof(now));
	free(d);
	if (!strcmp(now, m->v_failing))
		return false;
	memcpy(m->v_failing, now, sizeof(now));
	return true;
}

/*
 * What the operator's controls say, once a poll: whether a collector holds
 * the database (r and p are sent to it) and which endpoints are paused (a
 * pause is no write of an endpoint: the table is read each time, a few
 * rows). True when a row's pause changed.
 */
static bool viewer_controls(struct model *m)
{
	struct strlist paused = { 0 };
	bool changed = false;
	long pid = store_collector_pid(m->db_path);

	changed = pid != m->v_collector_pid;
	m->v_collector_pid = pid;
	changed |= viewer_failing(m);
	if (store_paused(m->st, &paused) != 0)
		return changed;
	for (size_t i = 0; m->v && i < m->n; i++) {
		bool p = false;

		for (size_t k = 0; k < paused.n && !p; k++)
			p = !strcmp(paused.v[k], m->v[i].name);
		changed |= p != m->v[i].paused;
		m->v[i].paused = p;
	}
	strlist_done(&paused);
	return changed;
}

static bool refresh_viewer(struct model *m, int64_t now_ms)
{
	int64_t mono = util_mono_us() / 1000;
	struct strlist names = { 0 };
	struct outage_row *out = NULL;
	size_t nout = 0;
	int64_t seq;
	bool changed = false;

	if (model_loading(m)) {
		load_slice(m, now_ms);
		changed = true;
	} else if (m->v_seq >= 0 && mono - m->v_checked_mono_ms < VIEWER_POLL_MS) {
		return false;
	}
	m->v_checked_mono_ms = mono;
	for (size_t i = 0; i < m->n_up; i++)
		m->up[i].used = true;
	seq = store_write_seq(m->st);
	if (seq >= 0 && seq != m->v_seq) {
		int64_t prev = m->v_seq;

		m->v_seq = seq;
		m->v_last_probe_ms = store_last_probe_ms(m->st);
		changed = true;
		if (store_endpoint_names(m->st, &names) != 0)
			names.n = 0;
		/*
		 * A collector writes every second: reload only the endpoints it
		 * wrote since the last look, unless the set of names moved.
		 */
		if (prev < 0 || !same_names(m, &names))
			load_all(m, &names, now_ms);
		else
			load_written(m, prev, now_ms);
		store_open_outages(m->st, &out, &nout);
		for (size_t i = 0; i < m->n; i++) {
			struct vrow *v = &m->v[i];

			v->in_outage = false;
			for (size_t k = 0; k < nout; k++) {
				if (!out[k].end_ms && !strcmp(out[k].name, v->name)) {
					v->in_outage = true;
					v->outage_start_ms = out[k].start_ms;
					break;
				}
			}
		}
		free(out);
		strlist_done(&names);
	}
	/* after a load: new rows start unpaused */
	if (viewer_controls(m))
		changed = true;
	for (size_t i = 0; i < m->n_up; i++)
		m->up[i].used = false;
	for (size_t i = 0; i < m->n; i++) {
		struct vrow *v = &m->v[i];
		struct row *r = &m->rows[i];
		up_find(m, v->name, i)->used = true;
		r->name = v->name;
		r->stored = true;
		r->url = v->have ? v->pr.url : "";
		r->host = v->have ? v->host : "";
		r->r = v->have ? &v->r : NULL;
		r->vstate = v->have ? v->v.state : STATE_UP;
		r->v = v->have ? &v->v : NULL;
		r->live = v->paused ? LIVE_PAUSED : model_stored_live(v->have, v->in_outage, r->vstate);
		r->reason = v->have ? v->pr.reason : "";
		r->message = v->have ? v->pr.message : "";
		r->last_ms = v->have ? v->pr.t_ms : 0;
		r->expiry_s = v->have ? probe_result_earliest_expiry(&v->r, NULL) : 0;
		r->cert_warn_days = m->v_cert_warn_days;
		r->cert_crit_days = m->v_cert_crit_days;
		r->in_outage = v->in_outage;
		r->outage_start_ms = v->outage_start_ms;
		r->spark_n = v->spark_n;
		memcpy(r->spark_us, v->spark, sizeof(v->spark));
		r->posture = v->posture;
		r->posture_on = false;
		r->posture_judged = false;
	}
	/* the rows first: uptimes are more disk reads */
	if (!model_loading(m))
		up_refresh(m, now_ms);
	return rows_take_uptimes(m) || changed;
}

enum live model_stored_live(bool have, bool in_outage, enum state vstate)
{
	if (!have)
		return LIVE_PENDING;
	if (in_outage)
		return LIVE_DOWN;
	return vstate == STATE_DOWN ? LIVE_FAILING : vstate == STATE_WARN ? LIVE_WARN : LIVE_UP;
}

/* A wall-clock time as HH:MM:SS, with the date when it is not within the last day. */
static void clock_at(char *buf, size_t n, int64_t ms, int64_t now_ms)
{
	fmt_clock_local(buf, n, ms, now_ms - ms < DAY_MS ? "%H:%M:%S" : "%Y-%m-%d %H:%M");
}

char *model_history_note(const struct row *r, int64_t now_ms, char *buf, size_t n)
{
	char since[32], age[32];

	fmt_age(age, sizeof(age), now_ms - r->last_ms);
	if (r->in_outage) {
		clock_at(since, sizeof(since), r->outage_start_ms, now_ms);
		snprintf(buf, n, "from history: DOWN since %s, last probe %s", since, age);
	} else {
		snprintf(buf, n, "from history: %s, last probe %s", ui_live_word(r->live), age);
	}
	return buf;
}

/*
 * Every row's mute mark: the collector's set (live, kept current by its
 * timer) or the file's (viewer: read again when polled is true). True
 * when a mark changed.
 */
static bool mute_sync(struct model *m, bool polled, int64_t now_ms)
{
	struct mutes *mu = m->app ? app_mutes(m->app) : m->vmutes;
	bool changed = false;

	if (!m->app && m->st && polled) {
		if (!m->vmutes)
			m->vmutes = mutes_new();
		mu = m->vmutes;
		mutes_load(mu, m->st, now_ms);
	}
	for (size_t i = 0; i < m->n; i++) {
		struct row *r = &m->rows[i];
		const struct mute_row *mr = mutes_find(mu, r->name, now_ms);
		char t[sizeof(r->mute)];

		if (mr)
			mute_describe(mr, now_ms, t, sizeof(t));
		else
			t[0] = '\0';
		if (strcmp(t, r->mute) != 0) {
			memcpy(r->mute, t, sizeof(t));
			changed = true;
		}
	}
	return changed;
}

bool model_refresh(struct model *m, int64_t now_ms)
{
	int64_t polled = m->v_checked_mono_ms;
	bool changed;

	if (m->rs)
		return model_refresh_remote(m, now_ms); /* no mutes: the API does not serve them */
	changed = m->viewer ? refresh_viewer(m, now_ms) : refresh_live(m, now_ms);

	return mute_sync(m, m->v_checked_mono_ms != polled, now_ms) || changed;
}

const struct row *model_shown(const struct model *m, size_t i)
{
	return i < m->n_shown ? &m->rows[m->order[i]] : NULL;
}

void model_counts(const struct model *m, size_t counts[LIVE_PAUSED + 1])
{
	memset(counts, 0, sizeof(size_t) * (LIVE_PAUSED + 1));
	for (size_t i = 0; i < m->n; i++)
		counts[m->rows[i].live]++;
}
