/*
 * test_pages: the listener's shared pages and their bounds (pages.h).
 *
 * A shared page is given to every request while it is current, exactly
 * up to PAGES_TTL_MS (999 ms old: the same page; 1000 ms: a new render)
 * and until pages_changed; a page that stopped being current lives while
 * a client holds it and is freed with the last reference; at
 * PAGES_PER_PATH pages alive a new render is refused (NULL, a 503), one
 * fewer and it is allowed; a failed render (not 200) is never shared;
 * unshared answers are refused exactly when PAGES_UNSHARED_MAX bytes are
 * in flight; pages_free with pages still being sent leaves them valid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "httpsmon/pages.h"

/* Takes a page of path at t; renders "text" into it when it comes empty. */
static struct page *get(struct pages *pc, const char *path, int64_t t, const char *text, int status)
{
	struct page *p = pages_take(pc, path, t);

	if (p && !p->status) {
		strbuf_puts(&p->body, text);
		p->status = status;
		pages_publish(p);
	}
	return p;
}

static void test_shared_until_ttl(void **state)
{
	struct pages *pc = pages_new();
	struct page *a, *b, *c;

	(void)state;
	assert_int_equal(pages_share(pc, "/metrics"), 0);
	a = get(pc, "/metrics", 5000, "one", 200);
	b = get(pc, "/metrics", 5000 + PAGES_TTL_MS - 1, "two", 200);
	assert_ptr_equal(a, b);                      /* 999 ms old: the same bytes */
	assert_string_equal(strbuf_cstr(&b->body), "one");
	assert_int_equal(pages_alive(pc, "/metrics"), 1);
	c = get(pc, "/metrics", 5000 + PAGES_TTL_MS, "three", 200);
	assert_ptr_not_equal(a, c);                  /* 1000 ms: rendered anew */
	assert_string_equal(strbuf_cstr(&c->body), "three");
	assert_int_equal(pages_alive(pc, "/metrics"), 2); /* a still held by two clients */
	page_unref(a);
	assert_int_equal(pages_alive(pc, "/metrics"), 2);
	page_unref(b);
	assert_int_equal(pages_alive(pc, "/metrics"), 1); /* the last reader let go: freed */
	page_unref(c);
	assert_int_equal(pages_alive(pc, "/metrics"), 1); /* the cache keeps the current one */
	pages_free(pc);
}

static void test_changed_renders_anew(void **state)
{
	struct pages *pc = pages_new();
	struct page *a, *b;

	(void)state;
	pages_share(pc, "/metrics");
	a = get(pc, "/metrics", 100, "before", 200);
	page_unref(a);
	pages_changed(pc);
	b = get(pc, "/metrics", 101, "after", 200);
	assert_string_equal(strbuf_cstr(&b->body), "after");
	assert_int_equal(pages_alive(pc, "/metrics"), 1); /* nobody read "before" any more: freed */
	page_unref(b);
	pages_free(pc);
}

static void test_cap_refuses_third(void **state)
{
	struct pages *pc = pages_new();
	struct page *a, *b, *c;

	(void)state;
	pages_share(pc, "/metrics");
	a = get(pc, "/metrics", 0, "a", 200);
	b = get(pc, "/metrics", PAGES_TTL_MS, "b", 200);  /* a is still being sent: 2 alive */
	assert_non_null(b);
	assert_int_equal(pages_alive(pc, "/metrics"), PAGES_PER_PATH);
	c = get(pc, "/metrics", 2 * PAGES_TTL_MS, "c", 200);
	assert_null(c);                                   /* a third would exceed the bound */
	assert_int_equal(pages_alive(pc, "/metrics"), PAGES_PER_PATH);
	page_unref(a);                                    /* one client done: room for one */
	c = get(pc, "/metrics", 2 * PAGES_TTL_MS, "c", 200);
	assert_non_null(c);
	assert_string_equal(strbuf_cstr(&c->body), "c");
	page_unref(b);
	page_unref(c);
	pages_free(pc);
}

static void test_failure_not_shared(void **state)
{
	struct pages *pc = pages_new();
	struct page *a, *b;

	(void)state;
	pages_share(pc, "/api/v1/endpoints");
	a = get(pc, "/api/v1/endpoints", 0, "oops", 500);
	b = get(pc, "/api/v1/endpoints", 1, "ok", 200);
	assert_ptr_not_equal(a, b);
	assert_string_equal(strbuf_cstr(&b->body), "ok");
	page_unref(a);
	page_unref(b);
	assert_int_equal(pages_alive(pc, "/api/v1/endpoints"), 1);
	pages_free(pc);
}

static void test_unshared_budget(void **state)
{
	struct pages *pc = pages_new();
	struct page *big, *p;

	(void)state;
	p = get(pc, "/healthz", 0, "ok\n", 200);
	assert_int_equal(pages_alive(pc, "/healthz"), 0);
	assert_true(pages_unshared_bytes(pc) > 0);
	page_unref(p);
	assert_int_equal(pages_unshared_bytes(pc), 0);

	/* PAGES_UNSHARED_MAX - 1 bytes in flight: one more answer is allowed; at PAGES_UNSHARED_MAX: refused */
	big = pages_take(pc, "/api/v1/events", 0);
	assert_non_null(big);
	big->body.s = xmalloc(PAGES_UNSHARED_MAX);
	memset(big->body.s, 'e', PAGES_UNSHARED_MAX - 1);
	big->body.len = PAGES_UNSHARED_MAX - 1;
	big->body.s[big->body.len] = '\0';
	big->body.cap = PAGES_UNSHARED_MAX;
	big->status = 200;
	pages_publish(big);
	assert_int_equal(pages_unshared_bytes(pc), PAGES_UNSHARED_MAX - 1);
	p = get(pc, "/api/v1/events", 0, "x", 200);
	assert_non_null(p);
	assert_int_equal(pages_unshared_bytes(pc), PAGES_UNSHARED_MAX);
	assert_null(pages_take(pc, "/api/v1/outages", 0));
	page_unref(p);
	assert_int_equal(pages_unshared_bytes(pc), PAGES_UNSHARED_MAX - 1);
	p = get(pc, "/api/v1/outages", 0, "y", 200);
	assert_non_null(p);
	page_unref(p);
	page_unref(big);
	assert_int_equal(pages_unshared_bytes(pc), 0);
	pages_free(pc);
}

static void test_free_while_sending(void **state)
{
	struct pages *pc = pages_new();
	struct page *a;

	(void)state;
	pages_share(pc, "/metrics");
	a = get(pc, "/metrics", 0, "still sending", 200);
	pages_free(pc);                                   /* the listener stops; a client still has a */
	assert_string_equal(strbuf_cstr(&a->body), "still sending");
	page_unref(a);                                    /* frees a and what is left of the cache */
}

static void test_share_limits(void **state)
{
	struct pages *pc = pages_new();
	char path[PAGES_PATH_MAX + 1];

	(void)state;
	for (int i = 0; i < PAGES_PATHS_MAX; i++) {
		char p[16];

		snprintf(p, sizeof(p), "/p%d", i);
		assert_int_equal(pages_share(pc, p), 0);
	}
	assert_int_equal(pages_share(pc, "/p0"), 0);      /* again: already shared */
	assert_int_equal(pages_share(pc, "/one-more"), -1);
	pages_free(pc);
	pc = pages_new();
	memset(path, 'a', sizeof(path));
	path[PAGES_PATH_MAX - 1] = '\0';
	assert_int_equal(pages_share(pc, path), 0);       /* 63 bytes fit */
	path[PAGES_PATH_MAX - 1] = 'a';
	path[PAGES_PATH_MAX] = '\0';
	assert_int_equal(pages_share(pc, path), -1);      /* 64 do not */
	pages_free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_until_ttl),
		cmocka_unit_test(test_changed_renders_anew),
		cmocka_unit_test(test_cap_refuses_third),
		cmocka_unit_test(test_failure_not_shared),
		cmocka_unit_test(test_unshared_budget),
		cmocka_unit_test(test_free_while_sending),
		cmocka_unit_test(test_share_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
