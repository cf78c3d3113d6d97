/*
 * listen: the HTTP listener ([defaults] listen = IP:PORT). libmicrohttpd
 * serves it with no thread of its own: its epoll descriptor is one of the
 * loop's descriptors and its timeouts one of the loop's timers, so every
 * request is answered on the loop's thread from the live model, between
 * probes, with no lock and no copy of the state (docs/ARCHITECTURE.md says
 * why). A client that connects and sends nothing costs one descriptor until
 * its timeout; it never blocks the loop.
 *
 * The listener does the HTTP side: GET and HEAD only (405 otherwise, with
 * Allow), the Bearer token (401, compared in constant time), a bounded
 * number of connections, a connection timeout, a bounded response size
 * and time, and the memory of the bodies in flight (pages.h): a shared
 * path's page (listener_share: /metrics) is rendered once and sent to
 * every client that asks within PAGES_TTL_MS, and past the bound a
 * request is answered 503 with Retry-After instead of allocated. What a
 * path serves is the handler's (serve.c).
 *
 * HTTPS ([defaults] listen_cert, listen_key): libmicrohttpd's TLS (GnuTLS
 * in Debian's build), TLS 1.2 and 1.3 only. The files are read and checked
 * here with OpenSSL (a certificate, an unencrypted key, the key of that
 * certificate) before the daemon gets them, so a bad file is an error that
 * names it. listener_set_tls swaps them on a running listener: the new
 * daemon takes over the old one's listening socket (MHD_quiesce_daemon),
 * so the port is never free in between.
 */
#ifndef HTTPSMON_LISTEN_H
#define HTTPSMON_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "httpsmon/loop.h"
#include "httpsmon/pages.h"
#include "httpsmon/util.h"

#define LISTEN_MAX_CONNECTIONS 64         /* at once; more wait in the kernel's backlog */
#define LISTEN_TIMEOUT_S       10         /* a connection with nothing sent or received for this long is closed */
#define LISTEN_SEND_MAX_S      60         /* a response still being read this long after it was queued is cut off */
#define LISTEN_MAX_BODY        (256u << 20) /* a response larger than this is a 500 */

/* One request, as the handler sees it (valid for the call). */
struct listen_req {
	const char *path;        /* "/metrics": percent-decoded by libmicrohttpd, no query */
	void *conn;              /* private: for listen_query */
};

/* A query argument ("target" of /probe?target=NAME), decoded, or NULL. */
const char *listen_query(const struct listen_req *rq, const char *name);

/*
 * Serves one authorised GET or HEAD: writes the body into *body (empty,
 * its own: it is sent as written and freed once every client has it),
 * sets *ctype (static text) and returns the HTTP status (200, 404,
 * 503...). For a shared path it is called once per page, not per request.
 */
typedef int (*listen_handler)(void *ud, const struct listen_req *rq, struct strbuf *body, const char **ctype);

/* The token requests must carry now (it may change on reload), or NULL / "" for none. */
typedef const char *(*listen_token_fn)(void *ud);

/* HTTPS files (both NULL or "": plain HTTP), and where the config set each ("FILE:LINE", or NULL) for errors. */
struct listen_tls {
	const char *cert, *key;
	const char *cert_origin, *key_origin;
};

#define LISTEN_PEM_MAX (1 << 20) /* bytes of a certificate or key file */
#define LISTEN_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct listener;

/*
 * Binds addr (config_listen_parse's syntax) and serves it on loop l, over
 * HTTPS when tls names files (tls may be NULL). Returns NULL with a
 * message in err that names the address and port ("listen
 * 127.0.0.1:9469: port 9469 is already in use") or the file at fault
 * ("listen_key /etc/httpsmon/key.pem (endpoints.ini:9): not the key of
 * listen_cert ...").
 */
struct listener *listener_new(struct loop *l, const char *addr, const struct listen_tls *tls, listen_handler h,
			      listen_token_fn tok, void *ud, char *err, size_t errlen);

/*
 * Serves tls's files from now on (or plain HTTP): reads and checks them;
 * when they differ from the running ones, a new daemon takes over the
 * listening socket and the old one stops (its connections are closed).
 * Returns 1 when it swapped, 0 when nothing changed, or -1 with err
 * naming the file: the running daemon then goes on as it was.
 */
int listener_set_tls(struct listener *li, const struct listen_tls *tls, char *err, size_t errlen);

/* Whether it serves HTTPS. */
bool listener_https(const struct listener *li);

/*
 * Serves path's answer from a shared page (pages.h): the same for every
 * client and every query string, re-rendered when PAGES_TTL_MS old or
 * after listener_changed. At most PAGES_PATHS_MAX paths (more: a
 * programming error, aborts).
 */
void listener_share(struct listener *li, const char *path);

/* What the shared pages show changed (a reload, a pause): the next request renders anew. NULL is fine. */
void listener_changed(struct listener *li);

/* The bodies in flight (pages_alive, pages_unshared_bytes), for tests and benchmarks. */
const struct pages *listener_pages(const struct listener *li);

/* Closes every connection and the socket, takes its descriptor and timer off the loop. NULL is fine. */
void listener_free(struct listener *li);

/* The port bound (the one asked for). */
int listener_port(const struct listener *li);

#endif
