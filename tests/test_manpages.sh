#!/usr/bin/env bash
# The man pages (docs/httpsmon.1, docs/httpsmon.ini.5): mandoc -Tlint finds
# nothing at warning level or above; httpsmon(1) lists every command and
# option the binary's --help lists (which main.c's command table writes)
# and no other, and every key binding of the dashboard's key table
# (src/ui/help.c). A failure names exactly what is missing or extra.
# The config keys of httpsmon.ini(5) are compared with the parser's own
# table in tests/test_manpages.c. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
page=docs/httpsmon.1

if ! command -v mandoc >/dev/null; then
	notok "mandoc is installed (scripts/deps.sh installs it)"
	exit 1
fi
for p in docs/httpsmon.1 docs/httpsmon.ini.5; do
	if out=$(mandoc -Tlint -Wwarning "$p" 2>&1); then ok "mandoc -Tlint: $p clean"; else notok "mandoc -Tlint: $p" "$out"; fi
done
for p in docs/httpsmon.1 docs/httpsmon.ini.5; do
	if out=$(MANWIDTH=80 man -P cat -l "$p" 2>&1 | col -b) && grep -q "^SEE ALSO" <<<"$out"; then
		ok "man -l $p renders"
	else
		notok "man -l $p renders" "$out"
	fi
done

# section NAME FILE: the lines of one .Sh section
section() { awk -v s=".Sh $1" '/^\.Sh /{on = ($0 == s); next} on' "$2"; }
# diff_sets DESC WANT_FROM HAVE_IN WANT HAVE: names what is missing and extra
diff_sets() {
	local desc=$1 from=$2 in=$3 missing extra
	missing=$(comm -23 <(sort -u <<<"$4") <(sort -u <<<"$5") | tr '\n' ' ')
	extra=$(comm -13 <(sort -u <<<"$4") <(sort -u <<<"$5") | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then
		ok "$desc"
	else
		notok "$desc" ${missing:+"$in lacks (from $from): $missing"} \
			${extra:+"$in lists what $from does not have: $extra"}
	fi
}

help=$("$BIN" --help)
# commands: the words after "httpsmon" in the usage lines, the dashboard row by its name
want=$(sed -n 's/^  httpsmon \([a-z][a-z-]*\).*/\1/p' <<<"$help"; grep -q '^  httpsmon \[-c FILE\]' <<<"$help" && echo dashboard)
have=$(section COMMANDS "$page" | sed -n 's/^\.It Cm \([a-z][a-z-]*\).*/\1/p')
diff_sets "httpsmon.1 COMMANDS: every command of --help" "--help" "$page .Sh COMMANDS" "$want" "$have"

# options: every --long and -x of --help; the page's .It Fl lines under OPTIONS
want=$(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help"
	sed -n 's/^  \(-[a-zA-Z0-9]\(, -[a-zA-Z0-9]\)*\)[, ].*/\1/p' <<<"$help" | tr ',' '\n' | tr -d ' ')
have=$(section OPTIONS "$page" | grep '^\.It Fl' | sed 's/^\.It //; s/ *, */\n/g' |
	sed -n 's/^Fl Fl \([a-z][a-z0-9-]*\).*/--\1/p; s/^Fl \([a-zA-Z0-9]\)\( .*\)\{0,1\}$/-\1/p')
diff_sets "httpsmon.1 OPTIONS: every option of --help" "--help" "$page .Sh OPTIONS" "$want" "$have"

# key bindings: each row of help.c's table as an .It Sy line of THE DASHBOARD
want=$(sed -n 's/^\t{ "\([^"]*\)", ".*/\1/p' src/ui/help.c)
have=$(section "THE DASHBOARD" "$page" | sed -n 's/^\.It Sy //p' | sed 's/\\&//g')
diff_sets "httpsmon.1 THE DASHBOARD: every key of src/ui/help.c" "src/ui/help.c" "$page" "$want" "$have"
