#!/usr/bin/env bash
# bench/run.sh: httpsmon against its floor, on one local TLS server.
#
# Run by `make bench` (which builds bin/httpsmon and the lab's labsrv first).
# Starts one labsrv `tls` listener on 127.0.0.1 with the lab's "good"
# certificate (its SANs cover *.bench.test), then probes N distinct endpoints
# host-<i>.bench.test, each pinned to 127.0.0.1, once each with a fresh TLS
# handshake:
#
#   httpsmon  `httpsmon check --json` on a generated config
#   floor     bench/floor.c: the same transfers with bare libcurl multi
#   s_time    `openssl s_time -new`: raw handshakes, no HTTP, no verification
#
# Cases (tool N in-flight): httpsmon and floor at 100/50, 1000/50 and 100/1
# (one at a time, for the TLS handshake figure), floor at 1000/1000 (no cap).
# Every program runs under bench/rusage.c, which takes wall time, user + sys
# CPU and peak RSS from wait4(), so both sides are measured the same way.
# Each case runs BENCH_REPS times, interleaved (odd rounds in order, even
# rounds backwards); the table shows the median of the runs per column (the
# lower median for an even count; ok: the worst run). TLS figures are
# nearest-rank percentiles over the successful probes of a run (APPCONNECT -
# CONNECT, as libcurl reports them to both programs).
#
# Output: the machine, one markdown table and the issue's targets on stdout,
# the same in bench/out/results.md, one line per run in bench/out/runs.tsv.
# Figures are reported, never asserted: exit 0 unless the bench itself could
# not run.
#
# Environment: BUILD (default build), HTTPSMON (default bin/httpsmon), LABSRV
# (default $BUILD/tests/lab/labsrv), CC (default cc), BENCH_REPS (default 5),
# BENCH_STIME_S (seconds of openssl s_time, default 3, 0 skips it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"

BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
LABSRV=${LABSRV:-$BUILD/tests/lab/labsrv}
REPS=${BENCH_REPS:-5}
STIME_S=${BENCH_STIME_S:-3}
CC=${CC:-cc}

bin=$BUILD/bench
work=$BUILD/bench/run
out=bench/out
WARN="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
      -Wwrite-strings -Wcast-qual -Wundef"
RUN_LIMIT_S=120         # a single run taking longer than this is killed

die() {
	echo "bench: $*" >&2
	exit 1
}
. bench/lib.sh

for f in "$HTTPSMON" "$LABSRV" tests/lab/gen-certs.sh; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done
command -v jq >/dev/null || die "jq is needed to read httpsmon's JSON"

mkdir -p "$bin" "$out"
bench_libs=$(bench_link_libs)
rm -rf "$work"
mkdir -p "$work"

# ---- build the floor and the measuring wrapper ----------------------------
# shellcheck disable=SC2086,SC2046  # WARN and pkg-config output are word lists
$CC -std=c11 -O2 $WARN -o "$bin/floor" bench/floor.c $(pkg-config --cflags --libs libcurl) ||
	die "could not build bench/floor.c"
# shellcheck disable=SC2086
$CC -std=c11 -O2 $WARN -o "$bin/rusage" bench/rusage.c || die "could not build bench/rusage.c"

# ---- the server -----------------------------------------------------------
tests/lab/gen-certs.sh "$work/certs" >/dev/null || die "gen-certs.sh failed"
ca=$(cd "$work/certs" && pwd)/root.pem
echo "bench tls 0 cert=$work/certs/good-chain.pem key=$work/certs/good.key body=ok" > "$work/spec"

srv_pid=
stop_server() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
		srv_pid=
	fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# 1000 sockets in flight in one process: lift the soft limit if it is low
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

labsrv_start
port=$(awk '$1 == "bench" { print $2 }' "$work/ports" 2>/dev/null)
[ -n "$port" ] || die "labsrv did not report its port"

# ---- one run --------------------------------------------------------------
# stats FILE: "median p95" (ms) of the numbers in FILE, nearest rank, as the
# floor computes them; "- -" when FILE is empty.
stats() {
	sort -g "$1" | awk '
		{ v[NR] = $1 }
		function rank(q,   r) { r = int(q * NR); if (r < q * NR) r++; return r < 1 ? 1 : r }
		END {
			if (NR == 0) { print "- -"; exit }
			printf "%.3f %.3f\n", v[rank(0.5)], v[rank(0.95)]
		}'
}

# config N INFLIGHT FILE: an httpsmon config for N endpoints.
config() {
	awk -v n="$1" -v cap="$2" -v port="$port" -v ca="$ca" 'BEGIN {
		printf "[defaults]\nca_file = %s\ntimeout = 10s\nmax_inflight = %d\n", ca, cap
		for (i = 1; i <= n; i++)
			printf "\n[host-%d]\nurl = https://host-%d.bench.test:%d/\n" \
			       "resolve = host-%d.bench.test:%d:127.0.0.1\n", i, i, port, i, port
	}' > "$3"
}

# one TOOL N INFLIGHT REP: runs one case once, appends its line to runs.tsv:
# tool n inflight rep wall_s user_s sys_s maxrss_kb exit ok tls_median tls_p95
one() {
	local tool=$1 n=$2 cap=$3 rep=$4 tag=$1-$2-$3-$4 ok
	local ru=$work/$tag.ru tls=$work/$tag.tls

	case $tool in
	httpsmon)
		[ -f "$work/httpsmon-$n-$cap.ini" ] || config "$n" "$cap" "$work/httpsmon-$n-$cap.ini"
		"$bin/rusage" -t "$RUN_LIMIT_S" "$ru" "$HTTPSMON" check -c "$work/httpsmon-$n-$cap.ini" \
			--json > "$work/$tag.json" 2>"$work/$tag.err" || true
		ok=$(jq -s '[.[] | select(.verdict == "UP")] | length' "$work/$tag.json" 2>/dev/null) || ok=0
		jq -r 'select(.verdict == "UP") | .timings.tls_ms // empty' "$work/$tag.json" \
			> "$tls" 2>/dev/null || : > "$tls"
		;;
	floor)
		"$bin/rusage" -t "$RUN_LIMIT_S" "$ru" "$bin/floor" -o "$tls" "$n" "$cap" "$ca" "$port" \
			> "$work/$tag.out" 2>"$work/$tag.err" || true
		ok=$(awk -F= '$1 == "ok" { print $2 }' "$work/$tag.out")
		[ -f "$tls" ] || : > "$tls"
		;;
	esac
	[ -s "$ru" ] || echo "- - - - 125" > "$ru"
	echo "$tool $n $cap $rep $(cat "$ru") ${ok:-0} $(stats "$tls")" >> "$out/runs.tsv"
	if [ "${ok:-0}" != "$n" ]; then
		echo "bench: $tool N=$n inflight=$cap run $rep: ${ok:-0}/$n ok (see $work/$tag.err)" >&2
		head -3 "$work/$tag.err" >&2 || true
	fi
}

cases=(httpsmon:100:50 floor:100:50 httpsmon:1000:50 floor:1000:50 floor:1000:1000
       httpsmon:100:1 floor:100:1)

: > "$out/runs.tsv"
echo "bench: $REPS rounds of: ${cases[*]}" >&2
for rep in $(seq "$REPS"); do
	# odd rounds in order, even rounds backwards: a drift in the machine's
	# load falls on both tools alike
	order=("${cases[@]}")
	if [ $((rep % 2)) -eq 0 ]; then
		order=()
		for ((k = ${#cases[@]} - 1; k >= 0; k--)); do order+=("${cases[k]}"); done
	fi
	for c in "${order[@]}"; do
		IFS=: read -r tool n cap <<< "$c"
		one "$tool" "$n" "$cap" "$rep"
	done
	echo "bench: round $rep of $REPS done" >&2
done

# ---- raw handshake reference ----------------------------------------------
stime=
if [ "$STIME_S" != 0 ] && command -v openssl >/dev/null; then
	"$bin/rusage" -t "$RUN_LIMIT_S" "$work/stime.ru" openssl s_time -connect "127.0.0.1:$port" \
		-new -time "$STIME_S" > "$work/stime.out" 2>&1 || true
	conns=$(awk '/connections in .* real seconds/ { print $1; exit }' "$work/stime.out")
	if [ -n "$conns" ] && [ "$conns" -gt 0 ] && [ -s "$work/stime.ru" ]; then
		stime="$conns $(cat "$work/stime.ru")"
	fi
fi

# ---- report ---------------------------------------------------------------
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
{
	echo "## httpsmon benchmark"
	echo
	echo "- machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, Linux $(uname -r)"
	echo "- libcurl $(pkg-config --modversion libcurl), OpenSSL $(pkg-config --modversion openssl)," \
	     "$("$HTTPSMON" --version 2>/dev/null | head -1) at $commit, $(date -u +%Y-%m-%d)"
	echo "- one labsrv TLS 1.3 listener on 127.0.0.1 (EC P-256 chain); each probe a distinct" \
	     "host-<i>.bench.test, fresh connection and full handshake, one GET"
	echo "- median of $REPS runs per row (ok: worst run); CPU = user + sys of the whole process," \
	     "peak RSS = ru_maxrss, both from wait4()"
	echo
	echo "| tool | N | in flight | wall s | CPU s | CPU ms/probe | peak RSS MB | ok/total | TLS median ms | TLS p95 ms |"
	echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk '
		function med(s,   a, k, i, j, t) {
			k = split(s, a, " ")
			for (i = 2; i <= k; i++)
				for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return k ? a[int((k + 1) / 2)] : "-"
		}
		{
			key = $1 " " $2 " " $3
			if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
			if ($5 != "-") {
				wall[key] = wall[key] " " $5
				cpu[key] = cpu[key] " " ($6 + $7)
				rss[key] = rss[key] " " $8
			}
			if (!(key in ok) || $10 < ok[key]) ok[key] = $10
			if ($11 != "-") tm[key] = tm[key] " " $11
			if ($12 != "-") tp[key] = tp[key] " " $12
		}
		END {
			for (i = 1; i <= nk; i++) {
				key = order[i]; split(key, f, " ")
				if (cpu[key] == "") {
					printf "| %s | %d | %d | - | - | - | - | %d/%d | - | - |\n",
					       f[1], f[2], f[3], ok[key], f[2]
					continue
				}
				c = med(cpu[key])
				printf "| %s | %d | %d | %.2f | %.3f | %.3f | %.1f | %d/%d | %s | %s |\n",
				       f[1], f[2], f[3], med(wall[key]), c, c * 1000 / f[2],
				       med(rss[key]) / 1024, ok[key], f[2],
				       tm[key] == "" ? "-" : sprintf("%.3f", med(tm[key])),
				       tp[key] == "" ? "-" : sprintf("%.3f", med(tp[key]))
			}
		}' "$out/runs.tsv"
	if [ -n "$stime" ]; then
		read -r sc sw su ss sr _ <<< "$stime"
		awk -v c="$sc" -v w="$sw" -v u="$su" -v s="$ss" -v r="$sr" 'BEGIN {
			printf "| openssl s_time -new | %d | 1 | %.2f | %.3f | %.3f | %.1f | %d/%d | - | - |\n",
			       c, w, u + s, (u + s) * 1000 / c, r / 1024, c, c
		}'
	fi
} > "$out/results.md"

# ---- the issue's targets ----------------------------------------------------
# figure TOOL N INFLIGHT WHAT: one case's figure over its runs: the median of
# "cpu" (user + sys) or "tls" (TLS median), the worst of "ok" (minimum) and
# "rss" (maximum, kB); "-" when no run has it.
figure() {
	awk -v t="$1" -v n="$2" -v c="$3" -v what="$4" '
		$1 != t || $2 != n || $3 != c { next }
		what == "cpu" && $6 != "-" { v[++k] = $6 + $7 }
		what == "rss" && $8 != "-" { v[++k] = $8 }
		what == "ok" { v[++k] = $10 }
		what == "tls" && $11 != "-" { v[++k] = $11 }
		END {
			if (!k) { print "-"; exit }
			for (i = 2; i <= k; i++)
				for (j = i; j > 1 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
			print what == "ok" ? v[1] : what == "rss" ? v[k] : v[int((k + 1) / 2)]
		}' "$out/runs.tsv"
}
# spread TOOL N INFLIGHT: "min..max" of the runs' TLS medians of one case.
spread() {
	awk -v t="$1" -v n="$2" -v c="$3" '
		$1 == t && $2 == n && $3 == c && $11 != "-" {
			if (!k++ || $11 + 0 < lo) lo = $11 + 0
			if ($11 + 0 > hi) hi = $11 + 0
		}
		END { if (k) printf "%.3f..%.3f", lo, hi; else print "-" }' "$out/runs.tsv"
}
# verdict A OP B: "met" when A OP B holds (OP an awk comparison).
verdict() {
	if [ "$1" = - ] || [ "$3" = - ]; then
		echo "no figure"
	elif awk -v a="$1" -v b="$3" "BEGIN { exit !(a + 0 $2 b + 0) }"; then
		echo "met"
	else
		echo "MISSED"
	fi
}
# ratio A B: A / B to two decimals, "-" without both.
ratio() {
	if [ "$1" = - ] || [ "$2" = - ]; then echo -; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'
}

cpu_ratio=$(ratio "$(figure httpsmon 1000 50 cpu)" "$(figure floor 1000 50 cpu)")
hm_ok=$(figure httpsmon 1000 50 ok)
hm_rss_mb=$(ratio "$(figure httpsmon 1000 50 rss)" 1024)
fl_rss_all_mb=$(ratio "$(figure floor 1000 1000 rss)" 1024)
hm_t1=$(figure httpsmon 100 1 tls)
fl_t1=$(figure floor 100 1 tls)
hm_t50=$(figure httpsmon 1000 50 tls)
fl_t50=$(figure floor 1000 50 tls)
diff1=-
[ "$hm_t1" != - ] && [ "$fl_t1" != - ] &&
	diff1=$(awk -v a="$hm_t1" -v b="$fl_t1" 'BEGIN { d = a - b; printf "%.3f", d < 0 ? -d : d }')
infl_hm=$(ratio "$hm_t50" "$hm_t1")
infl_fl=$(ratio "$fl_t50" "$fl_t1")

{
	echo
	echo "### targets (N = 1,000 unless said)"
	echo
	# per-probe cost and memory only mean something when every probe ran
	cpu_verdict=$(verdict "$cpu_ratio" '<=' 1.2)
	rss_verdict=$(verdict "$hm_rss_mb" '<' 40)
	if [ "$hm_ok" != 1000 ]; then
		cpu_verdict="no figure: not every probe succeeded"
		rss_verdict=$cpu_verdict
	fi
	echo "- CPU per probe, httpsmon / floor at 50 in flight: $cpu_ratio (target <= 1.2):" \
	     "$cpu_verdict"
	echo "- probes that succeeded in one round, worst run: $hm_ok/1000 (target all):" \
	     "$(verdict "$hm_ok" '>=' 1000)"
	echo "- httpsmon peak RSS, worst run: $hm_rss_mb MB (target < 40; the floor with all" \
	     "1,000 in flight: $fl_rss_all_mb MB): $rss_verdict"
	echo "- TLS handshake median one at a time (N = 100): httpsmon $hm_t1 ms" \
	     "(runs $(spread httpsmon 100 1)), floor $fl_t1 ms (runs $(spread floor 100 1))," \
	     "difference $diff1 ms (target <= 1): $(verdict "$diff1" '<=' 1)"
	echo "- TLS handshake median at 50 in flight: httpsmon $hm_t50 ms (runs" \
	     "$(spread httpsmon 1000 50)), floor $fl_t50 ms (runs $(spread floor 1000 50));" \
	     "over one at a time: httpsmon ${infl_hm}x, floor ${infl_fl}x" \
	     "(target: httpsmon's <= floor's): $(verdict "$infl_hm" '<=' "$infl_fl")"
} >> "$out/results.md"

cat "$out/results.md"
echo >&2
echo "bench: written to $out/results.md (each run: $out/runs.tsv, files in $work)" >&2

# ===========================================================================
# The history store (bench/store_bench.c). A separate section: it needs no
# server. Builds the bench against the objects `make` already built (every
# src object but main.o and main_cmd.o), then runs it on bench/out: probes inserted per
# second through store_add_probe + store_flush, bytes per raw probe row
# (dbstat), a year of synthetic history for 1,000 endpoints at 60 s (30 days
# raw, hourly rollups for the rest; generated once, several GB, cached as
# bench/out/store-year-*.db and reused), and the history pane's queries on
# it. It prints its own markdown and appends it to bench/out/results.md.
# Environment: STORE_BENCH_ARGS (e.g. "-e 100" for a smaller history),
# BENCH_STORE=0 skips the section.
# ===========================================================================
if [ "${BENCH_STORE:-1}" != 0 ]; then
	store_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) -o "$bin/store_bench" \
		bench/store_bench.c $store_objs \
		$bench_libs -lm ||
		die "could not build bench/store_bench.c"
	# shellcheck disable=SC2086  # STORE_BENCH_ARGS is a word list
	"$bin/store_bench" ${STORE_BENCH_ARGS:-} "$out" || die "store_bench failed"
	echo "bench: store figures appended to $out/results.md" >&2
fi

# ===========================================================================
# Revocation (bench/crl_bench.c): a CRL of 100,000 entries made in memory,
# then the engine's parse, check, first and later look-ups, and the heap it
# holds. Built like store_bench against `make`'s objects. BENCH_CRL=0 skips it.
# ===========================================================================
if [ "${BENCH_CRL:-1}" != 0 ]; then
	crl_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) -o "$bin/crl_bench" \
		bench/crl_bench.c $crl_objs $bench_libs -lm ||
		die "could not build bench/crl_bench.c"
	{ echo; "$bin/crl_bench"; } | tee -a "$out/results.md" || die "crl_bench failed"
	echo "bench: CRL figures appended to $out/results.md" >&2
fi

# ===========================================================================
# The export (bench/export.sh): `httpsmon export` on the store section's
# year of history, rows/s and peak RSS per case. BENCH_EXPORT=0 skips it.
# ===========================================================================
if [ "${BENCH_EXPORT:-1}" != 0 ]; then
	HTTPSMON=$HTTPSMON BUILD=$BUILD bench/export.sh || die "export bench failed"
fi

# ===========================================================================
# The scheduler (bench/sched_bench.c and the headless collector). A separate
# section; it probes the labsrv listener started above ($port, $ca).
#
# 1. Lateness: sched_bench runs the collector's loop shape (prober_wait with
#    the timeout of the next due probe, prober_perform, sched_take_due,
#    prober_submit) with real probes of SCHED_N endpoints at SCHED_INTERVAL
#    for SCHED_WINDOW_S seconds. Defaults are the issue's case, 1,000
#    endpoints at 60 s, over 65 s: every endpoint's first (jittered) probe
#    plus the first few second rounds, about 1,080 starts; a longer window
#    adds rounds, not new situations. Lateness = start - due time, at the
#    prober_submit call (the scheduler and loop's delay) and at the transfer
#    start (plus any wait in the max_inflight queue).
# 2. Idle CPU: `httpsmon --headless` (when the binary has it) with IDLE_N
#    endpoints at IDLE_INTERVAL, its user + sys ticks from /proc/PID/stat
#    over IDLE_WINDOW_S seconds after IDLE_WARMUP_S of start-up, as a share
#    of one core. The figure includes the probes themselves (N / interval a
#    second) and the history writes: it is what the collector costs while
#    nobody looks. Without --headless, sched_bench's loop on the same
#    endpoints is measured instead, and the line says so.
# Environment: SCHED_N (1000), SCHED_INTERVAL (60s), SCHED_WINDOW_S (65),
# IDLE_N (100), IDLE_INTERVAL (30s), IDLE_WARMUP_S (5), IDLE_WINDOW_S (60);
# BENCH_SCHED=0 skips the section.
# ===========================================================================
if [ "${BENCH_SCHED:-1}" != 0 ]; then
	if [ -z "${port:-}" ] || [ -z "${ca:-}" ]; then die "scheduler bench: no labsrv listener"; fi
	sched_work=$work/sched
	mkdir -p "$sched_work"
	sched_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) -o "$bin/sched_bench" \
		bench/sched_bench.c $sched_objs \
		$bench_libs -lm ||
		die "could not build bench/sched_bench.c"

	# sched_config N INTERVAL FILE: N endpoints on the listener, every one at INTERVAL.
	sched_config() {
		awk -v n="$1" -v iv="$2" -v port="$port" -v ca="$ca" 'BEGIN {
			printf "[defaults]\nca_file = %s\ninterval = %s\ntimeout = 5s\n", ca, iv
			for (i = 1; i <= n; i++)
				printf "\n[host-%d]\nurl = https://host-%d.bench.test:%d/\n" \
				       "resolve = host-%d.bench.test:%d:127.0.0.1\n", i, i, port, i, port
		}' > "$3"
	}
	# kv FILE KEY: the value of KEY=... in FILE, "-" when absent.
	kv() { awk -F= -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "-" }' "$1"; }

	s_n=${SCHED_N:-1000} s_iv=${SCHED_INTERVAL:-60s} s_win=${SCHED_WINDOW_S:-65}
	i_n=${IDLE_N:-100} i_iv=${IDLE_INTERVAL:-30s}
	i_warm=${IDLE_WARMUP_S:-5} i_win=${IDLE_WINDOW_S:-60}

	sched_config "$s_n" "$s_iv" "$sched_work/late.ini"
	echo "bench: scheduler lateness, $s_n endpoints at $s_iv for ${s_win} s" >&2
	"$bin/sched_bench" -w "$s_win" -o "$sched_work/late.txt" "$sched_work/late.ini" \
		> "$sched_work/late.out" 2>"$sched_work/late.err" || die "sched_bench failed: $(cat "$sched_work/late.err")"
	lo=$sched_work/late.out

	# idle CPU of the collector, or of the bench loop without one
	sched_config "$i_n" "$i_iv" "$sched_work/idle.ini"
	idle_what='' idle_pct=- idle_s=-
	# ticks PID: user + sys clock ticks of PID (fields 14 and 15; comm may hold spaces)
	ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
	if "$HTTPSMON" --help 2>&1 | grep -q -- '--headless'; then
		idle_what="\`httpsmon --headless\`"
		echo "bench: headless idle CPU, $i_n endpoints at $i_iv, ${i_warm} s + ${i_win} s" >&2
		"$HTTPSMON" --headless -c "$sched_work/idle.ini" --db "$sched_work/idle.db" \
			2>"$sched_work/idle.log" &
		idle_pid=$!
	else
		idle_what="sched_bench's loop (httpsmon has no --headless yet)"
		echo "bench: no --headless: idle CPU of sched_bench's loop instead" >&2
		"$bin/sched_bench" -w $((i_warm + i_win + 1)) "$sched_work/idle.ini" \
			> "$sched_work/idle.out" 2>"$sched_work/idle.log" &
		idle_pid=$!
	fi
	sleep "$i_warm"
	if kill -0 "$idle_pid" 2>/dev/null; then
		t_a=$(ticks "$idle_pid") w_a=$(date +%s.%N)
		sleep "$i_win"
		t_b=$(ticks "$idle_pid") w_b=$(date +%s.%N)
		if [ -n "$t_a" ] && [ -n "$t_b" ]; then
			read -r idle_s idle_pct <<< "$(awk -v a="$t_a" -v b="$t_b" -v hz="$(getconf CLK_TCK)" \
				-v w0="$w_a" -v w1="$w_b" 'BEGIN {
					s = (b - a) / hz; printf "%.2f %.3f\n", s, 100 * s / (w1 - w0) }')"
		fi
	fi
	kill -TERM "$idle_pid" 2>/dev/null || true
	wait "$idle_pid" 2>/dev/null || true

	{
		echo
		echo "### scheduler"
		echo
		echo "- lateness: $(kv "$lo" endpoints) endpoints at $s_iv, real probes, ${s_win} s window:" \
		     "$(kv "$lo" starts) starts, $(kv "$lo" ok) ok, $(kv "$lo" failed) failed;" \
		     "bench process CPU $(kv "$lo" cpu_s) s over $(kv "$lo" wall_s) s (includes every probe's TLS)"
		echo
		echo "| lateness measured at | starts | p50 ms | p95 ms | p99 ms | max ms | > 100 ms |"
		echo "|---|--:|--:|--:|--:|--:|--:|"
		for w in submit transfer; do
			echo "| $w | $(kv "$lo" ${w}_late_n) | $(kv "$lo" ${w}_late_p50_ms) |" \
			     "$(kv "$lo" ${w}_late_p95_ms) | $(kv "$lo" ${w}_late_p99_ms) |" \
			     "$(kv "$lo" ${w}_late_max_ms) | $(kv "$lo" ${w}_late_over_100ms) |"
		done
		echo
		late_max=$(kv "$lo" transfer_late_max_ms)
		echo "- no probe starting more than 100 ms late (1,000 at 60 s), worst transfer start:" \
		     "$late_max ms: $(verdict "$late_max" '<=' 100)"
		echo "- idle CPU, $idle_what with $i_n endpoints at $i_iv ($i_n probes per $i_iv included)," \
		     "${i_win} s after ${i_warm} s of start-up: $idle_s CPU s = $idle_pct% of one core" \
		     "(target < 1%): $(verdict "$idle_pct" '<' 1)"
	} > "$sched_work/results.md"
	cat "$sched_work/results.md"
	cat "$sched_work/results.md" >> "$out/results.md"
	echo "bench: scheduler figures appended to $out/results.md (per start: $sched_work/late.txt)" >&2
fi

# ===========================================================================
# The dashboard (bench/ui_bench.c, and the real binary in tmux). A separate
# section; the real-binary parts probe the labsrv listener started above.
#
# 1. List redraws: ui_bench draws the list pane of UI_N (1,000) endpoints,
#    64 synthetic results each fed through monitor_result(), into a
#    UI_COLS x UI_LINES (200 x 60) xterm-256color pseudo-terminal (UTF-8,
#    colours) with newterm(): erase + view_list_draw + refresh (doupdate),
#    UI_FRAMES frames per case (see ui_bench.c for the cases).
# 2. Opening the history pane: ui_bench on the store section's year of
#    history (bench/out/store-year-*.db, opened read-only, never changed),
#    the clock moved to the end of that history: view_history_query +
#    view_history_draw + doupdate, as the `h` key makes the loop do,
#    UI_HIST_RUNS endpoints per range; each endpoint's first open, then the
#    same endpoints again.
# 3. Idle CPU: `httpsmon -c CFG --db DB` (the live dashboard) in a detached
#    tmux session of the same size, UI_IDLE_N (100) endpoints at
#    UI_IDLE_INTERVAL (30s) on the listener; user + sys ticks from
#    /proc/PID/stat over UI_IDLE_WINDOW_S (60) s after UI_IDLE_WARMUP_S (5)
#    s, as a share of one core. It includes the probes themselves and the
#    history writes, as the headless figure of the scheduler section does.
# 4. Memory: the live dashboard on a config of the year file's own
#    endpoint names (so the history pane has data), each pinned to the
#    listener, at UI_RSS_INTERVAL (30s), with --db on a COPY of the year
#    file (the dashboard writes to its database). The copy is made once
#    (a 6.6 GB cp takes about two minutes here) into
#    $BUILD/bench/ui-year/ and reused while it is newer than the original;
#    every run adds its own probes to it. VmHWM and VmRSS from
#    /proc/PID/status after the first round (no endpoint PENDING), after
#    `h` (history pane, default 1 h range) and after `4` (30 d range). The
#    time from sending `h` until tmux's screen shows the pane is printed
#    too: an upper bound (it includes tmux and the polling).
# Environment: UI_N, UI_FRAMES (1000), UI_HIST_RUNS (21), UI_COLS, UI_LINES,
# UI_IDLE_N, UI_IDLE_INTERVAL, UI_IDLE_WARMUP_S, UI_IDLE_WINDOW_S,
# UI_RSS_INTERVAL, UI_DB (default: the newest bench/out/store-year-*.db);
# BENCH_UI=0 skips the section. Needs tmux for 3 and 4.
# ===========================================================================
if [ "${BENCH_UI:-1}" != 0 ]; then
	if [ -z "${port:-}" ] || [ -z "${ca:-}" ]; then die "dashboard bench: no labsrv listener"; fi
	ui_work=$work/ui
	mkdir -p "$ui_work"
	ui_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main*.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih ncursesw) -o "$bin/ui_bench" \
		bench/ui_bench.c $ui_objs -Wl,--wrap=util_now_ms \
		$bench_libs -lutil -lm ||
		die "could not build bench/ui_bench.c"

	u_n=${UI_N:-1000} u_frames=${UI_FRAMES:-1000} u_runs=${UI_HIST_RUNS:-21}
	u_cols=${UI_COLS:-200} u_lines=${UI_LINES:-60}
	u_in=${UI_IDLE_N:-100} u_iiv=${UI_IDLE_INTERVAL:-30s}
	u_iwarm=${UI_IDLE_WARMUP_S:-5} u_iwin=${UI_IDLE_WINDOW_S:-60}
	u_riv=${UI_RSS_INTERVAL:-30s}
	# shellcheck disable=SC2012  # names made by store_bench: no odd characters
	u_db=${UI_DB:-$(ls -t "$out"/store-year-*.db 2>/dev/null | head -1)}
	u_copy='' u_copy_pid='' u_copy_note=''
	ui_sock=httpsmon-bench-$$

	ui_tmux() { tmux -L "$ui_sock" -f /dev/null "$@"; }
	ui_cleanup() {
		if command -v tmux >/dev/null; then ui_tmux kill-server 2>/dev/null || true; fi
		if [ -n "$u_copy_pid" ]; then
			kill "$u_copy_pid" 2>/dev/null || true
			wait "$u_copy_pid" 2>/dev/null || true
			u_copy_pid=
			rm -f "$u_copy.part"
		fi
	}
	trap 'ui_cleanup; stop_server' EXIT
	trap 'ui_cleanup; stop_server; exit 130' INT TERM
	# ui_kv KEY: the value of KEY=... in ui_bench's output, "-" when absent.
	ui_kv() { awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "-" }' "$ui_work/ui_bench.out"; }
	# ui_ticks PID: user + sys clock ticks of PID (fields 14 and 15; comm may hold spaces).
	ui_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
	# ui_mem PID: "VmHWM VmRSS" in kB, "- -" when PID is gone.
	ui_mem() {
		awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print (h ? h : "-"), (r ? r : "-") }' \
			"/proc/$1/status" 2>/dev/null || echo "- -"
	}
	ui_ms() { echo $(($(date +%s%N) / 1000000)); }
	ui_abs() { case $1 in /*) echo "$1" ;; *) echo "$top/$1" ;; esac; }
	# ui_start SESSION CONFIG DB: the live dashboard in a new detached tmux
	# session; prints its pid (the pane's process: the command is exec'd).
	ui_start() {
		ui_tmux new-session -d -s "$1" -x "$u_cols" -y "$u_lines" \
			"exec env LANG=C.UTF-8 '$(ui_abs "$HTTPSMON")' -c '$2' --db '$3' 2>'$(ui_abs "$ui_work")/$1.err'" || return 1
		ui_tmux display -p -t "$1" '#{pane_pid}'
	}
	# ui_stop SESSION PID: q, then SIGTERM if it has not ended within 10 s.
	ui_stop() {
		ui_tmux send-keys -t "$1" q 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.2; done
		kill -TERM "$2" 2>/dev/null || true
	}
	ui_screen() { ui_tmux capture-pane -p -t "$1" 2>/dev/null; }
	# ui_config_names NAMES INTERVAL FILE: one endpoint per name, pinned to the listener.
	ui_config_names() {
		awk -v port="$port" -v ca="$ca" -v iv="$2" '
			NR == 1 { printf "[defaults]\nca_file = %s\ninterval = %s\ntimeout = 5s\n", ca, iv }
			{ printf "\n[%s]\nurl = https://%s.bench.test:%d/\nresolve = %s.bench.test:%d:127.0.0.1\n",
			         $1, $1, port, $1, port }' "$1" > "$3"
	}
	# ui_resident FILE: percent of FILE in the OS page cache, "-" without fincore.
	ui_resident() {
		local res size
		command -v fincore >/dev/null || { echo -; return; }
		res=$(fincore -b -n -o RES "$1" 2>/dev/null | awk '{ print $1 }')
		size=$(stat -c %s "$1" 2>/dev/null)
		if [ -z "$res" ] || [ -z "$size" ]; then echo -; return; fi
		awk -v r="$res" -v s="$size" 'BEGIN { printf "%.0f", s ? 100 * r / s : 0 }'
	}

	have_tmux=1
	command -v tmux >/dev/null || have_tmux=0
	[ "$have_tmux" = 1 ] || echo "bench: no tmux: no idle CPU or memory figures" >&2

	# the copy for the memory run: started now, in the background, when missing or stale
	if [ -n "$u_db" ] && [ -f "$u_db" ] && [ "$have_tmux" = 1 ]; then
		u_copy=$BUILD/bench/ui-year/$(basename "$u_db")
		mkdir -p "$(dirname "$u_copy")"
		if [ ! -f "$u_copy" ] || [ "$u_db" -nt "$u_copy" ]; then
			echo "bench: copying $u_db for the dashboard's memory run (once; later runs reuse it)" >&2
			rm -f "$u_copy" "$u_copy-wal" "$u_copy-shm" "$u_copy.lock"
			{ cp "$u_db" "$u_copy.part" && mv "$u_copy.part" "$u_copy"; } &
			u_copy_pid=$!
			u_copy_note=" (the copy of the history file for the memory run was being made meanwhile)"
		fi
	fi

	# ---- 3. idle CPU of the live dashboard ----
	u_idle_pct=- u_idle_s=- u_idle_tmux_s=- u_idle_head=-
	if [ "$have_tmux" = 1 ]; then
		echo "bench: dashboard idle CPU, $u_in endpoints at $u_iiv, ${u_iwarm} s + ${u_iwin} s" >&2
		awk -v n="$u_in" 'BEGIN { for (i = 1; i <= n; i++) print "host-" i }' > "$ui_work/idle.names"
		ui_config_names "$ui_work/idle.names" "$u_iiv" "$ui_work/idle.ini"
		if u_pid=$(ui_start idle "$(ui_abs "$ui_work/idle.ini")" "$(ui_abs "$ui_work/idle.db")"); then
			u_srv=$(ui_tmux display -p '#{pid}')
			sleep "$u_iwarm"
			t_a=$(ui_ticks "$u_pid") s_a=$(ui_ticks "$u_srv") w_a=$(date +%s.%N)
			sleep "$u_iwin"
			t_b=$(ui_ticks "$u_pid") s_b=$(ui_ticks "$u_srv") w_b=$(date +%s.%N)
			u_idle_head=$(ui_screen idle | head -1 | sed 's/^ *httpsmon *//; s/  *[0-9:]*$//; s/  */ /g')
			if [ -n "$t_a" ] && [ -n "$t_b" ]; then
				read -r u_idle_s u_idle_pct u_idle_tmux_s <<< "$(awk -v a="$t_a" -v b="$t_b" \
					-v sa="${s_a:-0}" -v sb="${s_b:-0}" -v hz="$(getconf CLK_TCK)" \
					-v w0="$w_a" -v w1="$w_b" 'BEGIN {
						s = (b - a) / hz
						printf "%.2f %.3f %.2f\n", s, 100 * s / (w1 - w0), (sb - sa) / hz }')"
			else
				echo "bench: the dashboard exited early: $(cat "$ui_work/idle.err")" >&2
			fi
			ui_stop idle "$u_pid"
		else
			echo "bench: could not start the dashboard in tmux" >&2
		fi
	fi

	if [ -n "$u_copy_pid" ]; then
		echo "bench: waiting for the copy of the history file" >&2
		wait "$u_copy_pid" || { echo "bench: copying $u_db failed" >&2; u_copy=; }
		u_copy_pid=
	fi

	# ---- 1 and 2. ui_bench: list redraws, opening the history pane ----
	u_res0=- u_res1=- u_dbarg=()
	if [ -n "$u_db" ] && [ -f "$u_db" ]; then
		u_dbarg=(-d "$u_db")
		u_res0=$(ui_resident "$u_db")
		echo "bench: ui_bench: list redraws ($u_n endpoints), history pane on $u_db" >&2
	else
		echo "bench: no year-of-history file (run the store section once): list redraws only" >&2
	fi
	timeout -k 5 300 "$bin/ui_bench" -n "$u_n" -r "$u_frames" -q "$u_runs" -x "$u_cols" -y "$u_lines" \
		"${u_dbarg[@]}" "$ui_work" \
		> "$ui_work/ui_bench.out" 2>"$ui_work/ui_bench.err" ||
		die "ui_bench failed: $(cat "$ui_work/ui_bench.err")"
	[ ${#u_dbarg[@]} = 0 ] || u_res1=$(ui_resident "$u_db")

	# ---- 4. memory of the live dashboard with a year of history ----
	u_m_round="- -" u_m_hist="- -" u_m_30d="- -" u_round_s=- u_first_s=- u_h_ms=- u_poll_ms=-
	u_rss_head=- u_rss_n=-
	if [ "$have_tmux" = 1 ] && [ -n "$u_copy" ] && [ -f "$u_copy" ]; then
		"$bin/ui_bench" -N "$u_copy" > "$ui_work/rss.names" || die "cannot list the endpoints of $u_copy"
		u_rss_n=$(wc -l < "$ui_work/rss.names")
		ui_config_names "$ui_work/rss.names" "$u_riv" "$ui_work/rss.ini"
		rm -f "$u_copy.lock"
		echo "bench: dashboard memory, $u_rss_n endpoints at $u_riv, --db a copy of $u_db" >&2
		w0=$(ui_ms)
		if u_pid=$(ui_start rss "$(ui_abs "$ui_work/rss.ini")" "$(ui_abs "$u_copy")"); then
			# the first frame, then the first round: no endpoint PENDING (3 min at most)
			for _ in $(seq 1800); do
				h1=$(ui_screen rss | head -1)
				if [ "$u_first_s" = - ] && [ -n "${h1// /}" ]; then
					u_first_s=$(awk -v a="$w0" -v b="$(ui_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
				fi
				case $h1 in
				*UP*PENDING* | "") ;;
				*UP*) break ;;
				esac
				kill -0 "$u_pid" 2>/dev/null || break
				sleep 0.1
			done
			u_round_s=$(awk -v a="$w0" -v b="$(ui_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
			u_rss_head=$(echo "$h1" | sed 's/^ *httpsmon *//; s/  *[0-9:]*$//; s/  */ /g')
			sleep 1
			u_m_round=$(ui_mem "$u_pid")
			# h: history of the selected (top) endpoint; time until tmux shows it
			t0=$(ui_ms) polls=0
			ui_tmux send-keys -t rss h
			while [ $(($(ui_ms) - t0)) -lt 10000 ]; do
				polls=$((polls + 1))
				if ui_screen rss | grep -q "^history of .*uptime"; then
					t1=$(ui_ms)
					u_h_ms=$((t1 - t0))
					u_poll_ms=$(awk -v t="$u_h_ms" -v p="$polls" 'BEGIN { printf "%.1f", t / p }')
					break
				fi
			done
			sleep 2
			u_m_hist=$(ui_mem "$u_pid")
			ui_tmux send-keys -t rss 4
			for _ in $(seq 100); do ui_screen rss | grep -q '\[30d\]' && break; sleep 0.1; done
			sleep 2
			u_m_30d=$(ui_mem "$u_pid")
			ui_stop rss "$u_pid"
		else
			echo "bench: could not start the dashboard in tmux" >&2
		fi
	fi

	# ---- report ----
	ui_max() { printf '%s\n' "$@" | awk '$1 != "-" { if (!n++ || $1 + 0 > m) m = $1 + 0 } END { print n ? m : "-" }'; }
	ui_mib() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.1f", k / 1024 }'; }
	{
		echo
		echo "## dashboard benchmark"
		echo
		echo "- terminal: ${u_cols}x${u_lines}, xterm-256color on a pseudo-terminal (ui_bench; a child" \
		     "drains it) or tmux $(tmux -V 2>/dev/null | awk '{ print $2 }') (the real binary);" \
		     "UTF-8, colours; ncursesw $(pkg-config --modversion ncursesw)"
		echo "- list: $(ui_kv endpoints) endpoints fed $(ui_kv feed_results) synthetic results through" \
		     "monitor_result() ($(ui_kv live_up) UP, $(ui_kv live_warn) WARN, $(ui_kv live_failing) FAILING," \
		     "$(ui_kv live_down) DOWN); per case $(ui_kv frames) frames of erase + view_list_draw +" \
		     "refresh (doupdate) into the ${u_cols}x${u_lines} terminal; the list pane only (header and" \
		     "footer, two lines drawn by static functions of view.c, are not timed)"
		echo
		echo "| list frame, $(ui_kv endpoints) endpoints | median ms | p99 ms | max ms | doupdate median ms | doupdate p99 ms | bytes to the terminal |"
		echo "|---|--:|--:|--:|--:|--:|--:|"
		for c in still:"nothing changed but the clock" page:"selection jumped a page: every row changed" \
		         repaint:"full repaint, clearok (first frame, Ctrl-L)" \
		         results:"17 new results: model_refresh + arrange + sync, then the frame"; do
			k=redraw_${c%%:*}
			echo "| ${c#*:} | $(ui_kv "${k}_median_ms") | $(ui_kv "${k}_p99_ms") | $(ui_kv "${k}_max_ms") |" \
			     "$(ui_kv "${k}_update_median_ms") | $(ui_kv "${k}_update_p99_ms") | $(ui_kv "${k}_bytes_per_frame") |"
		done
		if [ "$(ui_kv hist_runs)" != - ]; then
			echo
			echo "- history pane: $u_db (read-only; $(ui_kv hist_viewer_rows) endpoints, a year of" \
			     "history), the clock at its end (newest probe + 1 min) so the windows cover its newest" \
			     "(raw) data: the 30 d uptime counts $(ui_kv hist_uptime30_probes) probes, the outage list" \
			     "$(ui_kv hist_outages) outages, the chart $(ui_kv hist_1h_points) columns. Timed: what" \
			     "the \`h\` key makes the loop do: view_history_query (the pane's store queries) + erase +" \
			     "view_history_draw + doupdate; header and footer not included. $(ui_kv hist_runs)" \
			     "random endpoints per range (a different one for every measurement); \"first\" is each" \
			     "endpoint's first open in the process, \"again\" the same endpoints once more. The file" \
			     "was ${u_res0}% in the OS page cache before and ${u_res1}% after (fincore): a page not" \
			     "cached is read from disk"
			echo
			echo "| \`h\`, pane left at range | first: query median ms | first: draw median ms | first: open median ms | first: open worst ms | again: open median ms | again: open worst ms |"
			echo "|---|--:|--:|--:|--:|--:|--:|"
			for r in 1h 24h 7d 30d; do
				echo "| $r$([ $r = 1h ] && echo " (default)") | $(ui_kv hist_first_${r}_query_median_ms) |" \
				     "$(ui_kv hist_first_${r}_draw_median_ms) | $(ui_kv hist_first_${r}_open_median_ms) |" \
				     "$(ui_kv hist_first_${r}_open_max_ms) | $(ui_kv hist_again_${r}_open_median_ms) |" \
				     "$(ui_kv hist_again_${r}_open_max_ms) |"
			done
			echo
			echo "- starting \`httpsmon --view\` on that file: what the first frame shows (model_init_viewer +" \
			     "model_refresh: every name, and the rows of the first slice):" \
			     "$(ui_kv hist_viewer_first_slice_rows) rows in $(ui_kv hist_viewer_first_slice_ms) ms; every" \
			     "row loaded (one slice per pass, keys answered between slices; worst slice" \
			     "$(ui_kv hist_viewer_slice_worst_ms) ms) after $(ui_kv hist_viewer_start_ms) ms"
		fi
		echo
		if [ "$u_idle_s" != - ]; then
			echo "- idle CPU: \`httpsmon -c CFG --db DB\` (live dashboard) in tmux, $u_in endpoints at" \
			     "$u_iiv on the listener ($u_in probes per $u_iiv included), ${u_iwin} s after" \
			     "${u_iwarm} s of start-up: $u_idle_s CPU s = **$u_idle_pct% of one core**; the tmux" \
			     "server (the terminal) used $u_idle_tmux_s CPU s meanwhile; screen at the end:" \
			     "$u_idle_head$u_copy_note"
		else
			echo "- idle CPU: no figure (needs tmux and a dashboard that starts)"
		fi
		if [ "${u_m_round% *}" != - ]; then
			echo "- memory: the live dashboard on $u_rss_n endpoints (the history file's names, each" \
			     "pinned to the listener) at $u_riv, --db a copy of the year of history ($u_copy," \
			     "reused across runs); first frame after $u_first_s s, first round done after" \
			     "$u_round_s s ($u_rss_head)"
			echo
			echo "| moment | VmHWM MB | VmRSS MB |"
			echo "|---|--:|--:|"
			echo "| after the first round | $(ui_mib "${u_m_round% *}") | $(ui_mib "${u_m_round#* }") |"
			echo "| after \`h\` (history pane, 1 h range) | $(ui_mib "${u_m_hist% *}") | $(ui_mib "${u_m_hist#* }") |"
			echo "| after \`4\` (30 d range) | $(ui_mib "${u_m_30d% *}") | $(ui_mib "${u_m_30d#* }") |"
			echo
			echo "- \`h\` to the pane on tmux's screen (real binary, real clock: the windows end before" \
			     "the file's raw data, so they read hourly rollups): $u_h_ms ms, an upper bound (tmux" \
			     "and capture-pane polling every ~$u_poll_ms ms included)"
		else
			echo "- memory: no figure (needs tmux and the store section's year-of-history file)"
		fi

		# targets
		u_full_p99=$(ui_max "$(ui_kv redraw_repaint_p99_ms)" "$(ui_kv redraw_results_p99_ms)" \
			"$(ui_kv redraw_page_p99_ms)")
		u_full_med=$(ui_max "$(ui_kv redraw_repaint_median_ms)" "$(ui_kv redraw_results_median_ms)" \
			"$(ui_kv redraw_page_median_ms)")
		u_open_first_max=$(ui_max "$(ui_kv hist_first_1h_open_max_ms)" "$(ui_kv hist_first_24h_open_max_ms)" \
			"$(ui_kv hist_first_7d_open_max_ms)" "$(ui_kv hist_first_30d_open_max_ms)")
		u_open_first_med=$(ui_max "$(ui_kv hist_first_1h_open_median_ms)" "$(ui_kv hist_first_24h_open_median_ms)" \
			"$(ui_kv hist_first_7d_open_median_ms)" "$(ui_kv hist_first_30d_open_median_ms)")
		u_open_again_max=$(ui_max "$(ui_kv hist_again_1h_open_max_ms)" "$(ui_kv hist_again_24h_open_max_ms)" \
			"$(ui_kv hist_again_7d_open_max_ms)" "$(ui_kv hist_again_30d_open_max_ms)")
		u_hwm=$(ui_mib "$(ui_max "${u_m_round% *}" "${u_m_hist% *}" "${u_m_30d% *}")")
		echo
		echo "### dashboard targets"
		echo
		echo "- full redraw of $(ui_kv endpoints) endpoints < 5 ms (the worst of the page, repaint and" \
		     "results cases): median $u_full_med ms: $(verdict "$u_full_med" '<' 5); p99 $u_full_p99 ms:" \
		     "$(verdict "$u_full_p99" '<' 5)"
		echo "- idle CPU with $u_in endpoints at $u_iiv < 1% of one core: $u_idle_pct%:" \
		     "$(verdict "$u_idle_pct" '<' 1)"
		echo "- resident memory with $u_rss_n endpoints and a year of history < 40 MB (MB here = MiB:" \
		     "VmHWM kB / 1024, as peak RSS in the first section): VmHWM $u_hwm MB:" \
		     "$(verdict "$u_hwm" '<' 40)"
		echo "- opening the history pane with a year of history < 50 ms (query + draw + doupdate, every" \
		     "range): worst first open $u_open_first_max ms: $(verdict "$u_open_first_max" '<' 50)" \
		     "(the slowest range's median $u_open_first_med ms: $(verdict "$u_open_first_med" '<' 50));" \
		     "worst open with the file's pages cached $u_open_again_max ms:" \
		     "$(verdict "$u_open_again_max" '<' 50)"
	} > "$ui_work/results.md"
	cat "$ui_work/results.md"
	cat "$ui_work/results.md" >> "$out/results.md"
	echo "bench: dashboard figures appended to $out/results.md (raw: $ui_work/ui_bench.out)" >&2
	ui_cleanup
fi
