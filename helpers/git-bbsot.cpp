// git bbsot: dispatch to a subcommand from the table in lib/commands.cpp.
#include <cstdio>
#include <exception>
#include <string>

#include "base/hardening.hpp"
#include "base/error.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  bbsot::disable_core_dumps();  // it may hold a consumer secret, a token or a report secret
  using namespace bbsot;
  std::string name = argc > 1 ? argv[1] : "help";
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  const Command* cmd = find_command(name);
  if (cmd == nullptr) {
    print_error("'" + name + "' is not a bbsot command", {"see 'git bbsot --help' for the list"});
    return kExitUsage;
  }
  Args args(argv + (argc > 1 ? 2 : argc), argv + argc);
  try {
    return cmd->run(args);
  } catch (const Error& e) {
    print_error(e.what(), e.hints());
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(std::string("bbsot ") + name + ": " + e.what());
    return kExitFailed;
  }
}
