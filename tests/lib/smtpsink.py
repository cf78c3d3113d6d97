#!/usr/bin/python3
"""An SMTP sink for alert tests (Debian python3-aiosmtpd; run with /usr/bin/python3).

smtpsink.py DIR [CERT KEY]
  Listens on 127.0.0.1 on a free port, writes it to DIR/port once
  listening, and stores every message as DIR/mail-N.json: {"mail_from",
  "rcpt_tos", "data", "tls"} (tls: whether STARTTLS was done first). With
  CERT and KEY it offers STARTTLS and refuses mail without it.
"""
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, d):
        self.dir = d
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
        }
        tmp = os.path.join(self.dir, "mail.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rec, f)
        os.rename(tmp, os.path.join(self.dir, "mail-%d.json" % self.n))
        return "250 2.0.0 Ok: queued as sink%d" % self.n


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    d = sys.argv[1]
    kw = {}
    if len(sys.argv) > 3:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        kw = {"tls_context": ctx, "require_starttls": True}
    port = free_port()
    c = Controller(Sink(d), hostname="127.0.0.1", port=port, **kw)
    c.start()
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, os.path.join(d, "port"))
    try:
        signal.pause()
    finally:
        c.stop()


if __name__ == "__main__":
    main()
