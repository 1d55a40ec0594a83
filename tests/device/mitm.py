#!/usr/bin/env python3
# mitm.py - test helper: an attacker who holds lfsd's TLS identity (its
# certificate and key, a TLS-terminating proxy, any certificate of the CA
# devices trust). It listens on 127.0.0.1 with that identity and relays every
# request to the real lfsd over TLS, except that, steered by files in
# CONTROL_DIR, it tampers with polls (GET /ota/latest):
#   replay    answer the poll with this recorded body (200; replay.type holds
#             its Content-Type, default application/json) instead of asking lfsd
#   as        "ID KEY": relay the poll as that device (device= and the bearer
#             key replaced; the poll's nonce kept)
#   current   "SHA" or "none": relay the poll claiming that running image
#   forge     "HEXKEY" then a manifest text whose nonce line is "nonce NONCE":
#             answer the poll with that text, the poll's nonce put in, and a
#             mac under HEXKEY (text/plain): what only a holder of the
#             device's manifest key (lfsd itself) can make
#   flip      any content: images (GET /ota/images) relayed with their
#             middle byte flipped
#   cut       any content: images relayed with half of their body, then the
#             connection closed
# usage: mitm.py CERT KEY LFSD_PORT PORT_FILE CONTROL_DIR
# Writes its port to PORT_FILE and one line per request to CONTROL_DIR/log.
import hashlib
import hmac
import http.client
import http.server
import os
import re
import ssl
import sys
import urllib.parse

CERT, KEY, UPSTREAM, PORT_FILE, CTL = sys.argv[1:6]
RELAYED = ("content-type", "content-length", "etag", "content-range", "accept-ranges",
           "lfsd-poll-interval", "cache-control")


def control(name):
    try:
        with open(os.path.join(CTL, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def log(line):
    with open(os.path.join(CTL, "log"), "a") as f:
        f.write(line + "\n")


def forged(path, spec):
    """The forge control's manifest for this poll: its nonce put in, a mac."""
    key, text = spec.decode().split("\n", 1)
    nonce = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)).get("nonce", "")
    text = text.replace("nonce NONCE\n", "nonce %s\n" % nonce).encode()
    return text + b"mac " + hmac.new(bytes.fromhex(key), text, hashlib.sha256).hexdigest().encode() + b"\n"


def tampered_poll(path, headers):
    """The poll as the attacker relays it: (path, headers), or None to keep."""
    url = urllib.parse.urlsplit(path)
    q = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    changed = False
    who = control("as")
    if who:
        dev, key = who.decode().split()
        q = [(k, dev if k == "device" else v) for k, v in q]
        headers["Authorization"] = "Bearer " + key
        changed = True
    cur = control("current")
    if cur is not None:
        q = [(k, v) for k, v in q if k != "current"]
        if cur.strip() != b"none":
            q.append(("current", cur.decode().strip()))
        changed = True
    if not changed:
        return None
    return url.path + "?" + urllib.parse.urlencode(q), headers


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def answer(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = self.path
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() in ("authorization", "range", "if-range", "if-none-match",
                                    "accept", "content-type")}
        poll = self.command == "GET" and path.startswith("/ota/latest")
        replay = control("replay") if poll else None
        forge = control("forge") if poll else None
        if forge is not None:
            log("forged %s" % path)
            body = forged(path, forge)
            self.answer(200, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
                        body)
            return
        if replay is not None:
            kind = (control("replay.type") or b"application/json").decode().strip()
            log("replayed %s" % path)
            self.answer(200, [("Content-Type", kind), ("Content-Length", str(len(replay)))],
                        replay)
            return
        t = tampered_poll(path, headers) if poll else None
        if t:
            path, headers = t
            log("tampered %s -> %s" % (self.path, re.sub(r"nonce=\w+", "nonce=N", path)))
        ctx = ssl.create_default_context(cafile=CERT)
        ctx.check_hostname = False
        up = http.client.HTTPSConnection("127.0.0.1", int(UPSTREAM), context=ctx, timeout=30)
        up.request(self.command, path, body=body, headers=headers)
        r = up.getresponse()
        data = r.read()
        log("relayed %s %s %d" % (self.command, self.path.split("?")[0], r.status))
        image = self.command == "GET" and path.startswith("/ota/images/") and data
        if image and control("flip") is not None:
            data = bytearray(data)
            data[len(data) // 2] ^= 1
            data = bytes(data)
            log("flipped byte %d" % (len(data) // 2))
        if image and control("cut") is not None:
            self.answer(r.status, [(k, v) for k, v in r.getheaders() if k.lower() in RELAYED],
                        data[:len(data) // 2])
            self.close_connection = True
            log("cut after %d of %d bytes" % (len(data) // 2, len(data)))
            up.close()
            return
        self.answer(r.status, [(k, v) for k, v in r.getheaders() if k.lower() in RELAYED],
                    data)
        up.close()

    do_GET = do_POST = do_HEAD = relay


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    srv.serve_forever()


main()
