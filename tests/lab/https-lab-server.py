#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# https-lab-server.py - the misbehaving and replaying HTTPS servers of
# tests/lab/https-lab.sh (issue 5).
#
# usage: https-lab-server.py HOST [--log FILE] SPEC...
#   SPEC = MODE:PORT[:CERT:KEY]
# --log FILE: the request line and header lines of every request read
#
# Modes (CERT/KEY needed for every mode that speaks TLS):
#   replay-NAME  TLS, then answer every request with the canned answer
#                NAME below: Azure's documented firewall answers, REPLAYED
#                here because no emulator produces them
#                (AZURE-SEMANTICS 9.1, 9.2; ACR troubleshooting article).
#   plain        plain HTTP (no TLS) on the port
#   silent       accept the TCP connection, never read or write
#   tls-silent   complete the TLS handshake, never answer
#   huge-headers TLS, then a status line and 1 MB of header lines
#   huge-line    TLS, then a status line and one 1 MB header line
#   garbage      TLS, then bytes that are not HTTP
#   big-body     TLS, 200 with a 1 MB body
# Prints "ready" when every listener is bound; runs until killed.
import socket
import ssl
import sys
import threading
import time
import uuid

HOLD = []   # sockets kept open on purpose (silent modes)
LOG = None
LOCK = threading.Lock()


def date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def storage_error(status, reason, code, message):
    rid = str(uuid.uuid4())
    body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code>'
            '<Message>%s\nRequestId:%s\nTime:%s</Message></Error>'
            % (code, message, rid,
               time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())))
    return status, reason, [
        ("Content-Type", "application/xml"),
        ("Server", "Microsoft-HTTPAPI/2.0"),
        ("x-ms-request-id", rid),
        ("x-ms-error-code", code),
    ], body


def kv_error(peer, inner, message):
    body = ('{"error":{"code":"Forbidden","message":"%s","innererror":'
            '{"code":"%s"}}}' % (message.replace("{ip}", peer), inner))
    return 403, "Forbidden", [
        ("Content-Type", "application/json; charset=utf-8"),
        ("x-ms-keyvault-service-version", "1.9.0.0"),
        ("x-ms-request-id", str(uuid.uuid4())),
    ], body


def answer(name, peer, host):
    # AZURE-SEMANTICS 9.1: the storage firewall's 403
    if name == "storage-firewall":
        return storage_error(
            403, "This request is not authorized to perform this operation.",
            "AuthorizationFailure",
            "This request is not authorized to perform this operation.")
    # AZURE-SEMANTICS 9.1: anonymous request admitted by the network rules
    if name == "storage-noauth":
        return storage_error(
            401, "Server failed to authenticate the request. Please refer "
            "to the information in the www-authenticate header.",
            "NoAuthenticationInformation",
            "Server failed to authenticate the request. Please refer to "
            "the information in the www-authenticate header.")
    if name == "storage-notfound":
        return storage_error(404, "The specified resource does not exist.",
                             "ResourceNotFound",
                             "The specified resource does not exist.")
    # AZURE-SEMANTICS 9.2: the vault firewall and public access disabled
    if name == "kv-firewall":
        return kv_error(peer, "ForbiddenByFirewall",
                        "Client address is not authorized and caller is not "
                        "a trusted service.\\r\\nClient address: {ip}\\r\\n"
                        "Caller: appid=00000000-0000-0000-0000-000000000000;"
                        "oid=00000000-0000-0000-0000-000000000000\\r\\n"
                        "Vault: kvfw;location=westeurope")
    if name == "kv-connection":
        return kv_error(peer, "ForbiddenByConnection",
                        "Public network access is disabled and request is "
                        "not from a trusted service nor via an approved "
                        "private link.\\r\\nCaller: appid=00000000-0000-"
                        "0000-0000-000000000000\\r\\nVault: kvconn;"
                        "location=westeurope")
    # AZURE-SEMANTICS 9.2: a request without Authorization gets 401
    if name == "kv-401":
        return 401, "Unauthorized", [
            ("Content-Type", "application/json; charset=utf-8"),
            ("WWW-Authenticate", 'Bearer authorization="https://login.'
             'microsoftonline.com/00000000-0000-0000-0000-000000000000", '
             'resource="https://vault.azure.net"'),
        ], ('{"error":{"code":"Unauthorized","message":"AKV10000: Request '
            'is missing a Bearer or PoP token."}}')
    # ACR troubleshooting (docs/probe-https.md): the registry firewall
    if name == "acr-denied":
        return 403, "Forbidden", [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Docker-Distribution-Api-Version", "registry/2.0"),
        ], ('{"errors":[{"code":"DENIED","message":"client with IP \'%s\' '
            'is not allowed access. Refer https://aka.ms/acr/firewall to '
            'grant access."}]}' % peer)
    if name == "acr-401":
        return 401, "Unauthorized", [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Docker-Distribution-Api-Version", "registry/2.0"),
            ("Www-Authenticate", 'Bearer realm="https://%s/oauth2/token",'
             'service="%s"' % (host, host)),
        ], ('{"errors":[{"code":"UNAUTHORIZED","message":"authentication '
            'required, visit https://aka.ms/acr/authorization for more '
            'information."}]}')
    if name == "ok":
        return 200, "OK", [("Content-Type", "text/plain")], "ok\n"
    raise SystemExit("unknown replay " + name)


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    host = ""
    if LOG:
        with LOCK, open(LOG, "ab") as f:
            f.write(data.split(b"\r\n\r\n")[0] + b"\n")
    for line in data.split(b"\r\n")[1:]:
        if line.lower().startswith(b"host:"):
            host = line[5:].strip().decode("ascii", "replace")
    return data, host


def send_answer(conn, status, reason, headers, body):
    b = body.encode()
    head = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in headers + [("Date", date()), ("Content-Length", str(len(b))),
                           ("Connection", "close")]:
        head += "%s: %s\r\n" % (k, v)
    conn.sendall(head.encode() + b"\r\n" + b)


def serve(mode, conn, ctx, peer):
    try:
        if mode == "silent":
            HOLD.append(conn)
            return
        if mode == "plain":
            # a plain HTTP server that is sent a TLS ClientHello answers
            # 400 and closes, as nginx and Apache do
            conn.recv(4096)
            send_answer(conn, 400, "Bad Request",
                        [("Content-Type", "text/plain")], "bad request\n")
            conn.close()
            return
        conn.settimeout(30)
        tls = ctx.wrap_socket(conn, server_side=True)
        if mode == "tls-silent":
            HOLD.append(tls)
            return
        _, host = read_request(tls)
        if mode.startswith("replay-"):
            send_answer(tls, *answer(mode[7:], peer, host))
        elif mode == "huge-headers":
            tls.sendall(b"HTTP/1.1 200 OK\r\n")
            line = b"X-Filler: " + b"a" * 54 + b"\r\n"      # 66 bytes
            for _ in range(16384):                            # ~1 MB
                tls.sendall(line)
            tls.sendall(b"Content-Length: 0\r\n\r\n")
        elif mode == "huge-line":
            tls.sendall(b"HTTP/1.1 200 OK\r\nX-Filler: " +
                        b"a" * (1 << 20) + b"\r\nContent-Length: 0\r\n\r\n")
        elif mode == "garbage":
            tls.sendall(b"\x00\x01garbage, not HTTP at all\r\n\r\n" * 8)
        elif mode == "big-body":
            send_answer(tls, 200, "OK", [("Content-Type", "text/plain")],
                        "x" * (1 << 20))
        tls.close()
    except (OSError, ssl.SSLError):
        pass


def listen(host, spec):
    parts = spec.split(":")
    mode, port = parts[0], int(parts[1])
    ctx = None
    if len(parts) == 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(parts[2], parts[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)

    def loop():
        while True:
            conn, addr = s.accept()
            threading.Thread(target=serve, args=(mode, conn, ctx, addr[0]),
                             daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def main():
    global LOG
    host, args = sys.argv[1], sys.argv[2:]
    if args[:1] == ["--log"]:
        LOG, args = args[1], args[2:]
    for spec in args:
        listen(host, spec)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
