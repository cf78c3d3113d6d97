/*
 * config_fields: the table of configuration keys (CONFIG_FIELDS in
 * config_fields.h) and one parser per type of value, in the spirit of
 * redis's `standardConfig configs[]`. Everything done to every field of an
 * endpoint (defaults, deep copy, free, comparison) is a loop over the
 * table, dispatched on how the type stores its value (enum field_kind), so
 * that a key is written out once.
 *
 * A parser reads one value into its field and writes nothing on error (a
 * bad regex excepted: it clears the inherited one; a tags value keeps the
 * tags before the bad one), leaving a message that quotes the value as
 * written (config_quote: printable, cut short), never an expanded ${VAR}.
 * Rules between fields and what is derived from several (host and port
 * from url) are config.c's, once the section is read.
 */
#include "config_fields.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "httpsmon/maint.h"

#define CONFIG_TAG_MAX 32
#define DURATION_FORMS "use a number with a unit: 250ms, 30s, 5m, 1h, 2d, 1.5s or 1m30s"

_Static_assert(sizeof(enum ip_mode) == sizeof(int), "ip is stored as an enum field (int)");

/* ---- small helpers ---- */



/* Replaces *slot with a copy of s, or NULL when s is empty. */
static void set_str(char **slot, const char *s)
{
	free(*slot);
	*slot = *s ? xstrdup(s) : NULL;
}

static bool is_off(const char *v)
{
	return strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0;
}

/* A bound as the file would write it: "1s", "7d", "250ms". */
static const char *span_text(char *buf, size_t n, int64_t ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "d", DAY_MS }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms && ms % units[i].ms == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		snprintf(buf, n, "%lldms", (long long)ms);
	else
		snprintf(buf, n, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
	return buf;
}

/* A bound as the file would write it: "1KiB", "1GiB", "100". */
static const char *size_text(char *buf, size_t n, int64_t bytes)
{
	static const char *const units[] = { "GiB", "MiB", "KiB" };
	size_t i;

	for (i = 0; i < 3; i++) {
		int64_t mult = 1LL << (10 * (3 - i));

		if (bytes && bytes % mult == 0) {
			snprintf(buf, n, "%lld%s", (long long)(bytes / mult), units[i]);
			return buf;
		}
	}
	snprintf(buf, n, "%lld", (long long)bytes);
	return buf;
}


/* ---- one parser per type ---- */

static int parse_url_field(const struct config_field *f, void *obj, const struct field_in *in,
			   char *msg, size_t n)
{
	char *host = NULL, why[256], qb[96];
	int port;
	bool plain;

	if (config_url_split(in->v, &host, &port, &plain, why, sizeof(why)))
		return config_fail(msg, n, "bad URL '%s': %s", config_quote_url(qb, sizeof(qb), in->shown),
				   why);
	free(host); /* config.c derives host and port once the section is read */
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

static int parse_duration(const struct config_field *f, void *obj, const struct field_in *in,
			  char *msg, size_t n)
{
	bool off = f->key.flags & KF_OFF;
	char qb[96], lo[32], hi[32];
	int64_t ms;

	config_quote(qb, sizeof(qb), in->shown);
	if (off && is_off(in->v))
		ms = 0;
	else if (util_parse_duration_ms(in->v, &ms) || (off && ms <= 0))
		return config_fail(msg, n, "bad duration '%s': %s%s", qb, DURATION_FORMS, off ? ", or off" : "");
	else if (f->max && (ms < f->min || ms > f->max))
		return config_fail(msg, n, "'%s' is out of range (%s to %s)", qb,
				   span_text(lo, sizeof(lo), f->min), span_text(hi, sizeof(hi), f->max));
	else if (!f->max && ms <= 0)
		return config_fail(msg, n, "must be more than 0");
	*(int64_t *)field_at(obj, f->off) = ms;
	return 0;
}

static int parse_size(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	bool off = f->key.flags & KF_OFF;
	char qb[96], lo[32], hi[32];
	int64_t sz;

	config_quote(qb, sizeof(qb), in->shown);
	if (off && is_off(in->v))
		sz = 0;
	else if (off && (util_parse_size(in->v, &sz) || sz < f->min))
		return config_fail(msg, n, "bad size '%s': at least %s (e.g. 500MiB, 2GiB), or off", qb,
				   size_text(lo, sizeof(lo), f->min));
	else if (util_parse_size(in->v, &sz))
		return config_fail(msg, n, "bad size '%s': use bytes or a unit: 65536, 64KiB, 1MiB, 1GiB, "
				   "64KB, 1MB", qb);
	else if (f->max && (sz < f->min || sz > f->max))
		return config_fail(msg, n, "'%s' is out of range (%s to %s)", qb,
				   size_text(lo, sizeof(lo), f->min), size_text(hi, sizeof(hi), f->max));
	*(int64_t *)field_at(obj, f->off) = sz;
	return 0;
}

static int parse_int_field(const struct config_field *f, void *obj, const struct field_in *in,
			   char *msg, size_t n)
{
	char qb[96];

	if (config_int_parse(in->v, (long)f->min, (long)f->max, field_at(obj, f->off)))
		return config_fail(msg, n, "expected %s from %lld to %lld, found '%s'", f->type->noun,
				   (long long)f->min, (long long)f->max, config_quote(qb, sizeof(qb), in->shown));
	return 0;
}

static int parse_bool(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	char qb[96];

	if (util_parse_bool(in->v, field_at(obj, f->off)))
		return config_fail(msg, n, "expected yes or no (or true/false, on/off, 1/0), found '%s'",
				   config_quote(qb, sizeof(qb), in->shown));
	return 0;
}

static int parse_enum(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	const struct config_choice *c;
	struct strbuf names = { 0 };
	char qb[96];

	for (c = f->choices; c->name; c++) {
		if (strcasecmp(in->v, c->name) == 0) {
			*(int *)field_at(obj, f->off) = c->value;
			return 0;
		}
	}
	/* "1.1 or 2", "any, 4 or 6" */
	for (c = f->choices; c->name; c++)
		strbuf_printf(&names, "%s%s", c == f->choices ? "" : c[1].name ? ", " : " or ",
			      c->name);
	config_fail(msg, n, "expected %s, found '%s'", strbuf_cstr(&names),
		    config_quote(qb, sizeof(qb), in->shown));
	strbuf_done(&names);
	return -1;
}

static int parse_string(const struct config_field *f, void *obj, const struct field_in *in,
			char *msg, size_t n)
{
	(void)msg;
	(void)n;
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* An HTTP method: a token of at most .max characters. */
static int parse_method(const struct config_field *f, void *obj, const struct field_in *in,
			char *msg, size_t n)
{
	const char *p;
	char qb[96];

	for (p = in->v; *p && config_is_tchar(*p); p++)
		;
	if (!*in->v || *p || strlen(in->v) > (size_t)f->max)
		return config_fail(msg, n, "'%s' is not an HTTP method name",
				   config_quote(qb, sizeof(qb), in->shown));
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* One word: no white space or control characters (a proxy URL). */
static int parse_word(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	const char *p;
	char qb[96];

	for (p = in->v; *p && (unsigned char)*p > 0x20 && *p != 0x7f; p++)
		;
	if (*p)
		return config_fail(msg, n, "white space or control characters in '%s'",
				   config_quote(qb, sizeof(qb), in->shown));
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* listen: a numeric IP:PORT ([v6]:PORT) the HTTP listener binds; bound at start. */
static int parse_listen(const struct config_field *f, void *obj, const struct field_in *in,
			char *msg, size_t n)
{
	struct sockaddr_storage sa;
	char why[200], qb[96];
	int port;

	if (config_listen_parse(in->v, &sa, &port, why, sizeof(why)))
		return config_fail(msg, n, "bad listen address '%s': %s", config_quote(qb, sizeof(qb), in->shown), why);
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* A readable regular file, relative to the config file's directory; empty: none. */
static int parse_path(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	char **slot = field_at(obj, f->off), *path;

	if (!*in->v) {
		set_str(slot, "");
		return 0;
	}
	if (in->v[0] == '/' || !in->dir)
		path = xstrdup(in->v);
	else
		path = xasprintf("%s/%s", in->dir, in->v);
	if (config_file_check(path, msg, n)) {
		free(path);
		return -1;
	}
	free(*slot);
	*slot = path;
	return 0;
}

static int parse_status(const struct config_field *f, void *obj, const struct field_in *in,
			char *msg, size_t n)
{
	struct status_range **slot = field_at(obj, f->off), *r;
	char why[256], qb[96];
	size_t nr;

	if (config_status_parse(in->v, &r, &nr, why, sizeof(why)))
		return config_fail(msg, n, "bad status list '%s': %s", config_quote(qb, sizeof(qb), in->shown),
				   why);
	free(*slot);
	*slot = r;
	*(size_t *)field_at(obj, f->aux) = nr;
	return 0;
}

static int parse_regex(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	struct rx **re = field_at(obj, f->aux);
	char why[256], qb[96];

	config_field_clear(f, obj);
	if (!*in->v)
		return 0;
	*re = rx_compile(in->v, 0, why, sizeof(why));
	if (!*re)
		return config_fail(msg, n, "bad regular expression '%s': %s",
				   config_quote(qb, sizeof(qb), in->shown), why);
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

static int parse_json(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	struct json_cond **v = field_at(obj, f->off), c;
	size_t *nv = field_at(obj, f->aux);
	char why[256], qb[96];

	if (jsoncond_parse(in->v, &c, why, sizeof(why)))
		return config_fail(msg, n, "bad condition '%s': %s", config_quote(qb, sizeof(qb), in->shown),
				   why);
	*v = xrealloc(*v, (*nv + 1) * sizeof(**v));
	(*v)[(*nv)++] = c;
	return 0;
}

static int parse_header_field(const struct config_field *f, void *obj, const struct field_in *in,
			      char *msg, size_t n)
{
	char why[256], qb[96], *h = config_header_parse(in->v, why, sizeof(why));
	const char *colon;

	if (h) {
		strlist_push(field_at(obj, f->off), h);
		free(h);
		return 0;
	}
	/* the name only: a header's value is where tokens go */
	colon = strchr(in->v, ':');
	if (colon && colon > in->v) {
		char *hname = xstrndup(in->v, (size_t)(colon - in->v));

		config_fail(msg, n, "bad header '%s' (value not shown): %s",
			    config_quote(qb, sizeof(qb), hname), why);
		free(hname);
		return -1;
	}
	return config_fail(msg, n, "bad header (value not shown): %s", why);
}

static int parse_resolve(const struct config_field *f, void *obj, const struct field_in *in,
			 char *msg, size_t n)
{
	char why[256], qb[96];

	if (config_resolve_check(in->v, why, sizeof(why)))
		return config_fail(msg, n, "bad resolve entry '%s': %s",
				   config_quote(qb, sizeof(qb), in->shown), why);
	strlist_push(field_at(obj, f->off), in->v);
	return 0;
}

/* One character of a tag or a name (len 1), or a whole one (len > 1: nothing more to check). */
static bool name_char(const char *c, size_t len)
{
	return len > 1 || isalnum((unsigned char)*c) || (*c && strchr("._-:/+@", *c));
}

/*
 * "a, b,c" into a list: each item trimmed, empty ones skipped, each checked
 * by ok (NULL: any item without white space) and pushed.
 */
static int parse_items(const struct config_field *f, void *obj, const struct field_in *in, char *msg,
		       size_t n, bool (*ok)(const char *item, size_t len))
{
	const char *p = in->v;
	size_t max = f->max ? (size_t)f->max : CONFIG_TAG_MAX;

	while (*p) {
		size_t len = strcspn(p, ","), i;
		const char *t = p;
		char *item;

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
			if (ok ? !ok(t + i, 1) : (unsigned char)t[i] <= 0x20 || t[i] == 0x7f)
				break;
		if (i < len || len > max || (ok && !ok(t, len)))
			return config_fail(msg, n, "bad %s '%.*s': %s (at most %zu characters)", f->type->noun,
					   (int)(len > 60 ? 60 : len), t,
					   ok == name_char ? "use letters, digits and . _ - : / + @"
					   : ok ? "not one" : "no white space", max);
		item = xstrndup(t, len);
		strlist_push(field_at(obj, f->off), item);
		free(item);
	}
	return 0;
}

static int parse_tags(const struct config_field *f, void *obj, const struct field_in *in,
		      char *msg, size_t n)
{
	return parse_items(f, obj, in, msg, n, name_char);
}

/* A label value (location): at most .max of the characters a name takes. */
static int parse_label(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	size_t len = strlen(in->v);
	char qb[96];

	for (size_t i = 0; i < len; i++)
		if (!name_char(in->v + i, 1))
			len = SIZE_MAX;
	if (!len || len > (size_t)f->max)
		return config_fail(msg, n, "bad %s '%s': 1 to %d letters, digits and . _ - : / + @", f->key.name,
				   config_quote(qb, sizeof(qb), in->shown), (int)f->max);
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* An e-mail address list (to): words with one '@'. */
static bool addr_ok(const char *a, size_t len)
{
	const char *at_sign = memchr(a, '@', len);

	if (len == 1)
		return (unsigned char)*a > 0x20 && *a != 0x7f && *a != '<' && *a != '>';
	return at_sign && at_sign > a && at_sign < a + len - 1 && !memchr(at_sign + 1, '@', len - (size_t)(at_sign + 1 - a));
}

static int parse_addrs(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	return parse_items(f, obj, in, msg, n, addr_ok);
}

/* canary: HOST:PORT, [v6]:PORT, comma-separated. */
static bool hostport_ok(const char *h, size_t len)
{
	const char *colon;
	char port[8];
	int v;

	if (len == 1)
		return isalnum((unsigned char)*h) || strchr(".-:[]_", *h);
	for (colon = h + len - 1; colon > h && *colon != ':'; colon--)
		;
	if (colon == h || (size_t)(h + len - colon - 1) >= sizeof(port))
		return false;
	snprintf(port, sizeof(port), "%.*s", (int)(h + len - colon - 1), colon + 1);
	if (config_int_parse(port, 1, 65535, &v))
		return false;
	/* an IPv6 address goes in brackets so its colons are not the port's */
	if (*h == '[')
		return colon[-1] == ']' && colon - h > 2;
	return !memchr(h, ':', (size_t)(colon - h)) && !memchr(h, '[', (size_t)(colon - h));
}

static int parse_hostport(const struct config_field *f, void *obj, const struct field_in *in,
			  char *msg, size_t n)
{
	return parse_items(f, obj, in, msg, n, hostport_ok);
}

/* on = down, up, ...: the alert kinds a notifier gets, as bits. */
static int parse_kinds(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	static const unsigned settable = (1u << ALERT_DOWN) | (1u << ALERT_UP) | (1u << ALERT_WARN) |
					 (1u << ALERT_CERT_EXPIRING) | (1u << ALERT_CERT_CHANGED) |
					 (1u << ALERT_REMINDER);
	struct strlist words = { 0 };
	struct config_field lf = *f;
	unsigned mask = 0;
	int rc = 0;

	lf.off = 0;
	lf.max = 32;
	if (parse_items(&lf, &words, in, msg, n, NULL))
		return -1;
	for (size_t i = 0; i < words.n && !rc; i++) {
		enum alert_kind k;
		char qb[96];

		if (alert_kind_parse(words.v[i], &k) || !(settable & (1u << k)))
			rc = config_fail(msg, n, "unknown alert kind '%s': use down, up, warn, cert_expiring, "
					 "cert_changed, reminder", config_quote(qb, sizeof(qb), words.v[i]));
		else
			mask |= 1u << k;
	}
	strlist_done(&words);
	if (!rc && !mask)
		rc = config_fail(msg, n, "names no alert kind (down, up, warn, cert_expiring, cert_changed, "
				 "reminder)");
	if (!rc)
		*(unsigned *)field_at(obj, f->off) = mask | (mask & (1u << ALERT_WARN) ? 1u << ALERT_WARN_END : 0);
	return rc;
}

/* A webhook or Alertmanager URL: http(s), no password; a message shows scheme and host only. */
static int parse_hookurl(const struct config_field *f, void *obj, const struct field_in *in,
			 char *msg, size_t n)
{
	char *host = NULL, why[256], qb[96];
	int port;
	bool plain;

	if (config_url_split(in->v, &host, &port, &plain, why, sizeof(why)))
		return config_fail(msg, n, "bad URL '%s': %s", notifier_secret(qb, sizeof(qb), in->shown), why);
	free(host);
	strlist_push(field_at(obj, f->off), in->v);
	return 0;
}

/* smtp://host[:port] or smtps://host[:port], nothing after but an optional "/". */
static int parse_smtpurl(const struct config_field *f, void *obj, const struct field_in *in,
			 char *msg, size_t n)
{
	const char *v = in->v, *h;
	char qb[96];

	h = !strncasecmp(v, "smtp://", 7) ? v + 7 : !strncasecmp(v, "smtps://", 8) ? v + 8 : NULL;
	if (!h || !*h || *h == '/' || strchr(h, '@') || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							      "0123456789.-_:[]/") != strlen(h))
		return config_fail(msg, n, "bad SMTP URL '%s': use smtp://HOST[:PORT] or smtps://HOST[:PORT] "
				   "(user and password go in their own keys)",
				   notifier_secret(qb, sizeof(qb), in->shown));
	set_str(field_at(obj, f->off), v);
	return 0;
}

/* maint.c names its key in its messages; here the loader's prefix names it. Returns -1. */
static int unprefix(char *msg, const char *key)
{
	size_t k = strlen(key);

	if (strncmp(msg, key, k) == 0)
		memmove(msg, msg + k, strlen(msg + k) + 1);
	return -1;
}

/* maintenance: one window per value (maint.h; a day list has commas of its own). */
static int parse_maint(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	struct maint_window w;

	if (maint_parse(in->v, &w, msg, n) != 0)
		return unprefix(msg, "maintenance: ");
	strlist_push(field_at(obj, f->off), in->v);
	return 0;
}

/* maintenance_tz: an IANA zone with a zone file on this system. */
static int parse_tz(const struct config_field *f, void *obj, const struct field_in *in,
		    char *msg, size_t n)
{
	if (maint_tz_check(in->v, msg, n) != 0)
		return unprefix(msg, "maintenance_tz: ");
	set_str(field_at(obj, f->off), in->v);
	return 0;
}

/* ---- the table ---- */

static const struct field_type type_url = { parse_url_field, FK_STR, NULL };
static const struct field_type type_duration = { parse_duration, FK_I64, NULL };
static const struct field_type type_size = { parse_size, FK_I64, NULL };
static const struct field_type type_int = { parse_int_field, FK_INT, "a whole number" };
static const struct field_type type_days = { parse_int_field, FK_INT, "a number of days" };
static const struct field_type type_bool = { parse_bool, FK_BOOL, NULL };
static const struct field_type type_enum = { parse_enum, FK_INT, NULL };
static const struct field_type type_string = { parse_string, FK_STR, NULL };
static const struct field_type type_method = { parse_method, FK_STR, NULL };
static const struct field_type type_word = { parse_word, FK_STR, NULL };
static const struct field_type type_secret = { parse_word, FK_STR, NULL };
static const struct field_type type_listen = { parse_listen, FK_STR, NULL };
static const struct field_type type_label = { parse_label, FK_STR, NULL };
static const struct field_type type_path = { parse_path, FK_STR, NULL };
static const struct field_type type_status = { parse_status, FK_STATUS, NULL };
static const struct field_type type_regex = { parse_regex, FK_REGEX, NULL };
static const struct field_type type_json = { parse_json, FK_JSON, NULL };
static const struct field_type type_header = { parse_header_field, FK_LIST, NULL };
static const struct field_type type_resolve = { parse_resolve, FK_LIST, NULL };
static const struct field_type type_tags = { parse_tags, FK_LIST, "tag" };
static const struct field_type type_names = { parse_tags, FK_LIST, "notifier name" };
static const struct field_type type_hostport = { parse_hostport, FK_LIST, "HOST:PORT" };
static const struct field_type type_addrs = { parse_addrs, FK_LIST, "address" };
static const struct field_type type_kinds = { parse_kinds, FK_INT, "alert kind" };
static const struct field_type type_hookurl = { parse_hookurl, FK_LIST, NULL };
static const struct field_type type_smtpurl = { parse_smtpurl, FK_STR, NULL };
static const struct field_type type_maint = { parse_maint, FK_LIST, "maintenance window" };
static const struct field_type type_tz = { parse_tz, FK_STR, NULL };

static const struct config_choice tls_versions[] = {
	{ "1.0", 10 }, { "1.1", 11 }, { "1.2", 12 }, { "1.3", 13 }, { NULL, 0 },
};
static const struct config_choice ip_modes[] = {
	{ "any", IPMODE_ANY }, { "4", IPMODE_V4 }, { "6", IPMODE_V6 }, { NULL, 0 },
};
static const struct config_choice posture_verdicts[] = {
	{ "warn", POSTURE_VERDICT_WARN }, { "info", POSTURE_VERDICT_INFO }, { NULL, 0 },
};
static const struct config_choice http_versions[] = { { "1.1", 11 }, { "2", 2 }, { NULL, 0 } };
static const struct config_choice notifier_types[] = {
	{ "command", NOTIFIER_COMMAND }, { "webhook", NOTIFIER_WEBHOOK },
	{ "alertmanager", NOTIFIER_ALERTMANAGER }, { "email", NOTIFIER_EMAIL }, { NULL, 0 },
};
static const struct config_choice notifier_formats[] = {
	{ "json", NFMT_JSON }, { "slack", NFMT_SLACK }, { "alertmanager", NFMT_ALERTMANAGER },
	{ "template", NFMT_TEMPLATE }, { NULL, 0 },
};

/* `bool` is a macro: # and ## take the type's token as written, unexpanded */
#define CONFIG_FIELD_ROW(k, t, ...) \
	[K_##k] = { .key.name = #k, .key.type = #t, .type = &type_##t, __VA_ARGS__ },
const struct config_field config_fields[K_COUNT] = { CONFIG_FIELDS(CONFIG_FIELD_ROW) };
#undef CONFIG_FIELD_ROW

#define NOTIFIER_FIELD_ROW(k, t, ...) \
	[N_##k] = { .key.name = #k, .key.type = #t, .type = &type_##t, __VA_ARGS__ },
const struct config_field notifier_fields[N_COUNT] = { NOTIFIER_FIELDS(NOTIFIER_FIELD_ROW) };
#undef NOTIFIER_FIELD_ROW

const struct config_field *notifier_field_find(const char *name)
{
	for (size_t i = 0; i < N_COUNT; i++)
		if (strcmp(notifier_fields[i].key.name, name) == 0)
			return &notifier_fields[i];
	return NULL;
}

const char *notifier_type_name(int type)
{
	for (const struct config_choice *c = notifier_types; c->name; c++)
		if (c->value == type)
			return c->name;
	return "?";
}

const struct config_key *config_key_at(size_t i)
{
	return i < K_COUNT ? &config_fields[i].key : NULL;
}

const struct config_key *config_notifier_key_at(size_t i)
{
	return i < N_COUNT ? &notifier_fields[i].key : NULL;
}

const struct config_field *config_field_find(const char *name)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (strcmp(config_fields[i].key.name, name) == 0)
			return &config_fields[i];
	return NULL;
}

int config_field_parse(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n)
{
	return f->type->parse(f, obj, in, msg, n);
}
