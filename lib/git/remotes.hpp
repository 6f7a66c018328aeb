// The repository's remotes and the role of each (source, mirror, other), read with
// `git config` rather than libgit2: the CLI and the hook's refusal path need them, and
// neither should pay for libgit2's start-up.
#pragma once
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/config.hpp"
#include "git/remote_url.hpp"

namespace bbsot {

struct NamedRemote {
  std::string name;
  std::string url;  // push URL when one is set, as that is where a push goes
  RemoteRole role = RemoteRole::Other;
};

// Remotes in the order git's config lists them. `git_dir`: the repository's git dir.
[[nodiscard]] Expected<std::vector<NamedRemote>> list_remotes(const std::string& git_dir, const RepoConfig& cfg);
// The first remote with `role`, or "" when there is none.
[[nodiscard]] std::string remote_with_role(const std::vector<NamedRemote>& remotes, RemoteRole role);

}  // namespace bbsot
