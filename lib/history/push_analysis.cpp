#include "history/push_analysis.hpp"

#include <git2.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "history/git_repo.hpp"
#include "outbox/limits.hpp"

namespace bbsot {

namespace {

// The commit an id names, peeling annotated tags; false when it is not here.
bool peel_commit(git_repository* repo, const std::string& id, git_oid* out) {
  git_oid oid;
  if (git_oid_fromstr(&oid, id.c_str()) != 0) return false;
  git_object* obj = nullptr;
  if (git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY) != 0) return false;
  git_object* peeled = nullptr;
  int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
  git_object_free(obj);
  if (rc != 0) return false;
  git_oid_cpy(out, git_object_id(peeled));
  git_object_free(peeled);
  return true;
}

CommitInfo commit_info(git_commit* c) {
  CommitInfo info;
  info.hash = git_oid_tostr_s(git_commit_id(c));
  const git_signature* a = git_commit_author(c);
  info.author_name = truncate_text(a->name ? a->name : "", kMaxPersonBytes);
  info.author_email = truncate_text(a->email ? a->email : "", kMaxPersonBytes);
  info.date = a->when.time;
  info.tz_offset_min = a->when.offset;
  info.message = truncate_text(git_commit_message(c) ? git_commit_message(c) : "", kMaxMessageBytes);
  for (unsigned i = 0; i < git_commit_parentcount(c); ++i)
    info.parents.push_back(git_oid_tostr_s(git_commit_parent_id(c, i)));
  return info;
}

// The tips of the remote's tracking refs, except those this push itself updated: the
// analysis runs after the push, when git has already moved them to the new tips.
std::vector<git_oid> remote_tips(git_repository* repo, const std::string& remote, const std::vector<RefChange>& changes) {
  std::vector<git_oid> out;
  if (remote.empty() || remote.find('/') != std::string::npos || remote.find(':') != std::string::npos) return out;
  std::set<std::string> pushed;
  for (const auto& c : changes)
    if (c.ref.starts_with("refs/heads/")) pushed.insert("refs/remotes/" + remote + "/" + c.ref.substr(11));
  const std::string prefix = "refs/remotes/" + remote + "/";
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo, (prefix + "*").c_str()) != 0) return out;
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it) == 0) {
    git_object* obj = nullptr;
    if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && pushed.count(git_reference_name(ref)) == 0 &&
        git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
      out.push_back(*git_object_id(obj));
      git_object_free(obj);
    }
    git_reference_free(ref);
  }
  git_reference_iterator_free(it);
  return out;
}

struct CommitList {
  std::vector<CommitInfo> commits;
  bool truncated = false;
};

// Newest first, at most five, plus whether there were more. For a new ref the commits
// already on the remote (`known`: its other tracking refs) are not new.
CommitList new_commits(git_repository* repo, const git_oid& tip, const git_oid* old, const std::vector<git_oid>& known) {
  CommitList out;
  git_revwalk* walk = nullptr;
  if (git_revwalk_new(&walk, repo) != 0) return out;
  git_revwalk_sorting(walk, GIT_SORT_TIME);
  git_revwalk_push(walk, &tip);
  if (old)
    git_revwalk_hide(walk, old);
  else
    for (const auto& k : known) git_revwalk_hide(walk, &k);
  git_oid oid;
  while (git_revwalk_next(&oid, walk) == 0) {
    if (out.commits.size() == kMaxCommitsPerChange) {
      out.truncated = true;
      break;
    }
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &oid) != 0) break;
    out.commits.push_back(commit_info(c));
    git_commit_free(c);
  }
  git_revwalk_free(walk);
  return out;
}

}  // namespace

void analyse_changes(const GitRepo& repo, std::vector<RefChange>& changes, const std::string& remote) {
  git_repository* r = repo.get();
  const std::vector<git_oid> known = remote_tips(r, remote, changes);
  std::map<std::string, CommitList> memo;  // a push of many refs to one commit walks once
  // Peeled commits by object id: most refs of a big push point at a few objects.
  std::unordered_map<std::string, std::pair<bool, git_oid>> peeled;
  auto peel = [&](const std::string& id, git_oid* result) {
    auto it = peeled.find(id);
    if (it == peeled.end()) {
      git_oid oid{};
      bool ok = peel_commit(r, id, &oid);
      it = peeled.emplace(id, std::make_pair(ok, oid)).first;
    }
    *result = it->second.second;
    return it->second.first;
  };
  for (auto& c : changes) {
    git_oid tip, old;
    const bool have_tip = !c.closed && !c.new_id.empty() && peel(c.new_id, &tip);
    const bool have_old = !c.created && !c.old_id.empty() && peel(c.old_id, &old);
    if (have_tip) c.new_commit = git_oid_tostr_s(&tip);
    if (have_old) c.old_commit = git_oid_tostr_s(&old);
    if (!c.created && !c.closed) {
      // Not provably a fast-forward (old unknown here, or not an ancestor): forced.
      c.forced = !have_old || !have_tip || (!git_oid_equal(&old, &tip) && git_graph_descendant_of(r, &tip, &old) != 1);
    }
    c.commits.clear();
    c.truncated = false;
    if (have_tip && !c.is_tag) {
      std::string key = c.new_id + (have_old ? ":" + c.old_id : ":");
      auto it = memo.find(key);
      if (it == memo.end()) it = memo.emplace(key, new_commits(r, tip, have_old ? &old : nullptr, known)).first;
      c.commits = it->second.commits;
      c.truncated = it->second.truncated;
    }
  }
}

}  // namespace bbsot
