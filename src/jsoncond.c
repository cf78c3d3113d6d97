/*
 * jsoncond: parses `expect_json` conditions once, at config load, and
 * evaluates them against response bodies. cJSON is used only here.
 *
 * Grammar (white space between tokens is optional):
 *     cond    = path op literal | path "exists"
 *     path    = segment { "." segment }
 *     segment = bare | '"' chars '"'     bare: anything but space . " = ! < >
 *     op      = "==" | "!=" | "<" | "<=" | ">" | ">="
 *     literal = '"' chars '"' | number | true | false | null
 * Inside quotes, \" and \\ stand for themselves and \n, \t, \/ as in JSON.
 * Ordering operators take a number literal only.
 *
 * Evaluation rules:
 *  - A segment of digits indexes an array; on an object it is a key. A
 *    quoted segment behaves the same (the path stores plain strings).
 *  - A path that does not exist fails every operator, != included: a typo
 *    in a path must not pass silently. Use `exists` to test presence.
 *  - == needs the same JSON type and value; != passes on any difference,
 *    type included. Ordering operators need a JSON number.
 *  - The body must be one JSON value with only white space around it.
 */
#include "httpsmon/jsoncond.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "httpsmon/util.h"

/* Longest found value quoted in a failure message. */
#define FOUND_MAX 80

static const char *const op_text[] = { "==", "!=", "<", "<=", ">", ">=", "exists" };

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_ws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

/*
 * Reads a double-quoted string at *p (which points at the opening quote)
 * into a new string. Returns NULL with *why set on a missing closing quote
 * or an unknown escape.
 */
static char *parse_quoted(const char **p, const char **why)
{
	struct strbuf b = { 0 };
	const char *s = *p + 1;

	strbuf_append(&b, "", 0);
	for (;;) {
		char c = *s++;

		if (c == '\0') {
			*why = "missing closing '\"'";
			goto err;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			c = *s++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			default:
				*why = "unknown escape in quotes (use \\\" or \\\\)";
				goto err;
			}
		}
		strbuf_append(&b, &c, 1);
	}
	*p = s;
	return b.s;
err:
	strbuf_done(&b);
	return NULL;
}

static bool bare_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr(".\"=!<>", c);
}

static void add_segment(struct json_cond *c, char *seg)
{
	c->path = xrealloc(c->path, (c->npath + 1) * sizeof(*c->path));
	c->path[c->npath++] = seg;
}

/* Parses the literal at *p; -1 with a message in err. */
static int parse_literal(const char **p, struct json_cond *c, char *err, size_t errlen)
{
	const char *s = *p, *why = NULL;
	char word[64];
	size_t n = 0;

	if (*s == '"') {
		c->str = parse_quoted(&s, &why);
		if (!c->str)
			return fail(err, errlen, "bad string literal after '%s': %s",
				    op_text[c->op], why);
		c->lit = JLIT_STRING;
		*p = s;
		return 0;
	}
	while (s[n] && !isspace((unsigned char)s[n]))
		n++;
	if (n == 0)
		return fail(err, errlen, "expected a value after '%s': a \"string\", a number, "
			    "true, false or null", op_text[c->op]);
	if (n >= sizeof(word))
		n = sizeof(word) - 1;
	memcpy(word, s, n);
	word[n] = '\0';
	if (strcmp(word, "true") == 0 || strcmp(word, "false") == 0) {
		c->lit = JLIT_BOOL;
		c->b = word[0] == 't';
	} else if (strcmp(word, "null") == 0) {
		c->lit = JLIT_NULL;
	} else {
		char *end;

		errno = 0;
		c->num = strtod(word, &end);
		/* strtod also takes "inf", "nan" and hex: JSON has none of them */
		if (end == word || *end || errno || !isfinite(c->num) ||
		    strpbrk(word, "xXiInN"))
			return fail(err, errlen, "expected a value after '%s': a \"string\" "
				    "(in double quotes), a number, true, false or null; found '%s'",
				    op_text[c->op], word);
		c->lit = JLIT_NUMBER;
	}
	*p = s + strlen(word);
	return 0;
}

int jsoncond_parse(const char *text, struct json_cond *c, char *err, size_t errlen)
{
	const char *p = text, *path_start, *why = NULL;
	size_t plen;

	memset(c, 0, sizeof(*c));
	if (!text)
		return fail(err, errlen, "empty condition");
	skip_ws(&p);
	if (!*p)
		return fail(err, errlen, "empty condition; expected e.g. status == \"ok\"");
	path_start = p;
	for (;;) {
		char *seg;

		if (*p == '"') {
			seg = parse_quoted(&p, &why);
			if (!seg) {
				fail(err, errlen, "bad quoted path segment: %s", why);
				goto err;
			}
		} else {
			const char *s = p;

			while (bare_char(*p))
				p++;
			if (p == s) {
				if (c->npath == 0)
					fail(err, errlen, "expected a path (e.g. status or "
					     "checks.db.ok) at the start of '%s'", text);
				else
					fail(err, errlen, "empty path segment in '%.*s'",
					     (int)(p - path_start + 1), path_start);
				goto err;
			}
			seg = xstrndup(s, (size_t)(p - s));
		}
		add_segment(c, seg);
		if (*p != '.')
			break;
		p++;
	}
	plen = (size_t)(p - path_start);
	skip_ws(&p);

	if (strncmp(p, "==", 2) == 0) {
		c->op = JOP_EQ;
		p += 2;
	} else if (strncmp(p, "!=", 2) == 0) {
		c->op = JOP_NE;
		p += 2;
	} else if (strncmp(p, "<=", 2) == 0) {
		c->op = JOP_LE;
		p += 2;
	} else if (strncmp(p, ">=", 2) == 0) {
		c->op = JOP_GE;
		p += 2;
	} else if (*p == '<') {
		c->op = JOP_LT;
		p++;
	} else if (*p == '>') {
		c->op = JOP_GT;
		p++;
	} else if (strncmp(p, "exists", 6) == 0 && !bare_char(p[6])) {
		c->op = JOP_EXISTS;
		p += 6;
	} else if (*p == '=') {
		fail(err, errlen, "use '==' to compare, not '=', after '%.*s'", (int)plen,
		     path_start);
		goto err;
	} else {
		fail(err, errlen, "expected an operator (==, !=, <, <=, >, >=, exists) after '%.*s'",
		     (int)plen, path_start);
		goto err;
	}

	if (c->op != JOP_EXISTS) {
		skip_ws(&p);
		if (parse_literal(&p, c, err, errlen))
			goto err;
		if (c->op >= JOP_LT && c->op <= JOP_GE && c->lit != JLIT_NUMBER) {
			fail(err, errlen, "'%s' compares numbers: the value must be a number",
			     op_text[c->op]);
			goto err;
		}
	}
	skip_ws(&p);
	if (*p) {
		fail(err, errlen, "unexpected text at the end: '%s'", p);
		goto err;
	}
	/* the text as written, minus surrounding space, for messages */
	skip_ws(&text);
	plen = strlen(text);
	while (plen && isspace((unsigned char)text[plen - 1]))
		plen--;
	c->text = xstrndup(text, plen);
	return 0;
err:
	jsoncond_done(c);
	return -1;
}

void jsoncond_done(struct json_cond *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->npath; i++)
		free(c->path[i]);
	free(c->path);
	free(c->text);
	free(c->str);
	memset(c, 0, sizeof(*c));
}

void jsoncond_copy(struct json_cond *dst, const struct json_cond *src)
{
	size_t i;

	*dst = *src;
	dst->text = xstrdup(src->text);
	dst->str = xstrdup(src->str);
	dst->path = src->npath ? xmalloc(src->npath * sizeof(*dst->path)) : NULL;
	for (i = 0; i < src->npath; i++)
		dst->path[i] = xstrdup(src->path[i]);
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "an unknown value";
}

/* The path up to (not including) segment upto, for messages. */
static void path_prefix(const struct json_cond *c, size_t upto, char *buf, size_t n)
{
	struct strbuf b = { 0 };
	size_t i;

	if (upto == 0) {
		snprintf(buf, n, "the document");
		return;
	}
	for (i = 0; i < upto; i++) {
		if (i)
			strbuf_puts(&b, ".");
		strbuf_puts(&b, c->path[i]);
	}
	snprintf(buf, n, "'%s'", strbuf_cstr(&b));
	strbuf_done(&b);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Follows c's path from root; NULL with the reason in why when it breaks off. */
static const cJSON *lookup(const struct json_cond *c, const cJSON *root, char *why, size_t n)
{
	const cJSON *node = root;
	char where[128];
	size_t i;

	for (i = 0; i < c->npath; i++) {
		const char *seg = c->path[i];
		const cJSON *next = NULL;

		path_prefix(c, i, where, sizeof(where));
		if (cJSON_IsArray(node) && all_digits(seg)) {
			int size = cJSON_GetArraySize(node);
			unsigned long idx;

			errno = 0;
			idx = strtoul(seg, NULL, 10);
			if (!errno && idx < (unsigned long)size)
				next = cJSON_GetArrayItem(node, (int)idx);
			if (!next) {
				snprintf(why, n, "%s has %d element%s, no index %s", where, size,
					 size == 1 ? "" : "s", seg);
				return NULL;
			}
		} else if (cJSON_IsObject(node)) {
			next = cJSON_GetObjectItemCaseSensitive(node, seg);
			if (!next) {
				snprintf(why, n, "%s has no key '%s'", where, seg);
				return NULL;
			}
		} else {
			snprintf(why, n, "%s is %s, not %s", where, type_name(node),
				 cJSON_IsArray(node) ? "an object (use a number to index an array)"
						     : "an object or array");
			return NULL;
		}
		node = next;
	}
	return node;
}

/* The JSON text of j, cut to FOUND_MAX characters with "..." when longer. */
static void found_text(const cJSON *j, char *buf, size_t n)
{
	char *s = cJSON_PrintUnformatted(j);

	if (!s) {
		snprintf(buf, n, "(unprintable)");
		return;
	}
	if (strlen(s) > FOUND_MAX)
		snprintf(buf, n, "%.*s...", FOUND_MAX, s);
	else
		snprintf(buf, n, "%s", s);
	cJSON_free(s);
}

static bool same_value(const struct json_cond *c, const cJSON *j)
{
	switch (c->lit) {
	case JLIT_STRING:
		return cJSON_IsString(j) && strcmp(j->valuestring, c->str) == 0;
	case JLIT_NUMBER:
		return cJSON_IsNumber(j) && j->valuedouble == c->num;
	case JLIT_BOOL:
		return cJSON_IsBool(j) && (cJSON_IsTrue(j) != 0) == c->b;
	case JLIT_NULL:
		return cJSON_IsNull(j);
	case JLIT_NONE:
		break;
	}
	return false;
}

/* True when j satisfies c; otherwise msg says what was found. */
static bool eval_one(const struct json_cond *c, const cJSON *root, char *msg, size_t msglen)
{
	char why[256], found[FOUND_MAX + 8];
	const cJSON *j = lookup(c, root, why, sizeof(why));
	bool ok = false;

	if (!j) {
		snprintf(msg, msglen, "%s: path not found (%s)", c->text, why);
		return false;
	}
	switch (c->op) {
	case JOP_EXISTS:
		return true;
	case JOP_EQ:
		ok = same_value(c, j);
		break;
	case JOP_NE:
		ok = !same_value(c, j);
		break;
	case JOP_LT:
	case JOP_LE:
	case JOP_GT:
	case JOP_GE:
		if (!cJSON_IsNumber(j)) {
			found_text(j, found, sizeof(found));
			snprintf(msg, msglen, "%s: found %s (%s, not a number)", c->text, found,
				 type_name(j));
			return false;
		}
		if (c->op == JOP_LT)
			ok = j->valuedouble < c->num;
		else if (c->op == JOP_LE)
			ok = j->valuedouble <= c->num;
		else if (c->op == JOP_GT)
			ok = j->valuedouble > c->num;
		else
			ok = j->valuedouble >= c->num;
		break;
	}
	if (!ok) {
		found_text(j, found, sizeof(found));
		snprintf(msg, msglen, "%s: found %s", c->text, found);
	}
	return ok;
}

/*
 * Whether body[0..end) opens more nested arrays and objects than cJSON
 * parses (CJSON_NESTING_LIMIT): then the server sent JSON too deep, and
 * saying "not JSON" would blame the wrong thing. Brackets inside strings
 * do not count.
 */
static bool nested_too_deep(const char *body, size_t end)
{
	size_t depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < end; i++) {
		char c = body[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > CJSON_NESTING_LIMIT)
				return true;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return false;
}

enum jsoncond_outcome jsoncond_eval_all(const struct json_cond *conds, size_t n,
					const char *body, size_t len,
					char *msg, size_t msglen)
{
	const char *end = NULL;
	cJSON *root;
	size_t i, off;
	char tmp[512];
	enum jsoncond_outcome out = JSONCOND_PASS;

	if (msg && msglen)
		msg[0] = '\0';
	if (!msg || !msglen) {
		msg = tmp;
		msglen = sizeof(tmp);
	}
	if (n == 0)
		return JSONCOND_PASS;
	if (!body || len == 0) {
		snprintf(msg, msglen, "body is empty, not JSON");
		return JSONCOND_NOT_JSON;
	}
	/*
	 * require_null_terminated would read one byte past a body that is not
	 * NUL-terminated, so trailing garbage is checked here instead.
	 */
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root && end) {
		off = (size_t)(end - body);
		while (off < len && isspace((unsigned char)body[off]))
			off++;
		if (off < len) {
			cJSON_Delete(root);
			root = NULL;
			end = body + off;
		}
	}
	if (!root) {
		off = end && end >= body && end <= body + len ? (size_t)(end - body) : 0;
		if (nested_too_deep(body, off < len ? off + 1 : len)) {
			snprintf(msg, msglen, "JSON nested deeper than %d levels (the parser's limit)",
				 CJSON_NESTING_LIMIT);
			return JSONCOND_NOT_JSON;
		}
		snprintf(msg, msglen, "body is not JSON: parse error at byte %zu of %zu near '%.*s'",
			 off, len, (int)(len - off < 20 ? len - off : 20), body + off);
		return JSONCOND_NOT_JSON;
	}
	for (i = 0; i < n; i++) {
		if (!eval_one(&conds[i], root, msg, msglen)) {
			out = JSONCOND_FAIL;
			break;
		}
	}
	cJSON_Delete(root);
	return out;
}
