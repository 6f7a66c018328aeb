#include <gtest/gtest.h>

#include "base/process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "scratch_dir.hpp"

namespace bbsot {
namespace {

TEST(Process, CapturesStdoutStderrAndExitCode) {
  auto r = run_shell("echo out; echo err >&2; exit 3");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(Process, FeedsStdinLargerThanAPipeBuffer) {
  ProcessOptions o;
  o.stdin_data = std::string(1 << 20, 'x');
  auto r = run_process({"wc", "-c"}, o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(std::stol(r->out), 1 << 20);
}

TEST(Process, ChildThatIgnoresStdinDoesNotKillUs) {
  ProcessOptions o;
  o.stdin_data = std::string(1 << 20, 'x');
  auto r = run_process({"true"}, o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->exit_code, 0);
}

TEST(Process, TimeoutKillsTheChild) {
  ProcessOptions o;
  o.timeout_ms = 200;
  auto r = run_process({"sleep", "5"}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("did not finish"), std::string::npos);
}

TEST(Process, MissingProgramExits127) {
  auto r = run_process({"/nonexistent/program"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
}


// Polls for `path` for up to `seconds`.
bool appears(const std::string& path, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::filesystem::exists(path);
}

// The pre-push hook's watcher: the program starts only once the push has ended, so it
// never competes with it.
TEST(SpawnDetached, StartsTheProgramOnlyAfterTheGivenProcessHasExited) {
  unit::ScratchDir d;
  const pid_t pusher = ::fork();
  ASSERT_GE(pusher, 0);
  if (pusher == 0) {
    ::pause();
    _exit(0);
  }
  const std::string marker = d.path + "/started";
  ASSERT_TRUE(spawn_detached({"/bin/sh", "-c", "echo > '" + marker + "'"}, pusher));
  EXPECT_FALSE(appears(marker, 1)) << "started while the process it waits for was running";
  ::kill(pusher, SIGTERM);
  ::waitpid(pusher, nullptr, 0);
  EXPECT_TRUE(appears(marker, 10)) << "not started after the process it waits for exited";
}

// A hook's caller waits for the hook's pipes to close: the detached program holds none.
TEST(SpawnDetached, HoldsNoneOfTheCallersDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // inheritable, as git's pipes to a hook are
  ASSERT_TRUE(spawn_detached({"/bin/sleep", "8"}));
  ::close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the pipe is still held open by the detached program";
  char c;
  EXPECT_EQ(::read(fds[0], &c, 1), 0);
  ::close(fds[0]);
}

TEST(SpawnDetached, AProgramThatCannotStartIsAnErrorAtOnce) {
  auto s = spawn_detached({"/nonexistent/bbsot-deliver", "watch"}, ::getpid());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("/nonexistent/bbsot-deliver"), std::string::npos) << s.error();
}

}  // namespace
}  // namespace bbsot
