#!/usr/bin/env bash
# The dashboard while its config is reloaded under its feet: the real binary
# in a tmux pane, keys pressed without pause (filter typing, sort, moves,
# detail and back) while the config file is rewritten and SIGHUP is sent,
# alternating between endpoint sets that rename, drop and re-host endpoints.
# A reload frees the old config and the monitor entries of dropped
# endpoints; a key handled in the same loop pass, before the rows are
# rebuilt, must not read what was freed. Under `make asan` (SANITIZED=1, an
# ASan+UBSan binary) any such read is an ASan report, written to a log file
# this test reads; in every build the process must still be running and quit
# cleanly. Endpoints point at a refused loopback port: no lab needed.
set -u

. "$(dirname "$0")/lib/harness.sh"
SANITIZED=${SANITIZED:-}
RELOADS=${RELOADS:-24}

if ! command -v tmux >/dev/null 2>&1; then
	skip "dashboard reload under keys" "tmux not installed (scripts/deps.sh installs it)"
	exit 0
fi

work=$(mktemp -d)
sock=httpsmon-reload-$$
T() { tmux -L "$sock" "$@"; }
cleanup() {
	[ -n "${hup_pid:-}" ] && kill "$hup_pid" 2>/dev/null
	T kill-server 2>/dev/null
	[ -n "${sock_path:-}" ] && rm -f "$sock_path"
	rm -rf "$work"
}
trap cleanup EXIT

cfg=$work/endpoints.ini
# config_set N: endpoint set N (0..2); names and hosts differ between sets,
# a few names survive with another host, so rows are renamed, dropped and kept
config_set() {
	local i tmp=$work/next.ini
	{
		printf '[defaults]\ninterval = 1s\ntimeout = 500ms\ntags = set%s, t%s\n' "$1" "$1"
		for i in 1 2 3 4 5 6; do
			printf '[keep-%s]\nurl = https://127.0.0.%s:1/k%s\n' "$i" "$(( $1 + 1 ))" "$i"
		done
		case $1 in
		0) for i in 1 2 3 4 5 6 7 8; do printf '[alpha-%s-extra-long-name]\nurl = https://127.0.0.1:1/a\n' "$i"; done ;;
		1) for i in 1 2 3; do printf '[beta-%s]\nurl = https://127.0.0.2:1/b\n' "$i"; done ;;
		2) ;;
		esac
	} >"$tmp"
	mv "$tmp" "$cfg" # a rename, as editors save
}
config_set 0

T -f /dev/null new-session -d -s ui -x 120 -y 35 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='PROMPT\$ ' sh" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
cap() { T capture-pane -p -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
keys() { T send-keys -t ui "$@"; }
alive() { kill -0 "$pid" 2>/dev/null; }

wait_for 5 on_screen "^PROMPT" || { notok "shell in the pane" "$(screen)"; exit 1; }
# ASan and UBSan write their reports to files here instead of the screen
san="ASAN_OPTIONS=log_path=$work/asan:abort_on_error=0 UBSAN_OPTIONS=log_path=$work/ubsan:print_stacktrace=1"
keys "clear; env $san sh -c 'echo \$\$ >$work/pid; exec \"\$0\" \"\$@\"' $BIN -c $cfg --db $work/h.db; echo EXIT=\$?" Enter
wait_for 5 test -s "$work/pid" && wait_for 10 on_screen 'keep-1' || { notok "dashboard starts" "$(screen)"; exit 1; }
pid=$(cat "$work/pid")
ok "dashboard starts with the first endpoint set"

# Reloads: the file is replaced (inotify) and SIGHUP is sent, cycling through
# the sets, while the foreground presses keys as fast as tmux delivers them.
(
	for r in $(seq 1 "$RELOADS"); do
		config_set $((r % 3))
		kill -HUP "$pid" 2>/dev/null || exit 0
		sleep 0.07
		kill -HUP "$pid" 2>/dev/null || exit 0
		sleep 0.13
	done
) &
hup_pid=$!
pressed=0
while kill -0 "$hup_pid" 2>/dev/null; do
	# filter typing re-arranges on every character (names, hosts, tags read);
	# s re-sorts with the filter on; Enter/Escape open and close the detail
	keys / e t Enter s j k Down Up s Enter Escape j s s s Escape / k e BSpace Escape
	pressed=$((pressed + 25))
	alive || break
done
wait "$hup_pid" 2>/dev/null
hup_pid=
if alive; then ok "still running after $RELOADS reloads under $pressed keys"
else notok "still running after $RELOADS reloads under $pressed keys" "$(screen)" "$(cat "$work"/asan.* 2>/dev/null | head -30)"; fi

# the last set is on screen once the dust settles (the rows were rebuilt)
last=$((RELOADS % 3))
want='keep-6'
[ "$last" = 0 ] && want='alpha-8'
[ "$last" = 1 ] && want='beta-3'
keys Escape Escape
if wait_for 5 on_screen "$want"; then ok "rows follow the last reload ($want shown)"
else notok "rows follow the last reload ($want shown)" "$(screen)"; fi

keys q
if wait_for 10 on_screen '^EXIT=0$'; then ok "q quits with status 0"
else notok "q quits with status 0" "$(screen)"; fi

reports=$(cat "$work"/asan.* "$work"/ubsan.* 2>/dev/null)
if [ -z "$reports" ]; then
	if [ "$SANITIZED" = 1 ]; then ok "no ASan/UBSan report (sanitized binary)"
	else ok "no ASan/UBSan report # skip not a sanitized build (make asan runs this under ASan)"; fi
else
	notok "no ASan/UBSan report" "$(printf '%s\n' "$reports" | head -40)"
fi
