#!/usr/bin/env bash
# Revocation against real sources on loopback: a PKI made here (a root, an
# intermediate whose CRL distribution point is the root's CRL, leaves with a
# CRL distribution point and/or an AIA OCSP URL), CRLs served by labsrv's
# http listeners, and a real `openssl ocsp -index ... -port ...` responder.
# `check --json` and `check -v` must say, for each leaf: revoked by the
# CRL (DOWN cert_revoked, the exact sentence), revoked by OCSP (DOWN), good
# via the CRL and via OCSP, CRL unreachable with OCSP as the fallback, the
# responder down (unknown: UP, WARN only with require_revocation), a CRL of
# 10 MiB + 1 byte refused and one of exactly 10 MiB read, a CRL with a bad
# signature, a stale CRL, and revocation = no. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
labsrv=$BUILD/tests/lab/labsrv
d=$work/pki
mkdir -p "$d"

# --- the PKI -------------------------------------------------------------
export OPENSSL_CONF=$d/base.cnf
cat >"$d/base.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF
# ca_cnf NAME: an `openssl ca` config whose database is index-NAME.txt
ca_cnf() {
	: >"$d/index-$1.txt"
	echo 01 >"$d/crlnumber-$1"
	printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index-%s.txt\ncrlnumber = %s/crlnumber-%s\ndefault_md = sha256\ndefault_crl_days = 30\n' \
		"$d" "$1" "$d" "$1" >"$d/ca-$1.cnf"
}
# gencrl NAME CERT KEY OUT [openssl ca options]: a DER CRL of index-NAME.txt
gencrl() {
	local name=$1 cert=$2 key=$3 out=$4
	shift 4
	OPENSSL_CONF=$d/ca-$name.cnf openssl ca -config "$d/ca-$name.cnf" -gencrl -cert "$cert" -keyfile "$key" \
		-out "$d/tmp.crl" "$@" 2>>"$d/openssl.log" &&
		openssl crl -in "$d/tmp.crl" -outform DER -out "$out"
}
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# labsrv_up NAME SPEC: starts a labsrv on SPEC; its ports in $d/NAME.ports
labsrv_up() {
	printf '%s\n' "$2" >"$d/$1.spec"
	"$labsrv" -p $$ "$d/$1.spec" "$d/$1.ports" 2>>"$d/labsrv.log" &
	pids+=($!)
	wait_for 10 test -s "$d/$1.ports"
}
pport() { awk -v n="$2" '$1 == n { print $2 }' "$d/$1.ports"; }

ec_key "$d/root.key"
openssl req -x509 -new -key "$d/root.key" -subj "/CN=Revoke Test Root" -days 3650 -extensions root_ext \
	-out "$d/root.pem" 2>>"$d/openssl.log"
ca_cnf root
gencrl root "$d/root.pem" "$d/root.key" "$d/root.crl" || { notok "the root's CRL is made" "$(cat "$d/openssl.log")"; exit 1; }
labsrv_up a "rootcrl http 0 file=$d/root.crl" || { notok "the root's CRL is served" "$(cat "$d/labsrv.log")"; exit 1; }

ec_key "$d/int.key"
openssl req -new -key "$d/int.key" -subj "/CN=Revoke Test Int" -out "$d/int.csr" 2>>"$d/openssl.log"
printf '[x]\nbasicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1:%s/root.crl\n' "$(pport a rootcrl)" >"$d/int.ext"
openssl x509 -req -in "$d/int.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -set_serial 0x51 -days 3650 \
	-extfile "$d/int.ext" -extensions x -out "$d/int.pem" 2>>"$d/openssl.log"

# the intermediate's records: 1001 and 2001 revoked on 2026-11-20 01:00 UTC, keyCompromise
ca_cnf int
for s in 1002 1003 1004 1005 1006 2002 2003 2004; do
	printf 'V\t361231000000Z\t\t%s\tunknown\t/CN=leaf-%s\n' "$s" "$s" >>"$d/index-int.txt"
done
printf 'R\t361231000000Z\t261120010000Z,keyCompromise\t1001\tunknown\t/CN=crl-revoked\n' >>"$d/index-int.txt"
printf 'R\t361231000000Z\t261120010000Z,keyCompromise\t2001\tunknown\t/CN=ocsp-revoked\n' >>"$d/index-int.txt"
gencrl int "$d/int.pem" "$d/int.key" "$d/int.crl"
gencrl int "$d/int.pem" "$d/int.key" "$d/stale.crl" -crl_lastupdate 20261101000000Z -crl_nextupdate 20261102000000Z
# same issuer name, another key: the signature cannot verify
ec_key "$d/imposter.key"
openssl req -x509 -new -key "$d/imposter.key" -subj "/CN=Revoke Test Int" -days 30 -out "$d/imposter.pem" \
	2>>"$d/openssl.log"
gencrl int "$d/imposter.pem" "$d/imposter.key" "$d/badsig.crl"
[ -s "$d/int.crl" ] && [ -s "$d/stale.crl" ] && [ -s "$d/badsig.crl" ] ||
	{ notok "the intermediate's CRLs are made" "$(cat "$d/openssl.log")"; exit 1; }

labsrv_up b "intcrl http 0 file=$d/int.crl
stalecrl http 0 file=$d/stale.crl
badsigcrl http 0 file=$d/badsig.crl
bigcrl http 0 body_size=10485761
exactcrl http 0 body_size=10485760
closed closed 0" || { notok "the CRLs are served" "$(cat "$d/labsrv.log")"; exit 1; }
# The responder, before the leaves that name it: `openssl ocsp -port` cannot take 0 and say
# which port it got, so it takes one the kernel just gave out (tried again, should another
# program take it meanwhile). It binds every interface, as the issue's test plan has it.
responder_up() { curl -s -o /dev/null "http://127.0.0.1:$ocsp_port/" -m 1; [ $? -ne 7 ]; }
for try in 1 2 3; do
	ocsp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	openssl ocsp -index "$d/index-int.txt" -port "$ocsp_port" -rsigner "$d/int.pem" -rkey "$d/int.key" \
		-CA "$d/int.pem" -nmin 60 -ignore_err >>"$d/ocsp.log" 2>&1 &
	ocsp_pid=$!
	pids+=($ocsp_pid)
	if wait_for 10 responder_up && kill -0 "$ocsp_pid" 2>/dev/null; then break; fi
	kill "$ocsp_pid" 2>/dev/null
	[ "$try" = 3 ] && { notok "openssl ocsp starts" "$(cat "$d/ocsp.log")"; exit 1; }
done
ok "openssl ocsp answers on port $ocsp_port"
crl() { echo "http://127.0.0.1:$(pport b "$1")/$1.crl"; }
ocsp_url=http://127.0.0.1:$ocsp_port/
closed_url=http://127.0.0.1:$(pport b closed)/

# leaf NAME SERIAL CRL_URL OCSP_URL ("-": none)
leaf() {
	ec_key "$d/$1.key"
	openssl req -new -key "$d/$1.key" -subj "/CN=$1.revoke.test" -out "$d/$1.csr" 2>>"$d/openssl.log"
	{
		printf '[x]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n'
		printf 'extendedKeyUsage = serverAuth\nauthorityKeyIdentifier = keyid\n'
		printf 'subjectAltName = DNS:localhost,IP:127.0.0.1\n'
		[ "$3" = - ] || printf 'crlDistributionPoints = URI:%s\n' "$3"
		[ "$4" = - ] || printf 'authorityInfoAccess = OCSP;URI:%s\n' "$4"
	} >"$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/int.pem" -CAkey "$d/int.key" -set_serial "0x$2" -days 365 \
		-extfile "$d/$1.ext" -extensions x -out "$d/$1.pem" 2>>"$d/openssl.log"
	cat "$d/$1.pem" "$d/int.pem" >"$d/$1-chain.pem"
}
leaf crlrevoked 1001 "$(crl intcrl)" -
leaf crlgood 1002 "$(crl intcrl)" -
leaf stale 1003 "$(crl stalecrl)" -
leaf badsig 1004 "$(crl badsigcrl)" -
leaf big 1005 "$(crl bigcrl)" -
leaf exact 1006 "$(crl exactcrl)" -
leaf ocsprevoked 2001 - "$ocsp_url"
leaf ocspgood 2002 - "$ocsp_url"
leaf ocspdown 2003 - "$closed_url"
leaf fallback 2004 "$closed_url" "$ocsp_url"
[ -s "$d/fallback.pem" ] || { notok "the leaves are made" "$(tail -20 "$d/openssl.log")"; exit 1; }
names="crlrevoked crlgood stale badsig big exact ocsprevoked ocspgood ocspdown fallback"
spec=
for nm in $names; do spec+="$nm tls 0 cert=$d/$nm-chain.pem key=$d/$nm.key body=ok"$'\n'; done
labsrv_up c "$spec" || { notok "the TLS servers start" "$(cat "$d/labsrv.log")"; exit 1; }


# --- check ------------------------------------------------------------------
# conf EXTRA: one endpoint per leaf, EXTRA in [defaults]
conf() {
	printf '[defaults]\nca_file = %s/root.pem\n%s\n' "$d" "$1"
	for nm in $names; do printf '[%s]\nurl = https://localhost:%s/\n' "$nm" "$(pport c "$nm")"; done
}
conf "" >"$work/plain.ini"
"$BIN" check --json -c "$work/plain.ini" >"$work/plain.json" 2>"$work/plain.err"
rc=$?
if [ "$rc" -eq 2 ]; then ok "check exits 2 (a probe is DOWN)"; else notok "check exits 2" "exit $rc" "$(cat "$work/plain.err")"; fi
# field NAME JQ: the value of JQ in NAME's line
field() { jq -r --arg n "$1" "select(.name == \$n) | $2" "$work/plain.json"; }
# expect NAME JQ WANT
expect() {
	local got
	got=$(field "$1" "$2")
	if [ "$got" = "$3" ]; then ok "$1: $2 is $3"; else notok "$1: $2 is $3" "got: $got" "$(grep "\"$1\"" "$work/plain.json" | head -c 3000)"; fi
}
expect crlrevoked '.verdict + " " + .reason' "DOWN cert_revoked"
expect crlrevoked .message "certificate 'crlrevoked.revoke.test' was revoked on 2026-11-20 (keyCompromise) according to the CRL of $(crl intcrl); any client that checks revocation will refuse it"
expect crlrevoked '.revocation | [.status, .method, .reason, .revoked_at] | join(" ")' "revoked crl keyCompromise 2026-11-20T01:00:00Z"
expect ocsprevoked '.verdict + " " + .reason' "DOWN cert_revoked"
expect ocsprevoked .message "certificate 'ocsprevoked.revoke.test' was revoked on 2026-11-20 (keyCompromise) according to the OCSP responder $ocsp_url; any client that checks revocation will refuse it"
expect ocsprevoked '.revocation | [.status, .method, .reason] | join(" ")' "revoked ocsp keyCompromise"
# good: the leaf and the intermediate (whose CRL is the root's) both checked
expect crlgood '.verdict + " " + (.revocation | [.status, .method, (.certs | tostring)] | join(" "))' "UP good crl 2"
expect crlgood '.revocation.source' "$(crl intcrl)"
expect ocspgood '.verdict + " " + (.revocation | [.status, .method, .source] | join(" "))' "UP good ocsp $ocsp_url"
expect ocspgood '.revocation.next_update != null and .revocation.checked_at != null' true
expect fallback '.revocation | [.status, .method] | join(" ")' "good ocsp"
expect ocspdown '.verdict + " " + .reason + " " + .revocation.status' "UP ok unknown"
expect ocspdown '.revocation.detail | test("the OCSP responder http://127.0.0.1:[0-9]+/: .*(refused|Failed to connect)")' true
expect big '.verdict + " " + .revocation.status' "UP unknown"
expect big '.revocation.detail' "the CRL of $(crl bigcrl): the CRL is larger than 10 MiB: refused"
expect exact '.revocation.detail' "the CRL of $(crl exactcrl): not a CRL (neither DER nor PEM, 10485760 bytes)"
expect badsig '.revocation.detail' "the CRL of $(crl badsigcrl): signature does not verify with the key of 'CN=Revoke Test Int'"
expect stale '.revocation.detail' "the CRL of $(crl stalecrl): stale: its nextUpdate 2026-11-02T00:00:00Z has passed"
expect stale '.revocation.status + " " + .verdict' "unknown UP"
for nm in $names; do
	[ "$(field "$nm" '.revocation.pending')" = false ] || notok "$nm: no status is left pending at the end of check" "$(field "$nm" .revocation)"
done
ok "no status is left pending at the end of check"

# require_revocation = yes: unknown is a WARN, good stays UP, revoked stays DOWN
conf "require_revocation = yes" >"$work/req.ini"
"$BIN" check --json -c "$work/req.ini" >"$work/plain.json" 2>/dev/null
expect ocspdown '.verdict + " " + .reason' "WARN revocation_unknown"
expect stale '.verdict + " " + .reason' "WARN revocation_unknown"
expect ocspgood '.verdict' "UP"
expect crlrevoked '.reason' "cert_revoked"

# revocation = no: nothing is looked up, nothing judged
conf "revocation = no" >"$work/off.ini"
"$BIN" check --json -c "$work/off.ini" >"$work/plain.json" 2>/dev/null
expect crlrevoked '.verdict + " " + (.revocation | tostring)' "UP null"

# the text report shows the status
out=$("$BIN" check -v -c "$work/plain.ini" crlrevoked ocspgood 2>&1)
if grep -qF "revoked? REVOKED on 2026-11-20 (keyCompromise) according to the CRL of $(crl intcrl)" <<<"$out" &&
	grep -qE "revoked\? good \(OCSP $ocsp_url, checked .*, 2 certificates\)" <<<"$out"; then
	ok "check -v shows the revocation line"
else
	notok "check -v shows the revocation line" "$out"
fi

# --- no leak or memory error in a round of every case ---------------------------
valgrind_clean "valgrind: a revocation round (CRL, OCSP, refused, too large, bad signature) is clean" \
	"$BIN" check -c "$work/plain.ini"

# --- the collector: a pending probe is probed again when its look-up lands ---
# interval 1h: only the landed call back can bring the second probe within seconds
printf '[defaults]\nca_file = %s/root.pem\ninterval = 1h\nfail_after = 1\n[crlrevoked]\nurl = https://localhost:%s/\n' \
	"$d" "$(pport c crlrevoked)" >"$work/collector.ini"
"$BIN" --headless -c "$work/collector.ini" --db "$work/history.db" 2>"$work/collector.log" &
pids+=($!)
if wait_for 15 grep -q "cert_revoked" "$work/collector.log"; then
	ok "the collector judges the revoked leaf DOWN within seconds of its CRL landing (interval 1h)"
else
	notok "the collector judges the revoked leaf DOWN after the CRL lands" "$(cat "$work/collector.log")"
fi
kill "${pids[-1]}" 2>/dev/null
wait "${pids[-1]}" 2>/dev/null
probes=$(sqlite3 "$work/history.db" "select count(*) from probe" 2>/dev/null || echo "?")
if [ "$probes" = 2 ]; then ok "two probes: the first judged pending, the second with the CRL"; else notok "two probes recorded" "got $probes" "$(cat "$work/collector.log")"; fi
