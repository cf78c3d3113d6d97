/*
 * verdict_posture: what the endpoint's last posture pass (posture.h) found
 * the server still accepts, as WARN reasons: tls_legacy_offered,
 * cipher_weak_offered, no_forward_secrecy, ocsp_staple_stale. Only an
 * "accepted" answer counts: refused, not testable here (Debian 12's
 * OpenSSL 3.0 offers no 3DES or RC4) and errors say nothing about the
 * server. Each sentence says when the pass ran, since a pass is daily and
 * the probe it rides on is not.
 */
#include <stdio.h>
#include <string.h>

#include "httpsmon/posture.h"
#include "httpsmon/util.h"
#include "verdict_int.h"

/* "A and B", "A, B and C" of the labels whose bit is set in which. */
static void list_labels(char *out, size_t n, const char *const *labels, int count)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < count && o < n; i++) {
		const char *sep = i == 0 ? "" : i == count - 1 ? " and " : ", ";
		int w = snprintf(out + o, n - o, "%s%s", sep, labels[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* " (posture pass at 2026-12-02T11:00:00Z)" */
static void when(const struct posture *p, char *out, size_t n)
{
	char t[40];

	snprintf(out, n, " (posture pass at %s)", util_fmt_time_utc(t, sizeof t, p->started_ms / 1000));
}

static void legacy(struct judge *j, const char *at)
{
	static const enum posture_proto old[] = { PPROTO_SSL2, PPROTO_SSL3, PPROTO_TLS10, PPROTO_TLS11 };
	const char *labels[4];
	char list[96];
	int n = 0;

	for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
		if (posture_accepts(j->posture, old[i]))
			labels[n++] = posture_proto_names(old[i])->label;
	if (!n)
		return;
	list_labels(list, sizeof list, labels, n);
	note(j, REASON_TLS_LEGACY_OFFERED, STATE_WARN,
	     "the server still accepts %s, deprecated since 2021 (RFC 8996)%s", list, at);
}

/* "3DES (DES-CBC3-SHA)": the category and the first suite the server picked. */
static int cat_text(const struct posture_check *c, const char *label, char *out, size_t n)
{
	return c->n_suites > 0 ? snprintf(out, n, "%s (%s)", label, c->suites[0]) : snprintf(out, n, "%s", label);
}

static void weak_ciphers(struct judge *j, const char *at)
{
	static const enum posture_cat weak[] = { PCAT_3DES, PCAT_RC4, PCAT_NULL_ANON_EXPORT };
	char texts[3][112], list[400];
	const char *labels[3];
	int n = 0;

	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
		const struct posture_check *c = &j->posture->cat[weak[i]];

		if (c->answer != PANS_ACCEPTED)
			continue;
		cat_text(c, posture_cat_names(weak[i])->label, texts[n], sizeof texts[n]);
		labels[n] = texts[n];
		n++;
	}
	if (!n)
		return;
	list_labels(list, sizeof list, labels, n);
	note(j, REASON_CIPHER_WEAK_OFFERED, STATE_WARN, "the server still accepts %s%s", list, at);
}

static void forward_secrecy(struct judge *j, const char *at)
{
	const struct posture_check *c = &j->posture->cat[PCAT_STATIC_RSA];
	char what[112];

	if (c->answer != PANS_ACCEPTED)
		return;
	cat_text(c, posture_cat_names(PCAT_STATIC_RSA)->label, what, sizeof what);
	note(j, REASON_NO_FORWARD_SECRECY, STATE_WARN,
	     "the server accepts %s: a client that picks it has no forward secrecy%s", what, at);
}

static void staple(struct judge *j, const char *at)
{
	const struct posture_staple *s = &j->posture->staple;
	char t[40];

	if (!s->stapled || s->status != STAPLE_EXPIRED)
		return;
	note(j, REASON_OCSP_STAPLE_STALE, STATE_WARN,
	     "the stapled OCSP answer was past its nextUpdate (%s): clients that check it refuse it%s",
	     s->next_update ? util_fmt_time_utc(t, sizeof t, s->next_update) : "?", at);
}

void judge_posture(struct judge *j)
{
	char at[80];

	when(j->posture, at, sizeof at);
	legacy(j, at);
	weak_ciphers(j, at);
	forward_secrecy(j, at);
	staple(j, at);
}
