// pre-push: refuses pushes to the platform's mirror, records pushes to Bitbucket for the
// integration, then runs the hook bbsot's installation moved aside (<argv[0]>.bbsot-chained).
#include <iostream>

#include "base/hardening.hpp"
#include "hooks/chain.hpp"
#include "hooks/pre_push.hpp"

int main(int argc, char** argv) {
  // It reads the user's file (report and account secrets), and its watcher is a copy of it.
  bbsot::disable_core_dumps();
  std::vector<std::string> args(argv + 1, argv + argc);
  // argv[0] is the path git (or pre-commit, as pre-push.legacy) started this hook as: the
  // hook bbsot chains is named after it.
  return bbsot::run_pre_push(argc > 0 && argv[0] ? argv[0] : "", args, bbsot::read_all_stdin(), std::cerr);
}
