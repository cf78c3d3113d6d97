#!/usr/bin/env bash
# Runs every test binary (cmocka) and every shell test (tests/*.sh), then
# prints one closing line: "N passed, N failed".
#
# Tests run TEST_JOBS at a time (default 4): most of the suite's time is
# spent waiting on servers, timers and tmux, not on the CPU, and every test
# already keeps to its own ports, temporary directory and tmux socket. Each
# test's output is kept apart and printed in a fixed order once all are done,
# so the log reads the same however the jobs interleaved. TEST_JOBS=1 runs
# them one after another.
set -u
BUILD=${BUILD:-build}
JOBS=${TEST_JOBS:-4}
export CMOCKA_MESSAGE_OUTPUT=stdout

out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

# Under make asan every sanitized process a test starts writes its reports
# to $out_dir/INDEX.san.PID: a collector, a viewer or labsrv in the
# background reports a leak or an error only on its own stderr, which no
# assertion reads (a leak in labsrv went unnoticed that way), so any such
# file fails its test below.
san_opts() {
  [ "${SANITIZED:-}" = 1 ] || return 0
  export ASAN_OPTIONS="log_path=$out_dir/$1.san${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="log_path=$out_dir/$1.san:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
}

tests=()
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  case "$t" in *.d|*.o) continue ;; esac
  tests+=("$t")
done
for t in tests/test_*.sh; do
  [ -f "$t" ] && tests+=("$t")
done

# run_one INDEX TEST: the test's output in INDEX.out, its status and seconds
# in INDEX.rc.
run_one() {
  local i=$1 t=$2 start rc
  start=$(date +%s)
  san_opts "$i"
  case "$t" in
    *.sh) BUILD="$BUILD" bash "$t" >"$out_dir/$i.out" 2>&1 ;;
    *) "$t" >"$out_dir/$i.out" 2>&1 ;;
  esac
  rc=$?
  echo "$rc $(( $(date +%s) - start ))" >"$out_dir/$i.rc"
}

# The shell tests are the long ones: start them first so the short cmocka
# binaries fill the gaps instead of waiting at the end.
order=()
for i in "${!tests[@]}"; do case "${tests[$i]}" in *.sh) order+=("$i") ;; esac; done
for i in "${!tests[@]}"; do case "${tests[$i]}" in *.sh) ;; *) order+=("$i") ;; esac; done

running=0
for i in "${order[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_one "$i" "${tests[$i]}" &
  running=$((running + 1))
done
wait

passed=0 failed=0
failures=()
for i in "${!tests[@]}"; do
  t=${tests[$i]}
  out=$(cat "$out_dir/$i.out")
  read -r rc secs <"$out_dir/$i.rc"
  case "$t" in
    *.sh)
      # each result, and under a failure the diagnostic lines ('#') that follow it
      printf '%s\n' "$out" | awk '/^(ok|not ok) /{print; d=/^not ok/; next} d && /^#/{print; next} {d=0}'
      p=$(printf '%s\n' "$out" | grep -c '^ok ')
      f=$(printf '%s\n' "$out" | grep -c '^not ok ')
      ;;
    *)
      printf '%s\n' "$out" | grep -E '^\[ +(RUN|OK|FAILED|PASSED|SKIPPED|ERROR) +\]|^\[  ERROR   \]|Test failed|error:' | grep -v '^\[ RUN' || true
      p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
      f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
      ;;
  esac
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    # crashed or failed in setup without counting it
    printf '%s\n' "$out" | tail -20
    f=1
  fi
  for san in "$out_dir/$i".san.*; do
    [ -e "$san" ] || continue
    echo "not ok - a sanitizer report from pid ${san##*.} during $(basename "$t"):"
    sed 's/^/#   /' "$san" | head -40
    f=$((f + 1))
  done
  echo "# $(basename "$t"): $p passed, $f failed in ${secs}s"
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && failures+=("$(basename "$t")")
done

[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
