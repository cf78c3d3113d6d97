/*
 * config_notify: the [notify:NAME] sections of a config (struct notifier).
 * Their keys are rows of NOTIFIER_FIELDS (config_fields.h) and parse with
 * the endpoint keys' parsers; what is checked here is what depends on the
 * section as a whole: a type, the keys that type needs (command; url;
 * smtp_url, from and to), keys the type does not take, remind at least
 * 5 minutes. Endpoints name notifiers in `notify`; a name that is no
 * notifier is an error on the line that set it.
 *
 * Secrets (webhook and Alertmanager URLs, headers, passwords) never reach a
 * message whole: notifier_secret shows a URL's scheme and host only.
 */
#include "config_fields.h"
#include "config_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/alert_format.h"

/* A notifier under construction, with where each key was set. */
struct nbuild {
	struct notifier n;
	int line[N_COUNT];
	bool here[N_COUNT];
};

const char *notifier_secret(char *buf, size_t n, const char *value)
{
	const char *p = value ? strstr(value, "://") : NULL;
	size_t host;

	if (!value) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
	if (p) {
		p += 3;
		host = strcspn(p, "/?#");
		/* userinfo is a secret too */
		if (memchr(p, '@', host)) {
			const char *at = memchr(p, '@', host);

			host -= (size_t)(at + 1 - p);
			p = at + 1;
		}
		snprintf(buf, n, "%.*s%.*s/\xe2\x80\xa6", (int)(strstr(value, "://") + 3 - value), value,
			 (int)host, p);
		return buf;
	}
	/* "Authorization: Bearer x" -> "Authorization: …"; a password -> "…" */
	p = strchr(value, ':');
	if (p && p > value && strcspn(value, " \t") > (size_t)(p - value))
		snprintf(buf, n, "%.*s: \xe2\x80\xa6", (int)(p - value), value);
	else
		snprintf(buf, n, "\xe2\x80\xa6");
	return buf;
}

const struct notifier *config_notifier(const struct config *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_notifiers; i++)
		if (!strcmp(c->notifiers[i].name, name))
			return &c->notifiers[i];
	return NULL;
}

static void unknown_notifier_key(struct loader *ld, const char *section, const struct rawkv *kv)
{
	const char *best = NULL;
	int best_d = 255;

	for (size_t i = 0; i < N_COUNT; i++) {
		int d = util_edit_distance(kv->key, notifier_fields[i].key.name);

		if (d < best_d) {
			best_d = d;
			best = notifier_fields[i].key.name;
		}
	}
	if (best && best_d <= 2 && (size_t)best_d < strlen(kv->key))
		config_err_add(ld, kv->line, section, kv->key, "unknown notifier key (did you mean '%s'?)", best);
	else
		config_err_add(ld, kv->line, section, kv->key,
			       "unknown notifier key (config/endpoints.ini lists every key)");
}

static void notifier_apply(struct loader *ld, struct nbuild *nb, const char *section, const struct rawkv *kv)
{
	const struct config_field *f = notifier_field_find(kv->key);
	struct field_in in = { kv->value, kv->written ? kv->written : kv->value, ld->dir };
	char msg[512];
	size_t id;

	if (!f) {
		unknown_notifier_key(ld, section, kv);
		return;
	}
	id = (size_t)(f - notifier_fields);
	if (!(f->key.flags & KF_LIST) && nb->here[id]) {
		config_err_add(ld, kv->line, section, kv->key, "set twice in this section (first at line %d)",
			       nb->line[id]);
		return;
	}
	if ((f->key.flags & KF_LIST) && !nb->here[id])
		config_field_clear(f, &nb->n);
	nb->here[id] = true;
	nb->line[id] = kv->line;
	if (kv->bad || ((f->key.flags & KF_LIST) && !*kv->value))
		return;
	if (config_field_parse(f, &nb->n, &in, msg, sizeof(msg)))
		config_err_add(ld, kv->line, section, kv->key, "%s", msg);
}

/* A key the type needs: missing is an error on the section's line. */
static void need(struct loader *ld, const struct nbuild *nb, const char *section, enum notifier_key_id k,
		 const char *example)
{
	if (!nb->here[k])
		config_err_add(ld, nb->n.line, section, notifier_fields[k].key.name,
			       "missing: type %s needs %s", notifier_type_name(nb->n.type), example);
}

/* What depends on the whole section: the type, the keys it needs and takes. */
static void notifier_check(struct loader *ld, const struct nbuild *nb, const char *section)
{
	const struct notifier *n = &nb->n;
	char why[256];

	if (!nb->here[N_type]) {
		config_err_add(ld, n->line, section, "type",
			       "missing: type = command, webhook, alertmanager or email");
		return;
	}
	if (n->type < 0)
		return; /* a bad type is reported already; what it needs is unknown */
	for (size_t k = 0; k < N_COUNT; k++)
		if (nb->here[k] && !(notifier_fields[k].types & (1u << n->type)))
			config_err_add(ld, nb->line[k], section, notifier_fields[k].key.name,
				       "type %s does not take %s", notifier_type_name(n->type),
				       notifier_fields[k].key.name);
	switch (n->type) {
	case NOTIFIER_COMMAND:
		need(ld, nb, section, N_command, "command = /path/to/program arg...");
		break;
	case NOTIFIER_WEBHOOK:
		need(ld, nb, section, N_url, "url = https://...");
		if (n->urls.n > 1)
			config_err_add(ld, nb->line[N_url], section, "url",
				       "a webhook notifier posts to one url (make one notifier per receiver)");
		if (n->format == NFMT_TEMPLATE && !n->body)
			config_err_add(ld, nb->here[N_format] ? nb->line[N_format] : n->line, section, "body",
				       "missing: format = template needs body = ...");
		else if (n->format == NFMT_TEMPLATE && alert_template_check(n->body, why, sizeof(why)) != 0)
			config_err_add(ld, nb->line[N_body], section, "body", "%s", why);
		break;
	case NOTIFIER_ALERTMANAGER:
		need(ld, nb, section, N_url, "url = http://HOST:9093 (one per cluster member)");
		break;
	case NOTIFIER_EMAIL:
		need(ld, nb, section, N_smtp_url, "smtp_url = smtp://HOST:25 or smtps://HOST:465");
		need(ld, nb, section, N_from, "from = httpsmon@example.com");
		need(ld, nb, section, N_to, "to = oncall@example.com");
		if (nb->here[N_user] != nb->here[N_password])
			config_err_add(ld, nb->line[nb->here[N_user] ? N_user : N_password], section,
				       nb->here[N_user] ? "user" : "password",
				       "user and password go together: set both or neither");
		break;
	}
	if (n->remind_ms && n->remind_ms < NOTIFIER_REMIND_MIN_MS)
		config_err_add(ld, nb->line[N_remind], section, "remind",
			       "at least 5m (a reminder more often than that is noise), or off");
}

void config_notifiers_build(struct loader *ld, struct config *cfg)
{
	size_t plen = strlen(CONFIG_NOTIFY_PREFIX), count = 0;

	for (size_t i = 0; i < ld->nsecs; i++)
		count += !strncmp(ld->secs[i].name, CONFIG_NOTIFY_PREFIX, plen);
	cfg->notifiers = xcalloc(count ? count : 1, sizeof(*cfg->notifiers));
	for (size_t i = 0; i < ld->nsecs; i++) {
		const struct rawsec *s = &ld->secs[i];
		struct nbuild nb;
		bool dup = false;

		if (strncmp(s->name, CONFIG_NOTIFY_PREFIX, plen) != 0)
			continue;
		if (!s->name[plen]) {
			config_err_add(ld, s->line, s->name, NULL, "a notifier needs a name: [notify:NAME]");
			continue;
		}
		for (size_t j = 0; j < cfg->n_notifiers && !dup; j++) {
			if (!strcmp(cfg->notifiers[j].name, s->name + plen)) {
				config_err_add(ld, s->line, s->name, NULL, "duplicate notifier (first defined at line %d)",
					       cfg->notifiers[j].line);
				dup = true;
			}
		}
		if (dup)
			continue;
		memset(&nb, 0, sizeof(nb));
		notifier_defaults(&nb.n, s->name + plen, s->line);
		for (size_t j = 0; j < s->n; j++) {
			ld->cur_kv = &s->kv[j];
			notifier_apply(ld, &nb, s->name, &s->kv[j]);
			ld->cur_kv = NULL;
		}
		notifier_check(ld, &nb, s->name);
		cfg->notifiers[cfg->n_notifiers++] = nb.n;
	}
}

void config_notify_names_check(struct loader *ld, const struct config *cfg, const struct endpoint *e,
			       const char *section, int line)
{
	for (size_t i = 0; i < e->notify.n; i++) {
		if (config_notifier(cfg, e->notify.v[i]))
			continue;
		if (cfg->n_notifiers)
			config_err_add(ld, line, section, "notify", "unknown notifier '%s' (defined: %s%s)",
				       e->notify.v[i], cfg->notifiers[0].name, cfg->n_notifiers > 1 ? ", ..." : "");
		else
			config_err_add(ld, line, section, "notify",
				       "unknown notifier '%s': define it in a [notify:%s] section", e->notify.v[i],
				       e->notify.v[i]);
	}
}

/* "json", ...: the format's name for a description. */
static const char *format_name(int f)
{
	static const char *const names[] = { "json", "slack", "alertmanager", "template" };

	return f >= 0 && f < 4 ? names[f] : "?";
}

const char *notifier_describe(const struct notifier *n, char *buf, size_t len)
{
	struct strbuf b = { 0 };
	char sec[160];

	strbuf_printf(&b, "%s", notifier_type_name(n->type));
	switch (n->type) {
	case NOTIFIER_COMMAND: {
		/* the program only: arguments may carry tokens */
		size_t prog = strcspn(n->command ? n->command : "", " ");

		strbuf_printf(&b, " %.*s%s", (int)prog, n->command ? n->command : "",
			      n->command && n->command[prog] ? " \xe2\x80\xa6" : "");
		break;
	}
	case NOTIFIER_WEBHOOK:
	case NOTIFIER_ALERTMANAGER:
		for (size_t i = 0; i < n->urls.n; i++)
			strbuf_printf(&b, "%s%s", i ? ", " : " ", notifier_secret(sec, sizeof(sec), n->urls.v[i]));
		if (n->type == NOTIFIER_WEBHOOK)
			strbuf_printf(&b, " (%s)", format_name(n->format));
		break;
	case NOTIFIER_EMAIL:
		strbuf_printf(&b, " %s to %zu recipient%s", n->smtp_url ? n->smtp_url : "", n->to.n,
			      n->to.n == 1 ? "" : "s");
		break;
	}
	strbuf_puts(&b, "; on");
	for (int k = 0; k < ALERT_KIND_COUNT; k++)
		if ((n->on & (1u << k)) && k != ALERT_WARN_END)
			strbuf_printf(&b, " %s", alert_kind_name((enum alert_kind)k));
	if (n->type != NOTIFIER_ALERTMANAGER) {
		util_fmt_duration_us(sec, sizeof(sec), n->group_wait_ms * 1000);
		strbuf_printf(&b, "; group_wait %s", sec);
		if (n->remind_ms) {
			util_fmt_duration_us(sec, sizeof(sec), n->remind_ms * 1000);
			strbuf_printf(&b, "; remind %s", sec);
		}
	}
	snprintf(buf, len, "%s", strbuf_cstr(&b));
	strbuf_done(&b);
	return buf;
}
