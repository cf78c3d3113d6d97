#!/usr/bin/env bash
# bench/metrics.sh: what /metrics costs the collector (issue 12).
#
# 1. In process (bench/metrics_bench.c, linked against the objects `make`
#    built): one render of the whole page for METRICS_NS endpoints (1,000
#    and 10,000): CPU ms per render (median and worst of METRICS_RENDERS),
#    the page's size, the heap in use and RSS after the first render and
#    after METRICS_REPEATS more (a render allocating per request would grow
#    them), and the uptime cache's full sweep.
#    Then CONC_CLIENTS (32) concurrent scrapes of the page for CONC_N
#    (10,000) endpoints through the real listener on loopback: renders, CPU,
#    wall time, peak heap and peak RSS above where they were before.
#    CONC_BEFORE=REV also builds REV's objects (git archive into
#    $BUILD/bench/before) and runs the same scrapes on its listener, for
#    the before/after figures (the README's were made with REV = the
#    commit before shared pages).
# 2. Live: the real headless collector with LIVE_N endpoints at 60 s
#    (host-<i>.bench.test pinned to one labsrv TLS listener) and
#    listen on loopback. After LIVE_WARM_S seconds (every endpoint has a
#    result), its CPU (user + sys ticks from /proc/PID/stat) over LIVE_S
#    seconds with nobody scraping, then over LIVE_S seconds with one scrape
#    of /metrics every second (curl, one at a time); the difference is what
#    the scrapes cost, as a share of one core. Its RSS before and after the
#    scrapes, and each scrape's time and size, are reported too.
#
# Output: markdown on stdout and in bench/out/metrics.md. Figures are
# reported, never asserted: on a shared machine the live difference is
# within the noise of the probes' own CPU; the in-process figure is the
# steadier one.
# Environment: BUILD, HTTPSMON, LABSRV, CC, METRICS_NS ("1000 10000"),
# METRICS_RENDERS (21), METRICS_REPEATS (300), LIVE_N (1000), LIVE_WARM_S
# (70), LIVE_S (60), CONC_N (10000), CONC_CLIENTS (32), CONC_BEFORE (unset);
# BENCH_METRICS_LIVE=0 skips part 2.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
CC=${CC:-cc}
NS=${METRICS_NS:-1000 10000}
RENDERS=${METRICS_RENDERS:-21}
REPEATS=${METRICS_REPEATS:-300}
CONC_N=${CONC_N:-10000}
CONC_CLIENTS=${CONC_CLIENTS:-32}
CONC_BEFORE=${CONC_BEFORE:-}
LIVE_N=${LIVE_N:-1000}
WARM=${LIVE_WARM_S:-70}
LIVE=${LIVE_S:-60}
PY=/usr/bin/python3

work=$BUILD/bench/metrics
out=bench/out
WARN="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
      -Wwrite-strings -Wcast-qual -Wundef -Wno-format-nonliteral"

die() {
	echo "metrics bench: $*" >&2
	exit 1
}
. "$here/lib.sh"

pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work" "$out"
work=$(cd "$work" && pwd)
md=$out/metrics.md
: >"$md"
say() { echo "$*" | tee -a "$md"; }

objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
libs=$(bench_link_libs | tr '\n' ' ')
# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Iinclude $(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) \
	-o "$work/metrics_bench" bench/metrics_bench.c $objs $libs -lm || die "could not build bench/metrics_bench.c"

say "### /metrics (\`bench/metrics.sh\`, in \`make bench\`)"
say ""
say "- $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d), httpsmon at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "- in process: metrics_render of every endpoint (a two-certificate chain, TLS 1.3, HTTP/2, every phase; every tenth endpoint failing), location label set, uptime ratios cached; $RENDERS timed renders, then $REPEATS more"
say ""
# shellcheck disable=SC2086  # NS is a word list
"$work/metrics_bench" -r "$RENDERS" -k "$REPEATS" $NS | tee -a "$md"
say ""

# ---- concurrent scrapes through the listener -------------------------------
conc_table() { "$1" -r 1 -k 0 -c "$CONC_CLIENTS" "$CONC_N" | sed "s/^| $CONC_N |/| $2 | $CONC_N |/; s/^| endpoints |/| listener | endpoints |/; s/^|--:|/|--|--:|/"; }
say "- $CONC_CLIENTS concurrent scrapes (one \`curl --parallel\`) of /metrics for $CONC_N endpoints through the listener on loopback"
say ""
if [ -n "$CONC_BEFORE" ]; then
	bdir=$work/before
	rm -rf "$bdir" && mkdir -p "$bdir"
	git archive "$CONC_BEFORE" | tar -x -C "$bdir"
	make -s -C "$bdir" BUILD=build bin/httpsmon >/dev/null || die "could not build $CONC_BEFORE"
	bobjs=$(find "$bdir/build/src" -name '*.o' ! -path "$bdir/build/src/main*.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -I"$bdir/include" $(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) \
		-o "$work/metrics_bench_before" bench/metrics_bench.c $bobjs $libs -lm || die "could not build the bench on $CONC_BEFORE"
	conc_table "$work/metrics_bench_before" "before ($(git rev-parse --short "$CONC_BEFORE"))" | tee -a "$md"
	conc_table "$work/metrics_bench" "shared pages ($(git rev-parse --short HEAD))" | sed 1,2d | tee -a "$md"
else
	conc_table "$work/metrics_bench" "shared pages ($(git rev-parse --short HEAD))" | tee -a "$md"
fi
say ""

[ "${BENCH_METRICS_LIVE:-1}" = 0 ] && exit 0

# ---- live: one scrape a second on the real collector --------------------------
tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
echo "bench tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok" >"$work/spec"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
labsrv_start
port=$(awk '$1 == "bench" { print $2 }' "$work/ports")
hp=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
awk -v n="$LIVE_N" -v port="$port" -v ca="$work/certs/root.pem" -v hp="$hp" 'BEGIN {
	printf "[defaults]\nca_file = %s\ninterval = 60s\ntimeout = 5s\nlisten = 127.0.0.1:%s\nlocation = bench\n", ca, hp
	for (i = 1; i <= n; i++)
		printf "\n[host-%d]\nurl = https://host-%d.bench.test:%d/\n" \
		       "resolve = host-%d.bench.test:%d:127.0.0.1\n", i, i, port, i, port
}' >"$work/endpoints.ini"
"$HTTPSMON" --headless -c "$work/endpoints.ini" --db "$work/h.db" 2>"$work/collector.log" &
pid=$!
tck=$(getconf CLK_TCK)
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
echo "metrics bench: live, $LIVE_N endpoints at 60s, ${WARM} s warm-up" >&2
sleep "$WARM"
kill -0 "$pid" 2>/dev/null || die "the collector exited: $(tail -3 "$work/collector.log")"
fresh=$(curl -s -m 10 "http://127.0.0.1:$hp/metrics" | grep -cE '^httpsmon_endpoint_state\{.*state="up"\} 1$' || true)

t0=$(ticks)
sleep "$LIVE"
t1=$(ticks)
rss0=$(rss_mb)
: >"$work/scrapes"
end=$((SECONDS + LIVE))
while [ $SECONDS -lt $end ]; do
	curl -s -m 10 -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$hp/metrics" >>"$work/scrapes"
	sleep 1
done
t2=$(ticks)
rss1=$(rss_mb)
n_scr=$(wc -l <"$work/scrapes")
idle=$(awk -v d=$((t1 - t0)) -v t="$tck" -v s="$LIVE" 'BEGIN { printf "%.2f", 100 * d / t / s }')
busy=$(awk -v d=$((t2 - t1)) -v t="$tck" -v s="$LIVE" 'BEGIN { printf "%.2f", 100 * d / t / s }')
cost=$(awk -v a="$idle" -v b="$busy" 'BEGIN { printf "%.2f", b - a }')
scr=$(sort -n "$work/scrapes" | awk '{ t[NR] = $1 * 1000; s = $2 } END { printf "median %.1f ms, worst %.1f ms, %.0f KiB each", t[int((NR + 1) / 2)], t[NR], s / 1024 }')

say "- live: \`httpsmon --headless\`, $LIVE_N endpoints at 60s on one labsrv listener ($fresh UP at the start of the windows), $WARM s warm-up; CPU from /proc/PID/stat, $tck ticks/s"
say "- ${LIVE} s without scrapes: **$idle %** of one core (the probes and history writes)"
say "- ${LIVE} s with $n_scr scrapes of /metrics, one a second: **$busy %** of one core; the difference, what the scrapes cost: **$cost %** (target < 1 %)"
say "- each scrape (curl on loopback): $scr"
say "- collector RSS before the scrapes $rss0 MiB, after $rss1 MiB"
