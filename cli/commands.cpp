#include "cli/commands.hpp"

#include <cstdio>

namespace bbsot {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"version", "print the bbsot version", cmd_version},
      {"init", "set this repository up: config, account, credential helper, hooks", cmd_init},
      {"uninstall", "remove bbsot's hooks and credential helper entries", cmd_uninstall},
      {"status", "per branch: what the integration will do; reports waiting", cmd_status},
      {"doctor", "check the set-up, one line per check with the fix", cmd_doctor},
      {"sync", "merge the parent into a branch locally and push it to Bitbucket", cmd_sync},
      {"webhook", "show, create or repair the repository webhook to the integration", cmd_webhook},
      {"wait", "wait for a pushed commit's build statuses on Bitbucket", cmd_wait},
      {"demo", "run a sandbox walk-through: no account, no network", cmd_demo},
      {"token", "show the account and token bbsot uses for a URL", cmd_token},
      {"hook", "run a bbsot hook from another hook manager", cmd_hook},
      {"report", "list, deliver or drop push reports for the integration", cmd_report},
      {"help", "show help for a command", cmd_help},
  };
  return table;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

int cmd_version(const Args&) {
  std::printf("bbsot %s\n", BBSOT_VERSION);
  return 0;
}

int cmd_help(const Args& args) {
  if (!args.empty() && !args[0].starts_with("-")) {
    const Command* c = find_command(args[0]);
    if (c == nullptr) {
      std::fprintf(stderr, "error: '%s' is not a bbsot command; see 'git bbsot --help'\n", args[0].c_str());
      return 2;
    }
    return c->run({"--help"});
  }
  std::printf(
      "usage: git bbsot <command> [<args>]\n\n"
      "Keep a Bitbucket repository the source of truth for the platform that mirrors it.\n\n"
      "Commands:\n");
  for (const auto& c : commands()) std::printf("   %-10s %s\n", c.name, c.summary);
  std::printf("\nSee 'git bbsot help <command>' or 'git bbsot <command> --help' for one command.\n");
  return 0;
}

}  // namespace bbsot
