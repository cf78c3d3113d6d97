#!/usr/bin/env bash
# Posture passes in the running collector: passes on schedule
# (posture_interval, first within the interval when it is under 3
# minutes), graded, kept in the posture table (each endpoint's changing
# passes and its latest), judged by the verdict (tls_legacy_offered) unless
# posture_verdict = info, none for posture_interval = off; after a restart
# the last pass is read back and a changed server's next pass becomes a
# `posture` event ("TLS 1.0 no longer accepted; ...; grade C -> A-") in
# history --json; the grade in /metrics and the API (scan's names and
# object). Local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/receivers.sh"
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
hp=$(free_port)

cfg=$work/endpoints.ini
db=$work/history.db
log=$work/headless.log
write_cfg() { # write_cfg PORT_OF_LEGACY [POSTURE_INFLIGHT]
	cat >"$work/next.ini" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
posture_interval = 10s
posture_inflight = ${2:-1}
listen = 127.0.0.1:$hp
[legacy]
url = https://localhost:$1/
min_tls = 1.0
[quiet]
url = https://localhost:$(port tls10only)/
min_tls = 1.0
posture_verdict = info
[modern]
url = https://localhost:$(port good_hsts)/
[none]
url = https://localhost:$(port good)/
posture_interval = off
EOF
	mv "$work/next.ini" "$cfg" # a rename, as editors save
}
start() {
	"$BIN" --headless -c "$cfg" --db "$db" >>"$log" 2>&1 &
	pid=$!
}
stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
q() { sqlite3 "$db" "$1" 2>/dev/null; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(tail -20 "$log")"; fi; }

write_cfg "$(port tls10only)"
start
check "a pass of each endpoint with posture on within its 10 s interval" \
	wait_for 15 bash -c "grep -q 'legacy posture: grade C' '$log' && grep -q 'quiet posture: grade C' '$log' &&
		grep -q 'modern posture: grade A' '$log'"
check "TLS 1.0 accepted: legacy turns WARN tls_legacy_offered" \
	wait_for 5 grep -q "legacy state: UP -> WARN (tls_legacy_offered: the server still accepts TLS 1.0" "$log"
check "posture_verdict = info: the same finding leaves quiet UP" \
	bash -c "! grep -q 'quiet state: UP -> WARN' '$log'"
check "posture_interval = off: no pass of none" bash -c "! grep -q 'none posture' '$log'"
# more passes, unchanged: each endpoint keeps its first and its latest
check "legacy passed three times" \
	wait_for 25 bash -c "[ \"\$(grep -c 'legacy posture:' '$log')\" -ge 3 ]"

# the grade in /metrics and the API: graded endpoints only, scan's names
get() { curl -s -m 5 "http://127.0.0.1:$hp$1"; }
get /metrics >"$work/scrape"
check "/metrics: the grade of each graded endpoint, its score and when its last pass ended" \
	bash -c "grep -qx 'httpsmon_tls_grade_info{endpoint=\"legacy\",grade=\"C\"} 1' '$work/scrape' &&
		grep -qx 'httpsmon_tls_grade_info{endpoint=\"modern\",grade=\"A-\"} 1' '$work/scrape' &&
		grep -Eqx 'httpsmon_tls_grade_score\{endpoint=\"legacy\"\} [0-9]+' '$work/scrape' &&
		grep -Eqx 'httpsmon_posture_last_pass_timestamp_seconds\{endpoint=\"quiet\"\} 1[0-9]{9}' '$work/scrape'"
check "/metrics: no grade series without a posture pass (posture_interval = off)" \
	bash -c "! grep -E '^httpsmon_(tls_grade|posture)_.*endpoint=\"none\"' '$work/scrape'"
if command -v promtool >/dev/null; then
	check "/metrics with the grade: promtool check metrics reports nothing" \
		bash -c "[ -z \"\$(promtool check metrics <'$work/scrape' 2>&1)\" ]"
fi
p=$(port tls10only)
"$BIN" scan --json --cacert "$ca" --resolve "localhost:$p:127.0.0.1" "https://localhost:$p/" >"$work/scan.json" 2>/dev/null
get /api/v1/endpoints >"$work/eps.json"
get /api/v1/endpoints/legacy >"$work/one.json"
api=$(python3 - "$work/eps.json" "$work/one.json" "$work/scan.json" <<'PY' 2>&1
import json, sys
eps = {e["name"]: e for e in json.load(open(sys.argv[1]))["endpoints"]}
one = json.load(open(sys.argv[2]))
scan = json.load(open(sys.argv[3]))
bad = []
if eps["legacy"]["grade"] != "C" or eps["legacy"]["grade_caps"] != scan["grade_caps"]:
    bad.append("legacy list: %r %r, scan %r" % (eps["legacy"]["grade"], eps["legacy"]["grade_caps"], scan["grade_caps"]))
if eps["none"]["grade"] is not None or eps["none"]["grade_caps"] != [] or eps["none"]["posture_at"] is not None:
    bad.append("none: %r" % eps["none"])
post = one["posture"]
if list(post) != list(scan) or post["grade"] != "C" or post["group"] != "X25519" or post["protocols"] != scan["protocols"]:
    bad.append("posture %r, scan %r" % (post, scan))
print("; ".join(bad) or "ok")
PY
)
check "API: grade and grade_caps as scan's, the last posture as scan's object" test "$api" = ok
[ "$api" = ok ] || echo "# $api"
stop
check "posture rows: the first and the latest per endpoint, none for none" \
	test "$(q "SELECT name || ':' || count(*) || ':' || sum(changed) FROM posture GROUP BY name ORDER BY name")" = \
	"$(printf 'legacy:2:1\nmodern:2:1\nquiet:2:1')"
check "the grade is stored with the pass" test "$(q "SELECT DISTINCT grade FROM posture WHERE name = 'legacy'")" = C

# The same name now points at a modern server: the restarted collector
# compares its next pass with the stored one.
write_cfg "$(port good_hsts)"
start
check "the changed server's pass is a posture event" \
	wait_for 20 bash -c "'$BIN' history --json --db '$db' --endpoint legacy 2>/dev/null | grep -q '\"posture\"'"
after_pass="SELECT count(*) FROM probe p JOIN endpoint e ON e.id = p.endpoint_id WHERE e.name = 'legacy'
	AND p.state = 0 AND p.t_ms > (SELECT max(t_ms) FROM event WHERE kind = 'posture')"
check "a probe after that pass judges it: UP" wait_for 10 bash -c "[ \"\$(sqlite3 '$db' \"$after_pass\")\" -ge 1 ]"
# a reload with another posture_inflight makes the engine again: passes go on
before=$(grep -c 'modern posture:' "$log")
write_cfg "$(port good_hsts)" 3
check "reload with posture_inflight = 3: reloaded" wait_for 5 grep -q 'config reloaded' "$log"
check "and the passes go on on the new engine" \
	wait_for 15 bash -c "[ \"\$(grep -c 'modern posture:' '$log')\" -gt $before ]"
stop
ev=$("$BIN" history --json --db "$db" --endpoint legacy 2>/dev/null | grep '"posture"')
check "it says what changed: TLS 1.0 gone, TLS 1.2 and 1.3 new, the grade" \
	bash -c "grep -q 'TLS 1.0 no longer accepted' <<<'$ev' && grep -q 'now accepts TLS 1.2' <<<'$ev' &&
		grep -q 'now accepts TLS 1.3' <<<'$ev' && grep -Eq 'grade C -> A' <<<'$ev'"
check "the stored pass was of another URL: not judged, legacy starts UP" \
	grep -q "legacy state: PENDING -> UP" "$log"
check "no WARN for legacy since the restart" test "$(grep -c 'legacy state: UP -> WARN' "$log")" -eq 1
echo "# test_posture_collector.sh: $n tests"
