#!/usr/bin/env bash
# screenshots.sh: regenerates screenshots/*.png from the real dashboard on
# the demo lab (scripts/demo.sh start): the list, the detail of a failing
# endpoint, the history pane with an outage of the flapping endpoint, the
# probes of that outage, and the help overlay.
#
# With posture passes (the demo's posture_interval = 1m) the list shows
# every grade and posture.png the detail's posture block of legacy-tls.
#
# Pipeline per picture: the dashboard runs in a tmux pane of its own
# (private socket); tmux capture-pane -e -p gives the screen with its SGR
# attributes; aha turns that into HTML (dark palette, DejaVu Sans Mono);
# headless Chromium renders the page to PNG, offline (file://, background
# networking off). Needs aha, chromium, fonts-dejavu-core and tmux: as
# root it installs the missing ones with apt-get, else it prints the
# command. Takes about a minute: the flapping endpoint must go down and
# come back twice first.
#
# Environment: BUILD (default build), HTTPSMON_BIN (default bin/httpsmon),
# SHOTS (output directory, default screenshots), SHOT_COLS / SHOT_ROWS
# (terminal size, default 132x32).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
BIN=${HTTPSMON_BIN:-bin/httpsmon}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
SHOTS=${SHOTS:-screenshots}
COLS=${SHOT_COLS:-132}
ROWS=${SHOT_ROWS:-32}
mkdir -p "$SHOTS"
SHOTS=$(cd "$SHOTS" && pwd)
FONT_PX=14
LINE_PX=17
PAD_PX=12
export BUILD HTTPSMON_BIN=$BIN

die() {
	echo "screenshots.sh: $*" >&2
	exit 1
}

# ---- packages ----------------------------------------------------------------
pkgs=(aha chromium fonts-dejavu-core tmux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 || die "missing packages: ${missing[*]} (install them with your package manager)"
	if [ "$(id -u)" -ne 0 ]; then
		echo "screenshots.sh: missing packages. Run:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "screenshots.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
chromium=$(command -v chromium || command -v chromium-browser) || die "no chromium binary"

# ---- the demo lab and the dashboard ---------------------------------------------
work=$(mktemp -d)
export DEMO=$top/$BUILD/demo-screenshots LAB_OWNER=$$
sock=httpsmon-shots-$$
T() { tmux -L "$sock" "$@"; }
cleanup() {
	T kill-server 2>/dev/null || true
	[ -n "${sock_path:-}" ] && rm -f "$sock_path" # tmux leaves its socket file behind
	scripts/demo.sh stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

FLAP_UP=${FLAP_UP:-10} FLAP_DOWN=${FLAP_DOWN:-8} DEMO_INTERVAL=${DEMO_INTERVAL:-2s} scripts/demo.sh start
rm -f "$DEMO"/history.db*

# Run from the demo directory so the header names the files without a path.
# NCURSES_NO_UTF8_ACS: line drawing as Unicode, which aha understands (the
# VT100 charset switch is lost in capture-pane -e).
T -f /dev/null new-session -d -s shots -x "$COLS" -y "$ROWS" -c "$DEMO" \
	"env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NCURSES_NO_UTF8_ACS=1 TZ=${TZ:-UTC} $BIN -c endpoints.ini --db history.db" ||
	die "tmux did not start"
T set -g window-size manual
sock_path=$(T display -p '#{socket_path}')

cap() { T capture-pane -p -t shots; }
on_screen() { cap | grep -qE -- "$1"; }
keys() { T send-keys -t shots "$@"; }
# wait_for SECONDS CMD...
wait_for() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.2; done
	return 1
}
need() { # need SECONDS WHAT CMD...: wait_for, or stop with the screen
	local s=$1 what=$2; shift 2
	wait_for "$s" "$@" && return 0
	cap >&2
	die "timed out waiting for $what"
}
# finished outages of the flapping endpoint, as the history store has them
outages_over() {
	local n
	n=$("$BIN" history --db "$DEMO/history.db" --json 2>/dev/null |
		grep '"type":"outage","endpoint":"flapping"' | grep -c '"ongoing":false') || true
	[ "${n:-0}" -ge "$1" ]
}
row() { on_screen "^[^ ]+ $1 +$2 "; }
first_round() { ! on_screen 'PENDING|waiting for the first probe' && on_screen ' DOWN +expired-cert '; }

# ---- HTML and PNG ---------------------------------------------------------------------
# The captured screen with every SGR state resolved to explicit 24-bit
# colours from one dark palette: reverse video swapped into foreground and
# background, dim mixed toward the background, defaults made concrete.
# aha's own reverse handling loses the reverse state at the 39/49 codes
# tmux emits after it, so it gets nothing but colours, bold and underline.
resolve_sgr() {
	perl -CS -e '
		my @pal = qw(3a3d46 f2777a 99cc66 ffcc66 6699cc cc99cc 66cccc d0d0d0
			     6a6d76 f99157 b5e08a ffe08a 8fb8e0 e0b0e0 8ae0e0 ffffff);
		my ($DFG, $DBG) = ("dcdcdc", "1b1d23");
		my ($fg, $bg, $bold, $dim, $ul, $rev);
		sub reset_all { ($fg, $bg, $bold, $dim, $ul, $rev) = (undef, undef, 0, 0, 0, 0) }
		sub c256 {
			my $n = shift;
			return $pal[$n] if $n < 16;
			if ($n < 232) {
				$n -= 16;
				my @v = map { $_ ? 55 + 40 * $_ : 0 } (int($n / 36), int($n / 6) % 6, $n % 6);
				return sprintf "%02x%02x%02x", @v;
			}
			my $g = 8 + 10 * ($n - 232);
			return sprintf "%02x%02x%02x", $g, $g, $g;
		}
		sub mix {
			my ($a, $b, $t) = @_;
			my @a = map { hex } unpack "(A2)3", $a;
			my @b = map { hex } unpack "(A2)3", $b;
			return sprintf "%02x%02x%02x", map { int($a[$_] * (1 - $t) + $b[$_] * $t) } 0 .. 2;
		}
		sub rgb { join ";", map { hex } unpack "(A2)3", shift }
		sub sgr {
			my @c = split /;/, (length $_[0] ? $_[0] : "0");
			while (@c) {
				my $c = shift @c;
				$c = 0 if $c eq "";
				if ($c == 0) { reset_all() }
				elsif ($c == 1) { $bold = 1 } elsif ($c == 2) { $dim = 1 }
				elsif ($c == 22) { $bold = $dim = 0 }
				elsif ($c == 4) { $ul = 1 } elsif ($c == 24) { $ul = 0 }
				elsif ($c == 7) { $rev = 1 } elsif ($c == 27) { $rev = 0 }
				elsif ($c >= 30 && $c <= 37) { $fg = $pal[$c - 30] }
				elsif ($c >= 90 && $c <= 97) { $fg = $pal[$c - 90 + 8] }
				elsif ($c >= 40 && $c <= 47) { $bg = $pal[$c - 40] }
				elsif ($c >= 100 && $c <= 107) { $bg = $pal[$c - 100 + 8] }
				elsif ($c == 39) { $fg = undef } elsif ($c == 49) { $bg = undef }
				elsif ($c == 38 || $c == 48) {
					my $mode = shift @c // 0, $v;
					if ($mode == 5) { $v = c256(shift @c // 0) }
					elsif ($mode == 2) { $v = sprintf "%02x%02x%02x", map { shift @c // 0 } 1 .. 3 }
					if ($c == 38) { $fg = $v } else { $bg = $v }
				}
			}
		}
		sub style {
			my ($f, $b) = ($fg // $DFG, $bg // $DBG);
			$f = mix($f, $b, 0.45) if $dim;
			($f, $b) = ($b, $f) if $rev;
			return "\e[0" . ($bold ? ";1" : "") . ($ul ? ";4" : "") . ";38;2;" . rgb($f) .
			       ($b ne $DBG ? ";48;2;" . rgb($b) : "") . "m";
		}
		reset_all();
		local $/;
		my $in = <STDIN>;
		my $out = "";
		for my $line (split /\n/, $in, -1) {
			for my $tok (split /(\e\[[0-9;]*m|\e[()][0-9A-B]|[\x0e\x0f])/, $line) {
				next if $tok eq "";
				if ($tok =~ /^\e\[([0-9;]*)m$/) { sgr($1) }
				elsif ($tok =~ /^(\e|[\x0e\x0f])/) { }
				else { $out .= style() . $tok }
			}
			$out .= "\e[0m\n";
		}
		$out =~ s/\e\[0m\n\z//;
		print $out;
	'
}

shot() { # shot NAME: the pane as it is now -> $SHOTS/NAME.png
	local name=$1 html=$work/$1.html w h
	T capture-pane -e -p -t shots >"$work/$name.ans"
	{
		cat <<EOF
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>httpsmon $name</title>
<style>
html, body { margin: 0; background: #1b1d23; }
pre { margin: 0; padding: ${PAD_PX}px; color: #e0e0e0; background: #1b1d23;
      font-family: 'DejaVu Sans Mono', monospace; font-size: ${FONT_PX}px; line-height: ${LINE_PX}px;
      font-variant-ligatures: none; white-space: pre; }
</style></head><body><pre>
EOF
		resolve_sgr <"$work/$name.ans" | aha --no-header
		echo '</pre></body></html>'
	} >"$html"
	w=$(awk -v c="$COLS" -v f="$FONT_PX" -v p="$PAD_PX" 'BEGIN { printf "%d", c * f * 0.602 + 2 * p + 2 }')
	h=$((ROWS * LINE_PX + 2 * PAD_PX))
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" \
		--screenshot="$SHOTS/$name.png" --window-size="$w,$h" "file://$html" \
		>"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; die "chromium failed on $name"; }
	[ -s "$SHOTS/$name.png" ] || { cat "$work/chromium.log" >&2; die "no $SHOTS/$name.png"; }
	echo "screenshots.sh: $SHOTS/$name.png (${w}x${h})" >&2
}

# ---- the pictures ------------------------------------------------------------------------
need 20 "the first round" first_round
echo "screenshots.sh: waiting for two outages of the flapping endpoint (about 45 s)" >&2
need 120 "two outages of the flapping endpoint" outages_over 2
need 30 "flapping to be up" row UP flapping
need 10 "the list" on_screen '^STATE'
# every endpoint that answers TLS graded (first passes within the demo's 1 minute), and
# legacy-tls judged by its pass (WARN tls_legacy_offered)
graded() { # graded NAME: a grade (not "-") in NAME's row, just before its TLS version
	on_screen "^[^ ]+ [A-Z0-9/]+ +$1 .* (A\\+|A-|[A-FMT]) +1(\\.[23])? "
}
all_graded() {
	for e in api api-degraded www www-hsts expired-cert wrong-host expiring-cert slow; do graded "$e" || return 1; done
	on_screen '^▲ WARN +legacy-tls .* C +1 +.*tls_legacy_offered'
}
need 120 "the posture grades" all_graded

shot list

keys /
keys -l expired-cert
keys Enter Enter
need 5 "the detail of expired-cert" on_screen '^expired-cert  https://'
shot detail
keys Escape Escape

keys /
keys -l legacy-tls
keys Enter Enter
need 5 "the detail of legacy-tls" on_screen '^legacy-tls  https://'
keys G # the posture block is near the end, after the certificate chain
need 5 "the posture block of legacy-tls" on_screen '^── posture \(pass '
# the block's rule on the pane's first line (screen line 4, under the title)
for _ in $(seq 80); do cap | sed -n 4p | grep -q '^── posture' && break; keys Up; sleep 0.05; done
shot posture
keys Escape Escape

keys /
keys -l flapping
keys Enter h
need 5 "the history of flapping" on_screen '── outages \([0-9]+\) ─'
sleep 0.5
shot history
keys Enter
need 5 "the probes of the outage" on_screen '^TIME +STATE +DNS'
shot outage
keys Escape Escape Escape
need 5 "the list again" on_screen '^STATE'
keys Escape

keys '?'
need 5 "the help overlay" on_screen 'httpsmon keys'
shot help
keys Escape q
wait_for 5 sh -c "! tmux -L '$sock' has-session -t shots 2>/dev/null" || true
