/*
 * pages: the listener's response bodies, and what bounds their memory.
 *
 * Every answer is a page: a body rendered once, immutable from then on,
 * reference-counted (one reference per response sending it, one for the
 * cache while it is current) and freed when the last client has it.
 *
 * A shared path (pages_share: /metrics, /api/v1/endpoints) answers every
 * client alike, so its page is rendered once and sent to every scraper
 * that asks while it is current: younger than PAGES_TTL_MS and no change
 * announced since (pages_changed: a reload, a pause or resume). A page
 * that stopped being current lives on only while clients still read it.
 * At most PAGES_PER_PATH pages of one path exist at once (the current one
 * and an older one still being sent): a render that would make one more
 * is refused (pages_take returns NULL: the listener answers 503 with
 * Retry-After) rather than allocated.
 *
 * Every other answer is small and bounded by its handler (API_MAX_ROWS,
 * one endpoint, a histogram) and is rendered for its request; together
 * they may hold PAGES_UNSHARED_MAX bytes in flight: a request that finds
 * them over it is refused the same way. So the listener's bodies take at
 * most PAGES_PER_PATH pages per shared path plus PAGES_UNSHARED_MAX plus
 * one answer, however many clients.
 *
 * Times are the caller's, in milliseconds on a monotonic clock, so the
 * rules are tested at their exact thresholds. Not thread-safe (the loop's).
 */
#ifndef HTTPSMON_PAGES_H
#define HTTPSMON_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/util.h"

#define PAGES_TTL_MS       1000          /* a shared page is re-rendered once this old (or after a change) */
#define PAGES_PER_PATH     2             /* pages of one shared path alive at once */
#define PAGES_PATHS_MAX    4             /* shared paths */
#define PAGES_PATH_MAX     64            /* bytes of a shared path */
#define PAGES_UNSHARED_MAX (16u << 20)   /* bytes of unshared answers in flight at which a request gets 503 */

struct pages;

struct page {
	struct strbuf body;   /* written by the renderer, then never again */
	int status;           /* HTTP status; 0 until rendered */
	const char *ctype;    /* static text */
	/* the rest is pages.c's */
	struct pages *owner;
	int path;             /* index of its shared path, or -1 */
	unsigned refs;
	int64_t made_ms;
	uint64_t epoch;
	size_t held;          /* bytes (its body) counted in the owner's unshared total */
};

struct pages *pages_new(void);
/* Frees the cache's references; pages still being sent stay valid until their last page_unref. NULL is fine. */
void pages_free(struct pages *pc);

/* Serves path (no query: every client gets the same answer) from a shared page. -1 when PAGES_PATHS_MAX are shared or path is too long. */
int pages_share(struct pages *pc, const char *path);

/* What the shared pages show has changed: each is rendered anew on its next request. */
void pages_changed(struct pages *pc);

/*
 * A page for a request of path at now_ms, with a reference for the
 * caller: the current shared page (status != 0: send it as it is), or an
 * empty one (status 0) for the caller to render into and pages_publish.
 * NULL when that render would take more than the bounds above: answer 503.
 */
struct page *pages_take(struct pages *pc, const char *path, int64_t now_ms);

/*
 * After rendering p (status set): a shared path's 200 page becomes its
 * current one; an unshared page's bytes count until it is freed.
 */
void pages_publish(struct page *p);

/* Gives a reference back; the last one frees the page. NULL is fine. */
void page_unref(struct page *p);
struct page *page_ref(struct page *p);

/* Pages of shared path index i alive, and bytes of unshared pages in flight (for tests and the bench). */
unsigned pages_alive(const struct pages *pc, const char *path);
size_t pages_unshared_bytes(const struct pages *pc);

#endif
