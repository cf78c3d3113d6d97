/* test_redirect: where a Location leads, origins, and the method after a redirect. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "httpsmon/redirect.h"

/* Resolves loc against base, checks the kind and (for a URL) the target. */
static void assert_target(const char *base, const char *loc, enum redirect_target want,
			  const char *want_url)
{
	char why[200], *target = NULL;
	enum redirect_target got = redirect_resolve(base, loc, &target, why, sizeof(why));

	if (got != want)
		fail_msg("%s + %s: kind %d, want %d (%s)", base, loc, got, want, why);
	if (want_url) {
		assert_non_null(target);
		assert_string_equal(target, want_url);
		assert_string_equal(why, "");
	} else {
		assert_null(target);
		assert_true(why[0] != '\0');
	}
	free(target);
}

static void test_resolve(void **state)
{
	(void)state;
	assert_target("https://a.test/x/y", "/z", REDIRECT_OK, "https://a.test/z");
	assert_target("https://a.test/x/y", "z?q=1", REDIRECT_OK, "https://a.test/x/z?q=1");
	assert_target("https://a.test:8443/", "//b.test/", REDIRECT_OK, "https://b.test/");
	assert_target("https://a.test/", "HTTPS://B.test/p", REDIRECT_OK, "https://B.test/p");
	assert_target("https://a.test/", "http://a.test:2/x", REDIRECT_INSECURE, "http://a.test:2/x");
	assert_target("https://a.test/", "HTTP://a.test/", REDIRECT_INSECURE, "http://a.test/");
	assert_target("https://a.test/", "ftp://a.test/f", REDIRECT_BAD_SCHEME, "ftp://a.test/f");
	assert_target("https://a.test/", "https://[zz::1/", REDIRECT_INVALID, NULL);
}

static void test_location_length_boundary(void **state)
{
	char *loc = malloc(REDIRECT_LOCATION_MAX + 2), why[200], *target = NULL;

	(void)state;
	memset(loc, 'a', REDIRECT_LOCATION_MAX + 1);
	loc[0] = '/';
	loc[REDIRECT_LOCATION_MAX] = '\0'; /* exactly the limit */
	assert_int_equal(redirect_resolve("https://a.test/", loc, &target, why, sizeof(why)), REDIRECT_OK);
	assert_int_equal(strlen(target), strlen("https://a.test") + REDIRECT_LOCATION_MAX);
	free(target);
	loc[REDIRECT_LOCATION_MAX] = 'a'; /* one byte more */
	loc[REDIRECT_LOCATION_MAX + 1] = '\0';
	assert_int_equal(redirect_resolve("https://a.test/", loc, &target, why, sizeof(why)),
			 REDIRECT_TOO_LONG);
	assert_null(target);
	assert_non_null(strstr(why, "Location header too long (8193 bytes"));
	free(loc);
}

static void test_same_origin(void **state)
{
	(void)state;
	assert_true(redirect_same_origin("https://a.test/x", "https://A.TEST:443/y?z"));
	assert_false(redirect_same_origin("https://a.test/", "https://a.test:444/"));
	assert_false(redirect_same_origin("https://a.test/", "https://b.a.test/"));
	assert_false(redirect_same_origin("https://a.test/", "http://a.test:443/"));
	assert_false(redirect_same_origin("https://a.test/", "not a url"));
}

static void test_status_and_method(void **state)
{
	(void)state;
	assert_true(redirect_status(301) && redirect_status(302) && redirect_status(303));
	assert_true(redirect_status(307) && redirect_status(308));
	assert_false(redirect_status(300) || redirect_status(304) || redirect_status(305));
	assert_false(redirect_status(200) || redirect_status(309));
	assert_true(redirect_to_get(303, "POST") && redirect_to_get(303, "PUT"));
	assert_false(redirect_to_get(303, "HEAD"));
	assert_true(redirect_to_get(301, "POST") && redirect_to_get(302, "POST"));
	assert_false(redirect_to_get(301, "PUT") || redirect_to_get(307, "POST") ||
		     redirect_to_get(308, "POST"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_location_length_boundary),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test(test_status_and_method),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
