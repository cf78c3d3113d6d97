/*
 * posture_names: the names of the posture values (posture.h) and the few
 * pure helpers over a struct posture. No OpenSSL: the core links this file;
 * the engine that fills a posture lives in posture_engine.c.
 */
#include "httpsmon/posture.h"

#include <string.h>

static const struct posture_proto_names proto_names[PPROTO_N] = {
	[PPROTO_SSL2] = { "ssl2", "SSLv2", 2 },
	[PPROTO_SSL3] = { "ssl3", "SSLv3", 3 },
	[PPROTO_TLS10] = { "tls1.0", "TLS 1.0", 10 },
	[PPROTO_TLS11] = { "tls1.1", "TLS 1.1", 11 },
	[PPROTO_TLS12] = { "tls1.2", "TLS 1.2", 12 },
	[PPROTO_TLS13] = { "tls1.3", "TLS 1.3", 13 },
};

static const struct posture_cat_names cat_names[PCAT_N] = {
	[PCAT_STATIC_RSA] = { "static_rsa", "static RSA key exchange", true },
	[PCAT_3DES] = { "3des", "3DES", true },
	[PCAT_RC4] = { "rc4", "RC4", true },
	[PCAT_NULL_ANON_EXPORT] = { "null_anon_export", "NULL, anonymous or EXPORT", true },
	[PCAT_CBC_SHA1] = { "cbc_sha1", "CBC with SHA-1 MAC", true },
	[PCAT_FS] = { "fs", "forward secrecy (ECDHE/DHE)", false },
	[PCAT_AEAD] = { "aead", "AEAD (GCM, ChaCha20, CCM)", false },
};

static const struct posture_proto_names proto_unknown = { "?", "?", 0 };
static const struct posture_cat_names cat_unknown = { "?", "?", false };

const struct posture_proto_names *posture_proto_names(enum posture_proto p)
{
	return (unsigned)p < PPROTO_N ? &proto_names[p] : &proto_unknown;
}

const struct posture_cat_names *posture_cat_names(enum posture_cat c)
{
	return (unsigned)c < PCAT_N ? &cat_names[c] : &cat_unknown;
}

const char *posture_answer_name(enum posture_answer a)
{
	static const char *const names[] = {
		[PANS_NOT_TESTED] = "not tested", [PANS_ACCEPTED] = "accepted", [PANS_REFUSED] = "refused",
		[PANS_NOT_TESTABLE] = "not testable", [PANS_ERROR] = "error",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

const char *staple_status_name(enum staple_status s)
{
	static const char *const names[] = {
		[STAPLE_NONE] = "none", [STAPLE_GOOD] = "good", [STAPLE_REVOKED] = "revoked",
		[STAPLE_UNKNOWN] = "unknown", [STAPLE_EXPIRED] = "expired", [STAPLE_INVALID] = "invalid",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

enum posture_proto posture_proto_of(int num)
{
	for (int i = 0; i < PPROTO_N; i++) {
		if (proto_names[i].num == num)
			return (enum posture_proto)i;
	}
	return PPROTO_N;
}

void posture_init(struct posture *p)
{
	memset(p, 0, sizeof(*p));
	p->leaf_sct_count = -1;
}

bool posture_accepts(const struct posture *p, enum posture_proto v)
{
	return (unsigned)v < PPROTO_N && p->proto[v].answer == PANS_ACCEPTED;
}

int posture_highest(const struct posture *p, int max_num)
{
	for (int i = PPROTO_N - 1; i >= 0; i--) {
		if (proto_names[i].num <= max_num && p->proto[i].answer == PANS_ACCEPTED)
			return proto_names[i].num;
	}
	return 0;
}

const char *posture_group_text(const struct posture *p)
{
	if (p->group[0])
		return p->group;
	if (!p->version[0] && !posture_highest(p, 13))
		return "unknown: no handshake succeeded";
	return "none: no handshake negotiated an ephemeral key";
}
