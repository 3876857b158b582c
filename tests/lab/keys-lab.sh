#!/bin/sh
# SPDX-License-Identifier: MIT
# keys-lab.sh - `preflight keys verify` (KEY-2) against Azurite over TLS.
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
cleanup() {
  if [ -n "$azpid" ]; then
    kill "$azpid" 2>/dev/null
    wait "$azpid" 2>/dev/null
  fi
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
echo "PASS: keys-lab"
