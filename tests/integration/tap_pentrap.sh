#!/bin/sh
# tap_pentrap - a pen/trap intercept delivers IRI and header-only packet
# reports and not one byte of content: every subscriber payload in the
# fixture carries "PAYLOAD-<n>", and that string appears nowhere the
# agency can see (the bytes on the wire, captured on loopback, and lemf's
# output) nor in the evidence pcap; the same capture under a Title III
# intercept does carry it (the check can fail).
T=tap_pentrap
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

# run NAME CASE_FN MODE: provision, replay target-moves.pcap with the
# loopback traffic to lemf captured in $WORK/NAME.wire.pcap
run() {
	LEMF_PORT=0
	li_setup
	CASE=$($2 username:alice@example.net)
	lemf_start "$1"
	agency_add FBI
	"$CUSTOS" intercept new $S --case "$CASE" --agency FBI \
	    --liid "LIID-$1" --target username:alice@example.net \
	    --mode "$3" --by alice >"$WORK/$1.new.out" 2>&1 ||
	    fail "$1_provision" "$(cat "$WORK/$1.new.out")"
	WIRE=""
	if command -v tcpdump >/dev/null 2>&1; then
		spawn WIRE tcpdump -i lo -U -s 0 -w "$WORK/$1.wire.pcap" \
		    "tcp port $LEMF_PORT" 2>"$WORK/$1.tcpdump.err"
		poll 5 grep -q listening "$WORK/$1.tcpdump.err"
	fi
	"$CUSTOS" tap $S --read "$FIX/target-moves.pcap" --json --drain 20 \
	    --evidence "$WORK/$1.ev" >"$WORK/$1.tap.json" 2>"$WORK/$1.tap.err"
	TAP_RC=$?
	sleep 0.3
	[ -n "$WIRE" ] && stop_pid "$WIRE" INT
	stop_pid "$LEMF_PID"
}

# payload NAME: 1 if PAYLOAD- is anywhere the agency or the evidence has
payload() {
	grep -raq 'PAYLOAD-' "$WORK/$1" "$WORK/$1.ev" "$WORK/$1.wire.pcap" \
	    2>/dev/null
}

run pt pt_case iri+cc
if grep -q "IRI only" "$WORK/pt.new.out"; then
	pass pentrap_forced_iri_only
else
	fail pentrap_forced_iri_only "$(cat "$WORK/pt.new.out")"
fi
if [ "$TAP_RC" -eq 0 ] && [ -s "$WORK/pt.wire.pcap" ] &&
    [ "$(jcount "$WORK/pt/iri.jsonl" '.kind == "packet_report"')" -eq 15 ]; then
	pass pentrap_15_packet_reports
else
	fail pentrap_15_packet_reports "rc $TAP_RC; $(cat "$WORK/pt.tap.err")
$(head -c 600 "$WORK/pt/iri.jsonl" 2>/dev/null)"
fi
if [ ! -s "$WORK/pt/cc.pcap" ] ||
    [ "$(tshark -r "$WORK/pt/cc.pcap" 2>/dev/null | wc -l)" -eq 0 ]; then
	pass pentrap_no_cc
else
	fail pentrap_no_cc
fi
if payload pt; then
	fail pentrap_no_payload_byte "PAYLOAD- reached the agency or evidence"
else
	pass pentrap_no_payload_byte
fi
# the evidence pcap holds headers only and its manifest checks
if (cd "$WORK/pt.ev" && sha256sum -c SHA256SUMS >/dev/null 2>&1) &&
    [ "$(tshark -r "$WORK/pt.ev/I-1.pcap" 2>/dev/null | wc -l)" -eq 15 ]; then
	pass pentrap_evidence_manifest
else
	fail pentrap_evidence_manifest "$(ls -l "$WORK/pt.ev" 2>&1)"
fi

# the control: under Title III the same payloads do reach the agency
run t3 t3_case iri+cc
if payload t3 && (cd "$WORK/t3.ev" && sha256sum -c SHA256SUMS >/dev/null 2>&1); then
	pass title3_carries_payload
else
	fail title3_carries_payload "the check could not see payloads"
fi
finish
