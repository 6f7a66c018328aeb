// The first-contact items of issue 16 that only unit tests covered: what a push says
// when its report cannot go out (once, in one line, naming why), the plan line of a push
// whose remote has commits this clone lacks, and doctor's judgement of what hook_url
// answers (the delivery's own status table: what would park a report fails, naming the
// status; 2xx, or 400/422 to the empty probe, is a receiver).
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "repo_fixture.hpp"

namespace bbsot::test {
namespace {

using nlohmann::json;

class FirstContact : public RepoFixture {
 protected:
  void SetUp() override {
    RepoFixture::SetUp();
    write_team_config();
    commit_team_config("Add .bbsot.yml");
    git_ok({"push", "-q", "origin", "main"});
  }

  // Pushes a new branch to origin; returns the push's stderr.
  std::string push_branch(const std::string& name, const Env& extra = {}) {
    git_ok({"checkout", "-q", "-B", name});
    commit("work on " + name);
    auto r = push({"origin", name}, extra);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(wait_idle());
    return r.err;
  }

  static int count(const std::string& hay, const std::string& needle) {
    int n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  }

  json doctor_check(const std::string& name) {
    auto r = bbsot({"doctor", "--json"});
    json j = json::parse(r.out, nullptr, false);
    if (j.is_array())
      for (const auto& e : j)
        if (e["check"] == name) return e;
    ADD_FAILURE() << name << " missing: " << describe(r);
    return json::object();
  }
};

// ------------------------------------------------------------------ silent waits

TEST_F(FirstContact, AReportWithoutAHookUrlSaysItWaitsOnce) {
  commit_team_hook_url("");
  set_up_clone(env_, work_, {"--yes", "--no-hook-url"});
  const std::string err = push_branch("feature");
  EXPECT_EQ(count(err, "the report waits: "), 1) << err;
  EXPECT_TRUE(contains(err, "no hook URL for the integration yet; set it: git bbsot init --hook-url URL")) << err;
}

TEST_F(FirstContact, AReportToAnUnapprovedHookUrlSaysItWaitsOnce) {
  init_clone();
  Receiver other(tmp_.path() + "/other");
  commit_team_hook_url(other.url());
  ASSERT_EQ(push({"-q", "origin", "main"}).exit_code, 0);
  ASSERT_TRUE(wait_idle());
  const std::string err = push_branch("feature");
  EXPECT_EQ(count(err, "the report waits: "), 1) << err;
  EXPECT_TRUE(contains(err, other.url() + ", which is not approved on this machine; run: git bbsot approve")) << err;
  EXPECT_TRUE(other.attempts().empty()) << "a report went to an unapproved hook URL";
}

TEST_F(FirstContact, AReportWhoseSecretVariableIsUnsetSaysItWaitsOnce) {
  init_clone();
  // init wrote no user file (no account, no report secret yet): the user creates it.
  std::filesystem::create_directories(std::filesystem::path(user_config_).parent_path());
  write_file(user_config_, "reports:\n  - hook_url: " + receiver_->url() + "\n    secret_env: SHOP_REPORT_SECRET\n",
             0600);
  const std::string err = push_branch("feature", {{"SHOP_REPORT_SECRET", ""}});
  EXPECT_EQ(count(err, "the report waits: "), 1) << err;
  EXPECT_TRUE(contains(err, "comes from $SHOP_REPORT_SECRET, which is not set here")) << err;
  // With the variable set, nothing waits and nothing is said about it.
  const std::string ok = push_branch("second", {{"SHOP_REPORT_SECRET", "CANARY-first-contact-5e1"}});
  EXPECT_FALSE(contains(ok, "waits")) << ok;
  EXPECT_FALSE(contains(ok, "CANARY-first-contact-5e1")) << ok;
}

TEST_F(FirstContact, AReportThatCanGoSaysNothingAboutWaiting) {
  init_clone();
  const std::string err = push_branch("feature");
  EXPECT_FALSE(contains(err, "waits")) << err;
}

// ------------------------------------------------------------- the plan line

// git 2.39 leaves a non-fast-forward ref out of the hook's input when it knows the
// remote's tip; when it does not (the tip was never fetched), the input is the same with
// or without --force, and the plan line says so instead of promising a forced update.
TEST_F(FirstContact, DivergedMainWhoseRemoteTipIsUnknownSaysFetchFirst) {
  init_clone();
  const std::string other = tmp_.path() + "/other";
  git_ok({"clone", "-q", origin_, other}, tmp_.path());
  commit("someone else's work", other);
  git_ok({"push", "-q", "origin", "main"}, other);
  commit("my work");
  auto r = push({"origin", "main"});
  EXPECT_NE(r.exit_code, 0) << "git let a non-fast-forward push through: " << describe(r);
  EXPECT_TRUE(contains(r.err,
                       "main: the remote has commits you do not have; git rejects this push unless forced (fetch "
                       "first); if forced, the integration rebuilds the environment"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "forced update")) << r.err;
}

// ------------------------------------------------- doctor and hook_url's answers

TEST_F(FirstContact, DoctorJudgesHookUrlAnswersLikeTheDelivery) {
  init_clone();
  struct Case {
    const char* mode;
    const char* level;
    const char* says;
  };
  for (const Case& c :
       {Case{"501", "fail", "501"}, Case{"404", "fail", "404"}, Case{"410", "fail", "410"}, Case{"302", "fail", "302"},
        Case{"503", "warn", "retried"}, Case{"422", "ok", "HTTP 422"}, Case{"ok", "ok", "HTTP 400"}}) {
    SCOPED_TRACE(c.mode);
    receiver_->mode(c.mode);
    const json e = doctor_check("hook_url");
    EXPECT_EQ(e["level"], c.level) << e.dump();
    EXPECT_TRUE(contains(e.value("detail", ""), c.says)) << e.dump();
    if (std::string(c.level) == "fail") {
      EXPECT_TRUE(contains(e.value("detail", ""), "parked")) << e.dump();
      EXPECT_TRUE(contains(e.value("fix", ""), "git bbsot init --hook-url URL")) << e.dump();
    }
  }
}

}  // namespace
}  // namespace bbsot::test
