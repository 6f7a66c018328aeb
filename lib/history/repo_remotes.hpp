// The repository's configured remotes and which of them is the source or the mirror.
#pragma once
#include <string>
#include <vector>

#include "config/config.hpp"
#include "git/remote_url.hpp"

namespace bbsot {

class GitRepo;

struct NamedRemote {
  std::string name;
  std::string url;  // push URL when one is set, as that is where a push goes
  RemoteRole role = RemoteRole::Other;
};

std::vector<NamedRemote> list_remotes(const GitRepo& repo, const RepoConfig& cfg);
// The first remote with `role`, or "" when there is none.
std::string remote_with_role(const std::vector<NamedRemote>& remotes, RemoteRole role);

}  // namespace bbsot
