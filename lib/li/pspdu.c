/*
 * pspdu - ETSI TS 102 232-1 / -3 PS-PDUs in BER.
 *
 * The ASN.1 encoded and decoded here, transcribed by hand from
 * LI-PS-PDU {itu-t(0) identified-organization(4) etsi(0) securityDomain(2)
 * lawfulIntercept(2) li-ps(5) genHeader(1) version43(43)} and IPAccessPDU
 * {... li-ps(5) iPAccess(3) version20(20)} (the version LI-PS-PDU
 * version43 imports; tags as in version19, which it extends).  Both
 * modules are DEFINITIONS IMPLICIT TAGS: a tag replaces the type's own,
 * except on a CHOICE, whose tag is always explicit (wraps the chosen
 * alternative's TLV).  Only the parts used are listed; "..." marks the
 * extension points.
 *
 *   li-psDomainId OBJECT IDENTIFIER ::= {0 4 0 2 2 5 1 43}
 *
 *   PS-PDU ::= SEQUENCE { pSHeader [1] PSHeader, payload [2] Payload }
 *   PSHeader ::= SEQUENCE {
 *     li-psDomainId [0] OBJECT IDENTIFIER,
 *     lawfulInterceptionIdentifier [1] OCTET STRING (SIZE (1..25)),
 *     authorizationCountryCode [2] PrintableString (SIZE (2)) OPTIONAL,
 *     communicationIdentifier [3] CommunicationIdentifier,
 *     sequenceNumber [4] INTEGER (0..4294967295),
 *     timeStamp [5] GeneralizedTime OPTIONAL, ...,
 *     interceptionPointID [6] PrintableString (SIZE (1..8)) OPTIONAL,
 *     microSecondTimeStamp [7] MicroSecondTimeStamp OPTIONAL,
 *     timeStampQualifier [8] ENUMERATED OPTIONAL,
 *     extendedInterceptionPointID [9], networkFunctionIdentifier [10] }
 *   CommunicationIdentifier ::= SEQUENCE {
 *     networkIdentifier [0] NetworkIdentifier,
 *     communicationIdentityNumber [1] INTEGER (0..4294967295) OPTIONAL,
 *     deliveryCountryCode [2] PrintableString (SIZE (2)) OPTIONAL, ... }
 *   NetworkIdentifier ::= SEQUENCE {
 *     operatorIdentifier [0] OCTET STRING (SIZE (1..16)),
 *     networkElementIdentifier [1] OCTET STRING (SIZE (1..16)) OPTIONAL,
 *     ... }
 *   MicroSecondTimeStamp ::= SEQUENCE {
 *     seconds [0] INTEGER (0..18446744073709551615),
 *     microSeconds [1] INTEGER (0..999999), ... }
 *   Payload ::= CHOICE {
 *     iRIPayloadSequence [0] SEQUENCE OF IRIPayload,
 *     cCPayloadSequence [1] SEQUENCE OF CCPayload,
 *     tRIPayload [2] TRIPayload, ... }
 *   IRIPayload ::= SEQUENCE {
 *     iRIType [0] ENUMERATED {iRI-Begin(1), iRI-End(2), iRI-Continue(3),
 *                             iRI-Report(4)} OPTIONAL,
 *     timeStamp [1] GeneralizedTime OPTIONAL,
 *     iRIContents [2] IRIContents, ...,
 *     microSecondTimeStamp [3], timeStampQualifier [4],
 *     sessionDirection [5] PayloadDirection OPTIONAL,
 *     payloadDirection [6] PayloadDirection OPTIONAL }
 *   IRIContents ::= CHOICE { iPIRI [2] IPIRI, ...,
 *     iPIRIPacketReport [20] IPIRIPacketReport }
 *   CCPayload ::= SEQUENCE {
 *     payloadDirection [0] PayloadDirection OPTIONAL,
 *     timeStamp [1] GeneralizedTime OPTIONAL,
 *     cCContents [2] CCContents, ... }
 *   CCContents ::= CHOICE { iPCC [2] IPCC, ... }
 *   PayloadDirection ::= ENUMERATED { fromTarget(0), toTarget(1), ...,
 *     indeterminate(2), combined(3), notapplicable(4) }
 *   TRIPayload ::= CHOICE { ..., keep-alive [3] NULL,
 *     keep-aliveResponse [4] NULL, ... }
 *   IPAddress ::= SEQUENCE {
 *     iP-type [1] ENUMERATED { iPV4(0), iPV6(1), ... },
 *     iP-value [2] IP-value,
 *     iP-assignment [3] ENUMERATED { static(1), dynamic(2), notKnown(3) }
 *                      OPTIONAL, ...,
 *     iPv6PrefixLength [4] INTEGER (1..128) OPTIONAL,
 *     iPv4SubnetMask [5] OCTET STRING (SIZE(4)) OPTIONAL,
 *     iP-NAT-translated [6] BOOLEAN OPTIONAL }
 *   IP-value ::= CHOICE { iPBinaryAddress [1] OCTET STRING (SIZE(4..16)),
 *     iPTextAddress [2] IA5String (SIZE(7..45)), ... }
 *
 *   (IPAccessPDU, relative to {0 4 0 2 2}: iPIRIObjId {5 3 20 1},
 *    iPCCObjId {5 3 20 2}, iPIRIPacketReportObjId {5 3 20 4})
 *   IPCC ::= SEQUENCE { iPCCObjId [0] RELATIVE-OID,
 *     iPCCContents [1] IPCCContents }
 *   IPCCContents ::= CHOICE { iPPackets [0] OCTET STRING, ... }
 *   IPIRI ::= SEQUENCE { iPIRIObjId [0] RELATIVE-OID,
 *     iPIRIContents [1] IPIRIContents, ... }
 *   IPIRIContents ::= SEQUENCE {
 *     accessEventType [0] ENUMERATED,  -- li_iri_event values
 *     targetUsername [1] OCTET STRING,
 *     internetAccessType [2] ENUMERATED,  -- undefined(0) .. wireless(9)
 *     iPVersion [3] ENUMERATED { iPV4(1), iPV6(2), iPV4andV6(3) },
 *     targetIPAddress [4] IPAddress OPTIONAL,
 *     targetNetworkID [5] UTF8String (SIZE (1..20)) OPTIONAL,
 *     ... [6] .. [9] ...,
 *     startTime [10] GeneralizedTime OPTIONAL,
 *     endTime [11] GeneralizedTime OPTIONAL,
 *     endReason [12] ENUMERATED OPTIONAL,
 *     ... [13] .. [17] ...,
 *     pOPIdentifier [18] IPIRIIDType OPTIONAL,
 *         -- CHOICE { printableIDType [0] UTF8String (SIZE (1..128)), ... }
 *     pOPIPAddress [19] IPAddress OPTIONAL,
 *     ... [20] [21] ...,
 *     authenticationType [22] ENUMERATED OPTIONAL,
 *     ... [23] [24] ...,
 *     pOPPortID [25] OCTET STRING OPTIONAL, framedRoutes [26] ... }
 *   IPIRIPacketReport ::= SEQUENCE { iPIRIPacketReportObjId [0]
 *     RELATIVE-OID, report [1] PacketReport, ... }
 *   PacketReport ::= CHOICE { header [1] PacketReportHeader, ... }
 *   PacketReportHeader ::= SEQUENCE { header [1] OCTET STRING, ... }
 *
 * Choices made where the modules leave room:
 *   - targetUsername is mandatory: empty when the target has no username
 *     (a DHCP or static target); internetAccessType undefined(0); iPVersion
 *     from the target address (iPV4 when there is none).
 *   - IRIType: accessAccept and startOfInterceptionWithSessionActive are
 *     iRI-Begin, interimUpdate iRI-Continue, accessEnd and
 *     endOfInterceptionWithSessionActive iRI-End, the rest iRI-Report.
 *   - Pen/trap packets: IRIContents iPIRIPacketReport (IPPR, clause 6.2.5
 *     of TS 102 232-3) with the header alternative; the direction goes into
 *     IRIPayload.payloadDirection.
 *   - Times: GeneralizedTime in UTC to the microsecond without trailing
 *     zeros (the DER form), and microSecondTimeStamp in the PSHeader.
 */
#include <stdio.h>
#include <string.h>

#include "li/ber.h"
#include "li/pspdu.h"
#include "util/addr.h"

#define T_CTX BER_CTX
#define T_CTXC (BER_CTX | BER_CONS)

static const uint32_t domain_oid[] = {0, 4, 0, 2, 2, 5, 1, LI_PSPDU_VERSION};
static const uint32_t iri_oid[] = {5, 3, LI_IPACCESS_VERSION, 1};
static const uint32_t cc_oid[] = {5, 3, LI_IPACCESS_VERSION, 2};
static const uint32_t ppr_oid[] = {5, 3, LI_IPACCESS_VERSION, 4};

/* PayloadDirection values (not the same numbers as enum li_dir) */
#define PD_FROM_TARGET 0
#define PD_TO_TARGET 1
#define PD_INDETERMINATE 2

static int
pd_from_dir(enum li_dir dir)
{
	switch (dir) {
	case LI_DIR_TO_TARGET:
		return PD_TO_TARGET;
	case LI_DIR_FROM_TARGET:
		return PD_FROM_TARGET;
	default:
		return PD_INDETERMINATE;
	}
}

static enum li_dir
dir_from_pd(int64_t pd)
{
	return pd == PD_TO_TARGET  ? LI_DIR_TO_TARGET
	    : pd == PD_FROM_TARGET ? LI_DIR_FROM_TARGET
				   : LI_DIR_UNKNOWN;
}

const char *
li_dir_name(enum li_dir dir)
{
	switch (dir) {
	case LI_DIR_TO_TARGET:
		return "toTarget";
	case LI_DIR_FROM_TARGET:
		return "fromTarget";
	default:
		return "indeterminate";
	}
}

const char *
li_event_name(int ev)
{
	static const char *const names[] = {"accessAttempt", "accessAccept",
	    "accessReject", "accessFailed", "sessionStart", "sessionEnd",
	    "interimUpdate", "startOfInterceptionWithSessionActive",
	    "accessEnd", "endOfInterceptionWithSessionActive", "unknown"};

	if (ev < 0 || ev > 10)
		return "unknown";
	return names[ev];
}

/* --- encoder --- */

static int
str_ok(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= min && n <= max;
}

static int
cc_ok(const char *s)
{
	return s == NULL || s[0] == '\0' ||
	    (strlen(s) == 2 && ber_printable_ok((const uint8_t *)s, 2));
}

static enum cs_err
check_hdr(const struct li_hdr *h)
{
	if (h == NULL || !str_ok(h->liid, 1, LI_LIID_MAX) ||
	    !str_ok(h->operator_id, 1, 16) ||
	    (h->ne_id != NULL && strlen(h->ne_id) > 16) || !cc_ok(h->auth_cc) ||
	    !cc_ok(h->deliv_cc) || h->ts < 0 || h->ts == CS_TIME_NONE ||
	    ber_fmt_gtime(h->ts, (char[32]){0}) == 0)
		return CS_EINVAL;
	return CS_OK;
}

/* put_hdr - PS-PDU start and the whole PSHeader; returns the PS-PDU mark */
static size_t
put_hdr(struct cs_buf *b, const struct li_hdr *h)
{
	size_t pdu, hdr, ci, ni, ms;

	pdu = ber_begin(b, BER_UNIV, BER_T_SEQ);
	hdr = ber_begin(b, T_CTX, 1);
	ber_put_oid(b, T_CTX, 0, domain_oid,
	    sizeof(domain_oid) / sizeof(domain_oid[0]));
	ber_put_tlv(b, T_CTX, 1, h->liid, strlen(h->liid));
	if (h->auth_cc && h->auth_cc[0])
		ber_put_tlv(b, T_CTX, 2, h->auth_cc, 2);
	ci = ber_begin(b, T_CTX, 3);
	ni = ber_begin(b, T_CTX, 0);
	ber_put_tlv(b, T_CTX, 0, h->operator_id, strlen(h->operator_id));
	if (h->ne_id && h->ne_id[0])
		ber_put_tlv(b, T_CTX, 1, h->ne_id, strlen(h->ne_id));
	ber_end(b, ni);
	ber_put_uint(b, T_CTX, 1, h->cin);
	if (h->deliv_cc && h->deliv_cc[0])
		ber_put_tlv(b, T_CTX, 2, h->deliv_cc, 2);
	ber_end(b, ci);
	ber_put_uint(b, T_CTX, 4, h->seq);
	ber_put_gtime(b, T_CTX, 5, h->ts);
	ms = ber_begin(b, T_CTX, 7);
	ber_put_uint(b, T_CTX, 0, (uint64_t)(h->ts / CS_US));
	ber_put_uint(b, T_CTX, 1, (uint64_t)(h->ts % CS_US));
	ber_end(b, ms);
	ber_end(b, hdr);
	return pdu;
}

/* finish - close the PS-PDU, or undo everything written since start */
static enum cs_err
finish(struct cs_buf *b, size_t start, enum cs_err e)
{
	if (e == CS_OK)
		e = cs_buf_error(b);
	if (e != CS_OK && b->data != NULL && start <= b->len) {
		b->len = start;
		b->data[start] = '\0';
	}
	return e;
}

static void
put_ipaddr(
    struct cs_buf *b, uint32_t tag, const struct cs_addr *a, int assignment)
{
	size_t m = ber_begin(b, T_CTX, tag), v;
	int v6 = a->family == 6;

	ber_put_int(b, T_CTX, 1, v6 ? 1 : 0);
	v = ber_begin(b, T_CTX, 2);
	ber_put_tlv(b, T_CTX, 1, a->a, v6 ? 16 : 4);
	ber_end(b, v);
	if (assignment)
		ber_put_int(b, T_CTX, 3, assignment);
	if (v6) {
		ber_put_int(b, T_CTX, 4, a->plen ? a->plen : 128);
	} else if (a->plen < 32) {
		uint8_t mask[4];
		uint32_t mk = a->plen ? ~0u << (32 - a->plen) : 0;

		mask[0] = (uint8_t)(mk >> 24);
		mask[1] = (uint8_t)(mk >> 16);
		mask[2] = (uint8_t)(mk >> 8);
		mask[3] = (uint8_t)mk;
		ber_put_tlv(b, T_CTX, 5, mask, 4);
	}
	ber_end(b, m);
}

/*
 * put_utf8 - a UTF8String of at most max bytes: malformed bytes become '?'
 * (a NAS may send Latin-1), longer text is cut at a character boundary
 */
static void
put_utf8(struct cs_buf *b, uint32_t tag, const char *s, size_t max)
{
	char t[LI_STR];
	size_t n = strnlen(s, LI_STR - 1), i = 0, o = 0;
	const uint8_t *p = (const uint8_t *)s;

	while (i < n) {
		size_t k = 1;

		if (p[i] >= 0x80) {
			k = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			if (i + k > n || !ber_utf8_ok(p + i, k)) {
				if (o + 1 > max)
					break;
				t[o++] = '?';
				i++;
				continue;
			}
		}
		if (o + k > max)
			break;
		memcpy(t + o, p + i, k);
		o += k;
		i += k;
	}
	ber_put_tlv(b, T_CTX, tag, t, o);
}

static int
iri_type_of(enum li_iri_event ev)
{
	switch (ev) {
	case LI_EV_ACCESS_ACCEPT:
	case LI_EV_START_WITH_SESSION:
		return LI_IRI_BEGIN;
	case LI_EV_INTERIM_UPDATE:
		return LI_IRI_CONTINUE;
	case LI_EV_ACCESS_END:
	case LI_EV_END_WITH_SESSION:
		return LI_IRI_END;
	default:
		return LI_IRI_REPORT;
	}
}

static enum cs_err
check_iri(const struct li_iri *iri)
{
	if (iri == NULL || (int)iri->event < 0 || (int)iri->event > 10)
		return CS_EINVAL;
	if (strnlen(iri->network_id, LI_STR) > 20 ||
	    strnlen(iri->username, LI_STR) >= LI_STR ||
	    strnlen(iri->pop_port, LI_STR) >= LI_STR)
		return CS_EINVAL;
	if ((iri->addr.family != 0 && iri->addr.family != 4 &&
		iri->addr.family != 6) ||
	    (iri->pop_addr.family != 0 && iri->pop_addr.family != 4 &&
		iri->pop_addr.family != 6))
		return CS_EINVAL;
	if (iri->end_reason < -1 || iri->end_reason > 127)
		return CS_EINVAL;
	if ((iri->start != CS_TIME_NONE &&
		ber_fmt_gtime(iri->start, (char[32]){0}) == 0) ||
	    (iri->end != CS_TIME_NONE &&
		ber_fmt_gtime(iri->end, (char[32]){0}) == 0))
		return CS_EINVAL;
	return CS_OK;
}

enum cs_err
li_enc_iri(struct cs_buf *out, const struct li_hdr *h, const struct li_iri *iri)
{
	size_t start = out->len, pdu, pl, seq, ip, ct, ipiri, c;
	enum cs_err e;
	int assignment;

	if ((e = cs_buf_error(out)) != CS_OK)
		return e;
	if (check_hdr(h) != CS_OK || check_iri(iri) != CS_OK)
		return CS_EINVAL;
	pdu = put_hdr(out, h);
	pl = ber_begin(out, T_CTX, 2);  /* payload: CHOICE, explicit */
	seq = ber_begin(out, T_CTX, 0); /* iRIPayloadSequence */
	ip = ber_begin(out, BER_UNIV, BER_T_SEQ); /* IRIPayload */
	ber_put_int(out, T_CTX, 0, iri_type_of(iri->event));
	ber_put_gtime(out, T_CTX, 1, h->ts);
	ct = ber_begin(out, T_CTX, 2);    /* iRIContents: CHOICE, explicit */
	ipiri = ber_begin(out, T_CTX, 2); /* iPIRI */
	ber_put_reloid(out, T_CTX, 0, iri_oid, 4);
	c = ber_begin(out, T_CTX, 1); /* iPIRIContents */
	ber_put_int(out, T_CTX, 0, iri->event);
	ber_put_tlv(out, T_CTX, 1, iri->username, strlen(iri->username));
	ber_put_int(out, T_CTX, 2, 0); /* internetAccessType undefined */
	ber_put_int(out, T_CTX, 3, iri->addr.family == 6 ? 2 : 1);
	assignment = iri->auth == LI_AUTH_STATIC                       ? 1
	    : iri->auth == LI_AUTH_RADIUS || iri->auth == LI_AUTH_DHCP ? 2
								       : 3;
	if (iri->addr.family)
		put_ipaddr(out, 4, &iri->addr, assignment);
	if (iri->network_id[0])
		put_utf8(out, 5, iri->network_id, 20);
	if (iri->start != CS_TIME_NONE)
		ber_put_gtime(out, T_CTX, 10, iri->start);
	if (iri->end != CS_TIME_NONE)
		ber_put_gtime(out, T_CTX, 11, iri->end);
	if (iri->end_reason >= 0)
		ber_put_int(out, T_CTX, 12, iri->end_reason);
	if (iri->pop_id[0]) {
		size_t m = ber_begin(out, T_CTX, 18); /* IPIRIIDType CHOICE */
		put_utf8(out, 0, iri->pop_id, 128);
		ber_end(out, m);
	}
	if (iri->pop_addr.family)
		put_ipaddr(out, 19, &iri->pop_addr, 0);
	if (iri->auth != LI_AUTH_NONE)
		ber_put_int(out, T_CTX, 22, iri->auth);
	if (iri->pop_port[0])
		ber_put_tlv(
		    out, T_CTX, 25, iri->pop_port, strlen(iri->pop_port));
	ber_end(out, c);
	ber_end(out, ipiri);
	ber_end(out, ct);
	ber_end(out, ip);
	ber_end(out, seq);
	ber_end(out, pl);
	ber_end(out, pdu);
	return finish(out, start, CS_OK);
}

enum cs_err
li_enc_cc(struct cs_buf *out, const struct li_hdr *h, enum li_dir dir,
    const uint8_t *ip, size_t len)
{
	size_t start = out->len, pdu, pl, seq, cp, ct, ipcc, cc;
	enum cs_err e;

	if ((e = cs_buf_error(out)) != CS_OK)
		return e;
	if (check_hdr(h) != CS_OK || (ip == NULL && len != 0) ||
	    len > LI_PDU_MAX - 512)
		return CS_EINVAL;
	pdu = put_hdr(out, h);
	pl = ber_begin(out, T_CTX, 2);
	seq = ber_begin(out, T_CTX, 1);           /* cCPayloadSequence */
	cp = ber_begin(out, BER_UNIV, BER_T_SEQ); /* CCPayload */
	ber_put_int(out, T_CTX, 0, pd_from_dir(dir));
	ber_put_gtime(out, T_CTX, 1, h->ts);
	ct = ber_begin(out, T_CTX, 2);   /* cCContents: CHOICE, explicit */
	ipcc = ber_begin(out, T_CTX, 2); /* iPCC */
	ber_put_reloid(out, T_CTX, 0, cc_oid, 4);
	cc = ber_begin(out, T_CTX, 1); /* iPCCContents: CHOICE, explicit */
	ber_put_tlv(out, T_CTX, 0, ip, len); /* iPPackets */
	ber_end(out, cc);
	ber_end(out, ipcc);
	ber_end(out, ct);
	ber_end(out, cp);
	ber_end(out, seq);
	ber_end(out, pl);
	ber_end(out, pdu);
	return finish(out, start, CS_OK);
}

enum cs_err
li_enc_report(struct cs_buf *out, const struct li_hdr *h, enum li_dir dir,
    const struct li_hdronly *hdr)
{
	size_t start = out->len, pdu, pl, seq, ip, ct, ppr, rep, rh;
	enum cs_err e;

	if ((e = cs_buf_error(out)) != CS_OK)
		return e;
	if (check_hdr(h) != CS_OK || hdr == NULL || hdr->len == 0 ||
	    hdr->len > LI_HDR_MAX)
		return CS_EINVAL;
	pdu = put_hdr(out, h);
	pl = ber_begin(out, T_CTX, 2);
	seq = ber_begin(out, T_CTX, 0); /* iRIPayloadSequence */
	ip = ber_begin(out, BER_UNIV, BER_T_SEQ);
	ber_put_int(out, T_CTX, 0, LI_IRI_REPORT);
	ber_put_gtime(out, T_CTX, 1, h->ts);
	ct = ber_begin(out, T_CTX, 2);   /* iRIContents */
	ppr = ber_begin(out, T_CTX, 20); /* iPIRIPacketReport */
	ber_put_reloid(out, T_CTX, 0, ppr_oid, 4);
	rep = ber_begin(out, T_CTX, 1); /* report: CHOICE, explicit */
	rh = ber_begin(out, T_CTX, 1);  /* header: PacketReportHeader */
	ber_put_tlv(out, T_CTX, 1, hdr->b, hdr->len);
	ber_end(out, rh);
	ber_end(out, rep);
	ber_end(out, ppr);
	ber_end(out, ct);
	ber_put_int(out, T_CTX, 6, pd_from_dir(dir)); /* payloadDirection */
	ber_end(out, ip);
	ber_end(out, seq);
	ber_end(out, pl);
	ber_end(out, pdu);
	return finish(out, start, CS_OK);
}

enum cs_err
li_enc_keepalive(struct cs_buf *out, const struct li_hdr *h, int response)
{
	size_t start = out->len, pdu, pl, tri;
	enum cs_err e;

	if ((e = cs_buf_error(out)) != CS_OK)
		return e;
	if (check_hdr(h) != CS_OK)
		return CS_EINVAL;
	pdu = put_hdr(out, h);
	pl = ber_begin(out, T_CTX, 2);
	tri = ber_begin(out, T_CTX, 2); /* tRIPayload: CHOICE, explicit */
	ber_put_null(out, T_CTX, response ? 4 : 3);
	ber_end(out, tri);
	ber_end(out, pl);
	ber_end(out, pdu);
	return finish(out, start, CS_OK);
}

/* --- framing --- */

long
li_pdu_frame(const uint8_t *p, size_t n)
{
	size_t len, k, i;

	if (n < 1)
		return 0;
	if (p[0] != 0x30)
		return -1;
	if (n < 2)
		return 0;
	if (p[1] < 0x80) {
		len = p[1];
		k = 0;
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > 4)
			return -1;
		if (n < 2 + k)
			return 0;
		if (p[2] == 0)
			return -1;
		len = 0;
		for (i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		if (len < 0x80)
			return -1;
	}
	if (len + 2 + k > LI_PDU_MAX)
		return -1;
	if (n < len + 2 + k)
		return 0;
	return (long)(len + 2 + k);
}

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

static enum cs_err
dec_micro(struct ber_rd *r0, const struct ber_tlv *t, cs_time *out,
    const char *field, struct cs_errbuf *eb)
{
	struct ber_rd r;
	struct ber_tlv s, u;
	uint64_t secs, us;
	enum cs_err e;
	char f[96];

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
	    (e = want_oid(&t, 0, domain_oid, 8, 7, &ver,
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
			if ((e = want_cons(
				 &t, 1, "pSHeader.microSecondTimeStamp", eb)) !=
				CS_OK ||
			    (e = dec_micro(&r, &t, &micro,
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
		    (e = want_oid(&x, 1, iri_oid, 4, 2, NULL,
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
	    (e = want_oid(&x, 1, ppr_oid, 4, 2, NULL,
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
		case 3: {
			cs_time m;
			e = want_cons(
			    &t, 1, "IRIPayload.microSecondTimeStamp", eb);
			if (e == CS_OK)
				e = dec_micro(&r, &t, &m,
				    "IRIPayload.microSecondTimeStamp", eb);
			if (e == CS_OK)
				d->payload_ts = m;
			break;
		}
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
			d->dir = dir_from_pd(x);
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
			d->dir = dir_from_pd(v);
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
			    (e = want_oid(&x, 1, cc_oid, 4, 2, NULL,
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
		case 3: {
			cs_time m;
			e = want_cons(
			    &t, 1, "CCPayload.microSecondTimeStamp", eb);
			if (e == CS_OK)
				e = dec_micro(&r, &t, &m,
				    "CCPayload.microSecondTimeStamp", eb);
			if (e == CS_OK)
				d->payload_ts = m;
			break;
		}
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
