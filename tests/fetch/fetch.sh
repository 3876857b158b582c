#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch.sh - `preflight fetch` and `check --live` against a stand-in for
# Azure Resource Manager on loopback (tests/fetch/arm-server.py).
#
# usage: fetch.sh PREFLIGHT FIXTURES
#
# Makes a throw-away CA and a certificate for 127.0.0.1 with openssl,
# starts the server (HTTPS on a free loopback port, plus a plain HTTP
# managed identity endpoint) serving recorded ARM responses from
# FIXTURES/arm and small hand-written ones, and checks:
#   paging over three nextLink pages, 429 + Retry-After then success, 503
#   then success, a provider that is not registered (409), the written
#   files load (inventory) and check runs, check --live gives the same
#   results and removes its temporary directory, tokens from the
#   environment, an az token file and the managed identity endpoint, an
#   expired token file, 401 ExpiredAuthenticationToken and
#   InvalidAuthenticationToken, 403 AuthorizationFailed (scope named), a
#   truncated body (URL and JSON path), an untrusted certificate, endless
#   paging (--max-pages), a nextLink to another host (not followed), 5xx
#   retries exhausted, a failed refetch leaving the earlier files intact,
# and that the token never appears in any output or written file.
# The server logs every request (without the token) so the test sees the
# Authorization header, the pages and the retries.  Loopback only; no
# root needed.  Without python3 or openssl, or without the fixtures, it
# exits 77 (skip) and says why.
set -u
bin=${1:?usage: fetch.sh PREFLIGHT FIXTURES}
fixtures=${2:?usage: fetch.sh PREFLIGHT FIXTURES}
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIP: fetch: $*"
  exit 77
}
fails=0
fail() {
  echo "FAIL: fetch: $*"
  fails=$((fails + 1))
}
die() {
  echo "FAIL: fetch: $*"
  [ -n "${work:-}" ] && [ -f "$work/server.err" ] &&
    tail -n 20 "$work/server.err" | sed 's/^/  server: /'
  exit 1
}

for t in python3 openssl; do
  command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ -d "$fixtures/arm/rest-api-specs-examples" ] &&
  [ -d "$fixtures/arm/azure-cli-recordings" ] ||
  skip "recorded ARM responses not found under $fixtures/arm"

work=$(mktemp -d) || die "mktemp"
spid=
cleanup() {
  if [ -n "$spid" ]; then
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

(
  cd "$work" &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=fetch CA" \
    -keyout ca.key -out ca.pem &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout srv.key -out srv.csr &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' \
    >srv.ext &&
  openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 1 -extfile srv.ext -out srv.pem
) >"$work/openssl.log" 2>&1 || die "openssl: $(tail -n 1 "$work/openssl.log")"

# a random token shaped like a JWT; the server expects exactly this one
TOKEN=$(python3 -c 'import secrets; print("eyJ0eXAi." + secrets.token_urlsafe(48))') ||
  die "python3"
ARM_LAB_TOKEN=$TOKEN python3 "$here/arm-server.py" --fixtures "$fixtures" \
  --cert "$work/srv.pem" --key "$work/srv.key" --port-file "$work/port" \
  --imds-port-file "$work/iport" --log "$work/requests.log" \
  >"$work/server.out" 2>"$work/server.err" &
spid=$!
i=0
while [ ! -s "$work/port" ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && die "the server did not start"
  kill -0 "$spid" 2>/dev/null || die "the server exited"
  sleep 0.1
done
port=$(cat "$work/port")
iport=$(cat "$work/iport")
ep="https://127.0.0.1:$port"
imds="http://127.0.0.1:$iport/metadata/identity/oauth2/token"
S_OK=11111111-1111-1111-1111-111111111111
log="$work/requests.log"
touch "$log"

# run NAME WANT_RC ARGS...: preflight with stdout/stderr kept per name
run() {
  name=$1 want=$2
  shift 2
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
  if [ "$rc" != "$want" ]; then
    fail "$name: exit $rc, expected $want"
    sed 's/^/  stderr: /' "$work/$name.err" | head -n 5
  fi
}
# expect NAME TEXT: stderr of NAME holds TEXT
expect() {
  grep -qF -- "$2" "$work/$1.err" || {
    fail "$1: stderr lacks '$2'"
    sed 's/^/  stderr: /' "$work/$1.err" | head -n 5
  }
}
lines() {
  grep -cF -- "$1" "$log"
}

common="--endpoint $ep --ca-file $work/ca.pem"

# ---- the whole set: paging, 429, 503, 409, auth header ------------------
export AZURE_ACCESS_TOKEN="$TOKEN"
run happy 0 -v fetch --subscription $S_OK -g rg-ml $common -o "$work/live"
for f in workspaces computes datastores virtualNetworks \
         networkSecurityGroups networkInterfaces routeTables \
         applicationSecurityGroups privateEndpoints storageAccounts vaults \
         registries roleAssignments locks attached referenced manifest; do
  [ -f "$work/live/$f.json" ] || fail "happy: $f.json not written"
done
[ -z "$(find "$work/live" -name '.*' ! -name . | head -n 1)" ] ||
  fail "happy: temporary files left in the output"
grep -q "auth=none\|auth=bad" "$log" && fail "happy: a request without the token"
nsg="/resourceGroups/rg-ml/providers/Microsoft.Network/networkSecurityGroups?"
[ "$(lines "${nsg}api-version=2023-09-01 auth=ok status=200")" = 1 ] ||
  fail "happy: NSG page 1 not asked once"
[ "$(lines "${nsg}api-version=2023-09-01&\$skiptoken=2 auth=ok status=429")" = 1 ] &&
  [ "$(lines "${nsg}api-version=2023-09-01&\$skiptoken=2 auth=ok status=200")" = 1 ] ||
  fail "happy: page 2 not retried after 429"
[ "$(lines "${nsg}api-version=2023-09-01&\$skiptoken=3 auth=ok status=503")" = 1 ] &&
  [ "$(lines "${nsg}api-version=2023-09-01&\$skiptoken=3 auth=ok status=200")" = 1 ] ||
  fail "happy: page 3 not retried after 503"
[ "$(lines "/workspaces/testworkspace/computes?api-version=2023-04-01 auth=ok status=200")" = 1 ] ||
  fail "happy: the workspace's computes were not listed"
[ "$(lines "/managedClusters/compute123-56826-c9b00420020b2?api-version=2023-08-01 auth=ok status=200")" = 1 ] ||
  fail "happy: the attached AKS cluster was not read"
expect happy "HTTP 429 TooManyRequests: retry 1 in 1000 ms"
expect happy "HTTP 503 ServiceUnavailable: retry 1"
expect happy "(39 requests, 21 pages, 2 retries, 1 throttled)"
# references outside rg-ml, read by id: the workspace's storage account
# (another subscription), the AKS cluster's hub vnet (rg-net) and, one
# round later, that vnet's NSG; the registry answers 403 (left unresolved)
hub="/subscriptions/$S_OK/resourceGroups/rg-net/providers/Microsoft.Network"
[ "$(lines "$hub/virtualNetworks/vnet-hub?api-version=2023-09-01 auth=ok status=200")" = 1 ] &&
  [ "$(lines "$hub/networkSecurityGroups/nsg-aks?api-version=2023-09-01 auth=ok status=200")" = 1 ] &&
  [ "$(lines "/storageAccounts/testStorageAccount?api-version=2023-01-01 auth=ok status=200")" = 1 ] ||
  fail "happy: referenced resources not read by id"
[ "$(lines "/registries/testRegistry?api-version=2023-07-01 auth=ok status=403")" = 1 ] ||
  fail "happy: the forbidden registry was not asked once"
expect happy "/registries/testRegistry: AuthorizationFailed: left unresolved"
# locks of the scopes reached: the subscription (only a group was given)
# and rg-net (the hub) are read; the other subscriptions' are not readable
expect happy "warning: the locks of 4 scopes outside the fetched ones could not be read"
[ "$(lines "/subscriptions/$S_OK/providers/Microsoft.Authorization/locks?api-version=2016-09-01 auth=ok status=200")" = 1 ] &&
  [ "$(lines "/subscriptions/$S_OK/resourceGroups/rg-net/providers/Microsoft.Authorization/locks?api-version=2016-09-01 auth=ok status=200")" = 1 ] ||
  fail "happy: locks of the subscription and of rg-net not listed"

# the files hold what the pages held (ids deduplicated), and the manifest
python3 - "$fixtures/arm" "$work/live" <<'PY' || fail "happy: file contents"
import json, sys
arm, out = sys.argv[1], sys.argv[2]
def spec(n):
    return json.load(open(arm + "/rest-api-specs-examples/" + n))["responses"]["200"]["body"]
def rec(n):
    return json.load(open(arm + "/azure-cli-recordings/" + n))
pages = (rec("nsg_list_subscription.json")["value"] +
         spec("network.2021-02-01.NetworkSecurityGroupListAll.json")["value"] +
         [rec("nsg_for_vnet_subnet.json"), rec("nsg_show_custom_rule_web.json")])
want = []
for r in pages:
    if r["id"].lower() not in [w.lower() for w in want]:
        want.append(r["id"])
got = [r["id"] for r in json.load(open(out + "/networkSecurityGroups.json"))["value"]]
assert got == want, (len(got), len(want))
m = json.load(open(out + "/manifest.json"))
lists = {l["file"]: l for l in m["lists"]}
assert lists["networkSecurityGroups.json"]["pages"] == 3
assert lists["networkSecurityGroups.json"]["resources"] == len(want)
assert lists["registries.json"].get("provider_not_registered") is True
assert lists["attached.json"]["resources"] == 1
assert lists["attached.json"]["not_found"] == 1
ref = lists["referenced.json"]
assert (ref["resources"], ref["not_followed"]) == (3, 0), ref
names = [r["name"] for r in json.load(open(out + "/referenced.json"))["value"]]
assert names == ["testStorageAccount", "vnet-hub", "nsg-aks"], names
locks = lists["locks.json"]
assert (locks["extra_scopes"], len(locks["unreadable_scopes"])) == (6, 4), locks
assert [l["name"] for l in json.load(open(out + "/locks.json"))["value"]] == ["keep", "hub-lock"]
assert m["retries"] == 2 and m["throttled"] == 1
assert m["preflight_fetch"]["resource_groups"] == ["rg-ml"]
assert json.load(open(out + "/registries.json")) == {"value": []}
ws = json.load(open(out + "/workspaces.json"))["value"]
assert ws == [spec("machinelearningservices.2021-04-01.getWorkspace.json")], "workspace changed"
PY

# the files load and check runs on them
run inventory 0 inventory "$work/live"
grep -q "networkSecurityGroups.json  [1-9][0-9]* resources" \
  "$work/inventory.out" || fail "inventory: NSGs not loaded"
grep -q "compute123 .*AKS" "$work/inventory.out" ||
  fail "inventory: computes not loaded"
grep -q "aks-cluster (1)" "$work/inventory.out" ||
  fail "inventory: the attached AKS cluster not loaded"
grep -q "referenced.json  4 resources" "$work/inventory.out" ||
  fail "inventory: referenced resources not loaded (vnet, subnet, NSG, storage)"
"$bin" check "$work/live" --format json >"$work/check.out" 2>"$work/check.err"
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || fail "check DIR: exit $rc"

# check --live: the same results, its temporary directory removed
mkdir -p "$work/tmp"
TMPDIR="$work/tmp" "$bin" check --live --subscription $S_OK -g rg-ml \
  $common --format json >"$work/live-check.out" 2>"$work/live-check.err"
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || fail "check --live: exit $rc"
[ -z "$(ls -A "$work/tmp")" ] || fail "check --live left $(ls -A "$work/tmp")"
python3 - "$work/check.out" "$work/live-check.out" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: sorted((r["rule"], r["status"], r["resource"] or "") for r in d["results"])
assert key(a) == key(b) and len(a["results"]) > 0
PY
  fail "check --live: results differ from check DIR"

TMPDIR="$work/tmp" run live-fails 2 check --live \
  --subscription 22222222-2222-2222-2222-222222222222 -g rg-ml $common
expect live-fails "ExpiredAuthenticationToken"
[ -z "$(ls -A "$work/tmp")" ] || fail "check --live (failing) left $(ls -A "$work/tmp")"

# --no-follow: the lists only; --max-refs bounds the reads by id
n=$(wc -l <"$log")
run no-follow 0 fetch --subscription $S_OK -g rg-ml $common -o "$work/nf" \
  --no-follow
[ "$(cat "$work/nf/referenced.json")" = ']}' ] ||
  [ "$(tr -d ' \n' <"$work/nf/referenced.json")" = '{"value":[]}' ] ||
  fail "no-follow: referenced.json not empty"
# 18 lists, then the locks of the subscription (only a group was given)
# and of the attached AKS cluster's subscription and group
[ "$(($(wc -l <"$log") - n))" = 21 ] || fail "no-follow: not 21 requests"
run max-refs 0 fetch --subscription $S_OK -g rg-ml $common -o "$work/mr" \
  --max-refs 2
python3 - "$work/mr/manifest.json" <<'PY' || fail "max-refs: manifest"
import json, sys
ref = [l for l in json.load(open(sys.argv[1]))["lists"] if l["file"] == "referenced.json"][0]
assert ref["resources"] + ref["not_found"] == 2 and ref["not_followed"] > 0, ref
PY

# ---- token sources ------------------------------------------------------
unset AZURE_ACCESS_TOKEN
run no-token 2 fetch --subscription $S_OK -g rg-ml $common -o "$work/t0"
expect no-token "no access token"
exp=$(($(date +%s) + 3600))
printf '{"accessToken": "%s", "expiresOn": "%s", "expires_on": %s, "subscription": "%s", "tenant": "t", "tokenType": "Bearer"}\n' \
  "$TOKEN" "$(date -d "@$exp" '+%Y-%m-%d %H:%M:%S.000000')" "$exp" "$S_OK" \
  >"$work/token.json"
run token-file 0 fetch --subscription $S_OK -g rg-ml $common \
  --token-file "$work/token.json" -o "$work/t1"
printf '{"accessToken": "%s", "expiresOn": "2020-01-01 10:00:00.000000", "expires_on": 1577872800}\n' \
  "$TOKEN" >"$work/old.json"
run token-expired-file 2 fetch --subscription $S_OK -g rg-ml $common \
  --token-file "$work/old.json" -o "$work/t2"
expect token-expired-file "the access token expired at 2020-01-01T10:00:00Z"
n=$(grep -c '^IMDS' "$log")
# a dead $http_proxy: the IMDS answer (a token in clear text) must not
# go through a proxy
http_proxy=http://127.0.0.1:9 PREFLIGHT_IMDS_ENDPOINT=$imds \
  run imds 0 fetch --managed-identity \
  --subscription $S_OK -g rg-ml $common -o "$work/t3"
[ "$(grep -c '^IMDS.* metadata=true status=200' "$log")" = $((n + 1)) ] ||
  fail "imds: the managed identity endpoint was not asked with Metadata: true"
run token-abbrev 2 fetch --subscription $S_OK --token="$TOKEN" $common -o "$work/t4"
expect token-abbrev "write --token-file in full"
export AZURE_ACCESS_TOKEN="$TOKEN"

# ---- errors -------------------------------------------------------------
run expired 2 fetch --subscription 22222222-2222-2222-2222-222222222222 \
  -g rg-ml $common -o "$work/e1"
expect expired "HTTP 401 ExpiredAuthenticationToken: the access token has expired: get a new one"
AZURE_ACCESS_TOKEN=eyJ0eXAi.not-the-token run bad-token 2 fetch \
  --subscription $S_OK -g rg-ml $common -o "$work/e2"
expect bad-token "HTTP 401 InvalidAuthenticationToken: the access token was not accepted"
[ "$(grep -c 'auth=bad' "$log")" = 1 ] || fail "bad-token: not one request with another token"
run forbidden 2 fetch --subscription 33333333-3333-3333-3333-333333333333 \
  -g rg-ml $common -o "$work/e3"
expect forbidden "HTTP 403 AuthorizationFailed: the identity may not read resource group rg-ml (subscription 33333333-3333-3333-3333-333333333333): assign it the Reader role there"
run truncated 2 fetch --subscription 44444444-4444-4444-4444-444444444444 \
  -g rg-ml $common -o "$work/e4"
expect truncated "GET $ep/subscriptions/44444444-4444-4444-4444-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces?api-version=2023-04-01: \$.value[0]."
expect truncated ": line 1, column "
n=$(wc -l <"$log")
run untrusted 2 fetch --subscription $S_OK -g rg-ml --endpoint "$ep" -o "$work/e5"
expect untrusted "certificate"
expect untrusted "give --ca-file; verification is never turned off"
[ "$(wc -l <"$log")" = "$n" ] || fail "untrusted: a request got through"
run pages 2 fetch --subscription 55555555-5555-5555-5555-555555555555 \
  -g rg-ml $common -o "$work/e6" --max-pages 3
expect pages "more than 3 pages (--max-pages)"
[ "$(lines '/subscriptions/55555555-5555-5555-5555-555555555555/')" = 3 ] ||
  fail "pages: not exactly 3 requests"
run offsite 2 fetch --subscription 66666666-6666-6666-6666-666666666666 \
  -g rg-ml $common -o "$work/e7"
expect offsite "\$.nextLink: 'https://example.invalid/steal?api-version=1' is not at the endpoint $ep: not followed"
run server-error 2 fetch --subscription 77777777-7777-7777-7777-777777777777 \
  -g rg-ml $common -o "$work/e8" --max-retries 1
expect server-error "HTTP 500 InternalServerError after 1 retries"
[ "$(lines '/subscriptions/77777777-7777-7777-7777-777777777777/')" = 2 ] ||
  fail "server-error: not exactly 2 requests"
run echo 2 fetch --subscription 99999999-9999-9999-9999-999999999999 \
  -g rg-ml $common -o "$work/e11"
expect echo "HTTP 400 BadRequest: (withheld: the server's text holds the token)"
# valid JSON of the wrong shape: exit 2 with the URL and the JSON path
shape="GET $ep/subscriptions/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/resourceGroups"
for c in "shape1|\$.value: line 2, column 11: expected an array" \
         "shape2|\$.value[0]: line 3, column 3: expected a resource object" \
         "shape3|\$: expected a list {\"value\": [...]}, found no 'value'" \
         "shape4|\$.nextLink: line 3, column 14: expected a URL"; do
  g=${c%%|*}
  run "$g" 2 fetch --subscription aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa \
    -g "$g" $common -o "$work/$g"
  expect "$g" "$shape/$g/providers/Microsoft.MachineLearningServices/workspaces?api-version=2023-04-01: ${c#*|}"
done
run no-group 2 fetch --subscription $S_OK -g rg-other $common -o "$work/e9"
expect no-group "HTTP 404 ResourceGroupNotFound"
run bad-sub 2 fetch --subscription 1111 $common -o "$work/e10"
expect bad-sub "'1111' is not a subscription id"
# a failed refetch into the same directory leaves the earlier set as it was
cp "$work/live/manifest.json" "$work/manifest.before"
run refetch-fails 2 fetch --subscription 22222222-2222-2222-2222-222222222222 \
  -g rg-ml $common -o "$work/live"
cmp -s "$work/manifest.before" "$work/live/manifest.json" ||
  fail "refetch-fails: the earlier files changed"
[ -z "$(find "$work/live" -name '.*' ! -name . | head -n 1)" ] ||
  fail "refetch-fails: temporary files left behind"

# ---- the token never shows ----------------------------------------------
for f in "$work"/*.out "$work"/*.err "$log"; do
  grep -qF -- "$TOKEN" "$f" && fail "the token appears in $(basename "$f")"
done
grep -rqF -- "$TOKEN" "$work/live" "$work/t1" "$work/t3" &&
  fail "the token appears in a written file"

if [ $fails -gt 0 ]; then
  echo "FAIL: fetch: $fails check(s) failed"
  exit 1
fi
echo "PASS: fetch: $(wc -l <"$log") requests served"
exit 0
