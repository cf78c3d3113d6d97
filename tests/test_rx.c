/*
 * test_rx: the compiled expect_body_regex. A pattern that backtracks
 * without end must give up with a sentence, not freeze the loop, with JIT
 * and with the interpreter a W^X system falls back to; patterns written
 * for POSIX ERE must mean what they meant; a bad pattern must say where.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpsmon/rx.h"
#include "httpsmon/util.h"

#define CATASTROPHIC "([a-z]+ ?)+Q"

/*
 * len bytes of lower-case letters ending in "!Q": the Q is there, so
 * PCRE2's "required character" shortcut cannot answer at once, and the
 * '!' before it sends ([a-z]+ ?)+ into every way of splitting the letters.
 */
static char *letters(size_t len)
{
	char *s = xmalloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (char)('a' + i % 26);
	memcpy(s + len - 2, "!Q", 2);
	s[len] = '\0';
	return s;
}

static struct rx *compile_ok(const char *pattern, unsigned flags)
{
	char err[256] = "";
	struct rx *rx = rx_compile(pattern, flags, err, sizeof(err));

	if (!rx)
		fail_msg("'%s' does not compile: %s", pattern, err);
	return rx;
}

static enum rx_result match(const char *pattern, unsigned flags, const char *s)
{
	struct rx *rx = compile_ok(pattern, flags);
	enum rx_result res = rx_match(rx, s, strlen(s), NULL, 0);

	rx_free(rx);
	return res;
}

/* The catastrophic pattern gives up with the step count in the sentence. */
static void gives_up(unsigned flags, size_t len)
{
	struct rx *rx = compile_ok(CATASTROPHIC, flags);
	char *body = letters(len), why[200] = "", want[200];

	assert_int_equal(rx_match(rx, body, len, why, sizeof(why)), RX_GAVE_UP);
	snprintf(want, sizeof(want), "regex gave up after %lu steps: simplify it",
		 rx_step_limit(len));
	assert_string_equal(why, want);
	rx_free(rx);
	free(body);
}

static void test_gives_up_32k_jit(void **state)
{
	(void)state;
	gives_up(0, 32 * 1024);
}

static void test_gives_up_1m_jit(void **state)
{
	(void)state;
	gives_up(0, 1024 * 1024);
}

static void test_gives_up_32k_interpreter(void **state)
{
	(void)state;
	gives_up(RX_NOJIT, 32 * 1024);
}

static void test_gives_up_1m_interpreter(void **state)
{
	(void)state;
	gives_up(RX_NOJIT, 1024 * 1024);
}

/* The step budget: the base, plus RX_STEPS_PER_BYTE a byte, never past uint32. */
static void test_step_limit(void **state)
{
	(void)state;
	assert_int_equal(rx_step_limit(0), RX_STEPS_BASE);
	assert_int_equal(rx_step_limit(1), RX_STEPS_BASE + RX_STEPS_PER_BYTE);
	assert_int_equal(rx_step_limit(1024 * 1024), RX_STEPS_BASE + RX_STEPS_PER_BYTE * 1048576);
	/* the largest body whose budget still fits, and one byte more */
	assert_int_equal(rx_step_limit((UINT32_MAX - RX_STEPS_BASE) / RX_STEPS_PER_BYTE),
			 UINT32_MAX - 1);
	assert_int_equal(rx_step_limit((UINT32_MAX - RX_STEPS_BASE) / RX_STEPS_PER_BYTE + 1),
			 UINT32_MAX);
	assert_int_equal(rx_step_limit((size_t)1 << 40), UINT32_MAX);
}

/*
 * A fair pattern that backtracks once per byte of a 1 MiB one-line body
 * (the interpreter counts a step per backtracked character) is not cut
 * off: the budget grows with the body.
 */
static void test_fair_pattern_on_big_body(void **state)
{
	size_t len = 1024 * 1024;
	char *body = xmalloc(len + 1);
	unsigned flags[] = { 0, RX_NOJIT };
	size_t i;

	(void)state;
	memset(body, 'x', len);
	memcpy(body, "{\"status\":\"ok\",\"data\":\"", 23);
	memcpy(body + len - 2, "\"}", 2);
	body[len] = '\0';
	for (i = 0; i < 2; i++) {
		struct rx *rx = compile_ok(".*\"status\":\"ok\"", flags[i]);
		char why[200] = "";

		assert_int_equal(rx_match(rx, body, len, why, sizeof(why)), RX_MATCH);
		assert_string_equal(why, "");
		rx_free(rx);
	}
	free(body);
}

/* What configs written for POSIX ERE use means the same under PCRE2. */
static void test_ere_patterns(void **state)
{
	unsigned flags[] = { 0, RX_NOJIT };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		unsigned f = flags[i];

		/* anchors */
		assert_int_equal(match("^\\{.*\"ok\"", f, "{\"status\":\"ok\"}"), RX_MATCH);
		assert_int_equal(match("^\\{.*\"ok\"", f, " {\"status\":\"ok\"}"), RX_NOMATCH);
		assert_int_equal(match("ok\\}$", f, "{\"s\":\"ok}"), RX_MATCH);
		assert_int_equal(match("ok$", f, "ok then"), RX_NOMATCH);
		/* '.' crosses newlines, as it did in ERE */
		assert_int_equal(match("^<html>.*</html>$", f, "<html>\n<p>hi</p>\n</html>"), RX_MATCH);
		/* bracket expressions and POSIX classes */
		assert_int_equal(match("\"version\":\"1\\.[0-9]+", f, "{\"version\":\"1.42\"}"), RX_MATCH);
		assert_int_equal(match("\"version\":\"1\\.[0-9]+", f, "{\"version\":\"2.0\"}"), RX_NOMATCH);
		assert_int_equal(match("[[:digit:]]{3}", f, "code 503"), RX_MATCH);
		assert_int_equal(match("^[[:alpha:]]+$", f, "abc1"), RX_NOMATCH);
		assert_int_equal(match("[^a-z]", f, "abc"), RX_NOMATCH);
		/* alternation and groups */
		assert_int_equal(match("\"status\":\"(ok|healthy)\"", f, "\"status\":\"healthy\""), RX_MATCH);
		assert_int_equal(match("\"status\":\"(ok|healthy)\"", f, "\"status\":\"degraded\""),
				 RX_NOMATCH);
		/* bounds {n}, {n,}, {n,m} */
		assert_int_equal(match("^a{2,3}$", f, "a"), RX_NOMATCH);
		assert_int_equal(match("^a{2,3}$", f, "aa"), RX_MATCH);
		assert_int_equal(match("^a{2,3}$", f, "aaa"), RX_MATCH);
		assert_int_equal(match("^a{2,3}$", f, "aaaa"), RX_NOMATCH);
		assert_int_equal(match("^(ab){2}$", f, "abab"), RX_MATCH);
		assert_int_equal(match("^x{2,}$", f, "xxxxx"), RX_MATCH);
		/* case matters, as in ERE without REG_ICASE */
		assert_int_equal(match("OK", f, "ok"), RX_NOMATCH);
	}
}

/* The whole body is searched, past NUL bytes and invalid UTF-8. */
static void test_binary_body(void **state)
{
	static const char body[] = "\xff\xfe\0garbage\0\"ok\"";
	struct rx *rx = compile_ok("\"ok\"", 0);

	(void)state;
	assert_int_equal(rx_match(rx, body, sizeof(body) - 1, NULL, 0), RX_MATCH);
	assert_int_equal(rx_match(rx, body, 4, NULL, 0), RX_NOMATCH);
	assert_int_equal(rx_match(rx, NULL, 0, NULL, 0), RX_NOMATCH);
	rx_free(rx);
}

static void test_compile_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(rx_compile("([a-", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "missing terminating ] for character class at offset 4"));
	assert_null(rx_compile("(ok", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "missing closing parenthesis at offset 3"));
	assert_null(rx_compile("a{2,1}", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "numbers out of order"));
	assert_null(rx_compile("ok\\", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "\\ at end of pattern at offset 3"));
}

/* A copy is another handle on the same pattern; each is freed on its own. */
static void test_copy(void **state)
{
	struct rx *a = compile_ok("ok", 0), *b = rx_copy(a);

	(void)state;
	assert_non_null(b);
	rx_free(a);
	assert_int_equal(rx_match(b, "is ok", 5, NULL, 0), RX_MATCH);
	rx_free(b);
	assert_null(rx_copy(NULL));
	rx_free(NULL);
}

/* RX_NOJIT really takes the interpreter; JIT is used where the system has it. */
static void test_jit_choice(void **state)
{
	struct rx *nojit = compile_ok("ok", RX_NOJIT);

	(void)state;
	assert_false(rx_jit(nojit));
	rx_free(nojit);
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

/*
 * What the systemd unit's MemoryDenyWriteExecute=yes does to the regex
 * engine: in a process denied writable-and-executable memory from its
 * start (the kernel's MDWE prctl, then exec: the same refusal systemd's
 * seccomp filter makes), the JIT is refused at compile time and matches
 * still work, with the step limit, in the interpreter. A fresh exec,
 * because PCRE2 keeps executable chunks from earlier compiles for reuse.
 * Exit 0, or which check failed; 77: the kernel has no MDWE (before 6.3).
 */
static int wx_child(void)
{
	struct rx *rx = rx_compile(CATASTROPHIC, 0, NULL, 0);
	char *s = letters(32 * 1024);

	if (!rx || rx_jit(rx))
		return 10;
	if (rx_match(rx, "xQ", 2, NULL, 0) != RX_MATCH)
		return 11;
	if (rx_match(rx, s, strlen(s), NULL, 0) != RX_GAVE_UP)
		return 12;
	rx_free(rx);
	free(s);
	return 0;
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

static void test_jit_refused_under_wx_denial(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0)
			_exit(77);
		execl("/proc/self/exe", "test_rx", "--wx-child", (char *)NULL);
		_exit(13);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gives_up_32k_jit),
		cmocka_unit_test(test_gives_up_1m_jit),
		cmocka_unit_test(test_gives_up_32k_interpreter),
		cmocka_unit_test(test_gives_up_1m_interpreter),
		cmocka_unit_test(test_step_limit),
		cmocka_unit_test(test_fair_pattern_on_big_body),
		cmocka_unit_test(test_ere_patterns),
		cmocka_unit_test(test_binary_body),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_jit_choice),
		cmocka_unit_test(test_jit_refused_under_wx_denial),
	};

	if (argc == 2 && !strcmp(argv[1], "--wx-child"))
		return wx_child();

	return cmocka_run_group_tests(tests, NULL, NULL);
}
