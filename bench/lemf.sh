#!/bin/sh
# bench/lemf.sh - the PS-PDU encoder and custos lemf: records encoded per
# CPU second (bench/li_send into /dev/null), and records delivered to a
# local custos lemf over loopback TCP (each PDU its own send(), a
# keep-alive at the end whose response says everything is on disk),
# with the CPU seconds of both ends.
#
#   BENCH_SCALE=small bench/lemf.sh    100k records of each kind
#   bench/lemf.sh                      1M (about 1 GB under bench/out/)
#
# Prints records/s per CPU second of the encoder alone (IRI, CC of 500-
# byte packets, pen/trap packet reports), then for the delivery: wall
# seconds, sender and lemf CPU seconds, records per wall second.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
CUSTOS=$PWD/$O/custos
SEND=$PWD/$O/bench/li_send
SCALE=${BENCH_SCALE:-full}
OUT=$PWD/bench/out/lemf-$SCALE

case $SCALE in
small) N=100000 ;;
full) N=1000000 ;;
*) echo "bench/lemf.sh: BENCH_SCALE is small or full" >&2; exit 2 ;;
esac
for b in "$CUSTOS" "$SEND"; do
	[ -x "$b" ] || { echo "bench/lemf.sh: $b missing: run make" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
PAY=$(head -c 472 /dev/zero | tr '\0' x) # 500-byte IPv4/UDP packets

# encoder alone: li_send reports PDUs per CPU second
for kind in iri cc report; do
	r=$("$SEND" --pcap /dev/null --"$kind" "$N" --payload "$PAY" 2>&1 |
	    sed -n 's/.* \([0-9]*\) PDUs\/s CPU$/\1/p')
	printf 'encode %-7s %9d records/s (one core, CPU time)\n' "$kind" "$r"
done

# delivery to a local lemf: it exits after the last record, synced
/usr/bin/time -f '%U %S' -o "$OUT/lemf.time" "$CUSTOS" lemf \
    --listen 127.0.0.1:0 --out "$OUT/lemf" --count $((2 * N)) \
    --ready-file "$OUT/ready" 2>"$OUT/lemf.err" &
LPID=$!
i=0
while [ ! -s "$OUT/ready" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$(cat "$OUT/ready")
t0=$(date +%s.%N)
/usr/bin/time -f '%U %S' -o "$OUT/send.time" "$SEND" \
    --connect "127.0.0.1:$PORT" --iri "$N" --cc "$N" --payload "$PAY" \
    >/dev/null 2>"$OUT/send.err"
wait "$LPID"
t1=$(date +%s.%N)
read -r su ss < "$OUT/send.time"
read -r lu ls < "$OUT/lemf.time"
awk -v n=$((2 * N)) -v t0="$t0" -v t1="$t1" -v su="$su" -v ss="$ss" \
    -v lu="$lu" -v ls="$ls" 'BEGIN {
	w = t1 - t0
	printf "deliver %d records (half IRI, half CC) to custos lemf: %.2f s wall, %.0f records/s\n", n, w, n / w
	printf "        sender CPU %.2f s (%.0f records/CPU s), lemf CPU %.2f s (%.0f records/CPU s)\n", su + ss, n / (su + ss), lu + ls, n / (lu + ls)
}'
tail -1 "$OUT/lemf.err"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$OUT"
