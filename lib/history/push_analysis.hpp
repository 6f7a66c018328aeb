// What a push changed, worked out after it from the local object database (libgit2), in
// the detached deliverer where it costs the user nothing: the commits refs peel to,
// whether an update was forced, and up to five new commits per change, newest first, as
// Bitbucket lists them in its push webhooks (messages bounded by outbox/limits.hpp).
#pragma once
#include <string>
#include <vector>

#include "outbox/push_record.hpp"

namespace bbsot {

class GitRepo;

// Fills in new_commit/old_commit, forced, commits and truncated of each change. For a
// new branch, commits already on the remote (its tracking refs, refs/remotes/<remote>/*)
// are not new. Objects that are not here (gc'd, or the remote's tip never fetched)
// leave what depends on them out: an update whose old tip is unknown counts as forced.
void analyse_changes(const GitRepo& repo, std::vector<RefChange>& changes, const std::string& remote_name);

}  // namespace bbsot
