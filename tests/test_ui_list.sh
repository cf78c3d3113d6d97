#!/usr/bin/env bash
# The endpoint list as an operator reads it (issue 10, points 5-8): the real
# binary in a tmux pane of 120x12 (7 list rows for 13 endpoints), read back
# with capture-pane (-e for the selected row's reverse video).
#  - the cursor starts on the first row (the worst), not on the first name;
#  - the row under the cursor keeps its place when its state changes (a
#    server of our own stopped, then started again): the view does not
#    follow it into the UP block, the DOWN rows stay in view;
#  - the position (1-7/13) and the scroll marks;
#  - a click on a heading sorts by its column, a second click reverses, S
#    too; a double-click opens the detail; n jumps to the next problem; t
#    shows the tags; F freezes the order (FROZEN in the header);
#  - r on a paused endpoint says so instead of claiming a probe;
#  - widths: a long name and a long host end in an ellipsis; at each
#    column's drop width the column is there whole, one column less and it
#    is gone whole (the headings are exactly the expected set).
# Mouse clicks are the xterm SGR sequences the terminal would send, typed
# into the pane with send-keys -l (send-keys -M needs a real client).
set -u

. "$(dirname "$0")/lib/harness.sh"

if ! command -v tmux >/dev/null 2>&1; then
	skip "list in tmux" "tmux not installed (scripts/deps.sh installs it)"
	exit 0
fi

work=$(mktemp -d)
sock=httpsmon-list-$$
T() { tmux -L "$sock" "$@"; }
cleanup() {
	T kill-server 2>/dev/null
	[ -n "${sock_path:-}" ] && rm -f "$sock_path"
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	[ -n "${flaky_pid:-}" ] && kill "$flaky_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
# zz-flaky's server: started once for a free port, stopped until the test needs it up
start_flaky || { notok "flaky server starts"; exit 1; }
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null

good=$(port good)
closed=$(port closed)
longhost=a-really-long-hostname-for-the-host-column.test
cfg=$work/endpoints.ini
{
	printf '[defaults]\nca_file = %s\ninterval = 1s\ntimeout = 800ms\nfail_after = 1\nrecover_after = 1\ntags = prod, team-x\n' "$ca"
	for i in 01 02 03 04 05 06 07 08; do printf '[ok-%s]\nurl = https://localhost:%s/\n' "$i" "$good"; done
	printf '[a-very-long-endpoint-name-for-the-cut]\nurl = https://localhost:%s/\n' "$good"
	printf '[down-a]\nurl = https://localhost:%s/\n[down-b]\nurl = https://localhost:%s/\n' "$closed" "$closed"
	printf '[host-cut]\nurl = https://%s:%s/\nresolve = %s:%s:127.0.0.1\n' "$longhost" "$good" "$longhost" "$good"
	printf '[zz-flaky]\nurl = https://localhost:%s/\n' "$flaky_port"
} >"$cfg"

T -f /dev/null new-session -d -s ui -x 120 -y 12 \
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
# click X Y: a left click at 1-based column X, row Y (SGR: press, then release)
click() { keys -l $'\e[<0;'"$1;$2M"$'\e[<0;'"$1;$2m"; }
# dclick X Y: two clicks 0.1 s apart (curses reads two clicks in one write as one)
dclick() { click "$1" "$2"; sleep 0.1; click "$1" "$2"; }

names_re='ok-0[1-8]|a-very-long[^ ]*|down-[ab]|host-cut|zz-flaky'
# list rows in screen order: "NAME STATE" per line
# (the list is on screen lines 4-10: 7 rows under the headings; 11 is the notice, 12 the keys)
rows() { cap | awk -v re="^($names_re)$" 'NR >= 4 && NR <= 10 { for (i = 1; i <= NF; i++) if ($i ~ re) { print $i, $2; break } }'; }
# the selected row's name and screen line: the row whose line starts in reverse video
selected() {
	T capture-pane -e -p -t ui | awk 'NR >= 4 && NR <= 10 { print NR "\t" $0 }' |
		grep -E $'^[0-9]+\t\e\\[([0-9]+;)*7m' | head -1 | sed 's/\x1b\[[0-9;]*m//g' |
		awk -v re="^($names_re)$" '{ for (i = 2; i <= NF; i++) if ($i ~ re) { print $i, $1; exit } }'
}
sel_is() { [ "$(selected | cut -d' ' -f1)" = "$1" ]; }
row_state() { rows | grep -qx "$1 $2"; }

first_round() { row_state down-a DOWN && row_state down-b DOWN && row_state host-cut DOWN &&
	row_state zz-flaky DOWN && row_state ok-01 UP; }
check "first round: every endpoint judged" wait_for 15 first_round

# ---- the cursor at start ------------------------------------------------------
check "start: the cursor is on the first row, the worst (down-a), not on the first name" sel_is down-a
check "start: the first screen holds the DOWN rows" eval '[ "$(rows | head -4 | cut -d" " -f2 | sort -u)" = DOWN ]'
check "position: 1-7/13 at the right of the headings" on_screen '^STATE.*REASON +1-7/13$'
mark_below() { cap | sed -n 10p | grep -q '▼$'; }
check "scroll mark: ▼ on the last list row when rows are hidden below" mark_below
check "scroll mark: no ▲ with nothing hidden above" eval '! cap | sed -n 4p | grep -q "▲$"'

# ---- the row under the cursor keeps its place ---------------------------------------
keys n n n
check "n: jumps from problem to problem (down-b, host-cut, zz-flaky)" wait_for 3 sel_is zz-flaky
line_before=$(selected | cut -d' ' -f2)
start_flaky || notok "flaky server starts"
check "zz-flaky recovers: its row shows UP" wait_for 10 row_state zz-flaky UP
held() {
	[ "$(selected)" = "zz-flaky $line_before" ] && row_state down-a DOWN && row_state down-b DOWN &&
		row_state host-cut DOWN
}
check "held: still selected on the same screen line, the DOWN rows still in view" held
keys k
caught_up() { sel_is host-cut && ! rows | grep -q '^zz-flaky '; }
check "the cursor leaves it: it takes its place in the UP block (out of view)" wait_for 3 caught_up

# ---- position and marks at the end -----------------------------------------------------
keys G
at_end() { on_screen '^STATE.*REASON +7-13/13$' && cap | sed -n 4p | grep -q '▲$' && ! cap | sed -n 10p | grep -q '▼$'; }
check "G: position 7-13/13, ▲ on the first list row, no ▼" wait_for 3 at_end
keys g
check "g: the cursor back on the first row" wait_for 3 sel_is down-a

# ---- sorting by click and S -----------------------------------------------------------
name_x=$(( $(cap | sed -n 3p | awk '{ print index($0, "NAME") }') + 1 ))
click "$name_x" 3
check "click on NAME: sorted by name (▼)" wait_for 3 on_screen '^STATE +NAME▼'
check "click on NAME: the notice says so" on_screen '^sorted by name'
check "sorted by name: a-very-long... first" eval '[ "$(rows | head -1 | cut -d" " -f1)" = a-very-long-endpoint-na… ]'
click "$name_x" 3
check "second click on NAME: reversed (▲), zz-flaky first" wait_for 3 on_screen '^STATE +NAME▲'
check "reversed: zz-flaky first" eval '[ "$(rows | head -1 | cut -d" " -f1)" = zz-flaky ]'
keys S
check "S: reverses back (▼)" wait_for 3 on_screen '^STATE +NAME▼'
click 2 3
check "click on STATE: worst first again" wait_for 3 on_screen '^STATE▼ +NAME '

# ---- double-click opens the detail -------------------------------------------------------
# a double-click is two clicks within 0.4 s: a loaded machine may stretch one, so up to three tries
for _ in 1 2 3; do dclick 20 5; wait_for 2 on_screen '^down-b  https://localhost' && break; done
check "double-click on a row: its detail opens" on_screen '^down-b  https://localhost'
keys Escape
check "Esc: back to the list" wait_for 3 on_screen '^STATE'

# ---- t, F ---------------------------------------------------------------------------------
keys t
check "t: the TAGS column shows each row's tags" wait_for 3 on_screen '^STATE.? +NAME +TAGS +'
check "t: tags on the rows (cut with …)" on_screen ' prod,(team-x|[a-z-]*…) '
keys t
check "t again: no TAGS column" wait_for 3 not_on_screen ' TAGS '
keys F
check "F: FROZEN in the header" wait_for 3 on_screen '^ httpsmon .*FROZEN \(F\)'
keys F
check "F again: no FROZEN" wait_for 3 not_on_screen 'FROZEN'

# ---- r on a paused endpoint ---------------------------------------------------------------
keys g p
check "p: the first row is paused" wait_for 3 row_state down-a PAUSED
keys r
check "r on a paused endpoint: 'paused: p resumes', no claim of a probe" wait_for 3 on_screen '^down-a is paused: p resumes'
check "r on a paused endpoint: no 'probing'" not_on_screen 'probing down-a'
keys p

# ---- widths ---------------------------------------------------------------------------------
# The name column is 24 wide (the long name, cut), the host column at least
# 10: every column whole needs 130 columns (the last one is the scroll mark's).
# Each drop width: the column shows at W, is gone at W - 1 (and so is every
# column dropped before it).
headings() { cap | sed -n 3p | sed 's/ [0-9]*-[0-9]*\/[0-9]*$//; s/[▼▲]//g; s/TLS HS/TLS_HS/; s/UP 24h/UP_24h/' | tr -s ' ' | sed 's/ $//'; }
all="STATE NAME HOST LATENCY TLS_HS RECENT UP_24h CERT GRADE TLS AGE REASON"
drop() { local h=$1 c=$2; sed "s/ $c / /; s/ $c\$//" <<<"$h"; }
want=$all
for step in "HOST 130" "TLS 119" "GRADE 114" "TLS_HS 107" "AGE 98" "RECENT 89" "CERT 78" "UP_24h 70" "LATENCY 62"; do
	set -- $step
	T resize-window -t ui -x "$2" -y 12
	wait_for 3 eval '[ "$(headings)" = "$want" ]'
	got=$(headings)
	[ "$got" = "$want" ] && ok "width $2: $1 shown whole ($want)" || notok "width $2: $1 shown" "want: $want" "got:  $got" "$(screen)"
	want=$(drop "$want" "$1")
	T resize-window -t ui -x $(($2 - 1)) -y 12
	wait_for 3 eval '[ "$(headings)" = "$want" ]'
	got=$(headings)
	[ "$got" = "$want" ] && ok "width $(($2 - 1)): $1 dropped whole ($want)" || notok "width $(($2 - 1)): $1 dropped" "want: $want" "got:  $got" "$(screen)"
done
# at 40 (the least the dashboard takes) state, name and reason remain, each whole
T resize-window -t ui -x 40 -y 12
check "width 40: STATE NAME REASON" wait_for 3 eval '[ "$(headings)" = "STATE NAME REASON" ]'
check "width 40: the long name is cut with an ellipsis (19 columns)" on_screen ' a-very-long-endpoi… '
check "width 40: no room beside the headings: the position is at the footer's right end" eval 'cap | tail -1 | grep -qE " 1-7/13$"'
check "width 40: and not in the headings" eval '! cap | sed -n 3p | grep -q "1-7/13"'
T resize-window -t ui -x 150 -y 12
check "width 150: the long name is cut with an ellipsis at 24 columns" wait_for 3 on_screen ' a-very-long-endpoint-na… '
check "width 150: the long host is cut with an ellipsis at 28 columns" on_screen ' a-really-long-hostname-for-… '
no_partial() {
	# every row ends before the last column (the scroll mark's) or at a mark; nothing runs past its column
	! cap | sed -n '4,9p' | grep -qE '.{150}'
}
check "width 150: no row writes into the last column but the marks" no_partial

keys q
check "q quits" wait_for 5 eval '! T has-session -t ui 2>/dev/null || ! on_screen "^STATE"'
