#!/usr/bin/env bash
# bench/soak.sh: the headless collector left running, watched for leaks.
#
# Run by `make soak` (alone) and at the end of `make bench`. Starts one
# labsrv with three listeners on 127.0.0.1: a TLS server (the lab's good
# certificate, whose SANs cover *.bench.test), a closed port (connections
# refused) and a hang listener (accepts, never answers: probes time out).
# Then runs `httpsmon --headless` on SOAK_N endpoints host-<i>.bench.test,
# each pinned to 127.0.0.1: 3 in 5 on the TLS server (UP), 1 in 5 on the
# closed port (DOWN, refused), 1 in 5 on the hang listener (DOWN, timeout
# after SOAK_TIMEOUT), every one at SOAK_INTERVAL, for SOAK_SECONDS, with
# max_inflight = SOAK_INFLIGHT (the timing-out fifth alone holds about 75
# transfers open at 500 endpoints: the default cap of 50 would delay
# everything behind them and the soak would not probe at the rate asked).
#
# Every SOAK_SAMPLE_S seconds it samples the collector's resident set
# (VmRSS), its open descriptors (/proc/PID/fd), its CPU ticks and the
# database size (file + WAL). After SOAK_WARMUP_S of warm-up it fits a
# least-squares line to RSS and to descriptors and reports the slope and
# the drift it projects over the measured window. Flat means the drift stays within
# max(SOAK_RSS_TOL_KB, 5% of the mean) for RSS and max(SOAK_FD_TOL, 5% of
# the mean) for descriptors; otherwise it prints "SOAK FAILED" and exits 1.
# The warm-up is half the run by default: RSS rises for the first minutes
# while SQLite's page cache (cache_size 8 MB) fills as the file grows (at
# 250 probes a second it is full after about 4 minutes), and is bounded
# after that; a fit that starts earlier measures the cache filling.
#
# Output: a summary on stdout and in bench/out/soak.md, one line per sample
# in bench/out/soak.tsv (t_s rss_kb fds db_bytes cpu_ticks).
#
# Environment: BUILD (build), HTTPSMON (bin/httpsmon), LABSRV
# ($BUILD/tests/lab/labsrv), SOAK_N (500), SOAK_INFLIGHT (200), SOAK_INTERVAL (2s), SOAK_TIMEOUT
# (1500ms), SOAK_SECONDS (600), SOAK_WARMUP_S (300), SOAK_SAMPLE_S (10),
# SOAK_RSS_TOL_KB (2048), SOAK_FD_TOL (4).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
N=${SOAK_N:-500}
INFLIGHT=${SOAK_INFLIGHT:-200}
IV=${SOAK_INTERVAL:-2s}
TO=${SOAK_TIMEOUT:-1500ms}
DUR=${SOAK_SECONDS:-600}
WARM=${SOAK_WARMUP_S:-300}
STEP=${SOAK_SAMPLE_S:-10}
RSS_TOL=${SOAK_RSS_TOL_KB:-2048}
FD_TOL=${SOAK_FD_TOL:-4}

work=$BUILD/bench/soak
out=bench/out

die() {
	echo "soak: $*" >&2
	exit 1
}
. bench/lib.sh

for f in "$HTTPSMON" "$LABSRV" tests/lab/gen-certs.sh; do
	[ -x "$f" ] || die "$f missing: run 'make soak'"
done
[ "$WARM" -lt "$DUR" ] || die "SOAK_WARMUP_S ($WARM) must be below SOAK_SECONDS ($DUR)"
rm -rf "$work"
mkdir -p "$work" "$out"

tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
ca=$(cd "$work/certs" && pwd)/root.pem
cat >"$work/spec" <<EOF
good tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok
refused closed 0
hang hang 0
EOF

srv_pid= hm_pid=
stop_all() {
	[ -n "$hm_pid" ] && kill "$hm_pid" 2>/dev/null && wait "$hm_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	hm_pid= srv_pid=
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# 500 endpoints, a fifth of them holding a socket until their timeout
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
labsrv_start
lport() { awk -v n="$1" '$1 == n { print $2 }' "$work/ports"; }
p_good=$(lport good) p_refused=$(lport refused) p_hang=$(lport hang)
[ -n "$p_good" ] && [ -n "$p_refused" ] && [ -n "$p_hang" ] || die "labsrv did not report its ports"

awk -v n="$N" -v cap="$INFLIGHT" -v iv="$IV" -v to="$TO" -v ca="$ca" -v pg="$p_good" -v pr="$p_refused" -v ph="$p_hang" 'BEGIN {
	printf "[defaults]\nca_file = %s\ninterval = %s\ntimeout = %s\nmax_inflight = %d\n", ca, iv, to, cap
	for (i = 1; i <= n; i++) {
		k = i % 5
		port = k < 3 ? pg : k == 3 ? pr : ph
		printf "\n[host-%d]\nurl = https://host-%d.bench.test:%d/\n" \
		       "resolve = host-%d.bench.test:%d:127.0.0.1\n", i, i, port, i, port
	}
}' >"$work/soak.ini"

db=$work/history.db
"$HTTPSMON" --headless -c "$work/soak.ini" --db "$db" 2>"$work/headless.log" &
hm_pid=$!
sleep 1
kill -0 "$hm_pid" 2>/dev/null || die "httpsmon exited: $(tail -5 "$work/headless.log")"

echo "soak: $N endpoints (3/5 UP, 1/5 refused, 1/5 timeout at $TO) every $IV for $DUR s," \
     "sampling every $STEP s (warm-up $WARM s)" >&2
tsv=$out/soak.tsv
printf 't_s\trss_kb\tfds\tdb_bytes\tcpu_ticks\n' >"$tsv"
start=$SECONDS
while :; do
	t=$((SECONDS - start))
	kill -0 "$hm_pid" 2>/dev/null || die "httpsmon died after $t s: $(tail -5 "$work/headless.log")"
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$hm_pid/status")
	fds=$(find "/proc/$hm_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	dbb=$(( $(stat -c %s "$db" 2>/dev/null || echo 0) + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
	# utime + stime: fields 14 and 15, counted after the ")" that ends the command name
	cpu=$(sed 's/.*) //' "/proc/$hm_pid/stat" | awk '{ print $12 + $13 }')
	printf '%d\t%s\t%s\t%s\t%s\n' "$t" "$rss" "$fds" "$dbb" "$cpu" >>"$tsv"
	[ "$t" -ge "$DUR" ] && break
	sleep $((STEP - (SECONDS - start) % STEP))
done
probes=$(sqlite3 "$db" "SELECT count(*) FROM probe" 2>/dev/null || echo "?")
kill -TERM "$hm_pid"
wait "$hm_pid"
rc=$?
hm_pid=

# fit COLUMN: "slope_per_min mean n" of a least-squares line over the samples after warm-up
fit() {
	awk -F'\t' -v c="$1" -v w="$WARM" 'NR > 1 && $1 >= w {
		x = $1 / 60; y = $c; n++; sx += x; sy += y; sxx += x * x; sxy += x * y
	} END {
		if (n < 3) { print "0 0 " n; exit }
		d = n * sxx - sx * sx
		printf "%.3f %.1f %d\n", d ? (n * sxy - sx * sy) / d : 0, sy / n, n
	}' "$tsv"
}
read -r rss_slope rss_mean rss_n <<<"$(fit 2)"
read -r fd_slope fd_mean _ <<<"$(fit 3)"
win_min=$(awk -v a="$WARM" -v b="$DUR" 'BEGIN { printf "%.2f", (b - a) / 60 }')
# verdict SLOPE MEAN ABS_TOL: "flat" or "NOT FLAT", and the drift over the window
verdict() {
	awk -v s="$1" -v m="$2" -v tol="$3" -v w="$win_min" 'BEGIN {
		d = s * w; lim = 0.05 * m > tol ? 0.05 * m : tol
		printf "%s %.1f %.1f\n", (d < 0 ? -d : d) <= lim ? "flat" : "NOT-FLAT", d, lim
	}'
}
read -r rss_v rss_drift rss_lim <<<"$(verdict "$rss_slope" "$rss_mean" "$RSS_TOL")"
read -r fd_v fd_drift fd_lim <<<"$(verdict "$fd_slope" "$fd_mean" "$FD_TOL")"
col_range() { awk -F'\t' -v c="$1" 'NR > 1 { if (min == "" || $c < min) min = $c; if ($c > max) max = $c } END { print min ".." max }' "$tsv"; }
last() { tail -1 "$tsv" | cut -f"$1"; }
ticks=$(getconf CLK_TCK)
cpu_pct=$(awk -F'\t' -v w="$WARM" -v hz="$ticks" 'NR > 1 && $1 >= w { if (t0 == "") { t0 = $1; c0 = $5 } t1 = $1; c1 = $5 }
	END { if (t1 > t0) printf "%.1f", 100 * (c1 - c0) / hz / (t1 - t0); else print "-" }' "$tsv")

{
	echo "### Soak (bench/soak.sh)"
	echo
	echo "- $(date -u +%Y-%m-%d), httpsmon $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, $(uname -r)"
	echo "- $N endpoints every $IV, max_inflight $INFLIGHT: 3/5 UP (TLS), 1/5 refused, 1/5 timing out at $TO; $DUR s, sampled every $STEP s; slopes by least squares over the $rss_n samples after $WARM s of warm-up"
	echo "- RSS: $(col_range 2) kB over the run (mean after warm-up $rss_mean kB); slope $rss_slope kB/min, drift $rss_drift kB over $win_min min (limit $rss_lim): **$rss_v**"
	echo "- open descriptors: $(col_range 3) (mean $fd_mean); slope $fd_slope /min, drift $fd_drift over $win_min min (limit $fd_lim): **$fd_v**"
	echo "- database (file + WAL): $(awk -v b="$(last 4)" 'BEGIN { printf "%.1f", b / 1048576 }') MB at the end, $probes probes stored" \
	     "(the schedule asks for $(awk -v n="$N" -v iv="${IV%s}" -v d="$DUR" 'BEGIN { printf "%d", n * d / iv }'))"
	echo "- collector CPU after warm-up: $cpu_pct% of one core; SIGTERM exit status $rc"
} | tee "$out/soak.md"

if [ "$rss_v" != flat ] || [ "$fd_v" != flat ] || [ "$rc" -ne 0 ]; then
	echo "SOAK FAILED: RSS $rss_v ($rss_drift kB drift), descriptors $fd_v ($fd_drift drift), exit $rc;" \
	     "samples in $tsv" >&2
	exit 1
fi
echo "soak: RSS and descriptors flat; samples in $tsv" >&2
