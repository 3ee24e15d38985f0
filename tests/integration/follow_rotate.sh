#!/bin/sh
# follow_rotate - `custos ingest --follow` on a FreeRADIUS detail file that
# this script writes with printf: appended records are found; rotation by
# rename (records written to the old file after the rename, before the
# new file appears, are not lost; the new file is followed); copytruncate
# (the file shrinks to 0 and grows again); a record written in two parts,
# split inside a line, is ingested once and whole.  At the end the store
# equals a plain ingest of the same files.
T=follow_rotate
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi
if ! have_cli; then
	fail "custos ingest exists" "$CUSTOS ingest --help failed"
	finish
fi

L="$WORK/logs"
F="$L/detail"
mkdir -p "$L"
: >"$F"
T0=$(($(date +%s) - 3600))

# the part of each binding in `dump --json` (JSON lines) that does not
# depend on which path a record was read from, sorted
PROJ='[.. | objects | select(has("address") and has("start")) |
    {address, start, end: .end, end_known, u: .subscriber.username,
     mac: .subscriber.mac}] | sort_by(.address, .start)'

new_store s
spawn CPID "$CUSTOS" ingest --data "$WORK/s/data" --keys "$WORK/s/keys" \
    --follow --format radius-detail --tz UTC --json "$F" \
    >"$WORK/follow.out" 2>"$WORK/follow.err"

# found - NAME IP EPOCH USER END_KNOWN: poll until who shows it, report
found() {
	if poll 10 who_is "$2" "$3" '.matches | length == 1 and .[0].subscriber.username == "'"$4"'" and .[0].end_known == "'"$5"'"'; then
		pass "$1"
	else
		fail "$1" "timeout waiting for $4 on $2 ($5)"
		show_who
	fi
}

# --- appended records --------------------------------------------------
detail_rec Start u1 S1 100.64.1.1 02:00:00:00:00:01 "$T0" >>"$F"
found "append: start found" 100.64.1.1 $((T0 + 1)) u1 open
detail_rec Stop u1 S1 100.64.1.1 02:00:00:00:00:01 $((T0 + 100)) 100 >>"$F"
found "append: stop found" 100.64.1.1 $((T0 + 1)) u1 observed
if same_time "$(m end)" $((T0 + 100)); then
	pass "append: end time from the stop"
else
	fail "append: end time from the stop" "got '$(m end)'"
fi

# --- rotation by rename ----------------------------------------------------
# The writer still has the old file open after the rename (rsyslog until
# its HUP): records go there after the follower has seen the name gone,
# and even after the new file has appeared.
mv "$F" "$F.1"
sleep 1.2
detail_rec Start u2 S2 100.64.1.2 02:00:00:00:00:02 $((T0 + 200)) >>"$F.1"
sleep 1
detail_rec Start u3 S3 100.64.1.3 02:00:00:00:00:03 $((T0 + 300)) >>"$F"
sleep 0.5
detail_rec Start u7 S7 100.64.1.7 02:00:00:00:00:07 $((T0 + 250)) >>"$F.1"
found "rename: new file's record found" 100.64.1.3 $((T0 + 301)) u3 open
found "rename: record written to the old file after the rename found" \
    100.64.1.2 $((T0 + 201)) u2 open
found "rename: record written to the old file after the new one appeared found" \
    100.64.1.7 $((T0 + 251)) u7 open
detail_rec Start u4 S4 100.64.1.4 02:00:00:00:00:04 $((T0 + 400)) >>"$F"
found "rename: new file still followed" 100.64.1.4 $((T0 + 401)) u4 open

# --- copytruncate ------------------------------------------------------------
# F holds two records now; after the copy it is emptied and gets one,
# shorter than what was there, so a follower that only compares sizes
# sees the shrink even if it looks late.
cp "$F" "$F.2"
: >"$F"
detail_rec Start u5 S5 100.64.1.5 02:00:00:00:00:05 $((T0 + 500)) >>"$F"
found "copytruncate: record after the truncation found" \
    100.64.1.5 $((T0 + 501)) u5 open
detail_rec Stop u5 S5 100.64.1.5 02:00:00:00:00:05 $((T0 + 550)) 50 >>"$F"
found "copytruncate: truncated file still followed" \
    100.64.1.5 $((T0 + 501)) u5 observed

# --- a record written in two parts, split inside a line ---------------------
detail_rec Start u6 S6 100.64.1.6 02:00:00:00:00:06 $((T0 + 600)) >"$WORK/rec6"
# first part: up to and including "Framed-IP-Address = 100.64" (no newline)
cut=$(grep -b -o 'Framed-IP-Address = 100.64' "$WORK/rec6" | cut -d: -f1)
cut=$((cut + 26))
head -c "$cut" "$WORK/rec6" >>"$F"
# let the follower see the partial record at least once
sleep 1.5
if who_is 100.64.1.6 $((T0 + 601)) '.matches | length == 0' &&
    dump_json s "$WORK/mid.dump" &&
    [ "$(jq -s -S "$PROJ" "$WORK/mid.dump" | jq length)" = 6 ]; then
	pass "partial: nothing ingested from half a record"
else
	fail "partial: nothing ingested from half a record"
	show_who
fi
tail -c "+$((cut + 1))" "$WORK/rec6" >>"$F"
found "partial: whole record ingested" 100.64.1.6 $((T0 + 601)) u6 open
mac=$(m subscriber.mac | tr 'A-F-' 'a-f:')
if [ "$mac" = 02:00:00:00:00:06 ] && same_time "$(m start)" $((T0 + 600)); then
	pass "partial: record complete (mac, start)"
else
	fail "partial: record complete (mac, start)" \
	    "mac='$mac' start='$(m start)'"
fi

# --- stop, and compare with a plain ingest of the same files ---------------
if alive "$CPID"; then
	stop_pid "$CPID" TERM
	if [ "$STOP_RC" = 0 ]; then
		pass "sigterm: follower exits 0"
	else
		fail "sigterm: follower exits 0" "exit status $STOP_RC"
	fi
else
	wait "$CPID"
	fail "sigterm: follower exits 0" "follower had already exited with $?"
fi
# records: u1 start+stop, u2, u7, u3, u4, u5 start+stop, u6 = 9
if jq -e '.records == 9 and .rejected == 0' "$WORK/follow.out" >/dev/null 2>&1; then
	pass "summary: 9 records, 0 rejected"
else
	fail "summary: 9 records, 0 rejected" "summary: $(cat "$WORK/follow.out")"
	tail -5 "$WORK/follow.err" >&2
fi

new_store b
"$CUSTOS" ingest --data "$WORK/b/data" --keys "$WORK/b/keys" \
    --format radius-detail --tz UTC --json "$F.1" "$F.2" "$F" \
    >"$WORK/batch.out" 2>>"$WORK/custos.err"
rc=$?
dump_json s "$WORK/s.dump" && dump_json b "$WORK/b.dump"
jq -s -S "$PROJ" "$WORK/s.dump" >"$WORK/s.proj" 2>&1
jq -s -S "$PROJ" "$WORK/b.dump" >"$WORK/b.proj" 2>&1
n=$(jq length "$WORK/b.proj" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$n" = 7 ] && cmp -s "$WORK/s.proj" "$WORK/b.proj"; then
	pass "store equals a plain ingest of the rotated files"
else
	fail "store equals a plain ingest of the rotated files" \
	    "rc=$rc bindings=$n"
	diff "$WORK/b.proj" "$WORK/s.proj" | head -10 | cut -c1-300 >&2
fi

finish
