#include <gtest/gtest.h>

#include "base/process.hpp"

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

}  // namespace
}  // namespace bbsot
