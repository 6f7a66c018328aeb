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
import subprocess
import threading
import urllib.parse

import doubles

MAX_BODY = 512 * 1024 * 1024
LOG_LOCK = threading.Lock()
log = doubles.make_log("git_http_server")


class Handler(doubles.Handler):
    server_version = "bbsot-git-double"
    timeout = 120
    max_body = MAX_BODY

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
        return password in doubles.read_lines(o.tokens_file) and password not in doubles.read_lines(o.revoked_file)

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
    doubles.serve(Handler, a.port_file, log, a.cert, a.key, opts=a)

if __name__ == "__main__":
    main()
