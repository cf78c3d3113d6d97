#!/usr/bin/env bash
# Muting from outside: `httpsmon mute` / `unmute` on the history database
# (refused before a collector made it; a bad duration is a usage error),
# next to a running dashboard (no lock conflict, the mark shows within a
# couple of seconds), the dashboard's `m` chooser (4 hours, then the mark
# in the list and the detail), mutes kept in the database across a
# restart, a hostile --reason shown escaped. The real binary in a tmux
# pane on a private socket; the endpoints are closed loopback ports.
set -u

. "$(dirname "$0")/lib/harness.sh"

tmux_setup httpsmon-mute "mute in tmux"

closed=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg=$work/endpoints.ini
db=$work/history.db
cat >"$cfg" <<EOF
[defaults]
interval = 1s
timeout = 800ms
fail_after = 1
[api]
url = https://127.0.0.1:$closed/api
[web]
url = https://127.0.0.1:$closed/web
EOF

# ---- before any collector --------------------------------------------------
out=$("$BIN" mute api 1h --db "$db" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "no history at $db" <<<"$out"; then
	ok "mute before a collector made the database: refused, says why"
else notok "mute before a collector made the database: refused, says why" "rc=$rc" "$out"; fi

# ---- the dashboard ---------------------------------------------------------
prompt='PROMPT$ '
T -f /dev/null new-session -d -s ui -x 140 -y 30 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='$prompt' sh" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
cap() { T capture-pane -p -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
not_on_screen() { ! cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
keys() { T send-keys -t ui "$@"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(screen)"; fi; }
alt_on() { [ "$(T display -p -t ui '#{alternate_on}')" = "$1" ]; }
run_dashboard() {
	keys "clear; $BIN -c $cfg --db $db; echo EXIT=\$?" Enter
	wait_for 10 alt_on 1 && wait_for 10 on_screen ' api +127\.0\.0\.1'
}
wait_for 10 on_screen "^PROMPT" || { notok "shell in the pane" "$(screen)"; exit 1; }
run_dashboard || { notok "dashboard starts" "$(screen)"; exit 1; }
ok "dashboard starts"

# ---- the m chooser -----------------------------------------------------------
keys /
keys -l api
keys Enter
wait_for 5 on_screen 'filter:api' || notok "filter to api" "$(screen)"
keys m
check "m opens the chooser on the selected endpoint" wait_for 5 on_screen 'mute api'
offers() { on_screen '1  1 hour' && on_screen '2  4 hours' && on_screen '3  24 hours' &&
	on_screen '4  until it is UP again' && on_screen '5  unmute'; }
check "the chooser offers 1 hour, 4 hours, 24 hours, until UP, unmute" offers
keys 2
check "picking 4 hours: the footer says so" wait_for 5 on_screen 'api muted for 4 hours'
check "the list marks api muted, with the time left" wait_for 5 on_screen ' api .*\[muted, (4h00m|3h59m) left\]'
span=$(sqlite3 "$db" "select until_ms - since_ms from mute where name = 'api'")
if [ "$span" = 14400000 ]; then ok "the mute is in the database: 4 h from when it was set"
else notok "the mute is in the database: 4 h from when it was set" "until-since=$span"; fi
keys Enter
check "the detail shows the mute" wait_for 5 on_screen '^ *alerts +muted, (4h00m|3h59m) left$'
keys Escape
keys Escape
web_unmarked() { on_screen ' web +127' && not_on_screen ' web .*\[muted'; }
check "web is not marked" wait_for 5 web_unmarked

# ---- the commands next to the running collector ------------------------------
out=$("$BIN" unmute api --db "$db" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "unmuted api" ]; then ok "unmute next to the running collector: exit 0"
else notok "unmute next to the running collector: exit 0" "rc=$rc" "$out"; fi
api_unmarked() { on_screen ' api +127' && not_on_screen ' api .*\[muted'; }
check "the dashboard drops the mark within 3 s" wait_for 3 api_unmarked
out=$("$BIN" mute web until-up --reason $'disk\e[31mswap' --db "$db" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "muted web until it is UP again" ]; then ok "mute web until-up: exit 0, says until when"
else notok "mute web until-up: exit 0, says until when" "rc=$rc" "$out"; fi
check "the dashboard shows it within 3 s, the reason's escape shown escaped" \
	wait_for 3 on_screen ' web .*\[muted until UP: disk\\x1b\[31'
out=$("$BIN" mute web 10s --db "$db" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -q "bad mute duration '10s'" <<<"$out"; then ok "a mute under 1 minute is a usage error (exit 3)"
else notok "a mute under 1 minute is a usage error (exit 3)" "rc=$rc" "$out"; fi
out=$("$BIN" unmute nosuch --db "$db" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "nosuch was not muted" ]; then ok "unmute of a name not muted says so"
else notok "unmute of a name not muted says so" "rc=$rc" "$out"; fi

# ---- across a restart ----------------------------------------------------------
keys q
wait_for 10 on_screen '^EXIT=0$' || notok "dashboard quits" "$(screen)"
run_dashboard || notok "dashboard starts again" "$(screen)"
check "the mute survives a restart" wait_for 5 on_screen ' web .*\[muted until UP: disk'
keys q
wait_for 10 on_screen '^EXIT=0$' || true
