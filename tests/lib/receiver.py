#!/usr/bin/python3
"""An HTTP receiver for alert tests (stdlib only; run with /usr/bin/python3).

receiver.py DIR [PORT]
  Listens on 127.0.0.1:PORT (0 or absent: a free port), writes the port to
  DIR/port once listening, and appends one JSON line per request to
  DIR/requests.jsonl: {"method", "path", "headers": {name: value}, "body"}.
  Answers the status in DIR/status (read at every request, so a test
  switches it at run time; absent: 200) with the body in DIR/answer (absent:
  "ok"). Killed and started again with the same PORT, it takes the port
  back at once (SO_REUSEADDR).
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _read(self, name, default):
        try:
            with open(os.path.join(self.server.dir, name), encoding="utf-8") as f:
                return f.read().strip() or default
        except OSError:
            return default

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        rec = {
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        with open(os.path.join(self.server.dir, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        status = int(self._read("status", "200"))
        answer = self._read("answer", "ok").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle


def main():
    d = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    HTTPServer.allow_reuse_address = True
    srv = HTTPServer(("127.0.0.1", port), Handler)
    srv.dir = d
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, os.path.join(d, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
