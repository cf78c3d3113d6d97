#!/usr/bin/env bash
# demo.sh [run] | start | stop: the dashboard on a local demo lab.
#
# run (the default, `make demo`): start, then open the dashboard on
#   DEMO/endpoints.ini with history in DEMO/history.db, and stop the lab
#   when the dashboard exits (q, Ctrl-C, or this script being killed).
# start: the test lab (tests/lab/lab.sh) in DEMO/lab, a flapping listener
#   of our own, and the config DEMO/endpoints.ini naming them. Returns once
#   everything listens. With LAB_OWNER=PID everything exits when PID dies.
# stop: ends what start started.
#
# The demo endpoints: healthy ones (plain, HSTS, a JSON API), an unhealthy
# JSON API, an expired certificate, a certificate for another host, one
# about to expire, a slow first byte, a listener that is up FLAP_UP seconds
# and gone FLAP_DOWN seconds (labsrv started and killed on the same port),
# and a closed port. Everything is on 127.0.0.1: nothing leaves the machine.
# Alerts go out too: a command notifier (DEMO/alert-to-file.sh) appends one
# line per alert to DEMO/alerts.log (the dashboard's `a` pane shows them;
# the last lines are printed when the dashboard exits).
#
# Environment: BUILD (default build), DEMO (default $BUILD/demo),
# HTTPSMON_BIN (default bin/httpsmon), FLAP_UP / FLAP_DOWN (seconds,
# default 12 / 8), DEMO_INTERVAL (default 2s).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
DEMO=${DEMO:-$BUILD/demo}
BIN=${HTTPSMON_BIN:-bin/httpsmon}
FLAP_UP=${FLAP_UP:-12}
FLAP_DOWN=${FLAP_DOWN:-8}
DEMO_INTERVAL=${DEMO_INTERVAL:-2s}
export BUILD
lab=$DEMO/lab
labsrv=$top/$BUILD/tests/lab/labsrv

die() {
	echo "demo.sh: $*" >&2
	exit 1
}

# wait_file FILE SECONDS
wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# The flapping listener: labsrv serving the good certificate on one port,
# killed and started again forever. Runs in the background; its labsrv
# watches it (-p), and it watches LAB_OWNER, so nothing outlives the demo.
flapper() {
	local me=$BASHPID child='' nap=''
	trap 'kill $child $nap 2>/dev/null; exit 0' TERM INT HUP
	while :; do
		if [ -n "${LAB_OWNER:-}" ] && ! kill -0 "$LAB_OWNER" 2>/dev/null; then
			exit 0
		fi
		rm -f "$DEMO/flap.ports"
		(cd "$lab/certs" && exec "$labsrv" -p "$me" "$DEMO/flap.spec" "$DEMO/flap.ports") \
			</dev/null >>"$DEMO/flap.log" 2>&1 &
		child=$!
		sleep "$FLAP_UP" & nap=$!
		wait "$nap" || true
		kill "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
		child=''
		sleep "$FLAP_DOWN" & nap=$!
		wait "$nap" || true
	done
}

port() { awk -v n="$1" '$1 == n { print $2 }' "$lab/ports"; }

write_config() {
	local flap_port=$1
	cat >"$DEMO/endpoints.ini" <<EOF
# Written by scripts/demo.sh: the demo lab on 127.0.0.1 (ports change on
# every start). Certificates come from the lab's own root.
[defaults]
ca_file = lab/certs/root.pem
interval = $DEMO_INTERVAL
timeout = $DEMO_INTERVAL
fail_after = 2
latency_warn = 1s
latency_down = 5s
notify = demo-log
# posture passes (a handful of extra handshakes) within a minute instead of daily
posture_interval = 1m

# Every alert as one line in alerts.log (press a in the dashboard for the alerts pane).
[notify:demo-log]
type = command
command = $DEMO/alert-to-file.sh $DEMO/alerts.log
on = down, up, warn, cert_expiring, cert_changed
group_wait = 2s

[www]
url = https://localhost:$(port good)/
tags = web

[www-hsts]
url = https://localhost:$(port good_hsts)/
expect_hsts = yes
tags = web

[api]
url = https://localhost:$(port good)/health
expect_json = status == "ok"
tags = api

[api-degraded]
url = https://localhost:$(port unhealthy)/health
expect_json = status == "ok"
tags = api

[expired-cert]
url = https://localhost:$(port expired)/
tags = web

[wrong-host]
url = https://localhost:$(port wronghost)/
tags = web

[expiring-cert]
url = https://localhost:$(port soon)/
cert_crit_days = 1
tags = web

[slow]
url = https://localhost:$(port slow)/
tags = api

# still accepts TLS 1.0 only: a posture pass grades it C (tls_legacy_offered)
[legacy-tls]
url = https://localhost:$(port tls10only)/
min_tls = 1.0
tags = web

[flapping]
url = https://localhost:$flap_port/
tags = api

[down]
url = https://localhost:$(port closed)/
tags = web
EOF
}

start() {
	[ -x "$labsrv" ] || die "$labsrv not built (make $BUILD/tests/lab/labsrv)"
	[ -x "$BIN" ] || die "$BIN not built (make)"
	mkdir -p "$DEMO"
	stop >/dev/null 2>&1 || true
	LAB_CACHE="$BUILD/tests/lab/certs-cache" tests/lab/lab.sh start "$lab" || die "the lab did not start"
	DEMO=$(cd "$DEMO" && pwd)
	lab=$DEMO/lab

	# the flapping listener takes a free port once and keeps it
	: >"$DEMO/flap.log"
	rm -f "$DEMO/flap.ports"
	echo "flapping tls 0 cert=good-chain.pem key=good.key body=%7B%22status%22:%22ok%22%7D" >"$DEMO/flap.spec"
	(cd "$lab/certs" && exec "$labsrv" "$DEMO/flap.spec" "$DEMO/flap.ports") </dev/null >>"$DEMO/flap.log" 2>&1 &
	local first=$!
	wait_file "$DEMO/flap.ports" 10 || { kill "$first" 2>/dev/null; die "the flapping listener did not start"; }
	local fport
	fport=$(awk '$1 == "flapping" { print $2 }' "$DEMO/flap.ports")
	kill "$first"; wait "$first" 2>/dev/null || true
	echo "flapping tls $fport cert=good-chain.pem key=good.key body=%7B%22status%22:%22ok%22%7D" >"$DEMO/flap.spec"
	flapper </dev/null >/dev/null 2>&1 &
	echo $! >"$DEMO/flap.pid"
	wait_file "$DEMO/flap.ports" 10 || die "the flapping listener did not start again"

	cat >"$DEMO/alert-to-file.sh" <<'SH'
#!/bin/sh
# The demo's command notifier: one line per message, from httpsmon's HTTPSMON_* variables.
printf '%s %-13s %s (%s): %s\n' "$(date -u +%H:%M:%S)" "$HTTPSMON_KIND" "$HTTPSMON_ENDPOINT" \
	"$HTTPSMON_COUNT" "$HTTPSMON_MESSAGE" >>"$1"
SH
	chmod +x "$DEMO/alert-to-file.sh"
	write_config "$fport"
	"$BIN" check-config "$DEMO/endpoints.ini" >/dev/null || die "the demo config does not validate"
}

stop() {
	local pid
	if [ -f "$DEMO/flap.pid" ]; then
		pid=$(cat "$DEMO/flap.pid")
		rm -f "$DEMO/flap.pid"
		kill "$pid" 2>/dev/null || true
	fi
	tests/lab/lab.sh stop "$lab"
}

case ${1:-run} in
run)
	[ -t 0 ] && [ -t 1 ] || die "the dashboard needs a terminal"
	export LAB_OWNER=$$
	trap stop EXIT
	# Ctrl-C reaches the dashboard too, which quits; this script then stops the lab
	trap : INT
	trap 'exit 143' TERM HUP
	shown=$DEMO # as given (start makes DEMO absolute): the header shows this path
	start
	echo "demo lab up; config $shown/endpoints.ini; alerts to $shown/alerts.log; opening the dashboard (a: alerts, q quits)" >&2
	rc=0
	"$BIN" -c "$shown/endpoints.ini" --db "$shown/history.db" || rc=$?
	if [ -s "$DEMO/alerts.log" ]; then
		echo "alerts sent by the demo's command notifier (the last of $shown/alerts.log):" >&2
		tail -n 8 "$DEMO/alerts.log" >&2
	fi
	exit "$rc"
	;;
start) start ;;
stop) stop ;;
*)
	echo "usage: demo.sh [run | start | stop]" >&2
	exit 2
	;;
esac
