#!/usr/bin/env bash
# The email notifier end to end: `httpsmon test-notify` through libcurl's
# SMTP to an aiosmtpd sink on loopback that requires STARTTLS (a
# self-signed certificate trusted through the notifier's ca_file): the
# message arrives over TLS for every recipient with its RFC 5322 headers
# and the sink's reply is printed; without STARTTLS the sink's refusal is
# the outcome (exit 2, the SMTP reply shown). TAP-ish output; loopback only.
set -u

. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/receivers.sh"
work=$(mktemp -d)
cleanup() {
	receivers_stop
	rm -rf "$work"
}
trap cleanup EXIT
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	skip "email end to end" "python3-aiosmtpd not installed (scripts/deps.sh installs it)"
	exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$work/smtp.key" -out "$work/smtp.crt" 2>/dev/null ||
	{ notok "a certificate for the sink"; exit 1; }
smtp_start "$work/smtp.crt" "$work/smtp.key" || { notok "SMTP sink starts" "$(cat "$work/smtp/log")"; exit 1; }

cfg=$work/endpoints.ini
cat >"$cfg" <<EOF
[api-prod]
url = https://127.0.0.1:9/
notify = mail
[notify:mail]
type = email
smtp_url = smtp://127.0.0.1:$smtp_port
starttls = yes
ca_file = $work/smtp.crt
from = mon@box1.test
to = ops@example.test
to = oncall@example.test
[notify:plain]
type = email
smtp_url = smtp://127.0.0.1:$smtp_port
starttls = no
from = mon@box1.test
to = ops@example.test
EOF

out=$("$BIN" test-notify mail -c "$cfg" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'delivered: SMTP 250 2.0.0 Ok: queued as sink1' <<<"$out"; then
	ok "test-notify email: delivered, the sink's reply printed"
else notok "test-notify email: delivered, the sink's reply printed" "rc=$rc" "$out" "$(cat "$work/smtp/log")"; fi
mail() {
	/usr/bin/python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
print(m["tls"], ",".join(m["rcpt_tos"]), m["mail_from"])
for line in m["data"].split("\r\n"):
    if line.split(":")[0] in ("From", "To", "Subject", "Content-Type"):
        print(line)' "$work/smtp/mail-1.json"
}
got=$(mail 2>&1)
want="True ops@example.test,oncall@example.test mon@box1.test
From: mon@box1.test
To: ops@example.test, oncall@example.test
Subject: [httpsmon] TEST httpsmon-test: test
Content-Type: text/plain; charset=utf-8"
if [ "$got" = "$want" ]; then ok "over STARTTLS to both recipients, with its headers"
else notok "over STARTTLS to both recipients, with its headers" "$got"; fi

out=$("$BIN" test-notify plain -c "$cfg" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q 'NOT delivered: SMTP 530' <<<"$out"; then
	ok "starttls = no against a server that requires it: exit 2, the 530 shown"
else notok "starttls = no against a server that requires it: exit 2, the 530 shown" "rc=$rc" "$out"; fi
