#!/usr/bin/env bash
# The Debian package (make deb, scripts/mkdeb.sh): built from a staged
# install; Depends from dpkg-shlibdeps names the libraries the binary links;
# the example config is a conffile under /etc/httpsmon; the unit is in
# /lib/systemd/system and not enabled (no symlink, no maintainer script);
# lintian reports no error; unpacked into a scratch root with dpkg -x, the
# binary runs --version and check-config on the packaged example, and its
# completion file loads. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
top=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=$work/httpsmon.deb
for tool in dpkg-deb dpkg-shlibdeps lintian; do
	command -v "$tool" >/dev/null || { notok "$tool is installed (scripts/deps.sh installs it)"; exit 1; }
done

if make -s --no-print-directory -C "$top" BUILD="$BUILD" BIN="$BIN" deb DEB="$deb" >"$work/make.log" 2>&1; then
	ok "make deb"
else
	notok "make deb" "$(tail -20 "$work/make.log")"
	exit 1
fi
field() { dpkg-deb -f "$deb" "$1"; }
out=$(field Package)_$(field Version)_$(field Architecture)
if [ "$out" = "httpsmon_$(sed -n 's/^VERSION *:= *//p' Makefile)_$(dpkg --print-architecture)" ]; then
	ok "package, version, architecture: $out"
else
	notok "package, version, architecture" "$out"
fi
depends=$(field Depends)
for lib in libc6 libcurl4 libssl3 libsqlite3-0 libncursesw6 libpcre2-8-0 libcjson1 libinih1; do
	if grep -q "\\b$lib\\b" <<<"$depends"; then ok "Depends: $lib"; else notok "Depends: $lib" "$depends"; fi
done
if "$BIN" --version | grep -q "systemd notify: yes"; then
	if grep -q "libsystemd0" <<<"$depends"; then ok "Depends: libsystemd0"; else notok "Depends: libsystemd0" "$depends"; fi
fi
out=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
if [ "$(dpkg-deb -I "$deb" conffiles 2>/dev/null)" = "/etc/httpsmon/endpoints.ini.example" ]; then
	ok "conffiles: /etc/httpsmon/endpoints.ini.example"
else
	notok "conffiles" "$(dpkg-deb -I "$deb" conffiles 2>&1)"
fi
if ! grep -qE 'postinst|prerm|postrm|preinst' <<<"$out"; then ok "no maintainer scripts: nothing enabled or started"; else
	notok "no maintainer scripts" "$out"; fi
contents=$(dpkg-deb -c "$deb" | awk '{print $1, $2, $NF}')
for f in ./usr/bin/httpsmon ./lib/systemd/system/httpsmon.service ./usr/lib/systemd/user/httpsmon.service \
	./usr/share/man/man1/httpsmon.1.gz ./usr/share/man/man5/httpsmon.ini.5.gz \
	./usr/share/bash-completion/completions/httpsmon ./usr/share/doc/httpsmon/copyright \
	./usr/share/doc/httpsmon/changelog.gz ./etc/httpsmon/endpoints.ini.example; do
	if grep -q " root/root $f\$" <<<"$contents"; then ok "contains $f (root:root)"; else notok "contains $f" "$contents"; fi
done
if ! grep -q '/etc/systemd' <<<"$contents"; then ok "the unit is not enabled (nothing in /etc/systemd)"; else
	notok "the unit is not enabled" "$contents"; fi

# lintian: errors fail, the rest is shown
lintian --no-tag-display-limit "$deb" >"$work/lintian.log" 2>&1
if ! grep -q '^E: ' "$work/lintian.log"; then ok "lintian: no errors"; else notok "lintian: no errors" "$(cat "$work/lintian.log")"; fi
grep -E '^[WI]: ' "$work/lintian.log" | sed 's/^/# lintian: /'

# installed into a scratch root
root=$work/root
dpkg -x "$deb" "$root"
if out=$("$root/usr/bin/httpsmon" --version 2>&1) && grep -q '^httpsmon ' <<<"$out" && grep -q 'SQLite' <<<"$out"; then
	ok "dpkg -x: httpsmon --version runs"
else
	notok "dpkg -x: httpsmon --version" "$out"
fi
if out=$(cd "$work" && "$root/usr/bin/httpsmon" check-config "$root/etc/httpsmon/endpoints.ini.example" 2>&1); then
	ok "dpkg -x: check-config on the packaged example: $out"
else
	notok "dpkg -x: check-config on the packaged example" "$out"
fi
if out=$(grep -x "ExecStart=/usr/bin/httpsmon --headless -c /etc/httpsmon/endpoints.ini" \
	"$root/lib/systemd/system/httpsmon.service"); then ok "the unit runs /usr/bin/httpsmon"; else
	notok "the unit runs /usr/bin/httpsmon" "$(grep Exec "$root/lib/systemd/system/httpsmon.service")"; fi
if out=$(bash -c ". '$root/usr/share/bash-completion/completions/httpsmon' && complete -p httpsmon" 2>&1); then
	ok "the completion file loads"
else
	notok "the completion file loads" "$out"
fi
if out=$(MANWIDTH=80 man -P cat -l "$root/usr/share/man/man5/httpsmon.ini.5.gz" 2>&1) && grep -q 'NOTIFIER KEYS' <<<"$out"; then
	ok "the packaged man page renders"
else
	notok "the packaged man page renders" "$out"
fi
