#!/usr/bin/env bash
# The headless collector with its database on a full file system (a small
# tmpfs, so this needs root, as the suite has on CI): the write error is
# logged once, not once per retry; space freed is used within about a
# second, not at the end of a backoff; SIGTERM while writes fail saves the
# queue to the spill file beside the database and exits 0, and the next
# start writes it, every probe exactly once, and delivers the alert that
# was pending in it, once, and the posture pass made while writes failed;
# with no room for the spill
# either, SIGTERM exits 1 and the log gives the count lost. TAP-ish output;
# local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
if [ "$(id -u)" != 0 ]; then
	skip "collector on a full tmpfs" "not root: cannot mount a tmpfs"
	exit 0
fi
work=$(mktemp -d)
small=$work/small
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	[ -n "${lock_pid:-}" ] && kill "$lock_pid" 2>/dev/null
	[ -n "${flaky_pid:-}" ] && kill "$flaky_pid" 2>/dev/null
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	umount -l "$small" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$small"
if ! mount -t tmpfs -o size=3m httpsmon-test "$small" 2>/dev/null; then
	skip "collector on a full tmpfs" "mount -t tmpfs refused (a container without CAP_SYS_ADMIN?)"
	exit 0
fi
lab_up || { notok "lab starts"; exit 1; }

start_flaky || { notok "flaky server starts"; exit 1; }

# 20 endpoints every second: a backlog builds quickly; one more, alerting
# through a command that refuses while $work/refuse exists
cfg=$work/endpoints.ini
cat >"$work/notify.sh" <<EOF
#!/bin/sh
[ -e "$work/refuse" ] && exit 1
echo "\$HTTPSMON_KIND \$HTTPSMON_ENDPOINT" >>"$work/alerts.log"
EOF
{
	printf '[defaults]\nca_file = %s\ninterval = 1s\ntimeout = 800ms\n' "$ca"
	for i in $(seq 20); do printf '[ep%d]\nurl = https://localhost:%s/\n' "$i" "$(port good)"; done
	printf '[pst]\nurl = https://localhost:%s/\nposture_interval = 10s\nposture_verdict = info\n' "$(port good)"
	printf '[flaky]\nurl = https://localhost:%s/\nfail_after = 1\nnotify = cmd\n' "$flaky_port"
	printf '[notify:cmd]\ntype = command\ncommand = /bin/sh %s/notify.sh\ngroup_wait = 0s\n' "$work"
} >"$cfg"
db=$small/history.db
spill=$db.spill
count() { sqlite3 "$db" "select count(*) from probe${1:+ where $1}" 2>/dev/null || echo -1; }
fill() { dd if=/dev/zero of="$small/filler" bs=4k 2>/dev/null; true; }
# start LOG: the collector in the background, $hp its pid
start() {
	"$BIN" --headless -c "$cfg" --db "$db" 2>"$1" &
	hp=$!
	pids+=("$hp")
}

log=$work/run1.log
start "$log"
wait_for 10 sh -c "[ \$(sqlite3 '$db' 'select count(*) from probe' 2>/dev/null || echo 0) -ge 20 ]" ||
	{ notok "the collector writes its first probes" "$(tail -5 "$log")"; exit 1; }

# the disk fills up: one log line, however many retries follow
fill
if wait_for 10 grep -q "history: cannot write .*full" "$log"; then
	sleep 5
	lines=$(grep -c "history: cannot write" "$log")
	[ "$lines" -eq 1 ] && ok "a full disk is logged once: $(grep -m1 -o 'history: cannot write.*' "$log" | cut -c1-110)" ||
		notok "a full disk is logged once" "$lines lines" "$(grep history "$log")"
else
	notok "a full disk is logged" "$(tail -5 "$log")"
fi

# space comes back: seen within about a second (the backoff by now is longer), and used
before=$(count)
t0=$SECONDS
rm -f "$small/filler"
if wait_for 6 sh -c "[ \$(sqlite3 '$db' 'select count(*) from probe' 2>/dev/null || echo 0) -gt $before ]" &&
	wait_for 3 grep -q "history: writes resumed" "$log"; then
	ok "freed space is used at once (probes land $((SECONDS - t0)) s after the rm, writes resumed)"
else
	notok "freed space is used at once" "$before -> $(count)" "$(grep history "$log")"
fi

# writes fail (the database is locked this time) and SIGTERM comes: the queue goes to the spill file,
# with an alert whose receiver refused it: its outbox row and attempt are not in the database
touch "$work/refuse"
(echo ".timeout 5000"; echo "BEGIN IMMEDIATE;"; sleep 20; echo "ROLLBACK;") | sqlite3 "$db" &
lock_pid=$!
wait_for 5 grep -q "history: cannot write .*locked" "$log" || notok "the locked database is noticed" "$(tail -3 "$log")"
# a posture pass (every 10 s) while the database is locked: it waits in the queue
passes=$(grep -c 'pst posture:' "$log")
wait_for 12 sh -c "[ \$(grep -c 'pst posture:' '$log') -gt $passes ]" || notok "a posture pass while locked" "$(tail -3 "$log")"
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null; flaky_pid=
wait_for 8 grep -q "notify cmd: down failed" "$log" || notok "the down alert is refused" "$(tail -3 "$log")"
had=$(count)
kill -TERM "$hp"
wait "$hp"; rc=$?
spilled=$(grep -c '^P' "$spill" 2>/dev/null || echo 0)
if [ "$rc" -eq 0 ] && [ "$spilled" -gt 0 ] && grep -q "saved to $spill" "$log" && [ "$(stat -c %a "$spill")" = 600 ]; then
	ok "SIGTERM while writes fail: exit 0, $spilled probes in the spill file (0600)"
else
	notok "SIGTERM while writes fail: exit 0 and a spill file" "exit $rc, $spilled probes" "$(tail -3 "$log")"
fi
if grep -q '^A	[0-9]*	cmd	down	' "$spill" && grep -q '^D	[0-9]*	cmd	down	flaky	1	retry	' "$spill" &&
	[ "$(sqlite3 "$db" "select count(*) from outbox")" = 0 ]; then
	ok "the pending alert and its refused attempt are in the spill file, not in the database"
else
	notok "the pending alert is in the spill file" "$(grep -v '^[PCE]' "$spill" | cut -c1-120)" "$(grep notify "$log")"
fi
pass_t=$(awk -F'\t' '$1 == "G" && $2 == "pst" { t = $3 } END { print t }' "$spill")
if [ -n "$pass_t" ] && grep -q "1 posture pass\|[0-9] posture passes" "$log" &&
	[ "$(sqlite3 "$db" "select count(*) from posture where t_ms = $pass_t")" = 0 ]; then
	ok "the posture pass made while locked is in the spill file, not in the database"
else
	notok "the posture pass made while locked is in the spill file" "t=$pass_t" "$(grep 'saved to' "$log")"
fi
wait "$lock_pid" 2>/dev/null
lock_pid=
rm -f "$work/refuse"

# the next start writes the spill, each probe once, and removes the file
restart_ms=$(($(date +%s%N) / 1000000))
log2=$work/run2.log
start "$log2"
if wait_for 10 sh -c "! test -e '$spill'"; then
	kill -TERM "$hp"; wait "$hp"
	got=$(count "t_ms < $restart_ms")
	[ "$got" -eq $((had + spilled)) ] && grep -q "records from $spill queued for writing" "$log2" &&
		ok "the next start imports the spill: $had + $spilled = $got probes from before it, none lost or doubled" ||
		notok "the next start imports the spill exactly once" "$had + $spilled != $got" "$(grep history "$log2")"
else
	notok "the next start imports the spill and removes it" "$(grep history "$log2")"
	kill -TERM "$hp"; wait "$hp"
fi
if [ -n "$pass_t" ] && [ "$(sqlite3 "$db" "select grade from posture where name = 'pst' and t_ms = $pass_t")" != "" ]; then
	ok "the next start writes the spilled posture pass"
else
	notok "the next start writes the spilled posture pass" "$(sqlite3 "$db" 'select name, t_ms, grade from posture')"
fi
# the alert: delivered by the next start, once; its first attempt kept, once
if [ "$(cat "$work/alerts.log" 2>/dev/null)" = "down flaky" ] &&
	[ "$(sqlite3 "$db" "select status || ' ' || attempts from outbox where endpoint = 'flaky'")" = "1 2" ] &&
	[ "$(sqlite3 "$db" "select group_concat(result, ' ') from (select result from delivery order by id)")" = "retry delivered" ]; then
	ok "the spilled alert is delivered by the next start, exactly once (attempts: retry, delivered; the row says 2)"
else
	notok "the spilled alert is delivered by the next start, exactly once" "$(cat "$work/alerts.log" 2>/dev/null)" \
		"$(sqlite3 "$db" "select * from outbox; select * from delivery")" "$(grep notify "$log2")"
fi

# no room for the spill either: exit 1, and the count lost is logged
log3=$work/run3.log
start "$log3"
sleep 2
fill
wait_for 10 grep -q "history: cannot write .*full" "$log3"
sleep 2
kill -TERM "$hp"
wait "$hp"; rc=$?
if [ "$rc" -eq 1 ] && grep -q "lost: [1-9][0-9]* queued results" "$log3" && ! test -e "$spill.tmp"; then
	ok "no room for the spill: exit 1, $(grep -o 'lost: [0-9]* queued results' "$log3")"
else
	notok "no room for the spill: exit 1 with the count lost" "exit $rc" "$(grep history "$log3")"
fi
rm -f "$small/filler"
[ "$(sqlite3 "$db" 'pragma integrity_check')" = ok ] && ok "the database is intact" || notok "the database is intact"
