#!/bin/sh
# retention_crash - a purge killed after each of its steps leaves the day
# either whole and readable or gone and unreadable, and the next purge
# finishes the job (and audits it as resumed).
#
# CUSTOS_PURGE_CRASH_AT=N makes purge _exit(9) right after step N of the
# first day it destroys (steps: 1 journal, 2 key unlinked, 3 key wiped,
# 4 files, 5 directory sync, 6 quarantine, 7 audit, 8 journal closed),
# which is what a kill -9 there would leave.  A real SIGKILL at a random
# moment is tried too.
T=retention_crash
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi

CONF="$WORK/custos.conf"
{ cat "$CUSTOS_CONFIG"; echo "retention_days = 7"; } >"$CONF"
export CUSTOS_CONFIG="$CONF"

user_of() { echo "crash-user-$1@isp.example"; }
ip_of() { echo "100.81.$1.9"; }

new_store base
mkdir -p "$WORK/logs"
for n in 20 21 22; do
	t0=$(epoch "2026-11-${n}T08:00:00Z")
	detail_rec Start "$(user_of "$n")" "c-$n" "$(ip_of "$n")" \
	    "02:78:00:00:$n:01" "$t0"
	detail_rec Stop "$(user_of "$n")" "c-$n" "$(ip_of "$n")" \
	    "02:78:00:00:$n:01" $((t0 + 600)) 600
done >"$WORK/logs/detail"
if ! cu base ingest --tz UTC --quiet "$WORK/logs/detail" \
    >"$WORK/ingest.out" 2>&1; then
	fail "ingest" "$(cat "$WORK/ingest.out")"
	finish
fi

# readable - STORE DAYNUM: does who find that day's session?
readable() {
	"$CUSTOS" who "$(ip_of "$2")" --at "2026-11-$2T08:05:00Z" --json \
	    --data "$WORK/$1/data" --keys "$WORK/$1/keys" >"$WORK/who.json" \
	    2>"$WORK/who.err" || return 2
	jq -e --arg u "$(user_of "$2")" \
	    '[.matches[] | select(.subscriber.username == $u)] | length == 1' \
	    "$WORK/who.json" >/dev/null
}

# whole_or_gone - STORE: day 20 is readable with its key and files, or
# its key is gone under every name a reader tries (and not left zeroed)
whole_or_gone() {
	_k="$WORK/$1/keys/radius/2026-11-20.key"
	if [ -f "$_k" ]; then
		# a key that is still there is the real one, and the day reads
		[ "$(od -An -tx1 "$_k" | tr -d ' \n' | tr -d 0)" != "" ] &&
		    readable "$1" 20 && echo whole
	else
		! readable "$1" 20 && echo gone
	fi
}

export CUSTOS_NOW=2026-11-29T12:00:00Z
for step in 1 2 3 4 5 6 7 8; do
	rm -rf "$WORK/c"
	cp -a "$WORK/base" "$WORK/c"
	CUSTOS_PURGE_CRASH_AT=$step cu c purge >"$WORK/crash.out" 2>&1
	rc=$?
	state=$(whole_or_gone c)
	want=gone
	[ "$step" -eq 1 ] && want=whole
	if [ $rc -eq 9 ] && [ "$state" = "$want" ]; then
		pass "killed after step $step: day 20 $want"
	else
		fail "killed after step $step: day 20 $want" \
		    "rc=$rc state=$state $(cat "$WORK/crash.out")"
	fi
	# day 21 was not reached: whole
	readable c 21 || fail "killed after step $step: day 21 untouched"
	if [ "$step" -lt 8 ]; then
		cu c keys status --json >"$WORK/ks.json" 2>&1
		jq -e '.days[] | select(.source == "radius" and .day == "2026-11-20") |
		    .state == "purge unfinished"' "$WORK/ks.json" >/dev/null ||
		    fail "killed after step $step: keys status says unfinished" \
		    "$(cat "$WORK/ks.json")"
	fi
	if cu c purge >"$WORK/again.out" 2>&1 && ! readable c 20 &&
	    ! readable c 21 && readable c 22 &&
	    [ -z "$(ls "$WORK/c/data/radius" | grep '2026-11-2[01]')" ] &&
	    [ -z "$(ls "$WORK/c/keys/radius" | grep '2026-11-2[01]\.key')" ] &&
	    [ ! -e "$WORK/c/data/purge.journal" ]; then
		pass "after step $step: the next purge finishes the job"
	else
		fail "after step $step: the next purge finishes the job" \
		    "$(cat "$WORK/again.out"; ls "$WORK/c/data/radius" "$WORK/c/keys/radius")"
	fi
	cu c audit show --json >"$WORK/audit.json" 2>/dev/null
	n20=$(jq -s '[.[] | select(.action == "retention.purge" and
	    .detail.day == "2026-11-20")] | length' "$WORK/audit.json")
	res=$(jq -s -r '[.[] | select(.action == "retention.purge" and
	    .detail.day == "2026-11-20")] | last | .detail.resumed' \
	    "$WORK/audit.json")
	# step 7 crashed after its audit entry: the finish adds a second one
	wantn=1
	[ "$step" -eq 7 ] && wantn=2
	wantres=true
	[ "$step" -eq 8 ] && wantres=false
	if [ "$n20" = "$wantn" ] && [ "$res" = "$wantres" ]; then
		pass "after step $step: audited ($n20 entries, resumed $res)"
	else
		fail "after step $step: audited ($n20 entries, resumed $res)" \
		    "want $wantn entries, resumed $wantres"
	fi
done

# a real SIGKILL at random moments of a purge of many small days
ok=1
i=0
while [ $i -lt 5 ]; do
	rm -rf "$WORK/k"
	cp -a "$WORK/base" "$WORK/k"
	# many empty-ish days: keys and files made by hand for days 1..40
	for d in $(seq 1 40); do
		day=$(date -u -d "2026-10-01 + $d days" +%Y-%m-%d)
		head -c 32 /dev/urandom >"$WORK/k/keys/radius/$day.key"
		chmod 600 "$WORK/k/keys/radius/$day.key"
		cp "$WORK/base/data/radius/2026-11-22.db" "$WORK/k/data/radius/$day.db"
	done
	spawn P "$CUSTOS" purge --data "$WORK/k/data" --keys "$WORK/k/keys" \
	    >/dev/null 2>&1
	# a purge of these 42 days takes about a second (fsyncs)
	sleep "$(($(rand) % 2)).$(($(rand) % 10))"
	stop_pid "$P" KILL
	note "SIGKILL $i: $(ls "$WORK/k/keys/radius" | grep -c '\.purged$') days purged before the kill"
	# every day is whole (key + db) or gone (no key); none half-keyed
	for k in "$WORK/k/keys/radius/"*.key; do
		[ -f "$k" ] || continue
		[ "$(od -An -tx1 "$k" | tr -d ' \n' | tr -d 0)" != "" ] ||
		    { ok=0; note "zeroed key left under its name: $k"; }
	done
	if ! cu k purge >"$WORK/k.out" 2>&1; then
		ok=0
		note "after SIGKILL $i: $(cat "$WORK/k.out")"
	fi
	old=$(ls "$WORK/k/data/radius" | awk '$0 < "2026-11-22"')
	keys=$(ls "$WORK/k/keys/radius" | grep '\.key' | tr '\n' ' ')
	if [ -n "$old" ] || [ "$keys" != "2026-11-22.key " ]; then
		ok=0
		note "after SIGKILL $i: left: $old / $keys"
	fi
	readable k 22 || { ok=0; note "day 22 lost after SIGKILL $i"; }
	cu k audit verify >/dev/null 2>&1 || { ok=0; note "audit broken $i"; }
	i=$((i + 1))
done
if [ $ok = 1 ]; then pass "SIGKILL at random moments: whole or gone, then finished"; else
	fail "SIGKILL at random moments: whole or gone, then finished"; fi
finish
