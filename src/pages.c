/*
 * pages: shared, reference-counted response bodies and their bounds (see
 * pages.h). The cache is a handful of paths, each with its current page
 * and a count of its pages alive; unshared pages are only counted.
 */
#include "httpsmon/pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shared {
	char path[PAGES_PATH_MAX];
	struct page *cur;      /* the cache's reference, or NULL */
	unsigned alive;        /* pages of this path not yet freed, cur included */
};

struct pages {
	struct shared sh[PAGES_PATHS_MAX];
	int nsh;
	uint64_t epoch;
	size_t unshared;       /* bytes of the bodies of published unshared pages not yet freed */
	size_t live;           /* pages not yet freed */
	bool closing;          /* pages_free was called: the last page frees the cache */
};

struct pages *pages_new(void)
{
	return xcalloc(1, sizeof(struct pages));
}

static int find(const struct pages *pc, const char *path)
{
	for (int i = 0; i < pc->nsh; i++)
		if (!strcmp(pc->sh[i].path, path))
			return i;
	return -1;
}

int pages_share(struct pages *pc, const char *path)
{
	if (find(pc, path) >= 0)
		return 0;
	if (pc->nsh == PAGES_PATHS_MAX || strlen(path) >= PAGES_PATH_MAX)
		return -1;
	snprintf(pc->sh[pc->nsh++].path, PAGES_PATH_MAX, "%s", path);
	return 0;
}

void pages_changed(struct pages *pc)
{
	pc->epoch++;
}

struct page *page_ref(struct page *p)
{
	p->refs++;
	return p;
}

void page_unref(struct page *p)
{
	struct pages *pc;

	if (!p || --p->refs)
		return;
	pc = p->owner;
	if (p->path >= 0)
		pc->sh[p->path].alive--;
	pc->unshared -= p->held;
	pc->live--;
	strbuf_done(&p->body);
	free(p);
	if (pc->closing && !pc->live)
		free(pc);
}

static struct page *page_new(struct pages *pc, int path)
{
	struct page *p = xcalloc(1, sizeof(*p));

	p->owner = pc;
	p->path = path;
	p->refs = 1;
	p->epoch = pc->epoch;
	pc->live++;
	if (path >= 0)
		pc->sh[path].alive++;
	return p;
}

/* Whether sh's page still shows what a render now would, near enough: unchanged and younger than the TTL. */
static bool current(const struct pages *pc, const struct shared *sh, int64_t now_ms)
{
	return sh->cur && sh->cur->epoch == pc->epoch && now_ms - sh->cur->made_ms < PAGES_TTL_MS;
}

struct page *pages_take(struct pages *pc, const char *path, int64_t now_ms)
{
	int i = find(pc, path);
	struct shared *sh = i >= 0 ? &pc->sh[i] : NULL;
	struct page *p;

	if (!sh) {
		if (pc->unshared >= PAGES_UNSHARED_MAX)
			return NULL;
		return page_new(pc, -1);
	}
	if (current(pc, sh, now_ms))
		return page_ref(sh->cur);
	/* out of date: the cache lets go (freed now unless a client still reads it) */
	page_unref(sh->cur);
	sh->cur = NULL;
	if (sh->alive >= PAGES_PER_PATH)
		return NULL;
	p = page_new(pc, i);
	p->made_ms = now_ms;
	return p;
}

void pages_publish(struct page *p)
{
	struct pages *pc = p->owner;

	if (p->path < 0) {
		p->held = p->body.len;
		pc->unshared += p->held;
	} else if (p->status == 200 && !pc->sh[p->path].cur) {
		pc->sh[p->path].cur = page_ref(p);
	}
}

void pages_free(struct pages *pc)
{
	if (!pc)
		return;
	pc->closing = true;
	for (int i = 0; i < pc->nsh; i++) {
		struct page *p = pc->sh[i].cur;

		pc->sh[i].cur = NULL;
		if (p && p->refs == 1 && pc->live == 1) {
			page_unref(p); /* the last page: it frees pc */
			return;
		}
		page_unref(p);
	}
	if (!pc->live)
		free(pc);
}

unsigned pages_alive(const struct pages *pc, const char *path)
{
	int i = find(pc, path);

	return i >= 0 ? pc->sh[i].alive : 0;
}

size_t pages_unshared_bytes(const struct pages *pc)
{
	return pc->unshared;
}
