/*
 * cfgedit: writing config files for people who do not have one yet or want
 * one more endpoint: `httpsmon init [FILE]` (the shipped example, built
 * into the binary) and `httpsmon add URL [--name NAME]` (one section
 * appended, the rest of the file byte for byte as it was). Every write is
 * atomic (a temporary file beside the target, then rename) and an edited
 * file is loaded before it replaces the old one: a config that would not
 * load is never written.
 */
#ifndef HTTPSMON_CFGEDIT_H
#define HTTPSMON_CFGEDIT_H

#include <stddef.h>

/* config/endpoints.ini as it was at build time, NUL-terminated. */
extern const char cfgedit_example[];

/*
 * Writes the example to path (missing parent directories made 0700; the
 * file 0600: it may come to hold tokens). Refuses an existing path.
 * Returns 0, or -1 with err.
 */
int cfgedit_init(const char *path, char *err, size_t errlen);

/* URL length add accepts: the line "url = URL" must fit the loader's 198 characters. */
#define CFGEDIT_URL_MAX 180

/*
 * Appends "[NAME]\nurl = URL" to the config at path: name as given, or
 * from the URL's host when NULL or empty (characters a name may not hold
 * become '-'). Refused, with err, when: the URL is not printable ASCII
 * without spaces or longer than CFGEDIT_URL_MAX, the name is not a valid
 * section name or is taken, the file does not load now, or the result does
 * not load or does not read back as that endpoint. A '$' in the URL is
 * written as "$$" so it is not read as ${VAR}. The file keeps its mode; a
 * symbolic link keeps pointing at the edited file. The name used goes to
 * name_out. Returns 0 or -1.
 */
int cfgedit_add(const char *path, const char *url, const char *name, char *name_out, size_t name_len, char *err,
		size_t errlen);

#endif
