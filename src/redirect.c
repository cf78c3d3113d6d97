/*
 * redirect: where a Location leads and what the next request may carry
 * (see redirect.h). Uses libcurl's URL parser, so a target is understood
 * exactly as the transfer that follows it will understand it.
 */
#include "httpsmon/redirect.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* Parses url into a new handle, or NULL when it is not a URL. */
static CURLU *url_parse(const char *url, unsigned flags, CURLUcode *rc)
{
	CURLU *u = curl_url();

	*rc = u ? curl_url_set(u, CURLUPART_URL, url, flags) : CURLUE_OUT_OF_MEMORY;
	if (*rc != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

enum redirect_target redirect_resolve(const char *base, const char *location, char **target,
				      char *why, size_t whylen)
{
	/* what curl itself does with a Location, plus any scheme so we can name it */
	const unsigned flags = CURLU_URLENCODE | CURLU_ALLOW_SPACE | CURLU_NON_SUPPORT_SCHEME;
	size_t len = strlen(location);
	enum redirect_target out = REDIRECT_INVALID;
	char *scheme = NULL;
	CURLUcode rc;
	CURLU *u;

	*target = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (len > REDIRECT_LOCATION_MAX) {
		if (why)
			snprintf(why, whylen, "Location header too long (%zu bytes; at most %d are followed)",
				 len, REDIRECT_LOCATION_MAX);
		return REDIRECT_TOO_LONG;
	}
	u = url_parse(base, 0, &rc);
	if (u)
		rc = curl_url_set(u, CURLUPART_URL, location, flags);
	if (u && rc == CURLUE_OK && curl_url_get(u, CURLUPART_URL, target, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
		out = !strcasecmp(scheme, "https") ? REDIRECT_OK
		    : !strcasecmp(scheme, "http") ? REDIRECT_INSECURE : REDIRECT_BAD_SCHEME;
	} else {
		if (why)
			snprintf(why, whylen, "Location header is not a valid URL (%s)",
				 rc != CURLUE_OK ? curl_url_strerror(rc) : "cannot be rebuilt");
		curl_free(*target);
		*target = NULL;
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	if (*target) {
		/* hand out malloc'd memory: callers free() it */
		char *copy = strdup(*target);

		curl_free(*target);
		*target = copy;
		if (!copy) {
			if (why)
				snprintf(why, whylen, "out of memory");
			return REDIRECT_INVALID;
		}
	}
	return out;
}

bool redirect_status(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Scheme, host and port of url, or false. */
static bool origin_of(const char *url, char **scheme, char **host, char **port)
{
	CURLUcode rc;
	CURLU *u = url_parse(url, CURLU_NON_SUPPORT_SCHEME, &rc);
	bool ok = u && curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK;

	curl_url_cleanup(u);
	return ok;
}

bool redirect_same_origin(const char *a, const char *b)
{
	char *s[2] = { NULL, NULL }, *h[2] = { NULL, NULL }, *p[2] = { NULL, NULL };
	bool same = origin_of(a, &s[0], &h[0], &p[0]) && origin_of(b, &s[1], &h[1], &p[1]) &&
		    !strcasecmp(s[0], s[1]) && !strcasecmp(h[0], h[1]) && !strcmp(p[0], p[1]);

	for (int i = 0; i < 2; i++) {
		curl_free(s[i]);
		curl_free(h[i]);
		curl_free(p[i]);
	}
	return same;
}

bool redirect_to_get(long status, const char *method)
{
	if (status == 303)
		return strcasecmp(method, "HEAD") != 0;
	return (status == 301 || status == 302) && !strcasecmp(method, "POST");
}
