/*
 * xfer: one alert delivery as a libcurl transfer, HTTP POST (webhook,
 * Alertmanager) or SMTP (email), set up here and driven on the probe
 * engine's multi handle (prober_easy_add) or, for one-off commands,
 * xfer_run(). The caller never sees a CURL option.
 *
 * Life: xfer_http_post() or xfer_smtp() creates it; xfer_start() hands it
 * to a prober; the callback receives the result once (delivered or not, a
 * status, a one-line detail safe to show) and frees it with xfer_free().
 *
 * What comes back from the receiver is hostile: the detail is cut to one
 * line, sanitised (util_sanitize) and bounded; secrets of the request
 * (URL query values, passwords) never appear in it (util_url_redact).
 * Addresses with a control character are refused at set-up, so no SMTP
 * command can be injected through them.
 */
#ifndef HTTPSMON_XFER_H
#define HTTPSMON_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prober;
struct xfer;

#define XFER_DEFAULT_TIMEOUT_MS 10000

/* What a delivery came to. */
struct xfer_result {
	bool delivered;     /* HTTP 2xx, or SMTP accepted the message for every recipient */
	long status;        /* HTTP status or the last SMTP reply code; 0 = none came */
	char detail[256];   /* "HTTP 503: Service Unavailable", "SMTP 250 2.0.0 Ok: queued",
			     * "connect: Connection refused" (sanitised, one line) */
};

/* An HTTP POST. url is owned by the caller (copied). */
struct xfer_http {
	const char *url;
	const char *content_type;      /* NULL: application/json */
	const char *const *headers;    /* "Name: value" each; NULL ok */
	size_t nheaders;
	const char *ca_file;           /* NULL: the system store */
	int64_t timeout_ms;            /* <= 0: XFER_DEFAULT_TIMEOUT_MS */
};

/* An email through SMTP. */
struct xfer_smtp {
	const char *smtp_url;          /* smtp://host:25 or smtps://host:465 */
	bool starttls;                 /* require STARTTLS (CURLUSESSL_ALL) on smtp:// */
	const char *user, *password;   /* NULL: no AUTH */
	const char *from;              /* "httpsmon@box" or "Name <addr>" */
	const char *const *to;         /* recipients, same forms */
	size_t nto;
	const char *ca_file;           /* NULL: the system store */
	int64_t timeout_ms;            /* <= 0: XFER_DEFAULT_TIMEOUT_MS */
};

/*
 * Set-up: body (length len) / message (an RFC 5322 text, alert_format_email)
 * is copied. NULL with a message in err when the settings are unusable
 * (a scheme other than http(s)/smtp(s), a control character in an address).
 */
struct xfer *xfer_http_post(const struct xfer_http *h, const char *body, size_t len, char *err, size_t errlen);
struct xfer *xfer_smtp(const struct xfer_smtp *s, const char *message, char *err, size_t errlen);
void xfer_free(struct xfer *x); /* NULL ok; never while started and not finished */

/* Called once per started transfer; x is the caller's again (free it). */
typedef void (*xfer_done_cb)(struct xfer *x, const struct xfer_result *r, void *ud);

/* Adds x to p's multi handle. 0, or -1 (cb not called) when curl refused it. */
int xfer_start(struct xfer *x, struct prober *p, xfer_done_cb cb, void *ud);

/*
 * Takes a started x off p before it finished, without a callback (an
 * engine stopping with a delivery in flight); x may then be freed.
 */
void xfer_cancel(struct xfer *x, struct prober *p);

/* Runs x to the end on the calling thread (a command such as test-notify). */
void xfer_run(struct xfer *x, struct xfer_result *r);

/* The address inside "Name <addr>" (or the whole value), into out; "" when too long. */
void xfer_mail_addr(const char *s, char *out, size_t n);

#endif
