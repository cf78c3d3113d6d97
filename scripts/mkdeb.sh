#!/usr/bin/env bash
# Builds the .deb from a staged install (make deb runs `make install
# DESTDIR=DIR/debian/httpsmon PREFIX=/usr ...` first, the layout
# dpkg-shlibdeps expects): strips the binary, compresses
# the man pages and the changelog, adds the copyright, computes Depends
# with dpkg-shlibdeps from the libraries the binary links, marks every file
# under /etc a conffile, writes md5sums, and packs it with dpkg-deb as
# root:root. The systemd unit is installed, never enabled (no maintainer
# scripts). Usage: scripts/mkdeb.sh DIR VERSION OUT.deb
set -eu
dir=$1 version=$2 out=$3
dir=$(cd "$dir" && pwd)
root=$dir/debian/httpsmon
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)

changelog_version=$(sed -n '1s/^httpsmon (\([^)]*\)).*/\1/p' "$top/contrib/debian/changelog")
if [ "$changelog_version" != "$version" ]; then
	echo "mkdeb: contrib/debian/changelog is at $changelog_version, the Makefile's VERSION is $version" >&2
	exit 1
fi

strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/httpsmon"
gzip -9nf "$root"/usr/share/man/man*/*
doc=$root/usr/share/doc/httpsmon
install -d "$doc"
install -m 0644 "$top/contrib/debian/copyright" "$doc/copyright"
gzip -9nc "$top/contrib/debian/changelog" >"$doc/changelog.gz"
chmod -R u=rwX,go=rX "$root"
chmod 0755 "$root/usr/bin/httpsmon"

# dpkg-shlibdeps reads debian/control from where it runs (a minimal one) and
# takes debian/*/DEBIAN for the packages being built
mkdir -p "$root/DEBIAN"
printf 'Source: httpsmon\n\nPackage: httpsmon\nArchitecture: any\n' >"$dir/debian/control"
depends=$(cd "$dir" && dpkg-shlibdeps -O -edebian/httpsmon/usr/bin/httpsmon | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
	"$top/contrib/debian/control.in" >"$root/DEBIAN/control"
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) \
	>"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
