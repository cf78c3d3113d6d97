/*
 * pane: what a pane may ask of the dashboard through the shared struct ui
 * (ui.h): a notice for the footer, another pane, or the way back to the
 * list; and the kept notices (a ring of UI_NOTES in struct ui, each text
 * owned by it) that the notices pane shows and the footer's last line
 * comes from. These only record the request; view.c carries it out after the
 * handler returns, so no pane calls into view.c and view.c reaches the
 * panes only through its table of struct pane_ops.
 */
#include "httpsmon/ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

void ui_note(struct ui *u, enum ui_note_kind kind, int64_t t_ms, const char *text)
{
	struct ui_note *n;

	if (u->notes_n == UI_NOTES) {
		free(u->notes[u->notes_head].text);
		u->notes_head = (u->notes_head + 1) % UI_NOTES;
		u->notes_n--;
	}
	n = &u->notes[(u->notes_head + u->notes_n) % UI_NOTES];
	n->t_ms = t_ms;
	n->kind = kind;
	n->text = xstrdup(text ? text : "");
	u->notes_n++;
	u->notes_seq++;
}

const struct ui_note *ui_note_at(const struct ui *u, size_t i)
{
	return i < u->notes_n ? &u->notes[(u->notes_head + i) % UI_NOTES] : NULL;
}

void ui_notes_free(struct ui *u)
{
	for (size_t i = 0; i < u->notes_n; i++)
		free(u->notes[(u->notes_head + i) % UI_NOTES].text);
	u->notes_n = 0;
	u->notes_head = 0;
}

unsigned ui_mouse_swallow(struct ui *u, int y, int x, unsigned long bstate)
{
	(void)u;
	(void)y;
	(void)x;
	(void)bstate;
	return UI_HANDLED;
}
