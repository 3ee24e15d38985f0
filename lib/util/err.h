/*
 * err - the one error enum of custos, and a caller-provided error buffer.
 *
 * Library functions return enum cs_err (CS_OK is 0).  Where a person needs
 * context (file, line, field), the caller passes a struct cs_errbuf that the
 * callee fills with one line of text.  Thread-safe: no shared state.
 */
#ifndef CS_ERR_H
#define CS_ERR_H

#include <stdarg.h>

enum cs_err {
	CS_OK = 0,
	CS_ENOMEM,  /* allocation failed */
	CS_ETOOBIG, /* input exceeds a configured maximum */
	CS_EPARSE,  /* malformed input */
	CS_ETRUNC,  /* input ended early */
	CS_EIO,     /* read/write/open failed (errno is set) */
	CS_EPERM,   /* permissions or policy forbid it */
	CS_ENOENT,  /* no such thing */
	CS_ECRYPTO, /* key missing, authentication failed */
	CS_EDB,     /* SQLite failed */
	CS_EINVAL,  /* bad argument */
	CS_ESKIP,   /* input is not for us (not an error for the user) */
	CS_EBUSY,   /* another process holds what is needed */
};

#define CS_PRINTF(a, b) __attribute__((format(printf, a, b)))

struct cs_errbuf {
	char msg[256];
};

/* cs_strerror - fixed text for an error code */
const char *cs_strerror(enum cs_err e);

/* cs_errbuf_set - format a message into eb (NULL eb is allowed) */
void cs_errbuf_set(struct cs_errbuf *eb, const char *fmt, ...) CS_PRINTF(2, 3);

#endif
