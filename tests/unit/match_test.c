/*
 * match_test - capture (cap), frame parsing (pkt) and target matching
 * (match) on the fixtures of tests/data/li (made by bench/pcapgen, see
 * tests/data/li/README) and on hand-made frames.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/case.h"
#include "li/cap.h"
#include "li/match.h"
#include "li/pkt.h"
#include "t.h"

#define MAXEV 64
#define MAXPK 256

struct ev {
	uint32_t icpt;
	struct li_iri iri;
};

struct pk {
	uint32_t icpt;
	enum li_dir dir;
	struct cs_addr src, dst;
	int payload; /* "PAYLOAD-<n>" number, -1 if none */
};

struct rec {
	struct ev ev[MAXEV];
	int nev;
	struct pk pk[MAXPK];
	int npk;
};

static void
on_iri(void *ctx, uint32_t icpt, const struct li_iri *iri, cs_time t)
{
	struct rec *r = ctx;

	if (r->nev < MAXEV) {
		r->ev[r->nev].icpt = icpt;
		r->ev[r->nev].iri = *iri;
		r->nev++;
	}
}

static int
payload_no(const struct li_pkt *p)
{
	size_t i;

	for (i = 0; i + 8 < p->iplen; i++)
		if (memcmp(p->ip + i, "PAYLOAD-", 8) == 0) {
			int v = 0;

			for (i += 8;
			     i < p->iplen && p->ip[i] >= '0' && p->ip[i] <= '9';
			     i++)
				v = v * 10 + (p->ip[i] - '0');
			return v;
		}
	return -1;
}

static void
on_pkt(void *ctx, uint32_t icpt, enum li_dir dir, cs_time t,
    const struct li_pkt *p)
{
	struct rec *r = ctx;

	if (r->npk < MAXPK) {
		r->pk[r->npk].icpt = icpt;
		r->pk[r->npk].dir = dir;
		r->pk[r->npk].src = p->src;
		r->pk[r->npk].dst = p->dst;
		r->pk[r->npk].payload = payload_no(p);
		r->npk++;
	}
}

/* replay - every packet of a fixture through m */
static int
replay(const char *path, struct li_match *m, struct rec *r)
{
	struct li_match_cb cb = {r, on_iri, on_pkt};
	struct cs_errbuf eb;
	struct li_cap *c;
	const uint8_t *f;
	size_t n;
	cs_time t;
	int lt, rc, count = 0;
	struct li_pkt p;

	memset(r, 0, sizeof(*r));
	c = li_cap_open_file(path, 0, &eb);
	if (c == NULL) {
		fprintf(stderr, "  %s\n", eb.msg);
		return -1;
	}
	while ((rc = li_cap_next(c, &t, &f, &n, &lt)) == 1) {
		count++;
		if (li_pkt_parse(lt, f, n, &p) == 0)
			li_match_packet(m, t, &p, &cb);
	}
	T_EQ_INT(rc, 0);
	T_CHECK(li_cap_eof(c));
	li_cap_close(c);
	return count;
}

static void
add(struct li_match *m, uint32_t icpt, const char *spec, int incl)
{
	struct cs_target t;
	struct cs_errbuf eb;

	if (cs_target_parse(spec, &t, &eb) != CS_OK) {
		fprintf(stderr, "  %s: %s\n", spec, eb.msg);
		T_CHECK(0);
		return;
	}
	T_EQ_INT(li_match_add(m, icpt, &t, incl), 0);
}

static const char *
fmt(const struct cs_addr *a)
{
	static char b[4][CS_ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	if (a->family == 0)
		return "";
	cs_addr_format(a, b[i]);
	return b[i];
}

static int
npk(const struct rec *r, uint32_t icpt, enum li_dir dir)
{
	int i, n = 0;

	for (i = 0; i < r->npk; i++)
		if (r->pk[i].icpt == icpt && (dir == 99 || r->pk[i].dir == dir))
			n++;
	return n;
}

/* involves - a reported packet of icpt to/from address s */
static int
involves(const struct rec *r, uint32_t icpt, const char *s)
{
	int i;

	for (i = 0; i < r->npk; i++)
		if (r->pk[i].icpt == icpt &&
		    (strcmp(fmt(&r->pk[i].src), s) == 0 ||
			strcmp(fmt(&r->pk[i].dst), s) == 0))
			return 1;
	return 0;
}

static const struct ev *
nth_ev(const struct rec *r, uint32_t icpt, int k)
{
	int i;

	for (i = 0; i < r->nev; i++)
		if (r->ev[i].icpt == icpt && k-- == 0)
			return &r->ev[i];
	return NULL;
}

static int
nev(const struct rec *r, uint32_t icpt)
{
	int i, n = 0;

	for (i = 0; i < r->nev; i++)
		n += r->ev[i].icpt == icpt;
	return n;
}

#define EV_IS(r, icpt, k, evt, want)                        \
	do {                                                \
		const struct ev *e_ = nth_ev(r, icpt, k);   \
		T_CHECK(e_ != NULL);                        \
		if (e_) {                                   \
			T_EQ_INT(e_->iri.event, evt);       \
			T_EQ_STR(fmt(&e_->iri.addr), want); \
		}                                           \
	} while (0)

static struct rec R;

/* the target's address changes: Stop, the old address goes to a
 * non-target, Start with a new one; then Accounting-Off ends it */
static void
test_target_moves(void)
{
	struct li_match *m = li_match_new();
	const struct ev *e;
	struct li_match_stats st;
	int i;

	add(m, 1, "username:alice@example.net", 0);
	add(m, 2, "circuit:eth1/1/1:100", 0); /* NAS-Port-Id */
	add(m, 3, "mac:0200.0000.000A", 0);   /* Calling-Station-Id */
	add(m, 4, "circuit:0x64736c616d312061746d20312f312f313a382e3335",
	    0); /* "dslam1 atm 1/1/1:8.35" (blanks: hex form) */
	add(m, 5, "username:carol@example.net", 0); /* never online */
	T_CHECK(replay("tests/data/li/target-moves.pcap", m, &R) > 30);
	for (i = 1; i <= 4; i++) {
		T_EQ_INT(npk(&R, (uint32_t)i, 99), 15);
		T_EQ_INT(npk(&R, (uint32_t)i, LI_DIR_FROM_TARGET), 8);
		T_EQ_INT(npk(&R, (uint32_t)i, LI_DIR_TO_TARGET), 7);
		T_EQ_INT(nev(&R, (uint32_t)i), 5);
		EV_IS(&R, (uint32_t)i, 0, LI_EV_ACCESS_ACCEPT, "100.64.0.10");
		EV_IS(&R, (uint32_t)i, 1, LI_EV_INTERIM_UPDATE, "100.64.0.10");
		EV_IS(&R, (uint32_t)i, 2, LI_EV_ACCESS_END, "100.64.0.10");
		EV_IS(&R, (uint32_t)i, 3, LI_EV_ACCESS_ACCEPT, "100.64.0.11");
		EV_IS(&R, (uint32_t)i, 4, LI_EV_ACCESS_END, "100.64.0.11");
		/* bob's address, and bob on alice's old one, never */
		T_CHECK(!involves(&R, (uint32_t)i, "100.64.0.20"));
	}
	T_EQ_INT(npk(&R, 5, 99), 0);
	T_EQ_INT(nev(&R, 5), 0);
	/* the packets on .10 are all before alice's Stop: payload numbers
	 * below bob's first packet on .10 */
	for (i = 0; i < R.npk; i++)
		if (strcmp(fmt(&R.pk[i].src), "100.64.0.10") == 0 ||
		    strcmp(fmt(&R.pk[i].dst), "100.64.0.10") == 0)
			T_CHECK(R.pk[i].payload <= 23);
	e = nth_ev(&R, 1, 0);
	if (e) {
		T_EQ_STR(e->iri.username, "alice@example.net");
		T_EQ_STR(e->iri.network_id, "02:00:00:00:00:0a");
		T_EQ_STR(e->iri.pop_id, "nas1.example.net");
		T_EQ_STR(fmt(&e->iri.pop_addr), "10.0.0.1");
		T_EQ_STR(e->iri.pop_port, "eth1/1/1:100");
		T_EQ_INT(e->iri.auth, LI_AUTH_RADIUS);
		T_CHECK(e->iri.start != CS_TIME_NONE);
	}
	e = nth_ev(&R, 1, 2);
	if (e) {
		T_EQ_INT(
		    e->iri.end_reason, 1); /* User-Request: regularLogoff */
		T_CHECK(e->iri.end != CS_TIME_NONE);
	}
	e = nth_ev(&R, 1, 4); /* Accounting-Off */
	if (e)
		T_EQ_INT(e->iri.end_reason, 0);
	li_match_stats(m, &st);
	T_EQ_INT(st.bad_radius, 0);
	T_EQ_INT(st.radius, 9);
	T_EQ_INT(st.sessions, 0);
	T_CHECK(!li_match_active(m, 1));
	li_match_free(m);
}

/* Framed-IPv6-Prefix, Delegated-IPv6-Prefix, RADIUS over IPv6, QinQ,
 * a hop-by-hop header; static IPv6 prefix and IPv4 host targets */
static void
test_ipv6(void)
{
	struct li_match *m = li_match_new();
	const struct ev *e;

	add(m, 1, "username:alice@example.net", 0);
	add(m, 2, "ipv6prefix:2001:db8:100:b::/64", 0);
	add(m, 3, "ip:198.51.100.10", 0);
	T_CHECK(replay("tests/data/li/ipv6.pcap", m, &R) > 20);
	T_EQ_INT(npk(&R, 1, 99), 12);
	T_CHECK(involves(&R, 1, "2001:db8:100:a::1234"));
	T_CHECK(involves(&R, 1, "2001:db8:200:a05::99"));
	T_CHECK(!involves(&R, 1, "2001:db8:100:b::1"));
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 0, LI_EV_ACCESS_ACCEPT, "100.64.0.10");
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.0.10");
	e = nth_ev(&R, 1, 0);
	if (e)
		T_EQ_STR(fmt(&e->iri.pop_addr), "2001:db8::1");
	e = nth_ev(&R, 1, 1);
	if (e)
		T_EQ_INT(e->iri.end_reason, 3); /* Idle-Timeout */
	/* the static prefix: bob's packets, no IRI */
	T_EQ_INT(npk(&R, 2, 99), 5);
	T_EQ_INT(npk(&R, 2, LI_DIR_FROM_TARGET), 3);
	T_EQ_INT(nev(&R, 2), 0);
	T_EQ_INT(npk(&R, 3, 99), 2);
	/* ending: the static targets are still "online" */
	{
		struct li_match_cb cb = {&R, on_iri, on_pkt};

		memset(&R, 0, sizeof(R));
		T_EQ_INT(
		    li_match_report(m, 2, LI_EV_END_WITH_SESSION, 9, &cb), 1);
		EV_IS(&R, 2, 0, LI_EV_END_WITH_SESSION, "2001:db8:100:b::/64");
		if (R.nev)
			T_EQ_INT(R.ev[0].iri.auth, LI_AUTH_STATIC);
		/* alice's session ended in the capture: nothing to report */
		T_EQ_INT(
		    li_match_report(m, 1, LI_EV_END_WITH_SESSION, 9, &cb), 0);
	}
	li_match_free(m);
}

/* alice is online before the capture: without the store's binding the
 * Interim picks her up; with it (li_match_seed) from the first packet */
static void
test_online_before(void)
{
	struct li_match *m = li_match_new();
	struct cs_addr a;

	add(m, 1, "username:alice@example.net", 0);
	T_CHECK(replay("tests/data/li/online-before.pcap", m, &R) > 10);
	T_EQ_INT(npk(&R, 1, 99), 4);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 0, LI_EV_INTERIM_UPDATE, "100.64.0.30");
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.0.30");
	li_match_free(m);

	m = li_match_new();
	add(m, 1, "username:alice@example.net", 0);
	add(m, 2, "mac:02:00:00:00:00:0a", 0);
	cs_addr_parse(cs_span_cstr("100.64.0.30"), &a);
	T_EQ_INT(li_match_seed(
		     m, "alice@example.net", "02-00-00-00-00-0A", NULL, &a, 0),
	    2);
	/* a binding of somebody else is not kept */
	cs_addr_parse(cs_span_cstr("100.64.0.31"), &a);
	T_EQ_INT(li_match_seed(m, "bob@example.net", NULL, NULL, &a, 0), 0);
	T_CHECK(li_match_active(m, 1));
	/* what the tap sends right after activation */
	{
		struct li_match_cb cb = {&R, on_iri, on_pkt};
		const struct ev *e;

		memset(&R, 0, sizeof(R));
		T_EQ_INT(
		    li_match_report(m, 1, LI_EV_START_WITH_SESSION, 5, &cb), 1);
		EV_IS(&R, 1, 0, LI_EV_START_WITH_SESSION, "100.64.0.30");
		e = nth_ev(&R, 1, 0);
		if (e) {
			T_EQ_STR(e->iri.username, "alice@example.net");
			T_EQ_STR(e->iri.network_id, "02:00:00:00:00:0a");
		}
		T_EQ_INT(
		    li_match_report(m, 7, LI_EV_START_WITH_SESSION, 5, &cb), 0);
	}
	T_CHECK(replay("tests/data/li/online-before.pcap", m, &R) > 10);
	T_EQ_INT(npk(&R, 1, 99), 10);
	T_EQ_INT(npk(&R, 2, 99), 10);
	T_CHECK(!involves(&R, 1, "100.64.0.31"));
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 0, LI_EV_INTERIM_UPDATE, "100.64.0.30");
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.0.30");
	T_CHECK(!li_match_active(m, 1));
	li_match_free(m);
}

/* DHCP through a relay: ACK, renewal, RELEASE, a lease that runs out;
 * a circuit target that also wants the DHCP packets themselves */
static void
test_dhcp(void)
{
	struct li_match *m = li_match_new();
	const struct ev *e;
	int i;

	add(m, 1, "mac:02:00:00:00:00:0a", 0);
	add(m, 2, "circuit:olt1-pon-1/1/1:7", 1);
	T_CHECK(replay("tests/data/li/dhcp.pcap", m, &R) > 20);
	for (i = 1; i <= 2; i++) {
		T_EQ_INT(nev(&R, (uint32_t)i), 5);
		EV_IS(&R, (uint32_t)i, 0, LI_EV_ACCESS_ACCEPT, "100.64.1.10");
		EV_IS(&R, (uint32_t)i, 1, LI_EV_INTERIM_UPDATE, "100.64.1.10");
		EV_IS(&R, (uint32_t)i, 2, LI_EV_ACCESS_END, "100.64.1.10");
		EV_IS(&R, (uint32_t)i, 3, LI_EV_ACCESS_ACCEPT, "100.64.1.12");
		EV_IS(&R, (uint32_t)i, 4, LI_EV_ACCESS_END, "100.64.1.12");
		T_CHECK(!involves(&R, (uint32_t)i, "100.64.1.11"));
	}
	T_EQ_INT(npk(&R, 1, 99), 6);
	/* + the 11 DHCP packets that carry alice's circuit id */
	T_EQ_INT(npk(&R, 2, 99), 17);
	e = nth_ev(&R, 1, 0);
	if (e) {
		T_EQ_INT(e->iri.auth, LI_AUTH_DHCP);
		T_EQ_STR(e->iri.pop_port, "olt1-pon-1/1/1:7");
		T_EQ_STR(fmt(&e->iri.pop_addr), "100.64.1.1");
	}
	e = nth_ev(&R, 1, 2);
	if (e)
		T_EQ_INT(e->iri.end_reason, 1); /* RELEASE */
	e = nth_ev(&R, 1, 4);
	if (e)
		T_EQ_INT(e->iri.end_reason, 4); /* leaseExpired */
	li_match_free(m);
}

/* li_match_remove forgets an intercept; the others stay */
static void
test_remove(void)
{
	struct li_match *m = li_match_new();

	add(m, 1, "username:alice@example.net", 0);
	add(m, 2, "ip:100.64.0.20", 0);
	li_match_remove(m, 1);
	T_CHECK(replay("tests/data/li/target-moves.pcap", m, &R) > 30);
	T_EQ_INT(npk(&R, 1, 99), 0);
	T_EQ_INT(nev(&R, 1), 0);
	T_EQ_INT(npk(&R, 2, 99), 6);
	li_match_free(m);
	/* kinds it cannot follow */
	{
		struct cs_target t;
		struct cs_errbuf eb;

		m = li_match_new();
		T_EQ_INT(cs_target_parse("email:a@b.example", &t, &eb), CS_OK);
		T_EQ_INT(li_match_add(m, 1, &t, 0), -1);
		T_EQ_INT(cs_target_parse("ip:10.0.0.0/7", &t, &eb), CS_OK);
		T_EQ_INT(li_match_add(m, 1, &t, 0), -1);
		T_EQ_INT(cs_target_parse("ip:10.0.0.0/8", &t, &eb), CS_OK);
		T_EQ_INT(li_match_add(m, 1, &t, 0), 0);
		T_EQ_INT(
		    cs_target_parse("ipv6prefix:2000::/3", &t, &eb), CS_OK);
		T_EQ_INT(li_match_add(m, 1, &t, 0), -1);
		li_match_free(m);
	}
}

/* the same capture as pcapng (read by libpcap) gives the same result; a
 * cut file is an error naming the byte */
static void
test_cap_formats(void)
{
	struct li_match *m = li_match_new();
	struct cs_errbuf eb;
	struct li_cap *c;
	const uint8_t *f;
	size_t n, len;
	cs_time t, first = 0;
	int lt, rc, k = 0;
	char path[64], buf[4096];
	FILE *in, *out;

	add(m, 1, "username:alice@example.net", 0);
	T_CHECK(replay("tests/data/li/target-moves.pcapng", m, &R) > 30);
	T_EQ_INT(npk(&R, 1, 99), 15);
	T_EQ_INT(nev(&R, 1), 5);
	li_match_free(m);
	/* the first record: time and link type as libpcap gives them */
	c = li_cap_open_file("tests/data/li/target-moves.pcap", 0, &eb);
	T_CHECK(c != NULL);
	if (c) {
		T_EQ_INT(li_cap_next(c, &first, &f, &n, &lt), 1);
		T_EQ_INT(first, 1795946400LL * CS_US);
		T_EQ_INT(lt, LI_LT_EN10MB);
		li_cap_close(c);
	}
	/* cut in the middle of a record */
	snprintf(path, sizeof(path), "/tmp/match_test.%d.pcap", (int)getpid());
	in = fopen("tests/data/li/target-moves.pcap", "rb");
	out = fopen(path, "wb");
	T_CHECK(in && out);
	if (!in || !out)
		return;
	len = fread(buf, 1, 24 + 16 + 100, in);
	fwrite(buf, 1, len, out);
	fclose(in);
	fclose(out);
	c = li_cap_open_file(path, 0, &eb);
	T_CHECK(c != NULL);
	if (c) {
		while ((rc = li_cap_next(c, &t, &f, &n, &lt)) == 1)
			k++;
		T_EQ_INT(rc, -1);
		T_EQ_INT(k, 0);
		T_CHECK(strstr(li_cap_error(c), "byte 24") != NULL);
		li_cap_close(c);
	}
	unlink(path);
	/* not a capture at all */
	T_CHECK(li_cap_open_file("tests/data/li/README", 0, &eb) == NULL);
	T_CHECK(eb.msg[0] != '\0');
	T_CHECK(li_cap_open_file("/nonexistent.pcap", 0, &eb) == NULL);
}

/* --realtime: the capture's own pace (the dhcp fixture spans ~62 s, so
 * online-before, ~0.05 s) */
static void
test_cap_realtime(void)
{
	struct cs_errbuf eb;
	struct li_cap *c;
	const uint8_t *f;
	size_t n;
	cs_time t, first = CS_TIME_NONE, last = 0;
	struct timespec a, b;
	int lt;
	int64_t wall;

	c = li_cap_open_file("tests/data/li/online-before.pcap", 1, &eb);
	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (li_cap_next(c, &t, &f, &n, &lt) == 1) {
		if (first == CS_TIME_NONE)
			first = t;
		last = t;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	li_cap_close(c);
	wall = (int64_t)(b.tv_sec - a.tv_sec) * CS_US +
	    (b.tv_nsec - a.tv_nsec) / 1000;
	T_CHECK(last - first > 20000);
	T_CHECK(wall >= last - first);
}

/* evidence file: alice's packets written as raw IP, hashed as written,
 * read back */
static struct li_evid *ev_file;

static void
on_pkt_evid(void *ctx, uint32_t icpt, enum li_dir dir, cs_time t,
    const struct li_pkt *p)
{
	struct cs_errbuf eb;

	T_EQ_INT(
	    li_evid_write(ev_file, t, p->ip, p->iplen, p->iplen, &eb), CS_OK);
}

static void
test_evidence(void)
{
	struct li_match_cb cb = {NULL, NULL, on_pkt_evid};
	struct li_match *m = li_match_new();
	struct cs_errbuf eb;
	struct li_cap *c;
	const uint8_t *f;
	size_t n;
	cs_time t;
	int lt, k = 0;
	char path[64], hex[65], hex2[65];
	unsigned char md[crypto_hash_sha256_BYTES];
	uint64_t bytes = 0;
	struct li_pkt p;
	FILE *in;
	static uint8_t buf[65536];
	size_t len;

	add(m, 1, "username:alice@example.net", 0);
	snprintf(path, sizeof(path), "/tmp/match_test.%d.evid", (int)getpid());
	unlink(path);
	ev_file = li_evid_open(path, &eb);
	T_CHECK(ev_file != NULL);
	if (ev_file == NULL)
		return;
	T_CHECK(li_evid_open(path, &eb) == NULL); /* never overwritten */
	c = li_cap_open_file("tests/data/li/target-moves.pcap", 0, &eb);
	while (c && li_cap_next(c, &t, &f, &n, &lt) == 1)
		if (li_pkt_parse(lt, f, n, &p) == 0)
			li_match_packet(m, t, &p, &cb);
	li_cap_close(c);
	li_match_free(m);
	T_EQ_INT(li_evid_close(ev_file, hex, &bytes, &eb), CS_OK);
	in = fopen(path, "rb");
	T_CHECK(in != NULL);
	if (in) {
		len = fread(buf, 1, sizeof(buf), in);
		fclose(in);
		T_EQ_INT(len, bytes);
		crypto_hash_sha256(md, buf, len);
		sodium_bin2hex(hex2, sizeof(hex2), md, sizeof(md));
		T_EQ_STR(hex, hex2);
	}
	c = li_cap_open_file(path, 0, &eb);
	T_CHECK(c != NULL);
	while (c && li_cap_next(c, &t, &f, &n, &lt) == 1) {
		T_EQ_INT(li_pkt_parse(lt, f, n, &p), 0);
		k++;
	}
	T_EQ_INT(k, 15);
	li_cap_close(c);
	unlink(path);
}

/* ---- frames ---- */

static const uint8_t v4udp[] = {0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 192,
    0, 2, 1, 198, 51, 100, 7, 0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0, 'a', 'b',
    'c', 'd'};

static size_t
mk(uint8_t *f, const uint8_t *hdr, size_t hn, const uint8_t *ip, size_t in)
{
	memcpy(f, hdr, hn);
	memcpy(f + hn, ip, in);
	return hn + in;
}

static void
test_linktypes(void)
{
	uint8_t f[256];
	struct li_pkt p;
	size_t n;
	static const uint8_t eth[] = {
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00};
	static const uint8_t qinq[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 200, 0x08, 0x00};
	static const uint8_t sll[16] = {
	    0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
	static const uint8_t sll2[20] = {
	    0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6};
	static const uint8_t null_le[4] = {2, 0, 0, 0};
	static const uint8_t loop_be[4] = {0, 0, 0, 2};
	static const uint8_t pppoe[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    0x88, 0x64, 0x11, 0, 0, 1, 0, 34, 0x00, 0x21};

	n = mk(f, eth, sizeof(eth), v4udp, sizeof(v4udp));
	f[n++] = 0; /* Ethernet padding: not part of the IP packet */
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, n, &p), 0);
	T_EQ_INT(p.iplen, 32);
	T_EQ_STR(fmt(&p.src), "192.0.2.1");
	T_EQ_STR(fmt(&p.dst), "198.51.100.7");
	T_EQ_INT(p.sport, 12345);
	T_EQ_INT(p.dport, 53);
	T_EQ_INT(p.proto, 17);
	n = mk(f, qinq, sizeof(qinq), v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, n, &p), 0);
	T_EQ_INT(p.dport, 53);
	n = mk(f, pppoe, sizeof(pppoe), v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, n, &p), 0);
	T_EQ_INT(p.dport, 53);
	n = mk(f, sll, sizeof(sll), v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_LINUX_SLL, f, n, &p), 0);
	T_EQ_INT(p.sport, 12345);
	n = mk(f, sll2, sizeof(sll2), v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_LINUX_SLL2, f, n, &p), 0);
	T_EQ_INT(p.sport, 12345);
	n = mk(f, null_le, 4, v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_NULL, f, n, &p), 0);
	n = mk(f, loop_be, 4, v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_LOOP, f, n, &p), 0);
	T_EQ_INT(li_pkt_parse(LI_LT_RAW, v4udp, sizeof(v4udp), &p), 0);
	T_EQ_INT(li_pkt_parse(LI_LT_RAW_BSD, v4udp, sizeof(v4udp), &p), 0);
	T_EQ_INT(li_pkt_parse(LI_LT_RAW_OBSD, v4udp, sizeof(v4udp), &p), 0);
	/* not IP, cut short, unknown link types */
	memcpy(f, eth, sizeof(eth));
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, 42, &p), -1);
	n = mk(f, eth, sizeof(eth), v4udp, sizeof(v4udp));
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, 14 + 19, &p), -1);
	T_EQ_INT(li_pkt_parse(LI_LT_EN10MB, f, 13, &p), -1);
	T_EQ_INT(li_pkt_parse(147, f, n, &p), -1);
	T_EQ_INT(li_pkt_parse(LI_LT_NULL, loop_be, 4, &p), -1);
}

static void
test_ip(void)
{
	uint8_t ip[128];
	struct li_pkt p;
	const uint8_t *u;
	size_t ul;

	/* a later fragment: addresses, no ports */
	memcpy(ip, v4udp, sizeof(v4udp));
	ip[6] = 0x00;
	ip[7] = 0x10;
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(v4udp), &p), 0);
	T_EQ_INT(p.sport, -1);
	T_CHECK(p.l4 == NULL);
	/* first fragment (MF set, offset 0) has them */
	ip[6] = 0x20;
	ip[7] = 0;
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(v4udp), &p), 0);
	T_EQ_INT(p.dport, 53);
	u = li_pkt_udp_payload(&p, &ul);
	T_CHECK(u != NULL && ul == 4 && memcmp(u, "abcd", 4) == 0);
	/* bad header length, bad total length */
	memcpy(ip, v4udp, sizeof(v4udp));
	ip[0] = 0x44;
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(v4udp), &p), -1);
	ip[0] = 0x4f; /* 60-byte header in a 32-byte packet */
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(v4udp), &p), -1);
	ip[0] = 0x45;
	ip[3] = 10; /* total length below the header */
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(v4udp), &p), -1);
	/* IPv6: hop-by-hop, destination options, fragment (first), UDP */
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x60;
	ip[5] = 8 + 8 + 8 + 8 + 2;
	ip[6] = 0; /* hop-by-hop */
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[23] = 1;
	ip[24] = 0x20;
	ip[25] = 0x01;
	ip[39] = 2;
	ip[40] = 60; /* -> destination options */
	ip[48] = 44; /* -> fragment */
	ip[56] = 17; /* -> UDP, offset 0 */
	ip[64] = 0x04;
	ip[65] = 0xd2;
	ip[66] = 0x00;
	ip[67] = 0x35;
	ip[69] = 10;
	T_EQ_INT(li_pkt_parse_ip(ip, 40 + 34, &p), 0);
	T_EQ_INT(p.family, 6);
	T_EQ_STR(fmt(&p.src), "2001::1");
	T_EQ_INT(p.proto, 17);
	T_EQ_INT(p.sport, 1234);
	T_EQ_INT(p.dport, 53);
	/* a later fragment */
	ip[58] = 0x01;
	T_EQ_INT(li_pkt_parse_ip(ip, 40 + 34, &p), 0);
	T_EQ_INT(p.sport, -1);
	T_EQ_INT(p.proto, 17);
	/* an extension header longer than the packet: addresses only */
	ip[58] = 0;
	ip[41] = 200;
	T_EQ_INT(li_pkt_parse_ip(ip, 40 + 34, &p), 0);
	T_EQ_INT(p.sport, -1);
	T_EQ_INT(li_pkt_parse_ip(ip, 39, &p), -1);
	ip[0] = 0x50;
	T_EQ_INT(li_pkt_parse_ip(ip, 60, &p), -1);
}

/* an Accounting-Request, built attribute by attribute */
struct rb {
	uint8_t b[512];
	size_t n;
};

static void
attr(struct rb *r, int t, const void *v, size_t n)
{
	r->b[r->n] = (uint8_t)t;
	r->b[r->n + 1] = (uint8_t)(n + 2);
	memcpy(r->b + r->n + 2, v, n);
	r->n += n + 2;
}

static void
fin(struct rb *r)
{
	r->b[2] = (uint8_t)(r->n >> 8);
	r->b[3] = (uint8_t)r->n;
}

/* feed - the Accounting-Request r->b[0..n) from src to the collector */
static void
feed(struct li_match *m, cs_time t, const struct rb *r, uint8_t src4)
{
	static uint8_t ip[28 + 512];
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	struct li_pkt p;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + r->n) >> 8);
	ip[3] = (uint8_t)(28 + r->n);
	ip[9] = 17;
	ip[12] = 10;
	ip[15] = src4;
	ip[16] = 10;
	ip[19] = 2;
	ip[20] = 0x4e;
	ip[22] = 1813 >> 8;
	ip[23] = 1813 & 0xff;
	ip[24] = (uint8_t)((8 + r->n) >> 8);
	ip[25] = (uint8_t)(8 + r->n);
	memcpy(ip + 28, r->b, r->n);
	T_EQ_INT(li_pkt_parse_ip(ip, 28 + r->n, &p), 0);
	li_match_packet(m, t, &p, &cb);
}

/* acct_req - an Accounting-Request: status, session id, user (or NULL), mac
 * (or NULL), framed address */
static void
acct_req(struct rb *r, int status, const char *sid, const char *user,
    const char *mac, uint8_t last)
{
	uint8_t st[4] = {0, 0, 0, (uint8_t)status};
	uint8_t ip[4] = {100, 64, 9, last};
	uint8_t nas[4] = {10, 0, 0, 1};

	memset(r, 0, sizeof(*r));
	r->b[0] = 4;
	r->n = 20;
	attr(r, 40, st, 4);
	attr(r, 44, sid, strlen(sid));
	attr(r, 4, nas, 4);
	if (user)
		attr(r, 1, user, strlen(user));
	if (mac)
		attr(r, 31, mac, strlen(mac));
	attr(r, 8, ip, 4);
	fin(r);
}

/* an Interim without Calling-Station-Id keeps a MAC target's session, and
 * an address change in an Interim is followed */
static void
test_interim_merge(void)
{
	struct li_match *m = li_match_new();
	struct rb r;

	memset(&R, 0, sizeof(R));
	add(m, 1, "mac:02:00:00:00:00:99", 0);
	acct_req(&r, 1, "X1", "zed", "02:00:00:00:00:99", 5);
	feed(m, 1000, &r, 1);
	acct_req(&r, 3, "X1", "zed", NULL, 6); /* new address, no MAC */
	feed(m, 2000, &r, 1);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 1, LI_EV_INTERIM_UPDATE, "100.64.9.6");
	T_CHECK(li_match_active(m, 1));
	acct_req(&r, 2, "X1", "zed", NULL, 6);
	feed(m, 3000, &r, 1);
	T_EQ_INT(nev(&R, 1), 3);
	EV_IS(&R, 1, 2, LI_EV_ACCESS_END, "100.64.9.6");
	T_CHECK(!li_match_active(m, 1));
	li_match_free(m);
}

/* the target's Stop is lost and its address goes to somebody else: the
 * target's session ends there, the other's packets are not reported */
static void
test_address_taken(void)
{
	struct li_match *m = li_match_new();
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	struct li_pkt p;
	struct rb r;
	uint8_t ip[28];

	memset(&R, 0, sizeof(R));
	add(m, 1, "username:zed", 0);
	acct_req(&r, 1, "Z1", "zed", NULL, 5);
	feed(m, 1000, &r, 1);
	T_CHECK(li_match_active(m, 1));
	acct_req(&r, 1, "Y1", "yan", NULL, 5); /* zed's Stop never came */
	feed(m, 2000, &r, 1);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.9.5");
	T_CHECK(!li_match_active(m, 1));
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[3] = 28;
	ip[9] = 17;
	ip[12] = 100;
	ip[13] = 64;
	ip[14] = 9;
	ip[15] = 5;
	ip[16] = 198;
	ip[19] = 1;
	ip[25] = 8;
	T_EQ_INT(li_pkt_parse_ip(ip, 28, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	T_EQ_INT(R.npk, 0);
	li_match_free(m);
}

/* retransmitted Accounting-Requests are one event each */
static void
test_retransmit(void)
{
	struct li_match *m = li_match_new();
	struct rb r;

	memset(&R, 0, sizeof(R));
	add(m, 1, "username:zed", 0);
	acct_req(&r, 1, "Z1", "zed", NULL, 5);
	feed(m, 1000, &r, 1);
	feed(m, 3000000, &r, 1); /* again, 3 s later */
	T_EQ_INT(nev(&R, 1), 1);
	acct_req(&r, 2, "Z1", "zed", NULL, 5);
	feed(m, 4000000, &r, 1);
	feed(m, 7000000, &r, 1);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.9.5");
	/* a Stop of a session never seen still tells the agency */
	acct_req(&r, 2, "Z0", "zed", NULL, 4);
	feed(m, 8000000, &r, 1);
	T_EQ_INT(nev(&R, 1), 3);
	li_match_free(m);
}

/* a DHCPACK seen twice (server->relay, then relay->client) is one event;
 * a lease that runs out ends by li_match_tick alone */
static void
test_dhcp_twice(void)
{
	struct li_match *m = li_match_new();
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	uint8_t ip[28 + 300];
	struct li_pkt p;
	int k;

	memset(&R, 0, sizeof(R));
	add(m, 1, "mac:02:00:00:00:00:77", 0);
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[2] = (28 + 300) >> 8;
	ip[3] = (28 + 300) & 0xff;
	ip[9] = 17;
	ip[12] = 10;
	ip[15] = 3;
	ip[16] = 100;
	ip[17] = 64;
	ip[19] = 1;
	ip[21] = 67;
	ip[23] = 67;
	ip[24] = (8 + 300) >> 8;
	ip[25] = (8 + 300) & 0xff;
	ip[28] = 2; /* BOOTREPLY */
	ip[29] = 1;
	ip[30] = 6;
	ip[32 + 3] = 0x42; /* xid */
	ip[28 + 16] = 100; /* yiaddr 100.64.7.7 */
	ip[28 + 17] = 64;
	ip[28 + 18] = 7;
	ip[28 + 19] = 7;
	memcpy(ip + 28 + 28, "\x02\x00\x00\x00\x00\x77", 6);
	memcpy(ip + 28 + 236,
	    "\x63\x82\x53\x63\x35\x01\x05\x33\x04\x00\x00\x00\x3c\xff", 14);
	for (k = 0; k < 2; k++) {
		/* second copy: relay -> client, port 68 */
		if (k == 1)
			ip[23] = 68;
		T_EQ_INT(li_pkt_parse_ip(ip, sizeof(ip), &p), 0);
		li_match_packet(m, 1000000 + k * 1000, &p, &cb);
	}
	T_EQ_INT(nev(&R, 1), 1);
	EV_IS(&R, 1, 0, LI_EV_ACCESS_ACCEPT, "100.64.7.7");
	T_CHECK(li_match_active(m, 1));
	li_match_tick(m, 1000000 + 59 * CS_US, &cb);
	T_EQ_INT(nev(&R, 1), 1);
	li_match_tick(m, 1000000 + 61 * CS_US, &cb);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.7.7");
	T_CHECK(!li_match_active(m, 1));
	li_match_free(m);
}

/* routed prefixes (Framed-Route, Framed-IPv6-Route) are the target's; a
 * default route from accounting is not followed */
static void
test_framed_routes(void)
{
	struct li_match *m = li_match_new();
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	struct li_pkt p;
	struct rb r;
	uint8_t ip4[28], ip6[48];
	static const uint8_t st[4] = {0, 0, 0, 1};

	memset(&R, 0, sizeof(R));
	add(m, 1, "username:biz", 0);
	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.n = 20;
	attr(&r, 40, st, 4);
	attr(&r, 44, "B1", 2);
	attr(&r, 1, "biz", 3);
	attr(&r, 22, "192.0.2.0/29 0.0.0.0 1", 22);
	attr(&r, 22, "0.0.0.0/0 100.64.9.1 1", 22);
	attr(&r, 99, "2001:db8:77::/48 :: 1", 21);
	fin(&r);
	feed(m, 1000, &r, 1);
	T_EQ_INT(nev(&R, 1), 1);
	memset(ip4, 0, sizeof(ip4));
	ip4[0] = 0x45;
	ip4[3] = 28;
	ip4[9] = 17;
	ip4[12] = 8; /* 8.8.8.8 -> 192.0.2.5 */
	ip4[13] = 8;
	ip4[14] = 8;
	ip4[15] = 8;
	ip4[16] = 192;
	ip4[18] = 2;
	ip4[19] = 5;
	ip4[25] = 8;
	T_EQ_INT(li_pkt_parse_ip(ip4, 28, &p), 0);
	li_match_packet(m, 2000, &p, &cb);
	T_EQ_INT(npk(&R, 1, LI_DIR_TO_TARGET), 1);
	ip4[19] = 8; /* 192.0.2.8: outside the /29 */
	T_EQ_INT(li_pkt_parse_ip(ip4, 28, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	ip4[16] = 9; /* 8.8.8.8 -> 9.0.2.8: only the default route */
	T_EQ_INT(li_pkt_parse_ip(ip4, 28, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	T_EQ_INT(npk(&R, 1, 99), 1);
	memset(ip6, 0, sizeof(ip6));
	ip6[0] = 0x60;
	ip6[5] = 8;
	ip6[6] = 17;
	ip6[8] = 0x20; /* 2001:db8:77:5::1 -> 2001:db8:ffff::1 */
	ip6[9] = 0x01;
	ip6[10] = 0x0d;
	ip6[11] = 0xb8;
	ip6[13] = 0x77;
	ip6[15] = 5;
	ip6[23] = 1;
	ip6[24] = 0x20;
	ip6[25] = 0x01;
	ip6[26] = 0x0d;
	ip6[27] = 0xb8;
	ip6[28] = 0xff;
	ip6[29] = 0xff;
	ip6[39] = 1;
	ip6[45] = 8;
	T_EQ_INT(li_pkt_parse_ip(ip6, 48, &p), 0);
	li_match_packet(m, 4000, &p, &cb);
	T_EQ_INT(npk(&R, 1, LI_DIR_FROM_TARGET), 1);
	li_match_free(m);
}

/* dhcp_feed - a DHCP packet for MAC 02:00:00:00:00:77 from src (a.b.c.d),
 * type 5 ACK (yiaddr a4) or 7 RELEASE (ciaddr a4) */
static void
dhcp_feed(struct li_match *m, cs_time t, const uint8_t src[4], int type,
    const uint8_t a4[4])
{
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	static uint8_t ip[28 + 300];
	struct li_pkt p;

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[2] = (28 + 300) >> 8;
	ip[3] = (28 + 300) & 0xff;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	ip[16] = 10;
	ip[19] = 3;
	ip[21] = type == 5 ? 67 : 68;
	ip[23] = 67;
	ip[24] = (8 + 300) >> 8;
	ip[25] = (8 + 300) & 0xff;
	ip[28] = type == 5 ? 2 : 1;
	ip[29] = 1;
	ip[30] = 6;
	memcpy(ip + 28 + (type == 5 ? 16 : 12), a4, 4);
	memcpy(ip + 28 + 28, "\x02\x00\x00\x00\x00\x77", 6);
	memcpy(ip + 28 + 236, "\x63\x82\x53\x63\x35\x01", 6);
	ip[28 + 242] = (uint8_t)type;
	ip[28 + 243] = 0xff;
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(ip), &p), 0);
	li_match_packet(m, t, &p, &cb);
}

/* with a trust list: the server's ACK counts, a RELEASE from the
 * client's own address counts, one from elsewhere does not */
static void
test_dhcp_release_trust(void)
{
	static const uint8_t server[4] = {10, 0, 0, 3};
	static const uint8_t a4[4] = {100, 64, 7, 7};
	static const uint8_t other[4] = {100, 64, 7, 8};
	struct li_match *m = li_match_new();
	struct li_match_stats st;
	struct cs_addr a;

	memset(&R, 0, sizeof(R));
	add(m, 1, "mac:02:00:00:00:00:77", 0);
	cs_addr_parse(cs_span_cstr("10.0.0.3"), &a);
	T_EQ_INT(li_match_trust(m, &a), 0);
	dhcp_feed(m, 1000, other, 5, a4); /* forged ACK */
	T_EQ_INT(nev(&R, 1), 0);
	dhcp_feed(m, 2000, server, 5, a4);
	T_EQ_INT(nev(&R, 1), 1);
	dhcp_feed(m, 3000, other, 7, a4); /* forged RELEASE */
	T_EQ_INT(nev(&R, 1), 1);
	T_CHECK(li_match_active(m, 1));
	dhcp_feed(m, 4000, a4, 7, a4);
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "100.64.7.7");
	T_CHECK(!li_match_active(m, 1));
	li_match_stats(m, &st);
	T_EQ_INT(st.untrusted, 2);
	li_match_free(m);
}

/* a target's window (KIND:VALUE@FROM..TO) limits what is reported; the
 * session is followed all along */
static void
test_window(void)
{
	struct li_match *m = li_match_new();
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	struct li_pkt p;
	struct rb r;
	uint8_t ip[28];
	int k;
	static const cs_time at[3] = {1500, 3000, 5000};

	memset(&R, 0, sizeof(R));
	add(m, 1,
	    "username:zed@1970-01-01T00:00:00.002Z..1970-01-01T00:00:00.004Z",
	    0);
	add(m, 2, "ip:100.64.9.5@..1970-01-01T00:00:00.002Z", 0);
	acct_req(&r, 1, "Z1", "zed", NULL, 5);
	feed(m, 1000, &r, 1);
	T_EQ_INT(nev(&R, 1), 0); /* before the window */
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[3] = 28;
	ip[9] = 17;
	ip[12] = 100;
	ip[13] = 64;
	ip[14] = 9;
	ip[15] = 5;
	ip[16] = 198;
	ip[19] = 1;
	ip[25] = 8;
	T_EQ_INT(li_pkt_parse_ip(ip, 28, &p), 0);
	for (k = 0; k < 3; k++)
		li_match_packet(m, at[k], &p, &cb);
	T_EQ_INT(npk(&R, 1, 99), 1);
	T_EQ_INT(npk(&R, 2, 99), 1);
	for (k = 0; k < R.npk; k++)
		T_CHECK(R.pk[k].icpt == 1 || R.pk[k].icpt == 2);
	acct_req(&r, 3, "Z1", "zed", NULL, 5);
	feed(m, 3500, &r, 1); /* in the window */
	acct_req(&r, 2, "Z1", "zed", NULL, 5);
	feed(m, 6000, &r, 1); /* after it */
	T_EQ_INT(nev(&R, 1), 1);
	EV_IS(&R, 1, 0, LI_EV_INTERIM_UPDATE, "100.64.9.5");
	li_match_free(m);
}

/* ---- DHCPv6 ---- */

struct d6 {
	uint8_t b[400];
	size_t n;
};

static void
d6_opt(struct d6 *d, unsigned code, const void *v, size_t n)
{
	d->b[d->n] = (uint8_t)(code >> 8);
	d->b[d->n + 1] = (uint8_t)code;
	d->b[d->n + 2] = (uint8_t)(n >> 8);
	d->b[d->n + 3] = (uint8_t)n;
	memcpy(d->b + d->n + 4, v, n);
	d->n += 4 + n;
}

/* d6_reply - type 7 REPLY or 8 RELEASE of MAC 02:00:00:00:00:66:
 * IA_NA 2001:db8:66::5 and IA_PD 2001:db8:6600::/40 (lifetime 0 in a
 * RELEASE) */
static void
d6_build(struct d6 *d, int type)
{
	static const uint8_t duid[10] = {0, 3, 0, 1, 2, 0, 0, 0, 0, 0x66};
	uint8_t ia_na[12 + 28], ia_pd[12 + 29];
	uint32_t life = type == 7 ? 3600 : 0;

	memset(d, 0, sizeof(*d));
	d->b[0] = (uint8_t)type;
	d->b[3] = 0x42; /* xid */
	d->n = 4;
	d6_opt(d, 1, duid, sizeof(duid));
	memset(ia_na, 0, sizeof(ia_na));
	ia_na[12] = 0;
	ia_na[13] = 5; /* IAADDR */
	ia_na[15] = 24;
	memcpy(ia_na + 16, "\x20\x01\x0d\xb8\x00\x66", 6);
	ia_na[31] = 5;
	ia_na[16 + 16 + 0] = (uint8_t)(life >> 24);
	ia_na[16 + 16 + 2] = (uint8_t)(life >> 8);
	ia_na[16 + 16 + 3] = (uint8_t)life;
	ia_na[16 + 20 + 2] = (uint8_t)(life >> 8);
	ia_na[16 + 20 + 3] = (uint8_t)life;
	d6_opt(d, 3, ia_na, sizeof(ia_na));
	memset(ia_pd, 0, sizeof(ia_pd));
	ia_pd[13] = 26; /* IAPREFIX */
	ia_pd[15] = 25;
	ia_pd[16 + 2] = (uint8_t)(life >> 8);
	ia_pd[16 + 3] = (uint8_t)life;
	ia_pd[16 + 6] = (uint8_t)(life >> 8);
	ia_pd[16 + 7] = (uint8_t)life;
	ia_pd[16 + 8] = 40;
	memcpy(ia_pd + 16 + 9, "\x20\x01\x0d\xb8\x66", 5);
	d6_opt(d, 25, ia_pd, sizeof(ia_pd));
}

/* d6_feed - d over UDP sport->dport from src6 (last byte given) */
static void
d6_feed(struct li_match *m, cs_time t, const struct d6 *d, unsigned sport,
    unsigned dport, const uint8_t src[16])
{
	struct li_match_cb cb = {&R, on_iri, on_pkt};
	static uint8_t ip[48 + 512];
	struct li_pkt p;
	size_t ul = 8 + d->n;

	memset(ip, 0, 48);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(ul >> 8);
	ip[5] = (uint8_t)ul;
	ip[6] = 17;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, "\x20\x01\x0d\xb8", 4);
	ip[39] = 0x99;
	ip[40] = (uint8_t)(sport >> 8);
	ip[41] = (uint8_t)sport;
	ip[42] = (uint8_t)(dport >> 8);
	ip[43] = (uint8_t)dport;
	ip[44] = (uint8_t)(ul >> 8);
	ip[45] = (uint8_t)ul;
	memcpy(ip + 48, d->b, d->n);
	T_EQ_INT(li_pkt_parse_ip(ip, 48 + d->n, &p), 0);
	li_match_packet(m, t, &p, &cb);
}

static void
test_dhcp6(void)
{
	static const uint8_t server[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3};
	static const uint8_t client[16] = {
	    0x20, 0x01, 0x0d, 0xb8, 0, 0x66, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
	struct li_match *m = li_match_new();
	struct li_match_stats st;
	struct li_ident id;
	struct cs_addr a;
	struct d6 in, relay;
	const struct ev *e;
	uint8_t ip[48];
	struct li_pkt p;
	struct li_match_cb cb = {&R, on_iri, on_pkt};

	memset(&R, 0, sizeof(R));
	add(m, 1, "mac:02:00:00:00:00:66", 0);
	add(m, 2, "circuit:olt1-pon-1/1/1:9", 0);
	cs_addr_parse(cs_span_cstr("2001:db8::3"), &a);
	T_EQ_INT(li_match_trust(m, &a), 0);
	/* RELAY-REPL from the server to the relay, the REPLY inside */
	d6_build(&in, 7);
	memset(&relay, 0, sizeof(relay));
	relay.b[0] = 13;
	memcpy(relay.b + 2, "\x20\x01\x0d\xb8\x00\x66", 6);
	relay.b[17] = 1; /* link address 2001:db8:66::1 */
	relay.n = 34;
	d6_opt(&relay, 18, "olt1-pon-1/1/1:9", 16);
	d6_opt(&relay, 9, in.b, in.n);
	T_EQ_INT(li_dhcp6_parse(relay.b, relay.n, &id), 0);
	T_EQ_INT(id.status, 7);
	T_EQ_STR(id.mac, "02:00:00:00:00:66");
	T_EQ_STR(id.circuit, "olt1-pon-1/1/1:9");
	T_EQ_STR(fmt(&id.h6), "2001:db8:66::5");
	T_EQ_STR(fmt(&id.d6), "2001:db8:6600::/40");
	T_EQ_STR(fmt(&id.nas), "2001:db8:66::1");
	T_EQ_INT(id.lease, 3600);
	d6_feed(m, 1000, &relay, 547, 547, server);
	T_EQ_INT(nev(&R, 1), 1);
	T_EQ_INT(nev(&R, 2), 1);
	e = nth_ev(&R, 1, 0);
	if (e) {
		T_EQ_INT(e->iri.event, LI_EV_ACCESS_ACCEPT);
		T_EQ_INT(e->iri.auth, LI_AUTH_DHCP);
		T_EQ_STR(e->iri.pop_port, "olt1-pon-1/1/1:9");
	}
	/* the same REPLY forwarded to the client: one event */
	d6_feed(m, 2000, &in, 547, 546, server);
	T_EQ_INT(nev(&R, 1), 1);
	/* traffic from the address and from inside the prefix */
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x60;
	ip[5] = 8;
	ip[6] = 17;
	memcpy(ip + 8, client, 16);
	memcpy(ip + 24, server, 16);
	T_EQ_INT(li_pkt_parse_ip(ip, 48, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	ip[13] = 0x66; /* 2001:db8:6666::5: in 2001:db8:6600::/40 */
	T_EQ_INT(li_pkt_parse_ip(ip, 48, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	ip[12] = 0x67; /* 2001:db8:6766::5: outside */
	T_EQ_INT(li_pkt_parse_ip(ip, 48, &p), 0);
	li_match_packet(m, 3000, &p, &cb);
	T_EQ_INT(npk(&R, 1, LI_DIR_FROM_TARGET), 2);
	/* the client releases, from its own address (not a trusted one) */
	d6_build(&in, 8);
	T_EQ_INT(li_dhcp6_parse(in.b, in.n, &id), 0);
	T_EQ_STR(fmt(&id.h6), "2001:db8:66::5");
	d6_feed(m, 4000, &in, 546, 547, client);
	T_EQ_INT(nev(&R, 1), 2);
	e = nth_ev(&R, 1, 1);
	if (e) {
		T_EQ_INT(e->iri.event, LI_EV_ACCESS_END);
		T_EQ_INT(e->iri.end_reason, 1);
	}
	T_CHECK(!li_match_active(m, 1));
	li_match_stats(m, &st);
	T_EQ_INT(st.bad_dhcp, 0);
	/* malformed: an option past the end, a relay with nothing inside */
	relay.b[36] = 0xff; /* the first option's length */
	T_EQ_INT(li_dhcp6_parse(relay.b, relay.n, &id), -1);
	T_EQ_INT(li_dhcp6_parse(relay.b, 34, &id), -1);
	T_EQ_INT(li_dhcp6_parse(in.b, 3, &id), -1);
	li_match_free(m);
}

/* the dhcp6 fixture: relayed SOLICIT..REPLY with IA_NA and IA_PD, traffic
 * from the address and the delegated prefix, RELEASE */
static void
test_dhcp6_fixture(void)
{
	struct li_match *m = li_match_new();
	struct li_match_stats st;

	add(m, 1, "mac:02:00:00:00:00:0a", 0);
	add(m, 2, "circuit:olt1-pon-1/1/1:7", 0);
	T_CHECK(replay("tests/data/li/dhcp6.pcap", m, &R) > 20);
	T_EQ_INT(npk(&R, 1, 99), 9);
	T_EQ_INT(npk(&R, 2, 99), 9);
	T_CHECK(involves(&R, 1, "2001:db8:66::a"));
	T_CHECK(involves(&R, 1, "2001:db8:66:a05::99"));
	T_CHECK(!involves(&R, 1, "2001:db8:66::b"));
	T_EQ_INT(nev(&R, 1), 2);
	EV_IS(&R, 1, 0, LI_EV_ACCESS_ACCEPT, "2001:db8:66:a00::/56");
	EV_IS(&R, 1, 1, LI_EV_ACCESS_END, "2001:db8:66:a00::/56");
	li_match_stats(m, &st);
	T_EQ_INT(st.bad_dhcp, 0);
	li_match_free(m);
}

/* identity packets from a source not trusted are not believed */
static void
test_trust(void)
{
	struct li_match *m = li_match_new();
	struct li_match_stats st;
	struct cs_addr a;

	add(m, 1, "username:alice@example.net", 0);
	cs_addr_parse(cs_span_cstr("10.0.0.9"), &a);
	T_EQ_INT(li_match_trust(m, &a), 0);
	T_CHECK(replay("tests/data/li/target-moves.pcap", m, &R) > 30);
	T_EQ_INT(npk(&R, 1, 99), 0);
	T_EQ_INT(nev(&R, 1), 0);
	li_match_stats(m, &st);
	T_EQ_INT(st.untrusted, 9);
	li_match_free(m);
	m = li_match_new();
	add(m, 1, "username:alice@example.net", 0);
	cs_addr_parse(cs_span_cstr("10.0.0.0/24"), &a);
	T_EQ_INT(li_match_trust(m, &a), 0);
	T_CHECK(replay("tests/data/li/target-moves.pcap", m, &R) > 30);
	T_EQ_INT(npk(&R, 1, 99), 15);
	T_EQ_INT(nev(&R, 1), 5);
	li_match_free(m);
}

static void
test_radius_parse(void)
{
	struct rb r;
	struct li_ident id;
	static const uint8_t start[4] = {0, 0, 0, 1};
	static const uint8_t ip[4] = {100, 64, 0, 1};
	static const uint8_t pfx[] = {0, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 7};
	static const uint8_t vsa[] = {0, 0, 0x0d, 0xe9, 1, 5, 'c', '\t', 'x'};

	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.n = 20;
	attr(&r, 40, start, 4);
	attr(&r, 1, "u1", 2);
	attr(&r, 8, ip, 4);
	attr(&r, 123, pfx, sizeof(pfx));
	attr(&r, 31, "AA-BB-CC-DD-EE-FF", 17);
	attr(&r, 26, vsa, sizeof(vsa));
	fin(&r);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), 0);
	T_EQ_INT(id.status, 1);
	T_EQ_STR(id.username, "u1");
	T_EQ_STR(fmt(&id.a4), "100.64.0.1");
	T_EQ_STR(fmt(&id.d6), "2001:db8:7::/48");
	T_EQ_STR(id.mac, "aa:bb:cc:dd:ee:ff");
	T_EQ_STR(id.circuit, "0x630978"); /* a TAB in it: hex form */
	/* trailing bytes past Length are padding */
	T_EQ_INT(li_radius_acct_parse(r.b, r.n + 5, &id), 0);
	/* Length larger than the datagram */
	T_EQ_INT(li_radius_acct_parse(r.b, r.n - 1, &id), -1);
	/* an attribute running past Length */
	r.b[r.n - sizeof(vsa) - 1] = (uint8_t)(sizeof(vsa) + 3);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), -1);
	/* attribute length 1 */
	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.n = 20;
	attr(&r, 40, start, 4);
	r.b[r.n++] = 1;
	r.b[r.n++] = 1;
	fin(&r);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), -1);
	/* a NUL in the user name would compare as a shorter name */
	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.n = 20;
	attr(&r, 40, start, 4);
	attr(&r, 1, "alice\0x", 7);
	fin(&r);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), -1);
	/* no Acct-Status-Type; a Framed-IP-Address of 3 bytes */
	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.n = 20;
	attr(&r, 1, "u1", 2);
	fin(&r);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), -1);
	attr(&r, 40, start, 4);
	attr(&r, 8, ip, 3);
	fin(&r);
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), -1);
	/* an Access-Request is not ours */
	r.b[0] = 1;
	T_EQ_INT(li_radius_acct_parse(r.b, r.n, &id), 1);
}

static void
test_dhcp_parse(void)
{
	uint8_t b[300];
	struct li_ident id;

	memset(b, 0, sizeof(b));
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	b[16] = 100;
	b[17] = 64;
	b[19] = 9;
	b[28] = 0xaa;
	b[33] = 0x01;
	b[236] = 99;
	b[237] = 130;
	b[238] = 83;
	b[239] = 99;
	memcpy(b + 240, "\x35\x01\x05\x33\x04\x00\x00\x0e\x10\xff", 10);
	T_EQ_INT(li_dhcp_parse(b, 250, &id), 0);
	T_EQ_INT(id.status, 5);
	T_EQ_INT(id.lease, 3600);
	T_EQ_STR(fmt(&id.a4), "100.64.0.9");
	T_EQ_STR(id.mac, "aa:00:00:00:00:01");
	/* no END */
	T_EQ_INT(li_dhcp_parse(b, 249, &id), -1);
	/* an option running past the end */
	memcpy(b + 240, "\x35\x01\x05\x52\x20\x01", 6);
	T_EQ_INT(li_dhcp_parse(b, 250, &id), -1);
	/* option 82 whose sub-option overruns it */
	memcpy(b + 240, "\x35\x01\x05\x52\x03\x01\x05\x41\xff", 9);
	T_EQ_INT(li_dhcp_parse(b, 250, &id), -1);
	/* no message type: BOOTP */
	memcpy(b + 240, "\xff", 1);
	T_EQ_INT(li_dhcp_parse(b, 250, &id), -1);
	T_EQ_INT(li_dhcp_parse(b, 200, &id), -1);
}

/* malformed identity packets on the wire are counted, not applied */
static void
test_bad_identity_packets(void)
{
	struct li_match *m = li_match_new();
	struct li_match_stats st;
	struct li_pkt p;
	uint8_t ip[28 + 30];
	struct rec *r = &R;
	struct li_match_cb cb = {r, on_iri, on_pkt};

	memset(r, 0, sizeof(*r));
	add(m, 1, "username:u1", 0);
	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[3] = sizeof(ip);
	ip[9] = 17;
	ip[12] = 10;
	ip[16] = 10;
	ip[22] = 1813 >> 8;
	ip[23] = 1813 & 0xff;
	ip[25] = 8 + 30;
	ip[28] = 4;
	ip[31] = 200; /* RADIUS Length past the datagram */
	T_EQ_INT(li_pkt_parse_ip(ip, sizeof(ip), &p), 0);
	li_match_packet(m, 0, &p, &cb);
	li_match_stats(m, &st);
	T_EQ_INT(st.bad_radius, 1);
	T_EQ_INT(r->nev + r->npk, 0);
	li_match_free(m);
}

int
main(void)
{
	T_RUN(test_target_moves);
	T_RUN(test_ipv6);
	T_RUN(test_online_before);
	T_RUN(test_dhcp);
	T_RUN(test_remove);
	T_RUN(test_cap_formats);
	T_RUN(test_cap_realtime);
	T_RUN(test_evidence);
	T_RUN(test_linktypes);
	T_RUN(test_ip);
	T_RUN(test_radius_parse);
	T_RUN(test_dhcp_parse);
	T_RUN(test_bad_identity_packets);
	T_RUN(test_interim_merge);
	T_RUN(test_trust);
	T_RUN(test_address_taken);
	T_RUN(test_retransmit);
	T_RUN(test_dhcp_twice);
	T_RUN(test_framed_routes);
	T_RUN(test_dhcp_release_trust);
	T_RUN(test_window);
	T_RUN(test_dhcp6);
	T_RUN(test_dhcp6_fixture);
	return T_DONE();
}
