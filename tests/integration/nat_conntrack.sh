#!/bin/sh
# nat_conntrack - CGNAT attribution end to end on the real samples:
# conntrack -E events and Kea leases for the inside addresses, `custos who
# PUBLIC:PORT`, re-ingest idempotent, deterministic mapping over time.
# Answers checked by reading tests/data/cgnat/conntrack-E-events.log:
#   line 11/13: 100.64.0.11:40000 -> 203.0.113.5:2265 udp, NEW at
#   1795985372.925358 (20:49:32.925358Z), delta-time=30 (DESTROY 20 s late)
#   line 27: 100.64.0.11:40000 -> 203.0.113.6:2391 (deterministic phase)
T=nat_conntrack
. "$TOP/tests/integration/lib.sh.inc"
D=$TOP/tests/data/cgnat

new_store s
cat > "$WORK/leases.csv" <<'CSV'
address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
100.64.0.10,02:00:00:00:00:aa,,7200,1795988000,1,0,0,s1,0,
100.64.0.11,02:00:00:00:00:bb,,7200,1795988000,1,0,0,s2,0,
CSV
check nat_conntrack_ingest cu s ingest "$WORK/leases.csv" \
    "$D/conntrack-E-events.log"

cu s who 203.0.113.5:2265 --at 2026-11-29T20:50:00Z --proto udp --json \
    > "$WORK/a.json" 2> "$WORK/a.err"
if jq -e '(.matches | length) == 1 and
    .matches[0].nat.kind == "session" and
    .matches[0].nat.inside == "100.64.0.11:40000" and
    .matches[0].nat.public == "203.0.113.5:2265" and
    .matches[0].nat.proto == "udp" and
    .matches[0].nat.start == "2026-11-29T20:49:32.925358Z" and
    .matches[0].nat.end == "2026-11-29T20:50:02.925358Z" and
    .matches[0].nat.end_known == "observed" and
    .matches[0].nat.destination == "203.0.113.200:5300" and
    (.matches[0].nat.evidence | length) == 2 and
    .matches[0].subscriber.mac == "02:00:00:00:00:bb" and
    .matches[0].binding.address == "100.64.0.11" and
    .query.port == 2265 and .query.proto == "udp"' "$WORK/a.json" \
    > /dev/null; then
	pass nat_conntrack_who
else
	fail nat_conntrack_who "$(cat "$WORK/a.json" "$WORK/a.err")"
fi

# after the true end (start + delta-time), before the late DESTROY
cu s who 203.0.113.5:2265 --at 2026-11-29T20:50:10Z --skew 0 --json \
    > "$WORK/b.json" 2>&1
check nat_conntrack_true_end jq -e '(.matches | length) == 0' "$WORK/b.json"

# the wrong destination narrows the answer away
cu s who 203.0.113.5:2265 --at 2026-11-29T20:50:00Z --dst 192.0.2.1:53 \
    --json > "$WORK/c.json" 2>&1
check nat_conntrack_dst jq -e '(.matches | length) == 0 and
    .query.dst == "192.0.2.1:53"' "$WORK/c.json"

# text answer names the subscriber and both records
cu s who 203.0.113.5:2265 --at 2026-11-29T20:50:00Z > "$WORK/t.txt" 2>&1
if grep -q 'inside 100.64.0.11:40000' "$WORK/t.txt" &&
    grep -q 'mac 02:00:00:00:00:bb' "$WORK/t.txt" &&
    grep -q 'DESTROY' "$WORK/t.txt"; then
	pass nat_conntrack_text
else
	fail nat_conntrack_text "$(cat "$WORK/t.txt")"
fi

# re-ingesting the same log changes nothing
cu s ingest "$D/conntrack-E-events.log" > /dev/null 2>&1
cu s who 203.0.113.5:2265 --at 2026-11-29T20:50:00Z --proto udp --json \
    > "$WORK/a2.json" 2>&1
check nat_conntrack_idempotent cmp -s "$WORK/a.json" "$WORK/a2.json"

# deterministic mapping from 20:50:30; the session log agrees with it
cu s nat map add "$D/nat-deterministic.nft" --from 2026-11-29T20:50:30Z \
    > "$WORK/m.out" 2>&1
cu s who 203.0.113.6:2391 --at 2026-11-29T20:51:30Z --json \
    > "$WORK/d.json" 2>&1
check nat_conntrack_map jq -e '
    ([.matches[].nat.kind] | sort) == ["deterministic", "session"] and
    ([.matches[].nat.inside | split(":")[0]] | unique) == ["100.64.0.11"] and
    ([.matches[] | select(.nat.kind == "deterministic") | .nat.public][0]
        == "203.0.113.6:2048-3071") and
    ([.matches[].subscriber.mac] | unique) == ["02:00:00:00:00:bb"]' \
    "$WORK/d.json"
cu s nat map list --json > "$WORK/l.json" 2>&1
check nat_conntrack_map_list jq -se 'length == 1 and .[0].entries == 2 and
    .[0].to == null' "$WORK/l.json"

# no NAT data for an address: the identity answer as before
cu s who 100.64.0.11:40000 --at 2026-11-29T20:50:00Z --json \
    > "$WORK/e.json" 2>&1
check nat_conntrack_fallback jq -e '.matches[0].address == "100.64.0.11"' \
    "$WORK/e.json"
finish
