#!/bin/sh
# tap_errors - custos tap on bad input: usage errors exit 2 and say what
# is wrong; a capture file that is missing, empty or not a capture exits
# 1 naming the file; a capture cut short is read up to the cut; nothing
# in any message names the LIID or the target.
T=tap_errors
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

LEMF_PORT=0
li_setup
CASE=$(t3_case username:alice@example.net)
lemf_start lemf
agency_add FBI
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-ERR \
    --target username:alice@example.net --mode iri+cc --by alice >/dev/null

# expect NAME RC PATTERN CMD...: exit status RC and PATTERN on stderr
expect() {
	_n=$1 _rc=$2 _pat=$3
	shift 3
	"$@" >"$WORK/e.out" 2>"$WORK/e.err"
	_got=$?
	if [ "$_got" -eq "$_rc" ] && grep -q -- "$_pat" "$WORK/e.err"; then
		pass "$_n"
	else
		fail "$_n" "exit $_got (want $_rc): $(cat "$WORK/e.err")"
	fi
	cat "$WORK/e.err" >>"$WORK/all.err"
}

expect no_source 2 "exactly one of --interface, --read" "$CUSTOS" tap $S
expect two_sources 2 "exactly one of --interface, --read" "$CUSTOS" tap $S --read x --interface lo
expect realtime_needs_read 2 "realtime goes with --read" "$CUSTOS" tap $S --interface lo --realtime
expect deliver_only_no_deliver 2 "exclude each other" \
    "$CUSTOS" tap $S --deliver-only --no-deliver
expect bad_trust 2 'trust' "$CUSTOS" tap $S --read x --trust bogus
expect bad_spool_max 2 'spool-max' "$CUSTOS" tap $S --read x --spool-max 1
expect missing_file 1 "$WORK/nope.pcap" \
    "$CUSTOS" tap $S --read "$WORK/nope.pcap" --no-deliver
: >"$WORK/empty.pcap"
expect empty_file 1 "empty.pcap" \
    "$CUSTOS" tap $S --read "$WORK/empty.pcap" --no-deliver
printf 'this is not a capture\n' >"$WORK/text.pcap"
expect not_a_capture 1 "text.pcap" \
    "$CUSTOS" tap $S --read "$WORK/text.pcap" --no-deliver

# a capture cut in the middle of a packet: what comes before is taken
head -c 3000 "$FIX/target-moves.pcap" >"$WORK/cut.pcap"
"$CUSTOS" tap $S --read "$WORK/cut.pcap" --json --drain 20 \
    >"$WORK/cut.json" 2>"$WORK/cut.err"
rc=$?
cat "$WORK/cut.err" >>"$WORK/all.err"
if [ "$rc" -ne 0 ] && grep -q 'cut.pcap' "$WORK/cut.err" &&
    jq -e '.packets > 0 and .packets < 38' "$WORK/cut.json" >/dev/null; then
	pass cut_capture_read_up_to_the_cut
else
	fail cut_capture_read_up_to_the_cut "rc $rc: $(cat "$WORK/cut.err" "$WORK/cut.json")"
fi
stop_pid "$LEMF_PID"
if grep -qE 'LIID-ERR|alice@' "$WORK/all.err"; then
	fail no_secret_in_diagnostics
else
	pass no_secret_in_diagnostics
fi
finish
