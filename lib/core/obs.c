/* obs - observation helpers */
#include <string.h>

#include "core/obs.h"

static const char *const names[CS_SRC_MAX] = {
    [CS_SRC_NONE] = "none",
    [CS_SRC_RADIUS] = "radius-detail",
    [CS_SRC_DHCPD] = "dhcpd",
    [CS_SRC_DHCPD_LEASES] = "dhcpd-leases",
    [CS_SRC_KEA_LEASES] = "kea-leases",
    [CS_SRC_KEA_LOG] = "kea-log",
    [CS_SRC_DNSMASQ] = "dnsmasq",
    [CS_SRC_POSTFIX] = "postfix",
    [CS_SRC_IPFIX] = "ipfix",
    [CS_SRC_CONNTRACK] = "conntrack",
    [CS_SRC_NATMAP] = "nat-map",
    [CS_SRC_NATLOG] = "nat-syslog",
};

const char *
cs_src_name(enum cs_src s)
{
	if ((unsigned)s < CS_SRC_MAX && names[s])
		return names[s];
	return "unknown";
}

void
cs_obs_init(struct cs_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->time = CS_TIME_NONE;
	o->start = CS_TIME_NONE;
	o->until = CS_TIME_NONE;
}
