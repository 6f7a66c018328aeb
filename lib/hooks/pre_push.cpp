#include "hooks/pre_push.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>

#include "base/atomic_file.hpp"
#include "base/clock.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "base/uuid.hpp"
#include "config/config.hpp"
#include "git/remote_url.hpp"
#include "history/git_repo.hpp"
#include "history/push_analysis.hpp"
#include "history/repo_remotes.hpp"
#include "hooks/chain.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

constexpr size_t kMaxLinesShown = 20;

bool env_flag(const char* name) {
  auto v = getenv_str(name);
  return v && *v != "0" && *v != "false";
}

std::vector<std::string> pushed_branches(const std::vector<PushLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.remote_ref.starts_with("refs/heads/") && !is_null_id(l.local_id)) out.emplace_back(l.remote_ref.substr(11));
  return out;
}

int refuse_mirror(const std::string& remote, const RepoConfig& cfg, const std::string& source,
                  const std::vector<PushLine>& lines) {
  const auto& in = cfg.integration;
  std::string branches;
  for (const auto& b : pushed_branches(lines)) branches += " " + b;
  if (branches.empty()) branches = " <branch>";
  const std::string target = source.empty() ? in.url + "/" + in.repository : source;
  std::cerr
      << "bbsot: refusing to push to '" << remote << "': it is the platform's mirror of Bitbucket (" << in.repository
      << ").\n"
      << "bbsot: The integration overwrites the mirror from Bitbucket at the next sync, so this push would be lost";
  if (in.prune_branches) std::cerr << ",\nbbsot: and a branch that exists only on the mirror is pruned shortly after";
  std::cerr << ".\nbbsot: Push to Bitbucket instead; the integration then updates the mirror and the environment:\n"
            << "bbsot:     git push " << target << branches << "\n"
            << "bbsot: (to push to the mirror anyway: BBSOT_ALLOW_MIRROR_PUSH=1 git push " << remote << " ...)\n";
  return kExitFailed;
}

void print_plan(const std::vector<RefChange>& changes, const IntegrationConfig& in) {
  size_t shown = 0;
  for (const auto& c : changes) {
    if (shown++ == kMaxLinesShown) {
      std::cerr << "bbsot: ... and " << changes.size() - kMaxLinesShown << " more refs\n";
      break;
    }
    std::cerr << "bbsot: " << describe_change(c, in) << "\n";
  }
}

// The `git push` process this hook serves: our parent when git runs the hook, further up
// when a hook manager (pre-commit, lefthook, husky, `git bbsot hook`) sits in between.
// The watcher waits for it to end before checking what nothing confirmed.
int64_t pusher_pid() {
  pid_t pid = ::getppid();
  for (int depth = 0; depth < 8 && pid > 1; ++depth) {
    auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline", 1 << 16);
    if (!cmdline) break;
    std::vector<std::string> argv;
    for (size_t pos = 0; pos < cmdline->size();) {
      size_t end = cmdline->find('\0', pos);
      if (end == std::string::npos) end = cmdline->size();
      argv.push_back(cmdline->substr(pos, end - pos));
      pos = end + 1;
    }
    if (!argv.empty() && (basename_of(argv[0]) == "git" || basename_of(argv[0]) == "git-push") &&
        std::find(argv.begin(), argv.end(), "push") != argv.end())
      return pid;
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!stat) break;
    auto close = stat->rfind(')');  // the command name may contain spaces and parentheses
    if (close == std::string::npos) break;
    char* end = nullptr;
    long ppid = std::strtol(stat->c_str() + close + 4, &end, 10);
    if (end == stat->c_str() + close + 4 || ppid <= 0) break;
    pid = static_cast<pid_t>(ppid);
  }
  return ::getppid();
}

Status record_push(const GitRepo& repo, const RepoConfig& cfg, const std::string& remote, const std::string& url,
                   std::vector<RefChange> changes) {
  PushRecord r;
  auto id = new_uuid();
  if (!id) return Status::failure(id.error());
  r.id = *id;
  r.created = now_epoch();
  r.remote = remote;
  r.remote_url = redact_remote_url(url);
  r.git_dir = repo.git_dir();
  r.config_path = cfg.path;
  r.pusher_pid = pusher_pid();
  r.actor_name = repo.config_string("user.name");
  r.actor_email = repo.config_string("user.email");
  r.changes = std::move(changes);
  Outbox box(repo.common_dir());
  auto w = box.write(r);
  if (!w) return w;
  // Arms the reference-transaction hook for this worktree; it costs one stat until then.
  auto m = write_file_atomic(armed_marker_path(r.git_dir), std::to_string(r.pusher_pid) + "\n", 0644);
  if (!m) return m;
  trace("pre-push: recorded " + r.id + " (" + std::to_string(r.changes.size()) + " refs)");
  // Watches for the end of this push: confirms what the tracking refs could not (tags,
  // pushes to a URL) against the remote and delivers. Detached: the push does not wait.
  return spawn_detached({join_path(libexec_dir(), "bbsot-deliver"), "watch", r.git_dir, r.id});
}

// git runs hooks at the top of the work tree (GIT_WORK_TREE when set): .bbsot.yml is
// found there without starting libgit2, so a repository without bbsot pays nothing more.
std::string config_path() {
  if (auto wt = getenv_str("GIT_WORK_TREE")) return join_path(*wt, kRepoConfigName);
  return kRepoConfigName;
}

// bbsot's part of the hook. Returns an exit code to stop the push with, or -1 to go on.
int check_push(const std::vector<std::string>& args, const std::string& stdin_data) {
  const std::string remote = args.size() > 0 ? args[0] : "";
  const std::string url = args.size() > 1 ? args[1] : "";
  const std::string cfg_path = config_path();
  if (!path_exists(cfg_path)) return -1;  // bbsot is not set up here
  RepoConfig cfg;
  try {
    cfg = load_repo_config(cfg_path);
    char abs[PATH_MAX];
    if (::realpath(cfg_path.c_str(), abs)) cfg.path = abs;  // the detached deliverer reads it later
  } catch (const ConfigError& e) {
    print_warning(std::string("bbsot: ") + e.what() + "; this push is not checked");
    for (const auto& h : e.hints()) std::cerr << "hint: " << h << "\n";
    return -1;
  }
  std::vector<std::string> warnings;
  auto lines = parse_push_lines(stdin_data, &warnings);
  trace("pre-push: " + std::to_string(lines.size()) + " ref lines");
  for (const auto& w : warnings) print_warning("bbsot: " + w);
  const RemoteRole role = classify_remote(remote, url, cfg);
  trace("pre-push: remote " + remote + " is " + to_string(role));
  if (role == RemoteRole::Mirror && cfg.integration.fetch_branches) {
    if (env_flag("BBSOT_ALLOW_MIRROR_PUSH")) {
      std::cerr << "bbsot: BBSOT_ALLOW_MIRROR_PUSH is set: pushing to the mirror '" << remote
                << "' anyway; the next sync from Bitbucket overwrites it\n";
      return -1;
    }
    // By URL, not by the name in .bbsot.yml: in a teammate's clone that name may be the
    // very remote being refused.
    std::string source;
    if (auto repo = GitRepo::open_from_env(); repo)
      source = remote_with_role(list_remotes(*repo, cfg), RemoteRole::Source);
    if (source == remote) source.clear();
    return refuse_mirror(remote, cfg, source, lines);
  }
  if (role != RemoteRole::Source) return -1;
  auto repo = GitRepo::open_from_env();
  if (!repo) return -1;
  trace("pre-push: repository opened");
  auto changes = analyse_push(*repo, lines, remote);
  trace("pre-push: analysed");
  if (changes.empty()) return -1;
  if (!env_flag("BBSOT_QUIET")) print_plan(changes, cfg.integration);
  if (cfg.report.enabled && !cfg.integration.hook_url.empty()) {
    auto s = record_push(*repo, cfg, remote, url, std::move(changes));
    if (!s) print_warning("bbsot: could not record this push for the integration: " + s.error());
  }
  return -1;
}

}  // namespace

int run_pre_push(const std::string& hooks_dir, const std::vector<std::string>& args, const std::string& stdin_data) {
  int rc = -1;
  try {
    rc = check_push(args, stdin_data);
  } catch (const std::exception& e) {
    // bbsot failing must never block a push.
    print_warning(std::string("bbsot: pre-push check failed: ") + e.what() + "; the push goes on");
  }
  if (rc >= 0) return rc;
  return run_chained_pre_push(hooks_dir, args, stdin_data);  // hooks_dir: the started-as path (pre_push.hpp)
}

}  // namespace bbsot
