/* addr - address and MAC parsing; inet_pton/ntop do the IP grammar */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"

static void
clear_host_bits(struct cs_addr *a)
{
	int total = a->family == 4 ? 32 : 128, i;

	for (i = a->plen; i < total; i++)
		a->a[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

enum cs_err
cs_addr_parse(struct cs_span s, struct cs_addr *out)
{
	char tmp[64];
	struct cs_addr a;
	struct cs_span ip = s, len;
	uint64_t plen;
	long slash;

	memset(&a, 0, sizeof(a));
	slash = cs_span_chr(s, '/');
	if (slash >= 0) {
		ip = cs_span_make(s.p, (size_t)slash);
		len = cs_span_skip(s, (size_t)slash + 1);
	}
	if (ip.len == 0 || ip.len >= sizeof(tmp))
		return CS_EPARSE;
	memcpy(tmp, ip.p, ip.len);
	tmp[ip.len] = '\0';
	if (inet_pton(AF_INET, tmp, a.a) == 1) {
		a.family = 4;
		a.plen = 32;
	} else if (inet_pton(AF_INET6, tmp, a.a) == 1) {
		a.family = 6;
		a.plen = 128;
	} else {
		return CS_EPARSE;
	}
	if (slash >= 0) {
		if (cs_parse_u64(len, 0, a.plen, &plen) != CS_OK)
			return CS_EPARSE;
		a.plen = (uint8_t)plen;
		clear_host_bits(&a);
	}
	*out = a;
	return CS_OK;
}

void
cs_addr_format(const struct cs_addr *a, char out[static CS_ADDR_STRLEN])
{
	char tmp[INET6_ADDRSTRLEN];
	int host;

	if (a->family == 4) {
		inet_ntop(AF_INET, a->a, tmp, sizeof(tmp));
		host = a->plen == 32;
	} else if (a->family == 6) {
		inet_ntop(AF_INET6, a->a, tmp, sizeof(tmp));
		host = a->plen == 128;
	} else {
		snprintf(out, CS_ADDR_STRLEN, "-");
		return;
	}
	if (host)
		snprintf(out, CS_ADDR_STRLEN, "%s", tmp);
	else
		snprintf(out, CS_ADDR_STRLEN, "%s/%u", tmp, a->plen);
}

int
cs_addr_contains(const struct cs_addr *p, const struct cs_addr *x)
{
	int i, full;

	if (p->family != x->family || p->plen > x->plen)
		return 0;
	full = p->plen / 8;
	if (memcmp(p->a, x->a, (size_t)full) != 0)
		return 0;
	for (i = full * 8; i < p->plen; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));
		if ((p->a[i / 8] & m) != (x->a[i / 8] & m))
			return 0;
	}
	return 1;
}

struct cs_addr
cs_addr_truncate(const struct cs_addr *x, int plen)
{
	struct cs_addr a = *x;

	if (plen < a.plen) {
		a.plen = (uint8_t)plen;
		clear_host_bits(&a);
	}
	return a;
}

int
cs_addr_is_host(const struct cs_addr *a)
{
	return (a->family == 4 && a->plen == 32) ||
	    (a->family == 6 && a->plen == 128);
}

static int
hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum cs_err
cs_mac_parse(struct cs_span s, uint8_t out[static 6])
{
	uint8_t m[6];
	size_t i, n = 0, ndig = 0;
	int v;

	s = cs_span_trim(s);
	if ((s.len == 12 && cs_span_chr(s, ':') < 0 &&
		cs_span_chr(s, '-') < 0) ||
	    (s.len == 14 && s.p[4] == '.')) {
		/* aabbccddeeff or aabb.ccdd.eeff */
		int dots = s.len == 14;
		uint8_t nib[12];
		for (i = 0; i < s.len; i++) {
			if (dots && (i == 4 || i == 9)) {
				if (s.p[i] != '.')
					return CS_EPARSE;
				continue;
			}
			v = hexdig(s.p[i]);
			if (v < 0 || ndig >= 12)
				return CS_EPARSE;
			nib[ndig++] = (uint8_t)v;
		}
		if (ndig != 12)
			return CS_EPARSE;
		for (i = 0; i < 6; i++)
			out[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
		return CS_OK;
	}
	/* six groups of one or two hex digits separated by ':' or '-' */
	{
		char sep = 0;
		unsigned cur = 0;

		ndig = 0;
		for (i = 0; i <= s.len; i++) {
			char c = i < s.len ? s.p[i] : '\0';
			if (i == s.len || c == ':' || c == '-') {
				if (i < s.len) {
					if (sep == 0)
						sep = c;
					else if (c != sep)
						return CS_EPARSE;
				}
				if (ndig == 0 || ndig > 2 || n >= 6)
					return CS_EPARSE;
				m[n++] = (uint8_t)cur;
				cur = 0;
				ndig = 0;
				continue;
			}
			v = hexdig(c);
			if (v < 0)
				return CS_EPARSE;
			cur = cur << 4 | (unsigned)v;
			ndig++;
		}
		if (n != 6)
			return CS_EPARSE;
	}
	memcpy(out, m, 6);
	return CS_OK;
}

void
cs_mac_format(const uint8_t mac[static 6], char out[static CS_MAC_STRLEN])
{
	snprintf(out, CS_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
	    mac[1], mac[2], mac[3], mac[4], mac[5]);
}
