// Getting a Bitbucket Cloud access token for an account: from the cache while it is
// fresh, else from the OAuth endpoint under the account's lock, so however many gits ask
// at once, one request is made and the rest reuse its answer. Links libcurl: only the
// token program and `git bbsot` use it, never the credential helper's cache-hit path.
#pragma once
#include "config/config.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

// `force`: ignore a fresh cached token (git bbsot token --refresh).
Expected<CachedToken> obtain_token(const Account& a, const UserConfig& cfg, bool force = false);

}  // namespace bbsot
