// git's credential helper protocol as git-credential-bbsot reads it from stdin (anything
// can be piped into a helper), the answer it writes back, and which account answers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "bitbucket/account_match.hpp"
#include "bitbucket/credential_protocol.hpp"

using namespace bbsot;

namespace {

Account account(const std::string& url, BitbucketType type, const std::string& username = "") {
  Account a;
  a.url = url;
  a.type = type;
  a.username = username;
  return a;
}

// Cloud workspaces sharing a host (so paths decide), a nested prefix, a Server with a
// port and context path, and a lookalike that must never answer for bitbucket.org.
const std::vector<Account>& accounts() {
  static const std::vector<Account> list = {
      account("https://bitbucket.org/acme", BitbucketType::Cloud),
      account("https://bitbucket.org/acme/shop", BitbucketType::Cloud),
      account("https://bitbucket.org/other", BitbucketType::Cloud),
      account("https://bb.example.com:8443/bitbucket", BitbucketType::Server, "ann"),
      account("https://bb.example.com:8443/bitbucket/scm/PROJ", BitbucketType::Server, "bob"),
      account("https://Single.Example.COM", BitbucketType::Server, "carl"),
      account("https://bitbucket.org.evil.com", BitbucketType::Cloud),
  };
  return list;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void check_match(const CredentialRequest& req) {
  const AccountMatch m = match_account(accounts(), req);
  if (m.ambiguous && m.account) std::abort();
  if (!m.account) return;
  // An answer only ever goes to https on exactly the account's host: a lookalike or a
  // subdomain must not get a token.
  if (lower(req.protocol) != "https") std::abort();
  const AccountUrl u = parse_account_url(m.account->url);
  std::string host = lower(req.host);
  if (host.size() > 4 && host.ends_with(":443")) host.resize(host.size() - 4);
  if (!u.valid || u.host != host) std::abort();
  if (m.account->type == BitbucketType::Server && !req.username.empty() && req.username != m.account->username)
    std::abort();
}

// The answer must read back as exactly what was meant, or be refused (""), so a value
// can never smuggle a second attribute into git. A trailing CR is the one known loss:
// git's and our line readers both strip it, so it is excluded from the equality check.
void check_answer(const CredentialRequest& req) {
  CredentialAnswer a;
  a.username = req.username;
  a.password = req.password;
  a.password_expiry_utc = static_cast<int64_t>(req.host.size());
  const std::string out = format_credential_answer(a);
  if (out.empty()) {
    if (a.username.find('\n') == std::string::npos && a.password.find('\n') == std::string::npos &&
        a.username.find('\0') == std::string::npos && a.password.find('\0') == std::string::npos)
      std::abort();  // refused a safe answer
    return;
  }
  auto back = parse_credential_request(out);
  if (!back.ok()) std::abort();
  auto ends_cr = [](const std::string& s) { return !s.empty() && s.back() == '\r'; };
  if (!ends_cr(a.username) && back->username != a.username) std::abort();
  if (!ends_cr(a.password) && back->password != a.password) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto req = parse_credential_request(text);
  if (!req.ok()) return 0;
  check_match(*req);
  check_answer(*req);
  return 0;
}
