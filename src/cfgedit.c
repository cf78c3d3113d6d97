/*
 * cfgedit: `httpsmon init` and `httpsmon add` (see cfgedit.h). The example
 * config is compiled in: the Makefile turns config/endpoints.ini into C
 * string literal lines ($(BUILD)/gen/example_ini.inc), so `init` works
 * from any directory and always matches the README's example. An edit is
 * written to a temporary file in the target's directory (same file
 * system, so rename is atomic), given the old file's mode, synced, loaded
 * with config_load as the collector would, and only then renamed over the
 * old file; on any failure the temporary file is removed and the old file
 * is untouched.
 */
#include "httpsmon/cfgedit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/util.h"

const char cfgedit_example[] =
#include "example_ini.inc"
	;

/* mkdir -p of path's directory, new directories 0700. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	int rc = 0;

	/* every '/' but a leading one ends a directory of the path; the last ends the file's own */
	for (char *p = dir + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			rc = -1;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* All of text to fd, then fsync. Returns 0 or -1 (errno set). */
static int write_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t w = write(fd, text, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		text += w;
		len -= (size_t)w;
	}
	return fsync(fd);
}

int cfgedit_init(const char *path, char *err, size_t errlen)
{
	int fd;

	if (make_parents(path, err, errlen))
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			snprintf(err, errlen, "%s already exists: not overwritten (edit it, or give another FILE)", path);
		else
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, cfgedit_example, strlen(cfgedit_example)) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/* The whole file, or NULL with err. Caller frees. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct strbuf b = { 0 };
	char buf[8192];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&b, buf, n);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		strbuf_done(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return b.s ? b.s : xstrdup("");
}

/* printable ASCII, no space: nothing that could end the line or start a comment or key */
static int url_check(const char *url, char *err, size_t errlen)
{
	size_t len = strlen(url);

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
			snprintf(err, errlen, "the URL holds a space, a control or a non-ASCII character at byte %zu: "
				 "percent-encode it", i + 1);
			return -1;
		}
	}
	if (len > CFGEDIT_URL_MAX) {
		snprintf(err, errlen, "the URL is %zu bytes; a config line holds at most %d", len, CFGEDIT_URL_MAX);
		return -1;
	}
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		snprintf(err, errlen, "the URL must start with https:// (or http:// for a redirect check)");
		return -1;
	}
	return 0;
}

/* The name to use: given, or the URL's host made into a valid name. */
static int pick_name(const struct config *cfg, const char *url, const char *given, char *out, size_t n, char *err,
		     size_t errlen)
{
	char q[160];

	if (given && *given) {
		snprintf(out, n, "%s", given);
	} else if (config_url_host(url, out, n) != 0) {
		snprintf(err, errlen, "cannot take a name from the URL: give --name NAME");
		return -1;
	} else {
		for (char *p = out; *p; p++)
			if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
			    !strchr("._-:", *p))
				*p = '-';
	}
	if (!config_name_ok(out)) {
		snprintf(err, errlen, "'%s' is not a valid endpoint name: use letters, digits and . _ - : / @ + "
			 "(no spaces, at most 64 bytes)", util_sanitize(out, strlen(out), q, sizeof(q)));
		return -1;
	}
	if (config_find(cfg, out)) {
		snprintf(err, errlen, "the name '%s' is taken in %s: give another with --name NAME", out, cfg->path);
		return -1;
	}
	return 0;
}

/* text + the new section, to a temporary file beside path with mode; loaded before it is renamed over path. */
static int write_checked(const char *path, mode_t mode, const char *text, const char *name, const char *url,
			 char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.XXXXXX", path), lerr[2048];
	int fd = mkstemp(tmp), rc = -1;
	struct config *cfg = NULL;
	const struct endpoint *e;

	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file beside %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, text, strlen(text)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto done;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	cfg = config_load(tmp, lerr, sizeof(lerr));
	if (!cfg) {
		snprintf(err, errlen, "%s would not load with [%s] added; left as it was:\n%s", path, name, lerr);
		goto done;
	}
	if (!(e = config_find(cfg, name)) || strcmp(e->url, url) != 0) {
		snprintf(err, errlen, "%s would not read [%s] back as written; left as it was", path, name);
		goto done;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (rc)
		unlink(tmp);
	config_unref(cfg);
	free(tmp);
	return rc;
}

int cfgedit_add(const char *path, const char *url, const char *name, char *name_out, size_t name_len, char *err,
		size_t errlen)
{
	char real[PATH_MAX], lerr[2048];
	struct config *cfg = NULL;
	struct strbuf text = { 0 };
	struct stat st;
	char *old = NULL;
	size_t len = 0;
	int rc = -1;

	if (url_check(url, err, errlen))
		return -1;
	/* edit the file a symbolic link points at, not the link */
	if (!realpath(path, real) || stat(real, &st) != 0) {
		snprintf(err, errlen, "no config at %s (%s): create one with: httpsmon init", path, strerror(errno));
		return -1;
	}
	cfg = config_load(real, lerr, sizeof(lerr));
	if (!cfg) {
		snprintf(err, errlen, "%s does not load now; fix it first:\n%s", path, lerr);
		return -1;
	}
	if (pick_name(cfg, url, name, name_out, name_len, err, errlen) || !(old = read_file(real, &len, err, errlen)))
		goto done;
	strbuf_append(&text, old, len);
	if (len && old[len - 1] != '\n')
		strbuf_puts(&text, "\n");
	strbuf_printf(&text, "\n[%s]\nurl = ", name_out);
	for (const char *p = url; *p; p++)
		strbuf_puts(&text, *p == '$' ? "$$" : (char[]){ *p, 0 });
	strbuf_puts(&text, "\n");
	rc = write_checked(real, st.st_mode & 07777, strbuf_cstr(&text), name_out, url, err, errlen);
done:
	config_unref(cfg);
	free(old);
	strbuf_done(&text);
	return rc;
}
