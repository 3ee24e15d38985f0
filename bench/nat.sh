#!/bin/sh
# bench/nat.sh - CGNAT attribution at scale, in one run:
#   ingest   custos ingest of conntrack -E events (one core): records/s
#   disk     bytes per record of the NAT day files
#   who      custos who PUBLIC:PORT --batch (latency p50/p99), answers
#            checked against the generator's truth, beside grep -F of the
#            same public endpoint over the raw records
#   ipfix    (NAT_IPFIX=1) the same sessions as raw IPFIX through
#            custos collect ipfix --read
# Rates are given by wall time and by CPU time (user+sys of the ingest
# process, /usr/bin/time): the machine may be shared, CPU time is what one
# core spends.
#
# Scale: NAT_SCALE=full (default: 10,000 subscribers x 100 sessions a day
# (200 records: NEW and DESTROY) x 7 days = 14M records, ~3.2 GB of text)
# or small (1,000 x 100 x 2 = 400k records); or set NAT_SUBS, NAT_SESS,
# NAT_DAYS.  Files go under bench/out/nat-SCALE (git-ignored).
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
CUSTOS=$PWD/$O/custos
GEN=$PWD/$O/bench/natgen
SCALE=${NAT_SCALE:-full}
case $SCALE in
small) SUBS=1000 SESS=100 DAYS=2 NGREP=3 ;;
full) SUBS=10000 SESS=100 DAYS=7 NGREP=3 ;;
*) echo "nat.sh: NAT_SCALE is small or full" >&2; exit 2 ;;
esac
SUBS=${NAT_SUBS:-$SUBS} SESS=${NAT_SESS:-$SESS} DAYS=${NAT_DAYS:-$DAYS}
OUT=$PWD/bench/out/nat-$SCALE
START=1795392000	# 2026-11-23T00:00:00Z
for b in "$CUSTOS" "$GEN"; do
	[ -x "$b" ] || { echo "nat.sh: $b missing: run 'make'" >&2; exit 1; }
done
command -v jq > /dev/null || { echo "nat.sh: needs jq" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "nat.sh: needs /usr/bin/time" >&2; exit 1; }
now_ns() { date +%s%N; }
# cpu_ms FILE - user+sys milliseconds from /usr/bin/time -f '%U %S'
cpu_ms() { awk '{ printf "%d\n", ($1 + $2) * 1000 + 0.5 }' "$1"; }
# per_s N MS - N per second over MS milliseconds
per_s() { echo $(($1 * 1000 / ($2 > 0 ? $2 : 1))); }
export CUSTOS_CONFIG=${CUSTOS_CONFIG:-$PWD/tests/data/custos-test.conf}

rm -rf "$OUT"
mkdir -p "$OUT/keys" "$OUT/data"
chmod 0700 "$OUT/keys"
echo "nat bench: $SUBS subscribers x $SESS sessions/day x $DAYS days" \
    "(scale $SCALE)"
t0=$(now_ns)
"$GEN" conntrack "$SUBS" "$SESS" "$DAYS" "$START" "$OUT"
t1=$(now_ns)
REC=$(wc -l < "$OUT/conntrack.log")
RAW=$(stat -c %s "$OUT/conntrack.log")
echo "generated $REC records ($RAW bytes) in $(( (t1 - t0) / 1000000 )) ms"

"$CUSTOS" ingest --data "$OUT/data" --keys "$OUT/keys" "$OUT/leases.csv" \
    > /dev/null 2>&1
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$OUT/ingest.time" \
    "$CUSTOS" ingest --data "$OUT/data" --keys "$OUT/keys" \
    --format conntrack "$OUT/conntrack.log" 2> "$OUT/ingest.err"
t1=$(now_ns)
ING_MS=$(( (t1 - t0) / 1000000 ))
ING_CPU=$(cpu_ms "$OUT/ingest.time")
sync
DISK=$(du -sb "$OUT/data/nat" | cut -f1)
WCMS0=$(now_ns); wc -l "$OUT/conntrack.log" > /dev/null; WCMS1=$(now_ns)

# who: every query through --batch; answers against the truth
cut -d' ' -f1,2 "$OUT/queries.txt" > "$OUT/batch.txt"
NQ=$(wc -l < "$OUT/batch.txt")
"$CUSTOS" who --batch "$OUT/batch.txt" --json --stats \
    --data "$OUT/data" --keys "$OUT/keys" > "$OUT/answers.json" \
    2> "$OUT/who.err"
awk '{print $3}' "$OUT/queries.txt" > "$OUT/truth.txt"
jq -r '[.matches[].nat.inside] | join(" ")' "$OUT/answers.json" \
    > "$OUT/got.txt"
RIGHT=$(paste -d'|' "$OUT/truth.txt" "$OUT/got.txt" |
    awk -F'|' '{ n = split($2, a, " "); for (i = 1; i <= n; i++)
	if (a[i] == $1) { ok++; break } } END { print ok + 0 }')
AMBIG=$(jq -r 'select((.matches | length) > 1) | 1' "$OUT/answers.json" |
    wc -l)

# grep -F of the same endpoint over the raw records
G=0
i=0
while [ $i -lt "$NGREP" ]; do
	i=$((i + 1))
	pat=$(sed -n "${i}p" "$OUT/queries.txt" | cut -d' ' -f5-)
	g0=$(now_ns)
	grep -F -- "$pat" "$OUT/conntrack.log" > /dev/null || true
	g1=$(now_ns)
	G=$((G + (g1 - g0) / 1000))
done
GREP_US=$((G / NGREP))

if [ "${NAT_IPFIX:-0}" = 1 ]; then
	mkdir -p "$OUT/ipfix/keys" && chmod 0700 "$OUT/ipfix/keys"
	"$GEN" ipfix "$SUBS" "$SESS" "$DAYS" "$START" "$OUT/ipfix.raw"
	x0=$(now_ns)
	/usr/bin/time -f '%U %S' -o "$OUT/ipfix.time" \
	    "$CUSTOS" collect ipfix --read "$OUT/ipfix.raw" \
	    --data "$OUT/ipfix/data" --keys "$OUT/ipfix/keys" \
	    2> "$OUT/ipfix.err"
	x1=$(now_ns)
	IPFIX_MS=$(( (x1 - x0) / 1000000 ))
	IPFIX_CPU=$(cpu_ms "$OUT/ipfix.time")
	IPFIX_DISK=$(du -sb "$OUT/ipfix/data/nat" | cut -f1)
	IPFIX_RAW=$(stat -c %s "$OUT/ipfix.raw")
fi

echo
printf '%-34s %s\n' "records (conntrack lines)" "$REC"
printf '%-34s %s\n' "raw text bytes/record" "$((RAW / REC))"
printf '%-34s %s ms\n' "ingest time" "$ING_MS"
printf '%-34s %s\n' "ingest records/s (one core)" "$(per_s "$REC" "$ING_MS")"
printf '%-34s %s ms\n' "ingest CPU time (user+sys)" "$ING_CPU"
printf '%-34s %s\n' "ingest records per CPU second" "$(per_s "$REC" "$ING_CPU")"
printf '%-34s %s ms\n' "wc -l of the raw log" "$(( (WCMS1 - WCMS0) / 1000000 ))"
printf '%-34s %s\n' "NAT store bytes" "$DISK"
printf '%-34s %s\n' "NAT store bytes/record" "$((DISK / REC))"
printf '%-34s %s\n' "who queries" "$NQ"
printf '%-34s %s\n' "who latency" "$(sed -n 's/^queries //p' "$OUT/who.err")"
printf '%-34s %s / %s\n' "answers naming the true inside" "$RIGHT" "$NQ"
printf '%-34s %s\n' "answers with >1 match (port reuse)" "$AMBIG"
printf '%-34s %s us\n' "grep -F one endpoint (mean of $NGREP)" "$GREP_US"
if [ "${NAT_IPFIX:-0}" = 1 ]; then
	printf '%-34s %s ms (%s records/s), raw %s B, store %s B\n' \
	    "ipfix collect --read" "$IPFIX_MS" "$(per_s "$REC" "$IPFIX_MS")" \
	    "$IPFIX_RAW" "$IPFIX_DISK"
	printf '%-34s %s ms (%s records per CPU second)\n' \
	    "ipfix CPU time (user+sys)" "$IPFIX_CPU" \
	    "$(per_s "$REC" "$IPFIX_CPU")"
	printf '%-34s %s\n' "ipfix store bytes/record" "$((IPFIX_DISK / REC))"
fi
tail -3 "$OUT/ingest.err" | sed 's/^/  ingest: /'
