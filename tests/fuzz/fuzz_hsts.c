/*
 * fuzz_hsts: libFuzzer target for the Strict-Transport-Security reader
 * (src/hsts.c), whose input is a server's header bytes. Every input, cut
 * at its first NUL (a header value is a C string by then), must parse to
 * the contract of hsts.h: valid means a max-age in [0, HSTS_MAX_AGE_CAP]
 * and no problem; invalid means max-age -1, no directive flags and a
 * problem that says why, within its buffer and without the header's
 * bytes; the description fits any buffer it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/hsts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1), small[16], line[256];
	struct hsts_info hi;

	memcpy(h, data, size);
	h[size] = '\0';
	hsts_parse(h, &hi);
	if (!hi.present || strnlen(hi.problem, sizeof hi.problem) == sizeof hi.problem)
		abort();
	if (hi.valid && (hi.max_age_s < 0 || hi.max_age_s > HSTS_MAX_AGE_CAP || hi.problem[0]))
		abort();
	if (!hi.valid && (hi.max_age_s != -1 || hi.include_subdomains || hi.preload || !hi.problem[0]))
		abort();
	/* the problem is in our words: printable ASCII only, whatever the header held */
	for (const char *p = hi.problem; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
	hsts_describe(&hi, small, sizeof small);
	hsts_describe(&hi, line, sizeof line);
	if (strnlen(small, sizeof small) == sizeof small || strnlen(line, sizeof line) == sizeof line)
		abort();
	free(h);
	return 0;
}
