/*
 * store: the SQLite history. It owns the database file, its schema and
 * migrations (PRAGMA user_version), and every SQL statement; nothing else
 * in httpsmon writes SQL.
 *
 * Writes are queued in memory and committed by store_flush() in
 * transactions of at most STORE_FLUSH_CHUNK probes, oldest first, so a
 * burst of results costs one commit and a nearly full disk still takes
 * what fits. If a flush fails (disk full, read-only, locked) the rest of
 * the queue is kept, up to a bound; store_flush_due() says when trying
 * again is worth it (backoff, or space freed), the error is reported
 * through store_last_error() and cleared when writes succeed again. A
 * collector that stops while writes fail saves the queue to a spill file
 * beside the database (store_spill), which the next collector imports.
 *
 * One collector per file: opening as STORE_COLLECTOR takes an exclusive
 * advisory lock and fails with a clear message if another collector holds
 * it. Readers (history commands, the read-only dashboard) open as
 * STORE_READER and never write.
 *
 * Times are Unix milliseconds (wall clock) unless a name says otherwise.
 *
 * Where each part lives (src/, all sharing the private src/store_int.h):
 * store.c opens and closes (store_open, store_notice, store_close,
 * store_default_path, store_set_clock) and holds the schema; store_queue.c
 * takes the writes (store_add_probe, store_put_outage, store_add_event,
 * store_queued, store_last_error, store_dropped); store_flush.c commits
 * them (store_flush, store_flush_due, store_wake_ms); store_spill.c saves
 * and reloads them (store_spill); store_retention.c ages the file
 * (store_retention), store_rollup.c closing the hours; store_series.c reads
 * windows (store_uptime, store_latency_stats, store_latency_series);
 * store_read.c reads rows (every other read); store_export.c streams raw
 * rows (store_rows_*, the one statement built at run time, from the
 * schema); store_sql.c has every other statement.
 */
#ifndef HTTPSMON_STORE_H
#define HTTPSMON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/alert.h"
#include "httpsmon/posture_rec.h"
#include "httpsmon/result.h"
#include "httpsmon/verdict.h"

/*
 * STORE_CONTROL: read-write next to a running collector, for the mute
 * table only (store_mute_*); the file must exist at the current schema
 * (a collector creates and upgrades it).
 */
enum store_mode { STORE_COLLECTOR, STORE_READER, STORE_CONTROL };

struct store;

/*
 * Opens (creating and migrating if needed, collector only) the database at
 * path; parent directories are created for a collector. Returns NULL with
 * a message in err ("another httpsmon collector (pid 1234) is writing
 * /x/history.db").
 */
/*
 * A collector creates the file (and its -wal and -shm) 0600 and missing
 * parent directories 0700, whatever the umask; an existing file keeps its
 * mode (see store_notice).
 */
struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen);
/*
 * What store_open found that the operator should hear about once, without
 * failing (a history file others than its owner may read, a spill file
 * imported or refused), one line each, or NULL.
 */
const char *store_notice(const struct store *st);
void store_close(struct store *st); /* flushes what it can; NULL is fine */

/*
 * Mutes (store_mute.c): an endpoint's alerts are not sent until until_ms
 * (Unix ms), or, with until_ms 0, until it is UP again. Keyed by endpoint
 * name; setting a mute again replaces it. Written by a collector or a
 * STORE_CONTROL store, read by any.
 */
struct mute_row {
	char *name;        /* owned */
	int64_t since_ms;  /* when it was set, Unix ms */
	int64_t until_ms;  /* Unix ms; 0 = until the endpoint is UP again */
	char *reason;      /* owned; NULL = none given */
};
/* Sets (or replaces) name's mute and drops the expired ones at since_ms. 0, or -1 with a message in err. */
int store_mute_set(struct store *st, const char *name, int64_t since_ms, int64_t until_ms, const char *reason,
		   char *err, size_t errlen);
/* Removes name's mute; *found says whether there was one. 0, or -1 with a message in err. */
int store_mute_clear(struct store *st, const char *name, bool *found, char *err, size_t errlen);
/* The mutes in force at now_ms, by name. *rows is the caller's (store_mute_rows_free). 0, or -1. */
int store_mutes(struct store *st, int64_t now_ms, struct mute_row **rows, size_t *n);
void store_mute_rows_free(struct mute_row *rows, size_t n);

/*
 * Posture passes (store_posture.c), by endpoint name: queued like events
 * and committed by store_flush with the first chunk (a database that is
 * locked or full keeps them, and store_spill saves them); the dashboard
 * reads the latest back at the next start. changed: the pass differs from
 * the one before (or is the endpoint's first), and changes says how (""
 * or NULL for none); a pass with changed false replaces the endpoint's
 * older unchanged ones, so the table keeps each endpoint's passes that
 * changed something and its latest. Collector only.
 */
void store_add_posture(struct store *st, const char *name, const struct posture_rec *r, bool changed,
		       const char *changes);
/* name's latest pass into out. 0, 1 when it has none (or it cannot be read), -1 on an error. */
int store_last_posture(struct store *st, const char *name, struct posture_rec *out);
/*
 * Whether another connection committed to the file since the last call
 * (PRAGMA data_version: one cheap read, no I/O when nothing changed). The
 * first call returns true.
 */
bool store_changed_elsewhere(struct store *st);

/*
 * Default path: under systemd (StateDirectory=httpsmon)
 * $STATE_DIRECTORY/history.db; else $XDG_STATE_HOME/httpsmon/history.db
 * (~/.local/state/... when unset or relative). Caller frees.
 */
char *store_default_path(void);

/* Where the system service (StateDirectory=httpsmon) keeps its history. */
#define STORE_SYSTEM_DB "/var/lib/httpsmon/history.db"

/*
 * The database a reader (--view, history, stats) opens when not given
 * one: the default path when that database exists, else system_db
 * (STORE_SYSTEM_DB; tests give another) when that exists, else the
 * default, so a missing database is reported under the user's own path.
 * Caller frees.
 */
char *store_reader_path(const char *system_db);

/* ---- writes (collector) --------------------------------------------------- */

/*
 * Queues one probe of endpoint name: every phase timing, status, verdict,
 * reason, message, IP, TLS version, cipher, ALPN and a reference to the
 * leaf certificate; every certificate of the served chain is recorded once
 * by SHA-256 with its details and first/last seen for this endpoint.
 * r and v are copied; the body is not kept.
 */
void store_add_probe(struct store *st, const char *name, const char *url,
		     const struct probe_result *r, const struct verdict *v);

/*
 * An outage of endpoint name, keyed by (name, start_ms): inserted the
 * first time, updated after. end_ms 0 = ongoing.
 */
void store_put_outage(struct store *st, const char *name, int64_t start_ms, int64_t end_ms,
		      const char *reason, const char *message, int failed_probes);

/*
 * Marks outage (name, start_ms) as one whose alerts were held when it
 * opened: STORE_MARK_LOCAL_NETWORK (every canary failed: this box's own
 * network was down) or STORE_MARK_MAINTENANCE (a maintenance window). The
 * mark stays through later store_put_outage of the same outage; queued
 * before or after it, or for an outage already in the file.
 */
#define STORE_MARK_LOCAL_NETWORK "local_network"
#define STORE_MARK_MAINTENANCE   "maintenance"
void store_mark_outage(struct store *st, const char *name, int64_t start_ms, const char *mark);
/* How an outage's mark reads to a person ("local network down", "maintenance"); "" for none. */
const char *store_mark_label(const char *mark);

/* An event: kind is a short word ("cert_changed", "state", "ip_changed"...). */
void store_add_event(struct store *st, const char *name, int64_t t_ms, const char *kind,
		     const char *detail);

/*
 * Commits everything queued, in transactions of at most STORE_FLUSH_CHUNK
 * probes and as many events, oldest first (the queued outages and
 * certificates go with the first). When the disk is full, a failed chunk
 * is halved and tried again, down to one probe, so what space there is
 * gets used. Returns 0 when the queue is empty, or -1: what was not
 * written stays queued, within STORE_QUEUE_MAX probes (beyond that the
 * oldest are dropped and counted by store_dropped), and the next try
 * waits (store_flush_due). Once the queue is empty, a spill file imported
 * at open is removed.
 */
int store_flush(struct store *st);
#define STORE_QUEUE_MAX   100000
#define STORE_FLUSH_CHUNK 500

/*
 * Whether a flush is worth trying now: always while writes work. After a
 * failed flush, once its backoff has passed: 1 s after the first failure,
 * doubling with each failure in a row to at most 60 s (a flush that wrote
 * some chunks before failing starts again at 1 s); or, when it failed for
 * want of space, as soon as the database's file system has more free
 * space than at the failure (statvfs, looked at no more than once a
 * second, from here).
 */
bool store_flush_due(struct store *st);

/*
 * While writes fail: the monotonic time (ms, the store's clock) when
 * store_flush_due should next be asked, for a loop's timeout; 0 while
 * writes work (flush on the caller's own schedule).
 */
int64_t store_wake_ms(const struct store *st);

/* Tests: the monotonic millisecond clock the backoff reads (NULL: the real one). */
void store_set_clock(struct store *st, int64_t (*mono_ms)(void));

/*
 * For a collector that stops while writes fail: writes everything still
 * queued to "<db>.spill" (mode 0600; written whole, then renamed into
 * place, replacing an older spill whose rest is in the queue) and empties
 * the queue. The next collector to open the database queues the file's
 * records again; each is written once (how far the file got is recorded
 * with the rows), and the file is removed when all of it is in.
 * Returns the number of queued items saved (0 when none) with what was
 * done in msg, or -1 with the error in msg (the queue is kept).
 */
long store_spill(struct store *st, char *msg, size_t msglen);

size_t store_queued(const struct store *st);
/* The current write problem, or NULL when writes are fine. */
const char *store_last_error(const struct store *st);
/* Probe rows dropped because the queue overflowed while writes failed. */
uint64_t store_dropped(const struct store *st);

/*
 * Housekeeping, also what keeps long reads cheap: every hour that ended
 * more than 5 minutes before now_ms is closed into an hourly rollup; raw
 * probes older than retain_raw_ms are deleted (their hours are closed
 * first); rollups older than retain_rollup_ms are deleted;
 * with max_bytes > 0, the oldest raw probes (then rollups) go until the
 * file fits. Does a bounded amount of work per call (so the loop never
 * stalls); returns 1 if more is left, 0 when done, -1 on error.
 */
int store_retention(struct store *st, int64_t now_ms, int64_t retain_raw_ms,
		    int64_t retain_rollup_ms, int64_t max_bytes);

/* ---- reads ---------------------------------------------------------------- */

struct outage_row {
	char name[128];
	int64_t start_ms;
	int64_t end_ms;        /* 0 = ongoing */
	char reason[32];
	char message[512];
	int failed_probes;
	char mark[16];         /* why its alerts were held when it opened (STORE_MARK_*), "" none */
};

struct event_row {
	char name[128];
	int64_t t_ms;
	char kind[32];
	char detail[512];
};

/* Newest first; name NULL = every endpoint. Caller frees *rows. Returns 0 or -1. */
int store_outages(struct store *st, const char *name, int64_t since_ms, size_t limit,
		  struct outage_row **rows, size_t *n);
/* The outages going on now, of every endpoint. Caller frees *rows. Returns 0 or -1. */
int store_open_outages(struct store *st, struct outage_row **rows, size_t *n);
int store_events(struct store *st, const char *name, int64_t since_ms, size_t limit,
		 struct event_row **rows, size_t *n);

struct uptime {
	int64_t probes;
	int64_t failures;      /* probes whose verdict was DOWN */
	double pct;            /* 100 * (probes - failures) / probes; -1 when no probes */
};
/*
 * Uptime of name over [since_ms, now_ms]: the hours the collector has
 * closed from their hourly rollups (an hour counts when it starts inside
 * the window), the rest from raw probes. A 30-day window reads ~720 rows.
 */
int store_uptime(struct store *st, const char *name, int64_t since_ms, int64_t now_ms, struct uptime *out);

/* Percentiles in microseconds for each phase over [since_ms, now]; -1 where no data. */
struct phase_stats {
	int64_t count;
	int64_t p50[PHASE_END], p95[PHASE_END], p99[PHASE_END]; /* indexed by enum probe_phase, PHASE_TOTAL included */
};
int store_latency_stats(struct store *st, const char *name, int64_t since_ms, struct phase_stats *out);

/*
 * One point per bucket of bucket_ms over [since_ms, until_ms): averages in
 * microseconds. Buckets of an hour or more take closed hours from hourly
 * rollups (each hour into the bucket its start falls in: align since_ms to
 * an hour and use whole hours for exact buckets); finer buckets read raw
 * probes wherever there are any.
 */
struct series_point {
	int64_t t_ms;          /* bucket start */
	int64_t count;
	int64_t avg_us[PHASE_END]; /* indexed by enum probe_phase; -1 when none */
	int64_t max_total_us;
	int64_t failures;
};
int store_latency_series(struct store *st, const char *name, int64_t since_ms, int64_t until_ms,
			 int64_t bucket_ms, struct series_point **pts, size_t *n);

/* Raw probes of name in [from_ms, to_ms], oldest first, at most limit. */
struct probe_row {
	int64_t t_ms;
	struct probe_timings t; /* phase durations by enum probe_phase, -1 not reached */
	long http_status;
	char state[8];         /* "UP", "WARN", "DOWN" */
	char reason[32];
	char message[512];
	char ip[64];
	char tls_version[16];
	char cipher[64];
	char cert_sha256[65];  /* leaf, "" if none */
	char url[512];         /* the endpoint's newest url, "" if unknown */
	int failed_phase;      /* enum probe_phase the probe died in (PHASE_NONE: it did not);
				  -1 when not recorded (rows written before schema 4) */
};
int store_probes(struct store *st, const char *name, int64_t from_ms, int64_t to_ms, size_t limit,
		 struct probe_row **rows, size_t *n);

/* The newest probe of name. Returns 0, 1 when there is none, -1 on error. */
int store_latest(struct store *st, const char *name, struct probe_row *out);

/*
 * What the history says of name's newest probe, for a screen that starts
 * on an existing database: row as store_latest; r (initialised by the
 * caller, which frees it with probe_result_done) gets what is stored of
 * the result: start time, phase timings, HTTP status, IP, TLS version and
 * cipher, the leaf certificate as chain[0] (no failed phase: not stored);
 * v its verdict: state, the deciding reason (the only one in reasons) and
 * message. Returns 0, 1 when name has no probe, -1 on error.
 */
int store_last_result(struct store *st, const char *name, struct probe_row *row, struct probe_result *r,
		      struct verdict *v);

/*
 * The newest max probes of name as sparkline values, oldest first, one per
 * probe: total latency in microseconds, -1 for a probe judged DOWN (also
 * when it has a latency). us holds max; *n is set. Returns 0 or -1.
 */
int store_recent(struct store *st, const char *name, int max, int64_t *us, int *n);

/* A stored certificate by fingerprint. Returns 0, 1 when unknown, -1 on error. */
int store_cert(struct store *st, const char *sha256, struct cert_info *out);

/* Endpoint names known to the database, sorted. Caller frees with strlist_done. */
int store_endpoint_names(struct store *st, struct strlist *out);

/*
 * The collector's write sequence: it grows by one with every committed
 * transaction that wrote anything of an endpoint (probe, outage or
 * event), so it moves whatever the times in the rows were (a slow probe
 * is written long after it started). 0 for a file never written since the
 * sequence was added, -1 on error. For cheap change polling by viewers.
 */
int64_t store_write_seq(struct store *st);

/* Endpoints written by a transaction after write sequence after_seq, sorted: what a viewer must reload. */
int store_endpoints_written(struct store *st, int64_t after_seq, struct strlist *out);

/* The newest probe start time of any endpoint (Unix ms), 0 when none: for display. */
int64_t store_last_probe_ms(struct store *st);

/* ---- the operator's controls (store_ctl.c) ------------------------------- */

/*
 * Collector: name is paused since t_ms (paused) or no longer (a no-op when
 * already so), written at once so the pause survives a restart or a kill.
 * Returns 0 or -1 (the pause still holds in memory; the caller says so).
 */
int store_set_paused(struct store *st, const char *name, bool paused, int64_t t_ms);
/* 1 when name is recorded paused, 0 when not, -1 on error. */
int store_is_paused(struct store *st, const char *name);
/* The paused names, sorted, appended to out (caller frees with strlist_done). Returns 0 or -1. */
int store_paused(struct store *st, struct strlist *out);

/* What a viewer may ask the collector. */
enum store_action { STORE_PROBE_NOW, STORE_PAUSE, STORE_RESUME };

struct store_req {
	int64_t id;
	char name[128];
	enum store_action action;
	int64_t t_ms;          /* when asked (wall clock) */
};

/*
 * A viewer's request to the collector writing the database at path,
 * through a connection of its own opened for this one insert (the viewer's
 * store stays read-only). Needs write access to the file. Returns 0, or -1
 * with the reason in err.
 */
int store_request(const char *path, const char *name, enum store_action action, int64_t t_ms, char *err,
		  size_t errlen);
/*
 * Collector: takes up to max pending requests, oldest first, into out and
 * deletes them (cheap when there are none: one indexed read). Requests
 * this build does not know are deleted unread. Returns how many, or -1.
 */
int store_take_requests(struct store *st, struct store_req *out, int max);
/*
 * The pid of the collector holding path's lock now, 0 when none: the
 * kernel's lock table (/proc/locks), never taking the lock itself, so
 * asking never stops a collector from starting.
 */
long store_collector_pid(const char *path);

/* ---- raw rows as a stream (export) ------------------------------------------ */

enum store_what { STORE_PROBES, STORE_OUTAGES, STORE_EVENTS };
enum store_val { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT };
struct store_rows;

/*
 * Every row of a table, a row at a time (memory stays constant whatever
 * the window): the probes or events of name (NULL: every endpoint) with a
 * time in [since_ms, until_ms), or the outages that overlap it (started
 * before until_ms, ongoing or ended at or after since_ms); sorted by
 * endpoint name, then time. The columns are the table's as the file's
 * schema has them (store_export.c says how ids are resolved). Returns a
 * stream to read with store_rows_next and free with store_rows_close, or
 * NULL with err.
 */
struct store_rows *store_rows_open(struct store *st, enum store_what what, const char *name, int64_t since_ms,
				   int64_t until_ms, char *err, size_t errlen);
size_t store_rows_ncols(const struct store_rows *r);
const char *store_rows_name(const struct store_rows *r, size_t i); /* "endpoint", "time", "state"... */
bool store_rows_is_time(const struct store_rows *r, size_t i);     /* an INT value is a Unix time in ms */
/* The next row: 1, or 0 at the end, or -1 on error (store_rows_error). */
int store_rows_next(struct store_rows *r);
/* Column i of the current row: its type, then its value by type. Text is valid until the next call. */
enum store_val store_rows_type(const struct store_rows *r, size_t i);
int64_t store_rows_int(const struct store_rows *r, size_t i);
double store_rows_real(const struct store_rows *r, size_t i);
const char *store_rows_text(const struct store_rows *r, size_t i, size_t *len);
const char *store_rows_error(const struct store_rows *r);
void store_rows_close(struct store_rows *r); /* NULL is fine */

/* Database file size in bytes (main file plus WAL). */
int64_t store_size_bytes(const struct store *st);

/* ---- alerts: the outbox, delivery attempts, what was sent (store_alert.c) ---- */

/*
 * The outbox holds every alert for every notifier it goes to, until it is
 * delivered (SENT), given up (FAILED after retry_for) or was never to be
 * sent (SUPPRESSED: muted, maintenance, held for a local network problem;
 * why says which). Rows are keyed by the engine's id (> 0, its own
 * sequence: store_outbox_max_id at start). The writes below are queued like
 * outages: committed with the first chunk of the next flush, so an outbox
 * row queued right after the outage or event that caused it is in the
 * same transaction.
 */
enum outbox_status { OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_FAILED, OUTBOX_SUPPRESSED };

struct outbox_row {
	int64_t id;
	char notifier[64];
	struct alert a;          /* owned: free the rows with store_outbox_rows_free */
	int status;              /* enum outbox_status */
	int attempts;
	int64_t done_ms;         /* when it left PENDING, 0 while pending */
	char why[256];           /* suppressed or failed: why; "" otherwise */
};

/* Queues a new outbox row for alert a (copied) and notifier. */
void store_outbox_add(struct store *st, int64_t id, const char *notifier, const struct alert *a,
		      int status, const char *why);
/* Queues a status change of row id (why may be NULL). */
void store_outbox_set(struct store *st, int64_t id, int status, int attempts, int64_t done_ms, const char *why);

/* One delivery attempt of one message (one alert, or a group of them). */
struct delivery_row {
	int64_t t_ms;
	char notifier[64];
	char kind[16];
	char endpoints[512];     /* comma-separated, cut with "..." when long */
	int count;               /* alerts in the message */
	char result[16];         /* "delivered", "retry", "failed", "suppressed" */
	int code;                /* HTTP status, exit status, SMTP reply; 0 = none */
	char error[256];
	char target[160];        /* an Alertmanager round: the member it went to (redacted url); "" otherwise */
};
void store_add_delivery(struct store *st, const struct delivery_row *d);

/* A remembered fact of the engine (key -> value), e.g. a certificate crossing sent. */
void store_alert_mark(struct store *st, const char *key, int64_t value);

/* The rows still PENDING, oldest first. Free with store_outbox_rows_free. 0 or -1. */
int store_outbox_pending(struct store *st, struct outbox_row **rows, size_t *n);
/* The newest limit rows of any status, newest first. 0 or -1. */
int store_outbox_recent(struct store *st, size_t limit, struct outbox_row **rows, size_t *n);
void store_outbox_rows_free(struct outbox_row *rows, size_t n);
/* The highest outbox id in the file, 0 when none, -1 on error. */
int64_t store_outbox_max_id(struct store *st);
/* Delivery attempts since since_ms, newest first, at most limit. Caller frees. 0 or -1. */
int store_deliveries(struct store *st, int64_t since_ms, size_t limit, struct delivery_row **rows, size_t *n);
/* Every mark whose key starts with prefix, through cb. 0 or -1. */
int store_alert_marks(struct store *st, const char *prefix,
		      void (*cb)(void *ud, const char *key, int64_t value), void *ud);

#endif
