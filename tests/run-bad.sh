#!/bin/sh
# SPDX-License-Identifier: MIT
# run-bad.sh - one bad-input case: preflight must exit 2 and print exactly
# the expected error line on stderr, and nothing on stdout.
#
# usage: run-bad.sh PREFLIGHT NAME
#
# tests/bad/NAME.expect holds the expected stderr.  The input is
# tests/bad/NAME.json (or NAME.<ext>), run as `preflight inventory INPUT`
# unless NAME.args exists: its single line is the argument list, where
# $IN is the input file and $TMP a scratch folder.  NAME.gen, when present,
# is a shell script run first with $TMP set, to build inputs too large or
# too odd to commit (a 50 MB file, nesting 10,000 deep, unreadable files).
set -u
bin=$1
name=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 1
TMP=$(mktemp -d) || exit 1
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export TMP
IN=
for f in tests/bad/"$name".*; do
  case "$f" in
    *.expect|*.args|*.gen) ;;
    *) IN=$f ;;
  esac
done
if [ -f "tests/bad/$name.gen" ]; then
  sh "tests/bad/$name.gen" || { echo "FAIL: $name: generator failed"; exit 1; }
fi
if [ -f "tests/bad/$name.args" ]; then
  args=$(sed -e "s|\$IN|$IN|g" -e "s|\$TMP|$TMP|g" "tests/bad/$name.args")
else
  args="inventory $IN"
fi
# shellcheck disable=SC2086
NO_COLOR=1 "$bin" $args >"$TMP/.out" 2>"$TMP/.err"
rc=$?
sed "s|$TMP|\$TMP|g" "$TMP/.err" >"$TMP/.err2"
status=0
if [ "$rc" != 2 ]; then
  echo "FAIL: $name: exit status $rc, expected 2"
  status=1
fi
if [ -s "$TMP/.out" ]; then
  echo "FAIL: $name: wrote to standard output on an input error:"
  head -5 "$TMP/.out"
  status=1
fi
if ! diff -u "tests/bad/$name.expect" "$TMP/.err2"; then
  echo "FAIL: $name: stderr differs from tests/bad/$name.expect"
  status=1
fi
[ $status = 0 ] && echo "PASS: $name"
exit $status
