#!/usr/bin/env bash
# The dashboard from outside: the real binary in a tmux pane, driven with
# send-keys and read back with capture-pane. The list after the first round
# (states and reasons), the detail of an expired certificate, an outage in
# the history pane (a server of our own stopped and started again), filter,
# sort, the help overlay, pause and resume, a terminal too small and enlarged
# again, a hostile certificate subject shown escaped (no raw escape reaches the terminal, the
# pane title and the clipboard stay untouched), and the terminal given back
# after q and after SIGTERM (normal screen, echo and icanon on, the shell's
# prompt). tmux runs on a private socket and is killed at the end. TAP-ish
# output; local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"

if ! command -v tmux >/dev/null 2>&1; then
	skip "dashboard in tmux" "tmux not installed (scripts/deps.sh installs it)"
	exit 0
fi

work=$(mktemp -d)
sock=httpsmon-test-$$
T() { tmux -L "$sock" "$@"; }
cleanup() {
	T kill-server 2>/dev/null
	[ -n "${sock_path:-}" ] && rm -f "$sock_path" # tmux leaves its socket file behind
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	[ -n "${flaky_pid:-}" ] && kill "$flaky_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
start_flaky || { notok "flaky server starts"; exit 1; }

cfg=$work/endpoints.ini
cat >"$cfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
fail_after = 2
recover_after = 1
[good]
url = https://localhost:$(port good)/
[expired]
url = https://localhost:$(port expired)/
[closed]
url = https://localhost:$(port closed)/
[unhealthy]
url = https://localhost:$(port unhealthy)/
expect_json = status == "ok"
[hostile]
url = https://localhost:$(port hostile)/
[flaky]
url = https://localhost:$flaky_port/
EOF
db=$work/history.db

# ---- the pane --------------------------------------------------------------
# A plain sh (no line editor that would touch the terminal modes itself) in
# a 120x35 window, UTF-8, TERM=xterm-256color. The dashboard runs under a
# wrapper that leaves its pid in a file and prints its exit status.
prompt='PROMPT$ '
T -f /dev/null new-session -d -s ui -x 120 -y 35 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='$prompt' sh" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
T set -g set-clipboard on # an OSC 52 from the pane would land in a tmux buffer: we can see it
T select-pane -t ui -T httpsmon-test

cap() { T capture-pane -p -t ui; }
cape() { T capture-pane -p -e -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
not_on_screen() { ! cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
alt_on() { [ "$(T display -p -t ui '#{alternate_on}')" = "$1" ]; }
keys() { T send-keys -t ui "$@"; }
# check DESC CMD...: CMD passes, else the screen goes into the report
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(screen)"; fi; }

run_dashboard() {
	rm -f "$work/pid"
	# in $work: the history pane's export writes to the current directory
	keys "clear; cd $work; sh -c 'echo \$\$ >$work/pid; exec \"\$0\" \"\$@\"' $BIN -c $cfg --db $db; echo EXIT=\$?" Enter
	wait_for 5 test -s "$work/pid" && wait_for 5 alt_on 1
}
# the last non-empty line is the prompt (capture-pane drops its trailing space)
prompt_last() { [ "$(cap | grep -v '^$' | tail -1)" = "${prompt% }" ]; }
# the terminal is ours again: normal screen, exit status, echo and icanon, the prompt
terminal_back() {
	local what=$1
	check "$what: exit status 0" wait_for 5 on_screen '^EXIT=0$'
	check "$what: the normal screen is back (alternate_on 0)" alt_on 0
	keys "clear; echo STTY=\$(stty -a | tr -s ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ,)" Enter
	check "$what: echo and icanon restored (stty -a)" wait_for 5 on_screen '^STTY=icanon,echo,$'
	check "$what: the shell prompt is back" wait_for 5 prompt_last
}

wait_for 5 on_screen "^PROMPT" || { notok "shell in the pane" "$(screen)"; exit 1; }
run_dashboard || { notok "dashboard starts" "$(screen)"; exit 1; }
ok "dashboard starts on the alternate screen"

# ---- the list after the first round ------------------------------------------
row() { on_screen "^[^ ]+ $1 +$2 .* $3"; }
first_round() { row DOWN closed refused && row DOWN expired cert_expired && row DOWN unhealthy body_mismatch &&
	row UP good ok && row UP hostile ok && row UP flaky ok; }
check "list: first round shows every endpoint with its state and reason" wait_for 10 first_round
check "header counts the states" on_screen '^ httpsmon +3 DOWN +0 WARN +3 UP'
worst_first() { cap | awk '/^STATE/{on=1; next} !on{next} $2 == "DOWN"{d=NR} $2 == "UP"{if(!u)u=NR} END{exit !(d && u && d < u)}'; }
check "list is sorted worst first (every DOWN row above the first UP row)" worst_first

# The flaky server goes away now; the outage builds up while the other cases run.
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null

# ---- filter ---------------------------------------------------------------------
keys /
keys -l expi
narrowed() { row DOWN expired cert_expired && not_on_screen ' (good|closed|unhealthy|hostile|flaky) +localhost'; }
check "filter: typing narrows the list to the match" wait_for 3 narrowed
check "filter: the footer shows what is typed" on_screen '^ filter: expi'
keys Enter
check "filter: Enter keeps it (footer: filter:expi)" wait_for 3 on_screen 'filter:expi +sort:state'

# ---- detail of an expired certificate ---------------------------------------------
keys Enter
check "detail opens on Enter (title with the URL)" wait_for 3 on_screen "^expired  https://localhost:$(port expired)/"
check "detail: the verdict names cert_expired" on_screen 'verdict +DOWN cert_expired: '
check "detail: the leaf's validity shows its not-after date" on_screen 'validity +2024-01-01T00:00:00Z \.\. 2025-01-01T00:00:00Z +\(expired'
check "detail: the leaf's issuer is shown" on_screen 'issuer +O=httpsmon lab,CN=httpsmon Lab Intermediate'
check "detail: the chain failed verification" on_screen 'verify +FAILED: certificate has expired'
check "detail: the revocation line says why it is unknown" \
	on_screen 'revocation +unknown: no CRL distribution point and no OCSP URL'
keys Escape
check "Esc goes back to the (still filtered) list" wait_for 3 on_screen '^STATE.* REASON'
keys Escape
unfiltered() { row UP good ok && not_on_screen 'filter:'; }
check "Esc again clears the filter" wait_for 3 unfiltered

# ---- sort -----------------------------------------------------------------------
# endpoint names in screen order: the first word of each row that is a configured name
names() {
	cap | awk '/^STATE/ { on = 1; next }
		on { for (i = 2; i <= NF; i++) if ($i ~ /^(good|expired|closed|unhealthy|hostile|flaky)$/) { print $i; break } }' |
		tr '\n' ' '
}
before=$(names)
keys s
check "sort: s says what it sorts by" wait_for 3 on_screen '^sorted by name'
check "sort: the heading marks NAME" on_screen '^STATE +NAME(▼|v) '
after=$(names)
want=$(tr ' ' '\n' <<<"$after" | grep . | sort | tr '\n' ' ')
if [ "$after" = "$want" ] && [ "$after" != "$before" ]; then ok "sort: s reorders the list by name (${after% })"
else notok "sort: s reorders the list by name" "before: $before" "after:  $after" "want:   $want" "$(screen)"; fi
for _ in 1 2 3 4; do keys s; done
check "sort: s cycles back to state (worst first)" wait_for 3 on_screen '^sorted by state'

# ---- help -----------------------------------------------------------------------
keys '?'
check "help: ? opens the overlay" wait_for 3 on_screen 'httpsmon keys'
help_keys() {
	local s k
	# the list is longer than the box: read it, then scroll to its end and read again
	s=$(cap)
	for _ in $(seq 20); do keys j; done
	wait_for 3 on_screen ' 1 2 3 4 +chart range' || true
	s+=$(cap)
	for k in ' q +quit' ' / +filter by name' ' s +sort: state, name' ' h +history of the selected' \
		' Enter +details of the selected' ' Tab +outages of this endpoint' ' 1 2 3 4 +chart range'; do
		grep -qE -- "$k" <<<"$s" || { echo "# help lacks: $k"; return 1; }
	done
}
check "help: lists the keys (q, /, s, h, Enter, Tab, 1 2 3 4)" help_keys
keys x
check "help: any key closes it" wait_for 3 not_on_screen 'httpsmon keys'

# ---- a hostile certificate subject ---------------------------------------------------
keys /
keys -l hostile
keys Enter Enter
check "hostile: detail opens" wait_for 3 on_screen '^hostile  https://'
# the subject is O=Evil ESC]0;pwned BEL Corp ESC[2J, CN=hostile ESC]52;c;... BEL
check "hostile: the subject's escapes are shown as text" on_screen '\[0\] leaf +O=Evil(\\1B|\\x1b)\]0.*pwned.*Corp(\\1B|\\x1b)\[2J'
hostile_raw() {
	# the leaf's line with the dashboard's own SGR sequences and charset shifts removed: no ESC, no BEL left
	local l
	l=$(cape | grep -a 'pwned' | sed 's/\x1b\[[0-9;]*m//g' | tr -d '\016\017')
	[ -n "$l" ] && ! grep -q $'[\x1b\x07]' <<<"$l"
}
check "hostile: no raw ESC or BEL from the certificate reaches the screen (capture-pane -e)" hostile_raw
only_sgr() { ! cape | sed 's/\x1b\[[0-9;]*m//g' | tr -d '\016\017' | grep -q $'[\x1b\x07]'; }
check "hostile: the whole screen holds no escape but the dashboard's own colours" only_sgr
title=$(T display -p -t ui '#{pane_title}')
[ "$title" = httpsmon-test ] && ok "hostile: the window title is unchanged ($title)" || notok "hostile: the window title is unchanged" "title: $title"
bufs=$(T list-buffers 2>/dev/null)
[ -z "$bufs" ] && ok "hostile: nothing written to the clipboard (no tmux buffer)" || notok "hostile: nothing written to the clipboard" "$bufs"
check "hostile: the screen was not cleared (header still there)" on_screen '^ httpsmon '
keys Escape Escape

# ---- an outage in the history pane ----------------------------------------------------
check "outage: flaky goes DOWN (refused) after its server stops" wait_for 10 row DOWN flaky refused
start_flaky || notok "flaky server restarts"
check "outage: flaky is UP again after its server is back" wait_for 10 row UP flaky ok
sleep 1.5 # one store flush period: the history pane reads committed rows
keys /
keys -l flaky
keys Enter h
check "history: h opens the pane of the selected endpoint" wait_for 3 on_screen '^history of flaky +uptime 24h'
check "history: the outage is listed with its cause" wait_for 5 on_screen '── outages \(1\) ─'
check "history: the outage row has start, end (over), length and cause" \
	on_screen '^[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ +[0-9.]+(ms|s|m) +refused: connection to localhost:'"$flaky_port refused"
check "history: the latency chart marks the failures" on_screen '^ +failures '
# the outage reads the same here and in `httpsmon history`: START and END in one date format,
# the length from the one duration formatter
same_outage() {
	local row cli
	row=$(cap | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +[0-9.]+(ms|s)[0-9s]* +refused' | head -1)
	cli=$("$BIN" history --db "$db" --endpoint flaky 2>/dev/null | awk '$4 == "flaky" { print $3; exit }')
	[ -n "$row" ] && [ -n "$cli" ] && [ "$(awk '{ print $5 }' <<<"$row")" = "$cli" ] ||
		{ echo "# dashboard: $row"; echo "# history:   $cli"; return 1; }
}
check "history: the outage's START and END share one date format, its length reads as \`history\` prints it" same_outage
keys Enter
check "history: Enter lists the outage's probes" wait_for 3 on_screen '^TIME +STATE +DNS +CONNECT'
check "history: the failed probes are DOWN refused" on_screen ' DOWN .*refused: '
keys x
check "history: x exports the outage's probes and says where" \
	wait_for 5 on_screen "exported [0-9]+ probes of the outage to $work/httpsmon-outage-flaky-[0-9TZ]+\\.csv"
exported=$(cap | grep -oE "exported [0-9]+ probes" | grep -oE '[0-9]+')
csv=$(ls "$work"/httpsmon-outage-flaky-*.csv 2>/dev/null | head -1)
if [ -n "$csv" ] && head -1 "$csv" | grep -q '^endpoint,time,state,reason,' &&
	[ "$(tail -n +2 "$csv" | grep -c '^flaky,')" = "$exported" ] && [ "$exported" -ge 2 ] &&
	[ "$(tail -n +2 "$csv" | grep -c ',DOWN,refused,')" -ge 2 ]; then
	ok "history: the file holds the $exported probes of flaky's outage (CSV, DOWN refused among them)"
else
	notok "history: the exported file" "$csv: $(head -5 "$csv" 2>&1)" "notice said: $exported"
fi
keys Escape Escape Escape
check "history: Esc goes back to the list" wait_for 3 on_screen '^STATE.* REASON'

# ---- + adds an endpoint to the config and reloads ----------------------------------------
keys +
check "add: + opens the prompt" wait_for 3 on_screen "add an endpoint to $cfg"
# a pasted text is keys: control characters and spaces never get in
keys -l "https://localhost:$(port good)/ad"
keys C-a Space C-b
keys -l "ded"
check "add: the URL field shows only the printable characters" wait_for 3 on_screen "URL +https://localhost:$(port good)/added +(x|│)$"
keys Enter
keys -l good
keys Enter
check "add: a taken name is refused in the prompt" wait_for 3 on_screen "the name 'good' is taken"
keys BSpace BSpace BSpace BSpace
keys -l added-ep
keys Enter
check "add: Enter writes and reloads (notice)" wait_for 5 on_screen "added \\[added-ep\\] to $cfg and reloaded"
check "add: the new endpoint is probed at once" wait_for 5 row UP added-ep ok
tail -2 "$cfg" | tr '\n' '|' | grep -q "^\[added-ep\]|url = https://localhost:$(port good)/added|" &&
	ok "add: the section is appended to the file" || notok "add: the section is appended to the file" "$(tail -5 "$cfg")"
cp "$cfg" "$work/cfg.before"
keys +
check "add: + opens the prompt again, empty" wait_for 3 on_screen "URL +(x|│)$"
# a paste with an ESC in it: Esc cancels and the rest ("q") is thrown away, not taken as quit
T send-keys -t ui -l "https://x/"$'\x1b'"q"
sleep 1
check "add: a pasted ESC cancels and the rest of the paste is dropped (still running)" on_screen '^STATE.* REASON'
cmp -s "$cfg" "$work/cfg.before" && ok "add: a cancelled prompt writes nothing" || notok "add: a cancelled prompt writes nothing"

# ---- pause and resume ---------------------------------------------------------------------
# Pause lives in the monitor alone: a paused endpoint is shown PAUSED, is not
# probed while paused (its count of stored probes stands still over several
# intervals), and is probed again at once when resumed.
probes_of() { sqlite3 "$db" "select count(*) from probe p join endpoint e on e.id = p.endpoint_id where e.name = '$1'" 2>/dev/null || echo -1; }
keys /
keys -l good
keys Enter p
check "pause: p marks the selected endpoint PAUSED" wait_for 3 row PAUSED good 'paused'
sleep 1.5 # a probe in flight when paused and the flush that stores it
paused_at=$(probes_of good)
sleep 3.5 # three intervals of 1 s, and a flush
paused_after=$(probes_of good)
[ "$paused_at" -ge 1 ] && [ "$paused_after" = "$paused_at" ] &&
	ok "pause: no probe stored while paused ($paused_at before, $paused_after after 3.5 s)" ||
	notok "pause: no probe stored while paused" "before: $paused_at" "after 3.5 s: $paused_after"
keys p
check "pause: p again resumes (UP, ok)" wait_for 3 row UP good ok
resumed() { [ "$(probes_of good)" -gt "$paused_after" ]; }
check "pause: resumed, the endpoint is probed again" wait_for 3 resumed
keys Escape
check "pause: Esc clears the filter" wait_for 3 on_screen ' expired +localhost'

# ---- too small, then big again ----------------------------------------------------------
T resize-window -t ui -x 30 -y 8
check "resize: below 40x10 says the terminal is too small" wait_for 3 on_screen '^terminal too small \(30x8\)'
check "resize: and says what it needs" on_screen '^need 40x10'
T resize-window -t ui -x 120 -y 35
list_back() { on_screen '^STATE.* REASON' && not_on_screen 'too small'; }
check "resize: enlarged, the list is back" wait_for 3 list_back
T resize-window -t ui -x 60 -y 12
check "resize: a narrow terminal keeps state, name and reason" wait_for 3 row DOWN expired cert_expired
T resize-window -t ui -x 120 -y 35

# ---- q ----------------------------------------------------------------------------------
keys q
terminal_back "q"

# ---- SIGTERM ----------------------------------------------------------------------------
run_dashboard || notok "dashboard starts again" "$(screen)"
check "second start: the list is back from the first round" wait_for 10 row UP good ok
pid=$(cat "$work/pid")
kill -TERM "$pid"
gone() { ! kill -0 "$pid" 2>/dev/null; }
check "SIGTERM: the dashboard exits" wait_for 5 gone
terminal_back "SIGTERM"
