/*
 * probe_setup: the probe engine's transfers (see probe.c): the curl options
 * every transfer shares, the main request with the endpoint's method,
 * headers, body and pinned address, the plain-HTTP redirect check, and the
 * body sinks (the main body cut at its limit, the AIA certificate bounded,
 * everything else discarded). Only curl handles are built here; they are
 * added to the multi handle by the job lifecycle in probe.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "httpsmon/redirect.h"
#include "probe_int.h"

/* ---- body sinks --------------------------------------------------------- */

static size_t body_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;
	size_t room = (size_t)j->ep->max_body - j->body.len;

	if (n > room) {
		/* stop reading: the rest is not ours to download */
		strbuf_append(&j->body, data, room);
		j->r.body_truncated = true;
		return room == n ? n : CURL_WRITEFUNC_ERROR;
	}
	strbuf_append(&j->body, data, n);
	return n;
}

size_t aia_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;

	if (j->aia_body.len + n > AIA_MAX_BYTES)
		return CURL_WRITEFUNC_ERROR;
	strbuf_append(&j->aia_body, data, n);
	return n;
}

static size_t discard_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	(void)ud;
	return size * nmemb;
}

/* ---- setting up transfers ---------------------------------------------- */

/*
 * Opens the main transfer's sockets as curl would, close-on-exec, and keeps
 * errno when that fails: curl reports a socket it could not open (out of
 * descriptors) as a failed connect, which would blame the server.
 */
static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job *j = ud;
	int fd;

	(void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd < 0)
		j->socket_errno = errno;
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

CURL *easy_common(struct job *j, const char *url, char *errbuf, int64_t timeout_ms)
{
	const struct endpoint *ep = j->ep;
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* every probe measures a fresh lookup, connect and full handshake */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "httpsmon/" HTTPSMON_VERSION);
	curl_easy_setopt(e, CURLOPT_IPRESOLVE, ep->ip == IPMODE_V4 ? CURL_IPRESOLVE_V4
				   : ep->ip == IPMODE_V6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_WHATEVER);
	if (ep->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, ep->proxy);
	return e;
}

static struct curl_slist *slist_of(const struct strlist *l)
{
	struct curl_slist *s = NULL;

	for (size_t i = 0; i < l->n; i++)
		s = curl_slist_append(s, l->v[i]);
	return s;
}

/* Method, body and headers of the current hop. */
static void setup_request(struct job *j, CURL *e, const char *url)
{
	const struct endpoint *ep = j->ep;
	bool head = !strcmp(ep->method, "HEAD");

	if (head) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!j->hop_get) {
		if (strcmp(ep->method, "GET") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, ep->method);
		if (ep->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(ep->body));
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, ep->body);
			if (!strcmp(ep->method, "GET"))
				curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
		}
	}
	/* configured headers (API keys...) go to the configured host and port only */
	if (ep->headers.n && (ep->redirect_headers || !j->hop_url || redirect_same_origin(ep->url, url))) {
		if (!j->headers)
			j->headers = slist_of(&ep->headers);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	}
}

CURL *setup_main(struct job *j)
{
	const struct endpoint *ep = j->ep;
	const char *url = j->hop_url ? j->hop_url : ep->url;
	int64_t left_ms = ep->timeout_ms - (util_mono_us() - j->t0_us) / 1000;
	CURL *e = easy_common(j, url, j->errbuf, left_ms > 1 ? left_ms : 1);

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, j);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpfault_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &j->hw);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	/* redirects are ours to follow (hop_next) */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, ep->http_version == 2 ? (long)CURL_HTTP_VERSION_2TLS
										: (long)CURL_HTTP_VERSION_1_1);
	setup_request(j, e, url);
	if (ep->resolve.n && !j->resolve)
		j->resolve = slist_of(&ep->resolve);
	if (j->addr && !j->hop_url) {
		/* last entry wins for the same host:port */
		char *pin = strchr(j->addr, ':') ? xasprintf("%s:%d:[%s]", ep->host, ep->port, j->addr)
						 : xasprintf("%s:%d:%s", ep->host, ep->port, j->addr);

		j->resolve = curl_slist_append(j->resolve, pin);
		free(pin);
	}
	if (j->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, j->resolve);
	if (ep->client_cert) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, ep->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, ep->client_key);
	}
	return e;
}

/*
 * The plain-HTTP redirect check goes to the same host on http_port; the
 * endpoint's resolve entries are carried over to that port so the check
 * reaches the same backend as the main probe.
 */
CURL *setup_plain(struct job *j)
{
	const struct endpoint *ep = j->ep;
	char *url;
	CURL *e;

	url = strchr(ep->host, ':') ? xasprintf("http://[%s]:%d/", ep->host, ep->http_port)
				     : xasprintf("http://%s:%d/", ep->host, ep->http_port);
	e = easy_common(j, url, j->plain_errbuf, ep->timeout_ms);
	free(url);
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	for (size_t i = 0; i < ep->resolve.n; i++) {
		const char *r = ep->resolve.v[i];
		const char *c1 = strchr(r[0] == '[' ? strchr(r, ']') ? strchr(r, ']') : r : r, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c1 && c2) {
			char *entry = xasprintf("%.*s:%d%s", (int)(c1 - r), r, ep->http_port, c2);

			j->plain_resolve = curl_slist_append(j->plain_resolve, entry);
			free(entry);
		}
	}
	if (j->plain_resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, j->plain_resolve);
	return e;
}

