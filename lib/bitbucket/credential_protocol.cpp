#include "bitbucket/credential_protocol.hpp"

#include <sstream>

namespace bbsot {

namespace {

using R = Expected<CredentialRequest>;

// A value with a newline or NUL would let one attribute smuggle another into git.
bool safe_value(const std::string& v) { return v.find_first_of(std::string("\n\0", 2)) == std::string::npos; }

void assign(CredentialRequest& req, const std::string& key, std::string value) {
  if (key == "protocol")
    req.protocol = std::move(value);
  else if (key == "host")
    req.host = std::move(value);
  else if (key == "path")
    req.path = std::move(value);
  else if (key == "username")
    req.username = std::move(value);
  else if (key == "password")
    req.password = std::move(value);
  // Everything else (url=, capability[]=, wwwauth[]=, password_expiry_utc=, ...) is ignored.
}

// url= is how a caller may pass everything at once; git splits it the same way.
void apply_url(CredentialRequest& req, const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return;
  req.protocol = url.substr(0, p);
  std::string rest = url.substr(p + 3);
  auto slash = rest.find('/');
  std::string auth = rest.substr(0, slash);
  req.path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  auto at = auth.rfind('@');
  if (at != std::string::npos) {
    std::string user = auth.substr(0, at);
    auto colon = user.find(':');
    req.username = user.substr(0, colon);
    auth = auth.substr(at + 1);
  }
  req.host = auth;
}

}  // namespace

R read_credential_request(std::istream& in) {
  CredentialRequest req;
  size_t count = 0;
  std::string line;
  for (;;) {
    line.clear();
    char c;
    bool got_any = false;
    while (in.get(c)) {
      got_any = true;
      if (c == '\n') break;
      if (c == '\0') return R::failure("credential input contains a NUL byte");
      if (line.size() >= kMaxCredentialLine)
        return R::failure("credential input line longer than " + std::to_string(kMaxCredentialLine) + " bytes");
      line.push_back(c);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;  // blank line or EOF ends the request
    if (++count > kMaxCredentialAttributes)
      return R::failure("credential input has more than " + std::to_string(kMaxCredentialAttributes) + " attributes");
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      return R::failure("credential input line " + std::to_string(count) + " is not key=value");
    std::string key = line.substr(0, eq);
    if (key == "url")
      apply_url(req, line.substr(eq + 1));
    else
      assign(req, key, line.substr(eq + 1));
    if (!got_any) break;
  }
  return req;
}

R parse_credential_request(const std::string& text) {
  std::istringstream in(text);
  return read_credential_request(in);
}

std::string format_credential_answer(const CredentialAnswer& a) {
  if (!safe_value(a.username) || !safe_value(a.password)) return "";
  std::string out = "username=" + a.username + "\npassword=" + a.password + "\n";
  if (a.password_expiry_utc > 0) out += "password_expiry_utc=" + std::to_string(a.password_expiry_utc) + "\n";
  return out;
}

}  // namespace bbsot
