#!/bin/sh
# writer_lock - one writer per source class: while `custos ingest --follow`
# writes RADIUS bindings, a second ingest of RADIUS records into the same
# data directory is refused (naming the holder's pid, nothing written),
# and an ingest of DHCP records runs beside it; once the follower ends,
# the refused file goes in.
T=writer_lock
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

L="$WORK/logs"
mkdir -p "$L"
T0=$(($(date +%s) - 3600))
detail_rec Start wl1 W1 100.64.9.1 02:00:00:00:09:01 "$T0" >"$L/detail-a"
detail_rec Start wl2 W2 100.64.9.2 02:00:00:00:09:02 "$T0" >"$L/detail-b"

new_store s
spawn FPID "$CUSTOS" ingest --data "$WORK/s/data" --keys "$WORK/s/keys" \
    --follow --format radius-detail --tz UTC "$L/detail-a" \
    >"$WORK/follow.out" 2>"$WORK/follow.err"
if poll 10 who_is 100.64.9.1 $((T0 + 1)) '.matches | length == 1'; then
	pass "the follower writes RADIUS bindings"
else
	fail "the follower writes RADIUS bindings" "$(cat "$WORK/follow.err")"
fi

cu s ingest --format radius-detail --tz UTC "$L/detail-b" \
    >"$WORK/second.out" 2>"$WORK/second.err"
rc=$?
if [ $rc -ne 0 ] &&
    grep -q "radius is being written by another custos process (pid $FPID)" \
    "$WORK/second.err" &&
    who_is 100.64.9.2 $((T0 + 1)) '.matches | length == 0'; then
	pass "a second RADIUS writer is refused, naming the holder; nothing written"
else
	fail "a second RADIUS writer is refused, naming the holder; nothing written" \
	    "rc=$rc $(cat "$WORK/second.err")"
fi

if cu s ingest --format dhcpd-leases \
    "$TOP/tests/data/dhcp/isc/dhcpd.leases.final" >"$WORK/dhcp.out" \
    2>"$WORK/dhcp.err"; then
	pass "a DHCP ingest runs beside the RADIUS follower"
else
	fail "a DHCP ingest runs beside the RADIUS follower" "$(cat "$WORK/dhcp.err")"
fi

stop_pid "$FPID" TERM
if cu s ingest --format radius-detail --tz UTC "$L/detail-b" \
    >"$WORK/third.out" 2>"$WORK/third.err" &&
    who_is 100.64.9.2 $((T0 + 1)) '.matches | length == 1'; then
	pass "after the follower ends, the refused file goes in"
else
	fail "after the follower ends, the refused file goes in" \
	    "$(cat "$WORK/third.err")"
fi
# a bulk ingest writes new day files with a rollback journal and leaves
# them in WAL mode, as every other day file, with no journal behind
new_store b
cu b ingest --format radius-detail --tz UTC "$L/detail-a" "$L/detail-b" \
    >/dev/null 2>&1
modes=$(for f in "$WORK/b/data/radius/"*.db; do
	sqlite3 "$f" 'PRAGMA journal_mode'; done | sort -u)
if [ "$modes" = wal ] && ! ls "$WORK/b/data/radius/" | grep -q -- '-journal$' &&
    STORE=b who_is 100.64.9.2 $((T0 + 1)) '.matches | length == 1'; then
	pass "bulk-loaded day files are left in WAL mode, no journal behind"
else
	fail "bulk-loaded day files are left in WAL mode, no journal behind" \
	    "modes: $modes; $(ls "$WORK/b/data/radius/")"
fi
finish
