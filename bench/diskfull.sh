#!/usr/bin/env bash
# bench/diskfull.sh: what a full disk costs the collector in CPU.
#
# Run at the end of `make bench` (and by `make diskfull`); needs root to
# mount a tmpfs, and says so and exits 0 without it. Runs `httpsmon
# --headless` on DF_N endpoints every DF_INTERVAL_S seconds against one labsrv TLS
# listener, with the database on a DF_SIZE tmpfs. Takes the collector's
# user + sys CPU (/proc/PID/stat) over DF_WINDOW_S seconds of normal
# running after DF_WARMUP_S, then fills the tmpfs, waits until the backlog
# exceeds 500 results, and takes it again over DF_WINDOW_S. Reports both as
# a share of one core, the ratio (target: at most 2), the results queued
# and the failed-write log lines. Prints "DISKFULL FAILED" and exits 1 when
# the ratio is above 2.
#
# Environment: BUILD (build), HTTPSMON (bin/httpsmon), LABSRV
# ($BUILD/tests/lab/labsrv), DF_N (100), DF_INTERVAL_S (5), DF_SIZE (16m),
# DF_WARMUP_S (10), DF_WINDOW_S (30).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
N=${DF_N:-100}
IV_S=${DF_INTERVAL_S:-5}
IV=${IV_S}s
SIZE=${DF_SIZE:-16m}
WARM=${DF_WARMUP_S:-10}
WIN=${DF_WINDOW_S:-30}
work=$BUILD/bench/diskfull
out=bench/out

die() {
	echo "diskfull: $*" >&2
	exit 1
}
. bench/lib.sh
if [ "$(id -u)" != 0 ]; then
	echo "diskfull: skipped: mounting a tmpfs needs root" >&2
	exit 0
fi
for f in "$HTTPSMON" "$LABSRV" tests/lab/gen-certs.sh; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done
rm -rf "$work"
mkdir -p "$work/small" "$out"
mount -t tmpfs -o "size=$SIZE" httpsmon-bench "$work/small" || die "cannot mount a tmpfs"

srv_pid= hm_pid=
stop_all() {
	[ -n "$hm_pid" ] && kill "$hm_pid" 2>/dev/null && wait "$hm_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	umount -l "$work/small" 2>/dev/null
	hm_pid= srv_pid=
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
ca=$(cd "$work/certs" && pwd)/root.pem
echo "good tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok" >"$work/spec"
labsrv_start
port=$(awk '$1 == "good" { print $2 }' "$work/ports")
[ -n "$port" ] || die "labsrv did not start"
{
	printf '[defaults]\nca_file = %s\ninterval = %s\ntimeout = 800ms\n' "$ca" "$IV"
	for i in $(seq "$N"); do printf '[ep%d]\nurl = https://localhost:%s/\n' "$i" "$port"; done
} >"$work/df.ini"

db=$work/small/history.db
"$HTTPSMON" --headless -c "$work/df.ini" --db "$db" 2>"$work/headless.log" &
hm_pid=$!
ticks() { sed 's/.*) //' "/proc/$hm_pid/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)
# cpu SECONDS: the collector's CPU share of one core over SECONDS, in percent
cpu() {
	local a b
	a=$(ticks)
	sleep "$1"
	b=$(ticks)
	awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$1" 'BEGIN { printf "%.1f", 100 * (b - a) / hz / s }'
}

echo "diskfull: $N endpoints at $IV, database on a $SIZE tmpfs; $WIN s normal, then $WIN s full" >&2
sleep "$WARM"
normal=$(cpu "$WIN")
dd if=/dev/zero of="$work/small/filler" bs=4k 2>/dev/null || true
for _ in $(seq 120); do
	grep -q "history: cannot write" "$work/headless.log" && break
	sleep 0.5
done
grep -q "history: cannot write" "$work/headless.log" || die "the collector never failed to write"
# the issue's case: 500 or more results waiting (N every IV_S seconds)
sleep $(( 500 * IV_S / N + IV_S + 1 ))
full=$(cpu "$WIN")
kill -TERM "$hm_pid"
wait "$hm_pid" || true
hm_pid=
lines=$(awk '/SIGTERM: stopping/ { exit } /history: cannot write/ { n++ } END { print n + 0 }' "$work/headless.log")
saved=$(grep -o '[0-9]* probes, [0-9]* outage updates\? and [0-9]* events\? saved\|lost: [0-9]* queued results' \
	"$work/headless.log" | tail -1)
ratio=$(awk -v a="$full" -v b="$normal" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print r <= 2 ? "met" : "NOT MET" }')

{
	echo "### Full disk (bench/diskfull.sh)"
	echo
	echo "- $(date -u +%Y-%m-%d), httpsmon $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $N endpoints at $IV, database on a $SIZE tmpfs"
	echo "- collector CPU over $WIN s: writing normally $normal% of one core; disk full with the backlog over 500 results $full%;" \
	     "ratio $ratio (target <= 2): **$verdict**"
	echo "- failed-write log lines while running: $lines; at SIGTERM (disk still full): ${saved:-nothing queued}"
} | tee "$out/diskfull.md"
[ "$verdict" = met ] || { echo "DISKFULL FAILED: CPU ${ratio}x with the disk full" >&2; exit 1; }
