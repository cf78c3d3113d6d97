/*
 * alert_format: every payload an alert can take (include/httpsmon/alert_format.h):
 * the human text, the json/slack/template webhook bodies, the two
 * Alertmanager bodies (API v2 and the webhook envelope) and the email.
 *
 * One rule throughout: every string of an alert is cleaned once by clean()
 * (util_sanitize: control characters and malformed UTF-8 become visible
 * escapes, URLs redacted) before it goes anywhere, so cJSON only ever sees
 * valid UTF-8 and no raw control character reaches a chat room or a mail
 * header.
 */
#include "httpsmon/alert_format.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/util.h"

#define CLEAN_MAX 2048 /* a 512-byte message in \xNN escapes fits */

/* Per kind: how people and Alertmanager name it. */
static const struct kind_text {
	const char *verb;      /* one alert: "api is DOWN" */
	const char *head;      /* a group: "12 endpoints DOWN" */
	const char *word;      /* email subject: "[httpsmon] DOWN ..." */
	const char *alertname; /* Alertmanager */
	const char *severity;  /* Alertmanager; cert_expiring: critical when a->critical */
} kinds[ALERT_KIND_COUNT] = {
	[ALERT_DOWN] = { "is DOWN", "endpoints DOWN", "DOWN", "HttpsmonEndpointDown", "critical" },
	[ALERT_UP] = { "is UP again", "endpoints UP again", "UP", "HttpsmonEndpointDown", "critical" },
	[ALERT_WARN] = { "is WARN", "endpoints WARN", "WARN", "HttpsmonEndpointWarn", "warning" },
	[ALERT_WARN_END] = { "is no longer WARN", "endpoints no longer WARN", "WARN ended",
			     "HttpsmonEndpointWarn", "warning" },
	[ALERT_CERT_EXPIRING] = { "certificate expiring", "certificates expiring", "CERT EXPIRING",
				  "HttpsmonCertExpiring", "warning" },
	[ALERT_CERT_CHANGED] = { "certificate changed", "certificates changed", "CERT CHANGED",
				 "HttpsmonCertChanged", "warning" },
	[ALERT_REMINDER] = { "is still DOWN", "endpoints still DOWN", "STILL DOWN", "HttpsmonEndpointDown",
			     "critical" },
	[ALERT_TEST] = { "test alert", "test alerts", "TEST", "HttpsmonTest", "none" },
	[ALERT_LOCAL_NETWORK] = { "local network down", "local network alerts", "LOCAL NETWORK",
				  "HttpsmonLocalNetwork", "critical" },
};

static const struct kind_text *kind_text(enum alert_kind k)
{
	return &kinds[(unsigned)k < ALERT_KIND_COUNT ? k : ALERT_TEST];
}

const char *alert_am_alertname(enum alert_kind k)
{
	return kind_text(k)->alertname;
}

bool alert_is_resolved(const struct alert *a)
{
	return a->kind == ALERT_UP || a->kind == ALERT_WARN_END;
}

/* The string built in b, handed to the caller (b is left empty). */
static char *take(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

/* The cleaned copy of an untrusted string; NULL gives "". */
static const char *clean(const char *s, char *out)
{
	return util_sanitize(s, s ? strlen(s) : 0, out, CLEAN_MAX);
}

/* The cleaned, redacted URL. */
static const char *clean_url(const char *url, char *out)
{
	char red[CLEAN_MAX];

	util_url_redact(url, red, sizeof(red));
	return clean(red, out);
}

static void iso(char *buf, size_t n, int64_t unix_s)
{
	util_fmt_time_utc(buf, n, unix_s);
}

static void dur(char *buf, size_t n, int64_t s)
{
	util_fmt_duration_us(buf, n, s * 1000000);
}

/* ": reason: message", each part only when present. */
static void put_reason(struct strbuf *b, const struct alert *a)
{
	char c[CLEAN_MAX];

	if (a->reason && *a->reason)
		strbuf_printf(b, ": %s", clean(a->reason, c));
	if (a->message && *a->message)
		strbuf_printf(b, ": %s", clean(a->message, c));
}

/* One alert as one line (no newline); with_name: starts with the endpoint. */
static void alert_line(struct strbuf *b, const struct alert *a, bool with_name)
{
	char c[CLEAN_MAX], d[32];

	if (with_name)
		strbuf_printf(b, "%s ", clean(a->endpoint ? a->endpoint : "?", c));
	strbuf_puts(b, kind_text(a->kind)->verb);
	switch (a->kind) {
	case ALERT_UP:
	case ALERT_WARN_END:
		if (a->duration_s >= 0)
			strbuf_printf(b, " after %s", (dur(d, sizeof(d), a->duration_s), d));
		if (a->failed_probes > 0)
			strbuf_printf(b, " (%d failed probe%s)", a->failed_probes, a->failed_probes == 1 ? "" : "s");
		break;
	case ALERT_REMINDER:
		if (a->duration_s >= 0)
			strbuf_printf(b, " after %s", (dur(d, sizeof(d), a->duration_s), d));
		put_reason(b, a);
		break;
	case ALERT_CERT_EXPIRING:
		if (a->has_days_left)
			strbuf_printf(b, " (%s)", util_fmt_days(d, sizeof(d), a->days_left));
		if (a->message && *a->message)
			strbuf_printf(b, ": %s", clean(a->message, c));
		break;
	default:
		put_reason(b, a);
	}
}

/* Reasons of a group by count, most first: "dns (9), refused (3)". */
static void reason_counts(struct strbuf *b, const struct alert_group *g)
{
	const char **names = xcalloc(g->n + 1, sizeof(*names));
	size_t *counts = xcalloc(g->n + 1, sizeof(*counts));
	size_t nn = 0;
	char c[CLEAN_MAX];

	for (size_t i = 0; i < g->n; i++) {
		const char *r = g->v[i].reason;
		size_t j;

		if (!r || !*r)
			continue;
		for (j = 0; j < nn && strcmp(names[j], r) != 0; j++)
			;
		if (j == nn)
			names[nn++] = r;
		counts[j]++;
	}
	for (size_t k = 0; k < nn; k++) {
		size_t best = 0;

		for (size_t j = 1; j < nn; j++)
			if (counts[j] > counts[best] ||
			    (counts[j] == counts[best] && strcmp(names[j], names[best]) < 0))
				best = j;
		strbuf_printf(b, "%s%s (%zu)", k ? ", " : ": ", clean(names[best], c), counts[best]);
		counts[best] = 0; /* taken: never the best again */
		names[best] = "\xff";
	}
	free(names);
	free(counts);
}

char *alert_format_text(const struct alert_group *g)
{
	struct strbuf b = { 0 };
	char c[CLEAN_MAX];

	if (g->n == 1) {
		alert_line(&b, &g->v[0], true);
		strbuf_puts(&b, "\n");
	} else {
		strbuf_printf(&b, "%zu %s", g->n, kind_text(g->kind)->head);
		reason_counts(&b, g);
		strbuf_puts(&b, "\n");
		for (size_t i = 0; i < g->n; i++) {
			strbuf_printf(&b, "- %s", clean(g->v[i].endpoint ? g->v[i].endpoint : "?", c));
			if (g->v[i].kind == ALERT_UP || g->v[i].kind == ALERT_WARN_END ||
			    g->v[i].kind == ALERT_CERT_EXPIRING) {
				strbuf_puts(&b, ": ");
				alert_line(&b, &g->v[i], false);
			} else {
				put_reason(&b, &g->v[i]);
			}
			strbuf_puts(&b, "\n");
		}
	}
	return take(&b);
}

/* Adds key = cleaned s, or null when s is NULL. */
static void add_str(cJSON *o, const char *key, const char *s)
{
	char c[CLEAN_MAX];

	if (s)
		cJSON_AddStringToObject(o, key, clean(s, c));
	else
		cJSON_AddNullToObject(o, key);
}

static void add_time(cJSON *o, const char *key, int64_t unix_s)
{
	char t[32];

	if (unix_s > 0)
		cJSON_AddStringToObject(o, key, (iso(t, sizeof(t), unix_s), t));
	else
		cJSON_AddNullToObject(o, key);
}

/* Prints and frees j. */
static char *print_free(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	if (!s)
		abort(); /* cJSON fails only when out of memory, as xmalloc would */
	return s;
}

char *alert_format_json(const struct alert_group *g)
{
	cJSON *j = cJSON_CreateObject(), *arr;
	char c[CLEAN_MAX];
	char *text = alert_format_text(g);

	cJSON_AddStringToObject(j, "kind", alert_kind_name(g->kind));
	add_time(j, "time", g->time_s);
	arr = cJSON_AddArrayToObject(j, "alerts");
	for (size_t i = 0; i < g->n; i++) {
		const struct alert *a = &g->v[i];
		cJSON *o = cJSON_CreateObject();

		add_str(o, "endpoint", a->endpoint);
		if (a->url)
			cJSON_AddStringToObject(o, "url", clean_url(a->url, c));
		else
			cJSON_AddNullToObject(o, "url");
		add_str(o, "state", a->state);
		add_str(o, "reason", a->reason);
		add_str(o, "message", a->message);
		add_time(o, "since", a->since_s);
		if (a->duration_s >= 0)
			cJSON_AddNumberToObject(o, "duration_s", (double)a->duration_s);
		else
			cJSON_AddNullToObject(o, "duration_s");
		if (a->has_days_left)
			cJSON_AddNumberToObject(o, "days_left", a->days_left);
		else
			cJSON_AddNullToObject(o, "days_left");
		cJSON_AddNumberToObject(o, "failed_probes", a->failed_probes);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddStringToObject(j, "text", text);
	free(text);
	return print_free(j);
}

char *alert_format_slack(const struct alert_group *g)
{
	cJSON *j = cJSON_CreateObject();
	char *text = alert_format_text(g);

	cJSON_AddStringToObject(j, "text", text);
	free(text);
	return print_free(j);
}

static const char *const placeholders[] = { "endpoint", "url",      "state", "reason", "message",
					    "since",    "duration", "kind",  "text" };
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* Length of the placeholder name at s (just after '{'), when s holds
 * [a-z_]+ '}'; 0 otherwise. */
static size_t placeholder_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_')
		n++;
	return n && s[n] == '}' ? n : 0;
}

static int placeholder_find(const char *s, size_t n)
{
	for (size_t i = 0; i < NPLACEHOLDERS; i++)
		if (strlen(placeholders[i]) == n && memcmp(placeholders[i], s, n) == 0)
			return (int)i;
	return -1;
}

int alert_template_check(const char *tmpl, char *err, size_t errlen)
{
	for (const char *p = tmpl; p && (p = strchr(p, '{')); p++) {
		size_t n = placeholder_len(p + 1);

		if (n && placeholder_find(p + 1, n) < 0) {
			snprintf(err, errlen,
				 "unknown placeholder {%.*s} (known: {endpoint} {url} {state} {reason} "
				 "{message} {since} {duration} {kind} {text})",
				 (int)n, p + 1);
			return -1;
		}
	}
	return 0;
}

/* The value of placeholder i for group g (cleaned), into out. */
static const char *placeholder_value(const struct alert_group *g, int i, const char *text, char *out)
{
	static const struct alert none = { .duration_s = -1 };
	const struct alert *a = g->n ? &g->v[0] : &none;

	switch (i) {
	case 0: return clean(a->endpoint, out);
	case 1: return clean_url(a->url, out);
	case 2: return clean(a->state, out);
	case 3: return clean(a->reason, out);
	case 4: return clean(a->message, out);
	case 5:
		if (a->since_s > 0)
			iso(out, CLEAN_MAX, a->since_s);
		else
			out[0] = '\0';
		return out;
	case 6:
		if (a->duration_s >= 0)
			dur(out, CLEAN_MAX, a->duration_s);
		else
			out[0] = '\0';
		return out;
	case 7: return alert_kind_name(g->kind);
	default: return text;
	}
}

char *alert_format_template(const struct alert_group *g, const char *tmpl, bool json_escape)
{
	struct strbuf b = { 0 }, e = { 0 };
	char *text = alert_format_text(g);
	char out[CLEAN_MAX];
	const char *p = tmpl ? tmpl : "";

	while (*p) {
		const char *brace = strchr(p, '{');
		size_t n;
		int i;

		if (!brace) {
			strbuf_puts(&b, p);
			break;
		}
		strbuf_append(&b, p, (size_t)(brace - p));
		n = placeholder_len(brace + 1);
		i = n ? placeholder_find(brace + 1, n) : -1;
		if (i < 0) {
			strbuf_puts(&b, "{");
			p = brace + 1;
			continue;
		}
		const char *v = placeholder_value(g, i, text, out);
		if (json_escape) {
			strbuf_reset(&e);
			strbuf_json_str(&e, v);
			strbuf_append(&b, e.s + 1, e.len - 2); /* without the quotes */
		} else {
			strbuf_puts(&b, v);
		}
		p = brace + 1 + n + 1;
	}
	free(text);
	strbuf_done(&e);
	return take(&b);
}

/* Alertmanager: an alert's labels, sorted by name (the fingerprint hashes them in order). */
#define MAX_LABELS 64
struct labels {
	char name[MAX_LABELS][96];
	char value[MAX_LABELS][CLEAN_MAX];
	size_t n;
};

static void label_add(struct labels *l, const char *name, const char *value)
{
	if (l->n == MAX_LABELS || !value || !*value)
		return; /* an empty label value is the same as no label to Alertmanager */
	snprintf(l->name[l->n], sizeof(l->name[0]), "%s", name);
	clean(value, l->value[l->n]);
	l->n++;
}

static int label_cmp(const struct labels *l, size_t a, size_t b)
{
	return strcmp(l->name[a], l->name[b]);
}

/* Label name of a tag: tag_ + the tag with every character outside [A-Za-z0-9_] as '_'. */
static void tag_label(const char *tag, char *out, size_t n)
{
	size_t i = 0, len = (size_t)snprintf(out, n, "tag_%s", tag);

	for (i = 4; i < len && i < n; i++) {
		char ch = out[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
			out[i] = '_';
	}
}

static void alert_labels(const struct alert *a, const char *instance, struct labels *l)
{
	const struct kind_text *kt = kind_text(a->kind);
	size_t order[MAX_LABELS];
	struct labels tmp;

	l->n = 0;
	label_add(l, "alertname", kt->alertname);
	label_add(l, "endpoint", a->endpoint);
	label_add(l, "reason", a->reason);
	label_add(l, "severity", a->kind == ALERT_CERT_EXPIRING && a->critical ? "critical" : kt->severity);
	label_add(l, "instance", instance);
	for (size_t i = 0; i < a->tags.n; i++) {
		char name[96];

		tag_label(a->tags.v[i], name, sizeof(name));
		label_add(l, name, "true");
	}
	/* insertion sort of indices: a few labels */
	for (size_t i = 0; i < l->n; i++) {
		size_t j = i;

		while (j > 0 && label_cmp(l, order[j - 1], i) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	tmp = *l;
	for (size_t i = 0; i < l->n; i++) {
		memcpy(l->name[i], tmp.name[order[i]], sizeof(l->name[0]));
		memcpy(l->value[i], tmp.value[order[i]], sizeof(l->value[0]));
	}
}

static cJSON *labels_json(const struct labels *l)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < l->n; i++)
		if (!cJSON_GetObjectItemCaseSensitive(o, l->name[i])) /* two tags cleaned to one name */
			cJSON_AddStringToObject(o, l->name[i], l->value[i]);
	return o;
}

static uint64_t labels_fingerprint(const struct labels *l)
{
	struct strbuf b = { 0 };
	uint64_t h;

	for (size_t i = 0; i < l->n; i++) {
		strbuf_puts(&b, l->name[i]);
		strbuf_append(&b, "\xff", 1);
		strbuf_puts(&b, l->value[i]);
		strbuf_append(&b, "\xff", 1);
	}
	h = hash_bytes(b.s, b.len);
	strbuf_done(&b);
	return h;
}

static cJSON *alert_annotations(const struct alert *a)
{
	cJSON *o = cJSON_CreateObject();
	struct strbuf b = { 0 };
	char c[CLEAN_MAX];

	alert_line(&b, a, true);
	cJSON_AddStringToObject(o, "summary", strbuf_cstr(&b));
	strbuf_done(&b);
	if (a->message && *a->message)
		cJSON_AddStringToObject(o, "description", clean(a->message, c));
	if (a->url && *a->url)
		cJSON_AddStringToObject(o, "url", clean_url(a->url, c));
	return o;
}

/* startsAt: the outage's start, else when the alert was raised. */
static int64_t starts_at(const struct alert *a)
{
	return a->since_s > 0 ? a->since_s : a->time_s;
}

char *alert_format_am_v2(const struct alert *v, size_t n, const char *instance, int64_t firing_ends_s)
{
	cJSON *arr = cJSON_CreateArray();
	struct labels *l = xmalloc(sizeof(*l));

	for (size_t i = 0; i < n; i++) {
		const struct alert *a = &v[i];
		cJSON *o = cJSON_CreateObject();
		int64_t ends = a->end_s > 0 ? a->end_s : firing_ends_s;

		alert_labels(a, instance, l);
		cJSON_AddItemToObject(o, "labels", labels_json(l));
		cJSON_AddItemToObject(o, "annotations", alert_annotations(a));
		add_time(o, "startsAt", starts_at(a));
		add_time(o, "endsAt", ends);
		cJSON_AddItemToArray(arr, o);
	}
	free(l);
	return print_free(arr);
}

/* Keeps in common only the members of common that o has with the same value. */
static void intersect(cJSON *common, const cJSON *o)
{
	cJSON *it = common->child;

	while (it) {
		cJSON *next = it->next;
		const cJSON *other = cJSON_GetObjectItemCaseSensitive(o, it->string);

		if (!other || !cJSON_Compare(it, other, true))
			cJSON_DeleteItemFromObjectCaseSensitive(common, it->string);
		it = next;
	}
}

char *alert_format_am_webhook(const struct alert_group *g, const char *receiver, const char *instance)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *cl = NULL, *ca = NULL, *gl;
	struct labels *l = xmalloc(sizeof(*l));
	bool all_resolved = g->n > 0;
	char key[256];

	for (size_t i = 0; i < g->n; i++) {
		const struct alert *a = &g->v[i];
		cJSON *o = cJSON_CreateObject(), *lj, *aj;
		bool resolved = alert_is_resolved(a);
		char fp[32];

		all_resolved = all_resolved && resolved;
		alert_labels(a, instance, l);
		cJSON_AddStringToObject(o, "status", resolved ? "resolved" : "firing");
		cJSON_AddItemToObject(o, "labels", lj = labels_json(l));
		cJSON_AddItemToObject(o, "annotations", aj = alert_annotations(a));
		add_time(o, "startsAt", starts_at(a));
		if (resolved && a->end_s > 0)
			add_time(o, "endsAt", a->end_s);
		else
			cJSON_AddStringToObject(o, "endsAt", "0001-01-01T00:00:00Z");
		cJSON_AddStringToObject(o, "generatorURL", "");
		snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)labels_fingerprint(l));
		cJSON_AddStringToObject(o, "fingerprint", fp);
		if (!cl) {
			cl = cJSON_Duplicate(lj, true);
			ca = cJSON_Duplicate(aj, true);
		} else {
			intersect(cl, lj);
			intersect(ca, aj);
		}
		cJSON_AddItemToArray(arr, o);
	}
	free(l);
	snprintf(key, sizeof(key), "{}:{alertname=\"%s\"}", alert_am_alertname(g->kind));
	cJSON_AddStringToObject(j, "version", "4");
	cJSON_AddStringToObject(j, "groupKey", key);
	cJSON_AddNumberToObject(j, "truncatedAlerts", 0);
	cJSON_AddStringToObject(j, "status", all_resolved ? "resolved" : "firing");
	add_str(j, "receiver", receiver ? receiver : "");
	gl = cJSON_AddObjectToObject(j, "groupLabels");
	cJSON_AddStringToObject(gl, "alertname", alert_am_alertname(g->kind));
	cJSON_AddItemToObject(j, "commonLabels", cl ? cl : cJSON_CreateObject());
	cJSON_AddItemToObject(j, "commonAnnotations", ca ? ca : cJSON_CreateObject());
	cJSON_AddStringToObject(j, "externalURL", "");
	cJSON_AddItemToObject(j, "alerts", arr);
	return print_free(j);
}
