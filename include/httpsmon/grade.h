/*
 * grade: an approximation of SSL Labs' grade (SSL Server Rating Guide, as
 * testssl.sh 3.1+ implements it in run_rating), as a pure function of plain
 * values: a posture pass, the certificate and trust facts an ordinary probe
 * already has, the HSTS max-age and the revocation status (revoke.h). No I/O, no
 * OpenSSL; the core links it.
 *
 * How the grade is made (README "Posture and revocation" lists every rule):
 *  - a score: protocol support 30% + key exchange 30% + cipher strength 40%
 *    (A >= 80, B >= 65, C >= 50, D >= 35, E >= 20, else F), each category
 *    the mean of its best and worst case, as testssl.sh counts them;
 *  - caps, each with its text ("B: TLS 1.0 accepted"): the grade is the
 *    lower of the score's letter and the lowest cap. F, T and M are hard:
 *    when one applies the score does not count. Between them the order is
 *    F (SSLv2, expired certificate, ...) over T (trust: untrusted, self-signed,
 *    revoked, SHA-1 signature) over M (name mismatch);
 *  - A+ for an A with no warning, TLS 1.3 accepted and HSTS max-age of at
 *    least 180 days; A- for an A with grade warnings (TLS 1.3 not accepted,
 *    HSTS too short, disabled or malformed, and the warn-level findings
 *    that cap nothing); A otherwise.
 *
 * Differences from testssl.sh, deliberate: an expired certificate caps F
 * (the rule; testssl.sh 3.1 says T), and HSTS is required for A+
 * (testssl.sh gives A+ without the header).
 */
#ifndef HTTPSMON_GRADE_H
#define HTTPSMON_GRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/hsts.h"
#include "httpsmon/posture.h"
#include "httpsmon/revoke.h"

struct probe_result;

/* HSTS max-age values other than a number of seconds (>= 0). */
#define GRADE_HSTS_NONE    (-1LL) /* no Strict-Transport-Security header */
#define GRADE_HSTS_INVALID (-2LL) /* a header browsers ignore (hsts.h: no max-age, a duplicate...) */
#define GRADE_HSTS_MIN_S   HSTS_LONG_S /* A+ needs at least 180 days (15552000 s) */


/* The certificate and trust facts of the ordinary probe (grade_facts_from_result). */
struct grade_facts {
	bool have_cert;       /* a leaf was received: the rest means something */
	bool expired;         /* a certificate of the chain has expired or is not yet valid */
	bool untrusted;       /* the chain does not end in a trusted root (unknown issuer) */
	bool self_signed;     /* the leaf is self-signed and not trusted */
	bool chain_incomplete;/* the server left out an intermediate */
	bool name_mismatch;   /* the leaf does not cover the host name */
	char key_type[16];    /* leaf key: "RSA", "EC", "Ed25519", ... */
	int key_bits;
	char sig_alg[48];     /* leaf signature algorithm, OpenSSL's long name */
	int lifetime_days;    /* leaf, cert_lifetime_days (over CERT_MAX_LIFETIME_DAYS flagged); -1 unknown */
	int sct_count;        /* SCTs embedded in the leaf (fewer than CERT_MIN_SCTS flagged); -1 unknown */
	int64_t not_after;    /* leaf, Unix seconds */
	long long hsts_max_age_s; /* seconds, or GRADE_HSTS_NONE / GRADE_HSTS_INVALID */
};

enum grade_severity { GSEV_INFO = 0, GSEV_WARN, GSEV_CRIT };

#define GRADE_MAX_CAPS 16
#define GRADE_MAX_FINDINGS 32

struct grade_finding {
	char id[32];          /* stable: "tls_legacy_offered", "no_forward_secrecy", ... (README table) */
	enum grade_severity severity;
	char message[200];    /* one sentence for people, no network text unsanitised */
};

struct grade {
	char grade[3];        /* "A+", "A", "A-", "B", "C", "D", "E", "F", "T", "M"; "" when no pass */
	int score;            /* 0-100, the weighted sum (0 when F/T/M applied) */
	int proto_score, kx_score, cipher_score; /* the three categories, 0-100 each */
	char caps[GRADE_MAX_CAPS][96]; /* "B: TLS 1.0 accepted", most severe first */
	int n_caps;
	struct grade_finding findings[GRADE_MAX_FINDINGS]; /* most severe first */
	int n_findings;
	int n_warnings;       /* grade warnings counted against A+ */
};

/*
 * Grades p with the facts f and the chain's revocation rev (revoke.h; NULL
 * or not checked: no revocation rule; pending: not judged) at now_s (for the
 * staple's nextUpdate). p NULL or a pass that reached no protocol: grade ""
 * with the findings that can still be made. Fills out; never fails.
 */
void grade_compute(const struct posture *p, const struct grade_facts *f, const struct revocation *rev,
		   int64_t now_s, struct grade *out);

/*
 * Fills f from an ordinary probe's result r (verify flags, leaf, the HSTS
 * header read by hsts_parse). r without a chain: have_cert false.
 */
void grade_facts_from_result(const struct probe_result *r, struct grade_facts *f);

/* "info", "warn", "crit" ("?"). */
const char *grade_severity_name(enum grade_severity s);

/* Finding id of f in g, or NULL: the finding with that id when present. */
const struct grade_finding *grade_find(const struct grade *g, const char *id);

#endif
