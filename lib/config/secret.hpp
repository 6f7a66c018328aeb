// Secret references (SecretRef) turned into secrets: a literal from the user file, the
// output of a command the user configured, or an environment variable. Only values from
// the user's own files reach here (see docs/TRUST.md): a committed file names no secret.
#pragma once
#include <string>

#include "base/error.hpp"
#include "config/config.hpp"

namespace bbsot {

// Resolves a secret: literal, `sh -c command` stdout, or environment variable. `what`
// names it in messages ("consumer secret of account https://bitbucket.org/acme").
// Never puts the secret in a message.
[[nodiscard]] Expected<std::string> resolve_secret(const SecretRef& ref, const std::string& what);

}  // namespace bbsot
