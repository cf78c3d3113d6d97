#!/usr/bin/env bash
# Installs the packages httpsmon needs to build and test, if any are missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -eu
pkgs=(build-essential pkg-config libcurl4-openssl-dev libssl-dev openssl libncurses-dev
      libsqlite3-dev libcjson-dev libinih-dev libcmocka-dev libpcre2-dev tmux
      clang libclang-rt-14-dev ca-certificates curl jq sqlite3)
# alerts: maintenance_tz zones, the real Alertmanager and the SMTP sink the tests start
pkgs+=(tzdata prometheus-alertmanager python3-aiosmtpd)
# packaging (issue 13): sd_notify, man page lint, unit checks, the .deb and its lint, completion
pkgs+=(libsystemd-dev mandoc man-db systemd dpkg-dev lintian bash-completion)
# the HTTP listener (issue 12): libmicrohttpd, and the real Prometheus (and promtool) its tests scrape with
pkgs+=(libmicrohttpd-dev prometheus)
# TLS posture and revocation (issue 14): testssl.sh is the peer the scan must agree with
pkgs+=(testssl.sh)
# A package whose triggers are still to run (another apt-get on the machine, man-db's index
# after any page is installed) is on disk: counted as missing, it sent every make target into
# an apt-get that then failed on the lock the other one holds.
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qE 'install ok (installed|triggers-pending|triggers-awaited)' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "httpsmon: missing packages: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "httpsmon: missing packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "httpsmon: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
