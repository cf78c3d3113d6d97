/*
 * store: the SQLite history (see store.h for the contract). This file
 * opens it: the schema and its forward migrations, the collector's lock,
 * the private file mode, the reader's refusals; and closes it. The rest of
 * the store is split by concern, every file sharing struct store through
 * store_int.h (nothing outside the store sees it):
 *
 *   store_sql.c        every statement's text, prepared once; bind and
 *                      column helpers; the failed phase's codes
 *   store_queue.c      the write queue (probes, outages, events, certificates)
 *   store_flush.c      committing the queue in chunks; the backoff after a
 *                      failed flush (a full disk)
 *   store_rollup.c     hourly rollups: closing hours, late probes, percentiles
 *   store_retention.c  ageing raw rows, rollups, events and outages; the size cap
 *   store_series.c     reads over a window: uptime, percentiles, latency series
 *   store_read.c       reads of rows: outages, events, probes, certificates,
 *                      and what the viewer polls (names written, sequence)
 *   store_spill.c      the spill file
 *   store_ctl.c        the operator's controls: pauses kept across
 *                      restarts, a viewer's requests to the collector
 *   store_export.c     raw rows as a stream (export), its SELECT built
 *                      from the tables' columns as the file has them
 *   store_posture.c    posture passes: the latest per endpoint and every change
 *
 * The file holds, at schema version 10 (PRAGMA user_version):
 *
 *   endpoint   id, name (unique), url, first_ms/last_ms of its probes
 *              (0 while it has only outages or events), wseq: the write
 *              sequence of the last transaction that touched it
 *   probe      one row per probe, WITHOUT ROWID, keyed (endpoint_id, t_ms):
 *              one endpoint's history is one contiguous range of the
 *              b-tree, so every history query is a range scan. Phase
 *              timings in microseconds (NULL = phase not reached), state as
 *              0/1/2 (UP/WARN/DOWN, fixed here, not the enum's values),
 *              reason as an id into `reason`, TLS facts as an id into
 *              `tls`, the leaf as an id into `cert`; text as sent; the
 *              failed phase as 0..5 (none, DNS .. transfer, fixed here),
 *              NULL in rows written before schema 5 (not recorded).
 *   reason     id <-> reason name; ids are handed out by name, so
 *              reordering enum reason never reinterprets old rows
 *   tls        interned (version, cipher, alpn): one small integer per row
 *   cert       certificates by SHA-256 (32-byte blob, unique), full details
 *   cert_seen  (endpoint_id, cert_id) -> first/last seen
 *   rollup     one row per closed hour of an endpoint: probes, failures
 *              (DOWN), warns, and per phase n/min/avg/max/p95 over the
 *              probes that were not DOWN
 *   outage     keyed (endpoint_id, start_ms); end_ms NULL while ongoing;
 *              mark: local_network / maintenance (alerts held), or NULL
 *   event      endpoint_id, t_ms, kind, detail
 *   spill      spill file id -> probes, events and alert writes of it already written
 *   outbox     every alert per notifier (the alert's fields, status,
 *              attempts, why), kept until delivered, failed or suppressed
 *   delivery   every delivery attempt: time, notifier, kind, endpoints,
 *              result, HTTP status / exit code / SMTP reply, error, target
 *              (the Alertmanager member of a round, redacted)
 *   alert_mark what the alert engine remembers (certificate crossings)
 *   pause      endpoint name -> paused since (store_ctl.c)
 *   request    what a viewer asked the collector: name, action, time
 *   mute       endpoint name -> muted since, until (NULL: until UP), reason
 *   posture    posture passes by (endpoint name, t_ms): grade, whether it
 *              changed anything, the changes in words, the pass and its
 *              grade as JSON (posture_rec.h); an endpoint keeps its passes
 *              that changed something and its latest one
 *
 * Invariants:
 * - Hours are closed as soon as they are over (CLOSE_AFTER_MS later, so
 *   that probes still in flight land first), not when their raw rows age
 *   out: a long window (uptime 30 d, the 7 d and 30 d charts) reads 720
 *   hourly rows, not 43,200 raw ones, which is what keeps the history pane
 *   fast on a cold file. An endpoint's closed hours are everything before
 *   rolled_until = max(rollup.hour_ms) + 1 h: raw rows at or after it are
 *   the open tail, raw rows before it are kept (until retain_raw) for
 *   percentiles, per-probe views and charts finer than an hour. A reader
 *   takes whole hours before rolled_until from rollups and everything else
 *   from raw rows, so nothing is counted twice or missed. Retention only
 *   deletes raw rows of closed hours. A probe that arrives for a closed
 *   hour (a clock step, a very slow probe) is merged into its hour's
 *   rollup at the flush that writes it.
 * - Files written before hours were closed early have rollups only where
 *   raw rows had aged out; rolled_until then equals the oldest raw hour,
 *   so the same reads are right, and the collector closes the rest a
 *   budget at a time.
 * - Only the collector writes, and only from the store's files; readers
 *   open the file SQLITE_OPEN_READONLY. The one exception is STORE_CONTROL
 *   (`httpsmon mute`/`unmute`): it writes the mute table alone, in one
 *   short transaction, next to a running collector (WAL allows it; the
 *   collector sees the change through PRAGMA data_version). WAL lets them read while the
 *   collector writes. One collector per file: flock() on "<db>.lock",
 *   which holds the holder's pid for the refusal message. The lock file
 *   stays after close (removing it would race with the next collector
 *   taking it).
 * - Durability: WAL with synchronous=NORMAL. A committed transaction is in
 *   the WAL file before COMMIT returns, so it survives the process being
 *   SIGKILLed at any point (the kernel has the data); only a power loss or
 *   kernel crash can lose the last transactions before a checkpoint, which
 *   is not what "nothing acknowledged is lost" asks of a monitor, and FULL
 *   would cost an fsync per flush.
 * - Writes are queued in memory (store_queue.c; store_spill.c saves the
 *   queue to a file when the collector stops while writes fail and queues
 *   it again at the next open). A flush (store_flush.c) commits the
 *   queue in chunks, oldest first, and a chunk leaves the queue only when
 *   its transaction committed. Ids learnt inside a transaction
 *   (certificates) are only remembered after COMMIT, so a rolled-back
 *   chunk leaves no stale id behind.
 * - After a failed flush the store, not its caller, keeps the backoff
 *   (store_flush_due), on a clock a test can replace.
 * - Every statement is prepared once and cached for the life of the store;
 *   every value is bound, never formatted into SQL.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define BUSY_COLLECTOR_MS 50   /* the collector's loop must never wait long */
#define BUSY_READER_MS    500
#define BUSY_CONTROL_MS   5000

#define PHASE_AGG(p) p "_n INTEGER NOT NULL, " p "_min INTEGER, " p "_avg INTEGER, " \
		     p "_max INTEGER, " p "_p95 INTEGER, "

/*
 * Forward migrations: step i takes user_version i to i + 1. Append only;

 * a released step is never edited.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE endpoint("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT,"
	" first_ms INTEGER NOT NULL,"
	" last_ms INTEGER NOT NULL);"
	"CREATE TABLE reason(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE tls("
	" id INTEGER PRIMARY KEY, version TEXT NOT NULL, cipher TEXT NOT NULL, alpn TEXT NOT NULL,"
	" UNIQUE(version, cipher, alpn));"
	"CREATE TABLE cert("
	" id INTEGER PRIMARY KEY,"
	" sha256 BLOB NOT NULL UNIQUE,"
	" subject TEXT, issuer TEXT, sans TEXT, serial TEXT,"
	" not_before INTEGER, not_after INTEGER,"
	" key_type TEXT, key_bits INTEGER, key_curve TEXT, sig_alg TEXT,"
	" aia TEXT, self_issued INTEGER NOT NULL, is_ca INTEGER NOT NULL);"
	"CREATE TABLE cert_seen("
	" endpoint_id INTEGER NOT NULL, cert_id INTEGER NOT NULL,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" PRIMARY KEY(endpoint_id, cert_id)) WITHOUT ROWID;"
	"CREATE INDEX cert_seen_cert ON cert_seen(cert_id);"
	"CREATE TABLE probe("
	" endpoint_id INTEGER NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" reason INTEGER NOT NULL,"
	" dns_us INTEGER, connect_us INTEGER, tls_us INTEGER,"
	" server_us INTEGER, transfer_us INTEGER, total_us INTEGER,"
	" http_status INTEGER NOT NULL,"
	" tls_id INTEGER,"
	" cert_id INTEGER,"
	" ip TEXT,"
	" message TEXT,"
	" error TEXT,"
	" PRIMARY KEY(endpoint_id, t_ms)) WITHOUT ROWID;"
	"CREATE TABLE rollup("
	" endpoint_id INTEGER NOT NULL,"
	" hour_ms INTEGER NOT NULL,"
	" probes INTEGER NOT NULL, failures INTEGER NOT NULL, warns INTEGER NOT NULL, "
	PHASE_AGG("dns") PHASE_AGG("connect") PHASE_AGG("tls")
	PHASE_AGG("server") PHASE_AGG("transfer") PHASE_AGG("total")
	" PRIMARY KEY(endpoint_id, hour_ms)) WITHOUT ROWID;"
	"CREATE TABLE outage("
	" endpoint_id INTEGER NOT NULL,"
	" start_ms INTEGER NOT NULL,"
	" end_ms INTEGER,"
	" reason TEXT, message TEXT,"
	" failed_probes INTEGER NOT NULL,"
	" PRIMARY KEY(endpoint_id, start_ms)) WITHOUT ROWID;"
	"CREATE INDEX outage_start ON outage(start_ms);"
	"CREATE TABLE event("
	" id INTEGER PRIMARY KEY,"
	" endpoint_id INTEGER NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" detail TEXT);"
	"CREATE INDEX event_ep ON event(endpoint_id, t_ms);"
	"CREATE INDEX event_t ON event(t_ms);",
	/* 1 -> 2: the outages going on now, without a walk through a year of ended ones */
	"CREATE INDEX outage_open ON outage(endpoint_id) WHERE end_ms IS NULL;",
	/*
	 * 2 -> 3: endpoint.wseq, the write sequence of the last transaction that
	 * touched the endpoint, so a viewer reloads what was written, not what
	 * started after its last look; spill, how much of each spill file is
	 * in the file already (see store_spill.c).
	 */
	"ALTER TABLE endpoint ADD COLUMN wseq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX endpoint_wseq ON endpoint(wseq);"
	"CREATE TABLE spill(id INTEGER PRIMARY KEY, probes INTEGER NOT NULL, events INTEGER NOT NULL);",
	/*
	 * 3 -> 4: alerts. outbox: every alert per notifier until delivered,
	 * given up or suppressed (status 0 pending, 1 sent, 2 failed, 3
	 * suppressed; why says why); delivery: every attempt; alert_mark: what
	 * the engine remembers across restarts (certificate crossings sent).
	 */
	"CREATE TABLE outbox("
	" id INTEGER PRIMARY KEY, notifier TEXT NOT NULL, kind TEXT NOT NULL, t_s INTEGER NOT NULL,"
	" endpoint TEXT, url TEXT, state TEXT, reason TEXT, message TEXT,"
	" since_s INTEGER NOT NULL, end_s INTEGER NOT NULL, duration_s INTEGER NOT NULL,"
	" days_left INTEGER, failed_probes INTEGER NOT NULL, tags TEXT,"
	" status INTEGER NOT NULL, attempts INTEGER NOT NULL, done_ms INTEGER, why TEXT);"
	"CREATE INDEX outbox_pending ON outbox(status) WHERE status = 0;"
	"CREATE TABLE delivery("
	" id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, notifier TEXT NOT NULL, kind TEXT NOT NULL,"
	" endpoints TEXT NOT NULL, count INTEGER NOT NULL, result TEXT NOT NULL, code INTEGER NOT NULL,"
	" error TEXT);"
	"CREATE INDEX delivery_t ON delivery(t_ms);"
	"CREATE TABLE alert_mark(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
	/*
	 * 4 -> 5: probe.failed_phase, the phase the probe engine said the probe
	 * died in (store_phase_code: 0 none, 1 DNS .. 5 transfer). Rows written
	 * before keep NULL, "not recorded": the phase cannot be told from what
	 * was stored (a refused connect and a missing redirect both look like
	 * a DOWN row with timings), so nothing guesses it.
	 */
	"ALTER TABLE probe ADD COLUMN failed_phase INTEGER;",
	/*
	 * 5 -> 6: the operator's controls (store_ctl.c). pause: the endpoints
	 * paused, by name, so a pause survives restarts; request: what a
	 * viewer asks the collector (probe now, pause, resume), taken and
	 * deleted by the collector within a second.
	 */
	"CREATE TABLE pause(name TEXT PRIMARY KEY, since_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE request(id INTEGER PRIMARY KEY, name TEXT NOT NULL, action TEXT NOT NULL,"
	" t_ms INTEGER NOT NULL);",
	/*
	 * 6 -> 7: mute, an endpoint's alerts muted (by name: a mute may name an
	 * endpoint before it has probes) until until_ms, or until it is UP
	 * again (until_ms NULL); written by `httpsmon mute` and the dashboard,
	 * read by the collector (store_mute.c).
	 */
	"CREATE TABLE mute("
	" name TEXT PRIMARY KEY,"
	" since_ms INTEGER NOT NULL,"
	" until_ms INTEGER,"
	" reason TEXT) WITHOUT ROWID;",
	/*
	 * 7 -> 8: cert.sct_count, the SCTs embedded in the certificate (issue
	 * 14's Certificate Transparency fact). Rows written before keep NULL,
	 * read back as -1 ("unknown"): a certificate row is written once per
	 * fingerprint, so an old one is never filled in later.
	 */
	"ALTER TABLE cert ADD COLUMN sct_count INTEGER;",
	/*
	 * 8 -> 9: outage.mark, why the outage's alerts were held when it
	 * opened: 'local_network' (every canary failed: this box's own
	 * network was down, so the outage may be ours, not the endpoint's) or
	 * 'maintenance' (it opened in one of the endpoint's maintenance
	 * windows); NULL for an ordinary outage (and every outage written
	 * before: nothing tells them apart afterwards). delivery.target: where
	 * an attempt went when a notifier has several places (an Alertmanager
	 * HA member's url, redacted), NULL otherwise. spill.alerts: how many
	 * alert records (outbox, delivery, alert_mark writes) of a spill file
	 * are in (see store_spill.c).
	 */
	"ALTER TABLE outage ADD COLUMN mark TEXT;"
	"ALTER TABLE delivery ADD COLUMN target TEXT;"
	"ALTER TABLE spill ADD COLUMN alerts INTEGER NOT NULL DEFAULT 0;",
	/*
	 * 9 -> 10: posture, one row per posture pass (store_posture.c), by
	 * endpoint name like mute and pause; changed = 0 rows are the latest
	 * pass of an endpoint that changed nothing, replaced by the next one.
	 */
	"CREATE TABLE posture("
	" name TEXT NOT NULL,"
	" t_ms INTEGER NOT NULL,"
	" grade TEXT NOT NULL,"
	" changed INTEGER NOT NULL,"
	" changes TEXT,"
	" data TEXT NOT NULL,"
	" PRIMARY KEY(name, t_ms)) WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int64_t default_clock(void)
{
	return util_mono_us() / 1000;
}

char *store_default_path(void)
{
	const char *state = getenv("STATE_DIRECTORY");
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	/* systemd's StateDirectory=: a colon-separated list when a unit names several; ours is the first */
	if (state && state[0] == '/')
		return xasprintf("%.*s/history.db", (int)strcspn(state, ":"), state);

	/* the XDG spec says relative paths are invalid and must be ignored */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/httpsmon/history.db", xdg);
	if (!home || !home[0]) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !home[0])
		return xstrdup("httpsmon-history.db");
	return xasprintf("%s/.local/state/httpsmon/history.db", home);
}

char *store_reader_path(const char *system_db)
{
	char *path = store_default_path();

	if (access(path, F_OK) != 0 && system_db && access(system_db, F_OK) == 0) {
		free(path);
		return xstrdup(system_db);
	}
	return path;
}

/* mkdir -p of the directory that will hold path. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == 0) {
			/* exactly 0700, whatever the umask: it will hold the history */
			chmod(dir, 0700);
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	free(dir);
	return 0;
}

/*
 * The history holds URLs and messages: a file the collector creates is
 * 0600 whatever the umask, and SQLite gives its -wal and -shm files the
 * main file's mode. An existing file keeps the mode its owner gave it (a
 * group may read it on purpose, for --view), but one that others than the
 * owner can read or write is noted once in st->notice.
 */
static int create_private(struct store *st, char *err, size_t errlen)
{
	int fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct stat sb;

	if (fd >= 0) {
		int rc = fchmod(fd, 0600);

		close(fd);
		if (rc == 0)
			return 0;
		snprintf(err, errlen, "cannot make %s private: %s", st->path, strerror(errno));
		return -1;
	}
	if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", st->path, strerror(errno));
		return -1;
	}
	if (stat(st->path, &sb) == 0 && (sb.st_mode & 077))
		store_note(st, "warning: %s is open to %s (mode %04o) although it holds URLs and messages;"
			 " chmod 600 it unless that is intended", st->path,
			 sb.st_mode & 07 ? "every user" : "its group", (unsigned)(sb.st_mode & 07777));
	return 0;
}

/* One collector per file: an exclusive flock on "<db>.lock" holding our pid. */
static int take_lock(struct store *st, char *err, size_t errlen)
{
	char *lock = xasprintf("%s.lock", st->path);
	char buf[32];
	ssize_t n;
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = 0;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
		}
		if (e == EWOULDBLOCK && pid > 0)
			snprintf(err, errlen, "another httpsmon collector (pid %ld) is writing %s", pid, st->path);
		else if (e == EWOULDBLOCK)
			snprintf(err, errlen, "another httpsmon collector is writing %s", st->path);
		else
			snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(e));
		close(fd);
		free(lock);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		/* the pid is only for the message: failing to write it is harmless */
	}
	st->lock_fd = fd;
	free(lock);
	return 0;
}

static int user_version(struct store *st, int *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static int migrate(struct store *st, char *err, size_t errlen)
{
	int v = 0, rc;

	if ((rc = user_version(st, &v)) != SQLITE_OK)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "%s was written by a newer httpsmon (schema %d, this one knows %d)",
			 st->path, v, SCHEMA_VERSION);
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		char setv[48];

		snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", v + 1);
		rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, setv, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "cannot upgrade %s to schema %d: %s", st->path, v + 1,
				 sqlite3_errmsg(st->db));
			store_rollback(st);
			return -1;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot read %s: %s", st->path, sqlite3_errmsg(st->db));
	return -1;
}

/* Gives every reason name an id, by name (see the top comment). */
static int load_reasons(struct store *st)
{
	sqlite3_stmt *add = store_stmt(st, S_REASON_ADD), *get = store_stmt(st, S_REASON_ID);

	if (!add || !get)
		return -1;
	for (int r = 0; r < REASON_COUNT; r++) {
		const char *name = reason_name((enum reason)r);

		sqlite3_bind_text(add, 1, name, -1, SQLITE_STATIC);
		if (store_stmt_run(add) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW) {
			sqlite3_reset(get);
			return -1;
		}
		st->reason_id[r] = sqlite3_column_int64(get, 0);
		sqlite3_reset(get);
	}
	return 0;
}

struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags, v = 0;

	st->path = xstrdup(path);
	st->mode = mode;
	hashmap_init(&st->ep_index, HASHMAP_BYTES);
	hashmap_init(&st->certs, HASHMAP_BYTES);
	hashmap_init(&st->rolled, HASHMAP_U64);
	st->lock_fd = -1;
	st->clock = default_clock;
	if (mode == STORE_COLLECTOR) {
		if (make_parents(path, err, errlen) != 0 || take_lock(st, err, errlen) != 0 ||
		    create_private(st, err, errlen) != 0)
			goto err;
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	} else {
		struct stat sb;

		if (stat(path, &sb) != 0) {
			snprintf(err, errlen, "no history at %s (%s)", path,
				 errno == ENOENT ? "no collector has written it yet" : strerror(errno));
			goto err;
		}
		flags = mode == STORE_CONTROL ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto err;
	}
	sqlite3_busy_timeout(st->db, mode == STORE_COLLECTOR ? BUSY_COLLECTOR_MS : BUSY_READER_MS);
	if (mode == STORE_CONTROL) /* never make the collector's short busy wait give up */
		sqlite3_busy_timeout(st->db, BUSY_CONTROL_MS);
	if (mode == STORE_COLLECTOR) {
		/*
		 * auto_vacuum only takes on an empty file, and switching to WAL
		 * writes the first page: it goes first. synchronous=NORMAL is
		 * enough under WAL: see the top comment.
		 */
		if (sqlite3_exec(st->db, "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				 "PRAGMA journal_size_limit = 16777216; PRAGMA temp_store = MEMORY;"
				 "PRAGMA cache_size = -8000", NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		if (migrate(st, err, errlen) != 0)
			goto err;
		if (load_reasons(st) != 0) {
			snprintf(err, errlen, "cannot write %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		st->wseq = store_query_int(st, S_WSEQ, 0);
		store_spill_import(st);
		/*
		 * Written at once: what the collector reads next (its open outages,
		 * the pending alerts) is read from the file. A failure is the
		 * flush backoff's, as any (the queue is kept and merged where read).
		 */
		if (store_queued(st))
			store_flush(st);
	} else {
		sqlite3_exec(st->db, "PRAGMA cache_size = -8000", NULL, NULL, NULL);
		if (user_version(st, &v) != SQLITE_OK) {
			/* a collector killed while creating the file left a journal only a writer may undo */
			if (sqlite3_errcode(st->db) == SQLITE_READONLY)
				snprintf(err, errlen, "cannot read %s: it needs recovery after a crash;"
					 " start the collector once", path);
			else
				snprintf(err, errlen, "cannot read %s: %s", path, sqlite3_errmsg(st->db));
			goto err;
		}
		if (v == 0) {
			snprintf(err, errlen, "no history in %s (no collector has written it yet)", path);
			goto err;
		}
		if (v != SCHEMA_VERSION) {
			snprintf(err, errlen, v > SCHEMA_VERSION
				 ? "%s was written by a newer httpsmon (schema %d, this one knows %d)"
				 : "%s has history schema %d; run the collector once to upgrade it to %d",
				 path, v, SCHEMA_VERSION);
			goto err;
		}
	}
	return st;
err:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->db && st->mode == STORE_COLLECTOR && store_queued(st))
		store_flush(st);
	for (int k = 0; k < S_COUNT; k++)
		sqlite3_finalize(st->stmt[k]);
	/* the last connection to close checkpoints and removes the WAL */
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	store_free_queues(st);
	free(st->pq);
	free(st->oq);
	free(st->evq);
	free(st->cq);
	free(st->aq);
	free(st->psq);
	for (size_t i = 0; i < st->neps; i++) {
		free(st->eps[i].name);
		free(st->eps[i].url);
	}
	free(st->eps);
	hashmap_done(&st->ep_index);
	hashmap_done(&st->certs);
	hashmap_done(&st->rolled);
	free(st->path);
	free(st);
}

void store_set_clock(struct store *st, int64_t (*mono_ms)(void))
{
	if (st)
		st->clock = mono_ms ? mono_ms : default_clock;
}

/* Appends one line to st->notice. */
void store_note(struct store *st, const char *fmt, ...)
{
	size_t used = strlen(st->notice);
	va_list ap;

	if (used && used + 1 < sizeof(st->notice))
		st->notice[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(st->notice + used, sizeof(st->notice) - used, fmt, ap);
	va_end(ap);
}

const char *store_notice(const struct store *st)
{
	return st && st->notice[0] ? st->notice : NULL;
}
