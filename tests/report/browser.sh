#!/bin/sh
# SPDX-License-Identifier: MIT
# browser.sh PREFLIGHT - the HTML report, looked at for real: headless
# Chromium (Debian's chromium) renders it; no script error, the counts
# shown are the JSON's, the filters ran, nothing is fetched from outside.
# PF_SCREENSHOT=FILE keeps a screenshot of the page.
. "$(dirname "$0")/common.sh"
bin=$1
chrome=
for c in chromium chromium-browser google-chrome; do
  command -v $c >/dev/null 2>&1 && { chrome=$c; break; }
done
if [ -z "$chrome" ]; then
  apt_install chromium || skip "chromium is missing and cannot be installed"
  chrome=chromium
fi
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
ex=examples/contoso-westeurope
"$bin" check $ex --format html >"$TMP/check.html"
"$bin" check $ex --format json >"$TMP/check.json"
"$bin" report tests/report/example-check.json tests/report/example-probe.json \
  --format html >"$TMP/merged.html" 2>/dev/null || fail "report failed"
# self-contained: no external script, style sheet, image or font
if grep -n -E "<(script|img|link|iframe)[^>]* (src|href)=|@import|url\\(['\"]?(https?:)?//" \
     "$TMP/check.html" "$TMP/merged.html"; then
  fail "the page loads something from outside"
fi
render() {
  timeout 120 "$chrome" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --no-first-run --user-data-dir="$TMP/profile" "$@" 2>"$TMP/chrome.log"
}
render --dump-dom "file://$TMP/check.html" >"$TMP/check.dom" ||
  { tail -5 "$TMP/chrome.log"; skip "chromium cannot run here"; }
[ -s "$TMP/check.dom" ] || skip "chromium printed no page"
python3 "$here/browser-check.py" "$TMP/check.dom" "$TMP/check.json" ||
  fail "the rendered page is not right"
render --dump-dom "file://$TMP/merged.html" >"$TMP/merged.dom"
grep -q 'id="pf-js-error"' "$TMP/merged.dom" && fail "script error in merged.html"
grep -q 'static and live views disagree' "$TMP/merged.dom" ||
  fail "the merged report does not show the disagreement"
render --window-size=1280,2400 --screenshot="$TMP/shot.png" \
  "file://$TMP/check.html" >/dev/null || fail "no screenshot"
[ -s "$TMP/shot.png" ] || fail "empty screenshot"
[ -n "${PF_SCREENSHOT:-}" ] && cp "$TMP/shot.png" "$PF_SCREENSHOT"
echo "PASS: browser"
