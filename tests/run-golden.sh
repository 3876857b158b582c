#!/bin/sh
# SPDX-License-Identifier: MIT
# run-golden.sh - run one line of tests/TESTLIST and compare with its golden
# file (tcpdump's TESTLIST model).
#
# usage: run-golden.sh PREFLIGHT FIXTURES NAME
#
# A TESTLIST line is:  NAME  EXIT  EXPECTED  ARGS...
#   EXIT      expected exit status of preflight
#   EXPECTED  file under tests/golden/ holding the exact standard output
#   ARGS      preflight's arguments; $FIXTURES is the shared fixture folder
#             (../shared/fixtures); a test that names it is skipped (77)
#             when the folder is absent.
# The test runs from the repository root with NO_COLOR=1 and TZ=UTC, so
# paths in the output are relative and the output is deterministic.
# PF_UPDATE_GOLDEN=1 rewrites the golden file instead of comparing.
set -u
bin=$1
fixtures_abs=$2
name=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
line=$(grep -E "^$name[[:space:]]" "$here/TESTLIST" | head -n 1)
if [ -z "$line" ]; then
  echo "run-golden: no test '$name' in TESTLIST" >&2
  exit 1
fi
set -- $line
shift
want_rc=$1
expected=$2
shift 2
cd "$root" || exit 1
FIXTURES=../shared/fixtures
case "$line" in
  *'$FIXTURES'*)
    if [ ! -d "$FIXTURES" ] && [ ! -d "$fixtures_abs" ]; then
      echo "SKIP: $name needs ../shared/fixtures, which is absent"
      exit 77
    fi ;;
esac
args=$(printf '%s\n' "$*" | sed "s|\\\$FIXTURES|$FIXTURES|g")
out=$(mktemp) || exit 1
err=$(mktemp) || exit 1
trap 'rm -f "$out" "$err"' EXIT
# shellcheck disable=SC2086
NO_COLOR=1 TZ=UTC "$bin" $args >"$out" 2>"$err"
rc=$?
if [ "${PF_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$out" "$here/golden/$expected"
  echo "updated tests/golden/$expected"
  exit 0
fi
status=0
if [ "$rc" != "$want_rc" ]; then
  echo "FAIL: $name: exit status $rc, expected $want_rc"
  cat "$err"
  status=1
fi
if ! diff -u "$here/golden/$expected" "$out"; then
  echo "FAIL: $name: output differs from tests/golden/$expected"
  status=1
fi
[ $status = 0 ] && echo "PASS: $name"
exit $status
