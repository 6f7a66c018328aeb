// http(s) URLs normalised, so that "is this URL inside that one" is answered on what the
// server will see, not on spelling.
//
// Security rule built on this (docs/TRUST.md): a credential goes only to a URL inside the
// URL it was configured for, compared after normalisation: scheme and host lower-cased,
// default ports dropped, path segments percent-decoded and "." / ".." resolved. A URL
// that cannot be normalised safely (userinfo, a fragment, an encoded '/', a control
// character, a ".." above the root, a backslash) is refused, never guessed at.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

struct WebUrl {
  std::string scheme;                 // "https" or "http"
  std::string host;                   // lower-cased; an IPv6 address keeps its brackets
  int port = 0;                       // 0: the scheme's default
  std::vector<std::string> segments;  // decoded, dot segments resolved, no empty ones
  std::string query;                  // as given, without the '?'; "" when none

  std::string origin() const;  // scheme://host[:port]
  // The normalised URL: origin, each segment percent-encoded again, the query.
  std::string str() const;
};

// Parses and normalises an http(s) URL. Failure: one line naming what is wrong.
[[nodiscard]] Expected<WebUrl> parse_web_url(std::string_view url);

// Whether `target` lies inside `base`: same scheme, host and port, and base's path
// segments a prefix of target's (whole segments; the query is not compared).
[[nodiscard]] bool url_within(const WebUrl& base, const WebUrl& target);
// The same on strings; false when either does not parse.
[[nodiscard]] bool url_within(std::string_view base, std::string_view target);

// Resolves "." and ".." in already split path segments; false when ".." would climb
// above the first segment.
[[nodiscard]] bool resolve_dot_segments(std::vector<std::string>& segments);

// Where bbsot sends reports and tokens: https, or plain http to this machine only.
// True for an http:// URL whose host is this machine (127.0.0.0/8, [::1], localhost).
[[nodiscard]] bool loopback_http(const std::string& url);

// Why bbsot will not send to this URL (it must be https, or http to loopback), or "".
[[nodiscard]] std::string endpoint_url_problem(const std::string& url);

}  // namespace bbsot
