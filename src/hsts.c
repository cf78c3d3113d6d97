/*
 * hsts: RFC 6797 6.1's grammar, directive by directive (see hsts.h):
 *   value = [ directive ] *( ";" [ directive ] )
 *   directive = token [ "=" ( token / quoted-string ) ]
 * with optional white space around every part. One pass over the text,
 * no copies; each directive's value is judged as it is read.
 */
#include "httpsmon/hsts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The three directives this module knows; their bit in struct parse.seen. */
enum { D_MAX_AGE = 1, D_SUBDOMAINS = 2, D_PRELOAD = 4 };

struct parse {
	const char *p;       /* next unread byte */
	unsigned seen;       /* D_* bits of the directives read so far */
	struct hsts_info *out;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 7230 tchar: what a token is made of. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ws(struct parse *ps)
{
	while (is_ws(*ps->p))
		ps->p++;
}

static int fail(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->out->problem, sizeof ps->out->problem, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Reads a directive value (token or quoted-string) into [*v, *v + *n):
 * for a quoted string, the bytes between the quotes with escapes still in
 * (only max-age's value is looked into, and a digit string has none).
 * Returns 0, or -1 for an unterminated quote or a missing value.
 */
static int read_value(struct parse *ps, const char **v, size_t *n, bool *quoted)
{
	const char *s = ps->p;

	*quoted = *s == '"';
	if (*quoted) {
		const char *q = s + 1;

		while (*q && *q != '"')
			q += (*q == '\\' && q[1]) ? 2 : 1;
		if (*q != '"')
			return fail(ps, "a quoted value is not closed");
		*v = s + 1;
		*n = (size_t)(q - s - 1);
		ps->p = q + 1;
		return 0;
	}
	while (is_tchar(*s))
		s++;
	*v = ps->p;
	*n = (size_t)(s - ps->p);
	ps->p = s;
	return 0;
}

static int max_age_value(struct parse *ps, const char *v, size_t n, bool has_value)
{
	int64_t age = 0;

	if (!has_value || n == 0)
		return fail(ps, "max-age has no value");
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(ps, "max-age is not a whole number of seconds");
		/* saturate instead of overflowing; the cap applies below */
		if (age <= HSTS_MAX_AGE_CAP)
			age = age * 10 + (v[i] - '0');
	}
	ps->out->max_age_s = age > HSTS_MAX_AGE_CAP ? HSTS_MAX_AGE_CAP : age;
	return 0;
}

/* Which known directive name [s, s + n) is, 0 for any other. */
static unsigned directive_bit(const char *s, size_t n)
{
	if (n == 7 && !strncasecmp(s, "max-age", 7))
		return D_MAX_AGE;
	if (n == 17 && !strncasecmp(s, "includeSubDomains", 17))
		return D_SUBDOMAINS;
	if (n == 7 && !strncasecmp(s, "preload", 7))
		return D_PRELOAD;
	return 0;
}

static const char *directive_name(unsigned bit)
{
	return bit == D_MAX_AGE ? "max-age" : bit == D_SUBDOMAINS ? "includeSubDomains" : "preload";
}

/* One directive at ps->p, up to (not past) the next ';' or the end. */
static int directive(struct parse *ps)
{
	const char *name = ps->p, *v = NULL;
	size_t nlen, vlen = 0;
	bool has_value = false, quoted = false;
	unsigned bit;

	while (is_tchar(*ps->p))
		ps->p++;
	nlen = (size_t)(ps->p - name);
	if (nlen == 0)
		return fail(ps, "a directive has no name");
	skip_ws(ps);
	if (*ps->p == '=') {
		ps->p++;
		skip_ws(ps);
		has_value = true;
		if (read_value(ps, &v, &vlen, &quoted) < 0)
			return -1;
		skip_ws(ps);
	}
	if (*ps->p && *ps->p != ';')
		return fail(ps, "unexpected '%c' after a directive", *ps->p >= 0x20 && *ps->p < 0x7f ? *ps->p : '?');
	bit = directive_bit(name, nlen);
	if (!bit)
		return 0; /* RFC 6797 6.1 (5): unknown directives are ignored */
	if (ps->seen & bit)
		return fail(ps, "%s appears more than once", directive_name(bit));
	ps->seen |= bit;
	if (bit == D_MAX_AGE)
		return max_age_value(ps, v, vlen, has_value);
	if (has_value)
		return fail(ps, "%s takes no value", directive_name(bit));
	if (bit == D_SUBDOMAINS)
		ps->out->include_subdomains = true;
	else
		ps->out->preload = true;
	return 0;
}

void hsts_parse(const char *header, struct hsts_info *out)
{
	struct parse ps = { .p = header, .out = out };

	memset(out, 0, sizeof *out);
	out->max_age_s = -1;
	if (!header)
		return;
	out->present = true;
	for (;;) {
		skip_ws(&ps);
		if (*ps.p && *ps.p != ';' && directive(&ps) < 0)
			break;
		if (!*ps.p) {
			if (!(ps.seen & D_MAX_AGE)) {
				fail(&ps, "no max-age");
				break;
			}
			out->valid = true;
			return;
		}
		ps.p++; /* the ';' */
	}
	out->max_age_s = -1;
	out->include_subdomains = out->preload = false;
}

const char *hsts_describe(const struct hsts_info *hi, char *buf, size_t len)
{
	if (!hi->present)
		snprintf(buf, len, "none");
	else if (!hi->valid)
		snprintf(buf, len, "ignored by browsers: %s", hi->problem);
	else
		snprintf(buf, len, "max-age %lld s (%lld days)%s%s", (long long)hi->max_age_s,
			 (long long)(hi->max_age_s / 86400), hi->include_subdomains ? ", includeSubDomains" : "",
			 hi->preload ? ", preload" : "");
	return buf;
}
