// git bbsot hook NAME [ARGS]: bbsot's hook logic for hook managers (pre-commit, lefthook,
// husky) that own the hooks directory and call other programs themselves.
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "base/files.hpp"
#include "cli/options.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "hooks/chain.hpp"
#include "hooks/pre_push.hpp"
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
           "Runs bbsot's hook with git's arguments and stdin, for hook managers that own the\n"
           "hooks directory (see 'git bbsot init' for the snippet for husky, lefthook, pre-commit).\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& name = args[0];
  Args rest(args.begin() + 1, args.end());
  if (name == "pre-push") {
    if (rest.empty() && getenv_str("PRE_COMMIT_REMOTE_NAME")) {
      auto [a, line] = from_pre_commit();
      return run_pre_push("", a, line);
    }
    if (rest.size() != 2) throw ConfigError("git bbsot hook pre-push: expects the remote name and URL git passes");
    return run_pre_push("", rest, read_all_stdin());
  }
  if (name == "reference-transaction") return reference_transaction(rest);
  throw ConfigError("git bbsot hook: bbsot has no '" + name + "' hook",
                    {"bbsot's hooks: pre-push, reference-transaction"});
}

}  // namespace bbsot
