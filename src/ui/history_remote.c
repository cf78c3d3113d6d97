/*
 * history_remote: the history pane's figures in the remote viewer, asked
 * of the row's collector through remote.h (its /api/v1/endpoints/NAME for
 * the uptimes, /api/v1/series for the chart, /api/v1/outages for the
 * list) instead of the store. Answers come later than the question: until
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

void history_remote_fill(struct ui *u, const struct row *r, const char *key, bool all, int64_t since_ms,
			 int64_t bucket_ms, struct hist_fill *f)
{
	struct remote_set *rs = u->m.rs;
	size_t loc = (size_t)r->loc, n;
	int64_t now = util_now_ms();
	const char *why_d, *why_s, *why_o;
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
	f->waiting = !d || !pts || !out;
	if (*why_d || *why_s || *why_o)
		snprintf(f->err, sizeof(f->err), "%s: %s", r->location,
			 *why_s ? why_s : *why_o ? why_o : why_d);
	else if (f->waiting)
		snprintf(f->err, sizeof(f->err), "asking %s...", r->location);
}
