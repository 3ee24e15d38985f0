/*
 * dhcpkey - the binding key every DHCP source shares, "dhcp|<ip>|<mac>",
 * written without printf: it is made once per lease line, and three
 * snprintf calls a line were a visible part of ingest.  The text is
 * exactly what cs_addr_format and cs_mac_format give.
 */
#ifndef CS_DHCPKEY_H
#define CS_DHCPKEY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/addr.h"

/* put_u8 - decimal of v at p; returns the end */
static inline char *
cs_dhcpkey_u8(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/*
 * cs_dhcp_key_put - write the key into out (room for at least
 * 6 + CS_ADDR_STRLEN + CS_MAC_STRLEN bytes), NUL-terminated; its length
 */
static inline size_t
cs_dhcp_key_put(char *out, const struct cs_addr *ip, const uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	int i;

	memcpy(p, "dhcp|", 5);
	p += 5;
	if (ip->family == 4 && ip->plen == 32) {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = cs_dhcpkey_u8(p, ip->a[i]);
		}
	} else {
		char a[CS_ADDR_STRLEN];
		size_t n;
		cs_addr_format(ip, a);
		n = strlen(a);
		memcpy(p, a, n);
		p += n;
	}
	*p++ = '|';
	for (i = 0; i < 6; i++) {
		if (i)
			*p++ = ':';
		*p++ = hex[mac[i] >> 4];
		*p++ = hex[mac[i] & 15];
	}
	*p = '\0';
	return (size_t)(p - out);
}

#endif
