#!/usr/bin/env python3
"""Test double of Bitbucket's git smart HTTP endpoint: `git http-backend` (CGI) behind
TLS on 127.0.0.1, accepting HTTP Basic with one user name and any token listed in
--tokens-file that is not listed in --revoked-file (both re-read at every request).

Every request is appended to <root>/access.log as `method path status user`;
passwords never appear in logs or stderr.
"""
import argparse
import base64
import os
import ssl
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 512 * 1024 * 1024
LOG_LOCK = threading.Lock()


def atomic_write(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def log(msg):
    sys.stderr.write("git_http_server: %s\n" % msg)
    sys.stderr.flush()


def read_lines(path):
    if not path:
        return set()
    try:
        with open(path) as f:
            return {l.strip() for l in f if l.strip()}
    except OSError:
        return set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bbsot-git-double"
    timeout = 120

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, fmt, *args):
        pass

    def access_log(self, status, user):
        line = "%s %s %s %s\n" % (self.command, self.path, status, user or "-")
        with LOG_LOCK:
            with open(os.path.join(self.server.opts.root, "access.log"), "a") as f:
                f.write(line)

    def credentials(self):
        """(user, password) from HTTP Basic, or (None, None)."""
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None, None
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return (user, password) if sep else (None, None)

    def authorized(self, user, password):
        o = self.server.opts
        if user != o.user or not password:
            return False
        return password in read_lines(o.tokens_file) and password not in read_lines(o.revoked_file)

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
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ValueError("truncated chunked body")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after each chunk

    def refuse(self, user):
        body = b"Unauthorized\n"
        # The unread request body makes this connection unusable for another request.
        self.close_connection = True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="Bitbucket"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.access_log(401, user)

    def handle_git(self):
        user, password = self.credentials()
        if not self.authorized(user, password):
            self.refuse(user)
            return
        try:
            body = self.read_body()
        except ValueError as e:
            self.close_connection = True
            self.send_error(400, str(e))
            self.access_log(400, user)
            return
        out = self.run_backend(body, user)
        status = self.relay(out)
        self.access_log(status, user)

    do_GET = handle_git
    do_POST = handle_git

    def cgi_env(self, body, user):
        o = self.server.opts
        url = urllib.parse.urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # Keep the test user's git configuration out of the server.
            "HOME": o.root,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
            "GIT_PROJECT_ROOT": o.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(url.path),
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        return env

    def run_backend(self, body, user):
        proc = subprocess.run(["git", "http-backend"], input=body, stdout=subprocess.PIPE,
                              env=self.cgi_env(body, user))
        if proc.returncode != 0:
            log("http-backend exited %d for %s %s" % (proc.returncode, self.command, self.path))
        return proc.stdout

    def relay(self, out):
        """Turns CGI output into an HTTP response; returns the status sent."""
        sep = out.find(b"\r\n\r\n")
        skip = 4
        lf = out.find(b"\n\n")
        if lf != -1 and (sep == -1 or lf < sep):
            sep, skip = lf, 2
        if sep == -1:
            self.send_error(502, "bad CGI output")
            return 502
        status, headers = 200, []
        for line in out[:sep].decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name.strip(), value.strip()))
        body = out[sep + skip:]
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        log("connection error: %s: %s" % (type(exc).__name__, exc))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--tokens-file", required=True)
    p.add_argument("--revoked-file")
    a = p.parse_args()
    a.root = os.path.abspath(a.root)
    os.makedirs(a.root, exist_ok=True)
    server = Server(("127.0.0.1", 0), Handler)
    server.opts = a
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    atomic_write(a.port_file, "%d\n" % server.server_address[1])
    log("listening on 127.0.0.1:%d root %s" % (server.server_address[1], a.root))
    server.serve_forever()


if __name__ == "__main__":
    main()
