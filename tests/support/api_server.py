#!/usr/bin/env python3
"""Test double of Bitbucket's REST API over TLS on 127.0.0.1, Cloud 2.0 and Server/Data
Center 1.0, faithful to Atlassian's OpenAPI specs (Cloud swagger.v3, DC 9.2):

  Cloud   GET/POST /2.0/repositories/{workspace}/{repo_slug}/hooks
          GET/PUT/DELETE /2.0/repositories/{workspace}/{repo_slug}/hooks/{uid}
          GET  /2.0/repositories/{workspace}/{repo_slug}/pullrequests[?state=OPEN]
          GET  /2.0/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses
          paged as paginated_* ({pagelen, size, page, values, next}); `next` is an absolute
          URL; pagelen defaults to 10, at most 100 (50 for pull requests)
  Server  GET/POST /rest/api/1.0/projects/{key}/repos/{slug}/webhooks
          GET/PUT/DELETE /rest/api/1.0/projects/{key}/repos/{slug}/webhooks/{id}
          GET  /rest/api/1.0/projects/{key}/repos/{slug}/pull-requests[?state=OPEN]
          GET  /rest/api/1.0/projects/{key}/repos/{slug}
          GET  /rest/build-status/1.0/commits/{commitId}
          paged as {size, limit, isLastPage, start, nextPageStart, values}; limit defaults
          to 25, at most 1000
  Any other GET path is answered from answers.json (the ids push reports use).

Authentication: `Authorization: Bearer <token>` with a token listed in --tokens-file
(OAuth access tokens, access tokens, Server HTTP access tokens), or HTTP Basic
`user:password` listed in --basic-file (Atlassian API tokens: e-mail and token).
Permissions, as Atlassian documents them:
  Cloud   Bearer: the classic scopes in state `scopes` (default: all), with their
          implications (pullrequest and repository:write imply repository, ...);
          Basic: the API-token scopes in state `api_token_scopes` (default: all), which
          imply nothing. Missing: 403 {"type":"error","error":{"message":"Your credentials
          lack one or more required privilege scopes.","detail":{"required":[...],
          "granted":[...]}}} (the shape Bitbucket sends, as observed in public issues).
          Creating or updating a hook needs webhook plus the scope of its events.
  Server  state `server_permission` REPO_READ | REPO_WRITE | REPO_ADMIN (default
          REPO_ADMIN); webhooks need REPO_ADMIN, the rest REPO_READ. Missing: 401 with an
          AuthorisationException, as the DC spec documents insufficient permission.

The state directory is the test's window into the server (files re-read per request):
  repos.json     {"acme/shop": {"type": "cloud", "pullrequests": [PR, ...]},
                  "SHOP/web": {"type": "server", "pullrequests": [...]}} with
                  PR = {"id", "title", "source", "target", "commit"} rendered in each
                  platform's shape (Cloud abbreviates the commit hash to 12 digits)
  hooks.json     the repositories' webhooks, {"<repo>": [hook in the platform's shape]};
                  written by the double as hooks are created and changed (a test may seed it)
  statuses.json  {"<full commit id>": [{"key","state","name","url"}, ...]} or
                  {"<id>": {"sequence": [[...], [...]]}}: the n-th request for that commit
                  gets the n-th list, the last one from then on
  page_size      at most this many values per page, whatever the client asks
  fail_next      "STATUS:COUNT[:RETRY_AFTER]": the next COUNT requests answer STATUS
                  (429 or 5xx) with Retry-After (default 1; "none" omits it)
  next_base      scheme://host:port put in front of Cloud `next` links instead of this
                  server's own (a link outside the API base)
  rejects        event keys this version of Bitbucket does not know (400 on create/update)
  revoked        Bearer tokens refused although listed in --tokens-file (one per line);
                  revoke_all "1" refuses every Bearer token
  mode           ok | 500 | slow | malformed (answers.json paths only)
  requests.log   one line per request: method, path, whether the token was accepted, status
  requests.jsonl one JSON object per request: method, path, query, auth scheme, Basic
                  user name, whether it was accepted, status and the JSON body with any
                  secret replaced by "sha256:<hex>". Tokens never appear in logs, argv or
                  stderr.
"""
import argparse
import base64
import hashlib
import json
import os
import threading
import time
import urllib.parse
import uuid

import doubles

SLOW_SECONDS = 30
log = doubles.make_log("api_server")

# webhook_subscription.events in Atlassian's Bitbucket Cloud OpenAPI spec.
CLOUD_EVENTS = {
    "repo:push", "repo:fork", "repo:updated", "repo:transfer", "repo:created", "repo:deleted", "repo:imported",
    "repo:commit_comment_created", "repo:commit_status_created", "repo:commit_status_updated",
    "issue:created", "issue:updated", "issue:comment_created",
    "pullrequest:created", "pullrequest:updated", "pullrequest:push", "pullrequest:approved",
    "pullrequest:unapproved", "pullrequest:changes_request_created", "pullrequest:changes_request_removed",
    "pullrequest:fulfilled", "pullrequest:rejected", "pullrequest:comment_created",
    "pullrequest:comment_updated", "pullrequest:comment_deleted", "pullrequest:comment_resolved",
    "pullrequest:comment_reopened", "project:updated", "pipeline:span_created",
}
# The event keys of Atlassian's "Event payload" page (Bitbucket Data Center 8.11-9.2).
SERVER_EVENTS = {
    "repo:refs_changed", "repo:modified", "repo:forked", "repo:comment:added", "repo:comment:edited",
    "repo:comment:deleted", "mirror:repo_synchronized", "repo:secret_detected",
    "pr:opened", "pr:from_ref_updated", "pr:to_ref_updated", "pr:modified", "pr:reviewer:updated",
    "pr:reviewer:approved", "pr:reviewer:unapproved", "pr:reviewer:needs_work", "pr:merged", "pr:declined",
    "pr:deleted", "pr:comment:added", "pr:comment:edited", "pr:comment:deleted", "project:modified",
}
CLOUD_SCOPES = {"repository", "repository:write", "repository:admin", "pullrequest", "pullrequest:write",
                "webhook", "issue", "account", "project"}
API_TOKEN_SCOPES = {"read:repository:bitbucket", "write:repository:bitbucket", "read:pullrequest:bitbucket",
                    "read:webhook:bitbucket", "write:webhook:bitbucket", "delete:webhook:bitbucket",
                    "read:user:bitbucket"}
PERMISSIONS = ["REPO_READ", "REPO_WRITE", "REPO_ADMIN"]


def expand(scopes):
    """Classic scopes with what each implies (Bitbucket REST intro, "OAuth 2.0 scopes")."""
    s = set(scopes)
    if "pullrequest:write" in s:
        s |= {"pullrequest", "repository:write"}
    if s & {"pullrequest", "repository:write", "project"}:
        s.add("repository")
    return s


def hashed(secret):
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def redacted(body):
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if isinstance(out.get("secret"), str) and out["secret"]:
        out["secret"] = hashed(out["secret"])
    conf = out.get("configuration")
    if isinstance(conf, dict) and isinstance(conf.get("secret"), str):
        out["configuration"] = dict(conf, secret=hashed(conf["secret"]))
    return out


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


class State:
    def __init__(self, state_dir, tokens_file, basic_file):
        self.dir = state_dir
        self.tokens_file = tokens_file
        self.basic_file = basic_file
        self.lock = threading.Lock()
        self.sequence_reads = {}
        self.next_server_id = 1

    def read(self, name, default=""):
        return doubles.read_state(self.dir, name, default)

    def json_file(self, name, default):
        try:
            return json.loads(self.read(name, "")) if self.read(name, "") else default
        except ValueError:
            return default

    def write_json(self, name, value):
        doubles.atomic_write(os.path.join(self.dir, name), json.dumps(value, indent=1))

    def mode(self):
        return self.read("mode", "ok")

    def answers(self):
        return self.json_file("answers.json", {})

    def bearer_ok(self, token):
        if self.read("revoke_all", "") == "1" or token in doubles.read_lines(os.path.join(self.dir, "revoked")):
            return False
        return bool(token) and token in doubles.read_lines(self.tokens_file)

    def basic_ok(self, user, password):
        return bool(user) and bool(password) and ("%s:%s" % (user, password)) in doubles.read_lines(self.basic_file)

    def take_failure(self):
        """(status, retry_after) when fail_next asks for one more failure, else None."""
        with self.lock:
            spec = self.read("fail_next", "")
            if not spec:
                return None
            parts = spec.split(":")
            try:
                status, count = int(parts[0]), int(parts[1])
            except (ValueError, IndexError):
                return None
            if count <= 0:
                return None
            retry = parts[2] if len(parts) > 2 else "1"
            doubles.atomic_write(os.path.join(self.dir, "fail_next"), "%d:%d:%s\n" % (status, count - 1, retry))
            return status, (None if retry == "none" else retry)

    def note(self, line, record):
        with self.lock:
            with open(os.path.join(self.dir, "requests.log"), "a") as f:
                f.write(line + "\n")
            with open(os.path.join(self.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record) + "\n")


class Handler(doubles.Handler):
    server_version = "bbsot-api-double"

    def state_dir(self):
        return self.server.state.dir

    # -- plumbing --------------------------------------------------------------
    def send_json(self, status, body, extra=None):
        self.send_body(status, (body if isinstance(body, str) else json.dumps(body)).encode(), extra=extra)
        return status

    def base(self):
        return "https://127.0.0.1:%d" % self.server.server_address[1]

    def credentials(self):
        """(scheme, user, ok): the Authorization header judged against the token files."""
        st = self.server.state
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer":
            return "bearer", "", st.bearer_ok(value.strip())
        if scheme.lower() == "basic":
            try:
                user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return "basic", "", False
            return "basic", user, bool(sep) and st.basic_ok(user, password)
        return "none", "", False

    def handle_any(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query)
        self.scheme, user, ok = self.credentials()
        self.body = None
        raw = b""
        try:
            raw = self.read_body()
            if raw:
                self.body = json.loads(raw)
        except ValueError:
            self.body = "<not json>"
        status = self.route(st, url.path, ok)
        st.note("%s %s auth=%s status=%s" % (self.command, self.path, "ok" if ok else "bad", status),
                {"method": self.command, "path": url.path, "query": url.query, "auth": self.scheme,
                 "basic_user": user, "auth_ok": ok, "status": status, "body": redacted(self.body)})

    do_GET = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any

    # -- errors in each platform's shape ---------------------------------------
    def cloud_error(self, status, message, detail=None, extra=None):
        err = {"message": message}
        if detail is not None:
            err["detail"] = detail
        return self.send_json(status, {"type": "error", "error": err}, extra)

    def server_error(self, status, message, exception, context=None):
        return self.send_json(status, {"errors": [{"context": context, "message": message,
                                                   "exceptionName": exception}]})

    def unauthorized(self, cloud):
        if cloud:
            msg = ("Token is invalid, expired, or not supported for this endpoint." if self.scheme == "basic"
                   else "Access token expired.")
            return self.cloud_error(401, msg, extra={"WWW-Authenticate": 'Bearer realm="api"'})
        return self.server_error(401, "Authentication failed. Please check your credentials and try again.",
                                 "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException")

    # -- routing ---------------------------------------------------------------
    def route(self, st, path, ok):
        failure = st.take_failure()
        if failure:
            status, retry = failure
            extra = {"Retry-After": retry} if retry else None
            if status == 429:
                return self.cloud_error(429, "Rate limit for this resource has been exceeded.", extra=extra)
            return self.cloud_error(status, "Something went wrong", extra=extra)
        parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
        cloud = parts[:1] == ["2.0"]
        server = parts[:3] == ["rest", "api", "1.0"] or parts[:3] == ["rest", "build-status", "1.0"]
        if not (cloud or server) or (self.command == "GET" and path in st.answers()):
            return self.static_answer(st, ok)
        if not ok:
            return self.unauthorized(cloud)
        if cloud:
            return self.cloud_route(st, parts[1:])
        return self.server_route(st, parts[1:])

    def static_answer(self, st, ok):
        mode = st.mode()
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        if mode == "500":
            return self.cloud_error(500, "Something went wrong")
        if not ok:
            return self.cloud_error(401, "Access token expired.", extra={"WWW-Authenticate": 'Bearer realm="api"'})
        answers = st.answers()
        if self.command != "GET" or self.path not in answers:
            return self.cloud_error(404, "Resource not found")
        if mode == "malformed":
            self.send_json(200, "{\"uuid\": ")
            return "200-malformed"
        return self.send_json(200, answers[self.path])

    # -- paging ----------------------------------------------------------------
    def page_limit(self, st, asked, default, most):
        try:
            n = int(asked) if asked else default
        except ValueError:
            n = default
        n = max(1, min(n, most))
        try:
            cap = int(st.read("page_size", "0"))
        except ValueError:
            cap = 0
        return min(n, cap) if cap > 0 else n

    def cloud_page(self, st, values, most=100):
        pagelen = self.page_limit(st, self.query.get("pagelen", [""])[0], 10, most)
        try:
            page = max(1, int(self.query.get("page", ["1"])[0]))
        except ValueError:
            page = 1
        chunk = values[(page - 1) * pagelen: page * pagelen]
        body = {"pagelen": pagelen, "size": len(values), "page": page, "values": chunk}
        if page * pagelen < len(values):
            q = {k: v[-1] for k, v in self.query.items()}
            q["page"] = str(page + 1)
            base = st.read("next_base", "") or self.base()
            body["next"] = base + urllib.parse.urlsplit(self.path).path + "?" + urllib.parse.urlencode(q)
        return self.send_json(200, body)

    def server_page(self, st, values):
        limit = self.page_limit(st, self.query.get("limit", [""])[0], 25, 1000)
        try:
            start = max(0, int(self.query.get("start", ["0"])[0]))
        except ValueError:
            start = 0
        chunk = values[start:start + limit]
        last = start + len(chunk) >= len(values)
        body = {"size": len(chunk), "limit": limit, "isLastPage": last, "start": start, "values": chunk}
        if not last:
            body["nextPageStart"] = start + len(chunk)
        return self.send_json(200, body)

    # -- Cloud -----------------------------------------------------------------
    def cloud_scope_check(self, st, classic, api_token):
        """403 with detail when the credential lacks a scope; True when allowed."""
        if self.scheme == "basic":
            granted = set(st.read("api_token_scopes", " ".join(sorted(API_TOKEN_SCOPES))).split())
            missing = [s for s in api_token if s not in granted]
        else:
            granted = set(st.read("scopes", " ".join(sorted(CLOUD_SCOPES))).split())
            missing = [s for s in classic if s not in expand(granted)]
        if not missing:
            return True
        self.cloud_error(403, "Your credentials lack one or more required privilege scopes.",
                         {"required": missing, "granted": sorted(granted)})
        return False

    def cloud_route(self, st, parts):
        repos = st.json_file("repos.json", {})
        if len(parts) < 3 or parts[0] != "repositories":
            return self.cloud_error(404, "Resource not found")
        key = parts[1] + "/" + parts[2]
        repo = repos.get(key)
        if not repo or repo.get("type", "cloud") != "cloud":
            return self.cloud_error(404, "Repository %s not found" % key)
        rest = parts[3:]
        if not rest and self.command == "GET":
            if not self.cloud_scope_check(st, ["repository"], ["read:repository:bitbucket"]):
                return 403
            return self.send_json(200, {"type": "repository", "full_name": key, "name": parts[2],
                                        "uuid": "{%s}" % uuid.uuid5(uuid.NAMESPACE_URL, key), "is_private": True})
        if not rest:
            return self.cloud_error(405, "Method not allowed")
        if rest[0] == "hooks":
            return self.cloud_hooks(st, key, rest[1:])
        if rest == ["pullrequests"] and self.command == "GET":
            if not self.cloud_scope_check(st, ["pullrequest"], ["read:pullrequest:bitbucket"]):
                return 403
            wanted = self.query.get("state", ["OPEN"])
            prs = [self.cloud_pr(key, p) for p in repo.get("pullrequests", []) if p.get("state", "OPEN") in wanted]
            return self.cloud_page(st, prs, most=50)
        if len(rest) == 3 and rest[0] == "commit" and rest[2] == "statuses" and self.command == "GET":
            if not self.cloud_scope_check(st, ["repository"], ["read:repository:bitbucket"]):
                return 403
            return self.cloud_page(st, [self.cloud_status(key, rest[1], s) for s in self.statuses(st, rest[1])])
        return self.cloud_error(404, "Resource not found")

    def cloud_pr(self, key, p):
        link = "https://bitbucket.org/%s/pull-requests/%d" % (key, p["id"])
        repo = {"type": "repository", "full_name": key, "name": key.split("/")[1]}
        return {"type": "pullrequest", "id": p["id"], "title": p.get("title", ""), "state": p.get("state", "OPEN"),
                "draft": False, "author": {"type": "user", "display_name": "Alice Example"},
                "source": {"branch": {"name": p["source"]}, "commit": {"type": "commit", "hash": p["commit"][:12]},
                           "repository": repo},
                "destination": {"branch": {"name": p["target"]},
                                "commit": {"type": "commit", "hash": "0f1e2d3c4b5a"}, "repository": repo},
                "links": {"self": {"href": "%s/2.0/repositories/%s/pullrequests/%d" % (self.base(), key, p["id"])},
                          "html": {"href": link}},
                "comment_count": 0, "task_count": 0, "close_source_branch": False,
                "created_on": now_iso(), "updated_on": now_iso()}

    def cloud_status(self, key, commit, s):
        return {"type": "build", "key": s["key"], "state": s["state"], "name": s.get("name", ""),
                "url": s.get("url", ""), "description": s.get("description", ""), "refname": None,
                "uuid": "{%s}" % uuid.uuid5(uuid.NAMESPACE_URL, commit + s["key"]),
                "created_on": now_iso(), "updated_on": now_iso(),
                "links": {"self": {"href": "%s/2.0/repositories/%s/commit/%s/statuses/build/%s"
                                   % (self.base(), key, commit, s["key"])},
                          "commit": {"href": "%s/2.0/repositories/%s/commit/%s" % (self.base(), key, commit)}}}

    def statuses(self, st, commit):
        """The statuses of the commit a path names (Cloud accepts an abbreviated hash)."""
        table = st.json_file("statuses.json", {})
        for full, value in table.items():
            if full == commit or (len(commit) >= 7 and full.startswith(commit)):
                if isinstance(value, dict) and "sequence" in value:
                    with st.lock:
                        n = st.sequence_reads.get(full, 0)
                        st.sequence_reads[full] = n + 1
                    seq = value["sequence"]
                    return seq[min(n, len(seq) - 1)] if seq else []
                return value
        return []

    def cloud_event_scopes(self, events):
        need = {"webhook"}
        for e in events:
            if e.startswith("pullrequest:"):
                need.add("pullrequest")
            elif e.startswith("repo:"):
                need.add("repository")
            elif e.startswith("issue:"):
                need.add("issue")
        return sorted(need)

    def cloud_hooks(self, st, key, rest):
        hooks = st.json_file("hooks.json", {})
        mine = hooks.get(key, [])
        if self.command == "GET" and not rest:
            if not self.cloud_scope_check(st, ["webhook"], ["read:webhook:bitbucket"]):
                return 403
            return self.cloud_page(st, [self.cloud_hook_view(h) for h in mine])
        if self.command == "POST" and not rest:
            return self.cloud_write_hook(st, hooks, key, None)
        if len(rest) == 1:
            found = [h for h in mine if h["uuid"] == rest[0]]
            if not found:
                return self.cloud_error(404, "Webhook %s not found" % rest[0])
            if self.command == "GET":
                if not self.cloud_scope_check(st, ["webhook"], ["read:webhook:bitbucket"]):
                    return 403
                return self.send_json(200, self.cloud_hook_view(found[0]))
            if self.command == "PUT":
                return self.cloud_write_hook(st, hooks, key, found[0])
            if self.command == "DELETE":
                if not self.cloud_scope_check(st, ["webhook"], ["delete:webhook:bitbucket"]):
                    return 403
                hooks[key] = [h for h in mine if h["uuid"] != rest[0]]
                st.write_json("hooks.json", hooks)
                self.send_body(204, b"", content_type="text/plain")
                return 204
        return self.cloud_error(405, "Method not allowed")

    def cloud_hook_view(self, h):
        view = {k: v for k, v in h.items() if k != "secret_digest"}
        view["secret_set"] = bool(h.get("secret_digest"))
        return view

    def cloud_write_hook(self, st, hooks, key, existing):
        b = self.body if isinstance(self.body, dict) else None
        if b is None:
            return self.cloud_error(400, "Bad request: the body is not a JSON object")
        events = b.get("events", existing["events"] if existing else None)
        if not self.cloud_scope_check(st, self.cloud_event_scopes(events or []),
                                      ["read:webhook:bitbucket", "write:webhook:bitbucket"]):
            return 403
        if not isinstance(events, list) or not events:
            return self.cloud_error(400, "Bad request", "events: at least one event is required")
        rejects = set(st.read("rejects", "").split())
        unknown = [e for e in events if e not in CLOUD_EVENTS or e in rejects]
        if unknown:
            return self.cloud_error(400, "Bad request", "events: unknown event(s) %s" % ", ".join(unknown))
        url = b.get("url", existing["url"] if existing else None)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return self.cloud_error(400, "Bad request", "url: a valid URL is required")
        h = dict(existing) if existing else {
            "type": "webhook_subscription", "uuid": "{%s}" % uuid.uuid4(), "subject_type": "repository",
            "subject": {"type": "repository", "full_name": key}, "created_at": now_iso(), "active": True,
            "description": ""}
        h["url"] = url
        h["events"] = sorted(set(events))
        for field in ("description", "active"):
            if field in b:
                h[field] = b[field]
        # POST: no secret unless given; PUT: absent leaves it, null or "" removes it.
        if "secret" in b:
            h["secret_digest"] = hashed(b["secret"]) if b["secret"] else ""
        hooks.setdefault(key, [])
        if existing:
            hooks[key] = [h if x["uuid"] == h["uuid"] else x for x in hooks[key]]
        else:
            hooks[key].append(h)
        st.write_json("hooks.json", hooks)
        if existing:
            return self.send_json(200, self.cloud_hook_view(h))
        return self.send_json(201, self.cloud_hook_view(h),
                              {"Location": "%s/2.0/repositories/%s/hooks/%s" % (self.base(), key,
                                                                               urllib.parse.quote(h["uuid"]))})

    # -- Server ----------------------------------------------------------------
    def permitted(self, st, need):
        have = st.read("server_permission", "REPO_ADMIN")
        if have in PERMISSIONS and PERMISSIONS.index(have) >= PERMISSIONS.index(need):
            return True
        self.server_error(401, "You are not permitted to access this resource",
                          "com.atlassian.bitbucket.AuthorisationException")
        return False

    def server_route(self, st, parts):
        # parts after "rest": ["api", "1.0", ...] or ["build-status", "1.0", "commits", id]
        if parts[0] == "build-status":
            if len(parts) == 4 and parts[2] == "commits" and self.command == "GET":
                values = [self.server_status(s) for s in self.statuses(st, parts[3])] if len(parts[3]) == 40 else []
                return self.server_page(st, values)
            return self.server_error(404, "Not found", "com.atlassian.bitbucket.NoSuchEntityException")
        rest = parts[2:]
        if len(rest) < 4 or rest[0] != "projects" or rest[2] != "repos":
            return self.server_error(404, "Not found", "com.atlassian.bitbucket.NoSuchEntityException")
        key = rest[1] + "/" + rest[3]
        repos = st.json_file("repos.json", {})
        repo = repos.get(key)
        if not repo or repo.get("type") != "server":
            return self.server_error(404, "Repository %s does not exist." % rest[3],
                                     "com.atlassian.bitbucket.repository.NoSuchRepositoryException")
        tail = rest[4:]
        if not tail and self.command == "GET":
            if not self.permitted(st, "REPO_READ"):
                return 401
            return self.send_json(200, {"slug": rest[3], "id": 84, "name": rest[3], "scmId": "git",
                                        "state": "AVAILABLE", "public": False,
                                        "project": {"key": rest[1], "id": 12, "name": rest[1], "type": "NORMAL"}})
        if tail[:1] == ["webhooks"]:
            if not self.permitted(st, "REPO_ADMIN"):
                return 401
            return self.server_hooks(st, key, tail[1:])
        if tail == ["pull-requests"] and self.command == "GET":
            if not self.permitted(st, "REPO_READ"):
                return 401
            wanted = self.query.get("state", ["OPEN"])
            prs = [self.server_pr(key, p) for p in repo.get("pullrequests", [])
                   if "ALL" in wanted or p.get("state", "OPEN") in wanted]
            return self.server_page(st, prs)
        return self.server_error(404, "Not found", "com.atlassian.bitbucket.NoSuchEntityException")

    def server_pr(self, key, p):
        project, slug = key.split("/")
        repo = {"slug": slug, "project": {"key": project}}
        ms = int(time.time() * 1000)
        return {"id": p["id"], "version": 0, "title": p.get("title", ""), "state": p.get("state", "OPEN"),
                "open": True, "closed": False, "draft": False, "locked": False,
                "createdDate": ms, "updatedDate": ms,
                "fromRef": {"id": "refs/heads/" + p["source"], "displayId": p["source"],
                            "latestCommit": p["commit"], "type": "BRANCH", "repository": repo},
                "toRef": {"id": "refs/heads/" + p["target"], "displayId": p["target"],
                          "latestCommit": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", "type": "BRANCH",
                          "repository": repo},
                "author": {"user": {"name": "alice"}, "role": "AUTHOR", "approved": False},
                "reviewers": [], "participants": [],
                "links": {"self": [{"href": "%s/projects/%s/repos/%s/pull-requests/%d"
                                    % (self.base(), project, slug, p["id"])}]}}

    def server_status(self, s):
        return {"key": s["key"], "state": s["state"], "name": s.get("name", ""), "url": s.get("url", ""),
                "description": s.get("description", ""), "dateAdded": int(time.time() * 1000)}

    def server_hooks(self, st, key, rest):
        hooks = st.json_file("hooks.json", {})
        mine = hooks.get(key, [])
        if self.command == "GET" and not rest:
            return self.server_page(st, mine)
        if self.command == "POST" and not rest:
            return self.server_write_hook(st, hooks, key, None)
        if len(rest) == 1:
            found = [h for h in mine if str(h["id"]) == rest[0]]
            if not found:
                return self.server_error(404, "Webhook %s does not exist." % rest[0],
                                         "com.atlassian.webhooks.NoSuchWebhookException")
            if self.command == "GET":
                return self.send_json(200, found[0])
            if self.command == "PUT":
                return self.server_write_hook(st, hooks, key, found[0])
            if self.command == "DELETE":
                hooks[key] = [h for h in mine if str(h["id"]) != rest[0]]
                st.write_json("hooks.json", hooks)
                self.send_body(204, b"", content_type="text/plain")
                return 204
        return self.server_error(405, "Method not allowed", "com.atlassian.bitbucket.rest.MethodNotAllowed")

    def server_write_hook(self, st, hooks, key, existing):
        b = self.body if isinstance(self.body, dict) else None
        if b is None:
            return self.server_error(400, "The request body is not a webhook", "javax.ws.rs.BadRequestException")
        events = b.get("events", existing["events"] if existing else [])
        rejects = set(st.read("rejects", "").split())
        for e in events:
            if e not in SERVER_EVENTS or e in rejects:
                return self.server_error(400, "The event %s is unknown" % e,
                                         "com.atlassian.webhooks.WebhooksException", "events")
        url = b.get("url", existing["url"] if existing else None)
        if not isinstance(url, str) or not url:
            return self.server_error(400, "A url is required", "com.atlassian.webhooks.WebhooksException", "url")
        with st.lock:
            used = [h["id"] for hs in hooks.values() for h in hs]
            new_id = max(used + [st.next_server_id - 1]) + 1
            st.next_server_id = new_id + 1
        ms = int(time.time() * 1000)
        h = dict(existing) if existing else {"id": new_id, "createdDate": ms, "scopeType": "repository",
                                             "sslVerificationRequired": True, "active": True, "configuration": {}}
        h.update({"name": b.get("name", h.get("name", "")), "url": url, "events": sorted(set(events)),
                  "updatedDate": ms})
        if "active" in b:
            h["active"] = b["active"]
        if isinstance(b.get("configuration"), dict):
            h["configuration"] = dict(b["configuration"])
        hooks.setdefault(key, [])
        if existing:
            hooks[key] = [h if x["id"] == h["id"] else x for x in hooks[key]]
        else:
            hooks[key].append(h)
        st.write_json("hooks.json", hooks)
        return self.send_json(200, h)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--tokens-file", required=True)
    p.add_argument("--basic-file", default="")
    a = p.parse_args()
    os.makedirs(a.state_dir, exist_ok=True)
    doubles.serve(Handler, a.port_file, log, a.cert, a.key, state=State(a.state_dir, a.tokens_file, a.basic_file))


if __name__ == "__main__":
    main()
