/*
 * xfer: alert deliveries as libcurl transfers (include/httpsmon/xfer.h).
 * A struct xfer owns its easy handle, its copy of the body, its header
 * list and what it captured of the answer (the first bytes of an HTTP
 * body, the last SMTP reply line), and turns the end of the transfer into
 * a struct xfer_result. Running it is the probe engine's job
 * (prober_easy_add) or xfer_run's.
 */
#include "httpsmon/xfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "httpsmon/probe.h"
#include "httpsmon/util.h"

#define CAPTURE_MAX 512

struct xfer {
	CURL *easy;
	bool smtp;
	char *url;                 /* as configured: redacted before it is shown */
	char *data;                /* body / message, owned */
	size_t len, off;           /* its length; bytes handed to curl (SMTP upload) */
	struct curl_slist *headers, *rcpt;
	char capture[CAPTURE_MAX]; /* HTTP: the answer's first bytes; SMTP: the last reply line */
	size_t captured;
	char errbuf[CURL_ERROR_SIZE];
	xfer_done_cb cb;
	void *ud;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb, room = sizeof(x->capture) - 1 - x->captured;

	memcpy(x->capture + x->captured, ptr, n < room ? n : room);
	x->captured += n < room ? n : room;
	x->capture[x->captured] = '\0';
	return n; /* the rest is read and dropped: the answer's size is the receiver's business */
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nitems;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(buf, x->data + x->off, n);
	x->off += n;
	return n;
}

/* Keeps the last reply line the SMTP server sent before QUIT ("250 2.0.0 Ok: queued as ..."). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct xfer *x = ud;

	(void)h;
	if (type != CURLINFO_HEADER_IN || !size)
		return 0;
	while (size && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (x->captured && size >= 4 && memcmp(data, "221 ", 4) == 0)
		return 0; /* QUIT's goodbye: the reply before it is the one that matters */
	if (size >= sizeof(x->capture))
		size = sizeof(x->capture) - 1;
	memcpy(x->capture, data, size);
	x->capture[size] = '\0';
	x->captured = size;
	return 0;
}

static struct xfer *xfer_new(const char *url, const char *data, size_t len, const char *ca_file,
			     int64_t timeout_ms, char *err, size_t errlen)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->easy = curl_easy_init();
	if (!x->easy) {
		snprintf(err, errlen, "libcurl could not create a transfer");
		free(x);
		return NULL;
	}
	x->url = xstrdup(url);
	x->data = xmalloc(len + 1);
	memcpy(x->data, data, len);
	x->data[len] = '\0';
	x->len = len;
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : XFER_DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (ca_file && *ca_file)
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, ca_file);
	return x;
}

struct xfer *xfer_http_post(const struct xfer_http *h, const char *body, size_t len, char *err, size_t errlen)
{
	char ct[256];
	struct xfer *x;

	if (!h->url || (strncmp(h->url, "http://", 7) != 0 && strncmp(h->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "url: want http:// or https://");
		return NULL;
	}
	x = xfer_new(h->url, body, len, h->ca_file, h->timeout_ms, err, errlen);
	if (!x)
		return NULL;
	snprintf(ct, sizeof(ct), "Content-Type: %s", h->content_type ? h->content_type : "application/json");
	x->headers = curl_slist_append(x->headers, ct);
	x->headers = curl_slist_append(x->headers, "Expect:"); /* no 100-continue round trip */
	for (size_t i = 0; i < h->nheaders; i++)
		x->headers = curl_slist_append(x->headers, h->headers[i]);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "httpsmon/" HTTPSMON_VERSION);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->data);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->len);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	return x;
}

void xfer_mail_addr(const char *s, char *out, size_t n)
{
	const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t len;

	if (lt && gt) {
		s = lt + 1;
		len = (size_t)(gt - s);
	} else {
		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len && s[len - 1] == ' ')
			len--;
	}
	if (len >= n)
		len = 0;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* "<addr>" of s for MAIL FROM / RCPT TO; -1 when s has a control character or no address. */
static int smtp_path(const char *what, const char *s, char *out, size_t n, char *err, size_t errlen)
{
	char addr[320];

	for (const char *p = s ? s : ""; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s: a control character in the address", what);
			return -1;
		}
	}
	xfer_mail_addr(s ? s : "", addr, sizeof(addr));
	if (!*addr || strchr(addr, ' ') || strchr(addr, '<') || strchr(addr, '>')) {
		snprintf(err, errlen, "%s: not an address: '%.60s'", what, s ? s : "");
		return -1;
	}
	snprintf(out, n, "<%s>", addr);
	return 0;
}

struct xfer *xfer_smtp(const struct xfer_smtp *s, const char *message, char *err, size_t errlen)
{
	char path[330];
	struct xfer *x;

	if (!s->smtp_url || (strncmp(s->smtp_url, "smtp://", 7) != 0 && strncmp(s->smtp_url, "smtps://", 8) != 0)) {
		snprintf(err, errlen, "smtp_url: want smtp:// or smtps://");
		return NULL;
	}
	if (!s->nto) {
		snprintf(err, errlen, "to: no recipient");
		return NULL;
	}
	if (smtp_path("from", s->from, path, sizeof(path), err, errlen) < 0)
		return NULL;
	x = xfer_new(s->smtp_url, message, strlen(message), s->ca_file, s->timeout_ms, err, errlen);
	if (!x)
		return NULL;
	x->smtp = true;
	curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, path);
	for (size_t i = 0; i < s->nto; i++) {
		if (smtp_path("to", s->to[i], path, sizeof(path), err, errlen) < 0) {
			xfer_free(x);
			return NULL;
		}
		x->rcpt = curl_slist_append(x->rcpt, path);
	}
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* one connection per message: curl would hand a later transfer a
	 * connection upgraded by STARTTLS under other TLS settings (another
	 * ca_file), and an email every few minutes gains nothing from reuse */
	curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt);
	curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)(s->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	if (s->user && *s->user) {
		curl_easy_setopt(x->easy, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(x->easy, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
	/* verbose only feeds debug_cb, which keeps the server's last reply line */
	curl_easy_setopt(x->easy, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(x->easy, CURLOPT_DEBUGDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_VERBOSE, 1L);
	return x;
}

void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	free(x->url);
	free(x->data);
	free(x);
}

/* The first line of the captured answer, cleaned, after prefix. */
static void detail_add(char *out, size_t n, const char *prefix, const char *text)
{
	char line[160], clean[sizeof(line) * 4];
	size_t len = strcspn(text, "\r\n");

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, text, len);
	line[len] = '\0';
	util_sanitize(line, len, clean, sizeof(clean));
	snprintf(out, n, "%s%s%s", prefix, *clean ? " " : "", clean);
}

static void finish(struct xfer *x, CURLcode rc, struct xfer_result *r)
{
	char prefix[64];

	memset(r, 0, sizeof(*r));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (x->smtp) {
		r->delivered = rc == CURLE_OK;
		if (x->captured) { /* the reply line starts with its code */
			detail_add(r->detail, sizeof(r->detail), "SMTP", x->capture);
			if (!r->delivered && rc != CURLE_OK) {
				size_t used = strlen(r->detail);

				snprintf(r->detail + used, sizeof(r->detail) - used, " (%s)",
					 *x->errbuf ? x->errbuf : curl_easy_strerror(rc));
			}
			return;
		}
	} else {
		r->delivered = rc == CURLE_OK && r->status >= 200 && r->status <= 299;
		if (rc == CURLE_OK) {
			snprintf(prefix, sizeof(prefix), "HTTP %ld%s", r->status, x->captured ? ":" : "");
			detail_add(r->detail, sizeof(r->detail), prefix, x->capture);
			return;
		}
	}
	/* no answer: curl's own words, which may quote the URL: never its secrets */
	detail_add(r->detail, sizeof(r->detail), "", *x->errbuf ? x->errbuf : curl_easy_strerror(rc));
	if (strstr(r->detail, x->url)) {
		char red[256];

		util_url_redact(x->url, red, sizeof(red));
		snprintf(r->detail, sizeof(r->detail), "%s (%s)", curl_easy_strerror(rc), red);
	}
}

static void easy_done(void *easy, int rc, void *ud)
{
	struct xfer *x = ud;
	struct xfer_result r;

	(void)easy;
	finish(x, (CURLcode)rc, &r);
	x->cb(x, &r, x->ud);
}

int xfer_start(struct xfer *x, struct prober *p, xfer_done_cb cb, void *ud)
{
	x->cb = cb;
	x->ud = ud;
	x->off = 0;
	x->captured = 0;
	x->errbuf[0] = '\0';
	return prober_easy_add(p, x->easy, easy_done, x);
}

void xfer_cancel(struct xfer *x, struct prober *p)
{
	if (x && p)
		prober_easy_remove(p, x->easy);
}

void xfer_run(struct xfer *x, struct xfer_result *r)
{
	CURLcode rc;

	x->off = 0;
	x->captured = 0;
	x->errbuf[0] = '\0';
	rc = curl_easy_perform(x->easy);
	finish(x, rc, r);
}
