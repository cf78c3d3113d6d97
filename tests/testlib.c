/* testlib: see testlib.h. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/util.h"

char *tl_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/httpsmon-test-XXXXXX", base && *base ? base : "/tmp");

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

char *tl_write_file(const char *dir, const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

void tl_rmrf(const char *dir)
{
	char *cmd;

	if (!dir || !*dir || strcmp(dir, "/") == 0)
		return;
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "tl_rmrf: could not remove %s\n", dir);
	free(cmd);
}
