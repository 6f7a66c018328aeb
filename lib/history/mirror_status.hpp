// What the integration will do with each branch: the source's branches against the
// mirror's, both as the last fetch left them in refs/remotes/.
#pragma once
#include <string>
#include <vector>

#include "config/config.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

class GitRepo;

// NotCompared: there is no mirror remote, so nothing was compared (the last value).
enum class BranchState { InSync, MirrorBehind, MirrorDiverged, OnlyOnMirror, OnlyOnSource, NotCompared };
// in-sync, mirror-behind, mirror-diverged, only-on-mirror, only-on-source, not-compared
const char* to_string(BranchState s);

struct BranchStatus {
  std::string branch;
  BranchState state = BranchState::InSync;
  std::string source_id, mirror_id;
  std::vector<CommitInfo> mirror_only;  // commits only on the mirror (at most 10)
  size_t mirror_only_count = 0;
  std::string plan;  // one line: what the integration will do, per the configured options
};

// `mirror` empty: no mirror remote is known, so each plan says so instead of guessing.
std::vector<BranchStatus> compare_branches(const GitRepo& repo, const RepoConfig& cfg, const std::string& source,
                                           const std::string& mirror);

}  // namespace bbsot
