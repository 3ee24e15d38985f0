/* lz_test - the store's compressor and the packed binding records */
#include <stdint.h>
#include <stdlib.h>

#include "t.h"
#include "core/binding.h"
#include "core/lz.h"

static const char detail[] =
    "Sun Nov 22 00:17:28 2026\n"
    "\tAcct-Status-Type = Interim-Update\n"
    "\tUser-Name = \"u000405@isp.example\"\n"
    "\tAcct-Session-Id = \"1633399B\"\n"
    "\tNAS-IP-Address = 192.0.2.2\n"
    "\tFramed-IP-Address = 100.64.1.164\n"
    "\tCalling-Station-Id = \"02:5c:c8:28:4f:6e\"\n"
    "\tAcct-Unique-Session-Id = \"8591569c44f4e793abfd85b8d04148c5\"\n"
    "\tTimestamp = 1795306648\n";

/* roundtrip - compress n bytes, decode them back; the compressed size */
static size_t
roundtrip(const void *p, size_t n)
{
	struct cs_buf c, d;
	size_t clen;

	cs_buf_init(&c, NULL, 0, CS_LZ_MAXRAW);
	cs_buf_init(&d, NULL, 0, CS_LZ_MAXRAW);
	cs_lz_compress(p, n, &c);
	T_EQ_INT(cs_lz_decompress(c.data, c.len, n, &d), CS_OK);
	T_EQ_INT(d.len, n);
	T_CHECK(d.len == n && (n == 0 || memcmp(d.data, p, n) == 0));
	clen = c.len;
	cs_buf_release(&c);
	cs_buf_release(&d);
	return clen;
}

static void
test_roundtrip(void)
{
	static uint8_t big[200000];
	uint64_t x = 88172645463325252ULL;
	size_t i, n;

	T_EQ_INT(roundtrip("", 0), 1);
	T_EQ_INT(roundtrip("a", 1), 2);
	T_EQ_INT(roundtrip("abcd", 4), 5);
	/* a detail record three times: the copies cost a few bytes each */
	{
		char three[3 * sizeof(detail)];
		for (i = 0; i < 3; i++)
			memcpy(three + i * (sizeof(detail) - 1), detail,
			    sizeof(detail) - 1);
		n = 3 * (sizeof(detail) - 1);
		T_CHECK(roundtrip(three, n) < sizeof(detail));
	}
	/* runs longer than 15 and 270 (extended lengths), overlapping */
	memset(big, 'x', 5000);
	T_CHECK(roundtrip(big, 5000) < 40);
	/* random bytes: no match, literal counts past 255 */
	for (i = 0; i < sizeof(big); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (uint8_t)x;
	}
	T_CHECK(roundtrip(big, sizeof(big)) <=
	    sizeof(big) + sizeof(big) / 200 + 16);
	/* repeats farther back than the 64 KiB window, and nearer */
	memcpy(big + 150000, big, 20000);
	memcpy(big + 90000, big + 80000, 3000);
	roundtrip(big, sizeof(big));
}

static void
test_damaged(void)
{
	struct cs_buf c, d;
	size_t i, n = sizeof(detail) - 1;
	int refused = 0;

	cs_buf_init(&c, NULL, 0, CS_LZ_MAXRAW);
	cs_buf_init(&d, NULL, 0, CS_LZ_MAXRAW);
	cs_lz_compress(detail, n, &c);
	/* a wrong length, either way */
	T_EQ_INT(cs_lz_decompress(c.data, c.len, n - 1, &d), CS_EPARSE);
	T_EQ_INT(cs_lz_decompress(c.data, c.len, n + 1, &d), CS_EPARSE);
	T_EQ_INT(d.len, 0);
	/* every truncation is refused, never read past */
	for (i = 0; i < c.len; i++)
		refused += cs_lz_decompress(c.data, i, n, &d) == CS_EPARSE;
	T_EQ_INT(refused, (long long)c.len);
	T_EQ_INT(d.len, 0);
	/* an offset before the start; offset 0 */
	T_EQ_INT(cs_lz_decompress("\x10"
				  "a\x02\x00",
		     4, 5, &d),
	    CS_EPARSE);
	T_EQ_INT(cs_lz_decompress("\x10"
				  "a\x00\x00",
		     4, 5, &d),
	    CS_EPARSE);
	/* offset 1 repeats the last byte (overlapping copy) */
	T_EQ_INT(cs_lz_decompress("\x10"
				  "a\x01\x00\x00",
		     5, 5, &d),
	    CS_OK);
	T_EQ_SPAN(cs_span_make(d.data, d.len), "aaaaa");
	/* an absurd declared length is refused before allocating */
	T_EQ_INT(cs_lz_decompress("\x00", 1, CS_LZ_MAXRAW + 1, &d), CS_EPARSE);
	T_EQ_INT(cs_lz_decompress("\x00", 1, 100000, &d), CS_EPARSE);
	cs_buf_release(&c);
	cs_buf_release(&d);
}

static void
test_packed_binding(void)
{
	struct cs_obs o;
	struct cs_binding *b, *c = NULL, *bad = NULL;
	struct cs_buf plain, packed, tmp, again;

	cs_obs_init(&o);
	o.kind = CS_OBS_OPEN;
	o.src = CS_SRC_RADIUS;
	o.key = cs_span_cstr("radius|8591569c44f4e793abfd85b8d04148c5");
	o.time = 1795306648LL * CS_US;
	o.naddr = 1;
	cs_addr_parse(cs_span_cstr("100.64.1.164"), &o.addr[0]);
	o.username = cs_span_cstr("u000405@isp.example");
	o.raw = cs_span_cstr(detail);
	b = cs_binding_new(o.key, CS_SRC_RADIUS);
	cs_binding_merge(b, &o);
	o.time += 3600 * CS_US;
	cs_binding_merge(b, &o);
	cs_buf_init(&plain, NULL, 0, 1 << 20);
	cs_buf_init(&packed, NULL, 0, 1 << 20);
	cs_buf_init(&tmp, NULL, 0, 1 << 20);
	cs_buf_init(&again, NULL, 0, 1 << 20);
	cs_binding_encode(b, &plain);
	cs_binding_pack(b, &tmp, &packed);
	T_EQ_INT(tmp.len, 0);
	T_CHECK(packed.len < plain.len);
	T_CHECK((uint8_t)packed.data[0] == 0xf0);
	/* packed and plain (older rows) both decode to the same binding */
	T_EQ_INT(cs_binding_decode(packed.data, packed.len, &c), CS_OK);
	if (c) {
		cs_binding_encode(c, &again);
		T_CHECK(again.len == plain.len &&
		    memcmp(again.data, plain.data, plain.len) == 0);
		T_EQ_STR(c->f[CS_F_USERNAME], "u000405@isp.example");
		cs_binding_free(c);
		c = NULL;
	}
	T_EQ_INT(cs_binding_decode(plain.data, plain.len, &c), CS_OK);
	cs_binding_free(c);
	/* damaged packed records are refused */
	T_EQ_INT(
	    cs_binding_decode(packed.data, packed.len - 1, &bad), CS_EPARSE);
	packed.data[1] ^= 1; /* the declared length */
	T_EQ_INT(cs_binding_decode(packed.data, packed.len, &bad), CS_EPARSE);
	T_CHECK(bad == NULL);
	cs_binding_free(b);
	cs_buf_release(&plain);
	cs_buf_release(&packed);
	cs_buf_release(&tmp);
	cs_buf_release(&again);
}

int
main(void)
{
	T_RUN(test_roundtrip);
	T_RUN(test_damaged);
	T_RUN(test_packed_binding);
	return T_DONE();
}
