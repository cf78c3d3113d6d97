#!/usr/bin/env bash
# The listener over HTTPS ([defaults] listen_cert, listen_key), with
# certificates made here by openssl: curl --cacert gets /metrics with the
# token, a plain-HTTP request gets no answer; bad files stop the start with
# an error naming the file (and FILE:LINE of the config): missing, not PEM,
# not parseable, encrypted key, key of another certificate, one without the
# other; a reload with a mismatched key is refused naming the file and the
# old certificate is still served; a reload with new files serves them on
# the same port, and a reload without them serves plain HTTP. Loopback only.
set -u

. "$(dirname "$0")/lib/harness.sh"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && { kill -9 "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
log=$work/headless.log
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(tail -20 "$log" 2>/dev/null)"; fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkcert() { # NAME: $work/NAME.pem and $work/NAME.key, self-signed for localhost
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$1.key" \
		-out "$work/$1.pem" -days 2 -subj "/CN=$1" -addext "subjectAltName=DNS:localhost" 2>/dev/null
}
mkcert one && mkcert two || { notok "openssl makes test certificates"; exit 1; }
openssl pkey -in "$work/one.key" -aes128 -passout pass:secret -out "$work/enc.key" 2>/dev/null
echo "not a certificate" >"$work/junk.pem"
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' >"$work/broken.pem"

hp=$(free_port)
token=tok-$RANDOM$RANDOM
cfg=$work/endpoints.ini
write_cfg() { # CERT KEY (either may be empty: the line is left out)
	{
		printf '[defaults]\nlisten = 127.0.0.1:%s\nlisten_token = %s\n' "$hp" "$token"
		[ -n "$1" ] && printf 'listen_cert = %s\n' "$1"
		[ -n "$2" ] && printf 'listen_key = %s\n' "$2"
		printf '[x]\nurl = https://localhost:1/\ninterval = 60s\n'
	} >"$cfg.new" && mv "$cfg.new" "$cfg"
}
start_err() { # CERT KEY: the collector's start error (it must exit 3 at once)
	write_cfg "$1" "$2"
	out=$(timeout 10 "$BIN" --headless -c "$cfg" --db "$work/e.db" 2>&1); rc=$?
	[ $rc -eq 3 ] || out="exit $rc: $out"
}
expect_err() { # DESC CERT KEY PATTERN
	start_err "$2" "$3"
	if grep -qE -- "$4" <<<"$out"; then ok "$1: $(head -1 <<<"$out")"; else notok "$1" "$out"; fi
}

expect_err "a missing certificate file: named with FILE:LINE" "$work/none.pem" "$work/one.key" \
	"endpoints.ini:4: \[defaults\] listen_cert: cannot read '$work/none.pem'"
expect_err "a file that is not PEM: named with FILE:LINE" "$work/junk.pem" "$work/one.key" \
	"endpoints.ini:4: \[defaults\] listen_cert: '$work/junk.pem' holds no PEM certificate"
expect_err "a PEM certificate that does not parse: named with FILE:LINE" "$work/broken.pem" "$work/one.key" \
	"listen_cert $work/broken.pem \(.*endpoints.ini:4\): no certificate could be read"
expect_err "an encrypted key: named with FILE:LINE" "$work/one.pem" "$work/enc.key" \
	"endpoints.ini:5: \[defaults\] listen_key: '$work/enc.key' is an encrypted key"
expect_err "the key of another certificate: named with FILE:LINE" "$work/one.pem" "$work/two.key" \
	"listen_key $work/two.key \(.*endpoints.ini:5\): not the key of listen_cert $work/one.pem"
expect_err "a certificate without a key" "$work/one.pem" "" \
	"endpoints.ini:4: \[defaults\] listen_cert: listen_cert and listen_key go together"
if [ -r /dev/null ] && [ "$(id -u)" -ne 0 ]; then
	cp "$work/one.key" "$work/unreadable.key" && chmod 000 "$work/unreadable.key"
	expect_err "an unreadable key: named with FILE:LINE" "$work/one.pem" "$work/unreadable.key" \
		"endpoints.ini:5: \[defaults\] listen_key: cannot read '$work/unreadable.key': Permission denied"
else
	skip "an unreadable key: named with FILE:LINE" "root reads every file"
fi

write_cfg "$work/one.pem" "$work/one.key"
"$BIN" --headless -c "$cfg" --db "$work/h.db" 2>"$log" &
pid=$!
base=https://localhost:$hp
check "the collector says it serves HTTPS" wait_for 10 grep -q "serving /metrics.*on https://127.0.0.1:$hp/" "$log"
subject() { # the served certificate's subject CN
	openssl s_client -connect "127.0.0.1:$hp" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'
}
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
check "curl --cacert: /metrics over HTTPS with the token is 200" \
	test "$(code --cacert "$work/one.pem" -H "Authorization: Bearer $token" "$base/metrics")" = 200
check "over HTTPS, no token is still 401" test "$(code --cacert "$work/one.pem" "$base/metrics")" = 401
check "another CA's certificate is not trusted for it" test "$(code --cacert "$work/two.pem" "$base/metrics")" = 000
check "plain HTTP to the HTTPS port gets no HTTP answer" test "$(code "http://127.0.0.1:$hp/metrics")" = 000
proto() { openssl s_client -connect "127.0.0.1:$hp" -servername localhost "$@" </dev/null 2>/dev/null | grep -c '^New, TLSv1'; }
check "TLS 1.2 and 1.3 are served, 1.1 is refused (even to a client that allows it)" \
	test "$(proto -tls1_3)$(proto -tls1_2)$(proto -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')" = 110

# a reload with a key that is not the certificate's: refused, named, the old files served on
write_cfg "$work/one.pem" "$work/two.key"
check "a reload with the wrong key is refused, naming the file and line" \
	wait_for 10 grep -q "config not reloaded, keeping the running one: listen_key $work/two.key (.*endpoints.ini:5): not the key" "$log"
check "... and the old certificate is served on" test "$(subject)" = one

# new files: served on the same port; then none: plain HTTP
write_cfg "$work/two.pem" "$work/two.key"
check "a reload with new files serves them on the same port" wait_for 10 bash -c "[ \"\$(openssl s_client -connect 127.0.0.1:$hp -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//')\" = two ]"
check "... and logs the swap" grep -q "listen: now serving https with the files" "$log"
check "curl --cacert with the new CA: 200" \
	test "$(code --cacert "$work/two.pem" -H "Authorization: Bearer $token" "$base/healthz")" = 200
write_cfg "" ""
check "a reload without listen_cert/listen_key serves plain HTTP" wait_for 10 bash -c \
	"test \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $token' http://127.0.0.1:$hp/healthz)\" = 200"
check "the collector ran on throughout" kill -0 "$pid"
