#!/bin/sh
# SPDX-License-Identifier: MIT
# messages.sh PREFLIGHT SRCDIR - the first minute of use (issue 10):
# colour only on a terminal and never with NO_COLOR, --no-color (before or
# after the command) or TERM=dumb; --quiet silences warnings but not
# results or errors; machine output stays clean JSON whatever the
# verbosity; a mistyped command gets a suggestion; errors point to --help.
# The terminal is made with script(1) (util-linux); skipped parts say so.
set -u
exe=$1
cd "$2" || exit 1
ex=examples/contoso-westeurope
status=0
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
esc=$(printf '\033[')
bad() { echo "FAIL: $*"; status=1; }

if command -v script >/dev/null 2>&1; then
  tty() { # tty ENV... -- ARGS: run on a pseudo terminal, print the output
    script -qec "env -u NO_COLOR $*" /dev/null 2>&1
  }
  tty TERM=xterm "$exe" check "$ex" >"$work/c" </dev/null
  grep -qF "$esc" "$work/c" || bad "no colour on a terminal"
  tty TERM=xterm NO_COLOR=1 "$exe" check "$ex" >"$work/c" </dev/null
  grep -qF "$esc" "$work/c" && bad "colour despite NO_COLOR=1"
  tty TERM=xterm "$exe" --no-color check "$ex" >"$work/c" </dev/null
  grep -qF "$esc" "$work/c" && bad "colour despite --no-color"
  tty TERM=xterm "$exe" check "$ex" --no-color >"$work/c" </dev/null
  grep -qF "$esc" "$work/c" && bad "colour despite --no-color after the command"
  tty TERM=dumb "$exe" check "$ex" >"$work/c" </dev/null
  grep -qF "$esc" "$work/c" && bad "colour despite TERM=dumb"
  echo "ok: colour on a terminal only, off with NO_COLOR, --no-color, TERM=dumb"
else
  echo "note: script(1) is missing: the terminal cases were not run"
fi
"$exe" check "$ex" >"$work/c" 2>&1
grep -qF "$esc" "$work/c" && bad "colour in a pipe"

# two copies of the example: warnings about duplicates
cp -R "$ex" "$work/a" && cp -R "$ex" "$work/b"
"$exe" check "$work/a" "$work/b" --format json >"$work/out" 2>"$work/err"
grep -q "warning:" "$work/err" || bad "no duplicate warning without --quiet"
"$exe" --quiet check "$work/a" "$work/b" --format json >"$work/out" 2>"$work/err"
[ -s "$work/err" ] && bad "--quiet still printed: $(head -n 1 "$work/err")"
"$exe" check "$work/a" "$work/b" --format json --quiet >"$work/out" 2>"$work/err"
[ -s "$work/err" ] && bad "--quiet after the command still printed: $(head -n 1 "$work/err")"
"$exe" --verbose check "$work/a" "$work/b" --format json >"$work/out" 2>/dev/null
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out" ||
  bad "--verbose --format json is not clean JSON on stdout"
"$exe" --quiet check nonexistent-dir >/dev/null 2>"$work/err"
grep -q "nonexistent-dir" "$work/err" || bad "--quiet hid an input error"
echo "ok: --quiet silences warnings only; JSON stays clean"

"$exe" chek "$ex" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] || bad "unknown command exited $rc"
grep -q "did you mean 'check'" "$work/err" || bad "no suggestion for 'chek': $(cat "$work/err")"
"$exe" check --bogus "$ex" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "see 'preflight check --help'" "$work/err" ||
  bad "an unknown option does not point to --help: $(cat "$work/err")"
"$exe" check >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "no PATH given" "$work/err" ||
  bad "check without a path: $(cat "$work/err")"
echo "ok: usage errors say what to do"
[ "$status" = 0 ] && echo "PASS: colours, quiet, verbose and messages behave"
exit "$status"
