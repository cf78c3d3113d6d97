/*
 * scan: `httpsmon scan` (scan.h). Per endpoint two things run at once on
 * one loop: the ordinary probe (probe.h, through the prober attached to
 * the loop) and the posture pass (posture.h, its handshakes on the same
 * loop). Results are kept per endpoint (struct scanned, indexed like
 * cfg->eps) until both halves of every endpoint are in, then graded and
 * printed in config order.
 */
#include "httpsmon/scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/loop.h"
#include "httpsmon/probe.h"
#include "httpsmon/verdict.h"

struct scanned {
	bool probed, postured;
	struct probe_result r;
	struct verdict v;
	struct posture p;
};

struct scan {
	struct config *cfg;
	struct scanned *out;
	size_t waiting;          /* halves not in yet */
};

static void probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct scan *s = ud;
	struct scanned *o = &s->out[tag];

	verdict_judge(ep, r, util_now_ms() / 1000, &o->v);
	probe_result_copy(&o->r, r);
	free(o->r.body);
	o->r.body = NULL;
	o->probed = true;
	s->waiting--;
}

static void posture_done(void *arg, const struct endpoint *ep, const struct posture *p)
{
	struct scan *s = arg;
	struct scanned *o = &s->out[ep - s->cfg->eps];

	o->p = *p;
	o->postured = true;
	s->waiting--;
}

/* How one endpoint's report weighs in the exit status. */
static enum outcome outcome_of(const struct scanned *o, const struct grade *g)
{
	bool warn = o->v.state == STATE_WARN;

	if (o->v.state == STATE_DOWN || !g->grade[0] || strchr("FTM", g->grade[0]))
		return OUTCOME_DOWN;
	for (int i = 0; i < g->n_findings; i++) {
		if (g->findings[i].severity == GSEV_CRIT)
			return OUTCOME_DOWN;
		warn |= g->findings[i].severity == GSEV_WARN;
	}
	return warn || g->grade[0] != 'A' || !strcmp(g->grade, "A-") ? OUTCOME_WARN : OUTCOME_OK;
}

static enum outcome print_all(struct scan *s, bool json)
{
	int64_t now_s = util_now_ms() / 1000;
	struct strbuf b = { 0 };
	enum outcome rc = OUTCOME_OK;

	for (size_t i = 0; i < s->cfg->n; i++) {
		struct scanned *o = &s->out[i];
		struct grade_facts f;
		struct grade *g;
		struct scan_report rep;
		enum outcome one;

		if (!o->probed || !o->postured)
			continue;
		g = xcalloc(1, sizeof(*g));
		grade_facts_from_result(&o->r, &f);
		grade_compute(&o->p, &f, &o->r.revocation, now_s, g);
		rep = (struct scan_report){ &s->cfg->eps[i], &o->r, &o->p, &f, g, now_s };
		if (json) {
			strbuf_reset(&b);
			scan_report_json(&b, &rep);
			puts(strbuf_cstr(&b));
		} else {
			scan_report_text(stdout, &rep);
		}
		one = outcome_of(o, g);
		if (one == OUTCOME_DOWN || (one == OUTCOME_WARN && rc == OUTCOME_OK))
			rc = one;
		free(g);
	}
	strbuf_done(&b);
	return rc;
}

/* Starts both halves of every chosen endpoint; returns how many halves to wait for. */
static size_t submit_all(struct scan *s, const bool *sel, struct prober *pr, struct posture_engine *pe)
{
	size_t n = 0;

	for (size_t i = 0; i < s->cfg->n; i++) {
		if (!(sel ? sel[i] : s->cfg->eps[i].enabled))
			continue;
		prober_submit(pr, s->cfg, i, i);
		n++;
		if (posture_submit(pe, &s->cfg->eps[i], posture_done, s) == 0)
			n++;
		else
			s->out[i].postured = true; /* out of memory: reported as a pass with nothing in it */
	}
	return n;
}

enum outcome scan_run(struct config *cfg, const bool *sel, bool json, char *err, size_t errlen)
{
	struct scan s = { .cfg = cfg };
	struct loop *lp = loop_new(0, err, errlen);
	struct prober *pr = NULL;
	struct posture_engine *pe = NULL;
	enum outcome rc = OUTCOME_UNUSABLE;

	if (!lp)
		return OUTCOME_UNUSABLE;
	s.out = xcalloc(cfg->n ? cfg->n : 1, sizeof(*s.out));
	for (size_t i = 0; i < cfg->n; i++) {
		probe_result_init(&s.out[i].r);
		posture_init(&s.out[i].p);
	}
	pr = prober_new(cfg->max_inflight, probe_done, &s, err, errlen);
	pe = pr ? posture_engine_new(lp, SCAN_INFLIGHT, CONFIG_DEFAULT_TIMEOUT_MS, err, errlen) : NULL;
	if (pe) {
		prober_attach(pr, lp);
		s.waiting = submit_all(&s, sel, pr, pe);
		while (s.waiting > 0) {
			if (loop_run_once(lp) != 0) {
				fprintf(stderr, "httpsmon: %s\n", loop_error(lp));
				break;
			}
		}
	}
	posture_engine_free(pe);
	prober_free(pr);
	loop_free(lp);
	if (pe)
		rc = print_all(&s, json);
	for (size_t i = 0; i < cfg->n; i++)
		probe_result_done(&s.out[i].r);
	free(s.out);
	return rc;
}
