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

#endif
