/*
 * testlib: see testlib.h. The lab is driven through tests/lab/lab.sh, the
 * same script the shell tests and benchmarks use, so there is one way to
 * start it; this file only runs the script and reads DIR/ports.
 */
#include "testlib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAB_MAX_FILES 64

/* Behind a pointer so lab_file() can remember paths for a const lab. */
struct lab_files {
	char *path[LAB_MAX_FILES];
	size_t n;
};

static char *tl_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *tl_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1))) {
		perror("testlib");
		abort();
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* 'a'b' -> 'a'\''b' for sh -c. Caller frees. */
static char *tl_shquote(const char *s)
{
	size_t n = 3;
	char *q, *p;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 4 : 1;
	q = p = malloc(n);
	if (!q)
		abort();
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

char *tl_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = tl_asprintf("%s/httpsmon-test-XXXXXX", base && *base ? base : "/tmp");

	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

char *tl_write_file(const char *dir, const char *name, const char *content)
{
	char *path = tl_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

void tl_rmrf(const char *dir)
{
	char *q, *cmd;

	if (!dir || !*dir || strcmp(dir, "/") == 0)
		return;
	q = tl_shquote(dir);
	cmd = tl_asprintf("rm -rf %s", q);
	if (system(cmd) != 0)
		fprintf(stderr, "tl_rmrf: could not remove %s\n", dir);
	free(cmd);
	free(q);
}

/* Runs "tests/lab/lab.sh VERB DIR" with the lab's environment. */
static int lab_sh(const char *verb, const char *dir)
{
	const char *src = getenv("HTTPSMON_SRCDIR");
	const char *build = getenv("BUILD");
	char *labsrv, *cache, *script, *qs, *qd, *ql, *qc, *cmd;
	int rc;

	if (!build || !*build)
		build = "build";
	if (!src || !*src)
		src = ".";
	labsrv = build[0] == '/' ? tl_asprintf("%s/tests/lab/labsrv", build)
	                         : tl_asprintf("%s/%s/tests/lab/labsrv", src, build);
	/* Certificates that do not depend on ports are made once per build
	 * tree (and refreshed hourly), not once per test binary. */
	cache = getenv("LAB_CACHE") ? tl_asprintf("%s", getenv("LAB_CACHE"))
	      : build[0] == '/' ? tl_asprintf("%s/tests/lab/certs-cache", build)
	                        : tl_asprintf("%s/%s/tests/lab/certs-cache", src, build);
	script = tl_asprintf("%s/tests/lab/lab.sh", src);
	qs = tl_shquote(script);
	qd = tl_shquote(dir);
	ql = tl_shquote(labsrv);
	qc = tl_shquote(cache);
	cmd = tl_asprintf("LABSRV=%s LAB_CACHE=%s LAB_OWNER=%ld %s %s %s", ql, qc,
	                  (long)getpid(), qs, verb, qd);
	/* Flush first, or a forked child could write our buffers twice. */
	fflush(NULL);
	rc = system(cmd);
	free(cmd);
	free(qc);
	free(ql);
	free(qd);
	free(qs);
	free(script);
	free(cache);
	free(labsrv);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		return -1;
	return 0;
}

static int lab_read_ports(struct lab *lab)
{
	char *path = tl_asprintf("%s/ports", lab->dir);
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f) {
		fprintf(stderr, "testlab: %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && lab->nports < LAB_MAX_PORTS) {
		char name[48];
		int port;

		if (sscanf(line, "%47s %d", name, &port) != 2)
			continue;
		memcpy(lab->ports[lab->nports].name, name, sizeof(name));
		lab->ports[lab->nports].port = port;
		lab->nports++;
	}
	fclose(f);
	free(path);
	return lab->nports ? 0 : -1;
}

int lab_start_spec(struct lab *lab, const char *extra_spec)
{
	memset(lab, 0, sizeof(*lab));
	lab->dir = tl_mkdtemp();
	lab->certs = tl_asprintf("%s/certs", lab->dir);
	lab->files = calloc(1, sizeof(*lab->files));
	if (!lab->files)
		abort();
	if (extra_spec)
		free(tl_write_file(lab->dir, "spec.extra", extra_spec));
	if (lab_sh("start", lab->dir) < 0) {
		fprintf(stderr, "testlab: tests/lab/lab.sh start %s failed (is labsrv built? "
		        "make build/tests/lab/labsrv)\n", lab->dir);
		goto err;
	}
	if (lab_read_ports(lab) < 0)
		goto err;
	return 0;

err:
	lab_stop(lab);
	return -1;
}

int lab_start(struct lab *lab)
{
	return lab_start_spec(lab, NULL);
}

int lab_port(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nports; i++)
		if (strcmp(lab->ports[i].name, name) == 0)
			return lab->ports[i].port;
	fprintf(stderr, "testlab: no lab listener named '%s' (lab %s)\n", name,
	        lab->dir ? lab->dir : "not started");
	abort();
}

const char *lab_file(const struct lab *lab, const char *name)
{
	struct lab_files *lf = lab->files;
	char *path;
	struct stat st;

	if (!lab->certs || !lf || lf->n == LAB_MAX_FILES) {
		fprintf(stderr, "testlab: lab_file(%s): lab not started or too many files\n", name);
		abort();
	}
	path = tl_asprintf("%s/%s", lab->certs, name);
	for (size_t i = 0; i < lf->n; i++)
		if (strcmp(lf->path[i], path) == 0) {
			free(path);
			return lf->path[i];
		}
	if (stat(path, &st) != 0) {
		fprintf(stderr, "testlab: no lab file %s\n", path);
		abort();
	}
	lf->path[lf->n++] = path;
	return path;
}

void lab_stop(struct lab *lab)
{
	if (!lab || !lab->dir)
		return;
	if (lab_sh("stop", lab->dir) < 0)
		fprintf(stderr, "testlab: could not stop the lab in %s\n", lab->dir);
	tl_rmrf(lab->dir);
	for (size_t i = 0; lab->files && i < lab->files->n; i++)
		free(lab->files->path[i]);
	free(lab->files);
	free(lab->dir);
	free(lab->certs);
	memset(lab, 0, sizeof(*lab));
}
