/*
 * testlib: helpers shared by the cmocka tests: temporary directories and
 * files, and the local TLS lab (tests/lab/) that probe tests run against.
 *
 * Plain libc only: testlib links into every test and must not wait on any
 * other module, nor on cmocka (failures go to stderr, fatal ones abort()).
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

#define LAB_MAX_PORTS 128

struct lab_files;

/*
 * A running lab: tests/lab/lab.sh's servers on 127.0.0.1, with their
 * certificates. The standard listeners are named in tests/lab/lab.sh
 * (good, expired, hang, drop, ...). Everything is owned by the struct and
 * released by lab_stop(); a zeroed struct is a stopped lab.
 */
struct lab {
	char *dir;      /* the lab's temporary directory */
	char *certs;    /* dir/certs: root.pem, client.pem, int.der, ... */
	struct {
		char name[48];
		int port;
	} ports[LAB_MAX_PORTS];
	size_t nports;
	struct lab_files *files; /* paths handed out by lab_file() */
};

/*
 * Starts the standard lab in a fresh temporary directory: runs
 * tests/lab/lab.sh (from the working directory, or $HTTPSMON_SRCDIR) with
 * LABSRV=$BUILD/tests/lab/labsrv (BUILD defaults to "build"). The servers
 * exit by themselves if this process dies. Returns 0, or -1 with a message
 * on stderr and the struct zeroed.
 */
int lab_start(struct lab *lab);
/* Same, with extra spec lines ("NAME KIND PORT key=value...\n", see
 * tests/lab/labsrv.c) appended to the standard ones; NULL for none. */
int lab_start_spec(struct lab *lab, const char *extra_spec);
/* The port of listener name; an unknown name aborts the test loudly. */
int lab_port(const struct lab *lab, const char *name);
/* The path of a certificate file, e.g. "root.pem", "client.key", valid
 * until lab_stop(). A file that does not exist aborts the test loudly. */
const char *lab_file(const struct lab *lab, const char *name);
/* Stops the servers, removes the directory, zeroes the struct. NULL and
 * stopped labs are fine. */
void lab_stop(struct lab *lab);

#endif
