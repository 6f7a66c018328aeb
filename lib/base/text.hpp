// Small ASCII string helpers shared by the URL, account, webhook and REST API code. They
// are locale-free on purpose: they handle host names, protocol tokens and URL paths, whose
// case rules are ASCII whatever the user's locale says.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace bbsot {

std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);

// "https://x/a//" -> "https://x/a"
std::string strip_trailing_slashes(std::string s);

// Percent-encodes every byte but RFC 3986's unreserved characters and those in `keep`
// (e.g. "/" for a path whose slashes are meant).
std::string percent_encode(std::string_view s, std::string_view keep = "");

// FNV-1a, 64 bits: stable file names from keys without loading a crypto library.
uint64_t fnv1a_64(std::string_view s);

}  // namespace bbsot
