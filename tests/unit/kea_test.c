/* kea_test - Kea lease CSV, Kea log file lines and Kea syslog messages */
#include <stdlib.h>

#include "t.h"
#include "collect.h"
#include "fmt/fmt.h"

static struct cs_tz tz_utc;
static struct collect c; /* large: keep it off the stack */

static struct cs_fmt_opts
opts_utc(void)
{
	struct cs_fmt_opts o;

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz_utc, "UTC", NULL);
	o.tz = &tz_utc;
	o.year = 2026;
	return o;
}

static void
run_text(const struct cs_fmt *f, const char *text)
{
	struct cs_fmt_opts o = opts_utc();

	collect_run(&c, f, &o, text, 1);
}

static void
run_file(const struct cs_fmt *f, const char *path)
{
	char *text = collect_file(path);

	T_CHECK(text != NULL);
	if (text == NULL) {
		memset(&c, 0, sizeof(c));
		return;
	}
	run_text(f, text);
	free(text);
}

/* run_at - feed lines as if the reader had resumed at byte offset off */
static void
run_at(const struct cs_fmt *f, const char *const *lines, int n, uint64_t off)
{
	struct cs_fmt_opts o = opts_utc();
	struct cs_sink sink = {&c, collect_obs, collect_reject, collect_skip};
	uint64_t lineno = 100;
	void *st;
	int i;

	memset(&c, 0, sizeof(c));
	st = f->open(&o, &sink);
	for (i = 0; i < n; i++) {
		f->line(st, cs_span_cstr(lines[i]), lineno++, off);
		off += strlen(lines[i]) + 1;
	}
	f->flush(st, 1);
	f->close(st);
}

/* find - index of the observation reported for file line `line`, or -1 */
static int
find(unsigned long line)
{
	int i;

	for (i = 0; i < c.nobs; i++)
		if (c.obs[i].line == line)
			return i;
	return -1;
}

/* ---- lease file ---- */

static void
test_leases_sample(void)
{
	int i, nopen = 0, nclose = 0;
	const struct tobs *t;

	run_file(&cs_fmt_kea_leases, "tests/data/dhcp/kea/kea-leases4.csv");
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 20); /* every row after the header */
	for (i = 0; i < c.nobs; i++) {
		T_EQ_INT(c.obs[i].src, CS_SRC_KEA_LEASES);
		T_EQ_INT(c.obs[i].naddr, 1);
		T_EQ_STR(c.obs[i].relay, "");
		if (c.obs[i].kind == CS_OBS_OPEN)
			nopen++;
		else
			nclose++;
	}
	T_EQ_INT(nopen, 17);
	T_EQ_INT(nclose, 3); /* two releases (time unknown), one expiry */

	/* line 2: first lease of 100.64.0.100, cltt = 1795985093 - 60 */
	t = &c.obs[0];
	T_EQ_INT(t->line, 2);
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->key, "dhcp|100.64.0.100|02:00:00:00:00:33");
	T_EQ_STR(t->addr[0], "100.64.0.100");
	T_EQ_STR(t->mac, "02:00:00:00:00:33");
	T_EQ_STR(t->time, "2026-11-29T20:43:53Z");
	T_EQ_STR(t->until, "2026-11-29T20:44:53Z");
	T_EQ_STR(t->start, "");
	T_EQ_STR(t->client_id, "");
	T_EQ_STR(t->hostname, "");
	T_EQ_STR(t->raw,
	    "100.64.0.100,02:00:00:00:00:33,,60,1795985093,1,0,"
	    "0,,0,");

	/* line 3: c2-laptop with its client id */
	t = &c.obs[1];
	T_EQ_STR(t->key, "dhcp|100.64.0.101|02:00:00:00:00:22");
	T_EQ_STR(t->client_id, "69:64:2d:63:32");
	T_EQ_STR(t->hostname, "c2-laptop");

	/* line 5: the relayed client, option 82 circuit-id "down0" */
	i = find(5);
	T_CHECK(i >= 0);
	if (i >= 0) {
		t = &c.obs[i];
		T_EQ_INT(t->kind, CS_OBS_OPEN);
		T_EQ_STR(t->key, "dhcp|100.64.1.100|02:00:00:00:01:01");
		T_EQ_STR(t->circuit_id, "down0");
		T_EQ_STR(t->remote_id, "");
		T_EQ_STR(t->hostname, "cr1-laptop");
	}

	/* renewals of 100.64.0.101 are further OPENs with the same key */
	i = find(6);
	T_CHECK(i >= 0);
	if (i >= 0) {
		T_EQ_INT(c.obs[i].kind, CS_OBS_OPEN);
		T_EQ_STR(c.obs[i].key, "dhcp|100.64.0.101|02:00:00:00:00:22");
		T_EQ_STR(c.obs[i].time, "2026-11-29T20:44:10Z");
		T_EQ_STR(c.obs[i].until, "2026-11-29T20:45:10Z");
	}

	/*
	 * line 12: released (valid_lifetime 0); expire = 1795985067 is the
	 * last renewal, not the release (the log has it at 20:44:31.625), so
	 * the row only says the lease was still held then.
	 */
	i = find(12);
	T_CHECK(i >= 0);
	if (i >= 0) {
		t = &c.obs[i];
		T_EQ_INT(t->kind, CS_OBS_RELEASED);
		T_EQ_STR(t->key, "dhcp|100.64.0.101|02:00:00:00:00:22");
		T_EQ_STR(t->time, "2026-11-29T20:44:27Z");
		T_EQ_STR(t->until, "");
	}

	/* line 17: 100.64.0.100 expired and reclaimed (state 2) */
	i = find(17);
	T_CHECK(i >= 0);
	if (i >= 0) {
		t = &c.obs[i];
		T_EQ_INT(t->kind, CS_OBS_CLOSE);
		T_EQ_STR(t->key, "dhcp|100.64.0.100|02:00:00:00:00:33");
		T_EQ_STR(t->time, "2026-11-29T20:45:31Z"); /* 1795985131 */
		T_EQ_STR(t->start, "2026-11-29T20:44:31Z");
	}

	/* line 21: 100.64.0.102 released at the end (time unknown) */
	i = find(21);
	T_CHECK(i >= 0);
	if (i >= 0) {
		T_EQ_INT(c.obs[i].kind, CS_OBS_RELEASED);
		T_EQ_STR(c.obs[i].key, "dhcp|100.64.0.102|02:00:00:00:00:11");
	}
}

static void
test_leases_reordered(void)
{
	static const char text[] =
	    "hostname,expire,state,address,pool_id,valid_lifetime,subnet_id,"
	    "user_context,hwaddr,client_id,fqdn_fwd,fqdn_rev,extra\r\n"
	    "cpe&#x2cone,1795985093,0,100.64.2.10,0,3600,7,"
	    "{ \"ISC\": { \"relay-agent-info\": { \"remote-id\": "
	    "\"0A0B0C\"&#x2c"
	    " \"sub-options\": \"0x0105646F776E30020401020304\" } } },"
	    "aa-bb-cc-00-00-01,01:aa:bb:cc:00:00:01,0,0,x\r\n"
	    "cpe2,1795985100,0,100.64.2.11,0,100,7,"
	    "{ \"ISC\": { \"relay-agent-info\": { \"remote-id\": \"6162\"&#x2c"
	    " \"sub-options\": \"0x01026869\" } } },"
	    "AABB.CC00.0002,,0,0,\r\n";
	const struct tobs *t;

	run_text(&cs_fmt_kea_leases, text);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 2);
	t = &c.obs[0];
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->key, "dhcp|100.64.2.10|aa:bb:cc:00:00:01");
	T_EQ_STR(t->hostname, "cpe,one"); /* "&#x2c" decoded */
	T_EQ_STR(t->client_id, "01:aa:bb:cc:00:00:01");
	T_EQ_STR(t->circuit_id, "down0");
	T_EQ_STR(t->remote_id, "0x01020304");      /* sub-option 2, binary */
	T_EQ_STR(t->time, "2026-11-29T19:44:53Z"); /* expire - 3600 */
	T_EQ_STR(t->until, "2026-11-29T20:44:53Z");
	t = &c.obs[1];
	T_EQ_STR(t->key, "dhcp|100.64.2.11|aa:bb:cc:00:00:02");
	T_EQ_STR(t->circuit_id, "hi");
	T_EQ_STR(t->remote_id, "ab"); /* from "remote-id" */
	T_EQ_STR(t->client_id, "");
}

static void
test_leases_malformed(void)
{
	static const char text[] =
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	    "fqdn_fwd,fqdn_rev,hostname,state,user_context\n"
	    "100.64.0.300,02:00:00:00:00:33,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.1,02:00:00:00:00:01,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.2,02:00:00:00:zz:02,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.3,02:00:00:00:00:03,,-60,1795985093,1,0,0,,0,\n"
	    "100.64.0.4,02:00:00:00:00:04,,60,17959850930000000000,1,0,0,,0,\n"
	    "100.64.0.5,02:00:00:00:00:05,,60,1795985093,1,0,0,,7,\n"
	    "100.64.0.6,02:00:00:00:00:06,,60\n"
	    "100.64.0.7,02:00:00:00:00:07,,60,1795985093,1,0,0,,0,,extra\n"
	    "100.64.0.0/24,02:00:00:00:00:08,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.9,,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.10,02:00:00:00:00:0a,,60,1795985093,x,0,0,,0,\n"
	    "100.64.0.11,02:00:00:00:00:0b,,120,60,1,0,0,,0,\n"
	    "2001:db8::1,02:00:00:00:00:0c,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.13,02:00:00:00:00:0d,,60,1795985093,1,0,0,,0,"
	    "{ \"ISC\": { \"relay-agent-info\": \"0x01ZZ\" } }\n"
	    "100.64.0.14,02:00:00:00:00:0e,,60,1795985093,1,0,0,,0,\n";
	static const struct {
		unsigned long line;
		const char *field;
	} want[] = {
	    {2, "address"},
	    {4, "hwaddr"},
	    {5, "valid_lifetime"},
	    {6, "expire"},
	    {7, "state"},
	    {8, "expire"}, /* the first column missing */
	    {9, "columns"},
	    {10, "address"},
	    {11, "hwaddr"}, /* neither hwaddr nor client_id */
	    {12, "subnet_id"},
	    {13, "expire"}, /* before valid_lifetime seconds of 1970 */
	    {14, "address"},
	};
	size_t i;

	run_text(&cs_fmt_kea_leases, text);
	T_EQ_INT(c.nrej, (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < sizeof(want) / sizeof(want[0]) && (int)i < c.nrej;
	     i++) {
		T_EQ_INT(c.rej[i].line, want[i].line);
		T_EQ_STR(c.rej[i].field, want[i].field);
		T_CHECK(c.rej[i].reason[0] != '\0');
		T_CHECK(c.rej[i].raw[0] != '\0');
	}
	/* the good rows around them still count; bad relay hex is dropped */
	T_EQ_INT(c.nobs, 3);
	T_EQ_INT(c.obs[0].line, 3);
	T_EQ_STR(c.obs[0].key, "dhcp|100.64.0.1|02:00:00:00:00:01");
	T_EQ_INT(c.obs[1].line, 15);
	T_EQ_STR(c.obs[1].circuit_id, "");
	T_EQ_INT(c.obs[2].line, 16);
	/* reasons never quote the subscriber's values */
	for (i = 0; (int)i < c.nrej; i++)
		T_CHECK(strstr(c.rej[i].reason, "100.64") == NULL);
}

static void
test_leases_states(void)
{
	static const char text[] =
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	    "fqdn_fwd,fqdn_rev,hostname,state,user_context\n"
	    /* no hwaddr: keyed by client id */
	    "100.64.0.20,,01:02:03,60,1795985093,1,0,0,,0,\n"
	    /* declined with the identity kept: CLOSE at cltt */
	    "100.64.0.21,02:00:00:00:00:21,,86400,1796071433,1,0,0,,1,\n"
	    /* declined as Kea 2.2 writes it, identity cleared: skipped */
	    "100.64.0.22,,,86400,1796071433,1,0,0,,1,\n"
	    /* removal of a reclaimed lease: skipped */
	    "100.64.0.100,02:00:00:00:00:33,,0,1795985071,1,0,0,,2,\n"
	    /* an older file without state and user_context columns */
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	    "fqdn_fwd,fqdn_rev,hostname\n"
	    "100.64.0.23,02:00:00:00:00:23,,60,1795985093,1,0,0,h23\n";

	run_text(&cs_fmt_kea_leases, text);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 2);
	T_EQ_INT(c.nobs, 3);
	T_EQ_INT(c.obs[0].kind, CS_OBS_OPEN);
	T_EQ_STR(c.obs[0].key, "dhcp|100.64.0.20|id:01:02:03");
	T_EQ_STR(c.obs[0].mac, "");
	T_EQ_INT(c.obs[1].kind, CS_OBS_CLOSE);
	T_EQ_STR(c.obs[1].key, "dhcp|100.64.0.21|02:00:00:00:00:21");
	T_EQ_STR(c.obs[1].time, "2026-11-29T20:43:53Z");
	T_EQ_INT(c.obs[2].kind, CS_OBS_OPEN);
	T_EQ_STR(c.obs[2].hostname, "h23");
}

static void
test_leases_no_header(void)
{
	static const char text[] =
	    "100.64.0.100,02:00:00:00:00:33,,60,1795985093,1,0,0,,0,\n"
	    "100.64.0.101,02:00:00:00:00:22,,60,1795985093,1,0,0,,0,\n";
	static const char bad[] = "address,mac,lease\n"
				  "100.64.0.100,02:00:00:00:00:33,60\n";

	run_text(&cs_fmt_kea_leases, text);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 2);
	T_EQ_STR(c.rej[0].field, "header");
	T_EQ_INT(c.rej[1].line, 2);
	T_EQ_STR(c.rej[1].field, "header");

	run_text(&cs_fmt_kea_leases, bad);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 2);
	T_EQ_INT(c.rej[0].line, 1);
	T_EQ_STR(c.rej[0].field, "header");
	T_EQ_STR(c.rej[1].field, "header");
}

static void
test_leases_resume(void)
{
	static const char *const lines[] = {
	    "100.64.0.101,02:00:00:00:00:22,69:64:2d:63:32,0,1795985067,1,"
	    "0,0,c2-laptop,0,",
	    "100.64.0.1,02:00:00:00:00:01,,60,1795985093,1,0,0,,0,,9",
	    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	    "fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id",
	    "100.64.0.1,02:00:00:00:00:01,,60,1795985093,1,0,0,,0,,9",
	};

	/* resumed mid-file: the header is not read again */
	run_at(&cs_fmt_kea_leases, lines, 4, 1234);
	T_EQ_INT(c.nobs, 2);
	T_EQ_INT(c.obs[0].kind, CS_OBS_RELEASED);
	T_EQ_STR(c.obs[0].key, "dhcp|100.64.0.101|02:00:00:00:00:22");
	T_EQ_STR(c.obs[0].time, "2026-11-29T20:44:27Z");
	T_EQ_INT(c.nrej, 1);
	T_EQ_INT(c.rej[0].line, 101);
	T_EQ_STR(c.rej[0].field, "header");
	/* once a header turns up, rows follow it */
	T_EQ_INT(c.obs[1].line, 103);
	T_EQ_STR(c.obs[1].key, "dhcp|100.64.0.1|02:00:00:00:00:01");
}

static void
test_leases_detect(void)
{
	char *text = collect_file("tests/data/dhcp/kea/kea-leases4.csv");

	T_CHECK(text != NULL);
	if (text) {
		T_EQ_INT(cs_fmt_kea_leases.detect(cs_span_cstr(text)), 100);
		T_EQ_INT(cs_fmt_kea_log.detect(cs_span_cstr(text)), 0);
		T_CHECK(
		    cs_fmt_detect(cs_span_cstr(text)) == &cs_fmt_kea_leases);
		free(text);
	}
	T_EQ_INT(cs_fmt_kea_leases.detect(cs_span_cstr(
		     "address,state,expire,valid_lifetime,client_id,hwaddr\n")),
	    80);
	T_EQ_INT(cs_fmt_kea_leases.detect(
		     cs_span_cstr("address,duid,valid_lifetime,expire,subnet_"
				  "id,pref_lifetime\n")),
	    0);
	T_EQ_INT(cs_fmt_kea_leases.detect(cs_span_cstr("")), 0);
}

/* ---- log lines ---- */

/* the four lines quoted in log-formats.md 2.4, file or syslog form */
static void
check_quoted_leases(
    const char *ms_alloc1, const char *ms_alloc2, const char *ms_release)
{
	const struct tobs *t;

	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nobs, 3);
	if (c.nobs != 3)
		return;
	t = &c.obs[0];
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_INT(t->src, CS_SRC_KEA_LOG);
	T_EQ_STR(t->key, "dhcp|100.64.0.100|02:00:00:00:00:33");
	T_EQ_STR(t->addr[0], "100.64.0.100");
	T_EQ_STR(t->mac, "02:00:00:00:00:33");
	T_EQ_STR(t->client_id, "");
	T_EQ_STR(t->time, ms_alloc1);
	T_CHECK(strstr(t->raw, "DHCP4_LEASE_ALLOC") != NULL);
	T_CHECK(strstr(t->raw, "100.64.0.100 has been allocated") != NULL);
	t = &c.obs[1];
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->key, "dhcp|100.64.0.101|02:00:00:00:00:22");
	T_EQ_STR(t->client_id, "69:64:2d:63:32");
	T_EQ_STR(t->time, ms_alloc2);
	t = &c.obs[2];
	T_EQ_INT(t->kind, CS_OBS_CLOSE);
	T_EQ_STR(t->key, "dhcp|100.64.0.101|02:00:00:00:00:22");
	T_EQ_STR(t->time, ms_release);
	T_EQ_STR(t->until, "");
}

static void
test_log_file_leases(void)
{
	run_file(&cs_fmt_kea_log, "tests/data/dhcp/kea/kea-dhcp4-leases.log");
	T_EQ_INT(c.nskip, 1); /* DHCP4_LEASE_ADVERT */
	check_quoted_leases("2026-11-29T20:43:53.411000Z",
	    "2026-11-29T20:43:53.419000Z", "2026-11-29T20:44:31.625000Z");
	if (c.nobs == 3) {
		T_EQ_STR(c.obs[0].until, "2026-11-29T20:44:53.411000Z");
		T_EQ_INT(c.obs[0].line, 2);
		T_EQ_INT(c.obs[2].line, 4);
	}
}

static void
test_log_file_zone(void)
{
	struct cs_tz ny;
	struct cs_fmt_opts o;
	char *text = collect_file("tests/data/dhcp/kea/kea-dhcp4-leases.log");

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	memset(&o, 0, sizeof(o));
	T_EQ_INT(cs_tz_init(&ny, "America/New_York", NULL), CS_OK);
	o.tz = &ny;
	collect_run(&c, &cs_fmt_kea_log, &o, text, 1);
	free(text);
	T_EQ_INT(c.nobs, 3);
	T_EQ_STR(c.obs[0].time, "2026-11-30T01:43:53.411000Z"); /* EST */
}

static void
test_log_syslog_leases(void)
{
	run_file(&cs_fmt_syslog, "tests/data/dhcp/kea/syslog-kea-leases.log");
	T_EQ_INT(c.nskip, 2); /* DHCP4_STARTED, DHCP4_LEASE_ADVERT */
	check_quoted_leases("2026-11-29T20:43:53Z", "2026-11-29T20:43:53Z",
	    "2026-11-29T20:44:31Z");
	if (c.nobs == 3)
		T_EQ_STR(c.obs[0].until, "2026-11-29T20:44:53Z");
}

static void
test_log_samples(void)
{
	/* the lab's own log files hold no lease messages (see 2.4) */
	run_file(&cs_fmt_kea_log, "tests/data/dhcp/kea/kea-dhcp4.log");
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 23);
	run_file(
	    &cs_fmt_syslog, "tests/data/dhcp/kea/syslog-kea-traditional.log");
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 23);
}

static void
test_log_messages(void)
{
	static const char text[] =
	    "2026-11-29 20:50:00.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_LEASE_REUSE [hwtype=1 02:00:00:00:00:44], cid=[no info], "
	    "tid=0x1: lease 100.64.0.44 has been reused for 45 seconds\n"
	    "2026-11-29 20:50:01.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_DECLINE_LEASE Received DHCPDECLINE for addr 100.64.0.45 "
	    "from client [hwtype=1 02:00:00:00:00:45], cid=[01:02], tid=0x3. "
	    "The lease will be unavailable for 86400 seconds.\n"
	    "2026-11-29 20:50:02.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_RELEASE_EXPIRED [hwtype=1 02:00:00:00:00:44], "
	    "cid=[no info], tid=0x4: address 100.64.0.44 expired on release.\n"
	    "this is not a kea line\n"
	    "2026-11-29 20:50:03.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_LEASE_ALLOC [hwtype=1 02:00:00:00:00:46], cid=[no info], "
	    "tid=0x5: lease 100.64.0.999 has been allocated for 60 seconds\n"
	    "2026-11-29 20:50:04.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_LEASE_ALLOC [hwtype=1 02:00:00:00:46], cid=[no info], "
	    "tid=0x5: lease 100.64.0.46 has been allocated for 60 seconds\n"
	    "2026-11-29 20:50:05.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_LEASE_ALLOC [hwtype=1 02:00:00:00:00:46], cid=[no info], "
	    "tid=0x5: lease 100.64.0.46 has been allocated for ever seconds\n"
	    "2026-13-29 20:50:06.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_RELEASE [hwtype=1 02:00:00:00:00:44], cid=[no info], "
	    "tid=0x4: address 100.64.0.44 was released properly.\n"
	    "2026-11-29 20:50:07.000 INFO  kea-dhcp4.leases DHCP4_RELEASE x\n"
	    "2026-11-29 20:50:08.000 INFO  [kea-dhcp4.leases/1.2] "
	    "DHCP4_RELEASE [no hwaddr info], cid=[no info], tid=0x4: "
	    "address 100.64.0.47 was released properly.\n";

	run_text(&cs_fmt_kea_log, text);
	T_EQ_INT(c.nobs, 3);
	if (c.nobs == 3) {
		T_EQ_INT(c.obs[0].kind, CS_OBS_OPEN);
		T_EQ_STR(c.obs[0].until, "2026-11-29T20:50:45Z");
		T_EQ_INT(c.obs[1].kind, CS_OBS_CLOSE);
		T_EQ_STR(c.obs[1].key, "dhcp|100.64.0.45|02:00:00:00:00:45");
		T_EQ_STR(c.obs[1].client_id, "01:02");
		T_EQ_INT(c.obs[2].kind, CS_OBS_CLOSE);
		T_EQ_STR(c.obs[2].key, "dhcp|100.64.0.44|02:00:00:00:00:44");
	}
	T_EQ_INT(c.nrej, 7);
	if (c.nrej == 7) {
		T_EQ_INT(c.rej[0].line, 4);
		T_EQ_STR(c.rej[0].field, "header");
		T_EQ_STR(c.rej[1].field, "address");
		T_EQ_STR(c.rej[2].field, "hwaddr");
		T_EQ_STR(c.rej[3].field, "lifetime");
		T_EQ_INT(c.rej[4].line, 8); /* month 13 */
		T_EQ_STR(c.rej[4].field, "header");
		T_EQ_STR(c.rej[5].field, "header");
		/* a release with neither MAC nor client id has no key */
		T_EQ_INT(c.rej[6].line, 10);
		T_EQ_STR(c.rej[6].field, "hwaddr");
	}
	T_EQ_INT(c.nskip, 0);
}

static void
test_log_syslog_malformed(void)
{
	static const char text[] =
	    "Nov 29 20:43:53 vm kea-dhcp4: not a kea message\n"
	    "Nov 29 20:43:53 vm kea-dhcp4: INFO  [kea-dhcp4.leases.1] "
	    "DHCP4_LEASE_ALLOC [hwtype=1 02:00:00:00:00:33], cid=[no info], "
	    "tid=0x3231645: lease 100.64.0.100 has been allocated\n"
	    "2026-11-29T20:43:53.123456+00:00 vm kea-dhcp4[18611]: INFO  "
	    "[kea-dhcp4.leases.1] DHCP4_LEASE_ALLOC [hwtype=1 "
	    "02:00:00:00:00:33], cid=[no info], tid=0x3231645: lease "
	    "100.64.0.100 has been allocated for 60 seconds\n";

	run_text(&cs_fmt_syslog, text);
	T_EQ_INT(c.nrej, 2);
	if (c.nrej == 2) {
		T_EQ_STR(c.rej[0].field, "header");
		T_EQ_INT(c.rej[1].line, 2);
		T_EQ_STR(c.rej[1].field, "lifetime");
	}
	T_EQ_INT(c.nobs, 1);
	if (c.nobs == 1)
		T_EQ_STR(c.obs[0].time, "2026-11-29T20:43:53.123456Z");
}

static void
test_log_detect(void)
{
	char *text = collect_file("tests/data/dhcp/kea/kea-dhcp4.log");

	T_CHECK(text != NULL);
	if (text) {
		T_EQ_INT(cs_fmt_kea_log.detect(cs_span_cstr(text)), 90);
		T_EQ_INT(cs_fmt_kea_leases.detect(cs_span_cstr(text)), 0);
		T_CHECK(cs_fmt_detect(cs_span_cstr(text)) == &cs_fmt_kea_log);
		free(text);
	}
	text = collect_file("tests/data/dhcp/kea/syslog-kea-traditional.log");
	T_CHECK(text != NULL);
	if (text) {
		T_EQ_INT(cs_fmt_kea_log.detect(cs_span_cstr(text)), 0);
		free(text);
	}
	T_EQ_INT(cs_fmt_kea_log.detect(cs_span_cstr(
		     "2026-11-29 20:43:53.411 INFO  [named.x] y\n")),
	    0);
}

static void
test_long_lines(void)
{
	static const char hdr[] =
	    "address,hwaddr,client_id,valid_lifetime,"
	    "expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n";
	static const char row[] =
	    "\n100.64.0.1,02:00:00:00:00:01,,60,1795985093,1,0,0,,0,\n";
	size_t big = CS_MAX_LINE + 10, n = strlen(hdr);
	char *text = malloc(n + big + sizeof(row));

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	memcpy(text, hdr, n);
	memset(text + n, 'a', big);
	memcpy(text + n + big, row, sizeof(row));
	run_text(&cs_fmt_kea_leases, text);
	T_EQ_INT(c.nrej, 1);
	T_EQ_INT(c.rej[0].line, 2);
	T_EQ_STR(c.rej[0].field, "line");
	T_EQ_INT(c.nobs, 1); /* the next row still counts */
	run_text(&cs_fmt_kea_log, text + n);
	T_EQ_INT(c.nrej, 2);
	T_EQ_STR(c.rej[0].field, "line");
	T_EQ_STR(c.rej[1].field, "header");
	free(text);
}

int
main(void)
{
	T_RUN(test_leases_sample);
	T_RUN(test_leases_reordered);
	T_RUN(test_leases_malformed);
	T_RUN(test_leases_states);
	T_RUN(test_leases_no_header);
	T_RUN(test_leases_resume);
	T_RUN(test_leases_detect);
	T_RUN(test_log_file_leases);
	T_RUN(test_log_file_zone);
	T_RUN(test_log_syslog_leases);
	T_RUN(test_log_samples);
	T_RUN(test_log_messages);
	T_RUN(test_log_syslog_malformed);
	T_RUN(test_log_detect);
	T_RUN(test_long_lines);
	return T_DONE();
}
