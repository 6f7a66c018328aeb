#include "history/push_analysis.hpp"

#include <git2.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "history/git_repo.hpp"

namespace bbsot {

namespace {

bool hex_id(std::string_view s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string short_name(const std::string& ref) {
  for (const char* p : {"refs/heads/", "refs/tags/"})
    if (ref.starts_with(p)) return ref.substr(std::char_traits<char>::length(p));
  return ref;
}

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
  info.author_name = a->name ? a->name : "";
  info.author_email = a->email ? a->email : "";
  info.date = a->when.time;
  info.tz_offset_min = a->when.offset;
  info.message = git_commit_message(c) ? git_commit_message(c) : "";
  for (unsigned i = 0; i < git_commit_parentcount(c); ++i)
    info.parents.push_back(git_oid_tostr_s(git_commit_parent_id(c, i)));
  return info;
}

struct CommitList {
  std::vector<CommitInfo> commits;
  bool truncated = false;
};

// Newest first, at most five, plus whether there were more. For a new ref the commits
// already on the remote (its tracking refs) are not new.
CommitList new_commits(git_repository* repo, const git_oid& tip, const git_oid* old, const std::string& remote) {
  CommitList out;
  git_revwalk* walk = nullptr;
  if (git_revwalk_new(&walk, repo) != 0) return out;
  git_revwalk_sorting(walk, GIT_SORT_TIME);
  git_revwalk_push(walk, &tip);
  if (old)
    git_revwalk_hide(walk, old);
  else if (!remote.empty())
    git_revwalk_hide_glob(walk, ("refs/remotes/" + remote + "/*").c_str());
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

bool is_null_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c == '0'; });
}

std::vector<PushLine> parse_push_lines(const std::string& text, std::vector<std::string>* warnings) {
  std::vector<PushLine> out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  size_t pos = 0, lineno = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++lineno;
    if (line.empty()) continue;
    PushLine p;
    std::string_view* fields[] = {&p.local_ref, &p.local_id, &p.remote_ref, &p.remote_id};
    size_t n = 0, start = 0;
    for (; n < 4 && start <= line.size(); ++n) {
      size_t sp = n < 3 ? line.find(' ', start) : line.size();
      if (sp == std::string_view::npos) break;
      *fields[n] = line.substr(start, sp - start);
      start = sp + 1;
    }
    if (n != 4 || !hex_id(p.local_id) || !hex_id(p.remote_id) || !p.remote_ref.starts_with("refs/") ||
        p.remote_ref.find_first_of(" \t\r") != std::string::npos) {
      if (warnings) warnings->push_back("ignoring malformed pre-push line " + std::to_string(lineno));
      continue;
    }
    out.push_back(p);
  }
  return out;
}

std::vector<RefChange> analyse_push(const GitRepo& repo, const std::vector<PushLine>& lines,
                                    const std::string& remote) {
  std::vector<RefChange> out;
  out.reserve(lines.size());
  git_repository* r = repo.get();
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
  for (const auto& l : lines) {
    RefChange c;
    c.ref = std::string(l.remote_ref);
    if (!c.ref.starts_with("refs/heads/") && !c.ref.starts_with("refs/tags/")) continue;
    c.is_tag = c.ref.starts_with("refs/tags/");
    c.created = is_null_id(l.remote_id);
    c.closed = is_null_id(l.local_id);
    c.old_id = c.created ? std::string() : std::string(l.remote_id);
    c.new_id = c.closed ? std::string() : std::string(l.local_id);
    git_oid tip, old;
    const bool have_tip = !c.closed && peel(c.new_id, &tip);
    const bool have_old = !c.created && peel(c.old_id, &old);
    if (have_tip) c.new_commit = git_oid_tostr_s(&tip);
    if (have_old) c.old_commit = git_oid_tostr_s(&old);
    if (!c.created && !c.closed) {
      // Not provably a fast-forward (old unknown here, or not an ancestor): forced.
      c.forced = !have_old || !have_tip || (!git_oid_equal(&old, &tip) && git_graph_descendant_of(r, &tip, &old) != 1);
    }
    if (have_tip && !c.is_tag) {
      std::string key = c.new_id + (have_old ? ":" + c.old_id : ":");
      auto it = memo.find(key);
      if (it == memo.end()) it = memo.emplace(key, new_commits(r, tip, have_old ? &old : nullptr, remote)).first;
      c.commits = it->second.commits;
      c.truncated = it->second.truncated;
    }
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// Deleting a branch on Bitbucket removes the platform's branch only when pruning is on.
std::string describe_deletion(const std::string& name, const IntegrationConfig& in) {
  if (name == in.default_branch)
    return name + ": default branch deleted on Bitbucket; the integration does not delete the production environment";
  if (in.prune_branches) return name + ": branch deleted on Bitbucket; the integration will delete its environment";
  return name + ": branch deleted on Bitbucket; the platform keeps its branch and environment (prune_branches is off)";
}

// The default branch is the production (parent) environment, never a new child of itself.
std::string describe_creation(const std::string& name, const IntegrationConfig& in) {
  if (name == in.default_branch)
    return name + ": new default branch; the integration will build the production environment from it";
  return name + ": new branch; the integration will create an inactive environment with " + in.default_branch +
         " as its parent";
}

}  // namespace

std::string describe_change(const RefChange& c, const IntegrationConfig& in) {
  const std::string name = short_name(c.ref);
  if (c.is_tag) return "tag " + name + (c.closed ? " deleted" : " pushed") + ": no environment changes";
  // Without fetch_branches the integration keeps only the default branch in sync.
  const bool mirrored = in.fetch_branches || name == in.default_branch;
  if (!mirrored) return name + ": not mirrored by the integration (fetch_branches is off)";
  if (c.closed) return describe_deletion(name, in);
  if (c.created) return describe_creation(name, in);
  std::string n = std::to_string(c.commits.size()) + (c.truncated ? "+" : "");
  if (c.forced) return name + ": forced update; the integration will rebuild its environment";
  return name + ": " + n + " new commit" + (n == "1" ? "" : "s") + "; the integration will rebuild its environment";
}

}  // namespace bbsot
