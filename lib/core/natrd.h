/*
 * natrd - a bounds-checked reader over bytes (binary input: IPFIX, pcap,
 * sealed NAT rows).  Every read checks the remaining length first and
 * fails with CS_ETRUNC instead of reading past the end; after the first
 * failure every read fails (sticky), so a decoder may check once.
 */
#ifndef CS_NATRD_H
#define CS_NATRD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

struct cs_rd {
	const uint8_t *p; /* borrowed */
	size_t len, off;
	enum cs_err err; /* sticky */
};

static inline void
cs_rd_init(struct cs_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = CS_OK;
}

static inline size_t
cs_rd_left(const struct cs_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

static inline int
cs_rd_need(struct cs_rd *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = CS_ETRUNC;
		return 0;
	}
	return 1;
}

static inline uint8_t
cs_rd_u8(struct cs_rd *r)
{
	if (!cs_rd_need(r, 1))
		return 0;
	return r->p[r->off++];
}

static inline uint16_t
cs_rd_be16(struct cs_rd *r)
{
	uint16_t v;

	if (!cs_rd_need(r, 2))
		return 0;
	v = (uint16_t)((unsigned)r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return v;
}

static inline uint32_t
cs_rd_be32(struct cs_rd *r)
{
	uint32_t v;

	if (!cs_rd_need(r, 4))
		return 0;
	v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	    (uint32_t)r->p[r->off + 2] << 8 | r->p[r->off + 3];
	r->off += 4;
	return v;
}

static inline uint64_t
cs_rd_be64(struct cs_rd *r)
{
	uint64_t hi = cs_rd_be32(r);

	return hi << 32 | cs_rd_be32(r);
}

/* cs_rd_bytes - n bytes as a view (NULL on truncation) */
static inline const uint8_t *
cs_rd_bytes(struct cs_rd *r, size_t n)
{
	const uint8_t *p;

	if (!cs_rd_need(r, n))
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

/* cs_rd_sub - the next n bytes as a reader of their own */
static inline void
cs_rd_sub(struct cs_rd *r, size_t n, struct cs_rd *sub)
{
	const uint8_t *p = cs_rd_bytes(r, n);

	cs_rd_init(sub, p ? p : (const uint8_t *)"", p ? n : 0);
	if (!p)
		sub->err = CS_ETRUNC;
}

/* little-endian readers (pcap files written on little-endian hosts) */
static inline uint16_t
cs_rd_le16(struct cs_rd *r)
{
	uint16_t v;

	if (!cs_rd_need(r, 2))
		return 0;
	v = (uint16_t)(r->p[r->off] | (unsigned)r->p[r->off + 1] << 8);
	r->off += 2;
	return v;
}

static inline uint32_t
cs_rd_le32(struct cs_rd *r)
{
	uint32_t v;

	if (!cs_rd_need(r, 4))
		return 0;
	v = r->p[r->off] | (uint32_t)r->p[r->off + 1] << 8 |
	    (uint32_t)r->p[r->off + 2] << 16 | (uint32_t)r->p[r->off + 3] << 24;
	r->off += 4;
	return v;
}

#endif
