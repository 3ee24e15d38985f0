#!/bin/sh
# tap_live - custos tap on a live interface (the loopback): a Title III
# intercept of a static address takes the UDP datagrams sent to it, and
# only those; the capture process runs as nobody under the syscall
# allow-list; SIGTERM ends the tap with everything delivered.
T=tap_live
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

if [ "$(id -u)" -ne 0 ]; then
	pass skipped_needs_root_for_live_capture
	finish
fi
LEMF_PORT=0
li_setup
live_clock
CASE=$(t3_case ip:127.0.0.55)
lemf_start lemf
agency_add FBI
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-LIVE \
    --target ip:127.0.0.55 --mode iri+cc --by alice >/dev/null \
    2>"$WORK/new.err" || fail provision "$(cat "$WORK/new.err")"
spawn TAP "$CUSTOS" tap $S --interface lo --json
poll 10 sh -c "ps -o user= --ppid $TAP | grep -q nobody"
if ps -o user= --ppid "$TAP" | grep -q nobody; then
	pass capture_runs_as_nobody
else
	fail capture_runs_as_nobody "$(ps -o user=,pid=,args= --ppid "$TAP")"
fi
sleep 0.5
for i in 1 2 3 4 5; do
	bash -c "printf 'PAYLOAD-live-$i' >/dev/udp/127.0.0.55/9999" 2>/dev/null
	bash -c "printf 'other-$i' >/dev/udp/127.0.0.66/9999" 2>/dev/null
done
# each datagram and the port-unreachable the loopback answers: 10 in all
poll 10 sh -c "[ \"\$(jq -r .cc '$WORK/lemf/stats.json' 2>/dev/null)\" = 10 ]"
stop_pid "$TAP"
rc=$STOP_RC
stop_pid "$LEMF_PID"
n=$(tshark -r "$WORK/lemf/cc.pcap" -Y 'udp.dstport == 9999 && !icmp' \
    -T fields -e ip.dst 2>/dev/null | grep -c '^127.0.0.55$')
m=$(tshark -r "$WORK/lemf/cc.pcap" -T fields -e ip.dst -e ip.src \
    2>/dev/null | grep -c '127.0.0.66')
if [ "$n" -eq 5 ] && [ "$m" -eq 0 ]; then
	pass live_target_only
else
	fail live_target_only "$n to the target, $m to the other (want 5, 0)"
fi
if [ "${rc:-1}" -eq 0 ]; then
	pass sigterm_clean_exit
else
	fail sigterm_clean_exit "exit $rc"
fi
finish
