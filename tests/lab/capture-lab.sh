#!/bin/sh
# SPDX-License-Identifier: MIT
# capture-lab.sh - `preflight capture -i` for real: a node and a "Batch"
# client in two network namespaces joined by a veth pair.
#
# usage: capture-lab.sh PREFLIGHT [--save FILE]
#
# The node namespace listens on TCP 29876 (python3); preflight captures on
# the node's veth for a few seconds, as root, and drops to nobody once the
# interface is open.  Meanwhile four clients in the batch namespace, each
# from its own address, connect:
#   192.0.2.10 -> 29876  completed
#   192.0.2.11 -> 29876  reply-lost: nftables in the batch namespace drops
#                        the SYN-ACKs coming back, so the client keeps
#                        retransmitting its SYN (the asymmetric route)
#   192.0.2.12 -> 29876  unanswered: nftables in the node namespace drops
#                        the SYNs (the capture sees them before netfilter)
#   192.0.2.13 -> 29877  refused: nothing listens, the node answers RST
# and the script checks each state in the JSON output.  A first, silent
# run checks that a capture without traffic stops on time and says so.
# --save FILE keeps a tcpdump capture of the run (headers only) for a
# golden test.
#
# Traffic exists only inside the namespaces it creates (192.0.2.0/24,
# TEST-NET-1); everything is removed on exit, failure included.  Without
# root, network namespaces, nft or python3 it exits 77 (skip) and says why.
set -u
bin=${1:?usage: capture-lab.sh PREFLIGHT [--save FILE]}
save=
[ "${2:-}" = --save ] && save=${3:?--save needs a FILE}

skip() {
  echo "SKIP: capture-lab: $*"
  exit 77
}
fail() {
  echo "FAIL: capture-lab: $*"
  [ -n "${work:-}" ] && [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"
  exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
command -v ip >/dev/null 2>&1 || skip "no 'ip' command (iproute2)"
command -v python3 >/dev/null 2>&1 || skip "no python3 (listener, clients)"
if ! command -v nft >/dev/null 2>&1; then
  # install it when this machine allows (Debian, root)
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables \
      >/dev/null 2>&1 || true
  fi
  command -v nft >/dev/null 2>&1 || skip "no nft (Debian package nftables)"
fi

tag=$$
ns_node=pfcap-node-$tag
ns_batch=pfcap-batch-$tag
if_node=pfcn$tag
if_batch=pfcb$tag
work=$(mktemp -d) || exit 1
pids=

cleanup() {
  for p in $pids; do
    kill "$p" 2>/dev/null
  done
  for p in $pids; do
    wait "$p" 2>/dev/null
  done
  ip netns del "$ns_node" 2>/dev/null
  ip netns del "$ns_batch" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$ns_node" 2>/dev/null ||
  skip "cannot create network namespaces here"
ip netns add "$ns_batch" || fail "cannot create a second namespace"
# the veth pair is created inside the node namespace: nothing of it ever
# appears in the namespace this script runs in
ip -n "$ns_node" link add "$if_node" type veth peer name "$if_batch" \
  netns "$ns_batch" || fail "cannot create the veth pair"
ip -n "$ns_node" link set lo up
ip -n "$ns_batch" link set lo up
ip -n "$ns_node" addr add 192.0.2.2/24 dev "$if_node"
for a in 10 11 12 13; do
  ip -n "$ns_batch" addr add 192.0.2.$a/24 dev "$if_batch"
done
ip -n "$ns_node" link set "$if_node" up
ip -n "$ns_batch" link set "$if_batch" up
# no duplicate address detection delays for IPv6 link-locals, no ARP race
sleep 1

ip netns exec "$ns_batch" nft -f - <<EOF || fail "nft in $ns_batch"
table inet pfcaplab {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 192.0.2.11 tcp sport 29876 \
      tcp flags & (syn | ack) == syn | ack drop
  }
}
EOF
ip netns exec "$ns_node" nft -f - <<EOF || fail "nft in $ns_node"
table inet pfcaplab {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 192.0.2.12 tcp dport 29876 drop
  }
}
EOF

# silence first: nothing is sent, so the capture must still stop on time
# and report that no management traffic arrived
start=$(date +%s)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
  ip netns exec "$ns_node" timeout 20 "$bin" capture -i "$if_node" \
  --seconds 2 >"$work/silent.txt" 2>"$work/silent.err"
rc=$?
[ "$rc" = 1 ] || fail "silent capture exited $rc, expected 1"
[ $(($(date +%s) - start)) -le 6 ] || fail "silent capture did not stop"
grep -q "no management traffic arrived in 2.0 s" "$work/silent.txt" ||
  fail "silent capture: no finding: $(cat "$work/silent.txt")"
echo "  (silence)   no management traffic arrived in 2.0 s"

ip netns exec "$ns_node" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 29876))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
' >"$work/listener.log" 2>&1 &
pids="$pids $!"
# wait until it listens (python starts slowly on a busy host); ss reads
# the socket table and sends nothing, so the capture sees no extra packet
i=0
until ip netns exec "$ns_node" ss -Htln 'sport = :29876' | grep -q .; do
  i=$((i + 1))
  [ $i -gt 100 ] && fail "the listener on 192.0.2.2:29876 did not start"
  sleep 0.1
done

if [ -n "$save" ]; then
  command -v tcpdump >/dev/null 2>&1 || fail "--save needs tcpdump"
  ip netns exec "$ns_node" tcpdump -i "$if_node" -s 128 -U -n \
    -w "$work/lab.pcap" 'tcp' >"$work/tcpdump.log" 2>&1 &
  pids="$pids $!"
fi

# LeakSanitizer cannot stop the world once the process changed its user
# (it is no longer dumpable): leaks are checked by the file-based tests
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
  ip netns exec "$ns_node" "$bin" capture -i "$if_node" --seconds 8 \
  --format json >"$work/out.json" 2>"$work/err" &
cap_pid=$!
pids="$pids $cap_pid"

# wait until preflight says it is capturing (the device is open)
i=0
until grep -q "capturing on" "$work/err" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 50 ] && fail "preflight did not start capturing"
  kill -0 "$cap_pid" 2>/dev/null || fail "preflight exited early"
  sleep 0.1
done
grep -q "running as nobody" "$work/err" ||
  fail "preflight did not report dropping root to nobody"

client() {
  ip netns exec "$ns_batch" python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(5)
s.bind((sys.argv[1], 0))
try:
    s.connect(("192.0.2.2", int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(type(e).__name__)
s.close()
' "$1" "$2" >"$work/client-$1.log" 2>&1
}
client 192.0.2.10 29876 &
c1=$!
client 192.0.2.11 29876 &
c2=$!
client 192.0.2.12 29876 &
c3=$!
client 192.0.2.13 29877 &
c4=$!
wait $c1 $c2 $c3 $c4

wait "$cap_pid"
rc=$?
pids=$(echo "$pids" | sed "s/ $cap_pid//")
[ "$rc" = 1 ] || fail "preflight exited $rc, expected 1 (findings)"
grep -q connected "$work/client-192.0.2.10.log" ||
  fail "the client 192.0.2.10 did not connect:" \
    "$(cat "$work/client-192.0.2.10.log")"

python3 - "$work/out.json" <<'EOF' || fail "unexpected diagnosis"
import json, sys
doc = json.load(open(sys.argv[1]))
want = {"192.0.2.10": "completed", "192.0.2.11": "reply-lost",
        "192.0.2.12": "unanswered", "192.0.2.13": "refused"}
got = {}
for c in doc["connections"]:
    got.setdefault(c["client"], []).append(c["state"])
ok = True
for client, state in want.items():
    states = got.get(client, [])
    print("  %-11s %-10s %s" % (client, state, states))
    if states != [state]:
        ok = False
lost = [c for c in doc["connections"] if c["state"] == "reply-lost"]
if lost and (lost[0]["syn_count"] < 2 or lost[0]["synack_count"] < 1
             or lost[0]["requirement"] != "UDR-1"):
    print("  reply-lost counts or requirement wrong: %s" % lost[0])
    ok = False
if doc["capture"]["interface"] is None or doc["capture"]["truncated"]:
    ok = False
sys.exit(0 if ok else 1)
EOF

if [ -n "$save" ]; then
  sleep 1
  for p in $pids; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  pids=
  cp "$work/lab.pcap" "$save" || fail "cannot save $save"
  echo "capture-lab: saved $save"
fi
echo "PASS: capture-lab"
exit 0
