#!/usr/bin/env bash
# The headless collector from outside: it probes on schedule and records
# history, logs state changes, reloads an edited config (and keeps the
# running one when the edit is broken), records an outage when a server
# goes away and ends it when it comes back, refuses a second collector,
# stops cleanly on SIGTERM, and survives SIGKILL with an intact database
# holding every committed probe; --view keeps an endpoint whose probes time
# out current; a second SIGINT while stopping exits at once, its queue in
# the spill file. TAP-ish output; local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(tail -20 "$log" 2>/dev/null)"; fi; }
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	tmux -L "httpsmon-view-$$" kill-server 2>/dev/null
	tmux -L "httpsmon-slowview-$$" kill-server 2>/dev/null
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
[flaky]
url = https://localhost:$flaky_port/
EOF
db=$work/history.db
log=$work/headless.log

# A second collector, whose check comes at the end (its waiting overlaps the
# rest): an endpoint whose probes always time out after 5 s (the lab's hang
# listener accepts and never answers) next to a fast one. Each of its probes
# is written 5 s after it started, after newer probes of the fast endpoint:
# --view must show it all the same.
slowcfg=$work/slow.ini
cat >"$slowcfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
[fast]
url = https://localhost:$(port good)/
[hung]
url = https://localhost:$(port hang)/
interval = 5s
timeout = 5s
EOF
slowdb=$work/slow.db
"$BIN" --headless -c "$slowcfg" --db "$slowdb" 2>"$work/slow.log" &
slow_pid=$!
pids+=("$slow_pid")

"$BIN" --headless -c "$cfg" --db "$db" 2>"$log" &
hp=$!
pids+=("$hp")

check "logs that it is watching 2 endpoints" wait_for 5 grep -q "watching 2 endpoints" "$log"
check "first verdicts are logged" wait_for 5 grep -q "good state: PENDING -> UP" "$log"

# a second collector on the same database is refused, clearly
out=$(timeout 5 "$BIN" --headless -c "$cfg" --db "$db" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qi "collector" <<<"$out"; then ok "second collector refused: $(head -1 <<<"$out")"
else notok "second collector refused" "exit $rc" "$out"; fi

# the server goes away: DOWN after fail_after failures, an outage is recorded
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null
check "outage starts when the server stops" wait_for 8 grep -q "flaky outage_start" "$log"
check "state goes to DOWN" grep -q "flaky state: FAILING -> DOWN" "$log"
start_flaky
check "outage ends when the server is back" wait_for 8 grep -q "flaky outage_end" "$log"
# the end is committed within a flush period; poll rather than guess how
# long a loaded machine takes. The outage's cause is its first failed probe:
# "refused" once the server is gone, or, when the kill landed while a probe
# was reading the response, that probe's "connection closed mid-response"
# (a true cause too; no test can choose where a probe is when a process dies).
outage_listed() {
	out=$("$BIN" history --db "$db" --json 2>&1)
	local row
	row=$(grep '"type":"outage","endpoint":"flaky"' <<<"$out") || return 1
	grep -q '"ongoing":false' <<<"$row" || return 1
	grep -q '"reason":"refused"' <<<"$row" ||
		{ grep -q '"reason":"probe_error"' <<<"$row" && grep -q 'closed mid-response' <<<"$row"; }
}
if wait_for 10 outage_listed; then ok "history lists the outage with its cause (read while the collector runs)"
else notok "history lists the outage with its cause" "$out"; fi

# a read-only dashboard on the collector's database follows it live
if command -v tmux >/dev/null 2>&1; then
	vsock=httpsmon-view-$$
	tmux -L "$vsock" -f /dev/null new-session -d -x 120 -y 20 \
		"env TERM=xterm-256color LANG=C.UTF-8 '$BIN' --view --db '$db'"
	vscreen() { tmux -L "$vsock" capture-pane -p 2>/dev/null; }
	check "--view opens read-only on the collector's database" wait_for 5 sh -c "tmux -L $vsock capture-pane -p | grep -q 'httpsmon (read-only)'"
	check "--view lists the endpoints with their state" wait_for 5 sh -c "tmux -L $vsock capture-pane -p | grep -q 'UP  *good'"
	check "--view shows each endpoint's host, from its stored url" sh -c "tmux -L $vsock capture-pane -p | grep -q 'UP  *good  *localhost '"
	first=$(vscreen | grep ' good ' | head -1)
	sleep 2.5
	if [ "$(vscreen | grep ' good ' | head -1)" != "$first" ] || vscreen | grep ' good ' | grep -q ' now '; then
		ok "--view follows new probes"
	else
		notok "--view follows new probes" "$(vscreen)"
	fi
	tmux -L "$vsock" send-keys q
	wait_for 3 sh -c "! tmux -L $vsock has-session 2>/dev/null" || tmux -L "$vsock" kill-server 2>/dev/null
fi

# the hung endpoint's first timeout is written: watch its database from now on
slow_view=
if command -v tmux >/dev/null 2>&1 && wait_for 10 grep -q "hung state: PENDING -> FAILING" "$work/slow.log"; then
	ssock=httpsmon-slowview-$$
	tmux -L "$ssock" -f /dev/null new-session -d -x 160 -y 20 \
		"env TERM=xterm-256color LANG=C.UTF-8 '$BIN' --view --db '$slowdb'"
	slow_view=$SECONDS
fi

# reload on save: add an endpoint
cat >>"$cfg" <<EOF
[added]
url = https://localhost:$(port good)/
EOF
check "an added endpoint starts" wait_for 5 grep -q "config reloaded: 3 endpoints" "$log"
check "the added endpoint is probed" wait_for 5 grep -q "added state: PENDING -> UP" "$log"

# a broken edit (replaced by rename, as editors do) keeps the running config, names file:line
cp "$cfg" "$work/good.ini"
{ cat "$cfg"; printf '[broken]\nurl = https://localhost/\ninterval = soon\n'; } >"$work/tmp.ini"
mv "$work/tmp.ini" "$cfg"
check "a broken edit is reported with file:line" wait_for 5 grep -q "config not reloaded.*endpoints.ini:[0-9]*: \[broken\] interval" "$log"
sleep 1.2
if kill -0 "$hp" 2>/dev/null; then ok "the collector keeps running on the old config"; else notok "collector still running"; fi

# SIGHUP reloads too
mv "$work/good.ini" "$cfg"
kill -HUP "$hp"
check "SIGHUP reloads" wait_for 5 grep -q "SIGHUP: reloading" "$log"

# SIGTERM: stops, flushes, exits 0
kill -TERM "$hp"
wait "$hp"; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM exits 0" || notok "SIGTERM exits 0" "exit $rc" "$(tail -5 "$log")"
probes_before=$(sqlite3 "$db" "select count(*) from probe" 2>/dev/null || echo 0)
[ "${probes_before:-0}" -gt 5 ] && ok "probes were recorded ($probes_before)" || notok "probes were recorded" "$probes_before"
out=$("$BIN" stats --db "$db" --json 2>&1)
if grep -q '"endpoint":"good"' <<<"$out" && grep -q '"uptime_24h":100' <<<"$out"; then ok "stats: good is 100% up"
else notok "stats: good is 100% up" "$out"; fi

# SIGKILL at random moments: the file stays intact and keeps every committed probe
bad=0
for i in 1 2 3 4 5 6; do
	before=$(sqlite3 "$db" "select count(*) from probe")
	"$BIN" --headless -c "$cfg" --db "$db" 2>>"$work/kill.log" &
	kp=$!
	sleep "0.$((RANDOM % 9 + 1))"
	sleep 1
	kill -9 "$kp"; wait "$kp" 2>/dev/null
	res=$(sqlite3 "$db" "pragma integrity_check")
	after=$(sqlite3 "$db" "select count(*) from probe")
	if [ "$res" != ok ] || [ -z "$before" ] || [ -z "$after" ] || [ "$after" -lt "$before" ]; then bad=$((bad + 1)); echo "# round $i: $res, $before -> $after"; fi
done
[ $bad -eq 0 ] && ok "SIGKILL x6: integrity ok, no committed probe lost" || notok "SIGKILL x6" "$bad bad rounds" "$(tail -5 "$work/kill.log")"

# --view follows the endpoint whose probes time out: 25 s after it opened,
# the row shows the newest timeout, at most about two probe cycles old
# (5 s interval, each probe written 5 s after it started, + 1 s flush + 1 s
# poll), not the first one it loaded.
if [ -n "$slow_view" ]; then
	while [ $((SECONDS - slow_view)) -lt 25 ]; do sleep 1; done
	row=$(tmux -L "$ssock" capture-pane -p | grep ' hung ' | head -1)
	age=$(grep -o '[0-9]*[smhd] ago' <<<"$row" | head -1)
	if grep -q 'timeout' <<<"$row" && [[ $age =~ ^([0-9]+)s\ ago$ ]] && [ "${BASH_REMATCH[1]}" -le 16 ]; then
		ok "--view keeps a timing-out endpoint current (last probe $age, reason timeout)"
	else
		notok "--view keeps a timing-out endpoint current" "row: $row" "$(tmux -L "$ssock" capture-pane -p)"
	fi
	# the detail of a stored probe marks the phase the probe engine said it died in (stored, not guessed)
	tmux -L "$ssock" send-keys / && tmux -L "$ssock" send-keys -l hung && tmux -L "$ssock" send-keys Enter Enter
	check "--view: the detail's waterfall marks the stored failed phase (TLS)" wait_for 5 sh -c \
		"tmux -L $ssock capture-pane -p | grep -qE '^ +TLS .*← failed here'"
	tmux -L "$ssock" kill-server 2>/dev/null
else
	skip "--view keeps a timing-out endpoint current" "no tmux, or the hung endpoint never failed"
fi
kill -TERM "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null

# ---- a second Ctrl-C while stopping ----------------------------------------------------
# The first SIGINT stops cleanly: the collector waits for the probes in
# flight (one hangs for 10 s here) and then writes what is queued. A second
# one while it waits ends the wait at once: the queue goes straight to the
# spill file (another writer holds the database here, as a stuck store
# would) and the collector exits, saying so.
intcfg=$work/int.ini
cat >"$intcfg" <<EOF
[defaults]
ca_file = $ca
[good]
url = https://localhost:$(port good)/
interval = 1s
timeout = 800ms
[hung]
url = https://localhost:$(port hang)/
interval = 15s
timeout = 10s
EOF
intdb=$work/int.db
intlog=$work/int.log
"$BIN" --headless -c "$intcfg" --db "$intdb" 2>"$intlog" &
ip=$!
pids+=("$ip")
check "second Ctrl-C: the collector runs" wait_for 10 grep -q "good state: PENDING -> UP" "$intlog"
# another writer takes the database: nothing more of this run can be written there
mkfifo "$work/hold"
sqlite3 "$intdb" <"$work/hold" &
holder=$!
pids+=("$holder")
exec 7>"$work/hold"
echo "BEGIN IMMEDIATE;" >&7
held() { grep -q "history: .*locked" "$intlog"; }
check "second Ctrl-C: the database is held by another writer" wait_for 10 held
# the hung probe is in flight: the collector has a connection to the hang listener
hung_in_flight() {
	local hp ino
	hp=$(printf ':%04X' "$(port hang)")
	for ino in $(for f in /proc/"$ip"/fd/*; do readlink "$f"; done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'); do
		awk -v hp="$hp" -v ino="$ino" '$3 ~ hp "$" && $4 == "01" && $10 == ino { f = 1 } END { exit !f }' \
			/proc/net/tcp /proc/net/tcp6 && return 0
	done
	return 1
}
check "second Ctrl-C: the hung probe is in flight" wait_for 10 hung_in_flight
kill -INT "$ip"
check "second Ctrl-C: the first SIGINT stops, waiting for the probe in flight" wait_for 5 grep -q "SIGINT: stopping" "$intlog"
sleep 1
if kill -0 "$ip" 2>/dev/null; then ok "second Ctrl-C: 1 s later it still waits (a long shutdown)"
else notok "second Ctrl-C: 1 s later it still waits" "$(tail -5 "$intlog")"; fi
kill -INT "$ip"
int_gone() { ! kill -0 "$ip" 2>/dev/null; }
check "second Ctrl-C: the second SIGINT ends it at once" wait_for 3 int_gone
wait "$ip"
rc=$?
[ $rc -eq 0 ] && ok "second Ctrl-C: exit 0 (what was queued is in the spill file)" || notok "second Ctrl-C: exit 0" "exit $rc" "$(tail -5 "$intlog")"
check "second Ctrl-C: the log says it stopped waiting" grep -qE "SIGINT again: not waiting for [0-9]+ probes? in flight" "$intlog"
spilled() { [ -s "$intdb.spill" ] && grep -q "history: stopping at once; .* saved to .*int.db.spill" "$intlog"; }
check "second Ctrl-C: the queue went to the spill file" spilled
exec 7>&- # end of input: the other writer ends, its lock with it
wait "$holder" 2>/dev/null || true
