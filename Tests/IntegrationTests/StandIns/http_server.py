"""An HTTP server for the tests of the `http` check: redirects, JSON, basic authentication, request
bodies and, with certificates, TLS that requires a client certificate.

Usage: python http_server.py [CERT_FILE KEY_FILE CLIENT_CA_FILE]   (TLS when given)
Prints `port N` once it listens on 127.0.0.1, then serves until killed:
    GET  /json          200, a JSON document, `X-Version: 1.4.2`, `Content-Type: application/json`
    GET  /redirect/N    302 to /redirect/N-1; /redirect/0 is 302 to /json
    GET  /auth          200 `welcome` for basic authentication monitor:s3cret, else 401
    POST /echo          200, the request body back, its Content-Type in `X-Request-Type`
    GET  /error-page    200 with an error text in the body
    GET  /client        200 with the client certificate's common name (TLS)
    GET  /slow          200 after 300 ms
"""

import base64
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOCUMENT = {
    "status": "ok",
    "version": "1.4.2",
    "checks": {"db": {"healthy": True, "latency_ms": 12.5, "replica": None}},
    "items": [{"name": "a"}, {"name": "b"}],
    "a/b": 1,
    "m~n": 2,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        if self.path == "/json":
            self.reply(200, json.dumps(DOCUMENT), [("Content-Type", "application/json"), ("X-Version", "1.4.2")])
        elif self.path.startswith("/redirect/"):
            hops = int(self.path.rsplit("/", 1)[1])
            target = "/json" if hops == 0 else "/redirect/%d" % (hops - 1)
            self.reply(302, "", [("Location", target)])
        elif self.path == "/auth":
            expected = "Basic " + base64.b64encode(b"monitor:s3cret").decode()
            if self.headers.get("Authorization") == expected:
                self.reply(200, "welcome")
            else:
                self.reply(401, "who are you?", [("WWW-Authenticate", 'Basic realm="vitals"')])
        elif self.path == "/slow":
            time.sleep(0.3)
            self.reply(200, "slow but fine")
        elif self.path == "/error-page":
            self.reply(200, "<h1>Internal error: database down</h1>")
        elif self.path == "/client":
            peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            subject = dict(item[0] for item in peer["subject"]) if peer else {}
            self.reply(200, "client %s" % subject.get("commonName", "none"))
        else:
            self.reply(404, "not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/echo":
            self.reply(200, body, [("X-Request-Type", self.headers.get("Content-Type", "none"))])
        else:
            self.reply(404, "not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) == 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    context.load_verify_locations(sys.argv[3])
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
