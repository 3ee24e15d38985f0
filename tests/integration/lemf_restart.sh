#!/bin/sh
# lemf_restart - custos lemf drops duplicates across restarts: a batch
# sent again after a clean restart is all dropped; after a kill -9 the
# unacknowledged tail is cut and the resent batch is stored exactly once;
# a gap in sequence numbers is reported; --count and --once end it.
T=lemf_restart
. "$(dirname "$0")/lib.sh.inc"

SEND="$TOP/$O/bench/li_send"
cp "$SEND" "$WORK/bin/li_send" 2>/dev/null && SEND="$WORK/bin/li_send"
OUT="$WORK/lemf-out"

start_lemf() {
	rm -f "$WORK/ready"
	spawn LPID "$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT" \
	    --ready-file "$WORK/ready" "$@" 2>>"$WORK/lemf.err"
	if poll 10 test -s "$WORK/ready"; then
		PORT=$(cat "$WORK/ready")
	else
		PORT=""
		note "lemf did not start: $(cat "$WORK/lemf.err")"
	fi
}

# send - li_send options...: to the running lemf, ending with an
# acknowledged keep-alive
send() {
	[ "$("$SEND" --connect "127.0.0.1:$PORT" "$@" --keepalive --wait-ack \
	    2>>"$WORK/send.err")" = ack ]
}

lines() {
	jq -s "map(select($1)) | length" "$OUT/iri.jsonl"
}

pcap_count() {
	tshark -r "$OUT/cc.pcap" 2>/dev/null | wc -l
}

start_lemf
[ -n "$PORT" ] || { fail started; finish; }
send --liid R-1 --cin 5 --iri 4 --cc 6 && pass first_batch_acked ||
    fail first_batch_acked "$(cat "$WORK/send.err")"
stop_pid "$LPID"

start_lemf
send --liid R-1 --cin 5 --iri 4 --cc 6 && pass resent_batch_acked ||
    fail resent_batch_acked
n=$(lines '.liid == "R-1"')
c=$(pcap_count)
[ "$n" = 4 ] && [ "$c" = 6 ] && pass duplicates_dropped_across_restart ||
    fail duplicates_dropped_across_restart "$n IRI lines, $c CC packets"
jq -e '.duplicates == 10 and .iri == 4 and .cc == 6' "$OUT/stats.json" \
    >/dev/null && pass duplicates_counted ||
    fail duplicates_counted "$(cat "$OUT/stats.json")"

# a second lemf on the same out directory is refused
"$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT" 2>"$WORK/second.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'another custos lemf uses this out directory' \
    "$WORK/second.err" && pass second_lemf_refused ||
    fail second_lemf_refused "rc $rc $(cat "$WORK/second.err")"

# the same LIID with another CIN is another stream
send --liid R-1 --cin 6 --iri 2 && [ "$(lines '.cin == 6')" = 2 ] &&
    pass other_cin_other_stream || fail other_cin_other_stream

# a gap: IRI sequence numbers 10.. after 0..3
send --liid R-1 --cin 5 --iri 2 --seq 10
poll 5 grep -q 'gap' "$WORK/lemf.err"
grep -q 'stream [0-9]* (IRI): gap: sequenceNumber 10 follows 3 (6 missing)' \
    "$WORK/lemf.err" && pass gap_reported ||
    fail gap_reported "$(cat "$WORK/lemf.err")"
jq -e '.gaps == 1' "$OUT/stats.json" >/dev/null && pass gap_counted ||
    fail gap_counted "$(cat "$OUT/stats.json")"

# kill -9 while PDUs are unacknowledged: no keep-alive, no clean stop
"$SEND" --connect "127.0.0.1:$PORT" --liid K-9 --cin 1 --iri 5 --cc 5 \
    2>>"$WORK/send.err"
sleep 0.3
stop_pid "$LPID" KILL
# what a crash leaves after the last sync point: a torn tail
printf '{"liid":"TORN-TAIL","seq":' >> "$OUT/iri.jsonl"
printf 'torn pcap record' >> "$OUT/cc.pcap"
start_lemf
grep -q 'iri.jsonl: [0-9]* bytes after the last acknowledged PDU' \
    "$WORK/lemf.err" && grep -q 'cc.pcap: [0-9]* bytes after' \
    "$WORK/lemf.err" && pass torn_tail_cut || fail torn_tail_cut \
    "$(cat "$WORK/lemf.err")"
send --liid K-9 --cin 1 --iri 5 --cc 5 && pass resent_after_kill9 ||
    fail resent_after_kill9
n=$(lines '.liid == "K-9"')
seqs=$(jq -r 'select(.liid == "K-9") | .seq' "$OUT/iri.jsonl" |
    tr '\n' ' ')
[ "$n" = 5 ] && [ "$seqs" = "0 1 2 3 4 " ] &&
    pass exactly_once_after_kill9 ||
    fail exactly_once_after_kill9 "$n lines, seqs $seqs"
c=$(pcap_count)
[ "$c" = 11 ] && pass cc_exactly_once_after_kill9 ||
    fail cc_exactly_once_after_kill9 "$c CC packets, want 11"
check jsonl_whole jq -e -s 'length > 0' "$OUT/iri.jsonl"
stop_pid "$LPID"

# --count N: exits by itself after N records
start_lemf --count 3
"$SEND" --connect "127.0.0.1:$PORT" --liid C-1 --iri 3 2>/dev/null
poll 5 sh -c "! kill -0 $LPID 2>/dev/null"
if alive "$LPID"; then
	fail count_exits "still running"
else
	wait "$LPID"
	rc=$?
	[ "$rc" = 0 ] && [ "$(lines '.liid == "C-1"')" = 3 ] &&
	    pass count_exits || fail count_exits "rc $rc"
fi

# --once: exits when the first connection closes
start_lemf --once
"$SEND" --connect "127.0.0.1:$PORT" --liid O-1 --iri 1 2>/dev/null
poll 5 sh -c "! kill -0 $LPID 2>/dev/null"
if alive "$LPID"; then
	fail once_exits "still running"
else
	wait "$LPID"
	[ $? = 0 ] && pass once_exits || fail once_exits
fi

# a damaged state file stops lemf with the reason, not a guess
printf 'custos-lemf-state 1\nnonsense\n' > "$OUT/lemf.state"
"$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT" 2>"$WORK/bad.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'lemf.state.*line 2' "$WORK/bad.err" &&
    pass bad_state_refused || fail bad_state_refused "rc $rc $(cat "$WORK/bad.err")"
finish
