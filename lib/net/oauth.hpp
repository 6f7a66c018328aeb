// Bitbucket Cloud's OAuth 2.0 token endpoint (RFC 6749 as Bitbucket implements it):
// client_credentials with the consumer key/secret as HTTP Basic, refresh_token when a
// refresh token is held; form-encoded bodies; JSON answers with `error` and
// `error_description` on failure.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// Turns the endpoint's answer into a token, or one line saying what went wrong (the
// endpoint's own `error`/`error_description` when it sent them). Never quotes a token.
Expected<CachedToken> parse_token_response(long status, const std::string& body, int64_t now);

}  // namespace bbsot
