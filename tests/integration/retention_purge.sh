#!/bin/sh
# retention_purge - the proof: a copy of the data directory taken before a
# purge (the stray backup) holds nothing of the purged days that the keys
# left behind can read, and no user name, MAC or address of those days
# appears in plaintext anywhere in the copy or in the live data.
#
# Input: FreeRADIUS detail records written by hand (one session wholly
# inside each of four days, known values), plus a small custos-gen ISP
# over the same days (dhcpd syslog and Postfix mail: other sources and
# many bindings).  The clock is moved with CUSTOS_NOW; retention is 7 days.
T=retention_purge
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi

CONF="$WORK/custos.conf"
{ cat "$CUSTOS_CONFIG"; echo "retention_days = 7"; } >"$CONF"
export CUSTOS_CONFIG="$CONF"

DAYS="2026-11-20 2026-11-21 2026-11-22 2026-11-23"
# values of day N (20..23): user, MAC, address
user_of() { echo "purge-user-$1@isp.example"; }
mac_of() { echo "02:77:00:00:$1:01"; }
ip_of() { echo "100.80.$1.7"; }

new_store s
mkdir -p "$WORK/logs"
for d in $DAYS; do
	n=${d#2026-11-}
	t0=$(epoch "${d}T10:00:00Z")
	detail_rec Start "$(user_of "$n")" "sess-$n" "$(ip_of "$n")" \
	    "$(mac_of "$n")" "$t0"
	detail_rec Stop "$(user_of "$n")" "sess-$n" "$(ip_of "$n")" \
	    "$(mac_of "$n")" $((t0 + 3600)) 3600
done >"$WORK/logs/detail-hand"
if cu s ingest --tz UTC --quiet "$WORK/logs/detail-hand" \
    >"$WORK/ingest.out" 2>&1; then
	pass "ingest the hand-made sessions of four days"
else
	fail "ingest the hand-made sessions of four days" "$(tail -5 "$WORK/ingest.out")"
	finish
fi
# the generated ISP, with the ingest options its README.gen names
GEN="$WORK/gen"
if gen_ingest s "$GEN" --subscribers 200 --days 4 --start 2026-11-20 \
    --seed 3; then
	pass "ingest a generated ISP over the same days"
else
	fail "ingest a generated ISP over the same days" \
	    "$(tail -3 "$WORK/gen.out" "$WORK/ingest.out")"
	finish
fi

# found - STORE-DATA DAYNUM: does who (on the given data dir) find the
# session of that day?
found() {
	_t=$(epoch "2026-11-$2T10:30:00Z")
	"$CUSTOS" who "$(ip_of "$2")" --at "$(rfc3339 "$_t")" --json \
	    --data "$1" --keys "$WORK/s/keys" >"$WORK/who.json" \
	    2>"$WORK/who.err" || return 2
	jq -e --arg u "$(user_of "$2")" \
	    '[.matches[] | select(.subscriber.username == $u)] | length == 1' \
	    "$WORK/who.json" >/dev/null
}

ok=1
for n in 20 21 22 23; do
	found "$WORK/s/data" "$n" || ok=0
done
if [ $ok = 1 ]; then pass "before: every day answers"; else
	fail "before: every day answers" "$(cat "$WORK/who.json" "$WORK/who.err")"; fi

# the stray backup
cp -a "$WORK/s/data" "$WORK/backup"

export CUSTOS_NOW=2026-11-29T12:00:00Z
cu s purge --dry-run --json >"$WORK/dry.json" 2>"$WORK/dry.err"
# (generated sessions already up when the logs begin reach back ~12 days)
if jq -e '.dry_run and
    all(.sources[]; .keep_days == 7 and .first_kept == "2026-11-22") and
    ([.days[] | select(.source == "radius") | .day] |
    index("2026-11-20") != null and index("2026-11-21") != null) and
    all(.days[]; .day < "2026-11-22")' "$WORK/dry.json" \
    >/dev/null 2>&1 && [ -f "$WORK/s/keys/radius/2026-11-20.key" ] &&
    [ -f "$WORK/s/data/radius/2026-11-20.db" ]; then
	pass "dry run lists days 20, 21 (and older) and changes nothing"
else
	fail "dry run lists days 20, 21 (and older) and changes nothing" \
	    "$(cat "$WORK/dry.json" "$WORK/dry.err")"
fi

NDUE=$(jq '.days | length' "$WORK/dry.json")
if cu s purge --by tester >"$WORK/purge.out" 2>"$WORK/purge.err" &&
    grep -q '^destroyed radius 2026-11-20: key destroyed' "$WORK/purge.out" &&
    grep -q '^destroyed radius 2026-11-21: key destroyed' "$WORK/purge.out" &&
    grep -q '^destroyed dhcp 2026-11-21: key destroyed' "$WORK/purge.out" &&
    grep -q '^destroyed smtp 2026-11-21: key destroyed' "$WORK/purge.out" &&
    grep -q "^$NDUE source-days destroyed" "$WORK/purge.out" &&
    grep -q "^trash reclaimed: " "$WORK/purge.out" &&
    [ -z "$(ls -A "$WORK/s/data/trash")" ]; then
	pass "purge destroys days 20 and 21"
else
	fail "purge destroys days 20 and 21" \
	    "$(cat "$WORK/purge.out" "$WORK/purge.err")"
fi
gone=1
for c in radius dhcp smtp; do
	for d in 2026-11-20 2026-11-21; do
		[ "$c$d" = smtp2026-11-20 ] && continue # no mail before the 21st
		for f in "$WORK/s/keys/$c/$d.key" "$WORK/s/keys/$c/$d.key.dead" \
		    "$WORK/s/data/$c/$d.db" "$WORK/s/data/$c/$d.db-wal" \
		    "$WORK/s/data/$c/$d.db-shm" "$WORK/s/data/purge.journal"; do
			[ -e "$f" ] && { gone=0; note "still there: $f"; }
		done
		[ -f "$WORK/s/keys/$c/$d.purged" ] ||
		    { gone=0; note "no tombstone $c $d"; }
	done
	for d in 2026-11-22 2026-11-23; do
		[ -f "$WORK/s/keys/$c/$d.key" ] && [ -f "$WORK/s/data/$c/$d.db" ] ||
		    { gone=0; note "$c day $d lost"; }
	done
done
if [ $gone = 1 ]; then pass "keys and files of 20, 21 gone; 22, 23 kept"; else
	fail "keys and files of 20, 21 gone; 22, 23 kept"; fi

# live data: the purged days do not answer, the kept ones do
if ! found "$WORK/s/data" 20 && ! found "$WORK/s/data" 21 &&
    found "$WORK/s/data" 22 && found "$WORK/s/data" 23; then
	pass "live: purged days absent, kept days answer"
else
	fail "live: purged days absent, kept days answer" "$(cat "$WORK/who.json")"
fi

# the stray backup, read with the keys that remain
if ! found "$WORK/backup" 20 && grep -q 'could not be read' "$WORK/who.err" &&
    ! found "$WORK/backup" 21 && found "$WORK/backup" 22 &&
    found "$WORK/backup" 23; then
	pass "backup: purged days unreadable (and said so), kept days answer"
else
	fail "backup: purged days unreadable (and said so), kept days answer" \
	    "$(cat "$WORK/who.json" "$WORK/who.err")"
fi
"$CUSTOS" dump --json --data "$WORK/backup" --keys "$WORK/s/keys" \
    >"$WORK/dump.json" 2>"$WORK/dump.err"
if ! grep -q 'purge-user-2[01]@' "$WORK/dump.json" &&
    grep -q 'purge-user-22@' "$WORK/dump.json" &&
    grep -q "$NDUE day partitions could not be read" "$WORK/dump.err"; then
	pass "backup dump: nothing of 20, 21; reports the unreadable days"
else
	fail "backup dump: nothing of 20, 21; reports the unreadable days" \
	    "$(cat "$WORK/dump.err")"
fi
# no binding of the dump starts and ends inside a purged day
if jq -e -s '[.[] | select(.binding) | .binding |
    select(.start >= "2026-11-20" and .start < "2026-11-22" and
    .end != null and .end < "2026-11-22")] | length == 0' \
    "$WORK/dump.json" >/dev/null 2>&1; then
	pass "backup dump: no binding lying wholly in a purged day"
else
	fail "backup dump: no binding lying wholly in a purged day"
fi

# plaintext: the hand-made values, and the generated ISP's values of the
# purged days (its truth file), nowhere in the copy or the live data
vals="$WORK/values"
: >"$vals"
for n in 20 21; do
	user_of "$n" >>"$vals"
	mac_of "$n" >>"$vals"
	mac_of "$n" | tr ':' '-' >>"$vals"
	ip_of "$n" >>"$vals"
done
if [ -f "$GEN/truth.csv" ]; then
	# bindings that start and end on day 20 or 21: their fields
	grep -E '^[a-z]+,[^,]*,2026-11-2[01]T[^,]*,2026-11-2[01]T' \
	    "$GEN/truth.csv" | head -100 | tr ',' '\n' |
	    grep -E '@|^100\.|^0[26a]:5c' | sort -u >>"$vals"
fi
nvals=$(wc -l <"$vals")
# the same search over the logs finds them: the search itself works
inlogs=$(grep -r -a -F -l -f "$vals" "$WORK/logs" "$GEN" 2>/dev/null | wc -l)
[ "$inlogs" -ge 2 ] || fail "the values are in the logs" "found in $inlogs files"
hits=$(grep -r -a -F -l -f "$vals" "$WORK/backup" "$WORK/s/data" 2>/dev/null)
if [ "$nvals" -ge 8 ] && [ -z "$hits" ]; then
	pass "no user name, MAC or address of 20, 21 in plaintext ($nvals values)"
else
	fail "no user name, MAC or address of 20, 21 in plaintext ($nvals values)" \
	    "found in: $hits"
fi

# keys status
cu s keys status --json >"$WORK/ks.json" 2>&1
if jq -e '(.days | map(select(.source == "radius")) |
    map({(.day): .state}) | add) as $m |
    $m["2026-11-20"] == "purged" and $m["2026-11-21"] == "purged" and
    $m["2026-11-22"] == "readable" and $m["2026-11-23"] == "readable"' \
    "$WORK/ks.json" >/dev/null 2>&1; then
	pass "keys status: 20, 21 purged; 22, 23 readable"
else
	fail "keys status: 20, 21 purged; 22, 23 readable" "$(cat "$WORK/ks.json")"
fi
"$CUSTOS" keys status --json --data "$WORK/backup" --keys "$WORK/s/keys" \
    >"$WORK/ksb.json" 2>&1
if jq -e '(.days | map(select(.source == "radius")) |
    map({(.day): .state}) | add) as $m |
    $m["2026-11-20"] == "unreadable" and $m["2026-11-22"] == "readable"' \
    "$WORK/ksb.json" >/dev/null 2>&1; then
	pass "keys status on the backup: 20 unreadable (data without key)"
else
	fail "keys status on the backup: 20 unreadable (data without key)" \
	    "$(cat "$WORK/ksb.json")"
fi

# the audit trail
cu s audit show --json >"$WORK/audit.json" 2>"$WORK/audit.err"
if jq -e -s --slurpfile dry "$WORK/dry.json" '[.[] |
    select(.action == "retention.purge") | .detail | .source + .day] ==
    [$dry[0].days[] | .source + .day]' "$WORK/audit.json" \
    >/dev/null 2>&1 && jq -e -s '[.[] | select(.action ==
    "retention.purge")][0] | .actor == "tester" and
    .detail.key == "destroyed" and (.detail.files | length) >= 1' \
    "$WORK/audit.json" >/dev/null 2>&1 &&
    cu s audit verify >/dev/null 2>&1; then
	pass "audit: one retention.purge entry per day, chain intact"
else
	fail "audit: one retention.purge entry per day, chain intact" \
	    "$(grep retention "$WORK/audit.json" | head -3)"
fi

# the same logs ingested again (under another name): a purged day stays
# purged, no key is made for it, nothing of it is stored
cp "$WORK/logs/detail-hand" "$WORK/logs/detail-again"
cu s ingest --tz UTC --quiet "$WORK/logs/detail-again" >"$WORK/again-ingest.out" 2>&1
if ! found "$WORK/s/data" 20 && ! found "$WORK/s/data" 21 &&
    found "$WORK/s/data" 22 && [ ! -e "$WORK/s/keys/radius/2026-11-20.key" ] &&
    [ ! -e "$WORK/s/data/radius/2026-11-20.db" ]; then
	pass "re-ingesting the logs of a purged day stores nothing of it"
else
	fail "re-ingesting the logs of a purged day stores nothing of it" \
	    "$(cat "$WORK/again-ingest.out"; ls "$WORK/s/keys/radius")"
fi

# custos retention: per source, the oldest data and the next purge
cu s retention --json >"$WORK/ret.json" 2>"$WORK/ret.err"
if jq -e '(.sources | map({(.source): .}) | add) as $s |
    $s.radius.retention_days == 7 and
    $s.radius.oldest_day == "2026-11-22" and
    $s.radius.next_purge == "2026-11-30T00:00:00Z" and
    ($s.radius.overdue | not) and $s.radius.days == 2 and
    $s.radius.bytes > 0 and $s.dhcp.oldest_day == "2026-11-22" and
    $s.smtp.oldest_day >= "2026-11-22" and
    $s.nat.oldest_day == null' "$WORK/ret.json" >/dev/null 2>&1; then
	pass "retention: oldest day 22, next purge 2026-11-30T00:00Z"
else
	fail "retention: oldest day 22, next purge 2026-11-30T00:00Z" \
	    "$(cat "$WORK/ret.json" "$WORK/ret.err")"
fi
cu s retention >"$WORK/ret.txt" 2>&1
grep -q '^radius  retention 7 days; 2 days held (.*), oldest 2026-11-22; next purge 2026-11-30T00:00:00Z$' "$WORK/ret.txt" ||
    fail "retention text" "$(cat "$WORK/ret.txt")"
# --attest: what was destroyed and when, from the verified trail
cu s retention --attest --json >"$WORK/att.json" 2>"$WORK/att.err"
if jq -e --slurpfile dry "$WORK/dry.json" '.trail.intact and
    ([.destroyed[].detail | .source + .day] ==
    [$dry[0].days[] | .source + .day]) and
    all(.destroyed[]; .time == "2026-11-29T12:00:00Z" and
    .actor == "tester" and (.hash | length) == 64)' "$WORK/att.json" \
    >/dev/null 2>&1 && cu s retention --attest | grep -q 'intact'; then
	pass "retention --attest: every destroyed day, when, by whom, chained"
else
	fail "retention --attest: every destroyed day, when, by whom, chained" \
	    "$(head -c 600 "$WORK/att.json") $(cat "$WORK/att.err")"
fi

# again: nothing to do
if cu s purge >"$WORK/again.out" 2>&1 &&
    grep -q '^0 source-days destroyed' "$WORK/again.out"; then
	pass "a second purge has nothing to do"
else
	fail "a second purge has nothing to do" "$(cat "$WORK/again.out")"
fi

# a day later, day 22 goes too
if CUSTOS_NOW=2026-11-30T00:00:00Z cu s purge >"$WORK/next.out" 2>&1 &&
    grep -q '^destroyed radius 2026-11-22' "$WORK/next.out" &&
    ! found "$WORK/s/data" 22 && found "$WORK/s/data" 23; then
	pass "at 2026-11-30T00:00Z day 22 is due and destroyed"
else
	fail "at 2026-11-30T00:00Z day 22 is due and destroyed" \
	    "$(cat "$WORK/next.out")"
fi

# the key directory: refused when open to others or inside the data
chmod 755 "$WORK/s/keys"
if ! cu s purge >"$WORK/mode.out" 2>&1 &&
    grep -q 'accessible to group or others' "$WORK/mode.out"; then
	pass "purge refuses a key directory open to others"
else
	fail "purge refuses a key directory open to others" "$(cat "$WORK/mode.out")"
fi
chmod 700 "$WORK/s/keys"
finish
