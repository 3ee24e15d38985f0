#!/bin/sh
# bench/tap_e2e.sh - custos tap end to end beside tcpdump, in one run:
#   gen      build/bench/pcapgen bench: N packets of N_SUBS subscribers,
#            N_TARGETS targets by user name (their addresses from the
#            RADIUS accounting in the capture)
#   tcpdump  tcpdump -r FILE -w /dev/null -F FILTER (the same targets'
#            addresses): the baseline
#   tap      custos tap --read FILE --no-deliver (capture, match, encode,
#            sealed spool) on a copy of the store, then
#            custos tap --read FILE with the targets provisioned as Title
#            III intercepts (IRI and content, 8 targets each) delivering
#            to a custos lemf on loopback: packets/s through the whole
#            path (capture, match, encode, sealed spool, delivery,
#            acknowledged), and records/s encoded and delivered
# The packets the agency received are checked against the generator's
# count of target packets.
#
# Scale: TAP_SCALE (or BENCH_SCALE) full (default: 5M packets, 10,000
# subscribers, 100 targets) or small (500k, 1,000, 10).  Files under
# bench/out/tape-SCALE (git-ignored), removed unless BENCH_KEEP=1.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
CUSTOS=$PWD/$O/custos
GEN=$PWD/$O/bench/pcapgen
SCALE=${TAP_SCALE:-${BENCH_SCALE:-full}}
case $SCALE in
small) NP=500000 NS=1000 NT=10 ;;
full) NP=5000000 NS=10000 NT=100 ;;
*) echo "tap_e2e.sh: TAP_SCALE is small or full" >&2; exit 2 ;;
esac
OUT=$PWD/bench/out/tape-$SCALE
for b in "$CUSTOS" "$GEN"; do
	[ -x "$b" ] || { echo "tap_e2e.sh: $b missing: run 'make'" >&2; exit 1; }
done
for c in tcpdump tshark jq; do
	command -v $c >/dev/null || { echo "tap_e2e.sh: needs $c" >&2; exit 1; }
done
now_ns() { date +%s%N; }
rm -rf "$OUT"
mkdir -p "$OUT/data" "$OUT/keys"
chmod 700 "$OUT/keys"
S="--data $OUT/data --keys $OUT/keys"
echo "tap end-to-end bench: $NP packets, $NS subscribers, $NT targets (scale $SCALE)"
"$GEN" bench "$OUT/bench.pcap" "$NP" "$NS" "$NT" "$OUT/targets.txt" \
    "$OUT/filter.txt" >"$OUT/gen.out"
WANT=$(sed -n 's/^target-packets //p' "$OUT/gen.out")

# tcpdump with the targets' addresses
t0=$(now_ns)
tcpdump -r "$OUT/bench.pcap" -w /dev/null -F "$OUT/filter.txt" 2>/dev/null
t1=$(now_ns)
TD_NS=$((t1 - t0))

# provisioning: cases of up to 50 targets, intercepts of up to 8
cat >"$OUT/policy.conf" <<EOC
allow_operator_lookups = no
require_callback = no
operator_name = ExampleFiber
EOC
export CUSTOS_CONFIG="$OUT/policy.conf" CUSTOS_USER=alice
export CUSTOS_NOW=2026-11-29T09:00:00Z
echo order >"$OUT/order.pdf"
printf 'SSI policy\nSenior officer: Pat Example\n' >"$OUT/ssi.txt"
"$CUSTOS" ssi set "$OUT/ssi.txt" $S --by pat >/dev/null
rm -f "$OUT/port"
"$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT/lemf" \
    --ready-file "$OUT/port" 2>"$OUT/lemf.err" &
LEMF=$!
trap 'kill $LEMF 2>/dev/null || true' EXIT
i=0
while [ ! -s "$OUT/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$OUT/port")
"$CUSTOS" agency add FBI $S --hi2 127.0.0.1:$PORT --hi3 127.0.0.1:$PORT \
    --operator-id EXFIBER --ne-id bng1 --by alice >/dev/null
split -l 50 "$OUT/targets.txt" "$OUT/case."
n=0
for cf in "$OUT"/case.*; do
	ta=""
	for u in $(cat "$cf"); do ta="$ta --target username:$u"; done
	id=$("$CUSTOS" case new $S --type title3_order --agency FBI \
	    --received 2026-11-29T08:30:00Z --issued 2026-11-29T08:00:00Z \
	    --court "D. Mass." --judge "Judge Doe" --official "AAG Roe" \
	    --offense "18 USC 1343" --officer "SA Smith;+1 202 555 0100" \
	    --document "$OUT/order.pdf" $ta)
	"$CUSTOS" case approve "$id" $S --by bob >/dev/null
	split -l 8 "$cf" "$cf.i."
	for f in "$cf".i.*; do
		n=$((n + 1))
		ta=""
		for u in $(cat "$f"); do ta="$ta --target username:$u"; done
		"$CUSTOS" intercept new $S --case "$id" --agency FBI \
		    --liid "BENCH-$n" $ta --mode iri+cc --by alice >/dev/null
	done
done

# the replay through capture, match, encode and the sealed spool (a copy
# of the store, nothing delivered)
cp -a "$OUT/data" "$OUT/data-nd"
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$OUT/nd.time" "$CUSTOS" tap \
    --data "$OUT/data-nd" --keys "$OUT/keys" --read "$OUT/bench.pcap" \
    --no-deliver >/dev/null 2>"$OUT/nd.err" || true
t1=$(now_ns)
ND_NS=$((t1 - t0))
ND_CPU=$(awk '{print $1 + $2}' "$OUT/nd.time")

# the whole path: delivered to lemf and acknowledged
t0=$(now_ns)
/usr/bin/time -f '%U %S' -o "$OUT/tap.time" "$CUSTOS" tap $S \
    --read "$OUT/bench.pcap" --json --drain 600 >"$OUT/tap.json" \
    2>"$OUT/tap.err" || true
t1=$(now_ns)
TAP_NS=$((t1 - t0))
CPU=$(awk '{print $1 + $2}' "$OUT/tap.time")
kill $LEMF 2>/dev/null || true
wait $LEMF 2>/dev/null || true
GOT=$(tshark -r "$OUT/lemf/cc.pcap" 2>/dev/null | wc -l)
REC=$(jq '[.intercepts[] | .iri + .cc + .reports] | add' "$OUT/tap.json")
DELIV=$(jq -r .delivery "$OUT/tap.json")

rate() { awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'; }
printf '  %-40s %12s packets/s  (%.2f s)\n' "tcpdump -r -F ($NT targets' addresses)" \
    "$(rate "$NP" "$TD_NS")" "$(echo "$TD_NS" | awk '{print $1/1e9}')"
printf '  %-40s %12s packets/s  (%.2f s wall, %.2f s CPU)\n' \
    "custos tap --read --no-deliver" "$(rate "$NP" "$ND_NS")" \
    "$(echo "$ND_NS" | awk '{print $1/1e9}')" "$ND_CPU"
printf '  %-40s %12s\n' "ratio tap --no-deliver / tcpdump (wall)" \
    "$(awk -v a="$TD_NS" -v b="$ND_NS" 'BEGIN { printf "%.2fx", a / b }')"
printf '  %-40s %12s packets/s  (%.2f s wall, %.2f s CPU)\n' \
    "custos tap --read, delivered to lemf" "$(rate "$NP" "$TAP_NS")" \
    "$(echo "$TAP_NS" | awk '{print $1/1e9}')" "$CPU"
printf '  %-40s %12s\n' "ratio tap delivered / tcpdump (wall)" \
    "$(awk -v a="$TD_NS" -v b="$TAP_NS" 'BEGIN { printf "%.2fx", a / b }')"
printf '  %-40s %12s records/s  (%s records, delivery %s)\n' \
    "records encoded and delivered" "$(rate "$REC" "$TAP_NS")" "$REC" "$DELIV"
printf '  %-40s %12s of %s\n' "target packets at the agency" "$GOT" "$WANT"
[ "$GOT" -eq "$WANT" ] || echo "  MISMATCH: the agency did not get every target packet" >&2
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$OUT"
