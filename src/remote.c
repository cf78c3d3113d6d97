/*
 * remote: the --view --remote collectors (see remote.h). Owns a probe
 * engine used only for its multi handle on the caller's loop, one struct
 * rcol per collector (its base URL, token, state and last good list) and,
 * per collector, one slot per kind of pane question (detail, series,
 * outages): the question's key, its parsed answer, when it came and
 * whether a fetch for it runs. A struct rget is one GET in flight: it owns
 * its easy handle, headers and the body read so far (at most
 * REMOTE_MAX_BODY), and says when it ends which collector and slot it was
 * for; its answer is parsed (rjson.h) and replaces the old one only when
 * it parsed.
 *
 * Invariant: at most one fetch per slot and one list fetch per collector
 * at a time; while the set is being freed no callback touches state.
 */
#include "httpsmon/remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpsmon/loop.h"
#include "httpsmon/probe.h"
#include "httpsmon/util.h"

enum rkind { RK_LIST, RK_DETAIL, RK_SERIES, RK_OUTAGES, RK_PROBES, RK_COUNT };

struct slot {
	char key[300];          /* the question answered (or being asked), "" none */
	bool running;
	int64_t asked_ms;       /* when the last fetch for key started, 0 never */
	bool have;              /* data answers key */
	char why[200];
	struct rj_detail detail;
	struct rj_probes probes;
	struct series_point *pts;
	struct outage_row *out;
	size_t n;
};

struct rcol {
	struct remote_state st;
	char *base;             /* URL without a trailing '/' */
	char *auth;             /* "Authorization: Bearer ..." or NULL (a secret) */
	char *ca_file;
	char hostport[RJ_LOCATION_MAX + 8];
	struct rj_list list;    /* current: what remote_at shows until the next remote_sync */
	bool have_list;
	bool list_running;
	struct remote_state next; /* what came since the last remote_sync (list: see next_list) */
	struct rj_list next_list;
	bool next_has_list;       /* next_list is a new good list */
	bool dirty;               /* next holds news */
	struct slot slots[RK_COUNT];
};

struct remote_set {
	struct loop *loop;
	struct prober *p;
	uint64_t timer;
	uint64_t seq;
	bool closing;
	struct rcol *c;
	size_t n;
};

struct rget {
	struct remote_set *rs;
	size_t ci;
	enum rkind kind;
	char key[300];
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	size_t len, cap;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

static void noop_probe(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	(void)ud;
	(void)ep;
	(void)tag;
	(void)r;
}

/* ---- the URL --------------------------------------------------------------------- */

int remote_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *h;
	char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *frag = NULL;
	int rc = -1;

	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "a blank or control character in the URL");
			return -1;
		}
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "want http://HOST:PORT or https://HOST:PORT (the collector's listen address)");
		return -1;
	}
	h = curl_url();
	if (!h || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		snprintf(err, errlen, "not a URL with a host");
	else if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK)
		snprintf(err, errlen, "no user or password in the URL: give the token with --token");
	else if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
		 curl_url_get(h, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
		snprintf(err, errlen, "no query or fragment: the URL is where the API is served, e.g. http://HOST:9469");
	else
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(h);
	return rc;
}

/* "host:port" of a checked URL, the port given or the scheme's. */
static void url_hostport(const char *url, char *out, size_t n)
{
	CURLU *h = curl_url();
	char *host = NULL, *port = NULL;

	snprintf(out, n, "?");
	if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s:%s", host, port);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
}

/* ---- the set ----------------------------------------------------------------------- */

static int64_t poll_cb(struct loop *l, uint64_t id, void *ud);

struct remote_set *remote_set_new(struct loop *l, const struct remote_opts *o, size_t n, char *err, size_t errlen)
{
	struct remote_set *rs = xcalloc(1, sizeof(*rs));

	rs->loop = l;
	rs->p = prober_new(1, noop_probe, NULL, err, errlen);
	if (!rs->p) {
		free(rs);
		return NULL;
	}
	prober_attach(rs->p, l);
	rs->c = xcalloc(n ? n : 1, sizeof(*rs->c));
	rs->n = n;
	for (size_t i = 0; i < n; i++) {
		struct rcol *c = &rs->c[i];
		size_t len = strlen(o[i].url);

		while (len > 0 && o[i].url[len - 1] == '/')
			len--;
		c->base = xstrndup(o[i].url, len);
		c->auth = o[i].token && *o[i].token ? xasprintf("Authorization: Bearer %s", o[i].token) : NULL;
		c->ca_file = xstrdup(o[i].ca_file);
		url_hostport(c->base, c->hostport, sizeof(c->hostport));
		snprintf(c->st.url, sizeof(c->st.url), "%s", c->base);
		snprintf(c->st.why, sizeof(c->st.why), "connecting");
		snprintf(c->st.label, sizeof(c->st.label), "%s", c->hostport);
		c->next = c->st;
	}
	rs->timer = loop_timer_add(l, 0, poll_cb, rs);
	return rs;
}

static void slot_clear(struct slot *s)
{
	rj_detail_done(&s->detail);
	rj_probes_done(&s->probes);
	free(s->pts);
	free(s->out);
	s->pts = NULL;
	s->out = NULL;
	s->n = 0;
	s->have = false;
}

void remote_set_free(struct remote_set *rs)
{
	if (!rs)
		return;
	rs->closing = true;
	loop_timer_remove(rs->loop, rs->timer);
	/* every transfer still running comes back once, aborted, and is freed there */
	prober_free(rs->p);
	for (size_t i = 0; i < rs->n; i++) {
		struct rcol *c = &rs->c[i];

		for (int k = 0; k < RK_COUNT; k++)
			slot_clear(&c->slots[k]);
		rj_list_done(&c->list);
		rj_list_done(&c->next_list);
		free(c->base);
		if (c->auth)
			memset(c->auth, 0, strlen(c->auth));
		free(c->auth);
		free(c->ca_file);
	}
	free(rs->c);
	free(rs);
}

uint64_t remote_seq(const struct remote_set *rs)
{
	return rs->seq;
}

size_t remote_count(const struct remote_set *rs)
{
	return rs->n;
}

/* The labels: a location, else host:port; a label another collector before it has gets " #N". */
static void labels_update(struct remote_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct rcol *c = &rs->c[i];
		const char *base = c->have_list && c->list.location ? c->list.location : c->hostport;
		int same = 0;

		for (size_t k = 0; k < i; k++) {
			const struct rcol *o = &rs->c[k];

			same += !strcmp(base, o->have_list && o->list.location ? o->list.location : o->hostport);
		}
		if (same)
			snprintf(c->st.label, sizeof(c->st.label), "%s #%d", base, same + 1);
		else
			snprintf(c->st.label, sizeof(c->st.label), "%s", base);
	}
}

const struct remote_state *remote_at(const struct remote_set *rs, size_t i)
{
	struct rcol *c = &rs->c[i];

	c->st.list = c->have_list ? &c->list : NULL;
	return &c->st;
}

/* ---- one GET ----------------------------------------------------------------------- */

static size_t body_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct rget *g = ud;
	size_t n = size * nmemb;

	if (g->len + n > (size_t)REMOTE_MAX_BODY) {
		g->too_big = true;
		return 0; /* curl stops with a write error */
	}
	while (g->len + n + 1 > g->cap)
		g->body = xgrow(g->body, g->cap, &g->cap, 1, 65536);
	memcpy(g->body + g->len, ptr, n);
	g->len += n;
	return n;
}

static void rget_free(struct rget *g)
{
	if (!g)
		return;
	curl_easy_cleanup(g->easy);
	curl_slist_free_all(g->hdrs);
	free(g->body);
	free(g);
}

static void done_cb(void *easy, int rc, void *ud);

/* Starts GET base+path for collector ci; false when curl refused it. */
static bool rget_start(struct remote_set *rs, size_t ci, enum rkind kind, const char *key, const char *path)
{
	struct rcol *c = &rs->c[ci];
	struct rget *g = xcalloc(1, sizeof(*g));
	char *url = xasprintf("%s%s", c->base, path);

	g->rs = rs;
	g->ci = ci;
	g->kind = kind;
	snprintf(g->key, sizeof(g->key), "%s", key ? key : "");
	g->easy = curl_easy_init();
	if (!g->easy) {
		free(url);
		free(g);
		return false;
	}
	g->hdrs = curl_slist_append(g->hdrs, "Accept: application/json");
	if (c->auth)
		g->hdrs = curl_slist_append(g->hdrs, c->auth);
	curl_easy_setopt(g->easy, CURLOPT_URL, url);
	curl_easy_setopt(g->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(g->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(g->easy, CURLOPT_HTTPHEADER, g->hdrs);
	curl_easy_setopt(g->easy, CURLOPT_USERAGENT, "httpsmon/" HTTPSMON_VERSION " (--view --remote)");
	curl_easy_setopt(g->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(g->easy, CURLOPT_TIMEOUT_MS, (long)REMOTE_TIMEOUT_MS);
	curl_easy_setopt(g->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)REMOTE_CONNECT_MS);
	curl_easy_setopt(g->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)REMOTE_MAX_BODY);
	curl_easy_setopt(g->easy, CURLOPT_ERRORBUFFER, g->errbuf);
	curl_easy_setopt(g->easy, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(g->easy, CURLOPT_WRITEDATA, g);
	if (c->ca_file)
		curl_easy_setopt(g->easy, CURLOPT_CAINFO, c->ca_file);
	free(url);
	if (prober_easy_add(rs->p, g->easy, done_cb, g) != 0) {
		rget_free(g);
		return false;
	}
	return true;
}

/*
 * Why a finished GET gave no usable answer, in our words (curl's error
 * text sanitised), "" when it did: then the body is the API's JSON.
 */
static void rget_why(struct rget *g, int rc, char *why, size_t n)
{
	long status = 0;
	char safe[sizeof(g->errbuf) * 4];

	curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &status);
	why[0] = '\0';
	if (g->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(why, n, "answer larger than %ld MiB", REMOTE_MAX_BODY >> 20);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, n, "no answer within %d s", REMOTE_TIMEOUT_MS / 1000);
	else if (rc != CURLE_OK)
		snprintf(why, n, "%s", util_sanitize(g->errbuf[0] ? g->errbuf : curl_easy_strerror((CURLcode)rc),
						      strlen(g->errbuf[0] ? g->errbuf : curl_easy_strerror((CURLcode)rc)),
						      safe, sizeof(safe)));
	else if (status == 401)
		snprintf(why, n, "HTTP 401: %s", g->rs->c[g->ci].auth ? "the token was refused (--token)"
									  : "the collector wants a token (--token)");
	else if (status >= 300 && status < 400)
		snprintf(why, n, "HTTP %ld: a redirect (not followed: give the listener's own URL)", status);
	else if (status != 200)
		snprintf(why, n, "HTTP %ld", status);
	/* one line, whatever curl said */
	for (char *p = why; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* A list fetch ended: its news wait in next until remote_sync (rows point into the current list). */
static void list_take(struct remote_set *rs, struct rget *g, const char *why_fetch)
{
	struct rcol *c = &rs->c[g->ci];
	struct rj_list l;
	char why[200];

	snprintf(why, sizeof(why), "%s", why_fetch);
	c->list_running = false;
	c->dirty = true;
	c->next.last_try_ms = util_now_ms();
	if (!*why && rjson_endpoints(g->body, g->len, &l, why, sizeof(why)) == 0) {
		rj_list_done(&c->next_list);
		c->next_list = l;
		c->next_has_list = true;
		c->next.reached = true;
		c->next.why[0] = '\0';
		c->next.last_ok_ms = c->next.last_try_ms;
		return;
	}
	if (!why_fetch[0])
		rj_list_done(&l);
	c->next.reached = false;
	snprintf(c->next.why, sizeof(c->next.why), "%s", why);
}

bool remote_sync(struct remote_set *rs)
{
	bool changed = false;

	for (size_t i = 0; i < rs->n; i++) {
		struct rcol *c = &rs->c[i];

		if (!c->dirty)
			continue;
		changed = true;
		c->dirty = false;
		c->st.reached = c->next.reached;
		c->st.last_ok_ms = c->next.last_ok_ms;
		c->st.last_try_ms = c->next.last_try_ms;
		snprintf(c->st.why, sizeof(c->st.why), "%s", c->next.why);
		if (c->next_has_list) {
			rj_list_done(&c->list);
			c->list = c->next_list;
			memset(&c->next_list, 0, sizeof(c->next_list));
			c->next_has_list = false;
			c->have_list = true;
		}
	}
	if (changed)
		labels_update(rs);
	return changed;
}

static void slot_take(struct remote_set *rs, struct rget *g, const char *why_fetch)
{
	struct slot *s = &rs->c[g->ci].slots[g->kind];
	struct rj_detail d = { 0 };
	struct rj_probes pr = { 0 };
	struct series_point *pts = NULL;
	struct outage_row *out = NULL;
	size_t n = 0;
	char why[200];
	int rc = -1;

	s->running = false;
	if (strcmp(s->key, g->key) != 0)
		return; /* the pane asks something else now */
	snprintf(why, sizeof(why), "%s", why_fetch);
	if (!*why) {
		if (g->kind == RK_DETAIL)
			rc = rjson_detail(g->body, g->len, &d, why, sizeof(why));
		else if (g->kind == RK_SERIES)
			rc = rjson_series(g->body, g->len, &pts, &n, why, sizeof(why));
		else if (g->kind == RK_PROBES)
			rc = rjson_probes(g->body, g->len, &pr, why, sizeof(why));
		else
			rc = rjson_outages(g->body, g->len, &out, &n, why, sizeof(why));
	}
	snprintf(s->why, sizeof(s->why), "%s", rc == 0 ? "" : why);
	if (rc != 0) {
		if (g->kind == RK_DETAIL && !why_fetch[0])
			rj_detail_done(&d);
		if (g->kind == RK_PROBES && !why_fetch[0])
			rj_probes_done(&pr);
		return;
	}
	slot_clear(s);
	s->have = true;
	s->detail = g->kind == RK_DETAIL ? d : (struct rj_detail){ 0 };
	s->probes = g->kind == RK_PROBES ? pr : (struct rj_probes){ 0 };
	s->pts = pts;
	s->out = out;
	s->n = n;
}

static void done_cb(void *easy, int rc, void *ud)
{
	struct rget *g = ud;
	struct remote_set *rs = g->rs;
	char why[200];

	(void)easy;
	if (!rs->closing) {
		rget_why(g, rc, why, sizeof(why));
		if (g->kind == RK_LIST)
			list_take(rs, g, why);
		else
			slot_take(rs, g, why);
		rs->seq++;
	}
	rget_free(g);
}

/* Every collector's list, unless its last fetch still runs. */
static int64_t poll_cb(struct loop *l, uint64_t id, void *ud)
{
	struct remote_set *rs = ud;

	(void)l;
	(void)id;
	for (size_t i = 0; i < rs->n; i++) {
		struct rcol *c = &rs->c[i];

		if (c->list_running)
			continue;
		c->list_running = rget_start(rs, i, RK_LIST, NULL, "/api/v1/endpoints");
		if (!c->list_running)
			snprintf(c->st.why, sizeof(c->st.why), "libcurl refused the transfer");
	}
	return REMOTE_POLL_MS;
}

/* ---- the panes' questions ------------------------------------------------------------ */

/* The slot of kind for key: asks base+path when the question is new or its answer old; the answer if any. */
static struct slot *slot_ask(struct remote_set *rs, size_t i, enum rkind kind, const char *key, const char *path,
			     int64_t now_ms, const char **why)
{
	struct slot *s = &rs->c[i].slots[kind];

	if (strcmp(s->key, key) != 0) {
		slot_clear(s);
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->why[0] = '\0';
		s->asked_ms = 0;
	}
	if (!s->running && (!s->asked_ms || now_ms - s->asked_ms >= REMOTE_DETAIL_TTL_MS)) {
		s->asked_ms = now_ms;
		s->running = rget_start(rs, i, kind, key, path);
	}
	if (why)
		*why = s->why;
	return s->have ? s : NULL;
}

/* name escaped for a URL path or query (caller frees with curl_free). */
static char *esc(const char *name)
{
	char *e = curl_easy_escape(NULL, name, 0);

	return e ? e : curl_easy_escape(NULL, "", 0);
}

const struct rj_detail *remote_detail(struct remote_set *rs, size_t i, const char *name, int64_t now_ms,
				      const char **why)
{
	char *e = esc(name), *path = xasprintf("/api/v1/endpoints/%s", e);
	struct slot *s = slot_ask(rs, i, RK_DETAIL, name, path, now_ms, why);

	curl_free(e);
	free(path);
	return s ? &s->detail : NULL;
}

const struct series_point *remote_series(struct remote_set *rs, size_t i, const char *key, const char *name,
					 int64_t from_ms, int64_t until_ms, int64_t step_ms, size_t *n, int64_t now_ms,
					 const char **why)
{
	char *e = esc(name), *path = xasprintf("/api/v1/series?endpoint=%s&from=%lld&until=%lld&step=%lld", e,
					       (long long)from_ms, (long long)until_ms, (long long)step_ms);
	struct slot *s = slot_ask(rs, i, RK_SERIES, key, path, now_ms, why);

	curl_free(e);
	free(path);
	*n = s ? s->n : 0;
	return s ? s->pts : NULL;
}

const struct outage_row *remote_outages(struct remote_set *rs, size_t i, const char *name, int64_t since_ms,
					size_t *n, int64_t now_ms, const char **why)
{
	char *e = esc(name ? name : ""), *path, key[200];
	struct slot *s;

	path = name ? xasprintf("/api/v1/outages?since=%llds&endpoint=%s", (long long)(since_ms / 1000), e)
		    : xasprintf("/api/v1/outages?since=%llds", (long long)(since_ms / 1000));
	snprintf(key, sizeof(key), "%s%s", name ? "=" : "*", name ? name : "");
	s = slot_ask(rs, i, RK_OUTAGES, key, path, now_ms, why);
	curl_free(e);
	free(path);
	*n = s ? s->n : 0;
	return s ? s->out : NULL;
}

const struct rj_probes *remote_probes(struct remote_set *rs, size_t i, const char *key, const char *name,
				      int64_t from_ms, int64_t until_ms, int64_t now_ms, const char **why)
{
	char *e = esc(name), *path = xasprintf("/api/v1/probes?endpoint=%s&from=%lld&until=%lld", e,
					       (long long)from_ms, (long long)until_ms);
	struct slot *s = slot_ask(rs, i, RK_PROBES, key, path, now_ms, why);

	curl_free(e);
	free(path);
	return s ? &s->probes : NULL;
}
