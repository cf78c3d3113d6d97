/*
 * fuzz_cert: libFuzzer target for the certificate facts. The input is DER,
 * as a server sends it in its chain; whatever d2i_X509 accepts goes
 * through cert_info_from_x509, a copy, cert_is_weak and cert_days_left,
 * the calls the prober and the verdict make.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "httpsmon/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	struct cert_info a, b;
	char why[80];
	X509 *x;

	x = d2i_X509(NULL, &p, (long)size);
	if (!x)
		return 0;
	memset(&a, 0, sizeof(a));
	if (cert_info_from_x509(x, &a) != 0)
		abort();
	cert_info_copy(&b, &a);
	why[0] = '\0';
	cert_is_weak(&b, why, sizeof(why));
	if (strnlen(why, sizeof(why)) == sizeof(why))
		abort();
	cert_days_left(&b, 1767225600);
	cert_info_done(&a);
	cert_info_done(&b);
	X509_free(x);
	return 0;
}
