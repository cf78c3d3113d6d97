#!/usr/bin/env bash
# bench/storm.sh: an alert storm. STORM_N endpoints (host-<i>.storm.bench.test,
# each pinned to 127.0.0.1) on one labsrv TLS listener, every one at
# STORM_INTERVAL with fail_after 2, notifying a webhook (tests/lib/receiver.py,
# group_wait STORM_GROUP_WAIT) and a real Alertmanager (if
# /usr/bin/prometheus-alertmanager is there). After STORM_WARM_S seconds
# of everything UP the listener is killed: every endpoint goes DOWN within
# one interval.
#
# Measured, on the real headless collector:
#  - confirmation to delivery: the collector logs each delivered message
#    with the time since its first alert was raised (the outage confirmed);
#    for the grouped webhook message that is the target (< group_wait + 1 s);
#  - the endpoints in the webhook's grouped message(s);
#  - probe scheduling lateness during the storm: the stored probe start times
#    of each endpoint, the gap between two starts minus the interval, p50 /
#    p99 / max over the STORM_MEASURE_S seconds after the kill (the same
#    without the storm is in the scheduler bench).
#
# Output: a summary on stdout and in bench/out/storm.md.
# Environment: BUILD, HTTPSMON, LABSRV, STORM_N (1000), STORM_INTERVAL (5s),
# STORM_GROUP_WAIT (10s), STORM_WARM_S (15), STORM_MEASURE_S (30).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
N=${STORM_N:-1000}
IV=${STORM_INTERVAL:-5s}
GW=${STORM_GROUP_WAIT:-10s}
WARM=${STORM_WARM_S:-15}
MEASURE=${STORM_MEASURE_S:-30}
PY=/usr/bin/python3

work=$BUILD/bench/storm
out=bench/out

die() {
	echo "storm: $*" >&2
	exit 1
}

. "$here/lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work/recv" "$work/am/data" "$out"
work=$(cd "$work" && pwd)
tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
echo "storm tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok" >"$work/spec"
labsrv_start
port=$(awk '$1 == "storm" { print $2 }' "$work/ports")

"$PY" tests/lib/receiver.py "$work/recv" 0 2>"$work/recv/log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/recv/port" ] && break; sleep 0.1; done
recv_port=$(cat "$work/recv/port")

am=""
if [ -x /usr/bin/prometheus-alertmanager ]; then
	am_port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' >"$work/am/am.yml"
	/usr/bin/prometheus-alertmanager --config.file="$work/am/am.yml" --storage.path="$work/am/data" \
		--web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= --log.level=warn \
		>"$work/am/log" 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$am_port/-/ready" && break; sleep 0.1; done
	am=", am"
fi

{
	printf '[defaults]\nca_file = %s/certs/root.pem\ninterval = %s\ntimeout = 2s\nfail_after = 2\n' "$work" "$IV"
	printf 'max_inflight = 1000\nnotify = hook%s\n' "$am"
	printf '[notify:hook]\ntype = webhook\nurl = http://127.0.0.1:%s/storm\ngroup_wait = %s\non = down, up\n' \
		"$recv_port" "$GW"
	[ -n "$am" ] && printf '[notify:am]\ntype = alertmanager\nurl = http://127.0.0.1:%s\n' "$am_port"
	for i in $(seq "$N"); do
		printf '[e%d]\nurl = https://host-%d.storm.bench.test:%s/\nresolve = host-%d.storm.bench.test:%s:127.0.0.1\n' \
			"$i" "$i" "$port" "$i" "$port"
	done
} >"$work/endpoints.ini"
"$HTTPSMON" check-config "$work/endpoints.ini" >/dev/null || die "the storm config does not validate"

db=$work/history.db
"$HTTPSMON" --headless -c "$work/endpoints.ini" --db "$db" 2>"$work/collector.log" &
cpid=$!
pids+=($cpid)
echo "storm: $N endpoints at $IV, all UP for ${WARM}s, then the listener goes away" >&2
sleep "$WARM"
kill_ms=$(date +%s%3N)
kill "$srv_pid"
wait "$srv_pid" 2>/dev/null || true
srv_pid=
sleep "$MEASURE"
kill "$cpid"
wait "$cpid" 2>/dev/null || true

iv_ms=$("$PY" -c "import re,sys; v='$IV'; m=re.fullmatch(r'(\d+)(ms|s|m)', v); print(int(m[1]) * {'ms': 1, 's': 1000, 'm': 60000}[m[2]])")
late=$(sqlite3 "$db" "
	WITH p AS (SELECT endpoint_id, t_ms, t_ms - lag(t_ms) OVER (PARTITION BY endpoint_id ORDER BY t_ms) AS gap
	           FROM probe WHERE t_ms >= $kill_ms AND t_ms < $kill_ms + $MEASURE * 1000)
	SELECT gap - $iv_ms FROM p WHERE gap IS NOT NULL ORDER BY 1" | "$PY" -c '
import sys
v = [float(x) for x in sys.stdin.read().split()]
if not v: print("n=0"); sys.exit()
def q(p):
    import math
    return v[max(0, min(len(v) - 1, math.ceil(p * len(v)) - 1))]
print("n=%d p50=%.0f p99=%.0f max=%.0f" % (len(v), q(.5), q(.99), v[-1]))')

hook=$(grep 'notify hook: down delivered' "$work/collector.log" | head -3)
amline=$(grep 'notify am: down delivered' "$work/collector.log" | head -3)
msgs=$(grep -c '"kind\\": \?\\"down\\"' "$work/recv/requests.jsonl" 2>/dev/null || true)
{
	echo "### Alert storm (\`bench/storm.sh\`, $N endpoints down at once, interval $IV, group_wait $GW)"
	echo
	echo "- webhook: $(grep -c 'notify hook: down delivered' "$work/collector.log") grouped down message(s) delivered:"
	echo '```'
	echo "$hook"
	[ -n "$amline" ] && echo "$amline"
	echo '```'
	echo "- probe start lateness after the kill (gap between starts minus the interval, ms): $late"
} | tee "$out/storm.md"
