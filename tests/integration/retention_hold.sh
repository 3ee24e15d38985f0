#!/bin/sh
# retention_hold - preservation holds (R-PRES-1..4): a hold copies the
# targets' records of a window into the case's vault as of the request;
# the purge then destroys the days on schedule, and the held records still
# answer exactly as the live store did; expiry after 90 days, one renewal
# of 90 days (later ones flagged voluntary), reminders 14/7/1 days before,
# release destroys the vault and its key.
T=retention_hold
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi

CONF="$WORK/custos.conf"
{ cat "$CUSTOS_CONFIG"; echo "retention_days = 7"; } >"$CONF"
export CUSTOS_CONFIG="$CONF"

user_of() { echo "hold-user-$1@isp.example"; }
ip_of() { echo "100.82.$1.5"; }

new_store s
mkdir -p "$WORK/logs"
for n in 20 21 22 23; do
	t0=$(epoch "2026-11-${n}T09:00:00Z")
	# the target's session, and the next holder of the same address
	detail_rec Start "$(user_of "$n")" "h-$n" "$(ip_of "$n")" \
	    "02:79:00:00:$n:01" "$t0"
	detail_rec Stop "$(user_of "$n")" "h-$n" "$(ip_of "$n")" \
	    "02:79:00:00:$n:01" $((t0 + 1800)) 1800
	detail_rec Start "other-$n@isp.example" "o-$n" "$(ip_of "$n")" \
	    "02:79:00:00:$n:02" $((t0 + 3600))
done >"$WORK/logs/detail"
if ! cu s ingest --tz UTC --quiet "$WORK/logs/detail" >"$WORK/ingest.out" 2>&1; then
	fail "ingest" "$(cat "$WORK/ingest.out")"
	finish
fi

export CUSTOS_NOW=2026-11-23T12:00:00Z
S="--data $WORK/s/data --keys $WORK/s/keys"
# shellcheck disable=SC2086
CASE=$("$CUSTOS" case new $S --type preservation_2703f --agency "FBI" \
    --received 2026-11-23T10:00:00Z --by clerk \
    --target "username:$(user_of 20)" --target "ip:$(ip_of 21)" \
    2>"$WORK/case.err" | head -1 | awk '{print $1}')
CASE=$(printf '%s' "$CASE" | tr -d '\r')
# shellcheck disable=SC2086
if [ -n "$CASE" ] && "$CUSTOS" case show "$CASE" $S >/dev/null 2>&1; then
	pass "a preservation case ($CASE)"
else
	fail "a preservation case" "$(cat "$WORK/case.err")"
	finish
fi

# custos retention shows what the case desk holds
if cu s retention --json 2>/dev/null | jq -e --arg c "$CASE" \
    '[.case_holds[] | select(.case == $c and .basis == "R-PRES-1")] |
    length == 2' >/dev/null 2>&1; then
	pass "retention lists the case desk's holds (R-PRES-1, two targets)"
else
	fail "retention lists the case desk's holds (R-PRES-1, two targets)" \
	    "$(cu s retention --json 2>&1)"
fi

# live answers before anything happens
live_who() { # DAYNUM HH:MM -> matches JSON
	"$CUSTOS" who "$(ip_of "$1")" --at "2026-11-$1T$2:00Z" --json \
	    --data "$WORK/s/data" --keys "$WORK/s/keys" 2>/dev/null |
	    jq -c '.matches'
}
held_who() {
	"$CUSTOS" hold who $S "$CASE" "$(ip_of "$1")" --at "2026-11-$1T$2:00Z" \
	    --json 2>/dev/null | jq -c '.matches'
}
L21a=$(live_who 21 09:10)
L21b=$(live_who 21 10:30)
L20=$("$CUSTOS" history "$(user_of 20)" --from 2026-11-19T00:00:00Z \
    --to 2026-11-24T00:00:00Z --json --data "$WORK/s/data" \
    --keys "$WORK/s/keys" 2>/dev/null | jq -c '.bindings // .matches')

if cu s hold new --case "$CASE" --from 2026-11-19T00:00:00Z \
    --to 2026-11-24T00:00:00Z --by clerk --json >"$WORK/new.json" \
    2>"$WORK/new.err" &&
    jq -e --arg c "$CASE" '.hold == ($c + "#1") and .state == "in force" and
    .bindings == 3 and .received == "2026-11-23T10:00:00Z" and
    .expires == "2027-02-21T10:00:00Z" and (.targets | length) == 2' \
    "$WORK/new.json" >/dev/null 2>&1; then
	pass "hold new: the case's targets, 3 bindings, expires received + 90 d"
else
	fail "hold new: the case's targets, 3 bindings, expires received + 90 d" \
	    "$(cat "$WORK/new.json" "$WORK/new.err")"
fi
[ -f "$WORK/s/data/vault/$CASE.db" ] && [ -f "$WORK/s/keys/cases/$CASE.key" ] &&
    pass "vault in DATA/vault, key in KEYS/cases" ||
    fail "vault in DATA/vault, key in KEYS/cases"

# held data answers as the live data did
H21a=$(held_who 21 09:10)
H21b=$(held_who 21 10:30)
if [ -n "$L21a" ] && [ "$L21a" = "$H21a" ] && [ "$L21b" = "$H21b" ] &&
    [ "$(printf "%s" "$H21a" | jq length)" = 1 ]; then
	pass "held who answers exactly as live who (ip target)"
else
	fail "held who answers exactly as live who (ip target)" \
	    "live $L21a / held $H21a; live $L21b / held $H21b"
fi
# shellcheck disable=SC2086
H20=$("$CUSTOS" hold history $S "$CASE" "$(user_of 20)" --from 2026-11-19T00:00:00Z \
    --to 2026-11-24T00:00:00Z --json 2>/dev/null | jq -c '.matches')
if [ "$(printf "%s" "$H20" | jq -c '[.[].subscriber.username]')" = \
    "[\"$(user_of 20)\"]" ] && [ "$(printf "%s" "$L20" | jq -c '.[0].start')" = \
    "$(printf "%s" "$H20" | jq -c '.[0].start')" ]; then
	pass "held history answers as live history (username target)"
else
	fail "held history answers as live history (username target)" \
	    "live $L20 / held $H20"
fi
# not held: another day's user
# shellcheck disable=SC2086
if [ "$("$CUSTOS" hold history $S "$CASE" "$(user_of 22)" --from \
    2026-11-19T00:00:00Z --to 2026-11-24T00:00:00Z --json 2>/dev/null |
    jq '.matches | length')" = 0 ]; then
	pass "only the targets are held"
else
	fail "only the targets are held"
fi
if grep -r -a -q -F -e "$(user_of 20)" -e "$(ip_of 21)" -e "02:79:00:00:20:01" \
    "$WORK/s/data/vault"; then
	fail "vault holds no plaintext identifier"
else
	pass "vault holds no plaintext identifier"
fi

# the purge runs on schedule for everyone; the hold keeps its copy
CUSTOS_NOW=2026-11-29T12:00:00Z cu s purge >"$WORK/purge.out" 2>&1
if grep -q '^destroyed [a-z]* 2026-11-21' "$WORK/purge.out" &&
    [ "$(live_who 21 09:10)" = "[]" ] &&
    [ "$(CUSTOS_NOW=2026-11-29T12:00:00Z held_who 21 09:10)" = "$L21a" ]; then
	pass "after the purge: live answers nothing, the hold answers as before"
else
	fail "after the purge: live answers nothing, the hold answers as before" \
	    "$(cat "$WORK/purge.out") held: $(held_who 21 09:10)"
fi

# R-PRES-4: an open case with targets holds them implicitly: the purge
# copies their records of the days it destroys into that case's vault
# shellcheck disable=SC2086
SUB=$(CUSTOS_NOW=2026-11-29T13:00:00Z "$CUSTOS" case new $S \
    --type subpoena_grand_jury --agency "USAO" --received \
    2026-11-29T13:00:00Z --by clerk --target "username:$(user_of 22)" \
    2>>"$WORK/case.err" | head -1 | awk '{print $1}')
hist22() {
	# shellcheck disable=SC2086
	"$CUSTOS" hold history $S "$SUB" "$(user_of 22)" \
	    --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --json \
	    2>/dev/null | jq -c '[.matches[].subscriber.username]'
}
CUSTOS_NOW=2026-11-30T00:00:00Z cu s purge >"$WORK/p4.out" 2>&1
CUSTOS_NOW=2026-11-30T00:00:00Z cu s hold list --case "$SUB" --json \
    >"$WORK/l4.json" 2>&1
if [ -n "$SUB" ] && grep -q '^destroyed [a-z]* 2026-11-22' "$WORK/p4.out" &&
    jq -e '.basis == "R-PRES-4" and .expires == null and
    .state == "in force" and .bindings == 1' "$WORK/l4.json" \
    >/dev/null 2>&1 &&
    [ "$(CUSTOS_NOW=2026-11-30T00:00:00Z hist22)" = "[\"$(user_of 22)\"]" ]; then
	pass "R-PRES-4: an open case's target is copied to its vault before the purge"
else
	fail "R-PRES-4: an open case's target is copied to its vault before the purge" \
	    "$SUB $(cat "$WORK/p4.out" "$WORK/l4.json" "$WORK/case.err")"
fi
# the held copy answers lookups under the case as the live data did,
# once the case may disclose (its document attached, the call-back made)
echo "grand jury subpoena" >"$WORK/gj.pdf"
# shellcheck disable=SC2086
CUSTOS_NOW=2026-11-30T00:00:00Z "$CUSTOS" case update "$SUB" --by clerk \
    --document "$WORK/gj.pdf" $S >/dev/null 2>>"$WORK/case.err"
# shellcheck disable=SC2086
CUSTOS_NOW=2026-11-30T00:00:00Z "$CUSTOS" case verify "$SUB" --by clerk \
    --number "+1 555 0100" $S >/dev/null 2>>"$WORK/case.err"
# shellcheck disable=SC2086
CUSTOS_NOW=2026-11-30T00:00:00Z "$CUSTOS" history "$(user_of 22)" \
    --case "$SUB" --by clerk --from 2026-11-22T00:00:00Z \
    --to 2026-11-23T00:00:00Z --json $S >"$WORK/h4.json" 2>"$WORK/h4.err"
if jq -e --arg u "$(user_of 22)" '[.bindings[].subscriber.username] |
    length >= 1 and all(. == $u)' "$WORK/h4.json" >/dev/null 2>&1; then
	pass "history --case answers from the vault after the purge"
else
	fail "history --case answers from the vault after the purge" \
	    "$(cat "$WORK/h4.err") $(head -c 300 "$WORK/h4.json")"
fi
# shellcheck disable=SC2086
CUSTOS_NOW=2026-12-01T00:00:00Z "$CUSTOS" case close "$SUB" --by counsel $S \
    >/dev/null 2>&1
CUSTOS_NOW=2026-12-01T00:00:00Z cu s purge >"$WORK/p5.out" 2>&1
if grep -q 'case closed) and released' "$WORK/p5.out" &&
    [ ! -e "$WORK/s/data/vault/$SUB.db" ] &&
    [ ! -e "$WORK/s/keys/cases/$SUB.key" ]; then
	pass "R-PRES-4: closing the case releases it; vault and key destroyed"
else
	fail "R-PRES-4: closing the case releases it; vault and key destroyed" \
	    "$(cat "$WORK/p5.out")"
fi

# reminders and renewal
CUSTOS_NOW=2027-02-10T10:00:00Z cu s hold list --json >"$WORK/l1.json" 2>&1
CUSTOS_NOW=2027-02-01T10:00:00Z cu s hold list --json >"$WORK/l0.json" 2>&1
if jq -e '.warning.rule == "R-PRES-3" and .warning.days_left == 11' \
    "$WORK/l1.json" >/dev/null 2>&1 &&
    jq -e '.warning == null' "$WORK/l0.json" >/dev/null 2>&1; then
	pass "hold list: R-PRES-3 warning within 14 days of expiry"
else
	fail "hold list: R-PRES-3 warning within 14 days of expiry" \
	    "$(cat "$WORK/l1.json" "$WORK/l0.json")"
fi
# the same reminders in custos case due: 14, 7 and 1 days before, then
# the expiry (hold 1 of the case, received 2026-11-23T10:00Z)
CUSTOS_NOW=2027-02-01T10:00:00Z "$CUSTOS" case due --json --data "$WORK/s/data" \
    --keys "$WORK/s/keys" >"$WORK/due.json" 2>&1
if jq -e --arg c "$CASE" '[.[] | select(.case == $c and
    (.what | startswith("hold #1 "))) | .rule + " " + .at] ==
    ["R-PRES-3 2027-02-07T10:00:00Z", "R-PRES-3 2027-02-14T10:00:00Z",
    "R-PRES-3 2027-02-20T10:00:00Z", "R-PRES-1 2027-02-21T10:00:00Z"]' \
    "$WORK/due.json" >/dev/null 2>&1; then
	pass "case due: hold reminders 14, 7 and 1 days before its expiry"
else
	fail "case due: hold reminders 14, 7 and 1 days before its expiry" \
	    "$(cat "$WORK/due.json")"
fi
CUSTOS_NOW=2027-02-10T10:00:00Z cu s hold renew "$CASE#1" --json \
    >"$WORK/r1.json" 2>"$WORK/r1.err"
CUSTOS_NOW=2027-02-11T10:00:00Z cu s hold renew "$CASE#1" --json \
    >"$WORK/r2.json" 2>"$WORK/r2.err"
if jq -e '.renewals == 1 and .voluntary == false and
    .expires == "2027-05-22T10:00:00Z"' "$WORK/r1.json" >/dev/null 2>&1 &&
    jq -e '.renewals == 2 and .voluntary == true' "$WORK/r2.json" \
    >/dev/null 2>&1 && grep -q 'R-PRES-2' "$WORK/r2.err" &&
    ! grep -q 'R-PRES-2' "$WORK/r1.err"; then
	pass "renewal adds 90 days; the second is flagged voluntary (R-PRES-2)"
else
	fail "renewal adds 90 days; the second is flagged voluntary (R-PRES-2)" \
	    "$(cat "$WORK/r1.json" "$WORK/r2.json" "$WORK/r2.err")"
fi

# a second hold, then expiry through the purge, then release of the last
CUSTOS_NOW=2026-11-29T13:00:00Z cu s hold new --case "$CASE" \
    --target "ip:$(ip_of 23)" --from 2026-11-23T00:00:00Z \
    --to 2026-11-24T00:00:00Z --received 2026-11-29T13:00:00Z --json \
    >"$WORK/new2.json" 2>&1
# 2027-02-27: hold 2 (received 2026-11-29) is past 90 days; hold 1 renewed
CUSTOS_NOW=2027-02-28T00:00:00Z cu s purge >"$WORK/p2.out" 2>&1
CUSTOS_NOW=2027-02-28T00:00:00Z cu s hold list --json >"$WORK/l2.json" 2>&1
if jq -e -s --arg c "$CASE" 'map({(.hold): .state}) | add |
    .[$c + "#1"] == "in force" and .[$c + "#2"] == "released"' \
    "$WORK/l2.json" >/dev/null 2>&1 &&
    grep -q 'hold.* expired' "$WORK/p2.out"; then
	pass "purge releases an expired hold; the renewed one stays"
else
	fail "purge releases an expired hold; the renewed one stays" \
	    "$(cat "$WORK/l2.json" "$WORK/p2.out")"
fi
if CUSTOS_NOW=2027-03-01T00:00:00Z cu s hold release "$CASE#1" --by counsel \
    >"$WORK/rel.out" 2>&1 && [ ! -e "$WORK/s/keys/cases/$CASE.key" ] &&
    [ ! -e "$WORK/s/data/vault/$CASE.db" ] &&
    [ "$(CUSTOS_NOW=2027-03-01T00:00:00Z held_who 21 09:10)" = "[]" ]; then
	pass "release of the last hold destroys the vault key and the vault"
else
	fail "release of the last hold destroys the vault key and the vault" \
	    "$(cat "$WORK/rel.out")"
fi
cu s audit show --json >"$WORK/audit.json" 2>/dev/null
if jq -e -s '[.[].action] | (index("hold.new") != null) and
    (index("hold.renew") != null) and (index("hold.expired") != null) and
    (index("hold.release") != null)' "$WORK/audit.json" >/dev/null 2>&1 &&
    cu s audit verify >/dev/null 2>&1; then
	pass "audit: hold new, renew, expired, release"
else
	fail "audit: hold new, renew, expired, release" \
	    "$(jq -s -c '[.[].action]' "$WORK/audit.json")"
fi
finish
