#include "net/http.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "base/text.hpp"
#include "base/web_url.hpp"

namespace bbsot {

namespace {

using R = Expected<HttpResponse>;

struct Sink {
  HttpResponse* resp;
  size_t limit;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (s->resp->body.size() + len > s->limit) {
    s->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  s->resp->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (line.starts_with("HTTP/")) resp->headers.clear();  // a new response (after 100 Continue)
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  resp->headers.emplace_back(std::move(name), std::move(value));
  return size * n;
}

}  // namespace

namespace {

// OpenSSL's X509_V_ERR_* values as CURLINFO_SSL_VERIFYRESULT reports them; spelled out here
// so this file does not depend on OpenSSL's headers (libcurl may use another TLS backend).
constexpr long kCertNotYetValid = 9;
constexpr long kCertHasExpired = 10;

std::string tls_failure(const std::string& url, const std::string& detail, long verify_result) {
  // Both are judged by this machine's clock: a wrong clock is the usual cause, so say so.
  if (verify_result == kCertNotYetValid)
    return "TLS verification failed for " + url + ": its certificate is not yet valid by this machine's clock" +
           " (check this machine's date and time; " + detail + ")";
  if (verify_result == kCertHasExpired)
    return "TLS verification failed for " + url + ": its certificate has expired by this machine's clock" +
           " (if it should still be valid, check this machine's date and time; " + detail + ")";
  return "TLS verification failed for " + url + " (" + detail + ")";
}

bool mentions(const std::string& haystack, const char* needle) {
  return ascii_lower(haystack).find(needle) != std::string::npos;
}

HttpFailure kind_of(CURLcode rc, bool overflow) {
  if (overflow) return HttpFailure::TooLarge;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return HttpFailure::Timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST: return HttpFailure::Connect;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return HttpFailure::Tls;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING: return HttpFailure::Broken;
    default: return HttpFailure::Other;
  }
}

std::string describe(CURLcode rc, const char* errbuf, const std::string& url, bool overflow, size_t limit,
                     long verify_result) {
  if (overflow) return "the answer from " + url + " is larger than " + std::to_string(limit) + " bytes";
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "no answer from " + url + " in time (" + detail + ")";
    case CURLE_COULDNT_CONNECT:
      return "cannot connect to " + url + " (" + detail + ")";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot resolve the host of " + url;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return tls_failure(url, detail, verify_result);
    case CURLE_SSL_CONNECT_ERROR:
      return "the TLS handshake with " + url + " failed (" + detail + ")";
    case CURLE_RECV_ERROR:
      // TLS libraries report a peer that vanished without close_notify here too.
      if (mentions(detail, "reset"))
        return "the connection to " + url + " was reset while reading the answer (" + detail + ")";
      return "the connection to " + url + " broke while reading the answer (" + detail + ")";
    case CURLE_SEND_ERROR:
      return "the connection to " + url + " broke while sending the request (" + detail + ")";
    case CURLE_PARTIAL_FILE:
      return "the answer from " + url +
             " was cut short: the server closed the connection before sending the whole body (" + detail + ")";
    case CURLE_GOT_NOTHING:
      return url + " closed the connection without answering";
    default:
      return "request to " + url + " failed (" + detail + ")";
  }
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return "";
}

R http_request(const HttpRequest& req, HttpFailure* kind) {
  if (kind) *kind = HttpFailure::None;
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string l = ascii_lower(req.url);
  const bool plain_ok = req.allow_plain_http_loopback && loopback_http(req.url);
  if (!l.starts_with("https://") && !plain_ok) {
    if (kind) *kind = HttpFailure::Refused;
    return R::failure("refusing " + req.url + ": " +
                      (l.starts_with("http://") ? (req.allow_plain_http_loopback
                                                       ? "plain http is allowed only to this machine (127.0.0.0/8, ::1, localhost)"
                                                       : "only https:// is allowed here")
                                                : "not an https:// URL"));
  }
  const bool has_credential = !req.basic_user.empty() || std::any_of(req.headers.begin(), req.headers.end(), [](const auto& h) {
                                return ascii_lower(h.first) == "authorization";
                              });
  if (has_credential && !url_within(req.credential_scope, req.url)) {
    if (kind) *kind = HttpFailure::Refused;
    return R::failure("refusing to send the credential for " +
                      (req.credential_scope.empty() ? std::string("(no scope)") : req.credential_scope) + " to " +
                      req.url + ": that URL is not inside the one the credential was configured for");
  }

  CURL* curl = curl_easy_init();
  if (!curl) return R::failure("cannot start libcurl");
  HttpResponse resp;
  Sink sink{&resp, req.max_response_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : req.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, plain_ok ? "http,https" : "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!req.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "bbsot/" BBSOT_VERSION);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!req.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, req.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, req.basic_password.c_str());
  }
  if (req.method == "POST" || !req.body.empty()) {
    // A PUT carries its body the same way; CUSTOMREQUEST below names the method.
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  if (req.method != "GET" && req.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());

  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
  long verify_result = 0;  // X509_V_OK
  curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify_result);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK && kind) *kind = kind_of(rc, sink.overflow);
  if (rc != CURLE_OK)
    return R::failure(describe(rc, errbuf, req.url, sink.overflow, req.max_response_bytes, verify_result));
  return resp;
}

int64_t parse_retry_after(const std::string& value, int64_t now) {
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return value.size() > 9 ? 86400 : std::min<int64_t>(std::stoll(value), 86400);
  std::tm tm{};
  if (!::strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return -1;
  const int64_t at = static_cast<int64_t>(::timegm(&tm));
  return at <= now ? 0 : std::min<int64_t>(at - now, 86400);
}

}  // namespace bbsot
