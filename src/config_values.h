/*
 * config_values: the syntax of single configuration values (URL, status
 * list, bounded int, header, resolve entry, readable file) and the quoting
 * of untrusted text in messages. Private to src/config*.c. Every check
 * returns 0, or -1 with why (n bytes, NUL-terminated) saying what is wrong.
 */
#ifndef HTTPSMON_CONFIG_VALUES_H
#define HTTPSMON_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "httpsmon/config.h"

/* Formats into msg (n bytes) and returns -1: `return config_fail(why, n, ...)`. */
int config_fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Untrusted text for a message in buf: made printable, cut at 60 bytes with "...". Returns buf. */
const char *config_quote(char *buf, size_t n, const char *s);

/* config_quote of a URL with its query values and password redacted. Returns buf. */
const char *config_quote_url(char *buf, size_t n, const char *url);

/*
 * Splits an https:// or http:// url into host (new string, IPv6 without
 * brackets), port (explicit or the scheme's) and whether it is plain http.
 * A password in the URL is refused: URLs are shown on screen and in logs.
 */
int config_url_split(const char *url, char **host, int *port, bool *plain, char *why, size_t n);

/* "200,204,300-399" (codes 100-599) into a new array *out of *nout ranges. */
int config_status_parse(const char *s, struct status_range **out, size_t *nout, char *why,
			size_t n);

/* A whole number from lo to hi, white space around allowed, into *out. No message. */
int config_int_parse(const char *s, long lo, long hi, int *out);

/* An HTTP token character (RFC 9110), as in method and header names. */
bool config_is_tchar(char c);

/*
 * "Name: value" checked and normalised to "Name: value" (or "Name:", which
 * curl reads as "remove this header"): a new string, or NULL with why,
 * which never quotes the value.
 */
char *config_header_parse(const char *s, char *why, size_t n);

/* curl's CURLOPT_RESOLVE syntax HOST:PORT:ADDR[,ADDR...]. */
int config_resolve_check(const char *s, char *why, size_t n);

/* path opens for reading and is a regular file. */
int config_file_check(const char *path, char *why, size_t n);

/*
 * path holds PEM text of the kind asked for: a certificate ("-----BEGIN
 * CERTIFICATE-----"), or with key an unencrypted private key; at most
 * CONFIG_PEM_MAX bytes. Only the armour is looked at: whether the key
 * parses and matches the certificate is the listener's check (it has
 * OpenSSL). Returns 0, or -1 with why.
 */
#define CONFIG_PEM_MAX (1 << 20)
int config_pem_check(const char *path, bool key, char *why, size_t n);

#endif
