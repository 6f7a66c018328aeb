#!/usr/bin/env python3
"""Test double of a webhook endpoint: accepts POST on any path over plain HTTP, or TLS
with --cert/--key, on 127.0.0.1.

Each request answered 200 is appended to --log as one JSON line
{"path", "headers": {lower-cased names}, "body": raw body as text}, so the log holds
exactly the deliveries a sender may consider done. With --state-dir, every request
(whatever the mode) is also appended to <state-dir>/attempts.log as {"path","mode"}, and
<state-dir>/mode (re-read per request) injects failures: ok | 500 | slow (sleep 30 s,
then 200 without logging) | hang (accept, read the request, never answer) | close (drop
the connection without answering) | any other HTTP status NNN (answered with that status
and a one-line body; 3xx with a Location header).
Like a real integration endpoint, a POST without X-Event-Key is not an event: it is
answered 400 and not logged as a delivery (bbsot doctor probes the endpoint this way).
<state-dir>/date_offset (seconds, re-read per request) shifts the Date header sent, to play
a server whose clock is ahead (positive) or behind (negative) this machine's.
"""
import argparse
import json
import os
import socket
import threading
import time

import doubles

MAX_BODY = 16 * 1024 * 1024
SLOW_SECONDS = 30
LOCK = threading.Lock()
log = doubles.make_log("receiver")


def append_json(path, obj):
    with LOCK:
        with open(path, "a") as f:
            f.write(json.dumps(obj) + "\n")
            f.flush()
            os.fsync(f.fileno())


class Handler(doubles.Handler):
    server_version = "bbsot-receiver-double"
    max_body = MAX_BODY

    def state_dir(self):
        return self.server.opts.state_dir

    def mode(self):
        return doubles.read_state(self.state_dir(), "mode", "ok")

    def reply(self, status, text):
        self.send_body(status, text.encode(), "text/plain")

    def do_POST(self):
        mode = self.mode()
        o = self.server.opts
        if o.state_dir:
            append_json(os.path.join(o.state_dir, "attempts.log"), {"path": self.path, "mode": mode})
        try:
            raw = self.read_body()
        except ValueError as e:
            self.close_connection = True
            self.reply(400, str(e))
            return
        log("POST %s mode=%s" % (self.path, mode))
        if mode == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if mode == "500":
            self.reply(500, "error")
            return
        if mode == "hang":
            # Accept and never answer; the sender's timeout must end it.
            time.sleep(3600)
            return
        if mode.isdigit() and mode != "200":
            status = int(mode)
            if 300 <= status < 400:
                self.send_response(status)
                self.send_header("Location", "https://elsewhere.example/hook")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.reply(status, "status %d from the receiver double" % status)
            return
        if "X-Event-Key" not in self.headers:
            self.reply(400, "not a webhook event (no X-Event-Key)")
            return
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
            self.reply(200, "ok")
            return
        headers = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = headers[key] + ", " + value if key in headers else value
        append_json(o.log, {"path": self.path, "headers": headers,
                            "body": raw.decode("utf-8", "replace")})
        self.reply(200, "ok")

    def do_GET(self):
        self.close_connection = True
        self.reply(405, "POST only")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--state-dir")
    p.add_argument("--port", type=int, default=0,
                   help="listen on this port (an endpoint that comes back where it was); default any free one")
    a = p.parse_args()
    if bool(a.cert) != bool(a.key):
        p.error("--cert and --key go together")
    if a.state_dir:
        os.makedirs(a.state_dir, exist_ok=True)
    open(a.log, "a").close()
    doubles.serve(Handler, a.port_file, log, a.cert, a.key, port=a.port, opts=a)


if __name__ == "__main__":
    main()
