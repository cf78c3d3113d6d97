/*
 * rusage: runs one command and reports what it cost, measured the same way
 * for every program the benchmark compares.
 *
 *   rusage [-t SECONDS] OUTFILE COMMAND [ARG...]
 *
 * Forks and execs COMMAND (searched in PATH), waits for it with wait4() and
 * writes one line to OUTFILE:
 *
 *   wall_s user_s sys_s maxrss_kb exit
 *
 * wall_s from CLOCK_MONOTONIC around fork and wait; user_s, sys_s and
 * maxrss_kb (peak resident set, kB) from the child's struct rusage; exit is
 * the child's exit status, or 128 + signal number. With -t, a child still
 * running after SECONDS gets SIGKILL (a hung run must not hang the
 * benchmark; its line then says exit 137). The child keeps our stdin,
 * stdout and stderr. Our exit status is the child's; 127 when it could not
 * be run, 125 on our own errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* clock_gettime, wait4 under -std=c11 */
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t expired;   /* set by SIGALRM */

static void alarm_cb(int sig)
{
	(void)sig;
	expired = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rusage ru;
	double t0, wall;
	int status, code, argi = 1;
	unsigned limit_s = 0;
	pid_t pid;
	FILE *out;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		limit_s = (unsigned)strtoul(argv[2], NULL, 10);
		argi = 3;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: rusage [-t SECONDS] OUTFILE COMMAND [ARG...]\n");
		return 125;
	}
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		execvp(argv[argi + 1], argv + argi + 1);
		fprintf(stderr, "rusage: %s: %s\n", argv[argi + 1], strerror(errno));
		_exit(127);
	}
	if (limit_s) {
		/* no SA_RESTART: the alarm must interrupt wait4() */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = alarm_cb;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm(limit_s);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
			return 125;
		}
		if (expired) {
			fprintf(stderr, "rusage: %s still running after %u s, killed\n",
				argv[argi + 1], limit_s);
			kill(pid, SIGKILL);
			expired = 0;
		}
	}
	wall = now_s() - t0;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	out = fopen(argv[argi], "w");
	if (!out) {
		fprintf(stderr, "rusage: %s: %s\n", argv[argi], strerror(errno));
		return 125;
	}
	fprintf(out, "%.3f %.3f %.3f %ld %d\n", wall, tv_s(ru.ru_utime), tv_s(ru.ru_stime),
		ru.ru_maxrss, code);
	if (fclose(out) != 0) {
		fprintf(stderr, "rusage: %s: %s\n", argv[argi], strerror(errno));
		return 125;
	}
	return code;
}
