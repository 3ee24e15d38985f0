#!/bin/sh
# retention_source - each source goes at its own retention, and the stray
# backup proof holds per source: with DHCP kept 2 days, RADIUS 7 and SMTP
# 30, a purge destroys the DHCP days past 2 days (keys, then files) while
# the RADIUS sessions and SMTP envelopes of the same days still answer; a
# copy of the data directory taken before the purge gives nothing of the
# purged DHCP days with the keys that remain, and none of their MACs or
# addresses appears in plaintext in the copy or the live data.
#
# Input: a generated ISP (custos-gen: FreeRADIUS detail, dhcpd syslog, Kea
# lease CSV, Postfix) over 2026-11-20..23 and its ground truth.
T=retention_source
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi

CONF="$WORK/custos.conf"
{
	cat "$CUSTOS_CONFIG"
	echo "retention_days = 7"
	echo "retention_dhcp_days = 2"
	echo "retention_smtp_days = 30"
} >"$CONF"
export CUSTOS_CONFIG="$CONF"

new_store s
GEN="$WORK/gen"
if gen_ingest s "$GEN" --subscribers 300 --days 4 --start 2026-11-20 \
    --seed 5; then
	pass "ingest a generated ISP of four days"
else
	fail "ingest a generated ISP of four days" \
	    "$(tail -3 "$WORK/gen.out" "$WORK/ingest.out")"
	finish
fi

# truth rows lying wholly inside 2026-11-21 (a purged DHCP day, a kept
# RADIUS day): source,address,start,end,username,mac
grep -E '^[a-z]+,[^,]*,2026-11-21T[^,]*,2026-11-21T' "$GEN/truth.csv" \
    >"$WORK/day21.csv"
grep -E '^(dhcpd|kea),' "$WORK/day21.csv" | head -40 >"$WORK/dhcp21.csv"
grep -E '^radius,100\.' "$WORK/day21.csv" | head -20 >"$WORK/radius21.csv"
if [ -s "$WORK/dhcp21.csv" ] && [ -s "$WORK/radius21.csv" ]; then
	pass "truth: DHCP and RADIUS holdings wholly inside day 21"
else
	fail "truth: DHCP and RADIUS holdings wholly inside day 21" \
	    "$(wc -l "$WORK/dhcp21.csv" "$WORK/radius21.csv")"
	finish
fi

# holder - DATA CSVROW: does who answer the row's holder a second after
# its start (inside the holding, Kea rows included, whose true end the
# log hides)?
holder() {
	_ip=$(echo "$2" | cut -d, -f2)
	_t=$(epoch "$(echo "$2" | cut -d, -f3)")
	_mac=$(echo "$2" | cut -d, -f6)
	"$CUSTOS" who "$_ip" --at "$(rfc3339 $((_t + 1)))" --json \
	    --data "$1" --keys "$WORK/s/keys" >"$WORK/who.json" \
	    2>"$WORK/who.err" || return 2
	jq -e --arg m "$_mac" \
	    '[.matches[] | select(.subscriber.mac == $m)] | length >= 1' \
	    "$WORK/who.json" >/dev/null
}

# count - DATA FILE: how many rows of FILE the store answers
count() {
	_n=0
	while IFS= read -r row; do
		holder "$1" "$row" && _n=$((_n + 1))
	done <"$2"
	echo "$_n"
}

ND=$(wc -l <"$WORK/dhcp21.csv")
NR=$(wc -l <"$WORK/radius21.csv")
if [ "$(count "$WORK/s/data" "$WORK/dhcp21.csv")" = "$ND" ] &&
    [ "$(count "$WORK/s/data" "$WORK/radius21.csv")" = "$NR" ]; then
	pass "before: every DHCP ($ND) and RADIUS ($NR) holding of day 21 answers"
else
	fail "before: every DHCP ($ND) and RADIUS ($NR) holding of day 21 answers" \
	    "$(cat "$WORK/who.json" "$WORK/who.err")"
fi
# a subscriber who sent mail on day 21: their envelopes, before
MUSER=$(grep -o 'sasl_username=[^ ]*' "$GEN/mail/mail.log" | head -1 |
    cut -d= -f2)
mails() {
	"$CUSTOS" history "$MUSER" --from 2026-11-20T00:00:00Z \
	    --to 2026-11-24T00:00:00Z --json --data "$1" \
	    --keys "$WORK/s/keys" 2>/dev/null | jq '.smtp | length'
}
M0=$(mails "$WORK/s/data")

cp -a "$WORK/s/data" "$WORK/backup"

# 2026-11-25 noon: DHCP keeps 2 days (days before the 23rd go), RADIUS 7
# (nothing of the 20th..23rd goes), SMTP 30
export CUSTOS_NOW=2026-11-25T12:00:00Z
if cu s purge --json --by tester >"$WORK/purge.json" 2>"$WORK/purge.err" &&
    jq -e '(.sources | map({(.source): .}) | add) as $s |
    $s.dhcp.keep_days == 2 and $s.dhcp.first_kept == "2026-11-23" and
    $s.radius.keep_days == 7 and $s.smtp.keep_days == 30 and
    $s.nat.keep_days == 7 and
    ([.days[] | select(.source == "dhcp") | .day] ==
    ["2026-11-20", "2026-11-21", "2026-11-22"]) and
    all(.days[]; .source == "dhcp" or .day < "2026-11-18")' \
    "$WORK/purge.json" >/dev/null 2>&1; then
	pass "purge: DHCP days 20-22 destroyed, RADIUS and SMTP days kept"
else
	fail "purge: DHCP days 20-22 destroyed, RADIUS and SMTP days kept" \
	    "$(cat "$WORK/purge.json" "$WORK/purge.err")"
fi
ok=1
for d in 2026-11-20 2026-11-21 2026-11-22; do
	[ -e "$WORK/s/keys/dhcp/$d.key" ] && { ok=0; note "dhcp key $d"; }
	[ -e "$WORK/s/data/dhcp/$d.db" ] && { ok=0; note "dhcp data $d"; }
	[ -f "$WORK/s/keys/dhcp/$d.purged" ] || { ok=0; note "no tombstone $d"; }
	for c in radius smtp; do
		[ -f "$WORK/s/keys/$c/$d.key" ] && [ -f "$WORK/s/data/$c/$d.db" ] ||
		    { ok=0; note "$c $d lost"; }
	done
done
[ -f "$WORK/s/keys/dhcp/2026-11-23.key" ] || { ok=0; note "dhcp 23 lost"; }
if [ $ok = 1 ]; then pass "files: only the DHCP partitions of 20-22 are gone"; else
	fail "files: only the DHCP partitions of 20-22 are gone"; fi

for where in live backup; do
	dir="$WORK/s/data"
	[ $where = backup ] && dir="$WORK/backup"
	nd=$(count "$dir" "$WORK/dhcp21.csv")
	nr=$(count "$dir" "$WORK/radius21.csv")
	if [ "$nd" = 0 ] && [ "$nr" = "$NR" ]; then
		pass "$where: no DHCP holding of day 21 answers; every RADIUS one does"
	else
		fail "$where: no DHCP holding of day 21 answers; every RADIUS one does" \
		    "dhcp $nd of $ND, radius $nr of $NR"
	fi
	m=$(mails "$dir")
	if [ -n "$MUSER" ] && [ "$M0" -ge 1 ] && [ "$m" = "$M0" ]; then
		pass "$where: the SMTP envelopes of those days are all there ($m)"
	else
		fail "$where: the SMTP envelopes of those days are all there" \
		    "$MUSER: before $M0, now $m"
	fi
done
"$CUSTOS" dump --json --data "$WORK/backup" --keys "$WORK/s/keys" \
    >"$WORK/dump.json" 2>"$WORK/dump.err"
if jq -e -s '[.[] | select(.binding) | .binding |
    select(.source != "radius-detail" and .start >= "2026-11-20" and
    .end != null and .end < "2026-11-23")] | length == 0' \
    "$WORK/dump.json" >/dev/null 2>&1 &&
    jq -e -s '[.[] | select(.binding) | .binding |
    select(.source == "radius-detail" and .start >= "2026-11-21" and
    .end != null and .end < "2026-11-22")] | length >= 20' \
    "$WORK/dump.json" >/dev/null 2>&1 &&
    grep -q "$(jq '.days | length' "$WORK/purge.json") day partitions could not be read" \
    "$WORK/dump.err"; then
	pass "backup dump: no DHCP binding of the purged days; RADIUS ones there; those unreadable"
else
	fail "backup dump: no DHCP binding of the purged days; RADIUS ones there; those unreadable" \
	    "$(cat "$WORK/dump.err")"
fi

# plaintext: the MACs and addresses of the DHCP holdings of day 21
vals="$WORK/values"
cut -d, -f6 "$WORK/dhcp21.csv" | sort -u >"$vals"
cut -d, -f6 "$WORK/dhcp21.csv" | tr ':' '-' | sort -u >>"$vals"
cut -d, -f2 "$WORK/dhcp21.csv" | sed 's/$/ /' | sort -u >>"$vals"
inlogs=$(grep -r -a -F -l -f "$vals" "$GEN" 2>/dev/null | wc -l)
hits=$(grep -r -a -F -l -f "$vals" "$WORK/backup" "$WORK/s/data" 2>/dev/null)
if [ "$inlogs" -ge 1 ] && [ -z "$hits" ]; then
	pass "no MAC or address of a purged DHCP day in plaintext"
else
	fail "no MAC or address of a purged DHCP day in plaintext" \
	    "in logs: $inlogs files; in the store: $hits"
fi

# retention and keys status say the same
cu s retention --json >"$WORK/ret.json" 2>&1
if jq -e '(.sources | map({(.source): .}) | add) as $s |
    $s.dhcp.retention_days == 2 and $s.dhcp.oldest_day == "2026-11-23" and
    $s.dhcp.next_purge == "2026-11-26T00:00:00Z" and
    $s.radius.oldest_day <= "2026-11-20" and
    $s.smtp.retention_days == 30' "$WORK/ret.json" >/dev/null 2>&1; then
	pass "retention: DHCP oldest 23 (next purge 26th), RADIUS and SMTP older"
else
	fail "retention: DHCP oldest 23 (next purge 26th), RADIUS and SMTP older" \
	    "$(cat "$WORK/ret.json")"
fi
cu s keys status --json >"$WORK/ks.json" 2>&1
if jq -e '[.days[] | select(.day == "2026-11-21") | {(.source): .state}] |
    add | .dhcp == "purged" and .radius == "readable" and
    .smtp == "readable"' "$WORK/ks.json" >/dev/null 2>&1; then
	pass "keys status: day 21 purged for dhcp, readable for radius and smtp"
else
	fail "keys status: day 21 purged for dhcp, readable for radius and smtp" \
	    "$(cat "$WORK/ks.json")"
fi
cu s audit show --json >"$WORK/audit.json" 2>/dev/null
if jq -e -s '[.[] | select(.action == "retention.purge") | .detail |
    select(.source == "dhcp") | .day] ==
    ["2026-11-20", "2026-11-21", "2026-11-22"]' "$WORK/audit.json" \
    >/dev/null 2>&1; then
	pass "audit: a retention.purge entry per destroyed DHCP day"
else
	fail "audit: a retention.purge entry per destroyed DHCP day"
fi
finish
