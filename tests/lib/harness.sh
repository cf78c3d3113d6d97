# Shared by the black-box shell tests (sourced, not run): TAP-ish result
# lines as scripts/run-tests.sh reads them, polling instead of sleeping, the
# local lab, and a TLS server of the test's own that it can stop and start
# again on the same port.
#
# The sourcing script sets $work (a temporary directory it removes) before
# calling lab_up, and stops the lab and $flaky_pid in its own cleanup.

# Every test runs from the top of the tree with BUILD set and BIN an
# absolute path (the tests cd into temporary directories).
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
BUILD=${BUILD:-build}
BIN=${HTTPSMON_BIN:-bin/httpsmon}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
export BUILD

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# notok DESC [DETAIL...]: the details go out as '#' comment lines
notok() {
	n=$((n + 1)); echo "not ok $n - $1"; shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@" | head -40
}
skip() { n=$((n + 1)); echo "ok $n - $1 # skip $2"; }

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds
wait_for() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.1; done
	return 1
}

# valgrind_clean DESC CMD...: one result line: CMD under valgrind has no definite or
# indirect leak and no invalid read or write (skipped in a sanitizer build or without valgrind)
valgrind_clean() {
	local desc=$1 out rc
	shift
	if [ "${SANITIZED:-}" = 1 ]; then
		skip "$desc" "sanitizer build (valgrind runs on the plain build)"
	elif ! command -v valgrind >/dev/null 2>&1; then
		skip "$desc" "valgrind not installed"
	else
		out=$(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@" 2>&1); rc=$?
		if [ "$rc" -ne 99 ] && ! grep -q "definitely lost\|Invalid read\|Invalid write" <<<"$out"; then
			ok "$desc"
		else
			notok "$desc" "$out"
		fi
	fi
}

# lab_up: starts tests/lab in $work/lab; defines lab, ca, labsrv and port NAME
lab_up() {
	lab=$work/lab
	ca=$lab/certs/root.pem
	labsrv=$BUILD/tests/lab/labsrv
	LAB_OWNER=$$ LAB_CACHE="$BUILD/tests/lab/certs-cache" tests/lab/lab.sh start "$lab"
}
port() { awk -v n="$1" '$1 == n { print $2 }' "$lab/ports"; }

# start_flaky: a server of our own ("flaky", the lab's good certificate).
# The first start picks a free port ($flaky_port); restarts reuse it.
flaky_port=0
start_flaky() {
	printf 'flaky tls %s cert=%s/certs/good-chain.pem key=%s/certs/good.key body=ok\n' \
		"$flaky_port" "$lab" "$lab" >"$work/flaky.spec"
	rm -f "$work/flaky.ports"
	"$labsrv" -p $$ "$work/flaky.spec" "$work/flaky.ports" 2>>"$work/flaky.log" &
	flaky_pid=$!
	wait_for 5 test -s "$work/flaky.ports" || return 1
	flaky_port=$(awk '$1 == "flaky" { print $2 }' "$work/flaky.ports")
}

# tmux_setup SOCK_PREFIX WHAT: for a test of the real binary in tmux. Skips
# the whole script when tmux is missing; otherwise sets $work (a temporary
# directory), $sock (a tmux server of this script's own), T (tmux on it)
# and a cleanup on exit that stops that server and removes $work and
# $sock_path when set.
tmux_setup() {
	if ! command -v tmux >/dev/null 2>&1; then
		skip "$2" "tmux not installed (scripts/deps.sh installs it)"
		exit 0
	fi
	work=$(mktemp -d)
	sock=$1-$$
	T() { tmux -L "$sock" "$@"; }
	cleanup() {
		T kill-server 2>/dev/null
		[ -n "${sock_path:-}" ] && rm -f "$sock_path"
		rm -rf "$work"
	}
	trap cleanup EXIT
}
