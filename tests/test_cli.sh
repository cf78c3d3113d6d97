#!/usr/bin/env bash
# The real binary from outside, as an operator or a cron job uses it:
# exit codes, usage and config errors, `check` on URLs and on a config
# against the local lab, JSON lines, escaping of hostile certificate text,
# DNS failure (in an empty network namespace, so no query leaves), and a
# leak-free probe round under valgrind. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
# expect_rc DESC WANT CMD...: runs CMD, keeps its output in $out
expect_rc() {
	local desc=$1 want=$2 rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$desc"; else notok "$desc" "exit $rc, want $want" "$out"; fi
}
has() { # has DESC TEXT: $out contains TEXT
	if grep -qF -- "$2" <<<"$out"; then ok "$1"; else notok "$1" "missing: $2" "$out"; fi
}

work=$(mktemp -d)
cleanup() { tests/lab/lab.sh stop "$lab" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }

# --- usage ---------------------------------------------------------------
expect_rc "--version exits 0" 0 "$BIN" --version
has "--version names the program" "httpsmon "
expect_rc "unknown option exits 3" 3 "$BIN" --frobnicate
has "unknown option is named" "unknown option '--frobnicate'"
expect_rc "missing option argument exits 3" 3 "$BIN" check --timeout
expect_rc "bad --timeout exits 3" 3 "$BIN" check --timeout 10 https://localhost/
has "bad --timeout says which forms work" "10s"
expect_rc "unknown command exits 3" 3 "$BIN" frob
# each row of main.c's command table: its argument and option rules, exit 3 with the usage line
expect_rc "--help exits 0 even before a bad option" 0 "$BIN" --help --frobnicate
for c in "check URL" "check-config" "--headless" "history" "stats" "export" "init" "add URL" "--view"; do
	has "--help lists $c" "httpsmon $c"
done
expect_rc "a mode's name after -- is not a command" 3 "$BIN" -- --view
has "it is named as an unknown command" "unknown command '--view'"
expect_rc "--headless takes no command" 3 "$BIN" --headless check
has "--headless names the extra word" "--headless takes no command ('check')"
expect_rc "--view refuses probe options" 3 "$BIN" --view --timeout 5s
has "--view names the option it refuses" "--timeout has no effect with --view"
expect_rc "--view: --cacert without --remote" 3 "$BIN" --view --cacert x
has "--view: --cacert goes with --remote" "--cacert goes with --remote https://"
has "a usage error ends with the usage line" "try 'httpsmon --help'"
expect_rc "check-config takes one FILE" 3 "$BIN" check-config a.ini b.ini
expect_rc "check-config refuses --json" 3 "$BIN" check-config --json config/endpoints.ini
expect_rc "history takes no argument" 3 "$BIN" history extra
has "history names the extra argument" "unexpected argument 'extra'"
expect_rc "probe options without URLs exit 3" 3 "$BIN" check --timeout 5s
has "probe options go with URLs" "go with URLs"
# every command refuses the options it does not use, naming both (main.c's accepts sets)
refuses() { # refuses OPTION-AS-SHOWN COMMAND-AS-SHOWN ARGV...
	local opt=$1 cmd=$2
	shift 2
	expect_rc "$cmd refuses $opt" 3 "$BIN" "$@"
	has "$cmd: '$opt has no effect with $cmd'" "$opt has no effect with $cmd"
}
refuses --endpoint "check -c FILE" check -c config/endpoints.ini --endpoint example
refuses --cacert --headless --headless --cacert x
refuses --resolve --headless --headless --resolve a:1:127.0.0.1
refuses -c --view --view -c x
refuses --config --view --view --config x
refuses --json --view --view --json
refuses --cacert history history --cacert x
refuses --timeout stats stats --timeout 5s
refuses -v "check URL" check -v https://localhost/
refuses --expect-status "check -c FILE" check -c config/endpoints.ini --expect-status 200
refuses --db check-config check-config --db x config/endpoints.ini
refuses --since "check URL" check --since 7d https://localhost/
expect_rc "URLs and -c together exit 3" 3 "$BIN" check -c config/endpoints.ini https://localhost/

# --- no config, init, add ------------------------------------------------------
mkdir -p "$work/elsewhere" "$work/home"
expect_rc "outside the repository with no config: exit 3" 3 \
	sh -c 'cd "$1" && HOME="$2" XDG_CONFIG_HOME= exec "$3" check' sh "$work/elsewhere" "$work/home" "$BIN"
has "it says where it looked" "looked for ./config/endpoints.ini, $work/home/.config/httpsmon/endpoints.ini and /etc/httpsmon/endpoints.ini"
has "it offers init" "httpsmon init"
xdg=$work/xdg
expect_rc "init writes the starter config" 0 env XDG_CONFIG_HOME="$xdg" "$BIN" init
has "init says where" "wrote the starter config to $xdg/httpsmon/endpoints.ini"
has "init says how to edit it" "edit it:"
if cmp -s config/endpoints.ini "$xdg/httpsmon/endpoints.ini"; then ok "the starter config is the shipped example, byte for byte"
else notok "the starter config is the shipped example"; fi
[ "$(stat -c %a "$xdg/httpsmon/endpoints.ini") $(stat -c %a "$xdg/httpsmon")" = "600 700" ] &&
	ok "init: file 0600, new directory 0700" || notok "init modes" "$(stat -c '%a %n' "$xdg/httpsmon" "$xdg/httpsmon/endpoints.ini")"
echo "# mine" >>"$xdg/httpsmon/endpoints.ini"
expect_rc "init refuses to overwrite" 3 env XDG_CONFIG_HOME="$xdg" "$BIN" init
has "it says so" "already exists: not overwritten"
tail -1 "$xdg/httpsmon/endpoints.ini" | grep -q '^# mine$' && ok "the existing file is untouched" || notok "the existing file is untouched"
expect_rc "init FILE" 0 "$BIN" init "$work/new/dir/my.ini"
expect_rc "init FILE writes a config that loads" 0 "$BIN" check-config "$work/new/dir/my.ini"

cfgA=$work/add.ini
printf '# my endpoints\n[defaults]\nca_file = %s ; the lab\n\n; the good one\n[good]\nurl = https://localhost:%s/\n' \
	"$ca" "$(port good)" >"$cfgA"
chmod 640 "$cfgA"
ln -s add.ini "$work/link.ini"
cp "$cfgA" "$work/add.before"
expect_rc "add URL (through a symlink)" 0 "$BIN" add -c "$work/link.ini" "https://127.0.0.1:$(port good)/x\$HOME"
has "add names the endpoint from the host" "added [127.0.0.1]"
printf '\n[127.0.0.1]\nurl = https://127.0.0.1:%s/x$$HOME\n' "$(port good)" | cat "$work/add.before" - >"$work/add.want"
cmp -s "$cfgA" "$work/add.want" && ok "add appends one section, comments and order kept, \$ written as \$\$" ||
	notok "add appends one section" "$(diff "$work/add.want" "$cfgA")"
[ -L "$work/link.ini" ] && [ "$(stat -c %a "$cfgA")" = 640 ] && ok "add keeps the symlink and the file mode (640)" ||
	notok "add keeps the symlink and the file mode" "$(ls -l "$work/link.ini" "$cfgA")"
expect_rc "the added endpoint probes" 0 "$BIN" check -c "$cfgA" --json 127.0.0.1
has "with its URL as written" "\"url\":\"https://127.0.0.1:$(port good)/x\$HOME\""
cp "$cfgA" "$work/add.before"
expect_rc "add: a taken name is refused" 3 "$BIN" add -c "$cfgA" "https://127.0.0.1:$(port good)/other"
has "it says the name is taken" "the name '127.0.0.1' is taken"
expect_rc "add --name NAME" 0 "$BIN" add -c "$cfgA" --name api-2 "https://localhost:$(port good)/"
has "add uses the name given" "added [api-2]"
cp "$cfgA" "$work/add.before"
expect_rc "add: a name with a newline is refused" 3 "$BIN" add -c "$cfgA" --name $'x]\nca_file = /etc/shadow\n[y' https://localhost/
expect_rc "add: a URL with a newline is refused" 3 "$BIN" add -c "$cfgA" --name n1 $'https://localhost/\nca_file = /etc/shadow'
has "it says why" "control"
expect_rc "add: a URL the loader refuses (a password) is not written" 3 "$BIN" add -c "$cfgA" --name n2 "https://u:pw@localhost/"
has "it says the result would not load" "would not load with [n2] added"
expect_rc "add: ftp:// is refused" 3 "$BIN" add -c "$cfgA" --name n3 ftp://localhost/
cmp -s "$cfgA" "$work/add.before" && ok "refused adds leave the file as it was" || notok "refused adds leave the file" "$(diff "$work/add.before" "$cfgA")"
[ -z "$(find "$work" -maxdepth 1 -name 'add.ini.*')" ] && ok "no temporary file is left behind" || notok "temporary files left" "$(ls "$work")"
expect_rc "add with no config: exit 3" 3 sh -c 'cd "$1" && HOME="$2" XDG_CONFIG_HOME= exec "$3" add https://localhost/' sh "$work/elsewhere" "$work/home" "$BIN"
has "it offers init" "httpsmon init"
refuses --json add add --json https://localhost/
refuses --name check check --name x -c "$cfgA"

# --- check-config ----------------------------------------------------------
expect_rc "shipped config validates" 0 "$BIN" check-config config/endpoints.ini
cat >"$work/bad.ini" <<EOF
[defaults]
timeout = 5s

[api]
url = https://localhost/
expect_stauts = 200
EOF
expect_rc "config with a typo exits 3" 3 "$BIN" check-config "$work/bad.ini"
has "error names file:line" "$work/bad.ini:6"
has "error suggests the key" "expect_status"
expect_rc "check on a broken config refuses to start" 3 "$BIN" check -c "$work/bad.ini"

# --- check URL: verdicts and exit codes -----------------------------------
expect_rc "healthy URL exits 0" 0 "$BIN" check --cacert "$ca" "https://localhost:$(port good)/"
has "waterfall shows the TLS phase" "TLS handshake"
has "chain is shown" "certificate chain (2 sent by the server)"
expect_rc "expired certificate exits 2" 2 "$BIN" check --cacert "$ca" "https://localhost:$(port expired)/"
has "expired is named" "cert_expired"
cat >"$work/warn.ini" <<EOF
[defaults]
ca_file = $ca
[hsts]
url = https://localhost:$(port good)/
expect_hsts = yes
EOF
expect_rc "a WARN endpoint exits 1" 1 "$BIN" check -c "$work/warn.ini"
has "table row names the reason" "hsts_missing"

expect_rc "--resolve reaches the named backend" 0 "$BIN" check --cacert "$ca" \
	--resolve "good.lab.test:$(port good):127.0.0.1" "https://good.lab.test:$(port good)/"

# --- JSON lines --------------------------------------------------------------
cat >"$work/many.ini" <<EOF
[defaults]
ca_file = $ca
timeout = 2s
[good]
url = https://localhost:$(port good)/
[expired]
url = https://localhost:$(port expired)/
[down]
url = https://localhost:$(port closed)/
EOF
# check -c FILE NAME...: only the named endpoints; globs; a name matching nothing is an error
expect_rc "check NAME probes only that endpoint" 0 "$BIN" check -c "$work/many.ini" --json good
if [ "$(grep -c '^{' <<<"$out")" -eq 1 ] && grep -q '"name":"good"' <<<"$out"; then ok "one line, for good"
else notok "one line, for good" "$out"; fi
expect_rc "a glob chooses its endpoints" 2 "$BIN" check -c "$work/many.ini" --json 'd*' 'g?od'
if [ "$(grep -c '^{' <<<"$out")" -eq 2 ] && grep -q '"name":"down"' <<<"$out" && ! grep -q '"name":"expired"' <<<"$out"
then ok "the glob's lines: down and good, not expired"; else notok "the glob's lines: down and good, not expired" "$out"; fi
expect_rc "a name matching nothing exits 3" 3 "$BIN" check -c "$work/many.ini" good 'api-*'
has "it names the name and the known ones" "no endpoint 'api-*' in $work/many.ini (known: good, expired, down)"
expect_rc "mixed config exits 2" 2 "$BIN" check -c "$work/many.ini" --json
lines=$(grep -c '^{' <<<"$out")
[ "$lines" -eq 3 ] && ok "one JSON line per endpoint" || notok "one JSON line per endpoint" "$out"
if command -v python3 >/dev/null 2>&1; then
	if python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
by = {r["name"]: r for r in rows}
assert by["good"]["verdict"] == "UP" and by["good"]["reason"] == "ok"
t = by["good"]["timings"]
assert all(t[k] is not None for k in ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "transfer_ms", "total_ms"))
assert by["good"]["cert"]["days_left"] > 300 and len(by["good"]["chain"]) == 2
assert by["expired"]["reason"] == "cert_expired" and by["expired"]["cert"]["not_after"].startswith("2025-01-01")
assert by["down"]["reason"] == "refused" and by["down"]["timings"]["tls_ms"] is None
' <<<"$out"; then ok "JSON parses and carries the facts"; else notok "JSON parses and carries the facts" "$out"; fi
else
	skip "JSON parses and carries the facts" "no python3"
fi

# --- check URL with thresholds (the config keys' parsers), at each threshold ---
soon="https://localhost:$(port soon)/"
days=$("$BIN" check --json --cacert "$ca" --cert-warn-days 0 --cert-crit-days 0 "$soon" | jq -r .cert.days_left)
if [ "$days" -ge 1 ] 2>/dev/null; then
	ok "soon: $days days left"
	# the rule is "days left < threshold": at the threshold it holds, one above it fires
	expect_rc "--cert-warn-days = days left: UP" 0 "$BIN" check --cacert "$ca" --cert-warn-days "$days" --cert-crit-days 0 "$soon"
	expect_rc "--cert-warn-days = days left + 1: WARN" 1 "$BIN" check --cacert "$ca" --cert-warn-days $((days + 1)) \
		--cert-crit-days 0 "$soon"
	has "WARN names the threshold" "cert_expiring"
	expect_rc "--cert-crit-days = days left: not DOWN" 1 "$BIN" check --cacert "$ca" --cert-warn-days 30 --cert-crit-days "$days" "$soon"
	expect_rc "--cert-crit-days = days left + 1: DOWN" 2 "$BIN" check --cacert "$ca" --cert-warn-days 30 \
		--cert-crit-days $((days + 1)) "$soon"
else
	notok "soon: days left" "$days"
fi
expect_rc "--cert-crit-days above --cert-warn-days exits 3" 3 "$BIN" check --cert-warn-days 5 https://localhost/
has "it says which is the default" "--cert-crit-days 7 (the default) must not exceed --cert-warn-days 5"
h500="https://localhost:$(port http500)/"
expect_rc "500 is DOWN by default" 2 "$BIN" check --cacert "$ca" "$h500"
expect_rc "--expect-status 500: UP" 0 "$BIN" check --cacert "$ca" --expect-status 500 "$h500"
expect_rc "--expect-status 200,400-499: DOWN on 500" 2 "$BIN" check --cacert "$ca" --expect-status 200,400-499 "$h500"
expect_rc "--expect-status 501-599: DOWN on 500" 2 "$BIN" check --cacert "$ca" --expect-status 501-599 "$h500"
expect_rc "--expect-status 600 exits 3" 3 "$BIN" check --expect-status 600 "$h500"
has "the file's parser's message, under the option's name" "--expect-status:"
good="https://localhost:$(port good)/"
expect_rc "--expect-body found: UP" 0 "$BIN" check --cacert "$ca" --expect-body '"status":"ok"' "$good"
expect_rc "--expect-body missing: DOWN" 2 "$BIN" check --cacert "$ca" --expect-body degraded "$good"
has "body_mismatch" "body_mismatch"
expect_rc "--min-tls 1.2 on a TLS 1.2 server: UP" 0 "$BIN" check --cacert "$ca" --min-tls 1.2 "https://localhost:$(port tls12only)/"
expect_rc "--min-tls 1.3 on a TLS 1.2 server: DOWN" 2 "$BIN" check --cacert "$ca" --min-tls 1.3 "https://localhost:$(port tls12only)/"
expect_rc "--min-tls 1.5 exits 3" 3 "$BIN" check --min-tls 1.5 "$good"
slow="https://localhost:$(port slow)/"
expect_rc "--latency-warn 1s on a 1.5 s server: WARN" 1 "$BIN" check --cacert "$ca" --latency-warn 1s "$slow"
expect_rc "--latency-warn 8s on a 1.5 s server: UP" 0 "$BIN" check --cacert "$ca" --latency-warn 8s "$slow"
expect_rc "--latency-warn 10 (no unit) exits 3" 3 "$BIN" check --latency-warn 10 "$slow"

# --- hostile certificate text never reaches the terminal raw -----------------
expect_rc "hostile certificate still verifies" 0 "$BIN" check --cacert "$ca" "https://localhost:$(port hostile)/"
if printf '%s' "$out" | grep -q $'\x1b'; then
	notok "no raw ESC in the output" "$(printf '%s' "$out" | od -c | head -5)"
else
	ok "no raw ESC in the output"
fi
has "escape shown as text" 'Evil\1B]0'
out=$("$BIN" check --json --cacert "$ca" "https://localhost:$(port hostile)/" 2>&1)
if printf '%s' "$out" | grep -q $'\x1b'; then notok "no raw ESC in JSON"; else ok "no raw ESC in JSON"; fi

# --- DNS failure, in a network namespace with no interfaces ------------------
if unshare -n true 2>/dev/null; then
	expect_rc "unresolvable name exits 2" 2 unshare -n "$BIN" check --json https://no-such-host.invalid/
	has "reason is dns" '"reason":"dns"'
else
	skip "unresolvable name exits 2" "unshare -n not permitted"
fi

# --- all_addresses: a stale node behind a name shows up ----------------------
# The name resolves (through a private /etc/hosts) to 127.0.0.1, where the lab
# listens, and 127.0.0.2, where nothing does.
if unshare -m true 2>/dev/null; then
	printf '127.0.0.1 multi.bench.test\n127.0.0.2 multi.bench.test\n' >"$work/hosts"
	cat >"$work/multi.ini" <<EOF
[defaults]
ca_file = $ca
timeout = 3s
[multi]
url = https://multi.bench.test:$(port good)/
all_addresses = yes
EOF
	out=$(unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec "$2" check -c "$3" --json' sh \
		"$work/hosts" "$BIN" "$work/multi.ini" 2>&1)
	if grep -q '"name":"multi".*"verdict":"DOWN","reason":"refused".*\[127.0.0.2\].*1 of 2 addresses' <<<"$out"; then
		ok "all_addresses names the dead address"
	else
		notok "all_addresses names the dead address" "$out"
	fi
	if grep -q '"name":"multi".*"addresses":\[{"ip":"127.0.0.1","verdict":"UP"' <<<"$out"; then
		ok "all_addresses lists every address in JSON"
	else
		notok "all_addresses lists every address in JSON" "$out"
	fi
else
	skip "all_addresses names the dead address" "unshare -m not permitted"
fi

# --- a regex that backtracks without end gives up at once -------------------
# glibc's regexec spent 14.7 s on 32 KiB with this pattern, and no other
# endpoint was probed meanwhile. 512 KiB of letters ending in "!Q": the Q is
# there (no shortcut), the '!' before it makes ([a-z]+ ?)+ try every split.
{ yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c $((512 * 1024 - 2)); printf '!Q'; } >"$work/letters.txt"
printf 'letters tls 0 cert=%s/certs/good-chain.pem key=%s/certs/good.key body_file=%s/letters.txt\n' \
	"$lab" "$lab" "$work" >"$work/letters.spec"
"$labsrv" -p $$ "$work/letters.spec" "$work/letters.ports" 2>>"$work/letters.log" &
if wait_for 5 test -s "$work/letters.ports"; then
	cat >"$work/regex.ini" <<EOF
[defaults]
ca_file = $ca
timeout = 5s
[letters]
url = https://localhost:$(awk '$1 == "letters" { print $2 }' "$work/letters.ports")/
expect_body_regex = ([a-z]+ ?)+Q
[good]
url = https://localhost:$(port good)/
expect_body_regex = "status":"ok"
EOF
	t0=$(date +%s%N)
	expect_rc "catastrophic regex: check exits 2" 2 timeout 60 "$BIN" check -c "$work/regex.ini"
	ms=$((($(date +%s%N) - t0) / 1000000))
	has "catastrophic regex: body_mismatch" "body_mismatch"
	has "catastrophic regex: says it gave up" "regex gave up after 2048576 steps: simplify it"
	if grep -q '^UP  *good ' <<<"$out"; then ok "the other endpoint's regex still matches"
	else notok "the other endpoint's regex still matches" "$out"; fi
	if [ "$ms" -lt 5000 ]; then ok "catastrophic regex: check returns promptly (${ms} ms)"
	else notok "catastrophic regex: check returns promptly" "took ${ms} ms"; fi
else
	notok "letters server starts" "$(cat "$work/letters.log")"
fi

# --- no leak in a probe round ------------------------------------------------
cat >"$work/round.ini" <<EOF
[defaults]
ca_file = $ca
timeout = 3s
[good]
url = https://localhost:$(port good)/
expect_json = status == "ok"
expect_body_regex = "status":"(ok|healthy)"
check_http_redirect = yes
http_port = $(port redir)
[expired]
url = https://localhost:$(port expired)/
[leafonly]
url = https://localhost:$(port leafonly)/
[hang]
url = https://localhost:$(port hang)/
timeout = 1s
[redir]
url = http://localhost:$(port redir)/
[big]
url = https://localhost:$(port big)/
max_body = 64KiB
EOF
valgrind_clean "valgrind: no leak or memory error in a probe round" "$BIN" check -c "$work/round.ini"
