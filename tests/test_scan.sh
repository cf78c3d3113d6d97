#!/usr/bin/env bash
# test_scan: `httpsmon scan` against the posture lab (tests/lab/posture-lab.sh):
# for each server the exact grade, caps, findings, protocol answers and cipher
# categories from --json, the exit status, the table's text, scan -c FILE NAME,
# and, against a real peer, Debian's testssl.sh (protocols only, loopback, no
# DNS) agreeing with httpsmon on every TLS version of two servers.
. "$(dirname "$0")/lib/harness.sh"

work=$(mktemp -d)
trap 'kill "$(cat "$work/lab/labsrv.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$work"' EXIT
LAB_OWNER=$$ tests/lab/posture-lab.sh "$work/lab" || { notok "posture lab starts"; exit 1; }
ca=$work/lab/ca.pem
pport() { awk -v n="$1" '$1 == n { print $2 }' "$work/lab/ports"; }

# scan_json NAME: scans the lab's NAME server into $work/NAME.json, exit status in $work/NAME.rc
scan_json() {
	local p
	p=$(pport "$1")
	"$BIN" scan --json --cacert "$ca" --resolve "localhost:$p:127.0.0.1" "https://localhost:$p/" \
		>"$work/$1.json" 2>"$work/$1.err"
	echo $? >"$work/$1.rc"
}

# field NAME EXPR: a Python expression over the report d, printed as JSON
field() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' \
		"$work/$1.json" "$2"
}

# expect NAME DESC EXPR WANT
expect() {
	local got
	got=$(field "$1" "$3" 2>&1)
	if [ "$got" = "$4" ]; then ok "$1: $2"; else notok "$1: $2" "want: $4" "got:  $got" "$(cat "$work/$1.err")"; fi
}
ids='[f["id"] for f in d["findings"]]'

for s in legacy tls10only staticrsa modern stapled revstapled closed; do scan_json "$s" & done
wait

expect legacy "grade B" 'd["grade"]' '"B"'
expect legacy "caps: TLS 1.0 and TLS 1.1" 'd["grade_caps"]' '["B: TLS 1.0 accepted", "B: TLS 1.1 accepted"]'
expect legacy "every TLS version accepted, SSLv2/SSLv3 not testable (null)" 'd["protocols"]' \
	'{"tls1.0": true, "tls1.1": true, "tls1.2": true, "tls1.3": true, "ssl2": null, "ssl3": null}'
expect legacy "findings" "$ids" \
	'["tls_legacy_offered", "no_forward_secrecy", "revocation_unknown", "sct_few", "cbc_sha1_offered"]'
expect legacy "3DES and RC4 not testable here, CBC-SHA1 accepted" \
	'[d["ciphers"]["not_testable"], d["ciphers"]["weak_accepted"]]' '[["3des", "rc4"], ["cbc_sha1"]]'
expect legacy "static-RSA suites listed (at most 4)" 'd["ciphers"]["no_forward_secrecy"]' \
	'["AES256-GCM-SHA384", "AES128-GCM-SHA256", "AES256-SHA256", "AES128-SHA256"]'
expect legacy "exit status 1 (warnings)" 'int(open(sys.argv[1][:-5] + ".rc").read())' '1'

# a server of TLS 1.0 only refuses the modern handshake: the group is the
# sweep's TLS 1.0 handshake's, as forward secrecy (ECDHE) is accepted there
expect tls10only "TLS 1.0 only" 'd["protocols"]' \
	'{"tls1.0": true, "tls1.1": false, "tls1.2": false, "tls1.3": false, "ssl2": null, "ssl3": null}'
expect tls10only "key exchange X25519 from the sweep, forward secrecy accepted" \
	'[d["group"], d["group_bits"], d["forward_secrecy"]]' '["X25519", 253, true]'

expect staticrsa "grade A- (warnings, no cap)" '[d["grade"], d["grade_caps"]]' '["A-", []]'
expect staticrsa "TLS 1.2 only" 'd["protocols"]' \
	'{"tls1.0": false, "tls1.1": false, "tls1.2": true, "tls1.3": false, "ssl2": null, "ssl3": null}'
expect staticrsa "the static-RSA suites it accepts, forward secrecy still there" \
	'[d["ciphers"]["no_forward_secrecy"], d["forward_secrecy"], d["group"]]' \
	'[["AES256-GCM-SHA384", "AES128-SHA"], true, "X25519"]'
expect staticrsa "findings" "$ids" \
	'["no_forward_secrecy", "revocation_unknown", "hsts_missing", "sct_few", "tls13_missing", "cbc_sha1_offered"]'
expect staticrsa "no_forward_secrecy says which suites" 'd["findings"][0]["message"]' \
	'"static RSA key exchange accepted (AES256-GCM-SHA384, AES128-SHA): no forward secrecy for clients that pick it"'

expect modern "grade A+ (TLS 1.3, HSTS exactly 180 days, no warning)" '[d["grade"], d["grade_caps"]]' '["A+", []]'
expect modern "only the notes: revocation unknown, CT" "$ids" '["revocation_unknown", "sct_few"]'
expect modern "facts" '[d["hsts"], d["cert_lifetime_days"], d["sct_count"], d["ciphers"]["weak_accepted"]]' \
	'[{"header": "max-age=15552000", "valid": true, "max_age": 15552000, "include_subdomains": false, "preload": false, "problem": null}, 90, 0, []]'
# the lab's leaf names no CRL and no OCSP responder: revoke.h's checker says so
expect modern "revocation from the checker: unknown, and why" 'd["revocation"]' \
	'{"status": "unknown", "method": null, "revoked_at": null, "reason": null, "detail": "no CRL distribution point and no OCSP URL"}'
expect modern "no staple" 'd["ocsp_stapling"]' '{"stapled": false, "status": null, "next_update": null}'
expect modern "exit status 0" 'int(open(sys.argv[1][:-5] + ".rc").read())' '0'

next_update=$(openssl ocsp -respin "$work/lab/staple-good.der" -resp_text -noverify 2>/dev/null |
	sed -n 's/^ *Next Update: //p' | head -1)
next_update=$(date -u -d "$next_update" +%Y-%m-%dT%H:%M:%SZ)
expect stapled "a good staple, verified, with its nextUpdate" 'd["ocsp_stapling"]' \
	"{\"stapled\": true, \"status\": \"good\", \"next_update\": \"$next_update\"}"
expect stapled "HSTS 179 days: A- with hsts_short" '[d["grade"], '"$ids"']' '["A-", ["hsts_short", "revocation_unknown", "sct_few"]]'

expect revstapled "a staple saying revoked: grade T" '[d["grade"], d["grade_caps"], d["ocsp_stapling"]["status"]]' \
	'["T", ["T: certificate revoked"], "revoked"]'
expect revstapled "finding cert_revoked" 'd["findings"][0]' \
	'{"id": "cert_revoked", "severity": "crit", "message": "the certificate was revoked according to the stapled OCSP response"}'
expect revstapled "exit status 2" 'int(open(sys.argv[1][:-5] + ".rc").read())' '2'

expect closed "nothing listens: no grade, the error, exit 2" \
	'[d["grade"], d["error"], d["handshakes"], int(open(sys.argv[1][:-5] + ".rc").read())]' \
	"[null, \"connect to 127.0.0.1 port $(pport closed): Connection refused\", 1, 2]"

# check --json's hsts and scan --json's are one shape from one writer
p=$(pport legacy)
"$BIN" check --json --cacert "$ca" --resolve "localhost:$p:127.0.0.1" "https://localhost:$p/" >"$work/legacy-check.json" 2>&1
cmp=$(python3 -c 'import json, sys
c = json.loads(open(sys.argv[1]).readline())["hsts"]
s = json.load(open(sys.argv[2]))["hsts"]
print("same" if c == s and list(c) == ["header", "valid", "max_age", "include_subdomains", "preload", "problem"] else "%r != %r" % (c, s))' \
	"$work/legacy-check.json" "$work/legacy.json" 2>&1)
if [ "$cmp" = same ]; then ok "hsts: check --json and scan --json give the same object"
else notok "hsts: check --json and scan --json give the same object" "$cmp"; fi

# where to connect: a name through the resolver (localhost, /etc/hosts), and a
# resolve entry whose first address refuses: the next one is tried
p=$(pport modern)
out=$("$BIN" scan --json --cacert "$ca" "https://localhost:$p/" 2>&1)
if grep -q '"grade":"A+"' <<<"$out"; then ok "a name resolved on the loop (getaddrinfo_a): graded"
else notok "a name resolved on the loop (getaddrinfo_a): graded" "$out"; fi
out=$("$BIN" scan --json --cacert "$ca" --resolve "localhost:$p:127.0.0.2,127.0.0.1" "https://localhost:$p/" 2>&1)
if grep -q '"grade":"A+".*"error":null,"handshakes":11' <<<"$out"; then
	ok "resolve entry: 127.0.0.2 refuses, 127.0.0.1 is used (one handshake more)"
else
	notok "resolve entry: 127.0.0.2 refuses, 127.0.0.1 is used (one handshake more)" "$out"
fi

# the table, for people
p=$(pport legacy)
"$BIN" scan --cacert "$ca" --resolve "localhost:$p:127.0.0.1" "https://localhost:$p/" >"$work/legacy.txt"
if grep -q "Grade          B  (approximation of SSL Labs' grade; score 91)" "$work/legacy.txt" &&
	grep -q '^   B: TLS 1.0 accepted$' "$work/legacy.txt" &&
	grep -qE '^   3DES +not testable +the local OpenSSL' "$work/legacy.txt" &&
	grep -qE '^   TLS 1.0 +accepted' "$work/legacy.txt"; then
	ok "table: grade with its label, caps, not testable rows"
else
	notok "table: grade with its label, caps, not testable rows" "$(cat "$work/legacy.txt")"
fi

# the key exchange line: the sweep's group, and no handshake at all
for s in tls10only closed; do
	p=$(pport $s)
	"$BIN" scan --cacert "$ca" --resolve "localhost:$p:127.0.0.1" "https://localhost:$p/" >"$work/$s.txt"
done
if grep -qx ' Key exchange   X25519 (253 bits)' "$work/tls10only.txt" &&
	grep -qx ' Key exchange   unknown: no handshake succeeded' "$work/closed.txt"; then
	ok "table: key exchange of a TLS 1.0-only server, and of no handshake"
else
	notok "table: key exchange of a TLS 1.0-only server, and of no handshake" \
		"$(grep 'Key exchange' "$work/tls10only.txt" "$work/closed.txt")"
fi
p=$(pport legacy)

# scan -c FILE NAME: the endpoints of a config, chosen by name
cat >"$work/endpoints.ini" <<INI
[defaults]
ca_file = $ca

[modern]
url = https://localhost:$(pport modern)/
resolve = localhost:$(pport modern):127.0.0.1

[legacy]
url = https://localhost:$p/
resolve = localhost:$p:127.0.0.1
INI
"$BIN" scan -c "$work/endpoints.ini" --json modern >"$work/cfg.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(wc -l <"$work/cfg.out")" = 1 ] && grep -q '"name":"modern".*"grade":"A+"' "$work/cfg.out"; then
	ok "scan -c FILE NAME: that endpoint only, exit 0"
else
	notok "scan -c FILE NAME: that endpoint only, exit 0" "rc=$rc" "$(cat "$work/cfg.out")"
fi
"$BIN" scan -c "$work/endpoints.ini" --json >"$work/cfg2.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && [ "$(sed -n 's/.*"name":"\([a-z]*\)".*/\1/p' "$work/cfg2.out" | tr '\n' ' ')" = "modern legacy " ]; then
	ok "scan -c FILE: every endpoint in config order, worst exit status"
else
	notok "scan -c FILE: every endpoint in config order, worst exit status" "rc=$rc" "$(cat "$work/cfg2.out")"
fi

# a real peer: testssl.sh's protocol findings against ours, two servers
if ! command -v testssl >/dev/null; then
	skip "testssl agrees on legacy" "testssl.sh not installed (scripts/deps.sh installs it)"
	skip "testssl agrees on staticrsa" "testssl.sh not installed"
	exit 0
fi
for s in legacy staticrsa; do
	timeout 120 testssl --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 -p \
		--jsonfile "$work/testssl-$s.json" "localhost:$(pport "$s")" >"$work/testssl-$s.out" 2>&1 &
done
wait
for s in legacy staticrsa; do
	cmp=$(python3 - "$work/testssl-$s.json" "$work/$s.json" <<'PY'
import json, sys
ts = {f["id"]: f["finding"] for f in json.load(open(sys.argv[1]))}
ours = json.load(open(sys.argv[2]))["protocols"]
pairs = [("TLS1", "tls1.0"), ("TLS1_1", "tls1.1"), ("TLS1_2", "tls1.2"), ("TLS1_3", "tls1.3")]
bad = []
for t, o in pairs:
    theirs = t in ts and ts[t].startswith("offered")
    if t not in ts or ours[o] is not theirs:
        bad.append("%s: testssl %r, httpsmon %r" % (o, ts.get(t), ours[o]))
# where we cannot test, we say null; testssl (raw sockets) may say either
for t, o in [("SSLv2", "ssl2"), ("SSLv3", "ssl3")]:
    if ours[o] is not None and ours[o] is not ts.get(t, "").startswith("offered"):
        bad.append("%s: testssl %r, httpsmon %r" % (o, ts.get(t), ours[o]))
print("; ".join(bad) if bad else "agree")
PY
)
	if [ "$cmp" = agree ]; then ok "testssl agrees on $s (TLS 1.0-1.3)"
	else notok "testssl agrees on $s (TLS 1.0-1.3)" "$cmp" "$(tail -15 "$work/testssl-$s.out")"; fi
done
