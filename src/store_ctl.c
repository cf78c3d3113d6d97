/*
 * store_ctl: the operator's controls kept in the database (see store.h,
 * "controls"): which endpoints are paused, so a pause survives a restart,
 * and the requests a read-only viewer leaves for the collector (probe now,
 * pause, resume), which the collector takes within a second.
 *
 * Both are rare, operator-paced writes: a pause is written at once in its
 * own statement (not through the probe queue: it must hold even if the
 * collector is killed a moment later); a viewer writes a request through a
 * connection of its own, opened for that one insert, so the viewer's
 * reading connection stays SQLITE_OPEN_READONLY. Whether a collector is
 * there to take a request is the collector's lock (store.c's flock on
 * "<db>.lock"), read from /proc/locks without taking it, so looking never
 * gets in the way of a collector starting.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "httpsmon/util.h"
#include "store_int.h"

static const char *const action_names[] = {
	[STORE_PROBE_NOW] = "probe", [STORE_PAUSE] = "pause", [STORE_RESUME] = "resume",
};

static int action_of(const char *name, enum store_action *out)
{
	for (int a = 0; a <= STORE_RESUME; a++) {
		if (!strcmp(name, action_names[a])) {
			*out = (enum store_action)a;
			return 0;
		}
	}
	return -1;
}

int store_set_paused(struct store *st, const char *name, bool paused, int64_t t_ms)
{
	sqlite3_stmt *s;

	if (!st || st->mode != STORE_COLLECTOR || !(s = store_stmt(st, paused ? S_PAUSE_PUT : S_PAUSE_DEL)))
		return -1;
	store_bind_text(s, 1, name);
	if (paused)
		sqlite3_bind_int64(s, 2, t_ms);
	return store_stmt_run(s) == SQLITE_OK ? 0 : -1;
}

int store_is_paused(struct store *st, const char *name)
{
	sqlite3_stmt *s;
	int rc;

	if (!st || !(s = store_stmt(st, S_PAUSED_ONE)))
		return -1;
	store_bind_name(s, name);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_paused(struct store *st, struct strlist *out)
{
	return store_stmt_strings(st, S_PAUSED, out);
}

int store_request(const char *path, const char *name, enum store_action action, int64_t t_ms, char *err,
		  size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((unsigned)action > STORE_RESUME) {
		snprintf(err, errlen, "unknown request");
		return -1;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 1000);
		rc = sqlite3_prepare_v2(db, "INSERT INTO request(name, action, t_ms) VALUES(?1, ?2, ?3)", -1, &s, NULL);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, action_names[action], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, t_ms);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "cannot write to %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int store_take_requests(struct store *st, struct store_req *out, int max)
{
	sqlite3_stmt *s;
	int64_t last = 0;
	int n = 0, rc;

	if (!st || st->mode != STORE_COLLECTOR || max <= 0 || !(s = store_stmt(st, S_REQ_TAKE)))
		return -1;
	sqlite3_bind_int(s, 1, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_req *q = &out[n];
		char action[16];

		q->id = last = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, q->name, sizeof(q->name));
		store_col_text(s, 2, action, sizeof(action));
		q->t_ms = sqlite3_column_int64(s, 3);
		/* an action this build does not know is taken off the table, not acted on */
		if (action_of(action, &q->action) == 0)
			n++;
	}
	sqlite3_reset(s);
	/* an empty table costs the one read above; only what was read is deleted */
	if (last && (s = store_stmt(st, S_REQ_DEL))) {
		sqlite3_bind_int64(s, 1, last);
		if (store_stmt_run(s) != SQLITE_OK)
			return -1;
	}
	return n;
}

/* The pid written in path's lock file by the last collector that took it, 0 if none. */
static long lock_pid(const char *lock)
{
	FILE *f = fopen(lock, "re");
	long pid = 0;

	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

long store_collector_pid(const char *path)
{
	char *lock = xasprintf("%s.lock", path);
	long pid = lock_pid(lock), held = 0;
	struct stat sb;
	char line[256];
	FILE *f;

	if (pid <= 0 || stat(lock, &sb) != 0) {
		free(lock);
		return 0;
	}
	free(lock);
	f = fopen("/proc/locks", "re");
	if (!f)
		/* no /proc: the pid the lock file names, if that process lives */
		return kill((pid_t)pid, 0) == 0 || errno == EPERM ? pid : 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters ("1: -> FLOCK ...") hold nothing */
	while (!held && fgets(line, sizeof(line), f)) {
		char type[16], kind[16], rw[16];
		unsigned maj, min;
		unsigned long ino;
		long p;

		if (!strstr(line, "->") &&
		    sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%lu", type, kind, rw, &p, &maj, &min, &ino) == 7 &&
		    !strcmp(type, "FLOCK") && !strcmp(rw, "WRITE") && ino == (unsigned long)sb.st_ino && p == pid)
			held = pid;
	}
	fclose(f);
	return held;
}
