// bbsot-deliver: the detached half of push reporting, so that no hook waits on the network.
//   confirm HOOKS_DIR MARKER   from reference-transaction (stdin: the transaction); also
//                              runs the chained reference-transaction hook
//   watch GIT_DIR ID           from pre-push: waits for the push to end, settles, delivers
//   run GIT_DIR                delivers what is ready
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "hooks/chain.hpp"
#include "outbox/outbox.hpp"
#include "report/delivery.hpp"

using namespace bbsot;

namespace {

int confirm(const std::string& hooks_dir, const std::string& marker) {
  const std::string input = read_all_stdin();
  const std::string git_dir = dirname_of(marker);
  try {
    if (confirm_from_transaction(git_dir, input) > 0)
      spawn_detached({join_path(libexec_dir(), "bbsot-deliver"), "run", git_dir});
    disarm_if_idle(git_dir);
  } catch (const std::exception& e) {
    trace(std::string("confirm: ") + e.what());  // a ref update never fails because of bbsot
  }
  return run_chained_hook(hooks_dir, "reference-transaction", {"committed"}, input);
}

bool pending(const std::string& common, const std::string& id, int64_t* pid) {
  auto r = Outbox(common).read(id);
  if (!r) return false;
  *pid = r->pusher_pid;
  return r->state == RecordState::Pending;
}

int watch(const std::string& git_dir, const std::string& id) {
  const std::string common = common_dir_of(git_dir);
  int64_t pid = 0;
  // A push can take long; after two hours `report flush` is the way.
  for (int i = 0; i < 2 * 3600 * 10 && pending(common, id, &pid); ++i) {
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  settle_pending(common, false, nullptr);
  deliver_ready(common, false);
  disarm_if_idle(git_dir);
  return 0;
}

int run(const std::string& git_dir) {
  deliver_ready(common_dir_of(git_dir), false);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string op = argc > 1 ? argv[1] : "";
  try {
    if (op == "confirm" && argc == 4) return confirm(argv[2], argv[3]);
    if (op == "watch" && argc == 4) return watch(argv[2], argv[3]);
    if (op == "run" && argc == 3) return run(argv[2]);
  } catch (const std::exception& e) {
    print_error(std::string("bbsot-deliver: ") + e.what());
    return kExitFailed;
  }
  std::cerr
      << "usage: bbsot-deliver confirm HOOKS_DIR MARKER | watch GIT_DIR ID | run GIT_DIR   (run by bbsot's hooks)\n";
  return kExitUsage;
}
