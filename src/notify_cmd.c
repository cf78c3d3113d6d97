/*
 * notify_cmd: the command notifier. `command = /path/to/program arg...` is
 * split on spaces (no shell: no quoting, no expansion) and started with
 * posix_spawnp in its own process group, with the signal mask the process
 * had before the loop blocked its signals and SIGPIPE back to its default.
 * Its environment is the collector's plus HTTPSMON_KIND, _ENDPOINT, _URL,
 * _STATE, _REASON, _MESSAGE, _SINCE (ISO 8601 UTC), _DURATION_S,
 * _DAYS_LEFT (cert kinds), _COUNT (alerts in the message; the others are
 * the first alert's, _ENDPOINT lists them all); its stdin is the message
 * as JSON (alert_format_json), written without blocking as the pipe takes
 * it; stdout goes to /dev/null; the first bytes of stderr are kept for the
 * failure's detail. The loop reaps it (loop_child_add); after the
 * notifier's timeout its process group is killed. Exit status 0 is
 * delivered, anything else is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "httpsmon/alert_format.h"
#include "httpsmon/util.h"
#include "notify_int.h"

extern char **environ;

#define ENDPOINTS_MAX 4000 /* bytes of HTTPSMON_ENDPOINT for a group */

static void env_put(struct strlist *env, const char *name, const char *value)
{
	char *kv = xasprintf("%s=%s", name, value ? value : "");

	strlist_push(env, kv);
	free(kv);
}

/* The collector's environment without HTTPSMON_*, then the alert's. */
static void build_env(struct strlist *env, const struct alert_group *g)
{
	const struct alert *a = &g->v[0];
	struct strbuf eps = { 0 };
	char buf[64];

	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "HTTPSMON_", 9) != 0)
			strlist_push(env, *e);
	env_put(env, "HTTPSMON_KIND", alert_kind_name(g->kind));
	for (size_t i = 0; i < g->n && eps.len < ENDPOINTS_MAX; i++)
		strbuf_printf(&eps, "%s%s", i ? "," : "", g->v[i].endpoint ? g->v[i].endpoint : "");
	env_put(env, "HTTPSMON_ENDPOINT", strbuf_cstr(&eps));
	strbuf_done(&eps);
	env_put(env, "HTTPSMON_URL", a->url);
	env_put(env, "HTTPSMON_STATE", a->state);
	env_put(env, "HTTPSMON_REASON", a->reason);
	env_put(env, "HTTPSMON_MESSAGE", a->message);
	env_put(env, "HTTPSMON_SINCE", a->since_s ? util_fmt_time_utc(buf, sizeof(buf), a->since_s) : "");
	snprintf(buf, sizeof(buf), "%lld", (long long)(a->duration_s >= 0 ? a->duration_s : 0));
	env_put(env, "HTTPSMON_DURATION_S", a->duration_s >= 0 ? buf : "");
	snprintf(buf, sizeof(buf), "%d", a->days_left);
	env_put(env, "HTTPSMON_DAYS_LEFT", a->has_days_left ? buf : "");
	snprintf(buf, sizeof(buf), "%zu", g->n);
	env_put(env, "HTTPSMON_COUNT", buf);
}

/* argv from the command line: split on spaces and tabs, empty words dropped. */
static void build_argv(struct strlist *argv, const char *cmd)
{
	while (cmd && *cmd) {
		size_t len = strcspn(cmd, " \t");

		if (len) {
			char *w = xstrndup(cmd, len);

			strlist_push(argv, w);
			free(w);
		}
		cmd += len;
		cmd += strspn(cmd, " \t");
	}
}

/* NULL-terminated view of l (the strings stay l's). */
static char **vec(const struct strlist *l)
{
	char **v = xcalloc(l->n + 1, sizeof(*v));

	for (size_t i = 0; i < l->n; i++)
		v[i] = l->v[i];
	return v;
}

static void close_fd(struct notify_msg *m, int *fd)
{
	if (*fd < 0)
		return;
	loop_fd_remove(m->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* stdin: as much as the pipe takes; closed when all is written or the reader went away. */
static void in_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct notify_msg *m = ud;

	(void)l;
	(void)fd;
	(void)events;
	while (m->input_off < m->input_len) {
		ssize_t w = write(m->in_fd, m->input + m->input_off, m->input_len - m->input_off);

		if (w > 0) {
			m->input_off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		break; /* EPIPE: it does not read its stdin, which is its business */
	}
	close_fd(m, &m->in_fd);
}

/* Keeps the first bytes of stderr; the rest is read and dropped so the child never blocks. */
static void drain_err(struct notify_msg *m)
{
	char buf[4096];
	ssize_t r;

	while (m->err_fd >= 0) {
		r = read(m->err_fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			close_fd(m, &m->err_fd);
			return;
		}
		if (m->errtext_len < sizeof(m->errtext) - 1) {
			size_t take = (size_t)r < sizeof(m->errtext) - 1 - m->errtext_len
					      ? (size_t)r : sizeof(m->errtext) - 1 - m->errtext_len;

			memcpy(m->errtext + m->errtext_len, buf, take);
			m->errtext_len += take;
		}
	}
}

static void err_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	drain_err(ud);
}

/* The outcome from the exit status (and stderr's first line). */
static void outcome(struct notify_msg *m)
{
	char line[sizeof(m->errtext)], safe[sizeof(m->errtext) * 4];
	size_t len = strcspn(m->errtext, "\r\n");

	snprintf(line, sizeof(line), "%.*s", (int)len, m->errtext);
	util_sanitize(line, strlen(line), safe, sizeof(safe));
	if (m->killed) {
		char t[32];

		util_fmt_duration_us(t, sizeof(t), m->nt->timeout_ms * 1000);
		snprintf(m->detail, sizeof(m->detail), "killed after the %s timeout", t);
		m->code = -1;
	} else if (WIFEXITED(m->status)) {
		m->code = WEXITSTATUS(m->status);
		m->ok = m->code == 0;
		snprintf(m->detail, sizeof(m->detail), "exit %d%s%s", m->code, safe[0] ? ": " : "", safe);
	} else if (WIFSIGNALED(m->status)) {
		m->code = -1;
		snprintf(m->detail, sizeof(m->detail), "killed by signal %d%s%s", WTERMSIG(m->status),
			 safe[0] ? ": " : "", safe);
	} else {
		snprintf(m->detail, sizeof(m->detail), "ended without an exit status");
	}
}

static void child_cb(struct loop *l, pid_t pid, int status, void *ud)
{
	struct notify_msg *m = ud;

	(void)pid;
	loop_timer_remove(l, m->kill_timer);
	m->kill_timer = 0;
	m->pid = 0;
	m->status = status;
	m->exited = true;
	/* what it wrote before it exited; a grandchild keeping the pipe open is not waited for */
	drain_err(m);
	close_fd(m, &m->err_fd);
	close_fd(m, &m->in_fd);
	outcome(m);
	m->done(m, m->ud);
}

static int64_t kill_cb(struct loop *l, uint64_t id, void *ud)
{
	struct notify_msg *m = ud;

	(void)l;
	(void)id;
	m->kill_timer = 0;
	if (m->pid > 0) {
		m->killed = true;
		kill(-m->pid, SIGKILL);
	}
	return LOOP_TIMER_STOP;
}

/* Spawns argv with stdin from in_r, stdout to /dev/null, stderr to err_w. Returns errno or 0. */
static int spawn(struct notify_msg *m, char **argv, char **envp, int in_r, int err_w)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t mask, def;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_r, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	posix_spawnattr_init(&at);
	loop_sigmask_before(m->loop, &mask);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &mask);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&m->pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

int notify_cmd_start(struct notify_msg *m)
{
	struct strlist argv = { 0 }, env = { 0 };
	char **av, **ev;
	int in[2] = { -1, -1 }, er[2] = { -1, -1 }, rc;

	/* a command that stops reading its stdin must not kill the collector */
	signal(SIGPIPE, SIG_IGN);
	build_argv(&argv, m->nt->command);
	if (!argv.n) {
		snprintf(m->detail, sizeof(m->detail), "empty command");
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(er, O_CLOEXEC) != 0) {
		snprintf(m->detail, sizeof(m->detail), "cannot make a pipe: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	build_env(&env, &m->g);
	m->input = alert_format_json(&m->g);
	m->input_len = strlen(m->input);
	av = vec(&argv);
	ev = vec(&env);
	rc = spawn(m, av, ev, in[0], er[1]);
	free(av);
	free(ev);
	if (rc != 0) {
		char prog[160];

		snprintf(m->detail, sizeof(m->detail), "cannot run %s: %s",
			 util_sanitize(argv.v[0], strlen(argv.v[0]), prog, sizeof(prog)), strerror(rc));
		m->pid = 0;
		rc = -1;
		goto out;
	}
	m->in_fd = in[1];
	m->err_fd = er[0];
	in[1] = er[0] = -1;
	fcntl(m->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
	loop_fd_add(m->loop, m->in_fd, LOOP_WRITE, in_cb, m);
	loop_fd_add(m->loop, m->err_fd, LOOP_READ, err_cb, m);
	if (loop_child_add(m->loop, m->pid, child_cb, m) != 0) {
		/* cannot be reaped through the loop: it must not outlive its timeout unseen */
		kill(-m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
		close_fd(m, &m->in_fd);
		close_fd(m, &m->err_fd);
		snprintf(m->detail, sizeof(m->detail), "cannot watch the child: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	m->kill_timer = loop_timer_add(m->loop, m->nt->timeout_ms, kill_cb, m);
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
	strlist_done(&argv);
	strlist_done(&env);
	return rc;
}

void notify_cmd_stop(struct notify_msg *m)
{
	if (m->pid > 0) {
		loop_child_remove(m->loop, m->pid);
		kill(-m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
	}
	loop_timer_remove(m->loop, m->kill_timer);
	m->kill_timer = 0;
	close_fd(m, &m->in_fd);
	close_fd(m, &m->err_fd);
}
