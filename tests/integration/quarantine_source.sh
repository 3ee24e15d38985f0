#!/bin/sh
# quarantine_source - a rejected line of a mixed syslog file is sealed
# under the key of the program that wrote it: a Postfix line under the
# smtp key, a dhcpd line under the dhcp key.  With SMTP kept 1 day and
# DHCP 7, the purge takes the rejected Postfix line with the SMTP day and
# leaves the dhcpd one readable.
T=quarantine_source
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

CONF="$WORK/custos.conf"
{
	cat "$CUSTOS_CONFIG"
	echo "retention_days = 7"
	echo "retention_smtp_days = 1"
} >"$CONF"
export CUSTOS_CONFIG="$CONF"

cat >"$WORK/syslog" <<'LOG'
Nov 29 10:00:00 gw dhcpd[1]: DHCPACK on 100.64.3.3 to 02:00:00:00:03:03 via eth1
Nov 29 10:00:01 gw dhcpd[1]: DHCPACK on 300.64.3.4 to 02:00:00:00:03:04 via eth1
Nov 29 10:00:02 gw postfix/smtpd[2]: 4AB12CD34E: client=unknown[999.0.2.77]
Nov 29 10:00:03 gw sshd[3]: Accepted publickey for root from 192.0.2.1 port 22
LOG
new_store s
export CUSTOS_NOW=2026-11-29T12:00:00Z
cu s ingest --tz UTC --year 2026 --lease-time 3600 "$WORK/syslog" \
    >"$WORK/ingest.out" 2>&1
cu s quarantine --json >"$WORK/q1.json" 2>&1
if jq -e -s 'length == 2 and
    ([.[] | select(.source == "dhcp" and (.record | test("300.64.3.4")))] |
    length == 1) and
    ([.[] | select(.source == "smtp" and (.record | test("999.0.2.77")))] |
    length == 1)' "$WORK/q1.json" >/dev/null 2>&1; then
	pass "rejected dhcpd line sealed as dhcp, Postfix line as smtp"
else
	fail "rejected dhcpd line sealed as dhcp, Postfix line as smtp" \
	    "$(cat "$WORK/q1.json" "$WORK/ingest.out")"
fi

# two days later: SMTP (1 day) is past retention, DHCP (7) is not
CUSTOS_NOW=2026-12-01T12:00:00Z cu s purge >"$WORK/purge.out" 2>&1
cu s quarantine --json >"$WORK/q2.json" 2>&1
if grep -q '^destroyed smtp 2026-11-29' "$WORK/purge.out" &&
    ! grep -q '^destroyed dhcp' "$WORK/purge.out" &&
    jq -e -s 'length == 1 and .[0].source == "dhcp" and
    (.[0].record | test("300.64.3.4"))' "$WORK/q2.json" >/dev/null 2>&1; then
	pass "the purge takes the Postfix line with the SMTP day; dhcpd's stays"
else
	fail "the purge takes the Postfix line with the SMTP day; dhcpd's stays" \
	    "$(cat "$WORK/purge.out" "$WORK/q2.json")"
fi
finish
