/* dhcpkey_test - the DHCP key written by hand is the printf one */
#include <stdio.h>

#include "t.h"
#include "fmt/dhcpkey.h"

static void
test_same_as_printf(void)
{
	static const char *const addrs[] = {"0.0.0.0", "1.2.3.4", "9.10.99.100",
	    "100.64.5.43", "255.255.255.255", "192.0.2.0/24", "2001:db8::1",
	    "2001:db8:8000:e700::/56", "::ffff:100.64.0.1"};
	uint8_t mac[6] = {0x02, 0x5c, 0x00, 0xab, 0xf0, 0x0f};
	char want[128], m[CS_MAC_STRLEN], a[CS_ADDR_STRLEN], got[128];
	struct cs_addr ip;
	size_t i, n;
	unsigned v;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		T_EQ_INT(cs_addr_parse(cs_span_cstr(addrs[i]), &ip), CS_OK);
		cs_addr_format(&ip, a);
		cs_mac_format(mac, m);
		snprintf(want, sizeof(want), "dhcp|%s|%s", a, m);
		n = cs_dhcp_key_put(got, &ip, mac);
		T_EQ_STR(got, want);
		T_EQ_INT(n, strlen(want));
	}
	/* every octet value */
	for (v = 0; v < 256; v++) {
		ip.family = 4;
		ip.plen = 32;
		ip.a[0] = ip.a[3] = (uint8_t)v;
		ip.a[1] = (uint8_t)(255 - v);
		ip.a[2] = (uint8_t)(v * 7);
		mac[5] = (uint8_t)v;
		cs_addr_format(&ip, a);
		cs_mac_format(mac, m);
		snprintf(want, sizeof(want), "dhcp|%s|%s", a, m);
		cs_dhcp_key_put(got, &ip, mac);
		T_EQ_STR(got, want);
	}
}

int
main(void)
{
	T_RUN(test_same_as_printf);
	return T_DONE();
}
