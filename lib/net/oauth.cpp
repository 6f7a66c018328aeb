#include "net/oauth.hpp"

#include <nlohmann/json.hpp>

#include "base/text.hpp"

namespace bbsot {

namespace {

using R = Expected<CachedToken>;

std::string oauth_error(long status, const nlohmann::json& j) {
  std::string msg = "the OAuth token endpoint answered HTTP " + std::to_string(status);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    msg += ": " + printable_text(j["error"].get<std::string>());
    if (j.contains("error_description") && j["error_description"].is_string())
      msg += " (" + printable_text(j["error_description"].get<std::string>()) + ")";
  }
  return msg;
}

}  // namespace

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out.append(percent_encode(k)).append("=").append(percent_encode(v));
  }
  return out;
}

R parse_token_response(long status, const std::string& body, int64_t now) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (status != 200) return R::failure(oauth_error(status, j.is_discarded() ? nlohmann::json() : j));
  if (j.is_discarded() || !j.is_object())
    return R::failure("the OAuth token endpoint answered HTTP 200 with a body that is not JSON");
  if (j.contains("error")) return R::failure(oauth_error(status, j));
  auto tok = j.find("access_token");
  if (tok == j.end() || !tok->is_string() || tok->get<std::string>().empty())
    return R::failure("the OAuth token endpoint's answer has no access_token");
  CachedToken t;
  t.access_token = tok->get<std::string>();
  if (t.access_token.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
    return R::failure("the OAuth token endpoint's access_token contains a line break");
  if (j.contains("token_type") && j["token_type"].is_string()) {
    const std::string type = ascii_lower(j["token_type"].get<std::string>());
    if (type != "bearer")
      return R::failure("the OAuth token endpoint returned token_type '" + printable_text(type) + "', not bearer");
  }
  int64_t expires_in = 3600;  // RFC 6749 makes expires_in optional; Bitbucket sends 7200
  if (j.contains("expires_in")) {
    if (!j["expires_in"].is_number_integer() || j["expires_in"].get<int64_t>() <= 0 ||
        j["expires_in"].get<int64_t>() > 366LL * 86400)
      return R::failure("the OAuth token endpoint's expires_in is not a sensible number of seconds");
    expires_in = j["expires_in"].get<int64_t>();
  }
  t.expires_at = now + expires_in;
  t.obtained_at = now;
  if (j.contains("refresh_token") && j["refresh_token"].is_string())
    t.refresh_token = j["refresh_token"].get<std::string>();
  // Bitbucket answered `scopes` until 2026-05-04 and `scope` (RFC 6749 5.1) since
  // (https://community.developer.atlassian.com/t/oauth-2-0-and-api-authentication-changes-for-bitbucket-cloud/99003):
  // either, space-separated, or a list of names.
  for (const char* key : {"scope", "scopes"}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    std::string list;
    if (it->is_string())
      list = it->get<std::string>();
    else if (it->is_array())
      for (const auto& e : *it)
        if (e.is_string()) list += (list.empty() ? "" : " ") + e.get<std::string>();
    if (!list.empty()) {
      t.scopes = printable_text(list, 1000);
      break;
    }
  }
  return t;
}

}  // namespace bbsot
