/* dnsmasq - dnsmasq DHCP syslog messages (stub, being written) */
#include "fmt/fmt.h"

enum cs_err
cs_dnsmasq_msg(const struct cs_syslog_hdr *h, const struct cs_fmt_opts *o,
    struct cs_span raw, uint64_t lineno, struct cs_sink *sink,
    const char **field, struct cs_errbuf *eb)
{
	return CS_ESKIP;
}
