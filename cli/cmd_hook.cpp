// git bbsot hook NAME [ARGS]: bbsot's hook logic for callers other than the hooks init
// wires (docs/HOOK-MANAGERS.md), e.g. a hook manager configured by hand.
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "base/files.hpp"
#include "cli/options.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "hooks/chain.hpp"
#include "hooks/pre_push.hpp"
#include "hooks/wiring.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

// pre-commit reads the push lines itself and passes one ref through its environment. Its
// FROM_REF is not the remote's old value for a new branch (it is where the branch forked),
// so the remote's value is taken from the remote-tracking ref, as git knew it.
std::pair<Args, std::string> from_pre_commit() {
  auto v = [](const char* n) { return getenv_str(n).value_or(""); };
  Args args{v("PRE_COMMIT_REMOTE_NAME"), v("PRE_COMMIT_REMOTE_URL")};
  const std::string to = v("PRE_COMMIT_TO_REF"), remote_ref = v("PRE_COMMIT_REMOTE_BRANCH");
  if (to.empty() || !remote_ref.starts_with("refs/heads/")) return {args, ""};
  std::string old = git_out(
      {"rev-parse", "--verify", "--quiet", "refs/remotes/" + args[0] + "/" + remote_ref.substr(11) + "^{commit}"});
  if (old.empty()) old = std::string(to.size(), '0');
  return {args, v("PRE_COMMIT_LOCAL_BRANCH") + " " + to + " " + remote_ref + " " + old + "\n"};
}

// bbsot 0.1 asked hook managers to call this on every ref update; the watcher confirms
// pushes now, so it does nothing (and costs one process) until the configuration drops it.
int reference_transaction(const Args&) { return kExitOk; }

}  // namespace

int cmd_hook(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::ostream& out = args.empty() ? std::cerr : std::cout;
    out << "usage: git bbsot hook <pre-push|reference-transaction> [ARGS...]\n\n"
           "Runs bbsot's hook with git's arguments and stdin. 'git bbsot init' wires bbsot's\n"
           "pre-push into pre-commit, lefthook, husky and core.hooksPath itself; this is for\n"
           "other callers. It does nothing when bbsot's pre-push already ran for the push.\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& name = args[0];
  Args rest(args.begin() + 1, args.end());
  if (name == "pre-push") {
    // bbsot's own pre-push already ran for this push (the manager runs this after it): a
    // second run would record the push twice.
    if (getenv_str(kPrePushDoneEnv)) return kExitOk;
    if (rest.empty() && getenv_str("PRE_COMMIT_REMOTE_NAME")) {
      // pre-commit ran .git/hooks/pre-push.legacy, bbsot's, before this entry.
      if (pre_commit_runs_bbsot(".")) return kExitOk;
      std::cerr << "hint: git bbsot init now wires bbsot into pre-commit itself (.git/hooks/pre-push.legacy, run on "
                   "every push); run it, then drop the bbsot entry from .pre-commit-config.yaml\n";
      auto [a, line] = from_pre_commit();
      return run_pre_push("", a, line, std::cerr);
    }
    if (rest.size() != 2) throw ConfigError("git bbsot hook pre-push: expects the remote name and URL git passes");
    return run_pre_push("", rest, read_all_stdin(), std::cerr);
  }
  if (name == "reference-transaction") return reference_transaction(rest);
  throw ConfigError("git bbsot hook: bbsot has no '" + name + "' hook",
                    {"bbsot's hooks: pre-push, reference-transaction"});
}

}  // namespace bbsot
