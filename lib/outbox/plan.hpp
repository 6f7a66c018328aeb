// What the integration will do with a pushed ref, in one line for the user, under the
// integration's options (docs/DESIGN.md "The integration model"). The pre-push hook prints it
// before the push goes out, from what it knows then: the hook's input and whether the
// remote's old tip is in this repository (commits are listed after the push, by the
// deliverer, where they cost the user nothing).
#pragma once
#include <string>

#include "config/config.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

[[nodiscard]] std::string describe_change(const RefChange& c, const IntegrationConfig& in);
// refs/heads/x -> x, refs/tags/v1 -> v1.
[[nodiscard]] std::string short_ref_name(const std::string& ref);

}  // namespace bbsot
