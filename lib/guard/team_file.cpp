#include "guard/team_file.hpp"

#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/hardening.hpp"
#include "base/process.hpp"
#include "git/git_dir.hpp"

namespace bbsot {

namespace {

std::string lock_path(const std::string& common_dir) { return join_path(common_dir, "bbsot/clone.lock"); }

}  // namespace

Expected<std::optional<std::string>> team_file_at(const std::string& common_dir, const std::string& commit) {
  using E = Expected<std::optional<std::string>>;
  ProcessOptions opts;
  opts.timeout_ms = 10000;
  opts.max_output = 1 << 20;
  auto r = run_process({"git", "--git-dir=" + common_dir, "cat-file", "-e", commit + ":" + kRepoConfigName}, opts);
  if (!r) return E::failure(r.error());
  if (r->exit_code != 0) return std::optional<std::string>();
  r = run_process({"git", "--git-dir=" + common_dir, "cat-file", "blob", commit + ":" + kRepoConfigName}, opts);
  if (!r) return E::failure(r.error());
  if (r->exit_code != 0) return E::failure("git cat-file could not read " + std::string(kRepoConfigName) + " at " + commit);
  return std::optional<std::string>(r->out);
}

Status update_clone_state(const std::string& common_dir,
                          const std::function<std::optional<CloneState>(std::optional<CloneState>)>& change) {
  auto d = ensure_private_dir(join_path(common_dir, "bbsot"), "bbsot's directory in the repository");
  if (!d) return d;
  auto lock = FileLock::acquire(lock_path(common_dir), 30000);
  if (!lock) return Status::failure(lock.error());
  auto cur = load_clone_state(common_dir);
  if (!cur) return Status::failure(cur.error());
  auto next = change(std::move(*cur));
  if (!next) return ok_status();
  return save_clone_state(common_dir, *next);
}

Expected<TeamUpdate> refresh_clone_state(const std::string& common_dir, CloneState& state) {
  using E = Expected<TeamUpdate>;
  TeamUpdate u;
  if (state.team_ref.empty()) return u;
  auto commit = RefReader(common_dir).id(state.team_ref);
  if (!commit || *commit == state.team_commit) return u;
  u.moved = true;
  auto text = team_file_at(common_dir, *commit);
  if (!text) return E::failure(text.error());
  std::optional<RepoConfig> team;
  const std::string where = state.team_ref + " (" + commit->substr(0, 12) + ")";
  if (!*text) {
    u.problem = "the team's " + std::string(kRepoConfigName) + " is missing on " + where + "; the guard stays as recorded";
  } else {
    try {
      team = parse_repo_config(**text, std::string(kRepoConfigName) + " on " + where);
    } catch (const ConfigError& e) {
      u.problem = std::string(e.what()) + "; the guard stays as recorded";
    }
  }
  const std::string new_commit = *commit;
  auto s = update_clone_state(common_dir, [&](std::optional<CloneState> cur) -> std::optional<CloneState> {
    if (!cur) return std::nullopt;  // removed meanwhile (uninstall): nothing to follow
    FollowResult f = team ? follow_team_file(*cur, *team, new_commit) : note_team_problem(*cur, new_commit, u.problem);
    u.applied = f.applied;
    u.pending = cur->pending.notes;
    state = *cur;
    if (!f.changed) return std::nullopt;
    return cur;
  });
  if (!s) return E::failure(s.error());
  return u;
}

}  // namespace bbsot
