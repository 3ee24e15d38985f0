#!/bin/sh
# serve - custos serve: the purge on its timer (a day past retention is
# destroyed without anyone running custos purge), --once for cron, a
# clean stop on SIGTERM, and the tap it keeps running on a live interface
# restarted when the intercepts in force change.
T=serve
. "$TOP/tests/integration/lib.sh.inc"
. "$TOP/tests/integration/li.sh.inc"

CONF="$WORK/custos.conf"
{ cat "$CUSTOS_CONFIG"; echo "retention_days = 7"; } >"$CONF"
export CUSTOS_CONFIG="$CONF"
new_store s
S="--data $WORK/s/data --keys $WORK/s/keys"
for d in 2026-11-10 2026-11-14 2026-11-20; do
	t0=$(epoch "${d}T10:00:00Z")
	detail_rec Start "serve-$d@isp.example" "s-$d" 100.80.1.7 \
	    02:77:00:00:00:01 "$t0"
done >"$WORK/detail"
"$CUSTOS" ingest $S --tz UTC --quiet "$WORK/detail" >/dev/null 2>&1

# --once: one purge pass, as cron would run it
export CUSTOS_NOW=2026-11-20T12:00:00Z
if "$CUSTOS" serve $S --once >"$WORK/once.out" 2>&1 &&
    grep -q 'destroyed [a-z]* 2026-11-10' "$WORK/once.out" &&
    ! grep -q 'destroyed [a-z]* 2026-11-14' "$WORK/once.out"; then
	pass once_purges_what_is_due
else
	fail once_purges_what_is_due "$(cat "$WORK/once.out")"
fi

# the daemon: the clock moves on, the timer purges the next day by itself
export CUSTOS_NOW=2026-11-22T12:00:00Z
spawn SV "$CUSTOS" serve $S --purge-every 1 >"$WORK/serve.out" 2>&1
if poll 15 grep -q 'destroyed [a-z]* 2026-11-14' "$WORK/serve.out"; then
	pass timer_purges_by_itself
else
	fail timer_purges_by_itself "$(cat "$WORK/serve.out")"
fi
if [ "$(grep -c 'serve: purge$' "$WORK/serve.out")" -ge 1 ] &&
    ! grep -q 'destroyed [a-z]* 2026-11-20' "$WORK/serve.out"; then
	pass keeps_what_is_not_due
else
	fail keeps_what_is_not_due "$(cat "$WORK/serve.out")"
fi
stop_pid "$SV"
if [ "$STOP_RC" = 0 ] && grep -q 'serve: stopped' "$WORK/serve.out"; then
	pass sigterm_stops_cleanly
else
	fail sigterm_stops_cleanly "exit $STOP_RC: $(tail -3 "$WORK/serve.out")"
fi

# with --interface: the tap runs, and is restarted when an intercept stops
if [ "$(id -u)" -eq 0 ]; then
	LEMF_PORT=0
	li_setup
	live_clock
	CASE=$(t3_case ip:127.0.0.56)
	lemf_start lemf
	agency_add FBI
	"$CUSTOS" intercept new $S --case "$CASE" --agency FBI \
	    --liid LIID-SERVE --target ip:127.0.0.56 --by alice >/dev/null 2>&1
	spawn SV "$CUSTOS" serve $S --interface lo --check-every 1 \
	    --purge-every 3600 >"$WORK/serve2.out" 2>&1
	if poll 10 grep -q 'tap started' "$WORK/serve2.out" &&
	    poll 10 sh -c "pgrep -u nobody -f 'custos serve' >/dev/null"; then
		pass tap_kept_running
	else
		fail tap_kept_running "$(cat "$WORK/serve2.out")"
	fi
	"$CUSTOS" intercept stop I-1 $S --reason "test" --by alice >/dev/null 2>&1
	if poll 15 grep -q 'intercepts changed' "$WORK/serve2.out"; then
		pass tap_restarted_on_change
	else
		fail tap_restarted_on_change "$(cat "$WORK/serve2.out")"
	fi
	stop_pid "$SV"
	stop_pid "$LEMF_PID"
	if ! pgrep -f "custos serve $S" >/dev/null 2>&1; then
		pass no_tap_left_behind
	else
		fail no_tap_left_behind
	fi
fi
finish
