/*
 * store internals: what the store's own files share (struct store, the
 * queue types, the statements, the helpers each file lends the others;
 * store.c's top comment says which file holds what). Nothing outside the
 * store includes this file; the public contract is include/httpsmon/store.h.
 */
#ifndef HTTPSMON_STORE_INT_H
#define HTTPSMON_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "httpsmon/cert.h"
#include "httpsmon/hashmap.h"
#include "httpsmon/store.h"
#include "httpsmon/verdict.h"

/*
 * Timing arrays are indexed by enum probe_phase (result.h), PHASE_FIRST ..
 * PHASE_TOTAL (slot PHASE_NONE unused). On disk those phases are
 * consecutive columns in the same order (dns_us .. total_us, dns_n ..
 * total_p95): PCOL(k) is phase k's place among them.
 */
#define PCOL(k) ((k) - PHASE_FIRST)

enum { DB_UP = 0, DB_WARN = 1, DB_DOWN = 2 }; /* probe.state on disk */

/* Every statement, prepared once (their text is in store_sql.c). */
enum stmt {
	S_BEGIN, S_BEGIN_W, S_COMMIT, S_ROLLBACK,
	S_EP_UPSERT, S_EP_ID, S_REASON_ADD, S_REASON_ID, S_TLS_ADD, S_TLS_ID,
	S_CERT_ADD, S_CERT_ID, S_PROBE_ADD, S_SEEN_UPSERT, S_OUTAGE_UPSERT, S_OUTAGE_MARK, S_EVENT_ADD,
	S_OUTAGES_EP, S_OUTAGES_ALL, S_OUTAGES_OPEN, S_EVENTS_EP, S_EVENTS_ALL,
	S_UP_RAW, S_UP_ROLL, S_LAT_RAW, S_SERIES_RAW, S_SERIES_ROLL, S_PROBES, S_LATEST, S_RECENT, S_CERT_GET,
	S_NAMES, S_NAMES_WRITTEN, S_WSEQ, S_LAST_PROBE, S_ROLLED, S_RAW_FIRST, S_RAW_BEFORE,
	S_EP_NEXT, S_ROLLED_ID, S_RAW_OLDEST, S_RAW_HOURS, S_RAW_DEL, S_ROLL_GET, S_ROLL_PUT, S_ROLL_OLDEST,
	S_ROLL_DEL, S_EVENT_DEL, S_OUTAGE_DEL, S_SEEN_DEL, S_CERT_DEL, S_EP_DEL,
	S_SPILL_GET, S_SPILL_PUT, S_SPILL_DEL,
	S_OUTBOX_ADD, S_OUTBOX_SET, S_DELIVERY_ADD, S_MARK_PUT, S_OUTBOX_PENDING, S_OUTBOX_RECENT,
	S_OUTBOX_MAX, S_DELIVERIES, S_MARKS, S_OUTBOX_AGE, S_DELIVERY_AGE, S_RESEND_AGE,
	S_PAUSE_PUT, S_PAUSE_DEL, S_PAUSED, S_PAUSED_ONE, S_REQ_TAKE, S_REQ_DEL,
	S_MUTE_SET, S_MUTE_DEL, S_MUTE_LIST, S_MUTE_PRUNE, S_DATA_VERSION,
	S_POSTURE_SAME_DEL, S_POSTURE_ADD, S_POSTURE_LAST, S_POSTURE_AGE,
	S_COUNT
};

/* A small hash map: byte-string keys -> int64 (store_sql.c). */
/* An endpoint name this store was handed; queue items refer to it by index. */
struct ep {
	char *name;
	char *url;           /* newest url handed in, or NULL */
	uint64_t gen;        /* the flush that last used it */
	int64_t first_ms;    /* of its probes in that flush, 0 = none */
	int64_t last_ms;
	int64_t id;          /* its row id, valid during that flush only */
};

enum { QS_MESSAGE, QS_IP, QS_TLS_VERSION, QS_CIPHER, QS_ALPN, QS_ERROR, QS_COUNT };

/* A queued probe: one allocation, strings and chain fingerprints inline. */
struct qprobe {
	size_t ep;
	int64_t t_ms;
	int64_t us[PHASE_END];  /* -1 = not reached */
	long status;
	int state;           /* DB_UP, DB_WARN, DB_DOWN */
	int reason;          /* enum reason */
	int phase;           /* failed phase, store_phase_code(); -1 = not recorded */
	int nchain;
	int64_t spill_ix;    /* its place in the spill file it came from, 0 = none */
	const char *s[QS_COUNT];
	unsigned char (*chain)[32]; /* leaf first */
	char data[];
};

struct qoutage {
	size_t ep;
	int64_t start_ms, end_ms;
	char *reason, *message;
	int failed;
	char *mark;          /* store_mark_outage's, or NULL */
	bool mark_only;      /* only the mark is known here: an UPDATE of the row in the file */
};

struct qevent {
	size_t ep;
	int64_t t_ms;
	int64_t spill_ix;    /* as for qprobe */
	char *kind, *detail;
};

/* A queued posture pass (store_posture.c), committed in order with the first chunk. */
struct qposture {
	size_t ep;
	int64_t t_ms;
	bool changed;
	char *grade, *changes, *json;
};

/* A queued write of the alert engine, committed in order with the first chunk. */
enum qalert_op { QA_OUTBOX_ADD, QA_OUTBOX_SET, QA_DELIVERY, QA_MARK };
struct qalert {
	enum qalert_op op;
	int64_t id;              /* outbox id; QA_MARK: the value */
	int status, attempts;
	int64_t done_ms;
	char *notifier, *why;    /* QA_MARK: notifier is the key */
	struct alert a;          /* QA_OUTBOX_ADD */
	struct delivery_row d;   /* QA_DELIVERY */
};

struct store {
	sqlite3 *db;
	char *path;
	enum store_mode mode;
	int lock_fd;
	sqlite3_stmt *stmt[S_COUNT];
	int64_t reason_id[REASON_COUNT];

	struct ep *eps;
	size_t neps, eps_cap;
	struct hashmap ep_index; /* name -> index in eps (byte keys, owned) */

	struct qprobe **pq;      /* ring buffer of queued probes */
	size_t pq_cap, pq_head, pq_n;
	struct qoutage *oq;
	size_t oq_n, oq_cap;
	struct qevent *evq;
	size_t evq_n, evq_cap;
	struct qposture *psq;    /* posture passes, in order */
	size_t psq_n, psq_cap;
	struct qalert *aq;       /* alert engine writes, in order */
	size_t aq_n, aq_cap;
	struct cert_info *cq;    /* certificates not in the file yet */
	size_t cq_n, cq_cap;
	struct hashmap certs;    /* sha256 (32 bytes, owned keys) -> cert id; 0 = queued in cq */

	uint64_t gen;
	int64_t wseq;            /* collector: the last committed write sequence */
	uint64_t dropped;
	bool failing;
	char err[600];
	int64_t (*clock)(void);  /* monotonic ms: util's, or a test's */
	int fails;               /* failed flushes in a row */
	bool disk_full;          /* the last one failed for want of space */
	int64_t retry_ms;        /* when to try again (clock) */
	int64_t space_ms;        /* when free space was last looked at (clock) */
	uint64_t free_bytes;     /* and what it was */
	int64_t spill_id;        /* the spill file imported at open, until all of it is written; 0 none */
	int64_t spill_alerts;    /* its alert records, queued in aq until the flush that writes them; 0 after */
	char notice[1400];       /* from store_open, for the collector to log once: lines */
	int64_t ret_cursor;      /* retention: last endpoint id visited */
	struct hashmap rolled;   /* endpoint id -> rolled_until (INT64_MIN: none), for flushes;
				    emptied by every retention pass, which moves it */
	int64_t data_version;    /* PRAGMA data_version at the last store_changed_elsewhere */
	bool data_version_seen;  /* false until its first call */
};

/* Values of one phase, to sort for percentiles (store_rollup.c). */
struct vals {
	int64_t *v;
	size_t n, cap;
};

/* One hour of one endpoint, aggregated (a row of table rollup). */
struct rollup {
	int64_t hour_ms, probes, failures, warns;
	int64_t n[PHASE_END], min[PHASE_END], avg[PHASE_END], max[PHASE_END], p95[PHASE_END];
};

/*
 * The failed phase on disk: fixed codes (0 none, 1 DNS, 2 connect, 3 TLS,
 * 4 server, 5 transfer), so reordering enum probe_phase never
 * reinterprets old rows. store_phase_code gives -1 for a value that has
 * no code; store_phase_decode gives the enum, or -1 for -1 (NULL: a row
 * from before schema 4, "not recorded") or a code this version does not know.
 */
int store_phase_code(enum probe_phase p);
int store_phase_decode(int64_t code);

/* ---- store.c ---- */

/* Appends one line to st->notice. */
void store_note(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- store_sql.c ---- */

/* Statement k, prepared on first use and kept; NULL when SQLite refuses it. */
sqlite3_stmt *store_stmt(struct store *st, enum stmt k);
/* Appends the first column of every row of statement k (NULL as "") to out; 0, or -1 on an error. */
int store_stmt_strings(struct store *st, enum stmt k, struct strlist *out);
/* Steps s to its end and resets it (for statements with no rows worth reading). Returns an SQLite code. */
int store_stmt_run(sqlite3_stmt *s);
/* store_stmt_run of statement k. Returns an SQLite code. */
int store_run(struct store *st, enum stmt k);
/* The one integer statement k returns, or fallback (also when st is NULL). */
int64_t store_query_int(struct store *st, enum stmt k, int64_t fallback);
/* Makes sure no transaction stays open after a failure. */
void store_rollback(struct store *st);
/* Binds v (not copied: it must outlive the step), or NULL as SQL NULL. */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Binds the endpoint name of a read (?1). */
void store_bind_name(sqlite3_stmt *s, const char *name);
/* Binds microseconds, a negative value (phase not reached) as NULL. */
void store_bind_us(sqlite3_stmt *s, int i, int64_t us);
/* Binds v when set, else SQL NULL: a column whose absence is not a number. */
void store_bind_opt(sqlite3_stmt *s, int i, bool set, int64_t v);
/* Copies text column i into dst[n], cut at a UTF-8 character boundary; NULL reads as "". */
void store_col_text(sqlite3_stmt *s, int i, char *dst, size_t n);
/* Text column i as a new string (caller frees), NULL for NULL. */
char *store_col_dup(sqlite3_stmt *s, int i);
/* Microseconds column i, -1 for NULL. */
int64_t store_col_us(sqlite3_stmt *s, int i);
/* 64 hex digits to 32 bytes. Returns 0, or -1 when hex is not that. */
int store_sha_from_hex(const char *hex, unsigned char out[32]);
/* 32 bytes to 64 lower-case hex digits ("" when n is not 32). */
void store_sha_to_hex(const unsigned char *sha, size_t n, char out[65]);

/* ---- store_queue.c ---- */

/* The index in st->eps of endpoint name, added if new; url (may be NULL) replaces the one kept. */
size_t store_ep_intern(struct store *st, const char *name, const char *url);
/* Queues certificate c (copied) unless fingerprint sha is known or queued. */
void store_queue_cert(struct store *st, const struct cert_info *c, const unsigned char sha[32]);
/* A queued probe holding copies of src (NULL taken as "") and the chain; the caller fills the rest. */
struct qprobe *store_qprobe_new(const char *const src[QS_COUNT], const unsigned char (*sha)[32], int nchain);
/* Appends q (taken) to the probe queue; past STORE_QUEUE_MAX the oldest goes, counted. */
void store_pq_push(struct store *st, struct qprobe *q);
/* Forgets what a committed chunk wrote: np probes and ne events from the heads, all outages and certificates. */
void store_queues_pop(struct store *st, size_t np, size_t ne);
/* Empties every queue. */
void store_free_queues(struct store *st);

/* ---- store_alert.c ---- */

/* Writes every queued alert write (inside the caller's transaction). Returns 0 or -1. */
int store_flush_alerts(struct store *st);
/* Forgets the queued alert writes (committed, or given up). */
void store_alerts_pop(struct store *st);
/*
 * Retention of the outbox (rows no longer pending) and deliveries older
 * than before_ms, and of the resend rounds' rows older than
 * resend_before_ms. 0 or -1.
 */
int store_alerts_age(struct store *st, int64_t before_ms, int64_t resend_before_ms);

/*
 * The alert writes in the spill file (store_spill.c says how the file is
 * made and imported): store_spill_alerts writes the queued ones as records
 * in queue order; store_is_alert_record says whether a record's first field
 * is one of theirs; store_import_alert queues one again (0, or -1 when
 * malformed).
 */
struct spill_w;
void store_spill_alerts(struct store *st, struct spill_w *w);
bool store_is_alert_record(const char *kind);
int store_import_alert(struct store *st, char **f, int nf);

/* ---- store_posture.c ---- */

/*
 * The queued posture passes, like the alert writes: store_flush_posture
 * writes them all (inside the caller's transaction; 0 or -1),
 * store_posture_pop forgets them, store_spill_posture writes them as G
 * records and store_import_posture queues one again (0, or -1 when
 * malformed). A G record imported twice writes the same row again
 * (INSERT OR REPLACE by name and time): no count is kept for them.
 */
int store_flush_posture(struct store *st);
void store_posture_pop(struct store *st);
void store_spill_posture(struct store *st, struct spill_w *w);
int store_import_posture(struct store *st, char **f, int nf);

/* ---- store_read.c ---- */

/* Resets s; on rc other than SQLITE_DONE frees arr, zeroes *n and returns -1. */
int store_rows_done(sqlite3_stmt *s, int rc, void *arr, size_t *n);

/* ---- store_rollup.c ---- */

/* qsort comparison of two int64_t. */
int store_cmp_i64(const void *a, const void *b);
/* Nearest rank of per-mille q in sorted v[n]; -1 when n is 0. */
int64_t store_rank(const int64_t *v, size_t n, int q);
/* Appends x to a (growing it). */
void store_vals_push(struct vals *a, int64_t x);
/* The start of t_ms's hour (also before 1970). */
int64_t store_hour_floor(int64_t t_ms);
/* Reads a rollup from a row of ROLLUP_COLS. */
void store_rollup_read(sqlite3_stmt *s, struct rollup *ru);
/* The end of endpoint id ep's closed hours, INT64_MIN when it has none, or INT64_MAX on error. */
int64_t store_rolled_until(struct store *st, int64_t ep);
/* Merges probe q of endpoint id ep into its hour's rollup if that hour is closed. Returns 0 or -1. */
int store_merge_late(struct store *st, int64_t ep, const struct qprobe *q);
/*
 * Closes endpoint ep's whole hours in [from, cutoff) from its raw rows,
 * stopping after the hour in which budget rows were read; *rolled becomes
 * the end of the last hour closed. Returns the raw rows read, or -1.
 */
int64_t store_close_hours(struct store *st, int64_t ep, int64_t from, int64_t cutoff, int64_t budget,
			  int64_t *rolled);

/* ---- store_spill.c ---- */

/* At a collector's open: queues what the last one spilled (see store_spill.c). */
void store_spill_import(struct store *st);
/* After a flush that emptied the queue: the imported spill file and its mark go. */
void store_spill_finished(struct store *st);

#endif
