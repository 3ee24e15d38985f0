/*
 * li - the shared intercept types: the empty IRI and the header-only copy
 * of a packet that pen/trap intercepts deliver.
 */
#include <string.h>

#include "li/li.h"

void
li_iri_init(struct li_iri *iri, enum li_iri_event ev)
{
	memset(iri, 0, sizeof(*iri));
	iri->event = ev;
	iri->start = CS_TIME_NONE;
	iri->end = CS_TIME_NONE;
	iri->end_reason = -1;
	iri->auth = LI_AUTH_NONE;
}

/* length of the transport header of protocol proto at p[0..n), or 0 */
static size_t
l4_len(uint8_t proto, const uint8_t *p, size_t n)
{
	size_t h;

	switch (proto) {
	case 6: /* TCP: data offset in 32-bit words */
		if (n < 20)
			return 0;
		h = (size_t)(p[12] >> 4) * 4;
		return h >= 20 && h <= n ? h : 0;
	case 17: /* UDP */
	case 1:  /* ICMP */
	case 58: /* ICMPv6 */
		return n >= 8 ? 8 : 0;
	default: /* other protocols: no transport header is kept */
		return 0;
	}
}

/* IPv6 extension headers walked to the transport header */
static int
v6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 51;
}

int
li_hdronly_make(struct li_hdronly *out, const uint8_t *ip, size_t len)
{
	size_t ih, l4, off;
	uint8_t proto;

	out->len = 0;
	out->iplen = 0;
	if (len < 1)
		return -1;
	if (ip[0] >> 4 == 4) {
		if (len < 20)
			return -1;
		ih = (size_t)(ip[0] & 0x0f) * 4;
		if (ih < 20 || ih > len)
			return -1;
		proto = ip[9];
		out->iplen = (size_t)ip[2] << 8 | ip[3];
		/* a later fragment carries no transport header */
		if (((size_t)(ip[6] & 0x1f) << 8 | ip[7]) != 0)
			l4 = 0;
		else
			l4 = l4_len(proto, ip + ih, len - ih);
		off = ih;
	} else if (ip[0] >> 4 == 6) {
		if (len < 40)
			return -1;
		out->iplen = 40 + ((size_t)ip[4] << 8 | ip[5]);
		proto = ip[6];
		off = 40;
		while (v6_ext(proto)) {
			size_t el;

			if (off + 8 > len)
				return -1;
			el = proto == 51 ? ((size_t)ip[off + 1] + 2) * 4
					 : ((size_t)ip[off + 1] + 1) * 8;
			proto = ip[off];
			off += el;
			if (off > len)
				return -1;
		}
		l4 = proto == 44 ? 0 : l4_len(proto, ip + off, len - off);
	} else {
		return -1;
	}
	if (off + l4 > LI_HDR_MAX)
		return -1;
	memcpy(out->b, ip, off + l4);
	out->len = off + l4;
	return 0;
}
