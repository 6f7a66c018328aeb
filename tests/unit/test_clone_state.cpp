// The clone's record (lib/guard/clone_state): how it follows the team's .bbsot.yml.
// Tightening applies at once; loosening, another source and new destinations wait for
// the user (docs/TRUST.md).
#include "guard/clone_state.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "base/files.hpp"
#include "git/remote_url.hpp"

namespace bbsot {
namespace {

RepoConfig team(const std::string& extra = "", const std::string& remotes = "remotes:\n  source: origin\n  mirror: platform\n") {
  return parse_repo_config("integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: https://hooks.example.net/a\n" +
                               extra + remotes,
                           ".bbsot.yml");
}

CloneState recorded() { return state_from_config(team(), "origin", true); }

TEST(CloneState, InitApprovesWhatItRecords) {
  const CloneState s = recorded();
  EXPECT_TRUE(is_approved(s, current_destination(s)));
  EXPECT_EQ(s.guard.source_remote, "origin");
  EXPECT_EQ(s.guard.mirror_remotes, std::vector<std::string>{"platform"});
  EXPECT_EQ(s.guard.mirror_patterns, default_mirror_patterns());
  EXPECT_EQ(s.team_ref, "refs/remotes/origin/main");
  auto back = parse_clone_state(clone_state_json(s));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(clone_state_json(*back), clone_state_json(s));
}

TEST(CloneState, LooseningWaitsForApproval) {
  CloneState s = recorded();
  auto r = follow_team_file(s, team("  fetch_branches: false\n"), "c1");
  EXPECT_TRUE(s.guard.fetch_branches) << "loosened without approval";
  ASSERT_TRUE(s.pending.guard);
  EXPECT_FALSE(s.pending.guard->fetch_branches);
  EXPECT_FALSE(s.pending.notes.empty());
  EXPECT_EQ(s.team_commit, "c1");
  EXPECT_TRUE(classify_remote("platform", "/srv/platform.git", as_repo_config(s)) == RemoteRole::Mirror);
  approve_all(s);
  EXPECT_FALSE(s.guard.fetch_branches);
  EXPECT_TRUE(s.pending.empty());
  (void)r;
}

TEST(CloneState, TighteningAppliesAtOnce) {
  CloneState s = state_from_config(team("  fetch_branches: false\n"), "origin", true);
  auto r = follow_team_file(s, team("", "remotes:\n  source: origin\n  mirror: upsun\n  mirror_patterns: [git.*.example.net]\n"), "c2");
  EXPECT_TRUE(s.guard.fetch_branches);
  // Mirror names only accumulate: one the file stops naming stays a mirror (init resets them).
  EXPECT_EQ(s.guard.mirror_remotes, (std::vector<std::string>{"platform", "upsun"}));
  EXPECT_FALSE(r.applied.empty());
  // The file replaced the vendor patterns with its own: adding its pattern is at once,
  // dropping the vendor ones waits.
  EXPECT_NE(std::find(s.guard.mirror_patterns.begin(), s.guard.mirror_patterns.end(), "git.*.example.net"),
            s.guard.mirror_patterns.end());
  EXPECT_NE(std::find(s.guard.mirror_patterns.begin(), s.guard.mirror_patterns.end(), "git.*.platform.sh"),
            s.guard.mirror_patterns.end());
  ASSERT_TRUE(s.pending.guard);
  EXPECT_EQ(s.pending.guard->mirror_patterns, std::vector<std::string>{"git.*.example.net"});
}

TEST(CloneState, AnotherSourceWaitsAndANewHookUrlIsNotApproved) {
  CloneState s = recorded();
  RepoConfig t = team("", "remotes:\n  source: github\n");
  t.integration.repository = "attacker/shop";
  t.integration.hook_url = "https://evil.example/hook";
  follow_team_file(s, t, "c3");
  EXPECT_EQ(s.integration.repository, "acme/shop") << "the source changed without approval";
  EXPECT_EQ(s.guard.source_remote, "origin");
  ASSERT_TRUE(s.pending.source);
  ASSERT_TRUE(s.pending.source_remote);
  EXPECT_EQ(s.integration.hook_url, "https://evil.example/hook");  // followed: records carry it...
  EXPECT_FALSE(is_approved(s, current_destination(s)));            // ...and wait for approval
  approve_all(s);
  EXPECT_EQ(s.integration.repository, "attacker/shop");
  EXPECT_EQ(s.guard.source_remote, "github");
  EXPECT_TRUE(is_approved(s, current_destination(s)));
}

TEST(CloneState, ABrokenTeamFileLoosensNothing) {
  CloneState s = recorded();
  const std::string before = clone_state_json(s);
  auto r = note_team_problem(s, "c4", "the team's .bbsot.yml is missing");
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(s.guard.fetch_branches, true);
  EXPECT_EQ(s.team_problem, "the team's .bbsot.yml is missing");
}

TEST(CloneState, DestinationsCompareAfterNormalisation) {
  Destination a{BitbucketType::Cloud, "https://bitbucket.org", "Acme/Shop", "https://Hooks.Example.NET:443/a/./b"};
  Destination b{BitbucketType::Cloud, "https://bitbucket.org/", "acme/shop", "https://hooks.example.net/a/b"};
  EXPECT_TRUE(a.same(b));
  b.hook_url = "https://hooks.example.net/a/c";
  EXPECT_FALSE(a.same(b));
  EXPECT_TRUE(a.same_bitbucket(b));
}

TEST(CloneState, UnreadableRecordsSayWhy) {
  EXPECT_FALSE(parse_clone_state("{"));
  auto future = parse_clone_state(R"({"version": 9})");
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().find("format 9"), std::string::npos) << future.error();
}

// $GIT_COMMON_DIR/bbsot/clone.json replaced by a symbolic link to a valid record
// elsewhere (following it would succeed): loading refuses it and says why, a dangling link
// is an unreadable record rather than none, and saving replaces the link instead of
// writing into its target.
TEST(CloneState, ARecordReplacedByASymlinkIsNotFollowed) {
  namespace fs = std::filesystem;
  std::string common = (fs::temp_directory_path() / "bbsot-clone-state-XXXXXX").string();
  ASSERT_NE(::mkdtemp(common.data()), nullptr);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{common};
  ASSERT_TRUE(save_clone_state(common, recorded()).ok());
  const std::string path = clone_state_path(common);
  const std::string target = common + "/elsewhere.json";
  fs::rename(path, target);
  fs::create_symlink(target, path);
  const std::string target_text = read_file(target).value();

  auto loaded = load_clone_state(common);
  ASSERT_FALSE(loaded) << "the link was followed";
  EXPECT_NE(loaded.error().find("is a symbolic link, which bbsot does not follow"), std::string::npos)
      << loaded.error();

  CloneState changed = recorded();
  changed.guard.fetch_branches = false;
  ASSERT_TRUE(save_clone_state(common, changed).ok());
  EXPECT_EQ(read_file(target).value(), target_text) << "written through the link";
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(path))) << "the link is still there";
  auto again = load_clone_state(common);
  ASSERT_TRUE(again && *again) << (again ? "no record" : again.error());
  EXPECT_FALSE((*again)->guard.fetch_branches);

  fs::remove(path);
  fs::create_symlink(common + "/missing.json", path);
  auto dangling = load_clone_state(common);
  EXPECT_FALSE(dangling) << "a dangling link was taken for a clone without a record";
}

}  // namespace
}  // namespace bbsot
