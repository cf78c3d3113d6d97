#!/usr/bin/env bash
# The notices pane and what reloads say (issue 10, points 9 and 10): the
# real binary in a tmux pane of 100x24 on endpoints at a refused loopback
# port (no lab needed).
#  - state changes are kept as notices with their time; `e` shows them,
#    Esc (or e) goes back; the footer's one-line notice stays;
#  - a successful reload says what changed: "reloaded: +1 endpoint
#    (new-api), -0, 2 changed", and a removal names what went;
#  - a refused reload says how many errors and where to read them ("config
#    refused, old one kept: 2 errors (e: show)"), and the notices pane holds
#    every error in full, even one longer than the terminal is wide;
#  - the pane scrolls (position, g to the oldest, G back to the newest);
#  - history problems (another connection holding the database's write
#    lock) and their end are notices too.
set -u

. "$(dirname "$0")/lib/harness.sh"

tmux_setup httpsmon-notices "notices in tmux"

cfg=$work/endpoints.ini
# write_cfg SECTIONS...: each "name key=value..." becomes a section at the refused port
write_cfg() {
	local tmp=$work/next.ini s
	{
		printf '[defaults]\ninterval = 1s\ntimeout = 500ms\n'
		for s in "$@"; do
			set -- $s
			printf '[%s]\nurl = https://127.0.0.1:1/%s\n' "$1" "$1"
			shift
			for kv in "$@"; do printf '%s\n' "${kv/=/ = }"; done
		done
	} >"$tmp"
	mv "$tmp" "$cfg" # a rename, as editors save
}
write_cfg alpha bravo charlie

T -f /dev/null new-session -d -s ui -x 100 -y 24 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BIN -c $cfg --db $work/h.db" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
cap() { T capture-pane -p -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
not_on_screen() { ! cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
keys() { T send-keys -t ui "$@"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(screen)"; fi; }
footer_notice() { cap | tail -2 | head -1; }

down3() { [ "$(cap | grep -cE '^✖ DOWN ')" = 3 ]; }
check "start: three endpoints go DOWN" wait_for 10 down3
check "footer: the newest notice with its time" on_screen '^[0-9]{2}:[0-9]{2}:[0-9]{2} [a-z]+ (state|outage_start): '

# ---- the notices pane ---------------------------------------------------------------
keys e
check "e: the notices pane" wait_for 3 on_screen '^notices: [0-9]+ kept \(the last 500\), oldest first'
check "notices: a state change with its date and time" on_screen '^[0-9]{2}-[0-9]{2} [0-9:]{8} alpha state: PENDING -> FAILING \(refused'
check "notices: an outage start" on_screen ' bravo outage_start: outage started'
check "notices: the footer shows the pane's keys" on_screen '^ Esc back .*g/G oldest/newest'
keys Escape
check "Esc: back to the list" wait_for 3 on_screen '^STATE'

# ---- a successful reload says what changed ------------------------------------------
# alpha and bravo change a setting, charlie stays, new-api comes
write_cfg "alpha timeout=600ms" "bravo fail_after=3" charlie new-api
check "reload: 'reloaded: +1 endpoint (new-api), -0, 2 changed'" \
	wait_for 5 eval '[ "$(footer_notice)" = "reloaded: +1 endpoint (new-api), -0, 2 changed" ]'
write_cfg "alpha timeout=600ms" "bravo fail_after=3" new-api
check "reload: a removal is named: '+0 endpoints, -1 (charlie), 0 changed'" \
	wait_for 5 eval '[ "$(footer_notice)" = "reloaded: +0 endpoints, -1 (charlie), 0 changed" ]'

# ---- a refused reload: every error ------------------------------------------------------
long=$(printf 'x%.0s' $(seq 1 30))
{
	cat "$cfg"
	printf '[broken]\nurl = https://127.0.0.1:1/\ninterval = soon\nno_such_key_%s = 1\n' "$long"
} >"$work/next.ini"
mv "$work/next.ini" "$cfg"
check "refused: the footer counts the errors and says where they are" \
	wait_for 5 eval '[ "$(footer_notice)" = "config refused, old one kept: 2 errors (e: show)" ]'
check "refused: the header says so too, with the first error (cut with …)" on_screen '^config refused, old one kept: 2 errors \(e: show\): .*endpoints.ini:[0-9]+:.*… +history ok$'
check "refused: the old config still runs (new-api listed)" on_screen ' new-api '
keys e
check "refused: the notices pane has the notice" wait_for 3 on_screen 'config refused, old one kept: 2 errors:$'
check "refused: the first error in full" on_screen '^ +.*endpoints\.ini:[0-9]+: \[broken\] interval: bad duration .soon.'
# the unknown key's line is wider than the terminal: wrapped (at spaces), every character kept
joined=$(cap | tr -d ' \n')
if grep -qF "[broken]no_such_key_$long:unknownkey(config/endpoints.inilistseverykey)" <<<"$joined"; then
	ok "refused: the second error in full, wrapped (${#long} x's and 'unknown key')"
else
	notok "refused: the second error in full" "$(screen)"
fi

# ---- scrolling ----------------------------------------------------------------------------
# more notices than the pane has rows: the newest in view, g to the oldest, G back
for i in 1 2 3 4 5 6 7 8; do write_cfg "alpha timeout=${i}00ms" new-api; sleep 0.3; done
newest() { on_screen 'reloaded: \+0 endpoints, -0, 1 changed' && on_screen '^notices: .* +[0-9]+-([0-9]+)/\1 *$'; }
check "scroll: following the newest (position ends at the last line)" wait_for 5 newest
keys g
check "g: the oldest notice on top (position 1-)" wait_for 3 on_screen '^notices: .* +1-[0-9]+/[0-9]+ *$'
check "g: the first notice is the first state change" eval 'cap | sed -n 4p | grep -q " state: PENDING -> FAILING"'
keys j
check "j: one line down" wait_for 3 on_screen '^notices: .* +2-[0-9]+/[0-9]+ *$'
keys G
check "G: back to the newest" wait_for 3 newest
keys e
check "e again: back to the list" wait_for 3 on_screen '^STATE'

# ---- a history problem and its end ------------------------------------------------------
# another connection holds the write lock for a while: the collector's flushes fail, then resume
if command -v sqlite3 >/dev/null 2>&1; then
	(echo 'BEGIN IMMEDIATE;'; sleep 4; echo 'ROLLBACK;') | sqlite3 "$work/h.db" &
	lock_pid=$!
	check "history problem: the footer says writes fail" wait_for 8 on_screen '^history: cannot write .*: database is locked'
	wait "$lock_pid"
	keys e
	check "history problem: kept in the notices pane" wait_for 3 on_screen '^[0-9-]+ [0-9:]+ history: cannot write .*: database is locked'
	check "history problem: writes resumed, kept too" wait_for 8 on_screen '^[0-9-]+ [0-9:]+ history: writes resumed'
	keys Escape
else
	skip "history problem in the notices pane" "sqlite3 not installed"
fi
keys q
