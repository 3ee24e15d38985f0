/*
 * natgen - synthetic CGNAT records with ground truth, for bench/nat.sh and
 * the IPFIX loopback test.
 *
 *   natgen conntrack SUBS SESSIONS DAYS START OUTDIR
 *       OUTDIR/conntrack.log  `conntrack -E -o timestamp,extended,id`
 *                             lines, NEW and DESTROY, in time order
 *       OUTDIR/leases.csv     Kea lease rows: each inside address held by
 *                             one subscriber for the whole period
 *       OUTDIR/queries.txt    "PUBLIC:PORT TIME INSIDE:PORT GREP" samples
 *   natgen ipfix SUBS SESSIONS DAYS START OUTFILE
 *       the same sessions as a stream of raw IPFIX messages (RFC 8158
 *       session create/delete, one template message first)
 *   natgen ipfix-test ADDR:PORT
 *       the loopback scenario of tests/integration/nat_ipfix.sh: sends
 *       from 127.0.0.1 (IANA numbering) and 127.0.0.2 (draft numbering):
 *       data before its template, a withdrawal, port blocks, sessions
 *
 * Subscriber i has inside address 100.64.0.0 + i and shares a public
 * address (198.18.0.0 + i / 64) with 63 others; each session takes a
 * random public port, lasts 1..120 s, and goes to one of 256 servers.
 * Deterministic (fixed seed).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/span.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct sess {
	int64_t start_us, end_us;
	uint32_t sub;
	uint16_t sport, pport, dport;
	uint8_t proto, server;
	uint32_t id;
};

struct evt {
	int64_t t;
	uint32_t idx;
	int destroy;
};

static int
cmp_evt(const void *a, const void *b)
{
	const struct evt *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
ip4(uint32_t v, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255,
	    (v >> 8) & 255, v & 255);
}

static uint32_t
inside_of(uint32_t sub)
{
	return (100u << 24 | 64u << 16) + sub;
}

static uint32_t
public_of(uint32_t sub)
{
	return (198u << 24 | 18u << 16) + sub / 64;
}

static uint32_t
server_of(uint8_t s)
{
	return (192u << 24 | 0u << 16 | 2u << 8) + s;
}

static uint64_t
num(const char *s, uint64_t max)
{
	uint64_t v;

	if (cs_parse_u64(cs_span_cstr(s), 0, max, &v) != CS_OK) {
		fprintf(stderr, "natgen: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* day_sessions - the sessions of one day, and their events in order */
static struct sess *
day_sessions(
    uint32_t subs, uint32_t per, int64_t day0, struct evt **ev, size_t *n)
{
	size_t k = (size_t)subs * per, i;
	struct sess *s = malloc(k * sizeof(*s));
	struct evt *e = malloc(2 * k * sizeof(*e));

	if (s == NULL || e == NULL) {
		fprintf(stderr, "natgen: out of memory\n");
		exit(1);
	}
	for (i = 0; i < k; i++) {
		s[i].sub = (uint32_t)(i % subs);
		s[i].start_us =
		    day0 + (int64_t)(rnd() % 86000) * 1000000 + rnd() % 1000000;
		s[i].end_us = s[i].start_us + (1 + rnd() % 120) * 1000000LL;
		s[i].sport = (uint16_t)(32768 + rnd() % 28000);
		s[i].pport = (uint16_t)(1024 + rnd() % 64000);
		s[i].proto = rnd() % 3 ? 6 : 17;
		s[i].dport = s[i].proto == 6 ? 443 : 53;
		s[i].server = (uint8_t)rnd();
		s[i].id = rnd() ^ (uint32_t)(i * 2654435761u);
		e[2 * i].t = s[i].start_us;
		e[2 * i].idx = (uint32_t)i;
		e[2 * i].destroy = 0;
		/* DESTROY when the garbage collector reaps it: up to 20 s late
		 */
		e[2 * i + 1].t = s[i].end_us + (rnd() % 20) * 1000000LL;
		e[2 * i + 1].idx = (uint32_t)i;
		e[2 * i + 1].destroy = 1;
	}
	qsort(e, 2 * k, sizeof(*e), cmp_evt);
	*ev = e;
	*n = k;
	return s;
}

static int
gen_conntrack(
    uint32_t subs, uint32_t per, uint32_t days, int64_t start, const char *dir)
{
	char path[4096], a[16], b[16], c[16];
	FILE *out, *lf, *qf;
	uint32_t d, i;
	size_t n, j;

	snprintf(path, sizeof(path), "%s/conntrack.log", dir);
	out = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/leases.csv", dir);
	lf = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/queries.txt", dir);
	qf = fopen(path, "w");
	if (!out || !lf || !qf) {
		fprintf(stderr, "natgen: cannot write under %s\n", dir);
		return 1;
	}
	fprintf(lf,
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	    "fqdn_fwd,fqdn_rev,hostname,state,user_context\n");
	for (i = 0; i < subs; i++) {
		ip4(inside_of(i), a);
		fprintf(lf,
		    "%s,02:00:%02x:%02x:%02x:%02x,,%u,%lld,1,0,0,sub%u,0,\n", a,
		    (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255,
		    (days + 2) * 86400u,
		    (long long)(start / 1000000 + (days + 1) * 86400LL), i);
	}
	for (d = 0; d < days; d++) {
		struct evt *e;
		struct sess *s = day_sessions(
		    subs, per, start + (int64_t)d * 86400 * 1000000, &e, &n);
		for (j = 0; j < 2 * n; j++) {
			const struct sess *x = &s[e[j].idx];
			ip4(inside_of(x->sub), a);
			ip4(server_of(x->server), b);
			ip4(public_of(x->sub), c);
			if (!e[j].destroy)
				fprintf(out,
				    "[%lld.%06lld]\t    [NEW] ipv4     2 "
				    "%s      %u %u %s src=%s dst=%s sport=%u "
				    "dport=%u [UNREPLIED] src=%s dst=%s "
				    "sport=%u "
				    "dport=%u id=%u\n",
				    (long long)(e[j].t / 1000000),
				    (long long)(e[j].t % 1000000),
				    x->proto == 6 ? "tcp" : "udp", x->proto,
				    x->proto == 6 ? 120 : 30,
				    x->proto == 6 ? "SYN_SENT" : "", a, b,
				    x->sport, x->dport, b, c, x->dport,
				    x->pport, x->id);
			else
				fprintf(out,
				    "[%lld.%06lld]\t[DESTROY] ipv4     2 "
				    "%s      %u src=%s dst=%s sport=%u "
				    "dport=%u "
				    "packets=4 bytes=400 src=%s dst=%s "
				    "sport=%u "
				    "dport=%u packets=4 bytes=800 "
				    "delta-time=%lld "
				    "id=%u\n",
				    (long long)(e[j].t / 1000000),
				    (long long)(e[j].t % 1000000),
				    x->proto == 6 ? "tcp" : "udp", x->proto, a,
				    b, x->sport, x->dport, b, c, x->dport,
				    x->pport,
				    (long long)((x->end_us - x->start_us) /
					1000000),
				    x->id);
		}
		for (j = 0; j < 200 && d == days / 2; j++) {
			const struct sess *x = &s[rnd() % n];
			ip4(public_of(x->sub), c);
			ip4(inside_of(x->sub), a);
			ip4(server_of(x->server), b);
			time_t mid =
			    (time_t)((x->start_us + x->end_us) / 2000000);
			struct tm tm;
			char ts[32];
			gmtime_r(&mid, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			fprintf(qf,
			    "%s:%u %s %s:%u src=%s dst=%s sport=%u "
			    "dport=%u\n",
			    c, x->pport, ts, a, x->sport, b, c, x->dport,
			    x->pport);
		}
		free(s);
		free(e);
	}
	fclose(out);
	fclose(lf);
	fclose(qf);
	return 0;
}

/* ---- IPFIX ---- */

struct msg {
	uint8_t b[1400];
	size_t n, set;
};

static void
p8(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void
p16(struct msg *m, unsigned v)
{
	p8(m, v >> 8);
	p8(m, v & 255);
}

static void
p32(struct msg *m, uint32_t v)
{
	p16(m, v >> 16);
	p16(m, v & 0xffff);
}

static void
p64(struct msg *m, uint64_t v)
{
	p32(m, (uint32_t)(v >> 32));
	p32(m, (uint32_t)v);
}

static void
m_begin(struct msg *m, uint32_t t, uint32_t seq, uint32_t dom)
{
	m->n = 0;
	p16(m, 10);
	p16(m, 0);
	p32(m, t);
	p32(m, seq);
	p32(m, dom);
}

static void
m_end(struct msg *m)
{
	m->b[2] = (uint8_t)(m->n >> 8);
	m->b[3] = (uint8_t)m->n;
}

static void
s_begin(struct msg *m, unsigned id)
{
	m->set = m->n;
	p16(m, id);
	p16(m, 0);
}

static void
s_end(struct msg *m)
{
	size_t l = m->n - m->set;

	m->b[m->set + 2] = (uint8_t)(l >> 8);
	m->b[m->set + 3] = (uint8_t)l;
}

/* session template 256: 323 8 225 4 7 227 12 11 230 (RFC 8158 style) */
static void
t_session(struct msg *m)
{
	static const unsigned f[][2] = {{323, 8}, {8, 4}, {225, 4}, {4, 1},
	    {7, 2}, {227, 2}, {12, 4}, {11, 2}, {230, 1}};
	size_t i;

	s_begin(m, 2);
	p16(m, 256);
	p16(m, 9);
	for (i = 0; i < 9; i++) {
		p16(m, f[i][0]);
		p16(m, f[i][1]);
	}
	s_end(m);
}

/* port block template 257: 323 230 8 225 361 362 363 364 */
static void
t_block(struct msg *m)
{
	static const unsigned f[][2] = {{323, 8}, {230, 1}, {8, 4}, {225, 4},
	    {361, 2}, {362, 2}, {363, 2}, {364, 2}};
	size_t i;

	s_begin(m, 2);
	p16(m, 257);
	p16(m, 8);
	for (i = 0; i < 8; i++) {
		p16(m, f[i][0]);
		p16(m, f[i][1]);
	}
	s_end(m);
}

static void
r_session(struct msg *m, uint64_t ms, uint32_t in, uint32_t pub, int proto,
    int sport, int pport, uint32_t dst, int dport, int ev)
{
	p64(m, ms);
	p32(m, in);
	p32(m, pub);
	p8(m, (unsigned)proto);
	p16(m, (unsigned)sport);
	p16(m, (unsigned)pport);
	p32(m, dst);
	p16(m, (unsigned)dport);
	p8(m, (unsigned)ev);
}

static void
r_block(struct msg *m, uint64_t ms, int ev, uint32_t in, uint32_t pub, int lo,
    int hi)
{
	p64(m, ms);
	p8(m, (unsigned)ev);
	p32(m, in);
	p32(m, pub);
	p16(m, (unsigned)lo);
	p16(m, (unsigned)hi);
	p16(m, 1);
	p16(m, (unsigned)(hi - lo + 1));
}

static int
gen_ipfix(
    uint32_t subs, uint32_t per, uint32_t days, int64_t start, const char *path)
{
	FILE *out = fopen(path, "wb");
	struct msg m;
	uint32_t d, seq = 0;
	size_t n, j;

	if (out == NULL) {
		fprintf(stderr, "natgen: %s: cannot write\n", path);
		return 1;
	}
	m_begin(&m, (uint32_t)(start / 1000000), seq, 1);
	t_session(&m);
	m_end(&m);
	fwrite(m.b, 1, m.n, out);
	for (d = 0; d < days; d++) {
		struct evt *e;
		struct sess *s = day_sessions(
		    subs, per, start + (int64_t)d * 86400 * 1000000, &e, &n);
		m.n = 0;
		for (j = 0; j < 2 * n; j++) {
			const struct sess *x = &s[e[j].idx];
			if (m.n == 0 || m.n > 1300) {
				if (m.n) {
					s_end(&m);
					m_end(&m);
					fwrite(m.b, 1, m.n, out);
				}
				m_begin(
				    &m, (uint32_t)(e[j].t / 1000000), ++seq, 1);
				s_begin(&m, 256);
			}
			r_session(&m,
			    (uint64_t)(e[j].destroy ? x->end_us : x->start_us) /
				1000,
			    inside_of(x->sub), public_of(x->sub), x->proto,
			    x->sport, x->pport, server_of(x->server), x->dport,
			    e[j].destroy ? 5 : 4);
		}
		if (m.n) {
			s_end(&m);
			m_end(&m);
			fwrite(m.b, 1, m.n, out);
		}
		free(s);
		free(e);
	}
	fclose(out);
	return 0;
}

static int
sender(const char *bind_ip)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, bind_ip, &a.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("natgen: bind");
		exit(1);
	}
	return fd;
}

static void
send_to(int fd, const struct sockaddr_in *to, struct msg *m)
{
	m_end(m);
	if (sendto(fd, m->b, m->n, 0, (const struct sockaddr *)to,
		sizeof(*to)) != (ssize_t)m->n)
		perror("natgen: sendto");
	usleep(20000);
}

/*
 * The loopback scenario (times from 2026-11-29T21:00:00Z = 1795986000):
 * A = 127.0.0.1, IANA numbering:
 *   1. data 257: port block 16 alloc 100.64.1.1 -> 203.0.113.50:1024-1151
 *      at +0 (template not sent yet: held)
 *   2. templates 256, 257: the held block comes out
 *   3. session 4 create 100.64.1.2:5555 -> 203.0.113.50:2000 udp at +10 s
 *   4. withdrawal of 256, then a session create 100.64.1.3 -> :2001 at
 *      +20 s by the withdrawn template (held; never decoded: the test
 *      checks it is absent)
 *   5. port block 17 de-alloc of 100.64.1.1's block at +60 s
 * B = 127.0.0.2, draft-02 numbering (--draft-exporter 127.0.0.2):
 *   6. templates, then natEvent 14 (draft: port block alloc)
 *      100.64.2.1 -> 203.0.113.60:4096-4223 at +5 s, and natEvent 16
 *      (draft: not a holder event) 100.64.2.2 -> 203.0.113.60:8192-8319
 */
static int
ipfix_test(const char *spec)
{
	struct sockaddr_in to;
	struct msg m;
	const char *colon = strrchr(spec, ':');
	char host[64];
	int a, b;
	uint64_t t0 = 1795986000ULL * 1000;
	uint32_t pub = (203u << 24 | 113u << 8) + 50, pub2 = pub + 10;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		return 2;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)num(colon + 1, 65535));
	inet_pton(AF_INET, host, &to.sin_addr);
	a = sender("127.0.0.1");
	b = sender("127.0.0.2");
	m_begin(&m, 1795986000u, 0, 1);
	s_begin(&m, 257);
	r_block(&m, t0, 16, inside_of(257) + 0, pub, 1024, 1151);
	s_end(&m);
	send_to(a, &to, &m);
	m_begin(&m, 1795986001u, 1, 1);
	t_session(&m);
	t_block(&m);
	send_to(a, &to, &m);
	m_begin(&m, 1795986010u, 2, 1);
	s_begin(&m, 256);
	r_session(&m, t0 + 10000, inside_of(258), pub, 17, 5555, 2000,
	    server_of(9), 53, 4);
	s_end(&m);
	send_to(a, &to, &m);
	m_begin(&m, 1795986020u, 3, 1);
	s_begin(&m, 2);
	p16(&m, 256);
	p16(&m, 0);
	s_end(&m);
	s_begin(&m, 256);
	r_session(&m, t0 + 20000, inside_of(259), pub, 17, 5556, 2001,
	    server_of(9), 53, 4);
	s_end(&m);
	send_to(a, &to, &m);
	m_begin(&m, 1795986060u, 4, 1);
	s_begin(&m, 257);
	r_block(&m, t0 + 60000, 17, inside_of(257), pub, 1024, 1151);
	s_end(&m);
	send_to(a, &to, &m);
	m_begin(&m, 1795986005u, 0, 1);
	t_block(&m);
	s_begin(&m, 257);
	r_block(&m, t0 + 5000, 14, (100u << 24 | 64u << 16 | 2u << 8 | 1), pub2,
	    4096, 4223);
	r_block(&m, t0 + 5000, 16, (100u << 24 | 64u << 16 | 2u << 8 | 2), pub2,
	    8192, 8319);
	s_end(&m);
	send_to(b, &to, &m);
	close(a);
	close(b);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "conntrack") == 0)
		return gen_conntrack((uint32_t)num(argv[2], 16000000),
		    (uint32_t)num(argv[3], 100000), (uint32_t)num(argv[4], 400),
		    (int64_t)num(argv[5], 4000000000ULL) * 1000000, argv[6]);
	if (argc == 7 && strcmp(argv[1], "ipfix") == 0)
		return gen_ipfix((uint32_t)num(argv[2], 16000000),
		    (uint32_t)num(argv[3], 100000), (uint32_t)num(argv[4], 400),
		    (int64_t)num(argv[5], 4000000000ULL) * 1000000, argv[6]);
	if (argc == 3 && strcmp(argv[1], "ipfix-test") == 0)
		return ipfix_test(argv[2]);
	fprintf(stderr,
	    "usage: natgen conntrack|ipfix SUBS SESSIONS DAYS "
	    "START OUTDIR|OUTFILE\n       natgen ipfix-test ADDR:PORT\n");
	return 2;
}
