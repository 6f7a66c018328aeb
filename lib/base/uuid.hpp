// Random identifiers: push report ids, which are also the request ids Bitbucket-style
// receivers use to drop duplicates, so two records must never share one.
#pragma once
#include <string>

#include "base/error.hpp"

namespace bbsot {

// A random version-4 UUID from the kernel's random source (getrandom). Fails, rather than
// returning a predictable id, when no random bytes can be had.
[[nodiscard]] Expected<std::string> new_uuid();

}  // namespace bbsot
