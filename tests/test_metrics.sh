#!/usr/bin/env bash
# The HTTP listener from outside ([defaults] listen), on one headless
# collector watching the lab with an endpoint in every state at once (up,
# warn, down, failing, pending, paused, and a name that never resolves):
# httpsmon_endpoint_state is exactly 1 for each one's state and 0 for the
# others, and that page passes `promtool check metrics`; every metric name
# the issue lists is in it, and every one the shipped Grafana dashboard
# queries; httpsmon_uptime_ratio and /api/v1/endpoints' uptime_24h once the
# uptime cache has read the history; a real Prometheus
# (its own loopback port, temporary storage, 1 s scrapes) scrapes it and
# its query API finds probe_success 1 for the good endpoint and 0 for a
# failing one, and probe_ssl_earliest_cert_expiry equal to the lab
# certificate's notAfter; /probe, /healthz; 401 without the token, 404,
# 405; a client that connects and sends nothing does not hold up probes;
# a port in use is refused at start, naming the port. TAP-ish, loopback only.
set -u

. "$(dirname "$0")/lib/harness.sh"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(tail -20 "$log" 2>/dev/null)"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

lab_up || { notok "lab starts"; exit 1; }
token=tok-$RANDOM$RANDOM
hp=$(free_port)
cfg=$work/endpoints.ini
cat >"$cfg" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
listen = 127.0.0.1:$hp
listen_token = \${TEST_TOKEN}
location = lab-1
[good]
url = https://localhost:$(port good)/
[soon]
url = https://localhost:$(port soon)/
cert_crit_days = 1
[expired]
url = https://localhost:$(port expired)/
[closed]
url = https://localhost:$(port closed)/
fail_after = 100
[hung]
url = https://localhost:$(port hang)/
interval = 60s
timeout = 30s
[held]
url = https://localhost:$(port good)/
[nxdomain]
url = https://no-such-host.invalid/
EOF
log=$work/headless.log
TEST_TOKEN=$token "$BIN" --headless -c "$cfg" --db "$work/h.db" 2>"$log" &
pids+=($!)
base=http://127.0.0.1:$hp
auth=(-H "Authorization: Bearer $token")
get() { curl -s -m 5 "${auth[@]}" "$@"; }
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }

check "the collector says where it serves" wait_for 10 grep -q "serving /metrics.*127.0.0.1:$hp" "$log"
scraped() { get "$base/metrics" >"$work/scrape" && grep -q 'httpsmon_endpoint_state{endpoint="expired",location="lab-1",state="failing"} 1' "$work/scrape"; }
check "/metrics shows the verdicts once the first probes are in" wait_for 15 scraped

# every kind of state at once, exactly: up, warn, down, failing (of 100), pending, paused (asked for
# through the database, as --view does), and a name that never resolved (down after fail_after 2)
sqlite3 -cmd '.timeout 5000' "$work/h.db" "INSERT INTO request(name, action, t_ms) VALUES('held', 'pause', $(date +%s)000)"
want_states() {
	local e s st
	for e in good:up soon:warn expired:down closed:failing hung:pending held:paused nxdomain:down; do
		for s in up warn down failing pending paused; do
			st=0; [ "${e#*:}" = "$s" ] && st=1
			echo "httpsmon_endpoint_state{endpoint=\"${e%%:*}\",location=\"lab-1\",state=\"$s\"} $st"
		done
	done | sort
}
want_states >"$work/want-states"
states_exact() {
	get "$base/metrics" >"$work/scrape" && grep '^httpsmon_endpoint_state{' "$work/scrape" | sort >"$work/got-states" &&
		cmp -s "$work/want-states" "$work/got-states"
}
if wait_for 15 states_exact; then
	ok "every state at once: httpsmon_endpoint_state exactly 1 for the current one and 0 for the others (7 x 6 series)"
else notok "every state at once, exactly" "$(diff "$work/want-states" "$work/got-states" | head -20)"; fi
out=$(promtool check metrics <"$work/scrape" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then ok "promtool check metrics reports nothing ($(wc -l <"$work/scrape") lines)"
else notok "promtool check metrics reports nothing" "$out"; fi
ct=$(curl -s -m 5 -o /dev/null -w '%{content_type}' "${auth[@]}" "$base/metrics")
check "Content-Type is the text format 0.0.4" test "$ct" = "text/plain; version=0.0.4; charset=utf-8"
check "probe_success 1 for UP and WARN, 0 for DOWN and FAILING" bash -c "
	grep -q '^probe_success{endpoint=\"good\",location=\"lab-1\"} 1$' '$work/scrape' &&
	grep -q '^probe_success{endpoint=\"soon\",location=\"lab-1\"} 1$' '$work/scrape' &&
	grep -q '^probe_success{endpoint=\"expired\",location=\"lab-1\"} 0$' '$work/scrape' &&
	grep -q '^probe_success{endpoint=\"closed\",location=\"lab-1\"} 0$' '$work/scrape'"
notafter=$(date -d "$(openssl x509 -in "$lab/certs/good.pem" -noout -enddate | cut -d= -f2)" +%s)
expnotafter=$(date -d "$(openssl x509 -in "$lab/certs/expired.pem" -noout -enddate | cut -d= -f2)" +%s)
check "certificate expiry is the lab certificate's notAfter, present for a failed verification too" bash -c "
	grep -q '^probe_ssl_earliest_cert_expiry{endpoint=\"expired\",location=\"lab-1\"} $expnotafter$' '$work/scrape' &&
	grep -q '^probe_tls_version_info{endpoint=\"good\",location=\"lab-1\",version=\"TLS 1.3\"} 1$' '$work/scrape'"
check "the collector's own series carry the location" grep -q '^httpsmon_build_info{location="lab-1",version=' "$work/scrape"

# /probe: blackbox's names, no endpoint labels, from the last result
get "$base/probe?target=good" >"$work/probe"
check "/probe?target=good answers like blackbox_exporter" bash -c "
	grep -q '^probe_success 1$' '$work/probe' && grep -q '^probe_ssl_earliest_cert_expiry $notafter$' '$work/probe' &&
	! grep -q endpoint= '$work/probe' && ! grep -q httpsmon_ '$work/probe'"
check "/probe of an unknown target is 404, without one 400" \
	test "$(code "${auth[@]}" "$base/probe?target=nope")$(code "${auth[@]}" "$base/probe")" = 404400
check "/healthz is 200 while history writes work" test "$(code "${auth[@]}" "$base/healthz")" = 200

# the HTTP side
check "no token: 401" test "$(code "$base/metrics")" = 401
check "a wrong token of the same length: 401" test "$(code -H "Authorization: Bearer ${token%?}X" "$base/metrics")" = 401
check "an unknown path: 404" test "$(code "${auth[@]}" "$base/nothing")" = 404
check "POST: 405, with Allow" bash -c "curl -s -m 5 -i -X POST -H 'Authorization: Bearer $token' $base/metrics | tr -d '\r' |
	grep -q '^Allow: GET, HEAD' && test \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer $token' $base/metrics)\" = 405"
check "HEAD: 200, no body" bash -c "test -z \"\$(curl -s -m 5 -I -H 'Authorization: Bearer $token' $base/metrics | tr -d '\r' | sed '1,/^\$/d')\""

# silent clients: connections that send nothing never hold up a probe
for i in 1 2 3 4 5; do /usr/bin/python3 -c "import socket,time; s=socket.create_connection(('127.0.0.1',$hp)); time.sleep(8)" & pids+=($!); done
before=$(grep -c "^probe_success" "$work/scrape")
get "$base/metrics" >"$work/s1"; c1=$(grep '^httpsmon_probes_total{endpoint="good",location="lab-1",verdict="up"}' "$work/s1" | awk '{print $2}')
sleep 3
get "$base/metrics" >"$work/s2"; c2=$(grep '^httpsmon_probes_total{endpoint="good",location="lab-1",verdict="up"}' "$work/s2" | awk '{print $2}')
late=$(awk '/^httpsmon_scheduler_lateness_seconds_bucket\{location="lab-1",le="0.1"\}/ {a=$2} /^httpsmon_scheduler_lateness_seconds_count/ {c=$2} END {print c-a}' "$work/s2")
if [ -n "$c1" ] && [ -n "$c2" ] && [ $((c2 - c1)) -ge 2 ] && [ "$late" = 0 ] && [ "$before" -ge 4 ]; then
	ok "5 silent clients: probes go on ($c1 -> $c2 in 3 s), none started 100 ms late"
else notok "silent clients do not hold up probes" "good up probes $c1 -> $c2, late over 100 ms: $late"; fi

# a real Prometheus scrapes it
pp=$(free_port)
cat >"$work/prom.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: httpsmon
    authorization: { credentials: $token }
    static_configs: [ { targets: ['127.0.0.1:$hp'] } ]
EOF
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/tsdb" --web.listen-address="127.0.0.1:$pp" \
	>"$work/prom.log" 2>&1 &
pids+=($!)
q() { curl -s -m 5 "http://127.0.0.1:$pp/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null; }
val_is() { [ "$(q "$1")" = "$2" ]; }
log=$work/prom.log
check "Prometheus finds probe_success 1 for the good endpoint" wait_for 30 val_is 'probe_success{endpoint="good"}' 1
check "Prometheus finds probe_success 0 for the failing one" wait_for 5 val_is 'probe_success{endpoint="expired"}' 0
check "Prometheus finds probe_ssl_earliest_cert_expiry = the lab certificate's notAfter ($notafter)" \
	wait_for 5 val_is 'probe_ssl_earliest_cert_expiry{endpoint="good",location="lab-1"}' "$notafter"
check "Prometheus sees the target up (scrapes succeed with the token)" wait_for 5 val_is 'up{job="httpsmon"}' 1
log=$work/headless.log

# a second collector on the same port: refused at start, naming the port
out=$(TEST_TOKEN=$token timeout 10 "$BIN" --headless -c "$cfg" --db "$work/h2.db" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "port $hp is already in use" <<<"$out"; then ok "port in use: $(head -1 <<<"$out")"
else notok "a port in use is a clear error" "exit $rc" "$out"; fi

# the JSON API: the same field names as check --json and history --json
get "$base/api/v1/endpoints" >"$work/eps.json"
check "/api/v1/endpoints: every endpoint, its state and check --json's last probe" bash -c "
	jq -e '(.endpoints | length) == 7 and (.endpoints[] | select(.name == \"good\") | .state == \"up\" and .last.verdict == \"UP\" and .last.http_status == 200 and (.last.timings.total_ms > 0)) and (.endpoints[] | select(.name == \"hung\") | .state == \"pending\" and .last == null)' '$work/eps.json' >/dev/null"
get "$base/api/v1/endpoints/expired" >"$work/one.json"
check "/api/v1/endpoints/NAME: its chain, uptime, outages and events" bash -c "
	jq -e '.name == \"expired\" and .state == \"down\" and .in_outage and (.last.chain | length) >= 1 and (.last.reason == \"cert_expired\") and (.outages | length) >= 1 and (.outages[0].ongoing) and (.events | length) >= 1 and (.uptime | has(\"24h\"))' '$work/one.json' >/dev/null"
check "/api/v1/endpoints/NAME of an unknown name: 404" test "$(code "${auth[@]}" "$base/api/v1/endpoints/nope")" = 404
# a %00 is no end of the name: good%00x is not good (a decoded NUL cut it short), %67ood is
check "/api/v1/endpoints/good%00x: 404; %67ood: good" \
	test "$(code "${auth[@]}" "$base/api/v1/endpoints/good%00x")$(code "${auth[@]}" "$base/api/v1/endpoints/%67ood")" = 404200
check "/api/v1/outages?since=1h&endpoint=expired: history --json's outages" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token' '$base/api/v1/outages?since=1h&endpoint=expired' |
	jq -e '(.outages | length) >= 1 and (.outages | all(.endpoint == \"expired\" and .type == \"outage\"))' >/dev/null"
check "/api/v1/events?since=1h: history --json's events" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token' '$base/api/v1/events?since=1h' |
	jq -e '(.events | length) >= 1 and (.events | all(.type == \"event\")) and (.events | any(.endpoint == \"expired\" and .kind == \"state\" and (.detail | startswith(\"FAILING -> DOWN\"))))' >/dev/null || { curl -s -m 5 -H 'Authorization: Bearer $token' '$base/api/v1/events?since=1h' | head -c 600 >&2; false; }"
check "/api/v1/events?since=bad: 400" test "$(code "${auth[@]}" "$base/api/v1/events?since=soon")" = 400
check "/api/v1/nothing: 404" test "$(code "${auth[@]}" "$base/api/v1/nothing")" = 404

# every name the issue lists (httpsmon_cert_days_left is httpsmon_cert_time_left_seconds: promtool
# wants base units), each as a sample line
names="probe_success probe_duration_seconds probe_http_duration_seconds probe_dns_lookup_time_seconds
probe_http_status_code probe_http_redirects probe_http_ssl probe_http_version probe_ssl_earliest_cert_expiry
probe_ssl_last_chain_expiry_timestamp_seconds probe_tls_version_info probe_ssl_last_chain_info probe_ip_protocol
httpsmon_endpoint_state httpsmon_endpoint_reason_info httpsmon_probes_total httpsmon_outages_total
httpsmon_outage_active httpsmon_outage_seconds httpsmon_uptime_ratio httpsmon_cert_time_left_seconds
httpsmon_cert_renewal_overdue httpsmon_probe_phase_seconds_bucket httpsmon_scheduler_lateness_seconds_bucket
httpsmon_store_write_errors_total httpsmon_build_info httpsmon_config_last_reload_success
httpsmon_config_last_reload_timestamp_seconds process_cpu_seconds_total process_resident_memory_bytes
process_virtual_memory_bytes process_open_fds process_max_fds process_start_time_seconds"
uptime_in() { get "$base/metrics" >"$work/final" && grep -q '^httpsmon_uptime_ratio{endpoint="good",location="lab-1",window="24h"} 1$' "$work/final"; }
check "httpsmon_uptime_ratio: 1 for the endpoint that never failed, once the cache has read the history" wait_for 30 uptime_in
check "httpsmon_uptime_ratio: 0 for the one that never answered, in every window" bash -c "
	grep -q '^httpsmon_uptime_ratio{endpoint=\"closed\",location=\"lab-1\",window=\"24h\"} 0$' '$work/final' &&
	grep -q '^httpsmon_uptime_ratio{endpoint=\"closed\",location=\"lab-1\",window=\"30d\"} 0$' '$work/final' &&
	! grep -q '^httpsmon_uptime_ratio{endpoint=\"hung\"' '$work/final'"
missing=$(for m in $names; do grep -qE "^$m[{ ]" "$work/final" || echo "$m"; done)
if [ -z "$missing" ]; then ok "every metric name of the issue is served ($(wc -w <<<"$names") names)"
else notok "every metric name of the issue is served" "missing: $missing"; fi
dash_names=$(jq -r '.. | objects | (.expr?, .definition?) // empty' contrib/grafana/httpsmon.json |
	grep -oE '\b(probe|httpsmon|process)_[a-z0-9_]+' | sort -u)
missing=$(for m in $dash_names; do grep -qE "^$m[{ ]" "$work/final" || echo "$m"; done)
if [ -z "$missing" ] && [ "$(wc -w <<<"$dash_names")" -ge 20 ]; then
	ok "every metric the Grafana dashboard queries is in a real scrape ($(wc -w <<<"$dash_names") names)"
else notok "the dashboard's metric names are in a real scrape" "missing: $missing" "queried: $(echo $dash_names)"; fi
check "/api/v1/endpoints carries uptime_24h (percent, as stats --json; null until known)" bash -c "
	curl -s -m 5 -H 'Authorization: Bearer $token' '$base/api/v1/endpoints' |
	jq -e '(.endpoints[] | select(.name == \"good\") | .uptime_24h == 100) and (.endpoints[] | select(.name == \"hung\") | .uptime_24h == null)' >/dev/null"
out=$(promtool check metrics <"$work/final" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "promtool check metrics: still nothing to report with the uptime ratios in"
else notok "promtool check metrics with the uptime ratios" "$out"; fi
