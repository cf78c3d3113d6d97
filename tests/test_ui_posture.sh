#!/usr/bin/env bash
# Posture in the dashboard: the real binary in a tmux pane of 140x45 on the
# lab's TLS 1.0-only and modern (HSTS) servers, posture_interval = 10s.
#  - the GRADE column shows each endpoint's grade (C for TLS 1.0 only, A-
#    for the modern one), `-` before a pass and for posture_interval = off;
#  - a click on GRADE sorts worst first;
#  - the detail pane's posture block: grade and caps, the protocol matrix,
#    cipher categories (3DES not testable here), key exchange, stapling,
#    CT and HSTS, the findings;
#  - a reload pointing the legacy endpoint at the modern server: its next
#    pass is a posture event ("TLS 1.0 no longer accepted; ...; grade C ->
#    A-") in the detail's recent events and the history pane.
set -u

. "$(dirname "$0")/lib/harness.sh"

tmux_setup httpsmon-posture "posture in tmux"
cleanup_lab() { tests/lab/lab.sh stop "$lab" >/dev/null 2>&1; cleanup; }
trap cleanup_lab EXIT
lab_up || { notok "lab starts"; exit 1; }

cfg=$work/endpoints.ini
db=$work/h.db
write_cfg() { # write_cfg PORT_OF_LEGACY
	cat >"$work/next.ini" <<EOF
[defaults]
ca_file = $ca
interval = 1s
timeout = 800ms
posture_interval = 10s
[legacy]
url = https://localhost:$1/
min_tls = 1.0
[modern]
url = https://localhost:$(port good_hsts)/
[none]
url = https://localhost:$(port good)/
posture_interval = off
EOF
	mv "$work/next.ini" "$cfg"
}
write_cfg "$(port tls10only)"

T -f /dev/null new-session -d -s ui -x 140 -y 45 \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BIN -c $cfg --db $db" ||
	{ notok "tmux session starts"; exit 1; }
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')
cap() { T capture-pane -p -t ui; }
on_screen() { cap | grep -qE -- "$1"; }
screen() { cap | sed 's/^/|/'; }
keys() { T send-keys -t ui "$@"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "$(screen)"; fi; }
click() { keys -l $'\e[<0;'"$1;$2M"$'\e[<0;'"$1;$2m"; }
# grade NAME: the GRADE column of NAME's row (the characters under the heading)
grade() {
	cap | python3 -c '
import sys
lines = sys.stdin.read().split("\n")
x = lines[2].find("GRADE")
for l in lines[3:]:
    if x >= 0 and l[2:].split()[1:2] == [sys.argv[1]]:
        print(l[x:x + 6].strip())
        break
' "$1"
}

check "GRADE: legacy (TLS 1.0 only) C" wait_for 20 eval '[ "$(grade legacy)" = C ]'
check "GRADE: modern A-" wait_for 5 eval '[ "$(grade modern)" = A- ]'
check "GRADE: posture_interval = off shows -" eval '[ "$(grade none)" = - ]'
check "legacy WARN: tls_legacy_offered" wait_for 5 on_screen 'legacy .*tls_legacy_offered: the server still accepts TLS 1\.0'

gx=$(( $(cap | sed -n 3p | python3 -c 'import sys; print(sys.stdin.read().find("GRADE"))') + 2 ))
click "$gx" 3
check "click on GRADE: sorted by grade, worst first" wait_for 3 on_screen '^STATE +NAME .*GRADE▼'
check "click on GRADE: legacy (C) above modern (A-), none (no pass) last" \
	eval '[ "$(cap | grep -oE "(legacy|modern|none) " | tr -d " " | tr "\n" " ")" = "legacy modern none " ]'

keys g Enter
check "detail of legacy" wait_for 3 on_screen '^legacy  https://'
keys G # the posture block is near the end, after the certificate chain
check "detail of legacy: the posture block" wait_for 3 on_screen '^── posture \(pass .*handshakes in'
check "posture block: grade C with its cap" on_screen '^  grade +C +score [0-9]+ +caps: .*C: TLS 1\.2 not accepted'
check "posture block: the protocol matrix" wait_for 3 on_screen '^  protocols +SSLv2 n/t +SSLv3 n/t +TLS 1\.0 yes +TLS 1\.1 no +TLS 1\.2 no +TLS 1\.3 no'
check "posture block: 3DES not testable with this OpenSSL" wait_for 3 on_screen '^ +3DES: not testable'
check "posture block: key exchange, stapling, CT, HSTS" \
	eval 'on_screen "^  key exch +[a-zA-Z0-9]" && on_screen "^  stapling +no OCSP staple sent" && on_screen "^  CT +0 SCTs embedded \(fewer than 2\)" && on_screen "^  HSTS +none"'
check "posture block: the findings" eval 'on_screen "^  findings +(warn|info|crit) " && on_screen "^ +warn tls_legacy_offered: TLS 1\.0 accepted"'
keys Escape

# the legacy endpoint now points at the modern server: its next pass is a change
write_cfg "$(port good_hsts)"
check "after the reload, legacy's new pass: A-" wait_for 20 eval '[ "$(grade legacy)" = A- ]'
keys /
keys -l legacy
keys Enter Enter G
check "detail: the posture event among the recent events" \
	wait_for 5 on_screen 'posture +TLS 1\.0 no longer accepted; now accepts TLS 1\.2; now accepts TLS 1\.3; grade C -> A-'
keys h
check "history pane: the posture event" wait_for 5 on_screen 'posture.*TLS 1\.0 no longer accepted'
keys Escape Escape Escape q
check "q quits" wait_for 5 eval '! T has-session -t ui 2>/dev/null || ! on_screen "^STATE"'
