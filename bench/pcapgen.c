/*
 * pcapgen - capture files for the intercept tests and the tap benchmark:
 * subscribers' traffic (TCP/UDP/ICMP, IPv4 and IPv6; every payload carries
 * "PAYLOAD-<n>" so a test can prove none of it reaches a pen/trap agency),
 * RADIUS Accounting-Requests from a NAS to a collector (RFC 2866, with the
 * Request Authenticator computed for the shared secret "testing123") and
 * DHCPv4 exchanges through a relay (RFC 2131, option 82).  Ethernet frames,
 * some with 802.1Q/QinQ tags; checksums computed.
 *
 *   pcapgen target-moves|ipv6|online-before|dhcp|dhcp6 OUT.pcap
 *   pcapgen steady OUT.pcap N GAP_US
 *   pcapgen bench OUT.pcap N_PACKETS N_SUBS N_TARGETS TARGETS FILTER
 *
 * bench writes the target user names to TARGETS (one a line) and a tcpdump
 * filter for their addresses to FILTER, and prints "target-packets N" (how
 * many packets are to or from a target address).  See
 * docs/intercept-capture.md and tests/data/li/README.
 */
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1795946400LL /* 2026-11-29T10:00:00Z */

static pcap_dumper_t *dumper;
static int64_t now_us = T0 * 1000000LL;
static unsigned long npkts;
static unsigned payload_no;

static const uint8_t mac_router[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t mac_nas[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x02};
static const uint8_t mac_coll[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x03};

/* ---- frames ---- */

struct frame {
	uint8_t b[2048];
	size_t n;
};

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static unsigned
csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void
emit(const uint8_t *b, size_t n)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(now_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(now_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)dumper, &h, b);
	npkts++;
}

struct addr {
	int v6;
	uint8_t a[16];
};

static struct addr
A4(uint32_t x) {
	struct addr a;

	memset(&a, 0, sizeof(a));
	put32(a.a, x);
	return a;
}

static struct addr
A6(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3) {
	struct addr a;

	a.v6 = 1;
	put32(a.a, w0);
	put32(a.a + 4, w1);
	put32(a.a + 8, w2);
	put32(a.a + 12, w3);
	return a;
}

#define IP4(a, b, c, d) \
	A4((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/*
 * ip_packet - Ethernet (vlan tags: 0 none, 1 802.1Q, 2 QinQ) + IP + the
 * transport header and payload; proto 6 TCP, 17 UDP, 1/58 ICMP echo.
 * hbh: an IPv6 hop-by-hop header in front.
 */
static void
ip_packet(const uint8_t *smac, const uint8_t *dmac, int vlan, struct addr s,
    struct addr d, int proto, unsigned sport, unsigned dport, const uint8_t *pl,
    size_t pln, int hbh)
{
	uint8_t f[2048];
	size_t off = 12, ipoff, l4off, l4n, iph;
	uint32_t sum;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	if (vlan == 2) {
		put16(f + off, 0x88a8);
		put16(f + off + 2, 100);
		off += 4;
	}
	if (vlan >= 1) {
		put16(f + off, 0x8100);
		put16(f + off + 2, 200);
		off += 4;
	}
	put16(f + off, s.v6 ? 0x86dd : 0x0800);
	ipoff = off + 2;
	iph = s.v6 ? 40 + (hbh ? 8 : 0) : 20;
	l4off = ipoff + iph;
	l4n = proto == 6 ? 20 : 8;
	if (l4off + l4n + pln > sizeof(f))
		abort();
	memset(f + ipoff, 0, iph + l4n);
	memcpy(f + l4off + l4n, pl, pln);
	/* transport */
	if (proto == 6) {
		put16(f + l4off, sport);
		put16(f + l4off + 2, dport);
		put32(f + l4off + 4, 1000 + payload_no * 7u);
		put32(f + l4off + 8, 5000);
		f[l4off + 12] = 5 << 4;
		f[l4off + 13] = 0x18; /* PSH ACK */
		put16(f + l4off + 14, 65535);
	} else if (proto == 17) {
		put16(f + l4off, sport);
		put16(f + l4off + 2, dport);
		put16(f + l4off + 4, (unsigned)(8 + pln));
	} else { /* echo request */
		f[l4off] = s.v6 ? 128 : 8;
		put16(f + l4off + 4, 0x1234);
		put16(f + l4off + 6, payload_no & 0xffff);
	}
	/* pseudo header checksum (ICMPv4 has none) */
	sum = 0;
	if (!(proto == 1)) {
		uint8_t ph[4];

		sum = csum_add(sum, s.a, s.v6 ? 16 : 4);
		sum = csum_add(sum, d.a, s.v6 ? 16 : 4);
		put16(ph, (unsigned)proto);
		put16(ph + 2, (unsigned)(l4n + pln));
		sum = csum_add(sum, ph, 4);
	}
	sum = csum_add(sum, f + l4off, l4n + pln);
	put16(f + l4off +
		(proto == 6           ? 16
			: proto == 17 ? 6
				      : 2),
	    csum_fold(sum) == 0 && proto == 17 ? 0xffff : csum_fold(sum));
	/* IP */
	if (s.v6) {
		f[ipoff] = 0x60;
		put16(f + ipoff + 4, (unsigned)(iph - 40 + l4n + pln));
		f[ipoff + 6] = hbh ? 0 : (uint8_t)proto;
		f[ipoff + 7] = 64;
		memcpy(f + ipoff + 8, s.a, 16);
		memcpy(f + ipoff + 24, d.a, 16);
		if (hbh) { /* next header, length 0, PadN of 4 + 2 bytes */
			f[ipoff + 40] = (uint8_t)proto;
			f[ipoff + 42] = 1;
			f[ipoff + 43] = 4;
		}
	} else {
		f[ipoff] = 0x45;
		put16(f + ipoff + 2, (unsigned)(20 + l4n + pln));
		put16(f + ipoff + 4, payload_no & 0xffff);
		f[ipoff + 6] = 0x40; /* DF */
		f[ipoff + 8] = 64;
		f[ipoff + 9] = (uint8_t)proto;
		memcpy(f + ipoff + 12, s.a, 4);
		memcpy(f + ipoff + 16, d.a, 4);
		put16(f + ipoff + 10, csum_fold(csum_add(0, f + ipoff, 20)));
	}
	emit(f, l4off + l4n + pln);
}

/* traffic - one packet with a "PAYLOAD-<n>" payload of about len bytes */
static void
traffic(const uint8_t *smac, const uint8_t *dmac, int vlan, struct addr s,
    struct addr d, int proto, unsigned sport, unsigned dport, size_t len)
{
	uint8_t pl[1500];
	int k;
	size_t i;

	payload_no++;
	if (len > sizeof(pl))
		len = sizeof(pl);
	k = snprintf((char *)pl, sizeof(pl), "PAYLOAD-%u ", payload_no);
	for (i = (size_t)k; i < len; i++)
		pl[i] = (uint8_t)('a' + i % 26);
	if (len < (size_t)k)
		len = (size_t)k;
	ip_packet(smac, dmac, vlan, s, d, proto, sport, dport, pl, len, 0);
}

/* ---- RADIUS ---- */

struct rad {
	uint8_t b[4096];
	size_t n;
};

static void
rad_attr(struct rad *r, int type, const void *v, size_t n)
{
	r->b[r->n] = (uint8_t)type;
	r->b[r->n + 1] = (uint8_t)(n + 2);
	memcpy(r->b + r->n + 2, v, n);
	r->n += n + 2;
}

static void
rad_str(struct rad *r, int type, const char *s)
{
	rad_attr(r, type, s, strlen(s));
}

static void
rad_int(struct rad *r, int type, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	rad_attr(r, type, b, 4);
}

static void
rad_prefix(struct rad *r, int type, struct addr a, int plen)
{
	uint8_t b[18] = {0};
	size_t nb = (size_t)(plen + 7) / 8;

	b[1] = (uint8_t)plen;
	memcpy(b + 2, a.a, nb);
	rad_attr(r, type, b, 2 + nb);
}

static void
rad_circuit(struct rad *r, const char *circuit)
{
	uint8_t b[256];
	size_t n = strlen(circuit);

	put32(b, 3561);
	b[4] = 1;
	b[5] = (uint8_t)(n + 2);
	memcpy(b + 6, circuit, n);
	rad_attr(r, 26, b, n + 6);
}

struct session {
	const char *user;
	const char *mac; /* Calling-Station-Id as the NAS spells it */
	const char *circuit;
	const char *port_id;
	char sid[32];
	struct addr ip4;
	int has4;
	struct addr p6, d6;
	int p6len, d6len;
};

struct nas {
	struct addr ip, coll;
	const char *id;
};

static uint8_t rad_id;

/* radius - an Accounting-Request (status 1/2/3/7/8) from the NAS */
static void
radius(const struct nas *n, const struct session *s, int status, int cause)
{
	struct rad r;
	EVP_MD_CTX *md;
	unsigned mdlen;

	memset(&r, 0, sizeof(r));
	r.b[0] = 4;
	r.b[1] = rad_id++;
	r.n = 20;
	rad_int(&r, 40, (uint32_t)status);
	if (s) {
		rad_str(&r, 1, s->user);
		rad_str(&r, 44, s->sid);
	}
	if (n->ip.v6)
		rad_attr(&r, 95, n->ip.a, 16);
	else
		rad_attr(&r, 4, n->ip.a, 4);
	rad_str(&r, 32, n->id);
	if (s) {
		if (s->port_id)
			rad_str(&r, 87, s->port_id);
		if (s->mac)
			rad_str(&r, 31, s->mac);
		rad_int(&r, 61, 15); /* NAS-Port-Type Ethernet */
		if (s->has4)
			rad_attr(&r, 8, s->ip4.a, 4);
		if (s->p6len)
			rad_prefix(&r, 97, s->p6, s->p6len);
		if (s->d6len)
			rad_prefix(&r, 123, s->d6, s->d6len);
		if (s->circuit)
			rad_circuit(&r, s->circuit);
		rad_int(&r, 45, 1); /* Acct-Authentic RADIUS */
	}
	rad_int(&r, 55, (uint32_t)(now_us / 1000000));
	rad_int(&r, 41, 0);
	if (status == 2) {
		rad_int(&r, 46, 600);
		rad_int(&r, 42, 123456);
		rad_int(&r, 43, 654321);
		rad_int(&r, 49, (uint32_t)cause);
	}
	put16(r.b + 2, (unsigned)r.n);
	/* Request Authenticator: MD5(packet with zero authenticator+secret) */
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(md, r.b, r.n) != 1 ||
	    EVP_DigestUpdate(md, "testing123", 10) != 1 ||
	    EVP_DigestFinal_ex(md, r.b + 4, &mdlen) != 1)
		abort();
	EVP_MD_CTX_free(md);
	ip_packet(mac_nas, mac_coll, 0, n->ip, n->coll, 17,
	    20000 + rad_id % 1000, 1813, r.b, r.n, 0);
}

/* ---- DHCP (through a relay at giaddr) ---- */

struct dhcp_client {
	uint8_t mac[6];
	const char *circuit;
	uint32_t xid;
	const char *hostname;
};

static void
dhcp(const struct dhcp_client *c, int type, struct addr relay,
    struct addr server, struct addr yi, struct addr ci, uint32_t lease)
{
	uint8_t b[600];
	size_t o = 240;
	int reply = type == 2 || type == 5 || type == 6;

	memset(b, 0, sizeof(b));
	b[0] = reply ? 2 : 1;
	b[1] = 1;
	b[2] = 6;
	b[3] = 1; /* hops: relayed once */
	put32(b + 4, c->xid);
	memcpy(b + 12, ci.a, 4);
	if (reply)
		memcpy(b + 16, yi.a, 4);
	memcpy(b + 24, relay.a, 4);
	memcpy(b + 28, c->mac, 6);
	put32(b + 236, 0x63825363);
	b[o++] = 53;
	b[o++] = 1;
	b[o++] = (uint8_t)type;
	if (!reply || type != 6) {
		if (reply) {
			b[o++] = 54;
			b[o++] = 4;
			memcpy(b + o, server.a, 4);
			o += 4;
		}
	}
	if (reply && type != 6) {
		b[o++] = 51;
		b[o++] = 4;
		put32(b + o, lease);
		o += 4;
		b[o++] = 1; /* subnet mask */
		b[o++] = 4;
		put32(b + o, 0xffffff00);
		o += 4;
	}
	if (!reply) {
		b[o++] = 61;
		b[o++] = 7;
		b[o++] = 1;
		memcpy(b + o, c->mac, 6);
		o += 6;
		if (c->hostname) {
			size_t hl = strlen(c->hostname);

			b[o++] = 12;
			b[o++] = (uint8_t)hl;
			memcpy(b + o, c->hostname, hl);
			o += hl;
		}
		if (type == 3) {
			b[o++] = 50; /* requested address */
			b[o++] = 4;
			memcpy(b + o, yi.a, 4);
			o += 4;
		}
	}
	if (c->circuit) { /* relay agent information: circuit id, remote id */
		size_t cl = strlen(c->circuit);

		b[o++] = 82;
		b[o++] = (uint8_t)(2 + cl + 2 + 6);
		b[o++] = 1;
		b[o++] = (uint8_t)cl;
		memcpy(b + o, c->circuit, cl);
		o += cl;
		b[o++] = 2;
		b[o++] = 6;
		memcpy(b + o, c->mac, 6);
		o += 6;
	}
	b[o++] = 255;
	while (o < 300)
		b[o++] = 0;
	if (reply)
		ip_packet(mac_coll, mac_router, 0, server, relay, 17, 67, 67, b,
		    o, 0);
	else
		ip_packet(mac_router, mac_coll, 0, relay, server, 17, 67, 67, b,
		    o, 0);
}

/* dora - DISCOVER, OFFER, REQUEST, ACK for address yi */
static void
dora(const struct dhcp_client *c, struct addr relay, struct addr server,
    struct addr yi, uint32_t lease)
{
	struct addr z = A4(0);

	dhcp(c, 1, relay, server, z, z, 0);
	now_us += 2000;
	dhcp(c, 2, relay, server, yi, z, lease);
	now_us += 2000;
	dhcp(c, 3, relay, server, yi, z, 0);
	now_us += 2000;
	dhcp(c, 5, relay, server, yi, z, lease);
	now_us += 2000;
}

/* ---- scenarios ---- */

static const uint8_t mac_alice[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_bob[6] = {0x02, 0, 0, 0, 0, 0x0b};

/* web - a request and a reply between a subscriber and a server */
static void
web(const uint8_t *smac, int vlan, struct addr sub, struct addr srv,
    unsigned port)
{
	traffic(smac, mac_router, vlan, sub, srv, 6, port, 443, 120);
	now_us += 500;
	traffic(mac_router, smac, vlan, srv, sub, 6, 443, port, 900);
	now_us += 500;
}

static void
dns(const uint8_t *smac, struct addr sub, struct addr srv)
{
	traffic(smac, mac_router, 1, sub, srv, 17, 50000, 50001, 40);
	now_us += 300;
	traffic(mac_router, smac, 1, srv, sub, 17, 50001, 50000, 90);
	now_us += 300;
}

static void
ping(const uint8_t *smac, struct addr sub, struct addr srv)
{
	traffic(smac, mac_router, 0, sub, srv, sub.v6 ? 58 : 1, 0, 0, 56);
	now_us += 300;
}

static struct nas nas1;

static void
nas_init(void)
{
	nas1.ip = IP4(10, 0, 0, 1);
	nas1.coll = IP4(10, 0, 0, 2);
	nas1.id = "nas1.example.net";
}

static void
sc_target_moves(void)
{
	struct session a = {.user = "alice@example.net",
	    .mac = "02-00-00-00-00-0A",
	    .circuit = "dslam1 atm 1/1/1:8.35",
	    .port_id = "eth1/1/1:100",
	    .has4 = 1};
	struct session b = {.user = "bob@example.net",
	    .mac = "02:00:00:00:00:0b",
	    .circuit = "dslam1 atm 1/1/2:8.35",
	    .port_id = "eth1/1/2:100",
	    .has4 = 1};
	struct addr srv = IP4(198, 51, 100, 10), dnssrv = IP4(203, 0, 113, 5);
	int i;

	snprintf(a.sid, sizeof(a.sid), "A0000001");
	a.ip4 = IP4(100, 64, 0, 10);
	snprintf(b.sid, sizeof(b.sid), "B0000001");
	b.ip4 = IP4(100, 64, 0, 20);
	radius(&nas1, &a, 1, 0);
	now_us += 10000;
	radius(&nas1, &b, 1, 0);
	now_us += 10000;
	for (i = 0; i < 3; i++) {
		web(mac_alice, 0, a.ip4, srv, 40000 + (unsigned)i);
		web(mac_bob, 0, b.ip4, srv, 41000 + (unsigned)i);
	}
	dns(mac_alice, a.ip4, dnssrv);
	ping(mac_alice, a.ip4, srv);
	radius(&nas1, &a, 3, 0);
	now_us += 10000;
	web(mac_alice, 0, a.ip4, srv, 40010);
	/* alice logs off; bob reconnects and gets alice's old address */
	radius(&nas1, &a, 2, 1);
	now_us += 10000;
	radius(&nas1, &b, 2, 2);
	now_us += 10000;
	snprintf(b.sid, sizeof(b.sid), "B0000002");
	b.ip4 = IP4(100, 64, 0, 10);
	radius(&nas1, &b, 1, 0);
	now_us += 10000;
	web(mac_bob, 0, b.ip4, srv, 41010);
	/* alice back with a new address */
	snprintf(a.sid, sizeof(a.sid), "A0000002");
	a.ip4 = IP4(100, 64, 0, 11);
	radius(&nas1, &a, 1, 0);
	now_us += 10000;
	for (i = 0; i < 2; i++) {
		web(mac_alice, 0, a.ip4, srv, 40020 + (unsigned)i);
		web(mac_bob, 0, b.ip4, srv, 41020 + (unsigned)i);
	}
	/* the NAS reboots: Accounting-Off ends every session */
	radius(&nas1, NULL, 8, 0);
	now_us += 10000;
	web(mac_alice, 0, a.ip4, srv, 40030);
	radius(&nas1, NULL, 7, 0);
	now_us += 10000;
}

static void
sc_ipv6(void)
{
	struct session a = {.user = "alice@example.net",
	    .mac = "0200.0000.000a",
	    .port_id = "eth1/1/1:100",
	    .has4 = 1,
	    .p6len = 64,
	    .d6len = 56};
	struct session b = {.user = "bob@example.net",
	    .mac = "02:00:00:00:00:0b",
	    .port_id = "eth1/1/2:100",
	    .has4 = 0,
	    .p6len = 64,
	    .d6len = 56};
	struct nas nas6;
	struct addr srv6 = A6(0x20010db8, 0xffff0000, 0, 0x80);
	struct addr a_host = A6(0x20010db8, 0x0100000a, 0, 0x1234);
	struct addr a_lan = A6(0x20010db8, 0x02000a05, 0, 0x99);
	struct addr b_host = A6(0x20010db8, 0x0100000b, 0, 0x1);
	int i;

	nas6.ip = A6(0x20010db8, 0, 0, 1);
	nas6.coll = A6(0x20010db8, 0, 0, 2);
	nas6.id = "nas6.example.net";
	snprintf(a.sid, sizeof(a.sid), "A6000001");
	a.ip4 = IP4(100, 64, 0, 10);
	a.p6 = A6(0x20010db8, 0x0100000a, 0, 0);
	a.d6 = A6(0x20010db8, 0x02000a00, 0, 0);
	snprintf(b.sid, sizeof(b.sid), "B6000001");
	b.p6 = A6(0x20010db8, 0x0100000b, 0, 0);
	b.d6 = A6(0x20010db8, 0x02000b00, 0, 0);
	radius(&nas6, &a, 1, 0);
	now_us += 10000;
	radius(&nas1, &b, 1, 0);
	now_us += 10000;
	for (i = 0; i < 2; i++) {
		web(mac_alice, 2, a_host, srv6, 40000 + (unsigned)i);
		web(mac_alice, 1, a_lan, srv6, 40100 + (unsigned)i);
		web(mac_bob, 2, b_host, srv6, 41000 + (unsigned)i);
	}
	/* a hop-by-hop header in front of TCP */
	payload_no++;
	ip_packet(mac_alice, mac_router, 0, a_host, srv6, 6, 40200, 443,
	    (const uint8_t *)"PAYLOAD-HBH", 11, 1);
	now_us += 500;
	ping(mac_alice, a_lan, srv6);
	ping(mac_bob, b_host, srv6);
	web(mac_alice, 0, a.ip4, IP4(198, 51, 100, 10), 40300);
	radius(&nas6, &a, 2, 4);
	now_us += 10000;
	web(mac_alice, 0, a_host, srv6, 40400);
	radius(&nas1, &b, 2, 1);
	now_us += 10000;
}

static void
sc_online_before(void)
{
	struct session a = {.user = "alice@example.net",
	    .mac = "02:00:00:00:00:0a",
	    .port_id = "eth1/1/1:100",
	    .has4 = 1};
	struct addr srv = IP4(198, 51, 100, 10);
	struct addr bob = IP4(100, 64, 0, 31);
	int i;

	snprintf(a.sid, sizeof(a.sid), "A0000009");
	a.ip4 = IP4(100, 64, 0, 30);
	/* alice's Start was before the capture began */
	for (i = 0; i < 3; i++) {
		web(mac_alice, 0, a.ip4, srv, 40000 + (unsigned)i);
		web(mac_bob, 0, bob, srv, 41000 + (unsigned)i);
	}
	radius(&nas1, &a, 3, 0);
	now_us += 10000;
	for (i = 0; i < 2; i++)
		web(mac_alice, 0, a.ip4, srv, 40010 + (unsigned)i);
	radius(&nas1, &a, 2, 1);
	now_us += 10000;
	web(mac_alice, 0, a.ip4, srv, 40020);
}

static void
sc_dhcp(void)
{
	struct dhcp_client a = {{0x02, 0, 0, 0, 0, 0x0a}, "olt1-pon-1/1/1:7",
	    0x1000a, "alice-laptop"};
	struct dhcp_client b = {
	    {0x02, 0, 0, 0, 0, 0x0b}, "olt1-pon-1/1/2:7", 0x1000b, NULL};
	struct addr relay = IP4(100, 64, 1, 1), server = IP4(10, 0, 0, 3);
	struct addr srv = IP4(198, 51, 100, 10), z = A4(0);
	struct addr a1 = IP4(100, 64, 1, 10), b1 = IP4(100, 64, 1, 11);
	struct addr a2 = IP4(100, 64, 1, 12);

	dora(&a, relay, server, a1, 3600);
	dora(&b, relay, server, b1, 3600);
	web(mac_alice, 0, a1, srv, 40000);
	web(mac_bob, 0, b1, srv, 41000);
	now_us += 1000000;
	/* renewal: REQUEST + ACK for the same address */
	a.xid += 0x100;
	dhcp(&a, 3, relay, server, a1, a1, 0);
	now_us += 2000;
	dhcp(&a, 5, relay, server, a1, a1, 3600);
	now_us += 2000;
	web(mac_alice, 0, a1, srv, 40001);
	/* alice releases; bob (non-target) keeps going */
	dhcp(&a, 7, relay, server, z, a1, 0);
	now_us += 2000;
	web(mac_alice, 0, a1, srv, 40002); /* no longer hers */
	web(mac_bob, 0, b1, srv, 41001);
	/* a new lease, 60 s, never renewed */
	a.xid += 0x100;
	dora(&a, relay, server, a2, 60);
	web(mac_alice, 0, a2, srv, 40003);
	now_us += 61 * 1000000LL;
	web(mac_alice, 0, a2, srv, 40004); /* lease ran out */
}

/* ---- DHCPv6 through a relay ---- */

struct d6b {
	uint8_t b[600];
	size_t n;
};

static void
d6opt(struct d6b *d, unsigned code, const void *v, size_t n)
{
	put16(d->b + d->n, code);
	put16(d->b + d->n + 2, (unsigned)n);
	memcpy(d->b + d->n + 4, v, n);
	d->n += 4 + n;
}

/* d6msg - a client/server message of mac with IA_NA na (if na) and IA_PD
 * pd/plen (if plen); lifetimes 0 from the client */
static void
d6msg(struct d6b *d, int type, uint32_t xid, const uint8_t mac[6],
    const struct addr *na, const struct addr *pd, int plen)
{
	uint8_t duid[10] = {0, 3, 0, 1}, ia[64];
	uint32_t life = type == 2 || type == 7 ? 3600 : 0;

	memset(d, 0, sizeof(*d));
	d->b[0] = (uint8_t)type;
	d->b[1] = (uint8_t)(xid >> 16);
	d->b[2] = (uint8_t)(xid >> 8);
	d->b[3] = (uint8_t)xid;
	d->n = 4;
	memcpy(duid + 4, mac, 6);
	d6opt(d, 1, duid, sizeof(duid));
	if (type == 2 || type == 7) {
		static const uint8_t sid[10] = {
		    0, 3, 0, 1, 2, 0, 0x5e, 0, 0, 3};

		d6opt(d, 2, sid, sizeof(sid));
	}
	if (na) {
		memset(ia, 0, sizeof(ia));
		put32(ia, 1); /* IAID */
		put16(ia + 12, 5);
		put16(ia + 14, 24);
		memcpy(ia + 16, na->a, 16);
		put32(ia + 32, life);
		put32(ia + 36, life);
		d6opt(d, 3, ia, 40);
	}
	if (plen) {
		memset(ia, 0, sizeof(ia));
		put32(ia, 2);
		put16(ia + 12, 26);
		put16(ia + 14, 25);
		put32(ia + 16, life);
		put32(ia + 20, life);
		ia[24] = (uint8_t)plen;
		memcpy(ia + 25, pd->a, 16);
		d6opt(d, 25, ia, 41);
	}
}

/* d6relay - msg wrapped by the relay (12 forward / 13 reply) and sent */
static void
d6relay(const struct d6b *msg, int type, struct addr relay, struct addr link,
    struct addr peer, struct addr server, const char *ifid)
{
	struct d6b r;

	memset(&r, 0, sizeof(r));
	r.b[0] = (uint8_t)type;
	memcpy(r.b + 2, link.a, 16);
	memcpy(r.b + 18, peer.a, 16);
	r.n = 34;
	d6opt(&r, 18, ifid, strlen(ifid));
	d6opt(&r, 9, msg->b, msg->n);
	if (type == 12)
		ip_packet(mac_router, mac_coll, 0, relay, server, 17, 547, 547,
		    r.b, r.n, 0);
	else
		ip_packet(mac_coll, mac_router, 0, server, relay, 17, 547, 547,
		    r.b, r.n, 0);
	now_us += 2000;
}

static void
sc_dhcp6(void)
{
	struct addr relay = A6(0x20010db8, 0x00660000, 0, 1);
	struct addr server = A6(0x20010db8, 0, 0, 3);
	struct addr srv6 = A6(0x20010db8, 0xffff0000, 0, 0x80);
	struct addr a_na = A6(0x20010db8, 0x00660000, 0, 0xa);
	struct addr a_pd = A6(0x20010db8, 0x00660a00, 0, 0);
	struct addr a_lan = A6(0x20010db8, 0x00660a05, 0, 0x99);
	struct addr b_na = A6(0x20010db8, 0x00660000, 0, 0xb);
	struct addr a_ll = A6(0xfe800000, 0, 0x00ff, 0xfe00000a);
	struct addr b_ll = A6(0xfe800000, 0, 0x00ff, 0xfe00000b);
	struct d6b m;
	int k;

	/* alice: SOLICIT, ADVERTISE, REQUEST, REPLY (IA_NA + IA_PD /56) */
	d6msg(&m, 1, 0x100a, mac_alice, NULL, NULL, 0);
	d6relay(&m, 12, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	d6msg(&m, 2, 0x100a, mac_alice, &a_na, &a_pd, 56);
	d6relay(&m, 13, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	d6msg(&m, 3, 0x100b, mac_alice, &a_na, &a_pd, 56);
	d6relay(&m, 12, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	d6msg(&m, 7, 0x100b, mac_alice, &a_na, &a_pd, 56);
	d6relay(&m, 13, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	/* bob: REQUEST, REPLY (IA_NA only) */
	d6msg(&m, 3, 0x200b, mac_bob, &b_na, NULL, 0);
	d6relay(&m, 12, relay, relay, b_ll, server, "olt1-pon-1/1/2:7");
	d6msg(&m, 7, 0x200b, mac_bob, &b_na, NULL, 0);
	d6relay(&m, 13, relay, relay, b_ll, server, "olt1-pon-1/1/2:7");
	for (k = 0; k < 2; k++) {
		web(mac_alice, 0, a_na, srv6, 40000 + (unsigned)k);
		web(mac_alice, 1, a_lan, srv6, 40100 + (unsigned)k);
		web(mac_bob, 0, b_na, srv6, 41000 + (unsigned)k);
	}
	ping(mac_alice, a_lan, srv6);
	/* alice releases; the server answers; her later traffic is not hers */
	d6msg(&m, 8, 0x100c, mac_alice, &a_na, &a_pd, 56);
	d6relay(&m, 12, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	d6msg(&m, 7, 0x100c, mac_alice, NULL, NULL, 0);
	d6relay(&m, 13, relay, relay, a_ll, server, "olt1-pon-1/1/1:7");
	web(mac_alice, 0, a_na, srv6, 40200);
	web(mac_bob, 0, b_na, srv6, 41200);
}

/*
 * steady - alice Start, N request/reply exchanges GAP_US apart (half
 * TCP, a quarter UDP, a quarter ICMP; bob's traffic in between), Stop:
 * for delivery tests that replay with --realtime (agency down and back,
 * custos killed mid-delivery).
 */
static void
sc_steady(unsigned long n, int64_t gap)
{
	struct session a = {.user = "alice@example.net",
	    .mac = "02:00:00:00:00:0a",
	    .port_id = "eth1/1/1:100",
	    .has4 = 1};
	struct addr srv = IP4(198, 51, 100, 10), bob = IP4(100, 64, 0, 21);
	unsigned long i;

	snprintf(a.sid, sizeof(a.sid), "A0000077");
	a.ip4 = IP4(100, 64, 0, 12);
	radius(&nas1, &a, 1, 0);
	now_us += gap;
	for (i = 0; i < n; i++) {
		if (i % 4 < 2)
			web(mac_alice, 0, a.ip4, srv,
			    40000 + (unsigned)(i % 20000));
		else if (i % 4 == 2)
			dns(mac_alice, a.ip4, srv);
		else
			ping(mac_alice, a.ip4, srv);
		web(mac_bob, 0, bob, srv, 41000 + (unsigned)(i % 20000));
		now_us += gap;
	}
	radius(&nas1, &a, 2, 1);
}

/* ---- bench ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
bench(const char *out_targets, const char *out_filter, unsigned long npk,
    unsigned nsubs, unsigned ntgt)
{
	struct session *s;
	FILE *ft, *ff;
	unsigned i, every;
	unsigned long tpk = 0;
	char user[32];
	static const size_t sizes[] = {
	    0, 0, 0, 0, 0, 120, 300, 600, 1200, 1400};

	if (nsubs < 1 || nsubs > 60000 || ntgt > nsubs || ntgt < 1) {
		fprintf(stderr,
		    "pcapgen: want 1 <= N_TARGETS <= N_SUBS <= "
		    "60000\n");
		return 2;
	}
	s = calloc(nsubs, sizeof(*s));
	ft = fopen(out_targets, "w");
	ff = fopen(out_filter, "w");
	if (s == NULL || ft == NULL || ff == NULL) {
		perror("pcapgen");
		return 1;
	}
	every = nsubs / ntgt;
	for (i = 0; i < nsubs; i++) {
		snprintf(user, sizeof(user), "sub%05u@example.net", i);
		s[i].user = strdup(user);
		s[i].mac = NULL;
		snprintf(s[i].sid, sizeof(s[i].sid), "S%08u", i);
		s[i].has4 = 1;
		s[i].ip4 = IP4(100, 64 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
		if (i % 10 == 0) { /* a tenth dual-stack */
			s[i].p6 = A6(0x20010db8, 0x01000000 | i, 0, 0);
			s[i].p6len = 64;
		}
		radius(&nas1, &s[i], 1, 0);
		now_us += 50;
		if (i % every == 0 && i / every < ntgt) {
			char a[48];

			fprintf(ft, "%s\n", s[i].user);
			snprintf(a, sizeof(a), "100.%u.%u.%u", 64 + (i >> 16),
			    (i >> 8) & 0xff, i & 0xff);
			fprintf(ff, "%shost %s", i ? " or " : "", a);
			if (s[i].p6len)
				fprintf(ff, " or net 2001:db8:%x:%x::/64",
				    0x100 | (i >> 16), i & 0xffff);
		}
	}
	fprintf(ff, "\n");
	fclose(ft);
	fclose(ff);
	while (npkts < npk) {
		unsigned k = (unsigned)(rnd() % nsubs);
		int tgt = k % every == 0 && k / every < ntgt;
		uint64_t r = rnd();
		size_t len = sizes[r % 10];
		struct addr srv = IP4(198, 51, 100, 1 + (r >> 8) % 200);
		struct addr sub = s[k].ip4;
		uint8_t smac[6] = {
		    0x02, 0x01, 0, 0, (uint8_t)(k >> 8), (uint8_t)k};

		if (npkts % 50000 == 0) { /* an Interim now and then */
			radius(&nas1, &s[k], 3, 0);
			continue;
		}
		if (s[k].p6len && (r >> 16) % 4 == 0) {
			memcpy(&sub, &s[k].p6, sizeof(sub));
			sub.a[15] = 1;
			srv = A6(
			    0x20010db8, 0xffff0000, 0, 0x80 + (r >> 8) % 200);
		}
		if ((r >> 24) % 2)
			traffic(smac, mac_router, 0, sub, srv, 6,
			    1024 + (unsigned)(r >> 32) % 60000, 443, len);
		else
			traffic(mac_router, smac, 0, srv, sub,
			    (r >> 40) % 4 ? 6 : 17, 443,
			    1024 + (unsigned)(r >> 32) % 60000, len);
		now_us += 20;
		if (tgt)
			tpk++;
	}
	printf("target-packets %lu\n", tpk);
	for (i = 0; i < nsubs; i++)
		free((char *)s[i].user);
	free(s);
	return 0;
}

int
main(int argc, char **argv)
{
	pcap_t *dead;
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr,
		    "usage: pcapgen target-moves|ipv6|online-before|dhcp|dhcp6 "
		    "OUT.pcap\n"
		    "       pcapgen steady OUT.pcap N GAP_US\n"
		    "       pcapgen bench OUT.pcap N_PACKETS N_SUBS N_TARGETS "
		    "TARGETS_OUT FILTER_OUT\n");
		return 2;
	}
	dead = pcap_open_dead_with_tstamp_precision(
	    DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_MICRO);
	dumper = dead ? pcap_dump_open(dead, argv[2]) : NULL;
	if (dumper == NULL) {
		fprintf(stderr, "pcapgen: %s: %s\n", argv[2],
		    dead ? pcap_geterr(dead) : "pcap_open_dead failed");
		return 1;
	}
	nas_init();
	if (strcmp(argv[1], "target-moves") == 0)
		sc_target_moves();
	else if (strcmp(argv[1], "ipv6") == 0)
		sc_ipv6();
	else if (strcmp(argv[1], "online-before") == 0)
		sc_online_before();
	else if (strcmp(argv[1], "dhcp") == 0)
		sc_dhcp();
	else if (strcmp(argv[1], "dhcp6") == 0)
		sc_dhcp6();
	else if (strcmp(argv[1], "steady") == 0 && argc == 5)
		sc_steady(strtoul(argv[3], NULL, 10),
		    (int64_t)strtoul(argv[4], NULL, 10));
	else if (strcmp(argv[1], "bench") == 0 && argc == 8)
		rc = bench(argv[6], argv[7], strtoul(argv[3], NULL, 10),
		    (unsigned)strtoul(argv[4], NULL, 10),
		    (unsigned)strtoul(argv[5], NULL, 10));
	else {
		fprintf(stderr, "pcapgen: unknown scenario or arguments\n");
		rc = 2;
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	return rc;
}
