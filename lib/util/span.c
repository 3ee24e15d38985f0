/* span - bounded text views and the one integer parser */
#include "util/span.h"

long
cs_span_find(struct cs_span s, const char *lit)
{
	size_t n = strlen(lit), i;

	if (n == 0)
		return 0;
	if (n > s.len)
		return -1;
	for (i = 0; i + n <= s.len; i++) {
		const char *q = memchr(s.p + i, lit[0], s.len - n + 1 - i);
		if (q == NULL)
			return -1;
		i = (size_t)(q - s.p);
		if (memcmp(q, lit, n) == 0)
			return (long)i;
	}
	return -1;
}

long
cs_span_chr(struct cs_span s, char c)
{
	const char *q;

	if (s.len == 0)
		return -1;
	q = memchr(s.p, c, s.len);
	return q ? (long)(q - s.p) : -1;
}

int
cs_span_token(struct cs_span *s, char sep, struct cs_span *tok)
{
	long i;

	if (s->len == 0 && s->p == NULL)
		return 0;
	i = cs_span_chr(*s, sep);
	if (i < 0) {
		*tok = *s;
		s->p = NULL;
		s->len = 0;
		return 1;
	}
	*tok = cs_span_make(s->p, (size_t)i);
	*s = cs_span_skip(*s, (size_t)i + 1);
	return 1;
}

int
cs_span_word(struct cs_span *s, struct cs_span *tok)
{
	size_t i = 0;

	*s = cs_span_ltrim(*s);
	if (s->len == 0)
		return 0;
	while (i < s->len && !cs_span_blank(s->p[i]))
		i++;
	*tok = cs_span_make(s->p, i);
	*s = cs_span_skip(*s, i);
	return 1;
}

int
cs_span_cut(struct cs_span s, const char *lit, struct cs_span *head,
    struct cs_span *tail)
{
	long i = cs_span_find(s, lit);

	if (i < 0)
		return 0;
	if (head)
		*head = cs_span_make(s.p, (size_t)i);
	if (tail)
		*tail = cs_span_skip(s, (size_t)i + strlen(lit));
	return 1;
}

enum cs_err
cs_parse_u64(struct cs_span s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.len == 0)
		return CS_EPARSE;
	for (i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return CS_EPARSE;
		if (v > (UINT64_MAX - d) / 10)
			return CS_ETOOBIG;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return CS_ETOOBIG;
	*out = v;
	return CS_OK;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum cs_err
cs_parse_hexbytes(struct cs_span s, uint8_t *out, size_t outlen, size_t *n)
{
	size_t i, k = 0;

	if (cs_span_starts(s, "0x") || cs_span_starts(s, "0X"))
		s = cs_span_skip(s, 2);
	if (s.len % 2)
		return CS_EPARSE;
	if (s.len / 2 > outlen)
		return CS_ETOOBIG;
	for (i = 0; i < s.len; i += 2) {
		int hi = hexval(s.p[i]), lo = hexval(s.p[i + 1]);
		if (hi < 0 || lo < 0)
			return CS_EPARSE;
		out[k++] = (uint8_t)(hi << 4 | lo);
	}
	*n = k;
	return CS_OK;
}
