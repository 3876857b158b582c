#!/bin/sh
# SPDX-License-Identifier: MIT
# probe-lab.sh - `preflight probe` for real: a client "subnet", a "service"
# side and a compute "node" in three network namespaces joined by veth
# pairs, a real DNS server (dnsmasq) serving Azure-like names, nftables
# dropping and rejecting chosen ports, listeners on 443 and on the node
# management ports.
#
# usage: probe-lab.sh PREFLIGHT [--keep]   (--keep: print the lab's
#        namespace names and wait for Enter before tearing down)
#
#   subnet ns  198.51.100.1/25  --veth--  198.51.100.2/25   service ns
#              198.51.100.129/25 --veth-- 198.51.100.130/25 node ns
#
# Service side: dnsmasq on 198.51.100.2:53 answers
#   stpriv.blob.core.windows.net  CNAME stpriv.privatelink.blob... -> .10
#   stpe.blob.core.windows.net    198.51.100.11 (public, but the plan
#                                 expects a private endpoint: finding)
#   kvpub.vault.azure.net         198.51.100.12 (public, as expected)
#   crlab.azurecr.io              198.51.100.13
#   crrfc.azurecr.io              10.99.0.7 (private by address; DNS only,
#                                 nothing is sent there)
#   missing.vault.azure.net       NXDOMAIN (a local zone)
#   x.servfail.azureml.ms         SERVFAIL (forwarded to a broken upstream,
#                                 a stub on :5354 that answers SERVFAIL)
#   other.example.org             REFUSED (no upstream for it)
# and listeners on 443 at .10-.13; nftables makes .11:443 filtered (drop),
# .12:443 refused (reject with tcp reset), .13:443 unreachable (reject with
# ICMP host-unreachable), UDP 5399 silent.  Node: listeners on 22, 29876,
# 29877, 44224; nftables rejects 22 with a RST.
# A second run asks 198.51.100.2:5399 (dropped: timeout) and a third
# 198.51.100.2:5398 (closed: ICMP port unreachable).  A counter in the
# client namespace proves no packet went outside the plan.  The static verdicts
# come from tests/lab/probe-config (an NSG denying 29877 to the node and
# 443 to .12), so agreement and disagreement are both asserted.
#
# Addresses: 198.51.100.0/24 only, inside the namespaces this script makes;
# names carry $$; everything is removed on exit, failure included.  Without
# root, ip netns, nft, dnsmasq or python3 it exits 77 (skip) and says why.
set -u
bin=${1:?usage: probe-lab.sh PREFLIGHT [--keep]}
keep=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIP: probe-lab: $*"
  exit 77
}
fail() {
  echo "FAIL: probe-lab: $*"
  [ -n "${work:-}" ] && [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"
  exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
command -v ip >/dev/null 2>&1 || skip "no 'ip' command (iproute2)"
command -v python3 >/dev/null 2>&1 || skip "no python3 (listeners, checks)"
command -v nft >/dev/null 2>&1 || skip "no nft (Debian package nftables)"
command -v dnsmasq >/dev/null 2>&1 ||
  skip "no dnsmasq (Debian package dnsmasq; scripts/test installs it)"

tag=$$
ns_c=pfprb-sub-$tag
ns_s=pfprb-svc-$tag
ns_n=pfprb-node-$tag
work=$(mktemp -d) || exit 1
chmod 755 "$work"
pids=

cleanup() {
  for p in $pids; do
    kill "$p" 2>/dev/null
  done
  for p in $pids; do
    wait "$p" 2>/dev/null
  done
  ip netns del "$ns_c" 2>/dev/null
  ip netns del "$ns_s" 2>/dev/null
  ip netns del "$ns_n" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$ns_c" 2>/dev/null || skip "cannot create network namespaces here"
ip netns add "$ns_s" || fail "cannot create the service namespace"
ip netns add "$ns_n" || fail "cannot create the node namespace"
# veth pairs are made inside the client namespace: nothing of them ever
# appears in the namespace this script runs in
ip -n "$ns_c" link add pa$tag type veth peer name pb$tag netns "$ns_s" ||
  fail "cannot create a veth pair"
ip -n "$ns_c" link add pc$tag type veth peer name pd$tag netns "$ns_n" ||
  fail "cannot create a veth pair"
for ns in "$ns_c" "$ns_s" "$ns_n"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns_c" addr add 198.51.100.1/25 dev pa$tag
ip -n "$ns_c" addr add 198.51.100.129/25 dev pc$tag
ip -n "$ns_s" addr add 198.51.100.2/25 dev pb$tag
for a in 10 11 12 13; do
  ip -n "$ns_s" addr add 198.51.100.$a/25 dev pb$tag
done
ip -n "$ns_n" addr add 198.51.100.130/25 dev pd$tag
ip -n "$ns_c" link set pa$tag up
ip -n "$ns_c" link set pc$tag up
ip -n "$ns_s" link set pb$tag up
ip -n "$ns_n" link set pd$tag up

cat >"$work/svc.nft" <<EOF
table inet pfprobe {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 198.51.100.11 tcp dport 443 drop
    ip daddr 198.51.100.12 tcp dport 443 reject with tcp reset
    ip daddr 198.51.100.13 tcp dport 443 reject with icmpx type host-unreachable
    udp dport 5399 drop
  }
}
EOF
cat >"$work/node.nft" <<EOF
table inet pfprobe {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 reject with tcp reset
  }
}
EOF
# the client side counts every packet it sends anywhere but the plan's
# addresses and the DNS server: "nothing outside the plan is ever
# contacted" is checked, not assumed (TCP and UDP: the kernel's own
# IPv6 neighbour discovery on the new links is not preflight's)
cat >"$work/client.nft" <<EOF
table inet pfprobe {
  counter outside { }
  chain output {
    type filter hook output priority 0; policy accept;
    meta l4proto { tcp, udp } ip daddr != { 198.51.100.2, 198.51.100.10-198.51.100.13, 198.51.100.130 } counter name outside
    meta nfproto ipv6 meta l4proto { tcp, udp } counter name outside
  }
}
EOF
ip netns exec "$ns_c" nft -f "$work/client.nft" || fail "nft in the client namespace"
ip netns exec "$ns_s" nft -f "$work/svc.nft" || fail "nft in the service namespace"
ip netns exec "$ns_n" nft -f "$work/node.nft" || fail "nft in the node namespace"

# listeners: accept and hold every connection (never answer)
cat >"$work/listen.py" <<'EOF'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for ep in sys.argv[1:]:
    host, port = ep.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(1024)
    sel.register(s, selectors.EVENT_READ)
held = []
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        held.append(c)
        if len(held) > 4096:
            held.pop(0).close()
EOF
# the broken forwarder: answers SERVFAIL to everything
cat >"$work/servfail.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048)
    if len(d) < 12:
        continue
    s.sendto(d[:2] + bytes([0x80 | (d[2] & 0x01), 0x82]) + d[4:6] +
             b"\0\0\0\0\0\0" + d[12:], a)
EOF
start() {   # NS READYFILE CMD...
  ns=$1
  rf=$2
  shift 2
  ip netns exec "$ns" "$@" >"$rf" 2>&1 &
  pids="$pids $!"
}
start "$ns_s" "$work/l1" python3 "$work/listen.py" 198.51.100.10:443 \
  198.51.100.11:443 198.51.100.12:443 198.51.100.13:443
start "$ns_n" "$work/l2" python3 "$work/listen.py" 198.51.100.130:22 \
  198.51.100.130:29876 198.51.100.130:29877 198.51.100.130:44224
start "$ns_s" "$work/l3" python3 "$work/servfail.py" 198.51.100.2 5354
cat >"$work/dnsmasq.conf" <<EOF
port=53
listen-address=198.51.100.2
bind-interfaces
no-resolv
no-hosts
user=root
local=/windows.net/azure.net/azurecr.io/
cname=stpriv.blob.core.windows.net,stpriv.privatelink.blob.core.windows.net
host-record=stpriv.privatelink.blob.core.windows.net,198.51.100.10
host-record=stpe.blob.core.windows.net,198.51.100.11
host-record=kvpub.vault.azure.net,198.51.100.12
host-record=crlab.azurecr.io,198.51.100.13
host-record=crrfc.azurecr.io,10.99.0.7
server=/servfail.azureml.ms/198.51.100.2#5354
EOF
start "$ns_s" "$work/dnsmasq.log" dnsmasq -k --conf-file="$work/dnsmasq.conf" \
  --pid-file="$work/dnsmasq.pid" --log-facility=-
i=0
while [ $i -lt 50 ]; do
  grep -q ready "$work/l1" 2>/dev/null && grep -q ready "$work/l2" 2>/dev/null &&
    grep -q ready "$work/l3" 2>/dev/null &&
    ip netns exec "$ns_s" sh -c 'cat /proc/net/udp' | grep -qi ':0035 ' &&
    break
  sleep 0.1
  i=$((i + 1))
done
[ $i -lt 50 ] || { cat "$work"/l1 "$work"/l2 "$work"/l3 "$work/dnsmasq.log"; fail "listeners or dnsmasq did not start"; }

cat >"$work/plan.json" <<'EOF'
{
  "version": 1,
  "from": "198.51.100.1",
  "targets": [
    {"host": "stpriv.blob.core.windows.net", "service": "blob",
     "requirement": "UDR-3", "resource_name": "stpriv", "ports": [443],
     "https": true, "expect": "private",
     "expect_addresses": ["198.51.100.10"]},
    {"host": "stpe.blob.core.windows.net", "service": "blob",
     "requirement": "UDR-3", "resource_name": "stpe", "ports": [443],
     "https": true, "expect": "private"},
    {"host": "kvpub.vault.azure.net", "service": "keyvault",
     "requirement": "KV-3", "ports": [443], "https": true,
     "expect": "public"},
    {"host": "crlab.azurecr.io", "service": "registry",
     "requirement": "OUT-1", "ports": [443], "https": true},
    {"host": "crrfc.azurecr.io", "service": "registry",
     "requirement": "OUT-1", "expect": "private"},
    {"host": "missing.vault.azure.net", "service": "keyvault",
     "requirement": "KV-3", "ports": [443], "https": true},
    {"host": "x.servfail.azureml.ms", "service": "ml",
     "requirement": "OUT-1"},
    {"host": "other.example.org", "requirement": "OUT-1"},
    {"host": "198.51.100.130", "service": "node", "requirement": "NSG-7",
     "ports": [29876, 29877, 44224, 22]}
  ]
}
EOF

if [ "$keep" = --keep ]; then
  echo "lab up: namespaces $ns_c $ns_s $ns_n; plan $work/plan.json"
  echo "  ip netns exec $ns_c $bin probe --plan $work/plan.json --dns-server 198.51.100.2 $here/probe-config"
  echo "press Enter to tear down"
  read -r _
fi

# --- run 1: every classification -----------------------------------------
ip netns exec "$ns_c" "$bin" probe --plan "$work/plan.json" \
  --dns-server 198.51.100.2 --timeout 1500 --format json \
  "$here/probe-config" >"$work/out.json" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "run 1: exit status $rc, expected 1 (findings)"
outside=$(ip netns exec "$ns_c" nft list counter inet pfprobe outside |
  sed -n 's/.*packets \([0-9]*\).*/\1/p')
[ "$outside" = 0 ] ||
  fail "run 1 sent $outside packet(s) to addresses outside the plan"

python3 - "$work/out.json" <<'EOF' || fail "run 1: classifications (above)"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["command"] == "probe", doc.get("command")
got = {}
for r in doc["results"]:
    for c in r["evidence"]["checks"]:
        if c["kind"] == "dns":
            got[("dns", c["name"])] = (c["outcome"], r["status"], c)
        elif c["kind"] == "tcp":
            got[("tcp", c["host"], c["port"])] = (c["outcome"], r["status"], r)
        elif c["kind"] == "https":
            got[("https", c["host"])] = (c["outcome"], r["status"], c, r)
want = {
    ("dns", "stpriv.blob.core.windows.net"): ("private", "pass"),
    ("dns", "stpe.blob.core.windows.net"): ("public", "fail"),
    ("dns", "kvpub.vault.azure.net"): ("public", "pass"),
    ("dns", "crlab.azurecr.io"): ("public", "pass"),
    ("dns", "crrfc.azurecr.io"): ("private", "pass"),
    ("dns", "missing.vault.azure.net"): ("nxdomain", "fail"),
    ("dns", "x.servfail.azureml.ms"): ("servfail", "fail"),
    ("dns", "other.example.org"): ("refused", "fail"),
    ("tcp", "stpriv.blob.core.windows.net", 443): ("open", "pass"),
    ("tcp", "stpe.blob.core.windows.net", 443): ("filtered", "fail"),
    ("tcp", "kvpub.vault.azure.net", 443): ("refused", "fail"),
    ("tcp", "crlab.azurecr.io", 443): ("unreachable", "fail"),
    ("tcp", "missing.vault.azure.net", 443): ("not-probed", "unknown"),
    ("tcp", "198.51.100.130", 29876): ("open", "pass"),
    ("tcp", "198.51.100.130", 29877): ("open", "pass"),
    ("tcp", "198.51.100.130", 44224): ("open", "pass"),
    ("tcp", "198.51.100.130", 22): ("refused", "fail"),
    # HTTPS (probes/pf_https_probe.c) to the DNS answer: a listener that
    # accepts and never answers, a dropped, a reset and an ICMP-rejected
    # port, and a name that did not resolve (not sent)
    ("https", "stpriv.blob.core.windows.net"): ("timeout", "fail"),
    ("https", "stpe.blob.core.windows.net"): ("connect-timeout", "fail"),
    ("https", "kvpub.vault.azure.net"): ("refused", "fail"),
    ("https", "crlab.azurecr.io"): ("unreachable", "fail"),
    ("https", "missing.vault.azure.net"): ("not-probed", "unknown"),
}
bad = 0
for k, (o, s) in want.items():
    if k not in got:
        print("missing result", k); bad += 1; continue
    if got[k][:2] != (o, s):
        print("result", k, "is", got[k][:2], "expected", (o, s)); bad += 1
extra = set(got) - set(want)
if extra:
    print("unexpected results", sorted(extra)); bad += 1
d = got[("dns", "stpriv.blob.core.windows.net")][2]
if d["cname_chain"] != ["stpriv.privatelink.blob.core.windows.net"] or \
   d["addresses"] != ["198.51.100.10"] or d["private_by"] != "privatelink-cname":
    print("privatelink chain", d); bad += 1
d = got[("dns", "crrfc.azurecr.io")][2]
if d["private_by"] != "private-address" or d["addresses"] != ["10.99.0.7"]:
    print("private address", d); bad += 1
# static verdicts from tests/lab/probe-config
def static(k):
    return [c for c in got[k][2]["evidence"]["checks"] if c["kind"] == "static"][0]
s = static(("tcp", "198.51.100.130", 29877))
if (s["verdict"], s["rule"], s["priority"], s["agrees"]) != ("deny", "DenyNode29877Out", 200, False):
    print("static 29877", s); bad += 1
if "live and static differ" not in got[("tcp", "198.51.100.130", 29877)][2]["message"]:
    print("no disagreement text for 29877"); bad += 1
s = static(("tcp", "kvpub.vault.azure.net", 443))
if (s["verdict"], s["rule"], s["agrees"]) != ("deny", "DenyVault443Out", True):
    print("static kv 443", s); bad += 1
s = static(("tcp", "198.51.100.130", 29876))
if (s["verdict"], s["agrees"]) != ("allow", True):
    print("static 29876", s); bad += 1
s = static(("tcp", "stpe.blob.core.windows.net", 443))
if (s["verdict"], s["agrees"]) != ("allow", False):
    print("static filtered 443", s); bad += 1
def hstatic(host):
    return [c for c in got[("https", host)][3]["evidence"]["checks"]
            if c["kind"] == "static"][0]
s = hstatic("kvpub.vault.azure.net")
if (s["verdict"], s["port"], s["agrees"]) != ("deny", 443, True):
    print("https static kv", s); bad += 1
s = hstatic("stpe.blob.core.windows.net")
if (s["verdict"], s["agrees"]) != ("allow", False):
    print("https static stpe", s); bad += 1
h = got[("https", "stpriv.blob.core.windows.net")][2]
if (h["connect_to"], h["verdict"]) != ("198.51.100.10:443", "not-reached"):
    print("https to the DNS answer", h); bad += 1
sm = doc["summary"]
n = len(doc["results"])
if sm["pass"] + sm["unknown"] + sm["fail"]["error"] + sm["fail"]["warning"] != n:
    print("summary does not add up", sm, n); bad += 1
sys.exit(1 if bad else 0)
EOF
# the same run as text (the report reads json; people read this)
ip netns exec "$ns_c" "$bin" probe --plan "$work/plan.json" \
  --dns-server 198.51.100.2 --timeout 1500 "$here/probe-config" \
  >"$work/out.txt" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "run 1 (text): exit status $rc, expected 1"
grep -q 'FAIL    UDR-3  dns  stpe.blob.core.windows.net resolves public' "$work/out.txt" ||
  { cat "$work/out.txt"; fail "run 1 (text): no private endpoint finding"; }
grep 'DenyNode29877Out (200) denies this flow' "$work/out.txt" |
  grep -q 'live and static differ: the port answered' ||
  { cat "$work/out.txt"; fail "run 1 (text): no static disagreement"; }

# the probe document merges into a report
"$bin" report "$work/out.json" --format markdown >"$work/report.md" 2>"$work/err" ||
  [ $? = 1 ] || fail "report could not read the probe document"
grep -q 'stpe.blob.core.windows.net' "$work/report.md" ||
  fail "the report lacks the probe results"

# --- run 2: a DNS server that never answers -------------------------------
cat >"$work/plan2.json" <<'EOF'
{"version": 1, "targets": [
  {"host": "kvpub.vault.azure.net", "requirement": "KV-3", "ports": [443]}
]}
EOF
ip netns exec "$ns_c" "$bin" probe --plan "$work/plan2.json" \
  --dns-server 198.51.100.2:5399 --timeout 900 --format json \
  >"$work/out2.json" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "run 2: exit status $rc, expected 1"
python3 - "$work/out2.json" <<'EOF' || fail "run 2: DNS timeout"
import json, sys
doc = json.load(open(sys.argv[1]))
r = {(c["kind"]): (c["outcome"], x["status"]) for x in doc["results"] for c in x["evidence"]["checks"]}
assert r["dns"] == ("timeout", "fail"), r
assert r["tcp"] == ("not-probed", "unknown"), r
EOF

# --- run 3: a DNS server that is down (port closed: ICMP) -----------------
ip netns exec "$ns_c" "$bin" probe --plan "$work/plan2.json" \
  --dns-server 198.51.100.2:5398 --timeout 900 --format json \
  >"$work/out3.json" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "run 3: exit status $rc, expected 1"
python3 - "$work/out3.json" <<'EOF' || fail "run 3: DNS server down"
import json, sys
doc = json.load(open(sys.argv[1]))
r = {(c["kind"]): (c["outcome"], x["status"]) for x in doc["results"] for c in x["evidence"]["checks"]}
assert r["dns"] == ("unreachable", "fail"), r
EOF

# --- run 4: only open ports, exit 0 ---------------------------------------
cat >"$work/plan4.json" <<'EOF'
{"version": 1, "targets": [
  {"host": "198.51.100.130", "service": "node", "requirement": "NSG-7",
   "ports": [29876, 44224]},
  {"host": "stpriv.blob.core.windows.net", "requirement": "UDR-3",
   "ports": [443], "expect": "private"}
]}
EOF
ip netns exec "$ns_c" "$bin" probe --plan "$work/plan4.json" \
  --dns-server 198.51.100.2 --timeout 900 >"$work/out4.txt" 2>"$work/err"
rc=$?
[ $rc = 0 ] || { cat "$work/out4.txt"; fail "run 4: exit status $rc, expected 0"; }
[ -s "$work/err" ] && fail "run 4: progress or noise on a non-TTY stderr"

echo "PASS: probe-lab (dns: private/public/nxdomain/servfail/refused/timeout; tcp: open/refused/filtered/unreachable; static agree/differ)"
exit 0
