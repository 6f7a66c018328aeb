#include "bitbucket/account_match.hpp"

#include <algorithm>
#include <cctype>

#include "base/text.hpp"

namespace bbsot {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// git hands helpers decoded paths, so configured URLs are decoded before comparing.
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(percent_decode(path.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

std::string normal_host(std::string host, const std::string& scheme) {
  host = ascii_lower(std::move(host));
  if (scheme == "https" && host.size() > 4 && host.ends_with(":443")) host.resize(host.size() - 4);
  return host;
}

bool is_prefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  if (prefix.size() > path.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace

AccountUrl parse_account_url(const std::string& url) {
  AccountUrl u;
  auto p = url.find("://");
  if (p == std::string::npos || p == 0) return u;
  u.scheme = ascii_lower(url.substr(0, p));
  std::string rest = url.substr(p + 3);
  auto slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  if (host.empty() || host.find('@') != std::string::npos) return u;
  u.host = normal_host(host, u.scheme);
  if (slash != std::string::npos) u.segments = split_path(rest.substr(slash + 1));
  u.valid = true;
  return u;
}

AccountMatch match_account(const std::vector<Account>& accounts, const CredentialRequest& req) {
  AccountMatch m;
  if (ascii_lower(req.protocol) != "https" || req.host.empty()) return m;
  const std::string host = normal_host(req.host, "https");
  const bool has_path = !req.path.empty();
  const std::vector<std::string> path = split_path(req.path);
  size_t best_len = 0;
  int on_host = 0;
  for (const auto& a : accounts) {
    AccountUrl u = parse_account_url(a.url);
    if (!u.valid || u.scheme != "https" || u.host != host) continue;
    if (a.type == BitbucketType::Server && !req.username.empty() && req.username != a.username) continue;
    ++on_host;
    if (!has_path) {
      m.account = &a;
      continue;
    }
    if (!is_prefix(u.segments, path)) continue;
    if (!m.account || u.segments.size() > best_len) {
      m.account = &a;
      best_len = u.segments.size();
    }
  }
  if (!has_path && on_host > 1) {
    m.account = nullptr;
    m.ambiguous = true;
  }
  return m;
}

CredentialRequest integration_request(const IntegrationConfig& in) {
  CredentialRequest req;
  req.protocol = "https";
  AccountUrl u = parse_account_url(in.url);
  req.host = u.host;
  for (const auto& s : u.segments) req.path += s + "/";
  req.path += (in.type == BitbucketType::Server ? "scm/" : "") + in.repository + ".git";
  return req;
}

}  // namespace bbsot
