// What every `git bbsot` command that works on a repository starts from: its
// directories and the clone's record (guard/clone_state.hpp), brought up to date with the
// team's .bbsot.yml on the source's default branch. Commands act on the record, never on
// the checked-out .bbsot.yml (docs/TRUST.md).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "guard/clone_state.hpp"

namespace bbsot {

struct RepoContext {
  std::string git_dir, common_dir, work_tree;  // work_tree "" for a bare repository
  std::optional<CloneState> state;             // nullopt: not set up by this bbsot
  std::string state_error;                     // the record exists but cannot be read
  RepoConfig cfg;                              // as_repo_config(*state), when there is one
  std::vector<std::string> team_notes;         // what following the team's file did now
};

// Throws ConfigError (exit 2) outside a repository. With `need_state`, also when the
// clone has no readable record, with the command that sets it up.
[[nodiscard]] RepoContext open_repo_context(const std::string& command, bool need_state);

// What following the team's file changed just now, printed to stderr.
void show_notices(const RepoContext& ctx);

}  // namespace bbsot
