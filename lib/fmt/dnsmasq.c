/*
 * dnsmasq - dnsmasq DHCP syslog messages (program dnsmasq-dhcp, or
 * dnsmasq when DHCP logs to the main facility).
 *
 *   [xid ]DHCPACK(iface) <ip> <mac> [hostname]     OPEN "dhcp|<ip>|<mac>"
 *   [xid ]DHCPRELEASE(iface) <ip> <mac> [text]     CLOSE
 *
 * The transaction id is printed with --log-dhcp only.  The line has no
 * lease time, so .until comes from the configured lease time.  The
 * interface is where the packet arrived, also for relayed requests (dnsmasq
 * does not log the giaddr).  Lines end with a blank when there is no
 * hostname.  Everything else (DISCOVER, OFFER, REQUEST, NAK, "sent size",
 * "tags", DNS and startup lines) is CS_ESKIP.  Stateless.
 */
#include <stdio.h>
#include <string.h>

#include "fmt/fmt.h"

#define KEY_MAX (sizeof("dhcp||") + CS_ADDR_STRLEN + CS_MAC_STRLEN)
#define LEASE_SECS_INF 0xffffffffLL /* DHCP "infinite" lease time */

/* all_digits - s is a non-empty run of decimal digits */
static int
all_digits(struct cs_span s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
	return s.len > 0;
}

/* fail - report a malformed message: the field at fault and why */
static enum cs_err
fail(
    const char **field, struct cs_errbuf *eb, const char *f, const char *reason)
{
	*field = f;
	cs_errbuf_set(eb, "%s", reason);
	return CS_EPARSE;
}

/* cs_dnsmasq_msg - one dnsmasq DHCP syslog message; see the header comment */
enum cs_err
cs_dnsmasq_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	struct cs_span s = cs_span_trim(h->msg), w, iface;
	char key[KEY_MAX], a[CS_ADDR_STRLEN], m[CS_MAC_STRLEN];
	struct cs_obs ob;
	struct cs_addr ip;
	uint8_t mac[6];
	long lp;
	int open, n;

	if (!cs_span_word(&s, &w))
		return CS_ESKIP;
	if (all_digits(w) && !cs_span_word(&s, &w))
		return CS_ESKIP;
	/* "DHCPACK(br0)" */
	lp = cs_span_chr(w, '(');
	if (lp < 0 || !cs_span_ends(w, ")"))
		return CS_ESKIP;
	iface = cs_span_make(w.p + lp + 1, w.len - (size_t)lp - 2);
	w.len = (size_t)lp;
	if (cs_span_eq(w, "DHCPACK"))
		open = 1;
	else if (cs_span_eq(w, "DHCPRELEASE"))
		open = 0;
	else
		return CS_ESKIP;
	if (!cs_span_word(&s, &w))
		return fail(field, eb, "address", "no IP address");
	if (cs_addr_parse(w, &ip) == CS_OK && ip.family == 6)
		return CS_ESKIP; /* DHCPv6: no MAC, keyed by DUID */
	if (!(cs_addr_parse(w, &ip) == CS_OK && cs_addr_is_host(&ip))) {
		if (cs_span_chr(w, ':') >= 0 && cs_span_chr(w, '.') < 0)
			return CS_ESKIP; /* DHCPv6 DUID, no address */
		return fail(field, eb, "address", "not an IP address");
	}
	if (!cs_span_word(&s, &w))
		return fail(field, eb, "mac", "no MAC address");
	if (cs_mac_parse(w, mac) != CS_OK)
		return fail(field, eb, "mac", "not a MAC address");

	cs_obs_init(&ob);
	ob.kind = open ? CS_OBS_OPEN : CS_OBS_CLOSE;
	ob.src = CS_SRC_DNSMASQ;
	ob.time = h->time;
	if (open && o->lease_time > 0 && o->lease_time < LEASE_SECS_INF)
		ob.until = ob.time + o->lease_time * CS_US;
	cs_addr_format(&ip, a);
	cs_mac_format(mac, m);
	n = snprintf(key, sizeof(key), "dhcp|%s|%s", a, m);
	if (n < 0 || (size_t)n >= sizeof(key))
		return fail(field, eb, "address", "key too long");
	ob.key = cs_span_make(key, (size_t)n);
	ob.nas_key = h->host;
	ob.naddr = 1;
	ob.addr[0] = ip;
	ob.has_mac = 1;
	memcpy(ob.mac, mac, 6);
	if (open)
		ob.hostname = cs_span_trim(s);
	ob.relay = iface;
	ob.raw = raw;
	ob.line = lineno;
	sink->obs(sink->arg, &ob);
	return CS_OK;
}
