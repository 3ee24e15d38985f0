#!/bin/sh
# tap_tls - delivery over TLS 1.3 with client certificates: custos tap
# verifies the agency's certificate (the ISP's CA for the agency's end) and
# presents its own (signed by the agency's CA); custos lemf requires it.
# Every record arrives, and no content crosses the wire in the clear (the
# loopback traffic is captured and searched).  Certificates are made here
# with the openssl CLI.
T=tap_tls
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

command -v openssl >/dev/null 2>&1 || {
	fail openssl_cli "the openssl command is missing (apt-get install openssl)"
	finish
}
P="$WORK/pki"
if pki_ca agency-ca && pki_ca isp-ca &&
    pki_leaf lemf isp-ca lemf.agency.example &&
    pki_leaf client agency-ca hi.isp.example; then
	pass certificates_made
else
	fail certificates_made "$(cat "$WORK/openssl.err")"
	finish
fi

LEMF_PORT=0
li_setup
CASE=$(t3_case username:alice@example.net)
lemf_start lemf --tls-cert "$P/lemf.crt" --tls-key "$P/lemf.key" \
    --tls-ca "$P/agency-ca.crt"
agency_add FBI --tls-ca "$P/isp-ca.crt" --tls-cert "$P/client.crt" \
    --tls-key "$P/client.key"
"$CUSTOS" intercept new $S --case "$CASE" --agency FBI --liid LIID-TLS \
    --target username:alice@example.net --mode iri+cc --by alice \
    >/dev/null 2>"$WORK/new.err" || fail provision "$(cat "$WORK/new.err")"
WIRE=""
spawn WIRE tcpdump -i lo -U -s 0 -w "$WORK/wire.pcap" "tcp port $LEMF_PORT" \
    2>"$WORK/tcpdump.err"
poll 5 grep -q listening "$WORK/tcpdump.err"
"$CUSTOS" tap $S --read "$FIX/target-moves.pcap" --json --drain 20 \
    >"$WORK/tap.json" 2>"$WORK/tap.err"
rc=$?
sleep 0.3
stop_pid "$WIRE" INT
stop_pid "$LEMF_PID"
n=$(tshark -r "$WORK/lemf/cc.pcap" 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ] && [ "$n" -eq 15 ] &&
    jq -e '.delivery == "acknowledged"' "$WORK/tap.json" >/dev/null; then
	pass delivered_over_tls
else
	fail delivered_over_tls "rc $rc, $n packets: $(cat "$WORK/tap.err" "$WORK/lemf.err")"
fi
if [ -s "$WORK/wire.pcap" ] && grep -q 'PAYLOAD-' "$WORK/lemf/cc.pcap" &&
    ! grep -aq 'PAYLOAD-' "$WORK/wire.pcap" &&
    ! grep -aq 'LIID-TLS' "$WORK/wire.pcap"; then
	pass nothing_in_clear_on_the_wire
else
	fail nothing_in_clear_on_the_wire
fi
finish
