/* fmt - the registry of log formats and detection by content */
#include <string.h>

#include "fmt/fmt.h"
#include "fmt/ipfix.h"

static const struct cs_fmt *const formats[] = {
    &cs_fmt_radius,
    &cs_fmt_dhcpd_leases,
    &cs_fmt_kea_leases,
    &cs_fmt_kea_log,
    &cs_fmt_syslog,
    &cs_fmt_conntrack,
    &cs_fmt_ulogd_json,
    &cs_fmt_natlog,
    NULL,
};

const struct cs_fmt *const *
cs_fmt_list(void)
{
	return formats;
}

const struct cs_fmt *
cs_fmt_find(const char *name)
{
	size_t i;

	for (i = 0; formats[i]; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

const struct cs_fmt *
cs_fmt_detect(struct cs_span head)
{
	const struct cs_fmt *best = NULL;
	int score = 0, s;
	size_t i;

	for (i = 0; formats[i]; i++) {
		s = formats[i]->detect(head);
		if (s > score) {
			score = s;
			best = formats[i];
		}
	}
	return score >= 20 ? best : NULL;
}
