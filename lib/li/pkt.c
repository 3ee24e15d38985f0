/*
 * pkt - frame to IP packet, bounds-checked.  See pkt.h.
 *
 * Written by hand: libpcap hands us frames, not parsed packets, and the
 * per-packet path must not allocate or copy (it runs for every packet of
 * every subscriber before the non-targets are dropped).
 */
#include <string.h>

#include "li/pkt.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_PPPOE_S 0x8864
#define ETH_MPLS 0x8847

static inline unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* ethertype - the IP packet behind ethertype et at p[0..n) */
static int
ethertype(unsigned et, const uint8_t *p, size_t n, struct li_pkt *out)
{
	int tags;

	for (tags = 0; tags < 8; tags++) {
		switch (et) {
		case ETH_IPV4:
		case ETH_IPV6:
			return li_pkt_parse_ip(p, n, out);
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ_OLD:
			if (n < 4)
				return -1;
			et = be16(p + 2);
			p += 4;
			n -= 4;
			break;
		case ETH_PPPOE_S: /* ver/type, code, session, length, PPP proto
				   */
			if (n < 8 || p[0] != 0x11 || p[1] != 0)
				return -1;
			if (be16(p + 6) == 0x0021)
				et = ETH_IPV4;
			else if (be16(p + 6) == 0x0057)
				et = ETH_IPV6;
			else
				return -1;
			p += 8;
			n -= 8;
			break;
		case ETH_MPLS: /* labels until bottom of stack, then IP */
			for (;;) {
				if (n < 4)
					return -1;
				p += 4;
				n -= 4;
				if (p[-2] & 1)
					break;
			}
			return li_pkt_parse_ip(p, n, out);
		default:
			return -1;
		}
	}
	return -1;
}

/* transport - ports and l4 from the transport header at p[0..n) */
static void
transport(uint8_t proto, const uint8_t *p, size_t n, struct li_pkt *out)
{
	out->proto = proto;
	out->l4 = p;
	out->l4len = n;
	if ((proto == 6 && n >= 20) || (proto == 17 && n >= 8)) {
		out->sport = (int)be16(p);
		out->dport = (int)be16(p + 2);
	}
}

static int
parse_v4(const uint8_t *ip, size_t len, struct li_pkt *out)
{
	size_t ih, tot;

	if (len < 20)
		return -1;
	ih = (size_t)(ip[0] & 0x0f) * 4;
	if (ih < 20 || ih > len)
		return -1;
	tot = be16(ip + 2);
	if (tot == 0) /* segmentation offload: the length is not filled in */
		tot = len;
	if (tot < ih)
		return -1;
	out->iplen = tot < len ? tot : len;
	out->family = 4;
	out->src.family = out->dst.family = 4;
	out->src.plen = out->dst.plen = 32;
	memcpy(out->src.a, ip + 12, 4);
	memcpy(out->dst.a, ip + 16, 4);
	out->proto = ip[9];
	/* a later fragment (offset != 0) carries no transport header */
	if ((be16(ip + 6) & 0x1fff) == 0)
		transport(ip[9], ip + ih, out->iplen - ih, out);
	return 0;
}

static int
parse_v6(const uint8_t *ip, size_t len, struct li_pkt *out)
{
	size_t off = 40, tot;
	uint8_t nh;
	int i;

	if (len < 40)
		return -1;
	tot = 40 + be16(ip + 4);
	if (tot == 40) /* jumbogram or offload: trust the capture */
		tot = len;
	out->iplen = tot < len ? tot : len;
	out->family = 6;
	out->src.family = out->dst.family = 6;
	out->src.plen = out->dst.plen = 128;
	memcpy(out->src.a, ip + 8, 16);
	memcpy(out->dst.a, ip + 24, 16);
	nh = ip[6];
	out->proto = nh;
	for (i = 0; i < 16; i++) {
		size_t el;

		switch (nh) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if (off + 8 > out->iplen)
				return 0; /* cut short: addresses are known */
			el = ((size_t)ip[off + 1] + 1) * 8;
			break;
		case 51: /* AH */
			if (off + 8 > out->iplen)
				return 0;
			el = ((size_t)ip[off + 1] + 2) * 4;
			break;
		case 44: /* fragment: only the first has the transport header */
			if (off + 8 > out->iplen)
				return 0;
			if ((be16(ip + off + 2) & 0xfff8) != 0) {
				out->proto = ip[off];
				return 0;
			}
			el = 8;
			break;
		default:
			if (off <= out->iplen)
				transport(nh, ip + off, out->iplen - off, out);
			return 0;
		}
		nh = ip[off];
		out->proto = nh;
		if (el > out->iplen - off)
			return 0;
		off += el;
	}
	return 0;
}

int
li_pkt_parse_ip(const uint8_t *ip, size_t len, struct li_pkt *out)
{
	out->ip = ip;
	out->l4 = NULL;
	out->l4len = 0;
	out->sport = out->dport = -1;
	out->proto = 0;
	if (len < 1)
		return -1;
	switch (ip[0] >> 4) {
	case 4:
		return parse_v4(ip, len, out);
	case 6:
		return parse_v6(ip, len, out);
	default:
		return -1;
	}
}

/* af_family - a BSD AF_ value (any platform's) to an IP version */
static int
af_family(uint32_t af)
{
	switch (af) {
	case 2:
		return 4;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* Darwin */
		return 6;
	default:
		return 0;
	}
}

int
li_pkt_parse(
    int linktype, const uint8_t *frame, size_t caplen, struct li_pkt *out)
{
	uint32_t le, be;

	out->family = 0;
	switch (linktype) {
	case LI_LT_EN10MB:
		if (caplen < 14)
			return -1;
		return ethertype(
		    be16(frame + 12), frame + 14, caplen - 14, out);
	case LI_LT_RAW:
	case LI_LT_RAW_BSD:
	case LI_LT_RAW_OBSD:
	case LI_LT_IPV4:
	case LI_LT_IPV6:
		return li_pkt_parse_ip(frame, caplen, out);
	case LI_LT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		return ethertype(
		    be16(frame + 14), frame + 16, caplen - 16, out);
	case LI_LT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		return ethertype(be16(frame), frame + 20, caplen - 20, out);
	case LI_LT_NULL:
	case LI_LT_LOOP:
		if (caplen < 4)
			return -1;
		le = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 |
		    (uint32_t)frame[2] << 16 | (uint32_t)frame[3] << 24;
		be = (uint32_t)frame[3] | (uint32_t)frame[2] << 8 |
		    (uint32_t)frame[1] << 16 | (uint32_t)frame[0] << 24;
		/* NULL is the capturing host's order: accept either */
		if (af_family(linktype == LI_LT_LOOP ? be : le) == 0 &&
		    (linktype == LI_LT_LOOP || af_family(be) == 0))
			return -1;
		return li_pkt_parse_ip(frame + 4, caplen - 4, out);
	default:
		return -1;
	}
}

const uint8_t *
li_pkt_udp_payload(const struct li_pkt *p, size_t *len)
{
	size_t ul;

	*len = 0;
	if (p->proto != 17 || p->l4 == NULL || p->l4len < 8)
		return NULL;
	ul = be16(p->l4 + 4);
	if (ul < 8)
		return NULL;
	ul -= 8;
	*len = ul < p->l4len - 8 ? ul : p->l4len - 8;
	return p->l4 + 8;
}
