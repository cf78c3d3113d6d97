/*
 * rx: the compiled `expect_body_regex`. PCRE2 stays inside rx.c; config
 * compiles, verdict matches, neither sees a pcre2 type.
 *
 * Every match runs under limits, so a pattern that backtracks without end
 * on a hostile body gives up in milliseconds instead of freezing the event
 * loop: at most RX_STEPS_BASE + RX_STEPS_PER_BYTE * (body length) steps
 * (PCRE2's match limit, also its depth limit), RX_HEAP_MAX_KIB of
 * backtracking memory and RX_JIT_STACK_MAX bytes of JIT stack. Matching is
 * deterministic: the same pattern on the same body gives the same answer.
 */
#ifndef HTTPSMON_RX_H
#define HTTPSMON_RX_H

#include <stdbool.h>
#include <stddef.h>

#define RX_STEPS_BASE      1000000UL  /* steps any body gets */
#define RX_STEPS_PER_BYTE  2UL        /* and per body byte: `.*x` backtracks once a byte */
#define RX_HEAP_MAX_KIB    (64UL * 1024)   /* backtracking memory of the interpreter, KiB */
#define RX_JIT_STACK_MAX   (1024UL * 1024) /* bytes */

#define RX_NOJIT 1u /* compile flag: never JIT (tests; what a W^X system gets anyway) */

struct rx;

/*
 * Compiles pattern (PCRE2 syntax, '.' also matching newlines, UTF-8 with
 * invalid bytes in the subject tolerated) and JIT-compiles it unless
 * flags has RX_NOJIT or the system refuses executable memory, in which
 * case the interpreter matches under the same limits. Returns a handle,
 * or NULL with PCRE2's message and the offset in err ("missing closing
 * parenthesis at offset 4").
 */
struct rx *rx_compile(const char *pattern, unsigned flags, char *err, size_t errlen);

/* Another handle on the same immutable compiled pattern; free each one. */
struct rx *rx_copy(struct rx *rx);

void rx_free(struct rx *rx); /* NULL is fine */

bool rx_jit(const struct rx *rx); /* true when matches run JIT-compiled code */

enum rx_result { RX_MATCH, RX_NOMATCH, RX_GAVE_UP };

/*
 * Matches subject (len bytes, NULs allowed) anywhere. RX_GAVE_UP means a
 * limit was hit and nothing is known; why then holds a sentence for the
 * operator ("regex gave up after 1065536 steps: simplify it"). A PCRE2
 * failure that is not a limit (out of memory) is reported the same way.
 */
enum rx_result rx_match(const struct rx *rx, const char *subject, size_t len, char *why,
			size_t whylen);

/* The step limit rx_match applies to a subject of len bytes. */
unsigned long rx_step_limit(size_t len);

#endif
