/*
 * loop: the one event loop (see loop.h).
 *
 * Owns an epoll descriptor holding every watched descriptor, an eventfd
 * for loop_wakeup(), a signalfd created with the first signal, and for
 * each watched child a pidfd (or, without pidfd_open, SIGCHLD on the
 * signalfd). Its own descriptors sit in the epoll set like the caller's,
 * behind internal callbacks, so one dispatch serves them all.
 *
 * The wait: curl_multi_poll() (through struct loop_wait) with ONE extra
 * descriptor, the epoll descriptor, rather than the registered descriptors
 * one by one or curl_multi_socket_action():
 *  - curl_multi_poll() reports only POLLIN/POLLOUT/POLLPRI for extra
 *    descriptors; a hang-up or error (POLLHUP alone: a terminal gone, a
 *    pipe's reader closed) would wake it again at once with nothing to show
 *    and spin. epoll_wait() after the wake gives the full events;
 *  - nothing is rebuilt per pass and there is no cap: a descriptor is
 *    added once (epoll_ctl) and stays until removed;
 *  - curl_multi_socket_action() would instead put curl's sockets in our
 *    set. Every probe is a fresh connection, so that is epoll_ctl traffic
 *    for each socket of each probe at each phase, and a different driver
 *    for the probe engine than the one its CPU-per-probe figures are
 *    measured with (bench/floor.c is a curl_multi_poll() loop). curl keeps
 *    its own sockets; with a few hundred in flight poll() over them costs
 *    less than the probes' TLS handshakes by orders of magnitude.
 * Without a struct loop_wait (the read-only viewer) the loop waits in
 * epoll_wait() itself.
 *
 * Descriptors: a table indexed by descriptor number, grown as needed; each
 * entry has a generation, carried in the epoll event, so an event for a
 * descriptor removed (or removed and added again) earlier in the same
 * dispatch is dropped rather than given to the wrong callback.
 *
 * Timers: a binary min-heap on (due time, arming sequence), so equal due
 * times run in arming order. Adding, moving and removing cost O(log n)
 * plus, for the last two, a linear search by id (the loop holds a handful
 * of timers). A pass runs only the timers due when it started and armed
 * before it started, so a timer that re-arms itself with 0 runs again in
 * the next pass, not forever in this one.
 *
 * Signals: blocked while registered and read from the signalfd; a signal
 * the program had not blocked before is unblocked again when its
 * registration ends.
 */
#include "httpsmon/loop.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/util.h"

struct fdent {
	loop_fd_cb cb;
	void *ud;
	unsigned events;        /* LOOP_READ | LOOP_WRITE asked for */
	uint32_t gen;           /* bumped at every add: tells registrations apart */
	bool used;
};

struct timer {
	uint64_t id;
	uint64_t seq;           /* arming order: breaks ties between equal due times */
	int64_t due_us;         /* monotonic */
	size_t at;              /* index in the heap */
	loop_timer_cb cb;
	void *ud;
};

struct sigent {
	loop_signal_cb cb;
	void *ud;
};

struct child {
	pid_t pid;
	int pidfd;              /* -1: reaped on SIGCHLD */
	loop_child_cb cb;
	void *ud;
};

struct hook {
	loop_hook_cb cb;        /* NULL: removed during the hooks' run, compacted after */
	void *ud;
};

struct loop {
	unsigned flags;
	int epfd, evfd, sigfd;

	struct fdent *fds;      /* indexed by descriptor */
	size_t fds_cap;
	size_t watched;         /* descriptors in the epoll set */
	struct epoll_event *evs;
	size_t evs_cap;

	struct timer **heap;
	size_t nheap, heap_cap;
	uint64_t next_id, next_seq;
	struct timer *running;  /* the timer whose callback runs, out of the heap */
	bool running_removed;

	struct sigent sigs[NSIG];
	sigset_t sigset;        /* signals on the signalfd */
	sigset_t before;        /* the thread's mask when the loop was made */
	bool chld_internal;     /* SIGCHLD wanted to reap children without pidfds */

	struct child *kids;
	size_t nkids, kids_cap;
	bool reap_due;          /* look for exited pidfd-less children this pass */

	struct hook *hooks;
	size_t nhooks, hooks_cap;
	bool in_hooks;

	struct loop_wait wait;
	bool has_wait;
	bool in_pass;
	bool stop;
	char error[256];
};

/*
 * Returns arr (elements of size bytes, *cap of them) grown to hold at least
 * need (and at least one); new elements are zeroed.
 */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;

	if (need <= *cap && *cap)
		return arr;
	while (n < need)
		n *= 2;
	arr = xrealloc(arr, n * size);
	memset((char *)arr + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return arr;
}

static int64_t now_us(void)
{
	return util_mono_us();
}

/* ---- descriptors ---------------------------------------------------------- */

static uint32_t epoll_bits(unsigned events)
{
	return ((events & LOOP_READ) ? EPOLLIN : 0u) | ((events & LOOP_WRITE) ? EPOLLOUT : 0u);
}

static int epoll_set(struct loop *l, int op, int fd)
{
	struct epoll_event ev = { .events = epoll_bits(l->fds[fd].events) };

	ev.data.u64 = (uint64_t)l->fds[fd].gen << 32 | (uint32_t)fd;
	return epoll_ctl(l->epfd, op, fd, &ev);
}

int loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_cb cb, void *ud)
{
	struct fdent *e;

	if (fd < 0 || !cb) {
		errno = EINVAL;
		return -1;
	}
	l->fds = grow(l->fds, &l->fds_cap, (size_t)fd + 1, sizeof(*l->fds));
	e = &l->fds[fd];
	if (e->used) {
		errno = EEXIST;
		return -1;
	}
	*e = (struct fdent){ .cb = cb, .ud = ud, .events = events, .gen = e->gen + 1, .used = true };
	if (epoll_set(l, EPOLL_CTL_ADD, fd) != 0) {
		e->used = false;
		return -1;
	}
	l->watched++;
	return 0;
}

int loop_fd_modify(struct loop *l, int fd, unsigned events)
{
	if (fd < 0 || (size_t)fd >= l->fds_cap || !l->fds[fd].used) {
		errno = ENOENT;
		return -1;
	}
	l->fds[fd].events = events;
	return epoll_set(l, EPOLL_CTL_MOD, fd);
}

void loop_fd_remove(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->fds_cap || !l->fds[fd].used)
		return;
	/* fails only when fd was closed already, which took it out of the set */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].used = false;
	l->watched--;
}

static void dispatch_fds(struct loop *l, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)l->evs[i].data.u64;
		uint32_t gen = (uint32_t)(l->evs[i].data.u64 >> 32);
		uint32_t got = l->evs[i].events;
		unsigned events;
		struct fdent *e;

		if ((size_t)fd >= l->fds_cap)
			continue;
		e = &l->fds[fd];
		if (!e->used || e->gen != gen)
			continue; /* removed by an earlier callback of this pass */
		events = ((got & EPOLLIN) ? LOOP_READ : 0u) | ((got & EPOLLOUT) ? LOOP_WRITE : 0u) |
			 ((got & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ? LOOP_HUP : 0u);
		if (events)
			e->cb(l, fd, events, e->ud);
	}
}

/* ---- timers ---------------------------------------------------------------- */

static bool timer_before(const struct timer *a, const struct timer *b)
{
	return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
}

static void heap_put(struct loop *l, size_t i, struct timer *t)
{
	l->heap[i] = t;
	t->at = i;
}

static void sift_up(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	while (i > 0 && timer_before(t, l->heap[(i - 1) / 2])) {
		heap_put(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, t);
}

static void heap_push(struct loop *l, struct timer *t)
{
	l->heap = grow(l->heap, &l->heap_cap, l->nheap + 1, sizeof(*l->heap));
	heap_put(l, l->nheap++, t);
	sift_up(l, t->at);
}

/* Takes the timer at index i out of the heap. */
static void heap_take(struct loop *l, size_t i)
{
	struct timer *last = l->heap[--l->nheap];

	if (i == l->nheap)
		return;
	heap_put(l, i, last);
	sift_up(l, i);
	sift_down(l, last->at);
}

static struct timer *timer_find(const struct loop *l, uint64_t id)
{
	for (size_t i = 0; id && i < l->nheap; i++)
		if (l->heap[i]->id == id)
			return l->heap[i];
	return NULL;
}

/* Puts t back in the heap, due delay_ms from now, after every timer armed before. */
static void timer_arm_at(struct loop *l, struct timer *t, int64_t delay_ms, bool in_heap)
{
	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > INT64_MAX / 2000)
		delay_ms = INT64_MAX / 2000;
	t->due_us = now_us() + delay_ms * 1000;
	t->seq = l->next_seq++;
	if (in_heap) {
		sift_up(l, t->at);
		sift_down(l, t->at);
	} else {
		heap_push(l, t);
	}
}

uint64_t loop_timer_add(struct loop *l, int64_t delay_ms, loop_timer_cb cb, void *ud)
{
	struct timer *t = xcalloc(1, sizeof(*t));

	t->id = ++l->next_id;
	t->cb = cb;
	t->ud = ud;
	timer_arm_at(l, t, delay_ms, false);
	return t->id;
}

bool loop_timer_set(struct loop *l, uint64_t id, int64_t delay_ms)
{
	struct timer *t;

	if (l->running && l->running->id == id)
		return !l->running_removed; /* its return value decides */
	t = timer_find(l, id);
	if (!t)
		return false;
	timer_arm_at(l, t, delay_ms, true);
	return true;
}

void loop_timer_remove(struct loop *l, uint64_t id)
{
	struct timer *t;

	if (l->running && l->running->id == id) {
		l->running_removed = true;
		return;
	}
	t = timer_find(l, id);
	if (!t)
		return;
	heap_take(l, t->at);
	free(t);
}

void loop_timer_arm(struct loop *l, uint64_t *id, int64_t delay_ms, loop_timer_cb cb, void *ud)
{
	if (delay_ms < 0) {
		loop_timer_remove(l, *id);
		*id = 0;
	} else if (!*id || !loop_timer_set(l, *id, delay_ms)) {
		*id = loop_timer_add(l, delay_ms, cb, ud);
	}
}

static void run_timers(struct loop *l)
{
	int64_t now = now_us();
	uint64_t armed_before = l->next_seq;

	while (l->nheap && l->heap[0]->due_us <= now && l->heap[0]->seq < armed_before) {
		struct timer *t = l->heap[0];
		int64_t next;

		heap_take(l, 0);
		l->running = t;
		l->running_removed = false;
		next = t->cb(l, t->id, t->ud);
		l->running = NULL;
		if (l->running_removed || next < 0)
			free(t);
		else
			timer_arm_at(l, t, next, false);
	}
}

/* Milliseconds until the earliest timer, rounded up (never wake early); -1: none. */
static int next_timeout(const struct loop *l)
{
	int64_t d;

	if (l->reap_due)
		return 0;
	if (!l->nheap)
		return -1;
	d = l->heap[0]->due_us - now_us();
	if (d <= 0)
		return 0;
	d = (d + 999) / 1000;
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* ---- signals ------------------------------------------------------------- */

static void sig_read_cb(struct loop *l, int fd, unsigned events, void *ud);

static bool sig_wanted(const struct loop *l, int signo)
{
	return l->sigs[signo].cb || (signo == SIGCHLD && l->chld_internal);
}

/*
 * Makes the blocked set and the signalfd match the registrations: blocks
 * what is wanted, unblocks what no longer is (unless it was blocked before
 * the loop), creates the signalfd with the first signal.
 */
static int sig_sync(struct loop *l)
{
	sigset_t want, unblock;
	int fd;

	sigemptyset(&want);
	sigemptyset(&unblock);
	for (int s = 1; s < NSIG; s++) {
		if (sig_wanted(l, s))
			sigaddset(&want, s);
		else if (sigismember(&l->sigset, s) && !sigismember(&l->before, s))
			sigaddset(&unblock, s);
	}
	if (sigprocmask(SIG_BLOCK, &want, NULL) != 0)
		return -1;
	fd = signalfd(l->sigfd, &want, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (l->sigfd < 0) {
		if (loop_fd_add(l, fd, LOOP_READ, sig_read_cb, NULL) != 0) {
			close(fd);
			return -1;
		}
		l->sigfd = fd;
	}
	l->sigset = want;
	/* pending arrivals of a signal given back are delivered now, the usual way */
	return sigprocmask(SIG_UNBLOCK, &unblock, NULL);
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *ud)
{
	if (signo <= 0 || signo >= NSIG || !cb || signo == SIGKILL || signo == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	if (l->sigs[signo].cb) {
		errno = EEXIST;
		return -1;
	}
	l->sigs[signo] = (struct sigent){ .cb = cb, .ud = ud };
	if (sig_sync(l) != 0) {
		int e = errno;

		l->sigs[signo] = (struct sigent){ 0 };
		sig_sync(l);
		errno = e;
		return -1;
	}
	return 0;
}

void loop_signal_remove(struct loop *l, int signo)
{
	if (signo <= 0 || signo >= NSIG || !l->sigs[signo].cb)
		return;
	l->sigs[signo] = (struct sigent){ 0 };
	sig_sync(l);
}

int loop_signals_add(struct loop *l, const int *signos, size_t n, loop_signal_cb cb, void *ud)
{
	for (size_t i = 0; i < n; i++) {
		if (loop_signal_add(l, signos[i], cb, ud) != 0) {
			int e = errno;

			loop_signals_remove(l, signos, i);
			errno = e;
			return -1;
		}
	}
	return 0;
}

void loop_signal_discard(struct loop *l, int signo)
{
	struct timespec zero = { 0, 0 };
	sigset_t one;

	if (signo <= 0 || signo >= NSIG || !sig_wanted(l, signo))
		return;
	sigemptyset(&one);
	sigaddset(&one, signo);
	/* blocked (it is the loop's), so sigtimedwait takes each pending arrival without delivering it */
	while (sigtimedwait(&one, NULL, &zero) == signo)
		;
}

void loop_signals_remove(struct loop *l, const int *signos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		loop_signal_remove(l, signos[i]);
}

void loop_sigmask_before(const struct loop *l, sigset_t *mask)
{
	*mask = l->before;
}

static void sig_read_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)ud;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int s = (int)si.ssi_signo;

		if (s <= 0 || s >= NSIG)
			continue;
		if (s == SIGCHLD && l->chld_internal)
			l->reap_due = true;
		if (l->sigs[s].cb)
			l->sigs[s].cb(l, s, l->sigs[s].ud);
	}
}

/* ---- children -------------------------------------------------------------- */

static long open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static struct child *child_find(struct loop *l, pid_t pid, int pidfd)
{
	for (size_t i = 0; i < l->nkids; i++)
		if ((pid && l->kids[i].pid == pid) || (pidfd >= 0 && l->kids[i].pidfd == pidfd))
			return &l->kids[i];
	return NULL;
}

/* Forgets a child: closes its pidfd; SIGCHLD is given back when no child needs it. */
static void child_drop(struct loop *l, struct child *c)
{
	bool sigchld = false;

	if (c->pidfd >= 0) {
		loop_fd_remove(l, c->pidfd);
		close(c->pidfd);
	}
	*c = l->kids[--l->nkids];
	for (size_t i = 0; i < l->nkids; i++)
		sigchld |= l->kids[i].pidfd < 0;
	if (l->chld_internal && !sigchld) {
		l->chld_internal = false;
		sig_sync(l);
	}
}

/*
 * Reaps c if it has exited: drops it and calls back. Returns true when it
 * did (the children array may have changed under the caller).
 */
static bool child_reap(struct loop *l, struct child *c)
{
	struct child done = *c;
	int status = 0;
	pid_t r = waitpid(c->pid, &status, WNOHANG);

	if (r == 0 || (r < 0 && errno == EINTR))
		return false;
	if (r < 0)
		status = -1;
	child_drop(l, c);
	done.cb(l, done.pid, status, done.ud);
	return true;
}

static void child_pidfd_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct child *c = child_find(l, 0, fd);

	(void)events;
	(void)ud;
	if (c)
		child_reap(l, c);
}

/* SIGCHLD came (or a child was added without a pidfd): reap every exited one. */
static void reap_signalled(struct loop *l)
{
	bool again = true;

	l->reap_due = false;
	while (again) {
		again = false;
		for (size_t i = 0; i < l->nkids; i++) {
			if (l->kids[i].pidfd < 0 && child_reap(l, &l->kids[i])) {
				again = true; /* the callback may have changed the array: rescan */
				break;
			}
		}
	}
}

int loop_child_add(struct loop *l, pid_t pid, loop_child_cb cb, void *ud)
{
	struct child c = { .pid = pid, .pidfd = -1, .cb = cb, .ud = ud };
	siginfo_t si;

	if (pid <= 0 || !cb) {
		errno = EINVAL;
		return -1;
	}
	if (child_find(l, pid, -1)) {
		errno = EEXIST;
		return -1;
	}
	/* not ours, or reaped already: nobody would ever report it (ECHILD) */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return -1;
	if (!(l->flags & LOOP_NO_PIDFD)) {
		long fd = open_pidfd(pid);

		if (fd < 0 && errno != ENOSYS)
			return -1;
		if (fd < 0)
			l->flags |= LOOP_NO_PIDFD; /* an old kernel: no use asking again */
		c.pidfd = (int)fd;
	}
	if (c.pidfd >= 0 && loop_fd_add(l, c.pidfd, LOOP_READ, child_pidfd_cb, NULL) != 0) {
		int e = errno;

		close(c.pidfd);
		errno = e;
		return -1;
	}
	if (c.pidfd < 0 && !l->chld_internal) {
		l->chld_internal = true;
		if (sig_sync(l) != 0) {
			l->chld_internal = false;
			return -1;
		}
	}
	l->kids = grow(l->kids, &l->kids_cap, l->nkids + 1, sizeof(*l->kids));
	l->kids[l->nkids++] = c;
	/* it may have exited before SIGCHLD was blocked, its signal lost: look once */
	if (c.pidfd < 0)
		l->reap_due = true;
	return 0;
}

void loop_child_remove(struct loop *l, pid_t pid)
{
	struct child *c = child_find(l, pid, -1);

	if (c)
		child_drop(l, c);
}

/* ---- before-sleep hooks ---------------------------------------------------- */

int loop_before_sleep_add(struct loop *l, loop_hook_cb cb, void *ud)
{
	for (size_t i = 0; i < l->nhooks; i++) {
		if (l->hooks[i].cb == cb && l->hooks[i].ud == ud) {
			errno = EEXIST;
			return -1;
		}
	}
	l->hooks = grow(l->hooks, &l->hooks_cap, l->nhooks + 1, sizeof(*l->hooks));
	l->hooks[l->nhooks++] = (struct hook){ .cb = cb, .ud = ud };
	return 0;
}

static void hooks_compact(struct loop *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].cb)
			l->hooks[n++] = l->hooks[i];
	l->nhooks = n;
}

void loop_before_sleep_remove(struct loop *l, loop_hook_cb cb, void *ud)
{
	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].cb == cb && l->hooks[i].ud == ud)
			l->hooks[i].cb = NULL;
	if (!l->in_hooks)
		hooks_compact(l);
}

static void run_hooks(struct loop *l)
{
	l->in_hooks = true;
	/* hooks added by a hook run from the next pass on */
	for (size_t i = 0, n = l->nhooks; i < n; i++)
		if (l->hooks[i].cb)
			l->hooks[i].cb(l, l->hooks[i].ud);
	l->in_hooks = false;
	hooks_compact(l);
}

/* ---- the loop ---------------------------------------------------------------- */

static void wake_read_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	uint64_t n;

	(void)l;
	(void)events;
	(void)ud;
	while (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
}

struct loop *loop_new(unsigned flags, char *err, size_t errlen)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->flags = flags;
	l->evfd = l->sigfd = -1;
	sigemptyset(&l->sigset);
	sigprocmask(SIG_BLOCK, NULL, &l->before);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		snprintf(err, errlen, "cannot create the event loop (epoll): %s", strerror(errno));
		goto err;
	}
	l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->evfd < 0 || loop_fd_add(l, l->evfd, LOOP_READ, wake_read_cb, NULL) != 0) {
		snprintf(err, errlen, "cannot create the event loop's wakeup (eventfd): %s", strerror(errno));
		goto err;
	}
	return l;
err:
	loop_free(l);
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->nkids)
		child_drop(l, &l->kids[l->nkids - 1]);
	for (int s = 1; s < NSIG; s++)
		l->sigs[s] = (struct sigent){ 0 };
	l->chld_internal = false;
	if (l->sigfd >= 0) {
		sig_sync(l);
		close(l->sigfd);
	}
	if (l->evfd >= 0)
		close(l->evfd);
	if (l->epfd >= 0)
		close(l->epfd);
	for (size_t i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->fds);
	free(l->evs);
	free(l->kids);
	free(l->hooks);
	free(l);
}

void loop_set_wait(struct loop *l, const struct loop_wait *w)
{
	l->has_wait = w != NULL;
	l->wait = w ? *w : (struct loop_wait){ 0 };
}

/* The wait: returns how many epoll events are in l->evs, or -1. */
static int wait_events(struct loop *l, int timeout_ms)
{
	int n;

	l->evs = grow(l->evs, &l->evs_cap, l->watched, sizeof(*l->evs));
	if (l->has_wait) {
		struct pollfd ep = { .fd = l->epfd, .events = POLLIN };

		if (l->wait.wait(l->wait.ud, &ep, 1, timeout_ms < 0 ? INT_MAX : timeout_ms) != 0) {
			snprintf(l->error, sizeof(l->error), "waiting on transfers failed");
			return -1;
		}
		if (!(ep.revents & POLLIN))
			return 0;
		timeout_ms = 0;
	}
	n = epoll_wait(l->epfd, l->evs, (int)(l->evs_cap < INT_MAX ? l->evs_cap : INT_MAX), timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0; /* a signal with a handler (not one of ours): just a short wait */
	if (n < 0)
		snprintf(l->error, sizeof(l->error), "epoll_wait: %s", strerror(errno));
	return n;
}

int loop_run_once(struct loop *l)
{
	int n;

	if (l->in_pass) {
		snprintf(l->error, sizeof(l->error), "loop_run_once called from inside a pass");
		return -1;
	}
	l->in_pass = true;
	l->error[0] = '\0';
	run_hooks(l);
	n = wait_events(l, next_timeout(l));
	if (n > 0)
		dispatch_fds(l, n);
	if (l->reap_due)
		reap_signalled(l);
	if (n >= 0)
		run_timers(l);
	if (n >= 0 && l->has_wait && l->wait.after)
		l->wait.after(l->wait.ud);
	l->in_pass = false;
	return n < 0 ? -1 : 0;
}

int loop_run(struct loop *l)
{
	int rc = 0;

	while (!l->stop) {
		if (loop_run_once(l) != 0) {
			rc = -1;
			break;
		}
	}
	l->stop = false;
	return rc;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

void loop_wakeup(struct loop *l)
{
	int saved = errno;
	uint64_t one = 1;
	ssize_t w = write(l->evfd, &one, sizeof(one));

	(void)w; /* a full counter already means "wake up" */
	errno = saved;
}

const char *loop_error(const struct loop *l)
{
	return l->error;
}
