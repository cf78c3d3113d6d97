# Shared by the bench scripts (sourced, not run). The sourcing script defines
# die(), $LABSRV and $work.

# labsrv_start: starts labsrv on $work/spec, sets srv_pid, and returns once it
# has written $work/ports (dies if it exits first or takes over 10 s).
labsrv_start() {
	"$LABSRV" -p $$ "$work/spec" "$work/ports" 2>"$work/labsrv.log" &
	srv_pid=$!
	for _ in $(seq 500); do
		[ -s "$work/ports" ] && return 0
		kill -0 "$srv_pid" 2>/dev/null || die "labsrv exited: $(cat "$work/labsrv.log")"
		sleep 0.02
	done
	die "labsrv wrote no ports in 10 s"
}

# bench_link_libs: what the objects under $BUILD/src link against: the
# Makefile's PKGS, read from it so a new dependency cannot be forgotten here
# (libmicrohttpd once was), and libsystemd when it was found.
bench_link_libs() {
	local pkgs
	pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)
	[ -n "$pkgs" ] || die "no PKGS line in the Makefile"
	# shellcheck disable=SC2086  # a list of package names
	pkg-config --libs $pkgs
	if pkg-config --exists libsystemd 2>/dev/null; then pkg-config --libs libsystemd; fi
}
