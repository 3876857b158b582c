#!/bin/sh
# SPDX-License-Identifier: MIT
# bad.sh PREFLIGHT - input errors of report and of baselines: exit 2, the
# exact "file: json.path (or line): reason" on stderr, nothing on stdout.
. "$(dirname "$0")/common.sh"
bin=$1
status=0
# expect "STDERR LINE" ARGS...
expect() {
  want=$1
  shift
  "$bin" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  got=$(cat "$TMP/err")
  if [ $rc != 2 ] || [ -s "$TMP/out" ] || [ "$got" != "$want" ]; then
    echo "FAIL: preflight $*: exit $rc"
    echo "  want: $want"
    echo "  got:  $got"
    status=1
  fi
}
b=tests/report/bad
ex=examples/contoso-westeurope
expect "preflight: $b/truncated.json: \$.results[0]: line 3, column 1: expected a member name, found end of input" \
  report $b/truncated.json --format markdown
expect "preflight: $b/no-results.json: \$.results: missing (a results document of 'preflight check --format json' is expected)" \
  report $b/no-results.json --format html
expect "preflight: $b/bad-status.json: \$.results[2].status: expected pass, fail or unknown" \
  report $b/bad-status.json --format sarif
expect "preflight: $b/bad-evidence.json: \$.results[1].evidence: expected {\"checks\": [...]}" \
  report $b/bad-evidence.json --format junit
expect "preflight: $b/nope.json: no such file or directory" \
  report $b/nope.json --format sarif
expect "preflight report: --format is required (markdown, html, sarif or junit) (see 'preflight report --help')" \
  report tests/report/example-check.json
expect "preflight report: unknown format 'pdf' (expected markdown, html, sarif or junit) (see 'preflight report --help')" \
  report tests/report/example-check.json --format pdf
expect "preflight check: unknown format 'xml' (expected text, json, markdown, html, sarif or junit) (see 'preflight check --help')" \
  check $ex --format xml
expect "preflight: $b/no-justification.ignore: line 2: a justification is required (why may this finding be ignored?)" \
  check $ex --baseline $b/no-justification.ignore
expect "preflight: $b/bad-date.ignore: line 1: expires must be a date YYYY-MM-DD, not '31.12.2999'" \
  report tests/report/example-check.json --format markdown --baseline $b/bad-date.ignore
expect "preflight: $b/json-bad-type.ignore: \$.suppressions[0].justification: expected a string" \
  fix $ex --baseline $b/json-bad-type.ignore
expect "preflight fix: unknown format 'powershell' (expected script) (see 'preflight fix --help')" \
  fix $ex --format powershell
[ $status = 0 ] && echo "PASS: bad"
exit $status
