/*
 * rx: PCRE2 behind a small interface, with limits on every match.
 *
 * A struct rx holds the compiled code, its JIT stack (when JIT is in use)
 * and a reference count: compiled code is never changed after rx_compile,
 * so rx_copy shares it instead of compiling again (PCRE2's own copy would
 * drop the JIT code). Matching allocates its match context and match data
 * per call: the limits depend on the subject length, and a const handle can
 * then be used from pure code (verdict) without hidden state.
 *
 * Why the step limit grows with the body: the interpreter counts one step
 * per backtracked character of a greedy `.*`, so `.*"ok"` on a 1 MiB body
 * needs about a million steps and is a fair pattern; exponential patterns
 * such as `([a-z]+ ?)+Q` exhaust any such budget within the first start
 * position. PCRE2's limits do not bound a pattern that is quadratic with
 * little backtracking per start position (`[a-z]+[a-z]+!X`); the README
 * says so.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "httpsmon/rx.h"

#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "httpsmon/util.h"

#define RX_JIT_STACK_START (32UL * 1024)

struct rx {
	pcre2_code *code;
	pcre2_jit_stack *jit_stack; /* NULL: interpreter */
	int refs;
};

struct rx *rx_compile(const char *pattern, unsigned flags, char *err, size_t errlen)
{
	/* DOTALL: POSIX ERE's '.' matched newlines, and configs rely on `^\{.*"ok"` */
	const uint32_t opts = PCRE2_DOTALL | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			      PCRE2_NEVER_BACKSLASH_C;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	struct rx *rx;
	int code;

	rx = xcalloc(1, sizeof(*rx));
	rx->refs = 1;
	rx->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off,
				 NULL);
	if (!rx->code) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", code);
		if (err && errlen)
			snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
		free(rx);
		return NULL;
	}
	/* no JIT (not built in, or W^X refuses executable memory): the interpreter has the same limits */
	if (!(flags & RX_NOJIT) && pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0) {
		rx->jit_stack = pcre2_jit_stack_create(RX_JIT_STACK_START, RX_JIT_STACK_MAX, NULL);
		if (!rx->jit_stack) {
			fprintf(stderr, "httpsmon: out of memory for a JIT stack\n");
			abort();
		}
	}
	return rx;
}

struct rx *rx_copy(struct rx *rx)
{
	if (rx)
		rx->refs++;
	return rx;
}

void rx_free(struct rx *rx)
{
	if (!rx || --rx->refs > 0)
		return;
	pcre2_jit_stack_free(rx->jit_stack);
	pcre2_code_free(rx->code);
	free(rx);
}

bool rx_jit(const struct rx *rx)
{
	return rx && rx->jit_stack;
}

unsigned long rx_step_limit(size_t len)
{
	unsigned long max = UINT32_MAX; /* PCRE2 keeps its limits in uint32_t */

	if (len > (max - RX_STEPS_BASE) / RX_STEPS_PER_BYTE)
		return max;
	return RX_STEPS_BASE + RX_STEPS_PER_BYTE * (unsigned long)len;
}

static void gave_up(int rc, unsigned long steps, char *why, size_t whylen)
{
	PCRE2_UCHAR msg[256];

	if (!why || !whylen)
		return;
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		snprintf(why, whylen, "regex gave up after %lu steps: simplify it", steps);
		break;
	case PCRE2_ERROR_DEPTHLIMIT:
		snprintf(why, whylen, "regex gave up after %lu nested backtracking steps: "
			 "simplify it", steps);
		break;
	case PCRE2_ERROR_HEAPLIMIT:
		snprintf(why, whylen, "regex gave up at its %lu MiB backtracking memory limit: "
			 "simplify it", RX_HEAP_MAX_KIB / 1024);
		break;
	case PCRE2_ERROR_JIT_STACKLIMIT:
		snprintf(why, whylen, "regex gave up at its %lu KiB JIT stack limit: simplify it",
			 RX_JIT_STACK_MAX / 1024);
		break;
	default:
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", rc);
		snprintf(why, whylen, "regex gave up: %s", (const char *)msg);
		break;
	}
}

enum rx_result rx_match(const struct rx *rx, const char *subject, size_t len, char *why,
			size_t whylen)
{
	unsigned long steps = rx_step_limit(len);
	pcre2_match_context *mc;
	pcre2_match_data *md;
	int rc;

	mc = pcre2_match_context_create(NULL);
	md = pcre2_match_data_create(1, NULL);
	if (!mc || !md) {
		fprintf(stderr, "httpsmon: out of memory matching a regex\n");
		abort();
	}
	pcre2_set_match_limit(mc, (uint32_t)steps);
	pcre2_set_depth_limit(mc, (uint32_t)steps);
	pcre2_set_heap_limit(mc, (uint32_t)RX_HEAP_MAX_KIB);
	if (rx->jit_stack)
		pcre2_jit_stack_assign(mc, NULL, rx->jit_stack);
	rc = pcre2_match(rx->code, (PCRE2_SPTR)(subject ? subject : ""), subject ? len : 0, 0, 0,
			 md, mc);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (rc >= 0)
		return RX_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH)
		return RX_NOMATCH;
	gave_up(rc, steps, why, whylen);
	return RX_GAVE_UP;
}
