#!/bin/sh
# lemf_tls - custos lemf with TLS 1.3 and client certificates: a client
# with a certificate from the agency's CA delivers and gets its keep-alive
# answered; a client without a certificate, with one from another CA, or
# speaking plain TCP delivers nothing.  Certificates are made here with
# the openssl CLI (Debian package openssl).
T=lemf_tls
. "$(dirname "$0")/lib.sh.inc"
. "$(dirname "$0")/li.sh.inc"

SEND="$TOP/$O/bench/li_send"
cp "$SEND" "$WORK/bin/li_send" 2>/dev/null && SEND="$WORK/bin/li_send"
OUT="$WORK/lemf-out"
P="$WORK/pki"

if ! command -v openssl >/dev/null 2>&1; then
	fail openssl_cli "the openssl command is missing (apt-get install openssl)"
	finish
fi
mkdir -p "$P"

if pki_ca agency-ca && pki_ca isp-ca && pki_ca rogue-ca &&
    pki_leaf lemf isp-ca lemf.agency.example &&
    pki_leaf client agency-ca hi2.isp.example &&
    pki_leaf rogue rogue-ca rogue.example; then
	pass certificates_made
else
	fail certificates_made "$(cat "$WORK/openssl.err")"
	finish
fi

rm -f "$WORK/ready"
spawn LPID "$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT" \
    --tls-cert "$P/lemf.crt" --tls-key "$P/lemf.key" \
    --tls-ca "$P/agency-ca.crt" --ready-file "$WORK/ready" \
    2>>"$WORK/lemf.err"
poll 10 test -s "$WORK/ready" || {
	fail started "$(cat "$WORK/lemf.err")"
	finish
}
PORT=$(cat "$WORK/ready")
grep -q 'TLS 1.3, client certificates required' "$WORK/lemf.err" &&
    pass started_tls || fail started_tls "$(cat "$WORK/lemf.err")"

ack=$("$SEND" --connect "127.0.0.1:$PORT" --tls-ca "$P/isp-ca.crt" \
    --tls-cert "$P/client.crt" --tls-key "$P/client.key" --liid TLS-1 \
    --iri 2 --cc 3 --keepalive --wait-ack 2>>"$WORK/send.err")
[ "$ack" = ack ] && pass tls_delivery_acked ||
    fail tls_delivery_acked "$(cat "$WORK/send.err" "$WORK/lemf.err")"

# no client certificate
"$SEND" --connect "127.0.0.1:$PORT" --tls-ca "$P/isp-ca.crt" \
    --liid NOCERT --iri 1 --keepalive --wait-ack >/dev/null 2>&1 &&
    fail no_client_cert_refused "it was acknowledged" ||
    pass no_client_cert_refused
# a certificate from a CA the agency does not trust
"$SEND" --connect "127.0.0.1:$PORT" --tls-ca "$P/isp-ca.crt" \
    --tls-cert "$P/rogue.crt" --tls-key "$P/rogue.key" --liid ROGUE \
    --iri 1 --keepalive --wait-ack >/dev/null 2>&1 &&
    fail rogue_cert_refused "it was acknowledged" || pass rogue_cert_refused
# plain TCP to a TLS port
"$SEND" --connect "127.0.0.1:$PORT" --liid PLAIN --iri 1 --keepalive \
    --wait-ack >/dev/null 2>&1 && fail plain_tcp_refused ||
    pass plain_tcp_refused
alive "$LPID" && pass still_running || fail still_running
stop_pid "$LPID"

n=$(jq -s 'map(select(.liid == "TLS-1")) | length' "$OUT/iri.jsonl")
o=$(jq -s 'map(select(.liid != "TLS-1")) | length' "$OUT/iri.jsonl")
[ "$n" = 2 ] && [ "$o" = 0 ] && pass only_authenticated_stored ||
    fail only_authenticated_stored "$n TLS-1 lines, $o others"
c=$(tshark -r "$OUT/cc.pcap" 2>/dev/null | wc -l)
[ "$c" = 3 ] && pass tls_cc_stored || fail tls_cc_stored "$c packets"
grep -q 'TLS handshake failed' "$WORK/lemf.err" &&
    pass handshake_failures_reported ||
    fail handshake_failures_reported "$(cat "$WORK/lemf.err")"

# usage: --tls-ca without a server certificate is refused
"$CUSTOS" lemf --listen 127.0.0.1:0 --out "$OUT" --tls-ca "$P/agency-ca.crt" \
    >/dev/null 2>&1
[ $? = 2 ] && pass tls_ca_alone_refused || fail tls_ca_alone_refused
finish
