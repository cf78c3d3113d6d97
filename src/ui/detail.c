/*
 * detail: everything about the selected endpoint's last probe, on one
 * scrollable canvas: state and verdict, the phase waterfall, connection
 * facts (IP, TLS version, cipher, ALPN, HTTP), the redirect and HSTS
 * checks, the certificate chain one block per certificate, the last error
 * verbatim, the last posture pass (detail_posture.c) and the endpoint's
 * recent events from the store.
 *
 * Its own state (struct detail_state, private here): the events loaded for
 * one endpoint (queried by update() when the pane opens, the selection
 * changes or an event for it arrives; never per frame or from a draw), the
 * scroll position and the content's height, which update() measures by
 * laying the content out on a canvas with no visible rows.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpsmon/fmt.h"
#include "httpsmon/hsts.h"
#include "httpsmon/remote.h"
#include "httpsmon/util.h"

#define EVENTS_SHOWN 20
#define EVENTS_SINCE_MS (30LL * 86400000)

static struct detail_state {
	char name[256];               /* the row (row_key) whose events are loaded */
	char why[200];                /* remote: why its collector gave no events yet, "" when it did */
	struct event_row *ev;
	size_t n_ev;
	bool stale;                   /* reload events before the next draw */
	int scroll;
	int lines;                    /* content height, measured by update() */
} ds;

static void free_events(void)
{
	free(ds.ev);
	ds.ev = NULL;
	ds.n_ev = 0;
}

/* The remote viewer: the events its collector answered for r so far (copied), or why not. */
static void detail_query_remote(const struct ui *u, const struct row *r)
{
	const char *why;
	const struct rj_detail *d = remote_detail(u->m.rs, (size_t)r->loc, r->name, util_now_ms(), &why);

	snprintf(ds.why, sizeof(ds.why), "%s", *why ? why : d ? "" : "asking the collector...");
	if (!d || !d->n_ev)
		return;
	ds.ev = xmalloc(d->n_ev * sizeof(*ds.ev));
	memcpy(ds.ev, d->ev, d->n_ev * sizeof(*ds.ev));
	ds.n_ev = d->n_ev;
}

static void detail_query(const struct ui *u, const struct row *r)
{
	free_events();
	ds.stale = false;
	if (strcmp(ds.name, row_key(r)))
		ds.scroll = 0;
	snprintf(ds.name, sizeof(ds.name), "%s", row_key(r));
	if (u->m.rs && r->location) {
		detail_query_remote(u, r);
		return;
	}
	if (u->m.st &&
	    store_events(u->m.st, r->name, util_now_ms() - EVENTS_SINCE_MS, EVENTS_SHOWN, &ds.ev, &ds.n_ev) != 0) {
		ds.ev = NULL;
		ds.n_ev = 0;
	}
}

/* "label   value" on its own line at indent; value may be network text (ui_text sanitises). */
void detail_kv(struct canvas *c, int indent, const char *label, int attr, const char *value)
{
	cv_text(c, indent, 11, ui_attr(C_DIM), label);
	cv_wrap(c, indent + 12, attr, value, 6);
}

static void kv(struct canvas *c, const char *label, int attr, const char *value)
{
	detail_kv(c, 2, label, attr, value);
}

static void state_block(struct canvas *c, const struct row *r, int64_t now_ms)
{
	char b[512], t[32], age[32];
	int x;

	if (cv_visible(c)) {
		/* inside the check: scrolled away, it would land on the title line */
		ui_badge(c->w, cv_y(c), c->x0 + 2, r->live, r->fails_in_row, r->fail_after, 0);
		x = 2 + UI_BADGE_W + 1;
		if (r->in_outage)
			x += cv_textf(c, x, -1, ui_attr(C_DOWN), "down for %s (since %s)  ",
				      util_fmt_duration_us(t, sizeof(t), (now_ms - r->outage_start_ms) * 1000),
				      fmt_time_local(b, sizeof(b), r->outage_start_ms, true));
		if (r->last_ms) {
			fmt_clock_local(t, sizeof(t), r->last_ms, "%H:%M:%S");
			x += cv_textf(c, x, -1, UI_PLAIN, "last probe %s (%s)", fmt_age(age, sizeof(age), now_ms - r->last_ms), t);
		}
		if (r->interval_ms)
			x += cv_textf(c, x, -1, ui_attr(C_DIM), ", every %s", fmt_span(t, sizeof(t), r->interval_ms));
		if (r->from_history)
			cv_text(c, x, -1, ui_attr(C_WARN), "  (from history: no fresh probe yet)");
	}
	cv_nl(c);
	if (r->mute[0])
		kv(c, "alerts", ui_attr(C_WARN), r->mute);
	if (!r->r) {
		kv(c, "verdict", UI_PLAIN, r->live == LIVE_PAUSED ? "paused before the first probe" : "no probe yet");
		return;
	}
	snprintf(b, sizeof(b), "%s %s: %s", state_name(r->vstate), r->reason, r->message);
	kv(c, "verdict", ui_state_attr(r->vstate), b);
	if (r->v && (r->v->reasons & ~(REASON_BIT(r->v->reason)))) {
		struct strbuf sb = { 0 };

		for (int i = 0; i < REASON_COUNT; i++) {
			if (!(r->v->reasons & (REASON_BIT(i))) || i == (int)r->v->reason)
				continue;
			strbuf_printf(&sb, "%s%s (%s)", sb.len ? ", " : "", reason_name((enum reason)i),
				      state_name(r->v->severity[i]));
		}
		kv(c, "also", UI_PLAIN, strbuf_cstr(&sb));
		strbuf_done(&sb);
	}
}

static void connection_block(struct canvas *c, const struct row *r)
{
	const struct probe_result *p = r->r;
	char b[1024];

	cv_rule(c, "connection");
	if (p->port)
		snprintf(b, sizeof(b), "%s port %d", p->ip[0] ? p->ip : "-", p->port);
	else
		snprintf(b, sizeof(b), "%s", p->ip[0] ? p->ip : "-");
	kv(c, "address", UI_PLAIN, b);
	if (r->url && *r->url)
		kv(c, "url", UI_PLAIN, util_url_redact(r->url, b, sizeof(b)));
	snprintf(b, sizeof(b), "%s  %s  ALPN %s%s", p->tls_version[0] ? p->tls_version : "no TLS",
		 p->cipher[0] ? p->cipher : "", p->alpn[0] ? p->alpn : "-", p->ocsp_stapled ? "  OCSP stapled" : "");
	kv(c, "TLS", UI_PLAIN, b);
	if (p->http_status) {
		snprintf(b, sizeof(b), "%s %ld%s%d redirect%s", p->http_version[0] ? p->http_version : "HTTP",
			 p->http_status, p->redirects ? ", " : "", p->redirects, p->redirects == 1 ? "" : "s");
		if (!p->redirects)
			snprintf(b, sizeof(b), "%s %ld", p->http_version[0] ? p->http_version : "HTTP", p->http_status);
		kv(c, "HTTP", r->v && r->v->reasons & (REASON_BIT(REASON_HTTP_STATUS)) ? ui_attr(C_DOWN) : UI_PLAIN, b);
	} else {
		kv(c, "HTTP", ui_attr(C_DIM), "no response");
	}
	if (p->final_url && p->redirects)
		kv(c, "final url", UI_PLAIN, util_url_redact(p->final_url, b, sizeof(b)));
	if (p->location && !p->redirects)
		kv(c, "location", UI_PLAIN, util_url_redact(p->location, b, sizeof(b)));
}

static void checks_block(struct canvas *c, const struct row *r, int64_t now_s)
{
	const struct probe_result *p = r->r;
	const struct redirect_check *h = &p->http_check;
	bool want_hsts = r->expect_hsts;
	struct hsts_info hi;
	char b[1024];

	cv_rule(c, "checks");
	hsts_parse(p->hsts, &hi);
	if (p->hsts) {
		char d[160];

		snprintf(b, sizeof(b), "%s   \"%s\"", hsts_describe(&hi, d, sizeof(d)), p->hsts);
	} else {
		snprintf(b, sizeof(b), "no Strict-Transport-Security header%s",
			 want_hsts ? " (expect_hsts = yes)" : p->http_status ? " (not required)" : "");
	}
	kv(c, "HSTS", hi.valid && hi.max_age_s > 0 ? ui_attr(C_UP) : want_hsts || hi.present ? ui_attr(C_WARN) : ui_attr(C_DIM),
	   b);
	if (!h->done) {
		kv(c, "http://", ui_attr(C_DIM), "redirect not checked (check_http_redirect = no)");
	} else if (h->error != PERR_NONE) {
		snprintf(b, sizeof(b), "%s: %s", probe_error_name(h->error), h->error_text);
		kv(c, "http://", ui_attr(C_WARN), b);
	} else {
		char loc[768];

		snprintf(b, sizeof(b), "%ld -> %s%s", h->status,
			 h->location ? util_url_redact(h->location, loc, sizeof(loc)) : "(no Location)",
			 h->to_https ? "  (to https: ok)" : "  (does NOT go to https on the same host)");
		kv(c, "http://", h->to_https ? ui_attr(C_UP) : ui_attr(C_WARN), b);
	}
	if (p->revocation.checked) {
		enum revoke_status rs = p->revocation.status;

		revocation_line(&p->revocation, now_s, b, sizeof(b));
		kv(c, "revocation", rs == REVOKE_REVOKED ? ui_attr(C_DOWN) : rs == REVOKE_GOOD ? ui_attr(C_UP)
			: ui_attr(C_DIM), b);
	}
}

static void cert_block(struct canvas *c, const struct row *r, int i, int64_t now_s)
{
	const struct probe_result *p = r->r;
	const struct cert_info *ci = &p->chain[i];
	const struct tls_verify *v = &p->verify;
	char b[1024], t1[40], t2[40], why[64];
	bool bad = ci->not_after < now_s || ci->not_before > now_s;

	cv_textf(c, 2, -1, A_BOLD, "[%d] %s", i,
		 i == 0 ? "leaf" : ci->self_issued ? "root" : ci->is_ca ? "intermediate" : "certificate");
	cv_text(c, 20, -1, A_BOLD, ci->subject ? ci->subject : "?");
	cv_nl(c);
	detail_kv(c, 6, "issuer", UI_PLAIN, ci->issuer ? ci->issuer : "?");
	util_fmt_time_utc(t1, sizeof(t1), ci->not_before);
	util_fmt_time_utc(t2, sizeof(t2), ci->not_after);
	if (ci->not_before > now_s)
		snprintf(b, sizeof(b), "%s .. %s  (NOT VALID YET)", t1, t2);
	else {
		char e[64];

		snprintf(b, sizeof(b), "%s .. %s  (%s)", t1, t2, fmt_expiry(e, sizeof(e), ci->not_after, now_s));
	}
	detail_kv(c, 6, "validity", bad ? ui_attr(C_DOWN) : ui_expiry_attr(r, ci->not_after, now_s), b);
	if (ci->sans)
		detail_kv(c, 6, "SANs", UI_PLAIN, ci->sans);
	snprintf(b, sizeof(b), "%s %d%s%s   signature %s", ci->key_type, ci->key_bits, ci->key_curve[0] ? " " : "",
		 ci->key_curve, ci->sig_alg);
	if (cert_is_weak(ci, why, sizeof(why)) && !(ci->self_issued && i > 0)) {
		size_t l = strlen(b);

		snprintf(b + l, sizeof(b) - l, "   WEAK: %s", why);
		detail_kv(c, 6, "key", ui_attr(C_DOWN), b);
	} else {
		detail_kv(c, 6, "key", UI_PLAIN, b);
	}
	if (!ci->is_ca) {
		detail_kv(c, 6, "lifetime", cert_lifetime_long(ci) ? ui_attr(C_WARN) : UI_PLAIN,
		      cert_describe_lifetime(ci, b, sizeof(b)));
		detail_kv(c, 6, "CT", cert_sct_few(ci) ? ui_attr(C_WARN) : UI_PLAIN, cert_describe_scts(ci, b, sizeof(b)));
	}
	detail_kv(c, 6, "sha256", ui_attr(C_DIM), ci->sha256);
	if (ci->aia_ca_issuers)
		detail_kv(c, 6, "AIA", ui_attr(C_DIM), ci->aia_ca_issuers);
	if (v->checked) {
		if (v->code && v->depth == i)
			detail_kv(c, 6, "verify", ui_attr(C_DOWN), v->error);
		else if (!v->code)
			detail_kv(c, 6, "verify", ui_attr(C_UP), "ok");
	}
}

static void chain_block(struct canvas *c, const struct row *r, int64_t now_s)
{
	const struct probe_result *p = r->r;
	const struct tls_verify *v = &p->verify;
	char title[96], b[600];

	if (!p->chain_len)
		return;
	if (!r->stored)
		snprintf(title, sizeof(title), "certificate chain (%d sent)", p->chain_sent);
	else
		snprintf(title, sizeof(title), "leaf certificate (the database keeps the leaf)");
	cv_rule(c, title);
	if (v->checked) {
		if (v->code)
			snprintf(b, sizeof(b), "FAILED: %s (depth %d)", v->error, v->depth);
		else
			snprintf(b, sizeof(b), "chain verified");
		kv(c, "verify", v->code ? ui_attr(C_DOWN) : ui_attr(C_UP), b);
		if (v->hostname_ok >= 0) {
			snprintf(b, sizeof(b), "%s %s", v->hostname, v->hostname_ok ? "matches" : "does NOT match the certificate");
			kv(c, "host name", v->hostname_ok ? ui_attr(C_UP) : ui_attr(C_DOWN), b);
		}
		if (v->aia_note[0])
			kv(c, "AIA", UI_PLAIN, v->aia_note);
	}
	for (int i = 0; i < p->chain_len; i++)
		cert_block(c, r, i, now_s);
	if (p->chain_sent > p->chain_len) {
		cv_textf(c, 2, -1, ui_attr(C_DIM), "... %d more not kept", p->chain_sent - p->chain_len);
		cv_nl(c);
	}
}

static void error_block(struct canvas *c, const struct row *r)
{
	const struct probe_result *p = r->r;
	char b[512];

	if (p->error == PERR_NONE && !p->error_text[0])
		return;
	cv_rule(c, "last error");
	if (p->error != PERR_NONE) {
		snprintf(b, sizeof(b), "%s%s%s", probe_error_name(p->error),
			 p->failed_phase ? " during " : "", p->failed_phase ? probe_phase_name(p->failed_phase) : "");
		if (p->curl_code) {
			size_t l = strlen(b);

			snprintf(b + l, sizeof(b) - l, " (curl %d)", p->curl_code);
		}
		kv(c, "error", ui_attr(C_DOWN), b);
	}
	if (p->error == PERR_CERT_REJECTED)
		kv(c, "", UI_PLAIN, "handshake done, request NOT sent: the certificate failed verification (see below)");
	if (p->error_text[0])
		kv(c, "curl said", UI_PLAIN, p->error_text);
}

static void events_block(struct canvas *c, const struct ui *u)
{
	char t[40], b[700];

	cv_rule(c, "recent events");
	if (u->m.rs && ds.why[0]) {
		kv(c, "", ui_attr(C_DIM), ds.why);
		return;
	}
	if (!u->m.st && !u->m.rs) {
		kv(c, "", ui_attr(C_DIM), "history is off");
		return;
	}
	if (!ds.n_ev) {
		kv(c, "", ui_attr(C_DIM), "none in the last 30 days");
		return;
	}
	for (size_t i = 0; i < ds.n_ev; i++) {
		const struct event_row *e = &ds.ev[i];

		fmt_time_local(t, sizeof(t), e->t_ms, false);
		snprintf(b, sizeof(b), "%-14s %s", e->kind, e->detail);
		cv_text(c, 2, 15, ui_attr(C_DIM), t);
		cv_text(c, 17, -1, strstr(e->kind, "outage_start") ? ui_attr(C_DOWN) : UI_PLAIN, b);
		cv_nl(c);
	}
}

/* The canvas's content: the same on screen and when update() measures it. */
static void detail_body(struct canvas *c, const struct ui *u, const struct row *r, int64_t now_ms)
{
	state_block(c, r, now_ms);
	if (r->r) {
		const struct probe_result *p = r->r;

		cv_rule(c, "timing");
		ui_waterfall(c, &p->t, p->failed_phase);
		connection_block(c, r);
		if (!r->stored)
			checks_block(c, r, now_ms / 1000);
		error_block(c, r);
		chain_block(c, r, now_ms / 1000);
	}
	if (r->posture || r->posture_on)
		detail_posture_block(c, r, now_ms);
	events_block(c, u);
}

static void detail_draw(const struct ui *u, int y0, int h)
{
	const struct row *r = model_selected(&u->m);
	int64_t now_ms = util_now_ms();
	struct canvas c;
	int x;

	if (!r) {
		ui_text(stdscr, y0 + 1, 2, -1, UI_PLAIN, "no endpoint selected (Esc goes back)");
		return;
	}
	x = ui_text(stdscr, y0, 0, -1, ui_attr(C_TITLE), r->name);
	if (r->location)
		x += ui_textf(stdscr, y0, x, -1, ui_attr(C_TITLE), " from %s%s", r->location,
			      r->stale ? " (stale: the header says why)" : "");
	if (r->url && *r->url) {
		char url[1024];

		ui_textf(stdscr, y0, x, -1, UI_PLAIN, "  %s", util_url_redact(r->url, url, sizeof(url)));
	}
	cv_init(&c, stdscr, y0 + 1, h - 1, 0, COLS, ds.scroll);
	detail_body(&c, u, r, now_ms);
	if (ds.lines > h - 1) {
		char b[64];

		snprintf(b, sizeof(b), " %d-%d/%d ", ds.scroll + 1,
			 ds.scroll + h - 1 < ds.lines ? ds.scroll + h - 1 : ds.lines, ds.lines);
		ui_text_right(stdscr, y0, 0, COLS, ui_attr(C_DIM), b);
	}
}

/* Loads the events when stale or for another endpoint; measures the content and clamps the scroll to it. */
static unsigned detail_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	const struct row *r = model_selected(&u->m);
	unsigned f = 0;
	struct canvas c;

	(void)query;
	(void)y0;
	if (changed && u->m.viewer)
		ds.stale = true; /* the viewer's events come from the database the collector writes */
	if (!r)
		return 0;
	if (ds.stale || strcmp(ds.name, row_key(r))) {
		detail_query(u, r);
		f = UI_REDRAW;
	}
	/* no visible rows: nothing is drawn, only the lines are counted */
	cv_init(&c, stdscr, 0, 0, 0, COLS, 0);
	detail_body(&c, u, r, util_now_ms());
	ds.lines = c.line;
	ds.scroll = ui_clamp_scroll(ds.scroll, ds.lines, h - 1);
	return f;
}

static unsigned detail_key(struct ui *u, int key)
{
	switch (key) {
	case 27:
	case KEY_LEFT:
	case KEY_BACKSPACE:
	case 127:
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	default:
		return ui_scroll_key(key, &ds.scroll, ds.lines, LINES - 5) ? UI_HANDLED | UI_REDRAW : 0;
	}
}

static unsigned detail_enter(struct ui *u)
{
	(void)u;
	ds.scroll = 0;
	ds.stale = true;
	return UI_REDRAW;
}

/* An event of the endpoint whose events are loaded: they are read again before the next draw. */
static unsigned detail_on_event(struct ui *u, const struct mon_event *ev)
{
	(void)u;
	if (!strcmp(ds.name, ev->name))
		ds.stale = true;
	return 0;
}

static const char *detail_hints(const struct ui *u, char *right, size_t rlen)
{
	(void)u;
	if (rlen)
		right[0] = '\0';
	return " Esc back  j/k scroll  h history  r probe now  p pause  ? help  q quit";
}

static void detail_done(void)
{
	free_events();
	memset(&ds, 0, sizeof(ds));
}

const struct pane_ops pane_detail = {
	.name = "detail",
	.draw = detail_draw,
	.key = detail_key,
	.on_event = detail_on_event,
	.hints = detail_hints,
	.enter = detail_enter,
	.update = detail_update,
	.done = detail_done,
};
