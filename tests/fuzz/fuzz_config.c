/*
 * fuzz_config: libFuzzer target for the config loader. The input is a whole
 * endpoints.ini; it goes through config_load() from an anonymous memory
 * file (config_load reads a path, and /proc/self/fd/N is one), and a config
 * that loads is walked the way the collector uses it: every endpoint
 * found by name, compared with itself, its regex run on a short body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/rx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char body[] = "{\"status\":\"ok\"}";
	char path[64], err[4096];
	struct config *c;
	size_t i;
	int fd;

	fd = memfd_create("endpoints.ini", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = config_load(path, err, sizeof(err));
	close(fd);
	if (!c)
		return 0;
	for (i = 0; i < c->n; i++) {
		const struct endpoint *e = &c->eps[i];

		if (config_find(c, e->name) != e || !endpoint_equal(e, e) || !e->host || !e->url)
			abort();
		if (e->body_regex)
			rx_match(e->body_regex, body, sizeof(body) - 1, err, sizeof(err));
	}
	config_unref(c);
	return 0;
}
