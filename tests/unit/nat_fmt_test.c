/*
 * nat_fmt_test - the NAT line formats: conntrack (sample lines and bad
 * ones), ulogd JSON, vendor syslog (Cisco ASA 305011/305012, Juniper
 * RT_FLOW in BSD and RFC 5424 form), and detection.
 */
#include <stdio.h>
#include <string.h>

#include "core/nat.h"
#include "fmt/ipfix.h"
#include "t.h"

struct ev {
	int kind, event, proto, iport, port, dport;
	long long lifetime;
	char inside[CS_ADDR_STRLEN], pub[CS_ADDR_STRLEN], dst[CS_ADDR_STRLEN];
	char time[40], link[32];
};

static struct ev evs[16];
static int nev, nrej, nskip;
static char rejfield[64];

static void
g_obs(void *arg, const struct cs_obs *o)
{
	struct ev *e;
	size_t n;

	(void)arg;
	if (o->kind != CS_OBS_NAT || nev == 16)
		return;
	e = &evs[nev++];
	e->kind = o->nat->kind;
	e->event = o->nat->event;
	e->proto = o->nat->proto;
	e->iport = o->nat->inside_port;
	e->port = o->nat->port_lo;
	e->dport = o->nat->dst_port;
	e->lifetime = o->nat->lifetime;
	cs_addr_format(&o->nat->inside, e->inside);
	cs_addr_format(&o->nat->pub, e->pub);
	if (o->nat->dst.family)
		cs_addr_format(&o->nat->dst, e->dst);
	cs_time_format(o->time, e->time);
	n = o->nat->link.len < 31 ? o->nat->link.len : 31;
	memcpy(e->link, o->nat->link.p ? o->nat->link.p : "", n);
	e->link[n] = '\0';
}

static void
g_rej(void *arg, uint64_t line, const char *field, const char *reason,
    struct cs_span raw)
{
	(void)arg;
	(void)line;
	(void)reason;
	(void)raw;
	snprintf(rejfield, sizeof(rejfield), "%s", field);
	nrej++;
}

static void
g_skip(void *arg, const char *what)
{
	(void)arg;
	(void)what;
	nskip++;
}

static void
run(const struct cs_fmt *f, const char *text)
{
	struct cs_sink sink = {NULL, g_obs, g_rej, g_skip};
	struct cs_fmt_opts o;
	struct cs_span all = cs_span_cstr(text), line;
	void *st;
	uint64_t ln = 0;

	memset(&o, 0, sizeof(o));
	o.year = 2026;
	memset(evs, 0, sizeof(evs));
	nev = nrej = nskip = 0;
	rejfield[0] = '\0';
	st = f->open(&o, &sink);
	while (cs_span_token(&all, '\n', &line))
		if (line.len)
			f->line(st, line, ++ln, 0);
	f->flush(st, 1);
	f->close(st);
}

static void
test_conntrack_lines(void)
{
	run(&cs_fmt_conntrack,
	    "[1795985507.071386]\t[DESTROY] ipv4     2 tcp      6 TIME_WAIT "
	    "src=100.64.0.11 dst=203.0.113.200 sport=51370 dport=8080 "
	    "packets=6 bytes=442 src=203.0.113.200 dst=203.0.113.5 sport=8080 "
	    "dport=51370 packets=6 bytes=510 [ASSURED] delta-time=120 "
	    "id=842498183\n"
	    "    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.1 "
	    "sport=1 dport=2 [UNREPLIED] src=192.0.2.1 dst=203.0.113.1 sport=2 "
	    "dport=3\n"
	    "[1795985507.071386]\t    [NEW] ipv4     2 icmp     1 30 "
	    "src=100.64.0.10 dst=203.0.113.200 type=8 code=0 id=5 [UNREPLIED] "
	    "src=203.0.113.200 dst=203.0.113.5 type=0 code=0 id=5 id=1\n"
	    "[1795985507.071386]\t [UPDATE] ipv4     2 tcp      6 60 SYN_RECV "
	    "src=100.64.0.10 dst=203.0.113.200 sport=1 dport=2 "
	    "src=203.0.113.200 dst=203.0.113.5 sport=2 dport=1 id=9\n"
	    "[1795985507.071386]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT "
	    "src=100.64.0.10 dst=203.0.113.200 sport=99999 dport=2\n"
	    "[17959x]\t    [NEW] ipv4\n"
	    "[1795985507.071386]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT "
	    "src=100.64.0.10 dst=203.0.113.200 sport=5 dport=2 [UNREPLIED] "
	    "src=203.0.113.200 dst=100.64.0.10 sport=2 dport=5 id=7\n");
	T_EQ_INT(nev, 1);
	T_EQ_INT(evs[0].event, CS_NAT_DELETE);
	T_EQ_STR(evs[0].inside, "100.64.0.11");
	T_EQ_INT(evs[0].iport, 51370);
	T_EQ_STR(evs[0].pub, "203.0.113.5");
	T_EQ_INT(evs[0].port, 51370);
	T_EQ_STR(evs[0].dst, "203.0.113.200");
	T_EQ_INT(evs[0].dport, 8080);
	T_EQ_INT(evs[0].lifetime, 120000000LL);
	T_EQ_STR(evs[0].link, "842498183");
	T_EQ_STR(evs[0].time, "2026-11-29T20:51:47.071386Z");
	/* no stamp, bad port, bad stamp */
	T_EQ_INT(nrej, 3);
	/* icmp, update, not translated */
	T_EQ_INT(nskip, 3);
}

static void
test_ulogd_lines(void)
{
	run(&cs_fmt_ulogd_json,
	    "{\"timestamp\": \"2026-11-29T20:50:22\", \"orig.ip.protocol\": "
	    "17, \"orig.l4.sport\": 46848, \"orig.l4.dport\": 5300, "
	    "\"reply.l4.dport\": 46848, \"ct.id\": 2206519912, \"ct.event\": "
	    "4, \"flow.start.sec\": 1795985371, \"flow.start.usec\": 634963, "
	    "\"flow.end.sec\": 1795985401, \"flow.end.usec\": 635747, "
	    "\"src_ip\": \"100.64.0.10\", \"dest_ip\": \"203.0.113.200\", "
	    "\"reply.ip.daddr.str\": \"203.0.113.5\"}\n"
	    "{\"ct.event\": 4, \"orig.ip.protocol\": 17, \"src_ip\": "
	    "\"100.64.0.10\"}\n"
	    "{\"ct.event\": 1, \"orig.ip.protocol\": \"x\n"
	    "not json\n");
	T_EQ_INT(nev, 1);
	T_EQ_INT(evs[0].event, CS_NAT_DELETE);
	T_EQ_STR(evs[0].time, "2026-11-29T20:50:01.635747Z");
	T_EQ_STR(evs[0].pub, "203.0.113.5");
	T_EQ_INT(evs[0].port, 46848);
	T_EQ_INT(nrej, 2);
	T_EQ_INT(nskip, 1);
}

static void
test_asa(void)
{
	run(&cs_fmt_natlog,
	    "2026-11-29T20:50:00+00:00 fw %ASA-6-305011: Built dynamic TCP "
	    "translation from inside:10.1.1.2/1234 to "
	    "outside:203.0.113.1/5678\n"
	    "<166>Nov 29 2026 20:50:41: %ASA-6-305012: Teardown dynamic TCP "
	    "translation from inside:10.1.1.2/1234 to outside:203.0.113.1/5678 "
	    "duration 0:00:41\n"
	    "2026-11-29T20:50:00+00:00 fw %ASA-6-305012: Teardown dynamic UDP "
	    "translation from SERVERS:exp-wait/62409 to "
	    "outside:81.2.69.142/62409 duration 0:00:41\n"
	    "2026-11-29T20:50:00+00:00 fw %ASA-6-302013: Built outbound TCP "
	    "connection 1 for outside:1.2.3.4/80\n"
	    "2026-11-29T20:50:00+00:00 fw %ASA-6-305011: Built dynamic TCP "
	    "translation from inside:10.1.1.2/1234 to outside:203.0.113.1\n");
	T_EQ_INT(nev, 2);
	T_EQ_INT(evs[0].event, CS_NAT_CREATE);
	T_EQ_INT(evs[0].proto, 6);
	T_EQ_STR(evs[0].inside, "10.1.1.2");
	T_EQ_INT(evs[0].iport, 1234);
	T_EQ_STR(evs[0].pub, "203.0.113.1");
	T_EQ_INT(evs[0].port, 5678);
	T_EQ_INT(evs[1].event, CS_NAT_DELETE);
	T_EQ_STR(evs[1].time, "2026-11-29T20:50:41Z");
	T_EQ_INT(evs[1].lifetime, 41000000LL);
	T_EQ_INT(nskip, 2);
	T_EQ_INT(nrej, 1);
}

static void
test_srx(void)
{
	run(&cs_fmt_natlog,
	    "<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_CREATE: "
	    "session created 172.16.0.1/23456->8.8.8.8/443 0x0 junos-https "
	    "172.16.0.2/12345->8.8.8.8/443 0x0 source rule LAN N/A N/A 6 "
	    "allow-any PRIVATE PUBLIC 123456 N/A(N/A) hu-1/0/0.0 UNKNOWN "
	    "UNKNOWN UNKNOWN\n"
	    "<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_CLOSE: "
	    "session closed idle Timeout: 172.16.0.1/23456->8.8.8.8/443 "
	    "junos-https 172.16.0.2/12345->8.8.8.8/443 source rule LAN N/A N/A "
	    "6 allow-any PRIVATE PUBLIC 123456 N/A(N/A) hu-1/0/0.0 UNKNOWN "
	    "UNKNOWN UNKNOWN\n"
	    "<14>1 2023-01-26T09:37:51.184+01:00 SRX-GW1 RT_FLOW - "
	    "RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 "
	    "source-address=\"10.0.0.1\" source-port=\"594\" "
	    "destination-address=\"192.0.2.7\" destination-port=\"53\" "
	    "connection-tag=\"0\" service-name=\"dns\" "
	    "nat-source-address=\"198.51.100.1\" nat-source-port=\"30001\" "
	    "nat-destination-address=\"192.0.2.7\" nat-destination-port=\"53\" "
	    "protocol-id=\"17\" policy-name=\"p\" source-zone-name=\"vpn\" "
	    "destination-zone-name=\"trust\" session-id-32=\"6093\"]\n"
	    "<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_DENY: "
	    "session denied 1.1.1.1/1->2.2.2.2/2\n");
	T_EQ_INT(nev, 3);
	T_EQ_INT(evs[0].event, CS_NAT_CREATE);
	T_EQ_STR(evs[0].inside, "172.16.0.1");
	T_EQ_INT(evs[0].iport, 23456);
	T_EQ_STR(evs[0].pub, "172.16.0.2");
	T_EQ_INT(evs[0].port, 12345);
	T_EQ_STR(evs[0].dst, "8.8.8.8");
	T_EQ_INT(evs[0].proto, 6);
	T_EQ_STR(evs[0].link, "123456");
	T_EQ_STR(evs[0].time, "2026-12-13T13:12:00Z");
	T_EQ_INT(evs[1].event, CS_NAT_DELETE);
	T_EQ_STR(evs[1].link, "123456");
	T_EQ_STR(evs[2].inside, "10.0.0.1");
	T_EQ_STR(evs[2].pub, "198.51.100.1");
	T_EQ_INT(evs[2].port, 30001);
	T_EQ_INT(evs[2].proto, 17);
	T_EQ_STR(evs[2].link, "6093");
	T_EQ_STR(evs[2].time, "2023-01-26T08:37:51.184000Z");
	T_EQ_INT(nrej, 0);
	T_EQ_INT(nskip, 1);
}

static void
test_detect(void)
{
	FILE *f = fopen("tests/data/cgnat/conntrack-E-events.log", "r");
	char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	const struct cs_fmt *d;

	if (f)
		fclose(f);
	d = cs_fmt_detect(cs_span_make(buf, n));
	T_CHECK(d == &cs_fmt_conntrack);
	f = fopen("tests/data/cgnat/ulogd-nfct.json", "r");
	n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	d = cs_fmt_detect(cs_span_make(buf, n));
	T_CHECK(d == &cs_fmt_ulogd_json);
	d = cs_fmt_detect(
	    cs_span_cstr("2026-11-29T20:50:00+00:00 fw "
			 "%ASA-6-305011: Built dynamic TCP translation from "
			 "inside:10.1.1.2/1234 to outside:203.0.113.1/5678\n"));
	T_CHECK(d == &cs_fmt_natlog);
	T_CHECK(cs_fmt_find("nat-syslog") == &cs_fmt_natlog);
}

int
main(void)
{
	T_RUN(test_conntrack_lines);
	T_RUN(test_ulogd_lines);
	T_RUN(test_asa);
	T_RUN(test_srx);
	T_RUN(test_detect);
	return T_DONE();
}
