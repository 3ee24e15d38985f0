/*
 * fuzz_pkt - frame parsing, RADIUS accounting and DHCP parsing, and the
 * matcher over arbitrary bytes.
 *
 * Input: byte 0 picks the mode.  Bit 7 clear: bytes 1.. are one frame of
 * the link type table[byte0 % N]; bit 7 set: bytes 1.. are the UDP payload
 * of a packet to the RADIUS accounting port (bits 1, 0 clear), a DHCP
 * server-to-relay packet (bit 0 set), wrapped in a valid IPv4/UDP header,
 * or (bit 1 set) a DHCPv6 message over IPv6 UDP 547.
 * Several frames may follow each other, split at the 4-byte marker
 * "\xff\xfePK" (so a corpus entry can be a whole Start..Stop exchange).
 * Invariants checked: the parsed packet lies inside the input, ports are
 * 16-bit or -1, every reported packet's address or the identity event
 * belongs to a target intercept.
 */
#include <stdlib.h>
#include <string.h>

#include "core/case.h"
#include "li/match.h"
#include "li/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {LI_LT_EN10MB, LI_LT_RAW, LI_LT_LINUX_SLL,
    LI_LT_LINUX_SLL2, LI_LT_NULL, LI_LT_LOOP, LI_LT_RAW_BSD, LI_LT_IPV4};
#define NLT (sizeof(linktypes) / sizeof(linktypes[0]))
#define NTGT 6 /* targets, intercepts 1..6 */

static void
on_iri(void *ctx, uint32_t icpt, const struct li_iri *iri, cs_time t)
{
	if (icpt < 1 || icpt > NTGT || iri->event > LI_EV_END_WITH_SESSION)
		abort();
	if (memchr(iri->username, '\0', sizeof(iri->username)) == NULL ||
	    memchr(iri->pop_port, '\0', sizeof(iri->pop_port)) == NULL)
		abort();
}

static void
on_pkt(void *ctx, uint32_t icpt, enum li_dir dir, cs_time t,
    const struct li_pkt *p)
{
	if (icpt < 1 || icpt > NTGT)
		abort();
	if (dir != LI_DIR_TO_TARGET && dir != LI_DIR_FROM_TARGET &&
	    dir != LI_DIR_UNKNOWN)
		abort();
}

static void
check(const uint8_t *in, size_t n, const struct li_pkt *p)
{
	if (p->ip < in || p->ip + p->iplen > in + n)
		abort();
	if (p->l4 && (p->l4 < p->ip || p->l4 + p->l4len > p->ip + p->iplen))
		abort();
	if (p->sport < -1 || p->sport > 65535 || p->dport < -1 ||
	    p->dport > 65535)
		abort();
	if (p->family != 4 && p->family != 6)
		abort();
}

static void
one(struct li_match *m, cs_time t, const uint8_t *d, size_t n)
{
	static const struct li_match_cb cb = {NULL, on_iri, on_pkt};
	static uint8_t wrap[48 + 65536];
	struct li_ident id;
	struct li_pkt p;
	size_t ul;

	if (n == 0)
		return;
	if ((d[0] & 0x82) == 0x82) {
		/* a DHCPv6 message: parse it, then over IPv6 UDP 547 */
		ul = n - 1;
		(void)li_dhcp6_parse(d + 1, ul, &id);
		if (ul > 65535 - 48)
			return;
		memset(wrap, 0, 48);
		wrap[0] = 0x60;
		wrap[4] = (uint8_t)((8 + ul) >> 8);
		wrap[5] = (uint8_t)(8 + ul);
		wrap[6] = 17;
		wrap[8] = 0x20;
		wrap[9] = 0x01;
		wrap[23] = 3;
		wrap[24] = 0x20;
		wrap[25] = 0x01;
		wrap[39] = 1;
		wrap[40] = 547 >> 8;
		wrap[41] = 547 & 0xff;
		wrap[42] = 547 >> 8;
		wrap[43] = 547 & 0xff;
		wrap[44] = (uint8_t)((8 + ul) >> 8);
		wrap[45] = (uint8_t)(8 + ul);
		memcpy(wrap + 48, d + 1, ul);
		if (li_pkt_parse_ip(wrap, 48 + ul, &p) == 0) {
			check(wrap, 48 + ul, &p);
			li_match_packet(m, t, &p, &cb);
		}
		return;
	}
	if (d[0] & 0x80) {
		/* a UDP payload: parse it directly, then on the wire */
		ul = n - 1;
		if (d[0] & 1)
			(void)li_dhcp_parse(d + 1, ul, &id);
		else
			(void)li_radius_acct_parse(d + 1, ul, &id);
		if (ul > 65535 - 28)
			return;
		memset(wrap, 0, 28);
		wrap[0] = 0x45;
		wrap[2] = (uint8_t)((28 + ul) >> 8);
		wrap[3] = (uint8_t)(28 + ul);
		wrap[8] = 64;
		wrap[9] = 17;
		wrap[12] = 10;
		wrap[15] = 1;
		wrap[16] = 10;
		wrap[19] = 2;
		wrap[20] = d[0] & 1 ? 0 : 0x4e;
		wrap[21] = d[0] & 1 ? 67 : 0x20;
		wrap[22] = d[0] & 1 ? 0 : 1813 >> 8;
		wrap[23] = d[0] & 1 ? 67 : 1813 & 0xff;
		wrap[24] = (uint8_t)((8 + ul) >> 8);
		wrap[25] = (uint8_t)(8 + ul);
		memcpy(wrap + 28, d + 1, ul);
		if (li_pkt_parse_ip(wrap, 28 + ul, &p) == 0) {
			check(wrap, 28 + ul, &p);
			li_match_packet(m, t, &p, &cb);
		}
		return;
	}
	if (li_pkt_parse(linktypes[d[0] % NLT], d + 1, n - 1, &p) == 0) {
		check(d + 1, n - 1, &p);
		li_match_packet(m, t, &p, &cb);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const targets[] = {"username:alice@example.net",
	    "mac:02:00:00:00:00:0a", "circuit:olt1-pon-1/1/1:7",
	    "ipv6prefix:2001:db8:100:b::/64", "mac:02:00:00:00:00:66",
	    "circuit:olt1-pon-1/1/1:9"};
	struct li_match *m = li_match_new();
	struct cs_target t;
	struct cs_errbuf eb;
	cs_time now = 1795946400LL * CS_US;
	size_t i, start = 0;

	if (m == NULL)
		return 0;
	for (i = 0; i < NTGT; i++)
		if (cs_target_parse(targets[i], &t, &eb) != CS_OK ||
		    li_match_add(m, (uint32_t)i + 1, &t, (int)(i & 1)) != 0)
			abort();
	for (i = 0; i + 4 <= size; i++)
		if (memcmp(data + i, "\xff\xfePK", 4) == 0) {
			one(m, now, data + start, i - start);
			now += 30 * CS_US;
			start = i + 4;
			i += 3;
		}
	one(m, now, data + start, size - start);
	li_match_tick(m, now + 100000 * CS_US, NULL);
	li_match_free(m);
	return 0;
}
