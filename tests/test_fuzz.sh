#!/usr/bin/env bash
# Regression run of the libFuzzer targets (make fuzz): each target executes
# every input of its corpus under tests/fuzz/<target>/ once, the seeds and
# every input fuzzing ever found a bug with. A crash, a leak or a sanitizer
# report fails the line. TAP-ish output.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
BUILD=${BUILD:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. tests/lib/harness.sh

for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz_}
	bin=$FUZZ_BUILD/$name
	corpus=tests/fuzz/$target
	if [ ! -x "$bin" ]; then
		notok "$name: corpus runs clean" "$bin not built (make fuzz)"
		continue
	fi
	count=$(find "$corpus" -type f | wc -l)
	if [ "$count" -eq 0 ]; then
		notok "$name: corpus runs clean" "no inputs in $corpus"
		continue
	fi
	# -runs=0: execute the corpus once, no mutation; artifacts stay out of the tree
	out=$("$bin" -runs=0 -artifact_prefix="$work/" "$corpus" 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && grep -q "INITED\|Done 0 runs\|Done\b" <<<"$out"; then
		ok "$name: $count corpus inputs run clean"
	else
		notok "$name: corpus runs clean" "exit $rc" "$(tail -30 <<<"$out")"
	fi
done
