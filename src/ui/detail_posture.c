/*
 * detail_posture: the detail pane's posture block (see ui.h), drawn from
 * the row's copy of the endpoint's last posture pass and its grade (the
 * model's; the monitor or, in the viewer, the store), the revocation status
 * of the last probe and its leaf. Every piece of text that came from the
 * server (suites, reasons) goes through ui_text like everything else.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/hsts.h"
#include "httpsmon/revoke.h"
#include "httpsmon/util.h"

int ui_grade_rank(const char *g)
{
	static const char *const ranks[] = { "F", "T", "M", "E", "D", "C", "B", "A-", "A", "A+" };

	for (size_t i = 0; g && i < sizeof ranks / sizeof ranks[0]; i++)
		if (!strcmp(g, ranks[i]))
			return (int)i;
	return -1;
}

int ui_grade_attr(const char *g)
{
	int rank = ui_grade_rank(g);

	return rank < 0 ? ui_attr(C_DIM) : rank >= 7 ? ui_attr(C_UP) : rank >= 5 ? ui_attr(C_WARN) : ui_attr(C_DOWN);
}

/* "TLS 1.0 yes  TLS 1.1 no  ..." with each answer in its colour: accepted legacy is a warning. */
static void protocols(struct canvas *c, const struct posture *p)
{
	int x = 14;

	cv_text(c, 2, 11, ui_attr(C_DIM), "protocols");
	for (int v = 0; v < PPROTO_N; v++) {
		enum posture_answer a = p->proto[v].answer;
		bool old = v <= PPROTO_TLS11;
		const char *word = a == PANS_ACCEPTED ? "yes" : a == PANS_REFUSED ? "no" : a == PANS_NOT_TESTABLE ? "n/t"
			: a == PANS_ERROR ? "err" : "-";
		int attr = a == PANS_ACCEPTED ? (old ? ui_attr(C_WARN) : ui_attr(C_UP)) : a == PANS_REFUSED && !old &&
			v == PPROTO_TLS12 ? ui_attr(C_WARN) : ui_attr(C_DIM);

		x += cv_textf(c, x, -1, UI_PLAIN, "%s ", posture_proto_names(v)->label);
		x += cv_textf(c, x, -1, attr, "%s", word);
		x += cv_text(c, x, -1, UI_PLAIN, "  ");
	}
	cv_nl(c);
}

/* One line per cipher category: its answer and the suites, or why not testable. */
static void categories(struct canvas *c, const struct posture *p)
{
	char b[400], label[32];

	for (int k = 0; k < PCAT_N; k++) {
		const struct posture_check *ck = &p->cat[k];
		const struct posture_cat_names *nm = posture_cat_names(k);
		bool bad = ck->answer == PANS_ACCEPTED ? nm->weak : ck->answer == PANS_REFUSED && !nm->weak;
		size_t o;

		o = (size_t)snprintf(b, sizeof b, "%s: %s", nm->label, posture_answer_name(ck->answer));
		for (int i = 0; i < ck->n_suites && o < sizeof b; i++)
			o += (size_t)snprintf(b + o, sizeof b - o, "%s%s", i ? ", " : " (", ck->suites[i]);
		if (ck->n_suites && o < sizeof b)
			o += (size_t)snprintf(b + o, sizeof b - o, ")");
		if (ck->answer != PANS_ACCEPTED && ck->reason[0] && o < sizeof b)
			snprintf(b + o, sizeof b - o, ": %s", ck->reason);
		snprintf(label, sizeof label, "%s", k == 0 ? "ciphers" : "");
		detail_kv(c, 2, label, bad ? ui_attr(C_WARN) : ck->answer == PANS_ACCEPTED ? ui_attr(C_UP) : ui_attr(C_DIM),
			  b);
	}
}

static void staple(struct canvas *c, const struct posture_staple *s, int64_t now_s)
{
	char b[300], t[40];

	if (!s->stapled) {
		detail_kv(c, 2, "stapling", ui_attr(C_DIM), "no OCSP staple sent");
		return;
	}
	snprintf(b, sizeof b, "%s%s%s%s", staple_status_name(s->status), s->next_update ? ", next update " : "",
		 s->next_update ? util_fmt_time_utc(t, sizeof t, s->next_update) : "",
		 s->next_update && s->next_update <= now_s ? " (past)" : "");
	if (s->detail[0]) {
		size_t o = strlen(b);

		snprintf(b + o, sizeof b - o, ": %s", s->detail);
	}
	detail_kv(c, 2, "stapling", s->status == STAPLE_GOOD ? ui_attr(C_UP) : ui_attr(C_WARN), b);
}

/* Revocation of the last probe's chain, and the leaf's CT and the response's HSTS. */
static void probe_facts(struct canvas *c, const struct row *r, int64_t now_s)
{
	char b[400];
	struct hsts_info hi;

	if (!r->r)
		return;
	if (r->r->revocation.checked) {
		revocation_line(&r->r->revocation, now_s, b, sizeof b);
		detail_kv(c, 2, "revocation",
			  r->r->revocation.status == REVOKE_REVOKED ? ui_attr(C_DOWN) :
			  r->r->revocation.status == REVOKE_GOOD ? ui_attr(C_UP) : ui_attr(C_DIM), b);
	}
	if (r->r->chain_len > 0)
		detail_kv(c, 2, "CT", cert_sct_few(&r->r->chain[0]) ? ui_attr(C_WARN) : UI_PLAIN,
			  cert_describe_scts(&r->r->chain[0], b, sizeof b));
	if (!r->stored) {
		hsts_parse(r->r->hsts, &hi);
		detail_kv(c, 2, "HSTS", hi.valid && hi.max_age_s >= HSTS_LONG_S ? ui_attr(C_UP) : ui_attr(C_WARN),
			  hsts_describe(&hi, b, sizeof b));
	}
}

static void grade_lines(struct canvas *c, const struct row *r)
{
	const struct grade *g = &r->posture->g;
	char b[900];
	size_t o = 0;

	b[0] = '\0';
	for (int i = 0; i < g->n_caps && o < sizeof b; i++)
		o += (size_t)snprintf(b + o, sizeof b - o, "%s%s", i ? "; " : "caps: ", g->caps[i]);
	cv_text(c, 2, 11, ui_attr(C_DIM), "grade");
	cv_textf(c, 14, 3, ui_grade_attr(g->grade) | A_BOLD, "%s", g->grade[0] ? g->grade : "-");
	cv_textf(c, 18, -1, UI_PLAIN, "score %d  %s", g->score, b[0] ? b : "no caps");
	cv_nl(c);
	cv_textf(c, 14, -1, ui_attr(C_DIM), "an approximation of SSL Labs' grade%s",
		 r->posture_judged ? "" : r->posture_on ? "; posture_verdict = info: findings do not change the state" : "");
	cv_nl(c);
}

static void findings(struct canvas *c, const struct grade *g)
{
	char b[300];

	for (int i = 0; i < g->n_findings; i++) {
		const struct grade_finding *f = &g->findings[i];

		snprintf(b, sizeof b, "%-4s %s: %s", grade_severity_name(f->severity), f->id, f->message);
		detail_kv(c, 2, i ? "" : "findings",
			  f->severity == GSEV_CRIT ? ui_attr(C_DOWN) : f->severity == GSEV_WARN ? ui_attr(C_WARN) : UI_PLAIN, b);
	}
}

void detail_posture_block(struct canvas *c, const struct row *r, int64_t now_ms)
{
	const struct posture *p;
	char title[160], age[32], t[32];

	if (!r->posture) {
		cv_rule(c, "posture");
		detail_kv(c, 2, "", ui_attr(C_DIM), "no posture pass yet (the first comes within 3 minutes of start)");
		return;
	}
	if (r->posture_grade_only) {
		snprintf(title, sizeof title, "posture (pass %s; the collector's grade, the pass stays there)",
			 r->posture->t_ms ? fmt_age(age, sizeof age, now_ms - r->posture->t_ms) : "at an unknown time");
		cv_rule(c, title);
		grade_lines(c, r);
		return;
	}
	p = &r->posture->p;
	snprintf(title, sizeof title, "posture (pass %s, %d handshakes in %s)",
		 fmt_age(age, sizeof age, now_ms - r->posture->t_ms), p->handshakes,
		 util_fmt_duration_us(t, sizeof t, p->took_ms * 1000));
	cv_rule(c, title);
	grade_lines(c, r);
	if (p->error[0])
		detail_kv(c, 2, "pass", ui_attr(C_WARN), p->error);
	protocols(c, p);
	categories(c, p);
	if (p->group_bits)
		snprintf(title, sizeof title, "%s (%d-bit key)", p->group[0] ? p->group : "?", p->group_bits);
	else
		snprintf(title, sizeof title, "%s", posture_group_text(p));
	detail_kv(c, 2, "key exch", p->group[0] ? UI_PLAIN : ui_attr(C_WARN), title);
	staple(c, &p->staple, now_ms / 1000);
	probe_facts(c, r, now_ms / 1000);
	findings(c, &r->posture->g);
}
