#include "net/token_source.hpp"

#include "base/hardening.hpp"
#include "base/clock.hpp"
#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "config/secret.hpp"
#include "net/ca_policy.hpp"
#include "net/http.hpp"
#include "net/oauth.hpp"

namespace bbsot {

namespace {

using R = Expected<CachedToken>;

R request_token(const Account& a, const UserConfig& cfg, const std::string& secret,
                const std::vector<std::pair<std::string, std::string>>& form) {
  // The loader refuses such a file already; an Account built elsewhere meets the same rule
  // and the same words here, not http_request's general refusal.
  if (auto problem = token_url_problem(a.token_url); !problem.empty())
    return R::failure("token_url of account " + a.url + ": " + problem);
  HttpRequest req;
  req.method = "POST";
  req.url = a.token_url;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = form_encode(form);
  req.basic_user = a.key;
  req.basic_password = secret;
  req.credential_scope = a.token_url;  // the user's own file names the endpoint
  req.ca_file = ca_file_for(cfg, a.token_url);
  req.connect_timeout_ms = cfg.connect_timeout_ms;
  req.timeout_ms = cfg.timeout_ms;
  req.max_response_bytes = size_t{64} * 1024;
  trace("token: POST " + a.token_url + " grant_type=" + form.front().second);
  auto resp = http_request(req);
  if (!resp) return R::failure(resp.error());
  trace("token: HTTP " + std::to_string(resp->status));
  auto t = parse_token_response(resp->status, resp->body, now_epoch());
  if (t) t->account_url = a.url;
  return t;
}

R fetch(const Account& a, const UserConfig& cfg, const std::optional<CachedToken>& old) {
  auto secret = resolve_secret(a.secret, "OAuth consumer secret of account " + a.url);
  if (!secret) return R::failure(secret.error());
  if (old && !old->refresh_token.empty()) {
    auto t = request_token(a, cfg, *secret, {{"grant_type", "refresh_token"}, {"refresh_token", old->refresh_token}});
    if (t) return t;
    trace("token: refresh failed, falling back to client_credentials");
  }
  return request_token(a, cfg, *secret, {{"grant_type", "client_credentials"}});
}

}  // namespace

R obtain_token(const Account& a, const UserConfig& cfg, bool force) {
  const std::string path = token_cache_path(a);
  auto dir = ensure_private_dir(user_cache_dir(), "the token cache directory");
  if (!dir) return R::failure(dir.error());
  // Waiters give up a little after the holder's own request would have timed out.
  auto lock = FileLock::acquire(token_lock_path(a), cfg.connect_timeout_ms + cfg.timeout_ms + 5000);
  if (!lock) return R::failure(lock.error());
  auto cached = read_cached_token(path);
  if (cached && !force && token_fresh(*cached, now_epoch())) {
    trace("token: another process fetched it; reusing the cache");
    return *cached;
  }
  auto t = fetch(a, cfg, cached);
  if (!t) return t;
  auto w = write_cached_token(path, *t);
  if (!w) return R::failure(w.error());
  return t;
}

}  // namespace bbsot
