// Running git itself for what it does best from the outside (config writes, rev-parse,
// fetch, push): argv only, no shell, the caller's environment.
#pragma once
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/process.hpp"

namespace bbsot {

// git <args> in `cwd` (""=current); output captured. Fails only when git cannot start.
Expected<ProcessResult> git_run(const std::vector<std::string>& args, const std::string& cwd = "",
                                int timeout_ms = 120000);
// Trimmed stdout of a successful git command, or "" when it failed.
std::string git_out(const std::vector<std::string>& args, const std::string& cwd = "");

}  // namespace bbsot
