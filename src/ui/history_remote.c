/*
 * history_remote: the history pane's figures in the remote viewer, asked
 * of the row's collector through remote.h (its /api/v1/endpoints/NAME for
 * the uptimes, /api/v1/series for the chart, /api/v1/outages for the
 * list, /api/v1/probes for an opened outage's probes and their leaves)
 * instead of the store. Answers come later than the question: until
 * then the figures are unknown and the pane says it is asking; the pane
 * runs this again whenever an answer arrived (the model changed). What it
 * hands over is copied, so no pointer outlives the next answer.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/remote.h"
#include "httpsmon/util.h"

#define OUTAGES_SINCE_MS (400 * DAY_MS)

static void *dup_rows(const void *rows, size_t n, size_t elem)
{
	void *p = xmalloc((n ? n : 1) * elem);

	if (n)
		memcpy(p, rows, n * elem);
	return p;
}

/* The probes of outage o and the leaf of probe psel, as the collector answered so far. */
static void fill_open(struct remote_set *rs, size_t loc, const struct outage_row *o, size_t psel, int64_t now,
		      struct hist_fill *f, const char **why)
{
	char key[300];
	const struct rj_probes *p;
	const struct cert_info *ci;

	snprintf(key, sizeof(key), "%s|%lld", o->name, (long long)o->start_ms);
	p = remote_probes(rs, loc, key, o->name, o->start_ms, o->end_ms ? o->end_ms : now, now, why);
	if (!p)
		return;
	f->probes = dup_rows(p->rows, p->n, sizeof(*p->rows));
	f->n_probes = p->n;
	ci = psel < p->n ? rj_probes_cert(p, p->rows[psel].cert_sha256) : NULL;
	if (ci) {
		cert_info_copy(&f->cert, ci);
		f->have_cert = true;
	}
}

void history_remote_fill(struct ui *u, const struct row *r, const char *key, bool all, int64_t since_ms,
			 int64_t bucket_ms, bool open, size_t sel, size_t psel, struct hist_fill *f)
{
	struct remote_set *rs = u->m.rs;
	size_t loc = (size_t)r->loc, n;
	int64_t now = util_now_ms();
	const char *why_d, *why_s, *why_o, *why_p = "";
	const struct rj_detail *d = remote_detail(rs, loc, r->name, now, &why_d);
	const struct series_point *pts;
	const struct outage_row *out;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 3; i++)
		f->up[i].pct = d ? d->up[i] : -1;
	pts = remote_series(rs, loc, key, r->name, since_ms, now, bucket_ms, &n, now, &why_s);
	f->pts = pts ? dup_rows(pts, n, sizeof(*pts)) : NULL;
	f->n_pts = pts ? n : 0;
	out = remote_outages(rs, loc, all ? NULL : r->name, OUTAGES_SINCE_MS, &n, now, &why_o);
	f->out = out ? dup_rows(out, n, sizeof(*out)) : NULL;
	f->n_out = out ? n : 0;
	if (open && sel < f->n_out)
		fill_open(rs, loc, &f->out[sel], psel, now, f, &why_p);
	f->waiting = !d || !pts || !out || (open && sel < f->n_out && !f->probes);
	if (*why_d || *why_s || *why_o || *why_p)
		snprintf(f->err, sizeof(f->err), "%s: %s", r->location,
			 *why_p ? why_p : *why_s ? why_s : *why_o ? why_o : why_d);
	else if (f->waiting)
		snprintf(f->err, sizeof(f->err), "asking %s...", r->location);
}
