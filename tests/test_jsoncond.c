/* test_jsoncond: parsing expect_json conditions and judging bodies with them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "httpsmon/jsoncond.h"

static char last_msg[512];

/* Parses one condition and evaluates it on body. */
static enum jsoncond_outcome judge(const char *cond, const char *body)
{
	struct json_cond c;
	char err[256];
	enum jsoncond_outcome out;

	if (jsoncond_parse(cond, &c, err, sizeof(err)) != 0)
		fail_msg("parse of '%s' failed: %s", cond, err);
	out = jsoncond_eval_all(&c, 1, body, strlen(body), last_msg, sizeof(last_msg));
	jsoncond_done(&c);
	return out;
}

/* Expects cond not to parse, with want somewhere in the message. */
static void assert_parse_error(const char *cond, const char *want)
{
	struct json_cond c;
	char err[256] = "";

	assert_int_equal(jsoncond_parse(cond, &c, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error for '%s' was '%s', expected it to contain '%s'", cond, err, want);
	/* a failed parse leaves nothing to free */
	assert_null(c.path);
	assert_null(c.text);
}

static void test_parse(void **state)
{
	struct json_cond c;
	char err[256];

	(void)state;
	assert_int_equal(jsoncond_parse("  checks.db.latency_ms <= 200.5 ", &c, err, sizeof(err)), 0);
	assert_int_equal(c.npath, 3);
	assert_string_equal(c.path[0], "checks");
	assert_string_equal(c.path[2], "latency_ms");
	assert_int_equal(c.op, JOP_LE);
	assert_int_equal(c.lit, JLIT_NUMBER);
	assert_true(c.num == 200.5);
	assert_string_equal(c.text, "checks.db.latency_ms <= 200.5");
	jsoncond_done(&c);

	assert_int_equal(jsoncond_parse("status==\"say \\\"ok\\\"\"", &c, err, sizeof(err)), 0);
	assert_int_equal(c.lit, JLIT_STRING);
	assert_string_equal(c.str, "say \"ok\"");
	jsoncond_done(&c);

	assert_int_equal(jsoncond_parse("\"build.info\".version exists", &c, err, sizeof(err)), 0);
	assert_int_equal(c.npath, 2);
	assert_string_equal(c.path[0], "build.info");
	assert_int_equal(c.op, JOP_EXISTS);
	assert_int_equal(c.lit, JLIT_NONE);
	jsoncond_done(&c);

	assert_int_equal(jsoncond_parse("maintenance != true", &c, err, sizeof(err)), 0);
	assert_int_equal(c.op, JOP_NE);
	assert_int_equal(c.lit, JLIT_BOOL);
	assert_true(c.b);
	jsoncond_done(&c);

	assert_int_equal(jsoncond_parse("error == null", &c, err, sizeof(err)), 0);
	assert_int_equal(c.lit, JLIT_NULL);
	jsoncond_done(&c);

	assert_int_equal(jsoncond_parse("temp > -3", &c, err, sizeof(err)), 0);
	assert_true(c.num == -3);
	jsoncond_done(&c);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("status", "expected an operator (==, !=, <, <=, >, >=, exists) after 'status'");
	assert_parse_error("status = \"ok\"", "use '==' to compare");
	assert_parse_error("status ~ \"ok\"", "expected an operator");
	assert_parse_error("status == ok", "a \"string\" (in double quotes)");
	assert_parse_error("status ==", "expected a value after '=='");
	assert_parse_error("status == \"ok", "missing closing '\"'");
	assert_parse_error("status == \"a\\qb\"", "unknown escape");
	assert_parse_error("count < \"5\"", "'<' compares numbers");
	assert_parse_error("ok >= true", "'>=' compares numbers");
	assert_parse_error("n == 1 2", "unexpected text at the end");
	assert_parse_error("version exists now", "unexpected text at the end");
	assert_parse_error("a..b == 1", "empty path segment");
	assert_parse_error("== 1", "expected a path");
	assert_parse_error("", "empty condition");
	assert_parse_error("n == nan", "a number");
	assert_parse_error("n == 0x10", "a number");
}

static const char doc[] =
	"{\"status\":\"degraded\",\"version\":null,\"up\":true,\"n\":42,"
	"\"checks\":{\"db\":{\"latency_ms\":150,\"ok\":true}},"
	"\"items\":[{\"healthy\":true},{\"healthy\":false}],"
	"\"build.info\":{\"version\":\"1.2\"},\"obj\":{\"0\":\"zero\"}}";

static void test_eval_pass(void **state)
{
	(void)state;
	assert_int_equal(judge("status == \"degraded\"", doc), JSONCOND_PASS);
	assert_string_equal(last_msg, "");
	assert_int_equal(judge("status != \"ok\"", doc), JSONCOND_PASS);
	assert_int_equal(judge("checks.db.latency_ms < 200", doc), JSONCOND_PASS);
	assert_int_equal(judge("checks.db.latency_ms <= 150", doc), JSONCOND_PASS);
	assert_int_equal(judge("checks.db.latency_ms >= 150", doc), JSONCOND_PASS);
	assert_int_equal(judge("checks.db.ok == true", doc), JSONCOND_PASS);
	assert_int_equal(judge("items.0.healthy == true", doc), JSONCOND_PASS);
	assert_int_equal(judge("items.1.healthy == false", doc), JSONCOND_PASS);
	assert_int_equal(judge("version == null", doc), JSONCOND_PASS);
	assert_int_equal(judge("version exists", doc), JSONCOND_PASS); /* null still exists */
	assert_int_equal(judge("n == 42.0", doc), JSONCOND_PASS);
	assert_int_equal(judge("\"build.info\".version == \"1.2\"", doc), JSONCOND_PASS);
	assert_int_equal(judge("obj.0 == \"zero\"", doc), JSONCOND_PASS); /* digits on an object: a key */
	/* != passes on a different type too */
	assert_int_equal(judge("n != \"42\"", doc), JSONCOND_PASS);
}

static void test_eval_fail(void **state)
{
	(void)state;
	assert_int_equal(judge("status == \"ok\"", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "status == \"ok\": found \"degraded\"");

	assert_int_equal(judge("checks.db.latency_ms < 100", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "checks.db.latency_ms < 100: found 150");

	assert_int_equal(judge("checks.cache.hit == true", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "checks.cache.hit == true: path not found ('checks' has no key 'cache')");

	assert_int_equal(judge("items.5.healthy == true", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "items.5.healthy == true: path not found ('items' has 2 elements, no index 5)");

	assert_int_equal(judge("status.code == 1", doc), JSONCOND_FAIL);
	assert_non_null(strstr(last_msg, "'status' is a string"));

	/* a missing path fails even with != */
	assert_int_equal(judge("maintenance != true", doc), JSONCOND_FAIL);
	assert_non_null(strstr(last_msg, "path not found"));

	/* type mismatches */
	assert_int_equal(judge("n == \"42\"", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "n == \"42\": found 42");
	assert_int_equal(judge("status > 3", doc), JSONCOND_FAIL);
	assert_string_equal(last_msg, "status > 3: found \"degraded\" (a string, not a number)");
	assert_int_equal(judge("up == 1", doc), JSONCOND_FAIL);
	assert_int_equal(judge("version == false", doc), JSONCOND_FAIL);
	assert_int_equal(judge("items == null", doc), JSONCOND_FAIL);
}

static void test_eval_found_truncated(void **state)
{
	char body[400];

	(void)state;
	memset(body, 0, sizeof(body));
	strcpy(body, "{\"s\":\"");
	memset(body + 6, 'x', 300);
	strcat(body, "\"}");
	assert_int_equal(judge("s == \"y\"", body), JSONCOND_FAIL);
	/* condition, ": found ", at most 80 characters of value, "..." */
	assert_true(strlen(last_msg) <= strlen("s == \"y\": found ") + 80 + 3);
	assert_non_null(strstr(last_msg, "xxx..."));
}

static void test_not_json(void **state)
{
	(void)state;
	assert_int_equal(judge("status == \"ok\"", "<html>oops</html>"), JSONCOND_NOT_JSON);
	assert_non_null(strstr(last_msg, "not JSON"));
	assert_non_null(strstr(last_msg, "byte 0"));
	assert_int_equal(judge("status == \"ok\"", "{\"status\":\"ok\"} trailing"), JSONCOND_NOT_JSON);
	assert_non_null(strstr(last_msg, "byte 16"));
	assert_int_equal(judge("status == \"ok\"", ""), JSONCOND_NOT_JSON);
	assert_int_equal(judge("status == \"ok\"", "{\"status\":\"ok\"}\n  "), JSONCOND_PASS);
	/* a top-level array is JSON too */
	assert_int_equal(judge("0.id == 7", "[{\"id\":7}]"), JSONCOND_PASS);
}

/*
 * Every operator at its bound and one step either side, integers and
 * fractions: `<` judged as `<=` (or `>` as `>=`, `==` within a tolerance)
 * must fail here. The body holds latency_ms = 150 and ratio = 0.5.
 */
static void test_eval_boundaries(void **state)
{
	static const char bounds[] = "{\"latency_ms\":150,\"ratio\":0.5,\"neg\":-2}";
	static const struct {
		const char *cond;
		enum jsoncond_outcome want;
	} cases[] = {
		{ "latency_ms < 149", JSONCOND_FAIL },
		{ "latency_ms < 150", JSONCOND_FAIL },
		{ "latency_ms < 151", JSONCOND_PASS },
		{ "latency_ms <= 149", JSONCOND_FAIL },
		{ "latency_ms <= 150", JSONCOND_PASS },
		{ "latency_ms <= 151", JSONCOND_PASS },
		{ "latency_ms > 149", JSONCOND_PASS },
		{ "latency_ms > 150", JSONCOND_FAIL },
		{ "latency_ms > 151", JSONCOND_FAIL },
		{ "latency_ms >= 149", JSONCOND_PASS },
		{ "latency_ms >= 150", JSONCOND_PASS },
		{ "latency_ms >= 151", JSONCOND_FAIL },
		{ "latency_ms == 149", JSONCOND_FAIL },
		{ "latency_ms == 150", JSONCOND_PASS },
		{ "latency_ms == 151", JSONCOND_FAIL },
		{ "latency_ms != 149", JSONCOND_PASS },
		{ "latency_ms != 150", JSONCOND_FAIL },
		{ "latency_ms != 151", JSONCOND_PASS },
		{ "ratio < 0.5", JSONCOND_FAIL },
		{ "ratio < 0.50001", JSONCOND_PASS },
		{ "ratio <= 0.5", JSONCOND_PASS },
		{ "ratio <= 0.49999", JSONCOND_FAIL },
		{ "ratio > 0.5", JSONCOND_FAIL },
		{ "ratio > 0.49999", JSONCOND_PASS },
		{ "ratio >= 0.5", JSONCOND_PASS },
		{ "ratio >= 0.50001", JSONCOND_FAIL },
		{ "ratio == 0.5", JSONCOND_PASS },
		{ "ratio == 0.50001", JSONCOND_FAIL },
		{ "ratio != 0.5", JSONCOND_FAIL },
		{ "neg < -2", JSONCOND_FAIL },
		{ "neg <= -2", JSONCOND_PASS },
		{ "neg > -3", JSONCOND_PASS },
		{ "neg >= -1", JSONCOND_FAIL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum jsoncond_outcome got = judge(cases[i].cond, bounds);

		if (got != cases[i].want)
			fail_msg("'%s' on %s: got %d, want %d (%s)", cases[i].cond, bounds, got,
				 cases[i].want, last_msg);
	}
	/* a failed bound says what was found */
	assert_int_equal(judge("latency_ms < 150", bounds), JSONCOND_FAIL);
	assert_string_equal(last_msg, "latency_ms < 150: found 150");
}

static void test_eval_all(void **state)
{
	struct json_cond c[3];
	char err[128], msg[256];
	/* not NUL-terminated: the length bounds the parse */
	const char body[] = { '{', '"', 'a', '"', ':', '1', '}', 'X' };

	(void)state;
	assert_int_equal(jsoncond_parse("a == 1", &c[0], err, sizeof(err)), 0);
	assert_int_equal(jsoncond_parse("a < 0", &c[1], err, sizeof(err)), 0);
	jsoncond_copy(&c[2], &c[0]);
	assert_string_equal(c[2].text, "a == 1");
	assert_ptr_not_equal(c[2].path, c[0].path);

	assert_int_equal(jsoncond_eval_all(c, 1, body, 7, msg, sizeof(msg)), JSONCOND_PASS);
	assert_int_equal(jsoncond_eval_all(c, 2, body, 7, msg, sizeof(msg)), JSONCOND_FAIL);
	assert_string_equal(msg, "a < 0: found 1");
	/* no conditions: anything passes, even a body that is not JSON */
	assert_int_equal(jsoncond_eval_all(c, 0, "nope", 4, msg, sizeof(msg)), JSONCOND_PASS);
	assert_int_equal(jsoncond_eval_all(&c[2], 1, body, 7, NULL, 0), JSONCOND_PASS);
	jsoncond_done(&c[0]);
	jsoncond_done(&c[1]);
	jsoncond_done(&c[2]);
	jsoncond_done(&c[2]); /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_eval_pass),
		cmocka_unit_test(test_eval_fail),
		cmocka_unit_test(test_eval_found_truncated),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_eval_boundaries),
		cmocka_unit_test(test_eval_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
