/* buf - bounded growable buffer with sticky error */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static char empty[1];

void
cs_buf_init(struct cs_buf *b, void *stack, size_t stacklen, size_t max)
{
	b->stack = stack;
	b->stacklen = stacklen;
	b->err = CS_OK;
	b->len = 0;
	b->max = max;
	if (stack != NULL && stacklen > 0) {
		b->data = stack;
		b->cap = stacklen;
		b->data[0] = '\0';
	} else {
		b->stack = NULL;
		b->data = empty;
		b->cap = 0;
	}
}

/* reserve - make room for n more bytes plus the NUL; the one growth check */
static int
reserve(struct cs_buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->err != CS_OK)
		return 0;
	if (n > b->max || b->len > b->max - n) {
		b->err = CS_ETOOBIG;
		return 0;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 1;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if (b->data == b->stack || b->data == empty) {
		p = malloc(ncap);
		if (p != NULL && b->len)
			memcpy(p, b->data, b->len);
	} else {
		p = realloc(b->data, ncap);
	}
	if (p == NULL) {
		b->err = CS_ENOMEM;
		return 0;
	}
	b->data = p;
	b->cap = ncap;
	return 1;
}

void
cs_buf_append(struct cs_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

char *
cs_buf_room(struct cs_buf *b, size_t n)
{
	if (b->err != CS_OK || n > b->max || b->len > b->max - n)
		return NULL;
	if (!reserve(b, n))
		return NULL;
	return b->data + b->len;
}

void
cs_buf_added(struct cs_buf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

void
cs_buf_puts(struct cs_buf *b, const char *s)
{
	cs_buf_append(b, s, strlen(s));
}

void
cs_buf_putc(struct cs_buf *b, char c)
{
	cs_buf_append(b, &c, 1);
}

void
cs_buf_appendf(struct cs_buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (b->err == CS_OK)
			b->err = CS_EINVAL;
		return;
	}
	if ((size_t)n < sizeof(tmp)) {
		cs_buf_append(b, tmp, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
cs_buf_json_str(struct cs_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	cs_buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		cs_buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			cs_buf_append(b, "\\\"", 2);
			break;
		case '\\':
			cs_buf_append(b, "\\\\", 2);
			break;
		case '\n':
			cs_buf_append(b, "\\n", 2);
			break;
		case '\r':
			cs_buf_append(b, "\\r", 2);
			break;
		case '\t':
			cs_buf_append(b, "\\t", 2);
			break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			cs_buf_append(b, esc, 6);
		}
	}
	cs_buf_append(b, s + run, n - run);
	cs_buf_putc(b, '"');
}

void
cs_buf_reset(struct cs_buf *b)
{
	b->len = 0;
	b->err = CS_OK;
	if (b->cap)
		b->data[0] = '\0';
}

enum cs_err
cs_buf_error(const struct cs_buf *b)
{
	return b->err;
}

void
cs_buf_release(struct cs_buf *b)
{
	if (b->data != b->stack && b->data != empty)
		free(b->data);
	cs_buf_init(b, b->stack, b->stacklen, b->max);
}
