#!/usr/bin/env bash
# What contrib/ ships for Prometheus and Grafana, checked with the real
# tools: the alert rules pass `promtool check rules` and their unit tests
# (tests/fixtures/prometheus/httpsmon.rules.test.yml: every alert on both
# sides of its threshold); the scrape config passes `promtool check config`
# (with its token file path pointed at a file of the test's own); the
# Grafana dashboard is JSON with a query in every panel. That every metric
# name the dashboard queries is in a real scrape is tests/test_metrics.sh's.
set -u

. "$(dirname "$0")/lib/harness.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rules=contrib/prometheus/httpsmon.rules.yml
run() { # DESC CMD...: ok when CMD exits 0, its output as the detail otherwise
	local d=$1 out; shift
	if out=$("$@" 2>&1); then ok "$d"; else notok "$d" "$out"; fi
}

if ! command -v promtool >/dev/null; then
	skip "promtool checks" "no promtool (scripts/deps.sh installs prometheus)"
	exit 0
fi
run "promtool check rules: $rules" promtool check rules "$rules"
nalerts=$(grep -c '^ *- alert:' "$rules")
run "promtool test rules: each of the $nalerts alerts fires and does not at its boundary" \
	promtool test rules tests/fixtures/prometheus/httpsmon.rules.test.yml
# every alert has a fixture that expects it to fire
missing=$(grep -oE '^ *- alert: *[A-Za-z0-9]+' "$rules" | awk '{print $3}' | while read -r a; do
	grep -q "alertname: $a\$" tests/fixtures/prometheus/httpsmon.rules.test.yml || echo "$a"; done)
check_missing() { [ -z "$missing" ]; }
if check_missing; then ok "every alert in the rules has a fixture"; else notok "every alert has a fixture" "$missing"; fi

cp contrib/prometheus/prometheus.yml "$rules" "$work/"
echo "test-token" >"$work/httpsmon.token"
sed -i "s|/etc/prometheus/httpsmon.token|$work/httpsmon.token|g" "$work/prometheus.yml"
run "promtool check config: contrib/prometheus/prometheus.yml (with its rules)" \
	promtool check config --lint=all "$work/prometheus.yml"
jobs=$(awk '/^scrape_configs:/ {s=1} s && /^  - job_name:/ {n++} END {print n+0}' contrib/prometheus/prometheus.yml)
targets=$(grep -cE "^ *- targets: \['[a-z0-9-]+\.example:9469'\]" contrib/prometheus/prometheus.yml)
if [ "$jobs" = 1 ] && [ "$targets" = 2 ]; then ok "the scrape config has one httpsmon job with two collectors"
else notok "one job, two collectors" "jobs $jobs, targets $targets"; fi

if command -v amtool >/dev/null; then
	run "amtool check-config: contrib/prometheus/alertmanager.yml" amtool check-config contrib/prometheus/alertmanager.yml
	# the inhibit rules name alerts that exist
	bad=$(grep -oE 'alertname="[A-Za-z]+"' contrib/prometheus/alertmanager.yml | cut -d'"' -f2 | sort -u |
		while read -r a; do grep -q "alert: $a\$" "$rules" || echo "$a"; done)
	if [ -z "$bad" ]; then ok "the Alertmanager inhibit rules name alerts of the rules file"
	else notok "the inhibit rules name real alerts" "$bad"; fi
else
	skip "amtool check-config" "no amtool (scripts/deps.sh installs prometheus-alertmanager)"
fi

dash=contrib/grafana/httpsmon.json
run "the Grafana dashboard is JSON" jq empty "$dash"
run "every panel but the rows has a query, and panel ids are unique" jq -e '
	([.panels[] | select(.type != "row") | (.targets | length > 0) and all(.targets[]; (.expr | length) > 0)] | all)
	and ([.panels[].id] | length == (unique | length))
	and (.templating.list | map(.name) | index("location") != null)' "$dash"
