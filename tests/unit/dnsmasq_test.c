/*
 * dnsmasq_test - dnsmasq DHCP syslog messages through the syslog format,
 * checked against what a person reads in
 * tests/data/dhcp/dnsmasq/syslog-dnsmasq-traditional.log.
 */
#include <stdlib.h>

#include "t.h"
#include "collect.h"
#include "fmt/fmt.h"

/* lc_count - observations of kind */
static int
lc_count(const struct collect *c, enum cs_obs_kind kind)
{
	int i, n = 0;

	for (i = 0; i < c->nobs; i++)
		n += c->obs[i].kind == kind;
	return n;
}

#define K_CR1 "dhcp|100.64.1.107|02:00:00:00:01:01"
#define K_C2 "dhcp|100.64.0.127|02:00:00:00:00:22"
#define K_C1 "dhcp|100.64.0.110|02:00:00:00:00:11"
#define K_C3 "dhcp|100.64.0.144|02:00:00:00:00:33"

static void
test_sample(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(120);
	const char *path =
	    "tests/data/dhcp/dnsmasq/syslog-dnsmasq-traditional.log";
	char *text = collect_file(path);
	const struct tobs *b;
	int i;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	free(text);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(lc_count(&c, CS_OBS_OPEN), 9);  /* 9 DHCPACK lines */
	T_EQ_INT(lc_count(&c, CS_OBS_CLOSE), 2); /* 2 DHCPRELEASE */
	T_EQ_INT(c.nobs, 11);
	T_EQ_INT(c.nskip, 256 - 11);
	for (i = 0; i < c.nobs; i++) {
		T_EQ_INT(c.obs[i].src, CS_SRC_DNSMASQ);
		T_EQ_STR(c.obs[i].relay, "br0");
		T_EQ_STR(c.obs[i].nas_key, "vm");
	}
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:29Z");
		T_EQ_STR(b->until, "2026-11-29T20:48:29Z");
		T_EQ_STR(b->hostname, "cr1-laptop");
		T_EQ_STR(b->addr[0], "100.64.1.107");
		T_EQ_STR(b->mac, "02:00:00:00:01:01");
		T_EQ_INT(b->line, 72);
		T_EQ_STR(b->raw,
		    "Nov 29 20:46:29 vm dnsmasq-dhcp[19194]: "
		    "3408691753 DHCPACK(br0) 100.64.1.107 "
		    "02:00:00:00:01:01 cr1-laptop");
	}
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 3);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:48:16Z");
	T_CHECK(collect_find(&c, CS_OBS_OPEN, K_C2, 0) != NULL);
	/* no hostname: the trailing blank is not a hostname */
	b = collect_find(&c, CS_OBS_OPEN, K_C3, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->hostname, "");
	/* the release of 100.64.0.127 by 02:00:00:00:00:22 */
	b = collect_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:37Z");
		T_EQ_STR(b->until, "");
		T_EQ_INT(b->line, 206);
	}
	b = collect_find(&c, CS_OBS_CLOSE, K_C1, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:48:46Z");
	T_CHECK(collect_find(&c, CS_OBS_OPEN, K_C1, 2) != NULL);
}

static void
test_forms(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *text =
	    /* without --log-dhcp there is no transaction id */
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[19194]: DHCPACK(br0) "
	    "100.64.1.107 02:00:00:00:01:01 cr1-laptop\n"
	    "2026-11-29T20:46:37.100000+00:00 vm dnsmasq-dhcp[19194]: "
	    "4239943972 DHCPRELEASE(br0) 100.64.0.127 02:00:00:00:00:22 \n"
	    "<30>1 2026-11-29T20:46:29.5Z vm dnsmasq-dhcp 19194 - - "
	    "3655493228 DHCPACK(eth1.100) 100.64.0.127 02:00:00:00:00:22 "
	    "c2-laptop \n"
	    /* DHCP logged through the main program name */
	    "Nov 29 20:46:30 vm dnsmasq[19194]: DHCPACK(br0) 100.64.0.110 "
	    "02-00-00-00-00-11\n"
	    /* not used */
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPDISCOVER(br0) 02:00:00:00:01:01 \n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPNAK(br0) 100.64.1.107 02:00:00:00:01:01 wrong address\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 "
	    "DHCPINFORM(br0) 100.64.1.107 02:00:00:00:01:01 \n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 3408691753 sent size:  4 "
	    "option: 51 lease-time  2m\n"
	    "Nov 29 20:46:20 vm dnsmasq[19194]: query[A] example.com from "
	    "100.64.0.110\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPREPLY(br0) "
	    "2001:db8::5 00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11 c1\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPRELEASE(br0) "
	    "00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11\n"
	    "Nov 29 20:46:20 vm dnsmasq-dhcp[19194]: 12 DHCPRELEASE(br0) "
	    "2001:db8::5 00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:11\n";
	const struct tobs *b;

	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 4);
	T_EQ_INT(c.nskip, 8);
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->until, ""); /* no lease time configured */
		T_EQ_STR(b->hostname, "cr1-laptop");
	}
	b = collect_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:46:37.100000Z");
	b = collect_find(&c, CS_OBS_OPEN, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:46:29.500000Z");
		T_EQ_STR(b->relay, "eth1.100");
		T_EQ_STR(b->hostname, "c2-laptop");
	}
	b = collect_find(&c, CS_OBS_OPEN, K_C1, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->hostname, "");
}

static void
test_malformed(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(120);
	const char *text =
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.1077 "
	    "02:00:00:00:01:01 cr1-laptop\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.107 "
	    "02:00:00:00:01 cr1-laptop\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.1.107\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0)\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPRELEASE(br0) "
	    "100.64.0.0/24 02:00:00:00:00:22\n"
	    "Nov 29 20:46:29 vm dnsmasq-dhcp[1]: 1 DHCPACK(br0) 100.64.0.110 "
	    "02:00:00:00:00:11 c1-laptop\n";
	static const char *const fields[] = {
	    "address",
	    "mac",
	    "mac",
	    "address",
	    "address",
	};
	size_t i;

	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	T_EQ_INT(c.nrej, 5);
	for (i = 0; i < 5 && (int)i < c.nrej; i++) {
		T_EQ_STR(c.rej[i].field, fields[i]);
		T_EQ_INT(c.rej[i].line, i + 1);
		T_CHECK(strstr(c.rej[i].reason, "100.64") == NULL);
		T_CHECK(strstr(c.rej[i].raw, "dnsmasq-dhcp[1]") != NULL);
	}
	T_EQ_INT(c.nobs, 1);
	T_CHECK(collect_find(&c, CS_OBS_OPEN, K_C1, 0) != NULL);
}

int
main(void)
{
	T_RUN(test_sample);
	T_RUN(test_forms);
	T_RUN(test_malformed);
	return T_DONE();
}
