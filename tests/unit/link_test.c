/*
 * link_test - the HI delivery link against a fake agency (a forked
 * process that accepts TCP or TLS, records every PDU it receives and
 * answers keep-alives), which the tests stop and restart: in-order
 * delivery, agency down at start (backoff), agency killed mid-stream (the
 * unacknowledged records are resent, none lost), no acknowledgement
 * without a response, TLS 1.3 with client certificates (made here with
 * the OpenSSL API), a rogue CA refused, H1's keep-alive encoding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "li/link.h"
#include "li/pspdu.h"
#include "li/spool.h"
#include "t.h"
#include "util/log.h"

static char root[PATH_MAX];
static int nsub;

static const char *
sub(char out[PATH_MAX], const char *what)
{
	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "%s/link_test.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(root) == NULL)
			abort();
	}
	snprintf(out, PATH_MAX, "%.*s/%s%d", PATH_MAX - 40, root, what, nsub++);
	return out;
}

/* ---- records: BER SEQUENCE { OCTET STRING "PDU <i> ..." } ---- */

static size_t
mkrec(uint8_t *p, unsigned i)
{
	size_t len = 20 + (i * 53) % 700, k, n;
	char head[32];

	n = (size_t)snprintf(head, sizeof(head), "PDU %u ", i);
	p[0] = 0x30;
	p[1] = 0x82;
	p[2] = (uint8_t)((len + 4) >> 8);
	p[3] = (uint8_t)(len + 4);
	p[4] = 0x04;
	p[5] = 0x82;
	p[6] = (uint8_t)(len >> 8);
	p[7] = (uint8_t)len;
	memcpy(p + 8, head, n);
	for (k = n; k < len; k++)
		p[8 + k] = (uint8_t)('A' + (i + k) % 26);
	return len + 8;
}

/* the index of a record, or -1 */
static long
rec_index(const uint8_t *p, size_t n)
{
	uint8_t want[1024];
	unsigned i;

	char *end;

	if (n < 13 || memcmp(p + 8, "PDU ", 4) != 0)
		return -1;
	i = (unsigned)strtoul((const char *)p + 12, &end, 10);
	if (end == (const char *)p + 12 || *end != ' ')
		return -1;
	if (mkrec(want, i) != n || memcmp(want, p, n) != 0)
		return -1;
	return i;
}

/* hand-made keep-alive / response: SEQUENCE { [1] {} [2] { [2] {
 * [3|4] NULL } } } */
static const uint8_t KA[] = {
    0x30, 0x08, 0xa1, 0x00, 0xa2, 0x04, 0xa2, 0x02, 0x83, 0x00};
static const uint8_t KA_RESP[] = {
    0x30, 0x08, 0xa1, 0x00, 0xa2, 0x04, 0xa2, 0x02, 0x84, 0x00};

static enum cs_err
make_ka(void *ctx, struct cs_buf *out)
{
	(void)ctx;
	cs_buf_append(out, KA, sizeof(KA));
	return CS_OK;
}

/* H1's encoder, for the interoperability case */
static enum cs_err
make_ka_h1(void *ctx, struct cs_buf *out)
{
	struct li_hdr h = {"LIID-TEST", "US", "OP1", "NE1", 7, "US", 0, 0};

	(void)ctx;
	h.ts = 1764460800LL * 1000000;
	return li_enc_keepalive(out, &h, 0);
}

static long
frame(const uint8_t *p, size_t n)
{
	size_t hl, len = 0, k, i;

	if (n < 2)
		return 0;
	if (p[0] != 0x30)
		return -1;
	if (p[1] < 0x80) {
		hl = 2;
		len = p[1];
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > 3)
			return -1;
		if (n < 2 + k)
			return 0;
		for (i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		hl = 2 + k;
	}
	return n < hl + len ? 0 : (long)(hl + len);
}

/* ---- the fake agency ---- */

enum {
	AG_NORESP = 1, /* never answer keep-alives */
	AG_H1 = 2,     /* answer with H1's encoding */
	AG_REJECT = 4, /* close the connection on the first record */
};

struct agency {
	int port;
	const char *out; /* records received, appended */
	int flags;
	long die_after; /* _exit after this many records (0: never) */
	SSL_CTX *tls;   /* server context, or NULL */
};

static int ag_v6; /* the agency listens on ::1 */

static int
ag_listen(int port)
{
	struct sockaddr_in a;
	struct sockaddr_in6 a6;
	int fd = socket(ag_v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0), one = 1;
	int r;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ag_v6) {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		a6.sin6_addr = in6addr_loopback;
		r = bind(fd, (struct sockaddr *)&a6, sizeof(a6));
	} else {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	if (r != 0 || listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
free_port(void)
{
	struct sockaddr_in6 a; /* large enough for either; the port is at
				  the same place */
	socklen_t len = sizeof(a);
	int fd = ag_listen(0), port = -1;

	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin6_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void
ag_reply(struct agency *ag, SSL *ssl, int fd, const uint8_t *p, size_t n)
{
	uint8_t st[256], buf[256];
	size_t len = n;

	if (ag->flags & AG_H1) {
		struct cs_buf b;
		struct li_hdr h = {
		    "LIID-TEST", "US", "OP1", "NE1", 7, "US", 0, 0};

		cs_buf_init(&b, st, sizeof(st), sizeof(st));
		li_enc_keepalive(&b, &h, 1);
		memcpy(buf, b.data, b.len);
		len = b.len;
		cs_buf_release(&b); /* (clears st) */
		p = buf;
	}
	if (ssl)
		SSL_write(ssl, p, (int)len);
	else if (write(fd, p, len) < 0)
		_exit(9);
}

static _Noreturn void
ag_run(struct agency *ag, int lfd, int ready)
{
	long got = 0;
	int out = open(ag->out, O_WRONLY | O_CREAT | O_APPEND, 0600);
	static uint8_t in[1 << 20];

	if (out < 0 || write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		SSL *ssl = NULL;
		size_t inlen = 0;

		if (fd < 0)
			continue;
		if (ag->tls) {
			ssl = SSL_new(ag->tls);
			SSL_set_fd(ssl, fd);
			if (SSL_accept(ssl) != 1) {
				SSL_free(ssl);
				close(fd);
				continue;
			}
		}
		for (;;) {
			long r, fl;
			size_t done = 0;

			r = ssl ? SSL_read(ssl, in + inlen,
				      (int)(sizeof(in) - inlen))
				: read(fd, in + inlen, sizeof(in) - inlen);
			if (r <= 0)
				break;
			inlen += (size_t)r;
			while ((fl = frame(in + done, inlen - done)) > 0) {
				const uint8_t *p = in + done;
				int ka =
				    li_pdu_is_keepalive(p, (size_t)fl, 0) ||
				    ((size_t)fl == sizeof(KA) &&
					memcmp(p, KA, sizeof(KA)) == 0);

				if (ka && !(ag->flags & AG_NORESP))
					ag_reply(ag, ssl, fd, KA_RESP,
					    sizeof(KA_RESP));
				if (!ka && (ag->flags & AG_REJECT))
					goto next;
				if (!ka) {
					if (write(out, p, (size_t)fl) < 0)
						_exit(3);
					if (ag->die_after &&
					    ++got >= ag->die_after)
						_exit(0); /* mid-stream */
				}
				done += (size_t)fl;
			}
			if (fl < 0)
				_exit(4);
			memmove(in, in + done, inlen - done);
			inlen -= done;
		}
	next:
		if (ssl)
			SSL_free(ssl);
		close(fd);
	}
}

static pid_t
ag_start(struct agency *ag)
{
	int p[2], lfd;
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		return -1;
	lfd = ag_listen(ag->port);
	if (lfd < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		ag_run(ag, lfd, p[1]);
	}
	close(lfd);
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static void
ag_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * read what the agency recorded: *n records; 1 if, taking first
 * occurrences, they are 0..total-1 in order and every repeat is a resend
 * of a record already seen
 */
static int check_quiet; /* a shortfall is what the test expects */

static int
check_out(const char *path, unsigned total, unsigned *nrec, unsigned *ndup)
{
	static uint8_t buf[8 << 20];
	FILE *f = fopen(path, "rb");
	size_t n = 0, off = 0;
	long fl;
	unsigned next = 0;
	int ok = 1;

	*nrec = *ndup = 0;
	if (f) {
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
	}
	while ((fl = frame(buf + off, n - off)) > 0) {
		long i = rec_index(buf + off, (size_t)fl);

		(*nrec)++;
		if (i < 0 || i > (long)next) {
			fprintf(
			    stderr, "  record %ld where %u was due\n", i, next);
			ok = 0;
		} else if (i == (long)next) {
			next++;
		} else {
			(*ndup)++;
		}
		off += (size_t)fl;
	}
	if (off != n) {
		fprintf(stderr, "  %zu stray bytes\n", n - off);
		ok = 0;
	}
	if (next != total) {
		if (!check_quiet)
			fprintf(stderr, "  %u of %u records delivered\n", next,
			    total);
		ok = 0;
	}
	return ok;
}

/* ---- the delivery side ---- */

struct rig {
	char dir[PATH_MAX];
	struct li_spool *w, *r;
	struct li_link *l;
	unsigned put;
};

static const unsigned char skey[32] = "spool key spool key spool key 32";
static const char *rig_host = "127.0.0.1";
/* where the first record of a fresh spool lies: an ack at or before it
 * acknowledges nothing */
static const struct li_spool_pos first = {1, 0};

static int
rig_open(struct rig *g, int port, const char *ca, const char *cert,
    const char *key, enum cs_err (*mk)(void *, struct cs_buf *))
{
	struct li_spool_cfg sc = {g->dir, 0, 0, skey};
	char ps[16];
	struct li_link_cfg lc;
	struct cs_errbuf eb;

	sub(g->dir, "spool");
	g->put = 0;
	g->w = li_spool_open(&sc, 1, &eb);
	g->r = li_spool_open(&sc, 0, &eb);
	if (!g->w || !g->r)
		return -1;
	snprintf(ps, sizeof(ps), "%d", port);
	memset(&lc, 0, sizeof(lc));
	lc.host = rig_host;
	lc.port = ps;
	lc.tls_ca = ca;
	lc.tls_cert = cert;
	lc.tls_key = key;
	lc.ka_interval_s = 300;
	lc.ka_wait_s = 1;
	lc.backoff_min_ms = 20;
	lc.backoff_max_ms = 200;
	lc.make_keepalive = mk;
	g->l = li_link_new(&lc, g->r, &eb);
	if (!g->l)
		fprintf(stderr, "  link: %s\n", eb.msg);
	return g->l ? 0 : -1;
}

static void
rig_put(struct rig *g, unsigned n)
{
	uint8_t p[1024];
	struct cs_errbuf eb;
	unsigned k;

	for (k = 0; k < n; k++, g->put++)
		if (li_spool_put(g->w, p, mkrec(p, g->put), &eb) != CS_OK)
			fprintf(stderr, "  put: %s\n", eb.msg);
	li_spool_sync(g->w, &eb);
}

/* step until idle (or ms pass); 1 if idle */
static int
rig_run(struct rig *g, int ms)
{
	struct timespec t0, t1;
	struct cs_errbuf eb;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (li_link_step(g->l, 20, &eb) != CS_OK) {
			fprintf(stderr, "  step: %s\n", eb.msg);
			return 0;
		}
		if (li_link_idle(g->l))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 +
			(t1.tv_nsec - t0.tv_nsec) / 1000000 >
		    ms)
			return 0;
	}
}

static void
rig_close(struct rig *g)
{
	li_link_free(g->l);
	li_spool_close(g->r);
	li_spool_close(g->w);
}

static void
test_in_order(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	pid = ag_start(&ag);
	T_CHECK(pid > 0);
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	/* an empty spool: connected and idle at once */
	T_CHECK(rig_run(&g, 5000));
	rig_put(&g, 500);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(li_link_connected(g.l));
	/* more while connected */
	rig_put(&g, 300);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 800, &n, &d));
	T_EQ_INT(n, 800);
	T_EQ_INT(d, 0);
	li_link_stats(g.l, &st);
	T_EQ_INT(st.connects, 1);
	T_CHECK(st.ka_resp >= 2 && st.ka_resp == st.ka_sent);
	/* everything acknowledged: the spool frees what it can */
	T_CHECK(li_spool_pos_cmp(li_spool_acked(g.r), li_spool_tell(g.r)) == 0);
	rig_close(&g);
	ag_stop(pid);
}

static void
test_down_at_start(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	rig_put(&g, 200);
	/* nobody listening: attempts back off, nothing acknowledged */
	T_EQ_INT(rig_run(&g, 600), 0);
	li_link_stats(g.l, &st);
	T_CHECK(st.attempts >= 3 && st.attempts <= 12);
	T_EQ_INT(st.backoff_ms, 200); /* doubled up to the maximum */
	T_EQ_INT(st.connects, 0);
	T_EQ_INT(li_spool_acked(g.r).off, 0);
	/* the agency comes up: everything arrives */
	pid = ag_start(&ag);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 200, &n, &d));
	T_EQ_INT(d, 0);
	li_link_stats(g.l, &st);
	T_EQ_INT(st.connects, 1);
	T_EQ_INT(st.backoff_ms, 0); /* reset on success */
	rig_close(&g);
	ag_stop(pid);
}

static void
test_agency_killed(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;
	int i;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	/* deliver and acknowledge a first batch */
	pid = ag_start(&ag);
	rig_put(&g, 100);
	T_CHECK(rig_run(&g, 10000));
	ag_stop(pid);
	/* the agency dies mid-stream three times, after 150 records each */
	rig_put(&g, 900);
	for (i = 0; i < 3; i++) {
		struct cs_errbuf eb;
		int k;

		ag.die_after = 150;
		pid = ag_start(&ag);
		for (k = 0; k < 500 && waitpid(pid, NULL, WNOHANG) == 0; k++)
			T_EQ_INT(li_link_step(g.l, 10, &eb), CS_OK);
		T_CHECK(k < 500); /* it died mid-stream */
		T_EQ_INT(li_link_idle(g.l), 0);
	}
	ag.die_after = 0;
	pid = ag_start(&ag);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 1000, &n, &d));
	T_CHECK(d > 0);        /* the unacknowledged were resent */
	T_EQ_INT(n, 1000 + d); /* and nothing else */
	li_link_stats(g.l, &st);
	T_CHECK(st.drops >= 3);
	T_CHECK(st.connects >= 5);
	rig_close(&g);
	ag_stop(pid);
}

static void
test_no_ack_without_response(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;
	struct li_spool_pos a0;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	ag.flags = AG_NORESP;
	pid = ag_start(&ag);
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	rig_put(&g, 50);
	a0 = first;
	/* everything is sent, a keep-alive goes out, none comes back */
	T_EQ_INT(rig_run(&g, 800), 0);
	li_link_stats(g.l, &st);
	T_CHECK(st.ka_sent >= 1);
	T_EQ_INT(st.ka_resp, 0);
	T_CHECK(li_spool_pos_cmp(li_spool_acked(g.r), a0) <= 0);
	T_CHECK(check_out(out, 50, &n, &d));
	/* past ka_wait_s (1 s) the link drops and resends */
	T_EQ_INT(rig_run(&g, 1500), 0);
	li_link_stats(g.l, &st);
	T_CHECK(st.ka_timeouts >= 1);
	T_CHECK(li_spool_pos_cmp(li_spool_acked(g.r), a0) <= 0);
	/* a spool reopened now starts again from the beginning */
	ag_stop(pid);
	ag.flags = 0;
	pid = ag_start(&ag);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 50, &n, &d));
	T_CHECK(d >= 50);
	T_CHECK(li_spool_pos_cmp(li_spool_acked(g.r), a0) > 0);
	rig_close(&g);
	ag_stop(pid);
}

/* a damaged record in the spool stops delivery there (never skipped):
 * a local error naming the place, and the call still takes its time */
static void
test_damaged(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX], seg[PATH_MAX + 64];
	uint8_t rec[1024], b;
	uint64_t off = 0;
	unsigned i, n, d;
	pid_t pid;
	int fd, k;
	struct cs_errbuf eb;
	struct timespec t0, t1;
	enum cs_err e = CS_OK;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	pid = ag_start(&ag);
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	rig_put(&g, 20);
	for (i = 0; i < 15; i++)
		off += 56 + mkrec(rec, i) + 16;
	snprintf(seg, sizeof(seg), "%s/seg-%016x.spl", g.dir, 1);
	fd = open(seg, O_RDWR);
	T_CHECK(fd >= 0);
	if (fd >= 0 && pread(fd, &b, 1, (off_t)off + 60) == 1) {
		b ^= 0x20;
		T_CHECK(pwrite(fd, &b, 1, (off_t)off + 60) == 1);
	}
	if (fd >= 0)
		close(fd);
	for (k = 0; k < 200 && e == CS_OK; k++)
		e = li_link_step(g.l, 10, &eb);
	T_EQ_INT(e, CS_ECRYPTO);
	T_CHECK(strstr(eb.msg, "segment 1 offset") != NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_EQ_INT(li_link_step(g.l, 100, &eb), CS_ECRYPTO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	T_CHECK((t1.tv_sec - t0.tv_sec) * 1000 +
		(t1.tv_nsec - t0.tv_nsec) / 1000000 >=
	    90);
	T_EQ_INT(li_link_idle(g.l), 0);
	T_EQ_INT(li_spool_acked(g.r).off, off);
	rig_close(&g);
	ag_stop(pid);
	/* the 15 records before it went out (and were acknowledged), none
	 * after it */
	check_quiet = 1;
	T_CHECK(!check_out(out, 16, &n, &d));
	check_quiet = 0;
	T_EQ_INT(n, 15);
	T_EQ_INT(d, 0);
}

/* an IPv6 agency end, "[::1]" as configured from "[::1]:PORT" */
static void
test_ipv6(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	int fd;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "  test_ipv6: skipped, no IPv6 here\n");
		return;
	}
	close(fd);
	ag_v6 = 1;
	ag.port = free_port();
	if (ag.port <= 0) {
		ag_v6 = 0;
		fprintf(stderr, "  test_ipv6: skipped, no ::1 here\n");
		return;
	}
	ag.out = sub(out, "ag");
	pid = ag_start(&ag);
	ag_v6 = 0;
	rig_host = "[::1]";
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	rig_host = "127.0.0.1";
	T_CHECK(strncmp(li_link_endpoint(g.l), "[::1]:", 6) == 0);
	rig_put(&g, 50);
	T_CHECK(rig_run(&g, 5000));
	T_CHECK(check_out(out, 50, &n, &d));
	rig_close(&g);
	ag_stop(pid);
}

/* an agency that drops the connection over a record: never skipped,
 * and the backoff grows although every connect succeeds */
static void
test_rejected(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	pid_t pid;
	struct li_link_stats st;
	struct li_spool_pos a0;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	ag.flags = AG_REJECT;
	pid = ag_start(&ag);
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka) != 0)
		return;
	rig_put(&g, 5);
	a0 = first;
	T_EQ_INT(rig_run(&g, 1200), 0);
	li_link_stats(g.l, &st);
	T_CHECK(st.connects >= 3 && st.connects <= 10);
	T_EQ_INT(st.backoff_ms, 200);
	T_CHECK(li_spool_pos_cmp(li_spool_acked(g.r), a0) <= 0);
	/* the agency accepts it after all: delivered, backoff back down */
	ag_stop(pid);
	ag.flags = 0;
	pid = ag_start(&ag);
	T_CHECK(rig_run(&g, 5000));
	li_link_stats(g.l, &st);
	T_EQ_INT(st.backoff_ms, 0);
	rig_close(&g);
	ag_stop(pid);
}

/* HI2 and HI3 served by one poll(2) loop through li_link_pollfd */
static void
test_pollfd(void)
{
	struct rig g[2];
	struct agency ag[2] = {{0}, {0}};
	char out[2][PATH_MAX];
	pid_t pid[2];
	unsigned n, d;
	int i, k;

	for (i = 0; i < 2; i++) {
		ag[i].port = free_port();
		ag[i].out = sub(out[i], "ag");
		pid[i] = ag_start(&ag[i]);
		if (rig_open(&g[i], ag[i].port, NULL, NULL, NULL, make_ka))
			return;
		rig_put(&g[i], 300 + 100 * (unsigned)i);
	}
	for (k = 0; k < 2000; k++) {
		struct pollfd pfd[2];
		struct cs_errbuf eb;
		int t0 = li_link_pollfd(g[0].l, &pfd[0]);
		int t1 = li_link_pollfd(g[1].l, &pfd[1]);

		T_CHECK(t0 >= 0 && t1 >= 0);
		poll(pfd, 2, t0 < t1 ? t0 : t1);
		for (i = 0; i < 2; i++)
			T_EQ_INT(li_link_step(g[i].l, 0, &eb), CS_OK);
		if (li_link_idle(g[0].l) && li_link_idle(g[1].l))
			break;
	}
	T_CHECK(k < 2000);
	for (i = 0; i < 2; i++) {
		T_CHECK(check_out(out[i], 300 + 100 * (unsigned)i, &n, &d));
		rig_close(&g[i]);
		ag_stop(pid[i]);
	}
}

static void
test_h1_keepalive(void)
{
	struct rig g;
	struct agency ag = {0};
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;

	ag.port = free_port();
	ag.out = sub(out, "ag");
	ag.flags = AG_H1;
	pid = ag_start(&ag);
	if (rig_open(&g, ag.port, NULL, NULL, NULL, make_ka_h1) != 0)
		return;
	rig_put(&g, 30);
	T_CHECK(rig_run(&g, 5000));
	T_CHECK(check_out(out, 30, &n, &d));
	li_link_stats(g.l, &st);
	T_CHECK(st.ka_resp >= 1);
	rig_close(&g);
	ag_stop(pid);
}

/* ---- TLS: a CA, a server and a client certificate, made here ---- */

static EVP_PKEY *
mkkey(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static X509 *
mkcert(EVP_PKEY *k, const char *cn, X509 *issuer, EVP_PKEY *ik, int ca,
    const char *san, long serial)
{
	X509 *x = X509_new();
	X509_NAME *nm;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(
	    nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (san) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, ik ? ik : k, EVP_sha256());
	return x;
}

static void
write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	if (x)
		PEM_write_X509(f, x);
	if (k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

struct pki {
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char rogue_ca[PATH_MAX];
	SSL_CTX *srv;
	SSL_CTX *srv_wrong; /* a good CA's certificate for another name */
};

static int
mkpki(struct pki *p)
{
	EVP_PKEY *cak = mkkey(), *sk = mkkey(), *ck = mkkey(), *rk = mkkey();
	X509 *ca, *sc, *cc, *rca, *wc;
	char scp[PATH_MAX], skp[PATH_MAX], wcp[PATH_MAX];
	int ok;

	if (!cak || !sk || !ck || !rk)
		return -1;
	ca = mkcert(cak, "custos test CA", NULL, NULL, 1, NULL, 1);
	rca = mkcert(rk, "custos rogue CA", NULL, NULL, 1, NULL, 1);
	sc = mkcert(sk, "agency", ca, cak, 0, "IP:127.0.0.1,DNS:localhost", 2);
	cc = mkcert(ck, "custos delivery", ca, cak, 0, NULL, 3);
	wc = mkcert(sk, "other", ca, cak, 0, "DNS:other.example", 4);
	write_pem(sub(wcp, "wcert"), wc, NULL);
	write_pem(sub(p->ca, "ca"), ca, NULL);
	write_pem(sub(p->rogue_ca, "rogue"), rca, NULL);
	write_pem(sub(p->cert, "cert"), cc, NULL);
	write_pem(sub(p->key, "key"), NULL, ck);
	write_pem(sub(scp, "scert"), sc, NULL);
	write_pem(sub(skp, "skey"), NULL, sk);
	p->srv = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(p->srv, TLS1_3_VERSION);
	ok = SSL_CTX_use_certificate_file(p->srv, scp, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_use_PrivateKey_file(p->srv, skp, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_load_verify_locations(p->srv, p->ca, NULL) == 1;
	SSL_CTX_set_verify(
	    p->srv, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	p->srv_wrong = SSL_CTX_new(TLS_server_method());
	ok = ok &&
	    SSL_CTX_use_certificate_file(p->srv_wrong, wcp, SSL_FILETYPE_PEM) ==
		1 &&
	    SSL_CTX_use_PrivateKey_file(p->srv_wrong, skp, SSL_FILETYPE_PEM) ==
		1;
	X509_free(wc);
	X509_free(ca);
	X509_free(rca);
	X509_free(sc);
	X509_free(cc);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(rk);
	return ok ? 0 : -1;
}

static void
test_tls(void)
{
	struct rig g;
	struct agency ag = {0};
	struct pki p;
	char out[PATH_MAX];
	unsigned n, d;
	pid_t pid;
	struct li_link_stats st;
	struct cs_errbuf eb;

	T_EQ_INT(mkpki(&p), 0);
	ag.port = free_port();
	ag.out = sub(out, "ag");
	ag.tls = p.srv;
	pid = ag_start(&ag);
	/* a partial TLS setting or a missing file is refused at once */
	{
		struct li_link_cfg lc = {"127.0.0.1", "1", p.ca, NULL, NULL,
		    300, 30, 100, 1000, make_ka, NULL};
		struct li_spool_cfg sc = {sub(g.dir, "x"), 0, 0, NULL};
		struct li_spool *r = li_spool_open(&sc, 0, &eb);

		T_CHECK(li_link_new(&lc, r, &eb) == NULL);
		lc.tls_cert = p.cert;
		lc.tls_key = "/nonexistent/key.pem";
		T_CHECK(li_link_new(&lc, r, &eb) == NULL);
		T_CHECK(strstr(eb.msg, "/nonexistent/key.pem") != NULL);
		li_spool_close(r);
	}
	/* the agency's certificate from another CA: never connected */
	if (rig_open(&g, ag.port, p.rogue_ca, p.cert, p.key, make_ka) != 0)
		return;
	rig_put(&g, 20);
	T_EQ_INT(rig_run(&g, 700), 0);
	li_link_stats(g.l, &st);
	T_EQ_INT(st.connects, 0);
	T_CHECK(st.attempts >= 2);
	rig_close(&g);
	/* the agency's certificate names another host: never connected */
	{
		struct agency aw = ag;
		char wout[PATH_MAX];
		pid_t wpid;

		aw.port = free_port();
		aw.out = sub(wout, "ag");
		aw.tls = p.srv_wrong;
		wpid = ag_start(&aw);
		if (rig_open(&g, aw.port, p.ca, p.cert, p.key, make_ka) != 0)
			return;
		rig_put(&g, 5);
		T_EQ_INT(rig_run(&g, 500), 0);
		li_link_stats(g.l, &st);
		T_EQ_INT(st.connects, 0);
		rig_close(&g);
		ag_stop(wpid);
	}
	/* by name ("localhost": the DNS name checked, SNI sent; ::1 may
	 * come first and be refused, then 127.0.0.1 is tried) */
	rig_host = "localhost";
	if (rig_open(&g, ag.port, p.ca, p.cert, p.key, make_ka) != 0)
		return;
	rig_put(&g, 5);
	T_CHECK(rig_run(&g, 10000));
	rig_close(&g);
	rig_host = "127.0.0.1";
	T_CHECK(check_out(out, 5, &n, &d));
	/* the right CA and a client certificate: delivered over TLS 1.3 */
	if (rig_open(&g, ag.port, p.ca, p.cert, p.key, make_ka) != 0)
		return;
	rig_put(&g, 400);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 400, &n, &d)); /* (0..4 twice) */
	/* the agency restarts: the link reconnects over TLS */
	ag_stop(pid);
	pid = ag_start(&ag);
	rig_put(&g, 100);
	T_CHECK(rig_run(&g, 10000));
	T_CHECK(check_out(out, 500, &n, &d));
	li_link_stats(g.l, &st);
	T_CHECK(st.connects >= 1);
	rig_close(&g);
	ag_stop(pid);
	SSL_CTX_free(p.srv);
	SSL_CTX_free(p.srv_wrong);
}

/* ---- against the real receiver: custos lemf (H1) ---- */

static const char *
custos_bin(void)
{
	const char *c = getenv("CUSTOS");

	if (c && access(c, X_OK) == 0)
		return c;
	return access("build/custos", X_OK) == 0 ? "build/custos" : NULL;
}

/* start custos lemf on port (0: any); its port, or -1 */
static int
lemf_start(const char *out, int port, pid_t *pid)
{
	char listen[64], ready[PATH_MAX + 16], log[PATH_MAX + 16], buf[32];
	const char *bin = custos_bin();
	int i, fd;

	if (bin == NULL)
		return -1;
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(ready, sizeof(ready), "%s.ready", out);
	snprintf(log, sizeof(log), "%s.log", out);
	unlink(ready);
	*pid = fork();
	if (*pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, "custos", "lemf", "--listen", listen, "--out", out,
		    "--ready-file", ready, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(ready, "r");

		if (f) {
			int ok = fgets(buf, sizeof(buf), f) != NULL;

			fclose(f);
			if (ok)
				return (int)strtol(buf, NULL, 10);
		}
		usleep(10000);
	}
	return -1;
}

static void
put_iri(struct rig *g, unsigned n)
{
	struct li_hdr h = {"LIID-LINK-1", "US", "OP1", "NE1", 42, "US", 0, 0};
	struct cs_buf b;
	struct cs_errbuf eb;
	unsigned k;

	cs_buf_init(&b, NULL, 0, LI_PDU_MAX);
	for (k = 0; k < n; k++, g->put++) {
		struct li_iri iri;

		li_iri_init(&iri, LI_EV_INTERIM_UPDATE);
		snprintf(iri.username, sizeof(iri.username), "target-user");
		iri.auth = LI_AUTH_RADIUS;
		h.ts = (1796000000LL + g->put) * CS_US;
		h.seq = li_spool_seq(g->w, h.liid, h.cin);
		cs_buf_reset(&b);
		if (li_enc_iri(&b, &h, &iri) != CS_OK ||
		    li_spool_put(g->w, b.data, b.len, &eb) != CS_OK)
			fprintf(stderr, "  put: %s\n", eb.msg);
	}
	cs_buf_release(&b);
	li_spool_sync(g->w, &eb);
}

/* iri.jsonl: 1 if it holds seqs 0..total-1 each exactly once */
static int
lemf_check(const char *out, unsigned total)
{
	char path[PATH_MAX + 16], line[4096];
	unsigned char *seen = calloc(total, 1);
	unsigned lines = 0, i;
	FILE *f;
	int ok = 1;

	snprintf(path, sizeof(path), "%s/iri.jsonl", out);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "\"seq\":");
		unsigned long v = p ? strtoul(p + 6, NULL, 10) : total;

		lines++;
		if (v >= total || seen[v]++) {
			fprintf(
			    stderr, "  seq %lu stored twice or unknown\n", v);
			ok = 0;
		}
	}
	if (f)
		fclose(f);
	for (i = 0; i < total; i++)
		if (!seen[i]) {
			fprintf(
			    stderr, "  seq %u missing (%u lines)\n", i, lines);
			ok = 0;
			break;
		}
	free(seen);
	return ok;
}

static void
test_lemf(void)
{
	struct rig g;
	char out[PATH_MAX];
	struct li_link_stats st;
	struct cs_errbuf eb;
	pid_t pid;
	int port, k;
	uint64_t b0;

	sub(out, "lemf");
	port = lemf_start(out, 0, &pid);
	T_CHECK(port > 0);
	if (port <= 0 || rig_open(&g, port, NULL, NULL, NULL, make_ka_h1))
		return;
	put_iri(&g, 1000);
	T_CHECK(rig_run(&g, 20000)); /* delivered and acknowledged */
	li_link_stats(g.l, &st);
	b0 = st.bytes_sent;
	put_iri(&g, 2000);
	/* kill -9 the receiver in the middle of the stream */
	for (k = 0; k < 2000; k++) {
		T_EQ_INT(li_link_step(g.l, 1, &eb), CS_OK);
		li_link_stats(g.l, &st);
		if (st.bytes_sent > b0 + 60000)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	T_EQ_INT(rig_run(&g, 300), 0);
	/* back up on the same port: everything, exactly once */
	T_EQ_INT(lemf_start(out, port, &pid), port);
	T_CHECK(rig_run(&g, 20000));
	put_iri(&g, 200);
	T_CHECK(rig_run(&g, 20000));
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	T_CHECK(lemf_check(out, 3200));
	if (getenv("LINK_TEST_SHOW")) {
		char cmd[PATH_MAX * 2 + 64];

		snprintf(
		    cmd, sizeof(cmd), "cat %s/stats.json %s.log >&2", out, out);
		if (system(cmd) != 0)
			fprintf(stderr, "no stats\n");
	}
	li_link_stats(g.l, &st);
	T_CHECK(st.drops >= 1 && st.connects >= 2);
	rig_close(&g);
}

int
main(void)
{
	cs_log_init("link_test");
	cs_log_verbose = 0;
	T_RUN(test_in_order);
	T_RUN(test_down_at_start);
	T_RUN(test_agency_killed);
	T_RUN(test_no_ack_without_response);
	T_RUN(test_rejected);
	T_RUN(test_pollfd);
	T_RUN(test_ipv6);
	T_RUN(test_damaged);
	T_RUN(test_h1_keepalive);
	T_RUN(test_tls);
	T_RUN(test_lemf);
	if (root[0]) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", root);
	}
	return T_DONE();
}
