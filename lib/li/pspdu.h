/*
 * pspdu - ETSI TS 102 232-1 PS-PDUs in BER: the encoder of the intercept
 * path (IRI, CC, pen/trap packet reports, keep-alives) and the strict
 * decoder `custos lemf` and the delivery link use.
 *
 * Modules encoded (pspdu.c holds the ASN.1 fragments):
 *   LI-PS-PDU  {0 4 0 2 2 5 1 43}  (TS 102 232-1, version43): li-psDomainId
 *              is the OID 0.4.0.2.2.5.1.43, encoded exactly (no trailing .0)
 *   IPAccessPDU version20 (TS 102 232-3): iPIRIObjId RELATIVE-OID 5.3.20.1,
 *              iPCCObjId 5.3.20.2, iPIRIPacketReportObjId 5.3.20.4
 *
 * Every encoder appends exactly one complete PS-PDU to out, or nothing
 * (out->len is restored) and returns the error: CS_EINVAL for a header
 * field outside its ASN.1 constraint (LIID 1..25 bytes, operator id
 * 1..16, network element id 0..16, country codes 2 letters), CS_ETOOBIG
 * when out's maximum is reached (out's sticky error stays set).
 *
 * The pen/trap encoder li_enc_report takes a struct li_hdronly and nothing
 * else about the packet: it has no parameter through which payload bytes
 * could reach the output.
 *
 * The decoder is strict: definite minimal lengths, tags in their places,
 * no trailing bytes, constraints checked; the error names the field and
 * the byte offset from the start of the PDU.  The decoded struct borrows
 * the CC packet / report header bytes from the input (no free needed).
 * Thread-safe: no shared state.
 */
#ifndef CS_LI_PSPDU_H
#define CS_LI_PSPDU_H

#include <stddef.h>
#include <stdint.h>

#include "li/li.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/time.h"

/* the versions encoded (see the top of pspdu.c) */
#define LI_PSPDU_VERSION 43    /* LI-PS-PDU genHeader(1) version43 */
#define LI_IPACCESS_VERSION 20 /* IPAccessPDU iPAccess(3) version20 */

/* the largest PS-PDU li_pdu_frame accepts (a 64 KiB IP packet + headers) */
#define LI_PDU_MAX (1u << 20)

#define LI_LIID_MAX 25 /* TS 103 280 LIID: OCTET STRING (SIZE (1..25)) */

struct li_hdr {                  /* PSHeader fields */
	const char *liid;        /* lawfulInterceptionIdentifier, 1..25 bytes */
	const char *auth_cc;     /* authorizationCountryCode, e.g. "US"; NULL or
				    "": absent */
	const char *operator_id; /* operatorIdentifier, 1..16 chars */
	const char *ne_id;       /* networkElementIdentifier, 0..16 chars (NULL
				    or "": absent) */
	uint32_t cin;            /* communicationIdentityNumber */
	const char *deliv_cc;    /* deliveryCountryCode; NULL or "": absent */
	uint32_t seq;            /* sequenceNumber */
	cs_time ts; /* timeStamp (GeneralizedTime) + microSecondTimeStamp */
};

/* li_enc_iri - IRIPayload with IPIRI (TS 102 232-3 IPIRIContents) */
enum cs_err li_enc_iri(
    struct cs_buf *out, const struct li_hdr *h, const struct li_iri *iri);
/* li_enc_cc - CCPayload with IPCC iPPackets: the whole IP packet */
enum cs_err li_enc_cc(struct cs_buf *out, const struct li_hdr *h,
    enum li_dir dir, const uint8_t *ip, size_t len);
/*
 * li_enc_report - pen/trap: IRIPayload (iRI-Report, payloadDirection) with
 * IPIRIPacketReport { report header { header: hdr's bytes } } - the IP and
 * transport headers only
 */
enum cs_err li_enc_report(struct cs_buf *out, const struct li_hdr *h,
    enum li_dir dir, const struct li_hdronly *hdr);
/* li_enc_keepalive - TRIPayload keep-alive [3] / keep-aliveResponse [4] */
enum cs_err li_enc_keepalive(
    struct cs_buf *out, const struct li_hdr *h, int response);

/*
 * li_pdu_frame - length of the first complete PDU in p[0..n): >0 its
 * length, 0 need more bytes, -1 malformed (not a PS-PDU SEQUENCE, an
 * indefinite or non-minimal length, or longer than LI_PDU_MAX)
 */
long li_pdu_frame(const uint8_t *p, size_t n);
/*
 * li_pdu_is_keepalive - 1 if p[0..n) is one well-formed keep-alive
 * (response == 0) / keep-alive response (response == 1) PDU
 */
int li_pdu_is_keepalive(const uint8_t *p, size_t n, int response);

enum li_pdu_kind {
	LI_PDU_IRI = 1,       /* IRIPayload with IPIRI */
	LI_PDU_CC = 2,        /* CCPayload with IPCC iPPackets */
	LI_PDU_REPORT = 3,    /* IRIPayload with IPIRIPacketReport header */
	LI_PDU_KEEPALIVE = 4, /* TRIPayload keep-alive */
	LI_PDU_KEEPALIVE_RESP = 5, /* TRIPayload keep-aliveResponse */
};

/* TS 102 232-1 IRIType */
enum li_iri_type {
	LI_IRI_BEGIN = 1,
	LI_IRI_END = 2,
	LI_IRI_CONTINUE = 3,
	LI_IRI_REPORT = 4,
};

/* a decoded PS-PDU */
struct li_pdu {
	enum li_pdu_kind kind;
	unsigned version;           /* LI-PS-PDU version of li-psDomainId */
	char liid[LI_LIID_MAX + 1]; /* lawfulInterceptionIdentifier */
	char auth_cc[3];            /* "" if absent */
	char operator_id[17];
	char ne_id[17]; /* "" if absent */
	int has_cin;
	uint32_t cin;
	char deliv_cc[3]; /* "" if absent */
	uint32_t seq;
	cs_time ts; /* timeStamp, refined by microSecondTimeStamp; CS_TIME_NONE
		       if neither */
	/* IRI and packet reports */
	enum li_iri_type iri_type; /* 0 if absent */
	cs_time payload_ts;        /* IRIPayload/CCPayload timeStamp or
				      CS_TIME_NONE */
	struct li_iri iri;         /* LI_PDU_IRI */
	int access_type;           /* internetAccessType */
	int ip_version;            /* iPVersion */
	/* CC and packet reports */
	enum li_dir dir;     /* payloadDirection (LI_DIR_UNKNOWN if
				absent or indeterminate) */
	const uint8_t *data; /* borrowed from the input: CC the IP packet,
				report the header bytes */
	size_t datalen;
};

/*
 * li_pdu_decode - decode one whole PS-PDU p[0..n) strictly; CS_EPARSE /
 * CS_ETRUNC with "FIELD: WHAT at byte N" in eb
 */
enum cs_err li_pdu_decode(
    const uint8_t *p, size_t n, struct li_pdu *out, struct cs_errbuf *eb);

/*
 * li_pdu_json - one JSON object (no newline) for a decoded IRI or packet
 * report PDU: liid, cin, seq, time, kind, event and the fields present
 */
void li_pdu_json(struct cs_buf *b, const struct li_pdu *d);

/* li_dir_name - "toTarget", "fromTarget", "indeterminate" */
const char *li_dir_name(enum li_dir dir);
/* li_event_name - "accessAccept", ... for an accessEventType value */
const char *li_event_name(int ev);

#endif
