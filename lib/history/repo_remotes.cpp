#include "history/repo_remotes.hpp"

#include <git2.h>

#include "history/git_repo.hpp"

namespace bbsot {

std::vector<NamedRemote> list_remotes(const GitRepo& repo, const RepoConfig& cfg) {
  std::vector<NamedRemote> out;
  git_strarray names = {nullptr, 0};
  if (git_remote_list(&names, repo.get()) != 0) return out;
  for (size_t i = 0; i < names.count; ++i) {
    git_remote* r = nullptr;
    if (git_remote_lookup(&r, repo.get(), names.strings[i]) != 0) continue;
    NamedRemote n;
    n.name = names.strings[i];
    const char* url = git_remote_pushurl(r) ? git_remote_pushurl(r) : git_remote_url(r);
    n.url = url ? url : "";
    n.role = classify_remote(n.name, n.url, cfg);
    out.push_back(std::move(n));
    git_remote_free(r);
  }
  git_strarray_dispose(&names);
  return out;
}

std::string remote_with_role(const std::vector<NamedRemote>& remotes, RemoteRole role) {
  for (const auto& r : remotes)
    if (r.role == role) return r.name;
  return "";
}

}  // namespace bbsot
