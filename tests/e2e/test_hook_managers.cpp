// bbsot under the hook managers teams already use (docs/HOOK-MANAGERS.md): `git bbsot
// init` wires bbsot's pre-push into pre-commit, lefthook and husky through per-clone,
// untracked points, so that it runs on every push and every branch. Each manager is really
// installed, before and after bbsot, with the team's own pre-push in its configuration.
// For each: the story of hook_wiring_fixture.hpp (two-branch push recorded, delete-only
// pushes, tags, the team's hook still runs and blocks, an old branch), re-running the
// manager's own install keeps bbsot running or makes doctor fail naming a fix that works,
// a linked worktree, and uninstall giving back the files as they were.
//
// pre-commit comes from Debian (`pre-commit`); lefthook and husky from npm, installed once
// per build into $BBSOT_NODE_TOOLS (default <build>/node_tools) under a file lock.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <sys/file.h>

#include "hook_wiring_fixture.hpp"
#include "sandbox.hpp"

namespace bbsot::test {
namespace {

using namespace hookfix;

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

// The files a hook manager and bbsot touch, for "uninstall gives them back as they were":
// the work tree (tracked, untracked and ignored files alike) and .git's hooks, config and
// info (bbsot's outbox, which uninstall keeps, and git's own bookkeeping left out).
std::map<std::string, std::string> clone_files(const std::string& work) {
  auto tree = snapshot_tree(work, {".git"});
  for (const char* part : {"hooks", "config", "info"})
    for (const auto& [k, v] : snapshot_tree(work + "/.git/" + part)) tree[std::string(".git/") + part + "/" + k] = v;
  return tree;
}

// ====================================================================== pre-commit

std::string pre_commit_config(const std::string& stage, bool with_bbsot_entry = false) {
  std::string c =
      "repos:\n"
      "  - repo: local\n"
      "    hooks:\n"
      "      - id: team-check\n"
      "        name: team check\n"
      "        entry: sh team-check.sh\n"
      "        language: system\n"
      "        stages: [" +
      stage +
      "]\n"
      "        pass_filenames: false\n"
      "        always_run: true\n";
  if (with_bbsot_entry)  // what docs/HOOK-MANAGERS.md told pre-commit users before
    c += "      - id: bbsot\n"
         "        name: bbsot\n"
         "        entry: git bbsot hook pre-push\n"
         "        language: system\n"
         "        stages: [" +
         stage +
         "]\n"
         "        pass_filenames: false\n"
         "        always_run: true\n"
         "        verbose: true\n";
  return c;
}

class HookManagersPreCommit : public HookWiringTest {
 protected:
  void SetUp() override {
    if (pre_commit_version().first == 0) GTEST_SKIP() << "pre-commit is not installed (Debian package pre-commit)";
    HookWiringTest::SetUp();
  }

  void add_config(bool with_bbsot_entry = false) {
    write_file(work_ + "/.pre-commit-config.yaml", pre_commit_config(pre_commit_push_stage(), with_bbsot_entry));
    write_file(work_ + "/team-check.sh", team_snippet("pre-push", false, "$PRE_COMMIT_REMOTE_NAME"));
    git_ok({"add", ".pre-commit-config.yaml", "team-check.sh"});
    git_ok({"commit", "-q", "-m", "Add pre-commit"});
  }

  void pre_commit_install(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"pre-commit", "install", "--hook-type", "pre-push"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = cmd(argv);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_TRUE(contains(read_file(work_ + "/.git/hooks/pre-push"), "pre-commit"));
  }

  std::string legacy() const { return work_ + "/.git/hooks/pre-push.legacy"; }
};

TEST_F(HookManagersPreCommit, InstalledBeforeBbsot) {
  add_config();
  pre_commit_install();
  const std::string generated = read_file(work_ + "/.git/hooks/pre-push");
  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "pre-push.legacy")) << r.out;
  EXPECT_EQ(link_target(legacy()), hook_program("pre-push"));
  EXPECT_EQ(read_file(work_ + "/.git/hooks/pre-push"), generated) << "init changed pre-commit's own hook";
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  // pre-commit's own hooks get no stdin: the team's check only logs that it ran.
  expect_guarded("pre-commit, then bbsot", "", true, false);
  const std::string wt = add_worktree("wt");
  expect_guarded("pre-commit, linked worktree", wt, true, false);
}

TEST_F(HookManagersPreCommit, InstalledAfterBbsot) {
  add_config();
  // A hook from before either: bbsot keeps it as pre-push.bbsot-chained.
  write_file(work_ + "/.git/hooks/pre-push", "#!/bin/sh\n" + team_snippet("chained"), 0755);
  init_ok();
  ASSERT_EQ(link_target(work_ + "/.git/hooks/pre-push"), hook_program("pre-push"));
  // pre-commit moves the hook it finds to pre-push.legacy and runs it first: bbsot stays,
  // and still runs the hook it had kept (under its old name, beside it).
  pre_commit_install();
  EXPECT_EQ(link_target(legacy()), hook_program("pre-push"));
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("bbsot, then pre-commit", "", true, false);
  bool chained_ran = false;
  for (const auto& l : team_runs()) chained_ran = chained_ran || contains(l, "team chained origin lines=2");
  EXPECT_TRUE(chained_ran) << "the hook bbsot had kept as pre-push.bbsot-chained no longer runs";
}

TEST_F(HookManagersPreCommit, ReinstallingPreCommitKeepsBbsotOrDoctorNamesTheFix) {
  add_config();
  pre_commit_install();
  init_ok();
  pre_commit_install();  // again: pre-commit keeps pre-push.legacy
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;

  pre_commit_install({"-f"});  // deletes pre-push.legacy
  EXPECT_FALSE(lexists(legacy()));
  expect_doctor_fails_and_init_fixes("pre-commit install -f");
  EXPECT_EQ(link_target(legacy()), hook_program("pre-push"));

  // Another tool's pre-push, then pre-commit install: pre-commit moves it over bbsot's
  // pre-push.legacy. init keeps that hook, chained behind bbsot's check.
  write_file(work_ + "/.git/hooks/pre-push", "#!/bin/sh\n" + team_snippet("other"), 0755);
  pre_commit_install();
  EXPECT_FALSE(is_symlink(legacy())) << "pre-commit kept bbsot's pre-push.legacy";
  expect_doctor_fails_and_init_fixes("a foreign hook moved over pre-push.legacy");
  EXPECT_TRUE(contains(read_file(legacy() + ".bbsot-chained"), "team other"));
  expect_guarded("after the fixes", "", true, false);
  bool other_ran = false;
  for (const auto& l : team_runs()) other_ran = other_ran || contains(l, "team other origin lines=2");
  EXPECT_TRUE(other_ran) << "the chained hook did not run with git's stdin";
}

TEST_F(HookManagersPreCommit, OldBbsotEntryInTheConfigDoesNotRecordTwice) {
  add_config(true);
  pre_commit_install();
  // Not wired yet: the entry still works, and says once that init now wires pre-commit.
  git_ok({"checkout", "-q", "-b", "before"});
  auto before = git({"push", "origin", "before"});
  ASSERT_EQ(before.exit_code, 0) << describe(before);
  EXPECT_TRUE(recorded({"before"})) << describe(before);
  EXPECT_TRUE(contains(before.err + before.out, "hint: git bbsot init now wires bbsot into pre-commit"))
      << describe(before);

  init_ok();
  git_ok({"checkout", "-q", "-b", "after"});
  auto after = git({"push", "origin", "after"});
  ASSERT_EQ(after.exit_code, 0) << describe(after);
  EXPECT_TRUE(recorded({"after"})) << describe(after);
  EXPECT_EQ(records_naming("after"), 1u) << describe(after);
  EXPECT_FALSE(contains(after.err + after.out, "hint: git bbsot init now wires")) << describe(after);
}

TEST_F(HookManagersPreCommit, UninstallGivesBackTheFilesAsTheyWere) {
  add_config();
  pre_commit_install();
  write_file(work_ + "/.git/hooks/pre-push.legacy", "#!/bin/sh\n" + team_snippet("legacy"), 0755);
  const auto before = clone_files(work_);
  init_ok();
  EXPECT_TRUE(lexists(legacy() + ".bbsot-chained"));
  git_ok({"tag", "v-uninstall"});
  ASSERT_EQ(git({"push", "origin", "v-uninstall"}).exit_code, 0);
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "") << u.out;
}

// ======================================================================== lefthook

// The team's lefthook.yml: its pre-push check is a script reading git's stdin (lefthook
// skips a `commands:` entry when it finds no "push files"), and a pre-commit command.
const char* kLefthookConfig =
    "pre-push:\n"
    "  scripts:\n"
    "    \"team.sh\":\n"
    "      runner: sh\n"
    "      use_stdin: true\n"
    "pre-commit:\n"
    "  commands:\n"
    "    team-commit:\n"
    "      run: echo \"team pre-commit\" >> \"$(git rev-parse --git-common-dir)/team-commit.log\"\n";

class HookManagersLefthook : public HookWiringTest {
 protected:
  void SetUp() override {
    if (auto why = ensure_node_tools(); !why.empty()) GTEST_SKIP() << why;
    HookWiringTest::SetUp();
  }

  void add_config(const std::string& config = kLefthookConfig) {
    write_file(work_ + "/lefthook.yml", config);
    fs::create_directories(work_ + "/.lefthook/pre-push");
    write_file(work_ + "/.lefthook/pre-push/team.sh", "#!/bin/sh\n" + team_snippet("pre-push"), 0755);
    git_ok({"add", "lefthook.yml", ".lefthook"});
    git_ok({"commit", "-q", "-m", "Add lefthook"});
  }

  void lefthook(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv{node_bin("lefthook")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = cmd(argv, {}, cwd);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }

  std::string hook() const { return work_ + "/.git/hooks/pre-push"; }
  std::string rc() const { return work_ + "/.git/bbsot/lefthook-rc.sh"; }
};

TEST_F(HookManagersLefthook, InstalledBeforeBbsot) {
  add_config();
  lefthook({"install"});
  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "lefthook-local.yml")) << r.out;
  EXPECT_TRUE(contains(read_file(hook()), rc())) << "lefthook's hooks do not source bbsot's rc script";
  EXPECT_TRUE(contains(read_file(work_ + "/lefthook-local.yml"), "rc: " + rc()));
  EXPECT_EQ(git_ok({"status", "--porcelain"}), "") << "lefthook-local.yml shows in git status";
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("lefthook, then bbsot");
  commit_file("c.txt", "c\n", "A commit");
  EXPECT_FALSE(read_lines(work_ + "/.git/team-commit.log").empty()) << "the team's pre-commit command did not run";
}

TEST_F(HookManagersLefthook, InstalledAfterBbsot) {
  add_config();
  init_ok();
  // lefthook renames bbsot's pre-push to pre-push.old, which it never runs.
  lefthook({"install"});
  EXPECT_TRUE(is_symlink(hook() + ".old"));
  expect_doctor_fails_and_init_fixes("lefthook installed after bbsot");
  expect_guarded("bbsot, then lefthook, then init again");
}

TEST_F(HookManagersLefthook, ReinstallKeepsBbsotUninstallMakesDoctorFail) {
  add_config();
  lefthook({"install"});
  init_ok();
  lefthook({"install"});  // regenerates its hooks from the merged config: the rc line stays
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  lefthook({"install", "--force"});
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;

  fs::remove(work_ + "/lefthook-local.yml");  // e.g. lefthook uninstall --remove-configs
  expect_doctor_fails_and_init_fixes("lefthook-local.yml removed");

  lefthook({"uninstall"});
  EXPECT_FALSE(lexists(hook()));
  expect_doctor_fails_and_init_fixes("lefthook uninstall");
  EXPECT_EQ(link_target(hook()), hook_program("pre-push"));
  expect_guarded("after lefthook uninstall and init", "", false);  // lefthook, and the team's script, are gone
}

TEST_F(HookManagersLefthook, LinkedWorktreeKeepsTheRcLine) {
  add_config();
  lefthook({"install"});
  init_ok();
  const std::string wt = add_worktree("wt");
  ASSERT_FALSE(fs::exists(wt + "/lefthook-local.yml"));
  // A different lefthook.yml on the worktree's branch makes lefthook resync the shared
  // hooks from that worktree's configuration at its next hook run.
  write_file(wt + "/lefthook.yml", std::string(kLefthookConfig) +
                                       "pre-merge-commit:\n  commands:\n    x:\n      run: "
                                       "true\n");
  commit_file("wt.txt", "wt\n", "Work in the worktree", wt);
  git_ok({"add", "lefthook.yml"}, wt);
  git_ok({"commit", "-q", "-m", "lefthook.yml for the worktree"}, wt);
  EXPECT_TRUE(fs::exists(wt + "/lefthook-local.yml")) << "the rc script did not write the worktree's local config";
  EXPECT_TRUE(contains(read_file(hook()), rc())) << "lefthook dropped bbsot's rc line from the shared hooks";
  EXPECT_EQ(git_ok({"status", "--porcelain"}, wt), "");
  EXPECT_EQ(doctor_check("hook pre-push", wt).level, "ok") << doctor_check("hook pre-push", wt).detail;
  expect_guarded("lefthook, linked worktree", wt);
}

// lefthook installed for commits only: bbsot links .git/hooks/pre-push itself, and the rc
// line is ready for the day the team gives lefthook a pre-push (lefthook's re-sync then
// moves bbsot's link aside).
TEST_F(HookManagersLefthook, APrePushAddedToLefthookLaterKeepsBbsot) {
  write_file(work_ + "/lefthook.yml",
             "pre-commit:\n  commands:\n    team-commit:\n      run: echo \"team pre-commit\" >> \"$(git rev-parse "
             "--git-common-dir)/team-commit.log\"\n");
  git_ok({"add", "lefthook.yml"});
  git_ok({"commit", "-q", "-m", "lefthook for commits"});
  lefthook({"install"});
  ASSERT_FALSE(lexists(hook()));
  init_ok();
  EXPECT_EQ(link_target(hook()), hook_program("pre-push"));
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("lefthook without a pre-push", "", false);
  // The team adds its pre-push check; the next hook lefthook runs re-syncs the hooks.
  add_config();
  EXPECT_TRUE(contains(read_file(hook()), rc())) << "lefthook's new pre-push does not source bbsot's rc script";
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("lefthook with the team's new pre-push");
}

TEST_F(HookManagersLefthook, TheTeamsRcIsStillSourced) {
  add_config(std::string(kLefthookConfig) + "rc: ./.lefthook-rc\n");
  write_file(work_ + "/.lefthook-rc", "echo \"team rc $(basename \"$0\")\" >> .git/team-rc.log\n");
  git_ok({"add", ".lefthook-rc"});
  git_ok({"commit", "-q", "-m", "The team's rc"});
  lefthook({"install"});
  init_ok();
  commit_file("c.txt", "c\n", "A commit");
  git_ok({"checkout", "-q", "-b", "rc-branch"});
  ASSERT_EQ(git({"push", "origin", "rc-branch"}).exit_code, 0);
  const auto runs = read_lines(work_ + "/.git/team-rc.log");
  EXPECT_NE(std::find(runs.begin(), runs.end(), "team rc pre-commit"), runs.end());
  EXPECT_NE(std::find(runs.begin(), runs.end(), "team rc pre-push"), runs.end());
  EXPECT_TRUE(recorded({"rc-branch"}));
}

TEST_F(HookManagersLefthook, AnRcOfTheUsersOwnIsRefusedChangingNothing) {
  add_config();
  lefthook({"install"});
  write_file(work_ + "/lefthook-local.yml", "rc: ~/.my-lefthook-rc\n");
  const auto before = clone_files(work_);
  auto r = bbsot({"init", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "lefthook-local.yml already sets rc: ~/.my-lefthook-rc")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: ")) << r.err;
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "");
  auto c = doctor_check();
  EXPECT_EQ(c.level, "fail");
  EXPECT_TRUE(contains(c.detail, "rc: ~/.my-lefthook-rc")) << c.detail;
}

TEST_F(HookManagersLefthook, UninstallGivesBackTheFilesAsTheyWere) {
  add_config();
  write_file(work_ + "/lefthook-local.yml", "# mine\npre-commit:\n  commands:\n    mine:\n      run: true\n");
  lefthook({"install"});
  const auto before = clone_files(work_);
  init_ok();
  EXPECT_TRUE(contains(read_file(work_ + "/lefthook-local.yml"), "# mine\n")) << "init lost the user's lines";
  const std::string wt = add_worktree("wt");
  commit_file("wt.txt", "wt\n", "Work in the worktree", wt);  // writes the worktree's lefthook-local.yml
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_FALSE(fs::exists(wt + "/lefthook-local.yml")) << u.out;
  git_ok({"worktree", "remove", "--force", wt});
  git_ok({"branch", "-q", "-D", "wt-branch"});
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "") << u.out;
}

// lefthook deletes any hook file containing its name in upper case, without a backup.
TEST_F(HookManagersLefthook, NothingBbsotInstallsCarriesLefthooksFingerprint) {
  add_config();
  lefthook({"install"});
  init_ok();
  const std::string fingerprint = std::string("LEFT") + "HOOK";
  for (const auto& f : {hook_program("pre-push"), rc(), work_ + "/lefthook-local.yml"})
    EXPECT_FALSE(contains(read_file(f), fingerprint)) << f;
}

// =========================================================================== husky

class HookManagersHusky : public HookWiringTest {
 protected:
  void SetUp() override {
    if (auto why = ensure_node_tools(); !why.empty()) GTEST_SKIP() << why;
    HookWiringTest::SetUp();
  }

  void add_husky() {
    write_file(work_ + "/package.json", "{\n  \"name\": \"shop\",\n  \"private\": true\n}\n");
    auto r = cmd({node_bin("husky"), "init"});  // what `npx husky init` runs
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    ASSERT_EQ(git_ok({"config", "core.hooksPath"}), ".husky/_");
    fs::remove(work_ + "/.husky/pre-commit");  // husky's sample: `npm test`
    write_file(work_ + "/.husky/pre-push", team_snippet("pre-push"));
    write_file(work_ + "/.husky/commit-msg",
               "echo \"team commit-msg\" >> \"$(git rev-parse --git-common-dir)/team-commit.log\"\n");
    git_ok({"add", "package.json", ".husky"});
    git_ok({"commit", "-q", "-m", "Add husky"});
    fs::remove(work_ + "/.git/team-commit.log");
  }

  void rerun_husky() {
    auto r = cmd({node_bin("husky")});  // what `npm install` runs through "prepare"
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }
};

TEST_F(HookManagersHusky, InstalledBeforeBbsot) {
  add_husky();
  const auto husky_dir = snapshot_tree(work_ + "/.husky");
  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "nothing was written into .husky/_")) << r.out;
  EXPECT_EQ(snapshot_tree(work_ + "/.husky"), husky_dir) << "init wrote into .husky";
  EXPECT_EQ(git_ok({"config", "--local", "--no-includes", "core.hooksPath"}), ".husky/_");
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), work_ + "/.git/bbsot/hooks");
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("husky, then bbsot");
  commit_file("c.txt", "c\n", "A commit");
  EXPECT_FALSE(read_lines(work_ + "/.git/team-commit.log").empty()) << "husky's commit-msg hook did not run";
  // husky's .husky/_ is ignored, so a new worktree has none until husky runs there: the
  // team's hooks do not run in it (as without bbsot), bbsot's pre-push does.
  const std::string wt = add_worktree("wt");
  expect_guarded("husky, linked worktree", wt, false);
}

TEST_F(HookManagersHusky, InstalledAfterBbsot) {
  init_ok();
  add_husky();  // sets core.hooksPath: git no longer runs .git/hooks/pre-push
  expect_doctor_fails_and_init_fixes("husky installed after bbsot");
  EXPECT_FALSE(is_symlink(work_ + "/.git/hooks/pre-push")) << "the link git no longer runs stayed";
  expect_guarded("bbsot, then husky, then init again");
}

TEST_F(HookManagersHusky, RerunningHuskyKeepsBbsot) {
  add_husky();
  init_ok();
  rerun_husky();  // rewrites .husky/_ and sets core.hooksPath .husky/_ again
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), work_ + "/.git/bbsot/hooks");
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("after re-running husky");
  // Dropping husky's core.hooksPath leaves bbsot's directory forwarding to a directory
  // git would no longer use: doctor says so, init goes back to .git/hooks.
  git_ok({"config", "--unset", "core.hooksPath"});
  expect_doctor_fails_and_init_fixes("core.hooksPath unset");
  EXPECT_EQ(link_target(work_ + "/.git/hooks/pre-push"), hook_program("pre-push"));
  expect_guarded("after core.hooksPath was unset", "", false);
}

TEST_F(HookManagersHusky, UninstallGivesBackTheFilesAsTheyWere) {
  add_husky();
  const auto before = clone_files(work_);
  init_ok();
  rerun_husky();
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "") << u.out;
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), ".husky/_");
}

}  // namespace
}  // namespace bbsot::test
