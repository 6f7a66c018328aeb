// What the integration will do with each branch (lib/history/mirror_status), from the
// source's and the mirror's tracking refs of a repository built with libgit2 itself (no
// git process): every branch state, the commits only on the mirror, and the options.
#include "history/mirror_status.hpp"

#include <git2.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>

#include "history/git_repo.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

class MirrorStatus : public ::testing::Test {
 protected:
  void SetUp() override {
    git_libgit2_init();
    char tmpl[] = "/tmp/bbsot-mirror-status-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(git_repository_init(&raw_, dir_.c_str(), 1), 0) << git_error_text();
    git_treebuilder* tb = nullptr;
    ASSERT_EQ(git_treebuilder_new(&tb, raw_, nullptr), 0);
    ASSERT_EQ(git_treebuilder_write(&tree_id_, tb), 0);
    git_treebuilder_free(tb);
  }
  void TearDown() override {
    git_repository_free(raw_);
    git_libgit2_shutdown();
    fs::remove_all(dir_);
  }

  // A commit on `parent` (or a root commit), at time `when`.
  std::string commit(const std::string& message, const std::string& parent = "", int64_t when = 1700000000) {
    git_signature* sig = nullptr;
    EXPECT_EQ(git_signature_new(&sig, "Dev", "dev@example.com", when, 0), 0);
    git_tree* tree = nullptr;
    EXPECT_EQ(git_tree_lookup(&tree, raw_, &tree_id_), 0);
    git_commit* p = nullptr;
    if (!parent.empty()) {
      git_oid po;
      EXPECT_EQ(git_oid_fromstr(&po, parent.c_str()), 0);
      EXPECT_EQ(git_commit_lookup(&p, raw_, &po), 0);
    }
    const git_commit* parents[] = {p};
    git_oid id;
    EXPECT_EQ(git_commit_create(&id, raw_, nullptr, sig, sig, nullptr, message.c_str(), tree, p ? 1 : 0, parents), 0)
        << git_error_text();
    git_commit_free(p);
    git_tree_free(tree);
    git_signature_free(sig);
    return git_oid_tostr_s(&id);
  }

  void ref(const std::string& name, const std::string& id) {
    git_oid oid;
    ASSERT_EQ(git_oid_fromstr(&oid, id.c_str()), 0);
    git_reference* r = nullptr;
    ASSERT_EQ(git_reference_create(&r, raw_, name.c_str(), &oid, 1, "test"), 0) << git_error_text();
    git_reference_free(r);
  }

  std::map<std::string, BranchStatus> compare(const RepoConfig& cfg, const std::string& mirror = "platform") {
    auto repo = GitRepo::open(dir_);
    EXPECT_TRUE(repo) << repo.error();
    std::map<std::string, BranchStatus> out;
    if (!repo) return out;
    for (auto& b : compare_branches(*repo, cfg, "origin", mirror)) out[b.branch] = b;
    return out;
  }

  static RepoConfig config(const std::string& extra = "") {
    return parse_repo_config("integration:\n  type: bitbucket\n  repository: acme/shop\n" + extra, ".bbsot.yml");
  }

  std::string dir_;
  git_repository* raw_ = nullptr;
  git_oid tree_id_{};
};

TEST_F(MirrorStatus, EveryBranchStateFromTheTrackingRefs) {
  const std::string base = commit("base");
  const std::string next = commit("next", base, 1700000100);
  const std::string hotfix = commit("hotfix made on the platform", base, 1700000200);
  ref("refs/remotes/origin/main", base);
  ref("refs/remotes/platform/main", base);       // in sync
  ref("refs/remotes/origin/feature", next);
  ref("refs/remotes/platform/feature", base);    // the mirror is behind
  ref("refs/remotes/origin/fix", next);
  ref("refs/remotes/platform/fix", hotfix);      // diverged: one commit only on the mirror
  ref("refs/remotes/platform/stray", hotfix);    // made only on the platform
  ref("refs/remotes/origin/new-work", next);     // not on the mirror yet

  auto s = compare(config());
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s["main"].state, BranchState::InSync);
  EXPECT_EQ(s["feature"].state, BranchState::MirrorBehind);
  EXPECT_EQ(s["fix"].state, BranchState::MirrorDiverged);
  ASSERT_EQ(s["fix"].mirror_only_count, 1u);
  ASSERT_EQ(s["fix"].mirror_only.size(), 1u);
  EXPECT_EQ(s["fix"].mirror_only[0].hash, hotfix);
  EXPECT_EQ(s["fix"].mirror_only[0].message, "hotfix made on the platform");
  EXPECT_EQ(s["stray"].state, BranchState::OnlyOnMirror);
  EXPECT_EQ(s["new-work"].state, BranchState::OnlyOnSource);
  EXPECT_EQ(s["fix"].source_id, next);
  EXPECT_EQ(s["fix"].mirror_id, hotfix);
  for (auto& [name, b] : s) EXPECT_FALSE(b.plan.empty()) << name;
  // A branch made only on the mirror is pruned (the default), and says so.
  EXPECT_NE(s["stray"].plan.find("prune"), std::string::npos) << s["stray"].plan;
}

TEST_F(MirrorStatus, TheOptionsChangeThePlanNotTheState) {
  const std::string base = commit("base");
  const std::string hotfix = commit("on the platform", base, 1700000200);
  ref("refs/remotes/origin/main", base);
  ref("refs/remotes/platform/main", base);
  ref("refs/remotes/platform/stray", hotfix);
  const auto pruned = compare(config())["stray"];
  const auto kept = compare(config("  prune_branches: false\n"))["stray"];
  EXPECT_EQ(pruned.state, BranchState::OnlyOnMirror);
  EXPECT_EQ(kept.state, BranchState::OnlyOnMirror);
  EXPECT_NE(pruned.plan, kept.plan) << "prune_branches: false must change what the plan says";
}

TEST_F(MirrorStatus, WithoutAMirrorNothingIsCompared) {
  const std::string base = commit("base");
  ref("refs/remotes/origin/main", base);
  ref("refs/remotes/origin/feature", base);
  auto s = compare(config(), "");
  ASSERT_EQ(s.size(), 2u);
  for (auto& [name, b] : s) {
    EXPECT_EQ(b.state, BranchState::NotCompared) << name;
    EXPECT_NE(b.plan.find("--mirror-remote"), std::string::npos) << b.plan;
  }
  EXPECT_STREQ(to_string(BranchState::NotCompared), "not-compared");
  EXPECT_STREQ(to_string(BranchState::MirrorDiverged), "mirror-diverged");
}

}  // namespace
}  // namespace bbsot
