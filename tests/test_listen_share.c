/*
 * test_listen_share: the listener's memory bound with real clients on
 * loopback (listen.h, pages.h), in process so the heap can be watched.
 *
 * The handler serves a shared /metrics page of PAGE_BYTES (28 MiB, what
 * 10,000 endpoints render) whose text names its render, and counts renders.
 *  - 32 concurrent scrapes and one slow reader: one render, all 32
 *    answers complete and byte-identical to the page, the heap in use
 *    never more than 3 pages above where it started (one buffer per
 *    client would be 32); the slow reader holds nothing more, and a
 *    timer standing for the scheduler is never late by 100 ms or more
 *    while it dawdles (the bound); HEAD gives the page's length
 *    and no body from the same render; no token: 401.
 *  - listener_changed (a reload, a pause): the next scrape is a new
 *    render; past PAGES_TTL_MS (what shows a pass that landed) too.
 *  - two pages held by slow readers: a scrape that needs a third gets
 *    503 with Retry-After: 1; once one reader goes, 200 again.
 *  - a client that stops reading is closed by the connection timeout
 *    (LISTEN_TIMEOUT_S without progress) and its page freed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/listen.h"
#include "httpsmon/loop.h"
#include "httpsmon/util.h"

#define PAGE_BYTES (28u << 20)
#define CLIENTS    32
#define TOKEN      "sekret"

struct client {
	int fd;
	char head[2048];
	size_t hlen;
	bool in_body, done, watched;
	uint64_t hash;          /* FNV-1a of the body so far */
	size_t body;
	size_t quota;           /* bytes it may still read now (SIZE_MAX: all) */
};

struct fx {
	struct loop *l;
	struct listener *li;
	int port;
	unsigned renders;
	size_t heap0, heap_peak;
	int64_t late_max_us, next_due_us;
	uint64_t tick;
};

static struct fx F;

/* The page of render n: its number, then lines of filler, exactly PAGE_BYTES. */
static void page_text(struct strbuf *b, unsigned n)
{
	char line[100];

	strbuf_printf(b, "# render %u\n", n);
	memset(line, 'm', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	while (b->len + sizeof(line) <= PAGE_BYTES)
		strbuf_append(b, line, sizeof(line));
	strbuf_append(b, line, PAGE_BYTES - b->len);
}

static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

static uint64_t page_hash(unsigned n)
{
	struct strbuf b = { 0 };
	uint64_t h;

	page_text(&b, n);
	h = fnv(FNV0, b.s, b.len);
	strbuf_done(&b);
	return h;
}

static int handler(void *ud, const struct listen_req *rq, struct strbuf *body, const char **ctype)
{
	struct fx *f = ud;

	(void)ctype;
	if (strcmp(rq->path, "/metrics") != 0) {
		strbuf_puts(body, "404\n");
		return 404;
	}
	page_text(body, ++f->renders);
	return 200;
}

static const char *token(void *ud)
{
	(void)ud;
	return TOKEN;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void sample_heap(struct loop *l, void *ud)
{
	struct fx *f = ud;
	size_t h = heap_in_use();

	(void)l;
	if (h > f->heap_peak)
		f->heap_peak = h;
}

/* Stands for the scheduler: due every 10 ms, records how late it ran. */
static int64_t probe_tick(struct loop *l, uint64_t id, void *ud)
{
	struct fx *f = ud;
	int64_t now = util_mono_us();

	(void)l;
	(void)id;
	if (f->next_due_us && now - f->next_due_us > f->late_max_us)
		f->late_max_us = now - f->next_due_us;
	f->next_due_us = now + 10000;
	f->tick++;
	return 10;
}

static void take(struct client *c, const char *p, size_t n)
{
	while (n && !c->in_body) {
		char *end;

		if (c->hlen < sizeof(c->head) - 1)
			c->head[c->hlen++] = *p;
		c->head[c->hlen] = '\0';
		p++;
		n--;
		end = strstr(c->head, "\r\n\r\n");
		c->in_body = end != NULL;
	}
	c->hash = fnv(c->hash, p, n);
	c->body += n;
}

static void client_read(struct loop *l, int fd, unsigned events, void *ud);

static void watch(struct client *c, bool on)
{
	if (on && !c->watched && !c->done)
		assert_int_equal(loop_fd_add(F.l, c->fd, LOOP_READ, client_read, c), 0);
	else if (!on && c->watched)
		loop_fd_remove(F.l, c->fd);
	c->watched = on && !c->done;
}

static void client_read(struct loop *l, int fd, unsigned events, void *ud)
{
	struct client *c = ud;
	char buf[65536];
	size_t want = c->quota < sizeof(buf) ? c->quota : sizeof(buf);
	ssize_t n = read(fd, buf, want);

	(void)l;
	(void)events;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		watch(c, false);
		c->done = true;
		return;
	}
	take(c, buf, (size_t)n);
	if (c->quota != SIZE_MAX)
		c->quota -= (size_t)n;
	if (!c->quota)
		watch(c, false); /* a slow reader: nothing more until its timer allows */
}

static void client_open(struct client *c, const char *method, bool auth, size_t quota)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)F.port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[256];
	int len;

	*c = (struct client){ .hash = FNV0, .quota = quota };
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	len = snprintf(req, sizeof(req), "%s /metrics HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n", method,
		       auth ? "Authorization: Bearer " TOKEN "\r\n" : "");
	assert_int_equal(write(c->fd, req, (size_t)len), len);
	watch(c, true);
}

static void client_close(struct client *c)
{
	watch(c, false);
	close(c->fd);
	c->fd = -1;
}

/* Runs the loop until cond holds (a minute at most: then the test fails). */
#define RUN_UNTIL(cond)                                                       \
	do {                                                                  \
		int64_t end_ = util_mono_us() + 60 * 1000000LL;               \
		while (!(cond)) {                                             \
			assert_true(util_mono_us() < end_);                   \
			assert_int_equal(loop_run_once(F.l), 0);              \
		}                                                             \
	} while (0)

static bool all_done(const struct client *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!cs[i].done)
			return false;
	return true;
}

/* Runs ticks of the 10 ms timer; slow (when given) may read 16 KiB a tick: 28 MiB would take half a minute. */
static void run_ticks(uint64_t ticks, struct client *slow)
{
	uint64_t end = F.tick + ticks, last = F.tick;

	while (F.tick < end) {
		assert_int_equal(loop_run_once(F.l), 0);
		if (slow && F.tick != last && !slow->quota) {
			slow->quota = 16384;
			watch(slow, true);
		}
		last = F.tick;
	}
}

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int setup(void **state)
{
	char err[512], addr[64];

	(void)state;
	F = (struct fx){ 0 };
	F.l = loop_new(0, err, sizeof(err));
	assert_non_null(F.l);
	F.port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", F.port);
	F.li = listener_new(F.l, addr, NULL, handler, token, &F, err, sizeof(err));
	if (!F.li)
		fail_msg("%s", err);
	listener_share(F.li, "/metrics");
	loop_before_sleep_add(F.l, sample_heap, &F);
	loop_timer_add(F.l, 10, probe_tick, &F);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	listener_free(F.li);
	loop_free(F.l);
	return 0;
}

static bool status_is(const struct client *c, const char *line)
{
	return !strncmp(c->head, line, strlen(line));
}

static void test_concurrent_scrapes_share_one_page(void **state)
{
	static struct client cs[CLIENTS];
	struct client slow, head, noauth;
	uint64_t want = page_hash(1);
	char clen[64];

	(void)state;
	F.heap0 = F.heap_peak = heap_in_use();
	client_open(&slow, "GET", true, 16384);
	for (int i = 0; i < CLIENTS; i++)
		client_open(&cs[i], "GET", true, SIZE_MAX);
	client_open(&head, "HEAD", true, SIZE_MAX);
	client_open(&noauth, "GET", false, SIZE_MAX);
	RUN_UNTIL(all_done(cs, CLIENTS) && head.done && noauth.done);
	assert_int_equal(F.renders, 1);

	/* HEAD: the page's length, no body, no render of its own; the token is checked for a shared page too */
	snprintf(clen, sizeof(clen), "Content-Length: %u\r\n", PAGE_BYTES);
	assert_true(status_is(&head, "HTTP/1.1 200"));
	assert_non_null(strcasestr(head.head, clen));
	assert_int_equal(head.body, 0);
	assert_true(status_is(&noauth, "HTTP/1.1 401"));
	client_close(&head);
	client_close(&noauth);
	for (int i = 0; i < CLIENTS; i++) {
		assert_true(status_is(&cs[i], "HTTP/1.1 200"));
		assert_int_equal(cs[i].body, PAGE_BYTES);
		assert_true(cs[i].hash == want);
		client_close(&cs[i]);
	}
	/* the bodies in flight were one page, not one per client */
	print_message("heap: %zu KiB in use at the start, at most %zu KiB more during 32 scrapes of %u KiB\n",
		      F.heap0 / 1024, (F.heap_peak - F.heap0) / 1024, PAGE_BYTES / 1024);
	assert_true(F.heap_peak - F.heap0 < 3 * (size_t)PAGE_BYTES);
	assert_int_equal(pages_alive(listener_pages(F.li), "/metrics"), 1);

	/* a slow reader holds the shared page and nothing else, and never delays the loop */
	F.late_max_us = 0;
	F.next_due_us = 0;
	F.heap_peak = heap_in_use();
	run_ticks(50, &slow);
	assert_false(slow.done);
	assert_true(slow.body > 0 && slow.body < PAGE_BYTES);
	print_message("timer lateness while a client reads 16 KiB a pass: at most %.1f ms\n", F.late_max_us / 1000.0);
	assert_true(F.late_max_us < 100000);
	assert_true(F.heap_peak - F.heap0 < 3 * (size_t)PAGE_BYTES);

	client_close(&slow);
}

static void test_changed_and_ttl_render_anew(void **state)
{
	struct client a, b, c;
	int64_t t0;

	(void)state;
	client_open(&a, "GET", true, SIZE_MAX);
	RUN_UNTIL(a.done);
	assert_int_equal(F.renders, 1);
	listener_changed(F.li); /* a reload or a pause */
	t0 = util_mono_us();
	client_open(&b, "GET", true, SIZE_MAX);
	RUN_UNTIL(b.done);
	assert_int_equal(F.renders, 2);
	assert_true(b.hash == page_hash(2));
	assert_int_equal(pages_alive(listener_pages(F.li), "/metrics"), 1); /* render 1 was let go */
	/* past the TTL (what shows a pass that landed): rendered anew */
	while (util_mono_us() - t0 <= PAGES_TTL_MS * 1000LL)
		assert_int_equal(loop_run_once(F.l), 0);
	client_open(&c, "GET", true, SIZE_MAX);
	RUN_UNTIL(c.done);
	assert_int_equal(F.renders, 3);
	assert_true(c.hash == page_hash(3));
	client_close(&a);
	client_close(&b);
	client_close(&c);
}

static void test_third_page_refused(void **state)
{
	struct client s1, s2, x, y;

	(void)state;
	client_open(&s1, "GET", true, 16384);       /* holds render 1 */
	RUN_UNTIL(s1.body > 0);
	listener_changed(F.li);
	client_open(&s2, "GET", true, 16384);       /* holds render 2 */
	RUN_UNTIL(s2.body > 0);
	assert_int_equal(F.renders, 2);
	assert_int_equal(pages_alive(listener_pages(F.li), "/metrics"), PAGES_PER_PATH);
	listener_changed(F.li);
	client_open(&x, "GET", true, SIZE_MAX);
	RUN_UNTIL(x.done);
	assert_true(status_is(&x, "HTTP/1.1 503"));
	assert_non_null(strcasestr(x.head, "Retry-After: 1\r\n"));
	assert_int_equal(F.renders, 2);
	client_close(&s1);                          /* one reader gone: its page freed */
	RUN_UNTIL(pages_alive(listener_pages(F.li), "/metrics") < PAGES_PER_PATH);
	client_open(&y, "GET", true, SIZE_MAX);
	RUN_UNTIL(y.done);
	assert_true(status_is(&y, "HTTP/1.1 200"));
	assert_int_equal(F.renders, 3);
	assert_true(y.hash == page_hash(3));
	client_close(&s2);
	client_close(&x);
	client_close(&y);
}

/* A client that asks and then reads nothing is closed after LISTEN_TIMEOUT_S of no progress, and lets its page go. */
static void test_silent_reader_released(void **state)
{
	struct client idle, b;
	int64_t t0;

	(void)state;
	client_open(&idle, "GET", true, 16384);
	RUN_UNTIL(idle.body > 0);                   /* then it never reads again */
	listener_changed(F.li);
	client_open(&b, "GET", true, SIZE_MAX);
	RUN_UNTIL(b.done);
	assert_int_equal(F.renders, 2);
	assert_int_equal(pages_alive(listener_pages(F.li), "/metrics"), 2);
	t0 = util_mono_us();
	RUN_UNTIL(pages_alive(listener_pages(F.li), "/metrics") == 1);
	print_message("a client that stopped reading let its page go after %.1f s (LISTEN_TIMEOUT_S %d)\n",
		      (double)(util_mono_us() - t0) / 1e6, LISTEN_TIMEOUT_S);
	assert_true(idle.body < PAGE_BYTES);
	client_close(&idle);
	client_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_scrapes_share_one_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_and_ttl_render_anew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_third_page_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_reader_released, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
