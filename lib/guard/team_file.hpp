// Keeping a clone's record (clone_state.hpp) in step with the team's .bbsot.yml as it
// stands on the source's default branch, refs/remotes/<source>/<default_branch>: the
// copy every teammate sees after a fetch, unlike whatever branch or pull request is
// checked out here.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "guard/clone_state.hpp"

namespace bbsot {

struct TeamUpdate {
  bool moved = false;                // the ref moved since the record last read it
  std::vector<std::string> applied;  // what changed at once, one line each
  std::vector<std::string> pending;  // what waits for `git bbsot approve`
  std::string problem;               // why the file at the new commit could not be followed
};

// Cheap when nothing moved (one ref read). Otherwise reads the file at the ref's commit
// (git cat-file), follows it (follow_team_file) and saves the record; `state` is updated
// in place. A missing or broken file loosens nothing: the problem is recorded.
[[nodiscard]] Expected<TeamUpdate> refresh_clone_state(const std::string& common_dir, CloneState& state);

// Read-modify-write of the record under <common>/bbsot/clone.lock, so a hook following
// the team's file and `git bbsot approve` never undo each other. `change` gets the record
// as it is on disk (nullopt when there is none) and returns the one to save, or nullopt
// to save nothing.
[[nodiscard]] Status update_clone_state(
    const std::string& common_dir,
    const std::function<std::optional<CloneState>(std::optional<CloneState>)>& change);

// The team's .bbsot.yml at `commit` of the repository at `common_dir`; nullopt when the
// commit has no such file.
[[nodiscard]] Expected<std::optional<std::string>> team_file_at(const std::string& common_dir, const std::string& commit);

}  // namespace bbsot
