#include "api/rest_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "base/clock.hpp"
#include "base/text.hpp"
#include "base/trace.hpp"
#include "base/web_url.hpp"
#include "config/secret.hpp"
#include "net/ca_policy.hpp"
#include "net/http.hpp"
#include "net/token_source.hpp"

namespace bbsot {

namespace {

using Clock = std::chrono::steady_clock;

long now_ms() {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
}

// The label Bitbucket's OAuth consumer form shows for a classic scope.
std::string consumer_label(const std::string& scope) {
  static const std::pair<const char*, const char*> labels[] = {{"webhook", "Webhooks: Read and write"},
                                                               {"pullrequest", "Pull requests: Read"},
                                                               {"pullrequest:write", "Pull requests: Write"},
                                                               {"repository", "Repositories: Read"},
                                                               {"repository:write", "Repositories: Write"},
                                                               {"repository:admin", "Repositories: Admin"},
                                                               {"account", "Account: Read"},
                                                               {"project", "Projects: Read"}};
  for (const auto& [s, l] : labels)
    if (scope == s) return l;
  return "";
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> string_list(const ApiJson& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(printable_text(e.get<std::string>(), 80));
  return out;
}

// Bitbucket's own words from an error body: Cloud {"type":"error","error":{"message",
// "detail"}}, Server {"errors":[{"message","exceptionName"}]}.
std::string server_words(const ApiJson& body) {
  if (!body.is_object()) return "";
  if (auto e = body.find("error"); e != body.end() && e->is_object()) {
    std::string m = e->value("message", "");
    if (auto d = e->find("detail"); d != e->end() && d->is_string() && !d->get<std::string>().empty())
      m += (m.empty() ? "" : ": ") + d->get<std::string>();
    return printable_text(m);
  }
  if (auto es = body.find("errors"); es != body.end() && es->is_array() && !es->empty() && (*es)[0].is_object())
    return printable_text((*es)[0].value("message", ""));
  if (auto m = body.find("message"); m != body.end() && m->is_string()) return printable_text(m->get<std::string>());
  return "";
}

std::string server_exception(const ApiJson& body) {
  if (!body.is_object()) return "";
  auto es = body.find("errors");
  if (es == body.end() || !es->is_array() || es->empty() || !(*es)[0].is_object()) return "";
  auto n = (*es)[0].find("exceptionName");
  return n != (*es)[0].end() && n->is_string() ? n->get<std::string>() : "";
}

bool retryable(long status, const std::string& method) {
  if (status == 429 || status == 503) return true;
  // A POST that reached a failing server may have been carried out: not sent twice.
  return method != "POST" && status >= 500 && status != 501;
}

std::string with_query(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

bool has_param(const std::string& url, const std::string& name) {
  const auto q = url.find('?');
  if (q == std::string::npos) return false;
  const std::string query = "&" + url.substr(q + 1);
  return query.find("&" + name + "=") != std::string::npos;
}

}  // namespace


std::string permission_words(const Account& a, const ApiNeed& need, const std::vector<std::string>& required) {
  switch (a.kind) {
    case AccountKind::OAuthConsumer: {
      std::vector<std::string> scopes = required.empty() ? std::vector<std::string>{need.cloud_scope} : required;
      std::vector<std::string> words;
      for (const auto& s : scopes) {
        const std::string l = consumer_label(s);
        words.push_back(l.empty() ? "scope " + s : l + " (scope " + s + ")");
      }
      return "the OAuth consumer's permission " + join(words, " and ");
    }
    case AccountKind::AccessToken:
      return "the access token's scope " + (required.empty() ? need.cloud_scope : join(required, " and "));
    case AccountKind::ApiToken:
      return "the API token's scope " + (required.empty() ? need.api_token_scope : join(required, " and "));
    case AccountKind::HttpAccessToken:
      return "the permission " + need.server_permission + " on the repository for " + a.username +
             " and the HTTP access token";
  }
  return "";
}

std::string grant_hint(const Account& a, const std::string& user_config_path) {
  switch (a.kind) {
    case AccountKind::OAuthConsumer:
      return "grant it in Bitbucket: Workspace settings > OAuth consumers > (your consumer) > Edit > Permissions; "
             "then run: git bbsot token --refresh";
    case AccountKind::AccessToken:
      return "an access token's scopes cannot be changed: create a new one with that scope (Repository, Project or "
             "Workspace settings > Access tokens) and put it in " +
             user_config_path;
    case AccountKind::ApiToken:
      return "an API token's scopes cannot be changed: create one with that scope at "
             "https://id.atlassian.com/manage-profile/security/api-tokens (Create API token with scopes > Bitbucket) "
             "and put it in " +
             user_config_path;
    case AccountKind::HttpAccessToken:
      return "in Bitbucket: Manage account > HTTP access tokens > Create token, with Project permission Read and "
             "Repository permission Admin, and a repository admin must have given " +
             a.username + " admin on the repository; put the token in " + user_config_path;
  }
  return "";
}

RestClient::RestClient(BitbucketTarget target, const UserConfig& user, const RestLimits& limits)
    : t_(std::move(target)), user_(user), limits_(limits) {}

std::string RestClient::url_for(const std::string& path) const {
  const std::string l = ascii_lower(path);
  if (l.starts_with("https://") || l.starts_with("http://")) return path;
  return t_.api_base + (path.starts_with('/') ? "" : "/") + path;
}

std::optional<ApiError> RestClient::credential(std::string& bearer, std::string& basic_user,
                                               std::string& basic_password) {
  const Account& a = t_.account;
  if (a.kind == AccountKind::OAuthConsumer) {
    if (token_.empty()) {
      auto t = obtain_token(a, user_);
      if (!t) return ApiError{0, "no access token for " + a.url + ": " + t.error(), {}, {}, {}};
      token_ = t->access_token;
    }
  } else if (token_.empty()) {
    auto t = resolve_secret(a.token, std::string(to_string(a.kind)) + " of account " + a.url);
    if (!t)
      return ApiError{
          0, t.error(), {"fix token, token_command or token_env of " + a.url + " in " + t_.user_config_path}, {}, {}};
    token_ = *t;
  }
  if (token_.empty()) return ApiError{0, "empty token for account " + a.url, {}, {}, {}};
  if (a.kind == AccountKind::ApiToken) {
    // Atlassian: "use Basic HTTP Authentication ... where the username is your Atlassian
    // email and password is the API token" (REST intro, "API tokens").
    basic_user = a.email;
    basic_password = token_;
  } else {
    bearer = "Bearer " + token_;
  }
  return std::nullopt;
}

ApiError RestClient::refusal(long status, const ApiJson& body, const ApiNeed& need) const {
  const Account& a = t_.account;
  const std::string words = server_words(body);
  const std::string said = " (HTTP " + std::to_string(status) + (words.empty() ? "" : ": " + words) + ")";
  ApiError e;
  e.status = status;
  if (status == 403 || (status == 401 && t_.type == BitbucketType::Server &&
                        server_exception(body).find("AuthorisationException") != std::string::npos)) {
    // Server/DC answers 401 for an authenticated user without the permission (its
    // OpenAPI: "insufficient permissions"), with an AuthorisationException.
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
      const auto& err = body["error"];
      if (auto d = err.find("detail"); d != err.end() && d->is_object()) {
        e.required_scopes = string_list(d->value("required", ApiJson::array()));
        e.granted_scopes = string_list(d->value("granted", ApiJson::array()));
      }
    }
    e.message = "Bitbucket refused to " + need.what + " in " + t_.repo_label() + said + ": it needs " +
                permission_words(a, need, e.required_scopes);
    if (!e.granted_scopes.empty()) e.message += " (granted: " + join(e.granted_scopes, " ") + ")";
    e.hints.push_back(grant_hint(a, t_.user_config_path));
    if (t_.type == BitbucketType::Cloud && need.cloud_scope == "webhook")
      e.hints.push_back("managing a repository's webhooks also takes admin rights on " + t_.repo_web_url());
    return e;
  }
  if (status == 401) {
    static const char* const credential[] = {"access token of the OAuth consumer", "API token", "access token",
                                             "HTTP access token"};
    e.message = "Bitbucket did not accept the " + std::string(credential[static_cast<int>(a.kind)]) + " of account " +
                a.url + " to " + need.what + said;
    switch (a.kind) {
      case AccountKind::OAuthConsumer:
        e.hints.push_back("a fresh access token was refused too: check the consumer's key and secret in " +
                          t_.user_config_path + ", and that it is a private consumer (\"This is a private consumer\")");
        break;
      case AccountKind::ApiToken:
        e.hints.push_back(
            "API tokens expire (one year at most) and must be created with scopes; REST calls use your "
            "Atlassian e-mail (email: " +
            a.email + ") with it");
        e.hints.push_back(grant_hint(a, t_.user_config_path));
        break;
      case AccountKind::AccessToken:
        e.hints.push_back("the access token may have been revoked or have expired; " +
                          grant_hint(a, t_.user_config_path));
        break;
      case AccountKind::HttpAccessToken:
        e.hints.push_back("the HTTP access token may have expired or been revoked, or lacks " + need.server_permission +
                          "; " + grant_hint(a, t_.user_config_path));
        break;
    }
    return e;
  }
  if (status == 404) {
    e.message = "Bitbucket has no " + t_.repo_label() + " at " + t_.repo_web_url() + " that account " + a.url +
                " can see (to " + need.what + said + ")";
    e.hints.push_back("check integration.repository in .bbsot.yml, and that the account can read the repository");
    return e;
  }
  e.message = "Bitbucket refused to " + need.what + " in " + t_.repo_label() + said;
  return e;
}

ApiResult<RestClient::Answer> RestClient::call(const std::string& method, const std::string& url,
                                               const std::string& body, const ApiNeed& need, long deadline_ms) {
  if (auto p = endpoint_url_problem(url); !p.empty()) return ApiError{0, "refusing " + p, {}, {}, {}};
  long pause_ms = 1000;
  for (int attempt = 1;; ++attempt) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.headers = {{"Accept", "application/json"}};
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    std::string bearer;
    if (auto err = credential(bearer, req.basic_user, req.basic_password)) return *err;
    if (!bearer.empty()) req.headers.emplace_back("Authorization", bearer);
    req.credential_scope = t_.credential_scope;
    req.ca_file = ca_file_for(user_, url);
    req.allow_plain_http_loopback = true;  // endpoint_url_problem allowed only loopback http
    const long left = deadline_ms - now_ms();
    if (left <= 0)
      return ApiError{0, "Bitbucket did not answer in time to " + need.what + " (" + url + ")", {}, {}, {}};
    req.connect_timeout_ms = static_cast<int>(std::min<long>(user_.connect_timeout_ms, left));
    req.timeout_ms = static_cast<int>(std::min<long>(user_.timeout_ms, left));
    req.max_response_bytes = limits_.max_page_bytes;
    auto resp = http_request(req);
    const std::string secret = token_;
    if (!resp) {
      trace("api: " + method + " " + url + ": " + redact(resp.error(), {secret}));
      // Only a GET is safe to send again after a connection failure.
      if (method == "GET" && attempt < limits_.max_attempts && now_ms() + pause_ms < deadline_ms) {
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        pause_ms *= 2;
        continue;
      }
      return ApiError{0, "cannot reach Bitbucket to " + need.what + ": " + redact(resp.error(), {secret}), {}, {}, {}};
    }
    trace("api: " + method + " " + url + " -> HTTP " + std::to_string(resp->status));
    last_headers_ = resp->headers;
    if (resp->status == 401 && t_.account.kind == AccountKind::OAuthConsumer && !refreshed_) {
      // An access token revoked or expired early: one fresh one, then the verdict stands.
      refreshed_ = true;
      auto fresh = obtain_token(t_.account, user_, true);
      if (!fresh) return ApiError{0, "no fresh access token for " + t_.account.url + ": " + fresh.error(), {}, {}, {}};
      token_ = fresh->access_token;
      trace("api: HTTP 401; retrying once with a fresh access token");
      continue;
    }
    if (retryable(resp->status, method) && attempt < limits_.max_attempts) {
      const long after = parse_retry_after(resp->header("retry-after"), now_epoch());
      const long wait_ms = after >= 0 ? after * 1000 : pause_ms;
      const std::string busy = "Bitbucket is busy (HTTP " + std::to_string(resp->status) + ")";
      if (after > limits_.max_retry_after_s)
        return ApiError{resp->status,
                        busy + " and asks to wait " + std::to_string(after) + " s before it will " + need.what,
                        {"try again later"},
                        {},
                        {}};
      if (now_ms() + wait_ms >= deadline_ms)
        return ApiError{resp->status,
                        busy + " and did not recover in the time bbsot gives it to " + need.what,
                        {"try again later"},
                        {},
                        {}};
      trace("api: HTTP " + std::to_string(resp->status) + "; retrying in " + std::to_string(wait_ms) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      pause_ms = std::min<long>(pause_ms * 2, 16000);
      continue;
    }
    Answer a;
    a.status = resp->status;
    a.headers = resp->headers;
    if (!resp->body.empty()) {
      a.json = ApiJson::parse(resp->body, nullptr, false);
      if (a.json.is_discarded()) a.json = ApiJson();
    }
    if (resp->status < 200 || resp->status >= 300) return refusal(resp->status, a.json, need);
    if (!resp->body.empty() && a.json.is_null())
      return ApiError{resp->status, "Bitbucket's answer to " + need.what + " is not JSON (" + url + ")", {}, {}, {}};
    return a;
  }
}

ApiResult<ApiJson> RestClient::get(const std::string& path, const ApiNeed& need) {
  auto a = call("GET", url_for(path), "", need, now_ms() + limits_.budget_ms);
  if (!a) return a.error();
  return std::move(a->json);
}

ApiResult<ApiJson> RestClient::send(const std::string& method, const std::string& path, const ApiJson& body,
                                    const ApiNeed& need) {
  auto a = call(method, url_for(path), body.is_null() ? "" : body.dump(), need, now_ms() + limits_.budget_ms);
  if (!a) return a.error();
  return std::move(a->json);
}

ApiResult<ApiList> RestClient::get_all(const std::string& path, const ApiNeed& need, size_t max_items) {
  const long deadline = now_ms() + limits_.budget_ms;
  ApiList out;
  std::string url = url_for(path);
  const bool cloud = t_.type == BitbucketType::Cloud;
  const std::string size_param = cloud ? "pagelen" : "limit";
  if (!has_param(url, size_param)) url = with_query(url, size_param + "=" + std::to_string(limits_.page_size));
  const std::string first = url;
  long start = 0;
  for (int page = 1;; ++page) {
    if (page > limits_.max_pages) {
      out.truncated = true;
      trace("api: stopped after " + std::to_string(limits_.max_pages) + " pages of " + first);
      return out;
    }
    auto a = call("GET", url, "", need, deadline);
    if (!a) return a.error();
    const ApiJson& j = a->json;
    if (!j.is_object() || !j.contains("values") || !j["values"].is_array())
      return ApiError{
          a->status, "Bitbucket's answer to " + need.what + " is not a page of values (" + url + ")", {}, {}, {}};
    for (const auto& v : j["values"]) {
      if (out.values.size() >= max_items) {
        out.truncated = true;
        return out;
      }
      out.values.push_back(v);
    }
    if (cloud) {
      // Cloud: "treat next as opaque"; only values and next are guaranteed (REST intro,
      // "Pagination"). The link is the server's, so it is checked before the token follows.
      auto n = j.find("next");
      if (n == j.end() || !n->is_string() || n->get<std::string>().empty()) return out;
      const std::string next = n->get<std::string>();
      if (!url_within(t_.api_base, next))
        return ApiError{0,
                        "refusing to follow Bitbucket's next-page link " + printable_text(next) +
                            ": it is outside the API base " + t_.api_base,
                        {"the answer was cut short there; if a proxy rewrites links, set api_url for " +
                         t_.account.url + " in " + t_.user_config_path},
                        {},
                        {}};
      url = next;
    } else {
      if (j.value("isLastPage", true)) return out;
      long next_start = -1;
      if (auto n = j.find("nextPageStart"); n != j.end() && n->is_number_integer()) next_start = n->get<long>();
      // BSERV-12725: some pages omit nextPageStart; the next page starts after this one.
      if (next_start < 0) next_start = start + static_cast<long>(j["values"].size());
      if (next_start <= start)
        return ApiError{a->status, "Bitbucket's pages for " + need.what + " do not advance (" + url + ")", {}, {}, {}};
      start = next_start;
      url = with_query(first, "start=" + std::to_string(start));
    }
  }
}

}  // namespace bbsot
