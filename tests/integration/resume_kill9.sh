#!/bin/sh
# resume_kill9 - an ingest killed with SIGKILL at several points and run
# again ends with exactly the store one clean run gives; ingesting the same
# files again, even from another path, adds nothing.
#
# Input: custos-gen's synthetic ISP (FreeRADIUS detail files, a dhcpd
# syslog, a Kea lease journal, a Postfix log), ingested with the options
# its README.gen names.  The subscriber count grows until one clean ingest
# takes two seconds or more, so that kills land inside it, between its
# commits (an ingest commits at each file's end and every few seconds).
T=resume_kill9
CUSTOS_GEN=${CUSTOS_GEN:-$(dirname "${CUSTOS:-build/custos}")/custos-gen}
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi
if ! have_cli; then
	fail "custos ingest exists" "$CUSTOS ingest --help failed"
	finish
fi

GEN="$WORK/gen"

# gen - SUBSCRIBERS: the synthetic ISP in $GEN; ARGS: the ingest
# options and files (relative to $GEN) from its README.gen
gen() {
	rm -rf "$GEN"
	"$CUSTOS_GEN" --out "$GEN" --subscribers "$1" --days 2 --seed 7 \
	    >"$WORK/gen.out" 2>&1 || return 1
	ARGS=$(sed -n 's/^ingest: custos ingest //p' "$GEN/README.gen")
	[ -n "$ARGS" ]
}

# kinds - DUMP: how many lines of each kind (binding, smtp) a dump has
kinds() {
	jq -r 'keys[0]' "$1" 2>/dev/null | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'
}

# ms - milliseconds since the epoch
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ingest - STORE [DIR]: ingest every generated file (from DIR, default
# $GEN), summary in $WORK/STORE.out; the exit status is custos's
ingest() {
	# shellcheck disable=SC2086 # ARGS is a list of words
	(cd "${2:-$GEN}" && exec "$CUSTOS" ingest --data "$WORK/$1/data" \
	    --keys "$WORK/$1/keys" --quiet --json $ARGS) \
	    >"$WORK/$1.out" 2>"$WORK/$1.err"
}

# --- store A: one clean run, on an input big enough --------------------------
subs=2000
while :; do
	if ! gen "$subs"; then
		fail "custos-gen writes an ISP" "$(tail -3 "$WORK/gen.out")"
		finish
	fi
	new_store a
	t=$(ms)
	ingest a
	rc=$?
	el=$(($(ms) - t))
	note "$(tail -1 "$WORK/gen.out")"
	note "clean ingest: ${el} ms (rc $rc)"
	[ $rc -ne 0 ] && break
	[ "$el" -ge 2000 ] && break
	[ "$subs" -ge 32000 ] && break
	subs=$((subs * 2))
done
if [ $rc -eq 0 ] && jq -e '.rejected == 0 and .bindings_added > 0' \
    "$WORK/a.out" >/dev/null 2>&1; then
	pass "clean ingest: bindings stored, none rejected"
else
	fail "clean ingest: bindings stored, none rejected" \
	    "rc=$rc summary: $(cat "$WORK/a.out") $(tail -3 "$WORK/a.err")"
	finish
fi
dump_json a "$WORK/a1.json"
if [ -s "$WORK/a1.json" ] && jq -e . "$WORK/a1.json" >/dev/null 2>&1; then
	pass "dump: store A dumps as JSON"
else
	fail "dump: store A dumps as JSON" "$(tail -3 "$WORK/custos.err")"
	finish
fi

# --- store B: killed again and again ------------------------------------------
# Each run resumes the last.  The kills come at growing fractions of the
# clean run's time (small ones first, so that at least two land even if
# that time was measured on a busy machine): some before the first
# commit, some after one or more, the last late enough for a run to end
# by itself, which stops the loop.  After each kill the store must open, and at least once it must
# hold part of the bindings: a kill that landed between commits.
new_store b
total=$(wc -l <"$WORK/a1.json")
k=0
killed=0
partial=0
done_rc=""
while [ $k -lt 30 ]; do
	set -- 10 25 40 55 70 85 100 130
	shift $((k % 8))
	d=$((el * $1 / 100))
	cd "$GEN" || break
	# shellcheck disable=SC2086 # ARGS is a list of words
	spawn BPID "$CUSTOS" ingest --data "$WORK/b/data" \
	    --keys "$WORK/b/keys" --quiet --json $ARGS \
	    >"$WORK/b.out" 2>"$WORK/b.err"
	cd "$WORK" || break
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	if alive "$BPID"; then
		kill -KILL "$BPID"
		stop_pid "$BPID"
		killed=$((killed + 1))
		if dump_json b "$WORK/b.mid"; then
			n=$(wc -l <"$WORK/b.mid")
			note "kill $killed after $d ms: $n of $total bindings"
			[ "$n" -gt 0 ] && [ "$n" -lt "$total" ] &&
			    partial=$((partial + 1))
		else
			note "kill $killed after $d ms: store does not dump"
			partial=-1000
		fi
	else
		stop_pid "$BPID"
		done_rc=$STOP_RC
		break
	fi
	k=$((k + 1))
done
note "store B: $killed runs killed, then a run completed (rc ${done_rc:-none})"
if [ "$killed" -ge 2 ] && [ "$done_rc" = 0 ]; then
	pass "kill -9: $killed killed runs, then one completed"
elif [ "$killed" -lt 2 ]; then
	fail "kill -9: runs killed in the middle" \
	    "only $killed of the runs were still going when killed"
else
	fail "kill -9: resumed run completes" \
	    "rc=${done_rc:-none} after $killed kills: $(tail -3 "$WORK/b.err")"
fi
if [ "$partial" -gt 0 ]; then
	pass "kill -9: a kill landed between commits"
else
	fail "kill -9: a kill landed between commits" \
	    "the store never held part of the bindings after a kill" \
	    "(or did not dump)"
fi

# one more run to completion: nothing left to add
ingest b
rc=$?
if [ $rc -eq 0 ] &&
    jq -e '.bindings_added == 0 and .bindings_updated == 0 and .smtp == 0' \
    "$WORK/b.out" >/dev/null 2>&1; then
	pass "kill -9: a further run adds nothing"
else
	fail "kill -9: a further run adds nothing" \
	    "rc=$rc summary: $(cat "$WORK/b.out") $(tail -3 "$WORK/b.err")"
fi

dump_json b "$WORK/b1.json"
if [ -s "$WORK/b1.json" ] && cmp -s "$WORK/a1.json" "$WORK/b1.json"; then
	pass "kill -9: store equals the clean run's, dump for dump"
else
	fail "kill -9: store equals the clean run's, dump for dump" \
	    "clean run: $(kinds "$WORK/a1.json"); resumed: $(kinds "$WORK/b1.json")"
	diff "$WORK/a1.json" "$WORK/b1.json" | head -10 | cut -c1-300 >&2
fi

# --- store A again: idempotent ---------------------------------------------------
ingest a
rc=$?
dump_json a "$WORK/a2.json"
if [ $rc -eq 0 ] &&
    jq -e '.bindings_added == 0 and .bindings_updated == 0 and .smtp == 0' \
    "$WORK/a.out" >/dev/null 2>&1 &&
    cmp -s "$WORK/a1.json" "$WORK/a2.json"; then
	pass "idempotent: ingesting again changes nothing"
else
	fail "idempotent: ingesting again changes nothing" \
	    "rc=$rc summary: $(cat "$WORK/a.out")"
	diff "$WORK/a1.json" "$WORK/a2.json" | head -10 | cut -c1-300 >&2
fi

# the same files under another path (a restored or moved copy)
cp -R "$GEN" "$WORK/gen2"
ingest a "$WORK/gen2"
rc=$?
dump_json a "$WORK/a3.json"
if [ $rc -eq 0 ] &&
    jq -e '.bindings_added == 0 and .bindings_updated == 0 and .smtp == 0' \
    "$WORK/a.out" >/dev/null 2>&1 &&
    cmp -s "$WORK/a1.json" "$WORK/a3.json"; then
	pass "idempotent: the same files from another path change nothing"
else
	fail "idempotent: the same files from another path change nothing" \
	    "rc=$rc summary: $(cat "$WORK/a.out")"
	diff "$WORK/a1.json" "$WORK/a3.json" | head -10 | cut -c1-300 >&2
fi

finish
