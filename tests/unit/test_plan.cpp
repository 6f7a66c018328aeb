// describe_change: the pre-push line that says what the integration will do with a ref
// update must follow the configured options (docs/DESIGN.md "The integration model").
#include <gtest/gtest.h>

#include "outbox/plan.hpp"

namespace bbsot {
namespace {

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

RefChange branch(const std::string& name) {
  RefChange c;
  c.ref = "refs/heads/" + name;
  c.old_id = c.old_commit = std::string(40, 'a');
  c.new_id = c.new_commit = std::string(40, 'b');
  return c;
}

RefChange created(const std::string& name) {
  RefChange c = branch(name);
  c.created = true;
  c.old_id = c.old_commit = "";
  return c;
}

RefChange deleted(const std::string& name) {
  RefChange c = branch(name);
  c.closed = true;
  c.new_id = c.new_commit = "";
  return c;
}

IntegrationConfig options(bool fetch, bool prune) {
  IntegrationConfig in;
  in.default_branch = "main";
  in.fetch_branches = fetch;
  in.prune_branches = prune;
  return in;
}

TEST(DescribeChange, DeletionDeletesTheEnvironmentOnlyWhenPruning) {
  EXPECT_TRUE(has(describe_change(deleted("topic"), options(true, true)), "will delete its environment"));
  const std::string kept = describe_change(deleted("topic"), options(true, false));
  EXPECT_FALSE(has(kept, "delete its environment")) << kept;
  EXPECT_TRUE(has(kept, "keeps its branch and environment (prune_branches is off)")) << kept;
}

TEST(DescribeChange, DefaultBranchIsNeverItsOwnChild) {
  for (bool fetch : {true, false}) {
    const std::string s = describe_change(created("main"), options(fetch, fetch));
    EXPECT_FALSE(has(s, "inactive environment")) << s;
    EXPECT_FALSE(has(s, "as its parent")) << s;
    EXPECT_TRUE(has(s, "production environment")) << s;
  }
  const std::string gone = describe_change(deleted("main"), options(true, true));
  EXPECT_FALSE(has(gone, "will delete")) << gone;
}

TEST(DescribeChange, NewBranchIsAnInactiveChildOfTheDefaultBranch) {
  EXPECT_EQ(describe_change(created("topic"), options(true, true)),
            "topic: new branch; the integration will create an inactive environment with main as its parent");
}

TEST(DescribeChange, FetchBranchesOffMirrorsOnlyTheDefaultBranch) {
  for (const RefChange& c : {created("topic"), deleted("topic"), branch("topic")})
    EXPECT_EQ(describe_change(c, options(false, false)),
              "topic: not mirrored by the integration (fetch_branches is off)");
  EXPECT_TRUE(has(describe_change(branch("main"), options(false, false)), "rebuild its environment"));
}

// git leaves a non-fast-forward ref out of the hook's input when it knows the remote's
// tip; when it does not, the input is the same with or without --force, so the line must
// not claim either.
TEST(DescribeChange, UpdateOverUnknownTipSaysWhatGitWillDo) {
  RefChange c = branch("main");
  c.old_unknown = true;
  EXPECT_EQ(describe_change(c, options(true, true)),
            "main: the remote has commits you do not have; git rejects this push unless forced (fetch first); if "
            "forced, the integration rebuilds the environment");
  EXPECT_EQ(describe_change(branch("main"), options(true, true)),
            "main: updated; the integration will rebuild its environment");
}

TEST(DescribeChange, TagsChangeNoEnvironment) {
  RefChange t = created("v1");
  t.ref = "refs/tags/v1";
  t.is_tag = true;
  EXPECT_EQ(describe_change(t, options(true, true)), "tag v1 pushed: no environment changes");
}

}  // namespace
}  // namespace bbsot
