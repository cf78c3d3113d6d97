#!/usr/bin/env bash
# Bash completion (contrib/bash-completion/httpsmon), driven as bash drives
# it: COMP_WORDS/COMP_CWORD set, _httpsmon called, COMPREPLY read. Commands
# and options from the binary's --help; endpoint names from -c FILE and from
# the search order for `check` and `--endpoint`; notifier names for
# `test-notify`; files for -c. TAP-ish output.
set -u

. "$(dirname "$0")/lib/harness.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proj/config" "$work/home"
cat >"$work/a.ini" <<'INI'
[defaults]
interval = 60s
[api-eu]
url = https://127.0.0.1:1/
[api-us]
url = https://127.0.0.1:1/
 [web]
url = https://127.0.0.1:1/
[notify:ops-hook]
type = command
command = /bin/true
[notify:pager]
type = command
command = /bin/true
INI
printf '[local-one]\nurl = https://127.0.0.1:1/\n' >"$work/proj/config/endpoints.ini"

# complete WORDS...: the completions of the last word (it may be ""), sorted, one line
complete_line() {
	(
		cd "$work/proj" || exit 1
		export HOME=$work/home XDG_CONFIG_HOME=$work/none
		. "$OLDPWD/contrib/bash-completion/httpsmon"
		COMP_WORDS=("$BIN" "$@")
		COMP_CWORD=$#
		_httpsmon
		printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
	)
}
expect() { # expect DESC WANT WORDS...
	local desc=$1 want=$2 got
	shift 2
	got=$(complete_line "$@")
	if [ "$got" = "$want" ]; then ok "$desc"; else notok "$desc" "got:  '$got'" "want: '$want'"; fi
}
contains() { # contains DESC WORD WORDS...: WORD is among the completions
	local desc=$1 word=$2 got
	shift 2
	got=" $(complete_line "$@") "
	if [[ $got == *" $word "* ]]; then ok "$desc"; else notok "$desc" "no '$word' in:$got"; fi
}

if out=$(bash -c ". contrib/bash-completion/httpsmon && complete -p httpsmon" 2>&1) && [[ $out == *"-F _httpsmon"* ]]; then
	ok "sourcing it registers _httpsmon for httpsmon"
else
	notok "sourcing it registers _httpsmon" "$out"
fi
for c in check check-config history stats scan; do contains "commands: $c" "$c" ""; done
expect "commands by prefix" "check check-config" ch
contains "options: --config" --config --c
contains "options: --endpoint" --endpoint history --e
contains "options: -4" -4 check -
expect "check: endpoint names of -c FILE" "api-eu api-us web" check -c "$work/a.ini" ""
expect "check: by prefix" "api-eu api-us" -c "$work/a.ini" check api
expect "scan: endpoint names of -c FILE" "api-eu api-us web" scan -c "$work/a.ini" ""
expect "check: the config from the search order (./config)" "local-one" check ""
expect "--endpoint: names of --config FILE" "api-eu api-us web" stats --config "$work/a.ini" --endpoint ""
expect "test-notify: notifier names" "ops-hook pager" test-notify -c "$work/a.ini" ""
expect "test-notify: by prefix" "pager" -c "$work/a.ini" test-notify p
expect "-c: file names" "$work/a.ini" check -c "$work/a."
expect "--since: durations" "1h 24h 30d 7d" history --since ""
expect "no config anywhere: no names, no error" "" -c "$work/missing.ini" check ""
expect "--view --remote: the schemes" "http:// https://" --view --remote ""
contains "--view --remote URL: --token is offered" --token --view --remote http://h:9469 --t
expect "--token: nothing offered (a secret)" "" --view --remote http://h:9469 --token ""
contains "a --token's value is not the command word" history -c "$work/a.ini" --view --remote http://h:1 --token check ""
