// Which CA bundle verifies a TLS connection bbsot makes: the same answer git would use
// for that URL, so bbsot trusts exactly the servers git trusts.
#pragma once
#include <string>

#include "config/config.hpp"

namespace bbsot {

// The CA bundle for a URL: ca_file, else GIT_SSL_CAINFO, else git's http.sslCAInfo for
// that URL; empty: the system store.
[[nodiscard]] std::string ca_file_for(const UserConfig& cfg, const std::string& url);

}  // namespace bbsot
