/*
 * grade: the approximation of SSL Labs' grade (grade.h), in four steps
 * over plain values: findings and caps from the posture, from the
 * certificate and trust facts, from HSTS and revocation; the three scores
 * (protocol, key exchange, cipher strength) as testssl.sh's run_rating
 * counts them; the letter from the score; the caps and the A+/A- rule.
 * Pure: no clock (now_s is given), no I/O, no OpenSSL.
 */
#include "httpsmon/grade.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/result.h"

/* A grade under construction: the output plus the facts the rules share. */
struct gb {
	struct grade *g;
	const struct posture *p;   /* NULL when there is no pass */
	const struct grade_facts *f;
	bool tls13;                /* TLS 1.3 accepted */
};

/* Caps in order of severity: the hard ones, then the letters from worst. */
static int cap_rank(char letter)
{
	static const char order[] = "FTMEDCB";
	const char *s = strchr(order, letter);

	return s ? (int)(s - order) : 99;
}

static void cap(struct gb *b, char letter, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cap(struct gb *b, char letter, const char *fmt, ...)
{
	struct grade *g = b->g;
	char text[88];
	va_list ap;

	if (g->n_caps >= GRADE_MAX_CAPS)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(g->caps[g->n_caps++], sizeof(g->caps[0]), "%c: %s", letter, text);
}

static void finding(struct gb *b, const char *id, enum grade_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finding(struct gb *b, const char *id, enum grade_severity sev, const char *fmt, ...)
{
	struct grade *g = b->g;
	struct grade_finding *x;
	va_list ap;

	if (g->n_findings >= GRADE_MAX_FINDINGS)
		return;
	x = &g->findings[g->n_findings++];
	snprintf(x->id, sizeof(x->id), "%s", id);
	x->severity = sev;
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
}

static enum posture_answer cat_answer(const struct gb *b, enum posture_cat c)
{
	return b->p ? b->p->cat[c].answer : PANS_NOT_TESTED;
}

/* "AES256-SHA, AES128-SHA" from a category's suites. */
static void suite_list(const struct posture_check *c, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < c->n_suites && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "", c->suites[i]);
}

static void rules_protocols(struct gb *b)
{
	const struct posture *p = b->p;
	bool t10 = posture_accepts(p, PPROTO_TLS10), t11 = posture_accepts(p, PPROTO_TLS11);

	if (posture_accepts(p, PPROTO_SSL2)) {
		cap(b, 'F', "SSLv2 accepted");
		finding(b, "sslv2_offered", GSEV_CRIT, "SSLv2 accepted");
	}
	if (posture_accepts(p, PPROTO_SSL3)) {
		cap(b, 'B', "SSLv3 accepted");
		finding(b, "sslv3_offered", GSEV_CRIT, "SSLv3 accepted (POODLE)");
		if (posture_highest(p, 13) == 3)
			cap(b, 'F', "SSLv3 is the best protocol accepted");
	}
	if (t10)
		cap(b, 'B', "TLS 1.0 accepted");
	if (t11)
		cap(b, 'B', "TLS 1.1 accepted");
	if (t10 || t11)
		finding(b, "tls_legacy_offered", GSEV_WARN, "%s accepted (deprecated by RFC 8996)",
			t10 && t11 ? "TLS 1.0 and TLS 1.1" : t10 ? "TLS 1.0" : "TLS 1.1");
	if (p->proto[PPROTO_TLS12].answer == PANS_REFUSED) {
		cap(b, 'C', "TLS 1.2 not accepted");
		finding(b, "tls12_missing", GSEV_WARN, "TLS 1.2 not accepted");
	}
	if (p->proto[PPROTO_TLS13].answer == PANS_REFUSED) {
		b->g->n_warnings++;
		finding(b, "tls13_missing", GSEV_INFO, "TLS 1.3 not accepted");
	}
}

static void rules_weak_ciphers(struct gb *b)
{
	const struct posture *p = b->p;
	char which[96] = "", suites[200];
	size_t len = 0;

	for (int c = PCAT_3DES; c <= PCAT_NULL_ANON_EXPORT; c++) {
		if (p->cat[c].answer == PANS_ACCEPTED)
			len += (size_t)snprintf(which + len, sizeof(which) - len, "%s%s", len ? ", " : "",
						posture_cat_names((enum posture_cat)c)->label);
	}
	if (len && len < sizeof(which))
		finding(b, "cipher_weak_offered", GSEV_WARN, "weak suites accepted: %s", which);
	if (p->cat[PCAT_NULL_ANON_EXPORT].answer == PANS_ACCEPTED)
		cap(b, 'F', "NULL, anonymous or EXPORT suite accepted");
	else if (p->worst_bits > 0 && p->worst_bits < 112)
		cap(b, 'F', "suites weaker than 112 bits accepted");
	if (p->cat[PCAT_RC4].answer == PANS_ACCEPTED)
		cap(b, 'B', "RC4 accepted");
	if (p->cat[PCAT_3DES].answer == PANS_ACCEPTED &&
	    (posture_accepts(p, PPROTO_TLS10) || posture_accepts(p, PPROTO_TLS11)))
		cap(b, 'C', "3DES with TLS 1.1 or older accepted (SWEET32)");
	if (p->cat[PCAT_CBC_SHA1].answer == PANS_ACCEPTED) {
		suite_list(&p->cat[PCAT_CBC_SHA1], suites, sizeof(suites));
		finding(b, "cbc_sha1_offered", GSEV_INFO, "CBC suites with a SHA-1 MAC accepted (%s)", suites);
	}
}

static void rules_key_exchange(struct gb *b)
{
	const struct posture *p = b->p;
	char suites[200];

	if (p->cat[PCAT_STATIC_RSA].answer == PANS_ACCEPTED) {
		suite_list(&p->cat[PCAT_STATIC_RSA], suites, sizeof(suites));
		finding(b, "no_forward_secrecy", GSEV_WARN,
			"static RSA key exchange accepted (%s): no forward secrecy for clients that pick it",
			suites);
		if (cat_answer(b, PCAT_FS) == PANS_ACCEPTED || b->tls13)
			b->g->n_warnings++;
	}
	if (cat_answer(b, PCAT_FS) == PANS_REFUSED && !b->tls13) {
		cap(b, 'B', "no forward secrecy");
		finding(b, "fs_missing", GSEV_WARN, "no forward-secret key exchange (ECDHE/DHE) accepted");
	}
	if (cat_answer(b, PCAT_AEAD) == PANS_REFUSED && !b->tls13) {
		cap(b, 'B', "no AEAD suite");
		finding(b, "aead_missing", GSEV_WARN, "no AEAD suite (GCM, ChaCha20-Poly1305) accepted");
	}
}

static void rules_staple(struct gb *b, int64_t now_s)
{
	const struct posture_staple *s = &b->p->staple;

	if (!s->stapled)
		return;
	if (s->status == STAPLE_EXPIRED || (s->status == STAPLE_GOOD && s->next_update && s->next_update < now_s)) {
		b->g->n_warnings++;
		finding(b, "ocsp_staple_stale", GSEV_WARN, "the stapled OCSP response is past its nextUpdate");
	} else if (s->status == STAPLE_INVALID) {
		b->g->n_warnings++;
		finding(b, "ocsp_staple_invalid", GSEV_WARN, "the stapled OCSP response does not verify: %s",
			s->detail);
	} else if (s->status == STAPLE_UNKNOWN) {
		finding(b, "ocsp_staple_unknown", GSEV_INFO, "the stapled OCSP response says: unknown certificate");
	}
}

static void rules_cert(struct gb *b)
{
	const struct grade_facts *f = b->f;
	const char *s = f->sig_alg;

	if (!f->have_cert)
		return;
	if (f->expired) {
		cap(b, 'F', "certificate expired or not yet valid");
		finding(b, "cert_expired", GSEV_CRIT, "a certificate of the chain has expired or is not yet valid");
	}
	if (strcasestr(s, "md5") || strcasestr(s, "md2") || strcasestr(s, "md4")) {
		cap(b, 'F', "MD5 signature");
		finding(b, "sig_md5", GSEV_CRIT, "the certificate is signed with %s", s);
	} else if (strcasestr(s, "sha1")) {
		cap(b, 'T', "SHA-1 signature");
		finding(b, "sig_sha1", GSEV_CRIT, "the certificate is signed with %s", s);
	}
	if (f->self_signed) {
		cap(b, 'T', "self-signed certificate");
		finding(b, "cert_self_signed", GSEV_CRIT, "the certificate is self-signed");
	} else if (f->untrusted) {
		cap(b, 'T', "untrusted certificate chain");
		finding(b, "cert_untrusted", GSEV_CRIT, "the chain does not lead to a trusted root");
	}
	if (f->chain_incomplete) {
		cap(b, 'B', "incomplete certificate chain");
		finding(b, "chain_incomplete", GSEV_WARN, "the server does not send its intermediate certificate");
	}
	if (f->name_mismatch) {
		cap(b, 'M', "certificate name mismatch");
		finding(b, "name_mismatch", GSEV_CRIT, "the certificate does not cover the host name");
	}
	if (f->lifetime_days > CERT_MAX_LIFETIME_DAYS) {
		b->g->n_warnings++;
		finding(b, "cert_lifetime_long", GSEV_WARN, "the certificate is valid for %d days (browsers refuse over %d)",
			f->lifetime_days, CERT_MAX_LIFETIME_DAYS);
	}
}

/*
 * testssl.sh's set_key_str_score: 100 down to 20 by key size, RSA/DSA/DH
 * on one scale, EC/EdDSA on another. kind: 'R' or 'E'.
 */
static int key_score(char kind, int bits)
{
	static const int rsa[] = { 512, 1024, 2048, 4096 }, ec[] = { 110, 123, 163, 225 };
	static const int score[] = { 20, 40, 80, 90 };
	const int *lim = kind == 'R' ? rsa : ec;

	if (bits <= 0)
		return 100;
	for (int i = 0; i < 4; i++) {
		if (bits < lim[i])
			return score[i];
	}
	return 100;
}

/* The key-exchange score: the worse of the certificate's key and the ephemeral key. */
static int kx_score(struct gb *b)
{
	const struct grade_facts *f = b->f;
	const struct posture *p = b->p;
	bool rsa = !strcmp(f->key_type, "RSA") || !strcmp(f->key_type, "DSA");
	int cert = f->have_cert ? key_score(rsa ? 'R' : 'E', f->key_bits) : 100;
	int eph = p->group[0] ? key_score(!strncmp(p->group, "ffdhe", 5) || !strcmp(p->group, "DH") ? 'R' : 'E',
					  p->group_bits) : 100;
	int s = cert < eph ? cert : eph;

	if (s <= 40) {
		cap(b, 'F', "insecure key (%s)", cert <= 40 ? "certificate" : "key exchange");
	} else if (s <= 80) {
		cap(b, 'B', "weak key (%s)", cert <= 80 ? "certificate" : "key exchange");
	}
	if (cert <= 80)
		finding(b, "weak_key", cert <= 40 ? GSEV_CRIT : GSEV_WARN, "the certificate's key is %s %d-bit",
			f->key_type, f->key_bits);
	if (eph <= 80)
		finding(b, "weak_key_exchange", eph <= 40 ? GSEV_CRIT : GSEV_WARN, "the key exchange uses %s (%d bits)",
			p->group, p->group_bits);
	return s;
}

/* Protocol support: the mean of the best and the worst version's points. */
static int proto_score(const struct posture *p)
{
	static const int points[PPROTO_N] = { 0, 80, 90, 95, 100, 100 };
	int best = -1, worst = -1;

	for (int v = 0; v < PPROTO_N; v++) {
		if (posture_accepts(p, (enum posture_proto)v)) {
			if (worst < 0)
				worst = points[v];
			best = points[v];
		}
	}
	return best < 0 ? 0 : (best + worst) / 2;
}

/* Cipher strength: the mean of the strongest and the weakest suite's points. */
static int cipher_score(const struct posture *p)
{
	int best = p->best_bits >= 256 ? 100 : p->best_bits >= 128 ? 80 : p->best_bits > 0 ? 20 : 0;
	int w = p->worst_bits;
	int worst = w >= 256 ? 100 : w >= 128 ? 80 : w > 0 ? 20 : 0;

	return (best + worst) / 2;
}

static void rules_hsts(struct gb *b)
{
	long long age = b->f->hsts_max_age_s;

	if (age == GRADE_HSTS_NONE) {
		finding(b, "hsts_missing", GSEV_INFO, "no Strict-Transport-Security header");
		return;
	}
	if (age == GRADE_HSTS_INVALID) {
		b->g->n_warnings++;
		finding(b, "hsts_invalid", GSEV_WARN, "Strict-Transport-Security has no usable max-age");
	} else if (age == 0) {
		b->g->n_warnings++;
		finding(b, "hsts_disabled", GSEV_WARN, "Strict-Transport-Security max-age=0 disables HSTS");
	} else if (age < GRADE_HSTS_MIN_S) {
		b->g->n_warnings++;
		finding(b, "hsts_short", GSEV_WARN, "HSTS max-age is %lld days (%lld s), under 180 days",
			age / 86400, age);
	}
}

static void rules_revocation(struct gb *b, const struct revocation *rev)
{
	bool staple_revoked = b->p && b->p->staple.stapled && b->p->staple.status == STAPLE_REVOKED;
	bool judged = rev && rev->checked && !rev->pending;

	if ((judged && rev->status == REVOKE_REVOKED) || staple_revoked) {
		cap(b, 'T', "certificate revoked");
		finding(b, "cert_revoked", GSEV_CRIT, "the certificate was revoked according to %s",
			judged && rev->status == REVOKE_REVOKED ? rev->method == REVOKE_METHOD_OCSP ? "its OCSP responder"
									: "its CA's CRL"
								: "the stapled OCSP response");
	} else if (judged && rev->status == REVOKE_UNKNOWN) {
		finding(b, "revocation_unknown", GSEV_INFO, "revocation status unknown (no CRL or OCSP answer)");
	}
}

/* CT: the ordinary probe's count of the leaf's SCTs, else the posture pass's. */
static void rules_ct(struct gb *b)
{
	int n = b->f->have_cert && b->f->sct_count >= 0 ? b->f->sct_count : b->p ? b->p->leaf_sct_count : -1;

	if (n >= 0 && n < CERT_MIN_SCTS)
		finding(b, "sct_few", GSEV_INFO, "%d embedded SCT%s (Certificate Transparency; browsers want %d or more)",
			n, n == 1 ? "" : "s", CERT_MIN_SCTS);
}

static char score_letter(int score)
{
	return score >= 80 ? 'A' : score >= 65 ? 'B' : score >= 50 ? 'C' : score >= 35 ? 'D' : score >= 20 ? 'E' : 'F';
}

/* Most severe first, stable (insertion sorts: the lists are short). */
static void sort_output(struct grade *g)
{
	for (int i = 1; i < g->n_caps; i++) {
		char t[sizeof(g->caps[0])];
		int j = i;

		memcpy(t, g->caps[i], sizeof(t));
		for (; j > 0 && cap_rank(g->caps[j - 1][0]) > cap_rank(t[0]); j--)
			memcpy(g->caps[j], g->caps[j - 1], sizeof(t));
		memcpy(g->caps[j], t, sizeof(t));
	}
	for (int i = 1; i < g->n_findings; i++) {
		struct grade_finding t = g->findings[i];
		int j = i;

		for (; j > 0 && g->findings[j - 1].severity < t.severity; j--)
			g->findings[j] = g->findings[j - 1];
		g->findings[j] = t;
	}
}

/* The letter: the hard caps, else the worse of the score's letter and the lowest cap, then A+/A-. */
static void final_letter(struct gb *b)
{
	struct grade *g = b->g;
	char worst = 0, letter;

	for (int i = 0; i < g->n_caps; i++) {
		if (!worst || cap_rank(g->caps[i][0]) < cap_rank(worst))
			worst = g->caps[i][0];
	}
	if (worst == 'F' || worst == 'T' || worst == 'M') {
		g->score = g->proto_score = g->kx_score = g->cipher_score = 0;
		snprintf(g->grade, sizeof(g->grade), "%c", worst);
		return;
	}
	letter = score_letter(g->score);
	if (worst && worst > letter)
		letter = worst;
	if (letter != 'A' || worst)
		snprintf(g->grade, sizeof(g->grade), "%c", letter);
	else if (g->n_warnings)
		snprintf(g->grade, sizeof(g->grade), "A-");
	else if (b->tls13 && b->f->hsts_max_age_s >= GRADE_HSTS_MIN_S)
		snprintf(g->grade, sizeof(g->grade), "A+");
	else
		snprintf(g->grade, sizeof(g->grade), "A");
}

void grade_compute(const struct posture *p, const struct grade_facts *f, const struct revocation *rev, int64_t now_s,
		   struct grade *out)
{
	struct gb b = { .g = out, .p = p, .f = f };
	bool graded = p && posture_highest(p, 13) > 0;

	memset(out, 0, sizeof(*out));
	b.tls13 = graded && posture_accepts(p, PPROTO_TLS13);
	rules_cert(&b);
	rules_revocation(&b, rev);
	rules_hsts(&b);
	rules_ct(&b);
	if (graded) {
		rules_protocols(&b);
		rules_weak_ciphers(&b);
		rules_key_exchange(&b);
		rules_staple(&b, now_s);
		out->proto_score = proto_score(p);
		out->kx_score = kx_score(&b);
		out->cipher_score = cipher_score(p);
		if (out->proto_score && out->kx_score && out->cipher_score)
			out->score = out->proto_score * 30 / 100 + out->kx_score * 30 / 100 + out->cipher_score * 40 / 100;
	}
	sort_output(out);
	if (graded)
		final_letter(&b);
}

void grade_facts_from_result(const struct probe_result *r, struct grade_facts *f)
{
	const struct cert_info *leaf = r->chain_len > 0 ? &r->chain[0] : NULL;
	unsigned fl = r->verify.flags;
	struct hsts_info hi;

	memset(f, 0, sizeof(*f));
	f->lifetime_days = f->sct_count = -1;
	hsts_parse(r->hsts, &hi);
	f->hsts_max_age_s = !hi.present ? GRADE_HSTS_NONE : !hi.valid ? GRADE_HSTS_INVALID : hi.max_age_s;
	if (!leaf)
		return;
	f->have_cert = true;
	f->expired = (fl & (VERIFY_EXPIRED | VERIFY_NOT_YET_VALID)) != 0;
	f->self_signed = (fl & VERIFY_SELF_SIGNED) != 0;
	f->chain_incomplete = (fl & VERIFY_CHAIN_INCOMPLETE) != 0;
	/* an incomplete chain is its own (B) cap, not an untrusted one */
	f->untrusted = (fl & VERIFY_UNTRUSTED_ROOT) ||
		       ((fl & VERIFY_UNKNOWN_ISSUER) && !(fl & VERIFY_CHAIN_INCOMPLETE));
	f->name_mismatch = r->verify.hostname_ok == 0;
	snprintf(f->key_type, sizeof(f->key_type), "%s", leaf->key_type);
	f->key_bits = leaf->key_bits;
	snprintf(f->sig_alg, sizeof(f->sig_alg), "%s", leaf->sig_alg);
	if (leaf->not_after > leaf->not_before)
		f->lifetime_days = cert_lifetime_days(leaf);
	f->sct_count = leaf->sct_count;
	f->not_after = leaf->not_after;
}

const char *grade_severity_name(enum grade_severity s)
{
	static const char *const names[] = { [GSEV_INFO] = "info", [GSEV_WARN] = "warn", [GSEV_CRIT] = "crit" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const struct grade_finding *grade_find(const struct grade *g, const char *id)
{
	for (int i = 0; i < g->n_findings; i++) {
		if (!strcmp(g->findings[i].id, id))
			return &g->findings[i];
	}
	return NULL;
}
