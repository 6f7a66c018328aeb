// `git bbsot status` says per branch what the integration will do; that plan must follow
// the configured options (docs/DESIGN.md "The integration model") and never be invented when
// there is no mirror to compare with. Remotes are bare repositories on disk: `origin`
// stands in for Bitbucket, `platform` for the platform's mirror.
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class IntegrationPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    env_ = e2e_env(home_, stage_dir() + "/bin");
    env_["BBSOT_CONFIG"] = tmp_.path() + "/user/bbsot/config.yml";
    env_["XDG_CACHE_HOME"] = home_ + "/.cache";
    env_["TMPDIR"] = tmp_.path();
    git_ok({"init", "-q", "--bare", tmp_.path() + "/origin.git"}, tmp_.path());
    git_ok({"init", "-q", "--bare", tmp_.path() + "/platform.git"}, tmp_.path());
    git_ok({"init", "-q", work_}, tmp_.path());
    commit("initial");
    git_ok({"remote", "add", "origin", tmp_.path() + "/origin.git"});
    git_ok({"push", "-q", "origin", "main"});
  }

  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, env_, cwd.empty() ? work_ : cwd);
    if (r.exit_code != 0) throw std::runtime_error("git " + args[0] + " failed: " + describe(r));
    return r.out;
  }

  void commit(const std::string& message) {
    ++clock_;
    // Appended, not "f" + ...: g++ 12 warns falsely (-Wrestrict) about literal + temporary.
    std::string file = "f";
    file += std::to_string(clock_) + ".txt";
    write_file(work_ + "/" + file, message + "\n");
    git_ok({"add", file});
    git_ok({"commit", "-q", "-m", message});
  }

  void add_mirror() { git_ok({"remote", "add", "platform", tmp_.path() + "/platform.git"}); }

  // Local paths say nothing about roles, so .bbsot.yml names the remotes; then the clone
  // is set up from it (status reads the clone's record, not the file). No hook URL: these
  // tests are about the plan, not reports.
  void write_config(const std::string& options, bool with_mirror) {
    write_file(work_ + "/.bbsot.yml",
               "integration:\n  type: bitbucket\n  repository: acme/shop\n"
               "  default_branch: main\n" +
                   options + "remotes:\n  source: origin\n" + (with_mirror ? "  mirror: platform\n" : ""));
    set_up_clone(env_, work_, {"--yes", "--no-hook-url"});
  }

  // Branch `name` off main with one commit, pushed to the listed remotes.
  void branch(const std::string& name, const std::vector<std::string>& remotes) {
    git_ok({"checkout", "-q", "-b", name, "main"});
    commit(name + " base");
    for (const auto& r : remotes) git_ok({"push", "-q", r, name});
    git_ok({"checkout", "-q", "main"});
  }

  // The plan line of each branch in `git bbsot status` ("  <branch>  <plan>").
  std::map<std::string, std::string> plans() {
    std::vector<std::string> argv{"git", "bbsot", "status"};
    auto r = run(argv, env_, work_);
    if (r.exit_code != 0) throw std::runtime_error("git bbsot status failed: " + describe(r));
    std::map<std::string, std::string> m;
    std::istringstream in(r.out);
    std::smatch sm;
    for (std::string l; std::getline(in, l);)
      if (std::regex_match(l, sm, std::regex("^  (\\S+) +(.*)$"))) m[sm[1]] = sm[2];
    return m;
  }

  TempDir tmp_;
  std::string home_, work_;
  Env env_;
  int clock_ = 0;
};

// Finding 6: with no mirror remote every branch used to show "only on Bitbucket: ...
// inactive environment, parent main", main included.
TEST_F(IntegrationPlan, NoMirrorRemoteClaimsNoPlan) {
  write_config("", false);
  branch("topic", {"origin"});
  auto p = plans();
  ASSERT_EQ(p.count("main"), 1u);
  ASSERT_EQ(p.count("topic"), 1u);
  for (const auto& [name, plan] : p) {
    EXPECT_FALSE(contains(plan, "environment")) << name << ": " << plan;
    EXPECT_TRUE(contains(plan, "no mirror remote to compare with")) << name << ": " << plan;
    EXPECT_TRUE(contains(plan, "git bbsot init --mirror-remote NAME=URL")) << name << ": " << plan;
  }
  // Scripts read the state, not the sentence: it must not claim "only-on-source" either.
  auto r = run({"git", "bbsot", "status", "--json"}, env_, work_);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.out, "only-on-source")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"state\": \"not-compared\"")) << r.out;
}

// Finding 6/7: the default branch is the production environment, never its own child.
TEST_F(IntegrationPlan, DefaultBranchIsTheProductionEnvironment) {
  add_mirror();
  write_config("", true);
  branch("topic", {"origin"});
  auto p = plans();
  EXPECT_FALSE(contains(p["main"], "inactive")) << p["main"];
  EXPECT_FALSE(contains(p["main"], "parent main")) << p["main"];
  EXPECT_TRUE(contains(p["main"], "production environment")) << p["main"];
  EXPECT_EQ(p["topic"], "only on Bitbucket: the integration will create an inactive environment, parent main");
}

// Finding 8: with fetch_branches off the integration leaves other branches alone.
TEST_F(IntegrationPlan, FetchBranchesOffUpdatesOnlyTheDefaultBranch) {
  add_mirror();
  write_config("  fetch_branches: false\n", true);
  git_ok({"push", "-q", "platform", "main"});
  branch("behind", {"origin", "platform"});
  branch("diverged", {"origin", "platform"});
  branch("mirror-only", {"platform"});
  // Bitbucket moves on: main and behind fast-forward, diverged gets a mirror-only commit.
  commit("main moves on");
  git_ok({"push", "-q", "origin", "main"});
  git_ok({"checkout", "-q", "behind"});
  commit("behind moves on");
  git_ok({"push", "-q", "origin", "behind"});
  git_ok({"checkout", "-q", "diverged"});
  commit("made on the platform");
  git_ok({"push", "-q", "platform", "diverged"});
  git_ok({"reset", "-q", "--hard", "HEAD~1"});
  commit("diverged moves on");
  git_ok({"push", "-q", "origin", "diverged"});
  git_ok({"checkout", "-q", "main"});
  auto p = plans();
  EXPECT_EQ(p["main"], "mirror behind: the integration will update it");
  EXPECT_FALSE(contains(p["behind"], "will update")) << p["behind"];
  EXPECT_TRUE(contains(p["behind"], "fetch_branches is off")) << p["behind"];
  EXPECT_FALSE(contains(p["diverged"], "overwritten")) << p["diverged"];
  EXPECT_TRUE(contains(p["diverged"], "fetch_branches is off")) << p["diverged"];
  EXPECT_FALSE(contains(p["mirror-only"], "pruned")) << p["mirror-only"];
}

}  // namespace
}  // namespace bbsot::test
