#!/bin/sh
# case_calea - CALEA records and the operator's policy: SSI before any
# approval, the two-person rule and the 1.20004 certification, intercept
# deadlines, customer notice refused under a gag, the subscriber
# directory, costs, invoices and payment before fulfilment.
T=case_calea
. "$TOP/tests/integration/lib.sh.inc"

new_store s
S="--data $WORK/s/data --keys $WORK/s/keys"
cat >"$WORK/policy.conf" <<EOF
allow_operator_lookups = no
require_callback = no
payment_before_fulfilment = yes
notify_customers = yes
operator_name = Example Fiber LLC
operator_address = 1 Main Street, Springfield
contact_phone = +1 555 0100
contact_email = lawful@isp.example
EOF
export CUSTOS_CONFIG="$WORK/policy.conf" CUSTOS_USER=alice
export CUSTOS_NOW=2026-11-30T12:00:00Z
echo "order signed by Judge Doe" >"$WORK/order.pdf"
echo "certification by AAG Roe" >"$WORK/cert.pdf"
"$CUSTOS" ingest $S --tz UTC --quiet \
    "$TOP/tests/data/radius/run1-detail-20261129" >/dev/null 2>&1

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

# a Title III order, complete
T3=$("$CUSTOS" case new $S --type title3_order --agency FBI \
    --received 2026-11-30T10:00:00Z --issued 2026-11-30T09:00:00Z \
    --court "D. Mass." --judge "Judge Doe" --official "AAG Roe" \
    --offense "18 USC 1343" --officer "SA Smith;+1 202 555 0100;s@fbi.gov" \
    --document "$WORK/order.pdf" --target "username:alice@isp.example")

refused approve_needs_ssi R-CALEA-3 "$CUSTOS" case approve "$T3" $S --by bob
printf 'SSI policy\nSenior officer: Pat Example, CTO\n24x7: +1 555 0100\n' \
    >"$WORK/ssi.txt"
if "$CUSTOS" ssi set "$WORK/ssi.txt" $S --by pat >/dev/null 2>&1 &&
    "$CUSTOS" ssi show --json $S | jq -e '.sha256 != null and
    .filed_at == null' >/dev/null; then
	pass ssi_set
else
	fail ssi_set "$("$CUSTOS" ssi show $S 2>&1)"
fi
if "$CUSTOS" case due --json $S | jq -e 'any(.[]; .rule == "R-CALEA-4" and
    .at == "2027-02-28T12:00:00Z")' >/dev/null; then
	pass ssi_filing_due_90d
else
	fail ssi_filing_due_90d "$("$CUSTOS" case due $S)"
fi
"$CUSTOS" ssi filed $S --by pat >/dev/null 2>&1
if "$CUSTOS" case due --json $S | jq -e 'all(.[]; .rule != "R-CALEA-4" or
    (.what | test("review")))' >/dev/null; then
	pass ssi_filed
else
	fail ssi_filed "filing still due"
fi

refused two_person_rule R-CALEA-1 "$CUSTOS" case approve "$T3" $S --by alice
refused intercept_unapproved R-CALEA-1 "$CUSTOS" history alice@isp.example \
    --from 2026-11-29T00:00:00Z --to 2026-11-30T00:00:00Z --case "$T3" $S
if "$CUSTOS" case approve "$T3" $S --by bob >"$WORK/cmd.out" 2>&1 &&
    "$CUSTOS" case show "$T3" --json $S >"$WORK/t3.json" &&
    jq -e 'any(.documents[]; .kind == "calea_cert") and
    any(.events[]; .kind == "approve" and .by == "bob") and
    any(.due[]; .rule == "R-CALEA-2")' "$WORK/t3.json" >/dev/null; then
	pass approve_generates_certification
else
	fail approve_generates_certification "$(cat "$WORK/cmd.out")"
fi
if "$CUSTOS" case certify "$T3" $S --by carol >/dev/null 2>&1 &&
    "$CUSTOS" case show "$T3" --json $S | jq -e 'any(.events[];
    .kind == "certify" and .by == "carol") and
    ([.documents[] | select(.kind == "calea_cert")] | length) == 2 and
    all(.due[]; .rule != "R-CALEA-2")' >/dev/null; then
	pass certify_signs
else
	fail certify_signs "not signed"
fi
if "$CUSTOS" case certify "$T3" $S --by dave >/dev/null 2>&1; then
	fail certify_once "signed twice"
else
	pass certify_once
fi
# entered 11-30 09:00, no interception yet: ends 10 + 30 days later
if "$CUSTOS" case show "$T3" --json $S | jq -e 'any(.due[];
    .rule == "R-T3-2" and .at == "2027-01-09T09:00:00Z")' >/dev/null; then
	pass title3_30_days
else
	fail title3_30_days "$("$CUSTOS" case show "$T3" $S)"
fi
refused title3_expired R-T3-2 env CUSTOS_NOW=2027-01-09T09:00:00Z \
    "$CUSTOS" history alice@isp.example --from 2026-11-29T00:00:00Z \
    --to 2026-11-30T00:00:00Z --case "$T3" $S
refused title3_gag R-NDO-2 "$CUSTOS" case notify "$T3" $S --by alice
H="history alice@isp.example --from 2026-11-29T00:00:00Z --to 2026-11-30T00:00:00Z"
if "$CUSTOS" $H --case "$T3" $S >/dev/null 2>&1; then
	pass title3_lookup_after_approval
else
	fail title3_lookup_after_approval "refused after approval"
fi
"$CUSTOS" case update "$T3" --extend $S --by alice >/dev/null 2>&1
refused extension_needs_order R-T3-3 "$CUSTOS" $H --case "$T3" $S
"$CUSTOS" case update "$T3" --document "$WORK/cert.pdf" --doc-kind extension \
    $S --by alice >/dev/null 2>&1
if "$CUSTOS" case show "$T3" --json $S | jq -e 'any(.due[];
    .rule == "R-T3-2" and .at == "2027-02-08T09:00:00Z")' >/dev/null &&
    "$CUSTOS" $H --case "$T3" $S >/dev/null 2>&1; then
	pass extension_30_days
else
	fail extension_30_days "$("$CUSTOS" case show "$T3" $S)"
fi
"$CUSTOS" case update "$T3" --terminate --event-note "objective attained" \
    $S --by alice >/dev/null 2>&1
refused terminated R-T3-4 "$CUSTOS" $H --case "$T3" $S

# an emergency pen/trap: 48 hours from installation to the order
PT=$("$CUSTOS" case new $S --type pen_trap_emergency --agency FBI \
    --received 2026-11-30T08:00:00Z --activated 2026-11-30T09:00:00Z \
    --official "DAAG Poe" --emergency-kind danger \
    --target "ip:100.64.12.34")
if "$CUSTOS" case due --json $S | jq -e --arg id "$PT" 'any(.[];
    .case == $id and .rule == "R-PT-5" and .hours_left == 45)' >/dev/null
then
	pass pen_trap_48h
else
	fail pen_trap_48h "$("$CUSTOS" case due $S)"
fi
if env CUSTOS_NOW=2026-12-02T09:00:00Z "$CUSTOS" case show "$PT" --json $S |
    jq -e '.blocked_by == "R-PT-5"' >/dev/null; then
	pass pen_trap_48h_lapses
else
	fail pen_trap_48h_lapses "still allowed after 48 h"
fi

# the subscriber directory from a billing export; bad rows named
cat >"$WORK/billing.csv" <<'EOF'
account,username,mac,name,address,payment,plan
A-1001,alice@isp.example,00:11:22:33:44:55,Alice Example,"12 Elm St, Springfield",Visa ending 4242,fiber100
A-1002,bob@isp.example,not-a-mac,Bob Example,3 Oak St,cash,fiber50
A-1003,,,Nobody,nowhere,cash,none
A-1004,carol@isp.example,0011.2233.4466,"Carol ""CJ"" Example",9 Pine St,ACH,fiber1g
EOF
"$CUSTOS" subscribers import "$WORK/billing.csv" $S --by alice \
    >"$WORK/cmd.out" 2>"$WORK/cmd.err"
if grep -q "billing.csv:3: mac: not a MAC address" "$WORK/cmd.err" &&
    grep -q "billing.csv:4: username:" "$WORK/cmd.err" &&
    grep -q "2 subscribers imported, 2 rows skipped" "$WORK/cmd.out"; then
	pass subscribers_bad_rows
else
	fail subscribers_bad_rows "$(cat "$WORK/cmd.out" "$WORK/cmd.err")"
fi
if "$CUSTOS" subscribers show 00-11-22-33-44-66 --json $S --by alice |
    jq -e '.name == "Carol \"CJ\" Example" and .account == "A-1004"' \
    >/dev/null; then
	pass subscribers_show
else
	fail subscribers_show "carol not found by MAC"
fi
if grep -rq "Alice Example" "$WORK/s/data"; then
	fail subscribers_sealed "plain name in the data directory"
else
	pass subscribers_sealed
fi

# a subpoena: notice to the subscriber, gag, costs and payment
SP=$("$CUSTOS" case new $S --type subpoena_grand_jury --agency "USAO" \
    --received 2026-11-30T10:00:00Z --court "Grand Jury, D. Mass." \
    --official "AUSA Coe" --document "$WORK/order.pdf" \
    --target "username:alice@isp.example@2026-11-29T00:00:00Z.." \
    --category bsi)
if "$CUSTOS" case notify "$SP" $S --by alice >"$WORK/notice.txt" 2>&1 &&
    grep -q "Alice Example" "$WORK/notice.txt" &&
    grep -q "12 Elm St, Springfield" "$WORK/notice.txt" &&
    "$CUSTOS" case show "$SP" --json $S | jq -e 'any(.events[];
    .kind == "notice") and any(.documents[]; .kind == "notice")' \
    >/dev/null; then
	pass notify_subscriber
else
	fail notify_subscriber "$(cat "$WORK/notice.txt")"
fi
# shellcheck disable=SC2086
if "$CUSTOS" case notify "$SP" $S --by alice --json 2>&1 |
    jq -e --arg c "$SP" '.case == $c and (.notice | contains("Alice Example"))
    and (.document | length) == 64' >/dev/null; then
	pass notify_json
else
	fail notify_json "case notify --json is not the documented object"
fi
NDO=$("$CUSTOS" case new $S --type ndo_2705b --agency "USAO" \
    --received 2026-11-30T11:00:00Z --issued 2026-11-30T09:00:00Z \
    --court "D. Mass." --judge "Judge Doe" --document "$WORK/order.pdf" \
    --parent "$SP" --expires 2027-05-30T00:00:00Z)
refused notify_gagged R-NDO-2 "$CUSTOS" case notify "$SP" $S --by alice
if "$CUSTOS" case due --json $S | jq -e --arg id "$NDO" 'any(.[];
    .case == $id and .rule == "R-NDO-1" and
    .at == "2027-05-30T00:00:00Z")' >/dev/null; then
	pass gag_lift_due
else
	fail gag_lift_due "$("$CUSTOS" case due $S)"
fi
if env CUSTOS_NOW=2027-06-01T00:00:00Z "$CUSTOS" case notify "$SP" $S \
    --by alice >/dev/null 2>&1; then
	pass notify_after_gag
else
	fail notify_after_gag "still refused after the gag ended"
fi

refused payment_first R-POL-PAYMENT "$CUSTOS" history alice@isp.example \
    --from 2026-11-29T00:00:00Z --to 2026-11-30T00:00:00Z --case "$SP" $S
"$CUSTOS" case cost "$SP" --amount 75 --what "search and assembly, 1.5 h" \
    $S --by alice >/dev/null 2>&1
"$CUSTOS" case cost "$SP" --amount 12.5 --what "media and postage" \
    $S --by alice >/dev/null 2>&1
if "$CUSTOS" case invoice "$SP" --json $S --by alice | jq -e '
    .total_usd == "87.50" and (.lines | length) == 2' >/dev/null; then
	pass invoice_total
else
	fail invoice_total "$("$CUSTOS" case invoice "$SP" $S --by alice)"
fi
"$CUSTOS" case invoice "$SP" --paid $S --by alice >/dev/null 2>&1
if "$CUSTOS" history alice@isp.example --from 2026-11-29T00:00:00Z \
    --to 2026-11-30T00:00:00Z --case "$SP" --json $S >"$WORK/h.json" \
    2>"$WORK/cmd.err" && jq -e '(.smtp | length) == 0 and
    (.bindings[0].evidence | length) == 0' "$WORK/h.json" >/dev/null; then
	pass paid_then_bsi_only
else
	fail paid_then_bsi_only "$(cat "$WORK/cmd.err")"
fi
if "$CUSTOS" case cost "$SP" --amount 1.234 --what x $S --by alice \
    >/dev/null 2>&1; then
	fail cost_amount_checked "accepted 1.234"
else
	pass cost_amount_checked
fi

# FISA: recognised, routed to counsel, never processed
FI=$("$CUSTOS" case new $S --type fisa_1805 --agency FBI \
    --received 2026-11-30T10:00:00Z --document "$WORK/order.pdf" \
    --target "ip:100.64.12.34")
"$CUSTOS" case ack "$FI" R-COUNSEL $S --by counsel >/dev/null 2>&1
refused fisa_not_processed R-COUNSEL "$CUSTOS" who 100.64.12.34 \
    --at 2026-11-29T21:00:00Z --case "$FI" $S
finish
