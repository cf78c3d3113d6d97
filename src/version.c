/*
 * version: `httpsmon --version` (see version.h). The one module that asks
 * every library at once for its run-time version; each line is the
 * library's own string, so it can be pasted into a bug report as is.
 */
#include "httpsmon/version.h"

#include <curl/curl.h>
#include <curses.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "httpsmon/rx.h"
#include "httpsmon/svc.h"

/* "yes" when this process may JIT-compile patterns (not under MemoryDenyWriteExecute=yes). */
static const char *pcre2_jit_here(void)
{
	uint32_t built = 0;
	char err[256];
	struct rx *rx;
	const char *s;

	if (pcre2_config(PCRE2_CONFIG_JIT, &built) < 0 || !built)
		return "not built in";
	rx = rx_compile("a+b", 0, err, sizeof(err));
	s = rx_jit(rx) ? "in use" : "refused here (executable memory denied), the interpreter is used";
	rx_free(rx);
	return s;
}

void version_print(FILE *out)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	char pcre[64] = "?";

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	fprintf(out, "httpsmon %s\n", HTTPSMON_VERSION);
	fprintf(out, "  libcurl %s (TLS: %s)\n", cv->version, cv->ssl_version ? cv->ssl_version : "none");
	fprintf(out, "  %s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "  SQLite %s\n", sqlite3_libversion());
	fprintf(out, "  %s\n", curses_version());
	fprintf(out, "  PCRE2 %s (JIT: %s)\n", pcre, pcre2_jit_here());
	fprintf(out, "  systemd notify: %s\n", svc_built_in() ? "yes (libsystemd)" : "no (built without libsystemd)");
}

void version_libs(struct version_libs *v)
{
	v->curl = curl_version_info(CURLVERSION_NOW)->version;
	v->openssl = OpenSSL_version(OPENSSL_VERSION_STRING);
	v->sqlite = sqlite3_libversion();
}
