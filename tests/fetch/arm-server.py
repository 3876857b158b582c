#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""arm-server.py - a stand-in for Azure Resource Manager on loopback (tests)

usage: arm-server.py --fixtures DIR --cert PEM --key PEM --port-file F
                     --imds-port-file F --log F

Serves HTTPS on 127.0.0.1 (a free port, written to --port-file) answering
the GETs of `preflight fetch` from the recorded responses in DIR
(shared/fixtures/arm) and small hand-written ones, and plain HTTP on a
second port as the managed identity endpoint (IMDS).  The expected token
comes from $ARM_LAB_TOKEN (never argv) and is never logged: each request
is logged as "GET <path?query> auth=ok|bad|none status=N".

Scenarios are chosen by subscription id:
  1111...  everything; NSGs in three pages (nextLink), page 2 answers 429
           (Retry-After: 1) once, page 3 answers 503 once
  2222...  401 ExpiredAuthenticationToken
  3333...  403 AuthorizationFailed
  4444...  the workspace list is cut off in the middle (invalid JSON)
  5555...  a nextLink to itself forever (--max-pages)
  6666...  a nextLink to another host (must not be followed)
  7777...  500 on every request (retries exhausted)
  8888...  401 InvalidAuthenticationToken
  aaaa...  valid JSON of the wrong shape: group shape1 answers a 'value'
           that is an object, shape2 a list of numbers, shape3 an object
           without 'value', shape4 a nextLink that is a number
  9999...  400 whose message echoes the Authorization header (a broken
           proxy): preflight must not print it
"""
import argparse
import json
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

S_OK = "11111111-1111-1111-1111-111111111111"
S_EXPIRED = "22222222-2222-2222-2222-222222222222"
S_FORBIDDEN = "33333333-3333-3333-3333-333333333333"
S_TRUNC = "44444444-4444-4444-4444-444444444444"
S_LOOP = "55555555-5555-5555-5555-555555555555"
S_OFFSITE = "66666666-6666-6666-6666-666666666666"
S_500 = "77777777-7777-7777-7777-777777777777"
S_INVALID = "88888888-8888-8888-8888-888888888888"
S_ECHO = "99999999-9999-9999-9999-999999999999"
S_SHAPE = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

ap = argparse.ArgumentParser()
ap.add_argument("--fixtures", required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--imds-port-file", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()
TOKEN = os.environ["ARM_LAB_TOKEN"]
ARM = args.fixtures + "/arm"
lock = threading.Lock()
seen = {}          # path?query -> times asked
base = ""          # https://127.0.0.1:PORT, set once bound


def spec(name):
    with open(ARM + "/rest-api-specs-examples/" + name) as f:
        return json.load(f)["responses"]["200"]["body"]


def rec(name):
    with open(ARM + "/azure-cli-recordings/" + name) as f:
        return json.load(f)


WS = spec("machinelearningservices.2021-04-01.getWorkspace.json")
COMPUTES = spec("machinelearningservices.2021-04-01.getComputes.json")
# a documentation example: its nextLink is the placeholder "nextLink"
COMPUTES.pop("nextLink", None)
NSG_P1 = rec("nsg_list_subscription.json")["value"]
NSG_P2 = spec("network.2021-02-01.NetworkSecurityGroupListAll.json")["value"]
NSG_P3 = [rec("nsg_for_vnet_subnet.json"), rec("nsg_show_custom_rule_web.json")]
VNETS = [spec("network.2021-02-01.VirtualNetworkGet.json"),
         rec("vnet_with_subnet_nsg.json"),
         rec("vnet_subnet_with_route_table.json")]
ROUTES = [spec("network.2021-02-01.RouteTableGet.json"),
          rec("route_table_show_with_route.json")]
STORAGE = [rec("storage_account_network_rule_set_ip_and_vnet_rules.json")]
VAULTS = [spec("keyvault.2019-09-01.getVault.json"),
          rec("keyvault_network_acls_vnet_rules.json")]
REGISTRIES = [spec("containerregistry.2019-05-01.RegistryGet.json"),
              rec("acr_network_rule_set.json")]
WSID = WS["id"]
SUBID = S_OK
DATASTORES = [{
    "id": WSID + "/datastores/workspaceblobstore",
    "name": "workspaceblobstore",
    "type": "Microsoft.MachineLearningServices/workspaces/datastores",
    "properties": {"datastoreType": "AzureBlob", "accountName": "stlab",
                   "containerName": "azureml", "isDefault": True,
                   "credentials": {"credentialsType": "AccountKey"}}}]
ROLES = [{
    "id": "/subscriptions/%s/providers/Microsoft.Authorization/"
          "roleAssignments/a1b2c3d4-0000-0000-0000-000000000001" % SUBID,
    "name": "a1b2c3d4-0000-0000-0000-000000000001",
    "type": "Microsoft.Authorization/roleAssignments",
    "properties": {
        "roleDefinitionId": "/subscriptions/%s/providers/Microsoft."
        "Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        % SUBID,
        "principalId": "00000000-1111-2222-3333-444444444444",
        "scope": "/subscriptions/%s" % SUBID}}]
LOCKS = [{
    "id": "/subscriptions/%s/resourceGroups/rg-ml/providers/Microsoft."
          "Authorization/locks/keep" % SUBID,
    "name": "keep", "type": "Microsoft.Authorization/locks",
    "properties": {"level": "CanNotDelete", "notes": "lab"}}]
AKS_ID = COMPUTES["value"][0]["properties"]["resourceId"]
AKS = {"id": AKS_ID, "name": AKS_ID.rsplit("/", 1)[1],
       "type": "Microsoft.ContainerService/managedClusters",
       "location": "eastus",
       "properties": {"kubernetesVersion": "1.27.7",
                      "apiServerAccessProfile": {"enablePrivateCluster": True},
                      "networkProfile": {"networkPlugin": "azure",
                                         "serviceCidr": "10.0.0.0/16",
                                         "dnsServiceIP": "10.0.0.10",
                                         "outboundType": "loadBalancer"}}}


# referenced from the lists, outside rg-ml: read by id (referenced.json)
HUB = "/subscriptions/%s/resourceGroups/rg-net/providers/Microsoft.Network" % S_OK
AKS["properties"]["agentPoolProfiles"] = [{
    "name": "pool1", "count": 2, "vmSize": "Standard_D4s_v3",
    "vnetSubnetID": HUB + "/virtualNetworks/vnet-hub/subnets/aks"}]
NSG_AKS = {"id": HUB + "/networkSecurityGroups/nsg-aks", "name": "nsg-aks",
           "type": "Microsoft.Network/networkSecurityGroups",
           "location": "eastus",
           "properties": {"securityRules": [], "subnets": [
               {"id": HUB + "/virtualNetworks/vnet-hub/subnets/aks"}]}}
VNET_HUB = {"id": HUB + "/virtualNetworks/vnet-hub", "name": "vnet-hub",
            "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.10.0.0/16"]},
                "subnets": [{
                    "id": HUB + "/virtualNetworks/vnet-hub/subnets/aks",
                    "name": "aks",
                    "properties": {
                        "addressPrefix": "10.10.0.0/22",
                        "networkSecurityGroup": {"id": NSG_AKS["id"]}}}]}}
WS_STORAGE = {
    "id": WS["properties"]["storageAccount"],
    "name": WS["properties"]["storageAccount"].rsplit("/", 1)[1],
    "type": "Microsoft.Storage/storageAccounts", "location": "eastus2euap",
    "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
    "properties": {"publicNetworkAccess": "Enabled",
                   "networkAcls": {"bypass": "AzureServices",
                                   "defaultAction": "Deny", "ipRules": [],
                                   "virtualNetworkRules": []}}}
HUB_LOCK = {
    "id": "/subscriptions/%s/resourceGroups/rg-net/providers/Microsoft."
          "Authorization/locks/hub-lock" % S_OK,
    "name": "hub-lock", "type": "Microsoft.Authorization/locks",
    "properties": {"level": "CanNotDelete", "notes": "the hub"}}
BY_ID = {r["id"].lower(): r for r in (VNET_HUB, NSG_AKS, WS_STORAGE)}


def err(code, msg):
    return {"error": {"code": code, "message": msg}}


def count(key):
    with lock:
        seen[key] = seen.get(key, 0) + 1
        return seen[key]


def answer(path, query, full, auth=""):
    """(status, headers, body) for one GET"""
    q = parse_qs(query)
    m = re.match(r"^/subscriptions/([^/]+)", path)
    sub = m.group(1) if m else ""
    if sub == S_EXPIRED:
        return 401, {"WWW-Authenticate": 'Bearer error="invalid_token", '
                     'error_description="The access token expiry UTC time '
                     'is earlier than current UTC time."'}, err(
            "ExpiredAuthenticationToken", "The access token expiry UTC time "
            "'11/23/2026 3:00:00 PM' is earlier than current UTC time "
            "'11/23/2026 3:30:00 PM'.")
    if sub == S_SHAPE and path.endswith("/workspaces"):
        g = path.split("/resourceGroups/")[1].split("/")[0]
        return 200, {}, {"shape1": {"value": {"id": "x"}},
                         "shape2": {"value": [1, 2]},
                         "shape3": {"id": "/subscriptions/x", "name": "x"},
                         "shape4": {"value": [], "nextLink": 7}}[g]
    if sub == S_ECHO:
        return 400, {}, err("BadRequest", "request headers: Authorization: "
                            + auth)
    if sub == S_INVALID:
        return 401, {}, err("InvalidAuthenticationToken",
                            "The access token is invalid.")
    if sub == S_FORBIDDEN:
        return 403, {}, err(
            "AuthorizationFailed", "The client '00000000-aaaa-bbbb-cccc-"
            "000000000000' does not have authorization to perform action "
            "'Microsoft.MachineLearningServices/workspaces/read' over scope "
            "'/subscriptions/%s/resourceGroups/rg-ml' or the scope is "
            "invalid." % S_FORBIDDEN)
    if sub == S_500:
        return 500, {}, err("InternalServerError", "lab: always failing")
    if sub == S_TRUNC and path.endswith("/workspaces"):
        body = json.dumps({"value": [WS]})
        return 200, {}, body[: len(body) // 2]
    if sub == S_LOOP and path.endswith("/workspaces"):
        return 200, {}, {"value": [], "nextLink": full}
    if sub == S_OFFSITE and path.endswith("/workspaces"):
        return 200, {}, {"value": [], "nextLink":
                         "https://example.invalid/steal?api-version=1"}
    # the happy subscription (and the ids its resources point to)
    if path.lower() == WSID.lower() + "/computes":
        return 200, {}, COMPUTES
    if path.lower() == WSID.lower() + "/datastores":
        return 200, {}, {"value": DATASTORES}
    if path.lower() == AKS_ID.lower():
        return 200, {}, AKS
    if path.lower() in BY_ID:
        return 200, {}, BY_ID[path.lower()]
    if path.lower() == WS["properties"]["containerRegistry"].lower():
        return 403, {}, err("AuthorizationFailed", "The client does not "
                            "have authorization to perform action "
                            "'Microsoft.ContainerRegistry/registries/read'.")
    if "/providers/Microsoft.ContainerService/managedClusters/" in path:
        return 404, {}, err("ResourceNotFound", "The Resource was not found.")
    if sub != S_OK:
        return 404, {}, err("SubscriptionNotFound", "no such subscription")
    if path == "/subscriptions/%s/resourceGroups/rg-net/providers/" \
            "Microsoft.Authorization/locks" % S_OK:
        return 200, {}, {"value": [HUB_LOCK]}
    if "/resourceGroups/" in path and "/resourceGroups/rg-ml/" not in path:
        return 404, {}, err("ResourceGroupNotFound", "Resource group "
                            "could not be found.")
    kind = path.split("/providers/", 1)[-1]
    if kind == "Microsoft.Network/networkSecurityGroups":
        page = q.get("$skiptoken", ["1"])[0]
        nxt = "%s%s?api-version=%s&$skiptoken=" % (
            base, path, q.get("api-version", [""])[0])
        if page == "1":
            return 200, {}, {"value": NSG_P1, "nextLink": nxt + "2"}
        if page == "2":
            if count(full) == 1:
                return 429, {"Retry-After": "1"}, err(
                    "TooManyRequests", "lab: throttled once")
            return 200, {}, {"value": NSG_P2, "nextLink": nxt + "3"}
        if page == "3":
            if count(full) == 1:
                return 503, {}, err("ServiceUnavailable", "lab: once")
            return 200, {}, {"value": NSG_P3, "nextLink": None}
    table = {
        "Microsoft.MachineLearningServices/workspaces": [WS],
        "Microsoft.Network/virtualNetworks": VNETS,
        "Microsoft.Network/routeTables": ROUTES,
        "Microsoft.Storage/storageAccounts": STORAGE,
        "Microsoft.KeyVault/vaults": VAULTS,
        "Microsoft.Authorization/roleAssignments": ROLES,
        "Microsoft.Authorization/locks": LOCKS,
    }
    if kind == "Microsoft.ContainerRegistry/registries":
        # the provider was never registered: there are none
        return 409, {}, err("MissingSubscriptionRegistration",
                            "The subscription is not registered to use "
                            "namespace 'Microsoft.ContainerRegistry'.")
    return 200, {}, {"value": table.get(kind, [])}


class Arm(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, headers, body, logline):
        if not isinstance(body, str):
            body = json.dumps(body, indent=1).replace(
                "https://management.azure.com", base)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        with lock, open(args.log, "a") as f:
            f.write("%s status=%d\n" % (logline, status))

    def do_GET(self):
        u = urlsplit(self.path)
        a = self.headers.get("Authorization")
        auth = "none" if a is None else "ok" if a == "Bearer " + TOKEN \
            else "bad"
        line = "GET %s auth=%s" % (self.path, auth)
        if auth != "ok":
            self.send(401, {}, err("InvalidAuthenticationToken",
                                   "The access token is invalid."), line)
            return
        status, headers, body = answer(u.path, u.query, base + self.path, a)
        self.send(status, headers, body, line)


class Imds(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        ok = (u.path == "/metadata/identity/oauth2/token" and
              self.headers.get("Metadata") == "true" and
              q.get("resource") == ["https://management.azure.com/"])
        if ok:
            body = {"access_token": TOKEN, "refresh_token": "",
                    "expires_in": "3599",
                    "expires_on": str(int(time.time()) + 3600),
                    "not_before": str(int(time.time())),
                    "resource": "https://management.azure.com/",
                    "token_type": "Bearer"}
            status = 200
        else:
            body = {"error": "invalid_request",
                    "error_description": "Required metadata header not "
                    "specified"}
            status = 400
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with lock, open(args.log, "a") as f:
            f.write("IMDS %s metadata=%s status=%d\n" % (
                self.path, self.headers.get("Metadata"), status))


def main():
    global base
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Arm)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    base = "https://127.0.0.1:%d" % port
    imds = ThreadingHTTPServer(("127.0.0.1", 0), Imds)
    threading.Thread(target=imds.serve_forever, daemon=True).start()
    with open(args.imds_port_file + ".tmp", "w") as f:
        f.write("%d\n" % imds.server_address[1])
    os.rename(args.imds_port_file + ".tmp", args.imds_port_file)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
