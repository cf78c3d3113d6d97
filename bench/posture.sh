#!/usr/bin/env bash
# bench/posture.sh: a posture pass over N endpoints in the real collector
# (bench/posture_bench.c), run by `make bench` after bench/run.sh.
#
# One labsrv TLS listener (the lab's "good" chain; TLS 1.2 and 1.3), N
# endpoints on it (host-<i>.bench.test pinned to 127.0.0.1), probed every
# POSTURE_PROBE_INTERVAL. Two runs of POSTURE_WINDOW_S seconds each:
#   baseline  posture_interval = off: the probes alone;
#   pass      posture_interval = 10s, posture_inflight = 2: every endpoint's
#             first pass is due within 10 s of start. Only that first round
#             is measured (the posture table keeps each endpoint's first
#             pass as a change; later unchanged ones replace each other).
# Reported: passes, handshakes per endpoint, the pass window's wall time
# (first pass start to last pass end) and mean time per pass, the process
# CPU inside the window minus the baseline's CPU rate over the same time,
# per endpoint, and the probes' scheduling lateness p50/p99/max inside the
# window next to the baseline's. Figures are reported, never asserted.
#
# Environment: BUILD (default build), LABSRV, CC, POSTURE_N (100),
# POSTURE_PROBE_INTERVAL (5s), POSTURE_WINDOW_S (20).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

BUILD=${BUILD:-build}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
CC=${CC:-cc}
N=${POSTURE_N:-100}
IV=${POSTURE_PROBE_INTERVAL:-5s}
WIN=${POSTURE_WINDOW_S:-20}
bin=$BUILD/bench
work=$BUILD/bench/posture
out=bench/out

die() {
	echo "bench: $*" >&2
	exit 1
}
. bench/lib.sh

[ -x "$LABSRV" ] || die "$LABSRV missing: run 'make bench'"
rm -rf "$work"
mkdir -p "$work" "$bin" "$out"

pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)
# shellcheck disable=SC2086
libs=$(pkg-config --libs $pkgs)
if pkg-config --exists libsystemd 2>/dev/null; then libs="$libs $(pkg-config --libs libsystemd)"; fi
objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
# shellcheck disable=SC2086,SC2046
$CC -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude $(pkg-config --cflags $pkgs) \
	-o "$bin/posture_bench" bench/posture_bench.c $objs $libs -lm || die "could not build bench/posture_bench.c"

tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
ca=$(cd "$work/certs" && pwd)/root.pem
echo "bench tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok" > "$work/spec"
srv_pid=
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; true' EXIT
labsrv_start
port=$(awk '$1 == "bench" { print $2 }' "$work/ports")
[ -n "$port" ] || die "labsrv did not report its port"

# config FILE POSTURE_INTERVAL
config() {
	awk -v n="$N" -v iv="$IV" -v piv="$2" -v port="$port" -v ca="$ca" 'BEGIN {
		printf "[defaults]\nca_file = %s\ninterval = %s\ntimeout = 4s\nposture_interval = %s\nposture_inflight = 2\n", ca, iv, piv
		for (i = 1; i <= n; i++)
			printf "\n[host-%d]\nurl = https://host-%d.bench.test:%d/\nresolve = host-%d.bench.test:%d:127.0.0.1\n", i, i, port, i, port
	}' > "$1"
}
kv() { awk -F= -v k="$2" '$1 == k { print $2 }' "$1"; }

config "$work/base.ini" off
config "$work/pass.ini" 10s
echo "bench: posture, $N endpoints at $IV: baseline (posture off), ${WIN} s" >&2
"$bin/posture_bench" -w "$WIN" "$work/base.ini" "$work/base.db" > "$work/base.out" || die "baseline run failed"
echo "bench: posture, $N endpoints at $IV: posture_interval 10s, ${WIN} s" >&2
"$bin/posture_bench" -w "$WIN" "$work/pass.ini" "$work/pass.db" > "$work/pass.out" || die "posture run failed"

b=$work/base.out p=$work/pass.out
read -r cpu_pass cpu_ep <<< "$(awk -v cw="$(kv "$p" cpu_s_window)" -v ww="$(kv "$p" pass_wall_s)" \
	-v cb="$(kv "$b" cpu_s_total)" -v wb="$(kv "$b" wall_s_total)" -v n="$(kv "$p" passes)" 'BEGIN {
	extra = cw - (wb > 0 ? cb / wb : 0) * ww; if (extra < 0) extra = 0
	printf "%.3f %.1f\n", extra, (n > 0 ? 1000 * extra / n : 0) }')"
{
	echo
	echo "### posture pass ($N endpoints, probes every $IV, posture_inflight 2)"
	echo
	echo "- $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; the window is the"
	echo "  scheduler's spread of first passes (within 10 s); the engine itself was busy about" \
	     "$(awk -v n="$(kv "$p" passes)" -v m="$(kv "$p" pass_mean_ms)" 'BEGIN { printf "%.1f", n * m / 2000 }') s" \
	     "of it (passes x mean / posture_inflight)"
	echo
	echo "| | value |"
	echo "|---|--:|"
	echo "| passes in the window | $(kv "$p" passes) |"
	echo "| handshakes per endpoint | $(kv "$p" handshakes_per_endpoint) |"
	echo "| wall time, first pass start to last pass end | $(kv "$p" pass_wall_s) s |"
	echo "| mean wall time of one pass | $(kv "$p" pass_mean_ms) ms |"
	echo "| CPU of the passes (window CPU minus the baseline's rate) | $cpu_pass s, $cpu_ep ms per endpoint |"
	echo "| probe lateness p50 / p99 / max, baseline (posture off) | $(kv "$b" late_p50_ms) / $(kv "$b" late_p99_ms) / $(kv "$b" late_max_ms) ms ($(kv "$b" starts_window) starts) |"
	echo "| probe lateness p50 / p99 / max, during the passes | $(kv "$p" late_p50_ms) / $(kv "$p" late_p99_ms) / $(kv "$p" late_max_ms) ms ($(kv "$p" starts_window) starts, $(kv "$p" late_over_100) over 100 ms) |"
} | tee -a "$out/results.md"
