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
 * Invariants of a loaded config: every endpoint has a url, host and port;
 * body_regex is compiled whenever expect_body_regex is set; expect_status
 * is never empty; relative ca_file, client_cert and client_key paths have
 * been resolved against the config file's directory and were readable at
 * load time.
 */
#include "httpsmon/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#define CONFIG_MAX_ERRORS   8   /* shown in err; the rest are counted */
#define CONFIG_NAME_MAX     64  /* section (endpoint) name, bytes */
#define CONFIG_TAG_MAX      32
#define CONFIG_MIN_BODY     1024
#define CONFIG_MAX_BODY     (1024LL * 1024 * 1024)
#define CONFIG_MIN_INTERVAL 1000
#define CONFIG_MAX_INTERVAL (7LL * 24 * 3600 * 1000)

enum key_id {
	K_URL, K_INTERVAL, K_TIMEOUT, K_METHOD, K_HEADER, K_BODY, K_EXPECT_STATUS,
	K_EXPECT_BODY, K_EXPECT_BODY_REGEX, K_EXPECT_JSON, K_LATENCY_WARN, K_LATENCY_DOWN,
	K_CERT_WARN_DAYS, K_CERT_CRIT_DAYS, K_MIN_TLS, K_CA_FILE, K_CLIENT_CERT, K_CLIENT_KEY,
	K_PROXY, K_RESOLVE, K_IP, K_HTTP_VERSION, K_FOLLOW_REDIRECTS, K_MAX_REDIRECTS, K_REDIRECT_HEADERS,
	K_CHECK_HTTP_REDIRECT, K_HTTP_PORT, K_EXPECT_HSTS, K_MAX_BODY, K_TAGS, K_ENABLED,
	K_FAIL_AFTER, K_RECOVER_AFTER, K_ALL_ADDRESSES, K_MAX_INFLIGHT,
	K_RETAIN_RAW, K_RETAIN_ROLLUP, K_MAX_DB_SIZE, K_COUNT
};

#define KF_LIST   1u /* repeatable; an endpoint's first use replaces the inherited list */
#define KF_GLOBAL 2u /* [defaults] only */

static const struct keydef {
	const char *name;
	enum key_id id;
	unsigned flags;
} keys[] = {
	{ "url", K_URL, 0 },
	{ "interval", K_INTERVAL, 0 },
	{ "timeout", K_TIMEOUT, 0 },
	{ "method", K_METHOD, 0 },
	{ "header", K_HEADER, KF_LIST },
	{ "body", K_BODY, 0 },
	{ "expect_status", K_EXPECT_STATUS, 0 },
	{ "expect_body", K_EXPECT_BODY, 0 },
	{ "expect_body_regex", K_EXPECT_BODY_REGEX, 0 },
	{ "expect_json", K_EXPECT_JSON, KF_LIST },
	{ "latency_warn", K_LATENCY_WARN, 0 },
	{ "latency_down", K_LATENCY_DOWN, 0 },
	{ "cert_warn_days", K_CERT_WARN_DAYS, 0 },
	{ "cert_crit_days", K_CERT_CRIT_DAYS, 0 },
	{ "min_tls", K_MIN_TLS, 0 },
	{ "ca_file", K_CA_FILE, 0 },
	{ "client_cert", K_CLIENT_CERT, 0 },
	{ "client_key", K_CLIENT_KEY, 0 },
	{ "proxy", K_PROXY, 0 },
	{ "resolve", K_RESOLVE, KF_LIST },
	{ "ip", K_IP, 0 },
	{ "http_version", K_HTTP_VERSION, 0 },
	{ "follow_redirects", K_FOLLOW_REDIRECTS, 0 },
	{ "max_redirects", K_MAX_REDIRECTS, 0 },
	{ "redirect_headers", K_REDIRECT_HEADERS, 0 },
	{ "check_http_redirect", K_CHECK_HTTP_REDIRECT, 0 },
	{ "http_port", K_HTTP_PORT, 0 },
	{ "expect_hsts", K_EXPECT_HSTS, 0 },
	{ "max_body", K_MAX_BODY, 0 },
	{ "tags", K_TAGS, KF_LIST },
	{ "enabled", K_ENABLED, 0 },
	{ "fail_after", K_FAIL_AFTER, 0 },
	{ "recover_after", K_RECOVER_AFTER, 0 },
	{ "all_addresses", K_ALL_ADDRESSES, 0 },
	{ "max_inflight", K_MAX_INFLIGHT, KF_GLOBAL },
	{ "retain_raw", K_RETAIN_RAW, KF_GLOBAL },
	{ "retain_rollup", K_RETAIN_ROLLUP, KF_GLOBAL },
	{ "max_db_size", K_MAX_DB_SIZE, KF_GLOBAL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct rawkv {
	char *key;
	char *value;         /* after ${VAR} substitution */
	char *written;       /* as in the file when a substitution changed it, else NULL */
	struct strlist subs; /* "NAME=value" substituted: kept out of messages */
	bool bad;            /* substitution failed (already reported): not applied */
	int line;
};

struct rawsec {
	char *name;
	int line;
	struct rawkv *kv;
	size_t n;
};

struct cerr {
	int line;   /* 0: about the whole file */
	size_t seq; /* keeps the order of errors found on one line */
	char *msg;  /* the whole line, "FILE:LINE: ..." */
};

struct loader {
	const char *path;
	char *dir;           /* of path, for relative file names; NULL = cwd */
	FILE *f;
	char *buf;           /* getline buffer */
	size_t cap;
	int line;            /* line last handed to inih */
	size_t line_max;     /* longest line inih takes, characters */
	int read_errno;
	struct rawsec *secs;
	size_t nsecs;
	long cur;            /* index into secs; NO_SECTION or BROKEN_SECTION */
	int max_inflight;
	int64_t retain_raw_ms, retain_rollup_ms, max_db_bytes; /* global: [defaults] only */
	struct cerr *errs;
	size_t nerrs;
	const struct rawkv *cur_kv; /* being applied: its substituted values are scrubbed from errors */
};
#define NO_SECTION     (-1)
#define BROKEN_SECTION (-2) /* header was rejected: its keys are skipped silently */

/* An endpoint under construction, with where each key was last set. */
struct build {
	struct endpoint e;
	int line[K_COUNT];  /* 0: built-in default */
	bool here[K_COUNT]; /* set in the section being applied */
};

static void err_add(struct loader *ld, int line, const char *section, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void err_add(struct loader *ld, int line, const char *section, const char *key,
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

/* Untrusted text for a message: made printable and cut to a sane length. */
static const char *q(char *buf, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > 60 && n > 4) {
		util_sanitize(s, 60, buf, n - 3);
		strcat(buf, "...");
	} else {
		util_sanitize(s, len, buf, n);
	}
	return buf;
}

/* ---- first pass: lines, sections and raw key/values ---- */

static bool name_ok(const char *s)
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
		err_add(ld, ld->line, NULL, NULL, "section header without a closing ']'");
		return;
	}
	after = close + 1;
	while (isspace((unsigned char)*after))
		after++;
	if (*after && *after != ';' && *after != '#') {
		err_add(ld, ld->line, NULL, NULL, "unexpected text after ']': '%s'",
			q(qb, sizeof(qb), after));
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
		err_add(ld, ld->line, NULL, NULL, "empty section name '[]'");
		return;
	}
	if (!name_ok(name)) {
		err_add(ld, ld->line, q(qb, sizeof(qb), name), NULL,
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
		err_add(ld, ld->line, NULL, NULL, "line contains a NUL byte");
		return str;
	}
	if (ld->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3; /* UTF-8 byte order mark */
		len -= 3;
	}
	if (len > max) {
		err_add(ld, ld->line, NULL, NULL, "line too long (max %zu characters)", max);
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
			err_add(ld, ld->line, NULL, NULL,
				"expected 'key = value', '[section]' or a comment, found '%s%s'",
				q(qb, sizeof(qb), word), s[strlen(word)] ? " ..." : "");
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
		err_add(ld, kv->line, section, q(qb, sizeof(qb), kv->key), "%s", why);
		return;
	}
	if (strcmp(kv->value, text) != 0)
		kv->written = xstrdup(text);
	if (strlen(kv->value) > room) {
		kv->bad = true;
		err_add(ld, kv->line, section, q(qb, sizeof(qb), kv->key),
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
		err_add(ld, ld->line, NULL, q(qb, sizeof(qb), name),
			"key outside any section: put it under [defaults] or an endpoint's [name]");
		return 1;
	}
	if (!*name) {
		err_add(ld, ld->line, ld->secs[ld->cur].name, NULL, "missing key name before '='");
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

/* ---- value parsers ---- */

static bool host_chars_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* bytes >= 0x80: an IDN in UTF-8, which curl converts */
		if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c < 0x80)
			return false;
	}
	return len > 0 && len <= 253;
}

/* 1..65535 from exactly len digits, or -1. */
static int parse_port(const char *s, size_t len)
{
	int port = 0;
	size_t i;

	if (!len || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/*
 * Splits url into host (new string, IPv6 without brackets) and port. Only
 * https:// and http:// are accepted; a password in the URL is refused
 * because URLs are shown on screen and written to logs.
 */
static int parse_url(const char *url, char **host, int *port, bool *plain, char *why, size_t n)
{
	const char *p, *auth_end, *h, *h_end, *after, *at;
	const unsigned char *u;
	unsigned char bin[16];
	char addr[64];

	if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		*plain = false;
		*port = 443;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
		*plain = true;
		*port = 80;
	} else if (strstr(url, "://")) {
		snprintf(why, n, "the scheme must be https:// (or http:// to check that the "
			 "address redirects to HTTPS)");
		return -1;
	} else {
		char red[256];

		snprintf(why, n, "missing scheme: write https://%s", util_url_redact(url, red, sizeof(red)));
		return -1;
	}
	for (u = (const unsigned char *)url; *u; u++) {
		if (*u <= 0x20 || *u == 0x7f) {
			snprintf(why, n, "white space or control characters in the URL "
				 "(percent-encode them, e.g. %%20)");
			return -1;
		}
	}
	auth_end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(auth_end - p));
	h = p;
	if (at) {
		if (memchr(p, ':', (size_t)(at - p))) {
			snprintf(why, n, "a password in the URL (user:password@) would end up "
				 "on screen and in logs; send credentials with "
				 "header = Authorization: ... instead");
			return -1;
		}
		h = at + 1;
	}
	if (*h == '[') {
		h_end = memchr(h, ']', (size_t)(auth_end - h));
		if (!h_end) {
			snprintf(why, n, "'[' without ']' around the IPv6 address");
			return -1;
		}
		h++;
		if ((size_t)(h_end - h) < sizeof(addr)) {
			memcpy(addr, h, (size_t)(h_end - h));
			addr[h_end - h] = '\0';
		}
		if ((size_t)(h_end - h) >= sizeof(addr) || inet_pton(AF_INET6, addr, bin) != 1) {
			snprintf(why, n, "'%.*s' is not an IPv6 address", (int)(h_end - h), h);
			return -1;
		}
		after = h_end + 1;
	} else {
		h_end = memchr(h, ':', (size_t)(auth_end - h));
		if (!h_end)
			h_end = auth_end;
		after = h_end;
		if (h_end == h) {
			snprintf(why, n, "no host name%s", *h == ':' ? " (an IPv6 address goes "
				 "in brackets: https://[2001:db8::1]/)" : "");
			return -1;
		}
		if (!host_chars_ok(h, (size_t)(h_end - h))) {
			snprintf(why, n, "'%.*s' is not a valid host name", (int)(h_end - h), h);
			return -1;
		}
	}
	if (after < auth_end) {
		if (*after != ':' || (*port = parse_port(after + 1,
							  (size_t)(auth_end - after - 1))) < 0) {
			snprintf(why, n, "bad port '%.*s' (expected 1-65535)",
				 (int)(auth_end - after - (*after == ':')), after + (*after == ':'));
			return -1;
		}
	}
	*host = xstrndup(h, (size_t)(h_end - h));
	return 0;
}

/*
 * url for an error message: query values and the password of
 * "user:password@" redacted (util_url_redact), as everywhere a URL is
 * shown; parse_url refuses passwords precisely so that they are not shown.
 */
static const char *q_url(char *buf, size_t n, const char *url)
{
	char red[256];

	return q(buf, n, util_url_redact(url, red, sizeof(red)));
}

/* "200,204,300-399": codes 100-599, ranges lo-hi inclusive. */
static int parse_status_list(const char *s, struct status_range **out, size_t *nout,
			     char *why, size_t n)
{
	struct status_range *v = NULL;
	size_t nv = 0;
	const char *p = s;

	for (;;) {
		long lo, hi;
		char *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!isdigit((unsigned char)*p)) {
			snprintf(why, n, "expected a status code at '%s'", *p ? p : "(end)");
			goto err;
		}
		lo = hi = strtol(p, &end, 10);
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '-') {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			if (!isdigit((unsigned char)*p)) {
				snprintf(why, n, "expected the end of the range %ld-", lo);
				goto err;
			}
			hi = strtol(p, &end, 10);
			p = end;
		}
		if (lo < 100 || lo > 599 || hi < 100 || hi > 599) {
			snprintf(why, n, "%ld is not an HTTP status code (100-599)",
				 lo < 100 || lo > 599 ? lo : hi);
			goto err;
		}
		if (lo > hi) {
			snprintf(why, n, "range %ld-%ld runs backwards", lo, hi);
			goto err;
		}
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		v[nv].lo = (int)lo;
		v[nv].hi = (int)hi;
		nv++;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p != ',') {
			snprintf(why, n, "unexpected '%c': separate codes with ',' and write "
				 "ranges as 300-399", *p);
			goto err;
		}
		p++;
	}
	*out = v;
	*nout = nv;
	return 0;
err:
	free(v);
	return -1;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* "Name: value" into "Name: value" with the space normalised. */
static char *parse_header(const char *s, char *why, size_t n)
{
	const char *colon = strchr(s, ':'), *v, *p;

	if (!colon) {
		snprintf(why, n, "expected 'Name: value'");
		return NULL;
	}
	if (colon == s) {
		snprintf(why, n, "missing header name before ':'");
		return NULL;
	}
	for (p = s; p < colon; p++) {
		if (!is_tchar(*p)) {
			snprintf(why, n, "'%.*s' is not a valid header name", (int)(colon - s), s);
			return NULL;
		}
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (has_ctl(v)) {
		snprintf(why, n, "control characters in the header value");
		return NULL;
	}
	/* curl reads "Name:" with nothing after it as "remove this header" */
	return *v ? xasprintf("%.*s: %s", (int)(colon - s), s, v)
		  : xasprintf("%.*s:", (int)(colon - s), s);
}

static bool ip_addr_ok(const char *a, size_t len)
{
	char buf[64];
	unsigned char dummy[16];

	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, a, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, dummy) == 1;
	}
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, a, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, dummy) == 1 || inet_pton(AF_INET6, buf, dummy) == 1;
}

/* curl's CURLOPT_RESOLVE syntax HOST:PORT:ADDR[,ADDR...]. */
static int check_resolve(const char *s, char *why, size_t n)
{
	const char *c1 = strchr(s, ':'), *c2, *a;

	if (!c1 || !(c2 = strchr(c1 + 1, ':'))) {
		snprintf(why, n, "expected HOST:PORT:ADDRESS, e.g. example.com:443:192.0.2.10");
		return -1;
	}
	if (!(c1 - s == 1 && *s == '*') && !host_chars_ok(s, (size_t)(c1 - s))) {
		snprintf(why, n, "'%.*s' is not a valid host name", (int)(c1 - s), s);
		return -1;
	}
	if (parse_port(c1 + 1, (size_t)(c2 - c1 - 1)) < 0) {
		snprintf(why, n, "bad port '%.*s' (expected 1-65535)", (int)(c2 - c1 - 1), c1 + 1);
		return -1;
	}
	a = c2 + 1;
	do {
		size_t len = strcspn(a, ",");

		if (!ip_addr_ok(a, len)) {
			snprintf(why, n, "'%.*s' is not an IPv4 or IPv6 address", (int)len, a);
			return -1;
		}
		a += len;
	} while (*a++ == ',');
	return 0;
}

static int check_readable(const char *path, char *why, size_t n)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, n, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, n, "'%s' is not a regular file", path);
		return -1;
	}
	close(fd);
	return 0;
}

/* ---- endpoints ---- */

void endpoint_defaults(struct endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->interval_ms = CONFIG_DEFAULT_INTERVAL_MS;
	e->timeout_ms = CONFIG_DEFAULT_TIMEOUT_MS;
	e->method = xstrdup("GET");
	e->expect_status = xmalloc(sizeof(*e->expect_status));
	e->expect_status[0].lo = 200;
	e->expect_status[0].hi = 399;
	e->n_expect_status = 1;
	e->cert_warn_days = 21;
	e->cert_crit_days = 7;
	e->min_tls = 12;
	e->ip = IPMODE_ANY;
	e->http_version = 2;
	e->follow_redirects = true;
	e->max_redirects = 5;
	e->http_port = 80;
	e->max_body = CONFIG_DEFAULT_MAX_BODY;
	e->enabled = true;
	e->fail_after = 2;
	e->recover_after = 1;
}

static void free_regex(struct endpoint *e)
{
	rx_free(e->body_regex);
	e->body_regex = NULL;
}

static void free_json(struct endpoint *e)
{
	size_t i;

	for (i = 0; i < e->n_expect_json; i++)
		jsoncond_done(&e->expect_json[i]);
	free(e->expect_json);
	e->expect_json = NULL;
	e->n_expect_json = 0;
}

void endpoint_done(struct endpoint *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->url);
	free(e->host);
	free(e->method);
	strlist_done(&e->headers);
	free(e->body);
	free(e->expect_status);
	free(e->expect_body);
	free(e->expect_body_regex);
	free_regex(e);
	free_json(e);
	free(e->ca_file);
	free(e->client_cert);
	free(e->client_key);
	free(e->proxy);
	strlist_done(&e->resolve);
	strlist_done(&e->tags);
	memset(e, 0, sizeof(*e));
}

/* A deep copy; the compiled regex, being immutable, is shared (rx_copy). */
static void endpoint_copy(struct endpoint *dst, const struct endpoint *src)
{
	size_t i;

	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->url = xstrdup(src->url);
	dst->host = xstrdup(src->host);
	dst->method = xstrdup(src->method);
	memset(&dst->headers, 0, sizeof(dst->headers));
	strlist_copy(&dst->headers, &src->headers);
	dst->body = xstrdup(src->body);
	dst->expect_status = xmalloc((src->n_expect_status ? src->n_expect_status : 1) *
				     sizeof(*dst->expect_status));
	if (src->n_expect_status)
		memcpy(dst->expect_status, src->expect_status,
		       src->n_expect_status * sizeof(*dst->expect_status));
	dst->expect_body = xstrdup(src->expect_body);
	dst->expect_body_regex = xstrdup(src->expect_body_regex);
	dst->body_regex = rx_copy(src->body_regex);
	dst->expect_json = src->n_expect_json
				   ? xmalloc(src->n_expect_json * sizeof(*dst->expect_json))
				   : NULL;
	for (i = 0; i < src->n_expect_json; i++)
		jsoncond_copy(&dst->expect_json[i], &src->expect_json[i]);
	dst->ca_file = xstrdup(src->ca_file);
	dst->client_cert = xstrdup(src->client_cert);
	dst->client_key = xstrdup(src->client_key);
	dst->proxy = xstrdup(src->proxy);
	memset(&dst->resolve, 0, sizeof(dst->resolve));
	strlist_copy(&dst->resolve, &src->resolve);
	memset(&dst->tags, 0, sizeof(dst->tags));
	strlist_copy(&dst->tags, &src->tags);
}

/* Replaces *slot with a copy of s, or NULL when s is empty. */
static void set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = *s ? xstrdup(s) : NULL;
}

static char *resolve_path(const struct loader *ld, const char *s)
{
	if (s[0] == '/' || !ld->dir)
		return xstrdup(s);
	return xasprintf("%s/%s", ld->dir, s);
}

static const struct keydef *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
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
	for (i = 0; i < NKEYS; i++) {
		int d = util_edit_distance(lower, keys[i].name);

		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	q(qb, sizeof(qb), kv->key);
	if (best_d == 0)
		err_add(ld, kv->line, section, qb, "unknown key (keys are lower-case: did you mean '%s'?)",
			best);
	else if (best && best_d <= 2 && (size_t)best_d < strlen(lower))
		err_add(ld, kv->line, section, qb, "unknown key (did you mean '%s'?)", best);
	else
		err_add(ld, kv->line, section, qb,
			"unknown key (config/endpoints.ini lists every key)");
}

#define DURATION_FORMS "use a number with a unit: 250ms, 30s, 5m, 1h, 2d, 1.5s or 1m30s"

/* Sets one key of bd from kv; errors go to ld. */
static void apply_kv(struct loader *ld, struct build *bd, const char *section, const struct rawkv *kv,
		     bool is_defaults)
{
	const struct keydef *k = find_key(kv->key);
	struct endpoint *e = &bd->e;
	const char *v = kv->value, *key = kv->key;
	/* what a message quotes: the value as written, so never an expanded ${VAR} */
	const char *shown = kv->written ? kv->written : kv->value;
	char why[256], qb[96];
	int64_t ms;
	bool b;
	int iv;

	if (!k) {
		unknown_key(ld, section, kv);
		return;
	}
	if ((k->flags & KF_GLOBAL) && !is_defaults) {
		err_add(ld, kv->line, section, key, "%s is global: set it in [defaults]", key);
		return;
	}
	if (!(k->flags & KF_LIST) && bd->here[k->id]) {
		err_add(ld, kv->line, section, key, "set twice in this section (first at line %d)",
			bd->line[k->id]);
		return;
	}
	if ((k->flags & KF_LIST) && !bd->here[k->id]) {
		/* an endpoint's own list replaces the inherited one */
		if (k->id == K_HEADER)
			strlist_done(&e->headers);
		else if (k->id == K_RESOLVE)
			strlist_done(&e->resolve);
		else if (k->id == K_TAGS)
			strlist_done(&e->tags);
		else if (k->id == K_EXPECT_JSON)
			free_json(e);
	}
	bd->here[k->id] = true;
	bd->line[k->id] = kv->line;
	if (kv->bad)
		return;

	/* list keys take an empty value as "clear the inherited list" */
	if ((k->flags & KF_LIST) && !*v)
		return;

	switch (k->id) {
	case K_URL: {
		char *host = NULL;
		int port;
		bool plain;

		if (parse_url(v, &host, &port, &plain, why, sizeof(why))) {
			err_add(ld, kv->line, section, key, "bad URL '%s': %s", q_url(qb, sizeof(qb), shown),
				why);
			return;
		}
		set_str(&e->url, v);
		free(e->host);
		e->host = host;
		e->port = port;
		e->plain_http = plain;
		break;
	}
	case K_INTERVAL:
		if (util_parse_duration_ms(v, &ms)) {
			err_add(ld, kv->line, section, key, "bad duration '%s': %s",
				q(qb, sizeof(qb), shown), DURATION_FORMS);
			return;
		}
		if (ms < CONFIG_MIN_INTERVAL || ms > CONFIG_MAX_INTERVAL) {
			err_add(ld, kv->line, section, key, "'%s' is out of range (1s to 7d)",
				q(qb, sizeof(qb), shown));
			return;
		}
		e->interval_ms = ms;
		break;
	case K_TIMEOUT:
		if (util_parse_duration_ms(v, &ms)) {
			err_add(ld, kv->line, section, key, "bad duration '%s': %s",
				q(qb, sizeof(qb), shown), DURATION_FORMS);
			return;
		}
		if (ms <= 0) {
			err_add(ld, kv->line, section, key, "must be more than 0");
			return;
		}
		e->timeout_ms = ms;
		break;
	case K_RETAIN_RAW:
	case K_RETAIN_ROLLUP:
		if (util_parse_duration_ms(v, &ms)) {
			err_add(ld, kv->line, section, key, "bad duration '%s': %s",
				q(qb, sizeof(qb), shown), DURATION_FORMS);
			return;
		}
		if (ms < 3600000LL || ms > 3650LL * 86400000) {
			err_add(ld, kv->line, section, key, "'%s' is out of range (1h to 3650d)",
				q(qb, sizeof(qb), shown));
			return;
		}
		if (k->id == K_RETAIN_RAW)
			ld->retain_raw_ms = ms;
		else
			ld->retain_rollup_ms = ms;
		break;
	case K_MAX_DB_SIZE: {
		int64_t sz;

		if (strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0) {
			ld->max_db_bytes = 0;
		} else if (util_parse_size(v, &sz) || sz < 1024 * 1024) {
			err_add(ld, kv->line, section, key, "bad size '%s': at least 1MiB (e.g. 500MiB, 2GiB), "
				"or off", q(qb, sizeof(qb), shown));
			return;
		} else {
			ld->max_db_bytes = sz;
		}
		break;
	}
	case K_LATENCY_WARN:
	case K_LATENCY_DOWN:
		if (strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0) {
			ms = 0;
		} else if (util_parse_duration_ms(v, &ms) || ms <= 0) {
			err_add(ld, kv->line, section, key, "bad duration '%s': %s, or off",
				q(qb, sizeof(qb), shown), DURATION_FORMS);
			return;
		}
		if (k->id == K_LATENCY_WARN)
			e->latency_warn_ms = ms;
		else
			e->latency_down_ms = ms;
		break;
	case K_METHOD: {
		const char *p;

		for (p = v; *p && is_tchar(*p); p++)
			;
		if (!*v || *p || strlen(v) > 32) {
			err_add(ld, kv->line, section, key, "'%s' is not an HTTP method name",
				q(qb, sizeof(qb), shown));
			return;
		}
		set_str(&e->method, v);
		break;
	}
	case K_HEADER: {
		char *h = parse_header(v, why, sizeof(why));

		if (!h) {
			/* the name only: a header's value is where tokens go */
			const char *colon = strchr(v, ':');
			char *hname = colon && colon > v ? xstrndup(v, (size_t)(colon - v)) : NULL;

			if (hname)
				err_add(ld, kv->line, section, key, "bad header '%s' (value not shown): %s",
					q(qb, sizeof(qb), hname), why);
			else
				err_add(ld, kv->line, section, key, "bad header (value not shown): %s", why);
			free(hname);
			return;
		}
		strlist_push(&e->headers, h);
		free(h);
		break;
	}
	case K_BODY:
		set_str(&e->body, v);
		break;
	case K_EXPECT_STATUS: {
		struct status_range *r;
		size_t nr;

		if (parse_status_list(v, &r, &nr, why, sizeof(why))) {
			err_add(ld, kv->line, section, key, "bad status list '%s': %s",
				q(qb, sizeof(qb), shown), why);
			return;
		}
		free(e->expect_status);
		e->expect_status = r;
		e->n_expect_status = nr;
		break;
	}
	case K_EXPECT_BODY:
		set_str(&e->expect_body, v);
		break;
	case K_EXPECT_BODY_REGEX: {
		struct rx *re;

		free_regex(e);
		set_str(&e->expect_body_regex, v);
		if (!*v)
			break;
		re = rx_compile(v, 0, why, sizeof(why));
		if (!re) {
			set_str(&e->expect_body_regex, "");
			err_add(ld, kv->line, section, key, "bad regular expression '%s': %s",
				q(qb, sizeof(qb), shown), why);
			return;
		}
		e->body_regex = re;
		break;
	}
	case K_EXPECT_JSON: {
		struct json_cond c;

		if (jsoncond_parse(v, &c, why, sizeof(why))) {
			err_add(ld, kv->line, section, key, "bad condition '%s': %s",
				q(qb, sizeof(qb), shown), why);
			return;
		}
		e->expect_json = xrealloc(e->expect_json,
					  (e->n_expect_json + 1) * sizeof(*e->expect_json));
		e->expect_json[e->n_expect_json++] = c;
		break;
	}
	case K_CERT_WARN_DAYS:
	case K_CERT_CRIT_DAYS:
		if (parse_int(v, 0, 3650, &iv)) {
			err_add(ld, kv->line, section, key, "expected a number of days from 0 to 3650, "
				"found '%s'", q(qb, sizeof(qb), shown));
			return;
		}
		if (k->id == K_CERT_WARN_DAYS)
			e->cert_warn_days = iv;
		else
			e->cert_crit_days = iv;
		break;
	case K_MIN_TLS:
		if (strcmp(v, "1.0") == 0)
			e->min_tls = 10;
		else if (strcmp(v, "1.1") == 0)
			e->min_tls = 11;
		else if (strcmp(v, "1.2") == 0)
			e->min_tls = 12;
		else if (strcmp(v, "1.3") == 0)
			e->min_tls = 13;
		else {
			err_add(ld, kv->line, section, key, "expected 1.0, 1.1, 1.2 or 1.3, found '%s'",
				q(qb, sizeof(qb), shown));
			return;
		}
		break;
	case K_CA_FILE:
	case K_CLIENT_CERT:
	case K_CLIENT_KEY: {
		char **slot = k->id == K_CA_FILE ? &e->ca_file
			      : k->id == K_CLIENT_CERT ? &e->client_cert : &e->client_key;
		char *path;

		if (!*v) {
			set_str(slot, "");
			break;
		}
		path = resolve_path(ld, v);
		if (check_readable(path, why, sizeof(why))) {
			err_add(ld, kv->line, section, key, "%s", why);
			free(path);
			return;
		}
		free(*slot);
		*slot = path;
		break;
	}
	case K_PROXY: {
		const char *p;

		for (p = v; *p && (unsigned char)*p > 0x20 && *p != 0x7f; p++)
			;
		if (*p) {
			err_add(ld, kv->line, section, key, "white space or control characters in "
				"'%s'", q(qb, sizeof(qb), shown));
			return;
		}
		set_str(&e->proxy, v);
		break;
	}
	case K_RESOLVE:
		if (check_resolve(v, why, sizeof(why))) {
			err_add(ld, kv->line, section, key, "bad resolve entry '%s': %s",
				q(qb, sizeof(qb), shown), why);
			return;
		}
		strlist_push(&e->resolve, v);
		break;
	case K_IP:
		if (strcasecmp(v, "any") == 0)
			e->ip = IPMODE_ANY;
		else if (strcmp(v, "4") == 0)
			e->ip = IPMODE_V4;
		else if (strcmp(v, "6") == 0)
			e->ip = IPMODE_V6;
		else {
			err_add(ld, kv->line, section, key, "expected any, 4 or 6, found '%s'",
				q(qb, sizeof(qb), shown));
			return;
		}
		break;
	case K_HTTP_VERSION:
		if (strcmp(v, "1.1") == 0)
			e->http_version = 11;
		else if (strcmp(v, "2") == 0)
			e->http_version = 2;
		else {
			err_add(ld, kv->line, section, key, "expected 1.1 or 2, found '%s'",
				q(qb, sizeof(qb), shown));
			return;
		}
		break;
	case K_FOLLOW_REDIRECTS:
	case K_REDIRECT_HEADERS:
	case K_CHECK_HTTP_REDIRECT:
	case K_EXPECT_HSTS:
	case K_ENABLED:
	case K_ALL_ADDRESSES:
		if (util_parse_bool(v, &b)) {
			err_add(ld, kv->line, section, key, "expected yes or no (or true/false, on/off, "
				"1/0), found '%s'", q(qb, sizeof(qb), shown));
			return;
		}
		if (k->id == K_FOLLOW_REDIRECTS)
			e->follow_redirects = b;
		else if (k->id == K_REDIRECT_HEADERS)
			e->redirect_headers = b;
		else if (k->id == K_CHECK_HTTP_REDIRECT)
			e->check_http_redirect = b;
		else if (k->id == K_EXPECT_HSTS)
			e->expect_hsts = b;
		else if (k->id == K_ENABLED)
			e->enabled = b;
		else
			e->all_addresses = b;
		break;
	case K_MAX_REDIRECTS:
	case K_HTTP_PORT:
	case K_FAIL_AFTER:
	case K_RECOVER_AFTER:
	case K_MAX_INFLIGHT: {
		static const struct {
			enum key_id id;
			long lo, hi;
		} ranges[] = {
			{ K_MAX_REDIRECTS, 0, 50 }, { K_HTTP_PORT, 1, 65535 },
			{ K_FAIL_AFTER, 1, 100 }, { K_RECOVER_AFTER, 1, 100 },
			{ K_MAX_INFLIGHT, 1, 10000 },
		};
		size_t i;

		for (i = 0; ranges[i].id != k->id; i++)
			;
		if (parse_int(v, ranges[i].lo, ranges[i].hi, &iv)) {
			err_add(ld, kv->line, section, key, "expected a whole number from %ld to %ld, "
				"found '%s'", ranges[i].lo, ranges[i].hi, q(qb, sizeof(qb), shown));
			return;
		}
		if (k->id == K_MAX_REDIRECTS)
			e->max_redirects = iv;
		else if (k->id == K_HTTP_PORT)
			e->http_port = iv;
		else if (k->id == K_FAIL_AFTER)
			e->fail_after = iv;
		else if (k->id == K_RECOVER_AFTER)
			e->recover_after = iv;
		else
			ld->max_inflight = iv;
		break;
	}
	case K_MAX_BODY: {
		int64_t sz;

		if (util_parse_size(v, &sz)) {
			err_add(ld, kv->line, section, key, "bad size '%s': use bytes or a unit: 65536, "
				"64KiB, 1MiB, 1GiB, 64KB, 1MB", q(qb, sizeof(qb), shown));
			return;
		}
		if (sz < CONFIG_MIN_BODY || sz > CONFIG_MAX_BODY) {
			err_add(ld, kv->line, section, key, "'%s' is out of range (1KiB to 1GiB)",
				q(qb, sizeof(qb), shown));
			return;
		}
		e->max_body = sz;
		break;
	}
	case K_TAGS: {
		const char *p = v;

		while (*p) {
			size_t len = strcspn(p, ","), i;
			const char *t = p;

			p += len;
			if (*p)
				p++;
			while (len && isspace((unsigned char)*t)) {
				t++;
				len--;
			}
			while (len && isspace((unsigned char)t[len - 1]))
				len--;
			if (!len)
				continue; /* "a, ,b" and a trailing comma are harmless */
			for (i = 0; i < len; i++)
				if (!isalnum((unsigned char)t[i]) && !strchr("._-:/+@", t[i]))
					break;
			if (i < len || len > CONFIG_TAG_MAX) {
				err_add(ld, kv->line, section, key, "bad tag '%.*s': use letters, digits "
					"and . _ - : / + @ (at most %d characters)", (int)len, t,
					CONFIG_TAG_MAX);
				return;
			}
			{
				char *tag = xstrndup(t, len);

				strlist_push(&e->tags, tag);
				free(tag);
			}
		}
		break;
	}
	case K_COUNT:
		break;
	}
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
 * Rules between keys. A rule is checked only when one of its keys was set
 * in this section, so a bad [defaults] is reported once, not once per
 * endpoint. The error goes on the line of a key set here.
 */
static void check_rules(struct loader *ld, struct build *bd, const char *section)
{
	const struct endpoint *e = &bd->e;
	char a[32], b[32], oa[64], ob[64];

	if ((bd->here[K_TIMEOUT] || bd->here[K_INTERVAL]) && e->timeout_ms > e->interval_ms) {
		enum key_id at = bd->here[K_TIMEOUT] ? K_TIMEOUT : K_INTERVAL;

		fmt_ms(a, sizeof(a), e->timeout_ms);
		fmt_ms(b, sizeof(b), e->interval_ms);
		err_add(ld, bd->line[at], section, keys[at].name,
			"timeout %s%s is longer than interval %s%s: a probe would overlap its own "
			"next run", a, origin(bd, K_TIMEOUT, oa, sizeof(oa)), b,
			origin(bd, K_INTERVAL, ob, sizeof(ob)));
	}
	if ((bd->here[K_LATENCY_WARN] || bd->here[K_LATENCY_DOWN]) && e->latency_warn_ms &&
	    e->latency_down_ms && e->latency_warn_ms >= e->latency_down_ms) {
		enum key_id at = bd->here[K_LATENCY_WARN] ? K_LATENCY_WARN : K_LATENCY_DOWN;

		fmt_ms(a, sizeof(a), e->latency_warn_ms);
		fmt_ms(b, sizeof(b), e->latency_down_ms);
		err_add(ld, bd->line[at], section, keys[at].name,
			"latency_warn %s%s must be below latency_down %s%s", a,
			origin(bd, K_LATENCY_WARN, oa, sizeof(oa)), b,
			origin(bd, K_LATENCY_DOWN, ob, sizeof(ob)));
	}
	if ((bd->here[K_CERT_WARN_DAYS] || bd->here[K_CERT_CRIT_DAYS]) &&
	    e->cert_crit_days > e->cert_warn_days) {
		enum key_id at = bd->here[K_CERT_CRIT_DAYS] ? K_CERT_CRIT_DAYS : K_CERT_WARN_DAYS;

		err_add(ld, bd->line[at], section, keys[at].name,
			"cert_crit_days %d%s must not exceed cert_warn_days %d%s", e->cert_crit_days,
			origin(bd, K_CERT_CRIT_DAYS, oa, sizeof(oa)), e->cert_warn_days,
			origin(bd, K_CERT_WARN_DAYS, ob, sizeof(ob)));
	}
	if ((bd->here[K_CLIENT_CERT] || bd->here[K_CLIENT_KEY]) &&
	    !e->client_cert != !e->client_key) {
		enum key_id at = bd->here[K_CLIENT_CERT] ? K_CLIENT_CERT : K_CLIENT_KEY;

		/* a file that failed to load already has its own error */
		if (!err_on_line(ld, bd->line[at]))
			err_add(ld, bd->line[at], section, keys[at].name,
				"client_cert and client_key go together: set both or neither");
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
	c->max_inflight = CONFIG_DEFAULT_MAX_INFLIGHT;
	c->retain_raw_ms = CONFIG_DEFAULT_RETAIN_RAW_MS;
	c->retain_rollup_ms = CONFIG_DEFAULT_RETAIN_ROLLUP_MS;
	return c;
}

/* Second pass: [defaults] over the built-ins, each endpoint over [defaults]. */
static struct config *build_config(struct loader *ld)
{
	struct config *cfg = config_new();
	struct build base, bd;
	const struct rawsec *defs = NULL;
	size_t i, j, count = 0;

	memset(&base, 0, sizeof(base));
	endpoint_defaults(&base.e);
	for (i = 0; i < ld->nsecs; i++) {
		const struct rawsec *s = &ld->secs[i];

		if (strcmp(s->name, "defaults") != 0) {
			count++;
			if (strcasecmp(s->name, "defaults") == 0)
				err_add(ld, s->line, s->name, NULL, "section names are case-sensitive: "
					"did you mean [defaults]?");
		} else if (defs) {
			err_add(ld, s->line, "defaults", NULL, "a second [defaults] section "
				"(the first is at line %d)", defs->line);
		} else {
			defs = s;
		}
	}
	if (defs) {
		for (j = 0; j < defs->n; j++)
			apply(ld, &base, "defaults", &defs->kv[j], true);
		check_rules(ld, &base, "defaults");
	}
	memset(base.here, 0, sizeof(base.here));

	cfg->path = xstrdup(ld->path);
	cfg->max_inflight = ld->max_inflight;
	cfg->retain_raw_ms = ld->retain_raw_ms;
	cfg->retain_rollup_ms = ld->retain_rollup_ms;
	cfg->max_db_bytes = ld->max_db_bytes;
	if (cfg->retain_rollup_ms < cfg->retain_raw_ms)
		err_add(ld, 0, "defaults", "retain_rollup", "must be at least retain_raw (rollups "
			"summarise what raw rows no longer hold)");
	cfg->eps = xcalloc(count ? count : 1, sizeof(*cfg->eps));
	for (i = 0; i < ld->nsecs; i++) {
		const struct rawsec *s = &ld->secs[i];
		bool dup = false;

		if (strcmp(s->name, "defaults") == 0)
			continue;
		for (j = 0; j < i && !dup; j++) {
			if (strcmp(ld->secs[j].name, s->name) == 0) {
				err_add(ld, s->line, s->name, NULL, "duplicate endpoint name "
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
		if (!bd.e.url && !bd.here[K_URL])
			err_add(ld, s->line, s->name, "url", "missing: every endpoint needs "
				"url = https://...");
		check_rules(ld, &bd, s->name);
		cfg->eps[cfg->n++] = bd.e;
	}
	if (count == 0)
		err_add(ld, 0, NULL, NULL, "no endpoints configured: add a section such as "
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
	ld.max_inflight = CONFIG_DEFAULT_MAX_INFLIGHT;
	ld.retain_raw_ms = CONFIG_DEFAULT_RETAIN_RAW_MS;
	ld.retain_rollup_ms = CONFIG_DEFAULT_RETAIN_ROLLUP_MS;
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
		err_add(&ld, 0, NULL, NULL, "cannot read: %s", strerror(ld.read_errno));
	} else {
		/* a line inih refused that the reader did not foresee */
		if (rc > 0 && !err_on_line(&ld, rc))
			err_add(&ld, rc, NULL, NULL, "cannot parse this line");
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
		if (parse_url(urls[i], &e->host, &e->port, &e->plain_http, why, sizeof(why))) {
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", q_url(qb, sizeof(qb), urls[i]), why);
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

int config_url_host(const char *url, char *host, size_t n)
{
	char *h = NULL, why[256];
	int port;
	bool plain;

	if (!url || parse_url(url, &h, &port, &plain, why, sizeof(why)) != 0)
		return -1;
	snprintf(host, n, "%s", h);
	free(h);
	return 0;
}

bool endpoint_status_ok(const struct endpoint *e, long status)
{
	size_t i;

	for (i = 0; i < e->n_expect_status; i++)
		if (status >= e->expect_status[i].lo && status <= e->expect_status[i].hi)
			return true;
	return false;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->url, b->url) || !str_eq(a->method, b->method) ||
	    !str_eq(a->body, b->body) || !str_eq(a->expect_body, b->expect_body) ||
	    !str_eq(a->expect_body_regex, b->expect_body_regex) || !str_eq(a->ca_file, b->ca_file) ||
	    !str_eq(a->client_cert, b->client_cert) || !str_eq(a->client_key, b->client_key) ||
	    !str_eq(a->proxy, b->proxy))
		return false;
	if (!strlist_equal(&a->headers, &b->headers) || !strlist_equal(&a->resolve, &b->resolve) ||
	    !strlist_equal(&a->tags, &b->tags))
		return false;
	if (a->n_expect_status != b->n_expect_status || a->n_expect_json != b->n_expect_json)
		return false;
	for (size_t i = 0; i < a->n_expect_status; i++)
		if (a->expect_status[i].lo != b->expect_status[i].lo || a->expect_status[i].hi != b->expect_status[i].hi)
			return false;
	for (size_t i = 0; i < a->n_expect_json; i++)
		if (!str_eq(a->expect_json[i].text, b->expect_json[i].text))
			return false;
	return a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->latency_warn_ms == b->latency_warn_ms && a->latency_down_ms == b->latency_down_ms &&
	       a->cert_warn_days == b->cert_warn_days && a->cert_crit_days == b->cert_crit_days &&
	       a->min_tls == b->min_tls && a->ip == b->ip && a->http_version == b->http_version &&
	       a->follow_redirects == b->follow_redirects && a->max_redirects == b->max_redirects &&
	       a->redirect_headers == b->redirect_headers &&
	       a->check_http_redirect == b->check_http_redirect && a->http_port == b->http_port &&
	       a->expect_hsts == b->expect_hsts && a->max_body == b->max_body && a->enabled == b->enabled &&
	       a->fail_after == b->fail_after && a->recover_after == b->recover_after &&
	       a->all_addresses == b->all_addresses;
}
