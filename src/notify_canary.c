/*
 * notify_canary: the canary check (`[defaults] canary = HOST:PORT, ...`).
 * One TCP connect per canary, as libcurl transfers (CURLOPT_CONNECT_ONLY:
 * its resolver and connect, nothing sent) on the probe engine's multi
 * handle, so neither the name lookup nor the connect blocks the loop. The
 * check is good when any canary answered; when every one failed the
 * problem is this box's own network, and the engine holds its endpoint
 * alerts (notify.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "notify_int.h"

struct canary {
	struct prober *p;
	canary_done_cb done;
	void *ud;
	CURL **e;                /* one per canary; NULL once finished */
	size_t n, left;
	bool any_ok;
	char detail[200];        /* the first failure, "host:port: why" */
};

struct canary *canary_new(struct prober *p, canary_done_cb done, void *ud)
{
	struct canary *c = xcalloc(1, sizeof(*c));

	c->p = p;
	c->done = done;
	c->ud = ud;
	return c;
}

static void stop_all(struct canary *c)
{
	for (size_t i = 0; i < c->n; i++) {
		char *host = NULL;

		if (!c->e[i])
			continue;
		prober_easy_remove(c->p, c->e[i]);
		curl_easy_getinfo(c->e[i], CURLINFO_PRIVATE, &host);
		free(host);
		curl_easy_cleanup(c->e[i]);
	}
	free(c->e);
	c->e = NULL;
	c->n = c->left = 0;
}

void canary_free(struct canary *c)
{
	if (!c)
		return;
	stop_all(c);
	free(c);
}

bool canary_running(const struct canary *c)
{
	return c && c->left > 0;
}

static void conn_done(void *easy, int rc, void *ud)
{
	struct canary *c = ud;
	char *host = NULL;

	for (size_t i = 0; i < c->n; i++)
		if (c->e[i] == easy)
			c->e[i] = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &host);
	if (rc == CURLE_OK) {
		c->any_ok = true;
	} else if (!c->detail[0]) {
		snprintf(c->detail, sizeof(c->detail), "%s: %s", host ? host : "?", curl_easy_strerror((CURLcode)rc));
	}
	free(host);
	curl_easy_cleanup(easy);
	if (--c->left == 0) {
		free(c->e);
		c->e = NULL;
		c->n = 0;
		c->done(c->ud, c->any_ok, c->detail);
	}
}

void canary_check(struct canary *c, const struct strlist *hosts, int64_t timeout_ms)
{
	if (!c || canary_running(c) || !hosts->n)
		return;
	stop_all(c);
	c->any_ok = false;
	c->detail[0] = '\0';
	c->e = xcalloc(hosts->n, sizeof(*c->e));
	c->n = hosts->n;
	for (size_t i = 0; i < hosts->n; i++) {
		CURL *e = curl_easy_init();
		char *url = xasprintf("http://%s/", hosts->v[i]);

		if (e) {
			curl_easy_setopt(e, CURLOPT_URL, url);
			curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
			curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
			curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
			curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
			curl_easy_setopt(e, CURLOPT_PRIVATE, xstrdup(hosts->v[i]));
		}
		free(url);
		c->left++;
		if (!e || prober_easy_add(c->p, e, conn_done, c) != 0) {
			char *h = NULL;

			if (e)
				curl_easy_getinfo(e, CURLINFO_PRIVATE, &h);
			free(h);
			if (e)
				curl_easy_cleanup(e);
			c->left--;
			if (!c->detail[0])
				snprintf(c->detail, sizeof(c->detail), "%s: cannot start a connect", hosts->v[i]);
			continue;
		}
		c->e[i] = e;
	}
	if (!c->left) {
		free(c->e);
		c->e = NULL;
		c->n = 0;
		c->done(c->ud, false, c->detail);
	}
}
