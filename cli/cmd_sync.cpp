// git bbsot sync BRANCH [--parent P]: the integration forbids syncing code into a child
// environment on the platform; this does what its docs recommend instead: merge the
// parent from Bitbucket locally and push the branch to Bitbucket, which rebuilds it.
#include <iostream>

#include "base/files.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "cli/repo_context.hpp"
#include "git/remotes.hpp"

namespace bbsot {

namespace {

// Runs git with its output visible; throws with `what` when it fails.
void git_step(const std::vector<std::string>& args, const std::string& work, const std::string& what) {
  std::string shown = "git";
  for (const auto& a : args) shown += " " + a;
  std::cout << "bbsot: " << shown << "\n" << std::flush;
  ProcessOptions opts;
  opts.cwd = work;
  opts.capture_stderr = false;
  opts.timeout_ms = 30 * 60 * 1000;
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv, opts);
  if (!r) throw Error("git bbsot sync: " + r.error());
  std::cout << r->out << std::flush;
  if (r->exit_code != 0) throw Error("git bbsot sync: " + what);
}

}  // namespace

int cmd_sync(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("parent", po::value<std::string>(),
                     "the branch to merge in (default: the integration's default branch)")(
      "no-push", "merge only; push later with git push");
  auto p = parse_args("sync", "git bbsot sync BRANCH [--parent PARENT] [--no-push]",
                      "Brings BRANCH up to date with its parent the way the integration requires: fetch\n"
                      "from Bitbucket, merge the parent into BRANCH here, push BRANCH to Bitbucket.",
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
  if (!git_out({"status", "--porcelain", "--untracked-files=no"}, work).empty())
    throw ConfigError("git bbsot sync: the work tree has uncommitted changes", {"commit or stash them first"});
  git_step({"fetch", source}, work, "cannot fetch from " + source);
  if (git_out({"rev-parse", "--verify", "--quiet", "refs/remotes/" + source + "/" + parent}, work).empty())
    throw ConfigError("git bbsot sync: " + source + " has no branch " + parent,
                      {"pass --parent with an existing branch"});
  const bool local = !git_out({"rev-parse", "--verify", "--quiet", "refs/heads/" + branch}, work).empty();
  const bool remote =
      !git_out({"rev-parse", "--verify", "--quiet", "refs/remotes/" + source + "/" + branch}, work).empty();
  if (!local && !remote) throw ConfigError("git bbsot sync: no branch " + branch + " here or on " + source);
  if (local)
    git_step({"checkout", "--quiet", branch}, work, "cannot check out " + branch);
  else
    git_step({"checkout", "--quiet", "-b", branch, "--track", source + "/" + branch}, work,
             "cannot check out " + branch);
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
  if (p.vm.count("no-push")) {
    std::cout << "bbsot: merged; push when ready: git push " << source << " " << branch << "\n";
    return kExitOk;
  }
  git_step({"push", source, branch}, work, "the push to " + source + " failed");
  std::cout << "bbsot: " << branch << " now contains " << parent
            << " on Bitbucket; the integration rebuilds its environment\n";
  return kExitOk;
}

}  // namespace bbsot
