/*
 * order: which rows the list shows and in what order, and where the cursor
 * is. Owns the model's order array's contents, the selection (sel,
 * sel_name, cursor_top), the sort key and its direction, the filter's
 * matching and the frozen order (F).
 *
 * The cursor (what an operator reading the list relies on):
 *  - at start, and after g/Home, it is on the first row, whatever comes
 *    first: the worst endpoint, as results arrive and re-sort the rows;
 *  - once moved onto an endpoint it stays on it, and that row keeps its
 *    place while results re-sort the others around it (its new state shows
 *    at once), so the row under the cursor never jumps away and the view
 *    never follows it into the UP block; it takes its sorted place when
 *    the cursor leaves it;
 *  - a sort or filter the operator asks for moves it with its endpoint.
 * Frozen (F), the order stays as it was when frozen (new endpoints go
 * last, in sort order) until F again; a new sort takes the frozen order
 * again in that sort.
 *
 * Ties fall back to the name (strcmp, byte order), so the order never
 * depends on config order or on qsort.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

static int live_rank(enum live l)
{
	switch (l) {
	case LIVE_DOWN:
		return 0;
	case LIVE_FAILING:
		return 1;
	case LIVE_WARN:
		return 2;
	case LIVE_PENDING:
		return 3;
	case LIVE_UP:
		return 4;
	default:
		return 5;
	}
}

/* The latency a row shows: none when it got no response (the time is how long failing took). */
static int64_t row_latency(const struct row *r)
{
	if (!r->r || (r->vstate == STATE_DOWN && !r->r->http_status))
		return -1;
	return r->r->t.us[PHASE_TOTAL];
}

/*
 * A row's value for a sort key: a number or a text, ascending in the
 * key's own direction (numbers negated where bigger is worse), or none.
 */
struct sort_val {
	bool none;
	int64_t v;
	const char *s;    /* text keys; NULL for numbers */
	char buf[128];
};

static void sort_val(const struct row *r, enum ui_sort k, struct sort_val *o)
{
	o->none = false;
	o->v = 0;
	o->s = NULL;
	switch (k) {
	case SORT_STATE:
		o->v = live_rank(r->live);
		break;
	case SORT_NAME:
		o->s = r->name;
		break;
	case SORT_HOST:
		o->s = r->host;
		o->none = !r->host || !*r->host;
		break;
	case SORT_LATENCY:
		/* slowest first, no response last */
		o->v = -row_latency(r);
		o->none = row_latency(r) < 0;
		break;
	case SORT_TLS_HS:
		o->none = !r->r || r->r->t.us[PHASE_TLS] <= 0;
		o->v = o->none ? 0 : -r->r->t.us[PHASE_TLS];
		break;
	case SORT_RECENT:
		/* most failures in the sparkline first */
		for (int i = 0; i < r->spark_n; i++)
			o->v -= r->spark_us[i] < 0;
		o->none = !r->spark_n;
		break;
	case SORT_UPTIME:
		/* lowest first, in thousandths of a percent */
		o->none = r->up24 < 0;
		o->v = o->none ? 0 : (int64_t)(r->up24 * 1000);
		break;
	case SORT_EXPIRY:
		/* soonest first */
		o->none = !r->expiry_s;
		o->v = r->expiry_s;
		break;
	case SORT_TLS_VER:
		/* oldest first: "TLSv1.2" < "TLSv1.3" */
		o->s = r->r ? r->r->tls_version : "";
		o->none = !*o->s;
		break;
	case SORT_AGE:
		/* stalest first; never probed is the stalest of all */
		o->v = r->last_ms;
		break;
	case SORT_REASON:
		o->s = r->reason;
		o->none = !r->reason || !*r->reason;
		break;
	case SORT_TAGS:
		o->s = row_tags_text(r, o->buf, sizeof(o->buf));
		o->none = !o->buf[0];
		break;
	case SORT_LOCATION:
		o->s = r->location;
		o->none = !r->location;
		break;
	case SORT_GRADE:
		/* worst first: F, T, M, E ... A+; no pass yet last */
		o->v = ui_grade_rank(r->posture ? r->posture->g.grade : NULL);
		o->none = o->v < 0;
		break;
	default:
		break;
	}
}

const char *row_tags_text(const struct row *r, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; r->tags && i < r->tags->n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "," : "", r->tags->v[i]);
	return buf;
}

struct sort_ctx {
	const struct model *m;
	enum ui_sort sort;
	int dir;          /* 1, or -1 reversed */
};

static int by_key(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *x = arg;
	const struct row *a = &x->m->rows[*(const size_t *)pa];
	const struct row *b = &x->m->rows[*(const size_t *)pb];
	struct sort_val va, vb;
	int c = 0;

	if (x->m->frozen) {
		uint64_t ra = UINT64_MAX, rb = UINT64_MAX;

		hashmap_sget(&x->m->frozen_rank, row_key(a), &ra);
		hashmap_sget(&x->m->frozen_rank, row_key(b), &rb);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	sort_val(a, x->sort, &va);
	sort_val(b, x->sort, &vb);
	if (va.none != vb.none)
		return va.none ? 1 : -1; /* without the value: last, either way */
	if (!va.none) {
		if (va.s)
			c = strcmp(va.s, vb.s);
		else
			c = va.v < vb.v ? -1 : va.v > vb.v;
	}
	if (c)
		return c * x->dir;
	/* the same endpoint from several collectors: by location */
	c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->location ? a->location : "", b->location ? b->location : "");
}

static bool row_matches(const struct row *r, const char *filter)
{
	if (!*filter || fmt_match(r->name, filter) || fmt_match(r->host, filter) ||
	    (r->location && fmt_match(r->location, filter)))
		return true;
	for (size_t i = 0; r->tags && i < r->tags->n; i++)
		if (fmt_match(r->tags->v[i], filter))
			return true;
	return false;
}

void model_arrange(struct model *m, enum ui_sort sort, const char *filter)
{
	struct sort_ctx x = { m, sort, m->sort_rev ? -1 : 1 };

	m->n_shown = 0;
	for (size_t i = 0; i < m->n; i++)
		if (row_matches(&m->rows[i], filter ? filter : ""))
			m->order[m->n_shown++] = i;
	qsort_r(m->order, m->n_shown, sizeof(*m->order), by_key, &x);
}

const char *sort_name(enum ui_sort s)
{
	static const char *const names[SORT_COUNT] = {
		[SORT_STATE] = "state", [SORT_NAME] = "name", [SORT_LATENCY] = "latency",
		[SORT_EXPIRY] = "cert expiry", [SORT_AGE] = "age", [SORT_HOST] = "host",
		[SORT_TLS_HS] = "TLS handshake", [SORT_RECENT] = "recent failures",
		[SORT_UPTIME] = "uptime", [SORT_TLS_VER] = "TLS version", [SORT_REASON] = "reason",
		[SORT_TAGS] = "tags", [SORT_LOCATION] = "location", [SORT_GRADE] = "grade",
	};

	return (unsigned)s < SORT_COUNT ? names[s] : "?";
}

long model_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_shown; i++)
		if (!strcmp(row_key(&m->rows[m->order[i]]), name))
			return (long)i;
	return -1;
}

void model_sync(struct model *m)
{
	long i = m->sel_name[0] && !m->cursor_top ? model_find(m, m->sel_name) : -1;

	if (m->cursor_top)
		m->sel = 0;
	else if (i >= 0)
		m->sel = i;
	else if (m->sel >= (long)m->n_shown)
		m->sel = (long)m->n_shown - 1;
	if (m->sel < 0 && m->n_shown)
		m->sel = 0;
	if (!m->n_shown)
		m->sel = -1;
	if (m->sel >= 0)
		snprintf(m->sel_name, sizeof(m->sel_name), "%s", row_key(model_shown(m, (size_t)m->sel)));
}

void model_rearrange(struct model *m)
{
	long held = m->cursor_top || m->frozen || !m->sel_name[0] ? -1 : m->sel;
	long now;

	model_arrange(m, m->sort, m->filter);
	now = held >= 0 ? model_find(m, m->sel_name) : -1;
	/* the cursor's row stays where it was shown; the others take their places around it */
	if (now >= 0 && held < (long)m->n_shown && now != held) {
		size_t keep = m->order[now];

		if (now < held)
			memmove(&m->order[now], &m->order[now + 1], (size_t)(held - now) * sizeof(*m->order));
		else
			memmove(&m->order[held + 1], &m->order[held], (size_t)(now - held) * sizeof(*m->order));
		m->order[held] = keep;
	}
	model_sync(m);
}

void model_reorder(struct model *m)
{
	model_arrange(m, m->sort, m->filter);
	model_sync(m);
}

static void frozen_push(struct model *m, const char *name)
{
	if (hashmap_sget(&m->frozen_rank, name, NULL))
		return;
	strlist_push(&m->frozen_names, name);
	/* the key is the list's own copy: it lives as long as the entry */
	hashmap_sput(&m->frozen_rank, m->frozen_names.v[m->frozen_names.n - 1], m->frozen_names.n - 1);
}

/*
 * Takes the frozen order: the rows shown now as they are shown (as_shown),
 * then every other row in the current sort.
 */
static void freeze_take(struct model *m, bool as_shown)
{
	size_t n_was = as_shown ? m->n_shown : 0;
	size_t *was = xmalloc((n_was ? n_was : 1) * sizeof(*was));

	memcpy(was, m->order, n_was * sizeof(*was));
	model_freeze(m, false);
	hashmap_init(&m->frozen_rank, HASHMAP_STR);
	for (size_t i = 0; i < n_was; i++)
		frozen_push(m, row_key(&m->rows[was[i]]));
	free(was);
	model_arrange(m, m->sort, "");
	for (size_t i = 0; i < m->n_shown; i++)
		frozen_push(m, row_key(model_shown(m, i)));
	m->frozen = true;
}

void model_freeze(struct model *m, bool on)
{
	if (on) {
		freeze_take(m, true);
		model_reorder(m);
		return;
	}
	if (m->frozen)
		hashmap_done(&m->frozen_rank);
	memset(&m->frozen_rank, 0, sizeof(m->frozen_rank));
	strlist_done(&m->frozen_names);
	m->frozen = false;
}

void model_set_sort(struct model *m, enum ui_sort s, bool rev)
{
	m->sort = s;
	m->sort_rev = rev;
	if (m->frozen)
		freeze_take(m, false);
	model_reorder(m);
}

bool model_select(struct model *m, long i)
{
	if (!m->n_shown)
		return false;
	if (i < 0)
		i = 0;
	if (i >= (long)m->n_shown)
		i = (long)m->n_shown - 1;
	m->cursor_top = false;
	m->sel = i;
	snprintf(m->sel_name, sizeof(m->sel_name), "%s", row_key(model_shown(m, (size_t)i)));
	return true;
}

void model_select_top(struct model *m)
{
	m->cursor_top = true;
	model_sync(m);
}

const struct row *model_selected(const struct model *m)
{
	return m->sel >= 0 ? model_shown(m, (size_t)m->sel) : NULL;
}

long model_next_problem(const struct model *m, int dir, bool *wrapped)
{
	long n = (long)m->n_shown, from = m->sel < 0 ? (dir > 0 ? -1 : n) : m->sel;

	*wrapped = false;
	for (long k = 1; k <= n; k++) {
		long i = from + dir * k;
		enum live l;

		if (i >= n || i < 0) {
			*wrapped = true;
			i = (i + n) % n;
		}
		l = model_shown(m, (size_t)i)->live;
		if (l == LIVE_DOWN || l == LIVE_FAILING || l == LIVE_WARN)
			return i;
	}
	return -1;
}
