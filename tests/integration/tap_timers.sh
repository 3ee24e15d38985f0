#!/bin/sh
# tap_timers - an intercept ends by itself, on the packets' clock: an
# emergency wiretap without its order runs 48 hours from activation
# (R-T3-6).  Activated (injected time) 48 h minus 80 ms before the
# capture starts, it takes the target's packets of the first 80 ms, sends
# endOfInterceptionWithSessionActive (she is online then) and nothing
# after; the desk records the end.
T=tap_timers
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

LEMF_PORT=0
li_setup
export CUSTOS_NOW=2026-11-27T10:00:00.080Z
echo "certification by AAG Roe" >"$WORK/cert.pdf"
TE=$("$CUSTOS" case new $S --type title3_emergency_cert --agency FBI \
    --received 2026-11-27T09:00:00Z --official "DAAG Roe" \
    --emergency-kind "danger of death" --expires 2026-12-05T00:00:00Z \
    --officer "SA Smith;+1 202 555 0100" --document "$WORK/cert.pdf" \
    --doc-kind certification --target username:alice@example.net)
"$CUSTOS" case approve "$TE" $S --by bob >/dev/null 2>&1
lemf_start lemf
agency_add FBI
"$CUSTOS" intercept new $S --case "$TE" --agency FBI --liid LIID-TE-1 \
    --target username:alice@example.net --mode iri+cc --by alice \
    >/dev/null 2>"$WORK/new.err" || fail provision "$(cat "$WORK/new.err")"
if "$CUSTOS" intercept show I-1 $S --json | jq -e \
    '.ends == "2026-11-29T10:00:00.080000Z" and .end_rule == "R-T3-6"' >/dev/null
then
	pass ends_48h_R-T3-6
else
	fail ends_48h_R-T3-6 "$("$CUSTOS" intercept show I-1 $S --json)"
fi
# the tap starts later (the capture is replayed), still within the 48 h
export CUSTOS_NOW=2026-11-29T09:59:00Z
"$CUSTOS" tap $S --read "$FIX/target-moves.pcap" --json --drain 20 \
    >"$WORK/tap.json" 2>"$WORK/tap.err"
rc=$?
stop_pid "$LEMF_PID"
n=$(tshark -r "$WORK/lemf/cc.pcap" 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$n" -eq 13 ]; then
	pass packets_before_the_end_only
else
	fail packets_before_the_end_only "rc $rc, $n packets: $(cat "$WORK/tap.err")"
fi
ev=$(jq -r '.event // empty' "$WORK/lemf/iri.jsonl" | tr '\n' ' ')
case $ev in
"accessAccept interimUpdate accessEnd accessAccept endOfInterceptionWithSessionActive ")
	pass end_of_interception_iri ;;
*) fail end_of_interception_iri "events: $ev" ;;
esac
if jq -e '.intercepts[0].ended' "$WORK/tap.json" >/dev/null &&
    "$CUSTOS" intercept show I-1 $S --json | jq -e '.state != "active"' \
    >/dev/null; then
	pass desk_records_the_end
else
	fail desk_records_the_end "$("$CUSTOS" intercept show I-1 $S --json)"
fi
# a later run takes nothing for it
LEMF_PORT=0
lemf_start lemf2
"$CUSTOS" agency remove FBI $S --by alice >/dev/null 2>&1
"$CUSTOS" tap $S --read "$FIX/target-moves.pcap" --json --no-deliver \
    >"$WORK/tap2.json" 2>"$WORK/tap2.err"
stop_pid "$LEMF_PID"
if jq -e '[.intercepts[]] | length == 0 or all(.[]; .cc == 0 and .iri == 0)' \
    "$WORK/tap2.json" >/dev/null 2>&1; then
	pass ended_stays_ended
else
	fail ended_stays_ended "$(cat "$WORK/tap2.json" "$WORK/tap2.err")"
fi
finish
