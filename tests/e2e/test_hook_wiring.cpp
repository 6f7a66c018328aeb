// How `git bbsot init` wires bbsot's pre-push without a hook manager (docs/HOOK-MANAGERS.md):
// .git/hooks/pre-push, a team's hook there chained behind it; and under a core.hooksPath
// that is a tracked directory or a global one, a per-clone hooks directory that runs bbsot
// and then the team's hooks, with nothing written into the team's directory. Also: clones
// set up by an earlier bbsot (reference-transaction links, links written into a tracked
// core.hooksPath) are put right by init, doctor and uninstall; a clone init cannot wire
// fails init with nothing changed; doctor notices a dangling link.
#include <filesystem>

#include <gtest/gtest.h>

#include "hook_wiring_fixture.hpp"
#include "sandbox.hpp"

namespace bbsot::test {
namespace {

using namespace hookfix;

std::map<std::string, std::string> clone_files(const std::string& work) {
  auto tree = snapshot_tree(work, {".git"});
  for (const char* part : {"hooks", "config", "info"})
    for (const auto& [k, v] : snapshot_tree(work + "/.git/" + part)) tree[std::string(".git/") + part + "/" + k] = v;
  return tree;
}

// Only what is under .git/ (the stories commit and check out, so the tree moves on).
std::map<std::string, std::string> git_part(std::map<std::string, std::string> files) {
  std::erase_if(files, [](const auto& kv) { return !kv.first.starts_with(".git/"); });
  return files;
}

// ==================================================================== .git/hooks

using HookWiringPlain = HookWiringTest;

TEST_F(HookWiringPlain, TheTeamsHookIsChainedAndEverythingGuarded) {
  write_file(work_ + "/.git/hooks/pre-push", "#!/bin/sh\n" + team_snippet("pre-push"), 0755);
  const auto before = clone_files(work_);
  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "kept the hook at .git/hooks/pre-push as pre-push.bbsot-chained")) << r.out;
  EXPECT_EQ(link_target(work_ + "/.git/hooks/pre-push"), hook_program("pre-push"));
  EXPECT_FALSE(lexists(work_ + "/.git/hooks/reference-transaction")) << "bbsot installs no reference-transaction";
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("plain");
  expect_guarded("plain, linked worktree", add_worktree("wt"));
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  git_ok({"worktree", "remove", "--force", tmp_.path() + "/wt"});
  // The tree is the stories' (commits, checkouts); the hooks and config are as before.
  EXPECT_EQ(diff_snapshots(git_part(before), git_part(clone_files(work_))), "") << u.out;
}

TEST_F(HookWiringPlain, UninstallRightAfterInitGivesBackTheFiles) {
  const auto before = clone_files(work_);
  init_ok();
  ASSERT_NE(clone_files(work_), before);
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "");
}

TEST_F(HookWiringPlain, DoctorNoticesADanglingLink) {
  init_ok();
  const std::string hook = work_ + "/.git/hooks/pre-push";
  fs::remove(hook);
  fs::create_symlink(tmp_.path() + "/gone/libexec/bbsot/hooks/pre-push", hook);  // bbsot removed or moved
  auto c = doctor_check();
  EXPECT_TRUE(contains(c.detail, "which is gone")) << c.detail;
  expect_doctor_fails_and_init_fixes("dangling link");
  EXPECT_EQ(link_target(hook), hook_program("pre-push"));
}

TEST_F(HookWiringPlain, AClonePlanCannotWireFailsInitWithNothingChanged) {
  fs::remove(work_ + "/.bbsot.yml");
  git_ok({"commit", "-q", "-am", "No bbsot yet"});
  write_file(work_ + "/.git/hooks/pre-push", "#!/bin/sh\nexit 0\n", 0755);
  write_file(work_ + "/.git/hooks/pre-push.bbsot-chained", "#!/bin/sh\nexit 0\n", 0755);
  const auto before = clone_files(work_);
  const std::string config = read_file(work_ + "/.git/config");
  auto r = bbsot({"init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote", "platform",
                  "--hook-url", receiver_->url()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "both .git/hooks/pre-push and .git/hooks/pre-push.bbsot-chained exist")) << r.err;
  EXPECT_TRUE(contains(r.err, "hint: merge the two hooks")) << r.err;
  EXPECT_FALSE(fs::exists(work_ + "/.bbsot.yml")) << "init wrote .bbsot.yml before failing";
  EXPECT_EQ(diff_snapshots(before, clone_files(work_)), "");
  EXPECT_EQ(read_file(work_ + "/.git/config"), config);
}

// ============================================================== core.hooksPath

class HookWiringHooksPath : public HookWiringTest {
 protected:
  // The team's hooks in `dir`: pre-commit and commit-msg log to team-commit.log, pre-push
  // is team_snippet's.
  void write_team_hooks(const std::string& dir) {
    fs::create_directories(dir);
    write_file(dir + "/pre-commit",
               "#!/bin/sh\necho \"team pre-commit\" >> \"$(git rev-parse --git-common-dir)/team-commit.log\"\n", 0755);
    write_file(dir + "/commit-msg",
               "#!/bin/sh\necho \"team commit-msg $(head -n 1 \"$1\")\" >> \"$(git rev-parse "
               "--git-common-dir)/team-commit.log\"\n",
               0755);
    write_file(dir + "/pre-push", "#!/bin/sh\n" + team_snippet("pre-push"), 0755);
  }

  void expect_commit_hooks_run(const std::string& cwd, const std::string& message) {
    const size_t before = read_lines(work_ + "/.git/team-commit.log").size();
    commit_file("c-" + message + ".txt", "c\n", message, cwd);
    const auto runs = read_lines(work_ + "/.git/team-commit.log");
    ASSERT_EQ(runs.size(), before + 2) << "the team's commit hooks did not both run";
    EXPECT_EQ(runs[before], "team pre-commit");
    EXPECT_EQ(runs[before + 1], "team commit-msg " + message);
  }
};

TEST_F(HookWiringHooksPath, TrackedDirectoryIsNotWrittenInto) {
  write_team_hooks(work_ + "/.githooks");
  git_ok({"add", ".githooks"});
  git_ok({"commit", "-q", "-m", "The team's hooks"});
  git_ok({"config", "core.hooksPath", ".githooks"});
  const auto before = clone_files(work_);
  const auto team_dir = snapshot_tree(work_ + "/.githooks");

  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "nothing was written into .githooks")) << r.out;
  EXPECT_EQ(snapshot_tree(work_ + "/.githooks"), team_dir) << "init wrote into the tracked .githooks";
  EXPECT_EQ(git_ok({"status", "--porcelain"}), "");
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_commit_hooks_run(work_, "First commit under bbsot");
  expect_guarded("tracked core.hooksPath");
  EXPECT_EQ(snapshot_tree(work_ + "/.githooks"), team_dir);

  const std::string wt = add_worktree("wt");  // its own checkout of .githooks
  expect_commit_hooks_run(wt, "Commit in the worktree");
  expect_guarded("tracked core.hooksPath, linked worktree", wt);
  git_ok({"worktree", "remove", "--force", wt});

  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(diff_snapshots(git_part(before), git_part(clone_files(work_))), "") << u.out;
  EXPECT_FALSE(fs::exists(work_ + "/.git/bbsot/hooks"));
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), ".githooks");
}

TEST_F(HookWiringHooksPath, GlobalDirectoryIsNotWrittenInto) {
  const std::string global = home_ + "/githooks";
  write_team_hooks(global);
  git_ok({"config", "--global", "core.hooksPath", "~/githooks"});
  const std::string gitconfig = read_file(home_ + "/.gitconfig");
  const auto team_dir = snapshot_tree(global);
  const auto before = clone_files(work_);

  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "nothing was written into " + global)) << r.out;
  EXPECT_EQ(snapshot_tree(global), team_dir) << "init wrote into the global hooks directory";
  EXPECT_EQ(read_file(home_ + "/.gitconfig"), gitconfig) << "init changed the global configuration";
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_commit_hooks_run(work_, "First commit under bbsot");
  expect_guarded("global core.hooksPath");
  expect_guarded("global core.hooksPath, linked worktree", add_worktree("wt"));
  EXPECT_EQ(snapshot_tree(global), team_dir);

  // A new hook in the global directory: doctor asks for init, which forwards it too.
  write_file(global + "/post-commit",
             "#!/bin/sh\necho \"team post-commit\" >> \"$(git rev-parse --git-common-dir)/team-commit.log\"\n", 0755);
  expect_doctor_fails_and_init_fixes("a new hook in core.hooksPath");
  commit_file("pc.txt", "pc\n", "Post-commit");
  EXPECT_EQ(read_lines(work_ + "/.git/team-commit.log").back(), "team post-commit");

  git_ok({"worktree", "remove", "--force", tmp_.path() + "/wt"});
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(diff_snapshots(git_part(before), git_part(clone_files(work_))), "") << u.out;
  EXPECT_EQ(git_ok({"rev-parse", "--git-path", "hooks"}), global);
}

// The per-clone directory is named by absolute path: a clone moved elsewhere points git
// at a directory that is gone, and git then runs no hook at all.
TEST_F(HookWiringHooksPath, AMovedCloneIsNoticedAndPutRight) {
  write_team_hooks(work_ + "/.githooks");
  git_ok({"add", ".githooks"});
  git_ok({"commit", "-q", "-m", "The team's hooks"});
  git_ok({"config", "core.hooksPath", ".githooks"});
  init_ok();
  const std::string moved = tmp_.path() + "/moved";
  fs::rename(work_, moved);
  work_ = moved;
  auto c = doctor_check();
  EXPECT_TRUE(contains(c.detail, "sets core.hooksPath to another directory")) << c.detail;
  expect_doctor_fails_and_init_fixes("moved clone");
  expect_commit_hooks_run(work_, "After the move");
  expect_guarded("moved clone");
}

// =========================================================== earlier bbsot versions

using HookWiringUpgrade = HookWiringTest;

// An earlier bbsot linked reference-transaction (git runs it on every ref update) and kept
// a team's hook of that name as reference-transaction.bbsot-chained.
TEST_F(HookWiringUpgrade, ReferenceTransactionLinksAreRemovedAndTheTeamsHookPutBack) {
  const std::string hooks = work_ + "/.git/hooks";
  const std::string team = "#!/bin/sh\n# the team's reference-transaction\nexit 0\n";
  write_file(hooks + "/reference-transaction.bbsot-chained", team, 0755);
  fs::create_symlink(hook_program("reference-transaction"), hooks + "/reference-transaction");
  fs::create_symlink(hook_program("pre-push"), hooks + "/pre-push");

  auto c = doctor_check("hook reference-transaction");
  EXPECT_EQ(c.level, "fail") << c.detail;
  EXPECT_TRUE(contains(c.detail, ".git/hooks/reference-transaction")) << c.detail;
  expect_doctor_fails_and_init_fixes("an earlier bbsot's reference-transaction", "hook reference-transaction");
  EXPECT_FALSE(is_symlink(hooks + "/reference-transaction"));
  EXPECT_EQ(read_file(hooks + "/reference-transaction"), team);
  EXPECT_FALSE(lexists(hooks + "/reference-transaction.bbsot-chained"));
  EXPECT_EQ(doctor_check("hook reference-transaction").level, "(missing)");
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
}

TEST_F(HookWiringUpgrade, UninstallAlsoPutsBackWhatAnEarlierBbsotMovedAside) {
  const std::string hooks = work_ + "/.git/hooks";
  write_file(hooks + "/pre-push.bbsot-chained", "#!/bin/sh\n# team pre-push\n", 0755);
  write_file(hooks + "/reference-transaction.bbsot-chained", "#!/bin/sh\n# team ref-tx\n", 0755);
  fs::create_symlink(hook_program("reference-transaction"), hooks + "/reference-transaction");
  fs::create_symlink(hook_program("pre-push"), hooks + "/pre-push");
  auto u = bbsot({"uninstall"});
  ASSERT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_EQ(read_file(hooks + "/pre-push"), "#!/bin/sh\n# team pre-push\n");
  EXPECT_EQ(read_file(hooks + "/reference-transaction"), "#!/bin/sh\n# team ref-tx\n");
  EXPECT_FALSE(is_symlink(hooks + "/pre-push"));
  EXPECT_FALSE(lexists(hooks + "/pre-push.bbsot-chained"));
}

// An earlier bbsot wrote its links into a tracked core.hooksPath directory.
TEST_F(HookWiringUpgrade, LinksInATrackedHooksPathAreUndone) {
  const std::string dir = work_ + "/.githooks";
  fs::create_directories(dir);
  const std::string team = "#!/bin/sh\n" + team_snippet("pre-push");
  write_file(dir + "/pre-push", team, 0755);
  git_ok({"add", ".githooks"});
  git_ok({"commit", "-q", "-m", "The team's hooks"});
  git_ok({"config", "core.hooksPath", ".githooks"});
  fs::rename(dir + "/pre-push", dir + "/pre-push.bbsot-chained");
  fs::create_symlink(hook_program("pre-push"), dir + "/pre-push");
  fs::create_symlink(hook_program("reference-transaction"), dir + "/reference-transaction");
  ASSERT_NE(git_ok({"status", "--porcelain"}), "");

  EXPECT_EQ(doctor_check("hook reference-transaction").level, "fail");
  auto r = init_ok();
  EXPECT_TRUE(contains(r.out, "removed .githooks/pre-push")) << r.out;
  EXPECT_EQ(git_ok({"status", "--porcelain"}), "") << "the team's .githooks is not as committed";
  EXPECT_EQ(read_file(dir + "/pre-push"), team);
  EXPECT_EQ(doctor_check().level, "ok") << doctor_check().detail;
  expect_guarded("after the upgrade");
}

}  // namespace
}  // namespace bbsot::test
