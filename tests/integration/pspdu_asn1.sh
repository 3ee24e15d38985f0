#!/bin/sh
# pspdu_asn1 - a second, independent decoder for the PS-PDU encoder:
# libtasn1 compiles the ASN.1 below (LI-PS-PDU version43 and IPAccessPDU,
# the parts custos encodes, transcribed from the ETSI modules) and decodes
# every PDU kind custos makes in strict DER mode.  Wireshark's generic BER
# check (tshark_ber) sees only tags and lengths; this one checks that each
# tag is the one the ASN.1 puts there, IMPLICIT/EXPLICIT included.
#
# Needs libtasn1-6-dev (the C library and header; Debian).  Where it is not
# installed the checks are reported as skipped.
#
# Transcription notes: a tagged CHOICE is written "EXPLICIT" (X.680
# 31.2.7 makes it explicit anyway; libtasn1 needs it spelled out);
# RELATIVE-OID is read as OCTET STRING (the same bytes under an IMPLICIT
# tag; libtasn1 has no RELATIVE-OID); size constraints and extension
# markers are left out; only the CHOICE alternatives custos uses are kept.
T=pspdu_asn1
. "$(dirname "$0")/lib.sh.inc"

SEND="$TOP/$O/bench/li_send"
cp "$SEND" "$WORK/bin/li_send" 2>/dev/null && SEND="$WORK/bin/li_send"
CC=${CC:-cc}
[ "$CC" = cc ] && CC=gcc

if [ ! -f /usr/include/libtasn1.h ]; then
	echo "ok libtasn1_decodes_every_kind # SKIP libtasn1-6-dev not installed"
	exit 0
fi

cat > "$WORK/li.asn" <<'EOF'
LI-PS-PDU { 0 4 0 2 2 5 1 43 }

DEFINITIONS IMPLICIT TAGS ::=

BEGIN

PS-PDU ::= SEQUENCE
{
    pSHeader    [1] PSHeader,
    payload     [2] EXPLICIT Payload
}

PSHeader ::= SEQUENCE
{
    li-psDomainId                   [0] OBJECT IDENTIFIER,
    lawfulInterceptionIdentifier    [1] OCTET STRING,
    authorizationCountryCode        [2] PrintableString OPTIONAL,
    communicationIdentifier         [3] CommunicationIdentifier,
    sequenceNumber                  [4] INTEGER,
    timeStamp                       [5] GeneralizedTime OPTIONAL,
    interceptionPointID             [6] PrintableString OPTIONAL,
    microSecondTimeStamp            [7] MicroSecondTimeStamp OPTIONAL,
    timeStampQualifier              [8] ENUMERATED { unknown(0), timeOfInterception(1) } OPTIONAL
}

Payload ::= CHOICE
{
    iRIPayloadSequence      [0] SEQUENCE OF IRIPayload,
    cCPayloadSequence       [1] SEQUENCE OF CCPayload,
    tRIPayload              [2] EXPLICIT TRIPayload
}

CommunicationIdentifier ::= SEQUENCE
{
    networkIdentifier               [0] NetworkIdentifier,
    communicationIdentityNumber     [1] INTEGER OPTIONAL,
    deliveryCountryCode             [2] PrintableString OPTIONAL
}

NetworkIdentifier ::= SEQUENCE
{
    operatorIdentifier          [0] OCTET STRING,
    networkElementIdentifier    [1] OCTET STRING OPTIONAL
}

CCPayload ::= SEQUENCE
{
    payloadDirection        [0] ENUMERATED { fromTarget(0), toTarget(1), indeterminate(2) } OPTIONAL,
    timeStamp               [1] GeneralizedTime OPTIONAL,
    cCContents              [2] EXPLICIT CCContents,
    microSecondTimeStamp    [3] MicroSecondTimeStamp OPTIONAL
}

CCContents ::= CHOICE
{
    iPCC                        [2] IPCC
}

MicroSecondTimeStamp ::= SEQUENCE
{
    seconds         [0] INTEGER,
    microSeconds    [1] INTEGER
}

IRIPayload ::= SEQUENCE
{
    iRIType                 [0] ENUMERATED { iRI-Begin(1), iRI-End(2), iRI-Continue(3), iRI-Report(4) } OPTIONAL,
    timeStamp               [1] GeneralizedTime OPTIONAL,
    iRIContents             [2] EXPLICIT IRIContents,
    microSecondTimeStamp    [3] MicroSecondTimeStamp OPTIONAL,
    timeStampQualifier      [4] ENUMERATED { unknown(0), timeOfInterception(1) } OPTIONAL,
    sessionDirection        [5] ENUMERATED { fromTarget(0), toTarget(1), indeterminate(2) } OPTIONAL,
    payloadDirection        [6] ENUMERATED { fromTarget(0), toTarget(1), indeterminate(2) } OPTIONAL
}

IRIContents ::= CHOICE
{
    iPIRI                       [2] IPIRI,
    iPIRIPacketReport           [20] IPIRIPacketReport
}

TRIPayload ::= CHOICE
{
    testPDU                         [1] NULL,
    keep-alive                      [3] NULL,
    keep-aliveResponse              [4] NULL
}

IPAddress ::= SEQUENCE
{
    iP-type             [1] ENUMERATED { iPV4(0), iPV6(1) },
    iP-value            [2] EXPLICIT IP-value,
    iP-assignment       [3] ENUMERATED { static(1), dynamic(2), notKnown(3) } OPTIONAL,
    iPv6PrefixLength    [4] INTEGER OPTIONAL,
    iPv4SubnetMask      [5] OCTET STRING OPTIONAL
}

IP-value ::= CHOICE
{
    iPBinaryAddress [1] OCTET STRING,
    iPTextAddress   [2] IA5String
}

IPCC ::= SEQUENCE
{
    iPCCObjId           [0] OCTET STRING,
    iPCCContents        [1] EXPLICIT IPCCContents
}

IPCCContents ::= CHOICE
{
    iPPackets           [0] OCTET STRING
}

IPIRI ::= SEQUENCE
{
    iPIRIObjId          [0] OCTET STRING,
    iPIRIContents       [1] IPIRIContents
}

IPIRIContents ::= SEQUENCE
{
    accessEventType         [0] ENUMERATED { accessAttempt(0), accessAccept(1), accessReject(2), accessFailed(3), sessionStart(4), sessionEnd(5), interimUpdate(6), startOfInterceptionWithSessionActive(7), accessEnd(8), endOfInterceptionWithSessionActive(9), unknown(10) },
    targetUsername          [1] OCTET STRING,
    internetAccessType      [2] ENUMERATED { undefined(0), dialUp(1), xDSL(2), cableModem(3), lAN(4) },
    iPVersion               [3] ENUMERATED { iPV4(1), iPV6(2), iPV4andV6(3) },
    targetIPAddress         [4] IPAddress OPTIONAL,
    targetNetworkID         [5] UTF8String OPTIONAL,
    targetCPEID             [6] UTF8String OPTIONAL,
    startTime               [10] GeneralizedTime OPTIONAL,
    endTime                 [11] GeneralizedTime OPTIONAL,
    endReason               [12] ENUMERATED { undefined(0), regularLogoff(1), connectionLoss(2), connectionTimeout(3), leaseExpired(4) } OPTIONAL,
    pOPIdentifier           [18] EXPLICIT IPIRIIDType OPTIONAL,
    pOPIPAddress            [19] IPAddress OPTIONAL,
    authenticationType      [22] ENUMERATED { unknown(0), static(1), radiusAAA(2), dhcpAAA(3), diameterAAA(4) } OPTIONAL,
    pOPPortID               [25] OCTET STRING OPTIONAL
}

IPIRIIDType ::= CHOICE
{
    printableIDType         [0] UTF8String,
    macAddressType          [1] OCTET STRING,
    ipAddressType           [2] IPAddress
}

IPIRIPacketReport ::= SEQUENCE
{
    iPIRIPacketReportObjId [0] OCTET STRING,
    report                 [1] EXPLICIT PacketReport
}

PacketReport ::= CHOICE
{
    header  [1] PacketReportHeader
}

PacketReportHeader ::= SEQUENCE
{
    header [1] OCTET STRING
}

END
EOF

cat > "$WORK/chk.c" <<'EOF'
/* chk ASN PCAP: decode every record of a DLT USER0 pcap as a PS-PDU */
#include <libtasn1.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int
main(int argc, char **argv)
{
	asn1_node defs = NULL;
	char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
	static unsigned char buf[1 << 22];
	FILE *f;
	size_t n, off = 24;
	int r, bad = 0, good = 0;

	if (argc != 3)
		return 2;
	r = asn1_parser2tree(argv[1], &defs, err);
	if (r != ASN1_SUCCESS) {
		printf("asn1: %s %s\n", asn1_strerror(r), err);
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (f == NULL)
		return 2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (off + 16 <= n) {
		uint32_t len = le32(buf + off + 8);
		asn1_node el = NULL;
		int dl = (int)len;

		off += 16;
		if (off + len > n)
			return 2;
		asn1_create_element(defs, "LI-PS-PDU.PS-PDU", &el);
		r = asn1_der_decoding2(&el, buf + off, &dl,
		    ASN1_DECODE_FLAG_STRICT_DER, err);
		if (r != ASN1_SUCCESS || dl != (int)len) {
			printf("record at %zu: %s %s\n", off, asn1_strerror(r),
			    err);
			bad++;
		} else {
			good++;
		}
		asn1_delete_structure(&el);
		off += len;
	}
	printf("%d decoded, %d failed\n", good, bad);
	return bad ? 1 : 0;
}
EOF
if ! $CC -o "$WORK/chk" "$WORK/chk.c" -ltasn1 2>"$WORK/cc.err"; then
	fail checker_built "$(cat "$WORK/cc.err")"
	finish
fi

"$SEND" --pcap "$WORK/v4.pcap" --iri 4 --cc 3 --report 3 --ka-response \
    --keepalive 2>/dev/null &&
    "$SEND" --pcap "$WORK/v6.pcap" --v6 --iri 3 --cc 3 --report 3 \
	2>/dev/null &&
    "$SEND" --pcap "$WORK/bad.pcap" --iri 1 --corrupt 61:0x8c 2>/dev/null ||
    fail pdus_made

out=$("$WORK/chk" "$WORK/li.asn" "$WORK/v4.pcap")
[ "$out" = "12 decoded, 0 failed" ] && pass libtasn1_decodes_v4 ||
    fail libtasn1_decodes_v4 "$out"
out=$("$WORK/chk" "$WORK/li.asn" "$WORK/v6.pcap")
[ "$out" = "9 decoded, 0 failed" ] && pass libtasn1_decodes_v6 ||
    fail libtasn1_decodes_v6 "$out"
# negative control: sequenceNumber's tag [4] changed to [12]
"$WORK/chk" "$WORK/li.asn" "$WORK/bad.pcap" > "$WORK/bad.out"
[ $? = 1 ] && pass libtasn1_rejects_damaged ||
    fail libtasn1_rejects_damaged "$(cat "$WORK/bad.out")"
finish
