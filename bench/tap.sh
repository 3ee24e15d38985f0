#!/bin/sh
# bench/tap.sh - the capture path (custos tap without encoding) beside
# tcpdump, in one run:
#   gen      build/bench/pcapgen bench: N packets of N_SUBS subscribers
#            (RADIUS Accounting Start for each, Interims now and then,
#            TCP/UDP over IPv4 and IPv6) with N_TARGETS targets by user name
#   tapbench cap -> pkt -> match over the file (targets' addresses followed
#            from the RADIUS in it): packets/s by CPU time (user+sys)
#   tcpdump  tcpdump -r FILE -w /dev/null -F FILTER, FILTER being
#            "host A or net P/64 ..." for the same targets' addresses
# and prints the ratio (target >= 2).  The matched count is checked against
# the generator's count of target packets.
#
# Scale: TAP_SCALE (or BENCH_SCALE) full (default: 5M packets, 10,000
# subscribers, 100 targets, ~2.2 GB) or small (500k packets, 1,000, 10); or
# set TAP_PACKETS, TAP_SUBS, TAP_TARGETS.  Files go under bench/out/tap-SCALE
# (git-ignored) and are removed afterwards unless BENCH_KEEP=1.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
GEN=$PWD/$O/bench/pcapgen
TAPB=$PWD/$O/bench/tapbench
SCALE=${TAP_SCALE:-${BENCH_SCALE:-full}}
case $SCALE in
small) NP=500000 NS=1000 NT=10 ;;
full) NP=5000000 NS=10000 NT=100 ;;
*) echo "tap.sh: TAP_SCALE is small or full" >&2; exit 2 ;;
esac
NP=${TAP_PACKETS:-$NP} NS=${TAP_SUBS:-$NS} NT=${TAP_TARGETS:-$NT}
OUT=$PWD/bench/out/tap-$SCALE
for b in "$GEN" "$TAPB"; do
	[ -x "$b" ] || { echo "tap.sh: $b missing: run 'make'" >&2; exit 1; }
done
command -v tcpdump > /dev/null || { echo "tap.sh: needs tcpdump" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
echo "tap bench: $NP packets, $NS subscribers, $NT targets (scale $SCALE)"
"$GEN" bench "$OUT/bench.pcap" "$NP" "$NS" "$NT" "$OUT/targets.txt" \
    "$OUT/filter.txt" > "$OUT/gen.out"
WANT=$(awk '/^target-packets/ { print $2 }' "$OUT/gen.out")
echo "generated $(stat -c %s "$OUT/bench.pcap") bytes; $WANT packets are" \
    "to or from a target"
# warm the page cache so both read from memory
cat "$OUT/bench.pcap" > /dev/null

/usr/bin/time -f "%U %S" -o "$OUT/tap.time" "$TAPB" "$OUT/bench.pcap" \
    "$OUT/targets.txt" > "$OUT/tap.out"
/usr/bin/time -f "%U %S" -o "$OUT/tcpdump.time" tcpdump -r "$OUT/bench.pcap" \
    -w /dev/null -F "$OUT/filter.txt" 2> "$OUT/tcpdump.err"

GOT=$(awk '/^matched/ { print $2 }' "$OUT/tap.out")
TAP_CPU=$(awk '{ print $1 + $2 }' "$OUT/tap.time")
TD_CPU=$(awk '{ print $1 + $2 }' "$OUT/tcpdump.time")
awk -v np="$NP" -v a="$TAP_CPU" -v b="$TD_CPU" -v got="$GOT" \
    -v want="$WANT" 'BEGIN {
	printf "%-34s %10.2f s CPU %12.0f packets/s\n",
	    "tapbench (cap+pkt+match)", a, (a > 0 ? np / a : 0)
	printf "%-34s %10.2f s CPU %12.0f packets/s\n",
	    "tcpdump -r -w /dev/null -F filter", b, (b > 0 ? np / b : 0)
	r = (a > 0 ? b / a : 0)
	printf "ratio %.2fx (target >= 2x): %s\n", r, (r >= 2 ? "ok" : "MISSED")
	printf "matched %d of %d target packets: %s\n", got, want,
	    (got == want ? "ok" : "WRONG")
}'
[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$OUT/bench.pcap"
[ "$GOT" = "$WANT" ]
