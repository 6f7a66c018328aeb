// bbsot-deliver: the detached half of push reporting, so that no hook waits on the network.
//   watch GIT_DIR ID   started by pre-push: waits for the push to end, finds out what landed,
//                      delivers, and lingers while retries are due
//   run GIT_DIR        delivers what is ready (started by `git bbsot` commands), then lingers
#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <thread>

#include "base/hardening.hpp"
#include "base/trace.hpp"
#include "git/git_dir.hpp"
#include "outbox/outbox.hpp"
#include "report/delivery.hpp"

using namespace bbsot;

namespace {

constexpr int kMaxPushSeconds = 2 * 3600;  // after that, `git bbsot report flush` settles it

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Until the pushing git process has exited: a pidfd is readable when it does (Linux 5.3),
// so the wait costs nothing; without one, a sleep that grows to 2 s. The record itself
// is never re-read meanwhile (a big push's record is megabytes).
void wait_for_exit(int64_t pid) {
  if (pid <= 1) return;
  const auto p = static_cast<pid_t>(pid);
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, p, 0);
  if (fd >= 0) {
    pollfd pfd{static_cast<int>(fd), POLLIN, 0};
    while (::poll(&pfd, 1, kMaxPushSeconds * 1000) < 0 && errno == EINTR) {
    }
    ::close(static_cast<int>(fd));
    return;
  }
#endif
  auto pause = std::chrono::milliseconds(50);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kMaxPushSeconds);
  while (!gone(p) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

int deliver_and_linger(const std::string& common, bool ignore_backoff) {
  const DeliveryWorld world = real_world();
  (void)settle_pending(common, false, world);
  (void)deliver_ready(common, ignore_backoff, world);
  linger(common, world);
  return 0;
}

int watch(const std::string& git_dir, const std::string& id) {
  const std::string common = common_dir_of(git_dir);
  if (auto r = Outbox(common).read(id); r && r->state == RecordState::Pending) wait_for_exit(r->pusher_pid);
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
