/*
 * testlib: helpers shared by the cmocka tests: temporary directories and
 * files, and the local TLS lab (tests/lab/) that probe tests run against.
 */
#ifndef HTTPSMON_TESTLIB_H
#define HTTPSMON_TESTLIB_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *tl_mkdtemp(void);
/* Writes content to dir/name and returns the path (caller frees). */
char *tl_write_file(const char *dir, const char *name, const char *content);
/* Removes dir and everything below it. */
void tl_rmrf(const char *dir);

#endif
