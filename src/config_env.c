/*
 * config_env: ${VAR} substitution in config values, so that a token can
 * live in the collector's environment instead of in endpoints.ini.
 *
 * The forms, in every value (never in section names or keys):
 *   ${NAME}            the variable's value; unset is an error, set but
 *                      empty gives an empty value
 *   ${NAME:-default}   the default when NAME is unset or empty (as in sh);
 *                      the default is literal text up to the first '}',
 *                      where $$ is '$' and a nested ${ is an error
 *   $$                 a literal '$'
 *   $ anything else    a literal '$' (regex anchors such as "ok$" and
 *                      passwords written before substitution existed keep
 *                      their meaning)
 * NAME is [A-Za-z_][A-Za-z0-9_]*. Nothing is expanded twice: a value that
 * contains "${" after substitution stays as it is.
 *
 * The environment is the collector's own, read at each load. Nothing
 * outside the process can change it once it runs, so a reload expands from
 * the environment the collector was started with: a new token needs a
 * restart.
 */
#include "httpsmon/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define SCRUB_MIN  4  /* bytes: shorter substituted values are not scrubbed */
#define SCRUB_MAX 64  /* substitutions looked at; a 198-character line holds fewer */

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A default's text from p (just after ":-") to its '}' into b. Returns the '}' or NULL. */
static const char *copy_default(const char *p, struct strbuf *b, char *why, size_t n)
{
	for (; *p && *p != '}'; p++) {
		if (p[0] == '$' && p[1] == '$') {
			strbuf_append(b, "$", 1);
			p++;
		} else if (p[0] == '$' && p[1] == '{') {
			snprintf(why, n, "a ${...} inside a default is not supported (write the "
				 "default as plain text)");
			return NULL;
		} else {
			strbuf_append(b, p, 1);
		}
	}
	if (!*p) {
		snprintf(why, n, "'${' without a closing '}'");
		return NULL;
	}
	return p;
}

/*
 * One ${...} starting at p (on the '$'): appends its value to b and, when
 * subs is given, "NAME=value" to subs. Returns the position after '}', or
 * NULL with why.
 */
static const char *expand_one(const char *p, struct strbuf *b, struct strlist *subs, char *why,
			      size_t n)
{
	const char *name = p + 2, *end = name, *val;
	struct strbuf dflt = { 0 };
	bool has_default = false;
	char vname[128];

	while (name_char(*end))
		end++;
	if (end == name || !name_start(*name)) {
		if (!*end && end == name)
			snprintf(why, n, "'${' without a closing '}'");
		else
			snprintf(why, n, "bad variable name after '${': use letters, digits and _, "
				 "not starting with a digit");
		return NULL;
	}
	if ((size_t)(end - name) >= sizeof(vname)) {
		snprintf(why, n, "variable name longer than %zu characters", sizeof(vname) - 1);
		return NULL;
	}
	memcpy(vname, name, (size_t)(end - name));
	vname[end - name] = '\0';
	if (end[0] == ':' && end[1] == '-') {
		has_default = true;
		end = copy_default(end + 2, &dflt, why, n);
		if (!end) {
			strbuf_done(&dflt);
			return NULL;
		}
	} else if (*end != '}') {
		if (*end)
			snprintf(why, n, "expected '}' or ':-default' after ${%s", vname);
		else
			snprintf(why, n, "'${' without a closing '}'");
		return NULL;
	}
	val = getenv(vname);
	if (has_default && (!val || !*val))
		val = strbuf_cstr(&dflt);
	if (!val) {
		snprintf(why, n, "environment variable %s is not set (write ${%s:-default} "
			 "for a fallback)", vname, vname);
		return NULL;
	}
	strbuf_puts(b, val);
	if (subs && *val) {
		char *kv = xasprintf("%s=%s", vname, val);

		strlist_push(subs, kv);
		free(kv);
	}
	strbuf_done(&dflt);
	return end + 1;
}

char *config_expand(const char *in, struct strlist *subs, char *why, size_t n)
{
	struct strbuf b = { 0 };
	const char *p = in;
	char *out;

	while (*p) {
		if (p[0] == '$' && p[1] == '{') {
			p = expand_one(p, &b, subs, why, n);
			if (!p) {
				strbuf_done(&b);
				return NULL;
			}
		} else if (p[0] == '$' && p[1] == '$') {
			strbuf_append(&b, "$", 1);
			p += 2;
		} else {
			strbuf_append(&b, p++, 1);
		}
	}
	out = xstrdup(strbuf_cstr(&b));
	strbuf_done(&b);
	return out;
}

/* msg with every occurrence of value replaced by "${name}", cut to n. */
static void replace_all(char *msg, size_t n, const char *name, size_t name_len, const char *value)
{
	struct strbuf b = { 0 };
	size_t len = strlen(value);
	const char *p = msg, *hit;

	while ((hit = strstr(p, value))) {
		strbuf_append(&b, p, (size_t)(hit - p));
		strbuf_printf(&b, "${%.*s}", (int)name_len, name);
		p = hit + len;
	}
	strbuf_puts(&b, p);
	snprintf(msg, n, "%s", strbuf_cstr(&b));
	strbuf_done(&b);
}

/*
 * Longest value first, so that a value containing another is replaced
 * whole. Values shorter than SCRUB_MIN are left: they hide nothing worth
 * hiding, and replacing "a" or "5" everywhere would garble the message's
 * own words.
 */
void config_scrub(char *msg, size_t n, const struct strlist *subs)
{
	bool done[SCRUB_MAX] = { false };
	size_t m = subs->n < SCRUB_MAX ? subs->n : SCRUB_MAX;

	for (size_t round = 0; round < m; round++) {
		size_t best = SIZE_MAX, best_len = 0;

		for (size_t i = 0; i < m; i++) {
			size_t len = strlen(strchr(subs->v[i], '=') + 1);

			if (!done[i] && len >= SCRUB_MIN && len > best_len) {
				best = i;
				best_len = len;
			}
		}
		if (best == SIZE_MAX)
			return;
		done[best] = true;
		replace_all(msg, n, subs->v[best], (size_t)(strchr(subs->v[best], '=') - subs->v[best]),
			    strchr(subs->v[best], '=') + 1);
	}
}
