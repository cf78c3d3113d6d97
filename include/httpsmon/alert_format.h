/*
 * alert_format: the payloads of alerts, pure text (core: cJSON, no I/O).
 * Each function takes a group (alerts of one kind sent together) and
 * returns a heap string the caller frees (never NULL).
 *
 * Hostile text: reason and message come from the network. In JSON they are
 * escaped by cJSON; in human text (the "text" field, Slack, email bodies)
 * control characters and malformed UTF-8 become visible escapes through
 * util_sanitize; in email headers CR and LF are removed from every value.
 * Endpoint URLs are shown through util_url_redact (query values and
 * passwords become "…"): alerts go to chat rooms and mailboxes.
 *
 * Times are RFC 3339 / ISO 8601 UTC ("2026-12-02T04:54:17Z").
 */
#ifndef HTTPSMON_ALERT_FORMAT_H
#define HTTPSMON_ALERT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/alert.h"

/*
 * The human text of a group. One alert: one line ("api-prod is DOWN:
 * cert_expired: certificate expired 3 days ago"). Several: a headline
 * ("12 endpoints DOWN: dns (9), refused (3)", reasons by count) and one
 * line per alert ("- api-1: dns: could not resolve host"). Lines end "\n".
 */
char *alert_format_text(const struct alert_group *g);

/* {"kind","time","alerts":[{"endpoint","url","state","reason","message",
 *  "since","duration_s","days_left","failed_probes"}],"text"}; absent
 * values are null. */
char *alert_format_json(const struct alert_group *g);

/* {"text": alert_format_text(g)} (Slack, Mattermost, Rocket.Chat, Discord /slack). */
char *alert_format_slack(const struct alert_group *g);

/*
 * Template placeholders: {endpoint} {url} {state} {reason} {message}
 * {since} {duration} {kind} {text}. A placeholder is '{' lower-case
 * letters/'_' '}'; any other brace is literal, so JSON bodies need no
 * escaping. alert_template_check refuses an unknown placeholder at config
 * time (0, or -1 with a message in err). In a group the per-alert values
 * are the first alert's; {text} covers them all.
 */
int alert_template_check(const char *tmpl, char *err, size_t errlen);
/* tmpl with placeholders replaced; json_escape: values escaped as JSON
 * string contents (the template supplies the quotes). */
char *alert_format_template(const struct alert_group *g, const char *tmpl, bool json_escape);

/*
 * Alertmanager identity of a kind: the alertname label
 * (HttpsmonEndpointDown for down/up/reminder, HttpsmonEndpointWarn for
 * warn/warn_end, HttpsmonCertExpiring, HttpsmonCertChanged,
 * HttpsmonTest, HttpsmonLocalNetwork). Static string.
 */
const char *alert_am_alertname(enum alert_kind k);
/* true when the alert is over (up, warn_end): Alertmanager "resolved". */
bool alert_is_resolved(const struct alert *a);

/*
 * Alertmanager API v2 body for POST /api/v2/alerts: a JSON array, one
 * element per alert, labels alertname, endpoint, reason, severity, instance,
 * tag_NAME="true"; annotations summary, description, url; startsAt = since
 * (or time); endsAt = end_s when set (resolved, or an event's end), else
 * firing_ends_s. instance is
 * this host's name.
 */
char *alert_format_am_v2(const struct alert *v, size_t n, const char *instance, int64_t firing_ends_s);

/*
 * The Alertmanager webhook envelope (version "4"), for receivers written
 * for Alertmanager: status firing/resolved, receiver, groupKey,
 * groupLabels, commonLabels, commonAnnotations, externalURL, alerts[] with
 * status, labels, annotations, startsAt, endsAt (firing: "0001-01-01T00:00:00Z"
 * as Alertmanager sends), generatorURL, fingerprint (16 hex digits of a hash
 * of the sorted labels, stable across sends).
 */
char *alert_format_am_webhook(const struct alert_group *g, const char *receiver, const char *instance);

/*
 * An email, RFC 5322, CRLF line ends: Date, Message-ID (<time.rand@host>),
 * From, To (all of to[], comma separated), Subject ("[httpsmon] DOWN
 * api-prod: cert_expired"; RFC 2047 encoded when not ASCII), MIME-Version,
 * Content-Type text/plain UTF-8, then the text and per-alert details.
 * CR and LF are removed from every header value (no header injection).
 * host names the Message-ID's right side; now_s is the Date.
 */
char *alert_format_email(const struct alert_group *g, const char *from, const char *const *to, size_t nto,
			 const char *host, int64_t now_s);
/* The subject alone (no CR/LF, not encoded). */
char *alert_format_subject(const struct alert_group *g);

#endif
