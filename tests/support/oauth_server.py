#!/usr/bin/env python3
"""Test double of Bitbucket Cloud's OAuth 2.0 token endpoint (client credentials and
refresh token grants) over TLS on 127.0.0.1.

The state directory is the test's window into the server:
  count         number of token requests received (atomically rewritten)
  tokens        every access token issued, one per line (the git double trusts these)
  requests.log  one line per request: grant type, whether client auth was OK, status
  mode          read at every request to inject failures (see MODES below)
  date_offset   seconds added to the Date header (re-read per request): 10800 plays a
                server whose clock is 3 h ahead, i.e. a client clock 3 h behind
  scopes        the scopes the answers grant (default "repository repository:write")
  style         "2026": answers as Bitbucket gives them since 2026-05-04 (`scope`, no
                refresh token); otherwise the older `scopes` and a refresh token
Secrets never appear in argv, logs or stderr.
"""
import argparse
import base64
import hmac
import json
import os
import secrets
import socket
import ssl
import struct
import threading
import time
import urllib.parse

import doubles
from doubles import atomic_write

TOKEN_PATH = "/site/oauth2/access_token"
MAX_BODY = 1 << 20
BIG_BODY_BYTES = 50 * 1024 * 1024
# ok | invalid_client | 500 | 503 | slow | malformed | missing_token | expires_in=N | big
# | reset (full Content-Length, part of the body, then TCP RST)
# | short_body (Content-Length larger than the body, then a clean close)
DEFAULT_EXPIRES_IN = 7200
SLOW_SECONDS = 30


log = doubles.make_log("oauth_server")


class State:
    """Everything shared between request threads; one lock keeps the files consistent."""

    def __init__(self, state_dir, client_id, secret_file):
        self.dir = state_dir
        self.client_id = client_id
        self.secret_file = secret_file
        self.secret = self._read_secret()
        self.lock = threading.Lock()
        self.refresh_tokens = set(self._read_lines("refresh_tokens"))
        count_path = os.path.join(state_dir, "count")
        try:
            with open(count_path) as f:
                self.count = int(f.read().strip() or 0)
        except (OSError, ValueError):
            self.count = 0
            atomic_write(count_path, "0\n")

    def _read_secret(self):
        with open(self.secret_file) as f:
            return f.read().rstrip("\r\n")

    def _read_lines(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return [l.strip() for l in f if l.strip()]
        except OSError:
            return []

    def current_secret(self):
        # Re-read so a test can rotate the secret; keep the last good one if unreadable.
        try:
            self.secret = self._read_secret()
        except OSError:
            pass
        return self.secret

    def mode(self):
        return doubles.read_state(self.dir, "mode", "ok")

    def note_request(self):
        with self.lock:
            self.count += 1
            atomic_write(os.path.join(self.dir, "count"), "%d\n" % self.count)

    def append(self, name, line):
        with self.lock:
            with open(os.path.join(self.dir, name), "a") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())

    def issue(self, record=True):
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens.add(refresh)
        # Recorded before sending: the git double must accept a token once a client holds it.
        if record:
            self.append("tokens", access)
        self.append("refresh_tokens", refresh)
        return access, refresh

    def known_refresh(self, token):
        with self.lock:
            return token in self.refresh_tokens


class Handler(doubles.Handler):
    server_version = "bbsot-oauth-double"
    max_body = MAX_BODY

    def state_dir(self):
        # date_offset: our clock shifted; the client must not trust the Date header for expiry.
        return self.server.state.dir

    # -- responses ---------------------------------------------------------
    def send_bytes(self, status, body, content_type="application/json", extra=None):
        # RFC 6749 5.1: token responses carry Cache-Control: no-store.
        self.send_body(status, body, content_type, {"Cache-Control": "no-store", **(extra or {})})

    def send_json(self, status, obj, extra=None):
        self.send_bytes(status, json.dumps(obj).encode(), extra=extra)

    def send_big(self):
        head = b'{"access_token": "big", "token_type": "bearer", "padding": "'
        tail = b'"}'
        pad = BIG_BODY_BYTES - len(head) - len(tail)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(BIG_BODY_BYTES))
        self.end_headers()
        self.wfile.write(head)
        chunk = b"a" * (1 << 20)
        while pad > 0:
            n = min(pad, len(chunk))
            self.wfile.write(chunk[:n])
            pad -= n
        self.wfile.write(tail)

    def send_partial(self, body, cut):
        """200 announcing all of `body` but sending only body[:cut]; the caller ends the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body[:cut])
        self.wfile.flush()
        self.close_connection = True

    def reset_connection(self):
        # SO_LINGER {on, 0}: close() discards unsent data and sends RST instead of FIN.
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        socket.socket.close(sock)

    def close_cleanly(self):
        # TLS close_notify, then FIN: the body is short, but the connection ended properly.
        sock = self.connection
        try:
            sock.settimeout(2)
            if isinstance(sock, ssl.SSLSocket):
                sock = sock.unwrap()
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass
        socket.socket.close(self.connection)

    # -- request handling ------------------------------------------------------
    def do_GET(self):
        self.not_found_or_not_allowed()

    def not_found_or_not_allowed(self):
        self.drain_body()
        if urllib.parse.urlsplit(self.path).path == TOKEN_PATH:
            self.send_json(405, {"error": "method_not_allowed"}, {"Allow": "POST"})
        else:
            self.send_json(404, {"error": "not_found"})

    def drain_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def client_auth_ok(self, st):
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        cid, sep, secret = decoded.partition(":")
        if not sep:
            return False
        id_ok = hmac.compare_digest(cid.encode(), st.client_id.encode())
        secret_ok = hmac.compare_digest(secret.encode(), st.current_secret().encode())
        return id_ok and secret_ok

    def read_form(self):
        raw = self.read_body()
        return urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != TOKEN_PATH:
            self.not_found_or_not_allowed()
            return
        st = self.server.state
        st.note_request()
        mode = st.mode()
        try:
            form = self.read_form()
        except ValueError:
            self.close_connection = True
            self.send_json(413, {"error": "invalid_request"})
            return
        grant = form.get("grant_type", [""])[0]
        auth_ok = self.client_auth_ok(st)
        status = self.answer(st, mode, form, grant, auth_ok)
        st.append("requests.log", "grant_type=%s auth=%s mode=%s status=%s"
                  % (grant or "-", "ok" if auth_ok else "bad", mode, status))
        log("POST %s grant_type=%s -> %s" % (TOKEN_PATH, grant or "-", status))

    def answer(self, st, mode, form, grant, auth_ok):
        """Sends the response for this mode; returns the status for the log."""
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        if mode == "500":
            self.send_json(500, {"error": "server_error"})
            return 500
        if mode == "503":
            self.send_json(503, {"error": "temporarily_unavailable"}, {"Retry-After": "1"})
            return 503
        if mode == "invalid_client" or not auth_ok:
            self.send_json(401, {"error": "invalid_client",
                                 "error_description": "Invalid OAuth client credentials"})
            return 401
        if grant == "refresh_token":
            if not st.known_refresh(form.get("refresh_token", [""])[0]):
                self.send_json(400, {"error": "invalid_grant",
                                     "error_description": "Invalid refresh_token"})
                return 400
        elif grant != "client_credentials":
            self.send_json(400, {"error": "unsupported_grant_type",
                                 "error_description": "Unsupported grant type: %s" % (grant or "None")})
            return 400
        return self.send_token(st, mode, grant)

    def send_token(self, st, mode, grant):
        if mode == "malformed":
            self.send_bytes(200, b'{"access_token": ')
            return "200-malformed"
        if mode == "big":
            self.send_big()
            return "200-big"
        if mode in ("reset", "short_body"):
            # A real-looking token body, never recorded: the client must not get to use it.
            access, refresh = st.issue(record=False)
            body = json.dumps({"access_token": access, "token_type": "bearer",
                               "expires_in": DEFAULT_EXPIRES_IN, "refresh_token": refresh}).encode()
            self.send_partial(body, len(body) // 2)
            if mode == "reset":
                self.reset_connection()
            else:
                self.close_cleanly()
            return "200-" + mode
        expires_in = DEFAULT_EXPIRES_IN
        if mode.startswith("expires_in="):
            try:
                expires_in = int(mode.split("=", 1)[1])
            except ValueError:
                pass
        # A token the client never saw must not become valid at the git double.
        access, refresh = st.issue(record=(mode != "missing_token"))
        scopes = doubles.read_state(st.dir, "scopes", "repository repository:write")
        if doubles.read_state(st.dir, "style", "") == "2026":
            # Since 2026-05-04: `scope` instead of `scopes`, and no refresh token for
            # client_credentials (Atlassian's "OAuth 2.0 and API authentication changes").
            body = {"access_token": access, "scope": scopes, "token_type": "bearer",
                    "expires_in": expires_in, "state": grant}
        else:
            body = {"access_token": access, "scopes": scopes, "token_type": "bearer",
                    "expires_in": expires_in, "state": grant, "refresh_token": refresh}
        if mode == "missing_token":
            del body["access_token"]
        self.send_json(200, body)
        return 200


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret-file", required=True)
    a = p.parse_args()
    os.makedirs(a.state_dir, exist_ok=True)
    state = State(a.state_dir, a.client_id, a.client_secret_file)
    doubles.serve(Handler, a.port_file, log, a.cert, a.key, state=state)


if __name__ == "__main__":
    main()
