/* err - error codes and error buffers */
#include <stdio.h>

#include "util/err.h"

static const char *const texts[] = {
    [CS_OK] = "success",
    [CS_ENOMEM] = "out of memory",
    [CS_ETOOBIG] = "input too large",
    [CS_EPARSE] = "malformed input",
    [CS_ETRUNC] = "input truncated",
    [CS_EIO] = "input/output error",
    [CS_EPERM] = "not permitted",
    [CS_ENOENT] = "not found",
    [CS_ECRYPTO] = "cryptographic failure",
    [CS_EDB] = "database error",
    [CS_EINVAL] = "invalid argument",
    [CS_ESKIP] = "not applicable",
    [CS_EBUSY] = "busy",
};

/* cs_strerror - fixed text for an error code */
const char *
cs_strerror(enum cs_err e)
{
	if ((unsigned)e < sizeof(texts) / sizeof(texts[0]) && texts[e])
		return texts[e];
	return "unknown error";
}

/* cs_errbuf_set - format a message into eb (NULL eb is allowed) */
void
cs_errbuf_set(struct cs_errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
}
