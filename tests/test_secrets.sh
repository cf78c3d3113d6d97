#!/usr/bin/env bash
# Secrets from outside: a token in a URL's query string, a session id in a
# redirect's Location and a token from the environment must never be shown
# or stored anywhere but the endpoint table's configured URL. The real
# binary against servers of our own on loopback: `check` (table, -v, JSON),
# the headless collector's log, the history database (every table dumped),
# `history` and `stats`, the live dashboard and the read-only viewer in tmux
# (list, detail, history panes), and `check-config` on a malformed header.
set -u

. "$(dirname "$0")/lib/harness.sh"

work=$(mktemp -d)
sock=httpsmon-secrets-$$
T() { tmux -L "$sock" "$@"; }
cleanup() {
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null
	command -v tmux >/dev/null 2>&1 && T kill-server 2>/dev/null
	[ -n "${sock_path:-}" ] && rm -f "$sock_path"
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }

# Servers of our own: a healthy one, one redirecting to it with a session id
# in the Location, and a plain-HTTP one redirecting to plain HTTP likewise.
leaf="cert=$lab/certs/good-chain.pem key=$lab/certs/good.key"
cat >"$work/srv.spec" <<EOF
sgood tls 0 $leaf body=ok
sredir tls 0 $leaf status=302 redirect=https://localhost:{sgood}/landing?session=SECRETLOC&lang=en
splain http 0 redirect=http://localhost:{sgood}/?session=SECRETPLAIN
sinsec tls 0 $leaf status=302 redirect=http://localhost:{sgood}/x?session=SECRETINSEC
EOF
"$labsrv" -p $$ "$work/srv.spec" "$work/srv.ports" 2>>"$work/srv.log" &
srv_pid=$!
wait_for 5 test -s "$work/srv.ports" || { notok "own servers start" "$(cat "$work/srv.log")"; exit 1; }
sport() { awk -v n="$1" '$1 == n { print $2 }' "$work/srv.ports"; }

cfg=$work/endpoints.ini
cat >"$cfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 900ms
fail_after = 1
header = X-Api-Key: \${HM_TEST_KEY}
[tok]
url = https://localhost:$(sport sgood)/status?api_token=SECRETCFG&page=2
expect_status = 404
[red]
url = https://localhost:$(sport sredir)/start?api_token=SECRETCFG
expect_status = 404
[plain]
url = http://localhost:$(sport splain)/?api_token=SECRETCFG
[insec]
url = https://localhost:$(sport sinsec)/?api_token=SECRETCFG
EOF
export HM_TEST_KEY=SECRETENV
db=$work/h.db
leaks() { grep -aoE 'SECRET(CFG|LOC|PLAIN|INSEC|ENV)' "$@" | sort -u | tr '\n' ' '; }
# no_secret DESC FILE...: none of the secrets appears in the files
no_secret() {
	local d=$1 l; shift
	l=$(leaks "$@")
	if [ -z "$l" ]; then ok "$d"; else notok "$d" "leaked: $l" "$(grep -aE 'SECRET' "$@" | head -8)"; fi
}
# shows DESC FILE PATTERN: the redacted form is there (the test sees what it checks)
shows() { if grep -aqE -- "$3" "$2"; then ok "$1"; else notok "$1" "no '$3' in:" "$(head -20 "$2")"; fi; }

# ---- check -------------------------------------------------------------------
"$BIN" check -c "$cfg" >"$work/check.txt" 2>&1
no_secret "check: the table shows no secret" "$work/check.txt"
"$BIN" check -v -c "$cfg" >"$work/check-v.txt" 2>&1
no_secret "check -v: no secret in URLs, final URLs, Locations or messages" "$work/check-v.txt"
shows "check -v: the URL keeps its parameter names (api_token=…&page=…)" "$work/check-v.txt" \
	'status\?api_token=…&page=…'
shows "check -v: the redirect's final URL is redacted too" "$work/check-v.txt" 'landing\?session=…&lang=…'
shows "check -v: the plain-HTTP Location in the message is redacted" "$work/check-v.txt" \
	'redirects to http://localhost:[0-9]+/\?session=… instead of HTTPS'
shows "check -v: an insecure redirect's target is redacted" "$work/check-v.txt" \
	'insecure_redirect: redirects to plain http://localhost:[0-9]+/x\?session=… \(not followed\)'
"$BIN" check --json -c "$cfg" >"$work/check.json" 2>&1
no_secret "check --json: url, final_url, location and message hold no secret" "$work/check.json"
shows "check --json: url is redacted, not dropped" "$work/check.json" '"url":"https://localhost:[0-9]+/status\?api_token=…&page=…"'

# ---- headless collector and the database ---------------------------------------
"$BIN" --headless -c "$cfg" --db "$db" >"$work/headless.log" 2>&1 &
hl=$!
wait_for 10 grep -q 'plain' "$work/headless.log"
sleep 3
kill -TERM "$hl"; wait "$hl" 2>/dev/null
no_secret "headless: the log shows no secret" "$work/headless.log"
shows "headless: the log has the redacted message" "$work/headless.log" 'api_token=…'
sqlite3 "$db" .dump >"$work/dump.sql" 2>&1
grep -a 'SECRET' "$work/dump.sql" | grep -av '^INSERT INTO endpoint VALUES' >"$work/dump-other.sql"
no_secret "database: no secret outside the endpoint table (probe, outage, event... rows)" "$work/dump-other.sql"
if [ "$(grep -ac 'SECRETCFG' "$work/dump.sql")" -ge 3 ]; then
	ok "database: the endpoint table keeps the URLs as configured"
else notok "database: the endpoint table keeps the URLs as configured" "$(grep -a endpoint "$work/dump.sql" | head)"; fi
grep -a 'api_token=…' "$work/dump.sql" | grep -qav '^INSERT INTO endpoint VALUES' &&
	ok "database: stored messages hold the redacted form" ||
	notok "database: stored messages hold the redacted form" "$(grep -a 'INSERT INTO probe' "$work/dump.sql" | head -3)"
"$BIN" history --db "$db" --since 1d >"$work/history.txt" 2>&1
"$BIN" history --db "$db" --since 1d --json >>"$work/history.txt" 2>&1
"$BIN" stats --db "$db" --since 1d >>"$work/history.txt" 2>&1
"$BIN" stats --db "$db" --since 1d --json >>"$work/history.txt" 2>&1
no_secret "history and stats (text and JSON) show no secret" "$work/history.txt"

# ---- check-config --------------------------------------------------------------
printf '[api]\nurl = https://localhost/\nheader = Bad Header: SECRETCFG\n' >"$work/badhdr.ini"
"$BIN" check-config "$work/badhdr.ini" >"$work/cc.txt" 2>&1
shows "check-config: a malformed header is named" "$work/cc.txt" "bad header 'Bad Header' \\(value not shown\\)"
no_secret "check-config: the header's value is not shown" "$work/cc.txt"
printf '[api]\nurl = https://localhost/\ninterval = ${HM_TEST_KEY}\n' >"$work/badenv.ini"
"$BIN" check-config "$work/badenv.ini" >"$work/cc2.txt" 2>&1
shows "check-config: an expanded value is quoted as written" "$work/cc2.txt" "bad duration '\\\$\\{HM_TEST_KEY\\}'"
no_secret "check-config: the environment's value is not shown" "$work/cc2.txt"

# ---- the dashboard and the viewer in tmux ----------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	skip "dashboard shows no secret" "tmux not installed (scripts/deps.sh installs it)"
	exit 0
fi
T -f /dev/null new-session -d -s ui -x 160 -y 40 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 HM_TEST_KEY=SECRETENV PS1='PROMPT\$ ' sh" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
cap() { T capture-pane -p -J -S -200 -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
keys() { T send-keys -t ui "$@"; }
: >"$work/screens.txt"
grab() { cap >>"$work/screens.txt"; }
# visit NAME: filter to it, open its detail, then its history; every screen is kept
visit() {
	keys / ; keys -l "$1"; keys Enter
	wait_for 3 on_screen "filter:$1" && grab
	keys Enter
	wait_for 3 on_screen "^$1  " && grab
	keys Escape h
	wait_for 3 on_screen "^history of $1" && sleep 0.3 && grab
	keys Escape Escape Escape
}
wait_for 5 on_screen '^PROMPT' || { notok "shell in the pane"; exit 1; }

rows() { on_screen ' tok ' && on_screen ' red ' && on_screen ' plain ' && on_screen ' insec ' && on_screen 'http_status'; }
# screens WHAT ARGS...: runs the binary with ARGS in the pane, visits every
# endpoint's list, detail and history screens into $work/screens.txt, quits
screens() {
	local what=$1; shift
	: >"$work/screens.txt"
	keys "clear; $BIN $*; echo EXIT=\$?" Enter
	wait_for 15 rows || { notok "$what shows the endpoints" "$(cap)"; return 1; }
	grab
	visit tok; visit red; visit plain; visit insec
	keys q
	wait_for 10 on_screen '^EXIT=' || notok "$what quits" "$(cap)"
}
screens dashboard -c "$cfg" --db "$db" || exit 1
shows "dashboard: the detail's title shows the redacted URL" "$work/screens.txt" '^tok  https://localhost:[0-9]+/status\?api_token=…&page=…'
no_secret "dashboard: no secret on the list, detail or history screens" "$work/screens.txt"
screens viewer --view --db "$db" || exit 1
shows "viewer: the detail shows the stored URL redacted" "$work/screens.txt" 'api_token=…'
no_secret "viewer: no secret on the list, detail or history screens" "$work/screens.txt"
