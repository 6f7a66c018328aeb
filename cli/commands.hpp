// Entry points of `git bbsot` subcommands. Each takes the arguments after its name and
// returns an exit code (0 ok, 1 refused/check failed, 2 usage/configuration); each lives
// in cli/cmd_<name>.cpp and parses its own options with Boost.Program_options.
#pragma once
#include <string>
#include <vector>

namespace bbsot {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;  // one line for `git bbsot --help`
  int (*run)(const Args& args);
};

// The table `git bbsot` dispatches from and lists in its help.
const std::vector<Command>& commands();
const Command* find_command(const std::string& name);

// Runs the command `name` with `args` and returns its exit code. Every error a command
// throws (Error, ConfigError, usage errors from parse_args) ends here: printed as git does
// (`error:` and `hint:` lines on stderr), or, when the arguments ask for --json, as one
// JSON object on stdout ({"error", "hints", "exit_code"}); the exit code is the same.
int run_command(const std::string& name, const Args& args);

int cmd_version(const Args& args);
int cmd_help(const Args& args);
int cmd_report(const Args& args);
int cmd_init(const Args& args);
int cmd_uninstall(const Args& args);
int cmd_hook(const Args& args);
int cmd_token(const Args& args);
int cmd_status(const Args& args);
int cmd_doctor(const Args& args);
int cmd_sync(const Args& args);
int cmd_demo(const Args& args);
int cmd_approve(const Args& args);
int cmd_webhook(const Args& args);
int cmd_wait(const Args& args);

}  // namespace bbsot
