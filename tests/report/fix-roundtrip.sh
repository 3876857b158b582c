#!/bin/sh
# SPDX-License-Identifier: MIT
# fix-roundtrip.sh PREFLIGHT - the fix script's NSG rules and routes,
# applied to a copy of the example, make the results they fix pass; the
# script is valid bash with the required header.
. "$(dirname "$0")/common.sh"
bin=$1
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
ex=examples/contoso-westeurope
"$bin" fix $ex >"$TMP/fix.sh" || fail "fix failed"
bash -n "$TMP/fix.sh" || fail "the script is not valid bash"
grep -q '^set -euo pipefail$' "$TMP/fix.sh" || fail "no set -euo pipefail"
grep -q 'REVIEW EVERY COMMAND' "$TMP/fix.sh" || fail "no review warning"
python3 "$here/fix-roundtrip.py" "$bin" $ex $ex/service-tags.json ||
  fail "round trip"
echo "PASS: fix-roundtrip"
