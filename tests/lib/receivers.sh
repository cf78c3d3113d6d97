# Alert receivers for the shell tests (sourced after harness.sh): an HTTP
# receiver, an SMTP sink and a real Prometheus Alertmanager, each on a free
# loopback port, each in its own directory under $work. The sourcing
# script stops them in its cleanup with receivers_stop.

PY=/usr/bin/python3  # Debian's, with python3-aiosmtpd (not a pyenv python3 first on PATH)

# free_port: a free loopback TCP port (the kernel's choice)
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# recv_start [PORT]: tests/lib/receiver.py in $work/recv; sets recv_port, recv_pid.
# A restart passes the old port back.
recv_start() {
	mkdir -p "$work/recv"
	rm -f "$work/recv/port"
	"$PY" tests/lib/receiver.py "$work/recv" "${1:-0}" 2>>"$work/recv/log" &
	recv_pid=$!
	wait_for 10 test -s "$work/recv/port" || return 1
	recv_port=$(cat "$work/recv/port")
}
recv_stop() { [ -n "${recv_pid:-}" ] && kill "$recv_pid" 2>/dev/null && wait "$recv_pid" 2>/dev/null; recv_pid=; }
recv_status() { echo "$1" >"$work/recv/status"; }   # answer this HTTP status from now on
recv_count() { [ -f "$work/recv/requests.jsonl" ] && wc -l <"$work/recv/requests.jsonl" || echo 0; }

# smtp_start [CERT KEY]: tests/lib/smtpsink.py in $work/smtp (STARTTLS required
# with CERT and KEY); sets smtp_port, smtp_pid.
smtp_start() {
	mkdir -p "$work/smtp"
	rm -f "$work/smtp/port"
	"$PY" tests/lib/smtpsink.py "$work/smtp" "$@" 2>>"$work/smtp/log" &
	smtp_pid=$!
	wait_for 10 test -s "$work/smtp/port" || return 1
	smtp_port=$(cat "$work/smtp/port")
}
smtp_stop() { [ -n "${smtp_pid:-}" ] && kill "$smtp_pid" 2>/dev/null && wait "$smtp_pid" 2>/dev/null; smtp_pid=; }

# am_start [RESOLVE_TIMEOUT]: /usr/bin/prometheus-alertmanager on a free
# loopback port with its own storage, no cluster gossip and a null
# receiver; waits for /-/ready. Sets am_port, am_pid, am_url.
am_start() {
	mkdir -p "$work/am/data"
	cat >"$work/am/am.yml" <<-YML
	global:
	  resolve_timeout: ${1:-5m}
	route:
	  receiver: none
	receivers:
	  - name: none
	YML
	am_port=$(free_port)
	/usr/bin/prometheus-alertmanager --config.file="$work/am/am.yml" --storage.path="$work/am/data" \
		--web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
		--log.level=warn >>"$work/am/log" 2>&1 &
	am_pid=$!
	am_url=http://127.0.0.1:$am_port
	wait_for 20 curl -sf -o /dev/null "$am_url/-/ready"
}
am_stop() { [ -n "${am_pid:-}" ] && kill "$am_pid" 2>/dev/null && wait "$am_pid" 2>/dev/null; am_pid=; }
# am_alerts [QUERY]: the alerts Alertmanager holds, as JSON (GET /api/v2/alerts?QUERY)
am_alerts() { curl -sf "$am_url/api/v2/alerts?${1:-}"; }

receivers_stop() { recv_stop; smtp_stop; am_stop; }
