#!/bin/sh
# gen_truth - custos against the ground truth of a generated ISP.
#
# custos-gen writes a small ISP (RADIUS detail, dhcpd syslog, Kea lease
# CSV, Postfix) and truth.csv, who really held which address when (see
# bench/README.md).  We ingest the logs, then ask `custos who --batch`
# about a few hundred (address, time) points taken from truth.csv:
#   inside  - a time inside a holding: the true holder must be among the
#             matches, with its user name (PPPoE) and MAC;
#   after   - one second after a holding ended: the old holder must not
#             be reported with an observed end that covers the time.
# Then ingesting everything again must add nothing.
#
# Needs $CUSTOS, $CUSTOS_GEN, $WORK (set by tests/run), jq and awk.
set -u
: "${CUSTOS:?}" "${CUSTOS_GEN:?}" "${WORK:?}"

LOGS=$WORK/logs
DATA=$WORK/data
KEYS=$WORK/keys

FAILED=0
ok() { echo "ok $1"; }
notok() { echo "not ok $1"; FAILED=1; }

# --- generate ---------------------------------------------------------
rm -rf "$LOGS" "$DATA" "$KEYS"
if ! "$CUSTOS_GEN" --out "$LOGS" --subscribers 200 --days 3 --seed 7 \
    2> "$WORK/gen.err"; then
	notok "generate"
	cat "$WORK/gen.err" >&2
	exit 1
fi
ok "generate ($(sed 's/^custos-gen: //; s/ in .*//' "$WORK/gen.err"))"

# awk helpers: RFC 3339 <-> epoch seconds, and a CSV reader for truth.csv
# (only the user name, field 5, can be quoted)
cat > "$WORK/lib.awk" <<'EOF'
function dfc(y, m, d,   era, yoe, doy, doe) {
	y -= (m <= 2)
	era = int((y >= 0 ? y : y - 399) / 400)
	yoe = y - era * 400
	doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}
# epoch seconds (with fraction) of "2026-11-22T00:00:01[.uuuuuu]Z"
function ep(s,   f) {
	f = 0
	if (substr(s, 20, 1) == ".")
		f = substr(s, 21, 6) / 1000000
	f += substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + substr(s, 18, 2)
	return dfc(substr(s, 1, 4) + 0, substr(s, 6, 2) + 0, substr(s, 9, 2) + 0) * 86400 + f
}
function rfc(t,   z, era, doe, yoe, y, doy, mp, d, m, r) {
	t = int(t)
	z = int(t / 86400)
	r = t - z * 86400
	z += 719468
	era = int((z >= 0 ? z : z - 146096) / 146097)
	doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
	y = yoe + era * 400
	doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153)
	d = doy - int((153 * mp + 2) / 5) + 1
	m = mp + (mp < 10 ? 3 : -9)
	y += (m <= 2)
	return sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, int(r / 3600), int(r / 60) % 60, r % 60)
}
# split a truth.csv line into F[1..6]
function truth(line,   i, j, rest, u) {
	for (i = 1; i <= 4; i++) {
		j = index(line, ",")
		F[i] = substr(line, 1, j - 1)
		line = substr(line, j + 1)
	}
	if (substr(line, 1, 1) == "\"") {
		u = ""
		rest = substr(line, 2)
		while (1) {
			j = index(rest, "\"")
			u = u substr(rest, 1, j - 1)
			rest = substr(rest, j + 1)
			if (substr(rest, 1, 1) != "\"")
				break
			u = u "\""
			rest = substr(rest, 2)
		}
		F[5] = u
		F[6] = substr(rest, 2)
	} else {
		j = index(line, ",")
		F[5] = substr(line, 1, j - 1)
		F[6] = substr(line, j + 1)
	}
}
function jstr(s,   i, c, o) {
	o = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"")
			o = o "\\"
		o = o c
	}
	return "\"" o "\""
}
# a query address: a prefix "P::/n" is asked as "P::1"
function qaddr(a) {
	if (a ~ /::\/[0-9]+$/) {
		sub(/\/[0-9]+$/, "", a)
		return a "1"
	}
	return a
}
EOF

# --- the generator's own truth must be consistent ---------------------
cat > "$WORK/iv.awk" <<'EOF'
NR > 1 { truth($0); printf "%s %.6f %.6f\n", F[2], ep(F[3]), F[4] == "" ? 1e12 : ep(F[4]) }
EOF
if awk -f "$WORK/lib.awk" -f "$WORK/iv.awk" "$LOGS/truth.csv" > "$WORK/iv.txt" &&
    [ -s "$WORK/iv.txt" ] && sort -k1,1 -k2,2n "$WORK/iv.txt" | awk '
$1 == a && $2 < e { bad++; if (bad <= 5) print "overlap: " $0 " (previous holder until " e ")" > "/dev/stderr" }
{ if ($1 != a || $3 > e) e = $3; a = $1 }
END { exit bad > 0 }'; then
	ok "truth has one holder per address at a time"
else
	notok "truth has one holder per address at a time"
fi

# --- ingest -----------------------------------------------------------
mkdir -p "$KEYS" && chmod 700 "$KEYS"
TZ_=$(sed -n 's/^tz: //p' "$LOGS/README.gen")
YEAR=$(sed -n 's/^year: //p' "$LOGS/README.gen")
LEASE=$(sed -n 's/^lease-time: //p' "$LOGS/README.gen")
PERIOD_END=$(sed -n 's/^period: [^ ]* //p' "$LOGS/README.gen")
# judge retention by the end of the generated period, not by today
export CUSTOS_NOW="$PERIOD_END"
# lookups here are operator troubleshooting (no legal case), and every
# generated day stays within retention
cat > "$WORK/custos.conf" <<EOF
allow_operator_lookups = yes
retention_days = 3650
retention_smtp_days = 3650
EOF
export CUSTOS_CONFIG="$WORK/custos.conf" CUSTOS_USER=gen_truth
ingest() {
	(cd "$LOGS" && "$CUSTOS" ingest --data "$DATA" --keys "$KEYS" \
	    --tz "$TZ_" --year "$YEAR" --lease-time "$LEASE" --quiet --json \
	    radius/detail-* dhcpd/syslog kea/kea-leases4.csv mail/mail.log)
}
if ingest > "$WORK/ingest1.json" 2> "$WORK/ingest1.err" &&
    jq -e '.records > 0' "$WORK/ingest1.json" > /dev/null; then
	ok "ingest ($(jq -r '"\(.records) records, \(.bindings_added) bindings, \(.smtp) envelopes"' "$WORK/ingest1.json"))"
else
	notok "ingest"
	cat "$WORK/ingest1.err" "$WORK/ingest1.json" >&2
	exit 1
fi
if jq -e '.rejected == 0' "$WORK/ingest1.json" > /dev/null; then
	ok "generated logs have no rejected records"
else
	notok "generated logs have no rejected records ($(jq -c .rejected_by "$WORK/ingest1.json"))"
fi

# --- sample points from truth.csv -------------------------------------
# Kea writes no time on a release (its row keeps the last cltt), so the
# logs can only place a released Kea lease up to its last renewal: inside
# points of Kea rows stay lease/2 + 1 s before the true end.
cat > "$WORK/pick.awk" <<'EOF'
NR == 1 { next }
{ rows[++n] = $0 }
END {
	stop = ep(pend)
	step = int(n / 250) + 1
	for (i = 1; i <= n; i += step) {
		truth(rows[i])
		s = int(ep(F[3])) + 1
		hi = (F[4] == "" ? stop : ep(F[4])) - 1
		if (F[1] == "kea" && F[4] != "")
			hi -= lease / 2 + 1
		hi = int(hi)
		if (hi >= s) {
			t = s + int((hi - s) * ((i * 7919) % 997) / 997)
			print qaddr(F[2]) " " rfc(t) > q
			printf "{\"kind\":\"inside\",\"src\":%s,\"address\":%s,\"at\":%s,\"username\":%s,\"mac\":%s,\"start\":%s,\"end\":%s}\n", jstr(F[1]), jstr(F[2]), jstr(rfc(t)), jstr(F[5]), jstr(F[6]), jstr(F[3]), jstr(F[4]) > e
		}
		if (F[4] != "" && (i % 3) != 2) {
			t = int(ep(F[4])) + 1
			if (t >= stop)
				continue
			print qaddr(F[2]) " " rfc(t) > q
			printf "{\"kind\":\"after\",\"src\":%s,\"address\":%s,\"at\":%s,\"username\":%s,\"mac\":%s,\"start\":%s,\"end\":%s}\n", jstr(F[1]), jstr(F[2]), jstr(rfc(t)), jstr(F[5]), jstr(F[6]), jstr(F[3]), jstr(F[4]) > e
		}
	}
}
EOF
awk -f "$WORK/lib.awk" -f "$WORK/pick.awk" -v pend="$PERIOD_END" \
    -v lease="$LEASE" -v q="$WORK/q.txt" -v e="$WORK/exp.jsonl" \
    "$LOGS/truth.csv"
NQ=$(wc -l < "$WORK/q.txt")

if "$CUSTOS" who --batch "$WORK/q.txt" --json --data "$DATA" \
    --keys "$KEYS" > "$WORK/res.jsonl" 2> "$WORK/who.err" &&
    [ "$(wc -l < "$WORK/res.jsonl")" -eq "$NQ" ]; then
	ok "who --batch answers all $NQ queries"
else
	notok "who --batch answers all $NQ queries ($(wc -l < "$WORK/res.jsonl") answers)"
	tail -5 "$WORK/who.err" >&2
	exit 1
fi

# pair each expectation with its answer and judge it
jq -n -c --slurpfile e "$WORK/exp.jsonl" --slurpfile r "$WORK/res.jsonl" '
def same($x): ($x.username == "" or .subscriber.username == $x.username)
    and ($x.mac == "" or .subscriber.mac == $x.mac);
range(0; $e | length) as $i | $e[$i] as $x | ($r[$i].matches // []) as $m |
if $x.kind == "inside" then
	{kind: "inside", pass: ([$m[] | select(same($x))] | length > 0),
	 x: $x, got: [$m[] | {u: .subscriber.username, mac: .subscriber.mac,
	     start: .start, end: .end, end_known: .end_known, source: .source}]}
else
	([$m[] | select(same($x))]) as $old |
	{kind: "after", pass: ([$old[] | select(.end_known == "observed")] |
	     length == 0),
	 lingers: ($old | length > 0),
	 x: $x, got: [$old[] | {start: .start, end: .end,
	     end_known: .end_known, source: .source}]}
end' > "$WORK/judged.jsonl"

for kind in inside after; do
	n=$(jq -s --arg k $kind '[.[] | select(.kind == $k)] | length' "$WORK/judged.jsonl")
	bad=$(jq -s --arg k $kind '[.[] | select(.kind == $k and (.pass | not))] | length' "$WORK/judged.jsonl")
	if [ "$kind" = inside ]; then
		name="who finds the true holder inside $n holdings"
	else
		name="who drops the old holder 1 s after $n true ends"
	fi
	if [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]; then
		ok "$name"
	else
		notok "$name ($bad wrong)"
		jq -c --arg k $kind 'select(.kind == $k and (.pass | not)) |
		    {want: .x, got}' "$WORK/judged.jsonl" | head -5 >&2
	fi
	# per source, so a failure says where
	for src in radius dhcpd kea; do
		jq -s -r --arg k $kind --arg s $src '
		    [.[] | select(.kind == $k and .x.src == $s)] as $a |
		    if ($a | length) > 0 then "#   \($k) \($s): \($a | length) points, \([$a[] | select(.pass | not)] | length) wrong" else empty end' \
		    "$WORK/judged.jsonl" >&2
	done
done
lingers=$(jq -s '[.[] | select(.kind == "after" and .lingers)] | length' "$WORK/judged.jsonl")
if [ "$lingers" -gt 0 ]; then
	echo "# note: $lingers after-end points still list the old holder with an inferred or open end" >&2
	jq -c 'select(.kind == "after" and .lingers) | {want: .x, got}' \
	    "$WORK/judged.jsonl" | head -5 | sed 's/^/#   /' >&2
fi

# --- ingesting everything again adds nothing --------------------------
"$CUSTOS" dump --json --data "$DATA" --keys "$KEYS" > "$WORK/dump1.jsonl" 2>&1
if ingest > "$WORK/ingest2.json" 2> "$WORK/ingest2.err" &&
    jq -e '.bindings_added == 0 and .bindings_updated == 0 and .smtp == 0' \
    "$WORK/ingest2.json" > /dev/null; then
	ok "ingesting everything again adds nothing"
else
	notok "ingesting everything again adds nothing ($(jq -c '{bindings_added, bindings_updated, smtp}' "$WORK/ingest2.json" 2>/dev/null))"
	cat "$WORK/ingest2.err" >&2
fi
"$CUSTOS" dump --json --data "$DATA" --keys "$KEYS" > "$WORK/dump2.jsonl" 2>&1
if [ -s "$WORK/dump1.jsonl" ] && cmp -s "$WORK/dump1.jsonl" "$WORK/dump2.jsonl"; then
	ok "dump is the same after the second ingest"
else
	notok "dump is the same after the second ingest"
	diff "$WORK/dump1.jsonl" "$WORK/dump2.jsonl" | head -5 >&2
fi
exit $FAILED
