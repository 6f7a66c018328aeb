// End-to-end tests of `git bbsot` (docs/DESIGN.md "git-bbsot"): the staged git-bbsot run by real
// git in throwaway repositories. Remotes are bare repositories on disk standing in for
// Bitbucket (`origin`) and the platform's mirror (`platform`); where a command talks to
// the integration, the receiver double on 127.0.0.1 stands in for hook_url.
//
// Every test runs with its own HOME, user config (BBSOT_CONFIG) and cache inside a
// TempDir, so the developer's git and bbsot files are never read or touched.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

bool eventually(const std::function<bool()>& cond, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string link_target(const std::string& path) {
  std::error_code ec;
  auto t = fs::read_symlink(path, ec);
  return ec ? "" : t.string();
}

bool is_symlink(const std::string& path) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(path, ec));
}

int file_mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// What a hooks directory holds: per entry, the link target or the content and mode.
std::map<std::string, std::string> snapshot_dir(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string p = e.path().string();
    if (is_symlink(p))
      out[e.path().filename()] = "link -> " + link_target(p);
    else if (e.is_regular_file())
      out[e.path().filename()] = "file " + std::to_string(file_mode(p)) + "\n" + read_file(p);
    else
      out[e.path().filename()] = "other";
  }
  return out;
}

std::string hook_program(const std::string& name) { return stage_dir() + "/libexec/bbsot/hooks/" + name; }

const char* kOriginalPrePush = "#!/bin/sh\n# the team's own pre-push hook\necho original pre-push ran >&2\nexit 0\n";

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    origin_ = tmp_.path() + "/origin.git";
    platform_ = tmp_.path() + "/platform.git";
    user_config_ = tmp_.path() + "/user/bbsot/config.yml";
    env_ = e2e_env(home_, stage_dir() + "/bin");
    env_["BBSOT_CONFIG"] = user_config_;
    env_["XDG_CACHE_HOME"] = home_ + "/.cache";
    env_["TMPDIR"] = tmp_.path();
  }

  // ------------------------------------------------------------------------ runners

  RunResult git(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    return run(argv, env, cwd.empty() ? work_ : cwd, "", 60000);
  }

  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    auto r = git(args, cwd, extra);
    if (r.exit_code != 0) {
      std::string cmd = "git";
      for (const auto& a : args) cmd += " " + a;
      throw std::runtime_error(cmd + " failed: " + describe(r));
    }
    return trim(r.out);
  }

  // `git bbsot ARGS` as a user types it: git finds git-bbsot on PATH.
  RunResult bbsot(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {},
                  int timeout_ms = 30000) {
    std::vector<std::string> argv{"git", "bbsot"};
    argv.insert(argv.end(), args.begin(), args.end());
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    return run(argv, env, cwd.empty() ? work_ : cwd, "", timeout_ms);
  }

  // ------------------------------------------------------------------ repositories

  // Commits `file` with `content` (a new file per message when none is given).
  std::string commit(const std::string& message, const std::string& dir = "", std::string file = "",
                     const std::string& content = "") {
    const std::string d = dir.empty() ? work_ : dir;
    ++clock_;
    if (file.empty()) file = "f" + std::to_string(clock_) + ".txt";
    write_file(d + "/" + file, content.empty() ? message + "\n" : content);
    git_ok({"add", file}, d);
    const std::string date = "@" + std::to_string(1700000000 + clock_ * 60) + " +0000";
    git_ok({"commit", "-q", "-m", message}, d, {{"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_DATE", date}});
    return git_ok({"rev-parse", "HEAD"}, d);
  }

  void init_work() {
    git_ok({"init", "-q", work_}, tmp_.path());
    commit("initial");
  }

  // A work tree whose origin and platform are bare repositories on disk, main pushed to
  // origin (before any hook is installed).
  void init_with_local_remotes() {
    git_ok({"init", "-q", "--bare", origin_}, tmp_.path());
    git_ok({"init", "-q", "--bare", platform_}, tmp_.path());
    init_work();
    git_ok({"remote", "add", "origin", origin_});
    git_ok({"remote", "add", "platform", platform_});
    git_ok({"push", "-q", "origin", "main"});
  }

  // The remotes a developer has after the platform's CLI added its own.
  void init_with_real_urls() {
    init_work();
    git_ok({"remote", "add", "origin", "git@bitbucket.org:Acme/Shop.git"});
    git_ok({"remote", "add", "platform", "abc123@git.eu-5.platform.sh:abc123.git"});
  }

  std::string hooks_dir() const { return work_ + "/.git/hooks"; }
  // The clone's record, which init writes and the hooks and commands act on.
  std::string clone_record() const { return work_ + "/.git/bbsot/clone.json"; }

  void write_repo_config(const std::string& extra_integration = "", const std::string& dir = "") {
    std::string t =
        "integration:\n  type: bitbucket\n  repository: acme/shop\n  project: abc123\n"
        "  default_branch: main\n  fetch_branches: true\n  prune_branches: true\n" +
        extra_integration + "remotes:\n  source: origin\n  mirror: platform\n";
    write_file((dir.empty() ? work_ : dir) + "/.bbsot.yml", t);
  }

  std::string local_config() { return git_ok({"config", "--local", "--list"}); }

  TempDir tmp_;
  std::string home_, work_, origin_, platform_, user_config_;
  Env env_;
  int clock_ = 0;
};

// ===================================================================== usage

using CliUsage = Cli;

TEST_F(CliUsage, HelpListsEveryCommand) {
  // `git bbsot --help` is turned by git into `git help bbsot` (the man page); the
  // program's own listing is what `git bbsot help` and `git-bbsot --help` print.
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"git", "bbsot", "help"}, {bin_path("git-bbsot"), "--help"}, {"git", "bbsot", "-h"}}) {
    auto r = run(argv, env_, tmp_.path());
    EXPECT_EQ(r.exit_code, 0) << argv[0] << " " << argv[1] << "\n" << describe(r);
    for (const char* c :
         {"init", "uninstall", "status", "doctor", "sync", "demo", "token", "hook", "report", "version"})
      EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\\n +") + c + " "))) << c << " missing:\n" << r.out;
  }
}

TEST_F(CliUsage, GitBbsotDashDashHelp) {
  // git turns this into `git help bbsot`, i.e. `man git-bbsot`: the page install.sh puts
  // under <prefix>/share/man/man1 (the stage has none), here taken from the source tree.
  if (run({"sh", "-c", "command -v man"}).exit_code != 0) GTEST_SKIP() << "man is not installed (Debian man-db)";
  fs::create_directories(tmp_.path() + "/man/man1");
  fs::copy_file(std::string(BBSOT_SOURCE_DIR) + "/docs/git-bbsot.1", tmp_.path() + "/man/man1/git-bbsot.1");
  auto r = bbsot({"--help"}, tmp_.path(),
                 {{"MANPATH", tmp_.path() + "/man"},
                  {"PAGER", "cat"},
                  {"MANPAGER", "cat"},
                  {"GIT_PAGER", "cat"},
                  {"MANWIDTH", "100"}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "init") && contains(r.out, "status") && contains(r.out, "doctor")) << describe(r);
}

TEST_F(CliUsage, UnknownCommandIsAUsageError) {
  auto r = bbsot({"frobnicate"}, tmp_.path());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "frobnicate")) << r.err;
  EXPECT_TRUE(contains(r.err, "git bbsot --help")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliUsage, UnknownOptionPrintsTheUsageLine) {
  init_with_real_urls();
  auto r = bbsot({"init", "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "bogus")) << r.err;
  EXPECT_TRUE(contains(r.err, "usage: git bbsot init")) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml")) << "a usage error must change nothing";
}

TEST_F(CliUsage, BadBooleanIsAUsageError) {
  init_with_real_urls();
  auto r = bbsot({"init", "--fetch-branches", "maybe"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "fetch-branches")) << r.err;
  EXPECT_TRUE(contains(r.err, "maybe")) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml")) << "a usage error must change nothing";
}

TEST_F(CliUsage, PlainHttpHookUrlIsRefusedUnlessLoopback) {
  init_with_real_urls();
  for (const std::string bad :
       {"http://integrations.example.net/hook", "http://127.evil.example/hook", "ftp://127.0.0.1/x"}) {
    auto r = bbsot({"init", "--hook-url", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << describe(r);
    EXPECT_TRUE(contains(r.err, bad)) << r.err;
    EXPECT_TRUE(contains(r.err, "https://")) << r.err;
    EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml")) << "a refused flag must change nothing";
  }
  auto ok = bbsot({"init", "--hook-url", "http://127.0.0.1:9/hook"});
  EXPECT_EQ(ok.exit_code, 0) << describe(ok);
}

TEST_F(CliUsage, ExtraArgumentsOfReportSubcommandsAreNamed) {
  init_with_real_urls();
  for (const std::string sub : {"list", "flush"}) {
    auto r = bbsot({"report", sub, "extra"});
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, "report " + sub + ": unexpected argument 'extra'")) << r.err;
  }
}

TEST_F(CliUsage, EveryCommandHasHelp) {
  init_with_real_urls();
  for (const char* c :
       {"init", "uninstall", "status", "doctor", "sync", "demo", "token", "hook", "report", "version", "help"}) {
    auto r = bbsot({c, "--help"});
    EXPECT_EQ(r.exit_code, 0) << c << " --help\n" << describe(r);
    EXPECT_FALSE(r.out.empty()) << c << " --help printed nothing on stdout\n" << describe(r);
  }
  // --help must not act: no init, no sync, no demo sandbox.
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml"));
  EXPECT_FALSE(is_symlink(hooks_dir() + "/pre-push"));
}

// ====================================================================== init

using CliInit = Cli;

TEST_F(CliInit, WritesConfigAndInstallsHooksKeepingTheExistingOne) {
  init_with_real_urls();
  write_file(hooks_dir() + "/pre-push", kOriginalPrePush, 0755);
  const auto hooks_before = snapshot_dir(hooks_dir());

  // Off a terminal init asks nothing: the one piece no remote shows, the hook URL, is
  // named with its flags, and nothing is changed.
  auto missing = bbsot({"init"});
  EXPECT_EQ(missing.exit_code, 2) << describe(missing);
  EXPECT_TRUE(contains(missing.err, "missing: the integration's hook URL")) << missing.err;
  EXPECT_TRUE(contains(missing.err, "--hook-url URL")) << missing.err;
  EXPECT_TRUE(contains(missing.err, "--no-hook-url")) << missing.err;
  EXPECT_TRUE(contains(missing.err, "nothing was changed")) << missing.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml"));
  EXPECT_FALSE(fs::exists(clone_record()));
  EXPECT_EQ(snapshot_dir(hooks_dir()), hooks_before);

  auto r = bbsot({"init", "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);

  const std::string cfg = read_file(work_ + "/.bbsot.yml");
  EXPECT_TRUE(std::regex_search(cfg, std::regex("\\n  type: bitbucket\\n"))) << cfg;
  EXPECT_TRUE(std::regex_search(cfg, std::regex("\\n  repository: Acme/Shop\\n"))) << cfg;
  EXPECT_TRUE(std::regex_search(cfg, std::regex("\\n  project: abc123\\n"))) << cfg;
  EXPECT_TRUE(std::regex_search(cfg, std::regex("\\nremotes:\\n(  .*\\n)*  source: origin\\n"))) << cfg;
  EXPECT_TRUE(std::regex_search(cfg, std::regex("\\nremotes:\\n(  .*\\n)*  mirror: platform\\n"))) << cfg;
  EXPECT_FALSE(contains(cfg, "hook_url")) << cfg;
  EXPECT_TRUE(contains(r.out, "not reported until the integration's hook URL is set")) << r.out;
  EXPECT_TRUE(fs::exists(clone_record())) << r.out;

  EXPECT_TRUE(is_symlink(hooks_dir() + "/pre-push"));
  EXPECT_EQ(link_target(hooks_dir() + "/pre-push"), hook_program("pre-push"));
  // bbsot no longer installs reference-transaction (issue 13: no hook on ref updates).
  EXPECT_FALSE(fs::exists(fs::symlink_status(hooks_dir() + "/reference-transaction")));
  const std::string chained = hooks_dir() + "/pre-push.bbsot-chained";
  ASSERT_TRUE(fs::exists(chained)) << r.out;
  EXPECT_EQ(read_file(chained), kOriginalPrePush);
  EXPECT_TRUE(contains(r.out, "pre-push.bbsot-chained")) << r.out;
  // No account was given: init says how to add one, and configures no helper.
  EXPECT_TRUE(contains(r.out, "--key")) << r.out;
  EXPECT_FALSE(contains(local_config(), "credential."));
  EXPECT_FALSE(fs::exists(user_config_));
}

TEST_F(CliInit, SecondRunChangesNothing) {
  init_with_real_urls();
  write_file(hooks_dir() + "/pre-push", kOriginalPrePush, 0755);
  write_file(tmp_.path() + "/secret", "not-used\n", 0600);
  auto first = bbsot({"init", "--no-hook-url", "--key", "K3Y", "--secret-command", "cat " + tmp_.path() + "/secret"});
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  const std::string cfg = read_file(work_ + "/.bbsot.yml");
  const auto hooks = snapshot_dir(hooks_dir());
  const std::string config = local_config();
  const std::string user = read_file(user_config_);
  const std::string record = read_file(clone_record());

  auto second = bbsot({"init", "--no-hook-url", "--key", "K3Y", "--secret-command", "cat " + tmp_.path() + "/secret"});
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  EXPECT_EQ(read_file(work_ + "/.bbsot.yml"), cfg);
  EXPECT_EQ(snapshot_dir(hooks_dir()), hooks);
  EXPECT_EQ(local_config(), config);
  EXPECT_EQ(read_file(user_config_), user);
  EXPECT_EQ(read_file(clone_record()), record);
  EXPECT_TRUE(contains(second.out, "nothing changed")) << second.out;

  auto third = bbsot({"init", "--no-hook-url"});
  ASSERT_EQ(third.exit_code, 0) << describe(third);
  EXPECT_EQ(read_file(work_ + "/.bbsot.yml"), cfg);
  EXPECT_EQ(snapshot_dir(hooks_dir()), hooks);
  EXPECT_EQ(local_config(), config);
  EXPECT_EQ(read_file(clone_record()), record);
  EXPECT_TRUE(contains(third.out, "nothing changed")) << third.out;
}

TEST_F(CliInit, AccountAndCredentialHelper) {
  init_with_real_urls();
  const std::string secret_value = "s3cr3t-consumer-value-91f2";
  const std::string secret_file = tmp_.path() + "/consumer-secret";
  write_file(secret_file, secret_value + "\n", 0600);
  const std::string command = "cat " + secret_file;

  auto r = bbsot({"init", "--no-hook-url", "--key", "consumer-key-1", "--secret-command", command});
  ASSERT_EQ(r.exit_code, 0) << describe(r);

  ASSERT_TRUE(fs::exists(user_config_)) << describe(r);
  EXPECT_EQ(file_mode(user_config_), 0600);
  const std::string user = read_file(user_config_);
  EXPECT_TRUE(contains(user, "url: https://bitbucket.org/Acme\n")) << user;
  EXPECT_TRUE(contains(user, "key: consumer-key-1")) << user;
  EXPECT_TRUE(contains(user, "secret_command: " + command)) << user;

  // By absolute path: `bbsot` alone would cost git a second process (docs/BENCHMARKS.md).
  EXPECT_EQ(git_ok({"config", "--local", "--get-all", "credential.https://bitbucket.org/Acme.helper"}),
            bin_path("git-credential-bbsot"));
  EXPECT_EQ(git_ok({"config", "--local", "--get", "credential.https://bitbucket.org/Acme.useHttpPath"}), "true");

  // The secret itself is never read into any file or message by init.
  for (const auto& [what, text] : std::map<std::string, std::string>{{"user file", user},
                                                                     {".bbsot.yml", read_file(work_ + "/.bbsot.yml")},
                                                                     {"git config", local_config()},
                                                                     {"clone record", read_file(clone_record())},
                                                                     {"stdout", r.out},
                                                                     {"stderr", r.err}})
    EXPECT_FALSE(contains(text, secret_value)) << "secret in " << what;
}

TEST_F(CliInit, WithoutABitbucketRemoteAsksForRepository) {
  init_with_local_remotes();
  auto r = bbsot({"init"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--repository")) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml"));
  EXPECT_FALSE(is_symlink(hooks_dir() + "/pre-push"));
}

TEST_F(CliInit, HonoursCoreHooksPath) {
  init_with_local_remotes();
  git_ok({"config", "core.hooksPath", ".githooks"});
  fs::create_directories(work_ + "/.githooks");
  write_file(work_ + "/.githooks/pre-push", kOriginalPrePush, 0755);

  const auto team = snapshot_dir(work_ + "/.githooks");
  auto r = bbsot({"init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote", "platform",
                  "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // Nothing in the team's directory: a per-clone one runs bbsot, then .githooks/pre-push.
  EXPECT_EQ(snapshot_dir(work_ + "/.githooks"), team);
  EXPECT_FALSE(is_symlink(hooks_dir() + "/pre-push")) << "installed into .git/hooks despite core.hooksPath";
  EXPECT_EQ(link_target(work_ + "/.git/bbsot/hooks/pre-push"), hook_program("pre-push"));
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), work_ + "/.git/bbsot/hooks");

  // git really runs them from there: the mirror is refused.
  commit("hotfix");
  auto push = git({"push", "platform", "main"});
  EXPECT_NE(push.exit_code, 0) << describe(push);
  EXPECT_TRUE(contains(push.err, "refusing to push to 'platform'")) << push.err;
  EXPECT_EQ(git_ok({"ls-remote", "platform"}), "");
}

TEST_F(CliInit, LinkedWorktreeSharesTheHooks) {
  init_with_local_remotes();
  auto r = bbsot({"init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote", "platform",
                  "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string wt = tmp_.path() + "/wt";
  git_ok({"worktree", "add", "-q", "-b", "topic", wt});
  // .bbsot.yml is not committed, so the worktree has none: the clone's record, shared by
  // every worktree, guards it all the same.
  ASSERT_FALSE(fs::exists(wt + "/.bbsot.yml"));

  std::string hooks = git_ok({"rev-parse", "--git-path", "hooks"}, wt);
  if (!hooks.starts_with("/")) hooks = wt + "/" + hooks;
  EXPECT_EQ(link_target(hooks + "/pre-push"), hook_program("pre-push")) << hooks;

  commit("topic work", wt);
  auto push = git({"push", "platform", "topic"}, wt);
  EXPECT_NE(push.exit_code, 0) << describe(push);
  EXPECT_TRUE(contains(push.err, "refusing to push to 'platform'")) << push.err;
  auto ok = git({"push", "origin", "topic"}, wt);
  EXPECT_EQ(ok.exit_code, 0) << describe(ok);
  EXPECT_TRUE(contains(ok.err, "bbsot: topic: new branch")) << ok.err;
}

// Audit 4 #1: detection fills only what is absent; an explicit --url stays as given.
TEST_F(CliInit, ExplicitUrlIsNotReplacedByDetection) {
  init_work();
  git_ok({"remote", "add", "origin", "ssh://git@bitbucket.example.com:7999/PROJ/repo.git"});
  auto r = bbsot(
      {"init", "--type", "bitbucket_server", "--url", "https://bitbucket.example.com/bitbucket", "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string cfg = read_file(work_ + "/.bbsot.yml");
  EXPECT_TRUE(contains(cfg, "\n  url: https://bitbucket.example.com/bitbucket\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  type: bitbucket_server\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  repository: PROJ/repo\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  source: origin\n")) << cfg;
}

// Audit 4 #2: a Bitbucket Server on a git.* host is recognised by its /scm/ path; the
// platform's remote is told apart by the mirror patterns, not by "git." in its host.
TEST_F(CliInit, DetectsAServerOnAGitDotHost) {
  init_work();
  git_ok({"remote", "add", "origin", "https://git.example.com/scm/PROJ/repo.git"});
  git_ok({"remote", "add", "platform", "abc123@git.eu-5.platform.sh:abc123.git"});
  auto r = bbsot({"init", "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string cfg = read_file(work_ + "/.bbsot.yml");
  EXPECT_TRUE(contains(cfg, "\n  type: bitbucket_server\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  repository: PROJ/repo\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  url: https://git.example.com\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  source: origin\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  mirror: platform\n")) << cfg;
}

// Audit 4 #2: an scp-like URL on an unknown host may or may not be Bitbucket Server: the
// error says what was seen and which flags settle it; with them, init succeeds.
TEST_F(CliInit, UncertainServerRemoteNeedsFlags) {
  init_work();
  git_ok({"remote", "add", "origin", "git@git.example.com:PROJ/repo.git"});
  auto r = bbsot({"init"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "origin = git@git.example.com:PROJ/repo.git")) << r.err;
  EXPECT_TRUE(contains(r.err, "--type bitbucket_server --url")) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml"));

  auto ok = bbsot({"init", "--type", "bitbucket_server", "--url", "https://git.example.com", "--no-hook-url"});
  ASSERT_EQ(ok.exit_code, 0) << describe(ok);
  const std::string cfg = read_file(work_ + "/.bbsot.yml");
  EXPECT_TRUE(contains(cfg, "\n  repository: PROJ/repo\n")) << cfg;
  EXPECT_TRUE(contains(cfg, "\n  url: https://git.example.com\n")) << cfg;
}

// Audit 4 #3: an account for all of bitbucket.org answers for bitbucket.org/Acme/Shop, as
// the credential helper matches it; the helper is configured for that account's URL.
TEST_F(CliInit, BroaderAccountCountsAndGetsTheHelper) {
  init_with_real_urls();
  fs::create_directories(tmp_.path() + "/user/bbsot");
  write_file(user_config_,
             "accounts:\n  - url: https://bitbucket.org\n    type: bitbucket\n    key: k\n    secret_env: S\n"
             "  - url: https://bitbucket.org.evil.example\n    type: bitbucket\n    key: k\n    secret_env: S\n",
             0600);
  auto r = bbsot({"init", "--no-hook-url"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.out, "no Bitbucket account configured")) << r.out;
  EXPECT_EQ(git_ok({"config", "--local", "--get-all", "credential.https://bitbucket.org.helper"}),
            bin_path("git-credential-bbsot"));
  EXPECT_EQ(git_ok({"config", "--local", "--get", "credential.https://bitbucket.org.useHttpPath"}), "true");
  EXPECT_FALSE(contains(local_config(), "evil")) << local_config();
}

// Audit 4 #4: --key rewrites the user file without losing api_url/token_url or other accounts.
TEST_F(CliInit, AccountUpdateKeepsEveryFieldOfEveryAccount) {
  init_with_real_urls();
  fs::create_directories(tmp_.path() + "/user/bbsot");
  write_file(user_config_,
             "accounts:\n"
             "  - url: https://bitbucket.org/Acme\n    type: bitbucket\n    key: old\n    secret_env: OLD\n"
             "    token_url: https://auth.example.com/token\n    api_url: https://api.example.com/2.0\n"
             "  - url: https://bitbucket.example.com\n    type: bitbucket_server\n    username: alice\n"
             "    token_env: BB_TOKEN\n    api_url: https://bitbucket.example.com/rest/api/1.0\n",
             0600);
  auto r = bbsot({"init", "--no-hook-url", "--key", "new-key", "--secret-env", "NEW"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string user = read_file(user_config_);
  EXPECT_EQ(file_mode(user_config_), 0600);
  for (const char* kept : {"key: new-key", "secret_env: NEW", "token_url: https://auth.example.com/token",
                           "api_url: https://api.example.com/2.0", "username: alice", "token_env: BB_TOKEN",
                           "api_url: https://bitbucket.example.com/rest/api/1.0"})
    EXPECT_TRUE(contains(user, kept)) << kept << " lost:\n" << user;
  EXPECT_FALSE(contains(user, "key: old")) << user;
}

// ================================================================= uninstall

using CliUninstall = Cli;

TEST_F(CliUninstall, RestoresTheHooksAndRemovesTheHelper) {
  init_with_real_urls();
  write_file(hooks_dir() + "/pre-push", kOriginalPrePush, 0755);
  const auto before = snapshot_dir(hooks_dir());
  write_file(tmp_.path() + "/secret", "x\n", 0600);
  auto r = bbsot({"init", "--no-hook-url", "--key", "K", "--secret-command", "cat " + tmp_.path() + "/secret"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(is_symlink(hooks_dir() + "/pre-push"));
  ASSERT_TRUE(fs::exists(clone_record()));
  ASSERT_EQ(git_ok({"config", "--local", "--get-all", "credential.https://bitbucket.org/Acme.helper"}),
            bin_path("git-credential-bbsot"));

  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_FALSE(is_symlink(hooks_dir() + "/pre-push"));
  EXPECT_EQ(read_file(hooks_dir() + "/pre-push"), kOriginalPrePush);
  EXPECT_FALSE(fs::exists(hooks_dir() + "/pre-push.bbsot-chained"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(hooks_dir() + "/reference-transaction")));
  EXPECT_EQ(snapshot_dir(hooks_dir()), before);
  auto helper = git({"config", "--local", "--get-all", "credential.https://bitbucket.org/Acme.helper"});
  EXPECT_NE(helper.exit_code, 0) << "helper entry left: " << helper.out;
  EXPECT_FALSE(fs::exists(clone_record())) << "the clone's record is bbsot's set-up too";
  // What is the team's or the user's stays.
  EXPECT_TRUE(fs::exists(work_ + "/.bbsot.yml"));
  EXPECT_TRUE(fs::exists(user_config_));

  // A second uninstall has nothing left to do and says so without failing.
  auto again = bbsot({"uninstall"});
  EXPECT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_EQ(snapshot_dir(hooks_dir()), before);
}

TEST_F(CliUninstall, InitThenUninstallLeavesAnEmptyHooksDirAsItWas) {
  init_with_real_urls();
  const auto before = snapshot_dir(hooks_dir());
  ASSERT_EQ(bbsot({"init", "--no-hook-url"}).exit_code, 0);
  ASSERT_NE(snapshot_dir(hooks_dir()), before);
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(snapshot_dir(hooks_dir()), before);
}

// Audit 4 #11: uninstall removes the useHttpPath init set, and not one the user had set.
TEST_F(CliUninstall, RemovesTheUseHttpPathInitSetOnly) {
  init_with_real_urls();
  write_file(tmp_.path() + "/secret", "x\n", 0600);
  ASSERT_EQ(
      bbsot({"init", "--no-hook-url", "--key", "K", "--secret-command", "cat " + tmp_.path() + "/secret"}).exit_code,
      0);
  ASSERT_EQ(git_ok({"config", "--local", "--get", "credential.https://bitbucket.org/Acme.useHttpPath"}), "true");
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_FALSE(contains(local_config(), "usehttppath")) << local_config();
  EXPECT_FALSE(contains(local_config(), "bbsot.")) << local_config();
}

TEST_F(CliUninstall, KeepsTheUsersOwnUseHttpPath) {
  init_with_real_urls();
  git_ok({"config", "--local", "credential.https://bitbucket.org/Acme.useHttpPath", "true"});
  write_file(tmp_.path() + "/secret", "x\n", 0600);
  ASSERT_EQ(
      bbsot({"init", "--no-hook-url", "--key", "K", "--secret-command", "cat " + tmp_.path() + "/secret"}).exit_code,
      0);
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(git_ok({"config", "--local", "--get", "credential.https://bitbucket.org/Acme.useHttpPath"}), "true");
}

// ==================================================================== status

class CliStatus : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    init_with_local_remotes();
    write_repo_config();
    git_ok({"push", "-q", "platform", "main"});  // no hooks installed here: plain pushes
    // behind: the mirror has the branch, Bitbucket has moved on.
    git_ok({"checkout", "-q", "-b", "behind", "main"});
    commit("behind base");
    git_ok({"push", "-q", "origin", "behind"});
    git_ok({"push", "-q", "platform", "behind"});
    commit("behind: new on Bitbucket");
    git_ok({"push", "-q", "origin", "behind"});
    // diverged: a commit made straight on the mirror, and Bitbucket moved on too.
    git_ok({"checkout", "-q", "-b", "diverged", "main"});
    commit("diverged base");
    git_ok({"push", "-q", "origin", "diverged"});
    mirror_only_ = commit("Hotfix made on the platform");
    git_ok({"push", "-q", "platform", "diverged"});
    git_ok({"reset", "-q", "--hard", "HEAD~1"});
    commit("diverged: new on Bitbucket");
    git_ok({"push", "-q", "origin", "diverged"});
    // only on the mirror / only on Bitbucket.
    git_ok({"checkout", "-q", "-b", "mirror-only", "main"});
    commit("made on the platform");
    git_ok({"push", "-q", "platform", "mirror-only"});
    git_ok({"checkout", "-q", "-b", "source-only", "main"});
    commit("new branch on Bitbucket");
    git_ok({"push", "-q", "origin", "source-only"});
    git_ok({"checkout", "-q", "main"});
    // bbsot comes to a clone that has all this history already.
    set_up_clone(env_, work_, {"--no-hook-url"});
  }

  // The human line of each branch: "  <branch>  <plan>".
  static std::map<std::string, std::string> human_lines(const std::string& out, const std::set<std::string>& branches) {
    std::map<std::string, std::string> m;
    for (const auto& l : split_lines(out)) {
      std::smatch sm;
      if (std::regex_match(l, sm, std::regex("^  (\\S+) +(.*)$")) && branches.count(sm[1])) m[sm[1]] = sm[2];
    }
    return m;
  }

  std::string mirror_only_;
};

TEST_F(CliStatus, EveryStateInHumanAndJsonOutput) {
  const std::map<std::string, std::string> want_state{{"main", "in-sync"},
                                                      {"behind", "mirror-behind"},
                                                      {"diverged", "mirror-diverged"},
                                                      {"mirror-only", "only-on-mirror"},
                                                      {"source-only", "only-on-source"}};
  std::set<std::string> names;
  for (const auto& [b, s] : want_state) names.insert(b);

  auto r = bbsot({"status"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto lines = human_lines(r.out, names);
  ASSERT_EQ(lines.size(), names.size()) << r.out;
  EXPECT_TRUE(contains(lines["main"], "in sync")) << lines["main"];
  EXPECT_TRUE(contains(lines["behind"], "mirror behind")) << lines["behind"];
  EXPECT_TRUE(contains(lines["diverged"], "overwritten")) << lines["diverged"];
  EXPECT_TRUE(contains(lines["mirror-only"], "will be pruned")) << lines["mirror-only"];
  EXPECT_TRUE(contains(lines["source-only"], "inactive environment")) << lines["source-only"];
  // The commit the next sync overwrites is named, under its branch.
  EXPECT_TRUE(contains(r.out, mirror_only_.substr(0, 10) + " Hotfix made on the platform (Test Author)")) << r.out;
  EXPECT_TRUE(contains(r.out, "source: origin")) << r.out;
  EXPECT_TRUE(contains(r.out, "mirror: platform")) << r.out;

  auto rj = bbsot({"status", "--json", "--no-fetch"});
  ASSERT_EQ(rj.exit_code, 0) << describe(rj);
  json j = json::parse(rj.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << rj.out;
  EXPECT_EQ(j["source"], "origin");
  EXPECT_EQ(j["mirror"], "platform");
  std::map<std::string, std::string> got_state;
  for (const auto& b : j["branches"]) {
    const std::string name = b["branch"];
    got_state[name] = b["state"];
    // Same branch, same plan as the human line.
    EXPECT_EQ(b["plan"].get<std::string>(), lines[name]) << name;
    if (name == "diverged") {
      ASSERT_EQ(b["mirror_only_commits"].size(), 1u) << b.dump();
      EXPECT_EQ(b["mirror_only_commits"][0]["hash"], mirror_only_);
      EXPECT_EQ(b["mirror_only_count"], 1);
    } else {
      EXPECT_TRUE(b["mirror_only_commits"].empty()) << name;
    }
  }
  EXPECT_EQ(got_state, want_state);
}

// The team turns pruning off in .bbsot.yml on the default branch; the clone's record
// follows that (an option that loosens no guard) as soon as the tracking ref shows it.
TEST_F(CliStatus, PruneOffKeepsMirrorOnlyBranches) {
  auto before = bbsot({"status", "--no-fetch"});
  ASSERT_EQ(before.exit_code, 0) << describe(before);
  ASSERT_TRUE(contains(human_lines(before.out, {"mirror-only"})["mirror-only"], "will be pruned")) << before.out;
  commit("Keep branches made on the platform", "", ".bbsot.yml",
         "integration:\n  type: bitbucket\n  repository: acme/shop\n  prune_branches: false\n"
         "remotes:\n  source: origin\n  mirror: platform\n");
  git_ok({"push", "-q", "origin", "main"});
  auto r = bbsot({"status", "--no-fetch"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto lines = human_lines(r.out, {"mirror-only"});
  EXPECT_FALSE(contains(lines["mirror-only"], "will be pruned")) << r.out;
  EXPECT_TRUE(contains(lines["mirror-only"], "kept")) << r.out;
}

TEST_F(CliStatus, NoEscapesWithoutATerminalOrWithNoColor) {
  for (const Env& extra : {Env{}, Env{{"NO_COLOR", "1"}}, Env{{"TERM", "xterm-256color"}}}) {
    auto r = bbsot({"status", "--no-fetch"}, "", extra);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_FALSE(contains(r.out, "\033")) << r.out;
    EXPECT_FALSE(contains(r.err, "\033")) << r.err;
  }
  // The same holds under a pseudo-terminal with NO_COLOR set, when script(1) is there.
  if (run({"sh", "-c", "command -v script"}).exit_code == 0) {
    Env extra = env_;
    extra["NO_COLOR"] = "1";
    extra["TERM"] = "xterm";
    auto r = run({"script", "-qec", "git bbsot status --no-fetch", "/dev/null"}, extra, work_);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "in sync")) << r.out;
    EXPECT_FALSE(contains(r.out, "\033")) << r.out;
  }
}

// ==================================================================== doctor

class CliDoctor : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    init_with_local_remotes();
    auto r = bbsot({"init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote", "platform",
                    "--hook-url", receiver_->url()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }

  // "<level> <check>: <detail>" lines (fix lines are indented and skipped).
  static std::vector<std::tuple<std::string, std::string, std::string>> checks_of(const std::string& out) {
    std::vector<std::tuple<std::string, std::string, std::string>> v;
    for (const auto& l : split_lines(out)) {
      std::smatch m;
      if (std::regex_match(l, m, std::regex("^(ok|warn|fail) +([^:]+): (.*)$"))) v.emplace_back(m[1], m[2], m[3]);
    }
    return v;
  }

  static std::string level_of(const std::vector<std::tuple<std::string, std::string, std::string>>& v,
                              const std::string& check) {
    for (const auto& [level, name, detail] : v)
      if (name == check) return level;
    return "(missing)";
  }

  std::unique_ptr<Receiver> receiver_;
};

TEST_F(CliDoctor, SetUpRepositoryPasses) {
  auto r = bbsot({"doctor"});
  auto checks = checks_of(r.out);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(level_of(checks, "config"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "clone record"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "hook pre-push"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "hook reference-transaction"), "(missing)") << r.out;  // not installed, not needed
  EXPECT_EQ(level_of(checks, "reports"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "source remote"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "mirror remote"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "hook_url"), "ok") << r.out;
  EXPECT_EQ(level_of(checks, "permissions"), "ok") << r.out;
  // No account yet: a warning with the fix, not a failure.
  EXPECT_EQ(level_of(checks, "account"), "warn") << r.out;
  EXPECT_TRUE(contains(r.out, "fix: ")) << r.out;
  EXPECT_FALSE(contains(r.out, "\033")) << r.out;
}

TEST_F(CliDoctor, BrokenConfigFails) {
  write_file(work_ + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repositroy: acme/shop\n  fetch_branches: [\n");
  auto r = bbsot({"doctor"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  auto checks = checks_of(r.out);
  EXPECT_EQ(level_of(checks, "config"), "fail") << r.out;
  EXPECT_TRUE(contains(r.out, ".bbsot.yml")) << r.out;
  // The hooks are still checked.
  EXPECT_EQ(level_of(checks, "hook pre-push"), "ok") << r.out;
}

// init refuses such a URL; the team's file on the default branch can still name one, and
// the clone's record follows it (unapproved): doctor names the problem without probing.
TEST_F(CliDoctor, HookUrlThatIsNotHttpsFailsWithoutAConnection) {
  std::string text = read_file(work_ + "/.bbsot.yml");
  const std::string url = receiver_->url();
  text.replace(text.find(url), url.size(), "http://integrations.example.net/hook");
  commit("Move the hook", "", ".bbsot.yml", text);
  git_ok({"push", "-q", "origin", "main"});
  // The push is reported to the receiver approved at init; wait for that before counting.
  EXPECT_TRUE(eventually([&] { return deliverers_running(tmp_.path()) == 0; }, 15000)) << "bbsot-deliver still running";
  const size_t probes = receiver_->attempts().size();
  auto r = bbsot({"doctor"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  auto checks = checks_of(r.out);
  EXPECT_EQ(level_of(checks, "hook_url"), "fail") << r.out;
  EXPECT_TRUE(contains(r.out,
                       "hook_url: integration.hook_url: 'http://integrations.example.net/hook' "
                       "is not an https:// URL"))
      << r.out;
  EXPECT_EQ(receiver_->attempts().size(), probes) << "doctor probed the old hook URL";
}

TEST_F(CliDoctor, UnreadableUserFileIsOneFailureNotAMissingAccount) {
  fs::create_directories(fs::path(user_config_).parent_path());
  write_file(user_config_, "accounts: []\n");
  fs::permissions(user_config_, fs::perms(0644));
  auto r = bbsot({"doctor"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  auto checks = checks_of(r.out);
  EXPECT_EQ(level_of(checks, "user config"), "fail") << r.out;
  EXPECT_EQ(level_of(checks, "account"), "(missing)") << r.out;
  EXPECT_FALSE(contains(r.out, "no account in  for")) << r.out;
}

TEST_F(CliDoctor, MissingHooksFail) {
  ASSERT_EQ(bbsot({"uninstall"}).exit_code, 0);
  auto r = bbsot({"doctor"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(level_of(checks_of(r.out), "hook pre-push"), "fail") << r.out;
  EXPECT_TRUE(contains(r.out, "git bbsot init")) << r.out;
}

TEST_F(CliDoctor, JsonHasTheSameChecks) {
  for (bool broken : {false, true}) {
    if (broken) write_file(work_ + "/.bbsot.yml", "integration: [\n");
    auto human = bbsot({"doctor"});
    auto rj = bbsot({"doctor", "--json"});
    EXPECT_EQ(rj.exit_code, human.exit_code) << describe(rj);
    json j = json::parse(rj.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << rj.out;
    ASSERT_TRUE(j.is_array()) << rj.out;
    auto lines = checks_of(human.out);
    ASSERT_EQ(j.size(), lines.size()) << rj.out << "\n---\n" << human.out;
    for (size_t i = 0; i < j.size(); ++i) {
      const auto& [level, name, detail] = lines[i];
      EXPECT_EQ(j[i]["check"], name);
      EXPECT_EQ(j[i]["level"], level) << name;
      // hook_url and clock details can differ between two runs only in numbers.
      if (name != "clock") {
        EXPECT_EQ(j[i]["detail"], detail) << name;
      }
      EXPECT_TRUE(j[i].contains("fix")) << name;
    }
  }
}

// ====================================================================== sync

class CliSync : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    init_with_local_remotes();
    write_repo_config();
    set_up_clone(env_, work_, {"--no-hook-url"});
    git_ok({"checkout", "-q", "-b", "feature", "main"});
    commit("feature work", "", "feature.txt", "feature\n");
    git_ok({"push", "-q", "origin", "feature"});
    git_ok({"checkout", "-q", "main"});
  }
};

TEST_F(CliSync, MergesTheParentAndPushesToTheSource) {
  const std::string main_commit = commit("main moved on", "", "main.txt", "main\n");
  git_ok({"push", "-q", "origin", "main"});

  auto r = bbsot({"sync", "feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "git push origin feature")) << r.out;
  // Bitbucket's feature now contains main's commit; the mirror was not touched.
  auto anc = git({"merge-base", "--is-ancestor", main_commit, "feature"}, origin_);
  EXPECT_EQ(anc.exit_code, 0) << "origin's feature lacks main's commit";
  EXPECT_EQ(git_ok({"rev-parse", "feature"}, origin_), git_ok({"rev-parse", "feature"}));
  EXPECT_EQ(git_ok({"ls-remote", "platform"}), "");
  // Back on the branch the user started on (issue 16).
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "main");
}

TEST_F(CliSync, ConflictStopsInTheMergeState) {
  commit("main edits", "", "shared.txt", "main's version\n");
  git_ok({"push", "-q", "origin", "main"});
  git_ok({"checkout", "-q", "feature"});
  commit("feature edits", "", "shared.txt", "feature's version\n");
  git_ok({"push", "-q", "origin", "feature"});
  const std::string origin_feature = git_ok({"rev-parse", "feature"}, origin_);
  git_ok({"checkout", "-q", "main"});

  auto r = bbsot({"sync", "feature"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "resolve")) << r.err;
  EXPECT_TRUE(contains(r.err, "git push origin feature")) << r.err;
  EXPECT_EQ(git({"rev-parse", "-q", "--verify", "MERGE_HEAD"}).exit_code, 0) << "not left in the merge state";
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "feature");
  EXPECT_EQ(git_ok({"rev-parse", "feature"}, origin_), origin_feature) << "nothing may be pushed on a conflict";
}

TEST_F(CliSync, WithoutABranchIsAUsageError) {
  auto r = bbsot({"sync"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
}

// ===================================================================== token

class CliToken : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    fs::create_directories(fs::path(user_config_).parent_path());
    write_file(user_config_,
               "accounts:\n"
               "  - url: https://bitbucket.acme.test\n"
               "    type: bitbucket_server\n"
               "    username: bob\n"
               "    token_env: BBSOT_TEST_SERVER_TOKEN\n",
               0600);
    env_["BBSOT_TEST_SERVER_TOKEN"] = token_;
  }
  const std::string token_ = "BBDC-tok3n-value-7d1e0c";
};

TEST_F(CliToken, ShowsTheAccountNotTheToken) {
  const std::string url = "https://bitbucket.acme.test/scm/p/r.git";
  auto r = bbsot({"token", url}, tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "https://bitbucket.acme.test")) << r.out;
  EXPECT_TRUE(contains(r.out, "bob")) << r.out;
  EXPECT_FALSE(contains(r.out + r.err, token_));

  auto rj = bbsot({"token", url, "--json"}, tmp_.path());
  ASSERT_EQ(rj.exit_code, 0) << describe(rj);
  json j = json::parse(rj.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << rj.out;
  EXPECT_EQ(j["account"], "https://bitbucket.acme.test");
  EXPECT_EQ(j["username"], "bob");
  EXPECT_FALSE(contains(rj.out + rj.err, token_));

  auto rp = bbsot({"token", url, "--print"}, tmp_.path());
  ASSERT_EQ(rp.exit_code, 0) << describe(rp);
  EXPECT_EQ(trim(rp.out), token_);
}

TEST_F(CliToken, NoMatchingAccountFails) {
  auto r = bbsot({"token", "https://elsewhere.example/scm/p/r.git"}, tmp_.path());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "elsewhere.example")) << r.err;
  EXPECT_EQ(r.out, "");
}

// ==================================================================== report

class CliReport : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    receiver_->mode("500");
    init_with_local_remotes();
    auto r = bbsot({"init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote", "platform",
                    "--hook-url", receiver_->url()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }

  json list_json() {
    auto r = bbsot({"report", "list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? json::array() : j;
  }

  std::unique_ptr<Receiver> receiver_;
};

TEST_F(CliReport, ListAndDrop) {
  {
    auto empty = bbsot({"report", "list"});
    ASSERT_EQ(empty.exit_code, 0) << describe(empty);
    EXPECT_TRUE(contains(empty.out, "no push reports")) << empty.out;
  }
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("feature");
  auto push = git({"push", "origin", "feature"});
  ASSERT_EQ(push.exit_code, 0) << describe(push);
  // Wait until the detached deliverer has tried (and failed against the 500s) so it does
  // not race the drop below.
  std::string id;
  bool tried = eventually(
      [&] {
        json j = list_json();
        if (j.size() != 1) return false;
        id = j[0]["id"];
        return !j[0]["last_error"].get<std::string>().empty();
      },
      15000);
  ASSERT_FALSE(id.empty()) << "no record after the push:\n" << describe(push);
  EXPECT_TRUE(tried) << "the deliverer never recorded its failure";
  EXPECT_FALSE(receiver_->attempts().empty());

  auto list = bbsot({"report", "list"});
  ASSERT_EQ(list.exit_code, 0) << describe(list);
  EXPECT_TRUE(contains(list.out, id)) << list.out;
  EXPECT_TRUE(contains(list.out, "feature")) << list.out;
  EXPECT_TRUE(contains(list.out, "last error")) << list.out;

  auto no_id = bbsot({"report", "drop"});
  EXPECT_EQ(no_id.exit_code, 2) << describe(no_id);
  EXPECT_EQ(list_json().size(), 1u);

  auto unknown = bbsot({"report", "drop", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(unknown.exit_code, 1) << describe(unknown);

  auto drop = bbsot({"report", "drop", id});
  ASSERT_EQ(drop.exit_code, 0) << describe(drop);
  EXPECT_TRUE(contains(drop.out, id)) << drop.out;
  EXPECT_TRUE(list_json().empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(list_json().empty()) << "the dropped report came back";
  EXPECT_TRUE(contains(bbsot({"report", "list"}).out, "no push reports"));
}

// ====================================================================== demo

using CliDemo = Cli;

std::string sandbox_of(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("a sandbox in (\\S+) \\(no account"))) return m[1];
  return "";
}

TEST_F(CliDemo, RunsAndCleansUp) {
  auto t0 = Clock::now();
  auto r = bbsot({"demo"}, tmp_.path(), {}, 60000);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_LT(secs, 60);
  EXPECT_TRUE(contains(r.out, "refusing to push to 'platform'")) << r.out;
  EXPECT_TRUE(contains(r.out, "signature verified")) << r.out;
  EXPECT_TRUE(contains(r.out, "every signature verified")) << r.out;
  const std::string sandbox = sandbox_of(r.out);
  ASSERT_FALSE(sandbox.empty()) << r.out;
  EXPECT_TRUE(sandbox.starts_with(tmp_.path())) << "TMPDIR not honoured: " << sandbox;
  // Detached deliverers may still be finishing; the sandbox must be gone all the same.
  EXPECT_TRUE(eventually([&] { return !fs::exists(sandbox); }, 3000)) << sandbox << " left behind";
}

TEST_F(CliDemo, KeepLeavesTheSandbox) {
  auto r = bbsot({"demo", "--keep"}, tmp_.path(), {}, 60000);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string sandbox = sandbox_of(r.out);
  ASSERT_FALSE(sandbox.empty()) << r.out;
  EXPECT_TRUE(fs::exists(sandbox + "/work/.bbsot.yml")) << sandbox;
  EXPECT_TRUE(contains(r.out, "stays in " + sandbox)) << r.out;
}

}  // namespace
}  // namespace bbsot::test

namespace bbsot::test {
TEST(CliSecrets, InitRefusesSecretsOnTheCommandLineWithoutEchoingThem) {
  TempDir tmp;
  ASSERT_EQ(run({"git", "init", "-q", tmp.path() + "/w"}, isolated_git_env(tmp.path())).exit_code, 0);
  for (const char* flag : {"--secret", "--token"}) {
    auto r = run({bin_path("git-bbsot"), "init", flag, "CANARY-cli-secret-77"}, isolated_git_env(tmp.path()),
                 tmp.path() + "/w");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("would put the secret on the command line"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("CANARY-cli-secret-77"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("CANARY-cli-secret-77"), std::string::npos);
  }
}
}  // namespace bbsot::test

// ========================================================= first contact (issue 16)
// Reopens the anonymous namespace above: the fixtures are shared.
namespace bbsot::test {
namespace {

// ---------------------------------------------------------------------------- --version

TEST_F(CliUsage, CredentialHelperPrintsTheVersionLikeGitBbsot) {
  auto want = run({bin_path("git-bbsot"), "--version"}, env_, tmp_.path());
  ASSERT_EQ(want.exit_code, 0) << describe(want);
  ASSERT_TRUE(want.out.starts_with("bbsot ")) << want.out;
  auto r = run({bin_path("git-credential-bbsot"), "--version"}, env_, tmp_.path());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, want.out);
  EXPECT_EQ(r.err, "");
  // --help is unchanged: the usage on stdout, exit 0.
  auto h = run({bin_path("git-credential-bbsot"), "--help"}, env_, tmp_.path());
  EXPECT_EQ(h.exit_code, 0) << describe(h);
  EXPECT_TRUE(h.out.starts_with("usage: git-credential-bbsot <get|store|erase>\n")) << h.out;
}

// ------------------------------------------------------------------------- did-you-mean

TEST_F(CliUsage, MistypedCommandGetsDidYouMean) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"stauts"}, {"help", "stauts"}, {"docter", "--json-not"}}) {
    auto r = bbsot(args, tmp_.path());
    EXPECT_EQ(r.exit_code, 2) << args[0] << "\n" << describe(r);
    const std::string typo = args[0] == "help" ? args[1] : args[0];
    const std::string near = typo == "stauts" ? "status" : "doctor";
    EXPECT_TRUE(contains(r.err, "error: '" + typo + "' is not a bbsot command\n")) << r.err;
    EXPECT_TRUE(contains(r.err, "hint: did you mean '" + near + "'?\n")) << r.err;
    EXPECT_EQ(r.out, "");
  }
  // Nothing near: the list, as before.
  auto far = bbsot({"help", "frobnicate"}, tmp_.path());
  EXPECT_EQ(far.exit_code, 2) << describe(far);
  EXPECT_TRUE(contains(far.err, "see 'git bbsot --help'")) << far.err;
  EXPECT_FALSE(contains(far.err, "did you mean")) << far.err;
}

// ------------------------------------------------------------------------ --json errors

TEST_F(CliUsage, JsonErrorsAreOneObjectOnStdout) {
  init_with_local_remotes();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string in_error;
    std::string in_hint;
  };
  fs::create_directories(fs::path(user_config_).parent_path());
  fs::permissions(fs::path(user_config_).parent_path(), fs::perms::owner_all);
  for (const Case& c : std::vector<Case>{
           {{"status", "--json", "--bogus"}, 2, "bogus", "usage: git bbsot status"},              // usage error
           {{"token", "https://bitbucket.org/acme/shop.git", "--json"}, 2, "config.yml:2:5: unknown key",
            "did you mean 'key'?"},  // ConfigError
           {{"stauts", "--json"}, 2, "'stauts' is not a bbsot command", "did you mean 'status'?"},
           {{"token", "https://nowhere.example/x.git", "--json"}, 1, "no bbsot account matches", "init"},
       }) {
    // The ConfigError case reads a user file with a typo; the others a valid one.
    write_file(user_config_, c.in_error.starts_with("config.yml") ? "accounts:\n  - kye: k\n" : "accounts: []\n", 0600);
    auto r = bbsot(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[0] << "\n" << describe(r);
    EXPECT_EQ(r.err, "") << c.args[0];
    auto j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << c.args[0] << ": not one JSON object:\n" << r.out;
    EXPECT_EQ(j.size(), 3u) << j.dump();
    ASSERT_TRUE(j["error"].is_string()) << j.dump();
    EXPECT_TRUE(contains(j["error"].get<std::string>(), c.in_error)) << j.dump();
    ASSERT_TRUE(j["hints"].is_array()) << j.dump();
    std::string hints;
    for (const auto& h : j["hints"]) hints += h.get<std::string>() + "\n";
    EXPECT_TRUE(contains(hints, c.in_hint)) << j.dump();
    EXPECT_EQ(j["exit_code"], c.exit_code) << j.dump();
    // Without --json: the same error in git's voice on stderr, nothing on stdout.
    std::vector<std::string> plain;
    for (const auto& a : c.args)
      if (a != "--json") plain.push_back(a);
    auto t = bbsot(plain);
    EXPECT_EQ(t.exit_code, c.exit_code) << describe(t);
    EXPECT_EQ(t.out, "") << c.args[0];
    EXPECT_TRUE(contains(t.err, "error: ")) << t.err;
  }
}

// ---------------------------------------------------------------------------- colours

// `git bbsot status` (and doctor) under a pseudo-terminal when `tty`, through script(1).
class CliColour : public CliStatus {
 protected:
  RunResult status(const Env& extra, bool tty, const std::vector<std::string>& git_options = {}) {
    std::string cmd = "git";
    for (const auto& o : git_options) cmd += " " + o;
    cmd += " bbsot status --no-fetch";
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    if (tty) return run({"script", "-qec", cmd, "/dev/null"}, env, work_);
    return run({"sh", "-c", cmd}, env, work_);
  }
  static bool coloured(const RunResult& r) { return contains(r.out, "\033["); }
};

TEST_F(CliColour, FollowsGitsRulesAndNoColor) {
  ASSERT_EQ(run({"sh", "-c", "command -v script"}).exit_code, 0) << "script(1) (util-linux) is needed";
  const Env xterm{{"TERM", "xterm"}};
  // auto (git's default): a terminal that is not dumb.
  EXPECT_TRUE(coloured(status(xterm, true))) << status(xterm, true).out;
  EXPECT_FALSE(coloured(status({{"TERM", "dumb"}}, true)));
  EXPECT_FALSE(coloured(status({{"TERM", ""}}, true))) << "an unset TERM is dumb to git";
  EXPECT_FALSE(coloured(status(xterm, false)));
  EXPECT_FALSE(coloured(status({{"TERM", "xterm"}, {"NO_COLOR", "1"}}, true)));
  // color.ui from the config, and from git -c.
  git_ok({"config", "color.ui", "never"});
  EXPECT_FALSE(coloured(status(xterm, true))) << "color.ui=never";
  git_ok({"config", "color.ui", "false"});
  EXPECT_FALSE(coloured(status(xterm, true))) << "color.ui=false";
  git_ok({"config", "color.ui", "true"});  // true is auto, as in git
  EXPECT_TRUE(coloured(status(xterm, true))) << "color.ui=true on a terminal";
  EXPECT_FALSE(coloured(status(xterm, false))) << "color.ui=true is auto: not into a pipe";
  git_ok({"config", "color.ui", "always"});
  EXPECT_TRUE(coloured(status(xterm, false))) << "color.ui=always into a pipe";
  EXPECT_TRUE(coloured(status({{"TERM", "dumb"}}, false))) << "always means always";
  // An explicit "always" outranks NO_COLOR (no-color.org: configuration wins).
  EXPECT_TRUE(coloured(status({{"NO_COLOR", "1"}}, false)));
  EXPECT_FALSE(coloured(status(xterm, true, {"-c", "color.ui=never"}))) << "git -c color.ui=never";
  // color.bbsot, when set, wins over color.ui.
  git_ok({"config", "color.bbsot", "never"});
  EXPECT_FALSE(coloured(status(xterm, true))) << "color.bbsot=never beats color.ui=always";
  git_ok({"config", "color.ui", "never"});
  git_ok({"config", "color.bbsot", "always"});
  EXPECT_TRUE(coloured(status({}, false))) << "color.bbsot=always beats color.ui=never";
  // Doctor asks the same function.
  auto d = bbsot({"doctor"});
  EXPECT_TRUE(contains(d.out, "\033[")) << describe(d);
  git_ok({"config", "color.bbsot", "never"});
  git_ok({"config", "color.ui", "always"});
  auto dn = bbsot({"doctor"});
  EXPECT_FALSE(contains(dn.out, "\033[")) << describe(dn);
}

// ------------------------------------------------------------------------------- sync

TEST_F(CliSync, ReturnsToTheStartingBranch) {
  commit("main moved on", "", "main.txt", "main\n");
  git_ok({"push", "-q", "origin", "main"});
  git_ok({"checkout", "-q", "-b", "elsewhere", "main"});
  auto r = bbsot({"sync", "feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "elsewhere");
  EXPECT_TRUE(contains(r.out, "back on elsewhere, where you started")) << r.out;
  // --no-push too.
  commit("main again", "", "main2.txt", "main\n");
  git_ok({"push", "-q", "origin", "elsewhere:main"});
  auto np = bbsot({"sync", "feature", "--no-push"});
  ASSERT_EQ(np.exit_code, 0) << describe(np);
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "elsewhere");
  // From a detached HEAD: back to the same commit, still detached.
  const std::string here = git_ok({"rev-parse", "HEAD"});
  git_ok({"checkout", "-q", "--detach", "HEAD"});
  auto d = bbsot({"sync", "feature", "--no-push"});
  ASSERT_EQ(d.exit_code, 0) << describe(d);
  EXPECT_EQ(git({"symbolic-ref", "-q", "HEAD"}).exit_code, 1) << "not detached any more";
  EXPECT_EQ(git_ok({"rev-parse", "HEAD"}), here);
}

TEST_F(CliSync, FailedPushStillReturnsAndSaysSo) {
  commit("main moved on", "", "main.txt", "main\n");
  git_ok({"push", "-q", "origin", "main"});
  write_file(origin_ + "/hooks/pre-receive", "#!/bin/sh\necho 'Bitbucket: pushes are frozen' >&2\nexit 1\n", 0755);
  auto r = bbsot({"sync", "feature"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "error: git bbsot sync: the push to origin failed")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: back on main, where you started")) << r.err;
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "main");
  // The merge stays on feature, ready to push.
  EXPECT_EQ(git({"merge-base", "--is-ancestor", "main", "feature"}).exit_code, 0);
}

TEST_F(CliSync, ConflictSaysHowToGetBack) {
  commit("main edits", "", "shared.txt", "main's version\n");
  git_ok({"push", "-q", "origin", "main"});
  git_ok({"checkout", "-q", "feature"});
  commit("feature edits", "", "shared.txt", "feature's version\n");
  git_ok({"push", "-q", "origin", "feature"});
  git_ok({"checkout", "-q", "main"});
  auto r = bbsot({"sync", "feature"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(git_ok({"rev-parse", "--abbrev-ref", "HEAD"}), "feature");
  EXPECT_TRUE(contains(r.err, "hint: you are on feature (in the merge), not on main; when done: git checkout main"))
      << r.err;
}

TEST_F(CliSync, GitFailingIsNotTakenForACleanWorkTree) {
  // A corrupt index: `git status` fails. Read as "no output", it looked like a clean tree
  // and sync went on to fetch and check out.
  write_file(work_ + "/.git/index", "not an index\n");
  auto r = bbsot({"sync", "feature"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "error: git bbsot sync: git status --porcelain --untracked-files=no failed")) << r.err;
  EXPECT_FALSE(contains(r.out, "git fetch")) << "sync went on after git failed:\n" << r.out;
}

// --------------------------------------------------------------------------- completion

class CliCompletion : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    init_with_local_remotes();
    git_ok({"branch", "topic"});
  }
  // The replies bash's programmable completion gets for `words` (the last one is being
  // completed): from `entry` (our _git_bbsot, or git's own dispatcher when git's completion
  // script is given and loaded first), one per line, as bash would insert them.
  std::vector<std::string> replies(const std::vector<std::string>& words, const std::string& git_completion = "",
                                   const std::string& entry = "_git_bbsot") {
    std::string line;
    for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
    std::vector<std::string> argv{"bash",
                                  "--norc",
                                  "--noprofile",
                                  "-c",
                                  "[ -n \"$1\" ] && . \"$1\"; . \"$2\"; entry=$3; COMP_LINE=$4; "
                                  "COMP_POINT=${#COMP_LINE}; shift 4; COMP_WORDS=(\"$@\"); "
                                  "COMP_CWORD=$(($# - 1)); \"$entry\"; printf '%s|\\n' \"${COMPREPLY[@]}\"",
                                  "bash",
                                  git_completion,
                                  script_,
                                  entry,
                                  line};
    argv.insert(argv.end(), words.begin(), words.end());
    auto r = run(argv, env_, work_);
    if (r.exit_code != 0) throw std::runtime_error("completion failed: " + describe(r));
    std::vector<std::string> out;
    for (auto& l : split_lines(r.out))
      if (l != "|") out.push_back(l.substr(0, l.size() - 1));  // "|" marks where each reply ends
    return out;
  }
  // The words offered, without the trailing space git's completion wants.
  std::set<std::string> complete(const std::vector<std::string>& words, const std::string& git_completion = "") {
    std::set<std::string> out;
    for (auto w : replies(words, git_completion)) out.insert(trim(w));
    return out;
  }
  using Words = std::set<std::string>;
  const std::string script_ = std::string(BBSOT_SOURCE_DIR) + "/templates/completion/git-bbsot.bash";
};

TEST_F(CliCompletion, ValuesForEveryOptionWithAFixedSet) {
  EXPECT_EQ(complete({"git", "bbsot", "init", "--type", ""}), (Words{"bitbucket", "bitbucket_server"}));
  EXPECT_EQ(complete({"git", "bbsot", "init", "--type", "bitbucket_"}), (Words{"bitbucket_server"}));
  EXPECT_EQ(complete({"git", "bbsot", "init", "--type", "=", ""}), (Words{"bitbucket", "bitbucket_server"}));
  EXPECT_EQ(complete({"git", "bbsot", "init", "--type", "=", "bitbucket_s"}), (Words{"bitbucket_server"}));
  EXPECT_EQ(complete({"git-bbsot", "init", "--type", ""}), (Words{"bitbucket", "bitbucket_server"}));
  EXPECT_EQ(complete({"git", "-C", work_, "bbsot", "init", "--type", ""}), (Words{"bitbucket", "bitbucket_server"}));
  for (const char* b : {"--fetch-branches", "--prune-branches", "--build-pull-requests", "--resync-pull-requests"})
    EXPECT_EQ(complete({"git", "bbsot", "init", b, ""}), (Words{"true", "false"})) << b;
  for (const char* r : {"--mirror-remote", "--source-remote"})
    EXPECT_EQ(complete({"git", "bbsot", "init", r, ""}), (Words{"origin", "platform"})) << r;
  EXPECT_EQ(complete({"git", "bbsot", "init", "--default-branch", ""}), (Words{"main", "topic"}));
  EXPECT_EQ(complete({"git", "bbsot", "sync", "--parent", "t"}), (Words{"topic"}));
  // Free text: nothing, rather than the option list.
  for (const char* f : {"--hook-url", "--repository", "--token-url", "--secret-command"})
    EXPECT_EQ(complete({"git", "bbsot", "init", f, ""}), Words{}) << f;
  // After a value, options again (the value is not taken for an operand).
  EXPECT_TRUE(complete({"git", "bbsot", "init", "--type", "bitbucket", "--"}).count("--hook-url"));
}

TEST_F(CliCompletion, SubcommandsAndReportSubcommands) {
  const Words top = complete({"git", "bbsot", ""});
  for (const char* c : {"init", "status", "doctor", "sync", "report", "token", "hook", "demo", "help"})
    EXPECT_TRUE(top.count(c)) << c;
  EXPECT_EQ(complete({"git", "bbsot", "st"}), (Words{"status"}));
  EXPECT_EQ(complete({"git", "bbsot", "report", ""}), (Words{"list", "flush", "send", "retry", "drop", "--help"}));
  EXPECT_EQ(complete({"git", "bbsot", "report", "l"}), (Words{"list"}));
  EXPECT_EQ(complete({"git", "bbsot", "report", "list", ""}), (Words{"--json", "--help"}));
  EXPECT_EQ(complete({"git", "bbsot", "hook", ""}), (Words{"pre-push", "reference-transaction"}));
  EXPECT_EQ(complete({"git", "bbsot", "sync", ""}), (Words{"--parent", "--no-push", "--help", "main", "topic"}));
  EXPECT_EQ(complete({"git", "bbsot", "sync", "topic", ""}), (Words{"--parent", "--no-push", "--help"}));
}

TEST_F(CliCompletion, WorksUnderGitsOwnCompletion) {
  // git's completion calls _git_bbsot for `git bbsot` and registers itself with -o nospace:
  // each finished word then carries its space. Debian ships it with git in this place.
  std::string git_completion;
  for (const char* p : {"/usr/share/bash-completion/completions/git", "/etc/bash_completion.d/git"})
    if (fs::exists(p)) git_completion = p;
  if (git_completion.empty()) GTEST_SKIP() << "git's bash completion is not installed";
  const std::string git_main = "__git_wrap__git_main";
  EXPECT_EQ(replies({"git", "bbsot", "init", "--type", ""}, git_completion, git_main),
            (std::vector<std::string>{"bitbucket ", "bitbucket_server "}));
  EXPECT_EQ(replies({"git", "bbsot", "init", "--source-remote", "p"}, git_completion, git_main),
            (std::vector<std::string>{"platform "}));
  EXPECT_EQ(replies({"git", "bbsot", "report", "f"}, git_completion, git_main), (std::vector<std::string>{"flush "}));
  // `git-bbsot` is ours alone, registered without nospace: bash adds the space.
  EXPECT_EQ(replies({"git-bbsot", "report", "f"}), (std::vector<std::string>{"flush"}));
}

// ---------------------------------------------------------------------- BBSOT_TRACE

TEST_F(CliSync, RelativeTraceFileIsOneFileWhereTheUserIs) {
  auto init = bbsot({"init", "--no-hook-url"});
  ASSERT_EQ(init.exit_code, 0) << describe(init);
  fs::create_directories(work_ + "/sub/dir");
  // A hook run by git (from the top directory, GIT_PREFIX=sub/dir/) and a git run by
  // git-bbsot (which inherits the resolved path) both write to sub/dir/trace.log.
  commit("main moved on", "", "main.txt", "main\n");
  auto push = git({"push", "-q", "origin", "main"}, work_ + "/sub/dir", {{"BBSOT_TRACE", "trace.log"}});
  ASSERT_EQ(push.exit_code, 0) << describe(push);
  const std::string trace = work_ + "/sub/dir/trace.log";
  ASSERT_TRUE(fs::exists(trace)) << "the hook's trace is not where the user ran git";
  EXPECT_TRUE(contains(read_file(trace), "pre-push: ")) << read_file(trace);
  fs::remove(trace);
  auto r = bbsot({"sync", "feature"}, work_ + "/sub/dir", {{"BBSOT_TRACE", "trace.log"}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(fs::exists(trace)) << describe(r);
  EXPECT_TRUE(contains(read_file(trace), "pre-push: ")) << read_file(trace);
  EXPECT_FALSE(fs::exists(work_ + "/trace.log")) << "a second trace file in the top directory";
  EXPECT_FALSE(fs::exists(work_ + "/sub/trace.log"));
  // A file that cannot be opened, or a file descriptor: one warning, not silence.
  auto bad = bbsot({"version"}, "", {{"BBSOT_TRACE", tmp_.path() + "/no/such/dir/trace.log"}});
  EXPECT_EQ(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "warning: BBSOT_TRACE: cannot open " + tmp_.path() + "/no/such/dir/trace.log"))
      << bad.err;
  auto fd = bbsot({"version"}, "", {{"BBSOT_TRACE", "5"}});
  EXPECT_TRUE(contains(fd.err, "warning: BBSOT_TRACE=5")) << fd.err;
}

// ------------------------------------------------------------------------- token_url

TEST_F(CliInit, TokenUrlMustBeHttpsEverywhere) {
  init_with_real_urls();
  const std::string plain = "http://127.0.0.1:9/site/oauth2/access_token";
  const std::string rule = "the token endpoint receives the OAuth consumer secret";
  // init refuses it before writing anything.
  auto r = bbsot({"init", "--key", "k", "--secret-env", "S", "--token-url", plain});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--token-url '" + plain + "' is not an https:// URL")) << r.err;
  EXPECT_TRUE(contains(r.err, rule)) << r.err;
  EXPECT_FALSE(fs::exists(user_config_));
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml"));
  // The loader refuses the same URL in the file, with the same rule and the place.
  fs::create_directories(fs::path(user_config_).parent_path());
  write_file(
      user_config_,
      "accounts:\n  - url: https://bitbucket.org/Acme\n    key: k\n    secret_env: S\n    token_url: " + plain + "\n",
      0600);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"token", "https://bitbucket.org/Acme/Shop.git"},
                                               {"token", "--refresh", "https://bitbucket.org/Acme/Shop.git"}}) {
    auto t = bbsot(args, "", {{"S", "consumer-secret"}});
    EXPECT_EQ(t.exit_code, 2) << describe(t);
    EXPECT_TRUE(contains(t.err, user_config_ + ":5:16: key 'accounts[0].token_url': '" + plain + "'")) << t.err;
    EXPECT_TRUE(contains(t.err, rule)) << t.err;
  }
  // https is accepted and written.
  fs::remove(user_config_);
  auto ok = bbsot({"init", "--key", "k", "--secret-env", "S", "--token-url", "https://127.0.0.1:9/token", "--no-hook-url"});
  EXPECT_EQ(ok.exit_code, 0) << describe(ok);
  EXPECT_TRUE(contains(read_file(user_config_), "token_url: https://127.0.0.1:9/token")) << read_file(user_config_);
}

// ----------------------------------------------------------------------------- demo

TEST_F(CliDemo, UnusableTmpdirFallsBackToTmp) {
  // mkdtemp in $TMPDIR fails: the sandbox is the one made in /tmp, not the failed template.
  auto r = bbsot({"demo"}, tmp_.path(), {{"TMPDIR", tmp_.path() + "/does-not-exist"}}, 60000);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string sandbox = sandbox_of(r.out);
  EXPECT_TRUE(sandbox.starts_with("/tmp/bbsot-demo-")) << sandbox;
  EXPECT_FALSE(contains(sandbox, "XXXXXX")) << sandbox;
  EXPECT_TRUE(contains(r.out, "every signature verified")) << r.out;
  EXPECT_TRUE(eventually([&] { return !sandbox.empty() && !fs::exists(sandbox); }, 3000)) << sandbox << " left behind";
}

// ----------------------------------------------------------------------------- README

TEST(CliReadme, SaysWhatTheUsersOwnShellNeedsAndNamesSourceRemote) {
  const std::string readme = read_file(std::string(BBSOT_SOURCE_DIR) + "/README.md");
  EXPECT_TRUE(contains(readme, "export PATH=\"$HOME/.local/bin:$PATH\""))
      << "README: the PATH line for the user's shell";
  EXPECT_TRUE(contains(readme, "`--source-remote NAME`")) << "README: --source-remote where remotes are detected";
  // Every init flag the README names is one init takes.
  TempDir tmp;
  auto help =
      run({bin_path("git-bbsot"), "init", "--help"}, e2e_env(tmp.path() + "/home", stage_dir() + "/bin"), tmp.path());
  ASSERT_EQ(help.exit_code, 0) << describe(help);
  const std::string section = readme.substr(readme.find("`init` takes"), 1200);
  std::regex flag("`(--[a-z-]+)");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), flag); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(contains(help.out, (*it)[1].str() + " ")) << (*it)[1] << " is in README but not in init --help";
}

}  // namespace
}  // namespace bbsot::test
