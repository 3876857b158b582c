#!/bin/sh
# SPDX-License-Identifier: MIT
# version.sh PREFLIGHT SRCDIR VERSION - `preflight --version` prints the
# semantic version of CMakeLists.txt and the git revision it was built
# from, and CHANGELOG.md has a section for that version (issue 10).
set -u
out=$("$1" --version) || { echo "FAIL: --version exited $?"; exit 1; }
echo "$out"
echo "$out" | grep -Eq '^preflight [0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)? \(([0-9a-f]{12}|unknown)\)$' || {
  echo "FAIL: '$out' is not 'preflight MAJOR.MINOR.PATCH (REVISION)'"; exit 1; }
[ "$(echo "$out" | awk '{print $2}')" = "$3" ] || {
  echo "FAIL: --version does not print the project version $3"; exit 1; }
rev=$(echo "$out" | sed 's/.*(\(.*\))/\1/')
if [ "$rev" != unknown ] && command -v git >/dev/null 2>&1 &&
   git -C "$2" cat-file -e "$rev^{commit}" 2>/dev/null; then
  echo "revision $rev is a commit of this repository"
elif [ "$rev" != unknown ]; then
  echo "FAIL: revision $rev is not a commit of $2"; exit 1
fi
[ "$("$1" -V)" = "$out" ] || { echo "FAIL: -V differs from --version"; exit 1; }
grep -Eq "^## \[$3\]" "$2/CHANGELOG.md" || {
  echo "FAIL: CHANGELOG.md has no '## [$3]' section"; exit 1; }
echo "PASS: version $3 with revision, in CHANGELOG.md"
