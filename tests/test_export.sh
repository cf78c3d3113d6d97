#!/usr/bin/env bash
# The read-side commands on a real database from outside: a collector
# records a few seconds of history of 12 lab endpoints (one refused, so
# there are failures, an outage and events), then: history / stats / export
# refuse an endpoint the database does not know (exit 3, the known names,
# capped); `export` writes CSV that Python's csv module parses back with
# every column of the table and every row, JSON lines that jq reads, and
# --since/--until boundaries that are exact to the millisecond; hostile
# text is quoted (CSV) or escaped (JSON), never raw. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
expect_rc() { # expect_rc DESC WANT CMD...: runs CMD, keeps its stdout+stderr in $out
	local desc=$1 want=$2 rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else notok "$desc" "exit $rc, want $want" "$out"; fi
}
has() { if grep -qF -- "$2" <<<"$out"; then ok "$1"; else notok "$1" "missing: $2" "$out"; fi; }
work=$(mktemp -d)
hp=
cleanup() {
	[ -n "$hp" ] && kill -9 "$hp" 2>/dev/null
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
command -v sqlite3 >/dev/null || { notok "sqlite3 is installed (scripts/deps.sh)"; exit 1; }

cfg=$work/endpoints.ini
db=$work/history.db
{
	printf '[defaults]\nca_file = %s\ninterval = 1s\ntimeout = 800ms\nfail_after = 1\n' "$ca"
	printf '[good]\nurl = https://localhost:%s/\n[down]\nurl = https://localhost:%s/\n' "$(port good)" "$(port closed)"
	for i in 01 02 03 04 05 06 07 08 09 10; do printf '[e%s]\nurl = https://localhost:%s/\ninterval = 5s\n' "$i" "$(port good)"; done
} >"$cfg"
"$BIN" --headless -c "$cfg" --db "$db" 2>"$work/headless.log" &
hp=$!
enough() { [ "$(sqlite3 "$db" "select count(*) from probe p join endpoint e on e.id = p.endpoint_id where e.name = 'good'" 2>/dev/null)" -ge 8 ] 2>/dev/null; }
if wait_for 30 enough; then ok "the collector recorded 8 probes of good"; else notok "the collector recorded 8 probes of good" "$(tail "$work/headless.log")"; fi
kill -TERM "$hp"; wait "$hp"; hp=
# a hostile event detail: comma, quotes, a newline and an ESC
sqlite3 "$db" "insert into event(endpoint_id, t_ms, kind, detail) select id, 1000, 'test',
	'a,b \"q\"' || char(10) || 'line2' || char(27) || '[2J' from endpoint where name = 'down'"

# --- an unknown endpoint: exit 3, the known names, ten at most ---------------
known="(known: down, e01, e02, e03, e04, e05, e06, e07, e08, e09 ... (2 more))"
for c in history stats export; do
	expect_rc "$c --endpoint NOSUCH exits 3" 3 "$BIN" "$c" --db "$db" --endpoint NOSUCH
	has "$c names it and the known ones" "no endpoint 'NOSUCH' in DB $known"
done
expect_rc "history --endpoint good still works" 0 "$BIN" history --db "$db" --endpoint good

# --- usage ---------------------------------------------------------------------
expect_rc "export --format xml exits 3" 3 "$BIN" export --db "$db" --format xml
has "it lists the formats" "use csv or json"
expect_rc "export --what probe exits 3" 3 "$BIN" export --db "$db" --what probe
expect_rc "export --json exits 3" 3 "$BIN" export --db "$db" --json
has "it says how to get JSON" "--json has no effect with export: export writes CSV unless --format json"
expect_rc "export with --since after --until exits 3" 3 "$BIN" export --db "$db" --since 2026-01-02 --until 2026-01-01
expect_rc "export --until junk exits 3" 3 "$BIN" export --db "$db" --until yesterday

# --- CSV: parses back, every column, every row ---------------------------------
"$BIN" export --db "$db" >"$work/probes.csv"; rc=$?
[ $rc -eq 0 ] && ok "export exits 0" || notok "export exits 0" "exit $rc"
nprobes=$(sqlite3 "$db" "select count(*) from probe")
ncols=$(sqlite3 "$db" "select count(*) from pragma_table_info('probe')")
if /usr/bin/python3 - "$work/probes.csv" "$nprobes" "$((ncols + 2))" <<'EOF'; then ok "CSV: $nprobes rows, $((ncols + 2)) columns, parsed by Python's csv"; else notok "CSV parses back"; fi
import csv, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f, strict=True))
head, body = rows[0], rows[1:]
# every column of the table; tls_id resolves to three (version, cipher, alpn)
want = ["endpoint", "time", "state", "reason", "dns_us", "connect_us", "tls_us", "server_us", "transfer_us",
        "total_us", "http_status", "tls_version", "cipher", "alpn", "cert_sha256", "ip", "message", "error", "failed_phase"]
assert all(c in head for c in want), head
assert len(head) == int(sys.argv[3]), (len(head), head)
assert len(body) == int(sys.argv[2]), len(body)
assert all(len(r) == len(head) for r in body)
by = {n: [r for r in body if r[0] == n] for n in ("good", "down")}
g, d = dict(zip(head, by["good"][0])), dict(zip(head, by["down"][0]))
assert g["state"] == "UP" and g["reason"] == "ok" and g["http_status"] == "200" and len(g["cert_sha256"]) == 64, g
assert g["time"].endswith("Z") and len(g["time"]) == 24 and g["time"][10] == "T", g["time"]
assert d["state"] == "DOWN" and d["reason"] == "refused" and d["tls_us"] == "", d
# the failed phase by name, from its on-disk code
assert g["failed_phase"] == "none" and d["failed_phase"] == "connect", (g["failed_phase"], d["failed_phase"])
times = [r[1] for r in by["good"]]
assert times == sorted(times)
EOF
if head -c 200 "$work/probes.csv" | grep -q $'\r$'; then ok "CSV lines end in CRLF (RFC 4180)"; else notok "CSV lines end in CRLF"; fi

# --- JSON lines ----------------------------------------------------------------
"$BIN" export --db "$db" --format json >"$work/probes.json"
if [ "$(jq -s length "$work/probes.json")" = "$nprobes" ]; then ok "JSON: $nprobes lines, jq reads them"; else notok "JSON lines parse with jq" "$(head -3 "$work/probes.json")"; fi
ndown=$(jq -s 'map(select(.endpoint == "down")) | length' "$work/probes.json")
nnull=$(jq -s 'map(select(.endpoint == "down" and .tls_us == null and .state == "DOWN" and (.total_us | type) == "number"))
	| length' "$work/probes.json")
if [ "${ndown:-0}" -gt 0 ] && [ "$ndown" = "$nnull" ]; then ok "JSON: null for a phase not reached, numbers as numbers"
else notok "JSON: null for a phase not reached, numbers as numbers" "$ndown vs $nnull"; fi

# --- --since / --until are exact: [since, until) -------------------------------
mapfile -t ts < <(sqlite3 "$db" "select t_ms from probe p join endpoint e on e.id = p.endpoint_id where e.name = 'good' order by t_ms")
iso() { printf '%s.%03dZ' "$(date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%S)" $(($1 % 1000)); }
out=$("$BIN" export --db "$db" --endpoint good --format json --since "$(iso "${ts[2]}")" --until "$(iso "${ts[5]}")" | jq -r .time)
want=$(printf '%s\n' "$(iso "${ts[2]}")" "$(iso "${ts[3]}")" "$(iso "${ts[4]}")")
[ "$out" = "$want" ] && ok "--since T2 --until T5: exactly T2, T3, T4" || notok "--since/--until exact" "got: $out" "want: $want"
out=$("$BIN" export --db "$db" --endpoint good --since "$(iso $((ts[2] + 1)))" --until "$(iso $((ts[5] + 1)))" |
	tail -n +2 | cut -d, -f2 | tr -d '\r')
want=$(printf '%s\n' "$(iso "${ts[3]}")" "$(iso "${ts[4]}")" "$(iso "${ts[5]}")")
[ "$out" = "$want" ] && ok "one millisecond later (CSV): exactly T3, T4, T5" || notok "one millisecond later" "got: $out" "want: $want"

# --- outages and events; hostile text ----------------------------------------------
# down's outages against down's rows: with timeout = 800ms and fail_after = 1, a slow first
# handshake of good or eNN (a loaded machine, valgrind) opens an outage of its own, and the
# whole table's count then differed from down's (a race, not an export defect)
nout=$("$BIN" export --db "$db" --what outages --format json | jq -s 'map(select(.endpoint == "down")) | length')
nall=$("$BIN" export --db "$db" --what outages --format json | jq -s 'length')
[ "$nout" = "$(sqlite3 "$db" "select count(*) from outage o join endpoint e on e.id = o.endpoint_id where e.name = 'down'")" ] &&
	[ "$nall" = "$(sqlite3 "$db" "select count(*) from outage")" ] && [ "$nout" -ge 1 ] &&
	ok "outages: $nout of down, $nall in all, as in the table" ||
	notok "outages exported" "down: $nout, all: $nall"
"$BIN" export --db "$db" --what outages | head -1 | grep -q '^endpoint,start,end,reason,message,failed_probes' &&
	ok "outage columns: endpoint,start,end,reason,message,failed_probes" || notok "outage columns"
"$BIN" export --db "$db" --what events >"$work/events.csv"
if /usr/bin/python3 - "$work/events.csv" "$(sqlite3 "$db" "select count(*) from event")" <<'EOF'; then ok "events: CSV quoting of comma and quotes, control characters escaped"; else notok "events CSV"; fi
import csv, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.DictReader(f, strict=True))
assert len(rows) == int(sys.argv[2]), len(rows)
t = [r for r in rows if r["kind"] == "test"][0]
assert t["detail"] == 'a,b "q"\\nline2\\x1b[2J', repr(t["detail"])
assert t["time"] == "1970-01-01T00:00:01.000Z", t["time"]
EOF
if grep -q $'\x1b' "$work/events.csv"; then notok "no raw ESC in CSV"; else ok "no raw ESC in CSV"; fi
out=$("$BIN" export --db "$db" --what events --format json --until 1970-01-02 | jq -r .detail)
[ "$out" = $'a,b "q"\nline2\x1b[2J' ] && ok "JSON keeps the text exactly (escaped on the wire)" || notok "JSON text" "$out"
"$BIN" export --db "$db" --what events --format json --until 1970-01-02 | grep -q '\\u001b' &&
	ok "JSON escapes ESC as \\u001b" || notok "JSON escapes ESC"
