/* lz - LZ4-block-format compressor and checked decoder */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/lz.h"
#include "util/xmalloc.h"

#define MINMATCH 4
#define HASH_BITS 12
#define MAXOFF 65535

static uint32_t
read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint32_t
hash4(uint32_t v, int bits)
{
	return (v * 2654435761u) >> (32 - bits);
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDWISE 1
static uint64_t
read64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}
#endif

/* put_len - the rest of a length past 15: 255s, then what remains */
static uint8_t *
put_len(uint8_t *d, size_t n)
{
	while (n >= 255) {
		*d++ = 255;
		n -= 255;
	}
	*d++ = (uint8_t)n;
	return d;
}

/* emit - one sequence at d: nlit literals, then (when mlen) a match */
static uint8_t *
emit(uint8_t *d, const uint8_t *lit, size_t nlit, size_t off, size_t mlen)
{
	size_t ml = mlen ? mlen - MINMATCH : 0;
	uint8_t tok = (uint8_t)((nlit < 15 ? nlit : 15) << 4);

	if (mlen)
		tok |= (uint8_t)(ml < 15 ? ml : 15);
	*d++ = tok;
	if (nlit >= 15)
		d = put_len(d, nlit - 15);
	memcpy(d, lit, nlit);
	d += nlit;
	if (mlen == 0)
		return d;
	*d++ = (uint8_t)(off & 0xff);
	*d++ = (uint8_t)(off >> 8);
	if (ml >= 15)
		d = put_len(d, ml - 15);
	return d;
}

/*
 * match_len - how far in[m..] repeats at in[i..] (m < i), at least
 * MINMATCH, never past n.  Eight bytes at a time where the machine allows:
 * the first differing byte is the lowest set byte of their XOR.
 */
static size_t
match_len(const uint8_t *in, size_t m, size_t i, size_t n)
{
	size_t len = MINMATCH;

#ifdef WORDWISE
	while (n - i - len >= 8) {
		uint64_t x = read64(in + m + len) ^ read64(in + i + len);
		if (x)
			return len + (size_t)__builtin_ctzll(x) / 8;
		len += 8;
	}
#endif
	while (i + len < n && in[m + len] == in[i + len])
		len++;
	return len;
}

/*
 * compress - the stream of in[0..n) into dst, which has room for
 * LZ_BOUND(n) bytes; returns its length.  Each sequence with a match
 * writes at most its literals and their length bytes, less one; the last
 * one adds two: n + n / 255 + 2 at most.
 */
#define LZ_BOUND(n) ((n) + (n) / 255 + 16)

static size_t
compress(const uint8_t *in, size_t n, uint8_t *dst)
{
	uint32_t tab[1 << HASH_BITS]; /* position + 1 of a 4-byte prefix */
	uint8_t *d = dst;
	size_t i = 0, anchor = 0, miss = 0;
	int bits = 8;

	/* a table about the size of the input: most inputs are a few
	   hundred bytes, and clearing 16 KiB for each cost more than the
	   matching */
	while (bits < HASH_BITS && ((size_t)1 << bits) < n)
		bits++;
	memset(tab, 0, sizeof(tab[0]) << bits);
	while (n >= MINMATCH && i <= n - MINMATCH && i < UINT32_MAX - 1) {
		uint32_t v = read32(in + i), h = hash4(v, bits);
		size_t cand = tab[h];
		tab[h] = (uint32_t)(i + 1);
		if (cand && i - (cand - 1) <= MAXOFF &&
		    read32(in + cand - 1) == v) {
			size_t m = cand - 1, len = match_len(in, m, i, n);
			d = emit(d, in + anchor, i - anchor, i - m, len);
			i += len;
			anchor = i;
			miss = 0;
			continue;
		}
		/* a stretch without matches (hex ids, counters) is crossed in
		   growing steps */
		i += 1 + (miss++ >> 5);
	}
	d = emit(d, in + anchor, n - anchor, 0, 0);
	return (size_t)(d - dst);
}

void
cs_lz_compress(const void *src, size_t n, struct cs_buf *out)
{
	uint8_t *d;
	size_t k;

	/* written in place: the stream is at most LZ_BOUND(n) bytes */
	d = (uint8_t *)cs_buf_room(out, LZ_BOUND(n));
	if (d != NULL) {
		cs_buf_added(out, compress(src, n, d));
		return;
	}
	if (cs_buf_error(out) != CS_OK)
		return;
	/* near the buffer's limit: through a copy, so that only the stream
	   itself passing it is an error */
	d = cs_xmalloc(LZ_BOUND(n));
	k = compress(src, n, d);
	cs_buf_append(out, d, k);
	explicit_bzero(d, k);
	free(d);
}

/* get_len - add the extension bytes of a length; 0 if past limit or end */
static int
get_len(const uint8_t **pp, const uint8_t *end, size_t *len, size_t limit)
{
	const uint8_t *p = *pp;
	uint8_t c;

	do {
		if (p >= end)
			return 0;
		c = *p++;
		*len += c;
		if (*len > limit)
			return 0;
	} while (c == 255);
	*pp = p;
	return 1;
}

enum cs_err
cs_lz_decompress(const void *src, size_t n, size_t rawlen, struct cs_buf *out)
{
	const uint8_t *p = src, *end = p + n;
	uint8_t *dst;
	size_t o = 0, lit, mlen, off, k;
	uint8_t tok;

	/* a sequence of 3 bytes yields at most about 255 times as much */
	if (rawlen > CS_LZ_MAXRAW || rawlen / 256 > n)
		return CS_EPARSE;
	dst = cs_xmalloc(rawlen ? rawlen : 1);
	for (;;) {
		if (p >= end)
			goto bad;
		tok = *p++;
		lit = tok >> 4;
		if (lit == 15 && !get_len(&p, end, &lit, rawlen))
			goto bad;
		if (lit > (size_t)(end - p) || lit > rawlen - o)
			goto bad;
		memcpy(dst + o, p, lit);
		o += lit;
		p += lit;
		if (p == end)
			break; /* the last sequence: literals only */
		if (end - p < 2)
			goto bad;
		off = (size_t)p[0] | (size_t)p[1] << 8;
		p += 2;
		if (off == 0 || off > o)
			goto bad;
		mlen = tok & 15;
		if (mlen == 15 && !get_len(&p, end, &mlen, rawlen))
			goto bad;
		mlen += MINMATCH;
		if (mlen > rawlen - o)
			goto bad;
		for (k = 0; k < mlen; k++) /* may overlap: byte by byte */
			dst[o + k] = dst[o - off + k];
		o += mlen;
	}
	if (o != rawlen)
		goto bad;
	cs_buf_append(out, dst, rawlen);
	explicit_bzero(dst, rawlen);
	free(dst);
	return cs_buf_error(out);
bad:
	explicit_bzero(dst, rawlen);
	free(dst);
	return CS_EPARSE;
}
