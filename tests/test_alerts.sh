#!/usr/bin/env bash
# Alerts from outside, on the real binary with real receivers on loopback:
# test-notify through a webhook (delivered: exit 0; HTTP 503: exit 2 and the
# status printed; the secret part of the URL never printed) and a command
# (its HTTPSMON_* environment and the JSON on stdin); the headless
# collector sending a `down` when a server goes away, retrying with backoff
# while the receiver answers 500 and delivering once it answers 200; a
# collector killed (SIGKILL) while the receiver is down delivering the alert
# exactly once after a restart; `httpsmon history` listing the attempts;
# the header's mark for a notifier that keeps failing, live and the same
# in the read-only viewer.
# TAP-ish output; local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/receivers.sh"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	tmux -L "httpsmon-alerts-$$" kill-server 2>/dev/null
	tmux -L "httpsmon-alerts-live-$$" kill-server 2>/dev/null
	receivers_stop
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	[ -n "${flaky_pid:-}" ] && kill "$flaky_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
start_flaky || { notok "flaky server starts"; exit 1; }
recv_start || { notok "HTTP receiver starts"; exit 1; }

# the command notifier's recorder: environment and stdin, one file per run
cat >"$work/rec.sh" <<'EOF'
#!/bin/sh
d=$(dirname "$0")/cmd
mkdir -p "$d"
i=$(ls "$d" | grep -c '^out')
{ env | grep '^HTTPSMON_' | sort; echo ---; cat; } >"$d/tmp.$$" && mv "$d/tmp.$$" "$d/out.$i"
EOF
chmod +x "$work/rec.sh"

cfg=$work/endpoints.ini
write_cfg() {
	cat >"$cfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
fail_after = 2
notify = hook
[notify:hook]
type = webhook
url = http://127.0.0.1:$recv_port/hook/T000/SEKRIT-TOKEN
group_wait = 0s
timeout = 2s
[notify:cmd]
type = command
command = $work/rec.sh --flag
[flaky]
url = https://localhost:$flaky_port/
EOF
}
write_cfg
db=$work/history.db

# --- test-notify ---------------------------------------------------------------
out=$("$BIN" test-notify hook -c "$cfg" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF '\"kind\":\"test\"' "$work/recv/requests.jsonl" && ! grep -q SEKRIT <<<"$out"; then
	ok "test-notify webhook: delivered, exit 0, URL secret not printed"
else
	notok "test-notify webhook: delivered, exit 0" "rc=$rc" "$out"
fi
recv_status 503
out=$("$BIN" test-notify hook -c "$cfg" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q 'NOT delivered' <<<"$out" && grep -q '503' <<<"$out"; then
	ok "test-notify webhook answering 503: exit 2, the status printed"
else
	notok "test-notify webhook answering 503: exit 2" "rc=$rc" "$out"
fi
recv_status 200
out=$("$BIN" test-notify cmd -c "$cfg" 2>&1); rc=$?
f=$work/cmd/out.0
if [ $rc -eq 0 ] && grep -qx 'HTTPSMON_KIND=test' "$f" && grep -qx 'HTTPSMON_COUNT=1' "$f" &&
	grep -q '^HTTPSMON_SINCE=20[0-9-]*T[0-9:]*Z$' "$f" && grep -q '"kind":"test"' "$f"; then
	ok "test-notify command: HTTPSMON_* environment and the JSON on stdin"
else
	notok "test-notify command: environment and stdin" "rc=$rc" "$out" "$(cat "$f" 2>/dev/null)"
fi

# --- retries with backoff: 500, then 200 ---------------------------------------
: >"$work/recv/requests.jsonl"
recv_status 500
"$BIN" --headless -c "$cfg" --db "$db" 2>>"$work/collector.log" &
cpid=$!; pids+=("$cpid")
wait_for 10 grep -q 'watching' "$work/collector.log"
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null; flaky_pid=
# down alerts the receiver got (bodies are JSON strings in requests.jsonl)
downs() { cat "$work/recv/requests.jsonl" 2>/dev/null | grep -cF '\"kind\":\"down\"'; }
downs_at_least() { [ "$(downs)" -ge "$1" ]; }
if wait_for 20 downs_at_least 2; then
	ok "a down alert is retried while the receiver answers 500"
else
	notok "a down alert is retried while the receiver answers 500" "$(tail -5 "$work/collector.log")"
fi
recv_status 200
before=$(downs)
delivered() { "$BIN" history --db "$db" 2>/dev/null | grep -q ' delivered '; }
if wait_for 20 delivered; then
	ok "delivered once the receiver answers 200"
else
	notok "delivered once the receiver answers 200" "$("$BIN" history --db "$db" 2>&1 | tail -8)"
fi
sleep 3 # backoff would have sent it again by now if it were still pending
after=$(downs)
if [ "$after" -eq "$((before + 1))" ] || [ "$after" -eq "$before" ]; then
	ok "no more attempts after the 2xx ($after requests in all)"
else
	notok "no more attempts after the 2xx" "before=$before after=$after"
fi
h=$("$BIN" history --db "$db" --json 2>&1)
if grep -q '"type":"delivery".*"notifier":"hook".*"result":"retry".*"code":500' <<<"$h" &&
	grep -q '"type":"delivery".*"result":"delivered".*"code":200' <<<"$h"; then
	ok "history --json lists each attempt (retry 500, delivered 200)"
else
	notok "history --json lists each attempt" "$h"
fi
kill "$cpid"; wait "$cpid" 2>/dev/null

# --- SIGKILL while the receiver is down: delivered exactly once after restart ----
start_flaky || notok "flaky server restarts"
recv_stop
rm -f "$db" "$db"-wal "$db"-shm
: >"$work/recv/requests.jsonl"
"$BIN" --headless -c "$cfg" --db "$db" 2>>"$work/collector2.log" &
cpid=$!; pids+=("$cpid")
wait_for 10 grep -q 'watching' "$work/collector2.log"
sleep 2
kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null; flaky_pid=
pending() { sqlite3 "$db" "SELECT count(*) FROM outbox WHERE status = 0 AND kind = 'down'" 2>/dev/null; }
pending_is() { [ "$(pending)" = "$1" ]; }
if wait_for 20 pending_is 1 && wait_for 10 grep -q 'notify hook: down failed' "$work/collector2.log"; then
	ok "the down alert waits in the outbox while the receiver is down"
else
	notok "the down alert waits in the outbox" "$(tail -5 "$work/collector2.log")"
fi
kill -9 "$cpid"; wait "$cpid" 2>/dev/null
recv_start "$recv_port" || notok "HTTP receiver restarts"
"$BIN" --headless -c "$cfg" --db "$db" 2>>"$work/collector3.log" &
cpid=$!; pids+=("$cpid")
if wait_for 20 downs_at_least 1; then
	sleep 3 # a second delivery would come within the backoff
	if [ "$(downs)" -eq 1 ] && wait_for 5 pending_is 0; then
		ok "after SIGKILL and a restart the alert is delivered exactly once"
	else
		notok "delivered exactly once after SIGKILL" "downs=$(downs) pending=$(pending)"
	fi
else
	notok "delivered after SIGKILL and a restart" "$(tail -5 "$work/collector3.log")"
fi
kill "$cpid"; wait "$cpid" 2>/dev/null

# --- the dashboard: the alerts pane (a) and the header when a notifier keeps failing ---
sock=httpsmon-alerts-$$
screen() { tmux -L "$sock" capture-pane -p 2>/dev/null; }
on_screen() { screen | grep -q "$1"; }
tmux -L "$sock" -f /dev/null new-session -d -x 140 -y 30 "$BIN --view --db $db"
wait_for 10 on_screen 'httpsmon (read-only)'
tmux -L "$sock" send-keys a
if wait_for 10 on_screen 'alerts: the last' && on_screen 'down  *flaky  *hook  *sent' &&
	on_screen 'delivery attempts'; then
	ok "the alerts pane (a) lists the alert, its notifier and that it was sent"
else
	notok "the alerts pane lists the alert" "$(screen)"
fi
tmux -L "$sock" kill-server 2>/dev/null
recv_stop
# a server of its own: the last one may still be going away
sock=httpsmon-alerts-live-$$
tmux -L "$sock" -f /dev/null new-session -d -x 140 -y 30 "$BIN -c $cfg --db $work/live.db 2>$work/live.err"
if wait_for 30 on_screen 'notify hook failing'; then
	ok "the header says when a notifier keeps failing"
else
	notok "the header says when a notifier keeps failing" "$(screen)" "$(cat "$work/live.err" 2>/dev/null)"
fi
# the read-only viewer on the same database derives the same mark from the delivery history
failing_text() { tmux -L "$sock" capture-pane -p -t "$1" 2>/dev/null | head -1 |
	grep -o 'notify hook failing: .*' | sed -E 's/ +[0-9]{2}:[0-9]{2}:[0-9]{2} *$//'; }
tmux -L "$sock" new-session -d -s view -x 140 -y 30 "$BIN --view --db $work/live.db"
# the same text, cut where each header ends (the viewer's title is longer)
same_text() {
	v=$(failing_text view) l=$(failing_text '$0')
	[ ${#v} -gt 40 ] && [ ${#l} -gt 40 ] && { [ "${l#"$v"}" != "$l" ] || [ "${v#"$l"}" != "$v" ]; }
}
if wait_for 10 same_text; then
	ok "--view shows the same header mark: $(failing_text view)"
else
	notok "--view shows the same header mark" "live: $(failing_text '$0')" "view: $(tmux -L "$sock" capture-pane -p -t view | head -2)"
fi
tmux -L "$sock" kill-server 2>/dev/null
echo "# $n tests"
