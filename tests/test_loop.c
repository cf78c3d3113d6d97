/*
 * Tests for loop.c: descriptor readiness (read, write, hang-up, any number,
 * removal mid-dispatch), timers (order, repeat, removal and re-arming from
 * inside callbacks, the wait ends at the earliest one and not before),
 * child exits reaped (pidfd and SIGCHLD), signals delivered through the
 * signalfd and given back, before-sleep hooks once per pass, the wakeup
 * from a signal handler, a wait of the caller's, and the real probe engine
 * attached to a loop probing the local TLS lab.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "testlib.h"

static struct loop *new_loop(unsigned flags)
{
	char err[256] = "";
	struct loop *l = loop_new(flags, err, sizeof(err));

	if (!l)
		fail_msg("loop_new: %s", err);
	return l;
}

static int64_t ms_now(void)
{
	return util_mono_us() / 1000;
}

/* ---- descriptors ------------------------------------------------------------- */

struct fdrec {
	int calls;
	unsigned events;
	int fd;
	char buf[16];
	ssize_t got;
};

static void rec_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct fdrec *r = ud;

	(void)l;
	r->calls++;
	r->events = events;
	r->fd = fd;
	if (events & LOOP_READ)
		r->got = read(fd, r->buf, sizeof(r->buf));
}

static int64_t noop_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	(void)ud;
	return LOOP_TIMER_STOP;
}

/* One pass that waits at most ms (a timer ends the wait). */
static void pass(struct loop *l, int64_t ms)
{
	uint64_t t = loop_timer_add(l, ms, noop_timer, NULL);

	assert_int_equal(loop_run_once(l), 0);
	loop_timer_remove(l, t);
}

static void test_fd_readiness(void **state)
{
	struct loop *l = new_loop(0);
	struct fdrec r = { 0 }, w = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, rec_cb, &r), 0);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, rec_cb, &r), -1);
	assert_int_equal(errno, EEXIST);

	/* nothing written: not called */
	pass(l, 20);
	assert_int_equal(r.calls, 0);

	/* readable: called once per pass with LOOP_READ, and it read the byte */
	assert_int_equal(write(p[1], "x", 1), 1);
	pass(l, 1000);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.events, LOOP_READ);
	assert_int_equal(r.fd, p[0]);
	assert_int_equal(r.got, 1);
	pass(l, 20);
	assert_int_equal(r.calls, 1);

	/* level-triggered: a byte left unread is reported again next pass */
	assert_int_equal(loop_fd_modify(l, p[0], LOOP_READ), 0);
	assert_int_equal(write(p[1], "yz", 2), 2);
	loop_fd_remove(l, p[0]);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, rec_cb, &r), 0);
	pass(l, 1000);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.got, 2);

	/* writable end: LOOP_WRITE when asked for, nothing once modified to READ */
	assert_int_equal(loop_fd_add(l, p[1], LOOP_WRITE, rec_cb, &w), 0);
	pass(l, 1000);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.events, LOOP_WRITE);
	assert_int_equal(loop_fd_modify(l, p[1], LOOP_READ), 0);
	pass(l, 20);
	assert_int_equal(w.calls, 1);
	loop_fd_remove(l, p[1]);
	assert_int_equal(loop_fd_modify(l, p[1], LOOP_READ), -1);
	assert_int_equal(errno, ENOENT);

	/* the writer goes away: the reader hears LOOP_HUP though it asked only for hang-ups */
	assert_int_equal(loop_fd_modify(l, p[0], 0), 0);
	close(p[1]);
	pass(l, 1000);
	assert_int_equal(r.calls, 3);
	assert_true(r.events & LOOP_HUP);
	assert_false(r.events & LOOP_READ);

	/* removed: never called again, though still hung up */
	loop_fd_remove(l, p[0]);
	loop_fd_remove(l, p[0]);
	pass(l, 20);
	assert_int_equal(r.calls, 3);
	close(p[0]);
	loop_free(l);
}

/* A regular file cannot be watched: said so, not silently ignored. */
static void test_fd_refused(void **state)
{
	struct loop *l = new_loop(0);
	struct fdrec r = { 0 };
	int fd = open("/proc/self/stat", O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(loop_fd_add(l, fd, LOOP_READ, rec_cb, &r), -1);
	assert_int_equal(errno, EPERM);
	/* and the slot is free: nothing half-registered */
	assert_int_equal(loop_fd_modify(l, fd, LOOP_READ), -1);
	close(fd);
	loop_free(l);
}

/* More descriptors than the old fixed 16, all ready at once: every one is served in one pass. */
#define MANY 300
static void test_fd_no_cap(void **state)
{
	struct loop *l = new_loop(0);
	static struct fdrec r[MANY];
	static int p[MANY][2];

	(void)state;
	memset(r, 0, sizeof(r));
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(pipe2(p[i], O_NONBLOCK), 0);
		assert_int_equal(loop_fd_add(l, p[i][0], LOOP_READ, rec_cb, &r[i]), 0);
		assert_int_equal(write(p[i][1], "x", 1), 1);
	}
	pass(l, 1000);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(r[i].calls, 1);
		loop_fd_remove(l, p[i][0]);
		close(p[i][0]);
		close(p[i][1]);
	}
	loop_free(l);
}

struct remover {
	int other;      /* descriptor the callback removes */
	int calls;
};

static void remove_other_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct remover *r = ud;
	char c;

	(void)events;
	r->calls++;
	if (read(fd, &c, 1) < 0)
		return;
	loop_fd_remove(l, r->other);
}

/* A descriptor removed by an earlier callback of the same pass is not called. */
static void test_fd_removed_mid_dispatch(void **state)
{
	struct loop *l = new_loop(0);
	struct remover a = { 0 }, b = { 0 };
	int pa[2], pb[2];

	(void)state;
	assert_int_equal(pipe2(pa, O_NONBLOCK), 0);
	assert_int_equal(pipe2(pb, O_NONBLOCK), 0);
	a.other = pb[0];
	b.other = pa[0];
	assert_int_equal(loop_fd_add(l, pa[0], LOOP_READ, remove_other_cb, &a), 0);
	assert_int_equal(loop_fd_add(l, pb[0], LOOP_READ, remove_other_cb, &b), 0);
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pb[1], "x", 1), 1);
	pass(l, 1000);
	/* whichever ran first removed the other */
	assert_int_equal(a.calls + b.calls, 1);
	pass(l, 20);
	assert_int_equal(a.calls + b.calls, 1);
	for (int i = 0; i < 2; i++) {
		loop_fd_remove(l, pa[i]);
		loop_fd_remove(l, pb[i]);
		close(pa[i]);
		close(pb[i]);
	}
	loop_free(l);
}

/* ---- timers ------------------------------------------------------------------ */

struct trec {
	char order[64];
	size_t n;
	int64_t at_ms[64];
};

struct tone {
	struct trec *rec;
	char tag;
	int64_t again_ms;       /* returned: LOOP_TIMER_STOP, 0, or a delay */
	int runs, max_runs;     /* stops itself after max_runs (0: no limit) */
	uint64_t remove_id;     /* a timer it removes when it runs */
	uint64_t *self;
};

static int64_t tone_cb(struct loop *l, uint64_t id, void *ud)
{
	struct tone *t = ud;

	if (t->self)
		assert_int_equal(id, *t->self);
	t->runs++;
	if (t->rec->n < sizeof(t->rec->order) - 1) {
		t->rec->at_ms[t->rec->n] = ms_now();
		t->rec->order[t->rec->n++] = t->tag;
	}
	if (t->remove_id)
		loop_timer_remove(l, t->remove_id);
	if (t->max_runs && t->runs >= t->max_runs)
		return LOOP_TIMER_STOP;
	return t->again_ms;
}

static void test_timer_order(void **state)
{
	struct loop *l = new_loop(0);
	struct trec rec = { 0 };
	struct tone a = { .rec = &rec, .tag = 'a', .again_ms = LOOP_TIMER_STOP }, b = { .rec = &rec, .tag = 'b', .again_ms = LOOP_TIMER_STOP },
		    c = { .rec = &rec, .tag = 'c', .again_ms = LOOP_TIMER_STOP }, d = { .rec = &rec, .tag = 'd', .again_ms = LOOP_TIMER_STOP };
	int64_t start = ms_now();
	bool done = false;

	(void)state;
	assert_int_not_equal(loop_timer_add(l, 60, tone_cb, &a), 0);
	loop_timer_add(l, 20, tone_cb, &b);
	loop_timer_add(l, 40, tone_cb, &c);
	loop_timer_add(l, 20, tone_cb, &d); /* same delay as b, armed after it: runs after it */
	while (!done && ms_now() - start < 2000) {
		assert_int_equal(loop_run_once(l), 0);
		done = rec.n == 4;
	}
	assert_string_equal(rec.order, "bdca");
	/* none ran early */
	assert_true(rec.at_ms[0] - start >= 20);
	assert_true(rec.at_ms[2] - start >= 40);
	assert_true(rec.at_ms[3] - start >= 60);
	/* one-shot: they are gone */
	pass(l, 80);
	assert_int_equal(rec.n, 4);
	loop_free(l);
}

static void count_pass(struct loop *l, void *ud)
{
	(void)l;
	(*(int *)ud)++;
}

/*
 * With no descriptor ready the wait lasts until the earliest timer: not
 * shorter, not much longer, and in one pass (a wait rounded down would end
 * a fraction of a millisecond early and spin until the timer is due).
 */
static void test_wait_is_earliest_timer(void **state)
{
	struct loop *l = new_loop(0);
	struct trec rec = { 0 };
	struct tone a = { .rec = &rec, .tag = 'a', .again_ms = LOOP_TIMER_STOP };
	struct tone b = { .rec = &rec, .tag = 'b', .again_ms = LOOP_TIMER_STOP };
	int64_t start, took;
	int passes = 0;

	(void)state;
	assert_int_equal(loop_before_sleep_add(l, count_pass, &passes), 0);
	for (int i = 0; i < 5; i++) {
		rec.n = 0;
		memset(rec.order, 0, sizeof(rec.order));
		passes = 0;
		start = ms_now();
		loop_timer_add(l, 5000, tone_cb, &b);
		loop_timer_add(l, 30 + 10 * i, tone_cb, &a);
		while (!rec.n)
			assert_int_equal(loop_run_once(l), 0);
		took = ms_now() - start;
		assert_string_equal(rec.order, "a");
		assert_int_equal(passes, 1);
		assert_true(took >= 30 + 10 * i);
		assert_true(took < 30 + 10 * i + 1000);
	}
	loop_free(l);
}

static void test_timer_repeat(void **state)
{
	struct loop *l = new_loop(0);
	struct trec rec = { 0 };
	struct tone a = { .rec = &rec, .tag = 'a', .again_ms = 10, .max_runs = 5 };
	/* bounded, so the bug it looks for fails the test instead of hanging it */
	struct tone z = { .rec = &rec, .tag = 'z', .again_ms = 0, .max_runs = 50 };
	int64_t start = ms_now();
	uint64_t zid;

	(void)state;
	loop_timer_add(l, 10, tone_cb, &a);
	while (a.runs < 5 && ms_now() - start < 2000)
		assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(a.runs, 5);
	/* 10 ms apart at least: the delay counts from each run */
	for (size_t i = 1; i < rec.n; i++)
		assert_true(rec.at_ms[i] - rec.at_ms[i - 1] >= 10);
	/* stopped itself */
	pass(l, 50);
	assert_int_equal(a.runs, 5);

	/* a timer that re-arms with 0 runs once per pass, not forever within one */
	zid = loop_timer_add(l, 0, tone_cb, &z);
	for (int i = 0; i < 3; i++)
		assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(z.runs, 3);
	loop_timer_remove(l, zid);
	pass(l, 20);
	assert_int_equal(z.runs, 3);
	loop_free(l);
}

static void test_timer_remove_in_callback(void **state)
{
	struct loop *l = new_loop(0);
	struct trec rec = { 0 };
	struct tone a = { .rec = &rec, .tag = 'a', .again_ms = 10 };
	struct tone b = { .rec = &rec, .tag = 'b', .again_ms = 10 };
	struct tone c = { .rec = &rec, .tag = 'c', .again_ms = 10 };
	uint64_t ida, idb, idc;

	(void)state;
	/* a and b due in the same pass; a (first) removes b: b never runs */
	ida = loop_timer_add(l, 5, tone_cb, &a);
	idb = loop_timer_add(l, 5, tone_cb, &b);
	a.remove_id = idb;
	/* c removes itself: its return value (10) does not bring it back */
	idc = loop_timer_add(l, 5, tone_cb, &c);
	c.remove_id = idc;
	c.self = &idc;
	usleep(20 * 1000);
	assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(rec.order, "ac");
	assert_false(loop_timer_set(l, idb, 1));
	assert_false(loop_timer_set(l, idc, 1));
	/* a repeats; removing it from outside ends it */
	assert_true(loop_timer_set(l, ida, 0));
	assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(rec.order, "aca");
	loop_timer_remove(l, ida);
	loop_timer_remove(l, ida); /* twice: no-op */
	loop_timer_remove(l, 0);
	pass(l, 30);
	assert_string_equal(rec.order, "aca");
	loop_free(l);
}

/* loop_timer_set moves a timer earlier or later; loop_timer_arm re-adds an ended one. */
static void test_timer_set_and_arm(void **state)
{
	struct loop *l = new_loop(0);
	struct trec rec = { 0 };
	struct tone a = { .rec = &rec, .tag = 'a', .again_ms = LOOP_TIMER_STOP };
	struct tone b = { .rec = &rec, .tag = 'b', .again_ms = LOOP_TIMER_STOP };
	uint64_t ida = loop_timer_add(l, 10000, tone_cb, &a), idb = 0;
	int64_t start = ms_now();

	(void)state;
	assert_true(loop_timer_set(l, ida, 30));
	loop_timer_arm(l, &idb, 10, tone_cb, &b);
	assert_int_not_equal(idb, 0);
	while (rec.n < 2 && ms_now() - start < 2000)
		assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(rec.order, "ba");
	assert_true(ms_now() - start < 5000);
	/* b ended; arming its old id makes a new timer */
	loop_timer_arm(l, &idb, 0, tone_cb, &b);
	assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(rec.order, "bab");
	/* a negative delay disarms and clears the id */
	loop_timer_arm(l, &idb, 0, tone_cb, &b);
	loop_timer_arm(l, &idb, -1, tone_cb, &b);
	assert_int_equal(idb, 0);
	pass(l, 20);
	assert_string_equal(rec.order, "bab");
	loop_free(l);
}

/* ---- signals ----------------------------------------------------------------- */

struct sigrec {
	int calls;
	int signo;
};

static void sig_cb(struct loop *l, int signo, void *ud)
{
	struct sigrec *r = ud;

	(void)l;
	r->calls++;
	r->signo = signo;
}

static bool blocked(int signo)
{
	sigset_t now;

	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, signo);
}

static void test_signal_delivered(void **state)
{
	struct loop *l = new_loop(0);
	struct sigrec r1 = { 0 }, r2 = { 0 };
	bool done = false;
	pid_t kid;
	int status;

	(void)state;
	assert_false(blocked(SIGUSR1));
	assert_int_equal(loop_signal_add(l, SIGUSR1, sig_cb, &r1), 0);
	assert_int_equal(loop_signal_add(l, SIGUSR1, sig_cb, &r1), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(loop_signal_add(l, SIGKILL, sig_cb, &r1), -1);
	/* several at once: all or none */
	{
		static const int two[] = { SIGURG, SIGSTOP };

		assert_int_equal(loop_signals_add(l, two, 2, sig_cb, &r1), -1);
		assert_false(blocked(SIGURG));
		assert_int_equal(loop_signals_add(l, two, 1, sig_cb, &r1), 0);
		assert_true(blocked(SIGURG));
		loop_signals_remove(l, two, 1);
		assert_false(blocked(SIGURG));
	}
	assert_int_equal(loop_signal_add(l, SIGUSR2, sig_cb, &r2), 0);
	assert_true(blocked(SIGUSR1));

	/* raised here: would kill the process if it were not the loop's */
	raise(SIGUSR1);
	pass(l, 1000);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r1.signo, SIGUSR1);
	assert_int_equal(r2.calls, 0);

	/* sent by another process, while the loop waits */
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		usleep(50 * 1000);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	for (int64_t end = ms_now() + 5000; !done && ms_now() < end;) {
		pass(l, 2000);
		done = r2.calls > 0;
	}
	assert_int_equal(r2.signo, SIGUSR2);
	assert_int_equal(waitpid(kid, &status, 0), kid);

	/* given back: unblocked, as before the loop */
	loop_signal_remove(l, SIGUSR1);
	assert_false(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));
	loop_free(l);
	assert_false(blocked(SIGUSR2));
}

/*
 * A pending arrival discarded before the signal is given back is not
 * delivered: without loop_signal_discard this SIGHUP would end the test.
 */
static void test_signal_discard(void **state)
{
	struct loop *l;
	struct sigrec r = { 0 };
	sigset_t pending;

	(void)state;
	l = new_loop(0);
	assert_int_equal(loop_signal_add(l, SIGHUP, sig_cb, &r), 0);
	loop_signal_discard(l, SIGTERM); /* not registered: nothing happens */
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	sigpending(&pending);
	assert_true(sigismember(&pending, SIGHUP));
	loop_signal_discard(l, SIGHUP);
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGHUP));
	loop_signal_remove(l, SIGHUP);
	assert_false(blocked(SIGHUP));
	assert_int_equal(r.calls, 0);
	loop_free(l);
}

/* A signal the program had blocked before the loop stays blocked after it. */
static void test_signal_mask_kept(void **state)
{
	struct loop *l;
	struct sigrec r = { 0 };
	sigset_t set, before;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l = new_loop(0);
	assert_int_equal(loop_signal_add(l, SIGUSR2, sig_cb, &r), 0);
	assert_int_equal(loop_signal_add(l, SIGUSR1, sig_cb, &r), 0);
	loop_sigmask_before(l, &before);
	assert_true(sigismember(&before, SIGUSR2));
	assert_false(sigismember(&before, SIGUSR1));
	loop_free(l);
	assert_true(blocked(SIGUSR2));
	assert_false(blocked(SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* ---- children ------------------------------------------------------------------ */

struct kidrec {
	int calls;
	pid_t pid;
	int status;
};

static void kid_cb(struct loop *l, pid_t pid, int status, void *ud)
{
	struct kidrec *k = ud;

	(void)l;
	k->calls++;
	k->pid = pid;
	k->status = status;
}

/* A real child: exits with code after delay_ms (-1: waits to be killed). */
static pid_t spawn(int delay_ms, int code)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (delay_ms < 0)
			pause();
		usleep((useconds_t)delay_ms * 1000);
		_exit(code);
	}
	return pid;
}

static void child_cases(unsigned flags)
{
	struct loop *l = new_loop(flags);
	struct kidrec a = { 0 }, b = { 0 }, c = { 0 };
	bool done = false;
	siginfo_t si;
	pid_t pa, pb, pc;

	/*
	 * Already dead (a zombie) when added, first, so its SIGCHLD came while
	 * nothing listened and was discarded: it must be reaped all the same.
	 */
	assert_false(blocked(SIGCHLD));
	pb = spawn(0, 3);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pb, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(loop_child_add(l, pb, kid_cb, &b), 0);
	for (int64_t end = ms_now() + 2000; !b.calls && ms_now() < end;)
		pass(l, 100);
	assert_int_equal(b.calls, 1);
	/* exits while the loop waits */
	pa = spawn(50, 7);
	assert_int_equal(loop_child_add(l, pa, kid_cb, &a), 0);
	assert_int_equal(loop_child_add(l, pa, kid_cb, &a), -1);
	assert_int_equal(errno, EEXIST);
	/* killed by a signal */
	pc = spawn(-1, 0);
	assert_int_equal(loop_child_add(l, pc, kid_cb, &c), 0);
	kill(pc, SIGKILL);

	for (int64_t end = ms_now() + 10000; !done && ms_now() < end;) {
		pass(l, 3000);
		done = a.calls && b.calls && c.calls;
	}
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.pid, pa);
	assert_true(WIFEXITED(a.status));
	assert_int_equal(WEXITSTATUS(a.status), 7);
	assert_int_equal(b.pid, pb);
	assert_true(WIFEXITED(b.status));
	assert_int_equal(WEXITSTATUS(b.status), 3);
	assert_true(WIFSIGNALED(c.status));
	assert_int_equal(WTERMSIG(c.status), SIGKILL);
	/* reaped: no zombies left, and no second call */
	assert_int_equal(waitpid(pa, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(waitpid(pb, NULL, WNOHANG), -1);
	assert_int_equal(waitpid(pc, NULL, WNOHANG), -1);
	pass(l, 20);
	assert_int_equal(a.calls + b.calls + c.calls, 3);
	/* a pid reaped already cannot be watched: nobody would ever report it */
	assert_int_equal(loop_child_add(l, pa, kid_cb, &a), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(loop_child_add(l, getpid(), kid_cb, &a), -1);
	assert_int_equal(errno, ECHILD);
	loop_free(l);
	/* SIGCHLD, if the loop took it, is given back */
	assert_false(blocked(SIGCHLD));
}

static void test_child_pidfd(void **state)
{
	(void)state;
	child_cases(0);
}

static void test_child_sigchld(void **state)
{
	(void)state;
	child_cases(LOOP_NO_PIDFD);
}

/* A child forgotten with loop_child_remove is not reaped: the caller waits for it. */
static void test_child_remove(void **state)
{
	struct loop *l = new_loop(0);
	struct kidrec a = { 0 };
	pid_t pa = spawn(0, 5);
	int status;

	(void)state;
	assert_int_equal(loop_child_add(l, pa, kid_cb, &a), 0);
	loop_child_remove(l, pa);
	pass(l, 100);
	assert_int_equal(a.calls, 0);
	assert_int_equal(waitpid(pa, &status, 0), pa);
	assert_int_equal(WEXITSTATUS(status), 5);
	loop_free(l);
}

/* ---- before-sleep hooks, the wakeup, the caller's wait -------------------------- */

struct hookrec {
	int calls;
	int timers_seen;        /* timer runs counted when the hook ran */
	int *timer_runs;
	struct loop *remove_from;
};

static void hook_cb(struct loop *l, void *ud)
{
	struct hookrec *h = ud;

	h->calls++;
	h->timers_seen = *h->timer_runs;
	if (h->remove_from)
		loop_before_sleep_remove(l, hook_cb, ud);
}

static int64_t count_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	(*(int *)ud)++;
	return 0;
}

static void test_before_sleep_once_per_pass(void **state)
{
	struct loop *l = new_loop(0);
	int timer_runs = 0;
	struct hookrec h = { .timer_runs = &timer_runs }, once = { .timer_runs = &timer_runs };
	uint64_t t = loop_timer_add(l, 0, count_timer, &timer_runs);

	(void)state;
	assert_int_equal(loop_before_sleep_add(l, hook_cb, &h), 0);
	assert_int_equal(loop_before_sleep_add(l, hook_cb, &h), -1);
	once.remove_from = l;
	assert_int_equal(loop_before_sleep_add(l, hook_cb, &once), 0);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(loop_run_once(l), 0);
		assert_int_equal(h.calls, i);
		/* before the wait: the pass's timer had not run yet */
		assert_int_equal(h.timers_seen, i - 1);
		assert_int_equal(timer_runs, i);
	}
	/* the hook that removed itself ran once */
	assert_int_equal(once.calls, 1);
	loop_before_sleep_remove(l, hook_cb, &h);
	assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(h.calls, 5);
	loop_timer_remove(l, t);
	loop_free(l);
}

static struct loop *alarm_loop;

static void on_alarm(int sig)
{
	(void)sig;
	loop_wakeup(alarm_loop);
}

/* Takes SIGALRM for the main thread, which keeps it blocked. */
static void *alarm_thread(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	pause(); /* returns once the handler ran, here */
	return NULL;
}

/*
 * A wait with no timer at all ends when a signal handler calls loop_wakeup.
 * The handler runs on another thread, so the loop's wait is not merely cut
 * short by EINTR: only the wakeup can end it. A wakeup before the wait
 * makes it return at once.
 */
static void test_wakeup_from_handler(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value = { .tv_usec = 80 * 1000 } };
	sigset_t set, was;
	pthread_t th;
	int64_t start;

	(void)state;
	alarm_loop = new_loop(0);
	start = ms_now();
	loop_wakeup(alarm_loop);
	assert_int_equal(loop_run_once(alarm_loop), 0);
	assert_true(ms_now() - start < 1000);

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &was);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(pthread_create(&th, NULL, alarm_thread, NULL), 0);
	start = ms_now();
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(loop_run_once(alarm_loop), 0);
	assert_true(ms_now() - start >= 70);
	assert_true(ms_now() - start < 1900);
	pthread_join(th, NULL);
	sigaction(SIGALRM, &old, NULL);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	loop_free(alarm_loop);
}

/* A wait like curl_multi_poll's: sees only POLLIN of its extra descriptors. */
struct fakewait {
	int waits, afters;
	int last_timeout;
	unsigned nextra;
};

static int fake_wait(void *ud, struct pollfd *extra, unsigned nextra, int timeout_ms)
{
	struct fakewait *f = ud;
	struct pollfd p[8];

	f->waits++;
	f->last_timeout = timeout_ms;
	f->nextra = nextra;
	for (unsigned i = 0; i < nextra && i < 8; i++)
		p[i] = extra[i];
	if (poll(p, nextra, timeout_ms) < 0 && errno != EINTR)
		return -1;
	for (unsigned i = 0; i < nextra && i < 8; i++)
		extra[i].revents = (short)(p[i].revents & POLLIN);
	return 0;
}

static void fake_after(void *ud)
{
	((struct fakewait *)ud)->afters++;
}

static int fail_wait(void *ud, struct pollfd *extra, unsigned nextra, int timeout_ms)
{
	(void)ud;
	(void)extra;
	(void)nextra;
	(void)timeout_ms;
	return -1;
}

static void test_caller_wait(void **state)
{
	struct loop *l = new_loop(0);
	struct fakewait f = { 0 };
	struct loop_wait w = { fake_wait, fake_after, &f };
	struct fdrec r = { 0 };
	int p[2];

	(void)state;
	loop_set_wait(l, &w);
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(loop_fd_add(l, p[0], 0, rec_cb, &r), 0);
	pass(l, 30);
	assert_int_equal(f.waits, 1);
	assert_int_equal(f.afters, 1);
	/* one extra descriptor whatever the number watched; timeout = the timer */
	assert_int_equal(f.nextra, 1);
	assert_true(f.last_timeout > 0 && f.last_timeout <= 30);
	assert_int_equal(r.calls, 0);
	/* a hang-up the wait itself cannot name still reaches the callback */
	close(p[1]);
	pass(l, 1000);
	assert_int_equal(r.calls, 1);
	assert_true(r.events & LOOP_HUP);
	loop_fd_remove(l, p[0]);
	close(p[0]);
	/* a failing wait fails the pass, with a reason */
	w.wait = fail_wait;
	loop_set_wait(l, &w);
	assert_int_equal(loop_run_once(l), -1);
	assert_string_not_equal(loop_error(l), "");
	loop_set_wait(l, NULL);
	pass(l, 1);
	loop_free(l);
}

static void stop_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	char c;

	(void)events;
	(*(int *)ud)++;
	if (read(fd, &c, 1) == 1 && c == 'q')
		loop_stop(l);
}

/* loop_run runs passes until a callback stops it, and can run again after. */
static void test_run_until_stop(void **state)
{
	struct loop *l = new_loop(0);
	int calls = 0, p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(loop_fd_add(l, p[0], LOOP_READ, stop_cb, &calls), 0);
	assert_int_equal(write(p[1], "abq", 3), 3);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(calls, 3);
	assert_int_equal(write(p[1], "q", 1), 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(calls, 4);
	loop_fd_remove(l, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* ---- the probe engine on the loop ------------------------------------------------ */

struct probed {
	int n;
	uint64_t tag;
	enum probe_error error;
	long status;
};

static void probed_cb(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct probed *p = ud;

	(void)ep;
	p->n++;
	p->tag = tag;
	p->error = r->error;
	p->status = r->http_status;
}

static int64_t write_timer(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	if (write(*(int *)ud, "x", 1) != 1)
		fail_msg("write: %s", strerror(errno));
	return LOOP_TIMER_STOP;
}

/*
 * prober_attach: a real probe of the lab's good listener completes through
 * loop passes alone, while a descriptor of the loop's is served in the same
 * passes; prober_free detaches, so the loop runs on without it.
 */
static void test_prober_on_loop(void **state)
{
	struct lab lab = { 0 };
	struct loop *l = new_loop(0);
	struct probed got = { 0 };
	struct fdrec r = { 0 };
	char ini[1024], err[1024], *dir, *path;
	struct config *cfg;
	struct prober *p;
	int64_t end;
	int fds[2];

	(void)state;
	if (lab_start(&lab) != 0)
		fail_msg("the lab did not start");
	dir = tl_mkdtemp();
	snprintf(ini, sizeof(ini), "[defaults]\nca_file = %s\ntimeout = 5s\n\n[t]\nurl = https://localhost:%d/\n",
		 lab_file(&lab, "root.pem"), lab_port(&lab, "good"));
	path = tl_write_file(dir, "endpoints.ini", ini);
	cfg = config_load(path, err, sizeof(err));
	if (!cfg)
		fail_msg("config: %s", err);
	p = prober_new(cfg->max_inflight, probed_cb, &got, err, sizeof(err));
	assert_non_null(p);
	prober_attach(p, l);
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	assert_int_equal(loop_fd_add(l, fds[0], LOOP_READ, rec_cb, &r), 0);
	loop_timer_add(l, 1, write_timer, &fds[1]);
	prober_submit(p, cfg, 0, 77);
	end = ms_now() + 10000;
	while ((!got.n || !r.calls) && ms_now() < end)
		assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.tag, 77);
	assert_int_equal(got.error, PERR_NONE);
	assert_int_equal(got.status, 200);
	assert_int_equal(r.calls, 1);
	prober_free(p);
	pass(l, 10);
	loop_fd_remove(l, fds[0]);
	close(fds[0]);
	close(fds[1]);
	loop_free(l);
	config_unref(cfg);
	free(path);
	tl_rmrf(dir);
	free(dir);
	lab_stop(&lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_fd_refused),
		cmocka_unit_test(test_fd_no_cap),
		cmocka_unit_test(test_fd_removed_mid_dispatch),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_wait_is_earliest_timer),
		cmocka_unit_test(test_timer_repeat),
		cmocka_unit_test(test_timer_remove_in_callback),
		cmocka_unit_test(test_timer_set_and_arm),
		cmocka_unit_test(test_signal_delivered),
		cmocka_unit_test(test_signal_mask_kept),
		cmocka_unit_test(test_signal_discard),
		cmocka_unit_test(test_child_pidfd),
		cmocka_unit_test(test_child_sigchld),
		cmocka_unit_test(test_child_remove),
		cmocka_unit_test(test_before_sleep_once_per_pass),
		cmocka_unit_test(test_wakeup_from_handler),
		cmocka_unit_test(test_caller_wait),
		cmocka_unit_test(test_run_until_stop),
		cmocka_unit_test(test_prober_on_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
