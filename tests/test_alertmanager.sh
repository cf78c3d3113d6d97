#!/usr/bin/env bash
# The alertmanager notifier end to end: the headless collector, a real
# Prometheus Alertmanager on loopback (resolve_timeout 1s) and the lab. An
# endpoint that goes down appears in Alertmanager's /api/v2/alerts with the
# pinned labels, sent by one path (the notifier's rounds, to both members
# of an HA pair, one of them down), every resend round recorded as one
# delivery row per member; the resends keep it active past its first
# endsAt and past resolve_timeout and past a collector killed and
# restarted mid-outage; its recovery resolves it. An endpoint in a maintenance
# window and one muted with `httpsmon mute` never reach Alertmanager, and
# their outbox rows say why; the maintenance endpoint's outage is marked
# so in `history`. TAP-ish output; local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/receivers.sh"
work=$(mktemp -d)
cpid=
cleanup() {
	[ -n "$cpid" ] && kill -9 "$cpid" 2>/dev/null
	tmux -L "httpsmon-am-$$" kill-server 2>/dev/null
	receivers_stop
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	[ -n "${flaky_pid:-}" ] && kill "$flaky_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
if [ ! -x /usr/bin/prometheus-alertmanager ]; then
	skip "alertmanager end to end" "prometheus-alertmanager not installed (scripts/deps.sh installs it)"
	exit 0
fi
lab_up || { notok "lab starts"; exit 1; }
start_flaky || { notok "flaky server starts"; exit 1; }
am_start 1s || { notok "alertmanager starts" "$(tail -5 "$work/am/log")"; exit 1; }

cfg=$work/endpoints.ini
db=$work/history.db
# a second HA member that is down: the lab's closed port (bound, never listening), which
# refuses every connection and which no other test running beside this one can take
dead_port=$(port closed)
cat >"$cfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
fail_after = 2
notify = am
tags = prod, eu-west
[notify:am]
type = alertmanager
url = $am_url
url = http://127.0.0.1:$dead_port
resend = 1s
[flaky]
url = https://localhost:$flaky_port/
[maint]
url = https://localhost:$(port closed)/
maintenance = daily 00:00-24:00
[muted]
url = https://localhost:$(port closed)/
EOF

collector() {
	"$BIN" --headless -c "$cfg" --db "$db" 2>>"$work/collector.log" &
	cpid=$!
	wait_for 10 grep -q 'watching' "$work/collector.log"
}
# the database must exist before `mute` writes to it: one short run makes it
collector
kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=
out=$("$BIN" mute muted 1h --reason deploy --db "$db" 2>&1) || notok "mute muted 1h" "$out"
: >"$work/collector.log"
collector || { notok "collector starts" "$(cat "$work/collector.log")"; exit 1; }

alerts() { am_alerts | /usr/bin/python3 -c "$1"; }
# the alert of endpoint $1 as "state alertname severity instance tag_prod tag_eu_west reason", or nothing
am_line() {
	alerts "import json, sys
for a in json.load(sys.stdin):
    l = a['labels']
    if l.get('endpoint') == '$1':
        print(a['status']['state'], l.get('alertname'), l.get('severity'), l.get('instance'),
              l.get('tag_prod'), l.get('tag_eu_west'), l.get('reason'))"
}
listed() { [ -n "$(am_line "$1")" ]; }
not_listed() { [ -z "$(am_line "$1")" ]; }

kill "$flaky_pid"; wait "$flaky_pid" 2>/dev/null; flaky_pid=
if wait_for 15 listed flaky; then
	line=$(am_line flaky)
	# the reason is the outage's first failed probe: "refused" once the server
	# is gone, or probe_error ("connection closed mid-response") when the kill
	# landed while a probe read its answer, as test_headless.sh explains
	if [ "$line" = "active HttpsmonEndpointDown critical $(hostname) true true refused" ] ||
		[ "$line" = "active HttpsmonEndpointDown critical $(hostname) true true probe_error" ]; then
		ok "down: Alertmanager holds it with the pinned labels"
	else notok "down: Alertmanager holds it with the pinned labels" "$line"; fi
else
	notok "down: the alert reaches Alertmanager" "$(tail -5 "$work/collector.log")" "$(am_alerts)"
fi
# the first send said endsAt = now + 4 x 1s; only the resends keep it past that
sleep 6
if [ "$(am_line flaky | cut -d' ' -f1)" = active ]; then
	ok "resends keep it active past its first endsAt and resolve_timeout"
else notok "resends keep it active past its first endsAt and resolve_timeout" "$(am_alerts)"; fi


# one path: every attempt of the am notifier is a round of its am_send (to a member), none a message of its own
q() { sqlite3 "$db" "$1"; }
if [ "$(q "select count(*) from delivery where notifier = 'am' and target is null")" = 0 ] &&
	[ "$(q "select kind from delivery where notifier = 'am' order by id limit 1")" = down ] &&
	[ "$(q "select status || ' ' || attempts from outbox where endpoint = 'flaky' and kind = 'down'")" = "1 1" ]; then
	ok "one path to Alertmanager: no delivery of its own beside the rounds, the first round is the down's, sent (status 1) in 1 attempt"
else notok "one path to Alertmanager" "$(q "select * from delivery where notifier = 'am' limit 8")" \
	"$(q "select status, attempts from outbox where endpoint = 'flaky'")"; fi
# resends recorded: one row per round per member (never one per alert), the live one delivered, the dead one failed
rounds=$(q "select count(distinct t_ms) from delivery where notifier = 'am' and kind = 'resend'")
dup=$(q "select count(*) from (select 1 from delivery where notifier = 'am' group by t_ms, target having count(*) > 1)")
live=$(q "select count(*) from delivery where notifier = 'am' and kind = 'resend' and count = 1 and result = 'delivered'
	and target = 'http://127.0.0.1:$am_port/…'")
dead=$(q "select count(*) from delivery where notifier = 'am' and kind = 'resend' and result = 'failed'
	and target = 'http://127.0.0.1:$dead_port/…' and error like '%connect%'")
if [ "$rounds" -ge 4 ] && [ "$dup" = 0 ] && [ "$live" = "$rounds" ] && [ "$dead" = "$rounds" ]; then
	ok "resend rounds in the delivery history: $rounds rounds, each one row per member (delivered / failed: cannot connect)"
else notok "resend rounds in the delivery history" "rounds=$rounds dup=$dup live=$live dead=$dead" \
	"$(q "select t_ms, kind, count, result, target, error from delivery where notifier = 'am' order by id desc limit 6")"; fi
line=$("$BIN" history --db "$db" | grep -m1 -A1 ' am  *resend  *failed')
case "$line" in
*"to http://127.0.0.1:$dead_port/…: "*) ok "history: a round's row says which member it went to" ;;
*) notok "history: a round's row says which member it went to" "$line" ;;
esac

# a collector killed mid-outage: the next one resumes it and tells Alertmanager again
kill -9 "$cpid"; wait "$cpid" 2>/dev/null; cpid=
collector || notok "collector starts again" "$(tail -5 "$work/collector.log")"
sleep 6
if [ "$(am_line flaky | cut -d' ' -f1)" = active ]; then
	ok "after a SIGKILL and a restart mid-outage the alert stays active"
else notok "after a SIGKILL and a restart mid-outage the alert stays active" "$(am_alerts)"; fi

start_flaky || notok "flaky server starts again"
if wait_for 15 not_listed flaky; then ok "up: the alert is resolved in Alertmanager"
else notok "up: the alert is resolved in Alertmanager" "$(am_alerts)"; fi

if not_listed maint && not_listed muted; then ok "maintenance and muted endpoints never reach Alertmanager"
else notok "maintenance and muted endpoints never reach Alertmanager" "$(am_alerts)"; fi
why() { sqlite3 "$db" "select why from outbox where endpoint = '$1' and kind = 'down' and status = 3"; }
if wait_for 5 eval '[ -n "$(why maint)" ]' && [ "$(why maint)" = "maintenance daily 00:00-24:00 (UTC)" ]; then
	ok "the maintenance endpoint's down is recorded suppressed, with why"
else notok "the maintenance endpoint's down is recorded suppressed, with why" "$(why maint)"; fi
case "$(why muted)" in
"muted until "*": deploy") ok "the muted endpoint's down is recorded suppressed, with why" ;;
*) notok "the muted endpoint's down is recorded suppressed, with why" "$(why muted)" ;;
esac

# the outage itself is recorded, marked as during maintenance (text, --json); the muted one is not
marks=$("$BIN" history --json --db "$db" | jq -r 'select(.type == "outage") | "\(.endpoint)=\(.mark)"' | sort -u | tr '\n' ' ')
if [ "$marks" = "flaky=null maint=maintenance muted=null " ]; then
	ok "history --json: the maintenance endpoint's outage is marked maintenance, the others not"
else notok "history --json: the maintenance endpoint's outage is marked maintenance, the others not" "$marks"; fi
line=$("$BIN" history --endpoint maint --db "$db" | grep -m1 ' maint ')
case "$line" in
*" [maintenance] refused: "*) ok "history: the mark comes before the cause" ;;
*) notok "history: the mark comes before the cause" "$line" ;;
esac
# the dashboard's history pane (h) of that endpoint, and its outage pane (Enter)
if command -v tmux >/dev/null 2>&1; then
	sock=httpsmon-am-$$
	tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 40 "$BIN --view --db $db"
	tscreen() { tmux -L "$sock" capture-pane -p 2>/dev/null; }
	ton_screen() { tscreen | grep -q -- "$1"; }
	wait_for 10 ton_screen 'httpsmon (read-only)'
	tmux -L "$sock" send-keys / m a i n t Enter
	sleep 0.5
	tmux -L "$sock" send-keys h
	if wait_for 10 ton_screen '\[maintenance\] refused: '; then
		tmux -L "$sock" send-keys Enter
		if wait_for 10 ton_screen 'outage of maint, .*alerts held: maintenance'; then
			ok "dashboard: the outage list and the outage pane show the mark"
		else notok "dashboard: the outage pane shows the mark" "$(tscreen)"; fi
	else notok "dashboard: the outage list shows the mark" "$(tscreen)"; fi
	tmux -L "$sock" kill-server 2>/dev/null
fi
kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=
