#include "base/web_url.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "base/text.hpp"

namespace bbsot {

namespace {

using R = Expected<WebUrl>;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// One path segment, decoded. An encoded '/' or '\' would make the server see another
// path than the one compared here, and a decoded control character has no business in
// a URL: both refuse the whole URL.
bool decode_segment(std::string_view raw, std::string& out) {
  out.clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return false;
    const int hi = hex_digit(raw[i + 1]), lo = hex_digit(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return std::none_of(out.begin(), out.end(), [](char c) {
    return c == '/' || c == '\\' || control(static_cast<unsigned char>(c));
  });
}

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.front() == '-' || h.front() == '.') return false;
  char prev = '.';
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

bool valid_ipv6(std::string_view h) {
  return h.size() >= 2 && std::count(h.begin(), h.end(), ':') >= 2 &&
         std::all_of(h.begin(), h.end(), [](char c) { return hex_digit(c) >= 0 || c == ':' || c == '.'; });
}

}  // namespace

bool resolve_dot_segments(std::vector<std::string>& segments) {
  std::vector<std::string> out;
  out.reserve(segments.size());
  for (auto& s : segments) {
    if (s == ".") continue;
    if (s == "..") {
      if (out.empty()) return false;
      out.pop_back();
      continue;
    }
    out.push_back(std::move(s));
  }
  segments = std::move(out);
  return true;
}

R parse_web_url(std::string_view url) {
  const std::string shown = "'" + std::string(url.substr(0, 200)) + "'";
  if (std::any_of(url.begin(), url.end(), [](char c) { return control(static_cast<unsigned char>(c)) || c == ' '; }))
    return R::failure("the URL " + shown + " contains spaces or control characters");
  if (url.find('\\') != std::string_view::npos) return R::failure("the URL " + shown + " contains a backslash");
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return R::failure(shown + " is not a URL (scheme://host/path)");
  WebUrl u;
  u.scheme = ascii_lower(url.substr(0, sep));
  if (u.scheme != "https" && u.scheme != "http") return R::failure(shown + " is not an http(s) URL");
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return R::failure("the URL " + shown + " has a fragment ('#')");
  const size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    u.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return R::failure("the URL " + shown + " carries a user name or password; bbsot keeps credentials out of URLs");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || !valid_ipv6(authority.substr(1, close - 1)))
      return R::failure("the URL " + shown + " has a malformed IPv6 host");
    u.host = ascii_lower(authority.substr(0, close + 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return R::failure("the URL " + shown + " has a malformed host");
    if (!after.empty()) port = after.substr(1);
  } else {
    const size_t colon = authority.find(':');
    std::string host = ascii_lower(authority.substr(0, colon));
    if (!host.empty() && host.back() == '.') host.pop_back();  // the DNS root
    if (!valid_host_name(host)) return R::failure("the URL " + shown + " has no valid host");
    u.host = host;
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    int v = 0;
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return R::failure("the URL " + shown + " has a malformed port");
    for (char c : port) v = v * 10 + (c - '0');
    if (v < 1 || v > 65535) return R::failure("the URL " + shown + " has a port out of range");
    u.port = (u.scheme == "https" && v == 443) || (u.scheme == "http" && v == 80) ? 0 : v;
  }
  size_t start = 0;
  std::string seg;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (end > start) {
      if (!decode_segment(path.substr(start, end - start), seg))
        return R::failure("the URL " + shown + " has a malformed or disallowed escape in its path (%2F, %00, ...)");
      u.segments.push_back(seg);
    }
    start = end + 1;
  }
  if (!resolve_dot_segments(u.segments)) return R::failure("the URL " + shown + " climbs above its root with '..'");
  return u;
}

std::string WebUrl::origin() const {
  std::string out = scheme + "://" + host;
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

std::string WebUrl::str() const {
  std::string out = origin();
  for (const auto& s : segments) out += "/" + percent_encode(s, "~!$&'()*+,;=:@");
  if (!query.empty()) out += "?" + query;
  return out;
}

bool url_within(const WebUrl& base, const WebUrl& target) {
  return base.scheme == target.scheme && base.host == target.host && base.port == target.port &&
         base.segments.size() <= target.segments.size() &&
         std::equal(base.segments.begin(), base.segments.end(), target.segments.begin());
}

bool url_within(std::string_view base, std::string_view target) {
  auto b = parse_web_url(base);
  auto t = parse_web_url(target);
  return b && t && url_within(*b, *t);
}

// A host is this machine only if it is literally so: "127.evil.example" is a DNS name.
bool loopback_http(const std::string& url) {
  const std::string l = ascii_lower(url);
  if (!l.starts_with("http://")) return false;
  std::string rest = l.substr(7);
  rest.resize(std::min(rest.size(), rest.find_first_of("/?#")));
  if (rest.find('@') != std::string::npos) return false;
  std::string host;
  if (rest.starts_with("["))
    host = rest.substr(0, rest.find(']') + 1);
  else
    host = rest.substr(0, rest.find(':'));
  if (host == "localhost" || host == "[::1]") return true;
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::string endpoint_url_problem(const std::string& url) {
  const std::string l = ascii_lower(url);
  if (l.starts_with("https://") && l.size() > 8) return "";
  if (loopback_http(url)) return "";
  return "'" + url + "' is not an https:// URL (plain http is allowed only to 127.0.0.0/8, ::1 and localhost)";
}

}  // namespace bbsot
