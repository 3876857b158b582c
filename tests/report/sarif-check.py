# SPDX-License-Identifier: MIT
"""sarif-check.py SCHEMA FILE... - validate SARIF logs against the OASIS
SARIF 2.1.0 schema and check what code scanning needs: rules with help and
the requirement source, results with level, message, a location in an input
file (line >= 1) with the resource's JSON pointer, partial fingerprints,
suppressions with a justification."""
import json
import sys

import jsonschema


def check(schema, path):
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    jsonschema.validate(log, schema)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    for r in rules:
        assert r["help"]["text"] and r["help"]["markdown"], r["id"]
        assert r["shortDescription"]["text"], r["id"]
        assert "source" in r["properties"], r["id"]
    fps = set()
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        if res["kind"] == "fail":
            assert res["level"] in ("error", "warning", "note")
        loc = res["locations"][0]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"]
        assert phys["region"]["startLine"] >= 1
        assert loc["logicalLocations"][0]["fullyQualifiedName"]
        fp = res["partialFingerprints"]["preflightFinding/v1"]
        assert len(fp) == 16
        fps.add(fp)
        for s in res.get("suppressions", []):
            assert s["justification"]
    return log, fps


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    for path in sys.argv[2:]:
        log, fps = check(schema, path)
        n = len(log["runs"][0]["results"])
        print(f"ok: {path}: {n} results, {len(fps)} fingerprints")


if __name__ == "__main__":
    main()
