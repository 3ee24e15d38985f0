#!/bin/sh
# case_export - `custos case export`: the response package of a case,
# made from the real samples (FreeRADIUS detail, Postfix logs) and a
# subscriber directory.  A subpoena is refused until the case desk lets
# it disclose (call-back verification), then exports exactly basic
# subscriber information: bindings with addresses and session times,
# the directory's name, address and payment, no verbatim records and no
# SMTP envelopes; a 2703(d) order's package has the SMTP envelopes.
# Every file is in the manifest (sha256sum -c), nothing outside the
# case's targets and windows appears, the PDF is a PDF naming the case,
# a non-empty output directory is refused, and the export is audited.
T=case_export
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

for p in jq sha256sum; do
	if ! command -v "$p" >/dev/null 2>&1; then
		fail prerequisites "$p is not installed (scripts/deps installs it)"
		finish
	fi
done
unset CUSTOS_DATA CUSTOS_KEYS CUSTOS_USER
export CUSTOS_NOW=2026-12-01T12:00:00Z

# the operator's configuration: lookups only under a case, call-back
# verification before disclosure
CONF="$WORK/custos.conf"
cat >"$CONF" <<'EOF'
operator_name = Example Fiber LLC
operator_address = 1 Main Street, Springfield, ST 00000
custodian_name = Pat Custodian
custodian_title = Custodian of Records
contact_phone = +1 555 0100
contact_email = lawful@isp.example
allow_operator_lookups = no
require_callback = yes
payment_before_fulfilment = no
EOF
export CUSTOS_CONFIG="$CONF"

# cv - STORE COMMAND VERB ARGS...: custos COMMAND VERB against STORE
cv() {
	_s=$1
	_c=$2
	_v=$3
	shift 3
	"$CUSTOS" "$_c" "$_v" --data "$WORK/$_s/data" --keys "$WORK/$_s/keys" "$@"
}

# export_case - STORE ID --out DIR [ARGS]: custos case export
export_case() {
	_s=$1
	shift
	cv "$_s" case export "$@"
}

new_store s
E="$WORK/err"

# --- the store: RADIUS and Postfix samples; the subscriber directory ---
if cu s ingest --quiet --year 2026 --tz UTC \
    "$TOP/tests/data/radius/run1-detail-20261129" \
    "$TOP/tests/data/postfix/maillog_file-postlogd.log" \
    "$TOP/tests/data/postfix/syslog-postfix-traditional.log" 2>"$E"; then
	pass "samples ingested"
else
	fail "samples ingested" "$(tail -3 "$E")"
	finish
fi

cat >"$WORK/subs.csv" <<'EOF'
account,username,mac,name,address,payment
A-1001,alice@isp.example,00:11:22:33:44:55,Alice Anders,"12 Oak Lane, Springfield",Visa ending 4242
A-2002,aa:bb:cc:00:00:01,aa:bb:cc:00:00:01,Bruno Bystander,"99 Elm Street, Shelbyville",=SUM(1)
A-3003,alice@calea-test.example,,Alice Mailer,"7 Post Road, Springfield",ACH 0077
A-4004,carol@isp.example,,Carol Cleared,"5 Quiet Way, Ogdenville",Amex ending 1111
EOF
# quiet - CMD...: run CMD, its output kept in $WORK/log
quiet() {
	"$@" >>"$WORK/log" 2>&1
}

check "directory imported" quiet cv s subscribers import "$WORK/subs.csv" \
    --by clerk

printf 'SSI policy of Example Fiber LLC\n' >"$WORK/ssi.txt"
check "SSI registered" quiet cv s ssi set "$WORK/ssi.txt" --by counsel
printf '%%PDF-1.4 subpoena (scan)\n' >"$WORK/subpoena.pdf"
printf '%%PDF-1.4 2703(d) order (scan)\n' >"$WORK/order.pdf"

# --- a subpoena: who had 100.64.12.34 at 20:40, and alice's sessions ---
SUB=$(cv s case new --type subpoena_admin --agency "FBI Springfield" \
    --agency-ref "SF-2026-77" --received 2026-11-30T09:00:00Z \
    --issued 2026-11-29T22:00:00Z --statute "21 USC 876" \
    --official "SAC Dana Official" --return-date 2026-12-15T00:00:00Z \
    --officer "Sam Agent;+1 555 0199;sam@fbi.example" \
    --document "$WORK/subpoena.pdf" \
    --target "ip:100.64.12.34@2026-11-29T20:40:00Z..2026-11-29T20:40:00Z" \
    --target "username:alice@isp.example@2026-11-29T00:00:00Z..2026-11-30T00:00:00Z" \
    --by clerk 2>"$E")
if [ -n "$SUB" ]; then pass "subpoena entered"; else
	fail "subpoena entered" "$(tail -3 "$E")"; finish; fi

# refused before the call-back: exit 3, the rule named, nothing written
export_case s "$SUB" --out "$WORK/p0" --by clerk >/dev/null 2>"$E"
rc=$?
if [ $rc -eq 3 ] && grep -q 'R-POL-CALLBACK' "$E" && [ ! -e "$WORK/p0" ]; then
	pass "refused before call-back (exit 3, R-POL-CALLBACK)"
else
	fail "refused before call-back (exit 3, R-POL-CALLBACK)" \
	    "exit $rc: $(cat "$E")"
fi

check "call-back recorded" quiet cv s case verify "$SUB" --by clerk \
    --number "+1 555 0123" --note "FBI field office switchboard"
cv s case approve "$SUB" --by supervisor >/dev/null 2>&1

P="$WORK/pkg-sub"
if export_case s "$SUB" --out "$P" --by clerk >"$WORK/out" 2>"$E"; then
	pass "subpoena exported"
else
	fail "subpoena exported" "$(cat "$E")"
	finish
fi

ok=1
for f in records.csv records.json report.html report.pdf \
    certification.txt cover-letter.txt MANIFEST.sha256; do
	[ -s "$P/$f" ] || { ok=0; note "missing $f"; }
done
[ $ok -eq 1 ] && pass "every file written" || fail "every file written"

# the manifest covers every other file, and each matches
if (cd "$P" && sha256sum -c --quiet MANIFEST.sha256) >/dev/null 2>"$E" &&
    [ "$(wc -l <"$P/MANIFEST.sha256")" -eq 6 ] &&
    [ "$(ls "$P" | grep -vc '^MANIFEST.sha256$')" -eq 6 ]; then
	pass "manifest matches every file"
else
	fail "manifest matches every file" "$(cat "$E" "$P/MANIFEST.sha256")"
fi
# ... and notices a change
cp -R "$P" "$WORK/tampered"
printf 'x' >>"$WORK/tampered/records.csv"
if (cd "$WORK/tampered" && sha256sum -c --quiet MANIFEST.sha256) \
    >/dev/null 2>&1; then
	fail "manifest catches a changed file"
else
	pass "manifest catches a changed file"
fi

J="$P/records.json"
# bindings: the holder of 100.64.12.34 at 20:40 and alice's sessions of
# the day, each with address, times and the directory's fields
if jq -e '
    (.bindings | length) >= 2 and
    (.bindings | map(.target) | index("ip:100.64.12.34@2026-11-29T20:40:00Z..2026-11-29T20:40:00Z")) != null and
    all(.bindings[]; .match.subscriber.username == "alice@isp.example"
        and .match.address != null and .match.start != null
        and .directory.name == "Alice Anders"
        and .directory.address == "12 Oak Lane, Springfield"
        and .directory.payment == "Visa ending 4242")' "$J" >/dev/null; then
	pass "subpoena: bindings with address, times, name, address, payment"
else
	fail "subpoena: bindings with address, times, name, address, payment" \
	    "$(jq -c '.bindings' "$J" 2>&1 | head -c 1500)"
fi
# no verbatim records, no SMTP envelopes
if jq -e '(.smtp | length) == 0 and
    all(.bindings[]; (.match.evidence | length) == 0)' "$J" >/dev/null &&
    ! grep -rqi 'Acct-Status-Type\|Acct-Session-Time\|postfix/\|queue_id\|sasl_username\|calea-test' "$P"; then
	pass "subpoena: no evidence records, no SMTP envelopes"
else
	fail "subpoena: no evidence records, no SMTP envelopes" \
	    "$(grep -rli 'Acct-Status-Type\|postfix/\|queue_id\|calea-test' "$P")"
fi
# the CSV holds the same records, and the BSI columns only
n_csv=$(($(wc -l <"$P/records.csv") - 1))
n_json=$(jq '(.bindings | length) + (.smtp | length)' "$J")
hdr=$(head -1 "$P/records.csv" | tr -d '\r')
if [ "$n_csv" -eq "$n_json" ] &&
    echo "$hdr" | grep -q 'subscriber_name' &&
    echo "$hdr" | grep -q 'payment' &&
    ! echo "$hdr" | grep -q 'evidence\|mail_from' &&
    grep -q 'Alice Anders' "$P/records.csv" &&
    grep -q 'Visa ending 4242' "$P/records.csv"; then
	pass "subpoena: CSV holds the same records, BSI columns only"
else
	fail "subpoena: CSV holds the same records, BSI columns only" \
	    "csv $n_csv json $n_json header $hdr"
fi
# nobody else: the other subscribers of the store and of the directory
if ! grep -rq 'Bruno\|Bystander\|Elm Street\|100\.64\.99\.7\|aa:bb:cc:00:00:01\|Carol\|Alice Mailer' "$P"; then
	pass "subpoena: nothing outside its targets"
else
	fail "subpoena: nothing outside its targets" \
	    "$(grep -rl 'Bruno\|100\.64\.99\.7\|aa:bb:cc\|Carol\|Alice Mailer' "$P")"
fi

# the PDF is a PDF and names the case
if [ "$(head -c 5 "$P/report.pdf")" = "%PDF-" ]; then
	if command -v pdftotext >/dev/null 2>&1; then
		if pdftotext "$P/report.pdf" - 2>/dev/null | grep -q "$SUB" &&
		    pdftotext "$P/report.pdf" - | grep -q 'Alice Anders'; then
			pass "report.pdf is a PDF naming the case and the records"
		else
			fail "report.pdf is a PDF naming the case and the records" \
			    "$(pdftotext "$P/report.pdf" - 2>&1 | head -20)"
		fi
	else
		pass "report.pdf is a PDF (pdftotext not installed)"
	fi
else
	fail "report.pdf is a PDF naming the case and the records"
fi
# the report, the certification and the letter
if grep -q "$SUB" "$P/report.html" && grep -q 'FBI Springfield' "$P/report.html" &&
    grep -q 'Alice Anders' "$P/report.html" && grep -q '2703(d)' "$P/report.html"; then
	pass "report.html: case, agency, records, what was withheld"
else
	fail "report.html: case, agency, records, what was withheld"
fi
if grep -q 'RETURN' "$P/report.html" &&
    grep -q '2026-12-15T00:00:00Z' "$P/report.html"; then
	pass "report.html: deadlines (return date)"
else
	fail "report.html: deadlines (return date)"
fi
C="$P/certification.txt"
if grep -q '902(11)' "$C" && grep -q 'Pat Custodian' "$C" &&
    grep -q 'Custodian of Records' "$C" && grep -q 'Example Fiber LLC' "$C" &&
    grep -q '1 Main Street' "$C" && grep -q 'at or near the time' "$C" &&
    grep -q 'regularly conducted' "$C" && grep -q 'regular practice' "$C" &&
    grep -q 'Date: 2026-12-01' "$C" && grep -q 'Signature: __' "$C" &&
    grep -q "$SUB" "$C"; then
	pass "certification: FRE 902(11), custodian, operator, date, signature"
else
	fail "certification: FRE 902(11), custodian, operator, date, signature" \
	    "$(cat "$C")"
fi
L="$P/cover-letter.txt"
if grep -q 'FBI Springfield' "$L" && grep -q 'SF-2026-77' "$L" &&
    grep -q "$SUB" "$L" && grep -q 'records.csv' "$L" &&
    grep -q 'MANIFEST.sha256' "$L" && grep -q '+1 555 0100' "$L" &&
    grep -q 'lawful@isp.example' "$L"; then
	pass "cover letter: agency, reference, enclosures, contact"
else
	fail "cover letter: agency, reference, enclosures, contact" "$(cat "$L")"
fi

# audited: the export with the manifest's hash, and its lookups
man=$(sha256sum "$P/MANIFEST.sha256" | cut -d' ' -f1)
cv s audit show --case "$SUB" --json >"$WORK/audit.json" 2>"$E"
if jq -e -s --arg m "$man" 'map(select(.action == "case.export")) |
    length == 1 and (.[0].detail.files | map(select(.name ==
    "MANIFEST.sha256"))[0].sha256) == $m' "$WORK/audit.json" >/dev/null &&
    jq -e -s 'map(select(.action == "lookup")) | length >= 2' \
    "$WORK/audit.json" >/dev/null; then
	pass "export audited (files and hashes, lookups)"
else
	fail "export audited (files and hashes, lookups)" \
	    "$(tail -c 1500 "$WORK/audit.json")"
fi

# a non-empty directory is refused and left alone
mkdir -p "$WORK/busy"
echo keep >"$WORK/busy/notes.txt"
export_case s "$SUB" --out "$WORK/busy" --by clerk >/dev/null 2>"$E"
rc=$?
if [ $rc -ne 0 ] && [ "$(ls "$WORK/busy")" = notes.txt ]; then
	pass "non-empty output directory refused"
else
	fail "non-empty output directory refused" "exit $rc"
fi

# --- a 2703(d) order for alice's mail account: SMTP envelopes ---
ORD=$(cv s case new --type court_order_2703d --agency "FBI Springfield" \
    --received 2026-11-30T10:00:00Z --issued 2026-11-30T08:00:00Z \
    --court "US District Court, D. Springfield" --judge "Hon. Jane Judge" \
    --document "$WORK/order.pdf" \
    --target "username:alice@calea-test.example@2026-11-29T00:00:00Z..2026-11-30T00:00:00Z" \
    --category bsi --category session_logs --category smtp_envelopes \
    --by clerk 2>"$E")
if [ -n "$ORD" ]; then pass "2703(d) order entered"; else
	fail "2703(d) order entered" "$(tail -3 "$E")"; finish; fi
cv s case verify "$ORD" --by clerk --number "+1 555 0142" >/dev/null 2>&1
cv s case approve "$ORD" --by supervisor >/dev/null 2>&1
Q="$WORK/pkg-order"
if export_case s "$ORD" --out "$Q" --by clerk --json >"$WORK/out2" 2>"$E" &&
    jq -e '.smtp > 0' "$WORK/out2" >/dev/null; then
	pass "2703(d) exported"
else
	fail "2703(d) exported" "$(cat "$E" "$WORK/out2")"
fi
if jq -e '(.smtp | length) > 0 and
    all(.smtp[]; .envelope.sasl_username == "alice@calea-test.example"
        or (.envelope.client.ip != null))' "$Q/records.json" >/dev/null &&
    grep -q 'mail_from' "$Q/records.csv" &&
    (cd "$Q" && sha256sum -c --quiet MANIFEST.sha256) >/dev/null 2>&1; then
	pass "2703(d): SMTP envelopes in JSON and CSV, manifest good"
else
	fail "2703(d): SMTP envelopes in JSON and CSV, manifest good" \
	    "$(jq -c '.smtp' "$Q/records.json" 2>&1 | head -c 800)"
fi
if ! grep -rq 'Alice Anders\|Bruno\|100\.64\.12\.34\|100\.64\.99\.7\|Carol' "$Q"; then
	pass "2703(d): nothing outside its targets"
else
	fail "2703(d): nothing outside its targets" \
	    "$(grep -rl 'Alice Anders\|Bruno\|100\.64\.12\.34\|Carol' "$Q")"
fi

# --- a grand-jury subpoena for a /24 over a day: every holder in it ---
GJ=$(cv s case new --type subpoena_grand_jury --agency "US Attorney" \
    --received 2026-11-30T12:00:00Z --court "Grand Jury, D. Springfield" \
    --official "AUSA Pat Prosecutor" --document "$WORK/subpoena.pdf" \
    --target "ip:100.64.12.0/24@2026-11-29T00:00:00Z..2026-11-30T00:00:00Z" \
    --target "email:alice@isp.example" --by clerk 2>"$E")
quiet cv s case verify "$GJ" --by clerk --number "+1 555 0111"
R="$WORK/pkg-gj"
if export_case s "$GJ" --out "$R" --by clerk >/dev/null 2>"$E" &&
    jq -e '(.bindings | length) == 1 and
    .bindings[0].match.address == "100.64.12.34" and
    .bindings[0].directory.name == "Alice Anders"' \
    "$R/records.json" >/dev/null &&
    ! grep -rq '100\.64\.99\.7\|Bruno' "$R" &&
    grep -q 'not searched.*email:alice@isp.example' "$R/report.html"; then
	pass "prefix over a window: its holders only; email target not searched"
else
	fail "prefix over a window: its holders only; email target not searched" \
	    "$(cat "$E"; jq -c . "$R/records.json" 2>&1 | head -c 1500)"
fi

# a closed case discloses nothing more
quiet cv s case close "$GJ" --by clerk --note "answered"
export_case s "$GJ" --out "$WORK/p-closed" --by clerk >/dev/null 2>"$E"
rc=$?
if [ $rc -eq 3 ] && grep -q 'R-AUTH' "$E" && [ ! -e "$WORK/p-closed" ]; then
	pass "closed case: export refused (R-AUTH)"
else
	fail "closed case: export refused (R-AUTH)" "exit $rc: $(cat "$E")"
fi

# --- a 2703(d) order that asks for the RADIUS records themselves ---
RAD=$(cv s case new --type court_order_2703d --agency "FBI Springfield" \
    --received 2026-11-30T13:00:00Z --issued 2026-11-30T08:00:00Z \
    --court "US District Court, D. Springfield" --judge "Hon. Jane Judge" \
    --document "$WORK/order.pdf" \
    --target "ip:100.64.99.7@2026-11-29T00:00:00Z..2026-11-30T00:00:00Z" \
    --category bsi --category session_logs --category radius_attributes \
    --by clerk 2>"$E")
quiet cv s case verify "$RAD" --by clerk --number "+1 555 0142"
V="$WORK/pkg-rad"
if export_case s "$RAD" --out "$V" --by clerk >/dev/null 2>"$E" &&
    jq -e '(.bindings | length) == 1 and (.smtp | length) == 0 and
    (.bindings[0].match.evidence | length) > 0 and
    .bindings[0].directory.name == "Bruno Bystander"' \
    "$V/records.json" >/dev/null &&
    head -1 "$V/records.csv" | grep -q evidence &&
    grep -q 'Acct-Status-Type' "$V/records.csv" &&
    ! grep -rq 'Alice\|100\.64\.12\.34' "$V"; then
	pass "2703(d) with radius_attributes: verbatim records, that holder only"
else
	fail "2703(d) with radius_attributes: verbatim records, that holder only" \
	    "$(cat "$E"; jq -c . "$V/records.json" 2>&1 | head -c 1500)"
fi

# a field a spreadsheet would run as a formula stays text in the CSV
if grep -q "\"'=SUM(1)\"" "$V/records.csv" &&
    jq -e '.bindings[0].directory.payment == "=SUM(1)"' "$V/records.json" \
    >/dev/null; then
	pass "CSV: no formula injection; JSON keeps the exact value"
else
	fail "CSV: no formula injection; JSON keeps the exact value" \
	    "$(tail -1 "$V/records.csv")"
fi

# --- an order for session logs only: no directory fields ---
SES=$(cv s case new --type court_order_2703d --agency "FBI Springfield" \
    --received 2026-11-30T14:00:00Z --issued 2026-11-30T08:00:00Z \
    --court "US District Court, D. Springfield" --judge "Hon. Jane Judge" \
    --document "$WORK/order.pdf" \
    --target "ip:100.64.12.34@2026-11-29T21:00:00Z..2026-11-29T21:00:00Z" \
    --category session_logs --by clerk 2>"$E")
quiet cv s case verify "$SES" --by clerk --number "+1 555 0142"
X="$WORK/pkg-ses"
if export_case s "$SES" --out "$X" --by clerk >/dev/null 2>"$E" &&
    jq -e '(.bindings | length) == 1 and .bindings[0].directory == null and
    .bindings[0].match.subscriber.username == "alice@isp.example"' \
    "$X/records.json" >/dev/null &&
    ! head -1 "$X/records.csv" | grep -q 'subscriber_name' &&
    ! grep -rq 'Alice Anders\|Oak Lane\|Visa' "$X"; then
	pass "session logs only: no name, address or payment"
else
	fail "session logs only: no name, address or payment" \
	    "$(cat "$E"; jq -c . "$X/records.json" 2>&1 | head -c 1500)"
fi

# --- no disclosure at all: a preservation letter is refused ---
PRES=$(cv s case new --type preservation_2703f --agency "FBI Springfield" \
    --received 2026-11-30T11:00:00Z --document "$WORK/order.pdf" \
    --target "username:alice@isp.example" --by clerk 2>"$E")
export_case s "$PRES" --out "$WORK/p-pres" --by clerk >/dev/null 2>"$E"
rc=$?
if [ $rc -eq 3 ] && grep -q 'R-PRES-1' "$E" && [ ! -e "$WORK/p-pres" ]; then
	pass "preservation letter: export refused (R-PRES-1)"
else
	fail "preservation letter: export refused (R-PRES-1)" \
	    "exit $rc: $(cat "$E")"
fi
if cv s audit show --case "$PRES" --json 2>/dev/null |
    jq -e -s 'map(select(.action == "refusal")) | length == 1' >/dev/null; then
	pass "refusal audited"
else
	fail "refusal audited"
fi

finish
