/*
 * spill: a file of text records written whole or not at all (see spill.h).
 *
 * Writing goes through stdio into "<path>.tmp"; spill_finish checks every
 * write at once (ferror, fflush, fsync, fclose), so a full disk shows up
 * there, and only a complete file is renamed into place. Reading takes the
 * whole file into one buffer, checks the header and the end count before
 * handing out a single record, and decodes fields in place (a decoded
 * field is never longer than its encoding).
 */
#include "httpsmon/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpsmon/util.h"

#define SPILL_MAGIC    "httpsmon-spill 1 "
#define SPILL_MAX_BYTES (1024LL * 1024 * 1024) /* a larger file is not ours */

struct spill_w {
	FILE *f;
	char *path;
	char *tmp;
	size_t n;
};

struct spill_r {
	char *buf;     /* the whole file, NUL-terminated */
	char *next;    /* the next record's line */
	size_t n;      /* records between the header and the end line */
	size_t done;
};

struct spill_w *spill_create(const char *path, int64_t id, char *err, size_t errlen)
{
	struct spill_w *w = xcalloc(1, sizeof(*w));
	int fd;

	w->path = xstrdup(path);
	w->tmp = xasprintf("%s.tmp", path);
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	/* 0600 whatever the umask: it holds what the database would */
	if (fd < 0 || fchmod(fd, 0600) != 0 || !(w->f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot create %s: %s", w->tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(w->tmp);
		free(w->tmp);
		free(w->path);
		free(w);
		return NULL;
	}
	fprintf(w->f, SPILL_MAGIC "%lld\n", (long long)id);
	return w;
}

static void put_field(FILE *f, const char *s)
{
	if (!s) {
		fputc('%', f);
		return;
	}
	for (; *s; s++) {
		if (*s == '%' || *s == '\t' || *s == '\r' || *s == '\n')
			fprintf(f, "%%%02X", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

void spill_put(struct spill_w *w, const char *const *fields, int nf)
{
	for (int i = 0; i < nf; i++) {
		if (i)
			fputc('\t', w->f);
		put_field(w->f, fields[i]);
	}
	fputc('\n', w->f);
	w->n++;
}

int spill_finish(struct spill_w *w, char *err, size_t errlen)
{
	int rc = 0, e = 0;

	fprintf(w->f, "end %zu\n", w->n);
	if (ferror(w->f) || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		e = errno ? errno : EIO;
	if (fclose(w->f) != 0 && !e)
		e = errno;
	if (!e && rename(w->tmp, w->path) != 0)
		e = errno;
	if (e) {
		snprintf(err, errlen, "cannot write %s: %s", w->tmp, strerror(e));
		unlink(w->tmp);
		rc = -1;
	}
	free(w->tmp);
	free(w->path);
	free(w);
	return rc;
}

/* The whole file, NUL-terminated. Returns NULL with errno set. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (sb.st_size > SPILL_MAX_BYTES) {
		errno = EFBIG;
		goto out;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

		if (r <= 0) {
			if (r == 0)
				break;
			if (errno == EINTR)
				continue;
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/*
 * The end line, "end N": N all digits and nothing after it, as spill_finish
 * writes it. sscanf's "end %lld" took "end 1x" for a complete file, and a
 * number past LLONG_MAX is undefined for it.
 */
static bool end_line(const char *s, long long *v)
{
	char *end;

	if (strncmp(s, "end ", 4) != 0 || s[4] < '0' || s[4] > '9')
		return false;
	errno = 0;
	*v = strtoll(s + 4, &end, 10);
	return errno == 0 && !*end;
}

struct spill_r *spill_read(const char *path, int64_t *id, char *err, size_t errlen)
{
	struct spill_r *r;
	size_t len = 0, lines = 0;
	char *buf = slurp(path, &len), *end, *p, *tail;
	long long v;

	if (!buf) {
		int e = errno;

		snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	/* the end line: the last complete line, "end N" */
	if (len < 2 || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		goto bad;
	buf[len - 1] = '\0';
	tail = strrchr(buf, '\n');
	if (!tail || !end_line(tail + 1, &v))
		goto bad;
	*tail = '\0';
	if (strncmp(buf, SPILL_MAGIC, strlen(SPILL_MAGIC)) != 0)
		goto bad;
	*id = strtoll(buf + strlen(SPILL_MAGIC), &end, 10);
	if (*id <= 0 || (*end != '\n' && *end != '\0'))
		goto bad;
	for (p = end; *p; p++)
		lines += *p == '\n';
	if (lines != (size_t)v)
		goto bad;
	r = xcalloc(1, sizeof(*r));
	r->buf = buf;
	r->next = *end ? end + 1 : end;
	r->n = lines;
	return r;
bad:
	snprintf(err, errlen, "%s is not a complete httpsmon spill file", path);
	free(buf);
	errno = EINVAL;
	return NULL;
}

/* Decodes one field in place; a lone "%" is NULL. */
static char *decode(char *s)
{
	char *o = s;

	if (!strcmp(s, "%"))
		return NULL;
	for (char *p = s; *p; p++) {
		int hi, lo;

		if (*p == '%' && (hi = util_hex_digit(p[1])) >= 0 && (lo = util_hex_digit(p[2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

int spill_next(struct spill_r *r, char **fields, int max)
{
	char *line, *nl;
	int n = 0;

	if (!r || r->done == r->n || max <= 0)
		return 0;
	line = r->next;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		r->next = nl + 1;
	} else {
		r->next = line + strlen(line);
	}
	r->done++;
	for (char *p = line; n < max;) {
		char *tab = strchr(p, '\t');

		if (tab)
			*tab = '\0';
		fields[n++] = decode(p);
		if (!tab)
			break;
		p = tab + 1;
	}
	return n;
}

size_t spill_count(const struct spill_r *r)
{
	return r ? r->n : 0;
}

void spill_free(struct spill_r *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}
