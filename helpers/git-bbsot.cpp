// git bbsot: dispatch to a subcommand from the table in cli/commands.cpp.
#include <string>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace bbsot;
  std::string name = argc > 1 ? argv[1] : "help";
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  return run_command(name, Args(argv + (argc > 1 ? 2 : argc), argv + argc));
}
