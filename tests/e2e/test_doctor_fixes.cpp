// Every fix `git bbsot doctor` prints as a command works (issue 16): for each check that
// can fail with a command for its fix, the test builds that state in a real clone, reads
// the fix from `doctor --json` (its `command`) and from the human text (the line after the
// check, `fix: ... run: COMMAND`, as a user would copy it), checks that the two agree,
// does what the text before "run:" asks (on the Bitbucket double, say), pastes the
// command into a shell in the work tree (on a pseudo-terminal answering "y" where the
// command asks, as approve and init do), expects exit 0, and runs doctor again to see
// that check pass. Fixes that are not commands are checked to name the exact place.
#include <filesystem>
#include <functional>
#include <memory>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "repo_fixture.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kAccessToken = "CANARY-doctor-access-token-61c0";

// tests/support/api_server.py: Bitbucket's REST API, accepting the tokens in tokens_file.
class ApiDouble {
 public:
  ApiDouble(const std::string& dir, const std::string& tokens_file)
      : state_(dir + "/state"), server_([&] {
          fs::create_directories(dir + "/state");
          const TestCA& ca = shared_ca();
          return Server::start({support_dir() + "/api_server.py", "--cert", ca.cert, "--key", ca.key, "--port-file",
                                dir + "/port", "--state-dir", dir + "/state", "--tokens-file", tokens_file},
                               dir + "/port");
        }()) {
    write_file(state_ + "/repos.json", json{{"acme/shop", {{"type", "cloud"}}}}.dump());
  }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(server_.port()); }
  void hooks(const json& h) { write_file(state_ + "/hooks.json", h.dump()); }

 private:
  std::string state_;
  Server server_;
};

struct Fix {
  std::string level, fix, command, human_fix;
};

class DoctorFixes : public RepoFixture {
 protected:
  void SetUp() override {
    RepoFixture::SetUp();
    write_team_config();
    commit_team_config("Add .bbsot.yml");
    git_ok({"push", "-q", "origin", "main"});
  }

  // The user's file: the receiver's CA is not needed (plain http on loopback), the API
  // double's is; `accounts` as YAML list items.
  void write_user_config(const std::string& accounts, const std::string& tail = "") {
    std::string text = "ca_file: " + shared_ca().ca + "\n";
    if (fs::exists(user_config_)) {
      // Keep what init wrote there (the report secret).
      const std::string old = read_file(user_config_);
      const auto reports = old.find("reports:");
      if (reports != std::string::npos) text += old.substr(reports);
      if (!text.ends_with("\n")) text += "\n";
    }
    if (!accounts.empty()) text += "accounts:\n" + accounts;
    text += tail;
    fs::create_directories(fs::path(user_config_).parent_path());
    write_file(user_config_, text, 0600);
  }

  // An access-token account for acme on the API double.
  void with_access_token_account() {
    write_file(tmp_.path() + "/api-tokens", std::string(kAccessToken) + "\n");
    write_file(tmp_.path() + "/token", std::string(kAccessToken) + "\n", 0600);
    api_ = std::make_unique<ApiDouble>(tmp_.path() + "/api", tmp_.path() + "/api-tokens");
    write_user_config("  - url: https://bitbucket.org/acme\n    kind: access_token\n    token_command: cat " +
                      tmp_.path() + "/token\n    api_url: " + api_->base() + "/2.0\n");
  }

  json doctor_json() {
    auto r = bbsot({"doctor", "--json"});
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_array()) ADD_FAILURE() << "doctor --json: " << describe(r);
    return j.is_array() ? j : json::array();
  }

  // The first entry of `check` that is not ok, from --json and from the human text.
  Fix failing(const std::string& check) {
    Fix f;
    const json j = doctor_json();
    size_t index = 0;
    for (const auto& e : j) {
      if (e["check"] == check && e["level"] != "ok") {
        f.level = e["level"];
        f.fix = e["fix"];
        f.command = e["command"];
        break;
      }
      ++index;
    }
    if (f.level.empty()) {
      ADD_FAILURE() << check << " does not fail:\n" << j.dump(1);
      return f;
    }
    // The human text: one "<level> <check>: <detail>" line per entry, in the same order,
    // each followed by its "      fix: ..." line when it has one.
    auto human = bbsot({"doctor"});
    size_t seen = 0;
    const auto lines = split_lines(human.out);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!std::regex_search(lines[i], std::regex("^(ok|warn|fail) +[^:]+: "))) continue;
      if (seen++ != index) continue;
      EXPECT_TRUE(lines[i].starts_with(f.level)) << lines[i];
      EXPECT_TRUE(contains(lines[i], check + ": ")) << lines[i];
      if (i + 1 < lines.size() && lines[i + 1].starts_with("      fix: ")) f.human_fix = lines[i + 1].substr(11);
      break;
    }
    EXPECT_EQ(f.human_fix, f.fix) << "the human text and --json disagree:\n" << human.out;
    return f;
  }

  // The level of `check` ("fail" over "warn" over "ok" when it has several entries).
  std::string level_of(const std::string& check) {
    std::string level;
    for (const auto& e : doctor_json()) {
      if (e["check"] != check) continue;
      const std::string l = e["level"];
      if (level.empty() || l == "fail" || (l == "warn" && level == "ok")) level = l;
    }
    if (level.empty()) ADD_FAILURE() << "doctor has no " << check << " check";
    return level;
  }

  std::string detail_of(const std::string& check) {
    for (const auto& e : doctor_json())
      if (e["check"] == check) return e["detail"];
    ADD_FAILURE() << "doctor has no " << check << " check";
    return "";
  }

  // What a user pastes: everything after the last "run: " on the fix line.
  static std::string pasted(const std::string& fix_line) {
    const auto at = fix_line.rfind("run: ");
    return at == std::string::npos ? "" : fix_line.substr(at + 5);
  }

  RunResult paste(const std::string& command, bool terminal) {
    if (!terminal) return run({"sh", "-c", command}, env_, work_, "", 60000);
    // On a pseudo-terminal, answering every question yes, as the user reading doctor's
    // detail (which names what will be approved) would.
    Env e = env_;
    e["TERM"] = "dumb";
    return run({"script", "-qec", command, "/dev/null"}, e, work_, "y\ny\ny\ny\n", 60000);
  }

  // The story of one fix: `check` fails (or warns) with a command; `before` does what the
  // text before "run:" asks; the pasted command exits 0; then `check` passes.
  void expect_fix_works(const std::string& check, bool terminal = false,
                        const std::function<void()>& before = nullptr) {
    SCOPED_TRACE(check);
    const Fix f = failing(check);
    ASSERT_FALSE(f.command.empty()) << check << ": the fix is not a command: " << f.fix;
    EXPECT_EQ(f.command.find('<'), std::string::npos) << "a placeholder in " << f.command;
    EXPECT_EQ(f.command.find("..."), std::string::npos) << "a placeholder in " << f.command;
    const std::string cmd = pasted(f.human_fix);
    EXPECT_TRUE(cmd == f.command || cmd.starts_with(f.command + "   # "))
        << "printed: " << f.human_fix << "\njson: " << f.command;
    if (before) before();
    auto r = paste(cmd, terminal);
    ASSERT_EQ(r.exit_code, 0) << "the fix `" << cmd << "` failed:\n" << describe(r);
    EXPECT_TRUE(wait_idle());
    const json after = doctor_json();
    for (const auto& e : after) {
      if (e["check"] == check) {
        EXPECT_EQ(e["level"], "ok") << "after `" << cmd << "`: " << e.dump() << "\n" << describe(r);
      }
    }
  }

  std::unique_ptr<ApiDouble> api_;
  std::unique_ptr<OAuthServer> oauth_;
};

// ------------------------------------------------------------- the clone's set-up

TEST_F(DoctorFixes, CloneNotSetUp) {
  // .bbsot.yml is there (cloned), init was never run: init on a terminal asks, then works.
  expect_fix_works("clone record", true);
  EXPECT_EQ(level_of("hook pre-push"), "ok") << "init wired the hook too";
}

TEST_F(DoctorFixes, HookRemoved) {
  init_clone();
  fs::remove(work_ + "/.git/hooks/pre-push");
  expect_fix_works("hook pre-push");
}

// A team file that loosens the guard waits for this machine's approval; approving it
// applies it (the mirror becomes pushable, as the team asked).
TEST_F(DoctorFixes, TeamLoosensTheGuard) {
  init_clone();
  write_team_config("  fetch_branches: false\n");
  commit_team_config("Stop fetching branches");
  ASSERT_EQ(push({"-q", "origin", "main"}).exit_code, 0);
  ASSERT_TRUE(wait_idle());
  ASSERT_TRUE(contains(detail_of("clone record"), "pushes to it refused")) << "loosened without approval";
  expect_fix_works("team file", true);
  EXPECT_TRUE(contains(detail_of("clone record"), "pushable (fetch_branches is off)")) << "approve did not apply it";
}

TEST_F(DoctorFixes, HookUrlNotApproved) {
  init_clone();
  Receiver other(tmp_.path() + "/other");
  commit_team_hook_url(other.url());
  ASSERT_EQ(push({"-q", "origin", "main"}).exit_code, 0);
  ASSERT_TRUE(wait_idle());
  expect_fix_works("hook_url", true);
  EXPECT_FALSE(other.attempts().empty()) << "doctor did not probe the approved hook URL";
}

TEST_F(DoctorFixes, SourceRemoteRemoved) {
  init_clone();
  git_ok({"remote", "remove", "origin"});
  expect_fix_works("source remote");
  EXPECT_EQ(git_ok({"remote", "get-url", "origin"}), "https://bitbucket.org/acme/shop.git");
}

TEST_F(DoctorFixes, LegacyReportSecretInTheTeamFile) {
  init_clone();
  write_team_config("", "report:\n  secret_env: SHOP_WEBHOOK_SECRET\n");
  expect_fix_works("config", true);
  EXPECT_FALSE(contains(read_file(work_ + "/.bbsot.yml"), "secret_env")) << read_file(work_ + "/.bbsot.yml");
}

// --------------------------------------------------------------- files and reports

TEST_F(DoctorFixes, PrivateDirectoryOpenedUp) {
  init_clone();
  ASSERT_TRUE(fs::is_directory(work_ + "/.git/bbsot"));
  fs::permissions(work_ + "/.git/bbsot", fs::perms(0755));
  expect_fix_works("permissions");
}

TEST_F(DoctorFixes, PrivateDirectoryIsASymlink) {
  init_clone();
  fs::create_directories(tmp_.path() + "/elsewhere");
  const std::string cache = home_ + "/.cache/bbsot";
  fs::remove_all(cache);
  fs::create_directories(fs::path(cache).parent_path());
  fs::create_directory_symlink(tmp_.path() + "/elsewhere", cache);
  expect_fix_works("permissions");
  EXPECT_TRUE(fs::exists(tmp_.path() + "/elsewhere")) << "the fix removed the link's target";
}

TEST_F(DoctorFixes, RejectedReports) {
  init_clone();
  receiver_->mode("410");
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("feature work");
  ASSERT_EQ(push({"-q", "origin", "feature"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : report_list())
      if (r.value("state", "") == "rejected") return true;
    return false;
  })) << report_list().dump(1);
  ASSERT_TRUE(wait_idle());
  // The text says: once the endpoint accepts them. The integration is fixed, then the command.
  const Fix f = failing("reports");
  EXPECT_TRUE(contains(f.fix, "once the endpoint accepts them")) << f.fix;
  expect_fix_works("reports", false, [&] { receiver_->mode("ok"); });
  EXPECT_TRUE(eventually([&] { return !deliveries().empty(); })) << "the retried report was not delivered";
}

// ------------------------------------------------------------------ the account

TEST_F(DoctorFixes, CredentialHelperRemoved) {
  with_access_token_account();
  init_clone();
  git_ok({"config", "--unset-all", "credential.https://bitbucket.org/acme.helper"});
  expect_fix_works("credential helper");
}

TEST_F(DoctorFixes, NoWebhookOnBitbucket) {
  with_access_token_account();
  init_clone();
  expect_fix_works("webhook");
}

TEST_F(DoctorFixes, InactiveWebhook) {
  with_access_token_account();
  init_clone();
  ASSERT_EQ(bbsot({"webhook", "--fix"}).exit_code, 0);
  // Someone switched it off in Repository settings > Webhooks.
  json hooks = json::parse(read_file(tmp_.path() + "/api/state/hooks.json"));
  hooks["acme/shop"][0]["active"] = false;
  api_->hooks(hooks);
  expect_fix_works("webhook");
}

TEST_F(DoctorFixes, WebhookWithoutTheSecretBbsotSignsWith) {
  with_access_token_account();
  write_file(tmp_.path() + "/report-secret", "CANARY-report-secret-1f0e\n", 0600);
  write_user_config(
      "  - url: https://bitbucket.org/acme\n    kind: access_token\n    token_command: cat " + tmp_.path() +
          "/token\n    api_url: " + api_->base() + "/2.0\n",
      "reports:\n  - hook_url: " + receiver_->url() + "\n    secret_command: cat " + tmp_.path() + "/report-secret\n");
  init_clone();
  ASSERT_EQ(bbsot({"webhook", "--fix"}).exit_code, 0);
  expect_fix_works("webhook secret");
}

TEST_F(DoctorFixes, ConsumerLacksScopes) {
  oauth_ = std::make_unique<OAuthServer>(tmp_.path() + "/oauth", shared_ca());
  write_file(oauth_->state_dir() + "/scopes", "repository\n");
  api_ = std::make_unique<ApiDouble>(tmp_.path() + "/api", oauth_->tokens_file());
  write_user_config("  - url: https://bitbucket.org/acme\n    key: " + oauth_->client_id() +
                    "\n    secret_command: cat " + tmp_.path() + "/oauth/client_secret\n    token_url: " +
                    oauth_->url() + "\n    api_url: " + api_->base() + "/2.0\n");
  init_clone();
  const Fix f = failing("token scopes");
  EXPECT_TRUE(contains(f.fix, "Webhooks: Read and write (scope webhook)")) << f.fix;
  EXPECT_TRUE(contains(f.fix, "Workspace settings > OAuth consumers")) << f.fix;
  // The text says: grant it on the consumer first. Done on the double, then the command.
  expect_fix_works("token scopes", false,
                   [&] { write_file(oauth_->state_dir() + "/scopes", "repository:write pullrequest webhook\n"); });
}

// ------------------------------------------------- fixes that are not commands

// A fix that needs something only the user has (a URL the platform shows, a key, a
// permission on Bitbucket) is prose naming the exact place, not a command with holes:
// no "run:" (so nothing is taken for a command), and the file, page or setting named.
TEST_F(DoctorFixes, FixesThatAreNotCommandsNameThePlace) {
  commit_team_hook_url("");
  set_up_clone(env_, work_, {"--yes", "--no-hook-url"});
  git_ok({"remote", "remove", "platform"});
  const json j = doctor_json();
  auto fix_of = [&](const std::string& check) {
    for (const auto& e : j)
      if (e["check"] == check && e["level"] != "ok") return e;
    ADD_FAILURE() << check << " does not fail or warn:\n" << j.dump(1);
    return json::object();
  };
  struct Want {
    const char* check;
    std::vector<std::string> names;
  };
  for (const Want& w : {Want{"hook_url", {"git bbsot init --hook-url URL", "the platform shows"}},
                        Want{"mirror remote", {"git bbsot init --mirror-remote NAME=URL", "platform's git URL"}},
                        Want{"account", {user_config_, "Workspace settings > OAuth consumers", "--key KEY"}},
                        Want{"credential helper", {"account"}}}) {
    const json e = fix_of(w.check);
    if (e.empty()) continue;
    const std::string fix = e["fix"];
    EXPECT_EQ(e["command"], "") << w.check << ": " << fix;
    EXPECT_FALSE(contains(fix, "run: ")) << w.check << ": " << fix;
    EXPECT_FALSE(contains(fix, "<")) << w.check << ": " << fix;
    for (const auto& n : w.names) EXPECT_TRUE(contains(fix, n)) << w.check << ": " << fix << "\nlacks " << n;
  }
}

}  // namespace
}  // namespace bbsot::test
