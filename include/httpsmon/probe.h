/*
 * probe: the probe engine. It owns the libcurl multi handle and turns one
 * endpoint's settings into one `struct probe_result`: phase timings, TLS
 * facts, the certificate chain the server sent, HTTP facts and, when the
 * probe failed, what failed and where. It records facts and never decides
 * UP or DOWN (that is verdict.c's job).
 *
 * Every probe is a fresh DNS lookup, TCP connect and full TLS handshake: no
 * connection reuse, no TLS session resumption, no DNS cache between probes.
 * At most max_inflight probes run at once; the others wait in a queue and
 * their waiting is not counted in any phase, because a probe's clock starts
 * when its transfer is handed to curl.
 *
 * The values it returns (struct probe_result and its parts) are result.h's,
 * so that nothing but the probe engine and the app needs this header.
 *
 * One thread: the prober attaches to the event loop (prober_attach), whose
 * every pass then waits in prober_wait() (curl_multi_poll) and ends with
 * prober_perform(); a caller without a loop calls the two itself. Finished
 * probes are delivered through the done callback from inside
 * prober_perform().
 */
#ifndef HTTPSMON_PROBE_H
#define HTTPSMON_PROBE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/result.h"
#include "httpsmon/revoke.h"

/*
 * Called once per finished probe from inside prober_perform(). ep and r are
 * borrowed for the call; copy what you keep.
 */
typedef void (*probe_done_cb)(void *ud, const struct endpoint *ep, uint64_t tag,
			      const struct probe_result *r);

struct prober;

/*
 * Creates a probe engine running at most max_inflight probes at once.
 * Returns NULL with a message in err if libcurl or OpenSSL cannot be set up.
 */
struct prober *prober_new(int max_inflight, probe_done_cb cb, void *ud, char *err, size_t errlen);

/* Abandons every queued and running probe without calling back. NULL is fine. */
void prober_free(struct prober *p);

/*
 * Queues a probe of cfg->eps[idx]. The prober takes a reference on cfg and
 * drops it when the probe is delivered or abandoned. tag is handed back to
 * the callback unchanged (callers use it to tell endpoints apart).
 */
void prober_submit(struct prober *p, struct config *cfg, size_t idx, uint64_t tag);

/* Abandons the queued or running probes with this tag, without calling back. */
void prober_cancel(struct prober *p, uint64_t tag);

size_t prober_running(const struct prober *p);
size_t prober_queued(const struct prober *p);

/*
 * Makes l wait on this prober's transfers (curl_multi_poll, with the loop's
 * descriptors as an extra one) and drive them after every pass; replaces
 * the loop's previous wait. NULL detaches. prober_free detaches too.
 */
void prober_attach(struct prober *p, struct loop *l);

/*
 * Waits until a transfer needs attention, one of the extra descriptors (any
 * number) is ready (their revents are filled in: POLLIN, POLLOUT, POLLPRI
 * only, as curl reports them), prober_wakeup() is called or timeout_ms
 * passes. Returns 0, or -1 on a libcurl error.
 */
int prober_wait(struct prober *p, struct pollfd *extra, unsigned nextra, int timeout_ms);

/*
 * Transfers that are not probes (alert deliveries: HTTP, SMTP) on the same
 * multi handle: they never count against max_inflight and never delay a
 * probe. easy is a CURL * the caller set up and keeps owning; cb runs once
 * when it finished (from prober_perform; e is out of the multi by then),
 * with curl's CURLcode as rc, or at prober_free with
 * CURLE_ABORTED_BY_CALLBACK. Returns 0, or -1 when curl refused it.
 */
typedef void (*prober_easy_cb)(void *easy, int rc, void *ud);
int prober_easy_add(struct prober *p, void *easy, prober_easy_cb cb, void *ud);
/* Takes easy back before it finished, without a callback. Unknown: no-op. */
void prober_easy_remove(struct prober *p, void *easy);
/* Non-probe transfers running. */
size_t prober_easy_running(const struct prober *p);

/*
 * Revocation (revoke.h): each probe of an endpoint with revocation = yes
 * starts the look-ups its chain needs when its handshake is done and
 * carries, in r->revocation, what the prober's cache knows when it is
 * delivered. cb (NULL: none) is called from prober_perform with the tag of
 * a delivered probe that was pending, once every look-up it waited for
 * has landed.
 */
void prober_on_revocation(struct prober *p, revoke_landed_cb cb, void *ud);
/* r->revocation again from the cache (a result held back while pending); ep is r's endpoint. */
void prober_revocation(const struct prober *p, const struct endpoint *ep, struct probe_result *r);
/* Revocation fetches in flight. */
size_t prober_revocation_fetching(const struct prober *p);

/* Makes a prober_wait() return early; safe from a signal handler. */
void prober_wakeup(struct prober *p);

/* Drives transfers, starts queued probes, delivers finished ones. */
void prober_perform(struct prober *p);

#endif
