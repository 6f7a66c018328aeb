// bbsot under the hook managers teams already use (DESIGN.md "Hooks and push reports":
// `git bbsot hook NAME` lets pre-commit, lefthook or husky call bbsot). Each manager is
// really installed and owns the pre-push hook; its configuration holds the team's own
// pre-push check and bbsot's, as docs/HOOK-MANAGERS.md shows. For each: a push to the
// source runs both, a push to the mirror is refused, and `git bbsot init` leaves the
// manager's hooks alone and prints the snippet for it.
//
// pre-commit comes from Debian (`pre-commit`); lefthook and husky from npm, installed once
// per build into $BBSOT_NODE_TOOLS (default <build>/node_tools) under a file lock.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <sys/file.h>

#include "hooks/install.hpp"
#include "sandbox.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

bool is_symlink(const std::string& path) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(path, ec));
}

bool eventually(const std::function<bool()>& cond, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// ------------------------------------------------------------------ node tools

std::string node_tools_dir() {
  if (const char* e = std::getenv("BBSOT_NODE_TOOLS"); e && *e) return e;
  return (fs::path(stage_dir()).parent_path() / "node_tools").string();
}

std::string node_bin(const std::string& name) { return node_tools_dir() + "/node_modules/.bin/" + name; }

bool node_tools_present(const std::string& dir) {
  return fs::exists(dir + "/node_modules/.bin/lefthook") && fs::exists(dir + "/node_modules/.bin/husky");
}

// Installs lefthook and husky into `dir` once; "" when they are there, else why not.
// The lock keeps parallel ctest processes from running npm into the same directory.
std::string ensure_node_tools() {
  static std::string status = [] {
    const std::string dir = node_tools_dir();
    if (node_tools_present(dir)) return std::string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return "cannot create " + dir + ": " + ec.message();
    const int fd = ::open((dir + "/.install.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot open the lock in " + dir;
    ::flock(fd, LOCK_EX);
    std::string result;
    if (!node_tools_present(dir)) {
      if (run({"sh", "-c", "command -v npm"}).exit_code != 0) {
        result = "npm is not installed (Debian packages nodejs and npm)";
      } else {
        // --ignore-scripts: lefthook's postinstall would run `lefthook install` in the
        // directory npm was started from, i.e. the developer's own checkout.
        auto r = run({"npm", "install", "--prefix", dir, "--ignore-scripts", "--no-audit", "--no-fund",
                      "--loglevel=error", "lefthook@2", "husky@9"},
                     {}, dir, "", 300000);
        if (r.exit_code != 0 || !node_tools_present(dir))
          result = "npm install lefthook husky failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
      }
    }
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return result;
  }();
  return status;
}

// "3.0.4" -> {3, 0}; {0, 0} when pre-commit is missing.
std::pair<int, int> pre_commit_version() {
  auto r = run({"pre-commit", "--version"});
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.out, m, std::regex("(\\d+)\\.(\\d+)"))) return {0, 0};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

// pre-commit names its stages after the git hooks since 3.2 ("pre-push"); older releases,
// such as Debian 12's 3.0.4, only know "push", which newer ones still accept.
std::string pre_commit_push_stage() {
  auto [major, minor] = pre_commit_version();
  return major > 3 || (major == 3 && minor >= 2) ? "pre-push" : "push";
}

// ------------------------------------------------------------------------ fixture

class HookManagers : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    origin_ = tmp_.path() + "/origin.git";
    platform_ = tmp_.path() + "/platform.git";
    env_ = e2e_env(home_, stage_dir() + "/bin:" + node_tools_dir() + "/node_modules/.bin");
    env_["BBSOT_CONFIG"] = tmp_.path() + "/user/config.yml";
    env_["XDG_CACHE_HOME"] = home_ + "/.cache";
    env_["PRE_COMMIT_HOME"] = tmp_.path() + "/pre-commit-cache";
    env_["NO_COLOR"] = "1";
    // The hook managers' own switches, which a developer's shell may have set.
    for (const char* v : {"LEFTHOOK", "LEFTHOOK_BIN", "LEFTHOOK_VERBOSE", "LEFTHOOK_CONFIG", "HUSKY", "SKIP",
                          "PRE_COMMIT_ALLOW_NO_CONFIG", "PRE_COMMIT_REMOTE_NAME", "CI"})
      env_[v] = "";
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    git_ok({"init", "-q", "--bare", origin_}, tmp_.path());
    git_ok({"init", "-q", "--bare", platform_}, tmp_.path());
    git_ok({"init", "-q", work_}, tmp_.path());
    git_ok({"remote", "add", "origin", origin_});
    git_ok({"remote", "add", "platform", platform_});
    write_file(work_ + "/.bbsot.yml",
               "integration:\n  type: bitbucket\n  repository: acme/shop\n  project: abc123\n"
               "  default_branch: main\n  hook_url: " +
                   receiver_->url() +
                   "\n"
                   "remotes:\n  source: origin\n  mirror: platform\n");
    write_file(work_ + "/README.md", "# shop\n");
    git_ok({"add", "."});
    git_ok({"commit", "-q", "-m", "Start the shop"});
    // Bitbucket has main, and main tracks it, before any hook is installed.
    git_ok({"push", "-q", "-u", "origin", "main"});
  }

  RunResult git(const std::vector<std::string>& args, const Env& extra = {}) {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cmd(argv, extra);
  }

  RunResult cmd(const std::vector<std::string>& argv, const Env& extra = {}, const std::string& cwd = "") {
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    return run(argv, env, cwd.empty() ? work_ : cwd, "", 60000);
  }

  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = cmd(argv, {}, cwd);
    if (r.exit_code != 0) {
      std::string c = "git";
      for (const auto& a : args) c += " " + a;
      throw std::runtime_error(c + " failed: " + describe(r));
    }
    return trim(r.out);
  }

  void commit_file(const std::string& file, const std::string& content, const std::string& message) {
    write_file(work_ + "/" + file, content);
    git_ok({"add", file});
    git_ok({"commit", "-q", "-m", message});
  }

  std::vector<std::string> team_hook_runs() const { return read_lines(work_ + "/.git/team-hook.log"); }

  size_t outbox_records() const {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work_ + "/.git/bbsot/outbox", ec))
      if (e.path().extension() == ".json") ++n;
    return n;
  }

  // The same story for every manager: the team's hook and bbsot both run on a push to
  // Bitbucket; the mirror is refused, also when HEAD is level with its upstream (the
  // usual state right after pushing to Bitbucket, and the one where some managers
  // decide there is nothing to check).
  void expect_both_run_and_mirror_refused() {
    commit_file("shop.txt", "the shop\n", "Open the shop");
    auto push = git({"push", "origin", "main"});
    ASSERT_EQ(push.exit_code, 0) << describe(push);
    EXPECT_EQ(team_hook_runs().size(), 1u) << "the team's own pre-push hook did not run\n" << describe(push);
    EXPECT_EQ(outbox_records(), 1u) << "bbsot did not run (no push record)\n" << describe(push);
    EXPECT_EQ(git_ok({"rev-parse", "main"}), git_ok({"rev-parse", "main"}, origin_));
    // No reference-transaction hook here: bbsot's watcher confirms the push and delivers.
    if (outbox_records() > 0) {
      EXPECT_TRUE(eventually([&] { return receiver_->requests().size() == 1; }, 15000))
          << "the push was not reported to hook_url";
    }

    auto mirror = git({"push", "platform", "main"});
    EXPECT_NE(mirror.exit_code, 0) << "the mirror push went through\n" << describe(mirror);
    EXPECT_TRUE(contains(mirror.out + mirror.err, "refusing to push to 'platform'")) << describe(mirror);
    EXPECT_EQ(git_ok({"for-each-ref"}, platform_), "") << "the mirror received refs";

    // A commit the mirror would get first-hand (HEAD ahead of its upstream).
    commit_file("hotfix.txt", "made for the platform\n", "Hotfix for the platform only");
    auto ahead = git({"push", "platform", "HEAD:refs/heads/hotfix"});
    EXPECT_NE(ahead.exit_code, 0) << "the mirror push went through\n" << describe(ahead);
    EXPECT_EQ(git_ok({"for-each-ref", "refs/heads/hotfix"}, platform_), "") << "the mirror received hotfix";
  }

  // `git bbsot init` in a repository whose hooks a manager owns: the manager's hook stays
  // as it is, nothing is chained behind it, and the snippet for that manager is printed.
  void expect_init_leaves_manager_alone(const std::string& manager, const std::string& hooks_dir,
                                        const std::string& snippet_line) {
    const std::string hook = hooks_dir + "/pre-push";
    ASSERT_TRUE(fs::exists(hook)) << hook;
    const std::string before = read_file(hook);
    const size_t records = outbox_records();
    auto r = cmd({"git", "bbsot", "init"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    if (is_symlink(hook))
      ADD_FAILURE() << "bbsot replaced " << manager << "'s hook with a link to " << fs::read_symlink(hook) << "\n"
                    << describe(r);
    else
      EXPECT_EQ(read_file(hook), before) << manager << "'s hook changed";
    EXPECT_FALSE(fs::exists(hook + ".bbsot-chained")) << manager << "'s hook was chained behind bbsot's";
    EXPECT_FALSE(fs::exists(fs::symlink_status(hooks_dir + "/reference-transaction")));
    EXPECT_TRUE(contains(r.out, manager)) << r.out;
    EXPECT_TRUE(contains(r.out, snippet_line)) << r.out;
    // And the pushes still behave (bbsot runs once, through the manager).
    commit_file("after-init.txt", "x\n", "After init");
    auto push = git({"push", "origin", "main"});
    EXPECT_EQ(push.exit_code, 0) << describe(push);
    EXPECT_EQ(outbox_records(), records + 1) << "bbsot ran more or less than once for one push\n" << describe(push);
  }

  TempDir tmp_;
  std::string home_, work_, origin_, platform_;
  Env env_;
  std::unique_ptr<Receiver> receiver_;
};

// ====================================================================== pre-commit

std::string pre_commit_config(const std::string& stage) {
  return "repos:\n"
         "  - repo: local\n"
         "    hooks:\n"
         "      - id: team-check\n"
         "        name: team check\n"
         "        entry: sh -c 'echo \"team hook $PRE_COMMIT_REMOTE_NAME\" >> .git/team-hook.log'\n"
         "        language: system\n"
         "        stages: [" +
         stage +
         "]\n"
         "        pass_filenames: false\n"
         "        always_run: true\n"
         "      - id: bbsot\n"
         "        name: bbsot\n"
         "        entry: git bbsot hook pre-push\n"
         "        language: system\n"
         "        stages: [" +
         stage +
         "]\n"
         "        pass_filenames: false\n"
         "        always_run: true\n"
         "        verbose: true\n";
}

class HookManagersPreCommit : public HookManagers {
 protected:
  void SetUp() override {
    if (pre_commit_version().first == 0) GTEST_SKIP() << "pre-commit is not installed (Debian package pre-commit)";
    HookManagers::SetUp();
    write_file(work_ + "/.pre-commit-config.yaml", pre_commit_config(pre_commit_push_stage()));
    git_ok({"add", ".pre-commit-config.yaml"});
    git_ok({"commit", "-q", "-m", "Add pre-commit"});
    auto r = cmd({"pre-commit", "install", "--hook-type", "pre-push"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_TRUE(contains(read_file(work_ + "/.git/hooks/pre-push"), "pre-commit"));
  }
};

TEST_F(HookManagersPreCommit, BothHooksRunAndTheMirrorIsRefused) { expect_both_run_and_mirror_refused(); }

TEST_F(HookManagersPreCommit, NewBranchIsReportedAsNew) {
  // pre-commit hands bbsot one ref through PRE_COMMIT_* variables; for a new branch its
  // FROM_REF is the fork point, not the remote's (absent) old value.
  git_ok({"checkout", "-q", "-b", "feature"});
  commit_file("feature.txt", "feature\n", "Feature work");
  auto push = git({"push", "origin", "feature"});
  ASSERT_EQ(push.exit_code, 0) << describe(push);
  EXPECT_TRUE(contains(push.out + push.err, "feature: new branch")) << describe(push);
}

TEST_F(HookManagersPreCommit, InitLeavesPreCommitsHookAlone) {
  expect_init_leaves_manager_alone("pre-commit", work_ + "/.git/hooks", "entry: git bbsot hook pre-push");
}

TEST_F(HookManagersPreCommit, SnippetPrintedByBbsotIsValid) {
  // What `git bbsot init` and `git bbsot doctor` tell pre-commit users to paste.
  const std::string text = hook_manager_instructions("pre-commit");
  auto at = text.find("- repo: local");
  ASSERT_NE(at, std::string::npos) << text;
  std::string yaml = "repos:\n";
  std::istringstream in(text.substr(at - 4));
  for (std::string line; std::getline(in, line);) yaml += line.substr(std::min<size_t>(2, line.size())) + "\n";
  write_file(work_ + "/.pre-commit-config.yaml", yaml);
  auto r = cmd({"pre-commit", "validate-config", ".pre-commit-config.yaml"});
  EXPECT_EQ(r.exit_code, 0) << "pre-commit " << pre_commit_version().first << "." << pre_commit_version().second
                            << " rejects bbsot's snippet:\n"
                            << yaml << describe(r);
}

// ======================================================================== lefthook

// docs/HOOK-MANAGERS.md: a script, which lefthook never skips for want of "push files".
const char* kLefthookScripts =
    "pre-push:\n"
    "  commands:\n"
    "    team-check:\n"
    "      run: echo \"team hook {1}\" >> .git/team-hook.log\n"
    "  scripts:\n"
    "    \"bbsot.sh\":\n"
    "      runner: sh\n"
    "      use_stdin: true\n";
const char* kLefthookBbsotScript = "#!/bin/sh\nexec git bbsot hook pre-push \"$@\"\n";

class HookManagersLefthook : public HookManagers {
 protected:
  void SetUp() override {
    if (auto why = ensure_node_tools(); !why.empty()) GTEST_SKIP() << why;
    HookManagers::SetUp();
  }

  void install(const std::string& config, bool with_script) {
    write_file(work_ + "/lefthook.yml", config);
    git_ok({"add", "lefthook.yml"});
    if (with_script) {
      fs::create_directories(work_ + "/.lefthook/pre-push");
      write_file(work_ + "/.lefthook/pre-push/bbsot.sh", kLefthookBbsotScript, 0755);
      git_ok({"add", ".lefthook"});
    }
    git_ok({"commit", "-q", "-m", "Add lefthook"});
    git_ok({"push", "-q", "origin", "main"});  // before bbsot is in: nothing recorded
    auto r = cmd({node_bin("lefthook"), "install"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_TRUE(contains(read_file(work_ + "/.git/hooks/pre-push"), "lefthook"));
    // The team's check ran on the push above only if lefthook was already installed.
    fs::remove(work_ + "/.git/team-hook.log");
  }
};

// lefthook skips a pre-push `commands:` entry when `git diff HEAD @{push}` is empty, which
// lets a mirror push through; bbsot therefore recommends (and tests) the `scripts:` form.
TEST_F(HookManagersLefthook, ScriptSnippetRunsAndTheMirrorIsRefused) {
  install(kLefthookScripts, true);
  expect_both_run_and_mirror_refused();
}

TEST_F(HookManagersLefthook, InitLeavesLefthooksHookAlone) {
  install(kLefthookScripts, true);
  expect_init_leaves_manager_alone("lefthook", work_ + "/.git/hooks", "git bbsot hook pre-push");
}

// =========================================================================== husky

const char* kHuskyPrePush =
    "echo \"team hook $1\" >> .git/team-hook.log\n"
    "git bbsot hook pre-push \"$@\"\n";

class HookManagersHusky : public HookManagers {
 protected:
  void SetUp() override {
    if (auto why = ensure_node_tools(); !why.empty()) GTEST_SKIP() << why;
    HookManagers::SetUp();
    write_file(work_ + "/package.json", "{\n  \"name\": \"shop\",\n  \"private\": true\n}\n");
    auto r = cmd({node_bin("husky"), "init"});  // what `npx husky init` runs
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_EQ(git_ok({"config", "core.hooksPath"}), ".husky/_");
    fs::remove(work_ + "/.husky/pre-commit");  // husky's sample: `npm test`
    write_file(work_ + "/.husky/pre-push", kHuskyPrePush);
    git_ok({"add", "package.json", ".husky"});
    git_ok({"commit", "-q", "-m", "Add husky"});
  }
};

TEST_F(HookManagersHusky, BothHooksRunAndTheMirrorIsRefused) { expect_both_run_and_mirror_refused(); }

TEST_F(HookManagersHusky, InitLeavesHuskysHooksAlone) {
  const std::string own = read_file(work_ + "/.husky/pre-push");
  expect_init_leaves_manager_alone("husky", work_ + "/.husky/_", "git bbsot hook pre-push \"$@\"");
  EXPECT_EQ(read_file(work_ + "/.husky/pre-push"), own);
  EXPECT_FALSE(is_symlink(work_ + "/.git/hooks/pre-push"));
  EXPECT_EQ(git_ok({"config", "core.hooksPath"}), ".husky/_");
}

}  // namespace
}  // namespace bbsot::test
