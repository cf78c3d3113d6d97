/*
 * widgets: the dashboard's drawing primitives. Owns the colour pairs and
 * ui_text, the only function that writes text to the screen: everything a
 * pane shows, labels included, goes through it, so text from the network
 * or a certificate cannot reach the terminal unsanitised. Built on top:
 * state badges, sparklines, bars and a scrolling canvas. Widgets draw into
 * the curses virtual screen only; the loop decides when to refresh.
 */
#include "httpsmon/ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

bool ui_utf8;
bool ui_color;

void ui_colors_init(struct ui *u)
{
	static const short fg[] = {
		[C_UP] = COLOR_GREEN, [C_WARN] = COLOR_YELLOW, [C_DOWN] = COLOR_RED,
		[C_FAILING] = COLOR_MAGENTA, [C_PAUSED] = COLOR_CYAN, [C_PENDING] = COLOR_BLUE,
		[C_TITLE] = COLOR_CYAN, [C_DIM] = COLOR_WHITE, [C_ACCENT] = COLOR_CYAN,
		[C_DNS] = COLOR_CYAN, [C_CONNECT] = COLOR_BLUE, [C_TLS] = COLOR_MAGENTA,
		[C_SERVER] = COLOR_YELLOW, [C_TRANSFER] = COLOR_GREEN,
	};

	ui_color = u->color;
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	for (short i = 1; i < (short)(sizeof(fg) / sizeof(fg[0])); i++)
		init_pair(i, fg[i], -1);
}

int ui_attr(enum ui_color c)
{
	if (ui_color) {
		switch (c) {
		case C_NONE:
			return UI_PLAIN;
		case C_DOWN:
		case C_TITLE:
			return (int)(COLOR_PAIR(c) | A_BOLD);
		case C_DIM:
			return A_DIM;
		default:
			return (int)COLOR_PAIR(c);
		}
	}
	switch (c) {
	case C_DOWN:
	case C_FAILING:
	case C_TITLE:
		return A_BOLD;
	case C_PENDING:
	case C_PAUSED:
	case C_DIM:
		return A_DIM;
	default:
		return UI_PLAIN;
	}
}

int ui_live_attr(enum live l)
{
	switch (l) {
	case LIVE_UP:
		return ui_attr(C_UP);
	case LIVE_WARN:
		return ui_attr(C_WARN);
	case LIVE_FAILING:
		return ui_attr(C_FAILING);
	case LIVE_DOWN:
		return ui_attr(C_DOWN);
	case LIVE_PAUSED:
		return ui_attr(C_PAUSED);
	default:
		return ui_attr(C_PENDING);
	}
}

int ui_state_attr(enum state s)
{
	return s == STATE_UP ? ui_attr(C_UP) : s == STATE_WARN ? ui_attr(C_WARN) : ui_attr(C_DOWN);
}

int ui_expiry_attr(const struct row *r, int64_t not_after_s, int64_t now_s)
{
	enum state s = model_cert_state(r, not_after_s, now_s);

	return s == STATE_UP ? UI_PLAIN : ui_state_attr(s);
}

/* ui_text and ui_text_cut: cut: a text wider than width ends in an ellipsis. */
static int text_out(WINDOW *w, int y, int x, int width, int attr, const char *s, bool cut)
{
	char safe[2048];
	size_t bytes;
	int used, maxx = getmaxx(w);

	if (!s || y < 0 || y >= getmaxy(w) || x < 0 || x >= maxx)
		return 0;
	if (width < 0 || x + width > maxx)
		width = maxx - x;
	if (width <= 0)
		return 0;
	util_sanitize(s, strlen(s), safe, sizeof(safe));
	if (!ui_utf8) {
		/* a non-UTF-8 terminal would show mojibake: one '?' per character */
		char *o = safe;

		for (const unsigned char *p = (const unsigned char *)safe; *p; p++) {
			if (*p < 0x80)
				*o++ = (char)*p;
			else if ((*p & 0xc0) != 0x80)
				*o++ = '?';
		}
		*o = '\0';
	}
	cut = cut && fmt_width(safe) > width;
	bytes = fmt_clip(safe, cut ? width - 1 : width, &used);
	wattr_on(w, (attr_t)attr, NULL);
	mvwaddnstr(w, y, x, safe, (int)bytes);
	if (cut) {
		/* never cut silently: the reader must know there is more */
		mvwaddstr(w, y, x + used, ui_utf8 ? "…" : "~");
		used++;
	}
	wattr_off(w, (attr_t)attr, NULL);
	return used;
}

int ui_text(WINDOW *w, int y, int x, int width, int attr, const char *s)
{
	return text_out(w, y, x, width, attr, s, false);
}

int ui_text_cut(WINDOW *w, int y, int x, int width, int attr, const char *s)
{
	return text_out(w, y, x, width, attr, s, true);
}

int ui_textf(WINDOW *w, int y, int x, int width, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ui_text(w, y, x, width, attr, buf);
}

int ui_text_right(WINDOW *w, int y, int x, int width, int attr, const char *s)
{
	int tw = fmt_width(s);

	if (tw < width)
		x += width - tw;
	return ui_text(w, y, x, width < tw ? width : tw, attr, s);
}

void ui_fill(WINDOW *w, int y, int x, int width, int attr)
{
	int maxx = getmaxx(w);

	if (y < 0 || y >= getmaxy(w) || x < 0)
		return;
	if (width < 0 || x + width > maxx)
		width = maxx - x;
	/* one call, not a character at a time: bars and blank lines are drawn every frame */
	if (width > 0)
		mvwhline(w, y, x, ' ' | (chtype)attr, width);
}

const char *ui_live_word(enum live l)
{
	switch (l) {
	case LIVE_UP:
		return "UP";
	case LIVE_WARN:
		return "WARN";
	case LIVE_FAILING:
		return "FAIL";
	case LIVE_DOWN:
		return "DOWN";
	case LIVE_PAUSED:
		return "PAUSED";
	default:
		return "PENDING";
	}
}

static const char *live_symbol(enum live l)
{
	static const char *const utf[] = {
		[LIVE_PENDING] = "…", [LIVE_UP] = "✔", [LIVE_WARN] = "▲",
		[LIVE_FAILING] = "◆", [LIVE_DOWN] = "✖", [LIVE_PAUSED] = "‖",
	};
	static const char *const ascii[] = {
		[LIVE_PENDING] = ".", [LIVE_UP] = "+", [LIVE_WARN] = "!",
		[LIVE_FAILING] = "~", [LIVE_DOWN] = "X", [LIVE_PAUSED] = "=",
	};

	return ui_utf8 ? utf[l] : ascii[l];
}

void ui_badge(WINDOW *w, int y, int x, enum live l, int fails, int fail_after, int extra_attr)
{
	char buf[32];

	if (l == LIVE_FAILING && fail_after > 0)
		snprintf(buf, sizeof(buf), "%s FAIL %d/%d", live_symbol(l), fails, fail_after);
	else
		snprintf(buf, sizeof(buf), "%s %s", live_symbol(l), ui_live_word(l));
	ui_text(w, y, x, UI_BADGE_W, ui_live_attr(l) | extra_attr, buf);
}

void ui_spark(WINDOW *w, int y, int x, int width, const int64_t *vals, int n, int extra_attr)
{
	int first = n > width ? n - width : 0;
	int pad = n < width ? width - n : 0;
	int64_t max = 0;

	for (int i = first; i < n; i++)
		if (vals[i] > max)
			max = vals[i];
	/* cell by cell so failures take the DOWN colour */
	for (int i = first; i < n; i++)
		ui_text(w, y, x + pad + (i - first), 1,
			(vals[i] < 0 ? ui_attr(C_DOWN) : ui_attr(C_ACCENT)) | extra_attr,
			fmt_spark_cell(vals[i], max, ui_utf8));
}

void ui_bar(WINDOW *w, int y, int x, int cols, enum ui_color c)
{
	char buf[1024];
	size_t o = 0;
	const char *cell = ui_utf8 ? "█" : (ui_color ? " " : "#");
	size_t cl = strlen(cell);
	int attr = ui_attr(c);

	if (!ui_utf8 && ui_color)
		attr |= A_REVERSE;
	for (int i = 0; i < cols && o + cl < sizeof(buf); i++) {
		memcpy(buf + o, cell, cl);
		o += cl;
	}
	buf[o] = '\0';
	ui_text(w, y, x, cols, attr, buf);
}

enum ui_color ui_phase_color(enum probe_phase p)
{
	static const enum ui_color colors[PHASE_END] = {
		[PHASE_DNS] = C_DNS, [PHASE_CONNECT] = C_CONNECT, [PHASE_TLS] = C_TLS,
		[PHASE_SERVER] = C_SERVER, [PHASE_TRANSFER] = C_TRANSFER, [PHASE_TOTAL] = C_ACCENT,
	};

	return (unsigned)p < PHASE_END && colors[p] ? colors[p] : C_NONE;
}

void ui_waterfall(struct canvas *c, const struct probe_timings *t, enum probe_phase failed_phase)
{
	int bar_x = 22, bar_w = c->width - bar_x - 16;
	int64_t at = 0;
	char b[32];

	if (bar_w < 10)
		bar_w = 10;
	for (int p = PHASE_FIRST; p <= PHASE_LAST; p++) {
		bool failed = failed_phase == (enum probe_phase)p;
		int64_t us = t->us[p];
		int col, cols;

		if (us < 0)
			continue;
		if (cv_visible(c)) {
			cv_text(c, 2, 10, failed ? ui_attr(C_DOWN) : UI_PLAIN, probe_phase_name(p));
			cv_text(c, 12, 9, failed ? ui_attr(C_DOWN) : UI_PLAIN, util_fmt_duration_us(b, sizeof(b), us));
			fmt_bar(at, us, t->us[PHASE_TOTAL], bar_w, &col, &cols);
			ui_bar(c->w, cv_y(c), c->x0 + bar_x + col, cols, failed ? C_DOWN : ui_phase_color(p));
			if (failed)
				cv_text(c, bar_x + col + cols + 1, -1, ui_attr(C_DOWN),
					ui_utf8 ? "← failed here" : "<- failed here");
		}
		at += us;
		cv_nl(c);
	}
	cv_text(c, 2, 10, A_BOLD, probe_phase_name(PHASE_TOTAL));
	cv_text(c, 12, 9, A_BOLD, util_fmt_duration_us(b, sizeof(b), t->us[PHASE_TOTAL]));
	cv_nl(c);
}

void ui_rule(WINDOW *w, int y, int x, int width, const char *title)
{
	char line[1024];
	size_t o = 0;
	const char *h = ui_utf8 ? "─" : "-";
	size_t hl = strlen(h);
	int tw = 0;

	if (title && *title)
		tw = ui_textf(w, y, x, width, ui_attr(C_TITLE), "%s%s ", ui_utf8 ? "── " : "-- ", title);
	for (int i = tw; i < width && o + hl < sizeof(line); i++) {
		memcpy(line + o, h, hl);
		o += hl;
	}
	line[o] = '\0';
	ui_text(w, y, x + tw, width - tw, ui_attr(C_DIM), line);
}

void cv_init(struct canvas *c, WINDOW *w, int y0, int h, int x0, int width, int scroll)
{
	*c = (struct canvas){ .w = w, .y0 = y0, .h = h, .x0 = x0, .width = width, .scroll = scroll };
}

bool cv_visible(const struct canvas *c)
{
	return c->line >= c->scroll && c->line < c->scroll + c->h;
}

int cv_y(const struct canvas *c)
{
	return c->y0 + c->line - c->scroll;
}

int cv_text(struct canvas *c, int x, int width, int attr, const char *s)
{
	if (!cv_visible(c) || x >= c->width)
		return 0;
	if (width < 0 || x + width > c->width)
		width = c->width - x;
	return ui_text(c->w, cv_y(c), c->x0 + x, width, attr, s);
}

int cv_textf(struct canvas *c, int x, int width, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cv_text(c, x, width, attr, buf);
}

void cv_nl(struct canvas *c)
{
	c->line++;
}

int cv_wrap(struct canvas *c, int x, int attr, const char *s, int max_lines)
{
	char safe[2048];
	const char *p = safe;
	int width = c->width - x, lines = 0;

	/* sanitised before measuring: an escape like \x1b takes four columns */
	util_sanitize(s, strlen(s), safe, sizeof(safe));
	if (width < 10)
		width = 10;
	while (*p && lines < max_lines) {
		size_t n = fmt_clip(p, width, NULL);
		char piece[2048];

		if (p[n] && lines + 1 < max_lines) {
			/* break at the last space of the line's second half, if any */
			for (size_t k = n; k > n / 2; k--) {
				if (p[k] == ' ') {
					n = k;
					break;
				}
			}
		}
		if (!n)
			n = 1;
		memcpy(piece, p, n);
		piece[n] = '\0';
		cv_text(c, x, -1, attr, piece);
		cv_nl(c);
		lines++;
		p += n;
		while (*p == ' ')
			p++;
	}
	if (!lines)
		cv_nl(c);
	return lines ? lines : 1;
}

void cv_rule(struct canvas *c, const char *title)
{
	if (cv_visible(c))
		ui_rule(c->w, cv_y(c), c->x0, c->width, title);
	cv_nl(c);
}

int ui_clamp_scroll(int scroll, int lines, int h)
{
	if (scroll > lines - h)
		scroll = lines - h;
	return scroll < 0 ? 0 : scroll;
}

bool ui_scroll_key(int key, int *scroll, int lines, int view_h)
{
	int page = view_h > 2 ? view_h - 1 : 1;

	switch (key) {
	case KEY_UP:
	case 'k':
		(*scroll)--;
		break;
	case KEY_DOWN:
	case 'j':
		(*scroll)++;
		break;
	case KEY_PPAGE:
		*scroll -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		*scroll += page;
		break;
	case KEY_HOME:
	case 'g':
		*scroll = 0;
		break;
	case KEY_END:
	case 'G':
		*scroll = lines;
		break;
	default:
		return false;
	}
	*scroll = ui_clamp_scroll(*scroll, lines, view_h);
	return true;
}

void ui_box(WINDOW *w, int y0, int x0, int h, int width, const char *title)
{
	for (int y = 0; y < h; y++)
		ui_fill(w, y0 + y, x0, width, UI_PLAIN);
	/* the frame with ACS lines: curses maps them to the terminal's own line drawing */
	mvwhline(w, y0, x0, ACS_HLINE, width);
	mvwhline(w, y0 + h - 1, x0, ACS_HLINE, width);
	mvwvline(w, y0, x0, ACS_VLINE, h);
	mvwvline(w, y0, x0 + width - 1, ACS_VLINE, h);
	mvwaddch(w, y0, x0, ACS_ULCORNER);
	mvwaddch(w, y0, x0 + width - 1, ACS_URCORNER);
	mvwaddch(w, y0 + h - 1, x0, ACS_LLCORNER);
	mvwaddch(w, y0 + h - 1, x0 + width - 1, ACS_LRCORNER);
	ui_text(w, y0, x0 + 2, width - 4, ui_attr(C_TITLE), title);
}
