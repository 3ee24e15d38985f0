#!/bin/sh
# nat_ipfix - the IPFIX collector over loopback, fed by bench/natgen's
# scenario (see natgen.c ipfix_test): data before its template, a template
# withdrawal, port block allocation and de-allocation, a session, and a
# second exporter (127.0.0.2) with draft natEvent numbering.  Then the
# real RFC 8158 capture through --read, answers checked against
# tests/data/cgnat/tshark-V.txt.
T=nat_ipfix
. "$TOP/tests/integration/lib.sh.inc"
GEN=$TOP/${O:-build}/bench/natgen
[ -x "$GEN" ] || { fail nat_ipfix_gen "no $GEN"; finish; }
cp "$GEN" "$WORK/bin/natgen" && GEN=$WORK/bin/natgen

new_store u
PORT=$((40000 + $$ % 20000))
spawn CPID "$CUSTOS" collect ipfix --listen "127.0.0.1:$PORT" \
    --draft-exporter 127.0.0.2 --data "$WORK/u/data" --keys "$WORK/u/keys" \
    2> "$WORK/collect.err"
poll 10 grep -q listening "$WORK/collect.err"
"$GEN" ipfix-test "127.0.0.1:$PORT"
sleep 1.5	# one commit
# answers while the collector still runs (committed every second)
cu u who 203.0.113.50:2000 --at 2026-11-29T21:00:30Z --json \
    > "$WORK/live.json" 2>&1
check nat_ipfix_live_commit jq -e '(.matches | length) == 1' "$WORK/live.json"
stop_pid "$CPID" TERM
if grep -q '6 messages, 5 records, 4 NAT events stored' "$WORK/collect.err" &&
    grep -q '1 withdrawn' "$WORK/collect.err"; then
	pass nat_ipfix_collect
else
	fail nat_ipfix_collect "$(cat "$WORK/collect.err")"
fi

w() { cu u who "$1" --at "$2" --json 2>&1; }
# the block sent before its template, then de-allocated at 21:01:00
w 203.0.113.50:1100 2026-11-29T21:00:30Z > "$WORK/a.json"
check nat_ipfix_template_after_data jq -e '(.matches | length) == 1 and
    .matches[0].nat.kind == "port_block" and
    .matches[0].nat.public == "203.0.113.50:1024-1151" and
    .matches[0].nat.inside == "100.64.1.1" and
    .matches[0].nat.end == "2026-11-29T21:01:00Z" and
    .matches[0].nat.end_known == "observed" and
    .matches[0].nat.source == "ipfix"' "$WORK/a.json"
w 203.0.113.50:1100 2026-11-29T21:01:30Z > "$WORK/b.json"
check nat_ipfix_dealloc jq -e '(.matches | length) == 0' "$WORK/b.json"
w 203.0.113.50:2000 2026-11-29T21:00:30Z > "$WORK/c.json"
check nat_ipfix_session jq -e '.matches[0].nat.kind == "session" and
    .matches[0].nat.inside == "100.64.1.2:5555" and
    .matches[0].nat.proto == "udp" and .matches[0].nat.end == null' \
    "$WORK/c.json"
# sent by a withdrawn template: never decoded
w 203.0.113.50:2001 2026-11-29T21:00:30Z > "$WORK/d.json"
check nat_ipfix_withdrawn jq -e '(.matches | length) == 0' "$WORK/d.json"
# exporter 2, draft numbering: 14 is a port block allocation there
w 203.0.113.60:4100 2026-11-29T21:00:30Z > "$WORK/e.json"
check nat_ipfix_draft_numbering jq -e '.matches[0].nat.kind == "port_block"
    and .matches[0].nat.inside == "100.64.2.1"' "$WORK/e.json"
w 203.0.113.60:8200 2026-11-29T21:00:30Z > "$WORK/f.json"
check nat_ipfix_draft_other jq -e '(.matches | length) == 0' "$WORK/f.json"

# the real capture (tshark-V.txt frames 2-4)
new_store p
cu p collect ipfix --read "$TOP/tests/data/cgnat/rfc8158-ipfix-lo.pcap" \
    > "$WORK/p.out" 2>&1
check nat_ipfix_pcap_read grep -q '7 NAT events stored' "$WORK/p.out"
cu p who 203.0.113.5:1100 --at 2026-11-29T20:50:30Z --json > "$WORK/g.json" 2>&1
check nat_ipfix_pcap_session jq -e '
    ([.matches[].nat.kind] | sort) == ["port_block", "session"] and
    ([.matches[] | select(.nat.kind == "session")][0].nat |
     .inside == "100.64.0.10:37700" and .proto == "tcp" and
     .start == "2026-11-29T20:50:15.391000Z" and
     .end == "2026-11-29T20:51:15.381000Z") and
    ([.matches[] | select(.nat.kind == "port_block")][0].nat |
     .public == "203.0.113.5:1024-2047" and
     .end == "2026-11-29T21:50:15.381000Z")' "$WORK/g.json"
# the evidence: the record's fields as the exporter sent them (tshark-V.txt)
check nat_ipfix_pcap_evidence jq -e '[.matches[] |
    select(.nat.kind == "session")][0].nat.evidence[0] ==
    "ipfix exporter=127.0.0.1 domain=1 template=256 export_time=1795985415 ie323=1795985415391 ie234=0 ie8=100.64.0.10 ie225=203.0.113.5 ie4=6 ie7=37700 ie227=1100 ie12=198.51.100.80 ie226=198.51.100.80 ie11=443 ie228=443 ie230=4"' \
    "$WORK/g.json"
cu p who 203.0.113.5:2265 --at 2026-11-29T20:50:30Z --proto udp --json \
    > "$WORK/h.json" 2>&1
check nat_ipfix_pcap_block jq -e '
    ([.matches[].nat.inside | split(":")[0]] | unique) == ["100.64.0.11"]
    and ([.matches[].nat.kind] | sort) == ["port_block", "session"]' \
    "$WORK/h.json"
# an address binding answers only where no block or session names the port
cu p who 203.0.113.5:40000 --at 2026-11-29T20:55:00Z --json > "$WORK/i.json" 2>&1
check nat_ipfix_pcap_binding jq -e '.matches[0].nat.kind == "binding" and
    .matches[0].nat.inside == "100.64.0.10"' "$WORK/i.json"
finish
