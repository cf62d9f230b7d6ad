"""A minimal reverse proxy for the scale tests, run as its own process.

``python tests/scale/proxy.py <listen port> <upstream port>`` listens on
127.0.0.1 and passes every request on to the upstream server on 127.0.0.1,
adding the address the request came from to X-Forwarded-For the way nginx's
``$proxy_add_x_forwarded_for`` does: after whatever the client sent.
"""

import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers that describe one connection, not the request (RFC 9110, 7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class Proxy(BaseHTTPRequestHandler):
    upstream_port: int
    protocol_version = "HTTP/1.1"

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP
        }
        headers.pop("X-Forwarded-For", None)
        sent = self.headers.get_all("X-Forwarded-For") or []
        headers["X-Forwarded-For"] = ", ".join([*sent, self.client_address[0]])
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            content = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        finally:
            upstream.close()

    do_GET = do_POST = do_HEAD = forward

    def log_message(self, format, *args):
        sys.stderr.write(f"proxy: {self.client_address[0]} {format % args}\n")


def main(listen_port: int, upstream_port: int) -> None:
    Proxy.upstream_port = upstream_port
    with ThreadingHTTPServer(("127.0.0.1", listen_port), Proxy) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
