/*
 * spill: a file of text records that is written whole or not at all, for
 * what the store could not write to its database before the collector
 * stopped (store_spill) and imports at the next start.
 *
 * Format, one record a line: the first line is "httpsmon-spill 1 ID", the
 * last "end N" (N = the number of records between). Fields are separated
 * by tabs; in a field '%', tab, CR and LF are written as %25, %09, %0D and
 * %0A, and a NULL string is a lone "%". A file whose end line is missing or
 * miscounted is refused as a whole, so a torn file is never half-imported.
 * The file is written under a temporary name, fsync'ed and renamed into
 * place, mode 0600.
 */
#ifndef HTTPSMON_SPILL_H
#define HTTPSMON_SPILL_H

#include <stddef.h>
#include <stdint.h>

#define SPILL_MAX_FIELDS 32

struct spill_w;

/*
 * Starts writing path (through "<path>.tmp"). id is the file's identity,
 * > 0. Returns NULL with a message in err.
 */
struct spill_w *spill_create(const char *path, int64_t id, char *err, size_t errlen);

/* Appends one record of nf fields (NULL fields allowed). Errors surface at spill_finish. */
void spill_put(struct spill_w *w, const char *const *fields, int nf);

/*
 * Ends the file and renames it over path. Returns 0, or -1 with a message
 * in err and the temporary file removed. Frees w either way.
 */
int spill_finish(struct spill_w *w, char *err, size_t errlen);

struct spill_r;

/*
 * Reads and checks the whole file at path. Returns NULL with a message in
 * err (errno ENOENT is kept for "no file"); *id gets the file's identity.
 */
struct spill_r *spill_read(const char *path, int64_t *id, char *err, size_t errlen);

/*
 * The next record: fields[0..n) point into r's memory, decoded, valid
 * until spill_free. Returns n (at most max), 0 at the end.
 */
int spill_next(struct spill_r *r, char **fields, int max);

/* The number of records in the file. */
size_t spill_count(const struct spill_r *r);

void spill_free(struct spill_r *r); /* NULL is fine */

#endif
