#include "git/remote_url.hpp"

#include <algorithm>
#include <optional>

#include "base/text.hpp"

namespace bbsot {
namespace {

constexpr std::string_view kCloudHost = "bitbucket.org";
constexpr std::string_view kCloudAltSshHost = "altssh.bitbucket.org";  // ssh over port 443

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

bool is_control_or_space(unsigned char c) { return c <= 0x20 || c == 0x7f; }

bool has_control_or_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return is_control_or_space(c); });
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  c = lower_ascii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Percent-decodes; nullopt on a malformed escape or a decoded control character, which
// would otherwise smuggle a newline or NUL past the raw-input check.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += char(hi * 16 + lo);
    i += 2;
  }
  if (has_control_or_space(out)) return std::nullopt;
  return out;
}

// A DNS name or IPv4 address: labels of [a-z0-9_-], no empty label, not starting with '-'
// (ssh would read that as an option). One trailing dot (the DNS root) is dropped.
std::optional<std::string> normalise_name_host(std::string_view h) {
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  if (h.empty() || h.front() == '-') return std::nullopt;
  std::string out = ascii_lower(h);
  char prev = '.';
  for (char c : out) {
    bool ok = is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return std::nullopt;
    prev = c;
  }
  return out;
}

// The inside of [...]: an IPv6 address (hex digits, ':' and '.' for a v4 tail).
std::optional<std::string> normalise_ipv6(std::string_view h) {
  if (h.size() < 2 || std::count(h.begin(), h.end(), ':') < 2) return std::nullopt;
  for (char c : h)
    if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return std::nullopt;
  return ascii_lower(h);
}

int default_port(std::string_view scheme) {
  if (scheme == "https") return 443;
  if (scheme == "http") return 80;
  if (scheme == "ssh") return 22;
  if (scheme == "git") return 9418;
  return 0;
}

// "" -> 0 (git accepts host:/path); otherwise 1..65535.
std::optional<int> parse_port(std::string_view p) {
  if (p.empty()) return 0;
  if (p.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : p) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return v;
}

std::vector<std::string> split_segments(std::string_view path) {
  std::vector<std::string> segs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segs.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segs;
}

// Resolves "." and ".." as curl does for HTTP; a ".." with nothing to pop is dropped for
// HTTP (curl clamps at the root) and kept elsewhere (scp-like paths are home-relative).
std::vector<std::string> resolve_dots(const std::vector<std::string>& in, bool http) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    if (s == ".") continue;
    if (s == ".." && !out.empty() && out.back() != "..") {
      out.pop_back();
      continue;
    }
    if (s == ".." && http) continue;
    out.push_back(s);
  }
  return out;
}

std::string join(const std::vector<std::string>& segs, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < segs.size(); ++i) {
    if (!out.empty()) out += '/';
    out += segs[i];
  }
  return out;
}

bool ends_with_git(std::string_view s) { return s.size() >= 4 && iequals(s.substr(s.size() - 4), ".git"); }

// Shared path normalisation; nullopt when the path is malformed. May return "".
std::optional<std::string> normalise_path(std::string_view raw, bool decode, bool http) {
  std::string decoded(raw);
  if (decode) {
    auto d = percent_decode(raw);
    if (!d) return std::nullopt;
    decoded = std::move(*d);
  }
  auto segs = resolve_dots(split_segments(decoded), http);
  if (!segs.empty() && ends_with_git(segs.back())) {
    segs.back().resize(segs.back().size() - 4);
    if (segs.back().empty()) segs.pop_back();  // "repo/.git" names "repo"
  }
  return join(segs);
}

// Splits "user[:password]@hostport" at the last '@' (where ssh and WHATWG split) and
// drops the password on the spot so it never reaches a RemoteUrl.
void split_userinfo(std::string_view authority, std::string_view& user, std::string_view& hostport) {
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    user = {};
    hostport = authority;
    return;
  }
  user = authority.substr(0, at);
  user = user.substr(0, user.find(':'));
  hostport = authority.substr(at + 1);
}

bool is_http_scheme(std::string_view scheme) { return scheme == "http" || scheme == "https"; }

// "host", "host:port", "[v6]", "[v6]:port" into u.host / u.port.
bool parse_hostport(std::string_view hp, RemoteUrl& u) {
  std::string_view host, port;
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return false;
    host = hp.substr(1, close - 1);
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    if (!rest.empty()) port = rest.substr(1);
    auto h = normalise_ipv6(host);
    // git takes the brackets off any ssh host, not only an IPv6 address (connect.c
    // host_end): ssh://[git.example]/x connects to git.example. curl refuses that form.
    if (!h && !is_http_scheme(u.scheme)) h = normalise_name_host(host);
    if (!h) return false;
    u.host = *h;
  } else {
    size_t colon = hp.find(':');
    host = hp.substr(0, colon);
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    auto h = normalise_name_host(host);
    if (!h) return false;
    u.host = *h;
  }
  auto p = parse_port(port);
  if (!p) return false;
  u.port = (*p == default_port(u.scheme)) ? 0 : *p;
  return true;
}

// "scheme" of scheme://, lower-cased, or nullopt when `url` is not URL-shaped (git's
// is_url: [A-Za-z0-9+.-]+ followed by "://").
std::optional<std::string> url_scheme(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  for (char c : url.substr(0, sep))
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '.' || c == '-')) return std::nullopt;
  return ascii_lower(url.substr(0, sep));
}

std::optional<std::string> canonical_scheme(const std::string& s) {
  if (s == "https" || s == "http" || s == "ssh" || s == "git" || s == "file") return s;
  if (s == "git+ssh" || s == "ssh+git") return std::string("ssh");
  return std::nullopt;
}

// `allow_empty_path` is for base URLs such as https://bitbucket.org; a remote needs a path.
RemoteUrl parse_url_form(std::string_view url, const std::string& raw_scheme, bool allow_empty_path) {
  RemoteUrl u;
  auto scheme = canonical_scheme(raw_scheme);
  if (!scheme) return u;
  u.scheme = *scheme;
  std::string_view rest = url.substr(raw_scheme.size() + 3);
  bool http = u.scheme == "http" || u.scheme == "https";
  if (http) rest = rest.substr(0, rest.find_first_of("?#"));  // never part of the repo path
  // git url-decodes every other URL-form remote whole, host included, before it splits it
  // (connect.c: url_decode): ssh://%67it.example/x connects to git.example. So the split
  // is made on the decoded text, as git makes it; http(s) goes to curl undecoded.
  std::string decoded;
  if (!http) {
    auto d = percent_decode(rest);
    if (!d) return u;
    decoded = std::move(*d);
    rest = decoded;
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

  // Browsers read '\\' as '/', curl does not: refuse rather than pick a host.
  if (authority.find('\\') != std::string_view::npos) return u;
  std::string_view user, hostport;
  split_userinfo(authority, user, hostport);
  auto duser = http ? percent_decode(user) : std::optional<std::string>(user);
  if (!duser) return u;
  u.user = *duser;
  // curl decodes a percent-encoded host name too (https://%6cocalhost/ reaches localhost).
  auto dhost = http ? percent_decode(hostport) : std::optional<std::string>(hostport);
  if (!dhost) return u;
  if (u.scheme == "file" && dhost->empty()) {
    // file:///path: no host
  } else if (!parse_hostport(*dhost, u)) {
    return u;
  }
  auto p = normalise_path(path, http, http);
  if (!p || (p->empty() && !allow_empty_path)) return u;
  u.path = *p;
  u.valid = true;
  return u;
}

// Git's rule: a ':' before any '/' makes host:path, unless it is a DOS drive (C:\x, C:/x).
RemoteUrl parse_scp_form(std::string_view url) {
  RemoteUrl u;
  u.scheme = "ssh";
  std::string_view pre, path;
  size_t bracket = url.find('[');
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (bracket != std::string_view::npos && bracket < colon && (slash == std::string_view::npos || bracket < slash)) {
    // user@[v6]:path, or git's [user@host:port]:path
    size_t close = url.find(']', bracket);
    if (close == std::string_view::npos || close + 1 >= url.size() || url[close + 1] != ':') return u;
    path = url.substr(close + 2);
    std::string_view inside = url.substr(bracket + 1, close - bracket - 1);
    std::string_view user, hostport;
    if (bracket == 0) {
      split_userinfo(inside, user, hostport);
      if (auto v6 = normalise_ipv6(hostport)) {
        u.host = *v6;
      } else if (!parse_hostport(hostport, u)) {
        return u;
      }
    } else {
      if (url[bracket - 1] != '@') return u;
      user = url.substr(0, bracket - 1);
      auto v6 = normalise_ipv6(inside);
      if (!v6) v6 = normalise_name_host(inside);  // git strips the brackets of any host
      if (!v6) return u;
      u.host = *v6;
    }
    u.user = std::string(user);
  } else {
    if (colon == std::string_view::npos || (slash != std::string_view::npos && slash < colon)) return u;
    pre = url.substr(0, colon);
    path = url.substr(colon + 1);
    std::string_view user, host;
    split_userinfo(pre, user, host);
    bool dos_drive = host.size() == 1 && is_alpha(host[0]) && user.empty();
    if (dos_drive || url.find('\\') != std::string_view::npos) return u;
    auto h = normalise_name_host(host);
    if (!h) return u;
    u.host = *h;
    u.user = std::string(user);
  }
  auto p = normalise_path(path, false, false);  // git does not decode scp-like paths
  if (!p || p->empty()) return u;
  u.path = *p;
  u.valid = true;
  return u;
}

bool is_cloud_host(const RemoteUrl& u) {
  return u.host == kCloudHost || (u.scheme == "ssh" && u.host == kCloudAltSshHost);
}

bool is_http(const RemoteUrl& u) { return u.scheme == "http" || u.scheme == "https"; }

// A repository key names two real segments; ".." left in a home-relative scp-like path
// would make "../repo" look like a project.
std::string key_of(std::string_view a, std::string_view b) {
  if (a == ".." || b == "..") return {};
  return ascii_lower(std::string(a) + "/" + std::string(b));
}

// Cloud: the path is exactly owner/repo, after an optional base-path prefix (a Cloud
// integration pointed at a stand-in server below a path).
std::string cloud_key(const RemoteUrl& u, std::string_view prefix = {}) {
  if (!is_http(u) && u.scheme != "ssh") return {};
  auto segs = split_segments(u.path);
  auto pre = split_segments(prefix);
  if (is_http(u) && !pre.empty()) {
    if (segs.size() < pre.size() ||
        !std::equal(pre.begin(), pre.end(), segs.begin(), [](auto& a, auto& b) { return iequals(a, b); }))
      return {};
    segs.erase(segs.begin(), segs.begin() + long(pre.size()));
  }
  if (segs.size() != 2) return {};
  return key_of(segs[0], segs[1]);
}

std::string server_http_key(const std::vector<std::string>& segs) {
  size_t n = segs.size();
  if (n >= 3 && iequals(segs[n - 3], "scm")) return key_of(segs[n - 2], segs[n - 1]);
  for (size_t i = 0; i + 3 < n; ++i) {
    if (!iequals(segs[i + 2], "repos")) continue;
    if (iequals(segs[i], "projects")) return key_of(segs[i + 1], segs[i + 3]);
    if (iequals(segs[i], "users")) return key_of("~" + segs[i + 1], segs[i + 3]);
  }
  return {};
}

std::string server_key(const RemoteUrl& u) {
  auto segs = split_segments(u.path);
  if (is_http(u)) return server_http_key(segs);
  if (u.scheme == "ssh" && segs.size() == 2) return key_of(segs[0], segs[1]);
  return {};
}

std::string normalise_repository(std::string_view repo) {
  while (!repo.empty() && repo.front() == '/') repo.remove_prefix(1);
  while (!repo.empty() && repo.back() == '/') repo.remove_suffix(1);
  if (ends_with_git(repo)) repo.remove_suffix(4);
  return ascii_lower(repo);
}

// integration.url: scheme://host[:port][/context], path optional.
RemoteUrl parse_base_url(std::string_view url) {
  if (url.empty() || has_control_or_space(url)) return {};
  auto scheme = url_scheme(url);
  if (!scheme) return {};
  RemoteUrl u = parse_url_form(url, *scheme, true);
  return u.valid ? u : RemoteUrl{};
}

bool is_integration_source(const RemoteUrl& u, const IntegrationConfig& in) {
  std::string want = normalise_repository(in.repository);
  if (want.empty()) return false;
  bool cloud = in.type == BitbucketType::Cloud;
  RemoteUrl base = parse_base_url(in.url.empty() && cloud ? std::string_view(kCloudUrl) : in.url);
  if (!base.valid || base.host.empty()) return false;
  if (cloud) {
    bool host_ok = u.host == base.host || (u.scheme == "ssh" && base.host == kCloudHost && u.host == kCloudAltSshHost);
    if (!host_ok || !(is_http(u) || u.scheme == "ssh")) return false;
    return cloud_key(u, is_http(u) ? std::string_view(base.path) : std::string_view{}) == want;
  }
  if (u.host != base.host || !(is_http(u) || u.scheme == "ssh")) return false;
  return server_key(u) == want;
}

}  // namespace

RemoteUrl parse_remote_url(std::string_view url) {
  if (url.empty() || has_control_or_space(url)) return {};
  if (url.find("://") != std::string_view::npos) {
    auto scheme = url_scheme(url);
    if (!scheme) return {};
    RemoteUrl u = parse_url_form(url, *scheme, false);
    return u.valid ? u : RemoteUrl{};  // a half-filled result could mislead a caller
  }
  RemoteUrl u = parse_scp_form(url);
  return u.valid ? u : RemoteUrl{};
}

std::string bitbucket_repo_key(const RemoteUrl& u) {
  if (!u.valid) return {};
  if (is_cloud_host(u)) return cloud_key(u);
  return server_key(u);
}

const char* to_string(RemoteRole r) {
  switch (r) {
    case RemoteRole::Source:
      return "source";
    case RemoteRole::Mirror:
      return "mirror";
    case RemoteRole::Other:
      return "other";
  }
  return "other";
}

const std::vector<std::string>& default_mirror_patterns() {
  static const std::vector<std::string> patterns = {
      "git.*.platform.sh",
      "git.*.upsun.com",
      "git.*.platformsh.site",
      "git.*.magento.cloud",
  };
  return patterns;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher: on a mismatch, let the last '*' swallow one more character.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && lower_ascii(pattern[p]) == lower_ascii(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool mirror_belongs_to_project(const RemoteUrl& u, std::string_view project) {
  if (project.empty() || !u.valid) return false;
  auto starts = [&](const std::string& s) {
    return s.size() >= project.size() && iequals(s.substr(0, project.size()), project);
  };
  return starts(u.user) || starts(u.path);
}

namespace {

// What the URL alone says, ignoring the configured names.
RemoteRole role_by_url(const std::string& url, const RepoConfig& cfg) {
  RemoteUrl u = parse_remote_url(url);
  if (!u.valid) return RemoteRole::Other;
  if (is_integration_source(u, cfg.integration)) return RemoteRole::Source;
  const auto& patterns = cfg.remotes.mirror_patterns.empty() ? default_mirror_patterns() : cfg.remotes.mirror_patterns;
  for (const auto& pat : patterns)
    if (!u.host.empty() && glob_match(pat, u.host)) return RemoteRole::Mirror;
  return RemoteRole::Other;
}

}  // namespace

RemoteRole classify_remote(const std::string& name, const std::string& url, const RepoConfig& cfg) {
  const RemoteRole by_url = role_by_url(url, cfg);
  // .bbsot.yml is shared, but each clone names its remotes: a teammate whose `origin` is
  // the platform must still be stopped, so a URL recognised as the other role wins.
  if (by_url != RemoteRole::Other) return by_url;
  if (!cfg.remotes.source.empty() && name == cfg.remotes.source) return RemoteRole::Source;
  if (!cfg.remotes.mirror.empty() && name == cfg.remotes.mirror) return RemoteRole::Mirror;
  for (const auto& m : cfg.remotes.more_mirrors)
    if (name == m) return RemoteRole::Mirror;
  return RemoteRole::Other;
}

std::string redact_remote_url(std::string_view url) {
  std::string out(url);
  size_t sep = out.find("://");
  if (sep != std::string::npos) {
    size_t auth_start = sep + 3;
    // A ':' before the first '@' starts a password; it runs to the last '@' before any
    // query, since a password may hold an unencoded '/' or '@'. host:port/a@b is cut
    // too: redacting too much beats echoing part of a secret.
    size_t first_at = out.find('@', auth_start);
    size_t colon = out.find(':', auth_start);
    size_t query = out.find_first_of("?#", auth_start);
    size_t last_at = out.rfind('@', query);
    if (first_at != std::string::npos && colon < first_at && last_at < query) out.erase(colon, last_at - colon);
  }
  for (char& c : out)
    if (is_control_or_space(static_cast<unsigned char>(c)) && c != ' ') c = '?';
  return out;
}

}  // namespace bbsot
