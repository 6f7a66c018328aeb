// git bbsot approve: shows what the team's .bbsot.yml asks for that this machine has not
// accepted yet, and accepts it with the user's consent (docs/TRUST.md): a destination
// (where reports go, and whose Bitbucket API the user's tokens may reach), or a change that
// loosens the guard or names another source. Like `direnv allow`: nothing a committed
// file says takes effect here until the user has seen it.
#include <unistd.h>

#include <iostream>

#include "base/text.hpp"
#include "cli/options.hpp"
#include "cli/repo_context.hpp"
#include "guard/clone_state.hpp"
#include "guard/team_file.hpp"

namespace bbsot {

namespace {

std::vector<std::string> waiting_items(const CloneState& s) {
  std::vector<std::string> out;
  const Destination d = current_destination(s);
  if (!is_approved(s, d))
    out.push_back(d.hook_url.empty() ? "the Bitbucket repository " + d.repository + " on " + d.url
                                     : "reports of your pushes go to " + d.hook_url + " (for " + d.repository + " on " +
                                           d.url + ")");
  for (const auto& n : s.pending.notes) out.push_back(n);
  return out;
}

}  // namespace

int cmd_approve(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("yes", "approve without asking")("list", "only show what waits for approval");
  auto p = parse_args("approve", "git bbsot approve [--list] [--yes]",
                      "Shows what the team's .bbsot.yml (on the source's default branch) asks for that this\n"
                      "machine has not accepted: a new hook URL or Bitbucket repository, a guard that would\n"
                      "let pushes to the mirror through, another source. Approves it when you confirm (or\n"
                      "with --yes). Reports wait, and the guard stays as it was, until then.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  RepoContext ctx = open_repo_context("approve", true);
  show_notices(ctx);
  const auto items = waiting_items(*ctx.state);
  if (items.empty()) {
    std::cout << "bbsot: nothing waits for approval; " << current_destination(*ctx.state).describe() << "\n";
    return kExitOk;
  }
  std::cout << "bbsot: waiting for your approval on this machine:\n";
  for (const auto& i : items) std::cout << "  - " << i << "\n";
  if (!ctx.state->legacy_secret.empty())
    std::cout << "bbsot: the team's .bbsot.yml also names a report secret; this bbsot reads secrets only from your own "
                 "config: git bbsot init --move-report-secret\n";
  if (p.vm.count("list")) return kExitOk;
  bool yes = p.vm.count("yes") > 0;
  if (!yes && ::isatty(0) && ::isatty(2)) {
    std::cerr << "Approve " << (items.size() == 1 ? "it" : "all of them") << "? [y/N]: " << std::flush;
    std::string line;
    std::getline(std::cin, line);
    yes = ascii_lower(line) == "y" || ascii_lower(line) == "yes";
  }
  if (!yes) {
    print_error("nothing approved", {"run it on a terminal to be asked, or pass --yes"});
    return kExitFailed;
  }
  auto s = update_clone_state(ctx.common_dir, [](std::optional<CloneState> cur) -> std::optional<CloneState> {
    if (!cur) return std::nullopt;
    approve_all(*cur);
    return cur;
  });
  if (!s) throw Error("git bbsot approve: " + s.error());
  std::cout << "bbsot: approved; waiting reports go out with the next push, or now: git bbsot report flush\n";
  return kExitOk;
}

}  // namespace bbsot
