/* postfix - Postfix log correlation by queue id (stub, being written) */
#include <stdlib.h>

#include "fmt/fmt.h"

struct cs_postfix {
	int unused;
};

struct cs_postfix *
cs_postfix_new(const struct cs_fmt_opts *o, struct cs_sink *sink)
{
	return calloc(1, sizeof(struct cs_postfix));
}

enum cs_err
cs_postfix_msg(struct cs_postfix *pf, const struct cs_syslog_hdr *h,
    struct cs_span raw, uint64_t lineno, uint64_t off, const char **field,
    struct cs_errbuf *eb)
{
	return CS_ESKIP;
}

void
cs_postfix_flush(struct cs_postfix *pf, int final)
{
}

uint64_t
cs_postfix_pending_offset(struct cs_postfix *pf)
{
	return UINT64_MAX;
}

void
cs_postfix_free(struct cs_postfix *pf)
{
	free(pf);
}
