#include "api/identity.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>

#include "api/rest_client.hpp"
#include "api/target.hpp"
#include "base/atomic_file.hpp"
#include "base/clock.hpp"
#include "base/files.hpp"
#include "base/hardening.hpp"
#include "base/text.hpp"
#include "base/trace.hpp"
#include "bitbucket/account_match.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

namespace {

constexpr int kMaxApiTimeoutMs = 5000;              // a lookup must never hold a delivery up
constexpr size_t kMaxApiBody = size_t{256} * 1024;  // a repository answer is a few KiB

std::optional<ApiJson> parse_object(const std::string& body) {
  auto j = ApiJson::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// Copies the listed keys of `from` that hold the expected kind of value; anything else
// (missing, null, another type) is left out rather than converted.
void copy_strings(const ApiJson& from, ApiJson& to, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = from.find(k);
    if (it != from.end() && it->is_string()) to[k] = *it;
  }
}

void copy_bool(const ApiJson& from, ApiJson& to, const char* key) {
  auto it = from.find(key);
  if (it != from.end() && it->is_boolean()) to[key] = *it;
}

bool has_string(const ApiJson& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get<std::string>().empty();
}

bool has_id(const ApiJson& j) {
  auto it = j.find("id");
  return it != j.end() && it->is_number_integer();
}

const ApiJson* object_at(const ApiJson& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

// Cloud's account entity as webhooks carry it (owner or actor).
ApiJson cloud_account(const ApiJson& a) {
  ApiJson out = ApiJson::object();
  copy_strings(a, out, {"type", "display_name", "uuid", "account_id", "nickname"});
  return out;
}

}  // namespace

// ------------------------------------------------------------------ parsers

std::optional<ApiJson> cloud_repository_ids(const ApiJson& j) {
  if (!j.is_object() || !has_string(j, "uuid")) return std::nullopt;
  ApiJson out = ApiJson::object();
  out["uuid"] = j["uuid"];
  copy_bool(j, out, "is_private");
  if (const ApiJson* o = object_at(j, "owner"); o && has_string(*o, "uuid")) out["owner"] = cloud_account(*o);
  if (const ApiJson* w = object_at(j, "workspace"); w && has_string(*w, "uuid")) {
    ApiJson ws{{"type", "workspace"}};
    copy_strings(*w, ws, {"uuid", "slug", "name"});
    out["workspace"] = ws;
  }
  if (const ApiJson* p = object_at(j, "project"); p && has_string(*p, "uuid")) {
    ApiJson proj{{"type", "project"}};
    copy_strings(*p, proj, {"key", "uuid", "name"});
    out["project"] = proj;
  }
  return out;
}

std::optional<ApiJson> cloud_user_ids(const ApiJson& j) {
  if (!j.is_object() || !has_string(j, "uuid")) return std::nullopt;
  ApiJson out = ApiJson::object();
  copy_strings(j, out, {"display_name", "uuid", "account_id", "nickname"});
  return out;
}

std::optional<ApiJson> server_repository_ids(const ApiJson& j) {
  if (!j.is_object() || !has_id(j)) return std::nullopt;
  ApiJson out{{"id", j["id"]}};
  copy_bool(j, out, "public");
  if (const ApiJson* p = object_at(j, "project"); p && has_id(*p)) {
    ApiJson proj{{"id", (*p)["id"]}};
    copy_strings(*p, proj, {"name", "description"});
    copy_bool(*p, proj, "public");
    out["project"] = proj;
  }
  return out;
}

std::optional<ApiJson> server_user_ids(const ApiJson& j) {
  if (!j.is_object() || !has_id(j) || !has_string(j, "name")) return std::nullopt;
  ApiJson out = ApiJson::object();
  copy_strings(j, out, {"name", "emailAddress"});
  out["id"] = j["id"];
  copy_strings(j, out, {"displayName", "slug"});
  return out;
}

std::optional<ApiJson> parse_cloud_repository(const std::string& body) {
  auto j = parse_object(body);
  return j ? cloud_repository_ids(*j) : std::nullopt;
}
std::optional<ApiJson> parse_cloud_user(const std::string& body) {
  auto j = parse_object(body);
  return j ? cloud_user_ids(*j) : std::nullopt;
}
std::optional<ApiJson> parse_server_repository(const std::string& body) {
  auto j = parse_object(body);
  return j ? server_repository_ids(*j) : std::nullopt;
}
std::optional<ApiJson> parse_server_user(const std::string& body) {
  auto j = parse_object(body);
  return j ? server_user_ids(*j) : std::nullopt;
}

// --------------------------------------------------------------- where and who

bool pushed_with_account(const std::string& remote_url, const UserConfig& user, const Account& a) {
  if (!ascii_lower(remote_url).starts_with("https://")) return false;
  // The user part (https://x-token-auth@bitbucket.org/...) is not the account's business.
  std::string rest = remote_url.substr(8);
  const size_t slash = rest.find('/');
  const size_t at = rest.rfind('@', slash);
  if (at != std::string::npos) rest = rest.substr(at + 1);
  AccountUrl u = parse_account_url("https://" + rest);
  if (!u.valid) return false;
  CredentialRequest req;
  req.protocol = "https";
  req.host = u.host;
  for (const auto& s : u.segments) req.path += (req.path.empty() ? "" : "/") + s;
  AccountMatch m = match_account(user.accounts, req);
  return m.account && m.account->url == a.url && m.account->key == a.key;
}

// ------------------------------------------------------------------------ cache

std::string api_cache_path(const Account& a, const std::string& base, const std::string& scope) {
  char buf[32];
  const std::string id = a.url + "\n" + a.key + "\n" + a.username + "\n" + base + "\n" + scope;
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a_64(id)));
  return join_path(user_cache_dir(), std::string("api-") + buf + ".json");
}

namespace {

ApiJson read_cache_file(const std::string& path) {
  auto text = read_file(path, 1 << 20);
  if (!text) return ApiJson::object();
  auto j = ApiJson::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("entries") || !j["entries"].is_object())
    return ApiJson::object();  // a damaged cache is a miss, rewritten on the next answer
  return j;
}

bool entry_fresh(const ApiJson& e, int64_t now) {
  auto at = e.find("at");
  auto ok = e.find("ok");
  if (at == e.end() || !at->is_number_integer() || ok == e.end() || !ok->is_boolean()) return false;
  const int64_t t = at->get<int64_t>();
  const int64_t life = ok->get<bool>() ? kApiCacheSeconds : kApiFailureCacheSeconds;
  return t <= now && now - t < life;  // a time in the future (clock moved back) is stale
}

}  // namespace

std::optional<ApiCacheEntry> read_api_cache(const std::string& path, const std::string& key, int64_t now) {
  ApiJson j = read_cache_file(path);
  if (!j.contains("entries")) return std::nullopt;
  auto it = j["entries"].find(key);
  if (it == j["entries"].end() || !it->is_object() || !entry_fresh(*it, now)) return std::nullopt;
  ApiCacheEntry e;
  e.at = (*it)["at"].get<int64_t>();
  if ((*it)["ok"].get<bool>()) {
    auto v = it->find("value");
    if (v == it->end() || !v->is_object()) return std::nullopt;
    e.value = *v;
  }
  return e;
}

// Concurrent writers (two clones of one repository delivering at once) may drop each
// other's entry: that costs one more request later, never a wrong value.
Status write_api_cache(const std::string& path, const std::string& key, const ApiCacheEntry& e) {
  auto dir = ensure_private_dir(dirname_of(path), "the token cache directory");
  if (!dir) return dir;
  ApiJson j = read_cache_file(path);
  ApiJson entries = ApiJson::object();
  if (j.contains("entries")) {
    for (auto& [k, v] : j["entries"].items())
      if (k != key && v.is_object() && entry_fresh(v, e.at)) entries[k] = v;
  }
  ApiJson entry{{"at", e.at}, {"ok", e.value.has_value()}};
  if (e.value) entry["value"] = *e.value;
  entries[key] = entry;
  return write_file_atomic(path, ApiJson{{"entries", entries}}.dump() + "\n", 0600);
}

// ----------------------------------------------------------------------- lookup

namespace {

// A lookup must never hold a delivery up: short timeouts, one attempt (a failure is
// cached and retried minutes later, not now), small answers.
UserConfig capped(const UserConfig& user) {
  UserConfig u = user;
  u.connect_timeout_ms = std::min(u.connect_timeout_ms, kMaxApiTimeoutMs);
  u.timeout_ms = std::min(u.timeout_ms, kMaxApiTimeoutMs);
  return u;
}

RestLimits lookup_limits() {
  RestLimits l;
  l.budget_ms = kMaxApiTimeoutMs;
  l.max_attempts = 1;
  l.max_retry_after_s = 0;
  l.max_page_bytes = kMaxApiBody;
  return l;
}

class Lookup {
 public:
  Lookup(const BitbucketTarget& t, const UserConfig& user, const std::string& scope)
      : user_(capped(user)), api_(t, user_, lookup_limits()), cache_(api_cache_path(t.account, t.api_base, scope)) {}

  using Parser = std::optional<ApiJson> (*)(const ApiJson&);

  // The cached answer for `key`, else one request through the REST client (the account's
  // credential, its scope, 401 refresh for a consumer, bounded body); a failure is cached
  // briefly and traced once, and yields an empty object (left out).
  ApiJson get(const std::string& key, const std::string& what, const std::string& path, const ApiNeed& need,
              Parser parse, const std::function<bool(const ApiJson&)>& accept = nullptr) {
    const int64_t now = now_epoch();
    if (auto c = read_api_cache(cache_, key, now)) {
      if (!c->value)
        trace("api: " + what + ": left out (a recent lookup failed; retried after " +
              std::to_string(kApiFailureCacheSeconds / 60) + " min)");
      return c->value ? *c->value : ApiJson::object();
    }
    std::optional<ApiJson> value;
    std::string error;
    auto answer = api_.get(path, need);
    if (!answer) {
      error = answer.error().message;
    } else {
      value = parse(*answer);
      if (!value)
        error = "unexpected answer to " + need.what + " (" + path + ")";
      else if (accept && !accept(*value)) {
        value.reset();
        error = "the answer to " + need.what + " is about another account";
      }
    }
    if (!value)
      trace("api: " + what + ": left out: " + error);
    else
      trace("api: " + what + ": fetched (" + path + ")");
    auto w = write_api_cache(cache_, key, ApiCacheEntry{value, now});
    if (!w) trace("api: cannot write the cache: " + w.error());
    return value ? *value : ApiJson::object();
  }

 private:
  UserConfig user_;  // before api_, which keeps a reference to it
  RestClient api_;
  std::string cache_;
};

}  // namespace

BitbucketIdentity lookup_identity(const PushRecord& r, const Destination& dest, const UserConfig& user) {
  BitbucketIdentity id;
  auto target = bitbucket_target_for(dest, user, "the record of this push");
  if (!target) {
    // No account for it (the common case on a machine that only reports), or one that
    // cannot be used for REST: nothing to fetch, nothing to wait for.
    trace("api: ids of " + dest.repository + " left out: " + target.error());
    return id;
  }
  const BitbucketTarget& t = *target;
  Lookup l(t, user, dest.repository);
  if (t.type == BitbucketType::Cloud) {
    id.repository = l.get("repository", "repository " + dest.repository, t.repo_api_path(),
                          {"read the repository", "repository", "read:repository:bitbucket", "REPO_READ"},
                          cloud_repository_ids);
    // An HTTPS push with the account's token is attributed to the account's owner (the
    // consumer's owner, the API token's user, the access token's bot), which is who
    // /2.0/user is; any other push was made by someone else.
    if (pushed_with_account(r.remote_url, user, t.account))
      id.actor = l.get("actor", "actor of " + t.account.url, "/user",
                       {"read the pushing account", "account", "read:user:bitbucket", "REPO_READ"}, cloud_user_ids);
  } else {
    id.repository = l.get("repository", "repository " + dest.repository, t.repo_api_path(),
                          {"read the repository", "repository", "read:repository:bitbucket", "REPO_READ"},
                          server_repository_ids);
    if (!t.account.username.empty()) {
      const std::string username = t.account.username;
      id.actor = l.get("actor:" + username, "user " + username, "/users/" + percent_encode(ascii_lower(username)),
                       {"read the user " + username, "", "", "REPO_READ"}, server_user_ids,
                       [&](const ApiJson& u) { return ascii_lower(u.value("name", "")) == ascii_lower(username); });
    }
  }
  return id;
}

}  // namespace bbsot
