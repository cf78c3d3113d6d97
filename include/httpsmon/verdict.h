/*
 * verdict: the rules. A pure function of an endpoint's settings, one probe
 * result and the time: UP, WARN or DOWN, one reason from a fixed
 * vocabulary, every reason that applied, and a sentence for a human.
 * No I/O, no clock of its own: trivially unit-testable.
 */
#ifndef HTTPSMON_VERDICT_H
#define HTTPSMON_VERDICT_H

#include <stdint.h>

#include "httpsmon/config.h"
#include "httpsmon/probe.h"

enum state { STATE_UP, STATE_WARN, STATE_DOWN };

/*
 * The vocabulary, in precedence order: when several reasons apply, the most
 * severe state wins and, within it, the earliest reason in this list.
 */
enum reason {
	R_OK,
	R_DNS,
	R_REFUSED,
	R_CONNECT_TIMEOUT,
	R_CONNECT,
	R_TIMEOUT,
	R_TLS_VERSION,
	R_TLS_HANDSHAKE,
	R_CERT_EXPIRED,
	R_CERT_NOT_YET_VALID,
	R_CERT_SELF_SIGNED,
	R_CERT_UNTRUSTED,
	R_CERT_CHAIN_INCOMPLETE,
	R_CERT_HOSTNAME,
	R_CERT_WEAK,
	R_HTTP_STATUS,
	R_TOO_MANY_REDIRECTS,
	R_NO_HTTPS_REDIRECT,
	R_BODY_MISMATCH,
	R_BODY_TOO_LARGE,
	R_TOO_SLOW,
	R_CERT_EXPIRING,
	R_HSTS_MISSING,
	R_PROBE_ERROR,   /* a failure that fits none of the above */
	R_COUNT
};

struct verdict {
	enum state state;
	enum reason reason;       /* the one that decided state */
	uint32_t reasons;         /* bit (1u << r) for every reason that applied */
	enum state severity[R_COUNT]; /* state each applying reason asked for */
	char message[512];        /* one sentence about reason; may quote raw network text */
};

/* Judges r, probed from ep, at now_s (Unix seconds). */
void verdict_judge(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
		   struct verdict *v);

const char *reason_name(enum reason r); /* "cert_expired" */
const char *state_name(enum state s);   /* "UP", "WARN", "DOWN" */

#endif
