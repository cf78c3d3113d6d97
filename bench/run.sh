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

for f in "$HTTPSMON" "$LABSRV" tests/lab/gen-certs.sh; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done
command -v jq >/dev/null || die "jq is needed to read httpsmon's JSON"

mkdir -p "$bin" "$out"
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

"$LABSRV" -p $$ "$work/spec" "$work/ports" 2>"$work/labsrv.log" &
srv_pid=$!
for _ in $(seq 500); do
	[ -s "$work/ports" ] && break
	kill -0 "$srv_pid" 2>/dev/null || die "labsrv exited: $(cat "$work/labsrv.log")"
	sleep 0.02
done
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
# src object but main.o), then runs it on bench/out: probes inserted per
# second through store_add_probe + store_flush, bytes per raw probe row
# (dbstat), a year of synthetic history for 1,000 endpoints at 60 s (30 days
# raw, hourly rollups for the rest; generated once, several GB, cached as
# bench/out/store-year-*.db and reused), and the history pane's queries on
# it. It prints its own markdown and appends it to bench/out/results.md.
# Environment: STORE_BENCH_ARGS (e.g. "-e 100" for a smaller history),
# BENCH_STORE=0 skips the section.
# ===========================================================================
if [ "${BENCH_STORE:-1}" != 0 ]; then
	store_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) -o "$bin/store_bench" \
		bench/store_bench.c $store_objs \
		$(pkg-config --libs libcurl openssl ncursesw sqlite3 libcjson inih) -lm ||
		die "could not build bench/store_bench.c"
	# shellcheck disable=SC2086  # STORE_BENCH_ARGS is a word list
	"$bin/store_bench" ${STORE_BENCH_ARGS:-} "$out" || die "store_bench failed"
	echo "bench: store figures appended to $out/results.md" >&2
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
	sched_objs=$(find "$BUILD/src" -name '*.o' ! -path "$BUILD/src/main.o" | sort)
	# shellcheck disable=SC2086,SC2046  # WARN, object and pkg-config lists are word lists
	$CC -std=c11 -O2 -D_GNU_SOURCE $WARN -Wno-format-nonliteral -Iinclude \
		$(pkg-config --cflags libcurl openssl sqlite3 libcjson inih) -o "$bin/sched_bench" \
		bench/sched_bench.c $sched_objs \
		$(pkg-config --libs libcurl openssl ncursesw sqlite3 libcjson inih) -lm ||
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
