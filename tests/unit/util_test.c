/* util_test - spans, numbers, times, addresses, MACs, buffers */
#include "t.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/span.h"
#include "util/time.h"

static void
test_parse_u64(void)
{
	uint64_t v = 7;

	T_EQ_INT(
	    cs_parse_u64(cs_span_cstr("1795984111"), 0, UINT64_MAX, &v), CS_OK);
	T_EQ_INT(v, 1795984111);
	T_CHECK(cs_parse_u64(cs_span_cstr(""), 0, 10, &v) != CS_OK);
	T_CHECK(cs_parse_u64(cs_span_cstr("-1"), 0, 10, &v) != CS_OK);
	T_CHECK(cs_parse_u64(cs_span_cstr("1 "), 0, 10, &v) != CS_OK);
	T_CHECK(cs_parse_u64(cs_span_cstr("11"), 0, 10, &v) != CS_OK);
	T_CHECK(cs_parse_u64(cs_span_cstr("18446744073709551616"), 0,
		    UINT64_MAX, &v) != CS_OK);
}

static void
test_rfc3339(void)
{
	cs_time t;
	char out[40];
	struct cs_errbuf eb;

	T_EQ_INT(cs_time_parse_rfc3339(
		     cs_span_cstr("2026-11-29T20:28:31Z"), &t, &eb),
	    CS_OK);
	T_EQ_INT(t / CS_US, 1795984111);
	T_EQ_INT(cs_time_parse_rfc3339(
		     cs_span_cstr("2026-11-29T20:30:40.773840+00:00"), &t, &eb),
	    CS_OK);
	cs_time_format(t, out);
	T_EQ_STR(out, "2026-11-29T20:30:40.773840Z");
	T_EQ_INT(cs_time_parse_rfc3339(
		     cs_span_cstr("2026-11-05T08:00:05-05:00"), &t, &eb),
	    CS_OK);
	cs_time_format(t, out);
	T_EQ_STR(out, "2026-11-05T13:00:05Z");
	/* a bare local time is refused with a hint */
	T_EQ_INT(
	    cs_time_parse_rfc3339(cs_span_cstr("2026-11-05T08:00:05"), &t, &eb),
	    CS_EPARSE);
	T_CHECK(strstr(eb.msg, "zone") != NULL);
	T_CHECK(cs_time_parse_rfc3339(
		    cs_span_cstr("2026-02-30T00:00:00Z"), &t, &eb) != CS_OK);
}

static void
test_tz(void)
{
	struct cs_tz tz;
	struct cs_civil c = {2026, 11, 5, 8, 0, 4, 0};
	cs_time t;

	T_EQ_INT(cs_tz_init(&tz, "America/New_York", NULL), CS_OK);
	T_EQ_INT(cs_tz_to_utc(&tz, &c, &t), CS_OK);
	T_EQ_INT(t / CS_US, 1793883604); /* run 2 Timestamp */
	c.mon = 7;                       /* summer: EDT */
	T_EQ_INT(cs_tz_to_utc(&tz, &c, &t), CS_OK);
	T_EQ_INT((t / CS_US) % 86400 / 3600, 12);
	T_CHECK(cs_tz_init(&tz, "Mars/Olympus", NULL) != CS_OK);
	T_EQ_INT(cs_year_guess(12, 31, 1795984111 * CS_US), 2025);
	T_EQ_INT(cs_year_guess(11, 30, 1795984111 * CS_US), 2026);
}

static void
test_addr(void)
{
	struct cs_addr a, p;
	char out[CS_ADDR_STRLEN];

	T_EQ_INT(cs_addr_parse(cs_span_cstr("100.64.12.34"), &a), CS_OK);
	cs_addr_format(&a, out);
	T_EQ_STR(out, "100.64.12.34");
	T_EQ_INT(
	    cs_addr_parse(cs_span_cstr("2001:db8:ff00:1200::/56"), &p), CS_OK);
	cs_addr_format(&p, out);
	T_EQ_STR(out, "2001:db8:ff00:1200::/56");
	T_EQ_INT(
	    cs_addr_parse(cs_span_cstr("2001:db8:ff00:12ab::1"), &a), CS_OK);
	T_CHECK(cs_addr_contains(&p, &a));
	T_EQ_INT(
	    cs_addr_parse(cs_span_cstr("2001:db8:ff00:1300::1"), &a), CS_OK);
	T_CHECK(!cs_addr_contains(&p, &a));
	T_CHECK(cs_addr_parse(cs_span_cstr("100.64.12.256"), &a) != CS_OK);
	T_CHECK(cs_addr_parse(cs_span_cstr("10.0.0.0/33"), &a) != CS_OK);
}

static void
test_mac(void)
{
	static const char *good[] = {"aa:bb:cc:00:00:01", "aa-bb-cc-00-00-01",
	    "AABB.CC00.0001", "aabbcc000001", "aa:bb:cc:0:0:1"};
	uint8_t m[6];
	char out[CS_MAC_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		T_EQ_INT(cs_mac_parse(cs_span_cstr(good[i]), m), CS_OK);
		cs_mac_format(m, out);
		T_EQ_STR(out, "aa:bb:cc:00:00:01");
	}
	T_CHECK(cs_mac_parse(cs_span_cstr("aa:bb:cc:00:00"), m) != CS_OK);
	T_CHECK(cs_mac_parse(cs_span_cstr("aa:bb-cc:00:00:01"), m) != CS_OK);
	T_CHECK(cs_mac_parse(cs_span_cstr("aa:bb:cc:00:00:01:02"), m) != CS_OK);
	T_CHECK(cs_mac_parse(cs_span_cstr("aa:bb:cc:00:00:0g"), m) != CS_OK);
}

static void
test_buf(void)
{
	struct cs_buf b;
	char stack[8];

	cs_buf_init(&b, stack, sizeof(stack), 16);
	cs_buf_puts(&b, "hello");
	cs_buf_appendf(&b, " %d", 42);
	T_EQ_STR(b.data, "hello 42");
	cs_buf_puts(&b, "0123456789");
	T_EQ_INT(cs_buf_error(&b), CS_ETOOBIG);
	T_EQ_STR(b.data, "hello 42");
	cs_buf_reset(&b);
	cs_buf_json_str(&b, "a\"\\\t\x01", 5);
	T_EQ_STR(b.data, "\"a\\\"\\\\\\t\\u0001\"");
	cs_buf_release(&b);
}

int
main(void)
{
	T_RUN(test_parse_u64);
	T_RUN(test_rfc3339);
	T_RUN(test_tz);
	T_RUN(test_addr);
	T_RUN(test_mac);
	T_RUN(test_buf);
	return T_DONE();
}
