/*
 * span - a borrowed (pointer, length) view of text, and the one number
 * parser.  Every read is bounds-checked; nothing here allocates.
 *
 * Spans never own memory: they are valid while the text they point into is.
 */
#ifndef CS_SPAN_H
#define CS_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

struct cs_span {
	const char *p; /* borrowed */
	size_t len;
};

static inline struct cs_span
cs_span_make(const char *p, size_t len)
{
	struct cs_span s = {p, len};
	return s;
}

static inline struct cs_span
cs_span_cstr(const char *s)
{
	return cs_span_make(s, strlen(s));
}

/*
 * cs_span_eq, cs_span_starts, cs_span_ends - compare with a C string; inline
 * so that the length of a literal is computed by the compiler (these sit
 * on every parser's hot path).
 */
static inline int
cs_span_eq(struct cs_span s, const char *lit)
{
	size_t n = __builtin_strlen(lit);

	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static inline int
cs_span_starts(struct cs_span s, const char *lit)
{
	size_t n = __builtin_strlen(lit);

	return s.len >= n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static inline int
cs_span_ends(struct cs_span s, const char *lit)
{
	size_t n = __builtin_strlen(lit);

	return s.len >= n && (n == 0 || memcmp(s.p + s.len - n, lit, n) == 0);
}
/* cs_span_find - offset of lit in s, or -1 */
long cs_span_find(struct cs_span s, const char *lit);
/* cs_span_chr - offset of c in s, or -1 */
long cs_span_chr(struct cs_span s, char c);

/*
 * cs_span_ltrim, cs_span_trim, cs_span_skip: inline too, for the same
 * reason (several calls per line in every parser).
 */

/* cs_span_blank - space, tab or CR: what the trims strip */
static inline int
cs_span_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* cs_span_ltrim - strip leading blanks */
static inline struct cs_span
cs_span_ltrim(struct cs_span s)
{
	while (s.len && cs_span_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	return s;
}

/* cs_span_trim - strip leading and trailing blanks (space, tab, CR) */
static inline struct cs_span
cs_span_trim(struct cs_span s)
{
	s = cs_span_ltrim(s);
	while (s.len && cs_span_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* cs_span_skip - drop n bytes from the front (at most len) */
static inline struct cs_span
cs_span_skip(struct cs_span s, size_t n)
{
	if (n > s.len)
		n = s.len;
	s.p += n;
	s.len -= n;
	return s;
}

/*
 * cs_span_token - split off the next token ended by sep (sep not included;
 * runs of sep are not merged).  Returns 0 when s was empty.  *s advances
 * past the separator.
 */
int cs_span_token(struct cs_span *s, char sep, struct cs_span *tok);
/* cs_span_word - next blank-separated word (runs of blanks merged) */
int cs_span_word(struct cs_span *s, struct cs_span *tok);
/* cs_span_cut - split s at the first lit: *head before, *tail after; 0 if
 * absent */
int cs_span_cut(struct cs_span s, const char *lit, struct cs_span *head,
    struct cs_span *tail);

/*
 * cs_parse_u64 - the only integer parser: decimal digits only, no sign, no
 * blanks, no trailing bytes, value within [min, max].
 */
enum cs_err cs_parse_u64(
    struct cs_span s, uint64_t min, uint64_t max, uint64_t *out);
/* cs_parse_hexbytes - "0x..." or bare hex into out; CS_ETOOBIG past outlen */
enum cs_err cs_parse_hexbytes(
    struct cs_span s, uint8_t *out, size_t outlen, size_t *n);

#endif
