/*
 * dhcpd_test - ISC dhcpd syslog messages (through the syslog format) and
 * the dhcpd.leases journal, checked against what a person reads in the
 * sample files of tests/data/dhcp/isc.
 */
#include <stdlib.h>

#include "t.h"
#include "collect.h"
#include "fmt/fmt.h"

/*
 * lc_pending - feed text to f like collect_run but stop before the flush:
 * where a re-read would have to start
 */
static uint64_t
lc_pending(struct collect *c, const struct cs_fmt *f,
    const struct cs_fmt_opts *o, const char *text)
{
	struct cs_sink sink = {c, collect_obs, collect_reject, collect_skip};
	struct cs_span s = cs_span_cstr(text);
	uint64_t lineno = 0, off = 0, pend;
	void *st;

	memset(c, 0, sizeof(*c));
	st = f->open(o, &sink);
	while (s.len) {
		long nl = cs_span_chr(s, '\n');
		size_t n = nl < 0 ? s.len : (size_t)nl;
		f->line(st, cs_span_make(s.p, n), ++lineno, off);
		off += n + (nl < 0 ? 0 : 1);
		s = cs_span_skip(s, n + (nl < 0 ? 0 : 1));
	}
	pend = f->pending_offset(st);
	f->close(st);
	return pend;
}

/* lc_count - observations of kind */
static int
lc_count(const struct collect *c, enum cs_obs_kind kind)
{
	int i, n = 0;

	for (i = 0; i < c->nobs; i++)
		n += c->obs[i].kind == kind;
	return n;
}

#define K_C2 "dhcp|100.64.0.100|02:00:00:00:00:22"
#define K_C1 "dhcp|100.64.0.101|02:00:00:00:00:11"
#define K_CR1 "dhcp|100.64.1.100|02:00:00:00:01:01"
#define K_C3 "dhcp|100.64.0.102|02:00:00:00:00:33"

static void
test_syslog_sample(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(60);
	char *text =
	    collect_file("tests/data/dhcp/isc/syslog-dhcpd-traditional.log");
	const struct tobs *b;
	int i;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	free(text);
	T_EQ_INT(c.nrej, 0);
	/* 8 DHCPACK + 8 LEASE-COMMIT lines open, 3 DHCPRELEASE close */
	T_EQ_INT(lc_count(&c, CS_OBS_OPEN), 16);
	T_EQ_INT(lc_count(&c, CS_OBS_CLOSE), 3);
	T_EQ_INT(c.nobs, 19);

	/* the relayed client: relay is the giaddr */
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 1); /* 0 is its LEASE-COMMIT */
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_INT(b->src, CS_SRC_DHCPD);
		T_EQ_STR(b->time, "2026-11-29T20:30:40Z");
		T_EQ_STR(b->until, "2026-11-29T20:31:40Z");
		T_EQ_STR(b->start, "");
		T_EQ_STR(b->relay, "100.64.1.1");
		T_EQ_STR(b->hostname, "cr1-laptop");
		T_EQ_STR(b->nas_key, "vm");
		T_EQ_STR(b->addr[0], "100.64.1.100");
		T_EQ_STR(b->mac, "02:00:00:00:01:01");
		T_EQ_STR(b->raw,
		    "Nov 29 20:30:40 vm dhcpd[10869]: DHCPACK "
		    "on 100.64.1.100 to 02:00:00:00:01:01 "
		    "(cr1-laptop) via 100.64.1.1");
		T_EQ_INT(b->line, 53);
	}
	/* a direct client: relay is the interface */
	b = collect_find(&c, CS_OBS_OPEN, K_C2, 1);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->relay, "br0");
		T_EQ_STR(b->hostname, "c2-laptop");
	}
	/* no hostname: no "(...)" */
	b = collect_find(&c, CS_OBS_OPEN, K_C3, 1);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->hostname, "");
		T_EQ_STR(b->relay, "br0");
	}
	/* the release of 100.64.0.100 by 02:00:00:00:00:22 */
	b = collect_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:31:28Z");
		T_EQ_STR(b->until, "");
		T_EQ_STR(b->relay, "br0");
	}
	T_CHECK(collect_find(&c, CS_OBS_CLOSE, K_C2, 1) != NULL);
	T_CHECK(collect_find(&c, CS_OBS_CLOSE, K_C1, 0) != NULL);
	/* the on-commit line: real lease time, option 82, ISC's short MAC */
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:30:40Z");
		T_EQ_STR(b->until, "2026-11-29T20:32:40Z");
		T_EQ_STR(b->circuit_id, "down0");
		T_EQ_STR(b->remote_id, "");
		T_EQ_STR(b->hostname, "cr1-laptop");
		T_CHECK(strstr(b->raw, "LEASE-COMMIT") != NULL);
	}
	b = collect_find(&c, CS_OBS_OPEN, K_C3, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->hostname, "");   /* hostname=none */
		T_EQ_STR(b->circuit_id, ""); /* circuit-id=none */
	}
	/* the NAK for 100.64.5.5 gives nothing */
	for (i = 0; i < c.nobs; i++)
		T_CHECK(strstr(c.obs[i].key, "100.64.5.5") == NULL);
}

static void
test_syslog_header_forms(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *text =
	    "2026-11-29T20:30:40.773840+00:00 vm dhcpd[10869]: DHCPACK on "
	    "100.64.1.100 to 02:00:00:00:01:01 (cr1-laptop) via 100.64.1.1\n"
	    "<190>1 2026-11-29T20:30:40.773840+00:00 vm dhcpd 10869 - -  "
	    "DHCPACK on 100.64.1.100 to 02:00:00:00:01:01 (cr1-laptop) via "
	    "100.64.1.1\n";
	int i;

	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 2);
	for (i = 0; i < c.nobs && i < 2; i++) {
		T_EQ_INT(c.obs[i].kind, CS_OBS_OPEN);
		T_EQ_STR(c.obs[i].key, K_CR1);
		T_EQ_STR(c.obs[i].time, "2026-11-29T20:30:40.773840Z");
		T_EQ_STR(c.obs[i].until, ""); /* no lease time known */
		T_EQ_STR(c.obs[i].relay, "100.64.1.1");
		T_EQ_STR(c.obs[i].hostname, "cr1-laptop");
		T_EQ_STR(c.obs[i].nas_key, "vm");
		T_EQ_INT(c.obs[i].line, (unsigned long)i + 1);
	}
}

static void
test_syslog_messages(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(3600);
	const char *text =
	    /* 1: DHCPINFORM reply: nothing leased */
	    "Nov 29 20:40:00 vm dhcpd[1]: DHCPACK to 100.64.0.9 "
	    "(02:00:00:00:00:09) via br0\n"
	    /* 2: the client refused the address */
	    "Nov 29 20:40:01 vm dhcpd[1]: DHCPDECLINE of 100.64.0.9 from "
	    "02:00:00:00:00:09 via br0: abandoned\n"
	    /* 3: a hostname with blanks and parentheses, ISC short MAC */
	    "Nov 29 20:40:02 vm dhcpd[1]: DHCPACK on 100.64.0.8 to 2:0:0:0:0:8 "
	    "(Bob's (new) PC) via br0\n"
	    /* 4: Infoblox tail with the lease time */
	    "Nov 29 20:40:03 vm dhcpd[1]: DHCPACK on 100.64.0.7 to "
	    "02:00:00:00:00:07 (h7) via 100.64.1.1 relay eth1 lease-duration "
	    "600 offered-duration 600 uid 01:02:00:00:00:00:07\n"
	    /* 5: release of a lease the server no longer had */
	    "Nov 29 20:40:04 vm dhcpd[1]: DHCPRELEASE of 100.64.0.7 from "
	    "02:00:00:00:00:07 via 100.64.1.1 (not found)\n"
	    /* 6: on-release hook lines carry no MAC */
	    "Nov 29 20:40:05 vm dhcpd[1]: LEASE-RELEASE ip=100.64.0.7\n"
	    "Nov 29 20:40:05 vm dhcpd[1]: LEASE-EXPIRY ip=100.64.0.8\n"
	    /* 8: hex remote-id as binary-to-ascii prints it */
	    "Nov 29 20:40:06 vm dhcpd[1]: LEASE-COMMIT ip=100.64.1.101 "
	    "mac=2:0:0:0:1:2 lease=120 circuit-id=ge-0/0/1.100 "
	    "remote-id=63:70:65:31 hostname=my laptop\n"
	    /* 9: other messages */
	    "Nov 29 20:40:07 vm dhcpd[1]: DHCPNAK on 100.64.5.5 to "
	    "02:00:00:00:00:22 via br0\n"
	    "Nov 29 20:40:07 vm dhcpd[1]: DHCPOFFER on 100.64.0.6 to "
	    "02:00:00:00:00:06 via br0\n"
	    "Nov 29 20:40:07 vm dhcpd[1]: DHCPINFORM from 100.64.0.9 via br0\n"
	    "Nov 29 20:40:07 vm dhcpd[1]: Server starting service.\n"
	    "Nov 29 20:40:07 vm dhcpd[1]: \n";
	const struct tobs *b;

	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 5);
	T_EQ_INT(c.nskip, 8);
	b = collect_find(
	    &c, CS_OBS_CLOSE, "dhcp|100.64.0.9|02:00:00:00:00:09", 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->relay, "br0");
	b = collect_find(
	    &c, CS_OBS_OPEN, "dhcp|100.64.0.8|02:00:00:00:00:08", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->hostname, "Bob's (new) PC");
		T_EQ_STR(b->relay, "br0");
		T_EQ_STR(b->until, "2026-11-29T21:40:02Z");
	}
	b = collect_find(
	    &c, CS_OBS_OPEN, "dhcp|100.64.0.7|02:00:00:00:00:07", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->relay, "100.64.1.1");
		T_EQ_STR(b->until, "2026-11-29T20:50:03Z");
	}
	T_CHECK(collect_find(&c, CS_OBS_CLOSE,
		    "dhcp|100.64.0.7|02:00:00:00:00:07", 0) != NULL);
	b = collect_find(
	    &c, CS_OBS_OPEN, "dhcp|100.64.1.101|02:00:00:00:01:02", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->circuit_id, "ge-0/0/1.100");
		T_EQ_STR(b->remote_id, "cpe1");
		T_EQ_STR(b->hostname, "my laptop");
		T_EQ_STR(b->until, "2026-11-29T20:42:06Z");
		T_EQ_STR(b->relay, "");
	}
}

static void
test_syslog_malformed(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(60);
	const char *text =
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on 100.64.0.300 to "
	    "02:00:00:00:00:22 via br0\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on 100.64.0.100 to "
	    "02:00:00:00:00:2g (c2-laptop) via br0\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on 100.64.0.100 to "
	    "02:00:00:00:00:22 (c2-laptop)\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on 100.64.0.0/24 to "
	    "02:00:00:00:00:22 via br0\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPRELEASE of 100.64.0.100 from "
	    "02:00:00:00:00\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPRELEASE 100.64.0.100\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: LEASE-COMMIT ip=100.64.0.100 "
	    "mac=2:0:0:0:0 lease=120\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: LEASE-COMMIT ip=100.64.0.100 "
	    "mac=2:0:0:0:0:22 lease=12x\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: LEASE-COMMIT mac=2:0:0:0:0:22\n"
	    "Nov 29 20:30:40 vm dhcpd[1]: DHCPACK on 100.64.0.5 to "
	    "02:00:00:00:00:05 via 100.64.1.1 lease-duration soon\n"
	    "Nov 29 20:30:41 vm dhcpd[1]: DHCPACK on 100.64.0.101 to "
	    "02:00:00:00:00:11 (c1-laptop) via br0\n";
	static const char *const fields[] = {
	    "address",
	    "mac",
	    "via",
	    "address",
	    "address",
	    "message",
	    "mac",
	    "message",
	    "mac",
	    "lease",
	    "address",
	    "lease-duration",
	};
	size_t i;

	collect_run(&c, &cs_fmt_syslog, &o, text, 1);
	T_EQ_INT(c.nrej, 12);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && (int)i < c.nrej;
	     i++) {
		T_EQ_STR(c.rej[i].field, fields[i]);
		T_EQ_INT(c.rej[i].line, i + 1);
		T_CHECK(c.rej[i].reason[0] != '\0');
		/* the reason never repeats subscriber data */
		T_CHECK(strstr(c.rej[i].reason, "100.64") == NULL);
		T_CHECK(strstr(c.rej[i].reason, "02:00") == NULL);
		T_CHECK(strstr(c.rej[i].raw, "dhcpd[1]") != NULL);
	}
	/* the good line after the bad ones still counts */
	T_EQ_INT(c.nobs, 1);
	T_CHECK(collect_find(&c, CS_OBS_OPEN, K_C1, 0) != NULL);
}

/* ---- dhcpd.leases ---- */

static void
test_leases_sample(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	char *text = collect_file("tests/data/dhcp/isc/dhcpd.leases.final");
	const struct tobs *b;
	int i;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	T_EQ_INT(cs_fmt_dhcpd_leases.detect(cs_span_cstr(text)), 90);
	T_CHECK(cs_fmt_detect(cs_span_cstr(text)) == &cs_fmt_dhcpd_leases);
	T_EQ_INT(lc_pending(&c, &cs_fmt_dhcpd_leases, &o, text), UINT64_MAX);
	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 1);
	free(text);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 12);
	T_EQ_INT(lc_count(&c, CS_OBS_OPEN), 8);
	T_EQ_INT(lc_count(&c, CS_OBS_CLOSE), 4);
	T_EQ_INT(c.nskip, 2); /* authoring-byte-order, server-duid */
	for (i = 0; i < c.nobs; i++) {
		T_EQ_INT(c.obs[i].src, CS_SRC_DHCPD_LEASES);
		T_EQ_STR(c.obs[i].relay, "");
		T_CHECK(strncmp(c.obs[i].raw, "lease 100.64.", 13) == 0);
		T_CHECK(c.obs[i].raw[strlen(c.obs[i].raw) - 1] == '}');
	}
	/* block 1: active c2 */
	b = &c.obs[0];
	T_EQ_INT(b->kind, CS_OBS_OPEN);
	T_EQ_STR(b->key, K_C2);
	T_EQ_STR(b->time, "2026-11-29T20:30:40Z");
	T_EQ_STR(b->until, "2026-11-29T20:32:40Z");
	T_EQ_STR(b->hostname, "c2-laptop");
	T_EQ_STR(b->client_id, "69:64:2d:63:32"); /* uid "id-c2" */
	T_EQ_INT(b->line, 9);
	T_CHECK(strstr(b->raw, "on release {") != NULL);
	/* relayed cr1 carries option 82 */
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->circuit_id, "down0");
		T_EQ_STR(b->hostname, "cr1-laptop");
		T_EQ_STR(b->mac, "02:00:00:00:01:01");
		T_EQ_STR(b->addr[0], "100.64.1.100");
	}
	b = collect_find(&c, CS_OBS_OPEN, K_CR1, 1);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:32:28Z");
		T_EQ_STR(b->until, "2026-11-29T20:34:28Z");
		T_EQ_STR(b->circuit_id, "down0");
	}
	/* c3 had no hostname and sent no uid */
	b = collect_find(&c, CS_OBS_OPEN, K_C3, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->hostname, "");
		T_EQ_STR(b->client_id, "");
		T_EQ_STR(b->circuit_id, "");
	}
	/* the release of c2: free at tstp, with the lease's start */
	b = collect_find(&c, CS_OBS_CLOSE, K_C2, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:31:28Z");
		T_EQ_STR(b->start, "2026-11-29T20:30:40Z");
		T_EQ_STR(b->until, "");
	}
	/* c3 expired at its end */
	b = collect_find(&c, CS_OBS_CLOSE, K_C3, 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:32:40Z");
		T_EQ_STR(b->start, "2026-11-29T20:30:40Z");
	}
	b = collect_find(&c, CS_OBS_CLOSE, K_C1, 0);
	T_CHECK(b != NULL);
	if (b)
		T_EQ_STR(b->time, "2026-11-29T20:33:18Z");
	b = collect_find(&c, CS_OBS_CLOSE, K_C2, 1);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:33:19Z");
		T_EQ_STR(b->start, "2026-11-29T20:33:10Z");
	}
	/* journal order is kept: the last block is the final release */
	T_EQ_INT(c.obs[11].kind, CS_OBS_CLOSE);
	T_EQ_STR(c.obs[11].key, K_C2);
}

static void
test_leases_variants(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *text =
	    "# db-time-format local, option 82 in hex, a string with braces\n"
	    "lease 100.64.2.1 {\n"
	    "  starts epoch 1795984240; # Sun Nov 29 20:30:40 2026\n"
	    "  ends never;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 2:0:0:0:2:1;\n"
	    "  uid \"\\001\\002\\000\\000\\000\\002\\001\";\n"
	    "  option agent.circuit-id 0:4:0:1:0:2;\n"
	    "  option agent.remote-id \"cpe}{1\";\n"
	    "  client-hostname \"a\\\"b\\134c\\{\";\n"
	    "  set vendor = \"x { y\";\n"
	    "}\n"
	    /* 13: expired without tstp: closes at ends */
	    "lease 100.64.2.2 { starts 1 2026/11/30 00:00:00; ends 1 "
	    "2026/11/30 00:02:00; binding state expired; hardware ethernet "
	    "02:00:00:00:02:02; }\n"
	    /* 14: no hardware address */
	    "lease 100.64.2.3 {\n  starts 1 2026/11/30 00:00:00;\n"
	    "  binding state free;\n}\n"
	    /* 18: abandoned */
	    "lease 100.64.2.4 {\n  starts 1 2026/11/30 00:00:00;\n"
	    "  binding state abandoned;\n"
	    "  hardware ethernet 02:00:00:00:02:04;\n}\n"
	    /* 23: dhcpd6 and failover blocks are not ours */
	    "ia-na \"\\001\\000\\000\\000\" {\n  cltt 1 2026/11/30 00:00:00;\n"
	    "  iaaddr 2001:db8::5 {\n    binding state active;\n  }\n}\n"
	    "failover peer \"dhcp\" state {\n  my state normal at 1 "
	    "2026/11/30 00:00:00;\n}\n"
	    /* 32: released, comment inside */
	    "lease 100.64.2.5 {\n  # comment with a } brace\n"
	    "  starts 1 2026/11/30 00:00:00;\n"
	    "  ends 1 2026/11/30 00:02:00;\n"
	    "  tstp 1 2026/11/30 00:01:00;\n"
	    "  binding state released;\n"
	    "  hardware ethernet 02:00:00:00:02:05;\n}\n";
	const struct tobs *b;

	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 1);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 3);
	T_EQ_INT(c.nskip, 4);
	b = collect_find(
	    &c, CS_OBS_OPEN, "dhcp|100.64.2.1|02:00:00:00:02:01", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-29T20:30:40Z");
		T_EQ_STR(b->until, "");
		T_EQ_STR(b->client_id, "01:02:00:00:00:02:01");
		T_EQ_STR(b->circuit_id, "00:04:00:01:00:02");
		T_EQ_STR(b->remote_id, "cpe}{1");
		T_EQ_STR(b->hostname, "a\"b\\c{");
		T_EQ_INT(b->line, 2);
	}
	b = collect_find(
	    &c, CS_OBS_CLOSE, "dhcp|100.64.2.2|02:00:00:00:02:02", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-30T00:02:00Z");
		T_EQ_STR(b->start, "2026-11-30T00:00:00Z");
		T_EQ_INT(b->line, 13);
	}
	b = collect_find(
	    &c, CS_OBS_CLOSE, "dhcp|100.64.2.5|02:00:00:00:02:05", 0);
	T_CHECK(b != NULL);
	if (b) {
		T_EQ_STR(b->time, "2026-11-30T00:01:00Z");
		T_EQ_INT(b->line, 32);
	}
}

static void
test_leases_malformed(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *text =
	    "lease 100.64.3.1 {\n  starts 0 2026/13/29 20:30:40;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 02:00:00:00:03:01;\n}\n"
	    "lease 100.64.3.2 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding state sleeping;\n"
	    "  hardware ethernet 02:00:00:00:03:02;\n}\n"
	    "lease 100.64.3.3 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 02:00:00:00:03;\n}\n"
	    "lease 100.64.3.400 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 02:00:00:00:03:04;\n}\n"
	    /* 21: cut short by a crash, then written again */
	    "lease 100.64.3.5 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding sta\n"
	    "lease 100.64.3.6 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 02:00:00:00:03:06;\n}\n"
	    /* 29: a good block, then one never closed */
	    "lease 100.64.3.7 {\n  starts 0 2026/11/29 20:30:40;\n"
	    "  binding state active;\n"
	    "  hardware ethernet 02:00:00:00:03:07;\n}\n"
	    "lease 100.64.3.8 {\n  starts 0 2026/11/29 20:30:40;\n";
	static const char *const fields[] = {
	    "starts",
	    "binding state",
	    "hardware ethernet",
	    "address",
	    "lease",
	    "lease",
	};
	static const unsigned long lines[] = {1, 6, 11, 16, 21, 34};
	size_t i;

	/* the last block is pending: re-reading starts at its first line */
	T_EQ_INT(lc_pending(&c, &cs_fmt_dhcpd_leases, &o, text),
	    (uint64_t)(strstr(text, "lease 100.64.3.8") - text));
	T_EQ_INT(c.nrej, 5);
	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 0);
	T_EQ_INT(c.nrej, 5); /* not the end yet: nothing more to say */
	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 1);
	T_EQ_INT(c.nrej, 6);
	for (i = 0; i < 6 && (int)i < c.nrej; i++) {
		T_EQ_STR(c.rej[i].field, fields[i]);
		T_EQ_INT(c.rej[i].line, lines[i]);
		T_CHECK(strncmp(c.rej[i].raw, "lease 100.64.3.", 15) == 0);
		T_CHECK(strstr(c.rej[i].reason, "100.64") == NULL);
	}
	/* the cut block is kept as written, without a newline added */
	T_EQ_STR(c.rej[4].raw,
	    "lease 100.64.3.5 {\n  starts 0 2026/11/29 "
	    "20:30:40;\n  binding sta");
	T_EQ_INT(c.nobs, 2);
	T_CHECK(collect_find(&c, CS_OBS_OPEN,
		    "dhcp|100.64.3.6|02:00:00:00:03:06", 0) != NULL);
	T_CHECK(collect_find(&c, CS_OBS_OPEN,
		    "dhcp|100.64.3.7|02:00:00:00:03:07", 0) != NULL);
}

static void
test_leases_no_brace(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *text =
	    "lease 100.64.5.1\n  ;\n"
	    "lease 100.64.5.2 { starts 0 2026/11/29 20:30:40; binding state "
	    "active; hardware ethernet 02:00:00:00:05:02; }\n";

	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 1);
	T_EQ_INT(c.nrej, 1);
	T_EQ_STR(c.rej[0].field, "lease");
	T_EQ_INT(c.rej[0].line, 1);
	T_EQ_STR(c.rej[0].raw, "lease 100.64.5.1\n  ;");
	T_EQ_INT(c.nobs, 1);
	T_CHECK(collect_find(&c, CS_OBS_OPEN,
		    "dhcp|100.64.5.2|02:00:00:00:05:02", 0) != NULL);
}

static void
test_leases_huge(void)
{
	static struct collect c;
	struct cs_fmt_opts o = collect_opts(0);
	const char *good = "lease 100.64.4.2 {\n  starts 0 2026/11/29 "
			   "20:30:40;\n  binding state active;\n  hardware "
			   "ethernet 02:00:00:00:04:02;\n}\n";
	size_t n = 0, cap = 200000, i;
	char *text = malloc(cap);

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	n += (size_t)snprintf(text + n, cap - n, "lease 100.64.4.1 {\n");
	for (i = 0; i < 3000; i++)
		n += (size_t)snprintf(
		    text + n, cap - n, "  set v%zu = \"%040zu\";\n", i, i);
	n += (size_t)snprintf(text + n, cap - n, "}\n%s", good);
	collect_run(&c, &cs_fmt_dhcpd_leases, &o, text, 1);
	free(text);
	T_EQ_INT(c.nrej, 1);
	T_EQ_STR(c.rej[0].field, "lease");
	T_EQ_INT(c.nobs, 1);
	T_CHECK(collect_find(&c, CS_OBS_OPEN,
		    "dhcp|100.64.4.2|02:00:00:00:04:02", 0) != NULL);
}

static void
test_leases_detect(void)
{
	T_EQ_INT(cs_fmt_dhcpd_leases.detect(cs_span_cstr(
		     "lease 10.0.0.5 {\n  starts 3 2019/01/02 03:04:05;\n")),
	    90);
	T_EQ_INT(
	    cs_fmt_dhcpd_leases.detect(cs_span_cstr(
		"Nov 29 20:30:40 vm dhcpd[10869]: DHCPACK on 100.64.0.100 to "
		"02:00:00:00:00:22 via br0\n")),
	    0);
	T_EQ_INT(cs_fmt_dhcpd_leases.detect(cs_span_cstr(
		     "address,hwaddr,client_id,valid_lifetime,expire\n")),
	    0);
}

int
main(void)
{
	T_RUN(test_syslog_sample);
	T_RUN(test_syslog_header_forms);
	T_RUN(test_syslog_messages);
	T_RUN(test_syslog_malformed);
	T_RUN(test_leases_sample);
	T_RUN(test_leases_variants);
	T_RUN(test_leases_malformed);
	T_RUN(test_leases_no_brace);
	T_RUN(test_leases_huge);
	T_RUN(test_leases_detect);
	return T_DONE();
}
