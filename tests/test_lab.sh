#!/usr/bin/env bash
# The local TLS lab (tests/lab/) checked from outside with the curl and
# openssl command-line tools: every standard listener does what lab.sh
# promises. Builds nothing: needs $BUILD/tests/lab/labsrv. TAP-ish output.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
export BUILD

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
}
# check DESC CMD...: ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc" "$last"; fi
}

for tool in curl openssl; do
	if ! command -v $tool >/dev/null; then
		echo "not ok 1 - $tool CLI missing (apt-get install $tool)"
		exit 1
	fi
done
if [ ! -x "$BUILD/tests/lab/labsrv" ]; then
	echo "not ok 1 - $BUILD/tests/lab/labsrv not built"
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/httpsmon-lab-XXXXXX")
cleanup() {
	tests/lab/lab.sh stop "$dir" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
export LAB_OWNER=$$
export LAB_CACHE=${LAB_CACHE:-$top/$BUILD/tests/lab/certs-cache}

# A spec line of our own, to check that spec.extra is honoured.
# And the hostile response options and request recording (labsrv.c's header).
cat > "$dir/spec.extra" <<'EOF'
extra_teapot http 0 status=418 body=short%20and%20stout
extra_status http 0 status_line=HTTP/1.1%2099999999999999999999
extra_long http 0 header_size=X-Long:200000
extra_many http 0 header_count=5000
extra_nest http 0 body_nest=3
extra_rec http 0 body=r record=extra_rec.log
EOF

last=
if out=$(tests/lab/lab.sh start "$dir" 2>&1) && [ -z "$out" ]; then
	ok "lab.sh start is silent and succeeds"
else
	notok "lab.sh start" "$out"
	exit 1
fi

port() { awk -v n="$1" '$1 == n { print $2 }' "$dir/ports"; }
certs=$dir/certs
ca=$certs/root.pem

names="good good_hsts expired notyet soon selfsigned wronghost unknownca leafonly
	weak_rsa weak_sha1 hostile tls12only tls13only tls10only http500 unhealthy slow
	hang drop closed redir noredir big mtls aia redirect_loop extra_teapot
	extra_status extra_long extra_many extra_nest extra_rec"
missing=
for l in $names; do [ -n "$(port "$l")" ] || missing="$missing $l"; done
last="missing:$missing"
check "ports file names every standard listener" [ -z "$missing" ]

# get LISTENER [curl args...]: sets rc, body, err, and w (the -w output
# after the body, which is separated by a tab line).
get() {
	local l=$1 p
	shift
	p=$(port "$l")
	local tmp=$dir/curl.$BASHPID
	w=$(curl -sS -m 5 --connect-timeout 3 --cacert "$ca" -o "$tmp.body" \
		-w '%{http_code} %{time_connect} %{time_starttransfer} %{size_download}' \
		"$@" "https://localhost:$p/" 2>"$tmp.err")
	rc=$?
	body=$(cat "$tmp.body" 2>/dev/null)
	err=$(cat "$tmp.err")
	rm -f "$tmp.body" "$tmp.err"
	last="rc=$rc w=$w err=$err body=${body:0:80}"
}
# leaf LISTENER: the server's certificate, PEM
leaf() {
	openssl s_client -connect "127.0.0.1:$(port "$1")" -servername localhost </dev/null 2>/dev/null |
		openssl x509 2>/dev/null
}

get good
check "good: 200 verified with root.pem" [ "$rc" = 0 ] && [ "${w%% *}" = 200 ]
check "good: body is {\"status\":\"ok\"}" [ "$body" = '{"status":"ok"}' ]
w=$(curl -sS -m 5 --cacert "$ca" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$(port good)/" 2>&1)
last=$w
check "good: verifies by IP SAN 127.0.0.1" [ "$w" = 200 ]
w=$(curl -sS -m 5 --cacert "$ca" -o /dev/null -w '%{http_code}' \
	--resolve "x.bench.test:$(port good):127.0.0.1" "https://x.bench.test:$(port good)/" 2>&1)
last=$w
check "good: wildcard SAN *.bench.test" [ "$w" = 200 ]
h=$(curl -sS -m 5 --cacert "$ca" -I "https://localhost:$(port good)/" 2>&1)
last=$h
check "good: HEAD gets headers and no body" \
	bash -c '[[ "$1" == *"Content-Length: 15"* && "$1" != *status* ]]' _ "$h"
if [ -n "$(port good6)" ]; then
	w=$(curl -sS -m 5 --cacert "$ca" -o /dev/null -w '%{http_code}' "https://[::1]:$(port good6)/" 2>&1)
	last=$w
	check "good6: 200 on ::1" [ "$w" = 200 ]
fi

h=$(curl -sS -m 5 --cacert "$ca" -D - -o /dev/null "https://localhost:$(port good_hsts)/" 2>&1)
last=$h
check "good_hsts: Strict-Transport-Security max-age=31536000" \
	grep -qi '^strict-transport-security: max-age=31536000' <<<"$h"

get expired
check "expired: verification fails with 'expired'" [ "$rc" = 60 ] && [[ "$err" == *expired* ]]
get notyet
check "notyet: verification fails with 'not yet valid'" [ "$rc" = 60 ] && [[ "$err" == *"not yet valid"* ]]
get soon
check "soon: verifies" [ "$rc" = 0 ]
last=$(leaf soon | openssl x509 -noout -enddate)
check "soon: expires within 4 days, not within 1" \
	bash -c 'leaf=$(cat); ! openssl x509 -checkend 345600 -noout <<<"$leaf" >/dev/null &&
		openssl x509 -checkend 86400 -noout <<<"$leaf" >/dev/null' \
	< <(leaf soon)
get selfsigned
check "selfsigned: 'self-signed' error" [ "$rc" = 60 ] && [[ "$err" == *self-signed* ]]
get wronghost
check "wronghost: host name mismatch" [ "$rc" = 60 ] && [[ "$err" == *"subject name"* ]]
get unknownca
check "unknownca: untrusted issuer" [ "$rc" = 60 ] && [[ "$err" == *"local issuer"* ]]
last=$(leaf unknownca | openssl x509 -noout -issuer)
check "unknownca: issued by Other Intermediate" grep -q "Other Intermediate" <<<"$last"

get leafonly
check "leafonly: fails without the intermediate" [ "$rc" = 60 ]
chain=$(openssl s_client -connect "127.0.0.1:$(port leafonly)" -showcerts </dev/null 2>/dev/null |
	grep -c 'BEGIN CERTIFICATE')
last="certs sent: $chain"
check "leafonly: server sends exactly one certificate" [ "$chain" = 1 ]
aia=$(leaf leafonly | openssl x509 -noout -ext authorityInfoAccess 2>/dev/null | sed -n 's/.*URI://p')
last="aia=$aia"
check "leafonly: AIA caIssuers points at the aia listener" \
	[ "$aia" = "http://127.0.0.1:$(port aia)/int.der" ]
curl -sS -m 5 -D "$dir/aia.h" -o "$dir/aia.der" "$aia" 2>/dev/null
last=$(cat "$dir/aia.h")
check "aia: serves int.der as application/pkix-cert" \
	bash -c 'cmp -s "$1" "$2" && grep -qi "^content-type: application/pkix-cert" "$3"' _ \
	"$dir/aia.der" "$certs/int.der" "$dir/aia.h"
openssl x509 -inform DER -in "$dir/aia.der" > "$dir/aia.pem" 2>/dev/null
cat "$ca" "$dir/aia.pem" > "$dir/bundle.pem"
get leafonly --cacert "$dir/bundle.pem"
check "leafonly: verifies once the AIA intermediate is added" [ "$rc" = 0 ]

last=$(leaf weak_rsa | openssl x509 -noout -text | grep 'Public-Key')
check "weak_rsa: serves a 1024-bit RSA key" grep -q '(1024 bit)' <<<"$last"
get weak_rsa
check "weak_rsa: a default client rejects it" [ "$rc" != 0 ]
last=$(leaf weak_sha1 | openssl x509 -noout -text | grep -m1 'Signature Algorithm')
check "weak_sha1: signed with SHA-1" grep -qi 'sha1' <<<"$last"

# The raw subject bytes, in hex: ESC ]0;pwned BEL, ESC [2J, ESC ]52;c;aGVsbG8= BEL
subj=$(leaf hostile | openssl x509 -outform DER | od -An -tx1 | tr -d ' \n')
last="subject bytes: $subj"
check "hostile: subject holds ESC ]0; ESC [2J and OSC 52" \
	bash -c '[[ "$1" == *1b5d303b70776e656407* && "$1" == *1b5b324a* &&
		"$1" == *1b5d35323b633b614756736247383d07* ]]' _ "$subj"
get hostile
check "hostile: still verifies (only the name is hostile)" [ "$rc" = 0 ]

proto=$(curl -sS -m 5 --cacert "$ca" -v -o /dev/null "https://localhost:$(port tls12only)/" 2>&1 |
	sed -n 's/.*SSL connection using \(TLSv[0-9.]*\).*/\1/p')
last="proto=$proto"
check "tls12only: negotiates TLSv1.2" [ "$proto" = TLSv1.2 ]
get tls12only --tlsv1.3
check "tls12only: refuses a TLS 1.3-only client" [ "$rc" = 35 ]
get tls13only --tls-max 1.2
check "tls13only: refuses a max-1.2 client" [ "$rc" = 35 ]
proto=$(curl -sS -m 5 --cacert "$ca" -v -o /dev/null "https://localhost:$(port tls13only)/" 2>&1 |
	sed -n 's/.*SSL connection using \(TLSv[0-9.]*\).*/\1/p')
last="proto=$proto"
check "tls13only: negotiates TLSv1.3" [ "$proto" = TLSv1.3 ]
get tls10only
check "tls10only: a default client fails the handshake" [ "$rc" = 35 ]
last=$(openssl s_client -connect "127.0.0.1:$(port tls10only)" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' \
	</dev/null 2>&1 | grep -E 'Protocol *:')
check "tls10only: TLSv1 with a seclevel-0 client" grep -q 'TLSv1$' <<<"$last"

get http500
check "http500: status 500" [ "$rc" = 0 ] && [ "${w%% *}" = 500 ]
get unhealthy
check "unhealthy: 200 with the degraded JSON" [ "${w%% *}" = 200 ] && \
	[ "$body" = '{"status":"degraded","checks":{"db":{"latency_ms":950}}}' ]

get slow
ttfb=$(cut -d' ' -f3 <<<"$w")
check "slow: first byte after >= 1.5 s" [ "$rc" = 0 ] && awk -v t="$ttfb" 'BEGIN { exit !(t >= 1.5) }'

get big
check "big: 3000000 bytes" [ "$rc" = 0 ] && [ "$(cut -d' ' -f4 <<<"$w")" = 3000000 ]

get mtls
check "mtls: refused without a client certificate" [ "$rc" != 0 ] && [ "${w%% *}" != 200 ]
get mtls --cert "$certs/client.pem" --key "$certs/client.key"
check "mtls: accepted with client.pem" [ "$rc" = 0 ] && [ "${w%% *}" = 200 ]
get mtls --cert "$certs/other-client.pem" --key "$certs/other-client.key"
check "mtls: refused with a certificate from another CA" [ "$rc" != 0 ]
get mtls12
check "mtls12: refused in the handshake (TLS 1.2) without a certificate" [ "$rc" = 35 ]

get redirect_loop
loc=$(curl -sS -m 5 --cacert "$ca" -D - -o /dev/null "https://localhost:$(port redirect_loop)/" |
	tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
last="loc=$loc"
check "redirect_loop: 301 to itself" [ "${w%% *}" = 301 ] && \
	[ "$loc" = "https://localhost:$(port redirect_loop)/" ]
get redirect_loop -L --max-redirs 3
check "redirect_loop: curl -L gives up (exit 47)" [ "$rc" = 47 ]

h=$(curl -sS -m 5 -D - -o /dev/null "http://127.0.0.1:$(port redir)/" 2>&1 | tr -d '\r')
last=$h
check "redir: 301 to https://localhost:<good>/" \
	bash -c '[[ "$1" == "HTTP/1.1 301"* && "$1" == *"Location: https://localhost:$2/"* ]]' _ "$h" "$(port good)"
h=$(curl -sS -m 5 -i "http://127.0.0.1:$(port noredir)/" 2>&1 | tr -d '\r')
last=$h
check "noredir: 200 hello, no Location" \
	bash -c '[[ "$1" == "HTTP/1.1 200"* && "$1" == *hello && "$1" != *Location* ]]' _ "$h"
h=$(curl -sS -m 5 -i "http://127.0.0.1:$(port extra_teapot)/" 2>&1 | tr -d '\r')
last=$h
check "spec.extra: extra listener with a %-escaped body" \
	bash -c '[[ "$1" == "HTTP/1.1 418"* && "$1" == *"short and stout" ]]' _ "$h"

# The slow failure modes run together.
t0=$(date +%s%N)
( get hang -m 1; echo "$rc $w" > "$dir/hang.out" ) &
( get drop --connect-timeout 1; echo "$rc $w" > "$dir/drop.out" ) &
p=$(port closed)
curl -sS -m 3 -o /dev/null "https://127.0.0.1:$p/" 2>/dev/null
crc=$?
wait
t1=$(date +%s%N)
read -r hrc _ hconn _ < "$dir/hang.out"
last="hang: rc=$hrc connect=$hconn"
check "hang: connects, then times out (exit 28)" [ "$hrc" = 28 ] && \
	awk -v t="$hconn" 'BEGIN { exit !(t > 0) }'
read -r drc _ dconn _ < "$dir/drop.out"
last="drop: rc=$drc connect=$dconn"
check "drop: times out in connect (exit 28, never connected)" [ "$drc" = 28 ] && \
	awk -v t="$dconn" 'BEGIN { exit !(t == 0) }'
last="closed: rc=$crc"
check "closed: connection refused (exit 7)" [ "$crc" = 7 ]
ms=$(( (t1 - t0) / 1000000 ))
last="took $ms ms"
check "hang and drop time out on time" [ "$ms" -lt 2500 ]

# raw LISTENER: the whole response to a plain GET, CRs removed, read with no
# HTTP client in the way (curl refuses what these listeners send).
raw() {
	printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' |
		timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port "$1"); cat >&3; cat <&3" 2>/dev/null | tr -d '\r'
}
r=$(raw extra_status | head -1)
last="got: $r"
check "status_line: sent as given" [ "$r" = "HTTP/1.1 99999999999999999999" ]
r=$(raw extra_long | awk '/^X-Long: / { print length($0) }')
last="got: $r"
check "header_size: one header line of name, ': ' and 200000 bytes" [ "$r" = 200008 ]
r=$(raw extra_many | grep -c '^X-Filler-')
last="got: $r"
check "header_count: 5000 extra headers" [ "$r" = 5000 ]
r=$(raw extra_nest | tail -1)
last="got: $r"
check "body_nest: [[[]]]" [ "$r" = "[[[]]]" ]
r=$(curl -sS -m 5 -H 'X-Recorded: yes' "http://127.0.0.1:$(port extra_rec)/rec?q=1" 2>&1)
last="got: $r; log: $(cat "$certs/extra_rec.log" 2>&1)"
check "record: the request head is in the log" \
	bash -c 'grep -q "^GET /rec?q=1 HTTP/1.1" "$1" && grep -q "^X-Recorded: yes" "$1"' _ "$certs/extra_rec.log"

# Misbehaving clients must not hurt the server.
{
	printf 'garbage\r\n\r\n' | timeout 2 bash -c "cat > /dev/tcp/127.0.0.1/$(port good)" 2>/dev/null
	head -c 20000 /dev/zero | tr '\0' 'a' | timeout 2 bash -c "cat > /dev/tcp/127.0.0.1/$(port noredir)" 2>/dev/null
	for _ in 1 2 3; do
		timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port good); printf '\x16\x03\x01\x02\x00\x01' >&3" 2>/dev/null
	done
	timeout 2 openssl s_client -connect "127.0.0.1:$(port good)" </dev/null >/dev/null 2>&1
} || true
r=$(printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n' |
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(port noredir); cat >&3; head -1 <&3" 2>/dev/null | tr -d '\r')
last="got: $r"
check "oversized request body gets 400" [ "$r" = "HTTP/1.1 400 Bad Request" ]
get good
check "good still answers after misbehaving clients" [ "$rc" = 0 ] && [ "${w%% *}" = 200 ]

pids="$(cat "$dir/labsrv.pid" "$dir/aia.pid")"
tests/lab/lab.sh stop "$dir"
alive=
for p in $pids; do
	kill -0 "$p" 2>/dev/null && ! grep -q ') Z' "/proc/$p/stat" 2>/dev/null && alive="$alive $p"
done
last="alive:$alive"
check "lab.sh stop ends both servers" [ -z "$alive" ]

echo "1..$n"
[ "$failed" -eq 0 ]
