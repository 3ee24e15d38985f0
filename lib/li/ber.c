/*
 * ber - the BER writer and the strict BER reader (X.690 clause 8; the
 * minimal-length rules of DER clause 10.1 are enforced on both sides).
 */
#include <string.h>

#include "li/ber.h"

/* --- writer --- */

void
ber_put_tag(struct cs_buf *b, unsigned cls, uint32_t num)
{
	uint8_t t[6];
	size_t n = 0, i;

	if (num < 31) {
		cs_buf_putc(b, (char)(cls | num));
		return;
	}
	t[n++] = (uint8_t)(cls | 0x1f);
	for (i = 5; i > 0; i--) {
		uint8_t g = (uint8_t)(num >> (7 * (i - 1)) & 0x7f);
		if (g == 0 && n == 1 && i > 1)
			continue; /* no leading zero groups */
		t[n++] = (uint8_t)(g | (i > 1 ? 0x80 : 0));
	}
	cs_buf_append(b, t, n);
}

/* len_size - octets of the length field for len */
static size_t
len_size(size_t len)
{
	size_t n = 1;

	if (len < 0x80)
		return 1;
	while (len) {
		n++;
		len >>= 8;
	}
	return n;
}

/* put_len_at - write the length field of len at p (len_size(len) bytes) */
static void
put_len_at(uint8_t *p, size_t len)
{
	size_t k = len_size(len), i;

	if (k == 1) {
		p[0] = (uint8_t)len;
		return;
	}
	p[0] = (uint8_t)(0x80 | (k - 1));
	for (i = 1; i < k; i++)
		p[i] = (uint8_t)(len >> (8 * (k - 1 - i)));
}

void
ber_put_len(struct cs_buf *b, size_t len)
{
	uint8_t l[9];

	put_len_at(l, len);
	cs_buf_append(b, l, len_size(len));
}

void
ber_put_tlv(
    struct cs_buf *b, unsigned cls, uint32_t num, const void *v, size_t n)
{
	ber_put_tag(b, cls, num);
	ber_put_len(b, n);
	cs_buf_append(b, v, n);
}

size_t
ber_begin(struct cs_buf *b, unsigned cls, uint32_t num)
{
	ber_put_tag(b, cls | BER_CONS, num);
	cs_buf_putc(b, 0); /* length placeholder: one byte */
	return b->len;
}

void
ber_end(struct cs_buf *b, size_t mark)
{
	size_t len, k;
	uint8_t *p;

	if (b->err != CS_OK || mark < 1 || mark > b->len)
		return;
	len = b->len - mark;
	k = len_size(len);
	if (k > 1) {
		static const uint8_t zero[8];

		cs_buf_append(b, zero, k - 1);
		if (b->err != CS_OK)
			return;
		p = (uint8_t *)b->data;
		memmove(p + mark + k - 1, p + mark, len);
	}
	p = (uint8_t *)b->data;
	put_len_at(p + mark - 1, len);
}

void
ber_put_int(struct cs_buf *b, unsigned cls, uint32_t num, int64_t v)
{
	uint8_t c[8];
	size_t n = 8, i;
	uint64_t u = (uint64_t)v;

	for (i = 0; i < 8; i++)
		c[7 - i] = (uint8_t)(u >> (8 * i));
	/* drop a leading byte while the next one keeps the sign */
	i = 0;
	while (n - i > 1 &&
	    ((c[i] == 0x00 && !(c[i + 1] & 0x80)) ||
		(c[i] == 0xff && (c[i + 1] & 0x80))))
		i++;
	ber_put_tlv(b, cls, num, c + i, n - i);
}

void
ber_put_uint(struct cs_buf *b, unsigned cls, uint32_t num, uint64_t v)
{
	uint8_t c[9];
	size_t i;

	c[0] = 0;
	for (i = 0; i < 8; i++)
		c[8 - i] = (uint8_t)(v >> (8 * i));
	i = 0;
	while (i < 8 && c[i] == 0 && !(c[i + 1] & 0x80))
		i++;
	ber_put_tlv(b, cls, num, c + i, 9 - i);
}

void
ber_put_null(struct cs_buf *b, unsigned cls, uint32_t num)
{
	ber_put_tlv(b, cls, num, NULL, 0);
}

/* put_subid - one base-128 subidentifier into p; returns its length */
static size_t
put_subid(uint8_t *p, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0, i;

	do {
		t[n++] = (uint8_t)(v & 0x7f);
		v >>= 7;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(t[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
	return n;
}

static void
put_oid(struct cs_buf *b, unsigned cls, uint32_t num, const uint32_t *arcs,
    size_t n, int rel)
{
	uint8_t c[BER_OID_MAX * 10];
	size_t len = 0, i = 0;

	if (n > BER_OID_MAX || n < (rel ? 1u : 2u)) {
		b->err = b->err ? b->err : CS_EINVAL;
		return;
	}
	if (!rel) {
		if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) {
			b->err = b->err ? b->err : CS_EINVAL;
			return;
		}
		len += put_subid(c, (uint64_t)arcs[0] * 40 + arcs[1]);
		i = 2;
	}
	for (; i < n; i++)
		len += put_subid(c + len, arcs[i]);
	ber_put_tlv(b, cls, num, c, len);
}

void
ber_put_oid(struct cs_buf *b, unsigned cls, uint32_t num, const uint32_t *arcs,
    size_t n)
{
	put_oid(b, cls, num, arcs, n, 0);
}

void
ber_put_reloid(struct cs_buf *b, unsigned cls, uint32_t num,
    const uint32_t *arcs, size_t n)
{
	put_oid(b, cls, num, arcs, n, 1);
}

static char *
put_digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

size_t
ber_fmt_gtime(cs_time t, char out[static 32])
{
	struct cs_civil c;
	char *p = out;
	int us, nd = 6;

	out[0] = '\0';
	if (t == CS_TIME_NONE)
		return 0;
	cs_civil_from_time(t, &c);
	if (c.year < 0 || c.year > 9999)
		return 0;
	p = put_digits(p, c.year, 4);
	p = put_digits(p, c.mon, 2);
	p = put_digits(p, c.day, 2);
	p = put_digits(p, c.hour, 2);
	p = put_digits(p, c.min, 2);
	p = put_digits(p, c.sec, 2);
	if (c.usec) {
		us = c.usec;
		while (us % 10 == 0) { /* DER: no trailing zeros */
			us /= 10;
			nd--;
		}
		*p++ = '.';
		p = put_digits(p, us, nd);
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

void
ber_put_gtime(struct cs_buf *b, unsigned cls, uint32_t num, cs_time t)
{
	char s[32];
	size_t n = ber_fmt_gtime(t, s);

	if (n == 0) {
		b->err = b->err ? b->err : CS_EINVAL;
		return;
	}
	ber_put_tlv(b, cls, num, s, n);
}

/* --- reader --- */

static const char *const cls_name[] = {
    "UNIVERSAL ", "APPLICATION ", "", "PRIVATE "};

void
ber_rd_init(struct ber_rd *r, const uint8_t *p, size_t n)
{
	r->base = p;
	r->off = 0;
	r->end = n;
}

void
ber_rd_sub(const struct ber_rd *r, const struct ber_tlv *t, struct ber_rd *sub)
{
	sub->base = r->base;
	sub->off = t->voff;
	sub->end = t->voff + t->len;
}

int
ber_rd_more(const struct ber_rd *r)
{
	return r->off < r->end;
}

/*
 * parse_hdr - the TLV header at r->off; 0 ok, else an error with what
 * and where (offset) filled in
 */
static enum cs_err
parse_hdr(
    const struct ber_rd *r, struct ber_tlv *t, const char **what, size_t *where)
{
	const uint8_t *p = r->base;
	size_t i = r->off, end = r->end, len, k, j;
	uint8_t id;

	*where = i;
	if (i >= end) {
		*what = "value missing (end of its enclosing value)";
		return CS_ETRUNC;
	}
	id = p[i++];
	t->off = r->off;
	t->cls = id & 0xc0;
	t->cons = (id & BER_CONS) != 0;
	t->num = id & 0x1f;
	if (t->num == 0x1f) {
		uint32_t num = 0;

		*where = i;
		if (i >= end) {
			*what = "tag number cut short";
			return CS_ETRUNC;
		}
		if (p[i] == 0x80) {
			*what = "tag number with a leading zero group";
			return CS_EPARSE;
		}
		for (k = 0;; k++) {
			if (i >= end) {
				*what = "tag number cut short";
				return CS_ETRUNC;
			}
			if (k >= 4) {
				*what = "tag number too large";
				return CS_EPARSE;
			}
			num = num << 7 | (p[i] & 0x7f);
			if (!(p[i++] & 0x80))
				break;
		}
		if (num < 31) {
			*what = "tag number below 31 in the long form";
			return CS_EPARSE;
		}
		t->num = num;
	}
	*where = i;
	if (i >= end) {
		*what = "length missing";
		return CS_ETRUNC;
	}
	if (p[i] < 0x80) {
		len = p[i++];
	} else if (p[i] == 0x80) {
		*what = "indefinite length (only definite lengths are allowed)";
		return CS_EPARSE;
	} else {
		k = p[i++] & 0x7f;
		if (k > 4) {
			*what = "length field longer than 4 bytes";
			return CS_EPARSE;
		}
		if (end - i < k) {
			*what = "length field cut short";
			return CS_ETRUNC;
		}
		if (p[i] == 0) {
			*what = "non-minimal length (leading zero byte)";
			return CS_EPARSE;
		}
		len = 0;
		for (j = 0; j < k; j++)
			len = len << 8 | p[i++];
		if (len < 0x80) {
			*what = "non-minimal length (long form below 128)";
			return CS_EPARSE;
		}
	}
	if (len > end - i) {
		*what = "length runs past the end of its enclosing value";
		return CS_ETRUNC;
	}
	t->voff = i;
	t->len = len;
	t->v = p + i;
	return CS_OK;
}

enum cs_err
ber_rd_next(struct ber_rd *r, struct ber_tlv *t, const char *field,
    struct cs_errbuf *eb)
{
	const char *what;
	size_t where;
	enum cs_err e = parse_hdr(r, t, &what, &where);

	if (e != CS_OK) {
		cs_errbuf_set(eb, "%s: %s at byte %zu", field, what, where);
		return e;
	}
	r->off = t->voff + t->len;
	return CS_OK;
}

int
ber_rd_peek(const struct ber_rd *r, struct ber_tlv *t)
{
	const char *what;
	size_t where;

	return parse_hdr(r, t, &what, &where) == CS_OK;
}

enum cs_err
ber_rd_expect(struct ber_rd *r, unsigned cls, uint32_t num, struct ber_tlv *t,
    const char *field, struct cs_errbuf *eb)
{
	enum cs_err e = ber_rd_next(r, t, field, eb);
	int cons = (cls & BER_CONS) != 0;

	if (e != CS_OK)
		return e;
	if (t->cls != (cls & 0xc0) || t->num != num || t->cons != cons) {
		cs_errbuf_set(eb,
		    "%s: expected %s[%u] %s, found %s[%u] %s at byte %zu",
		    field, cls_name[(cls & 0xc0) >> 6], (unsigned)num,
		    cons ? "constructed" : "primitive", cls_name[t->cls >> 6],
		    (unsigned)t->num, t->cons ? "constructed" : "primitive",
		    t->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

enum cs_err
ber_rd_end(const struct ber_rd *r, const char *field, struct cs_errbuf *eb)
{
	if (r->off != r->end) {
		cs_errbuf_set(eb,
		    "%s: %zu unexpected trailing bytes at byte %zu", field,
		    r->end - r->off, r->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

static enum cs_err
need_prim(const struct ber_tlv *t, const char *field, struct cs_errbuf *eb)
{
	if (t->cons) {
		cs_errbuf_set(eb,
		    "%s: constructed where a primitive value is required at "
		    "byte %zu",
		    field, t->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

enum cs_err
ber_get_int(const struct ber_tlv *t, int64_t *out, const char *field,
    struct cs_errbuf *eb)
{
	uint64_t u;
	size_t i;

	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	if (t->len == 0) {
		cs_errbuf_set(
		    eb, "%s: empty INTEGER at byte %zu", field, t->off);
		return CS_EPARSE;
	}
	if (t->len > 1 &&
	    ((t->v[0] == 0 && !(t->v[1] & 0x80)) ||
		(t->v[0] == 0xff && (t->v[1] & 0x80)))) {
		cs_errbuf_set(
		    eb, "%s: non-minimal INTEGER at byte %zu", field, t->voff);
		return CS_EPARSE;
	}
	if (t->len > 8) {
		cs_errbuf_set(
		    eb, "%s: INTEGER out of range at byte %zu", field, t->voff);
		return CS_EPARSE;
	}
	u = (t->v[0] & 0x80) ? UINT64_MAX : 0;
	for (i = 0; i < t->len; i++)
		u = u << 8 | t->v[i];
	*out = (int64_t)u;
	return CS_OK;
}

enum cs_err
ber_get_uint(const struct ber_tlv *t, uint64_t max, uint64_t *out,
    const char *field, struct cs_errbuf *eb)
{
	uint64_t u = 0;
	size_t i;

	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	if (t->len == 0) {
		cs_errbuf_set(
		    eb, "%s: empty INTEGER at byte %zu", field, t->off);
		return CS_EPARSE;
	}
	if (t->len > 1 &&
	    ((t->v[0] == 0 && !(t->v[1] & 0x80)) ||
		(t->v[0] == 0xff && (t->v[1] & 0x80)))) {
		cs_errbuf_set(
		    eb, "%s: non-minimal INTEGER at byte %zu", field, t->voff);
		return CS_EPARSE;
	}
	if (t->v[0] & 0x80) {
		cs_errbuf_set(
		    eb, "%s: negative INTEGER at byte %zu", field, t->voff);
		return CS_EPARSE;
	}
	if (t->len > 9 || (t->len == 9 && t->v[0] != 0)) {
		cs_errbuf_set(
		    eb, "%s: INTEGER out of range at byte %zu", field, t->voff);
		return CS_EPARSE;
	}
	for (i = 0; i < t->len; i++)
		u = u << 8 | t->v[i];
	if (u > max) {
		cs_errbuf_set(eb, "%s: INTEGER %llu above %llu at byte %zu",
		    field, (unsigned long long)u, (unsigned long long)max,
		    t->voff);
		return CS_EPARSE;
	}
	*out = u;
	return CS_OK;
}

enum cs_err
ber_get_null(const struct ber_tlv *t, const char *field, struct cs_errbuf *eb)
{
	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	if (t->len != 0) {
		cs_errbuf_set(eb, "%s: NULL with %zu content bytes at byte %zu",
		    field, t->len, t->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

enum cs_err
ber_get_oid(const struct ber_tlv *t, int rel, uint32_t *arcs, size_t max,
    size_t *n, const char *field, struct cs_errbuf *eb)
{
	size_t i = 0, k = 0;
	const char *kind = rel ? "RELATIVE-OID" : "OBJECT IDENTIFIER";

	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	if (t->len == 0) {
		cs_errbuf_set(
		    eb, "%s: empty %s at byte %zu", field, kind, t->off);
		return CS_EPARSE;
	}
	while (i < t->len) {
		uint64_t v = 0;
		size_t start = i;

		if (t->v[i] == 0x80) {
			cs_errbuf_set(eb,
			    "%s: %s subidentifier with a leading zero group at "
			    "byte %zu",
			    field, kind, t->voff + i);
			return CS_EPARSE;
		}
		for (;;) {
			if (i >= t->len) {
				cs_errbuf_set(eb,
				    "%s: %s subidentifier cut short at byte "
				    "%zu",
				    field, kind, t->voff + start);
				return CS_EPARSE;
			}
			if (i - start >= 5) {
				cs_errbuf_set(eb,
				    "%s: %s arc too large at byte %zu", field,
				    kind, t->voff + start);
				return CS_EPARSE;
			}
			v = v << 7 | (t->v[i] & 0x7f);
			if (!(t->v[i++] & 0x80))
				break;
		}
		if (k + (!rel && k == 0 ? 2 : 1) > max) {
			cs_errbuf_set(eb,
			    "%s: %s with more than %zu arcs at "
			    "byte %zu",
			    field, kind, max, t->voff + start);
			return CS_EPARSE;
		}
		if (!rel && k == 0) {
			uint64_t a0 = v < 40 ? 0 : v < 80 ? 1 : 2;
			if (v - a0 * 40 > UINT32_MAX) {
				cs_errbuf_set(eb,
				    "%s: %s arc too large at byte %zu", field,
				    kind, t->voff + start);
				return CS_EPARSE;
			}
			arcs[k++] = (uint32_t)a0;
			arcs[k++] = (uint32_t)(v - a0 * 40);
		} else {
			if (v > UINT32_MAX) {
				cs_errbuf_set(eb,
				    "%s: %s arc too large at byte %zu", field,
				    kind, t->voff + start);
				return CS_EPARSE;
			}
			arcs[k++] = (uint32_t)v;
		}
	}
	*n = k;
	return CS_OK;
}

/* num2 - n decimal digits at s, or -1 */
static int
num_at(const uint8_t *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

enum cs_err
ber_get_gtime(const struct ber_tlv *t, cs_time *out, const char *field,
    struct cs_errbuf *eb)
{
	struct cs_civil c;
	const uint8_t *s = t->v;
	size_t n = t->len, i = 14, nd;

	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	memset(&c, 0, sizeof(c));
	if (n < 15 || s[n - 1] != 'Z')
		goto bad;
	c.year = num_at(s, 4);
	c.mon = num_at(s + 4, 2);
	c.day = num_at(s + 6, 2);
	c.hour = num_at(s + 8, 2);
	c.min = num_at(s + 10, 2);
	c.sec = num_at(s + 12, 2);
	if (c.year < 0 || c.mon < 0 || c.day < 0 || c.hour < 0 || c.min < 0 ||
	    c.sec < 0)
		goto bad;
	if (s[i] == '.' || s[i] == ',') {
		i++;
		nd = n - 1 - i;
		if (nd < 1 || nd > 6 || num_at(s + i, nd) < 0)
			goto bad;
		c.usec = num_at(s + i, nd);
		for (; nd < 6; nd++)
			c.usec *= 10;
		i = n - 1;
	}
	if (i != n - 1 || c.sec > 59)
		goto bad;
	if (cs_time_from_civil_utc(&c, out) != CS_OK)
		goto bad;
	return CS_OK;
bad:
	cs_errbuf_set(eb,
	    "%s: not a UTC GeneralizedTime YYYYMMDDhhmmss[.ffffff]Z at byte "
	    "%zu",
	    field, t->voff);
	return CS_EPARSE;
}

int
ber_utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

int
ber_printable_ok(const uint8_t *p, size_t n)
{
	static const char extra[] = " '()+,-./:=?";
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (c == 0 || memchr(extra, c, sizeof(extra) - 1) == NULL)
			return 0;
	}
	return 1;
}

enum cs_err
ber_get_str(const struct ber_tlv *t, int kind, size_t min, size_t max,
    char *out, const char *field, struct cs_errbuf *eb)
{
	size_t i;

	if (need_prim(t, field, eb) != CS_OK)
		return CS_EPARSE;
	if (t->len < min || t->len > max) {
		cs_errbuf_set(eb,
		    "%s: %zu bytes, allowed %zu..%zu, at byte %zu", field,
		    t->len, min, max, t->off);
		return CS_EPARSE;
	}
	if (memchr(t->v, 0, t->len) != NULL) {
		cs_errbuf_set(eb, "%s: NUL byte at byte %zu", field,
		    t->voff +
			(size_t)((const uint8_t *)memchr(t->v, 0, t->len) -
			    t->v));
		return CS_EPARSE;
	}
	switch (kind) {
	case BER_T_PRINTABLE:
		if (!ber_printable_ok(t->v, t->len)) {
			cs_errbuf_set(eb,
			    "%s: character outside PrintableString at byte %zu",
			    field, t->voff);
			return CS_EPARSE;
		}
		break;
	case BER_T_UTF8:
		if (!ber_utf8_ok(t->v, t->len)) {
			cs_errbuf_set(eb, "%s: malformed UTF-8 at byte %zu",
			    field, t->voff);
			return CS_EPARSE;
		}
		break;
	case BER_T_IA5:
		for (i = 0; i < t->len; i++)
			if (t->v[i] & 0x80) {
				cs_errbuf_set(eb,
				    "%s: non-IA5 byte at byte %zu", field,
				    t->voff + i);
				return CS_EPARSE;
			}
		break;
	default:
		break;
	}
	memcpy(out, t->v, t->len);
	out[t->len] = '\0';
	return CS_OK;
}
