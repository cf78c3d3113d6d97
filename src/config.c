/*
 * config: reads endpoints.ini into a validated, immutable struct config.
 *
 * Loading runs in two passes. The first reads the file through libinih
 * and only collects raw sections and key/value lines, each with its line
 * number. The second builds [defaults] on top of the built-in defaults,
 * then every endpoint on top of [defaults], so where [defaults] sits in the
 * file does not matter. Every problem is collected, not just the first, and
 * reported as "FILE:LINE: [section] key: message".
 *
 * libinih as Debian builds it has a 200-byte line buffer (longer lines are
 * split into garbage), joins indented lines onto the previous value, and
 * does not pass line numbers to the handler. So the reader below hands
 * inih one line per call (inih's line count and ours stay equal), strips
 * leading white space (indentation never continues a value), refuses
 * over-long lines, and parses section headers itself (inih would truncate
 * long names to 49 bytes). inih is left to split "key = value" and to drop
 * " ;" inline comments.
 *
 * The keys themselves are a table (config_fields.h): applying a key is
 * the checks every key shares (known, global, set twice, list replaced)
 * and then its type's parser (config_fields.c). What depends on several
 * keys (host and port from url, timeout against interval, ...) is checked
 * once a section is read, in build_done.
 *
 * Invariants of a loaded config: every endpoint has a url, host and port;
 * body_regex is compiled whenever expect_body_regex is set; expect_status
 * is never empty; relative ca_file, client_cert and client_key paths have
 * been resolved against the config file's directory and were readable at
 * load time.
 */
#include "httpsmon/config.h"
#include "config_fields.h"
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#define CONFIG_MAX_ERRORS   8   /* shown in err; the rest are counted */

/* An endpoint under construction, with where each key was last set. */
struct build {
	struct endpoint e;
	int line[K_COUNT];  /* 0: built-in default */
	bool here[K_COUNT]; /* set in the section being applied */
};

void config_err_add(struct loader *ld, int line, const char *section, const char *key,
		    const char *fmt, ...)
{
	struct strbuf b = { 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->cur_kv)
		config_scrub(msg, sizeof(msg), &ld->cur_kv->subs);
	if (line > 0)
		strbuf_printf(&b, "%s:%d: ", ld->path, line);
	else
		strbuf_printf(&b, "%s: ", ld->path);
	if (section && key)
		strbuf_printf(&b, "[%s] %s: ", section, key);
	else if (section)
		strbuf_printf(&b, "[%s]: ", section);
	else if (key)
		strbuf_printf(&b, "%s: ", key);
	strbuf_puts(&b, msg);
	ld->errs = xrealloc(ld->errs, (ld->nerrs + 1) * sizeof(*ld->errs));
	ld->errs[ld->nerrs].line = line;
	ld->errs[ld->nerrs].seq = ld->nerrs;
	ld->errs[ld->nerrs].msg = b.s;
	ld->nerrs++;
}

static bool err_on_line(const struct loader *ld, int line)
{
	size_t i;

	for (i = 0; i < ld->nerrs; i++)
		if (ld->errs[i].line == line)
			return true;
	return false;
}

static int cerr_cmp(const void *a, const void *b)
{
	const struct cerr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the sorted errors to err: the first few, then a count of the rest. */
static void err_flush(struct loader *ld, char *err, size_t errlen)
{
	struct strbuf b = { 0 };
	size_t i;

	qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), cerr_cmp);
	for (i = 0; i < ld->nerrs && i < CONFIG_MAX_ERRORS; i++) {
		if (i)
			strbuf_puts(&b, "\n");
		strbuf_puts(&b, ld->errs[i].msg);
	}
	if (ld->nerrs > CONFIG_MAX_ERRORS)
		strbuf_printf(&b, "\nand %zu more error%s", ld->nerrs - CONFIG_MAX_ERRORS,
			      ld->nerrs - CONFIG_MAX_ERRORS == 1 ? "" : "s");
	if (err && errlen)
		snprintf(err, errlen, "%s", strbuf_cstr(&b));
	strbuf_done(&b);
}

/* ---- first pass: lines, sections and raw key/values ---- */

bool config_name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[4 * CONFIG_NAME_MAX + 1];
	size_t len = strlen(s);

	if (!len || len > CONFIG_NAME_MAX)
		return false;
	for (; *p; p++)
		if (*p < 0x80 && !isalnum(*p) && !strchr("._-:/@+", *p))
			return false;
	/* non-ASCII must be valid, harmless UTF-8: the sanitiser leaves it alone */
	return strcmp(util_sanitize(s, len, tmp, sizeof(tmp)), s) == 0;
}

/* Handles a "[name]" line (already stripped of leading space). */
static void section_line(struct loader *ld, char *s)
{
	char *close = strchr(s, ']'), *name, *end, *after;
	char qb[96];
	struct rawsec *sec;

	ld->cur = BROKEN_SECTION;
	if (!close) {
		config_err_add(ld, ld->line, NULL, NULL, "section header without a closing ']'");
		return;
	}
	after = close + 1;
	while (isspace((unsigned char)*after))
		after++;
	if (*after && *after != ';' && *after != '#') {
		config_err_add(ld, ld->line, NULL, NULL, "unexpected text after ']': '%s'",
			config_quote(qb, sizeof(qb), after));
		return;
	}
	name = s + 1;
	while (isspace((unsigned char)*name))
		name++;
	end = close;
	while (end > name && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (!*name) {
		config_err_add(ld, ld->line, NULL, NULL, "empty section name '[]'");
		return;
	}
	if (!config_name_ok(name)) {
		config_err_add(ld, ld->line, config_quote(qb, sizeof(qb), name), NULL,
			"invalid section name: use letters, digits and . _ - : / @ + "
			"(no spaces, at most %d bytes)", CONFIG_NAME_MAX);
		return;
	}
	ld->secs = xrealloc(ld->secs, (ld->nsecs + 1) * sizeof(*ld->secs));
	sec = &ld->secs[ld->nsecs];
	memset(sec, 0, sizeof(*sec));
	sec->name = xstrdup(name);
	sec->line = ld->line;
	ld->cur = (long)ld->nsecs++;
}

/*
 * inih's reader: one line per call. What inih must not see (section
 * headers, broken or over-long lines) is replaced by an empty line so that
 * line numbers stay in step.
 */
static char *reader_cb(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t max = num > 2 ? (size_t)num - 2 : 0; /* room for "\n" and NUL */
	ssize_t got;
	size_t len;
	char *s;

	errno = 0;
	got = getline(&ld->buf, &ld->cap, ld->f);
	if (got < 0) {
		ld->read_errno = errno;
		return NULL;
	}
	ld->line++;
	ld->line_max = max;
	len = (size_t)got;
	while (len && (ld->buf[len - 1] == '\n' || ld->buf[len - 1] == '\r'))
		len--;
	s = ld->buf;
	s[len] = '\0';
	snprintf(str, (size_t)num, "\n");
	if (strlen(s) != len) {
		config_err_add(ld, ld->line, NULL, NULL, "line contains a NUL byte");
		return str;
	}
	if (ld->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3; /* UTF-8 byte order mark */
		len -= 3;
	}
	if (len > max) {
		config_err_add(ld, ld->line, NULL, NULL, "line too long (max %zu characters)", max);
		return str;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		section_line(ld, s);
		return str;
	}
	/* what inih will do: the first '=' or ':' not inside an inline comment */
	{
		const char *p = s;
		bool was_space = false;

		while (*p && *p != '=' && *p != ':' && !(was_space && *p == ';')) {
			was_space = isspace((unsigned char)*p);
			p++;
		}
		if (*p != '=' && *p != ':') {
			char qb[96], *word = xstrndup(s, strcspn(s, " \t"));

			/* the first word only: the rest may be a secret with its key lost */
			config_err_add(ld, ld->line, NULL, NULL,
				"expected 'key = value', '[section]' or a comment, found '%s%s'",
				config_quote(qb, sizeof(qb), word), s[strlen(word)] ? " ..." : "");
			free(word);
			return str;
		}
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

/*
 * Sets kv's value from the text inih split off, with ${VAR} substituted.
 * An expanded value obeys the limit a written one has: "key=value" must
 * fit on a line.
 */
static void substitute(struct loader *ld, const char *section, struct rawkv *kv, const char *text)
{
	char why[256], qb[96];
	size_t room = ld->line_max > strlen(kv->key) + 1 ? ld->line_max - strlen(kv->key) - 1 : 0;

	kv->value = config_expand(text, &kv->subs, why, sizeof(why));
	if (!kv->value) {
		kv->bad = true;
		config_err_add(ld, kv->line, section, config_quote(qb, sizeof(qb), kv->key), "%s", why);
		return;
	}
	if (strcmp(kv->value, text) != 0)
		kv->written = xstrdup(text);
	if (strlen(kv->value) > room) {
		kv->bad = true;
		config_err_add(ld, kv->line, section, config_quote(qb, sizeof(qb), kv->key),
			"value is %zu characters after ${...} substitution; at most %zu fit "
			"(the same limit as a written value)", strlen(kv->value), room);
	}
}

static int handler_cb(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct rawsec *sec;
	struct rawkv *kv;
	char qb[96];

	(void)section; /* ours is authoritative: inih's is cut at 49 bytes */
	if (ld->cur == BROKEN_SECTION)
		return 1;
	if (ld->cur == NO_SECTION) {
		config_err_add(ld, ld->line, NULL, config_quote(qb, sizeof(qb), name),
			"key outside any section: put it under [defaults] or an endpoint's [name]");
		return 1;
	}
	if (!*name) {
		config_err_add(ld, ld->line, ld->secs[ld->cur].name, NULL, "missing key name before '='");
		return 1;
	}
	sec = &ld->secs[ld->cur];
	sec->kv = xrealloc(sec->kv, (sec->n + 1) * sizeof(*sec->kv));
	kv = &sec->kv[sec->n++];
	memset(kv, 0, sizeof(*kv));
	kv->key = xstrdup(name);
	kv->line = ld->line;
	substitute(ld, sec->name, kv, value);
	return 1;
}

static void unknown_key(struct loader *ld, const char *section, const struct rawkv *kv)
{
	char lower[64], qb[96];
	const char *best = NULL;
	int best_d = 255;
	size_t i;

	snprintf(lower, sizeof(lower), "%s", kv->key);
	for (i = 0; lower[i]; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	for (i = 0; i < K_COUNT; i++) {
		int d = util_edit_distance(lower, config_fields[i].key.name);

		if (d < best_d) {
			best_d = d;
			best = config_fields[i].key.name;
		}
	}
	config_quote(qb, sizeof(qb), kv->key);
	if (best_d == 0)
		config_err_add(ld, kv->line, section, qb, "unknown key (keys are lower-case: did you mean '%s'?)",
			best);
	else if (best && best_d <= 2 && (size_t)best_d < strlen(lower))
		config_err_add(ld, kv->line, section, qb, "unknown key (did you mean '%s'?)", best);
	else
		config_err_add(ld, kv->line, section, qb,
			"unknown key (config/endpoints.ini lists every key)");
}

/*
 * Sets one key of bd (or of the config, for a global key) from kv; errors
 * go to ld. The checks that do not depend on the key's type are here; the
 * value is the type's parser's (config_fields.c).
 */
static void apply_kv(struct loader *ld, struct build *bd, const char *section, const struct rawkv *kv,
		     bool is_defaults)
{
	const struct config_field *f = config_field_find(kv->key);
	/* what a message quotes: the value as written, so never an expanded ${VAR} */
	struct field_in in = { kv->value, kv->written ? kv->written : kv->value, ld->dir };
	unsigned flags;
	char msg[512];
	size_t id;

	if (!f) {
		unknown_key(ld, section, kv);
		return;
	}
	id = (size_t)(f - config_fields);
	flags = f->key.flags;
	if ((flags & KF_GLOBAL) && !is_defaults) {
		config_err_add(ld, kv->line, section, kv->key, "%s is global: set it in [defaults]", kv->key);
		return;
	}
	if (!(flags & KF_LIST) && bd->here[id]) {
		config_err_add(ld, kv->line, section, kv->key, "set twice in this section (first at line %d)",
			bd->line[id]);
		return;
	}
	if ((flags & KF_LIST) && !bd->here[id]) /* an endpoint's own list replaces the inherited one */
		config_field_clear(f, flags & KF_GLOBAL ? (void *)ld->cfg : (void *)&bd->e);
	bd->here[id] = true;
	bd->line[id] = kv->line;
	/* a failed substitution is reported already; an empty list value clears the list */
	if (kv->bad || ((flags & KF_LIST) && !*kv->value))
		return;
	if (config_field_parse(f, flags & KF_GLOBAL ? (void *)ld->cfg : (void *)&bd->e, &in, msg,
			       sizeof(msg)))
		config_err_add(ld, kv->line, section, kv->key, "%s", msg);
}

static void apply(struct loader *ld, struct build *bd, const char *section, const struct rawkv *kv,
		  bool is_defaults)
{
	ld->cur_kv = kv;
	apply_kv(ld, bd, section, kv, is_defaults);
	ld->cur_kv = NULL;
}

static void fmt_ms(char *buf, size_t n, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, n, "%lldms", (long long)ms);
}

/* " (from [defaults] line N)" or " (the default)" when id was not set here. */
static const char *origin(const struct build *bd, enum key_id id, char *buf, size_t n)
{
	if (bd->here[id])
		buf[0] = '\0';
	else if (bd->line[id])
		snprintf(buf, n, " (from [defaults] line %d)", bd->line[id]);
	else
		snprintf(buf, n, " (the default)");
	return buf;
}

/*
 * The section is read: what follows from several keys. host, port and
 * plain_http come from url (which its parser has checked). A rule between
 * keys is checked only when one of its keys was set in this section, so a
 * bad [defaults] is reported once, not once per endpoint; the error goes on
 * the line of a key set here.
 */
static void build_done(struct loader *ld, struct build *bd, const char *section)
{
	struct endpoint *e = &bd->e;
	char a[32], b[32], oa[64], ob[64];

	free(e->host);
	e->host = NULL;
	if (e->url && config_url_split(e->url, &e->host, &e->port, &e->plain_http, a, sizeof(a))) {
		fprintf(stderr, "httpsmon: %s: url passed its parser, then failed\n", section);
		abort();
	}

	if ((bd->here[K_timeout] || bd->here[K_interval]) && e->timeout_ms > e->interval_ms) {
		enum key_id at = bd->here[K_timeout] ? K_timeout : K_interval;

		fmt_ms(a, sizeof(a), e->timeout_ms);
		fmt_ms(b, sizeof(b), e->interval_ms);
		config_err_add(ld, bd->line[at], section, config_fields[at].key.name,
			"timeout %s%s is longer than interval %s%s: a probe would overlap its own "
			"next run", a, origin(bd, K_timeout, oa, sizeof(oa)), b,
			origin(bd, K_interval, ob, sizeof(ob)));
	}
	if ((bd->here[K_latency_warn] || bd->here[K_latency_down]) && e->latency_warn_ms &&
	    e->latency_down_ms && e->latency_warn_ms >= e->latency_down_ms) {
		enum key_id at = bd->here[K_latency_warn] ? K_latency_warn : K_latency_down;

		fmt_ms(a, sizeof(a), e->latency_warn_ms);
		fmt_ms(b, sizeof(b), e->latency_down_ms);
		config_err_add(ld, bd->line[at], section, config_fields[at].key.name,
			"latency_warn %s%s must be below latency_down %s%s", a,
			origin(bd, K_latency_warn, oa, sizeof(oa)), b,
			origin(bd, K_latency_down, ob, sizeof(ob)));
	}
	if ((bd->here[K_cert_warn_days] || bd->here[K_cert_crit_days]) &&
	    e->cert_crit_days > e->cert_warn_days) {
		enum key_id at = bd->here[K_cert_crit_days] ? K_cert_crit_days : K_cert_warn_days;

		config_err_add(ld, bd->line[at], section, config_fields[at].key.name,
			"cert_crit_days %d%s must not exceed cert_warn_days %d%s", e->cert_crit_days,
			origin(bd, K_cert_crit_days, oa, sizeof(oa)), e->cert_warn_days,
			origin(bd, K_cert_warn_days, ob, sizeof(ob)));
	}
	if ((bd->here[K_client_cert] || bd->here[K_client_key]) &&
	    !e->client_cert != !e->client_key) {
		enum key_id at = bd->here[K_client_cert] ? K_client_cert : K_client_key;

		/* a file that failed to load already has its own error */
		if (!err_on_line(ld, bd->line[at]))
			config_err_add(ld, bd->line[at], section, config_fields[at].key.name,
				"client_cert and client_key go together: set both or neither");
	}
}

/*
 * listen_cert and listen_key ([defaults]): both or neither, each PEM of its
 * kind; where each was set is kept for the listener's own errors at start.
 */
static void listen_tls_check(struct loader *ld, const struct build *bd)
{
	struct config *cfg = ld->cfg;
	bool has_cert = cfg->listen_cert && *cfg->listen_cert, has_key = cfg->listen_key && *cfg->listen_key;
	char why[512];

	cfg->listen_cert_line = bd->here[K_listen_cert] ? bd->line[K_listen_cert] : 0;
	cfg->listen_key_line = bd->here[K_listen_key] ? bd->line[K_listen_key] : 0;
	if (has_cert && config_pem_check(cfg->listen_cert, false, why, sizeof(why)))
		config_err_add(ld, cfg->listen_cert_line, "defaults", "listen_cert", "%s", why);
	if (has_key && config_pem_check(cfg->listen_key, true, why, sizeof(why)))
		config_err_add(ld, cfg->listen_key_line, "defaults", "listen_key", "%s", why);
	if (has_cert != has_key) {
		enum key_id at = has_cert ? K_listen_cert : K_listen_key;

		/* a file that failed to load already has its own error */
		if (!err_on_line(ld, cfg->listen_cert_line) && !err_on_line(ld, cfg->listen_key_line))
			config_err_add(ld, bd->line[at], "defaults", config_fields[at].key.name,
				"listen_cert and listen_key go together: set both (HTTPS) or neither (HTTP)");
	}
}

static void build_from(struct build *bd, const struct build *base)
{
	memset(bd, 0, sizeof(*bd));
	endpoint_copy(&bd->e, &base->e);
	memcpy(bd->line, base->line, sizeof(bd->line));
}

static struct config *config_new(void)
{
	struct config *c = xcalloc(1, sizeof(*c));

	c->refs = 1;
	config_globals_defaults(c);
	return c;
}

static bool is_notifier(const struct rawsec *s)
{
	return strncmp(s->name, CONFIG_NOTIFY_PREFIX, strlen(CONFIG_NOTIFY_PREFIX)) == 0;
}

/*
 * Second pass: the notifiers, then [defaults] over the built-ins, each
 * endpoint over [defaults].
 */
static struct config *build_config(struct loader *ld)
{
	struct config *cfg = config_new();
	struct build base, bd;
	const struct rawsec *defs = NULL;
	size_t i, j, count = 0;

	ld->cfg = cfg;
	memset(&base, 0, sizeof(base));
	endpoint_defaults(&base.e);
	config_notifiers_build(ld, cfg);
	for (i = 0; i < ld->nsecs; i++) {
		const struct rawsec *s = &ld->secs[i];

		if (is_notifier(s))
			continue;
		if (strcmp(s->name, "defaults") != 0) {
			count++;
			if (strcasecmp(s->name, "defaults") == 0)
				config_err_add(ld, s->line, s->name, NULL, "section names are case-sensitive: "
					"did you mean [defaults]?");
		} else if (defs) {
			config_err_add(ld, s->line, "defaults", NULL, "a second [defaults] section "
				"(the first is at line %d)", defs->line);
		} else {
			defs = s;
		}
	}
	if (defs) {
		for (j = 0; j < defs->n; j++)
			apply(ld, &base, "defaults", &defs->kv[j], true);
		build_done(ld, &base, "defaults");
		listen_tls_check(ld, &base);
		if (base.here[K_notify])
			config_notify_names_check(ld, cfg, &base.e, "defaults", base.line[K_notify]);
	}
	memset(base.here, 0, sizeof(base.here));

	cfg->path = xstrdup(ld->path);
	if (cfg->retain_rollup_ms < cfg->retain_raw_ms)
		config_err_add(ld, 0, "defaults", "retain_rollup", "must be at least retain_raw (rollups "
			"summarise what raw rows no longer hold)");
	cfg->eps = xcalloc(count ? count : 1, sizeof(*cfg->eps));
	for (i = 0; i < ld->nsecs; i++) {
		const struct rawsec *s = &ld->secs[i];
		bool dup = false;

		if (strcmp(s->name, "defaults") == 0 || is_notifier(s))
			continue;
		for (j = 0; j < i && !dup; j++) {
			if (strcmp(ld->secs[j].name, s->name) == 0) {
				config_err_add(ld, s->line, s->name, NULL, "duplicate endpoint name "
					"(first defined at line %d)", ld->secs[j].line);
				dup = true;
			}
		}
		if (dup)
			continue;
		build_from(&bd, &base);
		bd.e.name = xstrdup(s->name);
		bd.e.line = s->line;
		for (j = 0; j < s->n; j++)
			apply(ld, &bd, s->name, &s->kv[j], false);
		if (!bd.e.url && !bd.here[K_url])
			config_err_add(ld, s->line, s->name, "url", "missing: every endpoint needs "
				"url = https://...");
		build_done(ld, &bd, s->name);
		if (bd.here[K_notify])
			config_notify_names_check(ld, cfg, &bd.e, s->name, bd.line[K_notify]);
		cfg->eps[cfg->n++] = bd.e;
	}
	if (count == 0)
		config_err_add(ld, 0, NULL, NULL, "no endpoints configured: add a section such as "
			"[example] with url = https://example.com/");
	endpoint_done(&base.e);
	return cfg;
}

static void loader_done(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->nsecs; i++) {
		for (j = 0; j < ld->secs[i].n; j++) {
			free(ld->secs[i].kv[j].key);
			free(ld->secs[i].kv[j].value);
			free(ld->secs[i].kv[j].written);
			strlist_done(&ld->secs[i].kv[j].subs);
		}
		free(ld->secs[i].kv);
		free(ld->secs[i].name);
	}
	free(ld->secs);
	for (i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].msg);
	free(ld->errs);
	free(ld->buf);
	free(ld->dir);
	if (ld->f)
		fclose(ld->f);
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	struct loader ld;
	struct config *cfg = NULL;
	const char *slash;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.cur = NO_SECTION;
	ld.f = fopen(path, "r");
	if (!ld.f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	slash = strrchr(path, '/');
	if (slash)
		ld.dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));

	rc = ini_parse_stream(reader_cb, &ld, handler_cb, &ld);
	if (rc == -2) {
		fprintf(stderr, "httpsmon: out of memory parsing %s\n", path);
		abort();
	}
	if (ld.read_errno) {
		config_err_add(&ld, 0, NULL, NULL, "cannot read: %s", strerror(ld.read_errno));
	} else {
		/* a line inih refused that the reader did not foresee */
		if (rc > 0 && !err_on_line(&ld, rc))
			config_err_add(&ld, rc, NULL, NULL, "cannot parse this line");
		cfg = build_config(&ld);
	}
	if (ld.nerrs) {
		err_flush(&ld, err, errlen);
		config_unref(cfg);
		cfg = NULL;
	}
	loader_done(&ld);
	return cfg;
}

struct config *config_from_urls(char *const *urls, size_t n, const struct endpoint *base,
				char *err, size_t errlen)
{
	struct endpoint defs;
	struct config *cfg;
	size_t i;

	if (err && errlen)
		err[0] = '\0';
	if (n == 0) {
		if (err && errlen)
			snprintf(err, errlen, "no URLs given");
		return NULL;
	}
	endpoint_defaults(&defs);
	if (!base)
		base = &defs;
	cfg = config_new();
	cfg->eps = xcalloc(n, sizeof(*cfg->eps));
	for (i = 0; i < n; i++) {
		struct endpoint *e = &cfg->eps[i];
		char why[256], qb[96];
		int k = 1;

		endpoint_copy(e, base);
		cfg->n++;
		free(e->name);
		free(e->url);
		free(e->host);
		e->name = e->url = e->host = NULL;
		e->line = 0;
		if (config_url_split(urls[i], &e->host, &e->port, &e->plain_http, why, sizeof(why))) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", config_quote_url(qb, sizeof(qb), urls[i]), why);
			config_unref(cfg);
			cfg = NULL;
			break;
		}
		e->url = xstrdup(urls[i]);
		e->name = xstrdup(e->host);
		while (config_find(cfg, e->name) != e) {
			free(e->name);
			e->name = xasprintf("%s#%d", e->host, ++k);
		}
	}
	endpoint_done(&defs);
	return cfg;
}

struct config *config_ref(struct config *c)
{
	if (c)
		c->refs++;
	return c;
}

void config_unref(struct config *c)
{
	size_t i;

	if (!c || --c->refs > 0)
		return;
	for (i = 0; i < c->n; i++)
		endpoint_done(&c->eps[i]);
	free(c->eps);
	for (i = 0; i < c->n_notifiers; i++)
		notifier_done(&c->notifiers[i]);
	free(c->notifiers);
	config_globals_done(c);
	free(c->path);
	free(c);
}

const struct endpoint *config_find(const struct config *c, const char *name)
{
	size_t i;

	if (!c || !name)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (c->eps[i].name && strcmp(c->eps[i].name, name) == 0)
			return &c->eps[i];
	return NULL;
}

bool endpoint_status_ok(const struct endpoint *e, long status)
{
	size_t i;

	for (i = 0; i < e->n_expect_status; i++)
		if (status >= e->expect_status[i].lo && status <= e->expect_status[i].hi)
			return true;
	return false;
}

/* " (a, b, c, ...)": the names of from's endpoints that other lacks, up to three. */
static size_t names_missing(struct strbuf *b, const struct config *from, const struct config *other)
{
	size_t k = 0;

	for (size_t i = 0; from && i < from->n; i++) {
		if (config_find(other, from->eps[i].name))
			continue;
		if (k < 3)
			strbuf_printf(b, "%s%s", k ? ", " : " (", from->eps[i].name);
		else if (k == 3)
			strbuf_puts(b, ", ...");
		k++;
	}
	if (k)
		strbuf_puts(b, ")");
	return k;
}

char *config_diff_text(const struct config *old, const struct config *cfg, char *buf, size_t n)
{
	struct strbuf added = { 0 }, removed = { 0 };
	size_t n_added = names_missing(&added, cfg, old), n_removed = names_missing(&removed, old, cfg);
	size_t changed = 0;

	for (size_t i = 0; cfg && i < cfg->n; i++) {
		const struct endpoint *was = config_find(old, cfg->eps[i].name);

		if (was && !endpoint_equal(was, &cfg->eps[i]))
			changed++;
	}
	snprintf(buf, n, "+%zu endpoint%s%s, -%zu%s, %zu changed", n_added, n_added == 1 ? "" : "s",
		 strbuf_cstr(&added), n_removed, strbuf_cstr(&removed), changed);
	strbuf_done(&added);
	strbuf_done(&removed);
	return buf;
}

size_t config_error_count(const char *err)
{
	size_t n = 0, more = 0;
	const char *p = err;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (sscanf(p, "and %zu more error", &more) == 1)
			return n + more;
		n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}
