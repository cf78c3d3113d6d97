#!/usr/bin/env bash
# The first look and the figures an operator compares (issue 10, points 1-4,
# 11, 12), on the real binary: every endpoint probed within seconds of the
# start at the default 60 s interval; a failed handshake's TLS column is
# "-". TAP-ish output; local lab only.
set -u

. "$(dirname "$0")/lib/harness.sh"
work=$(mktemp -d)
pids=()
sock=httpsmon-first-$$
T() { tmux -L "$sock" "$@"; }
screen() { T capture-pane -p 2>/dev/null; }
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	T kill-server 2>/dev/null
	tests/lab/lab.sh stop "$lab" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
lab_up || { notok "lab starts"; exit 1; }
have_tmux=0
command -v tmux >/dev/null 2>&1 && have_tmux=1

# ---- 1. no minute of PENDING ------------------------------------------------
# Six endpoints at the default 60 s interval: each is probed within
# min(60 s, 5 s) of the start (before, the last came up to a minute later).
cfg=$work/six.ini
{
	printf '[defaults]\nca_file = %s\ntimeout = 3s\nfail_after = 1\n' "$ca"
	for i in 1 2 3 4 5; do printf '[ep%d]\nurl = https://localhost:%s/\n' "$i" "$(port good)"; done
	printf '[badhs]\nurl = https://localhost:%s/\n' "$(port mtls12)"
} >"$cfg"
db=$work/six.db
log=$work/six.log
t0=$SECONDS
"$BIN" --headless -c "$cfg" --db "$db" 2>"$log" &
hp=$!
pids+=("$hp")
all_six() { [ "$(grep -c 'state: PENDING -> ' "$log")" -ge 6 ]; }
if wait_for 12 all_six; then
	ok "six endpoints at 60 s all probed within $((SECONDS - t0)) s of the start"
else
	notok "six endpoints at 60 s all probed within seconds" "$(cat "$log")"
fi
# the log's own clock: first and last first verdicts within the 5 s spread (+1 s for the probe and a loaded machine)
span=$(grep 'state: PENDING -> ' "$log" | awk '{ split($1, a, /[T:Z]/); s = a[2] * 3600 + a[3] * 60 + a[4]; if (NR == 1) f = s; l = s } END { print l - f }')
if [ -n "$span" ] && [ "$span" -le 6 ]; then ok "first verdicts span ${span} s (spread over at most 5 s)"
else notok "first verdicts spread over at most 5 s" "span $span" "$(cat "$log")"; fi
kill -TERM "$hp"; wait "$hp" 2>/dev/null

# ---- 4. a failed handshake has no handshake time ---------------------------
out=$("$BIN" check -c "$cfg" 2>&1)
row=$(grep ' badhs ' <<<"$out")
# STATE NAME REASON STATUS TOTAL TLS DAYS VERSION
tls=$(awk '{ print $6 }' <<<"$row")
if grep -q '^DOWN' <<<"$row" && [ "$tls" = "-" ]; then
	ok "check: a failed handshake shows TLS - ($(tr -s ' ' <<<"$row" | cut -c1-60))"
else
	notok "check: a failed handshake shows TLS -" "TLS column: $tls" "$out"
fi
