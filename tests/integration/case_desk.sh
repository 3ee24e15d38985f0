#!/bin/sh
# case_desk - cases and authority before data: lookups run only under an
# open case that passes every rule, see only what its type allows, and
# only inside its targets and windows; refusals name the rule (exit 3).
T=case_desk
. "$TOP/tests/integration/lib.sh.inc"

new_store s
S="--data $WORK/s/data --keys $WORK/s/keys"
cat >"$WORK/strict.conf" <<EOF
allow_operator_lookups = no
require_callback = yes
operator_name = Example Fiber LLC
contact_phone = +1 555 0100
EOF
export CUSTOS_CONFIG="$WORK/strict.conf" CUSTOS_USER=alice
export CUSTOS_NOW=2026-11-30T12:00:00Z
echo "signed subpoena" >"$WORK/subpoena.pdf"
"$CUSTOS" ingest $S --tz UTC --quiet \
    "$TOP/tests/data/radius/run1-detail-20261129" >/dev/null 2>&1 ||
    fail ingest "ingest of the sample failed"

# refused - NAME RULE CMD...: exit 3 and the rule named on stderr
refused() {
	_n=$1
	_r=$2
	shift 2
	"$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err"
	_rc=$?
	if [ "$_rc" -eq 3 ] && grep -q "refused by $_r:" "$WORK/cmd.err"; then
		pass "$_n"
	else
		fail "$_n" "rc $_rc, want 3 naming $_r: $(cat "$WORK/cmd.err")"
	fi
}

AT=2026-11-29T21:00:00Z
W="@2026-11-29T00:00:00Z..2026-11-30T00:00:00Z"

refused no_case_refused R-AUTH "$CUSTOS" who 100.64.12.34 --at $AT $S

# a subpoena asking for SMTP envelopes is blocked by R-SUB-1
ID1=$("$CUSTOS" case new $S --type subpoena_admin --agency "DEA" \
    --received 2026-11-30T10:00:00Z --statute "21 USC 876" \
    --official "SA Smith" --document "$WORK/subpoena.pdf" \
    --target "ip:100.64.12.34$W" --category bsi \
    --category smtp_envelopes --json | jq -r .id)
if [ -n "$ID1" ] && [ "$ID1" != null ]; then pass new_json_id; else
	fail new_json_id "no id"; fi
"$CUSTOS" case verify "$ID1" $S --by bob --number "+1 202 555 0100" \
    >/dev/null 2>&1
refused subpoena_smtp_blocked R-SUB-1 \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID1" $S

# case list: the agency and the day received, then the blocking rule
if "$CUSTOS" case list $S | grep -Eq "^$ID1 +subpoena_admin +open +DEA +2026-11-30 +R-SUB-1\$"; then
	pass list_text_agency
else
	fail list_text_agency "$("$CUSTOS" case list $S 2>&1)"
fi

# a subpoena for basic subscriber information: call-back first
ID2=$("$CUSTOS" case new $S --type subpoena_admin --agency "DEA" \
    --received 2026-11-30T10:00:00Z --statute "21 USC 876" \
    --official "SA Smith" --document "$WORK/subpoena.pdf" \
    --target "ip:100.64.12.34$W" --category bsi)
refused callback_required R-POL-CALLBACK \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID2" $S
"$CUSTOS" case verify "$ID2" $S --by bob --number "+1 202 555 0100" \
    --note "DEA duty desk" >/dev/null 2>&1
if "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID2" --json $S \
    >"$WORK/who.json" 2>"$WORK/cmd.err" &&
    jq -e '.matches[0].subscriber.username == "alice@isp.example" and
    (.matches[0].evidence | length) == 0' "$WORK/who.json" >/dev/null; then
	pass subpoena_sees_bsi_only
else
	fail subpoena_sees_bsi_only "$(cat "$WORK/cmd.err" "$WORK/who.json")"
fi
refused outside_target R-SCOPE \
    "$CUSTOS" who 100.64.99.7 --at $AT --case "$ID2" $S
refused outside_window R-SCOPE \
    "$CUSTOS" who 100.64.12.34 --at 2026-11-30T01:00:00Z --case "$ID2" $S
refused history_needs_user_target R-SCOPE "$CUSTOS" history \
    alice@isp.example --from 2026-11-29T00:00:00Z \
    --to 2026-11-30T00:00:00Z --case "$ID2" $S
refused unknown_case R-AUTH \
    "$CUSTOS" who 100.64.12.34 --at $AT --case 1999-0001 $S

# a 2703(d) order with a username target: history, with evidence
ID3=$("$CUSTOS" case new $S --type court_order_2703d --agency "FBI" \
    --received 2026-11-30T10:00:00Z --issued 2026-11-29T10:00:00Z \
    --court "D. Mass." --judge "Judge Doe" --document "$WORK/subpoena.pdf" \
    --target "username:alice@isp.example$W" --category session_logs \
    --category radius_attributes --category smtp_envelopes)
"$CUSTOS" case verify "$ID3" $S --by bob --number "+1 617 555 0100" \
    >/dev/null 2>&1
if "$CUSTOS" history alice@isp.example --from 2026-11-29T00:00:00Z \
    --to 2026-11-30T00:00:00Z --case "$ID3" --json $S >"$WORK/h.json" \
    2>"$WORK/cmd.err" && jq -e '(.bindings | length) > 0 and
    (.bindings[0].evidence | length) > 0' "$WORK/h.json" >/dev/null; then
	pass order_2703d_history
else
	fail order_2703d_history "$(cat "$WORK/cmd.err" "$WORK/h.json")"
fi

# everything in writing: an order without its document is blocked
ID4=$("$CUSTOS" case new $S --type court_order_2703d --agency "FBI" \
    --received 2026-11-30T10:00:00Z --court "D. Mass." --judge "Judge Doe" \
    --target "ip:100.64.12.34")
"$CUSTOS" case verify "$ID4" $S --by bob --number "+1 617 555 0100" \
    >/dev/null 2>&1
refused writing_required R-WRITING \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID4" $S

# stale warrant: WARN until acknowledged by a named person
ID5=$("$CUSTOS" case new $S --type search_warrant --agency "FBI" \
    --received 2026-11-30T10:00:00Z --issued 2026-11-01T10:00:00Z \
    --court "D. Mass." --judge "Judge Doe" --document "$WORK/subpoena.pdf" \
    --target "ip:100.64.12.34" --by alice)
"$CUSTOS" case verify "$ID5" $S --by bob --number "+1 617 555 0100" \
    >/dev/null 2>&1
refused stale_warrant_warns R-W-1 \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID5" $S
"$CUSTOS" case ack "$ID5" R-W-1 $S --by carol --note "agency confirmed" \
    >/dev/null 2>&1
if "$CUSTOS" case show "$ID5" --json $S | jq -e '.blocked_by == null and
    any(.findings[]; .rule == "R-W-1" and .acknowledged)' >/dev/null &&
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID5" $S >/dev/null 2>&1
then
	pass ack_clears_warn
else
	fail ack_clears_warn "$("$CUSTOS" case show "$ID5" $S 2>&1)"
fi
if "$CUSTOS" case ack "$ID4" R-WRITING $S --by carol >/dev/null 2>&1; then
	fail block_not_ackable "a BLOCK was acknowledged"
else
	pass block_not_ackable
fi

# a preservation letter discloses nothing; its hold is due in 90 days
ID6=$("$CUSTOS" case new $S --type preservation_2703f --agency "FBI" \
    --received 2026-11-30T10:00:00Z --document "$WORK/subpoena.pdf" \
    --target "username:alice@isp.example")
refused preservation_discloses_nothing R-PRES-1 "$CUSTOS" history \
    alice@isp.example --from 2026-11-29T00:00:00Z \
    --to 2026-11-30T00:00:00Z --case "$ID6" $S
if "$CUSTOS" case due --json $S | jq -e --arg id "$ID6" 'any(.[];
    .case == $id and .rule == "R-PRES-1" and
    .at == "2027-02-28T10:00:00Z")' >/dev/null; then
	pass preservation_due_90d
else
	fail preservation_due_90d "$("$CUSTOS" case due $S 2>&1)"
fi
"$CUSTOS" case update "$ID6" --renew $S >/dev/null 2>&1
if "$CUSTOS" case due --json $S | jq -e --arg id "$ID6" 'any(.[];
    .case == $id and .rule == "R-PRES-1" and
    .at == "2027-05-29T10:00:00Z")' >/dev/null; then
	pass preservation_renewal_90d
else
	fail preservation_renewal_90d "$("$CUSTOS" case due $S 2>&1)"
fi

# emergency request: 48 hours for the written process, soonest first
ID7=$("$CUSTOS" case new $S --type emergency_2702 --agency "State Police" \
    --received 2026-11-30T11:00:00Z --officer "Sgt Lee;+1 555 0199;l@sp.gov" \
    --danger "abduction" --urgency "child missing" --target "ip:100.64.12.34")
"$CUSTOS" case due --within 3d --json $S >"$WORK/due.json"
if jq -e --arg id "$ID7" '[.[] | select(.case != null)][0] |
    .case == $id and .rule == "R-EMG-1" and .hours_left == 47' \
    "$WORK/due.json" >/dev/null; then
	pass emergency_48h_first
else
	fail emergency_48h_first "$(cat "$WORK/due.json")"
fi
if jq -e 'all(.[]; .rule != "R-PRES-1")' "$WORK/due.json" >/dev/null; then
	pass due_within
else
	fail due_within "a 90-day hold is not within 3d"
fi
refused emergency_needs_approval R-EMG-1 \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID7" $S
if "$CUSTOS" case show "$ID7" --json $S | jq -e 'any(.findings[];
    .rule == "R-EMG-2" and .outcome == "BLOCK")' >/dev/null; then
	pass emergency_needs_certification
else
	fail emergency_needs_certification "no R-EMG-2"
fi

# usage errors: a time without a zone, an unknown type
if "$CUSTOS" case new $S --type subpoena_admin --agency X \
    --received 2026-11-30T10:00:00 >/dev/null 2>&1; then
	fail zoneless_refused "accepted a time without zone"
else
	pass zoneless_refused
fi
if "$CUSTOS" case new $S --type subpoena --agency X \
    --received 2026-11-30T10:00:00Z >/dev/null 2>&1; then
	fail unknown_type_refused "accepted"
else
	pass unknown_type_refused
fi

# what retention must keep: open cases' targets, the preservation hold
if "$CUSTOS" case holds --json $S | jq -e --arg p "$ID6" --arg o "$ID2" '
    any(.[]; .case == $p and .rule == "R-PRES-1" and
    .until == "2027-05-29T10:00:00Z") and
    any(.[]; .case == $o and .rule == "R-PRES-4" and .until == null)' \
    >/dev/null; then
	pass holds_listed
else
	fail holds_listed "$("$CUSTOS" case holds $S 2>&1)"
fi

# closing ends lookups
"$CUSTOS" case close "$ID2" $S --by alice >/dev/null 2>&1
refused closed_case_refused R-AUTH \
    "$CUSTOS" who 100.64.12.34 --at $AT --case "$ID2" $S

if "$CUSTOS" case holds --json $S | jq -e --arg o "$ID2" '
    all(.[]; .case != $o)' >/dev/null; then
	pass closed_case_releases_hold
else
	fail closed_case_releases_hold "still held"
fi

# documents are stored sealed: the plain bytes are nowhere in the data
if grep -rq "signed subpoena" "$WORK/s/data"; then
	fail documents_sealed "plain document bytes in the data directory"
else
	pass documents_sealed
fi
if "$CUSTOS" case show "$ID2" --json $S | jq -e '.documents[0].sha256 ==
    "'"$(sha256sum "$WORK/subpoena.pdf" | cut -c1-64)"'" and
    .documents[0].received_by == "alice"' >/dev/null; then
	pass document_hash_recorded
else
	fail document_hash_recorded "$("$CUSTOS" case show "$ID2" --json $S)"
fi

# every lookup and refusal is in the audit trail
if "$CUSTOS" audit show --json $S >"$WORK/audit.json" 2>/dev/null &&
    grep -q '"lookup.refused"' "$WORK/audit.json" &&
    grep -q '"lookup.result"' "$WORK/audit.json" &&
    grep -q '"case.verify"' "$WORK/audit.json"; then
	pass audited
else
	fail audited "$(tail -3 "$WORK/audit.json")"
fi

# operator troubleshooting, when the configuration allows it, is audited
echo "allow_operator_lookups = yes" >"$WORK/open.conf"
if CUSTOS_CONFIG="$WORK/open.conf" "$CUSTOS" who 100.64.12.34 --at $AT $S \
    >/dev/null 2>&1 && "$CUSTOS" audit show --json $S |
    grep -q '"lookup.operator"'; then
	pass operator_lookup_audited
else
	fail operator_lookup_audited "not allowed or not audited"
fi
finish
