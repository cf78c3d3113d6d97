/*
 * config_table: what is done to every field of an endpoint, a notifier or
 * the globals, as loops over the key tables of config_fields.h: defaults,
 * free, deep copy and comparison. A new key needs nothing here unless its
 * type stores its value in a new way (enum field_kind). The parsers and the
 * tables themselves are config_fields.c's.
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

#include "httpsmon/util.h"

static void field_default(const struct config_field *f, void *obj)
{
	struct field_in in = { f->def_s, f->def_s, NULL };
	char msg[256];

	switch (f->type->kind) {
	case FK_I64:
		*(int64_t *)field_at(obj, f->off) = f->def;
		break;
	case FK_INT:
		*(int *)field_at(obj, f->off) = (int)f->def;
		break;
	case FK_BOOL:
		*(bool *)field_at(obj, f->off) = f->def != 0;
		break;
	default:
		/* a text default is read as the file's would be; the table is ours, so
		 * one that does not parse is a bug in this file */
		if (f->def_s && config_field_parse(f, obj, &in, msg, sizeof(msg))) {
			fprintf(stderr, "httpsmon: default of %s: %s\n", f->key.name, msg);
			abort();
		}
		break;
	}
}

void endpoint_defaults(struct endpoint *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < K_COUNT; i++)
		if (!(config_fields[i].key.flags & KF_GLOBAL))
			field_default(&config_fields[i], e);
}

void config_globals_defaults(struct config *c)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (config_fields[i].key.flags & KF_GLOBAL)
			field_default(&config_fields[i], c);
}

void config_globals_done(struct config *c)
{
	for (size_t i = 0; i < K_COUNT; i++)
		if (config_fields[i].key.flags & KF_GLOBAL)
			config_field_clear(&config_fields[i], c);
}

void notifier_defaults(struct notifier *n, const char *name, int line)
{
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < N_COUNT; i++)
		field_default(&notifier_fields[i], n);
	n->name = xstrdup(name);
	n->line = line;
}

void notifier_done(struct notifier *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < N_COUNT; i++)
		config_field_clear(&notifier_fields[i], n);
	free(n->name);
	memset(n, 0, sizeof(*n));
}

void config_field_clear(const struct config_field *f, void *obj)
{
	size_t i, *n = field_at(obj, f->aux);

	switch (f->type->kind) {
	case FK_STR:
		free(*(char **)field_at(obj, f->off));
		*(char **)field_at(obj, f->off) = NULL;
		break;
	case FK_LIST:
		strlist_done(field_at(obj, f->off));
		memset(field_at(obj, f->off), 0, sizeof(struct strlist));
		break;
	case FK_STATUS:
		free(*(struct status_range **)field_at(obj, f->off));
		*(struct status_range **)field_at(obj, f->off) = NULL;
		*n = 0;
		break;
	case FK_JSON:
		for (i = 0; i < *n; i++)
			jsoncond_done(&(*(struct json_cond **)field_at(obj, f->off))[i]);
		free(*(struct json_cond **)field_at(obj, f->off));
		*(struct json_cond **)field_at(obj, f->off) = NULL;
		*n = 0;
		break;
	case FK_REGEX:
		free(*(char **)field_at(obj, f->off));
		*(char **)field_at(obj, f->off) = NULL;
		rx_free(*(struct rx **)field_at(obj, f->aux));
		*(struct rx **)field_at(obj, f->aux) = NULL;
		break;
	case FK_I64:
	case FK_INT:
	case FK_BOOL:
		break;
	}
}

void endpoint_done(struct endpoint *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < K_COUNT; i++)
		if (!(config_fields[i].key.flags & KF_GLOBAL))
			config_field_clear(&config_fields[i], e);
	free(e->name);
	free(e->host);
	memset(e, 0, sizeof(*e));
}

/* dst already holds src's bytes (a shallow copy): replaces what it shares by copies. */
static void field_copy(const struct config_field *f, void *dst, const void *src)
{
	size_t i, n = f->type->kind == FK_STATUS || f->type->kind == FK_JSON
			      ? *(const size_t *)field_cat(src, f->aux) : 0;

	switch (f->type->kind) {
	case FK_STR:
		*(char **)field_at(dst, f->off) = xstrdup(*(char *const *)field_cat(src, f->off));
		break;
	case FK_LIST:
		memset(field_at(dst, f->off), 0, sizeof(struct strlist));
		strlist_copy(field_at(dst, f->off), field_cat(src, f->off));
		break;
	case FK_STATUS: {
		struct status_range **d = field_at(dst, f->off);

		*d = n ? xmalloc(n * sizeof(**d)) : NULL;
		if (n)
			memcpy(*d, *(struct status_range *const *)field_cat(src, f->off), n * sizeof(**d));
		break;
	}
	case FK_JSON: {
		struct json_cond **d = field_at(dst, f->off);

		*d = n ? xmalloc(n * sizeof(**d)) : NULL;
		for (i = 0; i < n; i++)
			jsoncond_copy(&(*d)[i], &(*(struct json_cond *const *)field_cat(src, f->off))[i]);
		break;
	}
	case FK_REGEX:
		*(char **)field_at(dst, f->off) = xstrdup(*(char *const *)field_cat(src, f->off));
		*(struct rx **)field_at(dst, f->aux) = rx_copy(*(struct rx *const *)field_cat(src, f->aux));
		break;
	case FK_I64:
	case FK_INT:
	case FK_BOOL:
		break;
	}
}

void endpoint_copy(struct endpoint *dst, const struct endpoint *src)
{
	size_t i;

	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->host = xstrdup(src->host);
	for (i = 0; i < K_COUNT; i++)
		if (!(config_fields[i].key.flags & KF_GLOBAL))
			field_copy(&config_fields[i], dst, src);
}

static bool field_equal(const struct config_field *f, const void *a, const void *b)
{
	const void *x = field_cat(a, f->off), *y = field_cat(b, f->off);
	size_t i, n = f->type->kind == FK_STATUS || f->type->kind == FK_JSON
			      ? *(const size_t *)field_cat(a, f->aux) : 0;

	switch (f->type->kind) {
	case FK_I64:
		return *(const int64_t *)x == *(const int64_t *)y;
	case FK_INT:
		return *(const int *)x == *(const int *)y;
	case FK_BOOL:
		return *(const bool *)x == *(const bool *)y;
	case FK_STR:
	case FK_REGEX: /* the compiled regex follows from its source */
		return field_str_eq(*(char *const *)x, *(char *const *)y);
	case FK_LIST:
		return strlist_equal(x, y);
	case FK_STATUS:
		if (n != *(const size_t *)field_cat(b, f->aux))
			return false;
		for (i = 0; i < n; i++)
			if ((*(struct status_range *const *)x)[i].lo !=
				    (*(struct status_range *const *)y)[i].lo ||
			    (*(struct status_range *const *)x)[i].hi !=
				    (*(struct status_range *const *)y)[i].hi)
				return false;
		return true;
	case FK_JSON:
		if (n != *(const size_t *)field_cat(b, f->aux))
			return false;
		for (i = 0; i < n; i++)
			if (!field_str_eq((*(struct json_cond *const *)x)[i].text,
				    (*(struct json_cond *const *)y)[i].text))
				return false;
		return true;
	}
	return false;
}

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	size_t i;

	if (!field_str_eq(a->name, b->name))
		return false;
	for (i = 0; i < K_COUNT; i++)
		if (!(config_fields[i].key.flags & KF_GLOBAL) &&
		    !field_equal(&config_fields[i], a, b))
			return false;
	return true;
}

int endpoint_set(struct endpoint *e, const char *key, const char *value, char *err, size_t n)
{
	const struct config_field *f = config_field_find(key);
	struct field_in in = { value, value, NULL };

	if (!f || (f->key.flags & KF_GLOBAL))
		return config_fail(err, n, "no endpoint key '%s'", key);
	return config_field_parse(f, e, &in, err, n);
}
