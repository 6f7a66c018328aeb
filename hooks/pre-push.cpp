// pre-push: refuses pushes to the platform's mirror, records pushes to Bitbucket for the
// integration, then runs the hook bbsot's installation moved aside.
#include "hooks/chain.hpp"
#include "hooks/pre_push.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return bbsot::run_pre_push(bbsot::hooks_dir_from_argv0(argv[0]), args, bbsot::read_all_stdin());
}
