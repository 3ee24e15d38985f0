/*
 * pspdu_test - the BER writer/reader and the TS 102 232 PS-PDU codec:
 * exact bytes of the OID, times and integers, round trips of every PDU
 * kind, strict rejection with field and offset, framing of partial input,
 * and the pen/trap report carrying no payload byte.
 */
#include <stdlib.h>
#include <string.h>

#include "li/ber.h"
#include "li/pspdu.h"
#include "t.h"

#define HEX_MAX 4096

static struct cs_buf b;

static void
buf_new(void)
{
	cs_buf_init(&b, NULL, 0, 1 << 22);
}

static int
has(const void *hay, size_t n, const void *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

static cs_time
T(const char *s)
{
	cs_time t = 0;

	cs_time_parse_rfc3339(cs_span_cstr(s), &t, NULL);
	return t;
}

static struct li_hdr
hdr(uint32_t seq)
{
	struct li_hdr h = {
	    "LIID-4711", "US", "ACME-ISP", "bras-1", 1234, "US", seq, 0};

	h.ts = T("2026-11-29T12:34:56.250000Z");
	return h;
}

static void
t_ber_int_minimal(void)
{
	static const struct {
		int64_t v;
		const char *enc;
		size_t n;
	} c[] = {{0, "\x02\x01\x00", 3}, {127, "\x02\x01\x7f", 3},
	    {128, "\x02\x02\x00\x80", 4}, {255, "\x02\x02\x00\xff", 4},
	    {256, "\x02\x02\x01\x00", 4}, {-1, "\x02\x01\xff", 3},
	    {-128, "\x02\x01\x80", 3}, {-129, "\x02\x02\xff\x7f", 4},
	    {INT64_MIN, "\x02\x08\x80\x00\x00\x00\x00\x00\x00\x00", 10}};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ber_rd r;
		struct ber_tlv t;
		int64_t v = 0;

		buf_new();
		ber_put_int(&b, BER_UNIV, BER_T_INT, c[i].v);
		T_EQ_INT(b.len, c[i].n);
		T_CHECK(memcmp(b.data, c[i].enc, c[i].n) == 0);
		ber_rd_init(&r, (const uint8_t *)b.data, b.len);
		T_EQ_INT(ber_rd_next(&r, &t, "x", NULL), CS_OK);
		T_EQ_INT(ber_get_int(&t, &v, "x", NULL), CS_OK);
		T_EQ_INT(v, c[i].v);
		cs_buf_release(&b);
	}
	buf_new();
	ber_put_uint(&b, BER_CTX, 4, UINT32_MAX);
	T_EQ_INT(b.len, 7);
	T_CHECK(memcmp(b.data, "\x84\x05\x00\xff\xff\xff\xff", 7) == 0);
	cs_buf_reset(&b);
	ber_put_uint(&b, BER_CTX, 0, UINT64_MAX);
	T_EQ_INT(b.len, 11);
	T_CHECK(memcmp(b.data, "\x80\x09\x00\xff", 4) == 0);
	cs_buf_release(&b);
}

static void
t_ber_int_strict(void)
{
	struct ber_rd r;
	struct ber_tlv t;
	int64_t v;
	uint64_t u;
	struct cs_errbuf eb;
	static const uint8_t nonmin[] = {0x02, 0x02, 0x00, 0x05};
	static const uint8_t nonmin_neg[] = {0x02, 0x02, 0xff, 0x85};
	static const uint8_t neg[] = {0x02, 0x01, 0x85};

	ber_rd_init(&r, nonmin, sizeof(nonmin));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_OK);
	T_EQ_INT(ber_get_int(&t, &v, "f.num", &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "f.num: non-minimal INTEGER at byte 2") != NULL);
	ber_rd_init(&r, nonmin_neg, sizeof(nonmin_neg));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_OK);
	T_EQ_INT(ber_get_int(&t, &v, "x", &eb), CS_EPARSE);
	ber_rd_init(&r, neg, sizeof(neg));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_OK);
	T_EQ_INT(ber_get_uint(&t, UINT32_MAX, &u, "x", &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "negative") != NULL);
}

static void
t_ber_tags_lengths(void)
{
	struct ber_rd r;
	struct ber_tlv t;
	struct cs_errbuf eb;
	uint8_t big[300];
	size_t m, i;
	static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
	static const uint8_t nonmin_len[] = {0x04, 0x81, 0x05, 1, 2, 3, 4, 5};
	static const uint8_t lead0[] = {0x04, 0x82, 0x00, 0x85};
	static const uint8_t past[] = {0x04, 0x05, 1, 2};
	static const uint8_t longtag_short[] = {0x9f, 0x1e, 0x00};

	buf_new();
	ber_put_tag(&b, BER_CTX, 31);
	ber_put_tag(&b, BER_CTX | BER_CONS, 201);
	T_EQ_INT(b.len, 5);
	T_CHECK(memcmp(b.data, "\x9f\x1f\xbf\x81\x49", 5) == 0);
	cs_buf_reset(&b);
	ber_put_len(&b, 127);
	ber_put_len(&b, 128);
	ber_put_len(&b, 256);
	T_EQ_INT(b.len, 6);
	T_CHECK(memcmp(b.data, "\x7f\x81\x80\x82\x01\x00", 6) == 0);
	/* a constructed value whose length grows to two bytes moves */
	cs_buf_reset(&b);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	m = ber_begin(&b, BER_CTX, 201);
	ber_put_tlv(&b, BER_UNIV, BER_T_OCTETS, big, sizeof(big));
	ber_end(&b, m);
	T_EQ_INT(b.len, 3 + 3 + 4 + 300);
	T_CHECK(memcmp(b.data, "\xbf\x81\x49\x82\x01\x30\x04\x82\x01\x2c",
		    10) == 0);
	T_CHECK(memcmp(b.data + 10, big, 300) == 0);
	ber_rd_init(&r, (const uint8_t *)b.data, b.len);
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_OK);
	T_EQ_INT(t.num, 201);
	T_EQ_INT(t.cons, 1);
	T_EQ_INT(t.len, 304);
	T_EQ_INT(ber_rd_end(&r, "x", &eb), CS_OK);
	cs_buf_release(&b);

	ber_rd_init(&r, indef, sizeof(indef));
	T_EQ_INT(ber_rd_next(&r, &t, "PS-PDU", &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "PS-PDU: indefinite length") != NULL);
	T_CHECK(strstr(eb.msg, "at byte 1") != NULL);
	ber_rd_init(&r, nonmin_len, sizeof(nonmin_len));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "non-minimal length") != NULL);
	ber_rd_init(&r, lead0, sizeof(lead0));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_EPARSE);
	ber_rd_init(&r, past, sizeof(past));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_ETRUNC);
	T_CHECK(strstr(eb.msg, "past the end") != NULL);
	ber_rd_init(&r, longtag_short, sizeof(longtag_short));
	T_EQ_INT(ber_rd_next(&r, &t, "x", &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "below 31") != NULL);
}

static void
t_ber_oid_time(void)
{
	static const uint32_t dom[] = {0, 4, 0, 2, 2, 5, 1, 43};
	static const uint32_t big[] = {2, 999, 4294967295u};
	uint32_t arcs[BER_OID_MAX];
	size_t n;
	struct ber_rd r;
	struct ber_tlv t;
	char s[32];
	cs_time x;

	buf_new();
	ber_put_oid(&b, BER_UNIV, BER_T_OID, dom, 8);
	T_EQ_INT(b.len, 9);
	T_CHECK(memcmp(b.data, "\x06\x07\x04\x00\x02\x02\x05\x01\x2b", 9) == 0);
	cs_buf_reset(&b);
	ber_put_oid(&b, BER_UNIV, BER_T_OID, big, 3);
	T_CHECK(memcmp(b.data, "\x06\x07\x88\x37\x8f\xff\xff\xff\x7f", 9) == 0);
	ber_rd_init(&r, (const uint8_t *)b.data, b.len);
	T_EQ_INT(ber_rd_next(&r, &t, "x", NULL), CS_OK);
	T_EQ_INT(ber_get_oid(&t, 0, arcs, BER_OID_MAX, &n, "x", NULL), CS_OK);
	T_EQ_INT(n, 3);
	T_EQ_INT(arcs[0], 2);
	T_EQ_INT(arcs[1], 999);
	T_EQ_INT(arcs[2], 4294967295u);
	cs_buf_reset(&b);
	ber_put_reloid(&b, BER_CTX, 0, (const uint32_t[]){5, 3, 20, 1}, 4);
	T_EQ_INT(b.len, 6);
	T_CHECK(memcmp(b.data, "\x80\x04\x05\x03\x14\x01", 6) == 0);
	/* a bad first arc is refused, not encoded */
	cs_buf_reset(&b);
	ber_put_oid(&b, BER_UNIV, BER_T_OID, (const uint32_t[]){1, 40}, 2);
	T_EQ_INT(cs_buf_error(&b), CS_EINVAL);
	cs_buf_release(&b);

	T_EQ_INT(ber_fmt_gtime(T("2026-11-29T12:34:56Z"), s), 15);
	T_EQ_STR(s, "20261129123456Z");
	ber_fmt_gtime(T("2026-11-29T12:34:56.250000Z"), s);
	T_EQ_STR(s, "20261129123456.25Z");
	ber_fmt_gtime(T("2026-01-02T03:04:05.000001Z"), s);
	T_EQ_STR(s, "20260102030405.000001Z");
	/* reader: fractions of 1..6 digits, Z required */
	{
		static const struct {
			const char *s;
			int ok;
			const char *want;
		} g[] = {{"20261129123456.25Z", 1, "2026-11-29T12:34:56.25Z"},
		    {"20261129123456.123456Z", 1, NULL},
		    {"20261129123456Z", 1, NULL}, {"20261129123456", 0, NULL},
		    {"202611291234Z", 0, NULL},
		    {"20261129123456.1234567Z", 0, NULL},
		    {"20261129123456.Z", 0, NULL}, {"20261329123456Z", 0, NULL},
		    {"20261129123460Z", 0, NULL},
		    {"20261129123456+0100", 0, NULL}};
		size_t i;

		for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
			struct ber_tlv tt;
			enum cs_err e;

			memset(&tt, 0, sizeof(tt));
			tt.v = (const uint8_t *)g[i].s;
			tt.len = strlen(g[i].s);
			e = ber_get_gtime(&tt, &x, "t", NULL);
			T_EQ_INT(e == CS_OK, g[i].ok);
			if (g[i].want && e == CS_OK)
				T_EQ_INT(x, T(g[i].want));
		}
	}
}

static void
fill_iri(struct li_iri *iri)
{
	li_iri_init(iri, LI_EV_ACCESS_ACCEPT);
	snprintf(iri->username, sizeof(iri->username), "alice@isp.example");
	cs_addr_parse(cs_span_cstr("100.64.12.34"), &iri->addr);
	snprintf(iri->network_id, sizeof(iri->network_id), "00:11:22:33:44:55");
	snprintf(iri->pop_id, sizeof(iri->pop_id), "bras-east-1");
	cs_addr_parse(cs_span_cstr("192.0.2.10"), &iri->pop_addr);
	snprintf(iri->pop_port, sizeof(iri->pop_port), "eth0/1/2:100.200");
	iri->start = T("2026-11-29T12:00:00Z");
	iri->auth = LI_AUTH_RADIUS;
}

static void
t_pdu_iri_roundtrip(void)
{
	struct li_hdr h = hdr(7);
	struct li_iri iri;
	struct li_pdu d;
	struct cs_errbuf eb;
	char a[CS_ADDR_STRLEN];

	fill_iri(&iri);
	buf_new();
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	T_EQ_INT(li_pdu_frame((const uint8_t *)b.data, b.len), (long)b.len);
	/* the domain OID exactly: [0] 0.4.0.2.2.5.1.43, no trailing .0 */
	T_CHECK(has(b.data, b.len, "\x80\x07\x04\x00\x02\x02\x05\x01\x2b", 9));
	/* timeStamp [5] and the IPIRI object id 5.3.20.1 */
	T_CHECK(has(b.data, b.len,
	    "\x85\x12"
	    "20261129123456.25Z",
	    20));
	T_CHECK(has(b.data, b.len, "\x80\x04\x05\x03\x14\x01", 6));
	/* microSecondTimeStamp [7] { seconds [0], microSeconds [1] 250000 } */
	T_CHECK(has(b.data, b.len, "\x81\x03\x03\xd0\x90", 5));
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	T_EQ_INT(d.kind, LI_PDU_IRI);
	T_EQ_INT(d.version, 43);
	T_EQ_STR(d.liid, "LIID-4711");
	T_EQ_STR(d.auth_cc, "US");
	T_EQ_STR(d.operator_id, "ACME-ISP");
	T_EQ_STR(d.ne_id, "bras-1");
	T_EQ_INT(d.cin, 1234);
	T_EQ_STR(d.deliv_cc, "US");
	T_EQ_INT(d.seq, 7);
	T_EQ_INT(d.ts, h.ts);
	T_EQ_INT(d.iri_type, LI_IRI_BEGIN);
	T_EQ_INT(d.iri.event, LI_EV_ACCESS_ACCEPT);
	T_EQ_STR(d.iri.username, "alice@isp.example");
	cs_addr_format(&d.iri.addr, a);
	T_EQ_STR(a, "100.64.12.34");
	T_EQ_STR(d.iri.network_id, "00:11:22:33:44:55");
	T_EQ_STR(d.iri.pop_id, "bras-east-1");
	cs_addr_format(&d.iri.pop_addr, a);
	T_EQ_STR(a, "192.0.2.10");
	T_EQ_STR(d.iri.pop_port, "eth0/1/2:100.200");
	T_EQ_INT(d.iri.start, T("2026-11-29T12:00:00Z"));
	T_EQ_INT(d.iri.end, CS_TIME_NONE);
	T_EQ_INT(d.iri.auth, LI_AUTH_RADIUS);
	T_EQ_INT(d.ip_version, 1);

	/* accessEnd with an IPv6 prefix, end time and reason; no username */
	cs_buf_reset(&b);
	li_iri_init(&iri, LI_EV_ACCESS_END);
	cs_addr_parse(cs_span_cstr("2001:db8:12:3400::/56"), &iri.addr);
	iri.end = T("2026-11-29T13:00:00.5Z");
	iri.end_reason = 1;
	iri.auth = LI_AUTH_DHCP;
	h.auth_cc = NULL;
	h.ne_id = "";
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	T_EQ_STR(d.auth_cc, "");
	T_EQ_STR(d.ne_id, "");
	T_EQ_INT(d.iri_type, LI_IRI_END);
	T_EQ_INT(d.iri.event, LI_EV_ACCESS_END);
	T_EQ_STR(d.iri.username, "");
	cs_addr_format(&d.iri.addr, a);
	T_EQ_STR(a, "2001:db8:12:3400::/56");
	T_EQ_INT(d.iri.end, T("2026-11-29T13:00:00.5Z"));
	T_EQ_INT(d.iri.end_reason, 1);
	T_EQ_INT(d.ip_version, 2);
	T_EQ_INT(d.iri.auth, LI_AUTH_DHCP);

	/* an IPv4 prefix: iPv4SubnetMask ff c0 00 00, assignment static */
	cs_buf_reset(&b);
	li_iri_init(&iri, LI_EV_START_WITH_SESSION);
	cs_addr_parse(cs_span_cstr("100.64.0.0/10"), &iri.addr);
	iri.auth = LI_AUTH_STATIC;
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	T_CHECK(has(b.data, b.len, "\x83\x01\x01\x85\x04\xff\xc0\x00\x00", 9));
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	cs_addr_format(&d.iri.addr, a);
	T_EQ_STR(a, "100.64.0.0/10");
	T_EQ_INT(d.iri_type, LI_IRI_BEGIN);
	T_EQ_INT(d.iri.event, LI_EV_START_WITH_SESSION);
	cs_buf_release(&b);
}

static const uint8_t pkt4[] = {0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00,
    0x40, 0x06, 0x00, 0x00, 100, 64, 12, 34, 198, 51, 100, 7, /* src, dst */
    0xc3, 0x50, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, /* ports 50000 80 */
    0x50, 0x18, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* TCP, 20 bytes */
    'S', 'E', 'C', 'R', 'E', 'T', '-', 'P', 'A', 'Y', 'L', 'O', 'A', 'D', '-',
    'P', 'A', 'T', 'T', 'N'};

static void
t_pdu_cc_roundtrip(void)
{
	struct li_hdr h = hdr(UINT32_MAX);
	struct li_pdu d;
	struct cs_errbuf eb;
	uint8_t big[1500];

	buf_new();
	T_EQ_INT(
	    li_enc_cc(&b, &h, LI_DIR_FROM_TARGET, pkt4, sizeof(pkt4)), CS_OK);
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	T_EQ_INT(d.kind, LI_PDU_CC);
	T_EQ_INT(d.seq, UINT32_MAX);
	T_EQ_INT(d.dir, LI_DIR_FROM_TARGET);
	T_EQ_INT(d.datalen, sizeof(pkt4));
	T_CHECK(d.data && memcmp(d.data, pkt4, sizeof(pkt4)) == 0);
	T_EQ_INT(d.payload_ts, h.ts);
	/* PayloadDirection fromTarget(0) on the wire (TS 102 232-1) */
	T_CHECK(has(b.data, b.len, "\x80\x01\x00\x81", 4));
	/* a 1500-byte packet: lengths in long form all the way up */
	cs_buf_reset(&b);
	memset(big, 0xab, sizeof(big));
	memcpy(big, pkt4, 20);
	T_EQ_INT(li_enc_cc(&b, &h, LI_DIR_TO_TARGET, big, sizeof(big)), CS_OK);
	T_EQ_INT(li_pdu_frame((const uint8_t *)b.data, b.len), (long)b.len);
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	T_EQ_INT(d.dir, LI_DIR_TO_TARGET);
	T_EQ_INT(d.datalen, sizeof(big));
	T_CHECK(memcmp(d.data, big, sizeof(big)) == 0);
	cs_buf_release(&b);
}

static void
t_pdu_report_no_payload(void)
{
	struct li_hdr h = hdr(3);
	struct li_hdronly ho;
	struct li_pdu d;
	struct cs_errbuf eb;
	struct cs_buf j;

	T_EQ_INT(li_hdronly_make(&ho, pkt4, sizeof(pkt4)), 0);
	T_EQ_INT(ho.len, 40);
	buf_new();
	T_EQ_INT(li_enc_report(&b, &h, LI_DIR_FROM_TARGET, &ho), CS_OK);
	/* none of the payload reaches the PDU, not even a 4-byte piece */
	T_CHECK(!has(b.data, b.len, "SECR", 4));
	T_CHECK(!has(b.data, b.len, "LOAD", 4));
	T_CHECK(!has(b.data, b.len, "PATT", 4));
	T_CHECK(has(b.data, b.len, pkt4, 40));
	/* IRIContents [20] iPIRIPacketReport, object id 5.3.20.4 */
	T_CHECK(has(b.data, b.len, "\x80\x04\x05\x03\x14\x04", 6));
	T_EQ_INT(li_pdu_decode((const uint8_t *)b.data, b.len, &d, &eb), CS_OK);
	T_EQ_INT(d.kind, LI_PDU_REPORT);
	T_EQ_INT(d.iri_type, LI_IRI_REPORT);
	T_EQ_INT(d.dir, LI_DIR_FROM_TARGET);
	T_EQ_INT(d.datalen, 40);
	T_CHECK(memcmp(d.data, pkt4, 40) == 0);
	cs_buf_init(&j, NULL, 0, 1 << 16);
	li_pdu_json(&j, &d);
	T_CHECK(strstr(j.data, "\"kind\":\"packet_report\"") != NULL);
	T_CHECK(strstr(j.data, "\"src\":\"100.64.12.34\"") != NULL);
	T_CHECK(strstr(j.data, "\"dst\":\"198.51.100.7\"") != NULL);
	T_CHECK(strstr(j.data, "\"sport\":50000,\"dport\":80") != NULL);
	T_CHECK(strstr(j.data, "\"ip_length\":60") != NULL);
	T_CHECK(strstr(j.data, "\"direction\":\"fromTarget\"") != NULL);
	cs_buf_release(&j);
	cs_buf_release(&b);
}

static void
t_pdu_keepalive(void)
{
	struct li_hdr h = hdr(0);
	struct li_pdu d;
	struct cs_errbuf eb;
	const uint8_t *p;
	size_t n1;

	buf_new();
	T_EQ_INT(li_enc_keepalive(&b, &h, 0), CS_OK);
	n1 = b.len;
	T_EQ_INT(li_enc_keepalive(&b, &h, 1), CS_OK);
	p = (const uint8_t *)b.data;
	/* payload [2] { tRIPayload [2] { keep-alive [3] NULL } } at the end */
	T_CHECK(memcmp(p + n1 - 6, "\xa2\x04\xa2\x02\x83\x00", 6) == 0);
	T_CHECK(memcmp(p + b.len - 6, "\xa2\x04\xa2\x02\x84\x00", 6) == 0);
	T_EQ_INT(li_pdu_frame(p, b.len), (long)n1);
	T_EQ_INT(li_pdu_is_keepalive(p, n1, 0), 1);
	T_EQ_INT(li_pdu_is_keepalive(p, n1, 1), 0);
	T_EQ_INT(li_pdu_is_keepalive(p + n1, b.len - n1, 1), 1);
	T_EQ_INT(li_pdu_is_keepalive(p, b.len, 0), 0); /* two PDUs: no */
	T_EQ_INT(li_pdu_decode(p + n1, b.len - n1, &d, &eb), CS_OK);
	T_EQ_INT(d.kind, LI_PDU_KEEPALIVE_RESP);
	cs_buf_release(&b);
}

static void
t_pdu_frame_partial(void)
{
	struct li_hdr h = hdr(1);
	struct li_iri iri;
	const uint8_t *p;
	size_t n1, i;
	uint8_t bad[8] = {0x31, 0x00};

	fill_iri(&iri);
	buf_new();
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	n1 = b.len;
	T_EQ_INT(
	    li_enc_cc(&b, &h, LI_DIR_TO_TARGET, pkt4, sizeof(pkt4)), CS_OK);
	p = (const uint8_t *)b.data;
	for (i = 0; i < n1; i++)
		T_EQ_INT(li_pdu_frame(p, i), 0);
	T_EQ_INT(li_pdu_frame(p, n1), (long)n1);
	T_EQ_INT(li_pdu_frame(p, b.len), (long)n1);
	T_EQ_INT(li_pdu_frame(p + n1, b.len - n1), (long)(b.len - n1));
	T_EQ_INT(li_pdu_frame(bad, 2), -1); /* not a SEQUENCE */
	memcpy(bad, "\x30\x80", 2);         /* indefinite */
	T_EQ_INT(li_pdu_frame(bad, 2), -1);
	memcpy(bad, "\x30\x81\x05", 3); /* non-minimal */
	T_EQ_INT(li_pdu_frame(bad, 3), -1);
	memcpy(bad, "\x30\x84\x7f\xff\xff\xff", 6); /* past LI_PDU_MAX */
	T_EQ_INT(li_pdu_frame(bad, 6), -1);
	memcpy(bad, "\x30\x82\x01", 3); /* length cut short */
	T_EQ_INT(li_pdu_frame(bad, 3), 0);
	cs_buf_release(&b);
}

/* find - offset of needle in the buffer, or -1 */
static long
find(const void *needle, size_t m)
{
	const char *f = memmem(b.data, b.len, needle, m);

	return f ? f - b.data : -1;
}

static void
t_pdu_malformed(void)
{
	struct li_hdr h = hdr(5);
	struct li_iri iri;
	struct li_pdu d;
	struct cs_errbuf eb;
	uint8_t *p, save;
	long off;
	size_t i;
	char want[128];

	fill_iri(&iri);
	buf_new();
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	p = (uint8_t *)b.data;

	/* every truncation is rejected, never read past */
	for (i = 0; i < b.len; i++) {
		uint8_t *c = malloc(i ? i : 1);
		memcpy(c, p, i);
		T_CHECK(li_pdu_decode(c, i, &d, &eb) != CS_OK);
		free(c);
	}
	/* trailing garbage */
	cs_buf_putc(&b, 0);
	p = (uint8_t *)b.data;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "trailing") != NULL);
	b.len--;

	/* sequenceNumber [4] 5 -> tag [6]: out of order field named */
	off = find("\x84\x01\x05", 3);
	T_CHECK(off > 0);
	p[off] = 0x8c;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	snprintf(want, sizeof(want), "at byte %ld", off);
	T_CHECK(strstr(eb.msg, "pSHeader") != NULL);
	T_CHECK(strstr(eb.msg, want) != NULL);
	p[off] = 0x84;

	/* the domain OID's version arc damaged into a leading 0x80 group */
	off = find("\x05\x01\x2b", 3);
	save = p[off + 2];
	p[off + 2] = 0x80;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "pSHeader.li-psDomainId") != NULL);
	p[off + 2] = save;

	/* accessEventType out of range */
	off = find("\x80\x01\x01\x81\x11", 5); /* event 1, username */
	T_CHECK(off > 0);
	p[off + 2] = 0x33;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	snprintf(want, sizeof(want),
	    "accessEventType: value 51 outside 0..10 "
	    "at byte %ld",
	    off + 2);
	T_CHECK(strstr(eb.msg, want) != NULL);
	p[off + 2] = 0x01;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_OK);

	/* a UTF8String that is not UTF-8 */
	off = find("00:11:22", 8);
	p[off] = 0xff;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "targetNetworkID: malformed UTF-8") != NULL);
	p[off] = '0';

	/* the PS-PDU length made indefinite */
	save = p[1];
	p[1] = 0x80;
	T_EQ_INT(li_pdu_decode(p, b.len, &d, &eb), CS_EPARSE);
	T_CHECK(strstr(eb.msg, "PS-PDU: indefinite length") != NULL);
	T_CHECK(strstr(eb.msg, "at byte 1") != NULL);
	p[1] = save;

	/* every single-byte change: decoded or rejected, never a crash */
	for (i = 0; i < b.len; i++) {
		save = p[i];
		p[i] ^= 0x5a;
		(void)li_pdu_decode(p, b.len, &d, &eb);
		p[i] = save;
	}
	cs_buf_release(&b);
}

static void
t_pdu_bad_args(void)
{
	struct li_hdr h = hdr(1);
	struct li_iri iri;
	struct li_hdronly ho;

	fill_iri(&iri);
	buf_new();
	cs_buf_puts(&b, "keep");
	h.liid = "this-LIID-is-longer-than-25";
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_EINVAL);
	h = hdr(1);
	h.operator_id = "an-operator-id-of-17";
	T_EQ_INT(
	    li_enc_cc(&b, &h, LI_DIR_TO_TARGET, pkt4, sizeof(pkt4)), CS_EINVAL);
	h = hdr(1);
	h.auth_cc = "USA";
	T_EQ_INT(li_enc_keepalive(&b, &h, 0), CS_EINVAL);
	h = hdr(1);
	snprintf(iri.network_id, sizeof(iri.network_id), "%s",
	    "a-network-id-over-20-bytes");
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_EINVAL);
	memset(&ho, 0, sizeof(ho));
	T_EQ_INT(li_enc_report(&b, &h, LI_DIR_TO_TARGET, &ho), CS_EINVAL);
	/* nothing was written by a refused call */
	T_EQ_INT(b.len, 4);
	T_EQ_STR(b.data, "keep");
	cs_buf_release(&b);
	/* a full buffer: an error, and nothing half-written */
	cs_buf_init(&b, NULL, 0, 64);
	fill_iri(&iri);
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_ETOOBIG);
	T_EQ_INT(b.len, 0);
	cs_buf_release(&b);
}

static void
t_pdu_json(void)
{
	struct li_hdr h = hdr(9);
	struct li_iri iri;
	struct li_pdu d;
	struct cs_buf j;

	fill_iri(&iri);
	/* a Latin-1 byte from a NAS becomes '?' rather than bad UTF-8 */
	snprintf(iri.pop_id, sizeof(iri.pop_id), "bras-\xe9t\xe9");
	buf_new();
	T_EQ_INT(li_enc_iri(&b, &h, &iri), CS_OK);
	T_EQ_INT(
	    li_pdu_decode((const uint8_t *)b.data, b.len, &d, NULL), CS_OK);
	T_EQ_STR(d.iri.pop_id, "bras-?t?");
	cs_buf_init(&j, NULL, 0, 1 << 16);
	li_pdu_json(&j, &d);
	T_EQ_STR(j.data,
	    "{\"liid\":\"LIID-4711\",\"cin\":1234,\"seq\":9,"
	    "\"time\":\"2026-11-29T12:34:56.250000Z\",\"operator\":\"ACME-"
	    "ISP\","
	    "\"ne\":\"bras-1\",\"kind\":\"iri\",\"iri_type\":\"begin\","
	    "\"event\":\"accessAccept\",\"username\":\"alice@isp.example\","
	    "\"address\":\"100.64.12.34\",\"network_id\":\"00:11:22:33:44:55\","
	    "\"pop_id\":\"bras-?t?\",\"pop_address\":\"192.0.2.10\","
	    "\"pop_port\":\"eth0/1/2:100.200\","
	    "\"start\":\"2026-11-29T12:00:00Z\",\"auth\":\"radiusAAA\","
	    "\"access_type\":0,\"ip_version\":1}");
	cs_buf_release(&j);
	cs_buf_release(&b);
}

int
main(void)
{
	T_RUN(t_ber_int_minimal);
	T_RUN(t_ber_int_strict);
	T_RUN(t_ber_tags_lengths);
	T_RUN(t_ber_oid_time);
	T_RUN(t_pdu_iri_roundtrip);
	T_RUN(t_pdu_cc_roundtrip);
	T_RUN(t_pdu_report_no_payload);
	T_RUN(t_pdu_keepalive);
	T_RUN(t_pdu_frame_partial);
	T_RUN(t_pdu_malformed);
	T_RUN(t_pdu_bad_args);
	T_RUN(t_pdu_json);
	return T_DONE();
}
