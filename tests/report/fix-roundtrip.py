# SPDX-License-Identifier: MIT
"""fix-roundtrip.py PREFLIGHT EXAMPLE TAGS - prove the fixes of `preflight
fix` work: each NSG rule and route the script creates is applied to a copy
of the configuration as a JSON patch of the resource it changes (the rule
appended to the NSG's securityRules, the route to the route table's
routes), `check` runs again, and the results the fix names must pass.
Then every fix at once: no failure of those rules is left."""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

BIN, EXAMPLE, TAGS = sys.argv[1:4]


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True,
                       env=dict(os.environ, NO_COLOR="1"))
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: preflight {' '.join(args)}: {p.stderr}")
    return p.stdout


def sections(script):
    """[(rule, [messages fixed], [commands])] in script order."""
    out, cur = [], None
    for line in script.splitlines():
        s = line.strip()
        if s.startswith("# preflight-fix: "):
            cur = (s.split(": ", 1)[1], [], [])
            out.append(cur)
        elif cur and s.startswith("# fixes "):
            cur[1].append(s.split(": ", 1)[1])
        elif cur and s.startswith("az ") and not s.endswith("||"):
            cur[2].append(s)
    return out


def options(cmd):
    toks = shlex.split(cmd)
    opts, key = {}, None
    for t in toks[5:]:
        if t.startswith("-") and len(t) > 1 and not t[1].isdigit():
            key = t
            opts[key] = []
        elif key:
            opts[key].append(t)
    return toks[:5], opts


def one(opts, *names):
    for n in names:
        if n in opts:
            return opts[n][0]
    return None


def find_resource(d, name, key):
    for f in sorted(os.listdir(d)):
        if not f.endswith(".json"):
            continue
        p = os.path.join(d, f)
        try:
            doc = json.load(open(p))
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("name") == name and key in doc:
            return p, doc
    sys.exit(f"FAIL: no resource {name} with {key} in {d}")


def apply(d, cmd):
    """Apply one az command to the copy in d; False when not a patchable
    one."""
    head, o = options(cmd)
    if head[:5] == ["az", "network", "nsg", "rule", "create"]:
        nsg = one(o, "--nsg-name")
        p, doc = find_resource(d, nsg, "securityRules")
        name = one(o, "-n", "--name")
        rule = {"name": name, "id": doc["id"] + "/securityRules/" + name,
                "priority": int(one(o, "--priority")),
                "direction": one(o, "--direction"),
                "access": one(o, "--access"),
                "protocol": one(o, "--protocol") or "*",
                "type": "Microsoft.Network/networkSecurityGroups/securityRules"}
        for side in ("source", "destination"):
            a = o.get(f"--{side}-address-prefixes", ["*"])
            ports = o.get(f"--{side}-port-ranges", ["*"])
            if len(a) == 1:
                rule[f"{side}AddressPrefix"] = a[0]
            else:
                rule[f"{side}AddressPrefixes"] = a
            if len(ports) == 1:
                rule[f"{side}PortRange"] = ports[0]
            else:
                rule[f"{side}PortRanges"] = ports
        doc["securityRules"].append(rule)
    elif head[:5] == ["az", "network", "route-table", "route", "create"]:
        rt = one(o, "--route-table-name")
        p, doc = find_resource(d, rt, "routes")
        name = one(o, "-n", "--name")
        route = {"name": name, "id": doc["id"] + "/routes/" + name,
                 "addressPrefix": one(o, "--address-prefix"),
                 "nextHopType": one(o, "--next-hop-type"),
                 "type": "Microsoft.Network/routeTables/routes"}
        if one(o, "--next-hop-ip-address"):
            route["nextHopIpAddress"] = one(o, "--next-hop-ip-address")
        doc["routes"].append(route)
    else:
        return False
    with open(p, "w") as f:
        json.dump(doc, f, indent=2)
    return True


def failing(d, rules):
    doc = json.loads(run("check", d, "--service-tags", TAGS, "--rules",
                         ",".join(sorted(rules)), "--format", "json"))
    return [r for r in doc["results"] if r["status"] == "fail"]


def main():
    script = run("fix", EXAMPLE, "--service-tags", TAGS)
    secs = sections(script)
    tmp = tempfile.mkdtemp()
    applied, rules = 0, set()
    try:
        for i, (rule, msgs, cmds) in enumerate(secs):
            d = os.path.join(tmp, f"one-{i}")
            shutil.copytree(EXAMPLE, d)
            if not any([apply(d, c) for c in cmds]):
                continue
            before = {r["message"] for r in failing(EXAMPLE, {rule})}
            assert set(msgs) <= before, (rule, msgs)
            left = [r["message"] for r in failing(d, {rule})
                    if r["message"] in msgs]
            if left:
                sys.exit(f"FAIL: the {rule} fix leaves {left}")
            print(f"ok: {rule}: {len(msgs)} failing result(s) pass after "
                  f"the fix")
            applied += 1
            rules.add(rule)
        if applied < 4:
            sys.exit(f"FAIL: only {applied} NSG/route fixes found")
        d = os.path.join(tmp, "all")
        shutil.copytree(EXAMPLE, d)
        for rule, msgs, cmds in secs:
            for c in cmds:
                apply(d, c)
        left = failing(d, rules)
        if left:
            sys.exit("FAIL: with every fix applied, still failing: " +
                     "; ".join(r["rule"] + " " + r["message"] for r in left))
        print(f"ok: all {applied} fixes at once: no failure of "
              f"{', '.join(sorted(rules))} left")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
