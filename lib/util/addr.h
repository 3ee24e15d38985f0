/*
 * addr - IPv4/IPv6 addresses and prefixes, and MAC addresses in every
 * spelling real logs use.  Pure functions, no allocation.
 */
#ifndef CS_ADDR_H
#define CS_ADDR_H

#include <stdint.h>

#include "util/span.h"

struct cs_addr {
	uint8_t family; /* 4 or 6; 0 = none */
	uint8_t plen;   /* prefix length: 32/128 for a single address */
	uint8_t a[16];  /* network order; IPv4 in a[0..3]; host bits zero */
};

#define CS_ADDR_STRLEN 50
#define CS_MAC_STRLEN 18

/*
 * cs_addr_parse - "192.0.2.1", "2001:db8::1", "2001:db8::/64",
 * "100.64.0.0/10".  Host bits beyond the prefix are cleared.
 */
enum cs_err cs_addr_parse(struct cs_span s, struct cs_addr *out);
/* cs_addr_format - canonical text (RFC 5952 for IPv6), "/len" for prefixes */
void cs_addr_format(const struct cs_addr *a, char out[static CS_ADDR_STRLEN]);
/* cs_addr_contains - prefix p covers address (or prefix) x */
int cs_addr_contains(const struct cs_addr *p, const struct cs_addr *x);
/* cs_addr_truncate - x cut to its first plen bits */
struct cs_addr cs_addr_truncate(const struct cs_addr *x, int plen);
/* cs_addr_is_host - single address (/32 or /128) */
int cs_addr_is_host(const struct cs_addr *a);

/*
 * cs_mac_parse - aa:bb:cc:dd:ee:ff, aa-bb-.., aabb.ccdd.eeff, aabbccddeeff,
 * and ISC's binary-to-ascii form with dropped zeros (2:0:0:0:1:1).
 */
enum cs_err cs_mac_parse(struct cs_span s, uint8_t out[static 6]);
/* cs_mac_format - lower-case colon form */
void cs_mac_format(const uint8_t mac[static 6], char out[static CS_MAC_STRLEN]);

#endif
