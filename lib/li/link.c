/*
 * link - one HI connection to an agency fed from a spool.  See link.h for
 * the delivery semantics.
 *
 * States: DOWN (waiting for the next attempt) -> CONNECTING (non-blocking
 * connect in progress) -> TLS (handshake in progress) -> UP.  Any failure
 * goes back to DOWN with the backoff doubled; the first keep-alive
 * response on a connection resets it (an agency that accepts and drops at
 * once, e.g. over a record it rejects, keeps the backoff growing).
 * Repeated failures are logged at the 1st, 2nd, 3rd, 4th, 8th, 16th...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "li/link.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define OUT_AHEAD (256u * 1024) /* records queued ahead of the socket */
#define OUT_COMPACT (1u << 20)
#define IN_MAX (64u * 1024) /* the largest PDU taken from an agency */
#define KA_MAX 64           /* keep-alives outstanding at once */
#define SPOOL_POLL_MS 20    /* how often a drained spool is looked at */

enum lstate { ST_DOWN, ST_CONNECTING, ST_TLS, ST_UP };

struct ka {
	struct li_spool_pos pos; /* the spool position before it */
	int64_t sent_ms;
	uint64_t nread; /* records read from the spool before it */
};

struct li_link {
	char *host, *port; /* owned */
	char endpoint[300];
	int ka_interval_ms, ka_wait_ms, bmin, bmax, backoff;
	enum cs_err (*make_keepalive)(void *ctx, struct cs_buf *out);
	void *ctx;
	struct li_spool *sp; /* borrowed */
	SSL_CTX *tls;        /* owned; NULL: plain TCP */

	enum lstate st;
	int fd;
	SSL *ssl;
	struct addrinfo *ai, *ai_cur; /* owned while connecting */
	int64_t next_try, conn_start;
	int hs_want; /* TLS: POLLIN or POLLOUT */

	struct cs_buf out; /* records and keep-alives not yet written */
	size_t out_off;
	int wr_want; /* TLS: what the last write needs (0: none) */
	struct ka kas[KA_MAX];
	unsigned ka_head, ka_n;
	int64_t last_ka;
	int unsent;             /* records queued since the last keep-alive */
	uint64_t nread, nacked; /* records read from the spool (since the
				   last rewind) and acknowledged of them */
	int drained;
	uint8_t in[IN_MAX];
	size_t inlen;

	char lastmsg[256];
	unsigned fails; /* failures since the last keep-alive response */
	struct li_link_stats s;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a connection event, logged once per change (endpoint only) */
static void CS_PRINTF(2, 3) note(struct li_link *l, const char *fmt, ...)
{
	char m[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (strcmp(m, l->lastmsg) == 0)
		return;
	snprintf(l->lastmsg, sizeof(l->lastmsg), "%s", m);
	if (l->fails <= 3)
		cs_log_warnx("%s", m);
	else if ((l->fails & (l->fails - 1)) == 0)
		cs_log_warnx("%s (%u failures in a row)", m, l->fails);
}

static const char *
ssl_errstr(char *buf, size_t n)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		return errno ? strerror(errno) : "connection closed";
	ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

static int
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static SSL_CTX *
tls_ctx(const struct li_link_cfg *cfg, struct cs_errbuf *eb)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	char e[256];

	if (c == NULL) {
		cs_errbuf_set(eb, "link: TLS: %s", ssl_errstr(e, sizeof(e)));
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1) {
		cs_errbuf_set(
		    eb, "link: TLS 1.3: %s", ssl_errstr(e, sizeof(e)));
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(c, cfg->tls_ca, NULL) != 1) {
		cs_errbuf_set(eb, "link: cannot load the CA file %s: %s",
		    cfg->tls_ca, ssl_errstr(e, sizeof(e)));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(c, cfg->tls_cert) != 1) {
		cs_errbuf_set(eb, "link: cannot load the certificate %s: %s",
		    cfg->tls_cert, ssl_errstr(e, sizeof(e)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c, cfg->tls_key, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_check_private_key(c) != 1) {
		cs_errbuf_set(eb,
		    "link: cannot load the key %s (or it does not match the "
		    "certificate): %s",
		    cfg->tls_key, ssl_errstr(e, sizeof(e)));
		goto fail;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(c,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return c;
fail:
	SSL_CTX_free(c);
	return NULL;
}

struct li_link *
li_link_new(const struct li_link_cfg *cfg, struct li_spool *reader,
    struct cs_errbuf *eb)
{
	struct li_link *l;
	int ntls;

	if (cfg == NULL || !nonempty(cfg->host) || !nonempty(cfg->port) ||
	    cfg->make_keepalive == NULL || reader == NULL) {
		cs_errbuf_set(eb,
		    "link: host, port, keep-alive encoder and "
		    "spool are required");
		return NULL;
	}
	ntls = nonempty(cfg->tls_ca) + nonempty(cfg->tls_cert) +
	    nonempty(cfg->tls_key);
	if (ntls != 0 && ntls != 3) {
		cs_errbuf_set(eb,
		    "link: TLS needs all of the CA file, the "
		    "certificate and the key");
		return NULL;
	}
	l = cs_xcalloc(1, sizeof(*l));
	if (ntls == 3 && (l->tls = tls_ctx(cfg, eb)) == NULL) {
		free(l);
		return NULL;
	}
	l->host = cs_xstrdup(cfg->host);
	if (l->host[0] == '[' && l->host[strlen(l->host) - 1] == ']') {
		memmove(l->host, l->host + 1, strlen(l->host));
		l->host[strlen(l->host) - 1] = '\0';
	}
	l->port = cs_xstrdup(cfg->port);
	snprintf(l->endpoint, sizeof(l->endpoint),
	    strchr(l->host, ':') ? "[%.200s]:%.32s" : "%.200s:%.32s", l->host,
	    l->port);
	l->ka_interval_ms =
	    (cfg->ka_interval_s > 0 ? cfg->ka_interval_s : 300) * 1000;
	l->ka_wait_ms = (cfg->ka_wait_s > 0 ? cfg->ka_wait_s : 30) * 1000;
	l->bmin = cfg->backoff_min_ms > 0 ? cfg->backoff_min_ms : 100;
	l->bmax = cfg->backoff_max_ms >= l->bmin ? cfg->backoff_max_ms
						 : l->bmin * 100;
	l->backoff = l->bmin;
	l->make_keepalive = cfg->make_keepalive;
	l->ctx = cfg->ctx;
	l->sp = reader;
	l->st = ST_DOWN;
	l->fd = -1;
	cs_buf_init(
	    &l->out, NULL, 0, OUT_AHEAD + OUT_COMPACT + 2 * LI_SPOOL_MAX_PDU);
	signal(SIGPIPE, SIG_IGN);
	return l;
}

static void
conn_close(struct li_link *l)
{
	if (l->ssl) {
		if (l->st == ST_UP) /* close_notify, best effort: never waits */
			(void)SSL_shutdown(l->ssl);
		ERR_clear_error();
		SSL_free(l->ssl);
		l->ssl = NULL;
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* back to DOWN: the next attempt after the backoff, which doubles */
static void
retry_later(struct li_link *l)
{
	conn_close(l);
	if (l->ai) {
		freeaddrinfo(l->ai);
		l->ai = l->ai_cur = NULL;
	}
	l->st = ST_DOWN;
	l->next_try = now_ms() + l->backoff;
	l->s.backoff_ms = l->backoff;
	l->fails++;
	l->backoff = l->backoff > l->bmax / 2 ? l->bmax : l->backoff * 2;
}

/* an established connection is lost: everything unacknowledged is
 * sent again on the next one */
static void CS_PRINTF(2, 3) drop(struct li_link *l, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (l->st == ST_UP)
		l->s.drops++;
	note(l, "agency %s: %s; reconnecting", l->endpoint, m);
	cs_buf_reset(&l->out);
	l->out_off = 0;
	l->wr_want = 0;
	l->ka_head = l->ka_n = 0;
	l->inlen = 0;
	l->drained = 0;
	l->unsent = 0;
	l->nread = l->nacked = 0;
	li_spool_rewind(l->sp);
	retry_later(l);
}

static void
on_up(struct li_link *l)
{
	l->st = ST_UP;
	l->s.connects++;
	l->s.backoff_ms = 0;
	if (l->ai) {
		freeaddrinfo(l->ai);
		l->ai = l->ai_cur = NULL;
	}
	cs_buf_reset(&l->out);
	l->out_off = 0;
	l->wr_want = 0;
	l->ka_head = l->ka_n = 0;
	l->inlen = 0;
	l->drained = 0;
	l->unsent = 0;
	l->nread = l->nacked = 0;
	l->last_ka = now_ms();
	li_spool_rewind(l->sp);
	l->lastmsg[0] = '\0';
	if (l->fails <= 3 || (l->fails & (l->fails - 1)) == 0)
		cs_log_info("agency %s: connected%s", l->endpoint,
		    l->tls ? " (TLS 1.3)" : "");
}

static void
tls_step(struct li_link *l)
{
	int r, e;
	char buf[256];

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(l->ssl);
	if (r == 1) {
		on_up(l);
		return;
	}
	e = SSL_get_error(l->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		l->hs_want = POLLIN;
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		l->hs_want = POLLOUT;
		return;
	}
	if (SSL_get_verify_result(l->ssl) != X509_V_OK)
		note(l, "agency %s: TLS handshake failed: certificate: %s",
		    l->endpoint,
		    X509_verify_cert_error_string(
			SSL_get_verify_result(l->ssl)));
	else
		note(l, "agency %s: TLS handshake failed: %s", l->endpoint,
		    ssl_errstr(buf, sizeof(buf)));
	retry_later(l);
}

static void
tcp_up(struct li_link *l)
{
	int one = 1;

	setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(l->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (l->tls == NULL) {
		on_up(l);
		return;
	}
	l->ssl = SSL_new(l->tls);
	if (l->ssl == NULL || SSL_set_fd(l->ssl, l->fd) != 1) {
		note(l, "agency %s: TLS setup failed", l->endpoint);
		retry_later(l);
		return;
	}
	{
		unsigned char a[16];

		if (inet_pton(AF_INET, l->host, a) == 1 ||
		    inet_pton(AF_INET6, l->host, a) == 1) {
			X509_VERIFY_PARAM_set1_ip_asc(
			    SSL_get0_param(l->ssl), l->host);
		} else {
			SSL_set_tlsext_host_name(l->ssl, l->host);
			SSL_set1_host(l->ssl, l->host);
		}
	}
	l->st = ST_TLS;
	tls_step(l);
}

/* try the addresses from ai_cur on; DOWN with backoff when none works */
static void
try_addrs(struct li_link *l, int err)
{
	while (l->ai_cur) {
		struct addrinfo *a = l->ai_cur;

		l->s.attempts++;
		l->fd = socket(a->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (l->fd >= 0) {
			if (connect(l->fd, a->ai_addr, a->ai_addrlen) == 0) {
				tcp_up(l);
				return;
			}
			if (errno == EINPROGRESS) {
				l->st = ST_CONNECTING;
				return;
			}
		}
		err = errno;
		conn_close(l);
		l->ai_cur = a->ai_next;
	}
	note(l, "agency %s: cannot connect: %s", l->endpoint, strerror(err));
	retry_later(l);
}

static void
start_connect(struct li_link *l)
{
	struct addrinfo hints;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	l->conn_start = now_ms();
	r = getaddrinfo(l->host, l->port, &hints, &l->ai);
	if (r != 0) {
		l->ai = NULL;
		l->s.attempts++;
		note(l, "agency %s: cannot resolve: %s", l->endpoint,
		    gai_strerror(r));
		retry_later(l);
		return;
	}
	l->ai_cur = l->ai;
	try_addrs(l, ECONNREFUSED);
}

static void
finish_connect(struct li_link *l)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0) {
		tcp_up(l);
		return;
	}
	conn_close(l);
	l->ai_cur = l->ai_cur ? l->ai_cur->ai_next : NULL;
	try_addrs(l, err);
}

/* the agency's stream is a sequence of PS-PDUs (see link.h) */
long
li_link_frame(const uint8_t *p, size_t n)
{
	size_t hl, len = 0, k, i;

	if (n == 0)
		return 0;
	if (p[0] != 0x30)
		return -1;
	if (n < 2)
		return 0;
	if (p[1] < 0x80) {
		hl = 2;
		len = p[1];
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > 3)
			return -1; /* indefinite, or past IN_MAX anyway */
		if (n < 2 + k)
			return 0;
		for (i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		hl = 2 + k;
	}
	if (len > IN_MAX - hl)
		return -1;
	if (n < hl + len)
		return 0;
	return (long)(hl + len);
}

/* one TLV at p[*off..n): its first tag byte, value; 0 if malformed */
static int
tlv(const uint8_t *p, size_t n, size_t *off, uint8_t *tag, const uint8_t **v,
    size_t *vlen)
{
	size_t o = *off, len = 0, k;

	if (o >= n)
		return 0;
	*tag = p[o++];
	if ((*tag & 0x1f) == 0x1f) { /* high tag number: skip its bytes */
		while (o < n && (p[o] & 0x80))
			o++;
		if (o++ >= n)
			return 0;
	}
	if (o >= n)
		return 0;
	if (p[o] < 0x80) {
		len = p[o++];
	} else {
		k = p[o++] & 0x7f;
		if (k == 0 || k > 3 || o + k > n)
			return 0;
		while (k--)
			len = len << 8 | p[o++];
	}
	if (len > n - o)
		return 0;
	*v = p + o;
	*vlen = len;
	*off = o + len;
	return 1;
}

/* PS-PDU SEQUENCE { ..., payload [2] { tRIPayload [2] {
 * keep-aliveResponse [4] NULL } } } */
int
li_link_is_ka_resp(const uint8_t *p, size_t n)
{
	size_t off = 0, o2;
	uint8_t tag;
	const uint8_t *v, *w;
	size_t vlen, wlen;

	if (!tlv(p, n, &off, &tag, &v, &vlen) || tag != 0x30 || off != n)
		return 0;
	off = 0;
	while (tlv(v, vlen, &off, &tag, &w, &wlen)) {
		const uint8_t *x, *y;
		size_t xlen, ylen;

		if (tag != 0xa2)
			continue;
		o2 = 0;
		if (!tlv(w, wlen, &o2, &tag, &x, &xlen) || tag != 0xa2 ||
		    o2 != wlen)
			return 0;
		o2 = 0;
		return tlv(x, xlen, &o2, &tag, &y, &ylen) && tag == 0x84 &&
		    ylen == 0 && o2 == xlen;
	}
	return 0;
}

/* read what the agency sent; acknowledge on keep-alive responses */
static enum cs_err
pump_read(struct li_link *l, struct cs_errbuf *eb)
{
	for (;;) {
		ssize_t r;
		long fl;
		size_t done = 0;

		if (l->inlen == IN_MAX) {
			drop(l, "a PDU from the agency is too long");
			return CS_OK;
		}
		if (l->ssl) {
			int e;

			ERR_clear_error();
			r = SSL_read(
			    l->ssl, l->in + l->inlen, (int)(IN_MAX - l->inlen));
			if (r <= 0) {
				char buf[256];

				e = SSL_get_error(l->ssl, (int)r);
				if (e == SSL_ERROR_WANT_READ)
					return CS_OK;
				if (e == SSL_ERROR_WANT_WRITE) {
					l->wr_want = POLLOUT;
					return CS_OK;
				}
				if (e == SSL_ERROR_ZERO_RETURN)
					drop(l, "closed by the agency");
				else
					drop(l, "TLS read: %s",
					    ssl_errstr(buf, sizeof(buf)));
				return CS_OK;
			}
		} else {
			r = recv(l->fd, l->in + l->inlen, IN_MAX - l->inlen,
			    MSG_DONTWAIT);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return CS_OK;
			if (r <= 0) {
				drop(l, "%s",
				    r == 0 ? "closed by the agency"
					   : strerror(errno));
				return CS_OK;
			}
		}
		l->inlen += (size_t)r;
		while (
		    (fl = li_link_frame(l->in + done, l->inlen - done)) > 0) {
			const uint8_t *p = l->in + done;

			if (li_link_is_ka_resp(p, (size_t)fl) && l->ka_n > 0) {
				struct ka *k = &l->kas[l->ka_head];
				enum cs_err e = li_spool_ack(l->sp, k->pos, eb);

				if (e != CS_OK)
					return e;
				l->nacked = k->nread;
				l->ka_head = (l->ka_head + 1) % KA_MAX;
				l->ka_n--;
				l->s.ka_resp++;
				l->backoff = l->bmin; /* the link works */
				l->fails = 0;
			} else {
				l->s.in_other++;
			}
			done += (size_t)fl;
		}
		if (fl < 0) {
			drop(l,
			    "malformed PDU from the agency at byte %zu of "
			    "its stream",
			    done);
			return CS_OK;
		}
		memmove(l->in, l->in + done, l->inlen - done);
		l->inlen -= done;
	}
}

/* write what is queued; 0, or -1 when the connection was dropped */
static int
pump_write(struct li_link *l)
{
	while (l->out_off < l->out.len) {
		size_t n = l->out.len - l->out_off;
		ssize_t w;

		if (l->ssl) {
			int e;
			char buf[256];

			ERR_clear_error();
			l->wr_want = 0;
			w = SSL_write(l->ssl, l->out.data + l->out_off,
			    n > INT32_MAX ? INT32_MAX : (int)n);
			if (w <= 0) {
				e = SSL_get_error(l->ssl, (int)w);
				if (e == SSL_ERROR_WANT_WRITE) {
					l->wr_want = POLLOUT;
					return 0;
				}
				if (e == SSL_ERROR_WANT_READ) {
					l->wr_want = POLLIN;
					return 0;
				}
				drop(l, "TLS write: %s",
				    ssl_errstr(buf, sizeof(buf)));
				return -1;
			}
		} else {
			w = send(l->fd, l->out.data + l->out_off, n,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
			if (w <= 0) {
				drop(l, "write: %s", strerror(errno));
				return -1;
			}
		}
		l->out_off += (size_t)w;
		l->s.bytes_sent += (uint64_t)w;
	}
	cs_buf_reset(&l->out);
	l->out_off = 0;
	return 0;
}

/* UP: queue records and keep-alives, write, read, check the timers */
static enum cs_err
pump(struct li_link *l, struct cs_errbuf *eb)
{
	int64_t now = now_ms();
	enum cs_err e, rerr = CS_OK;

	if (l->out_off > OUT_COMPACT) {
		memmove(l->out.data, l->out.data + l->out_off,
		    l->out.len - l->out_off);
		l->out.len -= l->out_off;
		l->out_off = 0;
	}
	while (l->out.len - l->out_off < OUT_AHEAD) {
		const uint8_t *p;
		size_t n;

		e = li_spool_next(l->sp, &p, &n, eb);
		if (e == CS_ENOENT) {
			l->drained = 1;
			break;
		}
		if (e != CS_OK) {
			/* a damaged record: what precedes it still goes out
			 * (and is acknowledged); it is never skipped */
			rerr = e;
			break;
		}
		l->drained = 0;
		cs_buf_append(&l->out, p, n);
		if ((e = cs_buf_error(&l->out)) != CS_OK) {
			cs_errbuf_set(
			    eb, "link %s: send queue overflow", l->endpoint);
			return e;
		}
		l->unsent = 1;
		l->nread++;
		l->s.pdus_sent++;
	}
	if (l->ka_n < KA_MAX &&
	    (((l->drained || rerr != CS_OK) && l->unsent) ||
		now - l->last_ka >= l->ka_interval_ms)) {
		size_t before = l->out.len;

		e = l->make_keepalive(l->ctx, &l->out);
		if (e == CS_OK)
			e = cs_buf_error(&l->out);
		if (e != CS_OK || l->out.len == before) {
			cs_errbuf_set(eb,
			    "link %s: the keep-alive encoder failed",
			    l->endpoint);
			return e != CS_OK ? e : CS_EINVAL;
		}
		l->kas[(l->ka_head + l->ka_n) % KA_MAX] =
		    (struct ka){li_spool_tell(l->sp), now, l->nread};
		l->ka_n++;
		l->s.ka_sent++;
		l->last_ka = now;
		l->unsent = 0;
	}
	if (pump_write(l) != 0)
		return rerr;
	if ((e = pump_read(l, eb)) != CS_OK || l->st != ST_UP)
		return e != CS_OK ? e : rerr;
	if (l->ka_n > 0 && now - l->kas[l->ka_head].sent_ms > l->ka_wait_ms) {
		l->s.ka_timeouts++;
		drop(l, "no keep-alive response within %d s",
		    l->ka_wait_ms / 1000);
	}
	return rerr;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* what the link waits for (pfd) and for how long at most (ms, >= 0) */
static int64_t
wants(const struct li_link *l, int64_t now, struct pollfd *pfd)
{
	int64_t wait = INT32_MAX;

	pfd->fd = l->fd;
	pfd->events = 0;
	pfd->revents = 0;
	switch (l->st) {
	case ST_DOWN:
		wait = l->next_try - now;
		pfd->fd = -1;
		break;
	case ST_CONNECTING:
		pfd->events = POLLOUT;
		break;
	case ST_TLS:
		pfd->events = (short)l->hs_want;
		break;
	case ST_UP:
		pfd->events = POLLIN;
		if (l->out_off < l->out.len)
			pfd->events |= POLLOUT;
		if (l->wr_want)
			pfd->events |= (short)l->wr_want;
		if (l->drained)
			wait = min64(wait, SPOOL_POLL_MS);
		if (l->ka_n > 0)
			wait = min64(wait,
			    l->kas[l->ka_head].sent_ms + l->ka_wait_ms + 1 -
				now);
		if (l->ka_n < KA_MAX)
			wait =
			    min64(wait, l->last_ka + l->ka_interval_ms - now);
		break;
	}
	if (l->st == ST_CONNECTING || l->st == ST_TLS)
		wait = min64(wait, l->conn_start + l->ka_wait_ms + 1 - now);
	return wait < 0 ? 0 : wait;
}

int
li_link_pollfd(const struct li_link *l, struct pollfd *pfd)
{
	return (int)wants(l, now_ms(), pfd);
}

enum cs_err
li_link_step(struct li_link *l, int timeout_ms, struct cs_errbuf *eb)
{
	int64_t now = now_ms(), deadline, wait;
	enum cs_err e;
	struct pollfd pfd;

	deadline = now + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if (l->st == ST_DOWN && now >= l->next_try)
			start_connect(l);
		if ((l->st == ST_CONNECTING || l->st == ST_TLS) &&
		    now - l->conn_start > l->ka_wait_ms) {
			note(l, "agency %s: connection timed out", l->endpoint);
			retry_later(l);
		}
		if (l->st == ST_UP && (e = pump(l, eb)) != CS_OK)
			goto local;
		now = now_ms();
		wait = min64(wants(l, now, &pfd), deadline - now);
		if (wait < 0)
			wait = 0;
		if (poll(&pfd, 1, (int)wait) > 0) {
			if (l->st == ST_CONNECTING)
				finish_connect(l);
			else if (l->st == ST_TLS)
				tls_step(l);
		}
		now = now_ms();
		if (now >= deadline)
			break;
	}
	if (l->st == ST_UP && (e = pump(l, eb)) != CS_OK)
		goto local;
	return CS_OK;
local:
	/* a local failure (spool, encoder) repeats on every call: use up
	 * the time given, so that a caller's loop does not spin */
	wait = deadline - now_ms();
	if (wait > 0)
		poll(NULL, 0, (int)wait);
	return e;
}

int
li_link_idle(const struct li_link *l)
{
	/* every record read since the last rewind acknowledged (the
	   positions may differ only by an empty step to the next segment) */
	return l->st == ST_UP && l->drained && l->ka_n == 0 &&
	    l->out_off == l->out.len &&
	    (l->nread == l->nacked ||
		li_spool_pos_cmp(li_spool_tell(l->sp), li_spool_acked(l->sp)) ==
		    0);
}

int
li_link_connected(const struct li_link *l)
{
	return l->st == ST_UP;
}

void
li_link_stats(const struct li_link *l, struct li_link_stats *st)
{
	*st = l->s;
}

const char *
li_link_endpoint(const struct li_link *l)
{
	return l->endpoint;
}

void
li_link_free(struct li_link *l)
{
	if (l == NULL)
		return;
	conn_close(l);
	if (l->ai)
		freeaddrinfo(l->ai);
	if (l->tls)
		SSL_CTX_free(l->tls);
	if (l->out.data)
		explicit_bzero(l->out.data, l->out.len);
	cs_buf_release(&l->out);
	free(l->host);
	free(l->port);
	free(l);
}
