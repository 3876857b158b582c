#!/bin/sh
# SPDX-License-Identifier: MIT
# bench_probe.sh - `preflight probe` against nmap and dnsperf in the lab
# (issue 5 "Performance"; docs/probe.md).  Root only: it builds two network
# namespaces joined by a veth pair in 198.51.100.0/24.
#
# usage: sudo sh bench/bench_probe.sh build/preflight
#
# TCP: 1,000 targets on 198.51.100.20 - ports 20001-20333 open (listeners),
# 20334-20666 refused (nothing listens: RST), 20667-21000 filtered
# (nftables drop) - with a 1 s timeout: preflight's wall time next to
# `nmap -sT -Pn -n` on the same 1,000 ports: with nmap's defaults, with
# -T4 and one try, with everything matched (one try, a fixed 1 s timeout,
# 1,000 in flight), and both again with a 100 ms timeout.  Target:
# preflight <= 1.3 s and >= 3x faster than nmap.
# DNS: 10,000 names served by dnsmasq (a hosts file), resolved by
# preflight (A, 50 and 100 in flight) and by `dnsperf -q 50` / `-q 100`
# from the same list, five alternating rounds; median queries per second
# side by side (preflight's DNS phase from its JSON `elapsed_ms.dns`, and
# its whole run).  Target: preflight >= 0.5x.
# Installs nmap and dnsperf with apt when missing.  Nothing leaves the
# namespaces; everything is removed on exit.
set -u
bin=${1:?usage: bench_probe.sh PREFLIGHT}
case "$bin" in /*) ;; *) bin=$(pwd)/$bin ;; esac

die() {
  echo "bench_probe: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip nft dnsmasq python3; do
  command -v $t >/dev/null 2>&1 || die "needs $t"
done
here=$(cd "$(dirname "$0")/.." && pwd)
for t in nmap dnsperf; do
  command -v $t >/dev/null 2>&1 || sh "$here/scripts/apt-install" $t >/dev/null 2>&1
  command -v $t >/dev/null 2>&1 || die "needs $t (apt-get install $t)"
done

tag=$$
ns_c=pfbench-c-$tag
ns_s=pfbench-s-$tag
work=$(mktemp -d) || exit 1
chmod 755 "$work"
pids=
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do wait "$p" 2>/dev/null; done
  ip netns del "$ns_c" 2>/dev/null
  ip netns del "$ns_s" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$ns_c" || die "cannot create namespaces"
ip netns add "$ns_s" || die "cannot create namespaces"
ip -n "$ns_c" link add ba$tag type veth peer name bb$tag netns "$ns_s"
ip -n "$ns_c" link set lo up
ip -n "$ns_s" link set lo up
ip -n "$ns_c" addr add 198.51.100.1/24 dev ba$tag
ip -n "$ns_s" addr add 198.51.100.2/24 dev bb$tag
ip -n "$ns_s" addr add 198.51.100.20/24 dev bb$tag
ip -n "$ns_c" link set ba$tag up
ip -n "$ns_s" link set bb$tag up
cat >"$work/s.nft" <<'EOF'
table inet pfbench {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 198.51.100.20 tcp dport 20667-21000 drop
  }
}
EOF
ip netns exec "$ns_s" nft -f "$work/s.nft" || die "nft"

cat >"$work/listen.py" <<'EOF'
import selectors, socket, sys
sel = selectors.DefaultSelector()
lo, hi = int(sys.argv[2]), int(sys.argv[3])
for port in range(lo, hi + 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port))
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept()
            c.close()
        except OSError:
            pass
EOF
ip netns exec "$ns_s" sh -c 'ulimit -n 4096; exec python3 "$0" 198.51.100.20 20001 20333' \
  "$work/listen.py" >"$work/l" 2>&1 &
pids="$pids $!"

# 10,000 names in a hosts file for dnsmasq
python3 - "$work" <<'EOF'
import sys
w = sys.argv[1]
with open(w + "/hosts", "w") as h, open(w + "/names.txt", "w") as q, \
     open(w + "/dnsplan.json", "w") as p:
    p.write('{"version": 1, "targets": [\n')
    for i in range(10000):
        name = "st%05d.blob.core.windows.net" % i
        h.write("198.51.%d.%d %s\n" % (100, 1 + i % 250, name))
        q.write("%s A\n" % name)
        p.write('%s{"host": "%s", "requirement": "UDR-3"}\n' % ("," if i else "", name))
    p.write("]}\n")
with open(w + "/tcpplan.json", "w") as p:
    p.write('{"version": 1, "targets": [\n')
    for i, port in enumerate(range(20001, 21001)):
        p.write('%s{"host": "198.51.100.20", "requirement": "NSG-7", "ports": [%d]}\n'
                % ("," if i else "", port))
    p.write("]}\n")
EOF
cat >"$work/dnsmasq.conf" <<EOF
port=53
listen-address=198.51.100.2
bind-interfaces
no-resolv
no-hosts
user=root
addn-hosts=$work/hosts
local=/windows.net/
cache-size=10000
EOF
ip netns exec "$ns_s" dnsmasq -k --conf-file="$work/dnsmasq.conf" \
  --log-facility=- >"$work/dnsmasq.log" 2>&1 &
pids="$pids $!"
i=0
while [ $i -lt 100 ]; do
  grep -q ready "$work/l" 2>/dev/null &&
    ip netns exec "$ns_s" cat /proc/net/udp | grep -qi ':0035 ' && break
  sleep 0.1
  i=$((i + 1))
done
[ $i -lt 100 ] || die "listeners or dnsmasq did not start"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }
inc() { ip netns exec "$ns_c" sh -c 'ulimit -n "$(ulimit -Hn)"; exec "$@"' sh "$@"; }

echo "== TCP: 1,000 targets (333 open, 333 refused, 334 filtered), timeout 1 s"
t0=$(now)
inc "$bin" probe --plan "$work/tcpplan.json" --timeout 1000 --format json \
  >"$work/tcp.json" 2>"$work/tcp.err"
t1=$(now)
pf=$(elapsed "$t0" "$t1")
python3 - "$work/tcp.json" <<'EOF' || die "preflight's TCP classification is wrong"
import collections, json, sys
c = collections.Counter(ch["outcome"] for r in json.load(open(sys.argv[1]))["results"]
                        for ch in r["evidence"]["checks"] if ch["kind"] == "tcp")
print("  preflight outcomes:", dict(c))
sys.exit(0 if c == {"open": 333, "refused": 333, "filtered": 334} else 1)
EOF
nmap_run() {   # LABEL OPTIONS...
  label=$1
  shift
  t0=$(now)
  inc nmap -sT -Pn -n -p 20001-21000 "$@" 198.51.100.20 -oX "$work/nmap.xml" \
    >/dev/null 2>"$work/nmap.err"
  t1=$(now)
  nm=$(elapsed "$t0" "$t1")
  c=$(python3 - "$work/nmap.xml" <<'EOF'
import collections, sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
c = collections.Counter()
for p in r.iter("port"):
    c[p.find("state").get("state")] += 1
for e in r.iter("extraports"):
    c[e.get("state")] += int(e.get("count"))
print(dict(c))
EOF
)
  echo "  nmap $label: ${nm} s, outcomes $c, ratio nmap/preflight $(python3 -c "print('%.1f' % ($nm / $pf))")x"
}
echo "  preflight probe --timeout 1000: ${pf} s (target <= 1.3 s)"
# nmap's defaults (-T3: retries, adaptive timeouts), for context
nmap_run "(defaults)"
# the same timeout and one try; nmap's own parallelism control
nmap_run "-T4 --max-retries 0 --max-rtt-timeout 1000ms" -T4 --max-retries 0 \
  --max-rtt-timeout 1000ms
# everything matched: one try, 1 s, 1,000 in flight like preflight
nmap_run "--max-retries 0 --min/max/initial-rtt-timeout 1000ms --min-parallelism 1000" \
  --max-retries 0 --max-rtt-timeout 1000ms --min-rtt-timeout 1000ms \
  --initial-rtt-timeout 1000ms --min-parallelism 1000
echo "  target: preflight >= 3x faster than nmap"

# nmap -T4 above waits far less than 1 s for a filtered port (its timeout
# follows the measured RTT, 100 ms at least): both again with 100 ms
t0=$(now)
inc "$bin" probe --plan "$work/tcpplan.json" --timeout 100 --format json \
  >"$work/tcp100.json" 2>"$work/tcp.err"
t1=$(now)
pf=$(elapsed "$t0" "$t1")
python3 - "$work/tcp100.json" <<'EOF' || die "preflight's TCP classification (100 ms) is wrong"
import collections, json, sys
c = collections.Counter(ch["outcome"] for r in json.load(open(sys.argv[1]))["results"]
                        for ch in r["evidence"]["checks"] if ch["kind"] == "tcp")
sys.exit(0 if c == {"open": 333, "refused": 333, "filtered": 334} else 1)
EOF
echo "  preflight probe --timeout 100: ${pf} s (same outcomes)"
nmap_run "-T4 --max-retries 0 --min/max/initial-rtt-timeout 100ms" -T4 \
  --max-retries 0 --max-rtt-timeout 100ms --min-rtt-timeout 100ms \
  --initial-rtt-timeout 100ms

echo "== DNS: 10,000 names against dnsmasq"
# the machine is shared: five alternating rounds, medians reported
rounds=${PF_BENCH_ROUNDS:-5}
for q in 50 100; do
  : >"$work/pf.rates"
  : >"$work/dp.rates"
  r=0
  while [ $r -lt "$rounds" ]; do
    r=$((r + 1))
    t0=$(now)
    inc "$bin" probe --plan "$work/dnsplan.json" --dns-server 198.51.100.2 \
      --timeout 3000 --dns-concurrency $q --format json >"$work/dns.json" \
      2>"$work/dns.err"
    t1=$(now)
    python3 - "$work/dns.json" "$(elapsed "$t0" "$t1")" <<'EOF' >>"$work/pf.rates" || die "preflight's DNS results are wrong"
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter(ch["outcome"] for r in d["results"]
                        for ch in r["evidence"]["checks"] if ch["kind"] == "dns")
if c.get("public", 0) != 10000:
    print("outcomes", dict(c), file=sys.stderr)
    sys.exit(1)
print("%.0f %.0f" % (10000 / (d["elapsed_ms"]["dns"] / 1000.0),
                     10000 / float(sys.argv[2])))
EOF
    inc dnsperf -s 198.51.100.2 -d "$work/names.txt" -n 1 -q $q -t 3 \
      >"$work/dnsperf.txt" 2>&1
    sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$work/dnsperf.txt" \
      >>"$work/dp.rates"
  done
  python3 - "$work/pf.rates" "$work/dp.rates" $q <<'EOF'
import statistics, sys
pf = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
dp = [float(l) for l in open(sys.argv[2]) if l.strip()]
phase = statistics.median(p[0] for p in pf)
whole = statistics.median(p[1] for p in pf)
d = statistics.median(dp)
print("  %s in flight, median of %d rounds: preflight DNS phase %.0f names/s "
      "(whole run incl. start, plan read, 10,000 results written: %.0f/s); "
      "dnsperf -q %s %.0f queries/s; ratio %.2fx (whole run %.2fx); "
      "target >= 0.5x" % (sys.argv[3], len(pf), phase, whole, sys.argv[3], d,
                          phase / d, whole / d))
print("    preflight phase rates:", [int(p[0]) for p in pf])
print("    dnsperf rates:        ", [int(x) for x in dp])
EOF
done
