// The per-account OAuth token cache: ${XDG_CACHE_HOME:-~/.cache}/bbsot/token-<hash>.json,
// directory 0700, files 0600 written by rename. This is the only file a token may be
// written to. Reading it must stay cheap: it is the credential helper's hot path.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "config/config.hpp"

namespace bbsot {

struct CachedToken {
  std::string account_url;
  std::string access_token;
  std::string refresh_token;
  std::string scopes;
  int64_t expires_at = 0;  // epoch seconds
  int64_t obtained_at = 0;
};

// Tokens are handed out only while they have this long left, so git never starts a
// push with a token that expires halfway.
constexpr int64_t kTokenMarginSeconds = 120;

std::string token_cache_path(const Account& a);
std::string token_lock_path(const Account& a);
std::optional<CachedToken> read_cached_token(const std::string& path);
Status write_cached_token(const std::string& path, const CachedToken& t);
bool token_fresh(const CachedToken& t, int64_t now);
// Removes the cached token if it is `rejected` (the password git says failed), under
// the account's lock. Returns true when a token was removed.
Expected<bool> erase_cached_token(const Account& a, const std::string& rejected);

}  // namespace bbsot
