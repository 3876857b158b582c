#!/bin/sh
# SPDX-License-Identifier: MIT
# keys-lab.sh - `preflight keys verify` and the storage key check of
# `preflight probe` (KEY-2) against Azurite over TLS.
#
# usage: keys-lab.sh PREFLIGHT
#
# Installs Azurite with npm into a scratch folder, makes a throw-away CA
# and a server certificate for 127.0.0.1 with openssl, and starts the blob
# service on a free loopback port with HTTPS and one account, acct1, whose
# key is random.  A container is created with a Shared Key signed PUT
# (python3), then:
#   the right key    -> pass (the container, and 404 ContainerNotFound)
#   a stale key      -> fail, exit 1 (403: Azurite says AuthorizationFailure
#                       with Azure's "Server failed to authenticate")
#   no --ca-file     -> unknown (the certificate is not trusted)
#   a closed port    -> unknown (unreachable)
# then the same through `preflight probe --plan FILE` (one loopback TCP
# target, so nothing but 127.0.0.1 is contacted) with --keys or the
# environment: pass, fail (exit 1), unknown without --ca-file; without a
# key no KEY-2 result and "not run" said once (text, json); --print-plan
# lists the checks and sends nothing (a listener counts connections);
# and no key ever appears on stdout or stderr.  Loopback only; Azurite and
# the scratch folder are removed on exit, failure included.  Without root,
# node, npm, openssl or python3, or when npm cannot install Azurite, it
# exits 77 (skip) and says why.
set -u
bin=${1:?usage: keys-lab.sh PREFLIGHT}

skip() {
  echo "SKIP: keys-lab: $*"
  exit 77
}
fail() {
  echo "FAIL: keys-lab: $*"
  [ -n "${work:-}" ] && [ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err"
  [ -n "${work:-}" ] && [ -f "$work/azurite.log" ] &&
    tail -n 20 "$work/azurite.log" | sed 's/^/  azurite: /'
  exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
for t in node npm openssl python3; do
  command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

work=$(mktemp -d) || fail "mktemp"
azpid=
lpid=
cleanup() {
  for p in $azpid $lpid; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

npm install --prefix "$work/npm" --no-audit --no-fund azurite \
  >"$work/npm.log" 2>&1 ||
  skip "npm install azurite failed: $(tail -n 1 "$work/npm.log")"
azurite="$work/npm/node_modules/.bin/azurite-blob"
[ -x "$azurite" ] || skip "npm installed no azurite-blob"

# throw-away CA and a server certificate for 127.0.0.1
(
  cd "$work" &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=keys-lab CA" \
    -keyout ca.key -out ca.pem &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout srv.key -out srv.csr &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' \
    >srv.ext &&
  openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 1 -extfile srv.ext -out srv.pem
) >"$work/openssl.log" 2>&1 || fail "openssl: $(tail -n 1 "$work/openssl.log")"

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
newkey() {
  python3 -c 'import base64, os
print(base64.b64encode(os.urandom(64)).decode())'
}
port=$(free_port) || fail "no free port"
closed=$(free_port) || fail "no free port"
KEY=$(newkey) || fail "python3"
STALE=$(newkey) || fail "python3"

mkdir -p "$work/data"
AZURITE_ACCOUNTS="acct1:$KEY" "$azurite" --blobHost 127.0.0.1 \
  --blobPort "$port" --cert "$work/srv.pem" --key "$work/srv.key" \
  --skipApiVersionCheck --loose --disableTelemetry --location "$work/data" \
  >"$work/azurite.log" 2>&1 &
azpid=$!

# wait for the listener (30 s)
python3 - "$port" <<'PY' || fail "Azurite did not start on port $port"
import socket, sys, time
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY

# create container labctr: a Shared Key signed PUT, key from the environment
LAB_KEY=$KEY python3 - "$port" "$work/ca.pem" <<'PY' ||
import base64, email.utils, hashlib, hmac, os, ssl, sys, urllib.request
port, ca = sys.argv[1], sys.argv[2]
key = base64.b64decode(os.environ["LAB_KEY"])
date = email.utils.formatdate(usegmt=True)
# Content-Length 0 signs as empty; the type is the 5th standard header
sts = ("PUT\n\n\n\n\napplication/octet-stream\n\n\n\n\n\n\n"
       "x-ms-date:%s\nx-ms-version:2021-08-06\n"
       "/acct1/acct1/labctr\nrestype:container" % date)
sig = base64.b64encode(hmac.new(key, sts.encode(), hashlib.sha256).digest())
req = urllib.request.Request(
    "https://127.0.0.1:%s/acct1/labctr?restype=container" % port,
    method="PUT", data=b"",
    headers={"x-ms-date": date, "x-ms-version": "2021-08-06",
             "Content-Length": "0",
             "Content-Type": "application/octet-stream",
             "Authorization": "SharedKey acct1:" + sig.decode()})
ctx = ssl.create_default_context(cafile=ca)
with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
    sys.exit(0 if r.status == 201 else 1)
PY
  fail "could not create the container"

mkdir -p "$work/cfg"
ds() {
  printf '{"id": "/subscriptions/00000000-0000-0000-0000-000000000000/%s' \
    "resourceGroups/rg-lab/providers/Microsoft.MachineLearningServices/"
  printf 'workspaces/mlw-lab/datastores/%s", "name": "%s", ' "$1" "$1"
  printf '"type": "Microsoft.MachineLearningServices/workspaces/datastores",'
  printf ' "properties": {"datastoreType": "AzureBlob", "accountName": '
  printf '"acct1", "credentials": {"credentialsType": "AccountKey"}, '
  printf '"isDefault": false, "containerName": "%s"}}' "$2"
}
{
  printf '{"value": [\n'
  ds lab_data labctr
  printf ',\n'
  ds lab_missing nosuchctr
  printf '\n]}\n'
} >"$work/cfg/datastores.json"

ep="https://127.0.0.1:$port/acct1"
out="$work/out"
err="$work/err"
nokey() {
  for f in "$out" "$err"; do
    if grep -qF -e "$KEY" -e "$STALE" "$f"; then
      fail "$1: a key appears in $(basename "$f")"
    fi
  done
}

# 1. the right key: both datastores authenticate
PREFLIGHT_KEY_ACCT1=$KEY "$bin" keys verify "$work/cfg" --blob-endpoint "$ep" \
  --ca-file "$work/ca.pem" --timeout 10000 --format json >"$out" 2>"$err"
rc=$?
nokey "right key"
[ "$rc" = 0 ] || fail "right key: exit $rc, expected 0: $(cat "$out")"
python3 - "$out" <<'PY' || fail "right key: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["resource_name"]: x for x in d["results"]}
assert r["lab_data"]["status"] == "pass", r["lab_data"]
assert r["lab_data"]["evidence"]["checks"][0]["http_status"] == 200
m = r["lab_missing"]
assert m["status"] == "pass", m
assert m["evidence"]["checks"][0]["error_code"] == "ContainerNotFound", m
assert d["summary"]["pass"] == 2, d["summary"]
PY
echo "ok: right key passes (200, 404 ContainerNotFound)"

# 2. a stale key, from --keys FILE: rejected, exit 1
printf '{"acct1": [{"keyName": "key1", "value": "%s"}]}\n' "$STALE" \
  >"$work/keys.json"
"$bin" keys verify "$work/cfg" --keys "$work/keys.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" >"$out" 2>"$err"
rc=$?
nokey "stale key"
[ "$rc" = 1 ] || fail "stale key: exit $rc, expected 1: $(cat "$out")"
grep -q '^fail .*lab_data .*key rejected: stale after a rotation' "$out" ||
  fail "stale key: $(cat "$out")"
echo "ok: stale key fails (403, authentication failed)"

# 3. TLS verification stays on: without the lab CA the server is not trusted
PREFLIGHT_KEY_ACCT1=$KEY "$bin" keys verify "$work/cfg" \
  --blob-endpoint "$ep" >"$out" 2>"$err"
rc=$?
nokey "no ca-file"
[ "$rc" = 0 ] || fail "no ca-file: exit $rc, expected 0"
grep -q '^unknown .*lab_data .*unreachable: ' "$out" ||
  fail "no ca-file: $(cat "$out")"
echo "ok: untrusted certificate is unknown (unreachable)"

# 4. nothing listens: unknown, unreachable
PREFLIGHT_KEY_ACCT1=$KEY "$bin" keys verify "$work/cfg" \
  --blob-endpoint "https://127.0.0.1:$closed/acct1" --ca-file "$work/ca.pem" \
  --timeout 3000 >"$out" 2>"$err"
rc=$?
nokey "closed port"
[ "$rc" = 0 ] || fail "closed port: exit $rc, expected 0"
grep -q '^unknown .*lab_data .*unreachable: ' "$out" ||
  fail "closed port: $(cat "$out")"
echo "ok: closed port is unknown (unreachable)"
# ---- preflight probe: KEY-2 beside the live probes ----
# a plan of one loopback TCP target: nothing but 127.0.0.1 is contacted
printf '{"version": 1, "targets": [{"host": "127.0.0.1", "service": "blob", %s\n' \
  '"requirement": "UDR-3", "resource_name": "acct1 (Azurite)",' \
  >"$work/plan.json"
printf '"ports": [%s]}]}\n' "$port" >>"$work/plan.json"
printf '{"acct1": [{"keyName": "key1", "value": "%s"}]}\n' "$KEY" \
  >"$work/good.json"

# 5. the right key, --keys FILE, text and json: pass
"$bin" probe "$work/cfg" --plan "$work/plan.json" --keys "$work/good.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" >"$out" 2>"$err"
rc=$?
nokey "probe right key"
[ "$rc" = 0 ] || fail "probe right key: exit $rc, expected 0: $(cat "$out")"
grep -qF "  pass    KEY-2  key  GET $ep/labctr?restype=container (account acct1, container labctr): authenticates" \
  "$out" || fail "probe right key: $(cat "$out")"
grep -q '^  pass    UDR-3  tcp ' "$out" ||
  fail "probe right key, tcp: $(cat "$out")"
grep -q 'not run' "$out" && fail "probe right key: says not run: $(cat "$out")"
"$bin" probe "$work/cfg" --plan "$work/plan.json" --keys "$work/good.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" --format json \
  >"$out" 2>"$err"
rc=$?
nokey "probe right key json"
[ "$rc" = 0 ] || fail "probe right key json: exit $rc: $(cat "$out")"
python3 - "$out" "$ep" <<'PY' || fail "probe right key json: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "probe"
r = {x["resource_name"]: x for x in d["results"] if x["rule"] == "KEY-2"}
assert set(r) == {"lab_data", "lab_missing"}, r
assert r["lab_data"]["status"] == "pass", r["lab_data"]
c = r["lab_data"]["evidence"]["checks"][0]
assert c["kind"] == "storage-key" and c["http_status"] == 200, c
assert c["account"] == "acct1" and c["url"].startswith(sys.argv[2] + "/"), c
m = r["lab_missing"]
assert m["status"] == "pass", m
assert m["evidence"]["checks"][0]["error_code"] == "ContainerNotFound", m
assert d["not_run"] == [], d["not_run"]
assert d["summary"]["pass"] == 3, d["summary"]  # 2 KEY-2 + 1 tcp
PY
echo "ok: probe --keys: the right key passes (text, json)"

# 6. a stale key, from the environment and from --keys: fail, exit 1
PREFLIGHT_KEY_ACCT1=$STALE "$bin" probe "$work/cfg" --plan "$work/plan.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" >"$out" 2>"$err"
rc=$?
nokey "probe stale key"
[ "$rc" = 1 ] || fail "probe stale key: exit $rc, expected 1: $(cat "$out")"
grep -q '^  FAIL    KEY-2  key  GET .*labctr.*key rejected: stale after a rotation' \
  "$out" || fail "probe stale key: $(cat "$out")"
"$bin" probe "$work/cfg" --plan "$work/plan.json" --keys "$work/keys.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" --format json \
  >"$out" 2>"$err"
rc=$?
nokey "probe stale key json"
[ "$rc" = 1 ] || fail "probe stale key json: exit $rc, expected 1"
python3 - "$out" <<'PY' || fail "probe stale key json: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["resource_name"]: x for x in d["results"] if x["rule"] == "KEY-2"}
assert r["lab_data"]["status"] == "fail", r["lab_data"]
assert r["lab_data"]["evidence"]["checks"][0]["http_status"] == 403
assert d["summary"]["fail"]["error"] == 2, d["summary"]
PY
echo "ok: probe: a stale key fails (env and --keys, text and json)"

# 7. no --ca-file: the lab CA is not trusted, unknown
"$bin" probe "$work/cfg" --plan "$work/plan.json" --keys "$work/good.json" \
  --blob-endpoint "$ep" >"$out" 2>"$err"
rc=$?
nokey "probe no ca-file"
[ "$rc" = 0 ] || fail "probe no ca-file: exit $rc, expected 0"
grep -q '^  unknown KEY-2  key  GET .*labctr.*unreachable: ' "$out" ||
  fail "probe no ca-file: $(cat "$out")"
echo "ok: probe: untrusted certificate is unknown"

# 8. no key at all: no KEY-2 result, said once how to run it
env -u PREFLIGHT_KEY_ACCT1 "$bin" probe "$work/cfg" --plan "$work/plan.json" \
  --blob-endpoint "$ep" --ca-file "$work/ca.pem" >"$out" 2>"$err"
rc=$?
[ "$rc" = 0 ] || fail "probe no key: exit $rc, expected 0"
grep -q 'KEY-2  key' "$out" && fail "probe no key: a KEY-2 result: $(cat "$out")"
[ "$(grep -c '^KEY-2 (storage keys) not run: no key given .*PREFLIGHT_KEY_ACCT1.*--keys FILE' "$out")" = 1 ] ||
  fail "probe no key: $(cat "$out")"
env -u PREFLIGHT_KEY_ACCT1 "$bin" probe "$work/cfg" --plan "$work/plan.json" \
  --format json >"$out" 2>"$err" || fail "probe no key json: exit $?"
python3 - "$out" <<'PY' || fail "probe no key json: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert not [x for x in d["results"] if x["rule"] == "KEY-2"]
assert len(d["not_run"]) == 1 and d["not_run"][0]["rule"] == "KEY-2", d
PY
echo "ok: probe without a key: KEY-2 not run, said once"

# 9. --print-plan lists the checks, never the key, and sends nothing: a
# listener on the blob endpoint's port counts connections
listen=$(free_port) || fail "no free port"
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
s.settimeout(0.2)
open(sys.argv[2] + ".up", "w").close()
n = 0
end = time.time() + 3
while time.time() < end:
    try:
        c, _ = s.accept()
        n += 1
        c.close()
    except socket.timeout:
        pass
print(n)' "$listen" "$work/accepts" >"$work/accepts" 2>&1 &
lpid=$!
i=0
while [ ! -f "$work/accepts.up" ] && [ $i -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
for f in text json; do
  "$bin" probe "$work/cfg" --plan "$work/plan.json" --keys "$work/good.json" \
    --blob-endpoint "https://127.0.0.1:$listen/acct1" --print-plan \
    --format "$f" >"$out" 2>"$err"
  rc=$?
  nokey "probe print-plan $f"
  [ "$rc" = 0 ] || fail "probe print-plan $f: exit $rc"
  grep -qF "127.0.0.1:$listen/acct1/labctr?restype=container" "$out" ||
    fail "probe print-plan $f: $(cat "$out")"
done
wait "$lpid"
lpid=
[ "$(cat "$work/accepts")" = 0 ] ||
  fail "probe --print-plan connected: $(cat "$work/accepts")"
echo "ok: probe --print-plan lists the KEY-2 checks and sends nothing"
echo "PASS: keys-lab"
