/*
 * check: one round of probes for `httpsmon check` (see check.h). The
 * results are kept per endpoint (struct finished, indexed like cfg->eps,
 * bodies dropped once judged) until the round ends, so output is in config
 * order whatever order the transfers finish in. The loop waits on the
 * transfers only: no signals of its own, so Ctrl-C ends a check at once.
 * A probe whose revocation look-ups were still in flight when it finished
 * (pending, revoke.h) is held back, unjudged, until the prober's
 * revocation fetches are done (each bounded by REVOKE_FETCH_TIMEOUT_MS),
 * then its status is read again from the cache and it is judged.
 */
#include "httpsmon/check.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/loop.h"
#include "httpsmon/probe.h"
#include "httpsmon/report.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"

/* One finished probe, kept until the run ends so output is in config order. */
struct finished {
	bool done;
	bool held;              /* revocation pending: r kept whole, not judged yet */
	struct probe_result r;  /* body dropped once judged */
	struct verdict v;
	struct verdict *each;   /* r.n_addrs verdicts of its addresses (all_addresses), owned; NULL */
};

struct run {
	struct config *cfg;
	struct finished *out;
	size_t done, held;
	bool json, detail;
	struct report_style style;
};

static void judge(struct run *run, const struct endpoint *ep, struct finished *o)
{
	o->each = o->r.n_addrs > 0 ? xcalloc((size_t)o->r.n_addrs, sizeof(*o->each)) : NULL;
	verdict_judge_each(ep, &o->r, util_now_ms() / 1000, &o->v, o->each);
	/* the body was only needed for judging; a thousand of them add up */
	free(o->r.body);
	o->r.body = NULL;
	o->done = true;
	run->done++;
}

static void probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct run *run = ud;
	struct finished *o = &run->out[tag];

	probe_result_copy(&o->r, r);
	if (r->revocation.pending) {
		o->held = true;
		run->held++;
		return;
	}
	judge(run, ep, o);
}

/* The held-back probes, judged with what the revocation cache knows now. */
static void judge_held(struct run *run, const struct prober *p)
{
	for (size_t i = 0; run->held && i < run->cfg->n; i++) {
		struct finished *o = &run->out[i];

		if (!o->held)
			continue;
		prober_revocation(p, &run->cfg->eps[i], &o->r);
		for (int k = 0; k < o->r.n_addrs; k++)
			prober_revocation(p, &run->cfg->eps[i], &o->r.addrs[k]);
		o->held = false;
		run->held--;
		judge(run, &run->cfg->eps[i], o);
	}
}

static enum outcome worst_outcome(const struct run *run)
{
	enum outcome rc = OUTCOME_OK;

	for (size_t i = 0; i < run->cfg->n; i++) {
		if (!run->out[i].done)
			continue;
		if (run->out[i].v.state == STATE_DOWN)
			return OUTCOME_DOWN;
		if (run->out[i].v.state == STATE_WARN)
			rc = OUTCOME_WARN;
	}
	return rc;
}

static void print_results(struct run *run)
{
	int64_t now_s = util_now_ms() / 1000;
	struct strbuf b = { 0 };

	if (!run->json && !run->detail)
		report_table_header(stdout, &run->style);
	for (size_t i = 0; i < run->cfg->n; i++) {
		const struct endpoint *ep = &run->cfg->eps[i];
		struct finished *o = &run->out[i];

		if (!o->done)
			continue;
		if (run->json) {
			strbuf_reset(&b);
			report_json(&b, ep, &o->r, &o->v, o->each, now_s);
			puts(strbuf_cstr(&b));
		} else if (run->detail) {
			report_detail(stdout, &run->style, ep, &o->r, &o->v, o->each, now_s);
		} else {
			report_table_row(stdout, &run->style, ep, &o->r, &o->v, now_s);
		}
	}
	strbuf_done(&b);
}

enum outcome check_run(struct config *cfg, const bool *sel, bool json, bool detail, char *err, size_t errlen)
{
	struct run run = { .cfg = cfg, .json = json, .detail = detail };
	struct loop *lp = loop_new(0, err, errlen);
	struct prober *p;
	size_t submitted = 0;
	enum outcome rc;

	if (!lp)
		return OUTCOME_UNUSABLE;
	report_style_detect(&run.style, stdout);
	run.out = xcalloc(cfg->n ? cfg->n : 1, sizeof(*run.out));
	p = prober_new(cfg->max_inflight, probe_done, &run, err, errlen);
	if (!p) {
		free(run.out);
		loop_free(lp);
		return OUTCOME_UNUSABLE;
	}
	prober_attach(p, lp);
	for (size_t i = 0; i < cfg->n; i++) {
		if (sel ? sel[i] : cfg->eps[i].enabled) {
			prober_submit(p, cfg, i, i);
			submitted++;
		}
	}
	while (run.done + run.held < submitted || (run.held && prober_revocation_fetching(p))) {
		if (loop_run_once(lp) != 0) {
			fprintf(stderr, "httpsmon: %s\n", loop_error(lp));
			break;
		}
	}
	judge_held(&run, p);
	prober_free(p);
	loop_free(lp);
	print_results(&run);
	rc = worst_outcome(&run);
	for (size_t i = 0; i < cfg->n; i++) {
		probe_result_done(&run.out[i].r);
		free(run.out[i].each);
	}
	free(run.out);
	return rc;
}

int check_select(const struct config *cfg, char *const *names, size_t n, bool *sel, char *err, size_t errlen)
{
	memset(sel, 0, cfg->n * sizeof(*sel));
	for (size_t k = 0; k < n; k++) {
		const struct endpoint *exact = config_find(cfg, names[k]);
		bool any = exact != NULL;

		if (exact)
			sel[exact - cfg->eps] = true;
		for (size_t i = 0; !exact && i < cfg->n; i++) {
			if (cfg->eps[i].enabled && fnmatch(names[k], cfg->eps[i].name, 0) == 0)
				sel[i] = any = true;
		}
		if (!any) {
			struct strlist known = { 0 };
			struct strbuf b = { 0 };
			char q[160];

			for (size_t i = 0; i < cfg->n; i++)
				strlist_push(&known, cfg->eps[i].name);
			util_known_list(&b, &known, 10);
			snprintf(err, errlen, "no endpoint '%s' in %s (known: %s)",
				 util_sanitize(names[k], strlen(names[k]), q, sizeof(q)), cfg->path ? cfg->path : "the config",
				 strbuf_cstr(&b));
			strbuf_done(&b);
			strlist_done(&known);
			return -1;
		}
	}
	return 0;
}
