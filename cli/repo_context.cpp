#include "cli/repo_context.hpp"

#include <iostream>

#include "base/error.hpp"
#include "base/files.hpp"
#include "guard/team_file.hpp"
#include "history/git_repo.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

RepoContext open_repo_context(const std::string& command, bool need_state) {
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot " + command + ": " + repo.error(), {"run it inside the repository"});
  RepoContext ctx;
  ctx.git_dir = repo->git_dir();
  ctx.common_dir = repo->common_dir();
  ctx.work_tree = repo->workdir();
  auto loaded = load_clone_state(ctx.common_dir);
  if (!loaded) {
    ctx.state_error = loaded.error();
  } else if (*loaded) {
    ctx.state = std::move(**loaded);
    auto u = refresh_clone_state(ctx.common_dir, *ctx.state);
    if (!u) {
      ctx.team_notes.push_back("cannot follow the team's .bbsot.yml: " + u.error());
    } else {
      ctx.team_notes = u->applied;
      if (!u->problem.empty()) ctx.team_notes.push_back(u->problem);
    }
    ctx.cfg = as_repo_config(*ctx.state);
  }
  if (need_state && !ctx.state) {
    if (!ctx.state_error.empty())
      throw ConfigError("git bbsot " + command + ": " + ctx.state_error, {"run: git bbsot init   (it writes the record again)"});
    throw ConfigError("git bbsot " + command + ": this clone is not set up by bbsot",
                      {"run: git bbsot init   (it records which remote is the source and which the mirror, and "
                       "where reports go)"});
  }
  return ctx;
}

// The outbox's one-time notices (a report rejected, ...) are the next push's to show:
// commands list the records themselves.
void show_notices(const RepoContext& ctx) {
  for (const auto& n : ctx.team_notes) std::cerr << "bbsot: " << n << "\n";
}

}  // namespace bbsot
