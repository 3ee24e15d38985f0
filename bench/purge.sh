#!/bin/sh
# bench/purge.sh - custos purge: the time to destroy a day does not grow
# with the day.  Two stores, each holding one generated day of DHCP
# bindings (custos-gen --only dhcpd --profile hotspot, one day), of about
# 1M and 10M bindings; each is purged with the clock moved past its
# retention, and the purge is timed (wall clock of the whole command:
# configuration, key wipe, unlinks, fsyncs, audit entry).
#
#   BENCH_SCALE=small bench/purge.sh     10k and 100k bindings (a minute)
#   BENCH_PURGE_CACHE=hot                keep the day files in the page
#                                        cache (default cold: a day past
#                                        its retention is days old, so its
#                                        pages are not cached; dropped per
#                                        file with dd iflag=nocache)
#   bench/purge.sh                       1M and 10M (about 10 GB of disk
#                                        under bench/out/purge, 10-20 min)
#
# Prints, per store: bindings (rows of the day file), bytes of the day's
# files, when the day's key was gone (ms from the start of the day's
# purge: the day is unreadable from then on), when the day was done
# (files renamed into DATA/trash, directories fsynced, audit entry,
# journal), the reclaim (unlinking the trash: the file system frees the
# blocks, in time that grows with the bytes), and the whole command; then
# the ratios of the big day to the small one.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
CUSTOS=$PWD/$O/custos
GEN=$PWD/$O/custos-gen
SCALE=${BENCH_SCALE:-full}
CACHE=${BENCH_PURGE_CACHE:-cold}
OUT=$PWD/bench/out/purge-$SCALE
DAY=2026-11-22

case $SCALE in
small) SUBS="600 6000" ;;
full) SUBS="58000 580000" ;;	# about 17 bindings a subscriber a day
*) echo "bench/purge.sh: BENCH_SCALE is small or full" >&2; exit 2 ;;
esac
for b in "$CUSTOS" "$GEN"; do
	[ -x "$b" ] || { echo "bench/purge.sh: $b missing: run 'make'" >&2; exit 1; }
done
for t in sqlite3 jq; do
	command -v $t >/dev/null || { echo "bench/purge.sh: needs $t" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT"
CONF=$OUT/custos.conf
printf 'retention_days = 7\n' >"$CONF"

ms() { echo $(($(date +%s%N) / 1000000)); }

echo "purge bench ($SCALE, $CACHE page cache): one day of DHCP bindings per store"
printf '%-8s %10s %13s %12s %11s %11s %11s\n' store bindings "day bytes" \
    "key gone ms" "day done ms" "reclaim ms" "command ms"
keys="" dones="" recs="" times=""
i=0
for subs in $SUBS; do
	i=$((i + 1))
	s=$OUT/s$i
	mkdir -p "$s/keys"
	chmod 700 "$s/keys"
	"$GEN" --out "$s/gen" --only dhcpd --profile hotspot --subscribers \
	    "$subs" --days 1 --start "$DAY" --seed 11 --no-pre \
	    >"$s/gen.out" 2>&1
	args=$(sed -n 's/^ingest: custos ingest //p' "$s/gen/README.gen")
	# shellcheck disable=SC2086 # args is a list of words
	(cd "$s/gen" && "$CUSTOS" ingest --data "$s/data" --keys "$s/keys" \
	    --quiet $args) >"$s/ingest.out" 2>&1
	rm -rf "$s/gen"		# the logs: disk for the next store
	n=$(sqlite3 "$s/data/dhcp/$DAY.db" "SELECT count(*) FROM binding")
	bytes=$(cat "$s/data/dhcp/$DAY.db"* | wc -c)
	sync
	if [ "$CACHE" = cold ]; then
		for f in "$s"/data/dhcp/* "$s"/data/nat/*; do
			[ -f "$f" ] && dd if="$f" iflag=nocache count=0 status=none
		done
	fi
	t0=$(ms)
	CUSTOS_NOW=2027-01-01T00:00:00Z CUSTOS_CONFIG=$CONF "$CUSTOS" purge \
	    --data "$s/data" --keys "$s/keys" --json >"$s/purge.json"
	t=$(($(ms) - t0))
	[ ! -e "$s/data/dhcp/$DAY.db" ] && [ ! -e "$s/keys/dhcp/$DAY.key" ] &&
	    [ -z "$(ls -A "$s/data/trash")" ] || {
		echo "bench/purge.sh: day $DAY not destroyed in $s" >&2
		exit 1
	}
	sel='.days[] | select(.source == "dhcp" and .day == $d)'
	k=$(jq --arg d "$DAY" "$sel | .key_gone_ms" "$s/purge.json")
	dn=$(jq --arg d "$DAY" "$sel | .done_ms" "$s/purge.json")
	rc=$(jq '.reclaimed.ms' "$s/purge.json")
	ndays=$(jq '.days | length' "$s/purge.json")
	printf '%-8s %10s %13s %12s %11s %11s %11s   (%s source-days purged)\n' \
	    "store$i" "$n" "$bytes" "$k" "$dn" "$rc" "$t" "$ndays"
	keys="$keys $k" dones="$dones $dn" recs="$recs $rc" times="$times $t"
	rm -rf "$s/data"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else printf "n/a" }'; }
set -- $keys
rk=$(ratio "$1" "$2")
set -- $dones
rd=$(ratio "$1" "$2")
set -- $times
rt=$(ratio "$1" "$2")
set -- $recs
echo "ratios (big day / small day): key gone $rk, day done $rd, reclaim $(ratio "$1" "$2"), command $rt"
rm -rf "$OUT"
