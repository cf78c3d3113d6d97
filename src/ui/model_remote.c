/*
 * model_remote: the remote viewer's rows (httpsmon --view --remote URL...),
 * one per endpoint per collector, built from the lists remote.h keeps.
 * The lists are made current here only (remote_sync, at a refresh), so the
 * rows' pointers into them stay valid until the next model_refresh, as
 * every row's must. A row's key is its name and its collector's label, so
 * the cursor and the frozen order tell the same endpoint's rows apart.
 *
 * A collector that cannot be reached keeps the rows of its last good list,
 * marked stale (drawn dimmed, the reason says since when); one that never
 * answered has no rows, only its line in the header.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/remote.h"
#include "httpsmon/util.h"

void model_init_remote(struct model *m, struct remote_set *rs)
{
	/* a viewer without a database: the defaults' expiry thresholds, nothing loaded yet */
	model_init_viewer(m, NULL, NULL);
	m->rs = rs;
}

static void keys_free(struct model *m)
{
	for (size_t i = 0; m->r_keys && i < m->n; i++)
		free(m->r_keys[i]);
	free(m->r_keys);
	m->r_keys = NULL;
}

void model_remote_done(struct model *m)
{
	keys_free(m);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* Row r from endpoint e of collector ci (st). */
static void row_from(struct model *m, struct row *r, const struct rj_endpoint *e, size_t ci,
		     const struct remote_state *st, char *key)
{
	memset(r, 0, sizeof(*r));
	r->name = e->name;
	r->key = key;
	r->location = st->label;
	r->loc = (int)ci;
	r->stale = !st->reached || e->stale;
	r->url = e->url;
	r->host = e->host;
	r->live = e->live;
	r->fails_in_row = e->live == LIVE_FAILING;
	r->r = e->have ? &e->r : NULL;
	r->v = e->have ? &e->v : NULL;
	r->vstate = e->have ? e->v.state : STATE_UP;
	r->reason = e->have ? reason_name(e->v.reason) : "";
	r->message = e->have ? e->v.message : "";
	r->last_ms = e->last_ms;
	r->interval_ms = e->interval_ms;
	r->spark_n = e->spark_n;
	memcpy(r->spark_us, e->spark_us, sizeof(e->spark_us));
	r->expiry_s = e->have ? probe_result_earliest_expiry(&e->r, NULL) : 0;
	r->up24 = e->up24;
	r->cert_warn_days = m->v_cert_warn_days;
	r->cert_crit_days = m->v_cert_crit_days;
	r->in_outage = e->in_outage;
	r->outage_start_ms = e->outage_start_ms;
	/* the list carries the grade, not the pass: the GRADE column, and the detail's grade lines only */
	r->posture = e->posture;
	r->posture_grade_only = e->posture != NULL;
}

bool model_refresh_remote(struct model *m, int64_t now_ms)
{
	struct remote_set *rs = m->rs;
	size_t n = 0, k = 0;
	uint64_t sig = 0;

	(void)now_ms;
	if (!remote_sync(rs) && m->v_seq >= 0) {
		/* a pane's answer came (remote_seq moved): the rows stand, the panes ask again */
		if ((uint64_t)m->v_seq == remote_seq(rs))
			return false;
		m->v_seq = (int64_t)remote_seq(rs);
		return true;
	}
	m->v_seq = (int64_t)remote_seq(rs);
	for (size_t i = 0; i < remote_count(rs); i++) {
		const struct remote_state *st = remote_at(rs, i);

		n += st->list ? st->list->n : 0;
	}
	keys_free(m);
	m->rows = xrealloc(m->rows, (n ? n : 1) * sizeof(*m->rows));
	m->order = xrealloc(m->order, (n ? n : 1) * sizeof(*m->order));
	m->r_keys = xcalloc(n ? n : 1, sizeof(*m->r_keys));
	m->n = n;
	for (size_t i = 0; i < remote_count(rs); i++) {
		const struct remote_state *st = remote_at(rs, i);

		sig = mix(sig, st->reached * 7u + (uint64_t)st->last_ok_ms);
		for (size_t j = 0; st->list && j < st->list->n; j++, k++) {
			const struct rj_endpoint *e = &st->list->eps[j];

			/* a byte no name holds (names are one line) between name and location */
			m->r_keys[k] = xasprintf("%s\x1f%s", e->name, st->label);
			row_from(m, &m->rows[k], e, i, st, m->r_keys[k]);
		}
	}
	m->v_loaded = m->n;
	m->sig = sig;
	return true;
}

/* One collector's part of the header line. */
static size_t status_one(const struct remote_state *st, bool first, int64_t now_ms, char *buf, size_t n)
{
	const char *sep = first ? "" : "   ";
	char age[32];

	if (st->reached)
		return (size_t)snprintf(buf, n, "%s%s ok (%zu endpoint%s)", sep, st->label, st->list->n,
					st->list->n == 1 ? "" : "s");
	if (st->last_ok_ms)
		return (size_t)snprintf(buf, n, "%s%s UNREACHABLE (rows of %s, stale): %s", sep, st->label,
					fmt_age(age, sizeof(age), now_ms - st->last_ok_ms), st->why);
	if (st->last_try_ms)
		return (size_t)snprintf(buf, n, "%s%s UNREACHABLE: %s", sep, st->label, st->why);
	return (size_t)snprintf(buf, n, "%s%s connecting...", sep, st->label);
}

char *model_remote_status(const struct model *m, int64_t now_ms, char *buf, size_t n, bool *problem)
{
	size_t len = 0;

	*problem = false;
	buf[0] = '\0';
	/* the unreachable first: on a narrow screen they are what must be read */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < remote_count(m->rs) && len < n; i++) {
			const struct remote_state *st = remote_at(m->rs, i);

			if (st->reached != (pass == 1))
				continue;
			*problem |= !st->reached && st->last_try_ms;
			len += status_one(st, len == 0, now_ms, buf + len, n - len);
		}
	}
	return buf;
}

bool model_remote_note(struct model *m, char *text, size_t n, bool *up)
{
	for (size_t i = 0; i < remote_count(m->rs) && i < MODEL_REMOTE_MAX; i++) {
		const struct remote_state *st = remote_at(m->rs, i);
		/* 0 never tried, 1 reached, 2 not: a note each time it moves between 1 and 2 */
		unsigned char now = !st->last_try_ms ? 0 : st->reached ? 1 : 2;
		unsigned char was = m->r_was[i];

		if (!now || now == was)
			continue;
		m->r_was[i] = now;
		if (now == 2)
			snprintf(text, n, "collector %s unreachable: %s", st->label, st->why);
		else if (was == 2)
			snprintf(text, n, "collector %s reachable again (%s)", st->label, st->url);
		else
			continue; /* the first answer is no news */
		*up = now == 1;
		return true;
	}
	return false;
}
