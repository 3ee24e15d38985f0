#!/bin/sh
# lemf_basic - custos lemf over loopback: PDUs made by the encoder
# (bench/li_send) arrive as IRI JSON lines and a raw-IP pcap that tshark
# reads; keep-alives are answered; pen/trap reports carry no payload; a
# malformed PDU is rejected with connection, PDU number, field and byte
# offset, only its connection is closed; stderr carries no LIID.
T=lemf_basic
. "$(dirname "$0")/lib.sh.inc"

SEND="$TOP/$O/bench/li_send"
cp "$SEND" "$WORK/bin/li_send" 2>/dev/null && SEND="$WORK/bin/li_send"
OUT="$WORK/lemf-out"
LIID="LIID-SECRET-77"

# start_lemf - OUT: custos lemf on a free loopback port; sets LPID, PORT
start_lemf() {
	rm -f "$WORK/ready"
	spawn LPID "$CUSTOS" lemf --listen 127.0.0.1:0 --out "$1" \
	    --ready-file "$WORK/ready" 2>>"$WORK/lemf.err"
	if poll 10 test -s "$WORK/ready"; then
		PORT=$(cat "$WORK/ready")
	else
		PORT=""
		note "lemf did not start: $(cat "$WORK/lemf.err")"
	fi
}

"$CUSTOS" lemf --help > "$WORK/help" 2>&1 &&
    grep -q -- '--listen ADDR:PORT' "$WORK/help" &&
    grep -q -- '--tls-ca' "$WORK/help" && grep -q -- '--count' "$WORK/help" &&
    pass help || fail help "$(cat "$WORK/help")"
"$CUSTOS" lemf --out "$OUT" >/dev/null 2>&1
[ $? -eq 2 ] && pass usage_error_exit_2 || fail usage_error_exit_2

start_lemf "$OUT"
[ -n "$PORT" ] && pass started || { fail started; finish; }

# 3 IRI, 4 CC, 3 pen/trap reports, then a keep-alive whose response is
# the acknowledgement
ack=$("$SEND" --connect "127.0.0.1:$PORT" --liid "$LIID" --cin 42 \
    --iri 3 --cc 4 --report 3 --payload "PAYLOAD-MARK-CC" \
    --keepalive --wait-ack 2>>"$WORK/send.err")
[ "$ack" = ack ] && pass keepalive_answered ||
    fail keepalive_answered "$(cat "$WORK/send.err")"

# what was acknowledged is on disk already (before lemf stops)
n=$(wc -l < "$OUT/iri.jsonl")
[ "$n" = 6 ] && pass iri_lines_before_stop ||
    fail iri_lines_before_stop "iri.jsonl has $n lines, want 6"

# IPv6: IRI with a delegated prefix and CC of IPv6 packets
"$SEND" --connect "127.0.0.1:$PORT" --liid V6-1 --cin 3 --v6 --iri 2 --cc 2 \
    --keepalive --wait-ack >/dev/null 2>>"$WORK/send.err"

# pen/trap: a report-only batch whose packets carry a known payload
"$SEND" --connect "127.0.0.1:$PORT" --liid PT-1 --cin 7 --report 5 \
    --payload "PENTRAP-PAYLOAD-MUST-NOT-ARRIVE" --keepalive --wait-ack \
    >/dev/null 2>>"$WORK/send.err"
if grep -rq "PENTRAP-PAYLOAD" "$OUT" ||
    grep -rq "$(printf 'PENTRAP-PAYLOAD' | od -An -tx1 | tr -d ' \n')" \
    "$OUT"; then
	fail pentrap_no_payload "payload bytes found in the output"
else
	pass pentrap_no_payload
fi

# a malformed PDU: the PS-PDU length made indefinite; then the
# sequenceNumber field's tag changed ([4] -> [12]); each closes only its
# own connection, named with PDU number, field and offset
"$SEND" --connect "127.0.0.1:$PORT" --liid "$LIID" --iri 1 \
    --corrupt 1:0x80 >/dev/null 2>&1
poll 5 grep -q 'rejected' "$WORK/lemf.err"
if grep -q 'connection [0-9]*, PDU 1: rejected: PS-PDU: indefinite length.* at byte 1' \
    "$WORK/lemf.err"; then
	pass malformed_framing_rejected
else
	fail malformed_framing_rejected "$(cat "$WORK/lemf.err")"
fi
# byte 61 of li_send's first PDU is the sequenceNumber tag (0x84)
"$SEND" --connect "127.0.0.1:$PORT" --liid LIID-SEND-1 --iri 1 \
    --corrupt 61:0x8c >/dev/null 2>&1
poll 5 grep -q 'PDU 1 (.*unknown field' "$WORK/lemf.err"
if grep -q 'PDU 1 ([0-9]* bytes): rejected: pSHeader: unknown field \[12\] at byte 61' \
    "$WORK/lemf.err"; then
	pass malformed_field_offset
else
	fail malformed_field_offset "$(cat "$WORK/lemf.err")"
fi
alive "$LPID" && pass still_running_after_malformed ||
    fail still_running_after_malformed

stop_pid "$LPID"
[ "$STOP_RC" = 0 ] && pass sigterm_exit_0 || fail sigterm_exit_0 "rc $STOP_RC"

# IRI JSON: 3 IRI + 3 reports of LIID, 5 reports of PT-1
jq -e . "$OUT/iri.jsonl" >/dev/null 2>&1 && pass jq_parses ||
    fail jq_parses
n=$(jq -c "select(.liid == \"$LIID\" and .kind == \"iri\")" \
    "$OUT/iri.jsonl" | wc -l)
[ "$n" = 3 ] && pass iri_records || fail iri_records "$n IRI records"
ev=$(jq -r "select(.liid == \"$LIID\" and .kind == \"iri\") | .event" \
    "$OUT/iri.jsonl" | tr '\n' ' ')
[ "$ev" = "accessAccept interimUpdate accessEnd " ] && pass iri_events ||
    fail iri_events "$ev"
jq -e -s "map(select(.liid == \"$LIID\" and .seq == 0)) | length == 1 and
    (.[0] | .cin == 42 and
    .address == \"100.64.12.34\" and .username == \"target-user\" and
    .network_id == \"02:00:00:00:12:34\" and .iri_type == \"begin\" and
    .time == \"2026-11-30T00:53:20.001000Z\")" "$OUT/iri.jsonl" >/dev/null &&
    pass iri_fields || fail iri_fields "$(head -1 "$OUT/iri.jsonl")"
n=$(jq -c 'select(.kind == "packet_report")' "$OUT/iri.jsonl" | wc -l)
[ "$n" = 8 ] && pass packet_reports || fail packet_reports "$n reports"
jq -e -s 'map(select(.liid == "PT-1" and .seq == 0)) | length == 1 and
    (.[0] | .src == "100.64.12.34" and
    .dst == "198.51.100.7" and .proto == 17 and .sport == 50000 and
    .dport == 443 and .direction == "fromTarget")' "$OUT/iri.jsonl" \
    >/dev/null && pass report_fields || fail report_fields

# CC: tshark reads the raw-IP pcap: 4 packets, both directions, payload
if command -v tshark >/dev/null 2>&1; then
	tshark -r "$OUT/cc.pcap" -T fields -e frame.time_epoch -e ip.src \
	    -e ip.dst -e udp.dstport > "$WORK/cc.txt" 2>"$WORK/tshark.err"
	n=$(wc -l < "$WORK/cc.txt")
	[ "$n" = 6 ] && grep -q '198.51.100.7	100.64.12.34	50000' \
	    "$WORK/cc.txt" && grep -q '100.64.12.34	198.51.100.7	443' \
	    "$WORK/cc.txt" && grep -q '^1796000000.004000000' "$WORK/cc.txt" &&
	    pass cc_pcap_tshark ||
	    fail cc_pcap_tshark "$(cat "$WORK/cc.txt" "$WORK/tshark.err")"
else
	fail cc_pcap_tshark "tshark not installed"
fi
grep -q "PAYLOAD-MARK-CC" "$OUT/cc.pcap" && pass cc_payload_kept ||
    fail cc_payload_kept
if command -v tshark >/dev/null 2>&1; then
	v6=$(tshark -r "$OUT/cc.pcap" -Y 'ipv6.dst == 2001:db8:12::34' \
	    2>/dev/null | wc -l)
	[ "$v6" = 1 ] && pass cc_ipv6 || fail cc_ipv6 "$v6 packets"
fi
jq -e -s 'map(select(.liid == "V6-1" and .kind == "iri")) | length == 2
    and (.[0].address == "2001:db8:12::/48") and (.[0].ip_version == 2)' \
    "$OUT/iri.jsonl" >/dev/null && pass iri_ipv6 || fail iri_ipv6

jq -e '.iri == 5 and .packet_reports == 8 and .cc == 6 and
    .keepalives == 3 and .malformed == 2 and .duplicates == 0' \
    "$OUT/stats.json" >/dev/null && pass stats_json ||
    fail stats_json "$(cat "$OUT/stats.json")"

# diagnostics: counts and offsets only, never an LIID or content
if grep -q -e "$LIID" -e PT-1 -e V6-1 -e PAYLOAD "$WORK/lemf.err"; then
	fail no_liid_on_stderr "$(cat "$WORK/lemf.err")"
else
	pass no_liid_on_stderr
fi
finish
