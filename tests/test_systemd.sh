#!/usr/bin/env bash
# The systemd side (issue 13), without systemd running: the units pass
# `systemd-analyze verify`; the system unit's `systemd-analyze security`
# exposure is at most 2.0 ("OK"); and `--headless` speaks the notify
# protocol to a socket of ours as systemd would see it: no READY=1 when the
# config does not load, READY=1 with a STATUS= "N endpoints, K down" once it
# does, the status following endpoints going down, WATCHDOG=1 pings at half
# of WATCHDOG_USEC while the loop turns, none once it is stopped (SIGSTOP),
# STOPPING=1 on SIGTERM. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
top=$PWD
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# --- the units -------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
	notok "systemd-analyze is installed (scripts/deps.sh installs systemd)"
	exit 1
fi
# made for this test with the built binary as ExecStart (verify checks that it exists)
make -s --no-print-directory -C "$top" BUILD="$work/b" BINDIR="$(dirname "$BIN")" units >"$work/make.log" 2>&1 ||
	notok "make units" "$(cat "$work/make.log")"
sys=$work/b/contrib/system/httpsmon.service
usr=$work/b/contrib/user/httpsmon.service
if out=$(systemd-analyze verify --man=no "$sys" 2>&1); then ok "systemd-analyze verify: system unit"; else
	notok "systemd-analyze verify: system unit" "$out"; fi
mkdir -p "$work/run"
if out=$(XDG_RUNTIME_DIR=$work/run systemd-analyze --user verify --man=no "$usr" 2>&1); then
	ok "systemd-analyze --user verify: user unit"
else
	notok "systemd-analyze --user verify: user unit" "$out"
fi
out=$(systemd-analyze security --offline=yes "$sys" 2>&1)
score=$(sed -n 's/.*Overall exposure level for httpsmon.service: \([0-9.]*\) .*/\1/p' <<<"$out")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	ok "systemd-analyze security: exposure $score <= 2.0"
else
	notok "systemd-analyze security: exposure ${score:-?} <= 2.0" "$(grep -E '✗|Overall' <<<"$out")"
fi
for k in "DynamicUser=yes" "StateDirectory=httpsmon" "ConfigurationDirectory=httpsmon" \
	"ExecReload=kill -HUP \$MAINPID" "Restart=on-failure" "RestartPreventExitStatus=3" "MemoryDenyWriteExecute=yes" \
	"SystemCallFilter=@system-service" "CapabilityBoundingSet=" "ProtectSystem=strict" "PrivateTmp=yes"; do
	if grep -qxF -- "$k" "$sys"; then ok "system unit: $k"; else notok "system unit: $k"; fi
done
if "$BIN" --version | grep -q "systemd notify: yes"; then
	for k in "Type=notify" "WatchdogSec=30s"; do
		if grep -qxF "$k" "$sys"; then ok "built with libsystemd: $k"; else notok "built with libsystemd: $k"; fi
	done
else
	if grep -qxF "Type=simple" "$sys" && ! grep -q "^WatchdogSec" "$sys"; then
		ok "built without libsystemd: Type=simple, no watchdog"
	else
		notok "built without libsystemd: Type=simple, no watchdog" "$(cat "$sys")"
	fi
	echo "# the notify protocol needs libsystemd: skipped"
	exit 0
fi

# --- the notify protocol -----------------------------------------------------
# a datagram socket as systemd's: one line per message in $msgs
sock=$work/notify.sock
msgs=$work/msgs
/usr/bin/python3 - "$sock" "$msgs" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2] + ".tmp", "w"): pass
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        for line in s.recv(4096).decode().split("\n"):
            if line:
                out.write(line + "\n")
PY
pids+=($!)
wait_for 10 test -e "$msgs" || notok "the notify socket starts"
count() { grep -c -x -- "$1" "$msgs"; }
pings_over() { [ "$(count WATCHDOG=1)" -gt "$1" ]; }

printf '[defaults]\ninterval = 1s\ntimeout = 1s\nfail_after = 1\n[a]\nurl = https://127.0.0.1:1/\n[b]\nurl = https://127.0.0.1:1/b\n' \
	>"$work/good.ini"
printf '[a]\nurl = https://127.0.0.1:1/\nfrobnicate = 1\n' >"$work/bad.ini"

NOTIFY_SOCKET=$sock "$BIN" --headless -c "$work/bad.ini" --db "$work/bad.db" >"$work/bad.log" 2>&1
rc=$?
if [ "$rc" -eq 3 ] && [ "$(count READY=1)" -eq 0 ]; then ok "a config that does not load: exit 3, no READY=1"; else
	notok "a config that does not load: exit 3, no READY=1" "exit $rc" "$(cat "$msgs")"; fi

NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 "$BIN" --headless -c "$work/good.ini" --db "$work/h.db" 2>"$work/h.log" &
hm=$!
pids+=($hm)
if wait_for 20 grep -qx "READY=1" "$msgs"; then ok "READY=1 once the config loaded"; else notok "READY=1" "$(cat "$msgs")"; fi
first_status=$(grep -m1 '^STATUS=' "$msgs")
if [ "$first_status" = "STATUS=2 endpoints, 0 down" ] && [ "$(grep -m1 -n . "$msgs" | cut -d: -f2)" = "$first_status" ]; then
	ok "the first STATUS= comes with READY: 2 endpoints, 0 down"
else
	notok "the first STATUS= comes with READY: 2 endpoints, 0 down" "$(cat "$msgs")"
fi
if wait_for 20 grep -qx "STATUS=2 endpoints, 2 down" "$msgs"; then ok "STATUS= follows: 2 endpoints, 2 down"; else
	notok "STATUS= follows: 2 endpoints, 2 down" "$(cat "$msgs")"; fi
# at 400 ms, a ping every 200 ms: ten of them take 2 s; allow a loaded machine 20 s
if wait_for 20 pings_over 9; then ok "WATCHDOG=1 from the loop's timer"; else
	notok "WATCHDOG=1 from the loop's timer" "$(count WATCHDOG=1) pings"; fi
# a loop that does not turn sends no ping: systemd would restart it
kill -STOP "$hm"
sleep 0.5
before=$(count WATCHDOG=1)
sleep 1.5
after=$(count WATCHDOG=1)
kill -CONT "$hm"
if [ "$before" -eq "$after" ]; then ok "no WATCHDOG=1 while the loop is stopped"; else
	notok "no WATCHDOG=1 while the loop is stopped" "$before then $after"; fi
if wait_for 10 pings_over "$after"; then ok "pings again once it turns"; else
	notok "pings again once it turns"; fi
kill -TERM "$hm"
wait "$hm"
rc=$?
if [ "$rc" -eq 0 ] && grep -qx "STOPPING=1" "$msgs"; then ok "SIGTERM: STOPPING=1, exit 0"; else
	notok "SIGTERM: STOPPING=1, exit 0" "exit $rc" "$(tail -5 "$msgs")"; fi
status_lines=$(grep -c '^STATUS=' "$msgs")
if [ "$status_lines" -le 3 ]; then ok "STATUS= only when it changes ($status_lines sent)"; else
	notok "STATUS= only when it changes" "$(grep '^STATUS=' "$msgs")"; fi
