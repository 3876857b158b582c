#!/bin/sh
# SPDX-License-Identifier: MIT
# https-lab.sh - pf_https_probe (issue 5) against real servers in two
# network namespaces, through the test driver tests/lab/https_driver.c.
#
# usage: https-lab.sh HTTPS_DRIVER
#
# A "subnet" namespace (203.0.113.1, the prober) and a "service" namespace
# (203.0.113.2) joined by a veth pair.  In the service namespace:
#   - Azurite (npm, pinned) over HTTPS with a throw-away CA, blob, queue
#     and table, reached with production-style names
#     (acct1.blob.core.windows.net) through connect_to;
#   - tests/lab/https-lab-server.py: REPLAYED Azure answers (the storage
#     firewall's AuthorizationFailure, 401 NoAuthenticationInformation,
#     404 ResourceNotFound, Key Vault ForbiddenByFirewall /
#     ForbiddenByConnection / 401, registry DENIED / 401: no emulator
#     produces them), an expired certificate, a certificate for another
#     host, one from an untrusted CA, plain HTTP, a server that accepts and
#     never answers (before and after TLS), 1 MB of headers (many lines,
#     one line), garbage, a 1 MB body;
#   - nftables: port 9443 dropped (connect timeout), 9444 rejected with
#     ICMP host-unreachable; 9445 closed (RST).
# Every outcome and verdict is asserted, the batch must finish in well
# under two timeouts (a serial run would take at least four), the
# concurrency cap must serialise, no request may carry credentials, and
# bad targets must be refused (exit 2).  Without root, ip, nft, node, npm,
# openssl or python3, or when npm cannot install Azurite, it exits 77
# (skip) and says why.  Everything is removed on exit, failure included.
set -u
drv=${1:?usage: https-lab.sh HTTPS_DRIVER}
here=$(cd "$(dirname "$0")" && pwd)
AZURITE_VERSION=3.35.0

skip() {
  echo "SKIP: https-lab: $*"
  exit 77
}
fail() {
  echo "FAIL: https-lab: $*"
  [ -n "${work:-}" ] && [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"
  [ -n "${work:-}" ] && [ -f "$work/azurite.log" ] &&
    tail -n 10 "$work/azurite.log" | sed 's/^/  azurite: /'
  [ -n "${work:-}" ] && [ -f "$work/srv.log" ] &&
    tail -n 10 "$work/srv.log" | sed 's/^/  server: /'
  exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, nftables)"
for t in ip nft node npm openssl python3; do
  command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

nc=pfhc$$
ns=pfhs$$
work=$(mktemp -d) || fail "mktemp"
azpid=
srvpid=
cleanup() {
  for p in $azpid $srvpid; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  ip netns del "$nc" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

npm install --prefix "$work/npm" --no-audit --no-fund \
  "azurite@$AZURITE_VERSION" >"$work/npm.log" 2>&1 ||
  skip "npm install azurite failed: $(tail -n 1 "$work/npm.log")"
azurite="$work/npm/node_modules/.bin/azurite"
[ -x "$azurite" ] || skip "npm installed no azurite"

# --- the network: subnet <-> service, 203.0.113.0/24 -----------------
ip netns add "$nc" || fail "ip netns add"
ip netns add "$ns" || fail "ip netns add"
ip link add "$nc" type veth peer name "$ns" || fail "ip link add veth"
ip link set "$nc" netns "$nc" && ip link set "$ns" netns "$ns" ||
  fail "ip link set netns"
ip -n "$nc" addr add 203.0.113.1/24 dev "$nc" &&
  ip -n "$ns" addr add 203.0.113.2/24 dev "$ns" &&
  ip -n "$nc" link set lo up && ip -n "$ns" link set lo up &&
  ip -n "$nc" link set "$nc" up && ip -n "$ns" link set "$ns" up ||
  fail "addresses"
ip netns exec "$ns" nft -f - <<'NFT' || fail "nft"
table inet pfh {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 9443 drop
    tcp dport 9444 reject with icmp type host-unreachable
  }
}
NFT

# --- certificates: a throw-away CA and five leaf certificates ---------
SAN="DNS:*.blob.core.windows.net,DNS:*.queue.core.windows.net"
SAN="$SAN,DNS:*.table.core.windows.net,DNS:*.vault.azure.net"
SAN="$SAN,DNS:*.azurecr.io,DNS:*.lab.test"
(
  cd "$work" || exit 1
  set -e
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=https-lab CA" \
    -keyout ca.key -out ca.pem
  leaf() {   # name CA-prefix SAN
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" \
      -out "$1.csr"
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
      -CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem"
  }
  leaf good ca "$SAN"
  leaf wrong ca "DNS:other.example"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=rogue CA" \
    -keyout rogue.key -out rogue.pem
  leaf untrusted rogue "$SAN"
  # expired: `openssl ca` takes explicit dates in the past
  mkdir ca.db
  : >ca.db/index.txt
  echo 1000 >ca.db/serial
  cat >ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
dir = ca.db
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[ext]
subjectAltName = $SAN
basicConstraints = CA:FALSE
CNF
  openssl req -newkey rsa:2048 -nodes -subj "/CN=expired" \
    -keyout expired.key -out expired.csr
  openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
    -in expired.csr -out expired.pem -startdate 20200101000000Z \
    -enddate 20200102000000Z -extensions ext -notext
) >"$work/openssl.log" 2>&1 || fail "openssl: $(tail -n 1 "$work/openssl.log")"

# --- servers in the service namespace ---------------------------------
S=203.0.113.2
c() { echo "$work/$1.pem:$work/$1.key"; }
mkdir -p "$work/data"
ip netns exec "$ns" env AZURITE_ACCOUNTS="acct1:$(python3 -c 'import base64, os
print(base64.b64encode(os.urandom(64)).decode())')" "$azurite" \
  --blobHost $S --blobPort 10000 --queueHost $S --queuePort 10001 \
  --tableHost $S --tablePort 10002 --cert "$work/good.pem" \
  --key "$work/good.key" --skipApiVersionCheck --loose --disableTelemetry \
  --location "$work/data" >"$work/azurite.log" 2>&1 &
azpid=$!
ip netns exec "$ns" python3 "$here/https-lab-server.py" $S \
  --log "$work/requests.log" \
  "replay-storage-firewall:8001:$(c good)" \
  "replay-storage-noauth:8002:$(c good)" \
  "replay-storage-notfound:8003:$(c good)" \
  "replay-kv-firewall:8004:$(c good)" \
  "replay-kv-connection:8005:$(c good)" \
  "replay-kv-401:8006:$(c good)" \
  "replay-acr-denied:8007:$(c good)" \
  "replay-acr-401:8008:$(c good)" \
  "replay-storage-notfound:8010:$(c expired)" \
  "replay-storage-notfound:8011:$(c wrong)" \
  "replay-storage-notfound:8012:$(c untrusted)" \
  "plain:8013" \
  "silent:8014" \
  "tls-silent:8015:$(c good)" \
  "huge-headers:8016:$(c good)" \
  "huge-line:8017:$(c good)" \
  "garbage:8018:$(c good)" \
  "big-body:8019:$(c good)" \
  >"$work/srv.log" 2>&1 &
srvpid=$!

# wait (60 s) until every listener answers a TCP connect from the subnet
ip netns exec "$nc" python3 - <<'PY' || fail "servers did not start"
import socket, sys, time
ports = [10000, 10001, 10002] + list(range(8001, 8009)) + \
        list(range(8010, 8020))
deadline = time.time() + 60
for p in ports:
    while True:
        try:
            socket.create_connection(("203.0.113.2", p), 0.5).close()
            break
        except OSError:
            if time.time() > deadline:
                print("port %d" % p)
                sys.exit(1)
            time.sleep(0.2)
PY

# --- the batch --------------------------------------------------------
TIMEOUT=3000
python3 - "$work" "$TIMEOUT" >"$work/plan.json" <<'PY' || fail "plan"
import json, sys
work, timeout = sys.argv[1], int(sys.argv[2])
T = [
    ("az-blob", "https://acct1.blob.core.windows.net/?comp=list", "blob", 10000),
    ("az-queue", "https://acct1.queue.core.windows.net/?comp=list", "queue", 10001),
    ("az-table", "https://acct1.table.core.windows.net/Tables", "table", 10002),
    ("st-firewall", "https://stfw.blob.core.windows.net/?comp=list", "blob", 8001),
    ("st-noauth", "https://stok.queue.core.windows.net/?comp=list", "queue", 8002),
    ("st-notfound", "https://stok.blob.core.windows.net/?comp=list", "blob", 8003),
    ("kv-firewall", "https://kvfw.vault.azure.net/secrets?api-version=7.4", "keyvault", 8004),
    ("kv-connection", "https://kvpl.vault.azure.net/secrets?api-version=7.4", "keyvault", 8005),
    ("kv-401", "https://kvok.vault.azure.net/secrets?api-version=7.4", "keyvault", 8006),
    ("acr-denied", "https://acrfw.azurecr.io/v2/", "registry", 8007),
    ("acr-401", "https://acrok.azurecr.io/v2/", "registry", 8008),
    ("expired", "https://old.blob.core.windows.net/?comp=list", "blob", 8010),
    ("wrong-host", "https://st.blob.core.windows.net/?comp=list", "blob", 8011),
    ("untrusted", "https://st.blob.core.windows.net/?comp=list", "blob", 8012),
    ("plain-http", "https://plain.lab.test/", "other", 8013),
    ("silent", "https://silent.lab.test/", "other", 8014),
    ("tls-silent", "https://tlssilent.lab.test/", "other", 8015),
    ("huge-headers", "https://huge.lab.test/", "other", 8016),
    ("huge-line", "https://hugeline.lab.test/", "other", 8017),
    ("garbage", "https://garbage.lab.test/", "other", 8018),
    ("big-body", "https://big.lab.test/", "other", 8019),
    ("dropped", "https://dropped.lab.test/", "other", 9443),
    ("rejected", "https://rejected.lab.test/", "other", 9444),
    ("closed", "https://closed.lab.test/", "other", 9445),
]
targets = [{"name": n, "url": u, "service": s,
            "connect_to": "203.0.113.2:%d" % p} for n, u, s, p in T]
targets.append({"name": "dns", "url": "https://nosuch.pfh-lab.invalid/",
                "service": "other"})
print(json.dumps({"ca_file": work + "/ca.pem", "timeout_ms": timeout,
                  "concurrency": 0, "targets": targets}))
PY
ip netns exec "$nc" "$drv" "$work/plan.json" >"$work/out.json" 2>"$work/err" ||
  fail "driver exit $?"
python3 - "$work/out.json" "$TIMEOUT" <<'PY' || fail "batch results"
import json, sys
d = json.load(open(sys.argv[1]))
timeout = int(sys.argv[2])
r = {x["name"]: x for x in d["results"]}
A, RE, BL, NR, IN = "answered", "reachable", "blocked-by-firewall", \
    "not-reached", "inconclusive"
# name: outcome, verdict, status, error_code, inner_code, firewall_known
want = {
    # Azurite's own answers to anonymous requests (measured, 3.35.0)
    "az-blob": (A, RE, 403, "AuthorizationFailure", "", True),
    "az-queue": (A, RE, 403, "AuthenticationFailed", "", True),
    "az-table": (A, RE, 403, "AuthorizationFailure", "", True),
    # replayed Azure answers
    "st-firewall": (A, BL, 403, "AuthorizationFailure", "", True),
    "st-noauth": (A, RE, 401, "NoAuthenticationInformation", "", True),
    "st-notfound": (A, RE, 404, "ResourceNotFound", "", True),
    "kv-firewall": (A, BL, 403, "Forbidden", "ForbiddenByFirewall", True),
    "kv-connection": (A, BL, 403, "Forbidden", "ForbiddenByConnection", True),
    "kv-401": (A, RE, 401, "Unauthorized", "", False),
    "acr-denied": (A, BL, 403, "DENIED", "", True),
    "acr-401": (A, RE, 401, "UNAUTHORIZED", "", True),
    # transport
    "expired": ("tls-expired", NR, 0, "", "", False),
    "wrong-host": ("tls-wrong-host", NR, 0, "", "", False),
    "untrusted": ("tls-untrusted", NR, 0, "", "", False),
    "plain-http": ("tls-failed", NR, 0, "", "", False),
    "silent": ("timeout", NR, 0, "", "", False),
    "tls-silent": ("timeout", NR, 0, "", "", False),
    "huge-headers": ("protocol-error", IN, 0, "", "", False),
    "huge-line": ("protocol-error", IN, 0, "", "", False),
    "garbage": ("protocol-error", IN, 0, "", "", False),
    "big-body": (A, RE, 200, "", "", False),
    "dropped": ("connect-timeout", NR, 0, "", "", False),
    "rejected": ("unreachable", NR, 0, "", "", False),
    "closed": ("refused", NR, 0, "", "", False),
    "dns": ("dns-failed", NR, 0, "", "", False),
}
bad = []
for name, (o, v, st, code, inner, fw) in want.items():
    x = r[name]
    got = (x["outcome"], x["verdict"], x["status"], x["error_code"],
           x["inner_code"], x["firewall_known"])
    if got != (o, v, st, code, inner, fw):
        bad.append("%s: got %r want %r (%s)" % (name, got,
                   (o, v, st, code, inner, fw), x["detail"]))
    if not x["why"]:
        bad.append(name + ": no why")
for name in want:
    x = r[name]
    if name != "dns" and x["ip"] != "203.0.113.2":
        bad.append("%s: ip %r" % (name, x["ip"]))
    if x["outcome"] == "answered" and not (x["t_tls_ms"] >= 0 and
                                           x["t_first_byte_ms"] >= 0):
        bad.append(name + ": answered without TLS / first byte timings")
    if x["outcome"] == "tls-expired" and x["t_tls_ms"] != -1:
        bad.append(name + ": TLS timing for a failed handshake")
# the firewall's message and the timed-out phase are reported
if "not authorized" not in r["st-firewall"]["detail"]:
    bad.append("st-firewall detail: " + r["st-firewall"]["detail"])
if "Client address" not in r["kv-firewall"]["detail"]:
    bad.append("kv-firewall detail: " + r["kv-firewall"]["detail"])
if "\r" in r["kv-firewall"]["detail"] or "Caller" in r["kv-firewall"]["detail"]:
    bad.append("kv-firewall detail has more than its first line")
if "no TLS answer" not in r["silent"]["detail"]:
    bad.append("silent detail: " + r["silent"]["detail"])
if "no HTTP answer" not in r["tls-silent"]["detail"]:
    bad.append("tls-silent detail: " + r["tls-silent"]["detail"])
# about one timeout for the whole batch: three targets time out, so a
# serial run takes >= 3 timeouts; 2 timeouts leaves room for a busy host
if d["elapsed_ms"] >= 2 * timeout:
    bad.append("batch took %.0f ms, timeout %d ms" % (d["elapsed_ms"], timeout))
if d["elapsed_ms"] < timeout:
    bad.append("batch took %.0f ms, less than one timeout" % d["elapsed_ms"])
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("ok: %d targets, %.0f ms with a %d ms timeout"
      % (len(r), d["elapsed_ms"], timeout))
PY
echo "ok: every outcome and verdict of the batch"

# --- no credentials went out: the replay servers log request headers --
if grep -i -q -E '^(authorization|cookie|proxy-authorization):' \
  "$work/requests.log"; then
  fail "a request carried credentials: $(grep -i authorization "$work/requests.log" | head -1)"
fi
grep -q '^GET /secrets?api-version=7.4 ' "$work/requests.log" ||
  fail "requests.log: $(head -3 "$work/requests.log")"
echo "ok: anonymous GETs only, no Authorization or Cookie header"

# --- without ca_file the lab CA is not trusted ------------------------
cat >"$work/plan2.json" <<JSON
{"timeout_ms": $TIMEOUT, "targets": [
 {"name": "az-blob", "service": "blob",
  "url": "https://acct1.blob.core.windows.net/?comp=list",
  "connect_to": "203.0.113.2:10000"}]}
JSON
ip netns exec "$nc" "$drv" "$work/plan2.json" >"$work/out.json" 2>"$work/err" ||
  fail "driver exit $?"
python3 - "$work/out.json" <<'PY' || fail "no ca_file: $(cat "$work/out.json")"
import json, sys
x = json.load(open(sys.argv[1]))["results"][0]
assert (x["outcome"], x["verdict"]) == ("tls-untrusted", "not-reached"), x
PY
echo "ok: without ca_file the throw-away CA is untrusted"

# --- the concurrency cap: a silent server twice, one at a time --------
cat >"$work/plan3.json" <<JSON
{"timeout_ms": 1000, "concurrency": 1, "targets": [
 {"name": "a", "url": "https://a.lab.test/", "connect_to": "203.0.113.2:8014"},
 {"name": "b", "url": "https://b.lab.test/", "connect_to": "203.0.113.2:8014"}]}
JSON
ip netns exec "$nc" "$drv" "$work/plan3.json" >"$work/out.json" 2>"$work/err" ||
  fail "driver exit $?"
python3 - "$work/out.json" <<'PY' || fail "concurrency 1: $(cat "$work/out.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["outcome"] for x in d["results"]] == ["timeout", "timeout"], d
assert d["elapsed_ms"] >= 2000, d["elapsed_ms"]   # serialised
PY
echo "ok: concurrency 1 runs the targets one after the other"

# --- refused targets: exit 2 with the reason, nothing sent -------------
refuse() {   # url expected-text
  printf '{"targets": [{"name": "x", "url": "%s"}]}\n' "$1" >"$work/bad.json"
  ip netns exec "$nc" "$drv" "$work/bad.json" >"$work/out.json" 2>"$work/err"
  rc=$?
  [ "$rc" = 2 ] || fail "$1: exit $rc, expected 2"
  grep -q "targets\[0\].url: $2" "$work/err" || fail "$1: $(cat "$work/err")"
}
refuse "http://plain.lab.test/" "not an https:// URL"
refuse "https://user:pw@st.blob.core.windows.net/" "user info in the URL"
refuse "https://st.blob.core.windows.net/c?sv=2022-11-02&sig=abc" \
  "a SAS signature in the URL"
echo "ok: http, user info and SAS URLs are refused"
echo "PASS: https-lab"
