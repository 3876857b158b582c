# SPDX-License-Identifier: MIT
"""browser-check.py DOM.html CHECK.json - the page as Chromium rendered it
(--dump-dom, after its script ran): no script error marker, the summary
counts are the JSON summary's, every result is on the page, the filter
script ran (it writes "N of M results shown"), the picture is there."""
import json
import re
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = {}
        self.cur = None
        self.findings = 0
        self.svg = 0
        self.edges = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = ""
            self.cur = a["id"]
        if tag == "details" and "f" in (a.get("class") or "").split():
            self.findings += 1
        if tag == "svg" and a.get("id") == "pf-network":
            self.svg += 1
        if tag == "path" and "edge" in (a.get("class") or "").split():
            self.edges += 1

    def handle_endtag(self, tag):
        self.cur = None

    def handle_data(self, data):
        if self.cur:
            self.ids[self.cur] += data


dom = open(sys.argv[1], encoding="utf-8").read()
doc = json.load(open(sys.argv[2], encoding="utf-8"))
p = Page()
p.feed(dom)
assert "pf-js-error" not in p.ids, "script error: " + p.ids.get("pf-js-error", "")
s = doc["summary"]
want = {"count-fail-error": s["fail"]["error"],
        "count-fail-warning": s["fail"]["warning"],
        "count-fail-info": s["fail"]["info"],
        "count-pass": s["pass"], "count-unknown": s["unknown"]}
for k, v in want.items():
    got = int(p.ids[k].strip())
    assert got == v, f"{k}: page shows {got}, JSON says {v}"
assert p.findings == len(doc["results"]), (p.findings, len(doc["results"]))
m = re.match(r"(\d+) of (\d+) results shown", p.ids["pf-shown"].strip())
assert m, "the filter script did not run: " + p.ids["pf-shown"]
assert int(m.group(2)) == len(doc["results"])
assert p.svg == 1 and p.edges > 0, "no picture of the network"
print(f"ok: {p.findings} results, counts match, {p.edges} paths drawn, "
      f"{m.group(0)}")
