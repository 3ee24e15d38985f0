/*
 * pkt - one captured frame to the IP packet inside it: link layer
 * (Ethernet with 802.1Q/QinQ, raw IP, Linux cooked v1/v2, BSD loopback),
 * IPv4 (fragments) and IPv6 (extension headers walked), TCP/UDP ports.
 *
 * Every read is bounds-checked against the captured length; nothing is
 * copied or allocated: struct li_pkt points into the caller's frame.
 */
#ifndef CS_LI_PKT_H
#define CS_LI_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* libpcap link types this parser knows (DLT_/LINKTYPE_ values) */
#define LI_LT_NULL 0      /* BSD loopback: host-order AF_ word */
#define LI_LT_EN10MB 1    /* Ethernet */
#define LI_LT_RAW_BSD 12  /* DLT_RAW on most BSDs/Linux: raw IP */
#define LI_LT_RAW_OBSD 14 /* DLT_RAW on OpenBSD */
#define LI_LT_RAW 101     /* LINKTYPE_RAW */
#define LI_LT_LOOP 108    /* OpenBSD loopback: network-order AF_ word */
#define LI_LT_LINUX_SLL 113
#define LI_LT_IPV4 228
#define LI_LT_IPV6 229
#define LI_LT_LINUX_SLL2 276

/*
 * One parsed packet.  ip/iplen: the whole IP packet as captured (trailing
 * link padding cut off by the IP length; shorter than the IP length says
 * when the capture cut it).  l4/l4len: the transport header onwards to the
 * end of ip (NULL/0 for a non-first fragment or an unknown next header).
 * sport/dport: -1 unless TCP or UDP with its header present.
 */
struct li_pkt {
	const uint8_t *ip;
	size_t iplen;
	int family; /* 4 or 6 */
	struct cs_addr src, dst;
	uint8_t proto; /* IPv4 protocol / IPv6 last next header */
	int sport, dport;
	const uint8_t *l4;
	size_t l4len;
};

/*
 * li_pkt_parse - frame[0..caplen) of link type linktype into out.
 * Returns 0, or -1 when the frame holds no IP packet or its IP header is
 * cut short (out is then unusable).
 */
int li_pkt_parse(
    int linktype, const uint8_t *frame, size_t caplen, struct li_pkt *out);

/*
 * li_pkt_parse_ip - the same from the first byte of an IP packet (version
 * nibble 4 or 6).
 */
int li_pkt_parse_ip(const uint8_t *ip, size_t len, struct li_pkt *out);

/* li_pkt_udp_payload - the UDP payload of p (bounded by the UDP length);
 * NULL unless p is a first-fragment UDP packet with its header present */
const uint8_t *li_pkt_udp_payload(const struct li_pkt *p, size_t *len);

#endif
