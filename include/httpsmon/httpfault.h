/*
 * httpfault: naming what a server or a proxy did wrong, from what libcurl
 * reports. curl words several of a server's HTTP violations as local errors
 * (out of memory for a header line over its 100 KiB buffer, an unsupported
 * protocol for a garbled status line) and, with a proxy, reports the
 * proxy's refusal as the connection's: the probe asks here first, so the
 * verdict blames the right party. It also counts the header lines of each
 * response, so a server that sends them without end is stopped and named.
 * Part of the probe engine: it sees curl types, nothing above probe does.
 */
#ifndef HTTPSMON_HTTPFAULT_H
#define HTTPSMON_HTTPFAULT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#define HTTPFAULT_MAX_HEADERS 1000 /* header lines in one response; more is the server's fault */

/* What has arrived of the response being read. Zeroed = nothing yet. */
struct http_watch {
	int nheaders;           /* header lines of the current response */
	bool status_seen;       /* a status line arrived */
	bool headers_done;      /* the empty line after the headers arrived */
	char fault[200];        /* what the server did wrong, or "" */
};

/*
 * CURLOPT_HEADERFUNCTION with a struct http_watch as CURLOPT_HEADERDATA.
 * Ends the transfer (curl then says CURLE_WRITE_ERROR) with w->fault set
 * after HTTPFAULT_MAX_HEADERS header lines in one response.
 */
size_t httpfault_header_cb(char *data, size_t size, size_t nmemb, void *w);

/*
 * Whether rc, on transfer e, is the server breaking HTTP; if so w->fault
 * says how (a fault found by httpfault_header_cb counts too). errbuf is the
 * transfer's CURLOPT_ERRORBUFFER.
 */
bool httpfault_server(struct http_watch *w, CURL *e, CURLcode rc, const char *errbuf);

/*
 * Whether rc, on transfer e through proxy (the endpoint's proxy URL), is
 * the proxy failing rather than the target: refused, unreachable, not
 * resolving, answering the tunnel request with an error, or not setting the
 * way up in time. If so, out gets one sentence naming the proxy as
 * "host:port" (never its credentials). tls_started: a TLS handshake with
 * the target began. oserr: CURLINFO_OS_ERRNO.
 */
bool httpfault_proxy(const char *proxy, CURL *e, CURLcode rc, long oserr, bool tls_started,
		     const char *errbuf, char *out, size_t n);

#endif
