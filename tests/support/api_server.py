#!/usr/bin/env python3
"""Test double of Bitbucket's REST API (the few GETs push reports use), over TLS on
127.0.0.1: Cloud /2.0/repositories/{workspace}/{slug} and /2.0/user, Server
/rest/api/1.0/projects/{key}/repos/{slug} and /rest/api/1.0/users/{slug}.

The state directory is the test's window into the server:
  answers.json  {"<path>": <JSON answer>, ...}, re-read per request; a path not in it
                answers 404 with Bitbucket's error shape
  tokens        access tokens accepted as `Authorization: Bearer`, one per line
                (pass the OAuth double's tokens file); anything else answers 401
  mode          ok | 500 | slow | malformed, re-read per request
  requests.log  one line per request: method, path, whether the token was accepted,
                status. Tokens never appear in logs, argv or stderr.
"""
import argparse
import json
import os
import threading
import time

import doubles

SLOW_SECONDS = 30
log = doubles.make_log("api_server")


class State:
    def __init__(self, state_dir, tokens_file):
        self.dir = state_dir
        self.tokens_file = tokens_file
        self.lock = threading.Lock()

    def mode(self):
        return doubles.read_state(self.dir, "mode", "ok")

    def answers(self):
        try:
            return json.loads(doubles.read_state(self.dir, "answers.json", "{}"))
        except ValueError:
            return {}

    def token_ok(self, token):
        return bool(token) and token in doubles.read_lines(self.tokens_file)

    def note(self, line):
        with self.lock:
            with open(os.path.join(self.dir, "requests.log"), "a") as f:
                f.write(line + "\n")
                f.flush()


class Handler(doubles.Handler):
    server_version = "bbsot-api-double"

    def state_dir(self):
        return self.server.state.dir

    def send_json(self, status, body, extra=None):
        self.send_body(status, (body if isinstance(body, str) else json.dumps(body)).encode(), extra=extra)

    def do_GET(self):
        st = self.server.state
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        ok = st.token_ok(token)
        status = self.answer(st, ok)
        st.note("GET %s auth=%s status=%s" % (self.path, "ok" if ok else "bad", status))

    def answer(self, st, token_ok):
        mode = st.mode()
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        if mode == "500":
            self.send_json(500, {"type": "error", "error": {"message": "Something went wrong"}})
            return 500
        if not token_ok:
            self.send_header_401()
            return 401
        answers = st.answers()
        if self.path not in answers:
            self.send_json(404, {"type": "error", "error": {"message": "Resource not found"}})
            return 404
        if mode == "malformed":
            self.send_json(200, "{\"uuid\": ")
            return "200-malformed"
        self.send_json(200, answers[self.path])
        return 200

    def send_header_401(self):
        self.send_json(401, {"type": "error", "error": {"message": "Access token expired."}},
                       {"WWW-Authenticate": 'Bearer realm="api"'})


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--tokens-file", required=True)
    a = p.parse_args()
    os.makedirs(a.state_dir, exist_ok=True)
    doubles.serve(Handler, a.port_file, log, a.cert, a.key, state=State(a.state_dir, a.tokens_file))


if __name__ == "__main__":
    main()
