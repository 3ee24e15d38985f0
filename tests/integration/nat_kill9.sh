#!/bin/sh
# nat_kill9 - NAT session runs under crashes, re-reads and purges:
#   an ingest of conntrack events killed with SIGKILL at several points
#   (runs are written before the input offsets are committed) and run
#   again answers every `who` exactly as one clean ingest does;
#   ingesting the same files again writes nothing (the day files keep
#   their size); a day written as many runs (one per input file, merged
#   into the next level past 32) is purged whole: its files are gone and
#   nothing of it answers.
#
# Input: bench/natgen's synthetic CGNAT (conntrack -E lines with ground
# truth), 80k records over two days, cut into pieces.
T=nat_kill9
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

NATGEN=${NATGEN:-$TOP/${O:-build}/bench/natgen}
if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi
if [ ! -x "$NATGEN" ]; then
	fail prerequisites "$NATGEN missing: run make"
	finish
fi
cp "$NATGEN" "$WORK/bin/natgen" && NATGEN=$WORK/bin/natgen

G=$WORK/gen
mkdir -p "$G"
# 400 subscribers x 50 sessions a day x 2 days, from 2026-11-23
if ! "$NATGEN" conntrack 400 50 2 1795392000 "$G" >"$WORK/gen.out" 2>&1; then
	fail "natgen writes conntrack events" "$(cat "$WORK/gen.out")"
	finish
fi
# two files: the first one's end is a checkpoint
n=$(wc -l <"$G/conntrack.log")
head -n $((n / 2)) "$G/conntrack.log" >"$G/a.log"
tail -n +$((n / 2 + 1)) "$G/conntrack.log" >"$G/b.log"
cut -d' ' -f1,2 "$G/queries.txt" >"$G/batch.txt"

# answers - STORE: every query's answers (JSON lines) in $WORK/STORE.ans
answers() {
	cu "$1" who --batch "$G/batch.txt" --json >"$WORK/$1.ans" \
	    2>"$WORK/$1.who.err"
}

# nat_bytes - STORE: bytes of its NAT day files
nat_bytes() {
	du -sb "$WORK/$1/data/nat" | cut -f1
}

# --- store A: one clean ingest -------------------------------------------
new_store a
if cu a ingest --quiet --format conntrack "$G/a.log" "$G/b.log" \
    >"$WORK/a.out" 2>&1 && answers a &&
    [ "$(jq -s '[.[].matches | length] | add' "$WORK/a.ans")" -ge \
    "$(wc -l <"$G/batch.txt")" ]; then
	pass "clean ingest answers every query"
else
	fail "clean ingest answers every query" \
	    "$(tail -3 "$WORK/a.out" "$WORK/a.who.err")"
	finish
fi
# the truth: each answer names the generator's inside address
awk '{print $3}' "$G/queries.txt" >"$WORK/truth"
jq -r '[.matches[].nat.inside] | join(" ")' "$WORK/a.ans" >"$WORK/got"
right=$(paste -d'|' "$WORK/truth" "$WORK/got" | awk -F'|' '
    { n = split($2, a, " "); for (i = 1; i <= n; i++)
	if (a[i] == $1) { ok++; break } } END { print ok + 0 }')
check "answers name the true inside address" \
    [ "$right" -eq "$(wc -l <"$WORK/truth")" ]

# --- the same files again: nothing written -------------------------------
b0=$(nat_bytes a)
cu a ingest --quiet --format conntrack "$G/a.log" "$G/b.log" \
    >/dev/null 2>&1
cp "$G/a.log" "$G/a-copy.log"
cu a ingest --quiet --format conntrack "$G/a-copy.log" >/dev/null 2>&1
answers a
mv "$WORK/a.ans" "$WORK/a2.ans"
answers a
if [ "$(nat_bytes a)" -eq "$b0" ] &&
    cmp -s "$WORK/a.ans" "$WORK/a2.ans"; then
	pass "re-reading the same events writes nothing"
else
	fail "re-reading the same events writes nothing" \
	    "bytes $b0 -> $(nat_bytes a)"
fi

# --- store B: killed at several points, then run to the end --------------
new_store b
for d in 0.05 0.15 0.3 0.5 0.8; do
	(exec "$CUSTOS" ingest --data "$WORK/b/data" --keys "$WORK/b/keys" \
	    --quiet --format conntrack "$G/a.log" "$G/b.log" \
	    >>"$WORK/b.out" 2>&1) &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
if cu b ingest --quiet --format conntrack "$G/a.log" "$G/b.log" \
    >>"$WORK/b.out" 2>&1 && answers b &&
    cmp -s "$WORK/a.ans" "$WORK/b.ans"; then
	pass "killed with SIGKILL and resumed: the clean run's answers"
else
	fail "killed with SIGKILL and resumed: the clean run's answers" \
	    "$(diff "$WORK/a.ans" "$WORK/b.ans" | head -5)"
fi

# --- store C: a day of many runs, purged whole ---------------------------
new_store c
mkdir -p "$G/pieces"
split -l 1000 -a 3 "$G/conntrack.log" "$G/pieces/p."
for f in "$G"/pieces/p.*; do
	cu c ingest --quiet --format conntrack "$f" >>"$WORK/c.out" 2>&1
done
answers c
nfiles=0
for f in "$WORK"/c/data/nat/2026-11-2[34].nat*; do
	[ -e "$f" ] && nfiles=$((nfiles + 1))
done
if cmp -s "$WORK/a.ans" "$WORK/c.ans" &&
    [ -s "$WORK/c/data/nat/2026-11-23.nat1" ]; then
	pass "a day written as many runs answers the same ($nfiles files)"
else
	fail "a day written as many runs answers the same" \
	    "$(ls -l "$WORK/c/data/nat"; diff "$WORK/a.ans" "$WORK/c.ans" |
	    head -5)"
fi
CONF="$WORK/custos.conf"
{ cat "$CUSTOS_CONFIG"; echo "retention_days = 7"; } >"$CONF"
if CUSTOS_CONFIG=$CONF CUSTOS_NOW=2026-12-05T00:00:00Z cu c purge \
    --json >"$WORK/purge.json" 2>"$WORK/purge.err" &&
    ! [ -e "$WORK/c/data/nat/2026-11-23.nat1" ] &&
    ! [ -e "$WORK/c/data/nat/2026-11-24.nat" ] &&
    jq -e '[.days[].day] == ["2026-11-23", "2026-11-24"] and
    ([.days[].bytes] | min) > 1000000' "$WORK/purge.json" >/dev/null; then
	pass "purge removes every NAT file of the days"
else
	fail "purge removes every NAT file of the days" \
	    "$(cat "$WORK/purge.err"; ls -l "$WORK/c/data/nat")"
fi
q=$(head -1 "$G/batch.txt")
cu c who "${q% *}" --at "${q#* }" --json >"$WORK/c-after.json" 2>&1
check "nothing of a purged day answers" \
    jq -e '(.matches | length) == 0' "$WORK/c-after.json"

finish
