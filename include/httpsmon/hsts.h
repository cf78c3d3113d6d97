/*
 * hsts: the Strict-Transport-Security header read the way a browser reads
 * it (RFC 6797 6.1), as plain values. Pure: no I/O, no allocation, so the
 * verdict, the grade, the check report and the dashboard all judge the
 * same header the same way.
 */
#ifndef HTTPSMON_HSTS_H
#define HTTPSMON_HSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A max-age above this is read as this (RFC 2616 14.9.3's advice for
 * delta-seconds too large to hold, which RFC 6797 inherits): 2^31 s,
 * about 68 years, so "max-age=99999999999999999999" neither overflows
 * nor reads as invalid.
 */
#define HSTS_MAX_AGE_CAP 2147483648LL

/* A max-age of at least this (180 days) is what SSL Labs' A+ asks for. */
#define HSTS_LONG_S (180LL * 86400)

struct hsts_info {
	bool present;            /* a header was received */
	bool valid;              /* a browser would apply it (max-age present, once) */
	int64_t max_age_s;       /* seconds, capped at HSTS_MAX_AGE_CAP; -1 unless valid */
	bool include_subdomains; /* only meaningful when valid */
	bool preload;            /* only meaningful when valid */
	char problem[112];       /* why it is not valid ("max-age appears twice"), "" otherwise */
};

/*
 * Parses header (the field value of the first Strict-Transport-Security
 * header of the final response, raw server bytes; NULL when there was
 * none) into out. Names are case-insensitive; values may be quoted;
 * unknown directives are ignored. The header is invalid (a browser
 * ignores all of it) when a directive appears twice, max-age is missing
 * or not 1*DIGIT, includeSubDomains or preload carries a value, or a
 * quoted string is unterminated. problem never quotes the header.
 */
void hsts_parse(const char *header, struct hsts_info *out);

/*
 * One line for people: "max-age 31536000 s (365 days), includeSubDomains,
 * preload", "ignored by browsers: max-age appears more than once", or
 * "none". Never quotes the header. Returns buf.
 */
const char *hsts_describe(const struct hsts_info *hi, char *buf, size_t len);

#endif
