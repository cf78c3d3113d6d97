/*
 * config_values: the syntax of the values the configuration takes, below
 * the level of keys: an http(s) URL, a status list, a whole number in
 * bounds, a header line, a curl resolve entry, a readable file; and the
 * quoting of untrusted text in messages. Each check returns 0, or -1 with
 * a message (why) that names what is wrong without the secrets a value may
 * hold. config_fields.c's parsers build on these.
 */
#include "config_values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int config_fail(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *config_quote(char *buf, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > 60 && n > 4) {
		util_sanitize(s, 60, buf, n - 3);
		strcat(buf, "...");
	} else {
		util_sanitize(s, len, buf, n);
	}
	return buf;
}

/* config_url_split refuses passwords precisely so that a URL can be shown redacted. */
const char *config_quote_url(char *buf, size_t n, const char *url)
{
	char red[256];

	return config_quote(buf, n, util_url_redact(url, red, sizeof(red)));
}


static bool host_chars_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* bytes >= 0x80: an IDN in UTF-8, which curl converts */
		if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c < 0x80)
			return false;
	}
	return len > 0 && len <= 253;
}

/* 1..65535 from exactly len digits, or -1. */
static int parse_port(const char *s, size_t len)
{
	int port = 0;
	size_t i;

	if (!len || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/* The scheme of url: sets *p past "://", *port and *plain. Returns 0 or -1 with why. */
static int url_scheme(const char *url, const char **p, int *port, bool *plain, char *why, size_t n)
{
	char red[256];

	if (strncasecmp(url, "https://", 8) == 0) {
		*p = url + 8;
		*plain = false;
		*port = 443;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		*p = url + 7;
		*plain = true;
		*port = 80;
	} else if (strstr(url, "://")) {
		return config_fail(why, n, "the scheme must be https:// (or http:// to check that the "
				   "address redirects to HTTPS)");
	} else {
		return config_fail(why, n, "missing scheme: write https://%s",
				   util_url_redact(url, red, sizeof(red)));
	}
	for (; *url; url++)
		if ((unsigned char)*url <= 0x20 || *url == 0x7f)
			return config_fail(why, n, "white space or control characters in the URL "
					   "(percent-encode them, e.g. %%20)");
	return 0;
}

/*
 * Only https:// and http:// are accepted; a password in the URL is refused
 * because URLs are shown on screen and written to logs.
 */
int config_url_split(const char *url, char **host, int *port, bool *plain, char *why, size_t n)
{
	const char *p = NULL, *auth_end, *h, *h_end, *after, *at_sign;
	unsigned char bin[16];
	char addr[64];

	if (url_scheme(url, &p, port, plain, why, n))
		return -1;
	auth_end = p + strcspn(p, "/?#");
	at_sign = memrchr(p, '@', (size_t)(auth_end - p));
	h = p;
	if (at_sign) {
		if (memchr(p, ':', (size_t)(at_sign - p)))
			return config_fail(why, n, "a password in the URL (user:password@) would end up "
					   "on screen and in logs; send credentials with "
					   "header = Authorization: ... instead");
		h = at_sign + 1;
	}
	if (*h == '[') {
		h_end = memchr(h, ']', (size_t)(auth_end - h));
		if (!h_end)
			return config_fail(why, n, "'[' without ']' around the IPv6 address");
		h++;
		if ((size_t)(h_end - h) < sizeof(addr)) {
			memcpy(addr, h, (size_t)(h_end - h));
			addr[h_end - h] = '\0';
		}
		if ((size_t)(h_end - h) >= sizeof(addr) || inet_pton(AF_INET6, addr, bin) != 1)
			return config_fail(why, n, "'%.*s' is not an IPv6 address", (int)(h_end - h), h);
		after = h_end + 1;
	} else {
		h_end = memchr(h, ':', (size_t)(auth_end - h));
		if (!h_end)
			h_end = auth_end;
		after = h_end;
		if (h_end == h)
			return config_fail(why, n, "no host name%s", *h == ':' ? " (an IPv6 address goes "
					   "in brackets: https://[2001:db8::1]/)" : "");
		if (!host_chars_ok(h, (size_t)(h_end - h)))
			return config_fail(why, n, "'%.*s' is not a valid host name", (int)(h_end - h), h);
	}
	if (after < auth_end &&
	    (*after != ':' || (*port = parse_port(after + 1, (size_t)(auth_end - after - 1))) < 0))
		return config_fail(why, n, "bad port '%.*s' (expected 1-65535)",
				   (int)(auth_end - after - (*after == ':')), after + (*after == ':'));
	*host = xstrndup(h, (size_t)(h_end - h));
	return 0;
}

int config_url_host(const char *url, char *host, size_t n)
{
	char *h = NULL, why[256];
	int port;
	bool plain;

	if (!url || config_url_split(url, &h, &port, &plain, why, sizeof(why)) != 0)
		return -1;
	snprintf(host, n, "%s", h);
	free(h);
	return 0;
}

/* One "lo" or "lo-hi" of a status list at *p; moves *p past it. Returns 0 or -1 with why. */
static int parse_status_range(const char **p, struct status_range *r, char *why, size_t n)
{
	long lo, hi;
	char *end;

	while (isspace((unsigned char)**p))
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return config_fail(why, n, "expected a status code at '%s'", **p ? *p : "(end)");
	lo = hi = strtol(*p, &end, 10);
	*p = end;
	while (isspace((unsigned char)**p))
		(*p)++;
	if (**p == '-') {
		(*p)++;
		while (isspace((unsigned char)**p))
			(*p)++;
		if (!isdigit((unsigned char)**p))
			return config_fail(why, n, "expected the end of the range %ld-", lo);
		hi = strtol(*p, &end, 10);
		*p = end;
	}
	if (lo < 100 || lo > 599 || hi < 100 || hi > 599)
		return config_fail(why, n, "%ld is not an HTTP status code (100-599)",
				   lo < 100 || lo > 599 ? lo : hi);
	if (lo > hi)
		return config_fail(why, n, "range %ld-%ld runs backwards", lo, hi);
	r->lo = (int)lo;
	r->hi = (int)hi;
	return 0;
}

/* "200,204,300-399": codes 100-599, ranges lo-hi inclusive. */
int config_status_parse(const char *s, struct status_range **out, size_t *nout,
			     char *why, size_t n)
{
	struct status_range *v = NULL, r;
	size_t nv = 0;
	const char *p = s;

	for (;;) {
		if (parse_status_range(&p, &r, why, n))
			goto err;
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		v[nv++] = r;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (*p != ',') {
			config_fail(why, n, "unexpected '%c': separate codes with ',' and write "
				    "ranges as 300-399", *p);
			goto err;
		}
		p++;
	}
	*out = v;
	*nout = nv;
	return 0;
err:
	free(v);
	return -1;
}

int config_int_parse(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '-')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

bool config_is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* "Name: value" into "Name: value" with the space normalised. */
char *config_header_parse(const char *s, char *why, size_t n)
{
	const char *colon = strchr(s, ':'), *v, *p;

	if (!colon) {
		config_fail(why, n, "expected 'Name: value'");
		return NULL;
	}
	if (colon == s) {
		config_fail(why, n, "missing header name before ':'");
		return NULL;
	}
	for (p = s; p < colon; p++) {
		if (!config_is_tchar(*p)) {
			config_fail(why, n, "'%.*s' is not a valid header name", (int)(colon - s), s);
			return NULL;
		}
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (has_ctl(v)) {
		config_fail(why, n, "control characters in the header value");
		return NULL;
	}
	/* curl reads "Name:" with nothing after it as "remove this header" */
	return *v ? xasprintf("%.*s: %s", (int)(colon - s), s, v)
		  : xasprintf("%.*s:", (int)(colon - s), s);
}

static bool ip_addr_ok(const char *a, size_t len)
{
	char buf[64];
	unsigned char dummy[16];

	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, a, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, dummy) == 1;
	}
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, a, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, dummy) == 1 || inet_pton(AF_INET6, buf, dummy) == 1;
}

/* curl's CURLOPT_RESOLVE syntax HOST:PORT:ADDR[,ADDR...]. */
int config_resolve_check(const char *s, char *why, size_t n)
{
	const char *c1 = strchr(s, ':'), *c2, *a;

	if (!c1 || !(c2 = strchr(c1 + 1, ':')))
		return config_fail(why, n, "expected HOST:PORT:ADDRESS, e.g. example.com:443:192.0.2.10");
	if (!(c1 - s == 1 && *s == '*') && !host_chars_ok(s, (size_t)(c1 - s)))
		return config_fail(why, n, "'%.*s' is not a valid host name", (int)(c1 - s), s);
	if (parse_port(c1 + 1, (size_t)(c2 - c1 - 1)) < 0)
		return config_fail(why, n, "bad port '%.*s' (expected 1-65535)", (int)(c2 - c1 - 1), c1 + 1);
	a = c2 + 1;
	do {
		size_t len = strcspn(a, ",");

		if (!ip_addr_ok(a, len))
			return config_fail(why, n, "'%.*s' is not an IPv4 or IPv6 address", (int)len, a);
		a += len;
	} while (*a++ == ',');
	return 0;
}

int config_file_check(const char *path, char *why, size_t n)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return config_fail(why, n, "cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return config_fail(why, n, "'%s' is not a regular file", path);
	}
	close(fd);
	return 0;
}

int config_pem_check(const char *path, bool key, char *why, size_t n)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;
	int rc = 0;

	if (!f)
		return config_fail(why, n, "cannot read '%s': %s", path, strerror(errno));
	buf = xmalloc(CONFIG_PEM_MAX + 1);
	len = fread(buf, 1, CONFIG_PEM_MAX + 1, f);
	fclose(f);
	buf[len > CONFIG_PEM_MAX ? CONFIG_PEM_MAX : len] = '\0';
	if (len > CONFIG_PEM_MAX)
		rc = config_fail(why, n, "'%s' is larger than %d bytes: not a PEM %s", path, CONFIG_PEM_MAX,
				 key ? "key" : "certificate");
	else if (!key && !strstr(buf, "-----BEGIN CERTIFICATE-----"))
		rc = config_fail(why, n, "'%s' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path);
	else if (key && (strstr(buf, "ENCRYPTED") || !strstr(buf, "PRIVATE KEY-----")))
		rc = config_fail(why, n, strstr(buf, "ENCRYPTED") ? "'%s' is an encrypted key: give the key "
				 "unencrypted (readable by the collector's user only)" : "'%s' holds no PEM private "
				 "key (-----BEGIN PRIVATE KEY-----)", path);
	free(buf);
	return rc;
}

int config_listen_parse(const char *s, struct sockaddr_storage *sa, int *port, char *why, size_t n)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2], qb[96];
	size_t hl;

	memset(sa, 0, sizeof(*sa));
	if (!colon || colon == s || config_int_parse(colon + 1, 1, 65535, port))
		return config_fail(why, n, "use ADDRESS:PORT with a port 1-65535 (127.0.0.1:9469, [::]:9469)");
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return config_fail(why, n, "address too long: use a numeric IPv4 or [IPv6] address");
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;

		host[hl - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)*port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)sa;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)*port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
			return 0;
	}
	return config_fail(why, n, "'%s' is not a numeric IPv4 or [IPv6] address (no host names: 127.0.0.1, "
			   "[::1], 0.0.0.0, [::])", config_quote(qb, sizeof(qb), host));
}
