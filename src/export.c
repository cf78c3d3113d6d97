/*
 * export: raw rows out of the store, as CSV or JSON lines (see export.h).
 * One row is formatted into a reused buffer and written with one fwrite;
 * the store's stream holds one row, so memory is constant however many
 * rows go out. A text value is sanitised into a buffer grown to fit
 * (util_sanitize writes at most 4 bytes per byte in).
 */
#include "httpsmon/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/history.h"
#include "httpsmon/util.h"

struct writer {
	struct strbuf line;
	char *san;               /* sanitised text, san_cap bytes */
	size_t san_cap;
	bool json;
};

/* A CSV field: quoted when it holds a comma, a quote, CR or LF (RFC 4180), quotes doubled. */
static void csv_field(struct strbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		strbuf_puts(b, s);
		return;
	}
	strbuf_puts(b, "\"");
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		strbuf_append(b, s, (size_t)(q - s));
		strbuf_puts(b, "\"\"");
	}
	strbuf_puts(b, s);
	strbuf_puts(b, "\"");
}

/* Column i of the current row, as CSV or as a JSON value. */
static void put_value(struct writer *w, const struct store_rows *r, size_t i)
{
	char tmp[48];
	size_t len;
	const char *t;

	switch (store_rows_type(r, i)) {
	case STORE_NULL:
		strbuf_puts(&w->line, w->json ? "null" : "");
		return;
	case STORE_INT:
		if (store_rows_is_time(r, i)) {
			util_fmt_time_utc_ms(tmp, sizeof(tmp), store_rows_int(r, i));
			strbuf_printf(&w->line, w->json ? "\"%s\"" : "%s", tmp);
		} else {
			strbuf_printf(&w->line, "%lld", (long long)store_rows_int(r, i));
		}
		return;
	case STORE_REAL:
		strbuf_printf(&w->line, "%.17g", store_rows_real(r, i));
		return;
	case STORE_TEXT:
		t = store_rows_text(r, i, &len);
		if (w->json) {
			strbuf_json_str(&w->line, t);
			return;
		}
		if (w->san_cap < 4 * len + 1) {
			w->san_cap = 4 * len + 1;
			w->san = xrealloc(w->san, w->san_cap);
		}
		csv_field(&w->line, util_sanitize(t, len, w->san, w->san_cap));
		return;
	}
}

static void put_row(struct writer *w, const struct store_rows *r)
{
	size_t n = store_rows_ncols(r);

	strbuf_reset(&w->line);
	for (size_t i = 0; i < n; i++) {
		if (w->json) {
			strbuf_puts(&w->line, i ? ",\"" : "{\"");
			strbuf_puts(&w->line, store_rows_name(r, i));
			strbuf_puts(&w->line, "\":");
		} else if (i) {
			strbuf_puts(&w->line, ",");
		}
		put_value(w, r, i);
	}
	strbuf_puts(&w->line, w->json ? "}\n" : "\r\n");
}

/* Header (CSV) and rows of an open stream to out. Returns rows written or -1 with err. */
static long rows_write(FILE *out, struct store_rows *r, bool json, char *err, size_t errlen)
{
	struct writer w = { .json = json };
	long rows = 0;
	int rc;

	if (!json) {
		for (size_t i = 0; i < store_rows_ncols(r); i++)
			strbuf_printf(&w.line, "%s%s", i ? "," : "", store_rows_name(r, i));
		strbuf_puts(&w.line, "\r\n");
		fwrite(strbuf_cstr(&w.line), 1, w.line.len, out);
	}
	while ((rc = store_rows_next(r)) == 1) {
		put_row(&w, r);
		fwrite(strbuf_cstr(&w.line), 1, w.line.len, out);
		rows++;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the history: %s", store_rows_error(r));
		rows = -1;
	} else if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "cannot write the export: %s", strerror(errno));
		rows = -1;
	}
	strbuf_done(&w.line);
	free(w.san);
	return rows;
}

static long export_store(FILE *out, struct store *st, const struct export_opts *o, char *err, size_t errlen)
{
	struct store_rows *r;
	long rows;

	if (history_endpoint_known(st, o->endpoint, err, errlen))
		return -1;
	r = store_rows_open(st, o->what, o->endpoint, o->since_ms, o->until_ms, err, errlen);
	if (!r)
		return -1;
	rows = rows_write(out, r, o->json, err, errlen);
	store_rows_close(r);
	return rows;
}

long export_run(FILE *out, const struct export_opts *o, char *err, size_t errlen)
{
	char *path = o->db_path ? xstrdup(o->db_path) : store_default_path();
	struct store *st = store_open(path, STORE_READER, err, errlen);
	long rows = -1;

	free(path);
	if (st)
		rows = export_store(out, st, o, err, errlen);
	store_close(st);
	return rows;
}

long export_to_file(struct store *st, const char *path, const struct export_opts *o, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	long rows;

	if (!f) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rows = export_store(f, st, o, err, errlen);
	if (fclose(f) != 0 && rows >= 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rows = -1;
	}
	if (rows < 0)
		unlink(path);
	return rows;
}
