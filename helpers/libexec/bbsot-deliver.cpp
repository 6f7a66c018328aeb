// bbsot-deliver: the detached half of push reporting, so that no hook waits on the network.
//   watch GIT_DIR ID   started by pre-push: waits for the push to end, finds out what landed,
//                      delivers, and lingers while retries are due
//   run GIT_DIR        delivers what is ready (started by `git bbsot` commands), then lingers
#include <sys/resource.h>

#include <iostream>

#include "base/hardening.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "git/git_dir.hpp"
#include "outbox/outbox.hpp"
#include "report/delivery.hpp"

using namespace bbsot;

namespace {

int deliver_and_linger(const std::string& common, bool ignore_backoff) {
  const DeliveryWorld world = real_world();
  (void)settle_pending(common, false, world);
  (void)deliver_ready(common, ignore_backoff, world);
  linger(common, world);
  return 0;
}

int watch(const std::string& git_dir, const std::string& id) {
  const std::string common = common_dir_of(git_dir);
  if (auto r = Outbox(common).read(id); r && r->state == RecordState::Pending)
    wait_for_exit(r->pusher_pid, kMaxPushWaitSeconds);  // the record is not re-read meanwhile
  // A push is a sign the network is there: every record that is retrying gets one try now.
  return deliver_and_linger(common, true);
}

}  // namespace

// The CPU this detached process used, for bench/push.sh (work moved out of the push is
// still work; BBSOT_TRACE shows it).
int traced(int rc) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const long us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
  trace("deliver: done, cpu " + std::to_string(us / 1000) + "." + std::to_string((us / 100) % 10) + " ms");
  return rc;
}

int main(int argc, char** argv) {
  disable_core_dumps();  // it holds report secrets and API tokens
  const std::string op = argc > 1 ? argv[1] : "";
  try {
    if (op == "watch" && argc == 4) return traced(watch(argv[2], argv[3]));
    if (op == "run" && argc == 3) return traced(deliver_and_linger(common_dir_of(argv[2]), false));
  } catch (const std::exception& e) {
    trace(std::string("bbsot-deliver: ") + e.what());
    print_error(std::string("bbsot-deliver: ") + e.what());
    return kExitFailed;
  }
  std::cerr << "usage: bbsot-deliver watch GIT_DIR ID | run GIT_DIR   (started by bbsot's hooks and commands)\n";
  return kExitUsage;
}
