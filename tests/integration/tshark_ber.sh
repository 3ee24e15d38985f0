#!/bin/sh
# tshark_ber - an independent check of the PS-PDU encoder: Wireshark's
# generic BER dissector reads every kind of PDU custos makes (IRI over
# IPv4 and IPv6, CC, pen/trap packet reports, keep-alive and its
# response), one PDU per pcap record (DLT USER0) and one per TCP segment,
# and reports no malformed-packet expert information
# (docs: /work/shared/spec/handover.md section 3.1).  A damaged PDU must
# be flagged, so the check can fail.
T=tshark_ber
. "$(dirname "$0")/lib.sh.inc"

SEND="$TOP/$O/bench/li_send"
cp "$SEND" "$WORK/bin/li_send" 2>/dev/null && SEND="$WORK/bin/li_send"
U0='uat:user_dlts:"User 0 (DLT=147)","ber","0","","0",""'

if ! command -v tshark >/dev/null 2>&1; then
	fail tshark_present "tshark not installed (scripts/deps installs it)"
	finish
fi

# expert - PCAP OPTS...: number of frames with expert info or malformed
expert() {
	_f=$1
	shift
	tshark -r "$_f" "$@" -Y '_ws.expert || _ws.malformed' 2>/dev/null |
	    wc -l
}

# frames - PCAP OPTS...: number of frames the ber dissector decoded
frames() {
	_f=$1
	shift
	tshark -r "$_f" "$@" -T fields -e frame.protocols 2>/dev/null |
	    grep -c 'ber$'
}

cd "$WORK" || exit 1
ok=1
"$SEND" --pcap v4.pcap --iri 3 --cc 4 --report 3 --ka-response \
    --keepalive 2>/dev/null || ok=0
"$SEND" --pcap v6.pcap --v6 --iri 3 --cc 4 --report 3 2>/dev/null || ok=0
"$SEND" --pcap tcp.pcap --dlt tcp --iri 3 --cc 4 --report 3 \
    --ka-response --keepalive 2>/dev/null || ok=0
"$SEND" --pcap bad.pcap --iri 1 --corrupt 2:0xff 2>/dev/null || ok=0
[ "$ok" = 1 ] && pass pcaps_written || fail pcaps_written "li_send failed"

n=$(frames v4.pcap -o "$U0")
[ "$n" = 12 ] && pass ber_decodes_every_v4_pdu ||
    fail ber_decodes_every_v4_pdu "decoded $n of 12"
e=$(expert v4.pcap -o "$U0")
[ "$e" = 0 ] && pass no_expert_info_v4 ||
    fail no_expert_info_v4 "$e frames with expert info"

n=$(frames v6.pcap -o "$U0")
e=$(expert v6.pcap -o "$U0")
[ "$n" = 10 ] && [ "$e" = 0 ] && pass no_expert_info_v6 ||
    fail no_expert_info_v6 "decoded $n of 10, $e with expert info"

n=$(frames tcp.pcap -d tcp.port==40001,ber)
e=$(expert tcp.pcap -d tcp.port==40001,ber)
[ "$n" = 12 ] && [ "$e" = 0 ] && pass no_expert_info_tcp_segments ||
    fail no_expert_info_tcp_segments "decoded $n of 12, $e with expert info"

# the structure tshark sees: PS-PDU SEQUENCE { [1] PSHeader, [2] payload },
# li-psDomainId 0.4.0.2.2.5.1.43 exactly (7 content bytes, no trailing 0)
tshark -r v4.pcap -o "$U0" -V -c 1 2>/dev/null > first.txt
if grep -q '^SEQUENCE' first.txt &&
    grep -q '\[CONTEXT 0\] 0400020205012b$' first.txt &&
    grep -q '\[CONTEXT 0\] 05031401$' first.txt; then
	pass header_oid_exact
else
	fail header_oid_exact "$(head -30 first.txt)"
fi

# negative control: a length running past the end is flagged
e=$(expert bad.pcap -o "$U0")
[ "$e" = 1 ] && pass damaged_pdu_flagged ||
    fail damaged_pdu_flagged "expected 1 flagged frame, got $e"
finish
