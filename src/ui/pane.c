/*
 * pane: what a pane may ask of the dashboard through the shared struct ui
 * (ui.h): a notice for the footer, another pane, or the way back to the
 * list. These only record the request; view.c carries it out after the
 * handler returns, so no pane calls into view.c and view.c reaches the
 * panes only through its table of struct pane_ops.
 */
#include "httpsmon/ui.h"

#include <stdarg.h>
#include <stdio.h>

#include "httpsmon/util.h"

void ui_notice(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->status, sizeof(u->status), fmt, ap);
	va_end(ap);
	u->status_ms = util_now_ms();
}

void ui_open(struct ui *u, const struct pane_ops *p)
{
	u->want = p;
	u->want_back = false;
}

void ui_back(struct ui *u)
{
	u->want = NULL;
	u->want_back = true;
}
