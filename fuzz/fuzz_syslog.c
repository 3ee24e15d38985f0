/*
 * fuzz_syslog - libFuzzer target: syslog lines of every program custos
 * reads (dhcpd, kea-dhcp4, dnsmasq, postfix) in every header form, and
 * cs_syslog_src (which source a rejected line is filed under) on each
 */
#include "fmt_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_span s = cs_span_make((const char *)data, size);
	struct cs_fmt_opts o;
	struct cs_tz tz;

	memset(&o, 0, sizeof(o));
	cs_tz_init(&tz, "UTC", NULL);
	o.tz = &tz;
	o.ref = 1795984111LL * CS_US;
	while (s.len) {
		const char *nl = memchr(s.p, '\n', s.len);
		size_t n = nl ? (size_t)(nl - s.p) : s.len;
		enum cs_src src = cs_syslog_src(cs_span_make(s.p, n), &o);
		if ((unsigned)src >= CS_SRC_MAX)
			abort();
		s = cs_span_skip(s, n + (nl ? 1 : 0));
	}
	return fd_run(&cs_fmt_syslog, data, size);
}
