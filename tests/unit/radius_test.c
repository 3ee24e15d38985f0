/*
 * radius_test - FreeRADIUS detail files: the run-1 sample as a person
 * reads it, time rules, escapes, rejects, and the pending/flush contract.
 */
#include <stdlib.h>

#include "t.h"
#include "fmt/fmt.h"

#include "collect.h"

static struct cs_tz tz_utc, tz_ny;

static struct cs_fmt_opts
opts_tz(struct cs_tz *tz)
{
	struct cs_fmt_opts o;

	memset(&o, 0, sizeof(o));
	o.tz = tz;
	o.ref = 1795984111LL * CS_US;
	return o;
}

/* one collect, static: struct collect is too big for the stack */
static struct collect c;

static void
run(const char *text, struct cs_tz *tz, int final)
{
	struct cs_fmt_opts o = opts_tz(tz);

	collect_run(&c, &cs_fmt_radius, &o, text, final);
}

static void
test_run1_sample(void)
{
	char *text = collect_file("tests/data/radius/run1-detail-20261129");
	struct tobs *t;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	run(text, &tz_utc, 1);
	free(text);
	T_EQ_INT(c.nobs, 6);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 0);
	if (c.nobs != 6)
		return;

	t = &c.obs[0]; /* Accounting-On */
	T_EQ_INT(t->kind, CS_OBS_NAS_RESET);
	T_EQ_INT(t->src, CS_SRC_RADIUS);
	T_EQ_STR(t->time, "2026-11-29T20:28:30Z");
	T_EQ_STR(t->nas_key, "192.0.2.1");
	T_EQ_INT(t->line, 1);
	T_EQ_INT(t->naddr, 0);

	t = &c.obs[1]; /* alice Start */
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->time, "2026-11-29T20:28:30Z");
	T_EQ_STR(t->start, "");
	T_EQ_STR(t->until, "");
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "100.64.12.34");
	T_EQ_STR(t->addr[1], "2001:db8:100:1::/64");
	T_EQ_STR(t->addr[2], "2001:db8:ff00:1200::/56");
	T_EQ_STR(t->mac, "00:11:22:33:44:55");
	T_EQ_STR(t->username, "alice@isp.example");
	T_EQ_STR(t->nas_port_id, "ge-1/0/0.100:100-2001");
	T_EQ_STR(t->nas_ip, "192.0.2.1");
	T_EQ_STR(t->nas_id, "bng1.pop1");
	T_EQ_STR(t->nas_key, "192.0.2.1");
	T_EQ_STR(t->session_id, "0A1B2C3D");
	T_EQ_STR(t->unique_id, "fcd7542858a4503abf46c4a7e239cc8e");
	T_EQ_STR(t->key, "radius|fcd7542858a4503abf46c4a7e239cc8e");
	T_EQ_INT(t->line, 11);
	T_CHECK(strncmp(t->raw,
		    "Sun Nov 29 20:28:31 2026\n"
		    "\tAcct-Status-Type = Start\n",
		    51) == 0);
	T_CHECK(strstr(t->raw, "\tTimestamp = 1795984111") != NULL);
	T_CHECK(t->raw[strlen(t->raw) - 1] != '\n');

	t = &c.obs[2]; /* Interim-Update */
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->time, "2026-11-29T20:33:30Z");
	T_EQ_STR(t->start, "2026-11-29T20:28:30Z");
	T_EQ_STR(t->key, "radius|fcd7542858a4503abf46c4a7e239cc8e");
	T_EQ_INT(t->naddr, 3);

	t = &c.obs[3]; /* Stop: Event-Timestamp wins over Timestamp */
	T_EQ_INT(t->kind, CS_OBS_CLOSE);
	T_EQ_STR(t->time, "2026-11-29T21:30:35Z");
	T_EQ_STR(t->start, "2026-11-29T20:28:30Z");
	T_EQ_STR(t->key, "radius|fcd7542858a4503abf46c4a7e239cc8e");

	t = &c.obs[4]; /* IPoE Start */
	T_EQ_INT(t->kind, CS_OBS_OPEN);
	T_EQ_STR(t->time, "2026-11-29T20:28:30Z");
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "100.64.99.7");
	T_EQ_STR(t->mac, "aa:bb:cc:00:00:01");
	T_EQ_STR(t->username, "aa:bb:cc:00:00:01");
	T_EQ_STR(t->circuit_id, "olt1 eth 1/1/3:200");
	T_EQ_STR(t->remote_id, "CPE-SERIAL-0001");
	T_EQ_STR(t->nas_port_id, "ge-1/0/1.200:200-3000");
	T_EQ_STR(t->key, "radius|af64dd59cb3f734020a25045b87faa8e");

	t = &c.obs[5]; /* Accounting-Off */
	T_EQ_INT(t->kind, CS_OBS_NAS_RESET);
	T_EQ_STR(t->time, "2026-11-29T21:35:10Z");
	T_EQ_STR(t->nas_key, "192.0.2.1");
}

static void
test_escaped_username(void)
{
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n"
	    "\tUser-Name = \"we\\\"ird\\\\name\\t\xc3\xbcser\"\n"
	    "\tAcct-Session-Id = \"1\"\n"
	    "\tFramed-IP-Address = 100.64.0.9\n"
	    "\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].username, "we\"ird\\name\t\xc3\xbcser");
	/* the evidence keeps the escapes as written */
	T_CHECK(strstr(c.obs[0].raw, "\"we\\\"ird\\\\name\\t") != NULL);
}

static void
test_octal_and_octets(void)
{
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n"
	    "\tUser-Name = \"a\\303\\274b\\n\"\n"
	    "\tAcct-Session-Id = \"1\"\n"
	    "\tFramed-IP-Address = 100.64.0.9\n"
	    "\tADSL-Agent-Circuit-Id = 0x0001ff\n"
	    "\tADSL-Agent-Remote-Id = 0x414243\n"
	    "\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].username,
	    "a\xc3\xbc"
	    "b\n");
	T_EQ_STR(c.obs[0].circuit_id, "0x0001ff"); /* not printable */
	T_EQ_STR(c.obs[0].remote_id, "ABC");
	T_EQ_STR(c.obs[0].mac, "");
}

#define RUN2_HEAD                               \
	"Thu Nov  5 08:00:04 2026\n"            \
	"\tPacket-Src-IP-Address = 127.0.0.1\n" \
	"\tPacket-Dst-IP-Address = 127.0.0.1\n" \
	"\tPacket-Src-Port = 39070\n"           \
	"\tPacket-Dst-Port = 1813\n"            \
	"\tAcct-Status-Type = Start\n"          \
	"\tUser-Name = \"alice@isp.example\"\n" \
	"\tAcct-Session-Id = \"0A1B2C3D\"\n"    \
	"\tNAS-IP-Address = 192.0.2.1\n"        \
	"\tFramed-IP-Address = 100.64.12.34\n"  \
	"\tCalling-Station-Id = \"0011.2233.4455\"\n"

static void
test_run2_event_timestamp_est(void)
{
	run(RUN2_HEAD "\tEvent-Timestamp = \"Nov  5 2026 08:00:05 EST\"\n"
		      "\tAcct-Delay-Time = 0\n"
		      "\tTimestamp = 1793883604\n"
		      "\n",
	    &tz_ny, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].time, "2026-11-05T13:00:05Z");
	T_EQ_STR(c.obs[0].mac, "00:11:22:33:44:55");
	T_EQ_STR(c.obs[0].key, "radius|192.0.2.1||0A1B2C3D|alice@isp.example");
	T_EQ_STR(c.obs[0].nas_key, "192.0.2.1");
}

static void
test_run2_timestamp_less_delay(void)
{
	run(RUN2_HEAD "\tAcct-Delay-Time = 4\n"
		      "\tTimestamp = 1793883604\n"
		      "\n",
	    &tz_ny, 1);
	T_EQ_INT(c.nobs, 1);
	/* 1793883604 - 4 s */
	T_EQ_STR(c.obs[0].time, "2026-11-05T13:00:00Z");
}

static void
test_header_time_fallback(void)
{
	/* no Event-Timestamp, no Timestamp: header in the zone, less delay */
	run(RUN2_HEAD "\tAcct-Delay-Time = 3\n"
		      "\n",
	    &tz_ny, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].time, "2026-11-05T13:00:01Z");
	run(RUN2_HEAD "\n", &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].time, "2026-11-05T08:00:04Z");
}

static void
test_event_timestamp_zones(void)
{
	static const struct {
		const char *ts;
		const char *want;
	} cases[] = {
	    {"\"Nov 29 2026 20:28:30 UTC\"", "2026-11-29T20:28:30Z"},
	    {"\"Jul  1 2026 12:00:00 EDT\"", "2026-07-01T16:00:00Z"},
	    {"\"Jul  1 2026 12:00:00 CEST\"", "2026-07-01T10:00:00Z"},
	    {"\"Jul  1 2026 12:00:00 +0530\"", "2026-07-01T06:30:00Z"},
	    {"\"Jul  1 2026 12:00:00 -03\"", "2026-07-01T15:00:00Z"},
	    /* unknown abbreviation or none: the configured zone */
	    {"\"Jul  1 2026 12:00:00 XYZT\"", "2026-07-01T16:00:00Z"},
	    {"\"Jul  1 2026 12:00:00\"", "2026-07-01T16:00:00Z"},
	    {"1795984110", "2026-11-29T20:28:30Z"},
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
		    RUN2_HEAD "\tEvent-Timestamp = %s\n\n", cases[i].ts);
		run(text, &tz_ny, 1);
		T_EQ_INT(c.nobs, 1);
		if (c.nobs == 1)
			T_EQ_STR(c.obs[0].time, cases[i].want);
	}
}

#define GOOD_A                               \
	"Sun Nov 29 20:28:31 2026\n"         \
	"\tAcct-Status-Type = Start\n"       \
	"\tAcct-Session-Id = \"A\"\n"        \
	"\tFramed-IP-Address = 100.64.0.1\n" \
	"\tTimestamp = 1795984111\n"         \
	"\n"
#define GOOD_B                               \
	"Sun Nov 29 20:28:32 2026\n"         \
	"\tAcct-Status-Type = Stop\n"        \
	"\tAcct-Session-Id = \"B\"\n"        \
	"\tFramed-IP-Address = 100.64.0.2\n" \
	"\tTimestamp = 1795984112\n"         \
	"\n"

static unsigned long
count_nl(const char *s)
{
	unsigned long n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_malformed_between_good(void)
{
	/* line of the fault: GOOD_A has 6 lines, the bad record starts at 7 */
	static const struct {
		const char *rec;
		unsigned long line;
		const char *field;
	} cases[] = {
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tFramed-IP-Address = 100.64.300.1\n\n",
		9, "Framed-IP-Address"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tFramed-IPv6-Prefix = 100.64.0.1/24\n\n",
		9, "Framed-IPv6-Prefix"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tDelegated-IPv6-Prefix = 2001:db8::/129\n\n",
		9, "Delegated-IPv6-Prefix"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tUser-Name = \"open\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		9, "User-Name"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tCisco-AVPair = \"x\n\n",
		9, "Cisco-AVPair"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Frobnicate\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		8, "Acct-Status-Type"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Session-Id = \"C\"\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		7, "Acct-Status-Type"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tAcct-Session-Id = \"C\"\n"
	     "\tFramed-IP-Address = 100.64.0.3\n"
	     "\tEvent-Timestamp = \"Nov 31 2026 20:28:30 UTC\"\n\n",
		11, "Event-Timestamp"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tAcct-Session-Id = \"C\"\n"
	     "\tFramed-IP-Address = 100.64.0.3\n"
	     "\tTimestamp = 17959841110000000000000\n\n",
		11, "Timestamp"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Stop\n"
	     "\tAcct-Session-Id = \"C\"\n"
	     "\tAcct-Session-Time = -5\n\n",
		10, "Acct-Session-Time"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "Acct-Session-Id = \"C\"\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		9, "attribute line"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tAcct-Session-Id \"C\"\n\n",
		9, "attribute line"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tAcct-Session-Id = \"C\"\n"
	     "\tAcct-Status-Type = Stop\n\n",
		10, "Acct-Status-Type"},
	    {"Sun Nov 29 20:28:31 2026\n"
	     "\tAcct-Status-Type = Start\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		7, "Acct-Session-Id"},
	    {"\tAcct-Status-Type = Start\n"
	     "\tFramed-IP-Address = 100.64.0.3\n\n",
		7, "header"},
	    {"Sun Nov 29 20:28:31 2026\n\n", 7, "record"},
	};
	char text[4096];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(
		    text, sizeof(text), "%s%s%s", GOOD_A, cases[i].rec, GOOD_B);
		run(text, &tz_utc, 1);
		T_EQ_INT(c.nobs, 2);
		T_EQ_INT(c.nrej, 1);
		if (c.nobs == 2) {
			T_EQ_STR(c.obs[0].key, "radius|||A|");
			T_EQ_STR(c.obs[0].session_id, "A");
			T_EQ_STR(c.obs[1].session_id, "B");
			T_EQ_INT(c.obs[1].kind, CS_OBS_CLOSE);
			T_EQ_INT(c.obs[1].line, 7 + count_nl(cases[i].rec));
		}
		if (c.nrej == 1) {
			T_EQ_INT(c.rej[0].line, cases[i].line);
			T_EQ_STR(c.rej[0].field, cases[i].field);
			/* the whole record is the evidence */
			T_CHECK(strncmp(c.rej[0].raw, cases[i].rec,
				    strlen(cases[i].rec) - 2) == 0);
		}
		if (c.nrej != 1 || c.rej[0].line != cases[i].line)
			fprintf(stderr, "  case %zu\n", i);
	}
}

static void
test_reason_has_no_subscriber_values(void)
{
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n"
	    "\tUser-Name = \"secret-user\n"
	    "\tFramed-IP-Address = 100.64.77.77x\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nrej, 1);
	T_CHECK(strstr(c.rej[0].reason, "secret") == NULL);
	T_CHECK(strstr(c.rej[0].reason, "100.64") == NULL);
	T_CHECK(c.rej[0].reason[0] != '\0');
}

static void
test_not_accounting_and_no_address(void)
{
	/* reply-detail */
	run("Thu Nov  5 08:00:03 2026\n"
	    "\tPacket-Type = Access-Accept\n"
	    "\tFramed-IP-Address = 100.64.12.34\n"
	    "\tSession-Timeout = 86400\n"
	    "\tTimestamp = 1793883603\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 1);
	/* a Start without an address is skipped */
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n"
	    "\tAcct-Session-Id = \"A\"\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 1);
	/* 0.0.0.0 and the RFC 2865 "select" markers assign nothing */
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n"
	    "\tAcct-Session-Id = \"A\"\n"
	    "\tFramed-IP-Address = 255.255.255.254\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nskip, 1);
	/* tunnel accounting and Failed are valid but carry no binding */
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Failed\n"
	    "\tAcct-Session-Id = \"A\"\n"
	    "\tFramed-IP-Address = 100.64.0.1\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 1);
	/* a Stop without an address still ends the session */
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Stop\n"
	    "\tAcct-Session-Id = \"A\"\n"
	    "\tAcct-Session-Time = 60\n"
	    "\tTimestamp = 1795984111\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_INT(c.obs[0].kind, CS_OBS_CLOSE);
	T_EQ_INT(c.obs[0].naddr, 0);
	T_EQ_STR(c.obs[0].start, "2026-11-29T20:27:31Z");
	/* Accounting-On identified by the packet source only */
	run("Thu Nov  5 08:00:03 2026\n"
	    "\tPacket-Src-IP-Address = 198.51.100.7\n"
	    "\tAcct-Status-Type = Accounting-On\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_INT(c.obs[0].kind, CS_OBS_NAS_RESET);
	T_EQ_STR(c.obs[0].nas_key, "198.51.100.7");
	/* Alive is Interim-Update; IPv6-only, Framed-IPv6-Address is /128 */
	run("Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Alive\n"
	    "\tAcct-Session-Id = \"A\"\n"
	    "\tNAS-IPv6-Address = 2001:db8::1\n"
	    "\tFramed-IPv6-Address = 2001:db8:1::5\n"
	    "\tAcct-Session-Time = 600\n"
	    "\tTimestamp = 1795984111\n\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_INT(c.obs[0].kind, CS_OBS_OPEN);
	T_EQ_STR(c.obs[0].addr[0], "2001:db8:1::5");
	T_EQ_STR(c.obs[0].nas_key, "2001:db8::1");
	T_EQ_STR(c.obs[0].start, "2026-11-29T20:18:31Z");
}

static void
test_no_trailing_blank_line(void)
{
	const char *text = "Sun Nov 29 20:28:31 2026\n"
			   "\tAcct-Status-Type = Start\n"
			   "\tAcct-Session-Id = \"A\"\n"
			   "\tFramed-IP-Address = 100.64.0.1\n"
			   "\tTimestamp = 1795984111";

	run(text, &tz_utc, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].addr[0], "100.64.0.1");
	T_EQ_STR(c.obs[0].raw, text);
	/* a followed file that merely paused: nothing is emitted yet */
	run(text, &tz_utc, 0);
	T_EQ_INT(c.nobs, 0);
	T_EQ_INT(c.nrej, 0);
	/* records back to back without a blank line, CRLF line ends */
	run("Sun Nov 29 20:28:31 2026\r\n"
	    "\tAcct-Status-Type = Start\r\n"
	    "\tAcct-Session-Id = \"A\"\r\n"
	    "\tFramed-IP-Address = 100.64.0.1\r\n"
	    "Sun Nov 29 20:28:32 2026\r\n"
	    "\tAcct-Status-Type = Stop\r\n"
	    "\tAcct-Session-Id = \"A\"\r\n",
	    &tz_utc, 1);
	T_EQ_INT(c.nobs, 2);
	T_EQ_INT(c.nrej, 0);
	T_EQ_STR(c.obs[1].time, "2026-11-29T20:28:32Z");
	T_EQ_INT(c.obs[1].line, 5);
}

static void
pending_obs(void *arg, const struct cs_obs *o)
{
	(void)o;
	(*(int *)arg)++;
}

static void
test_pending_offset(void)
{
	int nobs = 0;
	struct cs_sink sink = {&nobs, pending_obs, NULL, NULL};
	struct cs_fmt_opts o = opts_tz(&tz_utc);
	const struct cs_fmt *f = &cs_fmt_radius;
	void *st = f->open(&o, &sink);

	T_EQ_INT(f->pending_offset(st), UINT64_MAX);
	f->line(st, cs_span_cstr(""), 1, 0);
	T_EQ_INT(f->pending_offset(st), UINT64_MAX);
	f->line(st, cs_span_cstr("Sun Nov 29 20:28:31 2026"), 2, 1);
	T_EQ_INT(f->pending_offset(st), 1);
	f->line(st, cs_span_cstr("\tAcct-Status-Type = Start"), 3, 26);
	f->line(st, cs_span_cstr("\tAcct-Session-Id = \"A\""), 4, 52);
	f->line(st, cs_span_cstr("\tFramed-IP-Address = 100.64.0.1"), 5, 76);
	T_EQ_INT(f->pending_offset(st), 1);
	f->flush(st, 0);
	T_EQ_INT(nobs, 0);
	T_EQ_INT(f->pending_offset(st), 1);
	/* the file grows again: the blank line ends the record */
	f->line(st, cs_span_cstr(""), 6, 108);
	T_EQ_INT(nobs, 1);
	T_EQ_INT(f->pending_offset(st), UINT64_MAX);
	f->line(st, cs_span_cstr("Sun Nov 29 20:28:32 2026"), 7, 109);
	f->line(st, cs_span_cstr("\tAcct-Status-Type = Stop"), 8, 134);
	f->line(st, cs_span_cstr("\tAcct-Session-Id = \"A\""), 9, 159);
	T_EQ_INT(f->pending_offset(st), 109);
	f->flush(st, 0);
	T_EQ_INT(nobs, 1);
	f->flush(st, 1);
	T_EQ_INT(nobs, 2);
	T_EQ_INT(f->pending_offset(st), UINT64_MAX);
	f->close(st);
}

static void
test_record_too_long(void)
{
	size_t n = CS_MAX_RECORD + 4096, i;
	char *text = malloc(n + 512);
	size_t len = 0;

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	len += (size_t)snprintf(text, 512,
	    "Sun Nov 29 20:28:31 2026\n"
	    "\tAcct-Status-Type = Start\n");
	for (i = 0; len < n; i++)
		len += (size_t)snprintf(
		    text + len, 512, "\tCisco-AVPair = \"filler %zu\"\n", i);
	snprintf(text + len, 512, "\n%s", GOOD_B);
	run(text, &tz_utc, 1);
	free(text);
	T_EQ_INT(c.nrej, 1);
	T_EQ_STR(c.rej[0].field, "record");
	T_EQ_INT(c.rej[0].line, 1);
	T_EQ_INT(c.nobs, 1);
	T_EQ_STR(c.obs[0].session_id, "B");
}

static void
test_record_exactly_full(void)
{
	/* header + '\n' + one attribute line fill the buffer to the byte */
	const char *hdr = "Sun Nov 29 20:28:31 2026\n";
	size_t fill = CS_MAX_RECORD - strlen(hdr), len;
	char *text = malloc(CS_MAX_RECORD + 512);

	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	len = (size_t)snprintf(text, 64, "%s\tClass = 0x", hdr);
	memset(text + len, 'a', fill - (len - strlen(hdr)));
	len = strlen(hdr) + fill;
	/* one more line does not fit: the record is rejected, nothing spills */
	snprintf(text + len, 512, "\n\tAcct-Status-Type = Start\n\n%s", GOOD_B);
	run(text, &tz_utc, 1);
	T_EQ_INT(c.nrej, 1);
	T_EQ_STR(c.rej[0].field, "record");
	T_EQ_INT(c.nobs, 1);
	/* exactly full and nothing more is still a record (not accounting) */
	snprintf(text + len, 512, "\n\n%s", GOOD_B);
	run(text, &tz_utc, 1);
	T_EQ_INT(c.nrej, 0);
	T_EQ_INT(c.nskip, 1);
	T_EQ_INT(c.nobs, 1);
	free(text);
}

static void
test_detect(void)
{
	char *text = collect_file("tests/data/radius/run1-detail-20261129");

	T_CHECK(text != NULL);
	if (text)
		T_EQ_INT(cs_fmt_radius.detect(cs_span_make(text, 512)), 95);
	free(text);
	T_EQ_INT(
	    cs_fmt_radius.detect(cs_span_cstr(
		"\n\nThu Nov  5 08:00:04 2026\n\tPacket-Src-IP-Address = 1\n")),
	    95);
	T_EQ_INT(cs_fmt_radius.detect(cs_span_cstr(
		     "Nov  5 08:00:03 vm dhcpd[1]: DHCPACK on 100.64.0.5\n")),
	    0);
	T_EQ_INT(cs_fmt_radius.detect(cs_span_cstr(
		     "Thu Nov  5 08:00:03 2026 : Auth: (1) Login OK: [a]\n")),
	    0);
	T_EQ_INT(cs_fmt_radius.detect(cs_span_cstr(
		     "Thu Nov  5 08:00:04 2026\nnot an attribute\n")),
	    0);
	T_EQ_INT(cs_fmt_radius.detect(cs_span_cstr("")), 0);
}

int
main(void)
{
	cs_tz_init(&tz_utc, "UTC", NULL);
	if (cs_tz_init(&tz_ny, "America/New_York", NULL) != CS_OK) {
		fprintf(stderr, "no zone America/New_York\n");
		return 1;
	}
	T_RUN(test_run1_sample);
	T_RUN(test_escaped_username);
	T_RUN(test_octal_and_octets);
	T_RUN(test_run2_event_timestamp_est);
	T_RUN(test_run2_timestamp_less_delay);
	T_RUN(test_header_time_fallback);
	T_RUN(test_event_timestamp_zones);
	T_RUN(test_malformed_between_good);
	T_RUN(test_reason_has_no_subscriber_values);
	T_RUN(test_not_accounting_and_no_address);
	T_RUN(test_no_trailing_blank_line);
	T_RUN(test_pending_offset);
	T_RUN(test_record_too_long);
	T_RUN(test_record_exactly_full);
	T_RUN(test_detect);
	return T_DONE();
}
