# SPDX-License-Identifier: MIT
"""junit-check.py JUNIT.xml CHECK.json - the JUnit report parses as XML and
its counts are the JSON results': one test case per result, failures =
failing results, skipped = unknown ones (no baseline here)."""
import json
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
with open(sys.argv[2], encoding="utf-8") as f:
    doc = json.load(f)
s = doc["summary"]
fails = s["fail"]["error"] + s["fail"]["warning"] + s["fail"]["info"]
cases = root.findall("./testsuite/testcase")
assert root.tag == "testsuites"
assert len(cases) == len(doc["results"]), (len(cases), len(doc["results"]))
assert int(root.get("tests")) == len(doc["results"])
assert int(root.get("failures")) == fails == len(root.findall(".//failure"))
assert int(root.get("skipped")) == s["unknown"] == len(root.findall(".//skipped"))
for suite in root.findall("testsuite"):
    names = [c.get("name") for c in suite.findall("testcase")]
    assert len(names) == len(set(names)), f"duplicate test case names in {suite.get('name')}"
    assert int(suite.get("tests")) == len(names)
for fl in root.findall(".//failure"):
    assert fl.get("message") and "Evidence:" in (fl.text or "") or fl.text
print(f"ok: {len(cases)} test cases, {fails} failures, {s['unknown']} skipped")
