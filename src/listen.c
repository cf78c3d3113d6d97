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
 * HTTPS: the PEM text of the certificate and key is read into li->pem
 * (checked with OpenSSL first, so a bad file is named, not reported as
 * "the daemon did not start") and handed to the daemon, which keeps its
 * own GnuTLS copy. A change of files swaps daemons on the same socket.
 *
 * Bodies: every answer is a page (pages.h), rendered by the handler into
 * its own buffer and sent to each client from it by a reader callback
 * that copies one block at a time into the connection's own bounded
 * memory: a page is never copied whole, and a shared page (/metrics) is
 * one buffer for every scraper however many there are. The reader also
 * enforces LISTEN_SEND_MAX_S.
 */
#include "httpsmon/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/pages.h"

#define TEXT_CTYPE   "text/plain; charset=utf-8"
#define LISTEN_BLOCK 16384 /* bytes copied from a page per call: the connection's memory holds them */

/* The PEM text the daemon serves HTTPS with (both NULL: HTTP). */
struct pem {
	char *cert, *key;
};

struct listener {
	struct loop *loop;
	struct MHD_Daemon *d;
	struct pem pem;
	char why[256];            /* libmicrohttpd's last complaint, for a daemon that did not start */
	int sock, epfd, port;
	uint64_t timer;
	listen_handler h;
	listen_token_fn tok;
	void *ud;
	struct pages *pages;      /* every body in flight, and the shared ones (pages.h) */
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

/* One response being sent: its page (one reference) and the time it must be done by. */
struct sending {
	struct page *p;
	int64_t deadline_ms;
};

static int64_t mono_ms(void)
{
	return util_mono_us() / 1000;
}

/*
 * libmicrohttpd asks for the next bytes when the client has taken the
 * last ones: a copy of at most one block from the shared page. A client
 * still reading past the deadline is cut off, so it cannot keep an old
 * page alive for long (one that reads nothing at all is closed by the
 * connection timeout first).
 */
static ssize_t send_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sending *s = cls;
	size_t n;

	if (mono_ms() > s->deadline_ms)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= s->p->body.len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = s->p->body.len - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, s->p->body.s + pos, n);
	return (ssize_t)n;
}

static void send_done(void *cls)
{
	struct sending *s = cls;

	page_unref(s->p);
	free(s);
}

/* A response for page p (its reference is the response's now), or for the static text when p is NULL. */
static struct MHD_Response *response(struct page *p, const char *text)
{
	struct sending *s;
	struct MHD_Response *r;

	if (!p)
		return MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	s = xmalloc(sizeof(*s));
	*s = (struct sending){ .p = p, .deadline_ms = mono_ms() + LISTEN_SEND_MAX_S * 1000 };
	r = MHD_create_response_from_callback(p->body.len, LISTEN_BLOCK, send_cb, s, send_done);
	if (!r)
		send_done(s);
	return r;
}

/* Queues status with page p (a reference the response takes) or text, and one extra header (hname: hval) when hname is set. */
static enum MHD_Result reply(struct MHD_Connection *c, int status, struct page *p, const char *ctype,
			     const char *hname, const char *hval, const char *text)
{
	struct MHD_Response *r = response(p, text);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (hname)
		MHD_add_response_header(r, hname, hval);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"httpsmon\"");
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Renders a page taken empty from the cache with the handler, capped at LISTEN_MAX_BODY, and publishes it. */
static void render(struct listener *li, const struct listen_req *rq, struct page *p)
{
	p->ctype = TEXT_CTYPE;
	p->status = li->h(li->ud, rq, &p->body, &p->ctype);
	if (p->body.len > LISTEN_MAX_BODY) {
		strbuf_done(&p->body);
		strbuf_printf(&p->body, "500 response larger than %u bytes refused\n", LISTEN_MAX_BODY);
		p->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		p->ctype = TEXT_CTYPE;
	}
	if (!p->body.s)
		strbuf_append(&p->body, "", 0);
	pages_publish(p);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size,
				  void **con_cls)
{
	struct listener *li = cls;
	struct listen_req rq = { .path = url, .conn = c };
	struct page *p;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (!authorised(li, c))
		return reply(c, MHD_HTTP_UNAUTHORIZED, NULL, TEXT_CTYPE, NULL, NULL,
			     "401 unauthorised: send Authorization: Bearer TOKEN\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, TEXT_CTYPE, MHD_HTTP_HEADER_ALLOW, "GET, HEAD",
			     "405 method not allowed: this API is read-only (GET, HEAD)\n");
	p = pages_take(li->pages, url, mono_ms());
	if (!p)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, TEXT_CTYPE, MHD_HTTP_HEADER_RETRY_AFTER, "1",
			     "503 busy: the answers still being sent to other clients are at the listener's "
			     "memory bound; retry in a second\n");
	if (!p->status)
		render(li, &rq, p);
	return reply(c, p->status, p, p->ctype, NULL, NULL, NULL);
}

void listener_share(struct listener *li, const char *path)
{
	if (pages_share(li->pages, path) != 0) {
		fprintf(stderr, "httpsmon: listener_share %s: more than %d shared paths\n", path, PAGES_PATHS_MAX);
		abort();
	}
}

void listener_changed(struct listener *li)
{
	if (li)
		pages_changed(li->pages);
}

const struct pages *listener_pages(const struct listener *li)
{
	return li->pages;
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

/* ---- HTTPS files ---------------------------------------------------------- */

static void pem_done(struct pem *p)
{
	free(p->cert);
	free(p->key);
	*p = (struct pem){ 0 };
}

static bool pem_same(const struct pem *a, const struct pem *b)
{
	return !a->cert == !b->cert && !a->key == !b->key && (!a->cert || !strcmp(a->cert, b->cert)) &&
	       (!a->key || !strcmp(a->key, b->key));
}

/* No passphrase: an encrypted key is refused, never asked for on the terminal. */
static int no_pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* OpenSSL's reason for the last failure, its queue emptied. */
static const char *ssl_why(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unreadable";
}

/* The text of path (at most LISTEN_PEM_MAX bytes) into *out; -1 with err naming what (key) and where. */
static int pem_read(const char *path, const char *what, const char *origin, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t len;

	if (!f) {
		snprintf(err, errlen, "%s %s%s%s%s: cannot read it: %s", what, path, origin ? " (" : "",
			 origin ? origin : "", origin ? ")" : "", strerror(errno));
		return -1;
	}
	*out = xmalloc(LISTEN_PEM_MAX + 1);
	len = fread(*out, 1, LISTEN_PEM_MAX + 1, f);
	fclose(f);
	if (len > LISTEN_PEM_MAX) {
		snprintf(err, errlen, "%s %s%s%s%s: larger than %d bytes", what, path, origin ? " (" : "",
			 origin ? origin : "", origin ? ")" : "", LISTEN_PEM_MAX);
		free(*out);
		*out = NULL;
		return -1;
	}
	(*out)[len] = '\0';
	return 0;
}

/*
 * The files of t into p, checked: a certificate, an unencrypted private
 * key, the key of that certificate. -1 with err naming the file at fault.
 */
static int pem_load(const struct listen_tls *t, struct pem *p, char *err, size_t errlen)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	BIO *bio;
	int rc = -1;

	*p = (struct pem){ 0 };
	if (!t || !t->cert || !*t->cert)
		return 0;
	if (pem_read(t->cert, "listen_cert", t->cert_origin, &p->cert, err, errlen) ||
	    pem_read(t->key, "listen_key", t->key_origin, &p->key, err, errlen))
		goto out;
	if ((bio = BIO_new_mem_buf(p->cert, -1))) {
		x = PEM_read_bio_X509(bio, NULL, no_pass_cb, NULL);
		BIO_free(bio);
	}
	if (!x) {
		snprintf(err, errlen, "listen_cert %s%s%s%s: no certificate could be read from it (%s)", t->cert,
			 t->cert_origin ? " (" : "", t->cert_origin ? t->cert_origin : "", t->cert_origin ? ")" : "",
			 ssl_why());
		goto out;
	}
	if ((bio = BIO_new_mem_buf(p->key, -1))) {
		k = PEM_read_bio_PrivateKey(bio, NULL, no_pass_cb, NULL);
		BIO_free(bio);
	}
	if (!k)
		snprintf(err, errlen, "listen_key %s%s%s%s: no unencrypted private key could be read from it (%s)",
			 t->key, t->key_origin ? " (" : "", t->key_origin ? t->key_origin : "", t->key_origin ? ")" : "",
			 ssl_why());
	else if (X509_check_private_key(x, k) != 1)
		snprintf(err, errlen, "listen_key %s%s%s%s: not the key of listen_cert %s (%s)", t->key,
			 t->key_origin ? " (" : "", t->key_origin ? t->key_origin : "", t->key_origin ? ")" : "",
			 t->cert, ssl_why());
	else
		rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	if (rc)
		pem_done(p);
	return rc;
}

/* ---- the daemon ----------------------------------------------------------- */

/* libmicrohttpd's messages: the last one is kept for a daemon that fails to start. */
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	struct listener *li = cls;
	size_t n;

	vsnprintf(li->why, sizeof(li->why), fmt, ap);
	n = strlen(li->why);
	while (n && (li->why[n - 1] == '\n' || li->why[n - 1] == '.'))
		li->why[--n] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * The path's and the query's %XX sequences, decoded in place as MHD's own
 * unescaper does, except %00, kept as it is: a decoded NUL ends the C
 * string MHD hands over, so /api/v1/endpoints/good%00x answered for good.
 */
static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	char *o = s;
	const char *p = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*p) {
		if (p[0] == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0 && (hi || lo)) {
			*o++ = (char)(hi * 16 + lo);
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return (size_t)(o - s);
}

/* A daemon on the listening socket sock, over HTTPS with p's text when it has some; NULL with li->why. */
static struct MHD_Daemon *daemon_start(struct listener *li, int sock, const struct pem *p)
{
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, p->cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, p->key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)LISTEN_TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};

	li->why[0] = '\0';
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (p->cert ? MHD_USE_TLS : 0), 0, NULL, NULL,
				on_request, li,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, li,
				MHD_OPTION_LISTEN_SOCKET, sock,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)LISTEN_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LISTEN_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL,
				MHD_OPTION_ARRAY, p->cert ? tls : tls + 3,
				MHD_OPTION_END);
}

/* Puts daemon d on the loop: its epoll descriptor and its timer. -1 when the loop refuses the descriptor. */
static int daemon_attach(struct listener *li, struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!info || loop_fd_add(li->loop, info->epoll_fd, LOOP_READ, fd_cb, li) != 0)
		return -1;
	li->d = d;
	li->epfd = info->epoll_fd;
	loop_timer_arm(li->loop, &li->timer, run_daemon(li), timer_cb, li);
	return 0;
}

/* Takes the daemon off the loop and stops it (its connections close; a quiesced one keeps the socket open). */
static void daemon_detach(struct listener *li)
{
	if (li->epfd >= 0)
		loop_fd_remove(li->loop, li->epfd);
	li->epfd = -1;
	if (li->d)
		MHD_stop_daemon(li->d); /* responses in flight give their pages back here */
	li->d = NULL;
}

struct listener *listener_new(struct loop *l, const char *addr, const struct listen_tls *tls, listen_handler h,
			      listen_token_fn tok, void *ud, char *err, size_t errlen)
{
	struct listener *li = xcalloc(1, sizeof(*li));
	struct MHD_Daemon *d;

	*li = (struct listener){ .loop = l, .h = h, .tok = tok, .ud = ud, .epfd = -1, .sock = -1,
				 .pages = pages_new() };
	if (tls && tls->cert && *tls->cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "listen_cert %s%s%s%s: this libmicrohttpd was built without TLS "
			 "(MHD_FEATURE_TLS): serve HTTP on 127.0.0.1 behind a TLS proxy instead", tls->cert,
			 tls->cert_origin ? " (" : "", tls->cert_origin ? tls->cert_origin : "",
			 tls->cert_origin ? ")" : "");
		listener_free(li);
		return NULL;
	}
	if (pem_load(tls, &li->pem, err, errlen) != 0) {
		listener_free(li);
		return NULL;
	}
	li->sock = bind_socket(addr, &li->port, err, errlen);
	if (li->sock < 0) {
		listener_free(li);
		return NULL;
	}
	d = daemon_start(li, li->sock, &li->pem);
	if (!d || daemon_attach(li, d) != 0) {
		snprintf(err, errlen, "listen %s: the HTTP%s server (libmicrohttpd) did not start: %s", addr,
			 li->pem.cert ? "S" : "", li->why[0] ? li->why : "no reason given");
		if (d && !li->d) {
			MHD_stop_daemon(d); /* it closes the socket */
			li->sock = -1;
		}
		listener_free(li);
		return NULL;
	}
	li->sock = -1; /* the daemon's now: MHD_stop_daemon closes it */
	return li;
}

int listener_set_tls(struct listener *li, const struct listen_tls *tls, char *err, size_t errlen)
{
	struct pem np;
	struct MHD_Daemon *nd;
	int sock;

	if (tls && tls->cert && *tls->cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "listen_cert: this libmicrohttpd was built without TLS (MHD_FEATURE_TLS)");
		return -1;
	}
	if (pem_load(tls, &np, err, errlen) != 0)
		return -1;
	if (pem_same(&np, &li->pem)) {
		pem_done(&np);
		return 0;
	}
	sock = MHD_quiesce_daemon(li->d);
	nd = sock < 0 ? NULL : daemon_start(li, sock, &np);
	if (!nd) {
		snprintf(err, errlen, "listen: the HTTP%s server would not start with the new files (%s); the "
			 "running one goes on", np.cert ? "S" : "", li->why[0] ? li->why : "no reason given");
		pem_done(&np);
		/* the old daemon no longer accepts: one on the same socket with the old files does */
		nd = sock < 0 ? NULL : daemon_start(li, sock, &li->pem);
		daemon_detach(li);
		if (nd && daemon_attach(li, nd) != 0)
			MHD_stop_daemon(nd); /* it closes the socket */
		else if (!nd && sock >= 0)
			li->sock = sock; /* serving nothing; listener_free closes it */
		return -1;
	}
	daemon_detach(li);
	pem_done(&li->pem);
	li->pem = np;
	if (daemon_attach(li, nd) != 0) {
		MHD_stop_daemon(nd); /* it closes the socket */
		snprintf(err, errlen, "listen: the event loop refused the new HTTP server's descriptor");
		return -1;
	}
	return 1;
}

bool listener_https(const struct listener *li)
{
	return li->pem.cert != NULL;
}

void listener_free(struct listener *li)
{
	if (!li)
		return;
	daemon_detach(li);
	loop_timer_remove(li->loop, li->timer);
	if (li->sock >= 0)
		close(li->sock);
	pages_free(li->pages);
	pem_done(&li->pem);
	free(li);
}
