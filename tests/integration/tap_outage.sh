#!/bin/sh
# tap_outage - nothing lost, nothing duplicated: records made while the
# agency's end is down wait in the spool; the agency going down in the
# middle of a delivery (custos lemf exits after N records) and coming
# back; custos itself killed (-9) mid-delivery and started again.  At the
# end lemf has stored every record exactly once, each stream numbered
# 0..n-1 without a gap.
T=tap_outage
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

GEN="$TOP/$O/bench/pcapgen"
LEMF_PORT=0
li_setup
# a larger capture: 200,000 packets, 200 subscribers, 4 targets
"$GEN" bench "$WORK/big.pcap" 200000 200 4 "$WORK/targets" "$WORK/filter" \
    >"$WORK/gen.out" 2>&1
WANT=$(sed -n 's/^target-packets //p' "$WORK/gen.out")
TARGETS=""
for u in $(cat "$WORK/targets"); do TARGETS="$TARGETS username:$u"; done
CASE=$(t3_case $TARGETS)
# the agency's port, then the agency down
lemf_start probe
stop_pid "$LEMF_PID"
PORT=$LEMF_PORT
agency_add FBI
TA=""
for t in $TARGETS; do TA="$TA --target $t"; done
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-OUT-1 \
    $TA --mode iri+cc --by alice >/dev/null 2>"$WORK/new.err" ||
    fail provision "$(cat "$WORK/new.err")"

# 1. the agency is down during the whole capture
"$CUSTOS" tap $S --read "$WORK/big.pcap" --json --drain 2 \
    >"$WORK/tap1.json" 2>"$WORK/tap1.err"
rc=$?
if [ "$rc" -eq 4 ] && jq -e '.delivery == "pending"' "$WORK/tap1.json" \
    >/dev/null 2>&1; then
	pass agency_down_records_spooled
else
	fail agency_down_records_spooled "rc $rc: $(cat "$WORK/tap1.err")"
fi

# 2. the agency comes up but goes down again after 1,500 records
LEMF_PORT=$PORT
lemf_start lemf --count 1500
"$CUSTOS" tap $S --deliver-only --drain 60 >"$WORK/d1.out" 2>"$WORK/d1.err" &
D1=$!
PIDS="$PIDS $D1"
poll 30 sh -c "! kill -0 $LEMF_PID 2>/dev/null"
# 3. while the agency is down, custos is killed mid-delivery
sleep 0.5
pkill -9 -P "$D1" 2>/dev/null
kill -9 "$D1" 2>/dev/null
wait "$D1" 2>/dev/null
got1=$(jq -r '.cc // 0' "$WORK/lemf/stats.json" 2>/dev/null)
if [ "${got1:-0}" -gt 0 ] && [ "${got1:-0}" -lt "$WANT" ]; then
	pass agency_went_down_midway
else
	fail agency_went_down_midway "lemf stored ${got1:-0} of $WANT"
fi
# 4. both back: everything arrives, once
lemf_start lemf
"$CUSTOS" tap $S --deliver-only --drain 60 >"$WORK/d2.out" 2>"$WORK/d2.err"
rc=$?
stop_pid "$LEMF_PID"
n=$(tshark -r "$WORK/lemf/cc.pcap" 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$n" -eq "$WANT" ]; then
	pass every_packet_once
else
	fail every_packet_once "rc $rc, $n packets of $WANT: $(cat "$WORK/d2.err")"
fi
if jq -s -e 'group_by(.liid, .cin) | all(.[];
    [.[].seq] | sort == [range(0; length)])' "$WORK/lemf/iri.jsonl" \
    >/dev/null 2>&1 && [ "$(jq -r '.gaps' "$WORK/lemf/stats.json")" = 0 ]; then
	pass no_gap_no_duplicate
else
	fail no_gap_no_duplicate "$(cat "$WORK/lemf/stats.json" 2>&1)"
fi

# 5. custos again, later: each stream's numbering goes on where it stopped
LEMF_PORT=$PORT
lemf_start lemf
"$CUSTOS" tap $S --read "$WORK/big.pcap" --json --drain 60 \
    >"$WORK/tap2.json" 2>"$WORK/tap2.err"
rc=$?
stop_pid "$LEMF_PID"
n=$(tshark -r "$WORK/lemf/cc.pcap" 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$n" -eq $((2 * WANT)) ] &&
    [ "$(jq -r '.gaps' "$WORK/lemf/stats.json")" = 0 ] &&
    jq -s -e 'group_by(.liid, .cin) | all(.[];
    [.[].seq] | sort == [range(0; length)])' "$WORK/lemf/iri.jsonl" \
    >/dev/null 2>&1; then
	pass numbering_survives_restart
else
	fail numbering_survives_restart "rc $rc, $n of $((2 * WANT)): $(cat "$WORK/lemf/stats.json")"
fi

# 6. a spool that fills raises the alarm, loudly, before and when full
# (a fresh store: 1 MB spools, the alarm at half)
li_setup
CASE=$(t3_case $TARGETS)
agency_add FBI
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-OUT-2 \
    $TA --mode iri+cc --by alice >/dev/null 2>"$WORK/new2.err"
"$CUSTOS" tap $S --read "$WORK/big.pcap" --no-deliver --spool-max 1048576 \
    --spool-alarm 50 >"$WORK/tap3.out" 2>"$WORK/tap3.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'ALARM: the HI3 spool of agency FBI is filling' \
    "$WORK/tap3.err" && grep -q 'ALARM: the HI3 spool of agency FBI is full' \
    "$WORK/tap3.err"; then
	pass spool_alarm
else
	fail spool_alarm "rc $rc: $(cat "$WORK/tap3.err")"
fi
if grep -qE 'LIID-OUT|sub[0-9]+@' "$WORK"/*.err; then
	fail no_secret_in_diagnostics
else
	pass no_secret_in_diagnostics
fi
finish
