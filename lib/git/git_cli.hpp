// Running git itself for what it does best from the outside (config writes, rev-parse,
// fetch, push): argv only, no shell, the caller's environment.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/process.hpp"

namespace bbsot {

// git <args> in `cwd` (""=current); output captured. Fails only when git cannot start.
// (Not [[nodiscard]] yet: cmd_init still drops some results; issue 14.)
Expected<ProcessResult> git_run(const std::vector<std::string>& args, const std::string& cwd = "",
                                int timeout_ms = 120000);

// Trimmed stdout of git <args> when it exits 0; otherwise a failure naming the command
// and git's first line of stderr (git could not start, was killed, or exited non-zero).
[[nodiscard]] Expected<std::string> git_output(const std::vector<std::string>& args, const std::string& cwd = "");

// For the git commands whose exit code 1 means "there is no such thing" and nothing else:
// `config --get`, `rev-parse --verify --quiet`, `symbolic-ref --quiet`. Trimmed stdout
// on 0, std::nullopt on 1, a failure otherwise (git could not run, not a repository, a
// broken config file), so an absent value is never mistaken for a git that failed.
[[nodiscard]] Expected<std::optional<std::string>> git_lookup(const std::vector<std::string>& args,
                                                              const std::string& cwd = "");
// `git config --get key`: its value, std::nullopt when unset, a failure when git fails.
[[nodiscard]] Expected<std::optional<std::string>> git_config_get(const std::string& key, const std::string& cwd = "");
// Whether `ref` names an object (`git rev-parse --verify --quiet`); a failure when git fails.
[[nodiscard]] Expected<bool> git_ref_exists(const std::string& ref, const std::string& cwd = "");

// Older contract, kept for the call sites not yet converted: the trimmed stdout of a
// git command that exited 0, and "" in every other case: a value that is empty or unset,
// a ref that does not exist, AND git failing to run or exiting with an error all look
// the same. Do not use it where those must be told apart; use git_output, git_lookup,
// git_config_get or git_ref_exists instead.
std::string git_out(const std::vector<std::string>& args, const std::string& cwd = "");

}  // namespace bbsot
