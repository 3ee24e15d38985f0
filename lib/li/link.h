/*
 * link - one HI2 or HI3 connection to an agency, fed from a spool (the
 * reader side), single-threaded and driven by the caller's loop through
 * li_link_step.
 *
 * Delivery is at-least-once: the link sends the spool's committed records
 * in order; after it has sent everything the spool holds, and at least
 * every ka_interval_s, it sends a keep-alive (made by cfg->make_keepalive)
 * and remembers the spool position before it.  When a keep-alive response
 * arrives, every record sent before the oldest outstanding keep-alive is
 * acknowledged (li_spool_ack: durable, and the spool frees whole
 * segments).  No response within ka_wait_s: the connection is dropped.
 * After any drop it reconnects with backoff (backoff_min_ms, doubling up
 * to backoff_max_ms, back to the minimum once a keep-alive response
 * arrives) and resends from the first unacknowledged record; the receiver
 * drops duplicates.  A record the agency keeps refusing (it closes the
 * connection) is never skipped: the link keeps retrying, backing off.
 *
 * Plain TCP, or TLS 1.3 (OpenSSL) with a client certificate when tls_ca,
 * tls_cert and tls_key are all set: the agency's certificate is verified
 * against tls_ca and must name host (DNS name, with SNI, or IP address).
 * Sockets are non-blocking; connect, handshake, reads and writes never
 * block the loop.  li_link_new ignores SIGPIPE for the process (a peer that
 * goes away must not kill the delivery process).
 *
 * Connection failures are never an error return: they are retried, and
 * reported on stderr (cs_log_warnx) naming only the agency end HOST:PORT,
 * once per change of state or reason.  Nothing about records (LIIDs,
 * content) is ever logged.  Only local failures (the spool, memory, the
 * keep-alive encoder) are returned.
 *
 * Not thread-safe.  The link borrows the spool; free the link first.
 */
#ifndef CS_LI_LINK_H
#define CS_LI_LINK_H

#include <poll.h>
#include <stdint.h>

#include "li/spool.h"
#include "util/buf.h"
#include "util/err.h"

struct li_link_cfg {
	const char *host, *port; /* agency end; copied */
	const char *tls_ca, *tls_cert,
	    *tls_key;      /* all NULL (or ""): plain TCP; else TLS 1.3 */
	int ka_interval_s; /* keep-alive period (300); 0: 300 */
	int ka_wait_s;     /* wait for the response, then reconnect (30) */
	int backoff_min_ms, backoff_max_ms; /* reconnect backoff (100, 10000) */
	enum cs_err (*make_keepalive)(void *ctx, struct cs_buf *out);
	void *ctx;
};

struct li_link_stats {
	uint64_t pdus_sent;  /* records queued to send (resends included) */
	uint64_t bytes_sent; /* records and keep-alives */
	uint64_t ka_sent, ka_resp;
	uint64_t connects;    /* connections established */
	uint64_t attempts;    /* connection attempts */
	uint64_t drops;       /* established connections lost */
	uint64_t ka_timeouts; /* drops for a missing response */
	uint64_t in_other;    /* PDUs from the agency other than responses */
	int backoff_ms;       /* the current backoff */
};

struct li_link;

/*
 * li_link_new - a link for reader (a spool opened with writer = 0); it
 * does not connect yet.  NULL on a bad configuration (no host/port or
 * keep-alive encoder, a partial TLS setting, unreadable certificate or
 * key); eb says which.
 */
struct li_link *li_link_new(const struct li_link_cfg *cfg,
    struct li_spool *reader, struct cs_errbuf *eb);
/*
 * li_link_step - connect (with backoff) if needed, send what the spool
 * holds, read keep-alive responses, acknowledge; waits at most
 * timeout_ms (0: one pass that never waits).  Returns CS_OK unless a local
 * failure (spool read or ack, keep-alive encoder) occurred; such a
 * failure (e.g. a damaged record: eb names the spool, segment and offset)
 * repeats on every call, and the call still takes its timeout_ms.
 */
enum cs_err li_link_step(
    struct li_link *l, int timeout_ms, struct cs_errbuf *eb);
/*
 * li_link_pollfd - for a loop that serves several links (HI2 and HI3) with
 * one poll(2): fills pfd (fd -1 when there is nothing to watch) and
 * returns the most milliseconds to wait; after poll, call
 * li_link_step(l, 0, eb) for each link.
 */
int li_link_pollfd(const struct li_link *l, struct pollfd *pfd);
/* li_link_idle - 1: connected and every committed record acknowledged */
int li_link_idle(const struct li_link *l);
/* li_link_connected - 1 when the connection (TLS included) is up */
int li_link_connected(const struct li_link *l);
/* li_link_stats - counters */
void li_link_stats(const struct li_link *l, struct li_link_stats *st);
/* li_link_endpoint - "HOST:PORT" ("[v6]:PORT") for diagnostics */
const char *li_link_endpoint(const struct li_link *l);
/* li_link_free - close the connection; NULL is a no-op */
void li_link_free(struct li_link *l);

/*
 * What the link reads from an agency (exported for the fuzz harness):
 * li_link_frame - the length of the first PS-PDU in p[0..n) (one
 * SEQUENCE, definite length, at most 64 KiB): >0 its length, 0 need more
 * bytes, -1 malformed.  li_link_is_ka_resp - 1 if p[0..n) is exactly one
 * PS-PDU whose payload [2] is tRIPayload [2] keep-aliveResponse [4] NULL.
 */
long li_link_frame(const uint8_t *p, size_t n);
int li_link_is_ka_resp(const uint8_t *p, size_t n);

#endif
