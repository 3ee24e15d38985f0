#!/bin/sh
# radius_follow - a real FreeRADIUS 3 writes accounting detail records
# while `custos ingest --follow` reads them: live sessions appear open,
# stops close them at the observed time, delegated IPv6 prefixes resolve,
# escaped user names come back decoded, rename rotation is survived, and
# SIGTERM stops the follower cleanly.
#
# The server runs from a private copy of the installed configuration in
# $WORK/raddb, on 127.0.0.1 and random ports, as the current user, with
# its logs and the detail files under $WORK.
T=radius_follow
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

for p in radclient jq; do
	if ! command -v "$p" >/dev/null 2>&1; then
		fail prerequisites "$p is not installed (scripts/deps installs it)"
		finish
	fi
done
if ! radius_bin >/dev/null || [ ! -d "$RADDB_SRC" ]; then
	fail prerequisites "FreeRADIUS is not installed (scripts/deps installs it)"
	finish
fi

# The detail file is named after the server's local date (UTC here):
# do not straddle midnight.
sod=$(($(date +%s) % 86400))
if [ "$sod" -gt 86340 ]; then
	note "waiting $((86401 - sod)) s for the date to change"
	sleep $((86401 - sod))
fi

if radius_start_any "$WORK/raddb"; then
	pass "freeradius starts on loopback"; note "ports $RAD_AUTH/$RAD_ACCT"
else
	fail "freeradius starts" "see $WORK/radlog/debug.log"
	finish
fi

NOW=$(date +%s)
T0=$((NOW - 600))	# session start; every event time is ours
DDIR="$WORK/radacct/127.0.0.1"
DETAIL="$DDIR/detail-$(date -u -d "@$NOW" +%Y%m%d)"

# --- the NAS comes up ---------------------------------------------------
radclient_send acct <<EOF
Acct-Status-Type = Accounting-On
NAS-IP-Address = 192.0.2.1
NAS-Identifier = "bng1.pop1"
Acct-Session-Id = "00000000"
Event-Timestamp = $((T0 - 60))
Acct-Delay-Time = 0
EOF
rc=$?
detail_has() { # STRING: the detail file has a line containing it
	[ -f "$DETAIL" ] && grep -qF -- "$1" "$DETAIL"
}
if [ $rc -eq 0 ] && poll 5 detail_has 'Acct-Status-Type = Accounting-On'; then
	pass "accounting-on written to $(basename "$DETAIL")"
else
	fail "accounting-on written to detail file" \
	    "radclient rc=$rc; files: $(ls -R "$WORK/radacct" 2>&1)"
	tail -20 "$WORK/radclient.log" >&2
	finish
fi

if ! have_cli; then
	fail "custos ingest exists" "$CUSTOS ingest --help failed"
	finish
fi

# --- the follower -------------------------------------------------------
new_store s
spawn CPID "$CUSTOS" ingest --data "$WORK/s/data" --keys "$WORK/s/keys" \
    --follow --format radius-detail --tz UTC --json "$DETAIL" \
    >"$WORK/follow.out" 2>"$WORK/follow.err"

# --- a PPPoE session starts ----------------------------------------------
ALICE=alice@isp.example
radclient_send acct <<EOF
Acct-Status-Type = Start
User-Name = "$ALICE"
Acct-Session-Id = "0A1B2C3D"
Acct-Authentic = RADIUS
NAS-IP-Address = 192.0.2.1
NAS-Identifier = "bng1.pop1"
NAS-Port = 1073741924
NAS-Port-Id = "ge-1/0/0.100:100-2001"
NAS-Port-Type = Ethernet
Service-Type = Framed-User
Framed-Protocol = PPP
Framed-IP-Address = 100.64.12.34
Framed-IPv6-Prefix = 2001:db8:100:1::/64
Delegated-IPv6-Prefix = 2001:db8:ff00:1200::/56
Calling-Station-Id = "00:11:22:33:44:55"
Called-Station-Id = "bng1-pppoe"
Event-Timestamp = $T0
Acct-Delay-Time = 0
EOF
[ $? -eq 0 ] || note "radclient Start failed"

OPEN_ALICE='.matches | length == 1 and .[0].subscriber.username == "'$ALICE'" and .[0].end_known == "open"'
if poll 10 who_is 100.64.12.34 $((T0 + 60)) "$OPEN_ALICE"; then
	pass "start: open binding found while following"
	if same_time "$(m start)" "$T0"; then
		pass "start: start time is the Event-Timestamp"
	else
		fail "start: start time is the Event-Timestamp" \
		    "want $(rfc3339 $T0), got '$(m start)'"
	fi
	mac=$(m subscriber.mac | tr 'A-F-' 'a-f:')
	nas=$(m subscriber.nas)
	if [ "$mac" = 00:11:22:33:44:55 ] && [ -n "$nas" ]; then
		pass "start: mac and nas recorded"
	else
		fail "start: mac and nas recorded" "mac='$mac' nas='$nas'"
	fi
else
	fail "start: open binding found while following" "timeout"
	show_who
fi

# IPv6: inside the delegated /56, inside the framed /64, and just outside
if poll 5 who_is 2001:db8:ff00:12ab::1 $((T0 + 60)) "$OPEN_ALICE"; then
	pass "ipv6: address in the delegated /56 is the same subscriber"
else
	fail "ipv6: address in the delegated /56 is the same subscriber"
	show_who
fi
if who_is 2001:db8:100:1::abcd $((T0 + 60)) "$OPEN_ALICE"; then
	pass "ipv6: address in the framed /64 is the same subscriber"
else
	fail "ipv6: address in the framed /64 is the same subscriber"
	show_who
fi
if who_is 2001:db8:ff00:1300::1 $((T0 + 60)) '.matches | length == 0'; then
	pass "ipv6: address outside the /56 has no match"
else
	fail "ipv6: address outside the /56 has no match"
	show_who
fi
if who_is 100.64.12.34 "$(date +%s)" "$OPEN_ALICE"; then
	pass "start: open binding matches now"
else
	fail "start: open binding matches now"
	show_who
fi
if who_is 100.64.12.34 $((T0 - 1)) '.matches | length == 0'; then
	pass "start: nothing before the start"
else
	fail "start: nothing before the start"
	show_who
fi

# --- interim, then stop -----------------------------------------------------
radclient_send acct <<EOF
Acct-Status-Type = Interim-Update
User-Name = "$ALICE"
Acct-Session-Id = "0A1B2C3D"
NAS-IP-Address = 192.0.2.1
NAS-Identifier = "bng1.pop1"
NAS-Port = 1073741924
NAS-Port-Id = "ge-1/0/0.100:100-2001"
NAS-Port-Type = Ethernet
Framed-IP-Address = 100.64.12.34
Framed-IPv6-Prefix = 2001:db8:100:1::/64
Delegated-IPv6-Prefix = 2001:db8:ff00:1200::/56
Calling-Station-Id = "00:11:22:33:44:55"
Acct-Session-Time = 300
Acct-Input-Octets = 1234567
Acct-Output-Octets = 98765432
Event-Timestamp = $((T0 + 300))
Acct-Delay-Time = 0
EOF
[ $? -eq 0 ] || note "radclient Interim-Update failed"
radclient_send acct <<EOF
Acct-Status-Type = Stop
User-Name = "$ALICE"
Acct-Session-Id = "0A1B2C3D"
NAS-IP-Address = 192.0.2.1
NAS-Identifier = "bng1.pop1"
NAS-Port = 1073741924
NAS-Port-Id = "ge-1/0/0.100:100-2001"
NAS-Port-Type = Ethernet
Framed-IP-Address = 100.64.12.34
Framed-IPv6-Prefix = 2001:db8:100:1::/64
Delegated-IPv6-Prefix = 2001:db8:ff00:1200::/56
Calling-Station-Id = "00:11:22:33:44:55"
Acct-Session-Time = 500
Acct-Input-Octets = 123456789
Acct-Output-Octets = 3456789
Acct-Terminate-Cause = User-Request
Event-Timestamp = $((T0 + 500))
Acct-Delay-Time = 0
EOF
[ $? -eq 0 ] || note "radclient Stop failed"

CLOSED_ALICE='.matches | length == 1 and .[0].subscriber.username == "'$ALICE'" and .[0].end_known == "observed"'
if poll 10 who_is 100.64.12.34 $((T0 + 60)) "$CLOSED_ALICE"; then
	pass "stop: binding closed, end observed"
	if same_time "$(m end)" $((T0 + 500)) && same_time "$(m start)" "$T0"; then
		pass "stop: end is the Stop's Event-Timestamp"
	else
		fail "stop: end is the Stop's Event-Timestamp" \
		    "want $(rfc3339 $T0) .. $(rfc3339 $((T0 + 500))), got '$(m start)' .. '$(m end)'"
	fi
else
	fail "stop: binding closed, end observed" "timeout"
	show_who
fi
if who_is 100.64.12.34 $((T0 + 499)) "$CLOSED_ALICE" &&
    who_is 100.64.12.34 $((T0 + 500)) '.matches | length == 0' &&
    who_is 100.64.12.34 "$(date +%s)" '.matches | length == 0'; then
	pass "stop: interval is [start, end)"
else
	fail "stop: interval is [start, end)"
	show_who
fi
if who_is 2001:db8:ff00:12ab::1 $((T0 + 60)) "$CLOSED_ALICE"; then
	pass "stop: delegated prefix closed too"
else
	fail "stop: delegated prefix closed too"
	show_who
fi

# --- escapes in a user name -----------------------------------------------
# Heredoc: \\\\ reaches radclient as \\ (one backslash); \" stays \".
# FreeRADIUS writes User-Name = "we\"ird\\name".
radclient_send acct <<EOF
Acct-Status-Type = Start
User-Name = "we\"ird\\\\name"
Acct-Session-Id = "0A1B2C3E"
NAS-IP-Address = 192.0.2.1
NAS-Port-Type = Ethernet
Framed-IP-Address = 100.64.0.77
Calling-Station-Id = "00:11:22:33:44:66"
Event-Timestamp = $((T0 + 10))
EOF
[ $? -eq 0 ] || note "radclient Start (escapes) failed"
if poll 10 who_is 100.64.0.77 $((T0 + 20)) '.matches | length == 1'; then
	if detail_has 'User-Name = "we\"ird\\name"' &&
	    jq -e '.matches[0].subscriber.username == "we\"ird\\name"' \
	    "$WORK/who.json" >/dev/null; then
		pass "escapes: user name decoded"
	else
		fail "escapes: user name decoded" \
		    "got $(jq -c '.matches[0].subscriber.username' "$WORK/who.json");" \
		    "detail: $(grep 'ird' "$DETAIL")"
	fi
else
	fail "escapes: user name decoded" "timeout"
	show_who
fi

# --- rotation by rename ---------------------------------------------------
mv "$DETAIL" "$DETAIL.1"
radclient_send acct <<EOF
Acct-Status-Type = Start
User-Name = "bob@isp.example"
Acct-Session-Id = "0B000001"
NAS-IP-Address = 192.0.2.1
NAS-Port-Type = Ethernet
Framed-IP-Address = 100.64.0.88
Calling-Station-Id = "00:11:22:33:44:77"
Event-Timestamp = $((T0 + 20))
EOF
[ $? -eq 0 ] || note "radclient Start (after rotation) failed"
if [ -f "$DETAIL" ] && detail_has 'bob@isp.example'; then
	:
else
	note "FreeRADIUS did not recreate $DETAIL"
fi
if poll 10 who_is 100.64.0.88 $((T0 + 30)) '.matches | length == 1 and .[0].subscriber.username == "bob@isp.example" and .[0].end_known == "open"'; then
	pass "rotation: session in the new file found"
else
	fail "rotation: session in the new file found" "timeout"
	show_who
fi
radclient_send acct <<EOF
Acct-Status-Type = Stop
User-Name = "bob@isp.example"
Acct-Session-Id = "0B000001"
NAS-IP-Address = 192.0.2.1
NAS-Port-Type = Ethernet
Framed-IP-Address = 100.64.0.88
Calling-Station-Id = "00:11:22:33:44:77"
Acct-Session-Time = 100
Acct-Terminate-Cause = Lost-Carrier
Event-Timestamp = $((T0 + 120))
EOF
[ $? -eq 0 ] || note "radclient Stop (after rotation) failed"
if poll 10 who_is 100.64.0.88 $((T0 + 30)) '.matches | length == 1 and .[0].end_known == "observed"' &&
    same_time "$(m end)" $((T0 + 120)); then
	pass "rotation: new file still followed"
else
	fail "rotation: new file still followed"
	show_who
fi

# --- SIGTERM ----------------------------------------------------------------
if alive "$CPID"; then
	stop_pid "$CPID" TERM
	if [ "$STOP_RC" = 0 ]; then
		pass "sigterm: follower exits 0"
	else
		fail "sigterm: follower exits 0" "exit status $STOP_RC"
		tail -5 "$WORK/follow.err" >&2
	fi
else
	wait "$CPID"
	fail "sigterm: follower exits 0" "follower had already exited with $?"
	tail -5 "$WORK/follow.err" >&2
fi
# 7 records: Accounting-On, alice Start/Interim/Stop, the escaped Start,
# bob Start/Stop; none rejected
if jq -e '.records == 7 and .rejected == 0' "$WORK/follow.out" >/dev/null 2>&1; then
	pass "sigterm: summary counts 7 records, 0 rejected"
else
	fail "sigterm: summary counts 7 records, 0 rejected" \
	    "summary: $(cat "$WORK/follow.out")"
fi

# --- what was followed equals a plain ingest of the files -------------------
radius_stop
dump_json s "$WORK/dump1.json"
"$CUSTOS" ingest --data "$WORK/s/data" --keys "$WORK/s/keys" \
    --format radius-detail --tz UTC --json "$DETAIL.1" "$DETAIL" \
    >"$WORK/again.out" 2>>"$WORK/custos.err"
rc=$?
dump_json s "$WORK/dump2.json"
if [ $rc -eq 0 ] && [ -s "$WORK/dump1.json" ] &&
    cmp -s "$WORK/dump1.json" "$WORK/dump2.json" &&
    jq -e '.bindings_added == 0' "$WORK/again.out" >/dev/null 2>&1; then
	pass "idempotent: re-reading the rotated files adds nothing"
else
	fail "idempotent: re-reading the rotated files adds nothing" \
	    "rc=$rc summary: $(cat "$WORK/again.out")"
	diff "$WORK/dump1.json" "$WORK/dump2.json" | head -10 | cut -c1-300 >&2
fi

finish
