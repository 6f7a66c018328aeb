"""What every test double shares: a threaded HTTP server on 127.0.0.1 with an ephemeral
port (written atomically to --port-file), optional TLS with the handshake done in the
request thread, per-request state files the test rewrites to inject faults, bounded
request bodies, and a stderr log that never carries a secret.

Each double is a script run as `python3 tests/support/<name>.py`, so this module is found
next to it on sys.path.
"""
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def atomic_write(path, text):
    """Readers (the tests, in C++) never see a half-written file."""
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def make_log(name):
    def log(msg):
        sys.stderr.write("%s: %s\n" % (name, msg))
        sys.stderr.flush()
    return log


def read_state(state_dir, name, default=""):
    """A state file's stripped text, re-read per request so a test can change it mid-run."""
    if not state_dir:
        return default
    try:
        with open(os.path.join(state_dir, name)) as f:
            return f.read().strip() or default
    except OSError:
        return default


def read_int_state(state_dir, name):
    try:
        return int(read_state(state_dir, name, "0"))
    except ValueError:
        return 0


def read_lines(path):
    """The non-empty lines of a file as a set; a missing file is empty."""
    if not path:
        return set()
    try:
        with open(path) as f:
            return {l.strip() for l in f if l.strip()}
    except OSError:
        return set()


class Handler(BaseHTTPRequestHandler):
    """Base handler. Subclasses set `state_dir()` to enable the `date_offset` state file:
    seconds added to the Date header, to play a server whose clock is ahead (positive)
    or behind (negative) this machine's."""
    protocol_version = "HTTP/1.1"
    timeout = 60  # a stuck client must not hold a thread forever
    max_body = 1 << 20

    def setup(self):
        super().setup()
        # Handshake here, in the request thread, so one silent client cannot block accept().
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, fmt, *args):
        pass  # the default line is noisy; each double logs what matters

    def state_dir(self):
        return None

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            timestamp = time.time()
        return super().date_time_string(timestamp + read_int_state(self.state_dir(), "date_offset"))

    def send_body(self, status, body, content_type="application/json", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        """The request body (Content-Length or chunked); ValueError beyond max_body."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ValueError("truncated chunked body")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > self.max_body:
                raise ValueError("body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after each chunk


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    log = staticmethod(make_log("double"))

    def handle_error(self, request, client_address):
        # Clients that reject our certificate or hang up are part of the tests, not bugs.
        exc = sys.exc_info()[1]
        self.log("connection error: %s: %s" % (type(exc).__name__, exc))


def serve(handler, port_file, log, cert=None, key=None, port=0, **attrs):
    """Listens on 127.0.0.1 (TLS when cert is given; on `port`, or any free port when 0),
    sets `attrs` on the server for the handler to read, announces the port and serves until
    killed."""
    server = Server(("127.0.0.1", port), handler)
    server.log = log
    for k, v in attrs.items():
        setattr(server, k, v)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    atomic_write(port_file, "%d\n" % server.server_address[1])
    log("listening on 127.0.0.1:%d%s" % (server.server_address[1], " (TLS)" if cert else ""))
    server.serve_forever()
