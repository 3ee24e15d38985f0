#!/bin/sh
# audit_cli - `custos audit` end to end: notes written under CUSTOS_NOW,
# verify and show (text and JSON), the detail absent from the data
# directory, a missing audit key, refused key directories, and tampering
# with the sqlite3 command-line tool: each change, removal and exchange of
# entries is caught and the first bad entry named.
T=audit_cli
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

for p in sqlite3 jq; do
	if ! command -v "$p" >/dev/null 2>&1; then
		fail prerequisites "$p is not installed (scripts/deps installs it)"
		finish
	fi
done
unset CUSTOS_DATA CUSTOS_KEYS CUSTOS_NOW
export CUSTOS_USER=operator

# anote - STORE TIME ARGS...: `custos audit note ARGS` at TIME
anote() {
	_s=$1
	_t=$2
	shift 2
	CUSTOS_NOW=$_t cu "$_s" audit note "$@" 2>>"$WORK/custos.err"
}

# verify_says - STORE STATUS TEXT: verify exits STATUS and says TEXT
verify_says() {
	cu "$1" audit verify >"$WORK/verify.out" 2>>"$WORK/custos.err"
	_rc=$?
	if [ "$_rc" -ne "$2" ] || ! grep -qF -- "$3" "$WORK/verify.out"; then
		note "verify exit $_rc, said: $(cat "$WORK/verify.out")"
		return 1
	fi
	return 0
}

# tampered - NAME SQL...: a copy of store "s" as NAME, changed by SQL
# through the sqlite3 tool (after dropping the append-only triggers)
tampered() {
	_n=$1
	shift
	rm -rf "${WORK:?}/$_n"
	cp -Rp "$WORK/s" "$WORK/$_n" &&
	    sqlite3 "$WORK/$_n/data/audit.db" \
	    "DROP TRIGGER entry_no_update; DROP TRIGGER entry_no_delete; $*"
}

# --- writing -------------------------------------------------------------
new_store s
ok=1
anote s 2026-11-05T12:00:00Z --case C-1 --by alice \
    "subpoena received for 203.0.113.77" || ok=0
anote s 2026-11-05T12:05:00Z --case C-2 "court called back on +1 555 0199" || ok=0
anote s 2026-11-05T12:10:00Z --case C-1 --by bob "approved" || ok=0
anote s 2026-11-05T12:15:00Z "retention run" || ok=0
anote s 2026-11-05T12:20:00Z --case C-1 --by alice \
    "package sent to bob@agency.example" || ok=0
if [ $ok -eq 1 ]; then pass "five notes written"; else
	fail "five notes written" "$(tail -3 "$WORK/custos.err")"; fi

if verify_says s 0 "audit trail intact: 5 entries"; then
	pass "verify: intact"; else fail "verify: intact"; fi

cu s audit show --json >"$WORK/all.json" 2>>"$WORK/custos.err"
if [ "$(wc -l <"$WORK/all.json")" -eq 5 ] &&
    jq -e -s '
	[.[].seq] == [1,2,3,4,5] and
	.[0].time == "2026-11-05T12:00:00Z" and
	.[4].time == "2026-11-05T12:20:00Z" and
	.[0].actor == "alice" and .[1].actor == "operator" and
	.[2].actor == "bob" and
	(map(.action) | unique) == ["note"] and
	.[0].case == "C-1" and .[3].case == null and
	.[0].detail.text == "subpoena received for 203.0.113.77" and
	.[4].detail.text == "package sent to bob@agency.example" and
	all(.[]; .hash | test("^[0-9a-f]{64}$"))' \
    "$WORK/all.json" >/dev/null; then
	pass "show --json: every entry, CUSTOS_NOW times, details"
else
	fail "show --json" "$(cat "$WORK/all.json")"
fi

cu s audit show --json --case C-1 >"$WORK/c1.json" 2>>"$WORK/custos.err"
if jq -e -s '[.[].seq] == [1,3,5] and all(.[]; .case == "C-1")' \
    "$WORK/c1.json" >/dev/null; then
	pass "show --case: that case only"
else
	fail "show --case" "$(cat "$WORK/c1.json")"
fi

cu s audit show --case C-2 >"$WORK/c2.txt" 2>>"$WORK/custos.err"
if [ "$(wc -l <"$WORK/c2.txt")" -eq 1 ] &&
    grep -q '^2  2026-11-05T12:05:00Z  operator  note  C-2  {"text":"court called back on +1 555 0199"}$' \
    "$WORK/c2.txt"; then
	pass "show: text"
else
	fail "show: text" "$(cat "$WORK/c2.txt")"
fi

# the head hash printed by verify is the last entry's
head=$(sed -n 's/^last entry 5: //p' "$WORK/verify.out")
if [ -n "$head" ] && [ "$head" = "$(jq -r 'select(.seq == 5).hash' \
    "$WORK/all.json")" ]; then
	pass "verify prints the last entry's hash"
else
	fail "verify prints the last entry's hash" "$(cat "$WORK/verify.out")"
fi

# --- confidentiality -------------------------------------------------------
if grep -rqF -e "203.0.113.77" -e "bob@agency.example" -e "555 0199" \
    "$WORK/s/data"; then
	fail "details are not readable in the data directory"
else
	pass "details are not readable in the data directory"
fi
if [ -f "$WORK/s/keys/audit.key" ] &&
    [ "$(stat -c %a "$WORK/s/keys/audit.key")" = 600 ] &&
    [ "$(stat -c %s "$WORK/s/keys/audit.key")" = 32 ] &&
    [ ! -e "$WORK/s/data/audit.key" ]; then
	pass "audit.key: in the key directory, 0600, 32 bytes"
else
	fail "audit.key" "$(ls -la "$WORK/s/keys" "$WORK/s/data")"
fi

# --- a missing key ---------------------------------------------------------
rm -rf "$WORK/nokey"
cp -Rp "$WORK/s" "$WORK/nokey"
rm -f "$WORK/nokey/keys/audit.key"
cu nokey audit show --json >"$WORK/nokey.json" 2>"$WORK/nokey.err"
rc=$?
if [ $rc -eq 0 ] && jq -e -s 'length == 5 and all(.[]; .detail == null)' \
    "$WORK/nokey.json" >/dev/null && grep -q "no audit key" "$WORK/nokey.err"
then
	pass "no key: show prints null details"
else
	fail "no key: show" "exit $rc: $(cat "$WORK/nokey.json" "$WORK/nokey.err")"
fi
if verify_says nokey 0 "audit trail intact: 5 entries" &&
    grep -q "the seal of its head was not" "$WORK/custos.err"; then
	pass "no key: verify still works, and says what it did not check"
else
	fail "no key: verify"
fi

# --- key directories refused ----------------------------------------------
new_store perm
chmod 0755 "$WORK/perm/keys"
if ! anote perm 2026-11-05T12:00:00Z "x" &&
    grep -q "accessible to group or others" "$WORK/custos.err"; then
	pass "a world-readable key directory is refused"
else
	fail "a world-readable key directory is refused"
fi
new_store inner
mkdir -m 0700 "$WORK/inner/data/keys"
if ! CUSTOS_NOW=2026-11-05T12:00:00Z "$CUSTOS" audit note --data \
    "$WORK/inner/data" --keys "$WORK/inner/data/keys" "x" \
    2>>"$WORK/custos.err" &&
    grep -q "inside the data" "$WORK/custos.err"; then
	pass "a key directory inside the data directory is refused"
else
	fail "a key directory inside the data directory is refused"
fi

# --- tampering -------------------------------------------------------------
tampered t1 "UPDATE entry SET actor = 'mallory' WHERE seq = 3"
if verify_says t1 1 "entry 3: changed (hash does not match)"; then
	pass "changed actor caught"; else fail "changed actor caught"; fi

tampered t2 "UPDATE entry SET time = time + 1000000 WHERE seq = 2"
if verify_says t2 1 "entry 2: changed (hash does not match)"; then
	pass "changed time caught"; else fail "changed time caught"; fi

tampered t3 "UPDATE entry SET detail_sealed = substr(detail_sealed, 1, 30) ||
    X'00' || substr(detail_sealed, 32) WHERE seq = 4"
if verify_says t3 1 "entry 4: changed (hash does not match)"; then
	pass "changed detail byte caught"; else fail "changed detail byte caught"; fi

tampered t4 "DELETE FROM entry WHERE seq = 3"
if verify_says t4 1 "entry 3: missing"; then
	pass "removed entry caught"; else fail "removed entry caught"; fi

tampered t5 "DELETE FROM entry WHERE seq = 5"
if verify_says t5 1 "last entry removed (head says 5, trail ends at 4)"; then
	pass "removed last entry caught"; else fail "removed last entry caught"; fi
if ! anote t5 2026-11-05T13:00:00Z "cover it up" &&
    verify_says t5 1 "last entry removed (head says 5, trail ends at 4)"; then
	pass "nothing appended on a cut trail"
else
	fail "nothing appended on a cut trail"
fi

tampered t6 "UPDATE entry SET (time, actor, action, case_id, detail_sealed,
    prev, hash) = (SELECT time, actor, action, case_id, detail_sealed, prev,
    hash FROM entry e WHERE e.seq = 2 + 4 - entry.seq) WHERE seq IN (2, 4)"
if verify_says t6 1 "entries out of order at 2"; then
	pass "swapped entries caught"; else fail "swapped entries caught"; fi

# cut the last entry and rewrite the head to match: only the key can tell
tampered t7 "DELETE FROM entry WHERE seq = 5; UPDATE head SET seq = 4,
    hash = (SELECT hash FROM entry WHERE seq = 4)"
if verify_says t7 1 "entry 4: the head is not sealed by the audit key"; then
	pass "cut trail with a rewritten head caught by the key"
else
	fail "cut trail with a rewritten head caught by the key"
fi
if ! anote t7 2026-11-05T13:00:00Z "seal it" &&
    grep -q "not sealed" "$WORK/custos.err"; then
	pass "nothing appended on a rebuilt trail"
else
	fail "nothing appended on a rebuilt trail"
fi

# show still lists a damaged trail, but says so and exits 1
cu t1 audit show >"$WORK/t1.txt" 2>"$WORK/t1.err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$WORK/t1.txt")" -eq 5 ] &&
    grep -q "entry 3: changed" "$WORK/t1.err"; then
	pass "show on a damaged trail warns and exits 1"
else
	fail "show on a damaged trail" "exit $rc: $(cat "$WORK/t1.err")"
fi

# the untouched original is still whole
if verify_says s 0 "audit trail intact: 5 entries"; then
	pass "the original is intact"; else fail "the original is intact"; fi

# --- the command line -------------------------------------------------------
ok=1
for a in "--help" "verify --help" "show --help" "note --help"; do
	# shellcheck disable=SC2086
	"$CUSTOS" audit $a >"$WORK/help.out" 2>&1 || ok=0
	grep -q "custos audit verify" "$WORK/help.out" || ok=0
	grep -q -- "--case ID" "$WORK/help.out" || ok=0
done
"$CUSTOS" --help | grep -q "^  audit " || ok=0
if [ $ok -eq 1 ]; then pass "--help"; else fail "--help"; fi

ok=1
"$CUSTOS" audit >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
"$CUSTOS" audit frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
cu s audit verify --json >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
cu s audit note >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
cu s audit show extra >/dev/null 2>&1; [ $? -eq 2 ] || ok=0
if [ $ok -eq 1 ]; then pass "usage errors exit 2"; else fail "usage errors exit 2"; fi

new_store empty
cu empty audit verify >"$WORK/empty.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "no audit trail" "$WORK/empty.out" &&
    [ ! -e "$WORK/empty/data/audit.db" ]; then
	pass "no trail yet: verify says so and creates nothing"
else
	fail "no trail yet" "exit $rc: $(cat "$WORK/empty.out")"
fi

CUSTOS_DATA="$WORK/s/data" CUSTOS_KEYS="$WORK/s/keys" "$CUSTOS" audit show \
    --json >"$WORK/env.json" 2>>"$WORK/custos.err"
if cmp -s "$WORK/env.json" "$WORK/all.json"; then
	pass "CUSTOS_DATA and CUSTOS_KEYS are the defaults"
else
	fail "CUSTOS_DATA and CUSTOS_KEYS are the defaults"
fi

finish
