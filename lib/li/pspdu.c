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
#include "li/pspdu_asn.h"
#include "util/addr.h"

const uint32_t li_domain_oid[8] = {0, 4, 0, 2, 2, 5, 1, LI_PSPDU_VERSION};
const uint32_t li_iri_oid[4] = {5, 3, LI_IPACCESS_VERSION, 1};
const uint32_t li_cc_oid[4] = {5, 3, LI_IPACCESS_VERSION, 2};
const uint32_t li_ppr_oid[4] = {5, 3, LI_IPACCESS_VERSION, 4};

int
li_pd_from_dir(enum li_dir dir)
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

enum li_dir
li_dir_from_pd(int64_t pd)
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
	ber_put_oid(b, T_CTX, 0, li_domain_oid, 8);
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
	ber_put_reloid(out, T_CTX, 0, li_iri_oid, 4);
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
	ber_put_int(out, T_CTX, 0, li_pd_from_dir(dir));
	ber_put_gtime(out, T_CTX, 1, h->ts);
	ct = ber_begin(out, T_CTX, 2);   /* cCContents: CHOICE, explicit */
	ipcc = ber_begin(out, T_CTX, 2); /* iPCC */
	ber_put_reloid(out, T_CTX, 0, li_cc_oid, 4);
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
	ber_put_reloid(out, T_CTX, 0, li_ppr_oid, 4);
	rep = ber_begin(out, T_CTX, 1); /* report: CHOICE, explicit */
	rh = ber_begin(out, T_CTX, 1);  /* header: PacketReportHeader */
	ber_put_tlv(out, T_CTX, 1, hdr->b, hdr->len);
	ber_end(out, rh);
	ber_end(out, rep);
	ber_end(out, ppr);
	ber_end(out, ct);
	ber_put_int(out, T_CTX, 6, li_pd_from_dir(dir)); /* payloadDirection */
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
