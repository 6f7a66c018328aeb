#include "cli/commands.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/text.hpp"

namespace bbsot {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"version", "print the bbsot version", cmd_version},
      {"init", "set this repository up: config, account, credential helper, hooks", cmd_init},
      {"uninstall", "remove bbsot's hooks and credential helper entries", cmd_uninstall},
      {"status", "per branch: what the integration will do; reports waiting", cmd_status},
      {"doctor", "check the set-up, one line per check with the fix", cmd_doctor},
      {"approve", "accept a hook URL or guard change the team's .bbsot.yml asks for", cmd_approve},
      {"sync", "merge the parent into a branch locally and push it to Bitbucket", cmd_sync},
      {"webhook", "show, create or repair the repository webhook to the integration", cmd_webhook},
      {"wait", "wait for a pushed commit's build statuses on Bitbucket", cmd_wait},
      {"demo", "run a sandbox walk-through: no account, no network", cmd_demo},
      {"token", "show the account and token bbsot uses for a URL", cmd_token},
      {"hook", "run a bbsot hook from another hook manager", cmd_hook},
      {"report", "list, deliver, retry or drop push reports for the integration", cmd_report},
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
  return kExitOk;
}

namespace {

// git's answer to a mistyped command: the nearest one, or where the list is.
ConfigError unknown_command(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : commands()) names.emplace_back(c.name);
  const auto near = nearest_word(name, names);
  return ConfigError("'" + name + "' is not a bbsot command",
                     {near ? "did you mean '" + *near + "'?" : "see 'git bbsot --help' for the list"});
}

}  // namespace

int cmd_help(const Args& args) {
  if (!args.empty() && !args[0].starts_with("-")) {
    const Command* c = find_command(args[0]);
    if (c == nullptr) throw unknown_command(args[0]);
    return c->run({"--help"});
  }
  std::printf(
      "usage: git bbsot <command> [<args>]\n\n"
      "Keep a Bitbucket repository the source of truth for the platform that mirrors it.\n\n"
      "Commands:\n");
  for (const auto& c : commands()) std::printf("   %-10s %s\n", c.name, c.summary);
  std::printf("\nSee 'git bbsot help <command>' or 'git bbsot <command> --help' for one command.\n");
  return kExitOk;
}

namespace {

// --json anywhere before "--" asks for machine-readable output, errors included.
bool wants_json(const std::string& name, const Args& args) {
  if (name == "--json") return true;
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

int report_error(bool json, const std::string& what, const std::vector<std::string>& hints, int exit_code) {
  if (!json) {
    print_error(what, hints);
    return exit_code;
  }
  // A script that asked for JSON reads stdout only; the error goes there, in one object.
  const nlohmann::ordered_json j = {{"error", what}, {"hints", hints}, {"exit_code", exit_code}};
  std::cout << j.dump(2) << "\n" << std::flush;
  return exit_code;
}

}  // namespace

int run_command(const std::string& name, const Args& args) {
  const bool json = wants_json(name, args);
  try {
    const Command* cmd = find_command(name);
    if (cmd == nullptr) throw unknown_command(name);
    return cmd->run(args);
  } catch (const Error& e) {
    return report_error(json, e.what(), e.hints(), e.exit_code());
  } catch (const std::exception& e) {
    return report_error(json, "bbsot " + name + ": " + e.what(), {}, kExitFailed);
  }
}

}  // namespace bbsot
