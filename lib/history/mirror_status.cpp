#include "history/mirror_status.hpp"

#include <git2.h>

#include <map>

#include "history/git_repo.hpp"

namespace bbsot {

const char* to_string(BranchState s) {
  switch (s) {
    case BranchState::InSync:
      return "in-sync";
    case BranchState::MirrorBehind:
      return "mirror-behind";
    case BranchState::MirrorDiverged:
      return "mirror-diverged";
    case BranchState::OnlyOnMirror:
      return "only-on-mirror";
    case BranchState::OnlyOnSource:
      return "only-on-source";
    case BranchState::NotCompared:
      return "not-compared";
  }
  return "in-sync";
}

namespace {

std::map<std::string, std::string> tracking_branches(git_repository* repo, const std::string& remote) {
  std::map<std::string, std::string> out;
  const std::string prefix = "refs/remotes/" + remote + "/";
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo, (prefix + "*").c_str()) != 0) return out;
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it) == 0) {
    const std::string name = git_reference_name(ref);
    git_object* obj = nullptr;
    if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && name != prefix + "HEAD" &&
        git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
      out[name.substr(prefix.size())] = git_oid_tostr_s(git_object_id(obj));
      git_object_free(obj);
    }
    git_reference_free(ref);
  }
  git_reference_iterator_free(it);
  return out;
}

void mirror_only_commits(git_repository* repo, BranchStatus& b) {
  git_oid m, s;
  git_oid_fromstr(&m, b.mirror_id.c_str());
  git_oid_fromstr(&s, b.source_id.c_str());
  git_revwalk* walk = nullptr;
  if (git_revwalk_new(&walk, repo) != 0) return;
  git_revwalk_sorting(walk, GIT_SORT_TIME);
  git_revwalk_push(walk, &m);
  git_revwalk_hide(walk, &s);
  git_oid oid;
  while (git_revwalk_next(&oid, walk) == 0) {
    if (++b.mirror_only_count > 10) continue;
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &oid) != 0) continue;
    CommitInfo info;
    info.hash = git_oid_tostr_s(&oid);
    info.author_name = git_commit_author(c)->name;
    info.date = git_commit_author(c)->when.time;
    info.message = git_commit_summary(c) ? git_commit_summary(c) : "";
    b.mirror_only.push_back(std::move(info));
    git_commit_free(c);
  }
  git_revwalk_free(walk);
}

// Without a mirror remote nothing was compared, so no per-branch plan can be known.
constexpr const char* kNoMirrorPlan =
    "no mirror remote to compare with; add one: git bbsot init --mirror-remote NAME=URL";

// The default branch is the production (parent) environment: never a new inactive child,
// never pruned by the integration.
std::string default_branch_plan(const BranchStatus& b) {
  switch (b.state) {
    case BranchState::OnlyOnSource:
      return "only on Bitbucket: the default branch; the integration will mirror it to the production environment";
    case BranchState::OnlyOnMirror:
      return "only on the mirror: the default branch is missing on Bitbucket; push it there";
    default:
      return "";
  }
}

// fetch_branches off: the integration neither creates nor updates this branch on the
// platform, and prune_branches is forced off with it.
std::string unmirrored_plan(const BranchStatus& b) {
  switch (b.state) {
    case BranchState::InSync:
      return "in sync (not mirrored: fetch_branches is off)";
    case BranchState::MirrorBehind:
      return "mirror behind: not updated (fetch_branches is off)";
    case BranchState::MirrorDiverged:
      return "mirror diverged: " + std::to_string(b.mirror_only_count) +
             " commit(s) only on the mirror; kept (fetch_branches is off)";
    case BranchState::OnlyOnMirror:
      return "only on the mirror (fetch_branches is off: kept)";
    case BranchState::OnlyOnSource:
      return "only on Bitbucket: not mirrored (fetch_branches is off)";
    case BranchState::NotCompared:
      return kNoMirrorPlan;
  }
  return "";
}

std::string mirrored_plan(const BranchStatus& b, const IntegrationConfig& in) {
  switch (b.state) {
    case BranchState::InSync:
      return "in sync";
    case BranchState::MirrorBehind:
      return "mirror behind: the integration will update it";
    case BranchState::MirrorDiverged:
      return "mirror diverged: " + std::to_string(b.mirror_only_count) +
             " commit(s) only on the mirror will be overwritten at the next sync";
    case BranchState::OnlyOnMirror:
      return in.prune_branches ? "only on the mirror: will be pruned (create it on Bitbucket to keep it)"
                               : "only on the mirror (prune_branches is off: kept)";
    case BranchState::OnlyOnSource:
      return "only on Bitbucket: the integration will create an inactive environment, parent " + in.default_branch;
    case BranchState::NotCompared:
      return kNoMirrorPlan;
  }
  return "";
}

std::string plan_for(const BranchStatus& b, const IntegrationConfig& in, bool have_mirror) {
  if (!have_mirror) return kNoMirrorPlan;
  const bool is_default = b.branch == in.default_branch;
  if (is_default) {
    std::string p = default_branch_plan(b);
    if (!p.empty()) return p;
  }
  // Without fetch_branches the integration keeps only the default branch in sync.
  if (!in.fetch_branches && !is_default) return unmirrored_plan(b);
  return mirrored_plan(b, in);
}

}  // namespace

std::vector<BranchStatus> compare_branches(const GitRepo& repo, const RepoConfig& cfg, const std::string& source,
                                           const std::string& mirror) {
  git_repository* r = repo.get();
  auto src = tracking_branches(r, source);
  auto mir = mirror.empty() ? std::map<std::string, std::string>{} : tracking_branches(r, mirror);
  std::map<std::string, BranchStatus> all;
  for (const auto& [name, id] : src) all[name].source_id = id;
  for (const auto& [name, id] : mir) all[name].mirror_id = id;
  std::vector<BranchStatus> out;
  for (auto& [name, b] : all) {
    b.branch = name;
    if (mirror.empty())
      b.state = BranchState::NotCompared;
    else if (b.mirror_id.empty())
      b.state = BranchState::OnlyOnSource;
    else if (b.source_id.empty())
      b.state = BranchState::OnlyOnMirror;
    else if (b.mirror_id == b.source_id)
      b.state = BranchState::InSync;
    else {
      git_oid m, s;
      git_oid_fromstr(&m, b.mirror_id.c_str());
      git_oid_fromstr(&s, b.source_id.c_str());
      b.state = git_graph_descendant_of(r, &s, &m) == 1 ? BranchState::MirrorBehind : BranchState::MirrorDiverged;
      if (b.state == BranchState::MirrorDiverged) mirror_only_commits(r, b);
    }
    b.plan = plan_for(b, cfg.integration, !mirror.empty());
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace bbsot
