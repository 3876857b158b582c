#!/bin/sh
# SPDX-License-Identifier: MIT
# sarif.sh PREFLIGHT - SARIF output validates against the OASIS SARIF 2.1.0
# schema (python3-jsonschema) and gives code scanning what it needs:
# locations by file and line with JSON pointers, stable fingerprints,
# suppressions.
. "$(dirname "$0")/common.sh"
bin=$1
schema=$root/../shared/fixtures/schemas/sarif-schema-2.1.0.json
[ -f "$schema" ] || skip "the SARIF schema ($schema) is absent"
need_py jsonschema python3-jsonschema
ex=examples/contoso-westeurope
"$bin" check $ex --format sarif >"$TMP/a.sarif"
[ $? = 1 ] || fail "check --format sarif: exit status, expected 1"
"$bin" check $ex --format sarif >"$TMP/b.sarif"
cmp -s "$TMP/a.sarif" "$TMP/b.sarif" || fail "two runs differ"
"$bin" check $ex --format sarif --baseline tests/report/baseline.ignore \
  >"$TMP/suppressed.sarif" 2>/dev/null
"$bin" report tests/report/example-check.json tests/report/example-probe.json \
  --format sarif >"$TMP/merged.sarif" 2>/dev/null ||
  fail "report --format sarif failed"
"$bin" check tests/check/_base tests/check/_base-pe --format sarif \
  >"$TMP/clean.sarif"
"$PY" "$here/sarif-check.py" "$schema" "$TMP/a.sarif" \
  "$TMP/suppressed.sarif" "$TMP/merged.sarif" "$TMP/clean.sarif" ||
  fail "SARIF does not validate"
grep -q '"suppressions"' "$TMP/suppressed.sarif" ||
  fail "no suppressions in the SARIF of a run with a baseline"
grep -q '"jsonPointer": "/1"' "$TMP/a.sarif" ||
  fail "no JSON pointer of a resource in an array"
echo "PASS: sarif"
