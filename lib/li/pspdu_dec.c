/*
 * pspdu_dec - the strict PS-PDU decoder and the JSON rendering of decoded
 * IRI (the ASN.1 decoded is listed at the top of pspdu.c).  Every field
 * of a SEQUENCE is checked to come in ascending tag order, once; the
 * fields of the modules that custos does not use are checked for their
 * basic form and skipped; unknown tags are errors.
 */
#include <stdio.h>
#include <string.h>

#include "li/ber.h"
#include "li/pspdu.h"
#include "li/pspdu_asn.h"
#include "util/addr.h"

int
li_pdu_is_keepalive(const uint8_t *p, size_t n, int response)
{
	struct li_pdu d;

	if (li_pdu_decode(p, n, &d, NULL) != CS_OK)
		return 0;
	return d.kind == (response ? LI_PDU_KEEPALIVE_RESP : LI_PDU_KEEPALIVE);
}

/* --- decoder --- */

/*
 * seq_order - fields of a SEQUENCE come in ascending tag order, each once
 * (true of every SEQUENCE decoded here)
 */
static enum cs_err
seq_order(
    const struct ber_tlv *t, int *last, const char *where, struct cs_errbuf *eb)
{
	if (t->cls != BER_CTX) {
		cs_errbuf_set(eb, "%s: unexpected non-context tag at byte %zu",
		    where, t->off);
		return CS_EPARSE;
	}
	if ((int64_t)t->num <= *last) {
		cs_errbuf_set(eb,
		    "%s: field [%u] out of order or repeated at byte %zu",
		    where, (unsigned)t->num, t->off);
		return CS_EPARSE;
	}
	*last = (int)t->num;
	return CS_OK;
}

static enum cs_err
want_cons(
    const struct ber_tlv *t, int cons, const char *field, struct cs_errbuf *eb)
{
	if (t->cons != cons) {
		cs_errbuf_set(eb, "%s: %s where %s is required at byte %zu",
		    field, t->cons ? "constructed" : "primitive",
		    cons ? "constructed" : "primitive", t->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

static enum cs_err
get_enum(const struct ber_tlv *t, int64_t min, int64_t max, int64_t *out,
    const char *field, struct cs_errbuf *eb)
{
	enum cs_err e = ber_get_int(t, out, field, eb);

	if (e != CS_OK)
		return e;
	if (*out < min || *out > max) {
		cs_errbuf_set(eb,
		    "%s: value %lld outside %lld..%lld at byte %zu", field,
		    (long long)*out, (long long)min, (long long)max, t->voff);
		return CS_EPARSE;
	}
	return CS_OK;
}

static enum cs_err
want_oid(const struct ber_tlv *t, int rel, const uint32_t *want, size_t nwant,
    size_t nfix, uint32_t *ver, const char *field, struct cs_errbuf *eb)
{
	uint32_t arcs[BER_OID_MAX];
	size_t n, i;
	enum cs_err e;

	if ((e = ber_get_oid(t, rel, arcs, BER_OID_MAX, &n, field, eb)) !=
	    CS_OK)
		return e;
	/* the first nfix arcs must match, the version arc is reported; the
	 * arcs after it (if any) must match too */
	if (n != nwant)
		goto bad;
	for (i = 0; i < n; i++) {
		if (i == nfix) {
			if (ver)
				*ver = arcs[i];
			continue;
		}
		if (arcs[i] != want[i])
			goto bad;
	}
	return CS_OK;
bad:
	cs_errbuf_set(eb, "%s: unexpected %s value at byte %zu", field,
	    rel ? "RELATIVE-OID" : "OBJECT IDENTIFIER", t->voff);
	return CS_EPARSE;
}

/* dec_micro - a constructed MicroSecondTimeStamp {seconds [0],
   microSeconds [1]}; *out is set only when it is well formed */
static enum cs_err
dec_micro(struct ber_rd *r0, const struct ber_tlv *t, cs_time *out,
    const char *field, struct cs_errbuf *eb)
{
	struct ber_rd r;
	struct ber_tlv s, u;
	uint64_t secs, us;
	enum cs_err e;
	char f[96];

	if ((e = want_cons(t, 1, field, eb)) != CS_OK)
		return e;
	ber_rd_sub(r0, t, &r);
	snprintf(f, sizeof(f), "%s.seconds", field);
	if ((e = ber_rd_expect(&r, T_CTX, 0, &s, f, eb)) != CS_OK ||
	    (e = ber_get_uint(
		 &s, (uint64_t)(INT64_MAX / CS_US) - 1, &secs, f, eb)) != CS_OK)
		return e;
	snprintf(f, sizeof(f), "%s.microSeconds", field);
	if ((e = ber_rd_expect(&r, T_CTX, 1, &u, f, eb)) != CS_OK ||
	    (e = ber_get_uint(&u, 999999, &us, f, eb)) != CS_OK)
		return e;
	if ((e = ber_rd_end(&r, field, eb)) != CS_OK)
		return e;
	*out = (cs_time)secs * CS_US + (cs_time)us;
	return CS_OK;
}

static enum cs_err
dec_header(struct ber_rd *r0, const struct ber_tlv *ht, struct li_pdu *d,
    struct cs_errbuf *eb)
{
	struct ber_rd r, cr, nr;
	struct ber_tlv t, c;
	int last = -1, lastc, lastn;
	enum cs_err e;
	uint32_t ver = 0;
	uint64_t v;
	cs_time micro = CS_TIME_NONE, gt = CS_TIME_NONE;
	int seen_seq = 0, seen_ci = 0, seen_op = 0;

	ber_rd_sub(r0, ht, &r);
	if ((e = ber_rd_expect(
		 &r, T_CTX, 0, &t, "pSHeader.li-psDomainId", eb)) != CS_OK ||
	    (e = want_oid(&t, 0, li_domain_oid, 8, 7, &ver,
		 "pSHeader.li-psDomainId", eb)) != CS_OK)
		return e;
	d->version = ver;
	last = 0;
	if ((e = ber_rd_expect(&r, T_CTX, 1, &t,
		 "pSHeader.lawfulInterceptionIdentifier", eb)) != CS_OK ||
	    (e = ber_get_str(&t, 0, 1, LI_LIID_MAX, d->liid,
		 "pSHeader.lawfulInterceptionIdentifier", eb)) != CS_OK)
		return e;
	last = 1;
	while (ber_rd_more(&r)) {
		if ((e = ber_rd_next(&r, &t, "pSHeader", eb)) != CS_OK ||
		    (e = seq_order(&t, &last, "pSHeader", eb)) != CS_OK)
			return e;
		switch (t.num) {
		case 2:
			if ((e = ber_get_str(&t, BER_T_PRINTABLE, 2, 2,
				 d->auth_cc,
				 "pSHeader.authorizationCountryCode", eb)) !=
			    CS_OK)
				return e;
			break;
		case 3:
			if ((e = want_cons(&t, 1,
				 "pSHeader.communicationIdentifier", eb)) !=
			    CS_OK)
				return e;
			seen_ci = 1;
			ber_rd_sub(&r, &t, &cr);
			lastc = -1;
			while (ber_rd_more(&cr)) {
				const char *f = "communicationIdentifier";
				if ((e = ber_rd_next(&cr, &c, f, eb)) !=
					CS_OK ||
				    (e = seq_order(&c, &lastc, f, eb)) != CS_OK)
					return e;
				if (c.num == 0) {
					struct ber_tlv x;

					if ((e = want_cons(&c, 1,
						 "networkIdentifier", eb)) !=
					    CS_OK)
						return e;
					ber_rd_sub(&cr, &c, &nr);
					lastn = -1;
					while (ber_rd_more(&nr)) {
						f = "networkIdentifier";
						if ((e = ber_rd_next(&nr, &x, f,
							 eb)) != CS_OK ||
						    (e = seq_order(&x, &lastn,
							 f, eb)) != CS_OK)
							return e;
						if (x.num == 0) {
							e = ber_get_str(&x, 0,
							    1, 16,
							    d->operator_id,
							    "networkIdentifier."
							    "operatorIdentifie"
							    "r",
							    eb);
							seen_op = 1;
						} else if (x.num == 1) {
							e = ber_get_str(&x, 0,
							    1, 16, d->ne_id,
							    "networkIdentifier."
							    "networkElement"
							    "Identifier",
							    eb);
						} else if (x.num > 2) {
							cs_errbuf_set(eb,
							    "networkIdentifier:"
							    " "
							    "unknown field "
							    "[%u] "
							    "at byte %zu",
							    (unsigned)x.num,
							    x.off);
							e = CS_EPARSE;
						}
						if (e != CS_OK)
							return e;
					}
					if (!seen_op) {
						cs_errbuf_set(eb,
						    "networkIdentifier."
						    "operatorIdentifier: "
						    "missing "
						    "(value at byte %zu)",
						    c.off);
						return CS_EPARSE;
					}
				} else if (c.num == 1) {
					if ((e = ber_get_uint(&c, UINT32_MAX,
						 &v,
						 "communicationIdentityNumber",
						 eb)) != CS_OK)
						return e;
					d->has_cin = 1;
					d->cin = (uint32_t)v;
				} else if (c.num == 2) {
					if ((e = ber_get_str(&c,
						 BER_T_PRINTABLE, 2, 2,
						 d->deliv_cc,
						 "deliveryCountryCode", eb)) !=
					    CS_OK)
						return e;
				} else if (c.num > 3) {
					cs_errbuf_set(eb,
					    "communicationIdentifier: unknown "
					    "field [%u] at byte %zu",
					    (unsigned)c.num, c.off);
					return CS_EPARSE;
				}
			}
			if (!seen_op) {
				cs_errbuf_set(eb,
				    "communicationIdentifier.networkIdentifier:"
				    " "
				    "missing (value at byte %zu)",
				    t.off);
				return CS_EPARSE;
			}
			break;
		case 4:
			if ((e = ber_get_uint(&t, UINT32_MAX, &v,
				 "pSHeader.sequenceNumber", eb)) != CS_OK)
				return e;
			d->seq = (uint32_t)v;
			seen_seq = 1;
			break;
		case 5:
			if ((e = ber_get_gtime(
				 &t, &gt, "pSHeader.timeStamp", eb)) != CS_OK)
				return e;
			break;
		case 6: /* interceptionPointID: checked, not kept */
		{
			char ipid[9];
			if ((e = ber_get_str(&t, BER_T_PRINTABLE, 1, 8, ipid,
				 "pSHeader.interceptionPointID", eb)) != CS_OK)
				return e;
			break;
		}
		case 7:
			if ((e = dec_micro(&r, &t, &micro,
				 "pSHeader.microSecondTimeStamp", eb)) != CS_OK)
				return e;
			break;
		case 8: {
			int64_t q;
			if ((e = get_enum(&t, 0, 3, &q,
				 "pSHeader.timeStampQualifier", eb)) != CS_OK)
				return e;
			break;
		}
		case 9:
		case 10:
			if ((e = want_cons(&t, 0, "pSHeader", eb)) != CS_OK)
				return e;
			break;
		default:
			cs_errbuf_set(eb,
			    "pSHeader: unknown field [%u] at byte %zu",
			    (unsigned)t.num, t.off);
			return CS_EPARSE;
		}
	}
	if (!seen_ci || !seen_seq) {
		cs_errbuf_set(eb, "pSHeader.%s: missing (header at byte %zu)",
		    !seen_ci ? "communicationIdentifier" : "sequenceNumber",
		    ht->off);
		return CS_EPARSE;
	}
	d->ts = micro != CS_TIME_NONE ? micro : gt;
	return CS_OK;
}

static enum cs_err
dec_ipaddr(struct ber_rd *r0, const struct ber_tlv *at, struct cs_addr *a,
    const char *field, struct cs_errbuf *eb)
{
	struct ber_rd r, vr;
	struct ber_tlv t, v;
	int64_t type, x;
	enum cs_err e;
	int last = 2, plen = -1;
	char f[96];

	memset(a, 0, sizeof(*a));
	if ((e = want_cons(at, 1, field, eb)) != CS_OK)
		return e;
	ber_rd_sub(r0, at, &r);
	snprintf(f, sizeof(f), "%s.iP-type", field);
	if ((e = ber_rd_expect(&r, T_CTX, 1, &t, f, eb)) != CS_OK ||
	    (e = get_enum(&t, 0, 1, &type, f, eb)) != CS_OK)
		return e;
	snprintf(f, sizeof(f), "%s.iP-value", field);
	if ((e = ber_rd_expect(&r, T_CTXC, 2, &t, f, eb)) != CS_OK)
		return e;
	ber_rd_sub(&r, &t, &vr);
	if ((e = ber_rd_expect(&vr, T_CTX, 1, &v, f, eb)) != CS_OK)
		return e;
	if (v.len != (type ? 16u : 4u)) {
		cs_errbuf_set(eb,
		    "%s: iPBinaryAddress of %zu bytes for iP-type %s at byte "
		    "%zu",
		    f, v.len, type ? "iPV6" : "iPV4", v.off);
		return CS_EPARSE;
	}
	if ((e = ber_rd_end(&vr, f, eb)) != CS_OK)
		return e;
	a->family = type ? 6 : 4;
	memcpy(a->a, v.v, v.len);
	a->plen = type ? 128 : 32;
	while (ber_rd_more(&r)) {
		if ((e = ber_rd_next(&r, &t, field, eb)) != CS_OK ||
		    (e = seq_order(&t, &last, field, eb)) != CS_OK)
			return e;
		snprintf(f, sizeof(f), "%s[%u]", field, (unsigned)t.num);
		switch (t.num) {
		case 3:
			if ((e = get_enum(&t, 1, 3, &x, f, eb)) != CS_OK)
				return e;
			break;
		case 4:
			if ((e = get_enum(&t, 1, 128, &x, f, eb)) != CS_OK)
				return e;
			if (!type) {
				cs_errbuf_set(eb,
				    "%s: iPv6PrefixLength on an IPv4 address "
				    "at "
				    "byte %zu",
				    f, t.off);
				return CS_EPARSE;
			}
			plen = (int)x;
			break;
		case 5: {
			uint32_t m;
			int n = 0;

			if (type || t.cons || t.len != 4) {
				cs_errbuf_set(eb,
				    "%s: iPv4SubnetMask not 4 bytes of an IPv4 "
				    "address at byte %zu",
				    f, t.off);
				return CS_EPARSE;
			}
			m = (uint32_t)t.v[0] << 24 | (uint32_t)t.v[1] << 16 |
			    (uint32_t)t.v[2] << 8 | t.v[3];
			while (n < 32 && (m & (0x80000000u >> n)))
				n++;
			if (n < 32 && (m << n) != 0) {
				cs_errbuf_set(eb,
				    "%s: iPv4SubnetMask not contiguous at byte "
				    "%zu",
				    f, t.voff);
				return CS_EPARSE;
			}
			plen = n;
			break;
		}
		case 6:
			if (t.cons || t.len != 1) {
				cs_errbuf_set(eb, "%s: bad BOOLEAN at byte %zu",
				    f, t.off);
				return CS_EPARSE;
			}
			break;
		default:
			cs_errbuf_set(eb, "%s: unknown field [%u] at byte %zu",
			    field, (unsigned)t.num, t.off);
			return CS_EPARSE;
		}
	}
	if (plen >= 0)
		*a = cs_addr_truncate(a, plen);
	return CS_OK;
}

static enum cs_err
dec_ipiri_contents(struct ber_rd *r0, const struct ber_tlv *ct,
    struct li_pdu *d, struct cs_errbuf *eb)
{
	struct ber_rd r;
	struct ber_tlv t;
	struct li_iri *iri = &d->iri;
	int last = -1;
	int64_t x;
	enum cs_err e;
	const char *w = "iPIRIContents";

	ber_rd_sub(r0, ct, &r);
	if ((e = ber_rd_expect(&r, T_CTX, 0, &t,
		 "iPIRIContents.accessEventType", eb)) != CS_OK ||
	    (e = get_enum(
		 &t, 0, 10, &x, "iPIRIContents.accessEventType", eb)) != CS_OK)
		return e;
	iri->event = (enum li_iri_event)x;
	if ((e = ber_rd_expect(&r, T_CTX, 1, &t, "iPIRIContents.targetUsername",
		 eb)) != CS_OK)
		return e;
	if (t.len >= LI_STR) {
		cs_errbuf_set(eb,
		    "iPIRIContents.targetUsername: %zu bytes, longer than %d "
		    "at byte %zu",
		    t.len, LI_STR - 1, t.off);
		return CS_EPARSE;
	}
	if (t.len &&
	    (e = ber_get_str(&t, 0, 1, LI_STR - 1, iri->username,
		 "iPIRIContents.targetUsername", eb)) != CS_OK)
		return e;
	if ((e = ber_rd_expect(&r, T_CTX, 2, &t,
		 "iPIRIContents.internetAccessType", eb)) != CS_OK ||
	    (e = get_enum(&t, 0, 9, &x, "iPIRIContents.internetAccessType",
		 eb)) != CS_OK)
		return e;
	d->access_type = (int)x;
	if ((e = ber_rd_expect(
		 &r, T_CTX, 3, &t, "iPIRIContents.iPVersion", eb)) != CS_OK ||
	    (e = get_enum(&t, 1, 3, &x, "iPIRIContents.iPVersion", eb)) !=
		CS_OK)
		return e;
	d->ip_version = (int)x;
	last = 3;
	while (ber_rd_more(&r)) {
		if ((e = ber_rd_next(&r, &t, w, eb)) != CS_OK ||
		    (e = seq_order(&t, &last, w, eb)) != CS_OK)
			return e;
		switch (t.num) {
		case 4:
			e = dec_ipaddr(&r, &t, &iri->addr,
			    "iPIRIContents.targetIPAddress", eb);
			break;
		case 5:
			e = ber_get_str(&t, BER_T_UTF8, 1, 20, iri->network_id,
			    "iPIRIContents.targetNetworkID", eb);
			break;
		case 10:
			e = ber_get_gtime(
			    &t, &iri->start, "iPIRIContents.startTime", eb);
			break;
		case 11:
			e = ber_get_gtime(
			    &t, &iri->end, "iPIRIContents.endTime", eb);
			break;
		case 12:
			e = get_enum(
			    &t, 0, 127, &x, "iPIRIContents.endReason", eb);
			iri->end_reason = (int)x;
			break;
		case 18: {
			struct ber_rd pr;
			struct ber_tlv p;

			if ((e = want_cons(&t, 1, "iPIRIContents.pOPIdentifier",
				 eb)) != CS_OK)
				return e;
			ber_rd_sub(&r, &t, &pr);
			if ((e = ber_rd_expect(&pr, T_CTX, 0, &p,
				 "iPIRIContents.pOPIdentifier.printableIDType",
				 eb)) != CS_OK ||
			    (e = ber_get_str(&p, BER_T_UTF8, 1, 128,
				 iri->pop_id,
				 "iPIRIContents.pOPIdentifier.printableIDType",
				 eb)) != CS_OK)
				return e;
			e = ber_rd_end(&pr, "iPIRIContents.pOPIdentifier", eb);
			break;
		}
		case 19:
			e = dec_ipaddr(&r, &t, &iri->pop_addr,
			    "iPIRIContents.pOPIPAddress", eb);
			break;
		case 22:
			e = get_enum(&t, 0, 4, &x,
			    "iPIRIContents.authenticationType", eb);
			iri->auth = (enum li_auth)x;
			break;
		case 25:
			if (t.len >= LI_STR) {
				cs_errbuf_set(eb,
				    "iPIRIContents.pOPPortID: %zu bytes, "
				    "longer "
				    "than %d at byte %zu",
				    t.len, LI_STR - 1, t.off);
				return CS_EPARSE;
			}
			e = ber_get_str(&t, 0, 0, LI_STR - 1, iri->pop_port,
			    "iPIRIContents.pOPPortID", eb);
			break;
		default:
			if (t.num > 26) {
				cs_errbuf_set(eb,
				    "iPIRIContents: unknown field [%u] at byte "
				    "%zu",
				    (unsigned)t.num, t.off);
				return CS_EPARSE;
			}
			/* a field of the module not decoded here: skipped */
			break;
		}
		if (e != CS_OK)
			return e;
	}
	return CS_OK;
}

/* dec_iri_contents - IRIContents CHOICE: iPIRI [2] or iPIRIPacketReport [20] */
static enum cs_err
dec_iri_contents(struct ber_rd *r0, const struct ber_tlv *ct, struct li_pdu *d,
    struct cs_errbuf *eb)
{
	struct ber_rd r, s, rr, hr;
	struct ber_tlv t, x, y;
	enum cs_err e;

	ber_rd_sub(r0, ct, &r);
	if ((e = ber_rd_next(&r, &t, "iRIContents", eb)) != CS_OK)
		return e;
	if ((e = ber_rd_end(&r, "iRIContents", eb)) != CS_OK)
		return e;
	if (t.cls != BER_CTX || !t.cons || (t.num != 2 && t.num != 20)) {
		cs_errbuf_set(eb,
		    "iRIContents: alternative [%u] is not iPIRI [2] or "
		    "iPIRIPacketReport [20] at byte %zu",
		    (unsigned)t.num, t.off);
		return CS_EPARSE;
	}
	ber_rd_sub(&r, &t, &s);
	if (t.num == 2) {
		d->kind = LI_PDU_IRI;
		if ((e = ber_rd_expect(
			 &s, T_CTX, 0, &x, "iPIRI.iPIRIObjId", eb)) != CS_OK ||
		    (e = want_oid(&x, 1, li_iri_oid, 4, 2, NULL,
			 "iPIRI.iPIRIObjId", eb)) != CS_OK)
			return e;
		if ((e = ber_rd_expect(&s, T_CTXC, 1, &x, "iPIRI.iPIRIContents",
			 eb)) != CS_OK ||
		    (e = dec_ipiri_contents(&s, &x, d, eb)) != CS_OK)
			return e;
		return ber_rd_end(&s, "iPIRI", eb);
	}
	d->kind = LI_PDU_REPORT;
	if ((e = ber_rd_expect(&s, T_CTX, 0, &x,
		 "iPIRIPacketReport.iPIRIPacketReportObjId", eb)) != CS_OK ||
	    (e = want_oid(&x, 1, li_ppr_oid, 4, 2, NULL,
		 "iPIRIPacketReport.iPIRIPacketReportObjId", eb)) != CS_OK)
		return e;
	if ((e = ber_rd_expect(
		 &s, T_CTXC, 1, &x, "iPIRIPacketReport.report", eb)) != CS_OK)
		return e;
	if ((e = ber_rd_end(&s, "iPIRIPacketReport", eb)) != CS_OK)
		return e;
	ber_rd_sub(&s, &x, &rr);
	if ((e = ber_rd_expect(&rr, T_CTXC, 1, &y,
		 "iPIRIPacketReport.report.header", eb)) != CS_OK ||
	    (e = ber_rd_end(&rr, "iPIRIPacketReport.report", eb)) != CS_OK)
		return e;
	ber_rd_sub(&rr, &y, &hr);
	if ((e = ber_rd_expect(&hr, T_CTX, 1, &x,
		 "iPIRIPacketReport.report.header.header", eb)) != CS_OK ||
	    (e = ber_rd_end(&hr, "iPIRIPacketReport.report.header", eb)) !=
		CS_OK)
		return e;
	if (x.len == 0 || x.len > LI_HDR_MAX) {
		cs_errbuf_set(eb,
		    "iPIRIPacketReport.report.header.header: %zu bytes, "
		    "allowed "
		    "1..%d at byte %zu",
		    x.len, LI_HDR_MAX, x.off);
		return CS_EPARSE;
	}
	d->data = x.v;
	d->datalen = x.len;
	return CS_OK;
}

static enum cs_err
dec_iri_payload(struct ber_rd *r0, const struct ber_tlv *pt, struct li_pdu *d,
    struct cs_errbuf *eb)
{
	struct ber_rd r;
	struct ber_tlv t;
	int last = -1, seen = 0;
	int64_t x;
	enum cs_err e;
	const char *w = "IRIPayload";

	ber_rd_sub(r0, pt, &r);
	while (ber_rd_more(&r)) {
		if ((e = ber_rd_next(&r, &t, w, eb)) != CS_OK ||
		    (e = seq_order(&t, &last, w, eb)) != CS_OK)
			return e;
		switch (t.num) {
		case 0:
			e = get_enum(&t, 1, 4, &x, "IRIPayload.iRIType", eb);
			d->iri_type = (enum li_iri_type)x;
			break;
		case 1:
			e = ber_get_gtime(
			    &t, &d->payload_ts, "IRIPayload.timeStamp", eb);
			break;
		case 2:
			if ((e = want_cons(
				 &t, 1, "IRIPayload.iRIContents", eb)) != CS_OK)
				return e;
			e = dec_iri_contents(&r, &t, d, eb);
			seen = 1;
			break;
		case 3:
			e = dec_micro(&r, &t, &d->payload_ts,
			    "IRIPayload.microSecondTimeStamp", eb);
			break;
		case 4:
			e = get_enum(
			    &t, 0, 3, &x, "IRIPayload.timeStampQualifier", eb);
			break;
		case 5:
			e = get_enum(
			    &t, 0, 4, &x, "IRIPayload.sessionDirection", eb);
			break;
		case 6:
			e = get_enum(
			    &t, 0, 4, &x, "IRIPayload.payloadDirection", eb);
			d->dir = li_dir_from_pd(x);
			break;
		default:
			cs_errbuf_set(eb,
			    "IRIPayload: unknown field [%u] at byte "
			    "%zu",
			    (unsigned)t.num, t.off);
			return CS_EPARSE;
		}
		if (e != CS_OK)
			return e;
	}
	if (!seen) {
		cs_errbuf_set(eb,
		    "IRIPayload.iRIContents: missing (payload at "
		    "byte %zu)",
		    pt->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

static enum cs_err
dec_cc_payload(struct ber_rd *r0, const struct ber_tlv *pt, struct li_pdu *d,
    struct cs_errbuf *eb)
{
	struct ber_rd r, cr, ir, pr;
	struct ber_tlv t, a, x, y;
	int last = -1, seen = 0;
	int64_t v;
	enum cs_err e;
	const char *w = "CCPayload";

	d->kind = LI_PDU_CC;
	ber_rd_sub(r0, pt, &r);
	while (ber_rd_more(&r)) {
		if ((e = ber_rd_next(&r, &t, w, eb)) != CS_OK ||
		    (e = seq_order(&t, &last, w, eb)) != CS_OK)
			return e;
		switch (t.num) {
		case 0:
			e = get_enum(
			    &t, 0, 4, &v, "CCPayload.payloadDirection", eb);
			d->dir = li_dir_from_pd(v);
			break;
		case 1:
			e = ber_get_gtime(
			    &t, &d->payload_ts, "CCPayload.timeStamp", eb);
			break;
		case 2:
			if ((e = want_cons(
				 &t, 1, "CCPayload.cCContents", eb)) != CS_OK)
				return e;
			seen = 1;
			ber_rd_sub(&r, &t, &cr);
			if ((e = ber_rd_next(&cr, &a, "cCContents", eb)) !=
				CS_OK ||
			    (e = ber_rd_end(&cr, "cCContents", eb)) != CS_OK)
				return e;
			if (a.cls != BER_CTX || !a.cons || a.num != 2) {
				cs_errbuf_set(eb,
				    "cCContents: alternative [%u] is not iPCC "
				    "[2] at byte %zu",
				    (unsigned)a.num, a.off);
				return CS_EPARSE;
			}
			ber_rd_sub(&cr, &a, &ir);
			if ((e = ber_rd_expect(&ir, T_CTX, 0, &x,
				 "iPCC.iPCCObjId", eb)) != CS_OK ||
			    (e = want_oid(&x, 1, li_cc_oid, 4, 2, NULL,
				 "iPCC.iPCCObjId", eb)) != CS_OK)
				return e;
			if ((e = ber_rd_expect(&ir, T_CTXC, 1, &x,
				 "iPCC.iPCCContents", eb)) != CS_OK ||
			    (e = ber_rd_end(&ir, "iPCC", eb)) != CS_OK)
				return e;
			ber_rd_sub(&ir, &x, &pr);
			if ((e = ber_rd_expect(&pr, T_CTX, 0, &y,
				 "iPCC.iPCCContents.iPPackets", eb)) != CS_OK ||
			    (e = ber_rd_end(&pr, "iPCC.iPCCContents", eb)) !=
				CS_OK)
				return e;
			d->data = y.v;
			d->datalen = y.len;
			break;
		case 3:
			e = dec_micro(&r, &t, &d->payload_ts,
			    "CCPayload.microSecondTimeStamp", eb);
			break;
		case 4:
			e = get_enum(
			    &t, 0, 3, &v, "CCPayload.timeStampQualifier", eb);
			break;
		default:
			cs_errbuf_set(eb,
			    "CCPayload: unknown field [%u] at byte %zu",
			    (unsigned)t.num, t.off);
			return CS_EPARSE;
		}
		if (e != CS_OK)
			return e;
	}
	if (!seen) {
		cs_errbuf_set(eb,
		    "CCPayload.cCContents: missing (payload at byte %zu)",
		    pt->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

/* dec_one - a SEQUENCE OF with exactly one SEQUENCE element */
static enum cs_err
dec_one(struct ber_rd *r0, const struct ber_tlv *st, struct ber_rd *r,
    struct ber_tlv *el, const char *field, struct cs_errbuf *eb)
{
	enum cs_err e;

	ber_rd_sub(r0, st, r);
	if ((e = ber_rd_expect(
		 r, BER_UNIV | BER_CONS, BER_T_SEQ, el, field, eb)) != CS_OK)
		return e;
	if (ber_rd_more(r)) {
		cs_errbuf_set(eb,
		    "%s: more than one payload in one PDU (not supported) at "
		    "byte %zu",
		    field, r->off);
		return CS_EPARSE;
	}
	return CS_OK;
}

enum cs_err
li_pdu_decode(
    const uint8_t *p, size_t n, struct li_pdu *d, struct cs_errbuf *eb)
{
	struct ber_rd top, r, pr, sr;
	struct ber_tlv pdu, t, c, el;
	enum cs_err e;

	memset(d, 0, sizeof(*d));
	d->ts = CS_TIME_NONE;
	d->payload_ts = CS_TIME_NONE;
	d->dir = LI_DIR_UNKNOWN;
	li_iri_init(&d->iri, LI_EV_ACCESS_ATTEMPT);
	ber_rd_init(&top, p, n);
	if ((e = ber_rd_expect(&top, BER_UNIV | BER_CONS, BER_T_SEQ, &pdu,
		 "PS-PDU", eb)) != CS_OK ||
	    (e = ber_rd_end(&top, "PS-PDU (bytes after the PDU)", eb)) != CS_OK)
		return e;
	ber_rd_sub(&top, &pdu, &r);
	if ((e = ber_rd_expect(&r, T_CTXC, 1, &t, "PS-PDU.pSHeader", eb)) !=
		CS_OK ||
	    (e = dec_header(&r, &t, d, eb)) != CS_OK)
		return e;
	if ((e = ber_rd_expect(&r, T_CTXC, 2, &t, "PS-PDU.payload", eb)) !=
		CS_OK ||
	    (e = ber_rd_end(&r, "PS-PDU", eb)) != CS_OK)
		return e;
	ber_rd_sub(&r, &t, &pr);
	if ((e = ber_rd_next(&pr, &c, "payload", eb)) != CS_OK ||
	    (e = ber_rd_end(&pr, "payload", eb)) != CS_OK)
		return e;
	if (c.cls != BER_CTX || !c.cons || c.num > 2) {
		cs_errbuf_set(eb,
		    "payload: alternative [%u] is not iRIPayloadSequence, "
		    "cCPayloadSequence or tRIPayload at byte %zu",
		    (unsigned)c.num, c.off);
		return CS_EPARSE;
	}
	if (c.num == 0) {
		if ((e = dec_one(
			 &pr, &c, &sr, &el, "iRIPayloadSequence", eb)) != CS_OK)
			return e;
		e = dec_iri_payload(&sr, &el, d, eb);
	} else if (c.num == 1) {
		if ((e = dec_one(&pr, &c, &sr, &el, "cCPayloadSequence", eb)) !=
		    CS_OK)
			return e;
		e = dec_cc_payload(&sr, &el, d, eb);
	} else {
		ber_rd_sub(&pr, &c, &sr);
		if ((e = ber_rd_next(&sr, &el, "tRIPayload", eb)) != CS_OK ||
		    (e = ber_rd_end(&sr, "tRIPayload", eb)) != CS_OK)
			return e;
		if (el.cls != BER_CTX || (el.num != 3 && el.num != 4)) {
			cs_errbuf_set(eb,
			    "tRIPayload: alternative [%u] is not keep-alive "
			    "[3] "
			    "or keep-aliveResponse [4] at byte %zu",
			    (unsigned)el.num, el.off);
			return CS_EPARSE;
		}
		if ((e = ber_get_null(&el, "tRIPayload", eb)) != CS_OK)
			return e;
		d->kind =
		    el.num == 3 ? LI_PDU_KEEPALIVE : LI_PDU_KEEPALIVE_RESP;
	}
	if (e != CS_OK)
		return e;
	if (d->kind != LI_PDU_KEEPALIVE && d->kind != LI_PDU_KEEPALIVE_RESP &&
	    !d->has_cin) {
		cs_errbuf_set(eb,
		    "communicationIdentifier.communicationIdentityNumber: "
		    "missing (mandatory for IRI and CC)");
		return CS_EPARSE;
	}
	return CS_OK;
}

/* --- JSON --- */

static void
json_time(struct cs_buf *b, const char *key, cs_time t)
{
	char s[40];

	if (t == CS_TIME_NONE)
		return;
	cs_time_format(t, s);
	cs_buf_appendf(b, ",\"%s\":\"%s\"", key, s);
}

static void
json_str(struct cs_buf *b, const char *key, const char *s)
{
	if (s[0] == '\0')
		return;
	cs_buf_appendf(b, ",\"%s\":", key);
	cs_buf_json_str(b, s, strlen(s));
}

static void
json_addr(struct cs_buf *b, const char *key, const struct cs_addr *a)
{
	char s[CS_ADDR_STRLEN];

	if (a->family == 0)
		return;
	cs_addr_format(a, s);
	cs_buf_appendf(b, ",\"%s\":\"%s\"", key, s);
}

/* json_hdr - what a packet report header says: addresses, protocol, ports */
static void
json_pkthdr(struct cs_buf *b, const uint8_t *h, size_t n)
{
	struct cs_addr s, d;
	size_t off = 0, i;
	unsigned proto = 256;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	cs_buf_appendf(b, ",\"header\":\"");
	for (i = 0; i < n; i++)
		cs_buf_appendf(b, "%02x", h[i]);
	cs_buf_putc(b, '"');
	if (n >= 20 && h[0] >> 4 == 4) {
		s.family = d.family = 4;
		s.plen = d.plen = 32;
		memcpy(s.a, h + 12, 4);
		memcpy(d.a, h + 16, 4);
		proto = h[9];
		off = (size_t)(h[0] & 15) * 4;
		cs_buf_appendf(
		    b, ",\"ip_length\":%u", (unsigned)h[2] << 8 | h[3]);
		if (((h[6] & 0x1f) << 8 | h[7]) != 0)
			off = n; /* a later fragment: no ports */
	} else if (n >= 40 && h[0] >> 4 == 6) {
		s.family = d.family = 6;
		s.plen = d.plen = 128;
		memcpy(s.a, h + 8, 16);
		memcpy(d.a, h + 24, 16);
		proto = h[6];
		off = 40;
		cs_buf_appendf(
		    b, ",\"ip_length\":%u", 40 + ((unsigned)h[4] << 8 | h[5]));
		/* extension headers: the report keeps them; walk to the L4 */
		while (
		    (proto == 0 || proto == 43 || proto == 60 || proto == 51) &&
		    off + 8 <= n) {
			size_t el = proto == 51 ? ((size_t)h[off + 1] + 2) * 4
						: ((size_t)h[off + 1] + 1) * 8;
			proto = h[off];
			off += el;
		}
	}
	json_addr(b, "src", &s);
	json_addr(b, "dst", &d);
	if (proto < 256)
		cs_buf_appendf(b, ",\"proto\":%u", proto);
	if ((proto == 6 || proto == 17) && off + 4 <= n)
		cs_buf_appendf(b, ",\"sport\":%u,\"dport\":%u",
		    (unsigned)h[off] << 8 | h[off + 1],
		    (unsigned)h[off + 2] << 8 | h[off + 3]);
}

void
li_pdu_json(struct cs_buf *b, const struct li_pdu *d)
{
	static const char *const itype[] = {
	    "", "begin", "end", "continue", "report"};
	static const char *const auth[] = {
	    "unknown", "static", "radiusAAA", "dhcpAAA", "diameterAAA"};
	const struct li_iri *i = &d->iri;
	char s[40];

	cs_buf_puts(b, "{\"liid\":");
	cs_buf_json_str(b, d->liid, strlen(d->liid));
	cs_buf_appendf(b, ",\"cin\":%lu,\"seq\":%lu", (unsigned long)d->cin,
	    (unsigned long)d->seq);
	if (d->ts != CS_TIME_NONE) {
		cs_time_format(d->ts, s);
		cs_buf_appendf(b, ",\"time\":\"%s\"", s);
	}
	json_str(b, "operator", d->operator_id);
	json_str(b, "ne", d->ne_id);
	switch (d->kind) {
	case LI_PDU_IRI:
		cs_buf_puts(b, ",\"kind\":\"iri\"");
		break;
	case LI_PDU_REPORT:
		cs_buf_puts(b, ",\"kind\":\"packet_report\"");
		break;
	case LI_PDU_CC:
		cs_buf_puts(b, ",\"kind\":\"cc\"");
		break;
	case LI_PDU_KEEPALIVE:
		cs_buf_puts(b, ",\"kind\":\"keepalive\"}");
		return;
	case LI_PDU_KEEPALIVE_RESP:
		cs_buf_puts(b, ",\"kind\":\"keepalive_response\"}");
		return;
	}
	if (d->iri_type >= 1 && d->iri_type <= 4)
		cs_buf_appendf(b, ",\"iri_type\":\"%s\"", itype[d->iri_type]);
	if (d->kind == LI_PDU_IRI) {
		cs_buf_appendf(b, ",\"event\":\"%s\"", li_event_name(i->event));
		json_str(b, "username", i->username);
		json_addr(b, "address", &i->addr);
		json_str(b, "network_id", i->network_id);
		json_str(b, "pop_id", i->pop_id);
		json_addr(b, "pop_address", &i->pop_addr);
		json_str(b, "pop_port", i->pop_port);
		json_time(b, "start", i->start);
		json_time(b, "end", i->end);
		if (i->end_reason >= 0)
			cs_buf_appendf(b, ",\"end_reason\":%d", i->end_reason);
		if ((int)i->auth >= 0 && (int)i->auth <= 4)
			cs_buf_appendf(b, ",\"auth\":\"%s\"", auth[i->auth]);
		cs_buf_appendf(b, ",\"access_type\":%d,\"ip_version\":%d",
		    d->access_type, d->ip_version);
	} else {
		cs_buf_appendf(b, ",\"direction\":\"%s\"", li_dir_name(d->dir));
		if (d->kind == LI_PDU_REPORT)
			json_pkthdr(b, d->data, d->datalen);
		else
			cs_buf_appendf(b, ",\"length\":%zu", d->datalen);
	}
	cs_buf_putc(b, '}');
}
