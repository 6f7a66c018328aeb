#include "hooks/pre_push.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>

#include "base/clock.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "base/uuid.hpp"
#include "base/web_url.hpp"
#include "config/config.hpp"
#include "git/git_dir.hpp"
#include "git/push_lines.hpp"
#include "git/remote_url.hpp"
#include "git/remotes.hpp"
#include "guard/clone_state.hpp"
#include "outbox/plan.hpp"
#include "guard/team_file.hpp"
#include "hooks/chain.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

constexpr size_t kMaxLinesShown = 20;

bool env_flag(const char* name) {
  auto v = getenv_str(name);
  return v && *v != "0" && *v != "false";
}

// The hook's messages go to the stream the program gives (its stderr), in git's voice.
void say(std::ostream& out, const std::string& line) { out << "bbsot: " << line << "\n"; }
void warn(std::ostream& out, const std::string& line) { out << "warning: bbsot: " << line << "\n"; }

std::vector<std::string> pushed_branches(const std::vector<PushLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.remote_ref.starts_with("refs/heads/")) out.emplace_back(l.remote_ref.substr(11));
  return out;
}

// The remote to push to instead: by URL, not by the name in .bbsot.yml, because in a
// teammate's clone that name may be the very remote being refused. Only on this path
// (a refusal) does the hook start git to list the remotes.
std::string source_for_refusal(const GitDirs& dirs, const RepoConfig& cfg, const std::string& refused) {
  auto remotes = list_remotes(dirs.git_dir, cfg);
  if (!remotes) return "";
  const std::string s = remote_with_role(*remotes, RemoteRole::Source);
  return s == refused ? "" : s;
}

int refuse_mirror(std::ostream& out, const std::string& remote, const RepoConfig& cfg, const std::string& source,
                  const std::vector<PushLine>& lines, const std::string& why_extra) {
  const auto& in = cfg.integration;
  std::string branches;
  for (const auto& b : pushed_branches(lines)) branches += " " + b;
  if (branches.empty()) branches = " <branch>";
  const std::string target = source.empty() ? in.url + "/" + in.repository : source;
  out << "bbsot: refusing to push to '" << remote << "': it is the platform's mirror of Bitbucket ("
            << in.repository << ").\n"
            << "bbsot: The integration overwrites the mirror from Bitbucket at the next sync, so this push would be lost";
  if (in.prune_branches) out << ",\nbbsot: and a branch that exists only on the mirror is pruned shortly after";
  out << ".\nbbsot: Push to Bitbucket instead; the integration then updates the mirror and the environment:\n"
            << "bbsot:     git push " << target << branches << "\n"
            << "bbsot: (to push to the mirror anyway: BBSOT_ALLOW_MIRROR_PUSH=1 git push " << remote << " ...)\n";
  if (!why_extra.empty()) say(out, why_extra);
  return kExitFailed;
}

// When bbsot cannot do its check (its configuration unreadable, an error of its own): a
// push to a URL that is a platform's mirror by the known hosts is refused all the same (a
// push to the mirror is never let through because bbsot failed); anything else goes on
// with the warning (a push to Bitbucket is never blocked by bbsot's failure).
int fail_closed_for_mirror(std::ostream& out, const std::string& remote, const std::string& url,
                           const std::vector<PushLine>& lines, const std::string& why) {
  const RepoConfig defaults;
  if (classify_remote(remote, url, defaults) == RemoteRole::Mirror && !env_flag("BBSOT_ALLOW_MIRROR_PUSH"))
    return refuse_mirror(out, remote, defaults, "", lines, why);
  warn(out, why + "; this push is not checked");
  return -1;
}

void print_plan(std::ostream& out, const std::vector<RefChange>& changes, const IntegrationConfig& in) {
  size_t shown = 0;
  for (const auto& c : changes) {
    if (shown++ == kMaxLinesShown) {
      say(out, "... and " + std::to_string(changes.size() - kMaxLinesShown) + " more refs");
      break;
    }
    say(out, describe_change(c, in));
  }
}

// The `git push` process this hook serves: our parent when git runs the hook, further up
// when a hook manager (pre-commit, lefthook, husky, `git bbsot hook`) sits in between.
// The watcher waits for it to end before it looks for what the push did.
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

// The changes as the hook's input states them; what needs the object database (commits,
// forced) is worked out after the push by the deliverer. For an update, whether the
// remote's old tip is here decides what git will do: the tracking ref usually names it,
// else the object store is asked.
std::vector<RefChange> planned_changes(const std::vector<PushLine>& lines, const GitDirs& dirs,
                                       const std::string& remote) {
  std::vector<RefChange> out;
  out.reserve(lines.size());
  RefReader refs(dirs.common_dir);
  // A push to a URL has no tracking refs; a remote name never contains '/' or ':'.
  const bool by_name = !remote.empty() && remote.find_first_of("/:") == std::string::npos;
  for (const auto& l : lines) {
    RefChange c;
    c.ref = std::string(l.remote_ref);
    if (!c.ref.starts_with("refs/heads/") && !c.ref.starts_with("refs/tags/")) continue;  // Bitbucket reports these only
    c.is_tag = c.ref.starts_with("refs/tags/");
    c.created = is_null_id(l.remote_id);
    c.closed = is_null_id(l.local_id);
    c.old_id = c.created ? std::string() : std::string(l.remote_id);
    c.new_id = c.closed ? std::string() : std::string(l.local_id);
    std::optional<std::string> tracking;
    if (!c.is_tag && by_name) tracking = refs.id("refs/remotes/" + remote + "/" + c.ref.substr(11));
    if (tracking) c.tracking_before = *tracking;
    if (!c.created && !c.closed)
      c.old_unknown = !(tracking && *tracking == c.old_id) && !has_object(dirs.common_dir, c.old_id);
    out.push_back(std::move(c));
  }
  return out;
}

// Why a report made now would not go out yet, or "": shown once, in one line, at the push.
std::string why_report_waits(const Destination& d, const CloneState* state) {
  if (!state) return "this clone has not been set up by `git bbsot init`, which approves where reports go; it waits until then";
  if (d.hook_url.empty()) return "this clone has no hook URL for the integration yet; set it: git bbsot init --hook-url URL";
  if (auto problem = endpoint_url_problem(d.hook_url); !problem.empty()) return "hook_url " + problem;
  if (!is_approved(*state, d))
    return "reports go to " + d.hook_url + ", which is not approved on this machine; run: git bbsot approve";
  try {
    const UserConfig user = load_user_config(user_config_path());
    if (const ReportSecret* s = report_secret_for(user, d.hook_url); s && !s->secret.env.empty() &&
                                                                      !getenv_str(s->secret.env.c_str()))
      return "the report secret for " + d.hook_url + " comes from $" + s->secret.env + ", which is not set here";
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

Status record_push(const GitDirs& dirs, const Destination& dest, const std::string& remote, const std::string& url,
                   int64_t pusher, std::vector<RefChange> changes, std::string* id_out) {
  PushRecord r;
  auto id = new_uuid();
  if (!id) return Status::failure(id.error());
  r.id = *id;
  r.created_ns = now_epoch_ns();
  r.created = r.created_ns / 1000000000;
  r.remote = remote;
  r.remote_url = redact_remote_url(url);
  r.git_dir = dirs.git_dir;
  r.pusher_pid = pusher;
  r.destination = dest;
  r.has_destination = true;
  r.changes = std::move(changes);
  Outbox box(dirs.common_dir);
  auto w = box.write(r);
  if (!w) return w;
  *id_out = r.id;
  trace("pre-push: recorded " + r.id + " (" + std::to_string(r.changes.size()) + " refs)");
  return ok_status();
}

// Records a push to the source and starts the watcher, which waits for the push to end,
// finds out what landed, and delivers. Detached: the push does not wait. Until the
// pushing git exits the watcher is a sleeping copy of this hook; the deliverer (libgit2,
// libcurl, OpenSSL: about 4 times this hook's start-up) is exec'd only then, so it never
// takes a core from the push it reports (bench/push.sh).
void record_and_watch(std::ostream& out, const GitDirs& dirs, const Destination& dest, bool report_enabled, const std::string& remote,
                      const std::string& url, std::vector<RefChange> changes, const std::string& wait_reason) {
  if (!report_enabled) {
    say(out, "reports are off (report: enabled: false in .bbsot.yml); this push is not reported");
    return;
  }
  std::string id;
  const int64_t pusher = pusher_pid();
  auto s = record_push(dirs, dest, remote, url, pusher, std::move(changes), &id);
  if (!s) {
    warn(out, "could not record this push for the integration: " + s.error());
    return;
  }
  if (!wait_reason.empty()) say(out, "the report waits: " + wait_reason);
  auto w = spawn_detached({join_path(libexec_dir(), "bbsot-deliver"), "watch", dirs.git_dir, id}, pusher);
  if (!w)
    warn(out, "this push is recorded (report " + id + "), but the deliverer did not start (" + w.error() +
                  "); send it later with: git bbsot report flush");
}

// A clone with no record: set up by a bbsot before 0.2, or never (hooks from the git
// template only). The checked-out .bbsot.yml is all there is. It may tighten (refuse the
// mirror it names), never loosen, and its destination is not approved, so the report
// waits for `git bbsot init`. Without the file the project has nothing to do with bbsot:
// nothing is refused.
int check_unrecorded(std::ostream& out, const GitDirs& dirs, const std::string& remote, const std::string& url,
                     const std::vector<PushLine>& lines) {
  if (dirs.work_tree.empty()) return -1;
  const std::string path = join_path(dirs.work_tree, kRepoConfigName);
  if (!path_exists(path)) return -1;
  RepoConfig cfg;
  try {
    cfg = load_repo_config(path);
  } catch (const ConfigError& e) {
    return fail_closed_for_mirror(out, remote, url, lines,
                                  std::string(e.what()) + " (this clone was never set up with `git bbsot init`)");
  }
  // The file's remote names count here as they did before bbsot 0.2 (a clone it set up
  // has Bitbucket URLs, recognised anyway): what is recorded waits for `git bbsot init`,
  // which shows and approves the destination before anything is sent.
  const RemoteRole role = classify_remote(remote, url, cfg);
  if (role == RemoteRole::Mirror && cfg.integration.fetch_branches) {
    if (env_flag("BBSOT_ALLOW_MIRROR_PUSH")) {
      say(out, "BBSOT_ALLOW_MIRROR_PUSH is set: pushing to the mirror '" + remote + "' anyway");
      return -1;
    }
    return refuse_mirror(out, remote, cfg, source_for_refusal(dirs, cfg, remote), lines,
                         "(this clone is not set up yet; run: git bbsot init)");
  }
  if (role != RemoteRole::Source) return -1;
  auto changes = planned_changes(lines, dirs, remote);
  if (changes.empty()) return -1;
  if (!env_flag("BBSOT_QUIET")) print_plan(out, changes, cfg.integration);
  const std::string why =
      cfg.report.legacy_secret.empty()
          ? why_report_waits(Destination{}, nullptr)
          : "this bbsot no longer reads report secrets from .bbsot.yml (" + cfg.report.legacy_where +
                "); run: git bbsot init (it moves the reference to your own config, with your consent, and approves "
                "where reports go)";
  const Destination dest{cfg.integration.type, cfg.integration.url, cfg.integration.repository, cfg.integration.hook_url};
  record_and_watch(out, dirs, dest, cfg.report.enabled, remote, url, std::move(changes), why);
  return -1;
}

// bbsot's part of the hook. Returns an exit code to stop the push with, or -1 to go on.
int check_push(std::ostream& out, const std::vector<std::string>& args, const std::string& stdin_data) {
  const std::string remote = args.size() > 0 ? args[0] : "";
  const std::string url = args.size() > 1 ? args[1] : "";
  auto dirs = locate_git_dirs_for_hook();
  if (!dirs) {
    warn(out, dirs.error() + "; this push is not checked");
    return -1;
  }
  std::vector<std::string> warnings;
  const auto lines = parse_push_lines(stdin_data, &warnings);
  trace("pre-push: " + std::to_string(lines.size()) + " ref lines");
  for (const auto& w : warnings) warn(out, w);
  for (const auto& n : Outbox(dirs->common_dir).take_notices()) say(out, n);

  auto loaded = load_clone_state(dirs->common_dir);
  if (!loaded) {
    // The record exists but cannot be read: fail closed for anything that looks like the
    // mirror by URL (the record's own names and patterns are unknown now).
    return fail_closed_for_mirror(out, remote, url, lines,
                                  "bbsot cannot read this clone's record (" + loaded.error() + "); run: git bbsot init");
  }
  if (!*loaded) return check_unrecorded(out, *dirs, remote, url, lines);
  CloneState state = std::move(**loaded);
  // After a fetch the team's file on the default branch may have changed.
  auto u = refresh_clone_state(dirs->common_dir, state);
  if (!u) warn(out, "cannot follow the team's .bbsot.yml: " + u.error());
  else if (u->moved) {
    for (const auto& line : u->applied) say(out, line);
    if (!u->problem.empty()) say(out, u->problem);
    if (!u->pending.empty())
      say(out, "the team's .bbsot.yml asks for " + std::to_string(u->pending.size()) +
          " change(s) that wait for your approval (" + u->pending.front() + "); see: git bbsot approve");
  }
  const RepoConfig cfg = as_repo_config(state);
  const RemoteRole role = classify_remote(remote, url, cfg);
  trace("pre-push: remote " + remote + " is " + to_string(role));
  if (role == RemoteRole::Mirror && cfg.integration.fetch_branches) {
    if (env_flag("BBSOT_ALLOW_MIRROR_PUSH")) {
      say(out, "BBSOT_ALLOW_MIRROR_PUSH is set: pushing to the mirror '" + remote +
          "' anyway; the next sync from Bitbucket overwrites it");
      return -1;
    }
    return refuse_mirror(out, remote, cfg, source_for_refusal(*dirs, cfg, remote), lines, "");
  }
  if (role != RemoteRole::Source) return -1;
  auto changes = planned_changes(lines, *dirs, remote);
  if (changes.empty()) return -1;
  if (!env_flag("BBSOT_QUIET")) print_plan(out, changes, cfg.integration);
  const Destination dest = current_destination(state);
  record_and_watch(out, *dirs, dest, state.report_enabled, remote, url, std::move(changes), why_report_waits(dest, &state));
  return -1;
}

}  // namespace

int run_pre_push(const std::string& started_as, const std::vector<std::string>& args, const std::string& stdin_data,
                 std::ostream& out) {
  int rc = -1;
  try {
    rc = check_push(out, args, stdin_data);
  } catch (const std::exception& e) {
    // bbsot failing must never block a push to Bitbucket, nor let one to the mirror through.
    try {
      std::vector<std::string> ignored;
      rc = fail_closed_for_mirror(out, args.size() > 0 ? args[0] : "", args.size() > 1 ? args[1] : "",
                                  parse_push_lines(stdin_data, &ignored),
                                  std::string("bbsot's pre-push check failed: ") + e.what());
    } catch (const std::exception& again) {
      warn(out, std::string("pre-push check failed: ") + again.what() + "; the push goes on");
    }
  }
  if (rc >= 0) return rc;
  auto chained = run_chained_pre_push(started_as, args, stdin_data);
  if (chained) return *chained;
  // As git does with a hook it cannot start: the push stops, saying why.
  out << "error: bbsot: " << chained.error() << "\n";
  return kExitFailed;
}

}  // namespace bbsot
