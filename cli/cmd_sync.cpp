// git bbsot sync BRANCH [--parent P]: the integration forbids syncing code into a child
// environment on the platform; this does what its docs recommend instead: merge the
// parent from Bitbucket locally and push the branch to Bitbucket, which rebuilds it.
#include <iostream>
#include <utility>

#include "base/files.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "cli/repo_context.hpp"
#include "git/remotes.hpp"

namespace bbsot {

namespace {

std::string shown_command(const std::vector<std::string>& args) {
  std::string shown = "git";
  for (const auto& a : args) shown += " " + a;
  return shown;
}

// Runs git with its output visible and returns its exit code; fails when git cannot run.
Expected<int> git_visible(const std::vector<std::string>& args, const std::string& work) {
  std::cout << "bbsot: " << shown_command(args) << "\n" << std::flush;
  ProcessOptions opts;
  opts.cwd = work;
  opts.capture_stderr = false;
  opts.timeout_ms = 30 * 60 * 1000;
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv, opts);
  if (!r) return Expected<int>::failure(r.error());
  std::cout << r->out << std::flush;
  return r->exit_code;
}

// As git_visible; throws with `what` when git fails.
void git_step(const std::vector<std::string>& args, const std::string& work, const std::string& what) {
  auto rc = git_visible(args, work);
  if (!rc) throw Error("git bbsot sync: " + rc.error());
  if (*rc != 0) throw Error("git bbsot sync: " + what);
}

template <class T>
T checked(Expected<T> r) {
  if (!r) throw Error("git bbsot sync: " + r.error());
  return std::move(*r);
}

// Where the user was before sync checked BRANCH out: a branch, or a detached commit.
struct Start {
  std::string branch;  // empty: detached at `commit`
  std::string commit;
  std::string shown() const { return branch.empty() ? "the detached HEAD at " + commit.substr(0, 12) : branch; }
  std::vector<std::string> checkout() const {
    if (branch.empty()) return {"checkout", "--quiet", "--detach", commit};
    return {"checkout", "--quiet", branch};
  }
};

Start where_we_are(const std::string& work) {
  if (auto b = checked(git_lookup({"symbolic-ref", "--quiet", "--short", "HEAD"}, work))) return {*b, ""};
  return {"", checked(git_output({"rev-parse", "--verify", "HEAD"}, work))};
}

// Checks `start` out again; "" when done, else why not (git's own words).
std::string go_back(const Start& start, const std::string& work) {
  auto rc = git_visible(start.checkout(), work);
  if (!rc) return rc.error();
  if (*rc != 0) return "git checkout exited with " + std::to_string(*rc) + " (see its message above)";
  return "";
}

}  // namespace

int cmd_sync(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("parent", po::value<std::string>(),
                     "the branch to merge in (default: the integration's default branch)")(
      "no-push", "merge only; push later with git push");
  auto p = parse_args("sync", "git bbsot sync BRANCH [--parent PARENT] [--no-push]",
                      "Brings BRANCH up to date with its parent the way the integration requires: fetch\n"
                      "from Bitbucket, merge the parent into BRANCH here, push BRANCH to Bitbucket, and\n"
                      "check out again the branch you were on (unless a merge stops on conflicts).",
                      opts, args, 1);
  if (p.help) return kExitOk;
  if (p.positional.empty())
    throw ConfigError("git bbsot sync: which branch?", {"usage: git bbsot sync BRANCH [--parent PARENT]"});
  const std::string branch = p.positional[0];
  const RepoContext ctx = open_repo_context("sync", true);
  if (ctx.work_tree.empty()) throw ConfigError("git bbsot sync: run it in the repository's work tree");
  const std::string work = ctx.work_tree;
  const RepoConfig& cfg = ctx.cfg;
  const std::string parent = p.vm.count("parent") ? p.vm["parent"].as<std::string>() : cfg.integration.default_branch;
  if (parent == branch) throw ConfigError("git bbsot sync: " + branch + " cannot be synced with itself");
  auto remotes = list_remotes(ctx.git_dir, cfg);
  if (!remotes) throw Error("git bbsot sync: " + remotes.error());
  const std::string source = remote_with_role(*remotes, RemoteRole::Source);
  if (source.empty()) throw ConfigError("git bbsot sync: no remote points at " + cfg.integration.repository);
  if (!checked(git_output({"status", "--porcelain", "--untracked-files=no"}, work)).empty())
    throw ConfigError("git bbsot sync: the work tree has uncommitted changes", {"commit or stash them first"});
  git_step({"fetch", source}, work, "cannot fetch from " + source);
  if (!checked(git_ref_exists("refs/remotes/" + source + "/" + parent, work)))
    throw ConfigError("git bbsot sync: " + source + " has no branch " + parent,
                      {"pass --parent with an existing branch"});
  const bool local = checked(git_ref_exists("refs/heads/" + branch, work));
  const bool remote = checked(git_ref_exists("refs/remotes/" + source + "/" + branch, work));
  if (!local && !remote) throw ConfigError("git bbsot sync: no branch " + branch + " here or on " + source);
  const Start start = where_we_are(work);
  const bool moved = start.branch != branch;
  // A failed checkout leaves HEAD where it was: nothing to undo yet.
  if (local)
    git_step({"checkout", "--quiet", branch}, work, "cannot check out " + branch);
  else
    git_step({"checkout", "--quiet", "-b", branch, "--track", source + "/" + branch}, work,
             "cannot check out " + branch);
  const std::string back =
      start.branch.empty() ? "git checkout --detach " + start.commit : "git checkout " + start.branch;
  try {
    if (local && remote)
      git_step({"merge", "--no-edit", source + "/" + branch}, work,
               "merging " + source + "/" + branch + " stopped; resolve, git commit, then run this again");
    try {
      git_step({"merge", "--no-edit", source + "/" + parent}, work, "");
    } catch (const Error&) {
      throw Error("git bbsot sync: merging " + parent + " into " + branch + " stopped on conflicts", kExitFailed,
                  {"resolve them, then: git add <files> && git commit", "then: git push " + source + " " + branch,
                   "or give up: git merge --abort"});
    }
    if (!p.vm.count("no-push")) git_step({"push", source, branch}, work, "the push to " + source + " failed");
  } catch (const Error& e) {
    if (!moved) throw;
    std::vector<std::string> hints = e.hints();
    // A merge that stopped is the user's to finish on BRANCH; checking out elsewhere
    // would fail or carry the half-merged files along.
    if (checked(git_ref_exists("MERGE_HEAD", work))) {
      hints.push_back("you are on " + branch + " (in the merge), not on " + start.shown() + "; when done: " + back);
      throw Error(e.what(), e.exit_code(), hints);
    }
    const std::string why = go_back(start, work);
    hints.push_back(why.empty() ? "back on " + start.shown() + ", where you started"
                                : "you are still on " + branch + ": checking out " + start.shown() + " failed: " + why);
    throw Error(e.what(), e.exit_code(), hints);
  }
  if (p.vm.count("no-push"))
    std::cout << "bbsot: merged into " << branch << "; push when ready: git push " << source << " " << branch << "\n";
  else
    std::cout << "bbsot: " << branch << " now contains " << parent
              << " on Bitbucket; the integration rebuilds its environment\n";
  if (moved) {
    const std::string why = go_back(start, work);
    if (why.empty())
      std::cout << "bbsot: back on " << start.shown() << ", where you started\n";
    else
      print_warning("you are still on " + branch + ": checking out " + start.shown() + " failed: " + why +
                    "; run: " + back);
  }
  return kExitOk;
}

}  // namespace bbsot
