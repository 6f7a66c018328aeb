// git bbsot: dispatch to a subcommand from the table in cli/commands.cpp.
#include <string>

#include "base/hardening.hpp"
#include "base/error.hpp"
#include "base/trace.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  bbsot::disable_core_dumps();  // it may hold a consumer secret, a token or a report secret
  using namespace bbsot;
  // Settles BBSOT_TRACE before any thread starts and before git runs children of ours
  // from the work tree's top directory (a relative path is made absolute once, here).
  (void)trace_enabled();
  std::string name = argc > 1 ? argv[1] : "help";
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  return run_command(name, Args(argv + (argc > 1 ? 2 : argc), argv + argc));
}
