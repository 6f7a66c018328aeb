// HTTPS requests through libcurl, TLS verification always on. Used by the token fetch
// (bbsot-token, started only on a cache miss), report delivery and the REST API client;
// never by a hook's fast path.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "base/web_url.hpp"

namespace bbsot {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with POST, and with any other method when not empty (PUT)
  std::string basic_user;  // HTTP Basic when non-empty; sent by libcurl, never logged
  std::string basic_password;
  std::string ca_file;  // empty: git's http.sslCAInfo / GIT_SSL_CAINFO is the caller's
                        // job to resolve; empty here means the system store
  int connect_timeout_ms = 5000;
  int timeout_ms = 20000;
  size_t max_response_bytes = 1 << 20;     // larger bodies fail the request
  bool allow_plain_http_loopback = false;  // http:// only to 127.0.0.0/8, ::1, localhost
  // Where the request's credential (basic_user/basic_password or an Authorization
  // header) may go: the URL it was configured for. A request that carries one is sent
  // only when `url` lies inside this URL after normalisation (base/web_url.hpp); one
  // without a scope is refused, so no caller can send a token without saying where it
  // belongs.
  std::string credential_scope;
};

struct HttpResponse {
  long status = 0;
  std::string body;  // sent with POST, and with any other method when not empty (PUT)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string header(const std::string& lower_name) const;
};

// Fails (one line, no secrets) on DNS/connect/TLS errors, timeouts, oversized bodies,
// refused plain-http URLs and a credential outside its scope; an HTTP error status is a
// successful call.
// What kind of failure a failed call was, for callers that treat them differently (the
// deliverer retries timeouts and broken connections, parks TLS failures).
enum class HttpFailure { None, Timeout, Connect, Tls, Broken, TooLarge, Refused, Other };
[[nodiscard]] Expected<HttpResponse> http_request(const HttpRequest& req, HttpFailure* kind = nullptr);

// A Retry-After value (RFC 9110: delta-seconds, or an HTTP-date read against `now`) in
// seconds, at most a day; -1 when absent or unreadable.
[[nodiscard]] int64_t parse_retry_after(const std::string& value, int64_t now);

}  // namespace bbsot
