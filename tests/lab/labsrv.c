/*
 * labsrv: the servers of the local TLS lab, every listener in one process.
 *
 *   labsrv [-v] [-p PID] SPECFILE PORTSFILE
 *
 * -v logs one line per connection, and the counts at exit, to stderr.
 * -p PID exits once process PID is gone, so a crashed test leaves no server.
 *
 * SPECFILE has one listener a line, "NAME KIND PORT key=value...", '#' starts
 * a comment. PORT 0 asks for an ephemeral port. Once every listener is bound,
 * PORTSFILE is written atomically (temporary file, then rename) with lines
 * "NAME PORT". In option values "{NAME}" becomes the bound port of listener
 * NAME (so a redirect can name another listener, or itself), then %XX escapes
 * are decoded (so a value holding spaces fits one token). Relative file names
 * are relative to the working directory. KINDs:
 *
 *   tls     HTTPS/1.1 (no ALPN). cert= key= min_tls= max_tls= seclevel=
 *           client_ca= tickets= ciphers= groups= ocsp_staple= (labsrv_posture.c)
 *           plus the response options below.
 *   http    plain HTTP/1.1 with the response options, and file=.
 *   hang    accepts TCP connections and never says anything.
 *   drop    a listener whose accept queue we fill ourselves, so the kernel
 *           drops further SYNs and clients time out in connect.
 *   closed  a port that is bound but never listened on: connections are
 *           refused, and no one else can take the port while we run.
 *
 * Response options: status= body= body_file= body_size= header= (repeatable)
 * hsts= delay_ms= redirect= file=. Every response is built once at startup
 * and carries Content-Length and "Connection: close"; the connection is
 * closed after it (a lingering close, so the client reads the whole response
 * before any reset). Hostile ones, for the probe's error naming:
 * status_line= (the whole first line, as given), header_size=NAME:N (a header
 * NAME whose value is N bytes of 'a'), header_count=N (N extra headers),
 * body_nest=N (N '[' then N ']').
 *
 * record=FILE appends the head of every request the listener reads to FILE
 * (each head ends with an empty line), so a test can tell which requests,
 * and which headers, reached it.
 *
 * One thread, one ppoll() loop, non-blocking sockets and non-blocking OpenSSL
 * calls. Each connection is a small state machine (struct conn) whose step()
 * runs until it would block; the poll timeout is the earliest connection
 * deadline (slow-first-byte delays, idle and linger limits). Nothing a client
 * does can make it exit: any failure closes only that connection.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "labsrv_posture.h"

#define REQ_MAX       16384  /* bytes: request line, headers and body */
#define IDLE_MS       30000  /* handshake or request not done by then: close */
#define LINGER_MS     2000   /* after our response, wait this long for EOF */
#define MAX_CONNS     16384
#define MAX_OPTS      32
#define WRITE_CHUNK   65536

enum kind { K_TLS, K_HTTP, K_HANG, K_DROP, K_CLOSED };

static const char *const kind_names[] = { "tls", "http", "hang", "drop", "closed" };

struct opt {
	char *key;
	char *value;    /* raw from the spec: {NAME} and %XX not yet resolved */
};

struct listener {
	char *name;
	enum kind kind;
	int port;               /* asked for; the bound port once bound */
	char *addr;             /* literal address, default 127.0.0.1 */
	int fd;                 /* listening socket, or -1 */
	int *held;              /* drop: our own connections that fill the queue;
	                           closed: the bound, non-listening socket */
	size_t nheld;
	struct opt opts[MAX_OPTS];
	size_t nopts;

	SSL_CTX *ctx;           /* tls only */
	char *resp;             /* the whole response: head then body */
	size_t resp_len;
	size_t head_len;        /* what a HEAD request gets */
	int delay_ms;           /* before the first response byte */
	char *record;           /* record=: file the request heads are appended to */
	unsigned long nconn;    /* connections accepted */
};

enum cstate {
	C_HANDSHAKE,    /* SSL_accept not done */
	C_READ,         /* reading the request */
	C_DELAY,        /* request read, waiting for deadline (delay_ms) */
	C_WRITE,        /* sending out[out_off..out_len) */
	C_SHUTDOWN,     /* sending close_notify */
	C_LINGER,       /* our side shut, discarding input until EOF */
	C_HANG,         /* hang: discard input forever */
};

struct conn {
	struct listener *l;
	int fd;
	SSL *ssl;
	enum cstate state;
	short events;           /* what poll waits for; 0 = only the deadline */
	int64_t deadline_ms;    /* monotonic; 0 = none */
	int64_t start_ms;
	unsigned long id;
	char *req;              /* REQ_MAX bytes, NUL-terminated */
	size_t req_len;
	size_t need;            /* full request length once headers are in, else 0 */
	const char *out;        /* borrowed: the listener's response */
	size_t out_len;
	size_t out_off;
	char result[160];       /* for the log line; the first cause wins */
	char peer[64];
};

static struct listener *listeners;
static size_t nlisteners;
static struct conn **conns;
static size_t nconns, conns_cap;
static int verbose;
static unsigned long next_id = 1;
static int64_t accept_pause_until;      /* out of descriptors: back off */
static pid_t owner;                     /* -p: exit when it is gone */
static volatile sig_atomic_t stopping;

static const char bad_request[] =
	"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("labsrv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void *xalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* ---- the spec ---------------------------------------------------------- */

static struct listener *find_listener(const char *name, size_t len)
{
	for (size_t i = 0; i < nlisteners; i++)
		if (strlen(listeners[i].name) == len && memcmp(listeners[i].name, name, len) == 0)
			return &listeners[i];
	return NULL;
}

static int kind_parse(const char *s, enum kind *out)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum kind)i;
			return 0;
		}
	return -1;
}

static const char *const known_opts[] = {
	"addr", "cert", "key", "min_tls", "max_tls", "seclevel", "client_ca", "tickets",
	"status", "body", "body_file", "body_size", "header", "hsts", "delay_ms",
	"redirect", "file", "status_line", "header_size", "header_count", "body_nest", "record",
	"ciphers", "groups", "ocsp_staple",
};

static void spec_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	unsigned lineno = 0;
	size_t cap = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *tok[3 + MAX_OPTS], *save = NULL, *t;
		size_t ntok = 0;
		struct listener *l;

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			die("%s:%u: line too long", path, lineno);
		for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
			if (*t == '#')
				break;
			if (ntok == sizeof(tok) / sizeof(tok[0]))
				die("%s:%u: too many options", path, lineno);
			tok[ntok++] = t;
		}
		if (ntok == 0)
			continue;
		if (ntok < 3)
			die("%s:%u: want NAME KIND PORT [key=value...]", path, lineno);
		if (find_listener(tok[0], strlen(tok[0])))
			die("%s:%u: duplicate listener %s", path, lineno, tok[0]);
		if (nlisteners == cap) {
			cap = cap ? cap * 2 : 32;
			listeners = realloc(listeners, cap * sizeof(*listeners));
			if (!listeners)
				die("out of memory");
		}
		l = &listeners[nlisteners];
		memset(l, 0, sizeof(*l));
		l->fd = -1;
		l->name = xstrdup(tok[0]);
		if (kind_parse(tok[1], &l->kind) < 0)
			die("%s:%u: unknown kind %s", path, lineno, tok[1]);
		{
			char *end;
			long p = strtol(tok[2], &end, 10);

			if (*end || p < 0 || p > 65535)
				die("%s:%u: bad port %s", path, lineno, tok[2]);
			l->port = (int)p;
		}
		for (size_t i = 3; i < ntok; i++) {
			char *eq = strchr(tok[i], '=');
			size_t k;

			if (!eq)
				die("%s:%u: option %s has no '='", path, lineno, tok[i]);
			*eq = '\0';
			for (k = 0; k < sizeof(known_opts) / sizeof(known_opts[0]); k++)
				if (strcmp(tok[i], known_opts[k]) == 0)
					break;
			if (k == sizeof(known_opts) / sizeof(known_opts[0]))
				die("%s:%u: unknown option %s", path, lineno, tok[i]);
			if (strcmp(tok[i], "addr") == 0) {
				l->addr = xstrdup(eq + 1);
				continue;
			}
			l->opts[l->nopts].key = xstrdup(tok[i]);
			l->opts[l->nopts].value = xstrdup(eq + 1);
			l->nopts++;
		}
		nlisteners++;
	}
	fclose(f);
	if (nlisteners == 0)
		die("%s: no listeners", path);
}

/* "{NAME}" -> port of NAME, then %XX -> byte. Caller frees; *len_out gets
 * the length, since %00 is allowed. */
static char *opt_resolve(const struct listener *l, const char *raw, size_t *len_out)
{
	size_t cap = strlen(raw) + 1, len = 0;
	char *sub = xalloc(cap), *out;
	const char *p = raw;

	while (*p) {
		const char *close;
		struct listener *ref;
		char num[16];
		int n;

		if (*p != '{' || !(close = strchr(p, '}'))) {
			sub[len++] = *p++;
			continue;
		}
		ref = find_listener(p + 1, (size_t)(close - p - 1));
		if (!ref)
			die("%s: unknown listener in %s", l->name, raw);
		n = snprintf(num, sizeof(num), "%d", ref->port);
		cap += (size_t)n;
		sub = realloc(sub, cap);
		if (!sub)
			die("out of memory");
		memcpy(sub + len, num, (size_t)n);
		len += (size_t)n;
		p = close + 1;
	}
	sub[len] = '\0';

	out = xalloc(len + 1);
	*len_out = 0;
	for (size_t i = 0; i < len; i++) {
		if (sub[i] == '%' && isxdigit((unsigned char)sub[i + 1]) &&
		    isxdigit((unsigned char)sub[i + 2])) {
			char hex[3] = { sub[i + 1], sub[i + 2], '\0' };

			out[(*len_out)++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[(*len_out)++] = sub[i];
		}
	}
	out[*len_out] = '\0';
	free(sub);
	return out;
}

static char *opt_get(const struct listener *l, const char *key)
{
	size_t len;

	for (size_t i = 0; i < l->nopts; i++)
		if (strcmp(l->opts[i].key, key) == 0)
			return opt_resolve(l, l->opts[i].value, &len);
	return NULL;
}

static long opt_long(const struct listener *l, const char *key, long def, long min, long max)
{
	char *v = opt_get(l, key), *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end || n < min || n > max)
		die("%s: bad %s=%s", l->name, key, v);
	free(v);
	return n;
}

static char *file_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f || fstat(fileno(f), &st) < 0)
		die("%s: %s", path, strerror(errno));
	buf = xalloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (*len != (size_t)st.st_size)
		die("%s: short read", path);
	fclose(f);
	return buf;
}

/* ---- listeners --------------------------------------------------------- */

static int sockaddr_make(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static int sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void hold(struct listener *l, int fd)
{
	l->held = realloc(l->held, (l->nheld + 1) * sizeof(*l->held));
	if (!l->held)
		die("out of memory");
	l->held[l->nheld++] = fd;
}

/*
 * Linux answers a SYN only while the listener's accept queue has room; once
 * it is full the SYN is dropped silently and the client retransmits until
 * its connect timeout. With listen(fd, 0) the queue holds one connection, so
 * we connect to ourselves until a connect no longer completes, and never
 * accept. (tcp_abort_on_overflow=1 would turn this into resets.)
 */
static void drop_fill(struct listener *l, const struct sockaddr_storage *ss, socklen_t sslen)
{
	for (int i = 0; i < 8; i++) {
		int s = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct pollfd pfd;
		int err = 0;
		socklen_t errlen = sizeof(err);

		if (s < 0)
			die("%s: socket: %s", l->name, strerror(errno));
		hold(l, s);
		if (connect(s, (const struct sockaddr *)ss, sslen) == 0)
			continue;
		if (errno != EINPROGRESS)
			die("%s: connect to self: %s", l->name, strerror(errno));
		pfd.fd = s;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 100) == 0)
			return; /* this SYN was dropped: the queue is full */
		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &errlen);
		if (err)
			die("%s: connect to self: %s", l->name, strerror(err));
	}
	die("%s: accept queue never filled", l->name);
}

static void listener_bind(struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *addr = l->addr ? l->addr : "127.0.0.1";
	int one = 1, fd;

	if (sockaddr_make(addr, l->port, &ss, &sslen) < 0)
		die("%s: bad addr %s", l->name, addr);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("%s: socket: %s", l->name, strerror(errno));
	if (l->kind != K_CLOSED)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0)
		die("%s: bind %s port %d: %s", l->name, addr, l->port, strerror(errno));
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0)
		die("%s: getsockname: %s", l->name, strerror(errno));
	l->port = sockaddr_port(&ss);

	switch (l->kind) {
	case K_CLOSED:
		hold(l, fd);
		return;
	case K_DROP:
		if (listen(fd, 0) < 0)
			die("%s: listen: %s", l->name, strerror(errno));
		hold(l, fd);
		drop_fill(l, &ss, sslen);
		return;
	default:
		if (listen(fd, 511) < 0)
			die("%s: listen: %s", l->name, strerror(errno));
		l->fd = fd;
	}
}

static int tls_version(const struct listener *l, const char *key)
{
	char *v = opt_get(l, key);
	int ver = 0;

	if (!v)
		return 0;
	if (strcmp(v, "1.0") == 0)
		ver = TLS1_VERSION;
	else if (strcmp(v, "1.1") == 0)
		ver = TLS1_1_VERSION;
	else if (strcmp(v, "1.2") == 0)
		ver = TLS1_2_VERSION;
	else if (strcmp(v, "1.3") == 0)
		ver = TLS1_3_VERSION;
	else
		die("%s: bad %s=%s", l->name, key, v);
	free(v);
	return ver;
}

/* ciphers=, groups=, ocsp_staple=: what a posture scan asks about. */
static void posture_opts(struct listener *l, long seclevel)
{
	char *ciphers = opt_get(l, "ciphers"), *groups = opt_get(l, "groups");
	char *staple = opt_get(l, "ocsp_staple");
	const char *err = posture_opts_apply(l->ctx, ciphers, seclevel, groups, staple);

	if (err)
		die("%s: %s", l->name, err);
	free(ciphers);
	free(groups);
	free(staple);
}

static void listener_tls(struct listener *l)
{
	char *cert = opt_get(l, "cert"), *key = opt_get(l, "key");
	char *ca = opt_get(l, "client_ca"), ciphers[64];
	long seclevel = opt_long(l, "seclevel", -1, 0, 5);
	long tickets = opt_long(l, "tickets", -1, 0, 16);
	int minv = tls_version(l, "min_tls"), maxv = tls_version(l, "max_tls");

	if (!cert)
		die("%s: tls needs cert=", l->name);
	l->ctx = SSL_CTX_new(TLS_server_method());
	if (!l->ctx)
		die("%s: SSL_CTX_new", l->name);
	/* The level must be in place before the certificate is loaded: loading
	 * checks the key size and signature against it. */
	if (seclevel >= 0) {
		snprintf(ciphers, sizeof(ciphers), "DEFAULT:@SECLEVEL=%ld", seclevel);
		SSL_CTX_set_security_level(l->ctx, (int)seclevel);
		if (!SSL_CTX_set_cipher_list(l->ctx, ciphers))
			die("%s: cipher list %s", l->name, ciphers);
	}
	if ((minv && !SSL_CTX_set_min_proto_version(l->ctx, minv)) ||
	    (maxv && !SSL_CTX_set_max_proto_version(l->ctx, maxv)))
		die("%s: bad TLS version range", l->name);
	posture_opts(l, seclevel);
	if (SSL_CTX_use_certificate_chain_file(l->ctx, cert) != 1)
		die("%s: cannot load cert %s", l->name, cert);
	if (SSL_CTX_use_PrivateKey_file(l->ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(l->ctx) != 1)
		die("%s: cannot load key %s", l->name, key ? key : cert);
	SSL_CTX_set_mode(l->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                         SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Resumption with client certificates needs a session id context. */
	SSL_CTX_set_session_id_context(l->ctx, (const unsigned char *)l->name,
	                               (unsigned)(strlen(l->name) > 32 ? 32 : strlen(l->name)));
	if (tickets >= 0)
		SSL_CTX_set_num_tickets(l->ctx, (size_t)tickets);
	if (ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);

		if (!names || SSL_CTX_load_verify_locations(l->ctx, ca, NULL) != 1)
			die("%s: cannot load client_ca %s", l->name, ca);
		SSL_CTX_set_client_CA_list(l->ctx, names);
		SSL_CTX_set_verify(l->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	free(cert);
	free(key);
	free(ca);
}

static const char *status_text(long status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:  return "Status";
	}
}

static void buf_add(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 1024;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			die("out of memory");
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static void buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("header too long");
	buf_add(buf, len, cap, tmp, (size_t)n);
}

/* header_size=NAME:N: a header NAME with N bytes of 'a' as its value. */
static void header_sized(const struct listener *l, const char *spec, char **buf, size_t *len,
			 size_t *cap)
{
	const char *colon = strchr(spec, ':');
	char *end, *value;
	long n = colon ? strtol(colon + 1, &end, 10) : -1;

	if (!colon || colon == spec || *end || n < 0 || n > (1L << 30))
		die("%s: bad header_size=%s", l->name, spec);
	value = xalloc((size_t)n + 1);
	memset(value, 'a', (size_t)n);
	buf_add(buf, len, cap, spec, (size_t)(colon - spec));
	buf_add(buf, len, cap, ": ", 2);
	buf_add(buf, len, cap, value, (size_t)n);
	buf_add(buf, len, cap, "\r\n", 2);
	free(value);
}

/* The whole response, built once: every connection borrows it. */
static void listener_response(struct listener *l)
{
	char *redirect = opt_get(l, "redirect"), *hsts = opt_get(l, "hsts");
	char *file = opt_get(l, "file"), *body_file = opt_get(l, "body_file");
	long status = opt_long(l, "status", redirect ? 301 : 200, 100, 999);
	long body_size = opt_long(l, "body_size", -1, 0, 1L << 30);
	long header_count = opt_long(l, "header_count", 0, 0, 10000000);
	long body_nest = opt_long(l, "body_nest", 0, 0, 1L << 24);
	char *status_line = opt_get(l, "status_line"), *header_size = opt_get(l, "header_size");
	const char *ctype = "text/plain";
	char *body = NULL, *buf = NULL;
	size_t body_len = 0, len = 0, cap = 0;
	int have_ctype = 0;

	l->delay_ms = (int)opt_long(l, "delay_ms", 0, 0, 3600 * 1000);
	if (file) {
		body = file_slurp(file, &body_len);
		ctype = "application/pkix-cert";
	} else if (body_file) {
		body = file_slurp(body_file, &body_len);
	} else if (body_size >= 0) {
		body_len = (size_t)body_size;
		body = xalloc(body_len + 1);
		memset(body, 'x', body_len);
	} else {
		for (size_t i = 0; i < l->nopts; i++)
			if (strcmp(l->opts[i].key, "body") == 0)
				body = opt_resolve(l, l->opts[i].value, &body_len);
	}
	if (body_nest > 0) {
		body_len = 2 * (size_t)body_nest;
		free(body);
		body = xalloc(body_len + 1);
		memset(body, '[', (size_t)body_nest);
		memset(body + body_nest, ']', (size_t)body_nest);
	}
	if (!file && body_len > 0 && (body[0] == '{' || body[0] == '['))
		ctype = "application/json";

	if (status_line) {
		buf_add(&buf, &len, &cap, status_line, strlen(status_line));
		buf_add(&buf, &len, &cap, "\r\n", 2);
	} else {
		buf_printf(&buf, &len, &cap, "HTTP/1.1 %ld %s\r\n", status, status_text(status));
	}
	for (long i = 0; i < header_count; i++)
		buf_printf(&buf, &len, &cap, "X-Filler-%ld: %ld\r\n", i, i);
	if (header_size)
		header_sized(l, header_size, &buf, &len, &cap);
	for (size_t i = 0; i < l->nopts; i++) {
		char *h;
		size_t hlen;

		if (strcmp(l->opts[i].key, "header") != 0)
			continue;
		h = opt_resolve(l, l->opts[i].value, &hlen);
		if (!strchr(h, ':') || strpbrk(h, "\r\n"))
			die("%s: bad header=%s", l->name, l->opts[i].value);
		if (strncasecmp(h, "content-type:", 13) == 0)
			have_ctype = 1;
		buf_add(&buf, &len, &cap, h, hlen);
		buf_add(&buf, &len, &cap, "\r\n", 2);
		free(h);
	}
	if (!have_ctype)
		buf_printf(&buf, &len, &cap, "Content-Type: %s\r\n", ctype);
	if (redirect)
		buf_printf(&buf, &len, &cap, "Location: %s\r\n", redirect);
	if (hsts)
		buf_printf(&buf, &len, &cap, "Strict-Transport-Security: %s\r\n", hsts);
	buf_printf(&buf, &len, &cap, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body_len);
	l->head_len = len;
	if (body_len)
		buf_add(&buf, &len, &cap, body, body_len);
	l->resp = buf;
	l->resp_len = len;
	free(body);
	free(redirect);
	free(hsts);
	free(file);
	free(body_file);
	free(status_line);
	free(header_size);
	l->record = opt_get(l, "record");
}

static void ports_write(const char *path)
{
	size_t n = strlen(path) + 16;
	char *tmp = xalloc(n);
	FILE *f;

	snprintf(tmp, n, "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < nlisteners; i++)
		fprintf(f, "%s %d\n", listeners[i].name, listeners[i].port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
	free(tmp);
}

/* ---- connections ------------------------------------------------------- */

static void conn_result(struct conn *c, const char *what)
{
	if (!c->result[0])
		snprintf(c->result, sizeof(c->result), "%s", what);
}

static void conn_close(struct conn *c)
{
	if (verbose)
		fprintf(stderr, "labsrv: %s #%lu %s %s %lld ms\n", c->l->name, c->id, c->peer,
		        c->result[0] ? c->result : "closed", (long long)(now_ms() - c->start_ms));
	SSL_free(c->ssl);
	close(c->fd);
	free(c->req);
	for (size_t i = 0; i < nconns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
	free(c);
}

/* Our side is done: half-close and drain until the client closes, so our
 * unread input (say, a TLS alert) cannot turn into a reset that destroys the
 * response before the client has read it. */
static void conn_linger(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->state = C_LINGER;
	c->events = POLLIN;
	c->deadline_ms = now_ms() + LINGER_MS;
}

static void tls_fail(struct conn *c, const char *what)
{
	unsigned long e = ERR_peek_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;
	char buf[sizeof(c->result)];

	snprintf(buf, sizeof(buf), "%s: %s", what, why ? why : "connection closed");
	conn_result(c, buf);
	ERR_clear_error();
}

/*
 * Result of one non-blocking SSL call: 1 go on, 0 wait (events set),
 * -1 failed (the caller closes).
 */
static int tls_want(struct conn *c, int r, const char *what)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		c->events = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->events = POLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		conn_result(c, "client closed");
		return -1;
	default:
		tls_fail(c, what);
		return -1;
	}
}

/* A complete request? Sets need once the header block is in. -1 = bad. */
static int request_parse(struct conn *c)
{
	char *end, *p;
	size_t hdr;
	unsigned long cl = 0;

	if (c->need)
		return 0;
	end = strstr(c->req, "\r\n\r\n");
	if (!end)
		return c->req_len >= REQ_MAX ? -1 : 0;
	hdr = (size_t)(end - c->req) + 4;
	for (p = strstr(c->req, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, "content-length:", 15) == 0) {
			char *num = p + 17, *e;

			while (*num == ' ' || *num == '\t')
				num++;
			errno = 0;
			cl = strtoul(num, &e, 10);
			if (errno || e == num || cl > REQ_MAX)
				return -1;
		}
	}
	if (hdr + cl > REQ_MAX)
		return -1;
	c->need = hdr + cl;
	return 0;
}

/* record=: the request head, appended whole, so a test sees what reached us. */
static void request_record(const struct conn *c)
{
	const char *end = strstr(c->req, "\r\n\r\n");
	FILE *f = fopen(c->l->record, "a");

	if (!f)
		die("%s: %s", c->l->record, strerror(errno));
	fwrite(c->req, 1, end ? (size_t)(end - c->req) + 4 : c->req_len, f);
	if (fclose(f) != 0)
		die("%s: %s", c->l->record, strerror(errno));
}

static void conn_respond(struct conn *c)
{
	c->out = c->l->resp;
	c->out_len = strncmp(c->req, "HEAD ", 5) == 0 ? c->l->head_len : c->l->resp_len;
	c->out_off = 0;
	c->state = C_WRITE;
	c->events = POLLOUT;
	c->deadline_ms = now_ms() + IDLE_MS;
}

/* Runs c until it would block. Returns -1 when c was closed (freed). */
static int conn_step(struct conn *c, int64_t now)
{
	char drain[4096];
	ssize_t n;
	int r;

	if (c->deadline_ms && now >= c->deadline_ms) {
		switch (c->state) {
		case C_DELAY:
			conn_respond(c);
			break;
		case C_LINGER:
			conn_close(c);
			return -1;
		default:
			conn_result(c, "idle timeout");
			conn_close(c);
			return -1;
		}
	}

	for (;;) {
		switch (c->state) {
		case C_HANDSHAKE:
			ERR_clear_error();
			r = SSL_accept(c->ssl);
			if (r != 1) {
				r = tls_want(c, r, "handshake failed");
				if (r < 0) {
					conn_linger(c);
					continue;
				}
				return 0;
			}
			c->state = C_READ;
			break;

		case C_READ:
			if (c->ssl) {
				ERR_clear_error();
				r = SSL_read(c->ssl, c->req + c->req_len, (int)(REQ_MAX - c->req_len));
				if (r <= 0) {
					r = tls_want(c, r, "read failed");
					if (r < 0) {
						conn_close(c);
						return -1;
					}
					return 0;
				}
				n = r;
			} else {
				n = recv(c->fd, c->req + c->req_len, REQ_MAX - c->req_len, 0);
				if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
					c->events = POLLIN;
					return 0;
				}
				if (n <= 0) {
					conn_result(c, n == 0 ? "client closed" : "read failed");
					conn_close(c);
					return -1;
				}
			}
			c->req_len += (size_t)n;
			c->req[c->req_len] = '\0';
			if (request_parse(c) < 0) {
				conn_result(c, "bad request");
				c->out = bad_request;
				c->out_len = sizeof(bad_request) - 1;
				c->out_off = 0;
				c->state = C_WRITE;
				break;
			}
			if (!c->need || c->req_len < c->need)
				break;
			if (c->l->record)
				request_record(c);
			if (c->l->delay_ms) {
				c->state = C_DELAY;
				c->events = 0;
				c->deadline_ms = now_ms() + c->l->delay_ms;
				return 0;
			}
			conn_respond(c);
			break;

		case C_DELAY:
			return 0;

		case C_WRITE:
			while (c->out_off < c->out_len) {
				size_t chunk = c->out_len - c->out_off;

				if (chunk > WRITE_CHUNK)
					chunk = WRITE_CHUNK;
				if (c->ssl) {
					ERR_clear_error();
					r = SSL_write(c->ssl, c->out + c->out_off, (int)chunk);
					if (r <= 0) {
						r = tls_want(c, r, "write failed");
						if (r < 0) {
							conn_close(c);
							return -1;
						}
						return 0;
					}
					n = r;
				} else {
					n = send(c->fd, c->out + c->out_off, chunk, MSG_NOSIGNAL);
					if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
						c->events = POLLOUT;
						return 0;
					}
					if (n < 0) {
						conn_result(c, "write failed");
						conn_close(c);
						return -1;
					}
				}
				c->out_off += (size_t)n;
			}
			conn_result(c, "responded");
			if (!c->ssl) {
				conn_linger(c);
				break;
			}
			c->state = C_SHUTDOWN;
			break;

		case C_SHUTDOWN:
			ERR_clear_error();
			r = SSL_shutdown(c->ssl);
			if (r < 0 && tls_want(c, r, "shutdown failed") == 0)
				return 0;
			conn_linger(c);
			break;

		case C_LINGER:
		case C_HANG:
			n = recv(c->fd, drain, sizeof(drain), 0);
			if (n > 0)
				break;
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				c->events = POLLIN;
				return 0;
			}
			if (c->state == C_HANG)
				conn_result(c, "client closed");
			conn_close(c);
			return -1;
		}
	}
}

static void listener_accept(struct listener *l, int64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);
		struct conn *c;
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		char host[INET6_ADDRSTRLEN] = "?";

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				accept_pause_until = now + 100;
			return;
		}
		if (nconns >= MAX_CONNS) {
			close(fd);
			continue;
		}
		l->nconn++;
		c = xalloc(sizeof(*c));
		c->l = l;
		c->fd = fd;
		c->id = next_id++;
		c->start_ms = now;
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "%s:%d", host, sockaddr_port(&ss));
		if (l->kind == K_HANG) {
			c->state = C_HANG;
			c->events = POLLIN;
		} else {
			c->req = xalloc(REQ_MAX + 1);
			c->state = C_READ;
			c->events = POLLIN;
			c->deadline_ms = now + IDLE_MS;
			if (l->kind == K_TLS) {
				c->ssl = SSL_new(l->ctx);
				if (!c->ssl || !SSL_set_fd(c->ssl, fd))
					die("SSL_new failed");
				c->state = C_HANDSHAKE;
			}
		}
		if (nconns == conns_cap) {
			conns_cap = conns_cap ? conns_cap * 2 : 64;
			conns = realloc(conns, conns_cap * sizeof(*conns));
			if (!conns)
				die("out of memory");
		}
		conns[nconns++] = c;
		conn_step(c, now);
	}
}

static void loop(void)
{
	struct pollfd *pfds = NULL;
	struct conn **snap = NULL;
	size_t cap = 0;
	sigset_t empty;

	sigemptyset(&empty);
	while (!stopping) {
		size_t n = 0, nl = 0;
		int64_t now = now_ms(), next = -1;
		struct timespec ts, *tsp = NULL;

		if (nlisteners + nconns > cap) {
			cap = (nlisteners + nconns) * 2;
			pfds = realloc(pfds, cap * sizeof(*pfds));
			snap = realloc(snap, cap * sizeof(*snap));
			if (!pfds || !snap)
				die("out of memory");
		}
		for (size_t i = 0; i < nlisteners; i++) {
			if (listeners[i].fd < 0)
				continue;
			pfds[n].fd = now < accept_pause_until ? -1 : listeners[i].fd;
			pfds[n].events = POLLIN;
			snap[n++] = NULL;
		}
		nl = n;
		if (accept_pause_until > now)
			next = accept_pause_until;
		for (size_t i = 0; i < nconns; i++) {
			struct conn *c = conns[i];

			pfds[n].fd = c->events ? c->fd : -1;
			pfds[n].events = c->events;
			snap[n++] = c;
			if (c->deadline_ms && (next < 0 || c->deadline_ms < next))
				next = c->deadline_ms;
		}
		if (owner && (next < 0 || next > now + 1000))
			next = now + 1000;
		if (next >= 0) {
			int64_t wait = next > now ? next - now : 0;

			ts.tv_sec = wait / 1000;
			ts.tv_nsec = (wait % 1000) * 1000000;
			tsp = &ts;
		}
		if (ppoll(pfds, n, tsp, &empty) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (owner && kill(owner, 0) < 0 && errno == ESRCH)
			break;
		now = now_ms();
		for (size_t i = 0, li = 0; i < nl; li++) {
			if (listeners[li].fd < 0)
				continue;
			if (pfds[i].revents & POLLIN)
				listener_accept(&listeners[li], now);
			i++;
		}
		for (size_t i = nl; i < n; i++) {
			struct conn *c = snap[i];

			if (pfds[i].revents || (c->deadline_ms && now >= c->deadline_ms))
				conn_step(c, now);
		}
	}
	free(pfds);
	free(snap);
}

static void cleanup(void)
{
	while (nconns)
		conn_close(conns[nconns - 1]);
	free(conns);
	for (size_t i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];

		if (verbose)
			fprintf(stderr, "labsrv: %s %lu connections\n", l->name, l->nconn);
		if (l->fd >= 0)
			close(l->fd);
		for (size_t j = 0; j < l->nheld; j++)
			close(l->held[j]);
		free(l->held);
		SSL_CTX_free(l->ctx);
		free(l->resp);
		free(l->record);
		for (size_t j = 0; j < l->nopts; j++) {
			free(l->opts[j].key);
			free(l->opts[j].value);
		}
		free(l->name);
		free(l->addr);
	}
	free(listeners);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rlimit rl;
	sigset_t block;
	int opt;

	while ((opt = getopt(argc, argv, "vp:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'p':
			owner = (pid_t)atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;

	/* Benchmarks open many connections; take every descriptor we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	/* SIGTERM and SIGINT stay blocked except inside ppoll(), so a stop
	 * request cannot slip in between the flag test and the wait. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);

	spec_read(argv[optind]);
	for (size_t i = 0; i < nlisteners; i++)
		listener_bind(&listeners[i]);
	/* Options may name any listener's port, so only now are they resolved. */
	for (size_t i = 0; i < nlisteners; i++) {
		if (listeners[i].kind == K_TLS)
			listener_tls(&listeners[i]);
		if (listeners[i].kind == K_TLS || listeners[i].kind == K_HTTP)
			listener_response(&listeners[i]);
	}
	ports_write(argv[optind + 1]);

	loop();
	cleanup();
	return 0;

usage:
	fprintf(stderr, "usage: labsrv [-v] [-p PID] SPECFILE PORTSFILE\n");
	return 2;
}
