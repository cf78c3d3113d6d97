#!/usr/bin/env bash
# Runs every test binary (cmocka) and every shell test (tests/*.sh), then
# prints one closing line: "N passed, N failed".
set -u
BUILD=${BUILD:-build}
passed=0 failed=0
failures=()
export CMOCKA_MESSAGE_OUTPUT=stdout

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  case "$t" in *.d|*.o) continue ;; esac
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^\[ +(RUN|OK|FAILED|PASSED|SKIPPED|ERROR) +\]|^\[  ERROR   \]|Test failed|error:' | grep -v '^\[ RUN' || true
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    # crashed or failed in setup without cmocka counting it
    printf '%s\n' "$out" | tail -20
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$(basename "$t")")
done

for t in tests/test_*.sh; do
  [ -f "$t" ] || continue
  out=$(BUILD="$BUILD" bash "$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^(ok|not ok) ' || true
  p=$(printf '%s\n' "$out" | grep -c '^ok ')
  f=$(printf '%s\n' "$out" | grep -c '^not ok ')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    printf '%s\n' "$out" | tail -20
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$(basename "$t")")
done

[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
