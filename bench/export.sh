#!/usr/bin/env bash
# bench/export.sh: `httpsmon export` on the store section's year of history
# (bench/out/store-year-*.db: 1,000 endpoints at 60 s, 30 days raw, made
# by bench/store_bench.c), each run under bench/rusage (wall time, CPU,
# peak RSS) with its output counted by wc. Cases:
#   all raw probes, CSV        every probe of every endpoint (43.2 M rows)
#   7 days, JSON lines         every endpoint's last 7 days (--since)
#   one endpoint, 30 days, CSV --endpoint host-0500
#   outages / events, CSV      every row of each table
# Rows/s = rows written / wall time, and rows per CPU second (user + sys:
# what the figure is on an idle machine, where wall time is CPU time plus
# reads; on a loaded one wall time mostly says how busy it was). The row
# count is the export's own (lines minus the header), counted by wc on the
# other end of a pipe (rusage measures the export process alone). Peak RSS
# shows the stream holds one row: it does not grow with the row count.
#
# Run by `make bench` after the store section (which makes the file), or
# alone: BUILD=build bench/export.sh. Environment: EXPORT_DB (default: the
# newest bench/out/store-year-*.db), HTTPSMON (default bin/httpsmon),
# EXPORT_ALL=0 skips the 43 M-row case. Output: a markdown section on
# stdout, appended to bench/out/results.md. Figures are reported, never
# asserted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
BUILD=${BUILD:-build}
HTTPSMON=${HTTPSMON:-bin/httpsmon}
out=bench/out
bin=$BUILD/bench
work=$BUILD/bench/export
CC=${CC:-cc}

die() { echo "bench/export: $*" >&2; exit 1; }
[ -x "$HTTPSMON" ] || die "$HTTPSMON missing: run make"
# shellcheck disable=SC2012  # names made by store_bench: no odd characters
db=${EXPORT_DB:-$(ls -t "$out"/store-year-*.db 2>/dev/null | head -1)}
[ -n "$db" ] && [ -f "$db" ] || die "no year-of-history file: run the store section of make bench first"
mkdir -p "$bin" "$work"
[ -x "$bin/rusage" ] || $CC -std=c11 -O2 -Wall -Wextra -Werror -o "$bin/rusage" bench/rusage.c ||
	die "could not build bench/rusage.c"

# the synthetic history ends at 2027-01-01T00:00:00Z (store_bench's NOW_MS)
cases=(
	"all raw probes, CSV|--what probes"
	"7 days of every endpoint, JSON lines|--since 2026-12-25 --format json"
	"one endpoint, 30 days raw, CSV|--endpoint host-0500"
	"every outage, CSV|--what outages"
	"every event, CSV|--what events"
)
[ "${EXPORT_ALL:-1}" = 0 ] && cases=("${cases[@]:1}")

{
	echo "### Export (\`bench/export.sh\`: \`httpsmon export\` on the year of history, counted by wc)"
	echo
	echo "- file: $db ($(du -h "$db" | cut -f1)), page cache state not controlled (run after the store section)"
	echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| case | rows | wall s | rows/s | CPU s | rows per CPU s | peak RSS MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for c in "${cases[@]}"; do
		what=${c%%|*}
		read -r -a args <<<"${c#*|}"
		rows=$("$bin/rusage" "$work/ru" "$HTTPSMON" export --db "$db" "${args[@]}" | wc -l)
		read -r wall user sys rss rc <"$work/ru"
		[ "$rc" = 0 ] || die "export failed: $what (a file of an older schema: run the store section, which migrates it)"
		case "${args[*]}" in *json*) ;; *) rows=$((rows - 1)) ;; esac
		awk -v w="$what" -v r="$rows" -v t="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
			'BEGIN { c = u + s; printf "| %s | %d | %.2f | %.0f | %.2f | %.0f | %.1f |\n", w, r, t, (t > 0 ? r / t : 0), c,
			       (c > 0 ? r / c : 0), m / 1024 }'
	done
} >"$work/results.md"
cat "$work/results.md"
cat "$work/results.md" >>"$out/results.md"
