/*
 * buf - a length-counted byte buffer with a spare NUL, a mandatory maximum
 * and a sticky error (SQLite StrAccum, curl dynbuf, Postfix VSTRING).
 *
 * Appends never fail loudly: past max (CS_ETOOBIG) the buffer stops growing
 * and remembers the error; check cs_buf_error() once at the end.  The data
 * is always NUL-terminated.  Not thread-safe; owned by its caller.
 */
#ifndef CS_BUF_H
#define CS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct cs_buf {
	char *data;      /* owned unless == stack; NUL-terminated */
	size_t len;      /* bytes used, excluding the NUL */
	size_t cap;      /* bytes allocated, including room for the NUL */
	size_t max;      /* most bytes this buffer may ever hold */
	char *stack;     /* borrowed initial storage, or NULL */
	size_t stacklen; /* bytes of stack */
	enum cs_err err; /* sticky */
};

/* cs_buf_init - start empty, optionally on caller stack storage */
void cs_buf_init(struct cs_buf *b, void *stack, size_t stacklen, size_t max);
/* cs_buf_append - append bytes; sticky CS_ETOOBIG past max */
void cs_buf_append(struct cs_buf *b, const void *p, size_t n);
/*
 * cs_buf_room - room for n more bytes at data + len, for the caller to
 * fill and then count with cs_buf_added; NULL when n more bytes would pass
 * max (the buffer is left as it was) or after an error
 */
char *cs_buf_room(struct cs_buf *b, size_t n);
/* cs_buf_added - count n bytes written into the room cs_buf_room gave */
void cs_buf_added(struct cs_buf *b, size_t n);
/* cs_buf_puts - append a C string */
void cs_buf_puts(struct cs_buf *b, const char *s);
/* cs_buf_putc - append one byte */
void cs_buf_putc(struct cs_buf *b, char c);
/* cs_buf_appendf - append printf output */
void cs_buf_appendf(struct cs_buf *b, const char *fmt, ...) CS_PRINTF(2, 3);
/* cs_buf_json_str - append s as a JSON string literal, quotes included */
void cs_buf_json_str(struct cs_buf *b, const char *s, size_t n);
/* cs_buf_reset - empty the buffer, keep storage, clear the error */
void cs_buf_reset(struct cs_buf *b);
/* cs_buf_error - CS_OK or the first error met */
enum cs_err cs_buf_error(const struct cs_buf *b);
/* cs_buf_release - free owned storage; the buffer is empty afterwards */
void cs_buf_release(struct cs_buf *b);

#endif
