/*
 * ber - a small BER writer and a strict BER reader (ITU-T X.690), the
 * subset the ETSI TS 102 232 handover needs.  Written here rather than
 * taken from a library: no Debian-packaged library offers a strict,
 * allocation-free TLV walker with byte offsets in its errors, and the
 * handover uses a handful of types only.
 *
 * Writer: appends to a struct cs_buf (sticky error, bounded).  Constructed
 * values are opened with ber_begin() (tag and a one-byte length
 * placeholder) and closed with ber_end(), which writes the definite
 * length and moves the contents when the length needs more bytes.  Every
 * length is definite and minimal, every INTEGER minimal two's complement,
 * every tag number in the shortest form.  A bad argument (an OID arc out
 * of range) makes the buffer's sticky error CS_EINVAL.
 *
 * Reader: struct ber_rd is a cursor over base[off..end); offsets in errors
 * are from base (the start of the PDU).  It rejects indefinite lengths,
 * non-minimal lengths and tag numbers, lengths past the end of the
 * enclosing value, trailing bytes (ber_rd_end), non-minimal INTEGERs and
 * malformed OIDs.  Each error names the field the caller passes and the
 * byte offset.  Nothing allocates; values point into the input.
 * Thread-safe: no shared state.
 */
#ifndef CS_LI_BER_H
#define CS_LI_BER_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/time.h"

/* tag classes (the top two bits of the identifier octet) */
#define BER_UNIV 0x00
#define BER_APP 0x40
#define BER_CTX 0x80
#define BER_PRIV 0xc0
#define BER_CONS 0x20 /* constructed bit, or'ed into the class */

/* universal tag numbers used here */
#define BER_T_BOOL 1
#define BER_T_INT 2
#define BER_T_OCTETS 4
#define BER_T_NULL 5
#define BER_T_OID 6
#define BER_T_ENUM 10
#define BER_T_UTF8 12
#define BER_T_RELOID 13
#define BER_T_SEQ 16
#define BER_T_PRINTABLE 19
#define BER_T_IA5 22
#define BER_T_GTIME 24

/* the most arcs an OID may have here */
#define BER_OID_MAX 32

/* --- writer --- */

/* ber_put_tag - identifier octets: cls is BER_UNIV..BER_PRIV | BER_CONS */
void ber_put_tag(struct cs_buf *b, unsigned cls, uint32_t num);
/* ber_put_len - a definite length, minimal form */
void ber_put_len(struct cs_buf *b, size_t len);
/* ber_put_tlv - a whole primitive value */
void ber_put_tlv(
    struct cs_buf *b, unsigned cls, uint32_t num, const void *v, size_t n);
/* ber_begin - open a constructed value; returns the mark for ber_end */
size_t ber_begin(struct cs_buf *b, unsigned cls, uint32_t num);
/* ber_end - close the constructed value opened at mark */
void ber_end(struct cs_buf *b, size_t mark);
/* ber_put_int - INTEGER (or ENUMERATED with its tag), minimal */
void ber_put_int(struct cs_buf *b, unsigned cls, uint32_t num, int64_t v);
/* ber_put_uint - a non-negative INTEGER up to 2^64-1, minimal */
void ber_put_uint(struct cs_buf *b, unsigned cls, uint32_t num, uint64_t v);
/* ber_put_null - NULL */
void ber_put_null(struct cs_buf *b, unsigned cls, uint32_t num);
/*
 * ber_put_oid - OBJECT IDENTIFIER from its arcs, exactly (no arc added or
 * dropped); arcs[0] <= 2, arcs[1] < 40 unless arcs[0] == 2, n >= 2
 */
void ber_put_oid(struct cs_buf *b, unsigned cls, uint32_t num,
    const uint32_t *arcs, size_t n);
/* ber_put_reloid - RELATIVE-OID from its arcs (n >= 1) */
void ber_put_reloid(struct cs_buf *b, unsigned cls, uint32_t num,
    const uint32_t *arcs, size_t n);
/*
 * ber_put_gtime - GeneralizedTime "YYYYMMDDhhmmss[.f*]Z" in UTC, the
 * fraction to the microsecond without trailing zeros (the DER form), none
 * when the instant is a whole second; years 0..9999 only (CS_EINVAL)
 */
void ber_put_gtime(struct cs_buf *b, unsigned cls, uint32_t num, cs_time t);
/* ber_fmt_gtime - the text of ber_put_gtime into out (NUL-terminated);
 * returns its length, 0 if the year is out of range */
size_t ber_fmt_gtime(cs_time t, char out[static 32]);

/* --- reader --- */

struct ber_rd {
	const uint8_t *base; /* borrowed: the start of the outermost value */
	size_t off;          /* next byte to read, from base */
	size_t end;          /* end of the enclosing value, from base */
};

struct ber_tlv {
	unsigned cls;     /* BER_UNIV..BER_PRIV */
	int cons;         /* 1 if constructed */
	uint32_t num;     /* tag number */
	size_t off;       /* offset of the identifier octet, from base */
	size_t voff;      /* offset of the first content byte, from base */
	size_t len;       /* content length */
	const uint8_t *v; /* borrowed: base + voff */
};

/* ber_rd_init - a cursor over p[0..n) */
void ber_rd_init(struct ber_rd *r, const uint8_t *p, size_t n);
/* ber_rd_sub - a cursor over the contents of constructed t */
void ber_rd_sub(
    const struct ber_rd *r, const struct ber_tlv *t, struct ber_rd *sub);
/* ber_rd_more - 1 while bytes remain */
int ber_rd_more(const struct ber_rd *r);
/*
 * ber_rd_next - read the next TLV header (strict); CS_EPARSE/CS_ETRUNC with
 * "FIELD: WHAT at byte N" in eb
 */
enum cs_err ber_rd_next(struct ber_rd *r, struct ber_tlv *t, const char *field,
    struct cs_errbuf *eb);
/* ber_rd_peek - the next TLV header without consuming it; 0 if none or bad */
int ber_rd_peek(const struct ber_rd *r, struct ber_tlv *t);
/*
 * ber_rd_expect - the next TLV must be [cls|cons num]; otherwise CS_EPARSE
 * naming field, what was found and where
 */
enum cs_err ber_rd_expect(struct ber_rd *r, unsigned cls, uint32_t num,
    struct ber_tlv *t, const char *field, struct cs_errbuf *eb);
/* ber_rd_end - no bytes may remain in r (CS_EPARSE naming field) */
enum cs_err ber_rd_end(
    const struct ber_rd *r, const char *field, struct cs_errbuf *eb);

/* value decoders: each checks a primitive t and names field in errors */
enum cs_err ber_get_int(const struct ber_tlv *t, int64_t *out,
    const char *field, struct cs_errbuf *eb);
enum cs_err ber_get_uint(const struct ber_tlv *t, uint64_t max, uint64_t *out,
    const char *field, struct cs_errbuf *eb);
enum cs_err ber_get_null(
    const struct ber_tlv *t, const char *field, struct cs_errbuf *eb);
/* ber_get_oid - arcs of an OBJECT IDENTIFIER (rel: RELATIVE-OID) */
enum cs_err ber_get_oid(const struct ber_tlv *t, int rel, uint32_t *arcs,
    size_t max, size_t *n, const char *field, struct cs_errbuf *eb);
/*
 * ber_get_gtime - GeneralizedTime "YYYYMMDDhhmmss[.f{1,6}]Z" (UTC only,
 * seconds required) as an instant
 */
enum cs_err ber_get_gtime(const struct ber_tlv *t, cs_time *out,
    const char *field, struct cs_errbuf *eb);
/*
 * ber_get_str - a string of min..max bytes into out (NUL-terminated, out
 * has max+1 bytes); kind 0: any octets but NUL, BER_T_PRINTABLE: the
 * PrintableString set, BER_T_UTF8: well-formed UTF-8, BER_T_IA5: 7-bit
 */
enum cs_err ber_get_str(const struct ber_tlv *t, int kind, size_t min,
    size_t max, char *out, const char *field, struct cs_errbuf *eb);

/* ber_utf8_ok - p[0..n) is well-formed UTF-8 (no overlongs, surrogates) */
int ber_utf8_ok(const uint8_t *p, size_t n);
/* ber_printable_ok - p[0..n) is in the X.680 PrintableString set */
int ber_printable_ok(const uint8_t *p, size_t n);

#endif
