#!/usr/bin/env bash
# httpsmon --view --remote (issue 12): the read-only dashboard on collectors
# elsewhere, through their HTTP API, in tmux (120x30), against real headless
# collectors on loopback watching the lab:
#  - the option errors (exit 3, clear words, the token never echoed);
#  - the API's additions: /api/v1/endpoints names the location and gives
#    recent_ms; /api/v1/series answers the history chart;
#  - one collector: its rows and states, its GRADE column, the detail (chain, events) and the
#    history pane (uptimes, outages) of a row;
#  - two collectors (one with a location, one without) merged: a LOCATION
#    column, the same endpoint's rows side by side when sorted by name;
#  - a killed collector: UNREACHABLE with the reason, its rows kept and
#    marked stale; back again: ok, nothing stale;
#  - a wrong token: HTTP 401 said, the token never shown;
#  - hostile servers (not JSON, control characters and overlong strings,
#    an answer over the size bound): the dashboard keeps running, says
#    why, and no raw control byte reaches the terminal (tmux's pane title
#    stays ours, the escapes are shown escaped).
set -u

. "$(dirname "$0")/lib/harness.sh"

tmux_setup httpsmon-remote "--view --remote in tmux"
pids=()
cleanup_all() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	cleanup
}
trap cleanup_all EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- option errors -------------------------------------------------------------------
# opt_err DESC WANT ARGS...: exit 3 and WANT in the message
opt_err() {
	local d=$1 want=$2 out rc; shift 2
	out=$("$BIN" "$@" 2>&1 </dev/null); rc=$?
	if [ $rc -eq 3 ] && grep -qF -- "$want" <<<"$out" && ! grep -q 'sekrit' <<<"$out"; then ok "$d"
	else notok "$d" "exit $rc" "$out"; fi
}
opt_err "--remote without --view" "--remote goes with --view" --remote http://127.0.0.1:9469
opt_err "--remote with --headless" "--remote goes with --view" --headless --remote http://127.0.0.1:9469
opt_err "--token without --remote" "--token goes with --remote URL" --view --token sekrit
opt_err "--remote with --db" "either a database (--db FILE) or collectors (--remote URL)" \
	--view --db /nonexistent --remote http://127.0.0.1:9469
opt_err "a URL without a scheme" "bad --remote '127.0.0.1:9469': want http://HOST:PORT" --view --remote 127.0.0.1:9469
opt_err "a URL with a password" "no user or password in the URL" --view --remote http://u:sekrit@127.0.0.1:9469
opt_err "a URL with a query" "no query or fragment" --view --remote 'http://127.0.0.1:9469/?token=sekrit'
opt_err "a URL with a control character" "a blank or control character" --view --remote "$(printf 'http://a\033[2J')"
opt_err "two tokens for three remotes" "2 --token for 3 --remote" --view --remote http://a:1 --remote http://b:1 \
	--remote http://c:1 --token sekrit --token sekrit2
opt_err "--cacert without --remote" "--cacert goes with --remote" --view --cacert /etc/hostname
out=$("$BIN" --help 2>&1)
check_help() { grep -q -- '--view --remote URL' <<<"$out" && grep -q -- '--token TOKEN' <<<"$out"; }
if check_help; then ok "--help shows --remote and --token"; else notok "--help shows --remote and --token" "$out"; fi

# ---- two collectors on the lab ------------------------------------------------------
lab_up || { notok "lab starts"; exit 1; }
token_a=tokA-$RANDOM$RANDOM
token_b=tokB-$RANDOM$RANDOM
pa=$(free_port)
pb=$(free_port)
# collector NAME PORT [LOCATION]: its config watching the lab
collector_cfg() {
	cat >"$work/$1.ini" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
listen = 127.0.0.1:$2
listen_token = \${TEST_TOKEN}
${3:+location = $3}
[good]
url = https://localhost:$(port good)/
posture_interval = 10s
posture_verdict = info
[expired]
url = https://localhost:$(port expired)/
[closed]
url = https://localhost:$(port closed)/
fail_after = 100
EOF
}
start_collector() { # NAME TOKEN: sets last_pid
	TEST_TOKEN=$2 "$BIN" --headless -c "$work/$1.ini" --db "$work/$1.db" 2>>"$work/$1.log" &
	last_pid=$!
	pids+=("$last_pid")
}
collector_cfg a "$pa" lab-a
collector_cfg b "$pb"
start_collector a "$token_a"; pid_a=$last_pid
start_collector b "$token_b"; pid_b=$last_pid
serving() { grep -q "serving /metrics.*127.0.0.1:$2" "$work/$1.log"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(screen 2>/dev/null || tail -5 "$work/a.log")"; fi; }
check "collector a serves" wait_for 10 serving a "$pa"
check "collector b serves" wait_for 10 serving b "$pb"

api() { curl -s -m 5 -H "Authorization: Bearer $token_a" "http://127.0.0.1:$pa$1"; }
probed() { api /api/v1/endpoints | jq -e '[.endpoints[] | select(.last != null)] | length == 3' >/dev/null; }
check "the collector has probed all three" wait_for 15 probed
check "/api/v1/endpoints names the location and each endpoint's recent probes" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token_a' http://127.0.0.1:$pa/api/v1/endpoints |
	jq -e '.location == \"lab-a\" and (.endpoints | all(.recent_ms | type == \"array\" and length >= 1)) and
	       (.endpoints[] | select(.name == \"closed\") | .recent_ms | all(. == null)) and
	       (.endpoints[] | select(.name == \"good\") | .recent_ms | all(type == \"number\" and . > 0)) and
	       (.endpoints[0].interval_s == 1)' >/dev/null"
check "/api/v1/endpoints of a collector without a location: null" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token_b' http://127.0.0.1:$pb/api/v1/endpoints | jq -e '.location == null' >/dev/null"
now=$(date +%s%3N)
check "/api/v1/series: buckets with check --json's timing keys" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token_a' 'http://127.0.0.1:$pa/api/v1/series?endpoint=good&from=$((now - 600000))&until=$((now + 1000))&step=60000' |
	jq -e '(.series | length) == 11 and (.series | any(.count >= 1 and .timings.total_ms > 0 and .timings.dns_ms != null and .failures == 0))' >/dev/null"
scode() { curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token_a" "http://127.0.0.1:$pa/api/v1/series?$1"; }
series_codes() {
	[ "$(scode 'endpoint=good&from=0&until=2000000&step=1000')" = 200 ] &&
		[ "$(scode 'endpoint=good&from=0&until=2001000&step=1000')" = 400 ] &&
		[ "$(scode 'from=0&until=1000&step=1000')" = 400 ] &&
		[ "$(scode 'endpoint=good&from=5000&until=5000&step=1000')" = 400 ] &&
		[ "$(scode 'endpoint=good&from=0&until=5000&step=999')" = 400 ]
}
check "/api/v1/series: 2000 steps answer, 2001 are refused (400), as are no endpoint, from >= until, step < 1 s" series_codes
now=$(date +%s%3N)
check "/api/v1/probes: the window's probes with check --json's names, and their leaf" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token_a' 'http://127.0.0.1:$pa/api/v1/probes?endpoint=expired&from=$((now - 600000))&until=$now' |
	jq -e '(.probes | length) >= 1 and (.probes | all(.verdict == \"DOWN\" and .reason == \"cert_expired\" and .timings.tls_ms != null)) and
	       (.certs[.probes[0].cert_sha256].subject | test(\"CN=expired\"))' >/dev/null"
check "/api/v1/probes without from: 400" test "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token_a" "http://127.0.0.1:$pa/api/v1/probes?endpoint=good&until=5")" = 400

# ---- the dashboard in tmux ------------------------------------------------------------
# view ARGS...: the viewer in the pane (the pane stays when it exits); a second view replaces the
# first in the same pane (tmux 3.3 dies on a second new-session once window-size is manual)
view() {
	local cmd="env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BIN --view $*; echo VIEWER-EXIT \$?; sleep 600"

	if [ -z "${sock_path:-}" ]; then
		T -f /dev/null new-session -d -s ui -x 120 -y 30 "$cmd" || { notok "tmux session starts"; exit 1; }
		T set -g window-size manual
		sock_path=$(T display -p '#{socket_path}')
	else
		T respawn-pane -k -t ui "$cmd" || { notok "tmux pane respawns"; exit 1; }
	fi
}
cap() { T capture-pane -p -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
not_on_screen() { ! cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
keys() { T send-keys -t ui "$@"; }
alive() { not_on_screen 'VIEWER-EXIT'; }
# row NAME LOCATION: the list's line of that endpoint from that collector
row() { cap | grep -E "^[^ ]+ [A-Z]+ +$1 +$2 "; }

view --remote "http://127.0.0.1:$pa" --token "$token_a"
check "one collector: its label and count in the header" wait_for 10 on_screen '^lab-a ok \(3 endpoints\)'
check "one collector: read-only remote, named in the title" on_screen 'httpsmon \(remote, read-only\)'
states_a() { row good lab-a | grep -q '✔ UP' && row expired lab-a | grep -q '✖ DOWN' && row closed lab-a | grep -q 'FAIL'; }
check "one collector: good UP, expired DOWN, closed FAILING" wait_for 10 states_a
reason_a() { row expired lab-a | grep -q 'cert_expired'; }
check "one collector: the reason is the collector's" reason_a
# the GRADE column: the grade the collector's API gives (its first pass within 10 s), "-" without one
grade_a() {
	local g
	g=$(api /api/v1/endpoints | jq -r '.endpoints[] | select(.name == "good") | .grade')
	[ -n "$g" ] && [ "$g" != null ] && row good lab-a | grep -qF " $g " && row closed lab-a | grep -qE ' - '
}
check "one collector: the GRADE column shows the collector's grade" wait_for 20 grade_a
check "the token is never on screen" not_on_screen "$token_a"
keys / good Enter
keys Enter
check "Enter: the detail of good from lab-a" wait_for 5 on_screen '^good from lab-a  https://localhost:'
check "detail: the chain as sent, verified" wait_for 5 on_screen 'certificate chain \([0-9] sent\)'
keys h
check "h: the history pane of good with its uptimes" wait_for 5 on_screen '^history of good +uptime 24h 100(\.0)?% +7d 100(\.0)?%'
keys Escape
keys Escape
keys /
keys expired Enter
keys Enter
keys G
check "detail: the collector's events (at the end)" wait_for 8 on_screen 'state +FAILING -> DOWN'
keys h
check "history of expired: its outage from the collector" wait_for 8 on_screen 'ongoing .*cert_expired'
keys Enter
check "Enter on the outage: its probes from the collector (/api/v1/probes)" wait_for 8 on_screen '^── phases of the selected probe'
check "the outage's probe: the certificate it was served then" wait_for 5 on_screen 'CN=expired\.lab\.test'
keys Escape
keys Escape
keys Escape
keys r
check "r in the remote viewer: read-only, said" wait_for 3 on_screen 'remote viewer: read-only'


# two collectors, one token each
view --remote "http://127.0.0.1:$pa" --remote "http://127.0.0.1:$pb" --token "$token_a" --token "$token_b"
check "two collectors: both ok in the header" wait_for 10 on_screen "^lab-a ok \(3 endpoints\) +127\.0\.0\.1:$pb ok \(3 endpoints\)"
check "two collectors: a LOCATION column" on_screen '^STATE.* NAME +LOCATION +LATENCY'
six_rows() {
	row good lab-a | grep -q '✔ UP' && row good "127.0.0.1:$pb" | grep -q '✔ UP' &&
		row expired lab-a | grep -q DOWN && row expired "127.0.0.1:$pb" | grep -q DOWN
}
check "two collectors: six rows, the same endpoint from each place" wait_for 10 six_rows
keys s
by_name() {
	[ "$(cap | grep -oE '^[^ ]+ [A-Z]+ +(closed|expired|good) +[^ ]+' | awk '{print $3"@"$4}' | tr '\n' ' ')" = \
		"closed@127.0.0.1:$pb closed@lab-a expired@127.0.0.1:$pb expired@lab-a good@127.0.0.1:$pb good@lab-a " ]
}
check "sorted by name: each endpoint's rows sit together, by location" wait_for 3 by_name
keys / lab-a Enter
only_a() { [ "$(cap | grep -cE '^[^ ]+ [A-Z]+ +[a-z]+ +lab-a ')" = 3 ] && ! cap | grep -qE " 127\.0\.0\.1:$pb +localhost"; }
check "the filter matches a location" wait_for 3 only_a
keys Escape

# a collector killed, then back
kill -9 "$pid_b"
b_gone() {
	cap | grep -qE "127\.0\.0\.1:$pb UNREACHABLE \(rows of [0-9]+s ago, stale\): .*(refused|connect)" &&
		row good "127.0.0.1:$pb" | grep -q '\[stale\]' && ! row good lab-a | grep -q stale
}
check "killed: UNREACHABLE with the reason, its rows kept as stale" wait_for 12 b_gone
check "killed: the dashboard keeps running" alive
start_collector b "$token_b"; pid_b=$last_pid
b_back() { cap | grep -qE "127\.0\.0\.1:$pb ok \(3 endpoints\)" && ! cap | grep -q '\[stale\]'; }
check "back: ok again, nothing stale" wait_for 20 b_back
keys e
noted() {
	cap | grep -qE "collector 127\.0\.0\.1:$pb unreachable: .*(refused|connect)" &&
		cap | grep -qF "collector 127.0.0.1:$pb reachable again (http://127.0.0.1:$pb)"
}
check "notices: the collector going and coming back" wait_for 3 noted
keys e

# a wrong token
view --remote "http://127.0.0.1:$pa" --token "wrong-$token_a"
check "a wrong token: HTTP 401 said" wait_for 10 on_screen '^lab-a|127\.0\.0\.1:[0-9]+ UNREACHABLE: HTTP 401: the token was refused \(--token\)'
check "a wrong token: never on screen" not_on_screen "wrong-$token_a"
view --remote "http://127.0.0.1:$pa"
check "no token: HTTP 401, the collector wants one" wait_for 10 on_screen 'UNREACHABLE: HTTP 401: the collector wants a token \(--token\)'

# ---- an https collector: verified against --cacert, refused without it ------------------
pc=$(free_port)
collector_cfg c "$pc" lab-tls
printf 'listen_cert = %s\nlisten_key = %s\n' "$lab/certs/good-chain.pem" "$lab/certs/good.key" >"$work/c.extra"
# the two keys belong to [defaults]: after its first line
sed -i "1r $work/c.extra" "$work/c.ini"
start_collector c "$token_a"
check "collector c serves https" wait_for 10 serving c "$pc"
view --remote "https://localhost:$pc" --token "$token_a" --cacert "$ca"
check "https with --cacert: verified, ok" wait_for 10 on_screen '^lab-tls ok \(3 endpoints\)'
view --remote "https://localhost:$pc" --token "$token_a"
check "https without --cacert: the system store refuses the lab's CA, said" wait_for 10 on_screen \
	"^localhost:$pc UNREACHABLE: .*(certificate|issuer)"
check "https refused: the dashboard keeps running" alive

# ---- hostile servers --------------------------------------------------------------------
hp=$(free_port); hq=$(free_port); hr=$(free_port)
cat >"$work/hostile.py" <<'EOF'
import http.server, json, sys, threading
mode = {}
ESC = "\u001b"
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        m = mode[self.server.server_address[1]]
        if m == "garbage":
            body = b"\x1b]0;pwned\x07\x1b[2J<html>not json\x00\xff"
        elif m == "big":
            body = b"[" + b" " * (33 * 1024 * 1024) + b"]"
        else:
            long = "L" * 100000
            ep = {"name": "evil" + ESC + "]0;pwned\u0007" + ESC + "[2J", "url": "https://x" + ESC + "[31m/",
                  "state": "down", "recent_ms": [1e308, -5, "x", None],
                  "last": {"verdict": "DOWN", "reason": "refused", "message": ESC + "[2Jwiped " + long,
                           "http_status": 1e300, "port": -1, "timings": {"total_ms": "slow"},
                           "chain": [{"subject": ESC + "]0;pwned\u0007" + long, "not_after": "soon"}] * 20}}
            body = json.dumps({"location": "loc" + ESC + "]0;pwned\u0007" + long,
                               "endpoints": [ep, {"name": "n" * 500, "state": "up"}, 17, None]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
for i, m in enumerate(["garbage", "strings", "big"]):
    port = int(sys.argv[1 + i])
    mode[port] = m
    s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
EOF
/usr/bin/python3 "$work/hostile.py" "$hp" "$hq" "$hr" >"$work/hostile.out" 2>&1 &
pids+=($!)
check "hostile servers start" wait_for 5 grep -q ready "$work/hostile.out"
view --remote "http://127.0.0.1:$hp" --remote "http://127.0.0.1:$hq" --remote "http://127.0.0.1:$hr"
check "garbage: unreachable, not JSON, said in our words" wait_for 10 on_screen "127\.0\.0\.1:$hp UNREACHABLE: not JSON \(at byte [0-9]+ of [0-9]+\)"
check "an answer over the bound: refused by size" wait_for 15 on_screen 'UNREACHABLE: answer larger than 32 MiB'
check "control characters and overlong strings: the rows are drawn, escaped" wait_for 10 on_screen '^✖ DOWN +evil\\x1b\]0;pwned\\x07'
check "control characters: the location is shown escaped" on_screen '^✖ DOWN +evil.* loc\\x1b\]0;pwned\\x07'
title_ours() { [ "$(T display -p -t ui '#{pane_title}')" != pwned ]; }
check "no raw control byte reached the terminal: the pane title is untouched" title_ours
check "hostile servers: the dashboard keeps running" alive
keys / evil Enter
keys Enter
check "hostile: the detail pane draws it, escaped" wait_for 5 on_screen 'wiped LLLL'
check "hostile: the chain kept to its bound" on_screen 'certificate chain \(10 sent\)'
keys h
check "hostile: the history pane says why it has nothing" wait_for 8 on_screen "127\.0\.0\.1:$hq: no (outages|series) array in the answer|not JSON"
check "hostile: still running after every pane" alive
keys q
check "q: the viewer ends, exit 0" wait_for 5 on_screen 'VIEWER-EXIT 0'
