// One small client for Bitbucket's REST APIs, Cloud 2.0 and Server/Data Center 1.0, used
// through a BitbucketTarget (api/target.hpp), never with a URL of its own making.
//
// What every call gets:
// - the account's credential in the Authorization header only (Bearer for OAuth consumers,
//   access tokens and Server HTTP access tokens; Basic with the Atlassian e-mail for API
//   tokens), every request naming the target's credential_scope (net/http refuses it
//   elsewhere), never in a URL, trace or message;
// - a 401 answered once with a fresh token (OAuth consumer: obtain_token with force),
//   then a clear error; 403/404 named, with the missing scope or permission (Cloud's
//   `error.detail.required` when present) and where to grant it;
// - 429 and 5xx retried (a POST only on 429/503), Retry-After honoured when Bitbucket
//   sends it, exponential pauses otherwise, within a bounded total time per call;
// - bounded answers (bytes per page, pages per listing);
// - pagination followed: Cloud's `next` link, which must lie inside the API base (a link
//   elsewhere is refused, not followed), and Server's `isLastPage`/`nextPageStart`
//   (start+size when nextPageStart is missing, BSERV-12725).
//
// Results are ApiResult<T>: a value, or an ApiError whose `message` is one line for
// `error:` and whose `hints` are the `hint:` lines.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/target.hpp"
#include "base/error.hpp"
#include "config/config.hpp"

namespace bbsot {

using ApiJson = nlohmann::ordered_json;

struct ApiError {
  long status = 0;  // the HTTP status; 0 when no answer came (network, TLS, refused URL)
  std::string message;
  std::vector<std::string> hints;
  std::vector<std::string> required_scopes;  // Cloud 403 error.detail.required
  std::vector<std::string> granted_scopes;   // Cloud 403 error.detail.granted
};

// A value or the REST API's refusal (base/error.hpp: Result).
template <class T>
class [[nodiscard]] ApiResult : public Result<T, ApiError> {
  using Base = Result<T, ApiError>;

 public:
  ApiResult(T value) : Base(std::move(value)) {}
  ApiResult(ApiError e) : Base(typename Base::FailureTag{}, std::move(e)) {}
  const ApiError& error() const { return this->failure_value(); }
};

// What a call is for and what it needs, so a refusal can say which permission is missing.
struct ApiNeed {
  std::string what;               // "list the repository's webhooks"
  std::string cloud_scope;        // OAuth / access-token scope: "webhook"
  std::string api_token_scope;    // Atlassian API token scope: "read:webhook:bitbucket"
  std::string server_permission;  // Server/DC: "REPO_ADMIN"
};

struct RestLimits {
  int budget_ms = 60000;       // one call, retries and pages included
  int max_attempts = 4;        // per request
  int max_retry_after_s = 30;  // a longer Retry-After ends the call with an error
  size_t max_page_bytes = size_t{2} << 20;
  int max_pages = 20;
  int page_size = 50;  // Cloud's pull request listing allows at most 50
};

// One listing: the values of every page, and whether the bound cut it short.
struct ApiList {
  std::vector<ApiJson> values;
  bool truncated = false;
};

class RestClient {
 public:
  RestClient(BitbucketTarget target, const UserConfig& user, const RestLimits& limits = {});

  // `path` is relative to the API base ("/repositories/acme/shop/hooks") or an absolute
  // URL inside the credential scope (Server's /rest/build-status/1.0/...). A 2xx answer
  // with a JSON body (or none, as 204) is the value; anything else an ApiError.
  [[nodiscard]] ApiResult<ApiJson> get(const std::string& path, const ApiNeed& need);
  [[nodiscard]] ApiResult<ApiJson> send(const std::string& method, const std::string& path, const ApiJson& body,
                                        const ApiNeed& need);
  // Every page of a paged listing, at most `max_items` values.
  [[nodiscard]] ApiResult<ApiList> get_all(const std::string& path, const ApiNeed& need, size_t max_items = 1000);

  const BitbucketTarget& target() const { return t_; }
  // Headers of the last answer (lower-cased names), e.g. for a Date or rate-limit header.
  const std::vector<std::pair<std::string, std::string>>& last_headers() const { return last_headers_; }

 private:
  // NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json's move does not throw
  struct Answer {
    long status = 0;
    ApiJson json;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  ApiResult<Answer> call(const std::string& method, const std::string& url, const std::string& body,
                         const ApiNeed& need, long deadline_ms);
  std::string url_for(const std::string& path) const;
  std::optional<ApiError> credential(std::string& bearer, std::string& basic_user, std::string& basic_password);
  ApiError refusal(long status, const ApiJson& body, const ApiNeed& need) const;

  BitbucketTarget t_;
  const UserConfig& user_;
  RestLimits limits_;
  std::string token_;  // resolved once, on first use
  bool refreshed_ = false;
  std::vector<std::pair<std::string, std::string>> last_headers_;
};

// The scope or permission `need` asks of this kind of account, in the words Bitbucket's
// own pages use ("Webhooks: Read and write (scope webhook)"), and where to grant it.
std::string permission_words(const Account& a, const ApiNeed& need, const std::vector<std::string>& required = {});
std::string grant_hint(const Account& a, const std::string& user_config_path);


}  // namespace bbsot
