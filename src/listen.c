/*
 * listen: the HTTP listener on the loop (see listen.h). Owns the listening
 * socket, the libmicrohttpd daemon, its place on the loop (one descriptor:
 * the daemon's epoll set; one timer: its next timeout) and the response
 * buffers.
 *
 * The daemon runs in libmicrohttpd's "external" mode with MHD_USE_EPOLL:
 * it keeps its own sockets in its own epoll set, and that set's descriptor
 * is readable whenever any of them is ready, so the loop watches ONE
 * descriptor whatever the number of clients, and calls MHD_run() (which
 * never blocks) when it is ready or when the daemon's timeout is due. The
 * daemon's sockets are edge-triggered in that set, so after every run the
 * daemon's own timeout (0 when it has more to do at once) re-arms the timer.
 *
 * We bind the socket ourselves and hand it over (MHD_OPTION_LISTEN_SOCKET),
 * so "port in use" is our own message, naming the port, and [::] serves
 * IPv4 too (IPV6_V6ONLY off) as it does for most daemons.
 *
 * Buffers: a response is sent from the handler's buffer without a copy;
 * libmicrohttpd hands it back (the free callback) once sent. Each of the
 * LISTEN_MAX_CONNECTIONS slots keeps its memory, so after the first
 * scrapes a request allocates nothing of the size of a response.
 */
#include "httpsmon/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpsmon/config.h"

struct slot {
	struct strbuf b;
	bool busy;                /* a response is being sent from b */
};

struct listener {
	struct loop *loop;
	struct MHD_Daemon *d;
	int sock, epfd, port;
	uint64_t timer;
	listen_handler h;
	listen_token_fn tok;
	void *ud;
	struct slot slots[LISTEN_MAX_CONNECTIONS];
};

const char *listen_query(const struct listen_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

int listener_port(const struct listener *li)
{
	return li->port;
}

/* Whether got equals want, in time that depends on want's length only. */
static bool token_equal(const char *got, const char *want)
{
	size_t gl = strlen(got), wl = strlen(want);
	unsigned char diff = gl != wl;

	for (size_t i = 0; i < wl; i++)
		diff |= (unsigned char)(want[i] ^ got[i < gl ? i : 0]);
	return diff == 0;
}

static bool authorised(struct listener *li, struct MHD_Connection *c)
{
	const char *want = li->tok ? li->tok(li->ud) : NULL;
	const char *got;

	if (!want || !*want)
		return true;
	got = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!got || strncasecmp(got, "Bearer ", 7) != 0)
		return false;
	got += 7;
	while (*got == ' ')
		got++;
	return token_equal(got, want);
}

static void slot_free_cb(void *cls)
{
	((struct slot *)cls)->busy = false;
}

/* A free slot, emptied; NULL when every one is sending (more connections than slots cannot be). */
static struct slot *slot_take(struct listener *li)
{
	for (size_t i = 0; i < LISTEN_MAX_CONNECTIONS; i++)
		if (!li->slots[i].busy) {
			strbuf_reset(&li->slots[i].b);
			return &li->slots[i];
		}
	return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, struct slot *s, const char *ctype,
			     const char *allow, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (s && !s->b.s)
		strbuf_append(&s->b, "", 0);
	if (s) {
		s->busy = true;
		r = MHD_create_response_from_buffer_with_free_callback_cls(s->b.len, s->b.s, slot_free_cb, s);
	} else {
		r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		if (s)
			s->busy = false;
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"httpsmon\"");
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size,
				  void **con_cls)
{
	static const char text_ctype[] = "text/plain; charset=utf-8";
	struct listener *li = cls;
	struct listen_req rq = { .path = url, .conn = c };
	const char *ctype = text_ctype;
	struct slot *s;
	int status;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (!authorised(li, c))
		return reply(c, MHD_HTTP_UNAUTHORIZED, NULL, text_ctype, NULL, "401 unauthorised: send Authorization: Bearer TOKEN\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, text_ctype, "GET, HEAD",
			     "405 method not allowed: this API is read-only (GET, HEAD)\n");
	s = slot_take(li);
	if (!s)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, text_ctype, NULL, "503 busy\n");
	status = li->h(li->ud, &rq, &s->b, &ctype);
	if (s->b.len > LISTEN_MAX_BODY) {
		strbuf_reset(&s->b);
		strbuf_printf(&s->b, "500 response larger than %u bytes refused\n", LISTEN_MAX_BODY);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		ctype = text_ctype;
	}
	return reply(c, status, s, ctype, NULL, NULL);
}

/* Runs the daemon (it never blocks) and returns the delay to its next timeout, or LOOP_TIMER_STOP. */
static int64_t run_daemon(struct listener *li)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(li->d);
	if (MHD_get_timeout(li->d, &ms) != MHD_YES)
		return LOOP_TIMER_STOP;
	return ms > 60000 ? 60000 : (int64_t)ms;
}

static int64_t timer_cb(struct loop *l, uint64_t id, void *ud)
{
	struct listener *li = ud;
	int64_t next;

	(void)l;
	(void)id;
	next = run_daemon(li);
	if (next == LOOP_TIMER_STOP)
		li->timer = 0;
	return next;
}

static void fd_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	struct listener *li = ud;

	(void)fd;
	(void)events;
	loop_timer_arm(l, &li->timer, run_daemon(li), timer_cb, li);
}

/* The listening socket for addr, bound; -1 with a message naming the port. */
static int bind_socket(const char *addr, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	char why[256];
	int fd, one = 1, zero = 0;
	socklen_t len;

	if (config_listen_parse(addr, &sa, port, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "listen %s: %s", addr, why);
		return -1;
	}
	len = sa.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "listen %s: %s", addr, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 64) != 0) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			snprintf(err, errlen, "listen %s: port %d is already in use (another httpsmon, or another "
				 "program: ss -ltnp 'sport = :%d' says which)", addr, *port, *port);
		else
			snprintf(err, errlen, "listen %s: cannot bind port %d: %s", addr, *port, strerror(e));
		return -1;
	}
	return fd;
}

struct listener *listener_new(struct loop *l, const char *addr, listen_handler h, listen_token_fn tok,
			      void *ud, char *err, size_t errlen)
{
	struct listener *li = xcalloc(1, sizeof(*li));
	const union MHD_DaemonInfo *info;

	*li = (struct listener){ .loop = l, .h = h, .tok = tok, .ud = ud, .epfd = -1 };
	li->sock = bind_socket(addr, &li->port, err, errlen);
	if (li->sock < 0) {
		free(li);
		return NULL;
	}
	li->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, li,
				 MHD_OPTION_LISTEN_SOCKET, li->sock,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)LISTEN_MAX_CONNECTIONS,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LISTEN_TIMEOUT_S,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				 MHD_OPTION_END);
	info = li->d ? MHD_get_daemon_info(li->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info || loop_fd_add(l, info->epoll_fd, LOOP_READ, fd_cb, li) != 0) {
		snprintf(err, errlen, "listen %s: the HTTP server (libmicrohttpd) did not start", addr);
		listener_free(li);
		return NULL;
	}
	li->epfd = info->epoll_fd;
	li->sock = -1; /* the daemon's now: MHD_stop_daemon closes it */
	loop_timer_arm(l, &li->timer, run_daemon(li), timer_cb, li);
	return li;
}

void listener_free(struct listener *li)
{
	if (!li)
		return;
	if (li->epfd >= 0)
		loop_fd_remove(li->loop, li->epfd);
	loop_timer_remove(li->loop, li->timer);
	if (li->d)
		MHD_stop_daemon(li->d); /* responses in flight hand their slots back here */
	if (li->sock >= 0)
		close(li->sock);
	for (size_t i = 0; i < LISTEN_MAX_CONNECTIONS; i++)
		strbuf_done(&li->slots[i].b);
	free(li);
}
