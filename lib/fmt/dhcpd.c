/* dhcpd - ISC dhcpd syslog messages and dhcpd.leases (stub, being written) */
#include "fmt/fmt.h"

static int
detect(struct cs_span head)
{
	(void)head;
	return 0;
}

enum cs_err
cs_dhcpd_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	return CS_ESKIP;
}

const struct cs_fmt cs_fmt_dhcpd_leases = {
	.name = "dhcpd-leases",
	.help = "ISC dhcpd.leases lease journal",
	.detect = detect,
};
