#!/bin/sh
# SPDX-License-Identifier: MIT
# junit.sh PREFLIGHT - JUnit output validates against tests/report/junit.xsd
# (the Jenkins junit schema's structure; xmllint from libxml2-utils) and its
# counts match the JSON results.
. "$(dirname "$0")/common.sh"
bin=$1
command -v xmllint >/dev/null 2>&1 || apt_install libxml2-utils ||
  skip "xmllint is missing and libxml2-utils cannot be installed"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
ex=examples/contoso-westeurope
"$bin" check $ex --format junit >"$TMP/check.xml"
"$bin" check $ex --format json >"$TMP/check.json"
"$bin" check $ex --format junit --baseline tests/report/baseline.ignore \
  >"$TMP/suppressed.xml" 2>/dev/null
"$bin" report tests/report/example-check.json tests/report/example-probe.json \
  --format junit >"$TMP/merged.xml" 2>/dev/null || fail "report failed"
for f in check suppressed merged; do
  xmllint --noout --schema "$here/junit.xsd" "$TMP/$f.xml" ||
    fail "$f.xml does not validate against junit.xsd"
done
python3 "$here/junit-check.py" "$TMP/check.xml" "$TMP/check.json" ||
  fail "JUnit counts differ from the JSON results"
grep -q 'skipped message="suppressed: ' "$TMP/suppressed.xml" ||
  fail "a suppressed result is not skipped with its justification"
echo "PASS: junit"
