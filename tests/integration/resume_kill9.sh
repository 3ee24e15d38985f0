#!/bin/sh
# resume_kill9 - an ingest killed with SIGKILL at several points and run
# again ends with exactly the store one clean run gives; ingesting the same
# files again adds nothing.
#
# Input: two days of FreeRADIUS detail files (one per day) written here
# with awk, a few thousand subscribers, addresses reused across them, some
# sessions left open.  The size grows until one clean ingest takes long
# enough (two seconds or more) for the kills to land inside it, between
# its commits.
T=resume_kill9
. "${TOP:-$(pwd)}/tests/integration/lib.sh.inc"

if ! command -v jq >/dev/null 2>&1; then
	fail prerequisites "jq is not installed (scripts/deps installs it)"
	finish
fi
if ! have_cli; then
	fail "custos ingest exists" "$CUSTOS ingest --help failed"
	finish
fi

IN="$WORK/in"
DAY0=1795910400		# 2026-11-29T00:00:00Z

# gen - SUBSCRIBERS DAYS: detail files $IN/detail-YYYYMMDD
gen() {
	rm -rf "$IN"
	mkdir -p "$IN"
	awk -v subs="$1" -v days="$2" -v day0="$DAY0" '
	function hdr(t) { return strftime("%a %b %e %H:%M:%S %Y", t, 1) }
	function ev(t) { return strftime("%b %e %Y %H:%M:%S UTC", t, 1) }
	function rec(t, type, i, sid, ip, st,   r) {
		r = hdr(t) "\037"
		r = r "\tAcct-Status-Type = " type "\037"
		r = r "\tUser-Name = \"sub" i "@isp.example\"\037"
		r = r "\tAcct-Session-Id = \"" sid "\"\037"
		r = r "\tNAS-IP-Address = 192.0.2." (1 + i % 4) "\037"
		r = r "\tNAS-Port-Id = \"ge-1/0/" (i % 48) "." (100 + i % 900) "\"\037"
		r = r "\tNAS-Port-Type = Ethernet\037"
		r = r "\tFramed-IP-Address = " ip "\037"
		if (i % 5 == 0)
			r = r "\tDelegated-IPv6-Prefix = 2001:db8:" \
			    sprintf("%x", 4096 + i) ":ff00::/56\037"
		r = r sprintf("\tCalling-Station-Id = \"02:00:00:%02x:%02x:%02x\"\037",
		    int(i / 65536) % 256, int(i / 256) % 256, i % 256)
		if (st != "")
			r = r "\tAcct-Session-Time = " st "\037"
		r = r "\tEvent-Timestamp = \"" ev(t) "\"\037"
		r = r "\tAcct-Delay-Time = 0\037"
		r = r "\tTimestamp = " t "\037"
		return r
	}
	function out(t, r) { printf "%d\t%09d\t%s\n", t, ++seq, r }
	BEGIN {
		pool = int(subs * 3 / 4)	# fewer addresses than subscribers
		for (d = 0; d < days; d++) {
			base = day0 + d * 86400
			for (i = 0; i < subs; i++) {
				s = base + (i * 7919 + d * 104729) % 80000
				dur = 300 + (i * 131 + d * 17) % 5400
				k = (i + d * 37) % pool
				ip = "100.64." int(k / 250) "." (1 + k % 250)
				sid = sprintf("%08X", d * 1000000 + i)
				out(s, rec(s, "Start", i, sid, ip, ""))
				if (dur > 600)
					out(s + 300, rec(s + 300, "Interim-Update",
					    i, sid, ip, 300))
				# the last day leaves some sessions open
				if (d < days - 1 || i % 10 != 0)
					out(s + dur, rec(s + dur, "Stop", i,
					    sid, ip, dur))
			}
		}
	}' | sort -t "$(printf '\t')" -k1,1n -k2,2 |
	awk -F '\t' -v dir="$IN" '
	{
		f = dir "/detail-" strftime("%Y%m%d", $1, 1)
		if (f != cur) {
			if (cur != "")
				close(cur)
			cur = f
		}
		r = $0
		sub(/^[^\t]*\t[^\t]*\t/, "", r)
		gsub(/\037/, "\n", r)
		printf "%s\n", r > f
	}'
}

# ms - milliseconds since the epoch
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ingest - STORE: plain ingest of every input file, summary in
# $WORK/STORE.out; the exit status is custos's
ingest() {
	"$CUSTOS" ingest --data "$WORK/$1/data" --keys "$WORK/$1/keys" \
	    --format radius-detail --tz UTC --quiet --json "$IN"/detail-* \
	    >"$WORK/$1.out" 2>"$WORK/$1.err"
}

# --- store A: one clean run, on an input big enough --------------------------
subs=2000
while :; do
	gen "$subs" 2
	new_store a
	t=$(ms)
	ingest a
	rc=$?
	el=$(($(ms) - t))
	nrec=$(cat "$IN"/detail-* | grep -c '^[[:space:]]Acct-Status-Type')
	note "$subs subscribers, $nrec records: clean ingest ${el} ms (rc $rc)"
	[ $rc -ne 0 ] && break
	[ "$el" -ge 2000 ] && break
	[ "$subs" -ge 64000 ] && break
	subs=$((subs * 2))
done
if [ $rc -eq 0 ] && jq -e --argjson n "$nrec" \
    '.records == $n and .rejected == 0 and .bindings_added > 0' \
    "$WORK/a.out" >/dev/null 2>&1; then
	pass "clean ingest: every record read, none rejected"
else
	fail "clean ingest: every record read, none rejected" \
	    "rc=$rc summary: $(cat "$WORK/a.out") $(tail -3 "$WORK/a.err")"
	finish
fi
dump_json a "$WORK/a1.json"
if [ -s "$WORK/a1.json" ] && jq -e . "$WORK/a1.json" >/dev/null 2>&1; then
	pass "dump: store A dumps as JSON"
else
	fail "dump: store A dumps as JSON" "$(tail -3 "$WORK/custos.err")"
	finish
fi

# --- store B: killed again and again ------------------------------------------
# Each run resumes the last.  The kills come at changing fractions of the
# clean run's time: some before the first commit, some after one (an
# ingest commits at least every second, and the clean run takes two or
# more), the last late enough for a run to end by itself, which stops the
# loop.  After each kill the store must open, and at least once it must
# hold part of the bindings: a kill that landed between commits.
new_store b
total=$(wc -l <"$WORK/a1.json")
k=0
killed=0
partial=0
done_rc=""
while [ $k -lt 30 ]; do
	set -- 15 70 35 90 50 120
	shift $((k % 6))
	d=$((el * $1 / 100))
	spawn BPID "$CUSTOS" ingest --data "$WORK/b/data" \
	    --keys "$WORK/b/keys" --format radius-detail --tz UTC --quiet \
	    --json "$IN"/detail-* >"$WORK/b.out" 2>"$WORK/b.err"
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	if alive "$BPID"; then
		kill -KILL "$BPID"
		stop_pid "$BPID"
		killed=$((killed + 1))
		if dump_json b "$WORK/b.mid"; then
			n=$(wc -l <"$WORK/b.mid")
			note "kill $killed after $d ms: $n of $total bindings"
			[ "$n" -gt 0 ] && [ "$n" -lt "$total" ] &&
			    partial=$((partial + 1))
		else
			note "kill $killed after $d ms: store does not dump"
			partial=-1000
		fi
	else
		stop_pid "$BPID"
		done_rc=$STOP_RC
		break
	fi
	k=$((k + 1))
done
note "store B: $killed runs killed, then a run completed (rc ${done_rc:-none})"
if [ "$killed" -ge 2 ] && [ "$done_rc" = 0 ]; then
	pass "kill -9: $killed killed runs, then one completed"
elif [ "$killed" -lt 2 ]; then
	fail "kill -9: runs killed in the middle" \
	    "only $killed of the runs were still going when killed"
else
	fail "kill -9: resumed run completes" \
	    "rc=${done_rc:-none} after $killed kills: $(tail -3 "$WORK/b.err")"
fi
if [ "$partial" -gt 0 ]; then
	pass "kill -9: a kill landed between commits"
else
	fail "kill -9: a kill landed between commits" \
	    "the store never held part of the bindings after a kill" \
	    "(or did not dump)"
fi

# one more run to completion: nothing left to add
ingest b
rc=$?
if [ $rc -eq 0 ] && jq -e '.bindings_added == 0 and .bindings_updated == 0' \
    "$WORK/b.out" >/dev/null 2>&1; then
	pass "kill -9: a further run adds nothing"
else
	fail "kill -9: a further run adds nothing" \
	    "rc=$rc summary: $(cat "$WORK/b.out") $(tail -3 "$WORK/b.err")"
fi

dump_json b "$WORK/b1.json"
if [ -s "$WORK/b1.json" ] && cmp -s "$WORK/a1.json" "$WORK/b1.json"; then
	pass "kill -9: store equals the clean run's, dump for dump"
else
	fail "kill -9: store equals the clean run's, dump for dump" \
	    "bindings: $(wc -l <"$WORK/a1.json") clean, $(wc -l <"$WORK/b1.json") resumed"
	diff "$WORK/a1.json" "$WORK/b1.json" | head -10 | cut -c1-300 >&2
fi

# --- store A again: idempotent ---------------------------------------------------
ingest a
rc=$?
dump_json a "$WORK/a2.json"
if [ $rc -eq 0 ] &&
    jq -e '.bindings_added == 0 and .bindings_updated == 0' "$WORK/a.out" \
    >/dev/null 2>&1 &&
    cmp -s "$WORK/a1.json" "$WORK/a2.json"; then
	pass "idempotent: ingesting again changes nothing"
else
	fail "idempotent: ingesting again changes nothing" \
	    "rc=$rc summary: $(cat "$WORK/a.out")"
	diff "$WORK/a1.json" "$WORK/a2.json" | head -10 | cut -c1-300 >&2
fi

finish
