/*
 * redirect: the probe's rules for a Location header. The probe follows
 * redirects itself, hop by hop, so that it can refuse a step down from
 * https:// to http:// before anything is sent, keep configured headers to
 * the configured origin, and name a Location it cannot follow. These are
 * the pure parts: where a Location leads, whether two URLs share an origin,
 * and which method the next request uses. No I/O.
 */
#ifndef HTTPSMON_REDIRECT_H
#define HTTPSMON_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest Location value followed, bytes; longer is the server's error. */
#define REDIRECT_LOCATION_MAX 8192

enum redirect_target {
	REDIRECT_OK,            /* an https:// URL: follow it */
	REDIRECT_INSECURE,      /* an http:// URL: never followed from https:// */
	REDIRECT_BAD_SCHEME,    /* another scheme (ftp:, file:, ...) */
	REDIRECT_INVALID,       /* not a URL; why says how */
	REDIRECT_TOO_LONG,      /* over REDIRECT_LOCATION_MAX bytes */
};

/*
 * Resolves location (a Location header value, absolute or relative)
 * against base, the URL that answered. For OK, INSECURE and BAD_SCHEME,
 * *target gets the absolute URL (caller frees); otherwise *target is NULL.
 * why (may be NULL) gets one phrase on INVALID and TOO_LONG, "" otherwise.
 */
enum redirect_target redirect_resolve(const char *base, const char *location, char **target,
				      char *why, size_t whylen);

/* Whether an HTTP status is a redirect the probe follows: 301, 302, 303, 307, 308. */
bool redirect_status(long status);

/* Same scheme, host (any case) and port (default ports filled in); false if either is no URL. */
bool redirect_same_origin(const char *a, const char *b);

/*
 * Whether the request after a redirect with this status becomes a GET
 * without a body, as browsers and curl do: 303 for every method but HEAD,
 * 301 and 302 for POST. method is the current request's method.
 */
bool redirect_to_get(long status, const char *method);

#endif
