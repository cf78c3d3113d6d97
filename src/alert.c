/*
 * alert: the alert record's init/copy/free and the kind name table
 * (include/httpsmon/alert.h). Every string field is owned by its alert;
 * a group owns its alerts.
 */
#include "httpsmon/alert.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[ALERT_KIND_COUNT] = {
	[ALERT_DOWN] = "down",
	[ALERT_UP] = "up",
	[ALERT_WARN] = "warn",
	[ALERT_WARN_END] = "warn_end",
	[ALERT_CERT_EXPIRING] = "cert_expiring",
	[ALERT_CERT_CHANGED] = "cert_changed",
	[ALERT_REMINDER] = "reminder",
	[ALERT_TEST] = "test",
	[ALERT_LOCAL_NETWORK] = "local_network",
};

const char *alert_kind_name(enum alert_kind k)
{
	if ((unsigned)k >= ALERT_KIND_COUNT)
		return "?";
	return kind_names[k];
}

int alert_kind_parse(const char *name, enum alert_kind *k)
{
	for (int i = 0; name && i < ALERT_KIND_COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*k = (enum alert_kind)i;
			return 0;
		}
	}
	return -1;
}

void alert_init(struct alert *a, enum alert_kind k)
{
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->duration_s = -1;
}

void alert_done(struct alert *a)
{
	if (!a)
		return;
	free(a->endpoint);
	free(a->url);
	free(a->state);
	free(a->reason);
	free(a->message);
	free(a->suppressed_why);
	strlist_done(&a->tags);
	alert_init(a, a->kind);
}

void alert_set(char **field, const char *s)
{
	char *copy = xstrdup(s);
	free(*field);
	*field = copy;
}

void alert_copy(struct alert *dst, const struct alert *src)
{
	*dst = *src;
	dst->endpoint = xstrdup(src->endpoint);
	dst->url = xstrdup(src->url);
	dst->state = xstrdup(src->state);
	dst->reason = xstrdup(src->reason);
	dst->message = xstrdup(src->message);
	dst->suppressed_why = xstrdup(src->suppressed_why);
	memset(&dst->tags, 0, sizeof(dst->tags));
	strlist_copy(&dst->tags, &src->tags);
}

void alert_group_init(struct alert_group *g, enum alert_kind k, int64_t time_s)
{
	memset(g, 0, sizeof(*g));
	g->kind = k;
	g->time_s = time_s;
}

static struct alert *group_slot(struct alert_group *g)
{
	g->v = xgrow(g->v, g->n, &g->cap, sizeof(*g->v), 8);
	return &g->v[g->n++];
}

void alert_group_add(struct alert_group *g, const struct alert *a)
{
	alert_copy(group_slot(g), a);
}

void alert_group_take(struct alert_group *g, struct alert *a)
{
	*group_slot(g) = *a;
	alert_init(a, a->kind);
}

void alert_group_done(struct alert_group *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		alert_done(&g->v[i]);
	free(g->v);
	alert_group_init(g, g->kind, g->time_s);
}
