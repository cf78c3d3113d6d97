/*
 * httpfault: the server's or the proxy's part in a failed transfer (see
 * httpfault.h). Pure reading of curl's result, its info and error text; the
 * only state is the caller's struct http_watch.
 */
#include "httpsmon/httpfault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool text_has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

static curl_off_t probe_info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;

	return curl_easy_getinfo(e, what, &v) == CURLE_OK ? v : 0;
}

size_t httpfault_header_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct http_watch *w = ud;
	size_t n = size * nmemb;

	/* curl hands header lines over whole, those of 1xx interim responses too */
	if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
		w->status_seen = true;
		w->headers_done = false;
		w->nheaders = 0;
	} else if (n == 0 || data[0] == '\r' || data[0] == '\n') {
		w->headers_done = true;
	} else if (++w->nheaders > HTTPFAULT_MAX_HEADERS) {
		snprintf(w->fault, sizeof(w->fault), "more than %d response headers", HTTPFAULT_MAX_HEADERS);
		return 0;
	}
	return n;
}

bool httpfault_server(struct http_watch *w, CURL *e, CURLcode rc, const char *errbuf)
{
	const char *text = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (w->fault[0])
		return true;
	switch (rc) {
	case CURLE_OUT_OF_MEMORY:
		/* curl's only allocation that a server controls is its header line buffer */
		if (w->headers_done || !(w->status_seen || probe_info_us(e, CURLINFO_STARTTRANSFER_TIME_T) > 0))
			return false;
		snprintf(w->fault, sizeof(w->fault),
			 "response header line of 100 KiB or more (after %d complete header lines)", w->nheaders);
		return true;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (probe_info_us(e, CURLINFO_PRETRANSFER_TIME_T) <= 0)
			return false; /* no request went out: the URL was ours */
		if (text_has(text, "response code"))
			snprintf(w->fault, sizeof(w->fault), "invalid HTTP status line");
		else if (text_has(text, "HTTP/0.9"))
			snprintf(w->fault, sizeof(w->fault), "the answer has no HTTP status line (not HTTP, or HTTP/0.9)");
		else
			snprintf(w->fault, sizeof(w->fault), "unusable response: %s", text);
		return true;
	case CURLE_WEIRD_SERVER_REPLY:
		snprintf(w->fault, sizeof(w->fault), "invalid HTTP response: %s", text);
		return true;
	case CURLE_RECV_ERROR:
		if (!text_has(text, "too large response headers"))
			return false;
		snprintf(w->fault, sizeof(w->fault), "response headers larger than 300 KiB in total");
		return true;
	default:
		return false;
	}
}

/* "host:port" of a proxy URL, without the credentials it may hold. */
static void proxy_name(const char *proxy, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	snprintf(out, n, "?");
	if (u && curl_url_set(u, CURLUPART_URL, proxy, CURLU_GUESS_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
			port = NULL;
		/* 1080: curl's proxy port when the URL names none and has no scheme port */
		snprintf(out, n, "%s:%s", host, port ? port : "1080");
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

bool httpfault_proxy(const char *proxy, CURL *e, CURLcode rc, long oserr, bool tls_started,
		     const char *errbuf, char *out, size_t n)
{
	const char *text = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
	char name[300];
	long code = 0;

	if (!proxy)
		return false;
	proxy_name(proxy, name, sizeof(name));
	curl_easy_getinfo(e, CURLINFO_HTTP_CONNECTCODE, &code);
	if (rc == CURLE_COULDNT_RESOLVE_PROXY)
		snprintf(out, n, "proxy host of %s does not resolve", name);
	else if (rc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
		snprintf(out, n, "proxy %s refused the connection", name);
	else if (rc == CURLE_COULDNT_CONNECT)
		snprintf(out, n, "no connection to proxy %s: %s", name, text);
	else if (rc == CURLE_OPERATION_TIMEDOUT && !code && !tls_started && !probe_info_us(e, CURLINFO_CONNECT_TIME_T))
		snprintf(out, n, "proxy %s did not open the way to the target in time", name);
	else if (code >= 300)
		snprintf(out, n, "proxy %s answered the tunnel request with HTTP %ld", name, code);
	else if (rc == CURLE_PROXY)
		snprintf(out, n, "proxy %s failed: %s", name, text);
	else
		return false;
	return true;
}
