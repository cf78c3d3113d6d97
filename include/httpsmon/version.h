/*
 * version: what `httpsmon --version` prints: httpsmon's own version and
 * the versions of the libraries it runs with, as the loaded libraries
 * report them at run time (not the headers it was built against), so an
 * operator sees what a package upgrade changed.
 */
#ifndef HTTPSMON_VERSION_H
#define HTTPSMON_VERSION_H

#include <stdio.h>

/* Writes the version lines to out. */
void version_print(FILE *out);

/* The run-time versions of the libraries that judge a probe, each the library's own static string. */
struct version_libs {
	const char *curl;     /* "8.5.0" */
	const char *openssl;  /* "3.0.13" */
	const char *sqlite;   /* "3.45.1" */
};
void version_libs(struct version_libs *v);

#endif
