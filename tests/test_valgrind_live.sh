#!/usr/bin/env bash
# The two long-running modes under valgrind, ended the way an operator ends
# them: a headless collector with `listen` set, its /metrics and /api/v1
# scraped by curl (with and without the token, a malformed path), a
# `--view --remote` viewer on it in tmux taken through its detail and
# history panes and an outage's probes, then q; then SIGTERM to the
# collector. Each must exit 0 with no definite or indirect leak and no
# memory error. The other tests end collectors with SIGKILL (no leak check
# at exit) and run the viewer unchecked, so this is where the exit paths
# of the listener, the uptime cache, the revocation engine and the remote
# viewer's fetches are checked. Skipped in a sanitizer build (make asan
# checks those exits there) and without valgrind. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"

if [ "${SANITIZED:-}" = 1 ]; then
	skip "valgrind: collector and remote viewer" "sanitizer build (valgrind runs on the plain build)"
	exit 0
elif ! command -v valgrind >/dev/null 2>&1; then
	skip "valgrind: collector and remote viewer" "valgrind not installed"
	exit 0
fi
tmux_setup httpsmon-vglive "valgrind: collector and remote viewer"
cpid=
cleanup_all() {
	[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	cleanup
}
trap cleanup_all EXIT
check() {
	local d=$1; shift
	if "$@"; then ok "$d"
	else notok "$d" "$(tail -8 "$work/collector.out" 2>/dev/null)" "$(T capture-pane -p -t ui 2>/dev/null | tail -12)"; fi
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# tests/valgrind.supp: a glibc defect valgrind's own exit hook reaches (see there)
VG=(valgrind -q --suppressions="$PWD/tests/valgrind.supp" --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
	--error-exitcode=99)
# vg_clean DESC LOG: the valgrind log of a process that exited holds no report (with -q every
# '==PID==' line is one; '--PID--' lines are valgrind's own warnings, such as a syscall it lacks)
vg_clean() {
	if [ -f "$2" ] && ! grep -qE '^==[0-9]+==' "$2"; then ok "$1"; else notok "$1" "$(head -40 "$2" 2>/dev/null)"; fi
}

lab_up || { notok "lab starts"; exit 1; }
hp=$(free_port)
token=tok-$RANDOM$RANDOM
# timeout: a handshake under valgrind on a loaded machine took 2.1 s; at 1.5 s the expired
# endpoint's probes timed out instead of failing on its certificate, and the panes below
# waited for a cert_expired outage that never came
cat >"$work/endpoints.ini" <<EOF
[defaults]
ca_file = $ca
interval = 4s
timeout = 3500ms
listen = 127.0.0.1:$hp
listen_token = $token
location = lab-vg
[good]
url = https://localhost:$(port good)/
[expired]
url = https://localhost:$(port expired)/
[closed]
url = https://localhost:$(port closed)/
EOF

# ---- the collector, scraped -------------------------------------------------------------
"${VG[@]}" --log-file="$work/vg-collector.log" "$BIN" --headless -c "$work/endpoints.ini" --db "$work/history.db" \
	>"$work/collector.out" 2>&1 &
cpid=$!
A="Authorization: Bearer $token"
up() { curl -sf -m 5 -H "$A" -o /dev/null "http://127.0.0.1:$hp/metrics"; }
check "the collector under valgrind serves /metrics" wait_for 60 up
down_seen() { curl -s -m 5 -H "$A" "http://127.0.0.1:$hp/api/v1/endpoints" | grep -q '"state":"down"'; }
check "the collector under valgrind judges the expired endpoint DOWN" wait_for 60 down_seen
now=$(date +%s%3N)
codes=""
for i in 1 2 3; do
	for path in /metrics /api/v1/endpoints /api/v1/endpoints/expired /api/v1/outages \
		"/api/v1/series?endpoint=good&from=$((now - 600000))&until=$now&step=60000" \
		"/api/v1/probes?endpoint=expired&from=$((now - 600000))&until=$now"; do
		codes+=" $(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "$A" "http://127.0.0.1:$hp$path")"
	done
	codes+=" $(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hp/metrics")"
	codes+=" $(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "$A" "http://127.0.0.1:$hp/api/v1/endpoints/%00%ff")"
done
want=" 200 200 200 200 200 200 401 404"
check "three scrapes of every path: 200, 401 without the token, 404 for a name no endpoint has" \
	test "$codes" = "$want$want$want"

# ---- the remote viewer ----------------------------------------------------------------------
cmd="env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 ${VG[*]} \
--log-file=$work/vg-viewer.log $BIN --view --remote http://127.0.0.1:$hp --token $token; echo VIEWER-EXIT \$?; sleep 600"
T -f /dev/null new-session -d -s ui -x 120 -y 30 "$cmd" || { notok "tmux session starts"; exit 1; }
on_screen() { T capture-pane -p -t ui | grep -qE -- "$1"; }
check "the viewer under valgrind shows the collector" wait_for 60 on_screen '^lab-vg ok \(3 endpoints\)'
T send-keys -t ui / expired Enter
T send-keys -t ui Enter
check "its detail pane" wait_for 30 on_screen '^expired from lab-vg'
T send-keys -t ui h
check "its history pane with the outage" wait_for 30 on_screen 'ongoing .*cert_expired'
T send-keys -t ui Enter
check "the outage's probes and the certificate served then" wait_for 30 on_screen 'CN=expired\.lab\.test'
T send-keys -t ui Escape Escape Escape q
check "q: the viewer exits 0" wait_for 60 on_screen '^VIEWER-EXIT 0'
vg_clean "valgrind: the remote viewer, through its panes to q, is clean" "$work/vg-viewer.log"

# ---- SIGTERM ------------------------------------------------------------------------------------
kill -TERM "$cpid"
wait "$cpid"
rc=$?
cpid=
check "SIGTERM: the collector under valgrind exits 0 (99: valgrind found errors)" test "$rc" = 0
vg_clean "valgrind: the collector with its listener, scraped, to SIGTERM, is clean" "$work/vg-collector.log"
