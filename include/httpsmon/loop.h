/*
 * loop: the one event loop (in the spirit of redis's ae.c). One thread; the
 * collector, the dashboard, the read-only viewer and `check` all run on it,
 * and whatever comes later (alerts, an HTTP listener) registers on it too.
 *
 * What a loop watches, each with a callback:
 *  - descriptors, any number (readable, writable; a hang-up or error is
 *    always reported), added, modified and removed at any time;
 *  - timers, one-shot or repeating: a timer's callback returns the delay to
 *    its next run, or LOOP_TIMER_STOP;
 *  - signals, all through one signalfd (blocked for normal delivery while
 *    registered, so a signal never interrupts a half-done callback);
 *  - child processes: the loop reaps each watched child and reports its
 *    exit status once;
 *  - before-sleep hooks, run once per pass just before the wait (where work
 *    is batched: a store commit, a redraw).
 *
 * One pass (loop_run_once): before-sleep hooks; the wait, at most until the
 * earliest timer; descriptor callbacks (signals and child exits among
 * them); due timers in order of due time; then the wait's own drive (the
 * probe engine's transfers, see struct loop_wait).
 *
 * Callbacks run on the loop's thread, one at a time, and may add or remove
 * anything, including themselves. Times are milliseconds on the monotonic
 * clock. Functions return 0 or -1 with errno set unless they say otherwise.
 */
#ifndef HTTPSMON_LOOP_H
#define HTTPSMON_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

/* Descriptor events: asked for (READ, WRITE) and reported (those, HUP). */
#define LOOP_READ  0x1u
#define LOOP_WRITE 0x2u
#define LOOP_HUP   0x4u   /* hang-up or error; reported whether asked for or not */

/* Called when fd is ready; events are LOOP_* bits (never 0). */
typedef void (*loop_fd_cb)(struct loop *l, int fd, unsigned events, void *ud);

/*
 * Called when the timer is due. Returns the delay in ms to its next run
 * (0: in the next pass), or LOOP_TIMER_STOP to end it (its id is then
 * free). A timer removed or re-armed from inside its own callback: the
 * removal wins; a re-arm is overridden by the return value.
 */
#define LOOP_TIMER_STOP (-1)
typedef int64_t (*loop_timer_cb)(struct loop *l, uint64_t id, void *ud);

/* Called in the pass after signo arrived (several arrivals may make one call). */
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *ud);

/*
 * Called once a watched child has exited, after the loop reaped it. status
 * is waitpid()'s (WIFEXITED, WEXITSTATUS, WIFSIGNALED...), or -1 when the
 * child was reaped by someone else first.
 */
typedef void (*loop_child_cb)(struct loop *l, pid_t pid, int status, void *ud);

typedef void (*loop_hook_cb)(struct loop *l, void *ud);

/*
 * The wait. Without one the loop waits in epoll_wait(). With one (the
 * probe engine's: prober_attach) the loop calls wait() with its own
 * descriptors as one extra pollfd (an epoll descriptor, POLLIN: ready when
 * any registered descriptor is), so the transfers and the loop's
 * descriptors are waited on together in curl_multi_poll(); wait() fills
 * in revents and returns 0, or -1 on a fatal error. after() runs at the end
 * of every pass (the transfers are driven there).
 */
struct loop_wait {
	int (*wait)(void *ud, struct pollfd *extra, unsigned nextra, int timeout_ms);
	void (*after)(void *ud);
	void *ud;
};

/* loop_new flags */
#define LOOP_NO_PIDFD 0x1u  /* reap children through SIGCHLD even where pidfd_open works (tests) */

/*
 * Creates a loop. Returns NULL with a message in err when the kernel
 * refuses its descriptors (epoll, eventfd).
 */
struct loop *loop_new(unsigned flags, char *err, size_t errlen);

/*
 * Frees the loop: closes its own descriptors (not the registered ones),
 * gives back every signal it blocked, forgets its timers and children
 * (without reaping them). NULL is fine.
 */
void loop_free(struct loop *l);

/* Sets (w copied) or, with NULL, removes the wait. */
void loop_set_wait(struct loop *l, const struct loop_wait *w);

/*
 * Runs one pass. Returns 0, or -1 when the wait failed (a message in
 * loop_error()).
 */
int loop_run_once(struct loop *l);

/* Runs passes until loop_stop(). Returns 0, or -1 as loop_run_once. */
int loop_run(struct loop *l);

/* Makes loop_run() return after the current pass. */
void loop_stop(struct loop *l);

/*
 * Ends the current or next wait early. Safe from a signal handler and from
 * another thread (one write to an eventfd).
 */
void loop_wakeup(struct loop *l);

/* Why the last pass failed, or "". */
const char *loop_error(const struct loop *l);

/*
 * Watches fd (not owned: remove it before closing it) for events
 * (LOOP_READ and/or LOOP_WRITE; 0 for hang-ups only). Level-triggered: the
 * callback runs every pass while fd stays ready. -1 with errno EEXIST when
 * fd is already watched, EPERM for a descriptor epoll cannot watch (a
 * regular file).
 */
int loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud);

/* Changes what fd is watched for. -1 with ENOENT when fd is not watched. */
int loop_fd_modify(struct loop *l, int fd, unsigned events);

/* Stops watching fd; a pending event of this pass is dropped. Unknown fd: no-op. */
void loop_fd_remove(struct loop *l, int fd);

/*
 * A timer due in delay_ms (>= 0). Returns its id (never 0). Timers due at
 * the same moment run in the order they were armed.
 */
uint64_t loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_cb cb, void *ud);

/* Moves timer id to delay_ms from now. Returns false when there is no such timer. */
bool loop_timer_set(struct loop *l, uint64_t id, int64_t delay_ms);

/* Ends timer id before it runs again. Unknown or 0 id: no-op. */
void loop_timer_remove(struct loop *l, uint64_t id);

/*
 * For a timer the caller keeps in *id (0: none): with delay_ms >= 0 moves
 * it, or arms a new one when it ended; with delay_ms < 0 removes it and
 * stores 0.
 */
void loop_timer_arm(struct loop *l, uint64_t *id, int64_t delay_ms, loop_timer_cb cb, void *ud);

/*
 * Delivers signo through the loop: blocks it (given back by
 * loop_signal_remove and loop_free) and reads it from the loop's signalfd.
 * One callback per signal: -1 with errno EEXIST when signo already has one.
 */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ud);
void loop_signal_remove(struct loop *l, int signo);

/*
 * Drops the arrivals of registered signal signo that are pending, unread:
 * for a caller about to give back a signal whose meaning has passed (a
 * reload asked for while quitting), which would otherwise be delivered
 * the default way once unblocked (SIGHUP's ends the process). Not
 * registered: no-op.
 */
void loop_signal_discard(struct loop *l, int signo);

/* The same for n signals: all registered, or none (-1). */
int loop_signals_add(struct loop *l, const int *signos, size_t n, loop_signal_cb cb, void *ud);
void loop_signals_remove(struct loop *l, const int *signos, size_t n);

/*
 * The signal mask as it was before the loop blocked anything: what a child
 * process should run with (posix_spawnattr_setsigmask, or sigprocmask after
 * fork), since blocked signals stay blocked across exec.
 */
void loop_sigmask_before(const struct loop *l, sigset_t *mask);

/*
 * Watches pid, a child of this process, until it exits: the loop then
 * reaps it and calls cb once. Through pidfd_open() where the kernel has it,
 * else SIGCHLD on the signalfd. -1 with errno EEXIST when pid is watched,
 * ECHILD when it is not a child of this process or was reaped already.
 */
int loop_child_add(struct loop *l, pid_t pid, loop_child_cb cb, void *ud);

/* Stops watching pid without reaping it (the caller waits for it). Unknown pid: no-op. */
void loop_child_remove(struct loop *l, pid_t pid);

/*
 * Runs cb(l, ud) once per pass, before the wait, after the hooks added
 * before it. -1 with EEXIST when this cb and ud are already hooked.
 */
int loop_before_sleep_add(struct loop *l, loop_hook_cb cb, void *ud);
void loop_before_sleep_remove(struct loop *l, loop_hook_cb cb, void *ud);

#endif
