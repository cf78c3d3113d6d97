/*
 * floor: the cost floor for httpsmon's benchmark. Bare libcurl multi doing
 * what one round of `httpsmon check` does, and nothing else.
 *
 *   floor [-o TLSFILE] N INFLIGHT CAFILE PORT
 *
 * Probes N distinct endpoints https://host-<i>.bench.test:PORT/ (i = 1..N),
 * each name pinned to 127.0.0.1 with CURLOPT_RESOLVE, one GET each on a fresh
 * connection with a full TLS handshake (no connection reuse, no session
 * resumption, no DNS cache) and curl's normal verification against CAFILE.
 * At most INFLIGHT transfers are in the multi handle at once; a new one is
 * added as each finishes (INFLIGHT = N starts them all at once).
 *
 * Prints, as key=value lines on stdout: ok and failed counts, the TLS
 * handshake time (APPCONNECT - CONNECT) median, p95 and mean in ms over the
 * successful probes (nearest-rank percentiles), wall time, the process's own
 * CPU seconds (getrusage user + sys) and ru_maxrss. With -o, also writes one
 * line per successful probe to TLSFILE: its TLS time in ms. The first few
 * failures go to stderr with curl's error text. Exit status: 0 when every
 * probe succeeded, 1 when some failed, 2 on a usage or setup error.
 *
 * One thread, one curl_multi_poll() loop; per-transfer state lives in a
 * struct probe reached through CURLOPT_PRIVATE, as in curl's multi examples.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* clock_gettime, wait4 under -std=c11 */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <curl/curl.h>

#define FLOOR_TIMEOUT_MS   10000L  /* per probe, as httpsmon's default */
#define FLOOR_MAX_N        100000
#define FLOOR_SHOW_ERRORS  5       /* failures printed in full */

struct probe {
	CURL *easy;
	struct curl_slist *resolve;     /* owned: the one CURLOPT_RESOLVE entry */
	char url[128];
	char err[CURL_ERROR_SIZE];
};

struct run {
	CURLM *multi;
	const char *cafile;
	long port;
	long n;                 /* probes in all */
	long next;              /* index of the next probe to start, 0-based */
	long running;           /* in the multi handle now */
	long ok, failed;
	double *tls_ms;         /* owned: one per successful probe, ok entries */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	(void)ud;
	return size * nmemb;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void probe_free(struct probe *p)
{
	if (!p)
		return;
	curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->resolve);
	free(p);
}

/* Starts probe number run->next. Returns 0, or -1 when curl refused. */
static int probe_start(struct run *run)
{
	struct probe *p = calloc(1, sizeof(*p));
	char entry[128];
	long i = run->next + 1;

	if (!p)
		return -1;
	snprintf(p->url, sizeof(p->url), "https://host-%ld.bench.test:%ld/", i, run->port);
	snprintf(entry, sizeof(entry), "host-%ld.bench.test:%ld:127.0.0.1", i, run->port);
	p->resolve = curl_slist_append(NULL, entry);
	p->easy = curl_easy_init();
	if (!p->resolve || !p->easy)
		goto err;
	curl_easy_setopt(p->easy, CURLOPT_URL, p->url);
	curl_easy_setopt(p->easy, CURLOPT_RESOLVE, p->resolve);
	curl_easy_setopt(p->easy, CURLOPT_CAINFO, run->cafile);
	curl_easy_setopt(p->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(p->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(p->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(p->easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	curl_easy_setopt(p->easy, CURLOPT_TIMEOUT_MS, FLOOR_TIMEOUT_MS);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->err);
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	if (curl_multi_add_handle(run->multi, p->easy) != CURLM_OK)
		goto err;
	run->next++;
	run->running++;
	return 0;
err:
	probe_free(p);
	return -1;
}

/* Records one finished transfer and frees it. */
static void probe_done(struct run *run, CURL *easy, CURLcode result)
{
	struct probe *p = NULL;
	curl_off_t conn_us = 0, app_us = 0;
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&p);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &conn_us);
	curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &app_us);
	if (result == CURLE_OK && status == 200 && app_us >= conn_us) {
		run->tls_ms[run->ok++] = (double)(app_us - conn_us) / 1000.0;
	} else {
		if (run->failed < FLOOR_SHOW_ERRORS)
			fprintf(stderr, "floor: %s: %s (HTTP %ld)\n", p->url,
				p->err[0] ? p->err : curl_easy_strerror(result), status);
		run->failed++;
	}
	curl_multi_remove_handle(run->multi, easy);
	run->running--;
	probe_free(p);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0 < q <= 1) of n sorted values; 0 when n = 0. */
static double percentile(const double *v, long n, double q)
{
	long rank;

	if (n == 0)
		return 0;
	rank = (long)(q * (double)n);
	if ((double)rank < q * (double)n)
		rank++;         /* ceil(q * n), without libm */
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

static void usage(void)
{
	fprintf(stderr, "usage: floor [-o TLSFILE] N INFLIGHT CAFILE PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run run = { 0 };
	const char *tlsfile = NULL;
	long inflight, k;
	double t0, wall, sum = 0;
	struct rusage ru;
	int argi = 1;

	if (argc > 2 && strcmp(argv[1], "-o") == 0) {
		tlsfile = argv[2];
		argi = 3;
	}
	if (argc - argi != 4)
		usage();
	if (parse_long(argv[argi], 1, FLOOR_MAX_N, &run.n) ||
	    parse_long(argv[argi + 1], 1, FLOOR_MAX_N, &inflight) ||
	    parse_long(argv[argi + 3], 1, 65535, &run.port))
		usage();
	run.cafile = argv[argi + 2];

	t0 = now_s();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "floor: curl_global_init failed\n");
		return 2;
	}
	run.multi = curl_multi_init();
	run.tls_ms = calloc((size_t)run.n, sizeof(*run.tls_ms));
	if (!run.multi || !run.tls_ms) {
		fprintf(stderr, "floor: out of memory\n");
		return 2;
	}
	/* the multi's connection cache: no more than one slot per transfer */
	curl_multi_setopt(run.multi, CURLMOPT_MAXCONNECTS, inflight);

	for (;;) {
		struct CURLMsg *msg;
		int still, left;

		while (run.next < run.n && run.running < inflight) {
			if (probe_start(&run)) {
				fprintf(stderr, "floor: could not start probe %ld\n", run.next + 1);
				return 2;
			}
		}
		if (run.running == 0)
			break;
		if (curl_multi_perform(run.multi, &still) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(run.multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				probe_done(&run, msg->easy_handle, msg->data.result);
		/* a slot came free, or all are done: no sleep before acting on it */
		if (run.running == 0 || (run.running < inflight && run.next < run.n))
			continue;
		if (curl_multi_poll(run.multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	curl_multi_cleanup(run.multi);
	curl_global_cleanup();
	wall = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru);

	if (tlsfile) {
		FILE *f = fopen(tlsfile, "w");

		if (!f) {
			fprintf(stderr, "floor: %s: %s\n", tlsfile, strerror(errno));
			return 2;
		}
		for (k = 0; k < run.ok; k++)
			fprintf(f, "%.3f\n", run.tls_ms[k]);
		fclose(f);
	}
	for (k = 0; k < run.ok; k++)
		sum += run.tls_ms[k];
	qsort(run.tls_ms, (size_t)run.ok, sizeof(*run.tls_ms), cmp_double);
	run.failed += run.n - run.next;  /* never started: counted as failed */

	printf("n=%ld\ninflight=%ld\nok=%ld\nfailed=%ld\n", run.n, inflight, run.ok, run.failed);
	printf("tls_median_ms=%.3f\ntls_p95_ms=%.3f\ntls_mean_ms=%.3f\n",
	       percentile(run.tls_ms, run.ok, 0.5), percentile(run.tls_ms, run.ok, 0.95),
	       run.ok ? sum / (double)run.ok : 0.0);
	printf("wall_s=%.3f\ncpu_s=%.3f\nuser_s=%.3f\nsys_s=%.3f\nmaxrss_kb=%ld\n", wall,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
	free(run.tls_ms);
	return run.failed ? 1 : 0;
}
