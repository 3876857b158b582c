#!/bin/sh
# SPDX-License-Identifier: MIT
# run-installed.sh - install into a scratch prefix and run `check` from
# there, with no rules directory given: the installed layout must work.
set -u
build=$1
src=$2
prefix=$(mktemp -d) || exit 1
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null || exit 1
unset PREFLIGHT_RULES
cd "$src" || exit 1
dir=$("$prefix/bin/preflight" rules path)
case "$dir" in
  "$prefix"/bin/../share/preflight/rules) ;;
  *) echo "FAIL: the installed binary uses rules from '$dir'"; exit 1 ;;
esac
"$prefix/bin/preflight" check examples/contoso-westeurope --format json \
  >"$prefix/out.json"
rc=$?
if [ "$rc" != 1 ]; then
  echo "FAIL: installed check exited $rc (expected 1: the example has findings)"
  exit 1
fi
if ! grep -q '"rule": "NSG-5"' "$prefix/out.json"; then
  echo "FAIL: installed check did not run the catalogue"
  exit 1
fi
echo "PASS: installed preflight found $(ls "$prefix/share/preflight/rules" | grep -c json) rule files"
