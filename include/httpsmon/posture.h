/*
 * posture: what a server still ACCEPTS, as plain values. A posture pass is
 * a handful of TLS handshakes (no HTTP), each on a fresh connection: one
 * per protocol version with min = max, then one per cipher category on the
 * highest TLS 1.2-or-lower version the server accepted, then what a modern
 * client negotiates (group, key size, OCSP staple, SCTs of the leaf).
 *
 * This header holds the value (struct posture), its names, and the engine
 * that fills it (struct posture_engine, src/posture_engine.c and friends:
 * raw non-blocking OpenSSL on sockets registered with the one loop). The
 * value and its names (src/posture_names.c) are pure: the core links them,
 * the store, the verdict, the grade and the UI read them through this
 * header alone; no OpenSSL type appears here.
 *
 * Every answer is one of accepted / refused / not testable / not tested:
 * "not testable" means the local libssl cannot offer it (Debian 12's
 * OpenSSL 3.0 has no SSLv2, SSLv3, 3DES or RC4 on the client side), never
 * that the server lacks it.
 */
#ifndef HTTPSMON_POSTURE_H
#define HTTPSMON_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol versions, oldest first (the order of the report's rows). */
enum posture_proto {
	PPROTO_SSL2 = 0,
	PPROTO_SSL3,
	PPROTO_TLS10,
	PPROTO_TLS11,
	PPROTO_TLS12,
	PPROTO_TLS13,
	PPROTO_N
};

/*
 * Cipher categories, each tried on its own handshake on the highest TLS
 * version <= 1.2 the server accepted (TLS 1.3 suites are all AEAD and
 * forward secret). The first five are what auditors flag; FS and AEAD are
 * what the grade needs to know the server has at all.
 */
enum posture_cat {
	PCAT_STATIC_RSA = 0, /* RSA key exchange: no forward secrecy */
	PCAT_3DES,           /* 64-bit block cipher (SWEET32) */
	PCAT_RC4,
	PCAT_NULL_ANON_EXPORT, /* no encryption, no authentication, or export strength */
	PCAT_CBC_SHA1,       /* CBC mode with a SHA-1 MAC (obsolete, Lucky13 family) */
	PCAT_FS,             /* any forward-secret suite (ECDHE/DHE) */
	PCAT_AEAD,           /* any AEAD suite (GCM, ChaCha20-Poly1305, CCM) */
	PCAT_N
};

enum posture_answer {
	PANS_NOT_TESTED = 0, /* not tried: the pass ended early, or it did not apply (reason says) */
	PANS_ACCEPTED,       /* the handshake completed */
	PANS_REFUSED,        /* the server ended the handshake (alert, close) */
	PANS_NOT_TESTABLE,   /* the local libssl cannot offer it: says nothing of the server */
	PANS_ERROR,          /* could not tell: connect failed, timed out (reason says) */
};

#define POSTURE_MAX_SUITES 4 /* suites listed per category (each found on its own handshake) */

/* One handshake's answer (a protocol row or a cipher category). */
struct posture_check {
	enum posture_answer answer;
	char reason[120];    /* why refused / not testable / error, sanitised; "" when accepted */
	char suites[POSTURE_MAX_SUITES][48]; /* accepted: the suites the server picked, OpenSSL names */
	int n_suites;
	int bits;            /* accepted: symmetric strength of suites[0] in bits, else 0 */
};

enum staple_status {
	STAPLE_NONE = 0,     /* no staple sent (or no handshake) */
	STAPLE_GOOD,
	STAPLE_REVOKED,
	STAPLE_UNKNOWN,      /* the responder does not know the certificate */
	STAPLE_EXPIRED,      /* verified, but nextUpdate has passed */
	STAPLE_INVALID,      /* could not be parsed or verified against the chain */
};

struct posture_staple {
	bool stapled;
	enum staple_status status;
	int64_t this_update;  /* Unix seconds, 0 when unknown */
	int64_t next_update;  /* Unix seconds, 0 when absent */
	int64_t revoked_at;   /* STAPLE_REVOKED: Unix seconds, else 0 */
	char detail[160];     /* what went wrong (INVALID), or the revocation reason; sanitised */
};

struct posture {
	int64_t started_ms;   /* wall clock when the pass began */
	int64_t took_ms;      /* wall time of the pass */
	int handshakes;       /* handshakes attempted (each a fresh connection) */
	bool complete;        /* every step ran; false when the pass stopped at an error */
	char error[256];      /* pass-level failure ("connect to 192.0.2.1:443: refused"), or "" */

	struct posture_check proto[PPROTO_N];
	int cat_version;      /* 10, 11 or 12: the version the categories were tried on; 0 none */
	struct posture_check cat[PCAT_N];

	/* What a modern client (TLS 1.2-1.3, default suites) negotiates. */
	char version[16];     /* "TLSv1.3", "" when no handshake */
	char cipher[48];
	char group[32];       /* key-exchange group: "X25519", "P-256", "ffdhe2048", "" if none (static RSA) */
	int group_bits;       /* the ephemeral key's size in bits (X25519: 253), 0 when unknown */
	int best_bits;        /* strongest / weakest symmetric bits over accepted handshakes, 0 none */
	int worst_bits;
	int leaf_sct_count;   /* SCTs embedded in the leaf certificate, -1 when no leaf */
	struct posture_staple staple;
};

/* Names of the values, one table each in src/posture_names.c. */
struct posture_proto_names {
	const char *key;     /* JSON and store: "ssl2", "ssl3", "tls1.0", "tls1.1", "tls1.2", "tls1.3" */
	const char *label;   /* reports: "SSLv2", "SSLv3", "TLS 1.0", ... */
	int num;             /* 2, 3, 10, 11, 12, 13 */
};
struct posture_cat_names {
	const char *key;     /* JSON: "static_rsa", "3des", "rc4", "null_anon_export", "cbc_sha1", "fs", "aead" */
	const char *label;   /* reports: "static RSA key exchange", "3DES", ... */
	bool weak;           /* accepted is a finding (the first five), not a good sign (fs, aead) */
};

/* Row of p / c; a row of "?" out of range. Static. */
const struct posture_proto_names *posture_proto_names(enum posture_proto p);
const struct posture_cat_names *posture_cat_names(enum posture_cat c);

/* "accepted", "refused", "not testable", "not tested", "error" ("?" out of range). */
const char *posture_answer_name(enum posture_answer a);

/* "none", "good", "revoked", "unknown", "expired", "invalid" ("?"). */
const char *staple_status_name(enum staple_status s);

/* The protocol of TLS version number num (10..13, 2, 3), or PPROTO_N when none. */
enum posture_proto posture_proto_of(int num);

/* Empty value: nothing tested, leaf_sct_count -1. */
void posture_init(struct posture *p);

/* true when p->proto[v] was accepted. */
bool posture_accepts(const struct posture *p, enum posture_proto v);

/*
 * The highest accepted version number (13, 12, ..., 3, 2) not above
 * max_num, or 0: posture_highest(p, 13) is the best of all,
 * posture_highest(p, 12) where the cipher categories are tried.
 */
int posture_highest(const struct posture *p, int max_num);

/*
 * The key exchange as a person reads it, one wording for scan and the
 * dashboard: the group's name, "none: no handshake negotiated an ephemeral
 * key" (static RSA everywhere), or "unknown: no handshake succeeded".
 */
const char *posture_group_text(const struct posture *p);

/* ---- the engine (src/posture_engine.c; OpenSSL, the loop) ---------------- */

struct loop;
struct endpoint;
struct posture_engine;

/*
 * Called once per submitted target, on the loop, when its pass ended
 * (complete or not). p is borrowed for the call: copy what you keep.
 */
typedef void (*posture_done_cb)(void *arg, const struct endpoint *ep, const struct posture *p);

/*
 * An engine on loop l running at most inflight handshakes at once (>= 1;
 * the collector's posture_inflight, default 2), the rest queued in order
 * of submission. handshake_ms bounds each handshake (connect included).
 * Returns NULL with a message in err when OpenSSL cannot be set up.
 */
struct posture_engine *posture_engine_new(struct loop *l, int inflight, int64_t handshake_ms, char *err,
					  size_t errlen);

/*
 * Queues a pass over ep (borrowed until done is called: the caller keeps
 * its config alive; host, port, resolve, ip and ca_file are honoured as the
 * ordinary probe does). done(arg, ep, posture) runs later, never from
 * inside this call. Returns 0, or -1 (out of memory) with nothing queued.
 */
int posture_submit(struct posture_engine *e, const struct endpoint *ep, posture_done_cb done, void *arg);

/* Passes queued or running. */
size_t posture_engine_pending(const struct posture_engine *e);

/* Handshakes running now (never above inflight). */
int posture_engine_running(const struct posture_engine *e);

/*
 * Frees the engine: running handshakes are closed, their passes and the
 * queued ones dropped without a callback. NULL is fine.
 */
void posture_engine_free(struct posture_engine *e);

#endif
