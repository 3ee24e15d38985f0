/* kea - Kea lease CSV and Kea DHCP4 log lines (stub, being written) */
#include "fmt/fmt.h"

static int
detect(struct cs_span head)
{
	(void)head;
	return 0;
}

enum cs_err
cs_kea_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	return CS_ESKIP;
}

const struct cs_fmt cs_fmt_kea_leases = {
	.name = "kea-leases",
	.help = "Kea memfile lease CSV",
	.detect = detect,
};
const struct cs_fmt cs_fmt_kea_log = {
	.name = "kea-log",
	.help = "Kea DHCP4 log file",
	.detect = detect,
};
