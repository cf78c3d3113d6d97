/*
 * store_export: raw rows as a stream, for `httpsmon export` and the
 * history pane's export key (store.h: store_rows_*). The SELECT is built
 * from the schema (PRAGMA table_info of the table) at open, so a column a
 * migration adds is exported without a change here: every column of the
 * table, in table order, where an internal id becomes what it stands for
 * (endpoint_id: the endpoint's name; probe.reason: the reason's name;
 * probe.tls_id: version, cipher, ALPN; probe.cert_id: the leaf's SHA-256 in
 * hex; probe.state: UP/WARN/DOWN; probe.failed_phase: the phase's name from
 * its on-disk code, NULL where it was not recorded), a row id is left out,
 * and a *_ms column is a time (named without the suffix; t_ms is "time").
 *
 * The statement walks endpoints in name order (the endpoint table's name
 * index) and each endpoint's rows through the table's (endpoint_id, time)
 * key, so rows come out sorted without a sort step and the stream holds
 * one row at a time whatever the window: memory stays constant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define MAX_COLS 64

struct store_rows {
	sqlite3_stmt *s;
	size_t n;
	char *name[MAX_COLS];
	bool time[MAX_COLS];
};

static const struct {
	const char *table, *alias, *time_col, *order;
	bool overlap;            /* rows with a start and an end: in the window when they overlap it */
} tables[] = {
	[STORE_PROBES] = { "probe", "p", "t_ms", "p.t_ms", false },
	[STORE_OUTAGES] = { "outage", "o", "start_ms", "o.start_ms", true },
	[STORE_EVENTS] = { "event", "v", "t_ms", "v.t_ms, v.id", false },
};

/* Probe columns that are ids into other tables: what to select instead, and the join. */
static const struct {
	const char *col, *select, *join;
	const char *names[3];
} lookups[] = {
	{ "state", "CASE p.state WHEN 0 THEN 'UP' WHEN 1 THEN 'WARN' ELSE 'DOWN' END", NULL, { "state" } },
	{ "reason", "r.name", " LEFT JOIN reason r ON r.id = p.reason", { "reason" } },
	{ "tls_id", "t.version, t.cipher, t.alpn", " LEFT JOIN tls t ON t.id = p.tls_id",
	  { "tls_version", "cipher", "alpn" } },
	{ "cert_id", "lower(hex(c.sha256))", " LEFT JOIN cert c ON c.id = p.cert_id", { "cert_sha256" } },
};

static void col_add(struct store_rows *r, const char *name, bool time)
{
	if (r->n < MAX_COLS) {
		r->time[r->n] = time;
		r->name[r->n++] = xstrdup(name);
	}
}

/* One column of the table into the select list (sel), joins and r's names. */
static void col_map(struct store_rows *r, enum store_what what, const char *col, struct strbuf *sel,
		    struct strbuf *joins)
{
	const char *a = tables[what].alias;
	size_t len = strlen(col);

	if (!strcmp(col, "id"))
		return;
	strbuf_puts(sel, r->n ? ", " : "");
	if (!strcmp(col, "endpoint_id")) {
		strbuf_puts(sel, "e.name");
		col_add(r, "endpoint", false);
		return;
	}
	if (what == STORE_PROBES && !strcmp(col, "failed_phase")) {
		/* the codes store_phase_code writes, named; names are ours, not data */
		strbuf_puts(sel, "CASE p.failed_phase");
		for (int code = 0, ph; (ph = store_phase_decode(code)) >= 0; code++)
			strbuf_printf(sel, " WHEN %d THEN '%s'", code, probe_phase_name((enum probe_phase)ph));
		strbuf_puts(sel, " END");
		col_add(r, col, false);
		return;
	}
	for (size_t i = 0; what == STORE_PROBES && i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		if (strcmp(col, lookups[i].col))
			continue;
		strbuf_puts(sel, lookups[i].select);
		if (lookups[i].join)
			strbuf_puts(joins, lookups[i].join);
		for (size_t k = 0; k < 3 && lookups[i].names[k]; k++)
			col_add(r, lookups[i].names[k], false);
		return;
	}
	strbuf_printf(sel, "%s.\"%s\"", a, col);
	if (len > 3 && !strcmp(col + len - 3, "_ms")) {
		char *base = xstrndup(col, len - 3);

		col_add(r, !strcmp(base, "t") ? "time" : base, true);
		free(base);
	} else {
		col_add(r, col, false);
	}
}

/* The SELECT for what, from the table's columns as the file has them. */
static char *rows_sql(struct store *st, struct store_rows *r, enum store_what what)
{
	struct strbuf sel = { 0 }, joins = { 0 }, q = { 0 };
	const char *a = tables[what].alias, *tc = tables[what].time_col;
	sqlite3_stmt *info = NULL;
	char *sql;

	strbuf_printf(&q, "PRAGMA table_info(%s)", tables[what].table);
	if (sqlite3_prepare_v2(st->db, strbuf_cstr(&q), -1, &info, NULL) == SQLITE_OK)
		while (sqlite3_step(info) == SQLITE_ROW)
			col_map(r, what, (const char *)sqlite3_column_text(info, 1), &sel, &joins);
	sqlite3_finalize(info);
	strbuf_reset(&q);
	/* CROSS JOIN keeps endpoint the outer loop: each endpoint's rows are one key range */
	strbuf_printf(&q, "SELECT %s FROM endpoint e CROSS JOIN %s %s ON %s.endpoint_id = e.id%s"
		      " WHERE (?1 IS NULL OR e.name = ?1) AND ", strbuf_cstr(&sel), tables[what].table, a, a,
		      strbuf_cstr(&joins));
	if (tables[what].overlap)
		strbuf_printf(&q, "%s.%s < ?3 AND (%s.end_ms IS NULL OR %s.end_ms >= ?2)", a, tc, a, a);
	else
		strbuf_printf(&q, "%s.%s >= ?2 AND %s.%s < ?3", a, tc, a, tc);
	strbuf_printf(&q, " ORDER BY e.name, %s", tables[what].order);
	sql = xstrdup(strbuf_cstr(&q));
	strbuf_done(&sel);
	strbuf_done(&joins);
	strbuf_done(&q);
	return sql;
}

struct store_rows *store_rows_open(struct store *st, enum store_what what, const char *name, int64_t since_ms,
				   int64_t until_ms, char *err, size_t errlen)
{
	struct store_rows *r = xcalloc(1, sizeof(*r));
	char *sql = rows_sql(st, r, what);

	if (!r->n || sqlite3_prepare_v2(st->db, sql, -1, &r->s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the %s table: %s", tables[what].table, sqlite3_errmsg(st->db));
		free(sql);
		store_rows_close(r);
		return NULL;
	}
	free(sql);
	/* a copy: the caller's name need not outlive the stream */
	if (name)
		sqlite3_bind_text(r->s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(r->s, 2, since_ms);
	sqlite3_bind_int64(r->s, 3, until_ms);
	return r;
}

size_t store_rows_ncols(const struct store_rows *r)
{
	return r->n;
}

const char *store_rows_name(const struct store_rows *r, size_t i)
{
	return r->name[i];
}

bool store_rows_is_time(const struct store_rows *r, size_t i)
{
	return r->time[i];
}

int store_rows_next(struct store_rows *r)
{
	int rc = sqlite3_step(r->s);

	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum store_val store_rows_type(const struct store_rows *r, size_t i)
{
	switch (sqlite3_column_type(r->s, (int)i)) {
	case SQLITE_NULL:
		return STORE_NULL;
	case SQLITE_INTEGER:
		return STORE_INT;
	case SQLITE_FLOAT:
		return STORE_REAL;
	default:
		return STORE_TEXT;
	}
}

int64_t store_rows_int(const struct store_rows *r, size_t i)
{
	return sqlite3_column_int64(r->s, (int)i);
}

double store_rows_real(const struct store_rows *r, size_t i)
{
	return sqlite3_column_double(r->s, (int)i);
}

const char *store_rows_text(const struct store_rows *r, size_t i, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(r->s, (int)i);

	*len = (size_t)sqlite3_column_bytes(r->s, (int)i);
	return t ? t : "";
}

const char *store_rows_error(const struct store_rows *r)
{
	return sqlite3_errmsg(sqlite3_db_handle(r->s));
}

void store_rows_close(struct store_rows *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->s);
	for (size_t i = 0; i < r->n; i++)
		free(r->name[i]);
	free(r);
}
