#!/usr/bin/env python3
"""Test double of a webhook endpoint: accepts POST on any path over plain HTTP, or TLS
with --cert/--key, on 127.0.0.1.

Each request answered 200 is appended to --log as one JSON line
{"path", "headers": {lower-cased names}, "body": raw body as text}, so the log holds
exactly the deliveries a sender may consider done. With --state-dir, every request
(whatever the mode) is also appended to <state-dir>/attempts.log as {"path","mode"}, and
<state-dir>/mode (re-read per request) injects failures: ok | 500 | slow (sleep 30 s,
then 200 without logging) | close (drop the connection without answering).
<state-dir>/date_offset (seconds, re-read per request) shifts the Date header sent, to play
a server whose clock is ahead (positive) or behind (negative) this machine's.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 * 1024 * 1024
SLOW_SECONDS = 30
LOCK = threading.Lock()


def atomic_write(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def log(msg):
    sys.stderr.write("receiver: %s\n" % msg)
    sys.stderr.flush()


def append_json(path, obj):
    with LOCK:
        with open(path, "a") as f:
            f.write(json.dumps(obj) + "\n")
            f.flush()
            os.fsync(f.fileno())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bbsot-receiver-double"
    timeout = 60

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, fmt, *args):
        pass

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            timestamp = time.time()
        return super().date_time_string(timestamp + self.date_offset())

    def date_offset(self):
        d = self.server.opts.state_dir
        if not d:
            return 0
        try:
            with open(os.path.join(d, "date_offset")) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def mode(self):
        d = self.server.opts.state_dir
        if not d:
            return "ok"
        try:
            with open(os.path.join(d, "mode")) as f:
                return f.read().strip() or "ok"
        except OSError:
            return "ok"

    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ValueError("truncated chunked body")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

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


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        log("connection error: %s: %s" % (type(exc).__name__, exc))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--state-dir")
    a = p.parse_args()
    if bool(a.cert) != bool(a.key):
        p.error("--cert and --key go together")
    if a.state_dir:
        os.makedirs(a.state_dir, exist_ok=True)
    open(a.log, "a").close()
    server = Server(("127.0.0.1", 0), Handler)
    server.opts = a
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    atomic_write(a.port_file, "%d\n" % server.server_address[1])
    log("listening on 127.0.0.1:%d%s" % (server.server_address[1], " (TLS)" if a.cert else ""))
    server.serve_forever()


if __name__ == "__main__":
    main()
