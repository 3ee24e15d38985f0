#!/bin/sh
# tap_follow - custos tap end to end on the capture fixtures
# (tests/data/li, made by bench/pcapgen): a Title III intercept (IRI and
# content) follows its target across an address change, IPv6 prefixes,
# DHCP leases and a session already up at activation (from the store),
# and custos lemf on loopback receives exactly the target's packets and
# IRI events, each stream numbered from 0 without a gap or a duplicate.
T=tap_follow
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

# scenario NAME PCAP TARGET: fresh store, case, agency, lemf, intercept;
# replays PCAP through custos tap; the lemf output is in $WORK/NAME
scenario() {
	_name=$1
	_pcap=$2
	_target=$3
	LEMF_PORT=0
	li_setup
	CASE=$(t3_case "$_target")
	lemf_start "$_name"
	agency_add FBI
	"$CUSTOS" intercept new $S --case "$CASE" --agency FBI \
	    --liid "LIID-$_name" --target "$_target" --mode iri+cc \
	    --by alice >/dev/null 2>"$WORK/$_name.new.err" ||
	    fail "${_name}_provision" "$(cat "$WORK/$_name.new.err")"
	"$CUSTOS" tap $S --read "$_pcap" --json --drain 20 ${TAP_ARGS:-} \
	    >"$WORK/$_name.tap.json" 2>"$WORK/$_name.tap.err"
	TAP_RC=$?
	stop_pid "$LEMF_PID"
}

# streams_ok NAME: IRI and CC sequence numbers are 0..n-1, once each
streams_ok() {
	jq -s -e 'group_by(.liid, .cin) | all(.[];
	    [.[].seq] | sort == [range(0; length)])' \
	    "$WORK/$1/iri.jsonl" >/dev/null 2>&1
}

# packets NAME: packets in the agency's cc.pcap
packets() {
	if [ -s "$WORK/$1/cc.pcap" ]; then
		tshark -r "$WORK/$1/cc.pcap" 2>/dev/null | wc -l
	else
		echo 0
	fi
}

# events NAME: the IRI events in order, space-separated
events() {
	jq -r '.event // empty' "$WORK/$1/iri.jsonl" 2>/dev/null | tr '\n' ' '
}

# --- the target's address changes mid-capture ---
scenario moves "$FIX/target-moves.pcap" username:alice@example.net
n=$(packets moves)
if [ "$TAP_RC" -eq 0 ] && [ "$n" -eq 15 ]; then
	pass moves_cc_15_packets
else
	fail moves_cc_15_packets "rc $TAP_RC, $n packets: $(cat "$WORK/moves.tap.err")"
fi
# her packets at 100.64.0.10 then at 100.64.0.11; bob's (.10 later, .20)
# never
if tshark -r "$WORK/moves/cc.pcap" -T fields -e ip.src -e ip.dst \
    2>/dev/null | sort -u | tr '\t' '\n' | grep -v '^198\.51\.\|^203\.' |
    sort -u | tr '\n' ' ' | grep -qx '100.64.0.10 100.64.0.11 ' &&
    ! tshark -r "$WORK/moves/cc.pcap" -T fields -e tcp.srcport 2>/dev/null |
    grep -qx '41010\|41020\|41021\|41000'; then
	pass moves_followed_not_bob
else
	fail moves_followed_not_bob "$(tshark -r "$WORK/moves/cc.pcap" 2>&1 | head)"
fi
ev=$(events moves)
case $ev in
"accessAccept interimUpdate accessEnd accessAccept accessEnd ") pass moves_iri ;;
*) fail moves_iri "events: $ev" ;;
esac
if streams_ok moves; then pass moves_sequence; else fail moves_sequence; fi
if jq -e '.intercepts[0].cc == 15 and .delivery == "acknowledged"' \
    "$WORK/moves.tap.json" >/dev/null 2>&1; then
	pass moves_summary
else
	fail moves_summary "$(cat "$WORK/moves.tap.json")"
fi

# --- trusted sources: accounting from a source not listed is not believed ---
TAP_ARGS="--trust 10.0.0.99 --trust 192.0.2.0/24"
scenario untrusted "$FIX/target-moves.pcap" username:alice@example.net
TAP_ARGS="--trust 10.0.0.1"
scenario trusted "$FIX/target-moves.pcap" username:alice@example.net
TAP_ARGS=""
if [ "$(packets untrusted)" -eq 0 ] && [ "$(packets trusted)" -eq 15 ]; then
	pass trust_lists_the_nas
else
	fail trust_lists_the_nas "untrusted $(packets untrusted), trusted $(packets trusted)"
fi

# --- IPv6: framed /64 and delegated /56 ---
scenario ipv6 "$FIX/ipv6.pcap" username:alice@example.net
n=$(packets ipv6)
if [ "$n" -eq 12 ]; then
	pass ipv6_cc_12_packets
else
	fail ipv6_cc_12_packets "$n packets: $(cat "$WORK/ipv6.tap.err")"
fi
if ! tshark -r "$WORK/ipv6/cc.pcap" -T fields -e ipv6.src -e ipv6.dst \
    2>/dev/null | grep -q '2001:db8:100:b:'; then
	pass ipv6_not_bob
else
	fail ipv6_not_bob
fi

# --- DHCP: leases, a release, a lease that runs out ---
scenario dhcp "$FIX/dhcp.pcap" mac:02:00:00:00:00:0a
n=$(packets dhcp)
if [ "$n" -eq 6 ]; then
	pass dhcp_cc_6_packets
else
	fail dhcp_cc_6_packets "$n packets: $(cat "$WORK/dhcp.tap.err")"
fi
ev=$(events dhcp)
case $ev in
*accessAccept*accessEnd*accessAccept*accessEnd*) pass dhcp_iri ;;
*) fail dhcp_iri "events: $ev" ;;
esac

# --- online before activation: the store's binding is followed ---
LEMF_PORT=0
li_setup
cat >"$WORK/detail" <<'EOD'
Sun Nov 29 09:30:00 2026
	Acct-Status-Type = Start
	User-Name = "alice@example.net"
	Framed-IP-Address = 100.64.0.30
	NAS-IP-Address = 10.0.0.1
	Acct-Session-Id = "sess-before-1"
	Calling-Station-Id = "02:00:00:00:00:0a"
	Event-Timestamp = "Nov 29 2026 09:30:00 UTC"
	Timestamp = 1795944600

EOD
"$CUSTOS" ingest $S --tz UTC --format radius-detail "$WORK/detail" >/dev/null 2>&1
# the intercept starts at 09:45, a quarter of an hour into her session
export CUSTOS_NOW=2026-11-29T09:45:00Z
CASE=$(t3_case username:alice@example.net)
lemf_start before
agency_add FBI
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-before \
    --target username:alice@example.net --mode iri+cc --by alice >/dev/null
"$CUSTOS" tap $S --read "$FIX/online-before.pcap" --json --drain 20 \
    >"$WORK/before.tap.json" 2>"$WORK/before.tap.err"
stop_pid "$LEMF_PID"
n=$(packets before)
if [ "$n" -eq 10 ]; then
	pass before_cc_10_packets
else
	fail before_cc_10_packets "$n packets: $(cat "$WORK/before.tap.err")"
fi
ev=$(events before)
case $ev in
startOfInterceptionWithSessionActive*)
	if [ "$(jcount "$WORK/before/iri.jsonl" '.event ==
	    "startOfInterceptionWithSessionActive" and .username ==
	    "alice@example.net" and .address == "100.64.0.30"')" -eq 1 ]; then
		pass before_iri_start_with_session
	else
		fail before_iri_start_with_session "$(head -1 "$WORK/before/iri.jsonl")"
	fi ;;
*) fail before_iri_start_with_session "events: $ev" ;;
esac

# --- nothing secret in any diagnostic ---
if cat "$WORK"/*.err | grep -qE 'LIID-|alice@|02:00:00:00:00:0a|100\.64\.'; then
	fail no_secret_in_diagnostics "$(cat "$WORK"/*.err | grep -E 'LIID-|alice@' | head -3)"
else
	pass no_secret_in_diagnostics
fi
finish
