#include "report/webhook.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/text.hpp"
#include "outbox/plan.hpp"
#include "outbox/limits.hpp"

namespace bbsot {
namespace {

// Insertion order, so bodies read in the order of Atlassian's examples.
using json = nlohmann::ordered_json;

constexpr const char* kZeroHash = "0000000000000000000000000000000000000000";
constexpr size_t kMaxCommits = kMaxCommitsPerChange;  // Bitbucket lists at most 5 commits per push
constexpr size_t kServerDisplayLen = 11;  // Server's default abbreviated commit id

// "owner/repo" -> {"owner", "repo"}; no slash: {"", whole}.
std::pair<std::string, std::string> owner_and_slug(const std::string& full) {
  auto pos = full.find('/');
  if (pos == std::string::npos) return {"", full};
  return {full.substr(0, pos), full.substr(pos + 1)};
}

std::string short_ref_name(const RefChange& c) { return bbsot::short_ref_name(c.ref); }

json href(const std::string& url) { return json{{"href", url}}; }

// ---------------------------------------------------------------- Cloud (repo:push)

struct CloudLinks {
  std::string html;  // https://bitbucket.org/owner/repo
  std::string api;   // https://api.bitbucket.org/2.0/repositories/owner/repo; empty: unknown
};

// API links are only written for bitbucket.org, whose API host is known; for any other
// configured URL (a test double) they are left out rather than guessed.
CloudLinks cloud_links(const Destination& dest, const WebhookContext& ctx) {
  CloudLinks l;
  l.html = strip_trailing_slashes(ctx.repo_html_url);
  const std::string& url = dest.url;
  if (url.empty() || strip_trailing_slashes(ascii_lower(url)) == kCloudUrl) {
    l.api = "https://api.bitbucket.org/2.0/repositories/" + dest.repository;
  }
  return l;
}

json cloud_commit_links(const CloudLinks& l, const std::string& hash) {
  json links = json::object();
  if (!l.api.empty()) links["self"] = href(l.api + "/commit/" + hash);
  links["html"] = href(l.html + "/commits/" + hash);
  return links;
}

json cloud_author(const CommitInfo& c) {
  // `user` (the Bitbucket account matched to the email) is only known to Bitbucket.
  return json{{"type", "author"}, {"raw", c.author_name + " <" + c.author_email + ">"}};
}

json cloud_commit(const CloudLinks& l, const CommitInfo& c) {
  json parents = json::array();
  for (const auto& p : c.parents) {
    parents.push_back(json{{"type", "commit"}, {"hash", p}, {"links", cloud_commit_links(l, p)}});
  }
  return json{{"type", "commit"},
              {"hash", c.hash},
              {"date", cloud_date(c.date)},
              {"author", cloud_author(c)},
              {"message", truncate_text(c.message, kMaxMessageBytes)},
              {"parents", parents},
              {"links", cloud_commit_links(l, c.hash)}};
}

const CommitInfo* find_commit(const RefChange& c, const std::string& hash) {
  for (const auto& ci : c.commits) {
    if (ci.hash == hash) return &ci;
  }
  return nullptr;
}

// What a ref's id names as a commit: annotated tags peel to the commit they tag.
std::string new_commit_of(const RefChange& c) { return c.new_commit.empty() ? c.new_id : c.new_commit; }
std::string old_commit_of(const RefChange& c) { return c.old_commit.empty() ? c.old_id : c.old_commit; }

// A ref's target. The full commit when the record lists it (the new tip); otherwise only
// what is known for sure: the hash (the old tip's author, date and message are not in
// the record).
json cloud_target(const CloudLinks& l, const RefChange& c, const std::string& hash) {
  if (const CommitInfo* ci = find_commit(c, hash)) return cloud_commit(l, *ci);
  return json{{"type", "commit"}, {"hash", hash}, {"links", cloud_commit_links(l, hash)}};
}

// Ref names go into link paths; git allows '#', '?', '%' and such in them, so those are
// escaped. '/' stays, as Bitbucket's own links show `branch/feature/x` unescaped.
std::string cloud_ref_html(const CloudLinks& l, const RefChange& c) {
  std::string name = percent_encode(short_ref_name(c), "/");
  return l.html + (c.is_tag ? "/commits/tag/" : "/branch/") + name;
}

// The `new`/`old` state of a ref. Annotated tags' own message/tagger/date are not in the
// record, so a tag is written as Bitbucket writes a lightweight one.
json cloud_ref_state(const CloudLinks& l, const RefChange& c, const std::string& hash) {
  std::string name = short_ref_name(c);
  std::string escaped = percent_encode(name, "/");
  json links = json::object();
  if (!l.api.empty()) {
    links["self"] = href(l.api + (c.is_tag ? "/refs/tags/" : "/refs/branches/") + escaped);
    links["commits"] = href(l.api + "/commits/" + escaped);
  }
  links["html"] = href(cloud_ref_html(l, c));
  return json{
      {"type", c.is_tag ? "tag" : "branch"}, {"name", name}, {"target", cloud_target(l, c, hash)}, {"links", links}};
}

// Change links as Bitbucket writes them: an update compares new..old; a created branch
// links its new commits and its page, a created tag only the commits. A deletion has no
// links (see cloud_change).
json cloud_change_links(const CloudLinks& l, const RefChange& c, bool created) {
  json links = json::object();
  if (created) {
    if (!l.api.empty()) links["commits"] = href(l.api + "/commits?include=" + new_commit_of(c));
    if (!c.is_tag) links["html"] = href(cloud_ref_html(l, c));
    return links;
  }
  std::string range = new_commit_of(c) + ".." + old_commit_of(c);
  links["html"] = href(l.html + "/branches/compare/" + range);
  if (!l.api.empty()) {
    links["diff"] = href(l.api + "/diff/" + range);
    links["commits"] = href(l.api + "/commits?include=" + new_commit_of(c) + "&exclude=" + old_commit_of(c));
  }
  return links;
}

// Bitbucket writes a deleted ref's change without `links` and `commits`: there is
// nothing to compare and nothing new.
json cloud_change(const CloudLinks& l, const RefChange& c) {
  bool closed = c.closed || c.new_id.empty();
  bool created = !closed && (c.created || c.old_id.empty());
  json j{{"new", closed ? json(nullptr) : cloud_ref_state(l, c, new_commit_of(c))},
         {"old", created ? json(nullptr) : cloud_ref_state(l, c, old_commit_of(c))},
         {"created", created},
         {"forced", c.forced},
         {"closed", closed},
         {"truncated", !closed && (c.truncated || c.commits.size() > kMaxCommits)}};
  if (closed) return j;
  json commits = json::array();
  for (size_t i = 0; i < c.commits.size() && i < kMaxCommits; ++i) {
    commits.push_back(cloud_commit(l, c.commits[i]));
  }
  j["links"] = cloud_change_links(l, c, created);
  j["commits"] = commits;
  return j;
}

// Appends the API's fields to a body object; keys already written are overwritten in place.
void merge(json& into, const json& from) {
  for (const auto& [k, v] : from.items()) into[k] = v;
}

// uuid, is_private, owner, workspace and project only when Bitbucket's API gave them
// (WebhookContext::identity). Always left out: website, avatar link.
json cloud_repository(const Destination& dest, const CloudLinks& l, const WebhookContext& ctx) {
  json links = json::object();
  if (!l.api.empty()) links["self"] = href(l.api);
  links["html"] = href(l.html);
  json j{{"type", "repository"},
         {"full_name", dest.repository},
         {"name", owner_and_slug(dest.repository).second},
         {"scm", "git"},
         {"links", links}};
  merge(j, ctx.identity.repository);
  return j;
}

// uuid, account_id, nickname (and Bitbucket's display_name) only when the API named the
// pusher's account; links always left out.
json cloud_actor(const PushRecord& r, const WebhookContext& ctx) {
  json j{{"type", "user"}};
  if (!r.actor_name.empty()) j["display_name"] = r.actor_name;  // unknown values are left out, never ""
  merge(j, ctx.identity.actor);
  return j;
}

json cloud_body(const PushRecord& r, const Destination& dest, const WebhookContext& ctx) {
  CloudLinks l = cloud_links(dest, ctx);
  json changes = json::array();
  for (const auto& c : r.changes) changes.push_back(cloud_change(l, c));
  return json{{"actor", cloud_actor(r, ctx)},
              {"repository", cloud_repository(dest, l, ctx)},
              {"push", json{{"changes", changes}}}};
}

// ------------------------------------------------------- Server (repo:refs_changed)

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

json server_commit_ref(const std::string& hash) {
  return json{{"id", hash}, {"displayId", hash.substr(0, kServerDisplayLen)}};
}

// `committer` and `committerTimestamp` are left out: the record holds only the author.
// Messages lose their trailing newline, as Bitbucket Server's REST commits do.
json server_commit(const CommitInfo& c) {
  json author = json::object();
  author["name"] = c.author_name;
  author["emailAddress"] = c.author_email;
  json parents = json::array();
  for (const auto& p : c.parents) parents.push_back(server_commit_ref(p));
  json j = server_commit_ref(c.hash);
  j["author"] = author;
  j["authorTimestamp"] = c.date * 1000;
  j["message"] = trim_trailing_newlines(truncate_text(c.message, kMaxMessageBytes));
  j["parents"] = parents;
  return j;
}

json server_change(const RefChange& c) {
  bool closed = c.closed || c.new_id.empty();
  bool created = !closed && (c.created || c.old_id.empty());
  const char* type = created ? "ADD" : closed ? "DELETE" : "UPDATE";
  json ref{{"id", c.ref}, {"displayId", short_ref_name(c)}, {"type", c.is_tag ? "TAG" : "BRANCH"}};
  return json{{"ref", ref},
              {"refId", c.ref},
              {"fromHash", created ? std::string(kZeroHash) : c.old_id},
              {"toHash", closed ? std::string(kZeroHash) : c.new_id},
              {"type", type}};
}

// The API's value of `key` when it gave one, else `fallback`; "" : left out.
std::string api_or(const json& api, const char* key, const std::string& fallback) {
  auto it = api.find(key);
  return it != api.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// id (numeric) and the account's own name, email, display name and slug only when
// Bitbucket's API gave them; links.self always left out. Without a username, name and
// slug are left out too.
json server_actor(const PushRecord& r, const WebhookContext& ctx) {
  const json& api = ctx.identity.actor;
  json a = json::object();
  const std::string name = api_or(api, "name", ctx.server_username);
  const std::string email = api_or(api, "emailAddress", r.actor_email);
  const std::string display = api_or(api, "displayName", r.actor_name);
  const std::string slug = api_or(api, "slug", ctx.server_username);
  if (!name.empty()) a["name"] = name;
  if (!email.empty()) a["emailAddress"] = email;
  if (api.contains("id")) a["id"] = api["id"];
  if (!display.empty()) a["displayName"] = display;
  a["active"] = true;  // an inactive account cannot push
  if (!slug.empty()) a["slug"] = slug;
  a["type"] = "NORMAL";
  return a;
}

// Copies `key` from the API's answer when it gave one.
void copy_if(const json& api, json& to, const char* key) {
  if (api.contains(key)) to[key] = api[key];
}

json server_project(const Destination& dest, const std::string& project, const json& api) {
  json proj{{"key", ascii_upper(project)}};
  for (const char* k : {"id", "name", "description", "public"}) copy_if(api, proj, k);
  proj["type"] = "NORMAL";
  std::string base = strip_trailing_slashes(dest.url);
  if (!base.empty()) {
    proj["links"] = json{{"self", json::array({href(base + "/projects/" + ascii_upper(project))})}};
  }
  return proj;
}

// Repository and project `id`, project `name` and `description`, and `public` of both
// only when Bitbucket's API gave them (WebhookContext::identity). Always left out:
// `links.clone` (whether HTTP or SSH access is enabled, and the SSH port, are server
// settings). `forkable` is Bitbucket's default for a new repository. `slug` is the
// configured repository part, lower-cased; the display name Bitbucket holds may differ,
// so `name` is that part as written.
json server_repository(const Destination& dest, const WebhookContext& ctx) {
  auto [project, repo] = owner_and_slug(dest.repository);
  const json& api = ctx.identity.repository;
  json links = json::object();
  std::string html = strip_trailing_slashes(ctx.repo_html_url);
  if (!html.empty()) links["self"] = json::array({href(html + "/browse")});
  json j{{"slug", ascii_lower(repo)}};
  copy_if(api, j, "id");
  j["name"] = repo;
  j["scmId"] = "git";
  j["state"] = "AVAILABLE";
  j["statusMessage"] = "Available";
  j["forkable"] = true;
  j["project"] = server_project(dest, project, api.contains("project") ? api["project"] : json::object());
  copy_if(api, j, "public");
  if (!links.empty()) j["links"] = links;
  return j;
}

// Newer Bitbucket versions add up to 5 of the pushed commits, newest first, and the
// commit the (first non-deleted) ref now points at. Several refs in one push share one
// list, newest first per ref, without duplicates.
void add_server_commits(const PushRecord& r, json& body) {
  json commits = json::array();
  std::set<std::string> seen;
  const CommitInfo* to_commit = nullptr;
  for (const auto& c : r.changes) {
    if (c.closed || c.new_id.empty()) continue;
    if (!to_commit) to_commit = find_commit(c, c.new_id);
    for (const auto& ci : c.commits) {
      if (commits.size() >= kMaxCommits) break;
      if (seen.insert(ci.hash).second) commits.push_back(server_commit(ci));
    }
  }
  body["commits"] = commits;
  if (to_commit) body["toCommit"] = server_commit(*to_commit);
}

json server_body(const PushRecord& r, const Destination& dest, const WebhookContext& ctx) {
  json changes = json::array();
  for (const auto& c : r.changes) changes.push_back(server_change(c));
  json body{{"eventKey", webhook_event_key(BitbucketType::Server)},
            {"date", server_date(ctx.now, local_utc_offset_minutes(ctx.now))},
            {"actor", server_actor(r, ctx)},
            {"repository", server_repository(dest, ctx)},
            {"changes", changes}};
  add_server_commits(r, body);
  return body;
}

std::tm utc_tm(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string webhook_event_key(BitbucketType t) { return t == BitbucketType::Cloud ? "repo:push" : "repo:refs_changed"; }

std::string cloud_date(int64_t epoch_seconds) {
  std::tm tm = utc_tm(epoch_seconds);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

std::string server_date(int64_t epoch_seconds, int offset_minutes) {
  std::tm tm = utc_tm(epoch_seconds + int64_t{offset_minutes} * 60);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  a %= 24 * 60;  // real offsets are under a day; keeps the field four digits
  char off[16];
  std::snprintf(off, sizeof off, "%c%02d%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  return std::string(buf) + off;
}

int local_utc_offset_minutes(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  return static_cast<int>(tm.tm_gmtoff / 60);
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<size_t>(len) * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

size_t change_body_bytes(const PushRecord& r, const Destination& dest, const WebhookContext& ctx, const RefChange& c) {
  (void)r;
  if (dest.type == BitbucketType::Cloud) return cloud_change(cloud_links(dest, ctx), c).dump(-1, ' ', false, json::error_handler_t::replace).size() + 1;
  size_t n = server_change(c).dump().size() + 1;
  // Server lists up to five commits once for the whole body (add_server_commits).
  for (size_t i = 0; i < c.commits.size() && i < kMaxCommits; ++i) n += server_commit(c.commits[i]).dump(-1, ' ', false, json::error_handler_t::replace).size() + 1;
  return n;
}

WebhookRequest build_webhook(const PushRecord& r, const Destination& dest, const WebhookContext& ctx, int attempt,
                             const std::string& secret) {
  bool cloud = dest.type == BitbucketType::Cloud;
  WebhookRequest req;
  // Invalid UTF-8 in a commit message (git allows any bytes) is replaced, not fatal.
  json body = cloud ? cloud_body(r, dest, ctx) : server_body(r, dest, ctx);
  req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  auto& h = req.headers;
  if (cloud) {
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("User-Agent", "Bitbucket-Webhooks/2.0");
    h.emplace_back("X-Event-Key", webhook_event_key(BitbucketType::Cloud));
    h.emplace_back("X-Request-UUID", r.id);
    h.emplace_back("X-Attempt-Number", std::to_string(attempt));
  } else {
    h.emplace_back("Content-Type", "application/json; charset=utf-8");
    h.emplace_back("X-Event-Key", webhook_event_key(BitbucketType::Server));
    h.emplace_back("X-Request-Id", r.id);
  }
  if (!secret.empty()) h.emplace_back("X-Hub-Signature", "sha256=" + hmac_sha256_hex(secret, req.body));
  return req;
}

}  // namespace bbsot
