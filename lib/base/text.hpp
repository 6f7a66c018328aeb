// Small ASCII string helpers shared by the URL, account, webhook and REST API code. They
// are locale-free on purpose: they handle host names, protocol tokens and URL paths, whose
// case rules are ASCII whatever the user's locale says.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bbsot {

std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);

// "https://x/a//" -> "https://x/a"
std::string strip_trailing_slashes(std::string s);

// Percent-encodes every byte but RFC 3986's unreserved characters and those in `keep`
// (e.g. "/" for a path whose slashes are meant).
std::string percent_encode(std::string_view s, std::string_view keep = "");

// Server-provided text for one terminal line: printable ASCII (anything else becomes '?'),
// at most `max` characters and then "...".
std::string printable_text(std::string_view s, size_t max = 200);

// FNV-1a, 64 bits: stable file names from keys without loading a crypto library.
uint64_t fnv1a_64(std::string_view s);

// The nearest of `known` to `word` by edit distance (a swapped pair of letters is one
// typo), if close enough to be a likely typo: git's "did you mean" for unknown config keys
// and subcommands.
[[nodiscard]] std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& known);

}  // namespace bbsot
