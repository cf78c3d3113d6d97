#!/usr/bin/env bash
# Installed like a real tool (issue 13): --version names the libraries the
# binary runs with; the config search order (-c, ./config, XDG, /etc) and
# what it says when there is none; --view and history falling back to the
# system collector's database; make install / uninstall into a DESTDIR
# with the documented variables. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
top=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run DIR CMD...: CMD in DIR with a HOME of its own and no XDG variables; output in $out, status in $rc
run() {
	local dir=$1; shift
	out=$(cd "$dir" && env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u STATE_DIRECTORY HOME="$work/home" "$@" 2>&1)
	rc=$?
}
check() { # check DESC COND...: ok when COND succeeds, else the output
	local desc=$1; shift
	if "$@"; then ok "$desc"; else notok "$desc" "exit $rc" "$out"; fi
}
has() { grep -qF -- "$1" <<<"$out"; }

# --- --version --------------------------------------------------------------
run . "$BIN" --version
for lib in "httpsmon 0" "libcurl " "(TLS: OpenSSL/" "OpenSSL 3" "SQLite 3" "ncurses 6" "PCRE2 10" "(JIT: "; do
	check "--version names $lib" has "$lib"
done

# --- the config search order ------------------------------------------------
mkdir -p "$work/home" "$work/empty" "$work/proj/config" "$work/xdg/httpsmon" "$work/home/.config/httpsmon"
cfg() { printf '[%s]\nurl = https://127.0.0.1:1/\n' "$1" >"$2"; }
run "$work/empty" "$BIN" check-config
check "no config: exit 3" test "$rc" -eq 3
check "no config: names every place it looked, in order" \
	has "looked for ./config/endpoints.ini, $work/home/.config/httpsmon/endpoints.ini and /etc/httpsmon/endpoints.ini"
cfg home "$work/home/.config/httpsmon/endpoints.ini"
run "$work/empty" "$BIN" check-config
check "~/.config/httpsmon/endpoints.ini when XDG_CONFIG_HOME is unset" \
	has "$work/home/.config/httpsmon/endpoints.ini: OK, 1 endpoints"
cfg xdg "$work/xdg/httpsmon/endpoints.ini"
run "$work/empty" env XDG_CONFIG_HOME="$work/xdg" "$BIN" check-config
check "\$XDG_CONFIG_HOME/httpsmon/endpoints.ini before ~/.config" has "$work/xdg/httpsmon/endpoints.ini: OK"
cfg proj "$work/proj/config/endpoints.ini"
run "$work/proj" env XDG_CONFIG_HOME="$work/xdg" "$BIN" check-config
check "./config/endpoints.ini before XDG" has "config/endpoints.ini: OK"
run "$work/proj" env XDG_CONFIG_HOME="$work/xdg" "$BIN" check-config -c "$work/home/.config/httpsmon/endpoints.ini"
check "-c before all of them" has "$work/home/.config/httpsmon/endpoints.ini: OK"
# /etc/httpsmon last: in a mount namespace of our own, with our own /etc
if [ ! -e /etc/httpsmon/endpoints.ini ] && unshare -m true 2>/dev/null; then
	mkdir -p "$work/etc/httpsmon"
	cfg etc "$work/etc/httpsmon/endpoints.ini"
	rm -f "$work/home/.config/httpsmon/endpoints.ini"
	run "$work/empty" unshare -m sh -c 'mount --bind "$1" /etc && exec "$2" check-config' sh "$work/etc" "$BIN"
	check "/etc/httpsmon/endpoints.ini when no other exists" has "/etc/httpsmon/endpoints.ini: OK, 1 endpoints"
else
	skip "/etc/httpsmon/endpoints.ini when no other exists" "needs root and no real /etc/httpsmon/endpoints.ini"
fi

# --- readers fall back to the system collector's database -------------------
run "$work/empty" "$BIN" --view
check "--view without any database names both places" \
	has "no history database at $work/home/.local/state/httpsmon/history.db nor /var/lib/httpsmon/history.db"

# the system service's database as systemd lays it out (DynamicUser=yes: /var/lib/httpsmon
# a link into /var/lib/private, 0700): root finds it, anyone else is told to use sudo
if [ "$(id -u)" -eq 0 ] && [ ! -e /var/lib/httpsmon ] && unshare -m true 2>/dev/null && id nobody >/dev/null 2>&1; then
	mkdir -p "$work/varlib/private/httpsmon" "$work/nobody"
	chmod 0700 "$work/varlib/private"
	ln -s private/httpsmon "$work/varlib/httpsmon"
	# a real database, written by a collector for a moment
	printf '[x]\nurl = https://127.0.0.1:1/\nfail_after = 1\n' >"$work/x.ini"
	db=$work/varlib/private/httpsmon/history.db
	HOME=$work/nobody "$BIN" --headless -c "$work/x.ini" --db "$db" 2>"$work/hm.log" &
	hm=$!
	wait_for 30 grep -q " x state:" "$work/hm.log"   # its first result, written at the stop
	kill -TERM "$hm"; wait "$hm"
	sys=(unshare -m sh -c 'mount --bind "$1" /var/lib && shift && exec "$@"' sh "$work/varlib")
	run "$work/empty" "${sys[@]}" "$BIN" history
	check "root: history falls back to /var/lib/httpsmon/history.db" test "$rc" -eq 0
	chmod 0755 "$work/nobody"
	run "$work/empty" "${sys[@]}" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME="$work/nobody" "$BIN" --view
	check "another user: --view says the service's history is root's: sudo" \
		has "the system service's history is readable by root only: sudo httpsmon --view"
else
	skip "the system service's database from --view" "needs root, unshare and no real /var/lib/httpsmon"
fi

# --- make install / uninstall ------------------------------------------------
dest=$work/root
mk() { make -s --no-print-directory -C "$top" BUILD="$BUILD" BIN="$BIN" "$@" >"$work/make.log" 2>&1; }
if mk install DESTDIR="$dest" PREFIX=/usr; then ok "make install DESTDIR PREFIX=/usr"; else notok "make install" "$(cat "$work/make.log")"; fi
for f in usr/bin/httpsmon etc/httpsmon/endpoints.ini.example usr/share/man/man1/httpsmon.1 \
	usr/share/man/man5/httpsmon.ini.5 usr/lib/systemd/system/httpsmon.service usr/lib/systemd/user/httpsmon.service; do
	check "installed: /$f" test -f "$dest/$f"
done
run . "$dest/usr/bin/httpsmon" check-config "$dest/etc/httpsmon/endpoints.ini.example"
check "the installed example config validates" test "$rc" -eq 0
mk install DESTDIR="$dest" BINDIR=/opt/hm/bin SYSCONFDIR=/etc
check "BINDIR moves the binary" test -x "$dest/opt/hm/bin/httpsmon"
out=$(grep ExecStart "$dest/usr/local/lib/systemd/system/httpsmon.service")
check "... and the units run it from there" has "ExecStart=/opt/hm/bin/httpsmon --headless -c /etc/httpsmon/endpoints.ini"
cp "$dest/etc/httpsmon/endpoints.ini.example" "$dest/etc/httpsmon/endpoints.ini"
mk uninstall DESTDIR="$dest" PREFIX=/usr
mk uninstall DESTDIR="$dest" BINDIR=/opt/hm/bin SYSCONFDIR=/etc
left=$(cd "$dest" && find . -type f | sort)
out=$left
check "uninstall removes what install put, keeps the operator's endpoints.ini" \
	test "$left" = "./etc/httpsmon/endpoints.ini"

echo "# $n checks"
