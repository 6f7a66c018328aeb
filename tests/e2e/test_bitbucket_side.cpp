// End-to-end tests of the Bitbucket side (issue 15): `git bbsot webhook`, doctor's
// webhook and token checks, pull requests and build statuses in `status`, `wait`, and the
// token kinds of 2026, all through the installed programs against the REST API double
// (tests/support/api_server.py, Atlassian's documented shapes over TLS), the OAuth double
// and, for git itself, the smart-HTTP double. Secrets are canaries that must never show.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kConsumerSecret = "CANARY-consumer-secret-b61d";
const std::string kServerToken = "CANARY-server-token-e0a4";
const std::string kApiToken = "CANARY-api-token-4c19";
const std::string kAccessToken = "CANARY-access-token-77d2";
const std::string kReportSecret = "CANARY-report-secret-3f88";

// As the double stores them: sorted.
const std::vector<std::string> kCloudEvents = {"pullrequest:created",  "pullrequest:fulfilled", "pullrequest:push",
                                               "pullrequest:rejected", "pullrequest:updated",   "repo:push"};
const std::vector<std::string> kServerEvents = {"mirror:repo_synchronized",
                                                "pr:declined",
                                                "pr:deleted",
                                                "pr:from_ref_updated",
                                                "pr:merged",
                                                "pr:modified",
                                                "pr:opened",
                                                "pr:reviewer:updated",
                                                "pr:to_ref_updated",
                                                "repo:forked",
                                                "repo:modified",
                                                "repo:refs_changed",
                                                "repo:secret_detected"};

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string slurp(const std::string& path) {
  try {
    return read_file(path);
  } catch (const std::exception&) {
    return "";
  }
}

// tests/support/api_server.py in `dir`, its state files written and read by the test.
class ApiDouble {
 public:
  ApiDouble(const std::string& dir, const TestCA& ca, const std::string& tokens_file)
      : state_(dir + "/state"), basic_(dir + "/basic"), server_([&] {
          fs::create_directories(dir + "/state");
          write_file(dir + "/basic", "");
          return Server::start(
              {support_dir() + "/api_server.py", "--cert", ca.cert, "--key", ca.key, "--port-file", dir + "/port",
               "--state-dir", dir + "/state", "--tokens-file", tokens_file, "--basic-file", dir + "/basic"},
              dir + "/port");
        }()) {}
  void set(const std::string& name, const std::string& value) { write_file(state_ + "/" + name, value + "\n"); }
  void set_json(const std::string& name, const json& j) { write_file(state_ + "/" + name, j.dump()); }
  void allow_basic(const std::string& user, const std::string& password) {
    append_file(basic_, user + ":" + password + "\n");
  }
  json hooks() const {
    const std::string t = slurp(state_ + "/hooks.json");
    return t.empty() ? json::object() : json::parse(t);
  }
  std::vector<json> requests() const {
    std::vector<json> out;
    for (const auto& l : read_lines(state_ + "/requests.jsonl")) out.push_back(json::parse(l));
    return out;
  }
  std::vector<json> requests(const std::string& method) const {
    std::vector<json> out;
    for (auto& r : requests())
      if (r["method"] == method) out.push_back(r);
    return out;
  }
  std::string log_text() const { return slurp(state_ + "/requests.log") + slurp(state_ + "/requests.jsonl"); }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  std::string state_, basic_;
  Server server_;
};

class BitbucketSide : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    trace_ = tmp_.path() + "/trace.log";
    env_ = e2e_env(home_, stage_dir() + "/bin");
    env_["BBSOT_TRACE"] = trace_;
    env_["XDG_CACHE_HOME"] = home_ + "/.cache";
    git({"init", "-q", "--bare", tmp_.path() + "/origin.git"}, tmp_.path());
    git({"init", "-q", work_}, tmp_.path());
    git({"remote", "add", "origin", tmp_.path() + "/origin.git"});
    commit("initial");
    git({"push", "-q", "origin", "main"});
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    write_file(tmp_.path() + "/report-secret", kReportSecret + "\n", 0600);
  }

  std::string git(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, env_, cwd.empty() ? work_ : cwd, "", 60000);
    if (r.exit_code != 0) throw std::runtime_error("git failed: " + r.err);
    return r.out;
  }

  void commit(const std::string& message) {
    auto r = run({"git", "commit", "-q", "--allow-empty", "-m", message}, env_, work_, "", 60000);
    if (r.exit_code != 0) throw std::runtime_error("git commit failed: " + r.err);
  }

  std::string head() { return git({"rev-parse", "HEAD"}).substr(0, 40); }

  RunResult bbsot(std::vector<std::string> args, int timeout_ms = 60000) {
    args.insert(args.begin(), "bbsot");
    args.insert(args.begin(), "git");
    auto r = run(args, env_, work_, "", timeout_ms);
    outputs_ += r.out + r.err;
    return r;
  }

  // The team's .bbsot.yml as the user sets the clone up with it: `git bbsot init --yes`
  // records it (the hooks and every command act on that record, not on the file).
  void write_config(const std::string& text) {
    write_file(work_ + "/.bbsot.yml", text);
    auto r = text.find("hook_url:") == std::string::npos ? bbsot({"init", "--yes", "--no-hook-url"}) : bbsot({"init", "--yes"});
    if (r.exit_code != 0) throw std::runtime_error("git bbsot init failed: " + r.out + r.err);
  }

  void write_user_config(const std::string& body) {
    fs::create_directories(home_ + "/.config/bbsot");
    fs::permissions(home_ + "/.config/bbsot", fs::perms::owner_all);
    write_file(home_ + "/.config/bbsot/config.yml", "ca_file: " + shared_ca().ca + "\n" + body, 0600);
  }

  std::string report_secrets() const {
    return "reports:\n  - hook_url: " + receiver_->url("/hook") + "\n    secret_command: cat " + tmp_.path() +
           "/report-secret\n";
  }

  // Cloud acme/shop with an OAuth consumer whose tokens the API double accepts.
  void setup_cloud(const std::string& extra_user_config = "") {
    oauth_ = std::make_unique<OAuthServer>(tmp_.path() + "/oauth", shared_ca(), "consumer-key", kConsumerSecret);
    oauth_->mode("ok");
    write_file(tmp_.path() + "/oauth/state/scopes", "repository:write pullrequest webhook\n");
    api_ = std::make_unique<ApiDouble>(tmp_.path() + "/api", shared_ca(), oauth_->tokens_file());
    api_->set_json("repos.json", json{{"acme/shop", {{"type", "cloud"}, {"pullrequests", json::array()}}}});
    write_user_config(
        "accounts:\n  - url: https://bitbucket.org/acme\n    key: consumer-key\n    secret_command: cat " +
        tmp_.path() + "/oauth/client_secret\n    token_url: " + oauth_->url() + "\n    api_url: " + api_->base() +
        "/2.0\n" + extra_user_config);
    write_config("integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: " +
                                          receiver_->url("/hook") + "\nremotes:\n  source: origin\n");
  }

  // Server SHOP/web on the API double itself, with an HTTP access token.
  void setup_server(const std::string& extra_user_config = "") {
    write_file(tmp_.path() + "/server-tokens", kServerToken + "\n");
    write_file(tmp_.path() + "/server-token", kServerToken + "\n", 0600);
    api_ = std::make_unique<ApiDouble>(tmp_.path() + "/api", shared_ca(), tmp_.path() + "/server-tokens");
    api_->set_json("repos.json", json{{"SHOP/web", {{"type", "server"}, {"pullrequests", json::array()}}}});
    write_user_config("accounts:\n  - url: " + api_->base() +
                      "\n    type: bitbucket_server\n    username: alice\n    token_command: cat " + tmp_.path() +
                      "/server-token\n" + extra_user_config);
    write_config("integration:\n  type: bitbucket_server\n  url: " + api_->base() +
                                          "\n  repository: SHOP/web\n  hook_url: " + receiver_->url("/hook") +
                                          "\nremotes:\n  source: origin\n");
  }

  const json& only_hook(const std::string& repo) {
    hooks_ = api_->hooks();
    EXPECT_EQ(hooks_[repo].size(), 1u) << hooks_.dump(1);
    static const json empty = json::object();
    return hooks_[repo].empty() ? empty : hooks_[repo][0];
  }

  // No secret of this test in anything bbsot printed, traced or left in the work tree.
  void expect_no_secret_shown() {
    std::vector<std::string> secrets = {kConsumerSecret, kServerToken, kApiToken, kAccessToken, kReportSecret};
    if (oauth_)
      for (const auto& t : oauth_->tokens()) secrets.push_back(t);
    const std::string shown = outputs_ + slurp(trace_);
    ASSERT_FALSE(slurp(trace_).empty()) << "BBSOT_TRACE wrote nothing: the check would prove little";
    for (const auto& s : secrets) EXPECT_FALSE(contains(shown, s)) << "a secret was shown: " << s.substr(0, 12);
    if (api_)
      for (const auto& r : api_->requests()) {
        EXPECT_FALSE(contains(r["path"].get<std::string>() + r["query"].get<std::string>(), "CANARY"));
        for (const auto& s : secrets) EXPECT_FALSE(contains(r["query"].get<std::string>(), s));
      }
  }

  json doctor_checks() {
    auto r = bbsot({"doctor", "--json"});
    try {
      return json::parse(r.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "doctor --json: " << r.out << r.err;
      return json::array();
    }
  }

  static std::vector<json> checks_named(const json& checks, const std::string& name) {
    std::vector<json> out;
    for (const auto& c : checks)
      if (c["check"] == name) out.push_back(c);
    return out;
  }

  TempDir tmp_;
  std::string home_, work_, trace_, outputs_;
  Env env_;
  json hooks_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<OAuthServer> oauth_;
  std::unique_ptr<ApiDouble> api_;
};

// ------------------------------------------------------------------ webhook

TEST_F(BitbucketSide, CloudWebhookCreatedWithTheExactEventsOnceOnly) {
  setup_cloud();
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1) << show.out << show.err;
  EXPECT_TRUE(contains(show.err, "git bbsot webhook --fix")) << show.err;

  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_TRUE(contains(fix.out, "created the webhook")) << fix.out;
  const json& h = only_hook("acme/shop");
  EXPECT_EQ(h["events"].get<std::vector<std::string>>(), kCloudEvents);
  EXPECT_EQ(h["url"], receiver_->url("/hook"));
  EXPECT_EQ(h["active"], true);
  EXPECT_FALSE(h.contains("secret_digest")) << "no secret unless asked for";
  auto posts = api_->requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["path"], "/2.0/repositories/acme/shop/hooks");
  EXPECT_EQ(posts[0]["auth"], "bearer");
  EXPECT_EQ(posts[0]["auth_ok"], true);
  EXPECT_FALSE(posts[0]["body"].contains("secret"));

  // Twice: found, nothing sent, no second hook.
  auto again = bbsot({"webhook", "--fix"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "nothing changed")) << again.out;
  EXPECT_EQ(api_->requests("POST").size(), 1u);
  EXPECT_EQ(api_->requests("PUT").size(), 0u);
  only_hook("acme/shop");
  auto ok = bbsot({"webhook", "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(json::parse(ok.out)["ok"], true);
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, ServerWebhookCreatedWithTheExactEventsOnceOnly) {
  setup_server();
  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  const json& h = only_hook("SHOP/web");
  EXPECT_EQ(h["events"].get<std::vector<std::string>>(), kServerEvents);
  EXPECT_EQ(h["active"], true);
  EXPECT_EQ(h["configuration"], json::object()) << "no secret unless asked for";
  auto posts = api_->requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["path"], "/rest/api/1.0/projects/SHOP/repos/web/webhooks");
  EXPECT_EQ(posts[0]["auth"], "bearer");
  auto again = bbsot({"webhook", "--fix"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(api_->requests("POST").size(), 1u);
  only_hook("SHOP/web");
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, ExistingHookWithWrongEventsIsRepairedNotDuplicated) {
  setup_cloud();
  // The same URL spelled with an upper-case host and a trailing slash, inactive, with an
  // approval and a comment event and without the pull request events.
  const std::string port = std::to_string(receiver_->port());
  write_config(
             "integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: "
             "http://localhost:" +
                 port + "/hook\nremotes:\n  source: origin\n");
  api_->set_json("hooks.json",
                 json{{"acme/shop",
                       {{{"type", "webhook_subscription"},
                         {"uuid", "{11111111-2222-3333-4444-555555555555}"},
                         {"url", "http://LocalHost:" + port + "/hook/"},
                         {"description", "made by hand"},
                         {"subject_type", "repository"},
                         {"active", false},
                         {"events", {"pullrequest:approved", "pullrequest:comment_created", "repo:push"}}}}}});
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_TRUE(contains(show.out, "INACTIVE")) << show.out;
  EXPECT_TRUE(contains(show.out, "missing:    pullrequest:created")) << show.out;
  EXPECT_TRUE(contains(show.out, "pullrequest:approved, pullrequest:comment_created")) << show.out;

  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_TRUE(contains(fix.out, "updated the webhook {11111111-2222-3333-4444-555555555555}")) << fix.out;
  EXPECT_TRUE(contains(fix.out, "removed the comment and approval events")) << fix.out;
  EXPECT_EQ(api_->requests("POST").size(), 0u);
  auto puts = api_->requests("PUT");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0]["path"], "/2.0/repositories/acme/shop/hooks/%7B11111111-2222-3333-4444-555555555555%7D");
  const json& h = only_hook("acme/shop");
  EXPECT_EQ(h["events"].get<std::vector<std::string>>(), kCloudEvents);
  EXPECT_EQ(h["active"], true);
  EXPECT_EQ(h["description"], "made by hand") << "the user's description stays";

  // A second hook for the same URL is reported, not deleted and not joined by a third.
  json hooks = api_->hooks();
  json second = hooks["acme/shop"][0];
  second["uuid"] = "{99999999-2222-3333-4444-555555555555}";
  hooks["acme/shop"].push_back(second);
  api_->set_json("hooks.json", hooks);
  auto dup = bbsot({"webhook", "--fix"});
  EXPECT_EQ(dup.exit_code, 0) << dup.err;
  EXPECT_TRUE(contains(dup.err, "2 webhooks on acme/shop point at")) << dup.err;
  EXPECT_EQ(api_->hooks()["acme/shop"].size(), 2u);
  EXPECT_EQ(bbsot({"webhook"}).exit_code, 1);
}

TEST_F(BitbucketSide, MissingWebhookScopeIsNamedWithWhereToGrantIt) {
  setup_cloud();
  api_->set("scopes", "repository:write pullrequest");
  auto fix = bbsot({"webhook", "--fix"});
  EXPECT_EQ(fix.exit_code, 1) << fix.out;
  EXPECT_TRUE(contains(fix.err, "HTTP 403")) << fix.err;
  EXPECT_TRUE(contains(fix.err, "Webhooks: Read and write (scope webhook)")) << fix.err;
  EXPECT_TRUE(contains(fix.err, "Workspace settings > OAuth consumers")) << fix.err;
  // Creating a hook for pull request events also takes the pullrequest scope.
  api_->set("scopes", "repository:write webhook");
  auto create = bbsot({"webhook", "--fix"});
  EXPECT_EQ(create.exit_code, 1);
  EXPECT_TRUE(contains(create.err, "Pull requests: Read (scope pullrequest)")) << create.err;
  EXPECT_TRUE(api_->hooks()["acme/shop"].empty());
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, ServerTokenWithoutRepositoryAdminIsNamed) {
  setup_server();
  api_->set("server_permission", "REPO_WRITE");
  auto fix = bbsot({"webhook", "--fix"});
  EXPECT_EQ(fix.exit_code, 1);
  EXPECT_TRUE(contains(fix.err, "REPO_ADMIN")) << fix.err;
  EXPECT_TRUE(contains(fix.err, "Manage account > HTTP access tokens")) << fix.err;
  EXPECT_TRUE(contains(fix.err, "Repository permission Admin")) << fix.err;
}

TEST_F(BitbucketSide, DryRunPrintsTheRequestAndSendsNothing) {
  setup_cloud(report_secrets());
  auto dry = bbsot({"webhook", "--fix", "--dry-run", "--set-secret"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_TRUE(contains(dry.out, "POST " + api_->base() + "/2.0/repositories/acme/shop/hooks")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "\"pullrequest:fulfilled\"")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "<the report secret for hook_url from your config>")) << dry.out;
  EXPECT_TRUE(api_->requests("POST").empty());
  EXPECT_TRUE(api_->requests("PUT").empty());
  EXPECT_TRUE(api_->hooks()["acme/shop"].empty());
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, SetSecretOnlyWhenAskedAndNeverShown) {
  setup_cloud(report_secrets());
  ASSERT_EQ(bbsot({"webhook", "--fix"}).exit_code, 0);
  EXPECT_FALSE(only_hook("acme/shop").contains("secret_digest"));
  auto set = bbsot({"webhook", "--fix", "--set-secret"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_TRUE(contains(set.out, "set the webhook's secret")) << set.out;
  auto puts = api_->requests("PUT");
  ASSERT_EQ(puts.size(), 1u);
  const std::string digest = puts[0]["body"]["secret"].get<std::string>();
  EXPECT_TRUE(digest.starts_with("sha256:")) << digest;
  EXPECT_EQ(only_hook("acme/shop").value("secret_digest", ""), digest);
  auto show = bbsot({"webhook"});
  EXPECT_TRUE(contains(show.out, "secret:     set")) << show.out;
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, ServerThatDoesNotKnowAnOptionalEventStillGetsTheHook) {
  setup_server();
  // Bitbucket 10.4 refuses pr:to_ref_updated (docs/WEBHOOK.md); an older one also
  // repo:secret_detected. Each refusal names one key: one more try per key.
  api_->set("rejects", "pr:to_ref_updated repo:secret_detected");
  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_TRUE(contains(fix.out, "does not know pr:to_ref_updated, repo:secret_detected")) << fix.out;
  auto events = only_hook("SHOP/web")["events"].get<std::vector<std::string>>();
  EXPECT_TRUE(std::find(events.begin(), events.end(), "pr:to_ref_updated") == events.end());
  EXPECT_TRUE(std::find(events.begin(), events.end(), "pr:opened") != events.end());
  EXPECT_EQ(events.size(), kServerEvents.size() - 2);
  EXPECT_EQ(bbsot({"webhook"}).exit_code, 0) << "a hook without optional events is right";
  EXPECT_EQ(api_->requests("POST").size(), 3u);
  EXPECT_TRUE(contains(bbsot({"webhook", "--fix"}).out, "nothing changed"));
}

TEST_F(BitbucketSide, InitWebhookSetsItUpToo) {
  setup_server();
  auto init = bbsot({"init", "--webhook"});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_TRUE(contains(init.out, "created the webhook")) << init.out;
  only_hook("SHOP/web");
}

// -------------------------------------------------------------------- client

TEST_F(BitbucketSide, RateLimitIsWaitedOutWithRetryAfter) {
  setup_cloud();
  api_->set("fail_next", "429:2:1");
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1) << show.err;  // no hook yet: a real answer, not a 429
  auto reqs = api_->requests("GET");
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0]["status"], 429);
  EXPECT_EQ(reqs[1]["status"], 429);
  EXPECT_EQ(reqs[2]["status"], 200);
  // A Retry-After longer than bbsot waits ends the call with a clear line.
  api_->set("fail_next", "429:9:3600");
  auto busy = bbsot({"webhook"});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_TRUE(contains(busy.err, "asks to wait 3600 s")) << busy.err;
}

TEST_F(BitbucketSide, NextLinkOutsideTheApiBaseIsRefused) {
  setup_cloud();
  json hooks = json::array();
  for (const char* id : {"{a}", "{b}"})
    hooks.push_back({{"uuid", id},
                     {"url", "https://elsewhere.example/" + std::string(id)},
                     {"active", true},
                     {"events", {"repo:push"}}});
  api_->set_json("hooks.json", json{{"acme/shop", hooks}});
  api_->set("page_size", "1");
  api_->set("next_base", api_->base() + "/elsewhere");
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_TRUE(contains(show.err, "refusing to follow Bitbucket's next-page link")) << show.err;
  EXPECT_TRUE(contains(show.err, "outside the API base " + api_->base() + "/2.0")) << show.err;
  EXPECT_EQ(api_->requests().size(), 1u) << "the link was followed";
  // Inside the API base, the second page is read.
  api_->set("next_base", api_->base());
  auto ok = bbsot({"webhook", "--json"});
  EXPECT_EQ(api_->requests().size(), 3u) << ok.err;
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, RevokedAccessTokenIsReplacedOnceThenTheAnswerStands) {
  setup_cloud();
  ASSERT_EQ(bbsot({"token", "--refresh"}).exit_code, 0);
  ASSERT_EQ(oauth_->tokens().size(), 1u);
  api_->set("revoked", oauth_->tokens()[0]);
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1) << show.err;  // no hook: the answer after a fresh token
  auto reqs = api_->requests("GET");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["status"], 401);
  EXPECT_EQ(reqs[1]["status"], 200);
  EXPECT_EQ(oauth_->tokens().size(), 2u);
  // Every token refused: one fresh token, then the error says what to check.
  api_->set("revoke_all", "1");
  auto refused = bbsot({"webhook"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(oauth_->tokens().size(), 3u) << "one fresh token, not more";
  EXPECT_TRUE(contains(refused.err, "did not accept the access token of the OAuth consumer")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "HTTP 401")) << refused.err;
  expect_no_secret_shown();
}

// -------------------------------------------------------------------- doctor

TEST_F(BitbucketSide, DoctorFindsEachWebhookProblemWithItsFix) {
  setup_cloud(report_secrets());
  json checks = doctor_checks();
  auto hook = checks_named(checks, "webhook");
  ASSERT_EQ(hook.size(), 1u) << checks.dump(1);
  EXPECT_EQ(hook[0]["level"], "fail");
  EXPECT_EQ(hook[0]["fix"], "run: git bbsot webhook --fix");
  EXPECT_EQ(checks_named(checks, "token scopes")[0]["level"], "ok") << checks.dump(1);
  EXPECT_EQ(checks_named(checks, "token kind")[0]["level"], "ok");

  // Wrong events and no secret while bbsot signs.
  api_->set_json("hooks.json", json{{"acme/shop",
                                     {{{"uuid", "{h1}"},
                                       {"url", receiver_->url("/hook")},
                                       {"active", true},
                                       {"events", {"repo:push", "pullrequest:created", "pullrequest:approved"}}}}}});
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "webhook")[0]["level"], "ok") << checks.dump(1);
  auto events = checks_named(checks, "webhook events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["level"], "fail");
  EXPECT_TRUE(contains(events[0]["detail"].get<std::string>(),
                       "missing: pullrequest:updated, pullrequest:fulfilled, pullrequest:rejected"))
      << events[0].dump();
  EXPECT_EQ(events[0]["fix"], "run: git bbsot webhook --fix");
  auto secret = checks_named(checks, "webhook secret");
  ASSERT_EQ(secret.size(), 1u);
  EXPECT_EQ(secret[0]["level"], "warn");
  EXPECT_EQ(secret[0]["fix"], "run: git bbsot webhook --fix --set-secret");

  // Repaired: only the unwanted-event warning is gone too; the secret then matches.
  ASSERT_EQ(bbsot({"webhook", "--fix", "--set-secret"}).exit_code, 0);
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "webhook events")[0]["level"], "ok") << checks.dump(1);
  EXPECT_EQ(checks_named(checks, "webhook secret")[0]["level"], "ok") << checks.dump(1);

  // An unwanted event alone is a warning, with the same fix.
  json hooks = api_->hooks();
  hooks["acme/shop"][0]["events"].push_back("pullrequest:comment_created");
  api_->set_json("hooks.json", hooks);
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "webhook events")[0]["level"], "warn") << checks.dump(1);
  EXPECT_TRUE(
      contains(checks_named(checks, "webhook events")[0]["detail"].get<std::string>(), "pullrequest:comment_created"));

  // Inactive.
  hooks["acme/shop"][0]["active"] = false;
  api_->set_json("hooks.json", hooks);
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "webhook")[0]["level"], "fail");
  EXPECT_TRUE(contains(checks_named(checks, "webhook")[0]["detail"].get<std::string>(), "inactive"));

  // Secret on Bitbucket, none in bbsot.
  write_user_config("accounts:\n  - url: https://bitbucket.org/acme\n    key: consumer-key\n    secret_command: cat " +
                    tmp_.path() + "/oauth/client_secret\n    token_url: " + oauth_->url() +
                    "\n    api_url: " + api_->base() + "/2.0\n");
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "webhook secret")[0]["level"], "warn");
  EXPECT_TRUE(contains(checks_named(checks, "webhook secret")[0]["fix"].get<std::string>(), "reports:"));
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, DoctorNamesMissingConsumerScopes) {
  setup_cloud();
  write_file(tmp_.path() + "/oauth/state/scopes", "repository pullrequest\n");
  api_->set("scopes", "repository pullrequest");
  json checks = doctor_checks();
  auto scopes = checks_named(checks, "token scopes");
  ASSERT_EQ(scopes.size(), 1u) << checks.dump(1);
  EXPECT_EQ(scopes[0]["level"], "fail");
  EXPECT_TRUE(contains(scopes[0]["detail"].get<std::string>(), "lacks repository:write, webhook")) << scopes[0].dump();
  EXPECT_TRUE(contains(scopes[0]["fix"].get<std::string>(), "Repositories: Write (scope repository:write)"));
  EXPECT_TRUE(contains(scopes[0]["fix"].get<std::string>(), "Webhooks: Read and write (scope webhook)"));
  EXPECT_TRUE(contains(scopes[0]["fix"].get<std::string>(), "git bbsot token --refresh"));
  auto hook = checks_named(checks, "webhook");
  ASSERT_EQ(hook.size(), 1u);
  EXPECT_EQ(hook[0]["level"], "fail");
  EXPECT_TRUE(contains(hook[0]["detail"].get<std::string>(), "scope webhook")) << hook[0].dump();
}

TEST_F(BitbucketSide, DoctorChecksTheServerTokenReadsAndManagesWebhooks) {
  setup_server();
  api_->set("server_permission", "REPO_READ");
  json checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "token permissions")[0]["level"], "ok") << checks.dump(1);
  auto hook = checks_named(checks, "webhook");
  ASSERT_EQ(hook.size(), 1u);
  EXPECT_EQ(hook[0]["level"], "fail");
  EXPECT_TRUE(contains(hook[0]["detail"].get<std::string>(), "REPO_ADMIN")) << hook[0].dump();
  EXPECT_TRUE(contains(hook[0]["fix"].get<std::string>(), "Repository permission Admin")) << hook[0].dump();
  api_->set("server_permission", "NONE");
  checks = doctor_checks();
  EXPECT_EQ(checks_named(checks, "token permissions")[0]["level"], "fail") << checks.dump(1);
  EXPECT_TRUE(contains(checks_named(checks, "token permissions")[0]["detail"].get<std::string>(), "REPO_READ"));
}

// -------------------------------------------------------------------- status

json cloud_statuses(const std::string& prefix) {
  return json::array({{{"key", prefix + "-build"},
                       {"state", "SUCCESSFUL"},
                       {"name", "Build"},
                       {"url", "https://ci.example.com/" + prefix + "/1"}},
                      {{"key", prefix + "-deploy"},
                       {"state", "INPROGRESS"},
                       {"name", "Platform"},
                       {"url", "https://console.example.com/" + prefix}},
                      {{"key", prefix + "-lint"}, {"state", "FAILED"}, {"name", "Lint"}, {"url", ""}}});
}

void check_status_agrees(const json& j, const std::string& human) {
  const json& bb = j["bitbucket"];
  ASSERT_EQ(bb["fetched"], true) << j.dump(1);
  for (const auto& p : bb["pull_requests"]) {
    EXPECT_TRUE(contains(human, "#" + std::to_string(p["id"].get<long long>()) + " " + p["source"].get<std::string>() +
                                    " -> " + p["target"].get<std::string>() + ": " + p["plan"].get<std::string>()))
        << human;
    for (const auto& s : p["build_statuses"])
      EXPECT_TRUE(contains(human, s["state"].get<std::string>() + "  " + s["name"].get<std::string>())) << human;
  }
  for (const auto& b : bb["branch_builds"]) {
    EXPECT_TRUE(contains(human, b["branch"].get<std::string>())) << human;
    for (const auto& s : b["build_statuses"])
      EXPECT_TRUE(contains(human, s["state"].get<std::string>() + "  " + s["name"].get<std::string>())) << human;
  }
}

// A clone record whose approvals do not cover the repository it names (no command of
// this bbsot leaves one: init and approve approve what they record, a team's new
// repository waits in `pending`; a hand-edited or older record could): every command
// that would call the REST API says why in one line and sends nothing, not even the
// token request; approved, the same commands reach the API.
TEST_F(BitbucketSide, AnUnapprovedRepositoryGetsNoRestCall) {
  setup_cloud();
  const std::string record = work_ + "/.git/bbsot/clone.json";
  json state = json::parse(slurp(record));
  ASSERT_EQ(state["approved"].size(), 1u) << state.dump(1);
  state["approved"][0]["repository"] = "acme/old-shop";
  write_file(record, state.dump(2), 0600);
  const std::string why = "the Bitbucket repository acme/shop on https://bitbucket.org is not approved on this machine";

  auto hook = bbsot({"webhook"});
  EXPECT_EQ(hook.exit_code, 2) << hook.out << hook.err;
  EXPECT_TRUE(contains(hook.err, why)) << hook.err;
  EXPECT_TRUE(contains(hook.err, "run: git bbsot approve")) << hook.err;
  EXPECT_EQ(std::count(hook.err.begin(), hook.err.end(), '\n'), 1) << "one line:\n" << hook.err;
  auto status = bbsot({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_TRUE(contains(status.out, "left out: pull requests and build statuses (" + why)) << status.out;
  auto js = bbsot({"status", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const json j = json::parse(js.out);
  EXPECT_EQ(j["bitbucket"]["fetched"], false) << j.dump(1);
  EXPECT_EQ(oauth_->count(), 0) << "a token was fetched for it";
  // doctor still checks the account in the user's own file (a token from its own
  // token_url), but asks nothing about the repository.
  auto doctor = bbsot({"doctor"});
  EXPECT_NE(doctor.exit_code, 0) << doctor.out << doctor.err;
  EXPECT_TRUE(contains(doctor.out + doctor.err, why)) << doctor.out << doctor.err;
  EXPECT_TRUE(api_->requests().empty()) << "a REST call went to the unapproved repository";

  auto a = bbsot({"approve", "--yes"});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  auto again = bbsot({"webhook", "--json"});  // 1: no webhook there yet
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_FALSE(api_->requests().empty()) << "approved, and still nothing sent: the test would prove nothing";
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, StatusShowsPullRequestsOverTwoPagesAndBuildStatuses) {
  setup_cloud();
  git({"checkout", "-q", "-b", "feature-a"});
  commit("a");
  const std::string a = head();
  git({"push", "-q", "origin", "feature-a"});
  git({"checkout", "-q", "main"});
  const std::string main_head = head();
  api_->set_json("repos.json",
                 json{{"acme/shop",
                       {{"type", "cloud"},
                        {"pullrequests",
                         {{{"id", 7}, {"title", "Add A"}, {"source", "feature-a"}, {"target", "main"}, {"commit", a}},
                          {{"id", 8},
                           {"title", "Add B"},
                           {"source", "feature-b"},
                           {"target", "main"},
                           {"commit", "1234567890abcdef1234567890abcdef12345678"}}}}}}});
  api_->set_json("statuses.json", json{{a, cloud_statuses("a")}, {main_head, cloud_statuses("main")}});
  api_->set("page_size", "1");
  auto js = bbsot({"status", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  json j = json::parse(js.out);
  const json& prs = j["bitbucket"]["pull_requests"];
  ASSERT_EQ(prs.size(), 2u) << j.dump(1);
  EXPECT_EQ(prs[0]["id"], 7);
  EXPECT_EQ(prs[1]["id"], 8);
  EXPECT_EQ(prs[0]["plan"], "active environment, parent main; data copied from main once, when it is created");
  EXPECT_EQ(prs[0]["url"], "https://bitbucket.org/acme/shop/pull-requests/7");
  ASSERT_EQ(prs[0]["build_statuses"].size(), 3u);
  std::vector<std::string> states;
  for (const auto& s : prs[0]["build_statuses"]) states.push_back(s["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"SUCCESSFUL", "INPROGRESS", "FAILED"}));
  EXPECT_TRUE(prs[1]["build_statuses"].empty());
  bool main_seen = false;
  for (const auto& b : j["bitbucket"]["branch_builds"])
    if (b["branch"] == "main") {
      main_seen = true;
      EXPECT_EQ(b["build_statuses"].size(), 3u);
    }
  EXPECT_TRUE(main_seen) << j.dump(1);
  auto human = bbsot({"status"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_TRUE(contains(human.out, "pull requests: 2 open")) << human.out;
  EXPECT_TRUE(contains(human.out, "https://ci.example.com/a/1")) << human.out;
  check_status_agrees(j, human.out);

  // resync_pull_requests changes the plan.
  write_config(
             "integration:\n  type: bitbucket\n  repository: acme/shop\n  "
             "resync_pull_requests: true\n  hook_url: " +
                 receiver_->url("/hook") + "\nremotes:\n  source: origin\n");
  json again = json::parse(bbsot({"status", "--json"}).out);
  EXPECT_EQ(again["bitbucket"]["pull_requests"][0]["plan"],
            "active environment, parent main; data copied from main on every push (resync_pull_requests)");
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, ServerStatusPagesAndOptions) {
  setup_server();
  const std::string main_head = head();
  api_->set_json(
      "repos.json",
      json{{"SHOP/web",
            {{"type", "server"},
             {"pullrequests",
              {{{"id", 1}, {"title", "One"}, {"source", "f1"}, {"target", "main"}, {"commit", main_head}},
               {{"id", 2}, {"title", "Two"}, {"source", "f2"}, {"target", "release"}, {"commit", main_head}}}}}}});
  api_->set_json("statuses.json", json{{main_head, cloud_statuses("m")}});
  api_->set("page_size", "1");
  json j = json::parse(bbsot({"status", "--json"}).out);
  const json& prs = j["bitbucket"]["pull_requests"];
  ASSERT_EQ(prs.size(), 2u) << j.dump(1);
  EXPECT_EQ(prs[1]["plan"], "active environment, parent release; data cloned from release when it is created");
  EXPECT_EQ(prs[0]["url"], api_->base() + "/projects/SHOP/repos/web/pull-requests/1");
  EXPECT_EQ(prs[0]["build_statuses"].size(), 3u);
  int page_requests = 0;
  for (const auto& r : api_->requests("GET"))
    if (r["path"] == "/rest/api/1.0/projects/SHOP/repos/web/pull-requests") ++page_requests;
  EXPECT_EQ(page_requests, 2);
  check_status_agrees(j, bbsot({"status"}).out);
  write_config("integration:\n  type: bitbucket_server\n  url: " + api_->base() +
                                        "\n  repository: SHOP/web\n  build_pull_requests: false\nremotes:\n  source: "
                                        "origin\n");
  json off = json::parse(bbsot({"status", "--json"}).out);
  EXPECT_EQ(off["bitbucket"]["pull_requests"][0]["plan"], "no environment: build_pull_requests is off");
}

TEST_F(BitbucketSide, StatusNoFetchStaysOfflineAndSaysWhatItLeftOut) {
  setup_cloud();
  auto r = bbsot({"status", "--no-fetch", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["bitbucket"]["fetched"], false);
  ASSERT_EQ(j["bitbucket"]["left_out"].size(), 1u);
  EXPECT_TRUE(contains(j["bitbucket"]["left_out"][0].get<std::string>(), "--no-fetch"));
  auto human = bbsot({"status", "--no-fetch"});
  EXPECT_TRUE(contains(human.out, "left out: pull requests and build statuses (--no-fetch")) << human.out;
  EXPECT_TRUE(api_->requests().empty());
  EXPECT_EQ(oauth_->count(), 0);
}

TEST_F(BitbucketSide, StatusWithBitbucketOutOfReachStillShowsTheBranches) {
  setup_cloud();
  api_->set("fail_next", "503:100:none");
  auto r = bbsot({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_FALSE(j["branches"].empty());
  ASSERT_EQ(j["bitbucket"]["errors"].size(), 1u) << j.dump(1);
  EXPECT_TRUE(contains(j["bitbucket"]["errors"][0].get<std::string>(), "HTTP 503"));
  // The pull requests failed; one branch lookup failed too and the rest were left out.
  EXPECT_LE(api_->requests().size(), 4u) << "every lookup paid for the outage";
}

// ---------------------------------------------------------------------- wait

TEST_F(BitbucketSide, WaitExitCodes) {
  setup_cloud();
  const std::string c = head();
  api_->set_json("statuses.json",
                 json{{c, {{{"key", "k"}, {"state", "SUCCESSFUL"}, {"name", "Build"}, {"url", "https://ci/1"}}}}});
  auto ok = bbsot({"wait", "main"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(contains(ok.out, "SUCCESSFUL  Build  https://ci/1")) << ok.out;

  api_->set_json("statuses.json", json{{c,
                                        {{{"key", "k"}, {"state", "SUCCESSFUL"}, {"name", "Build"}},
                                         {{"key", "d"}, {"state", "FAILED"}, {"name", "Deploy"}}}}});
  auto failed = bbsot({"wait", c});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_TRUE(contains(failed.out, "FAILED  Deploy")) << failed.out;

  api_->set_json("statuses.json", json{{c, {{{"key", "k"}, {"state", "INPROGRESS"}, {"name", "Build"}}}}});
  auto slow = bbsot({"wait", "--timeout", "1", "--json"});
  EXPECT_EQ(slow.exit_code, 3) << slow.out << slow.err;
  EXPECT_EQ(json::parse(slow.out)["result"], "timeout");

  api_->set_json("statuses.json", json::object());
  auto none = bbsot({"wait", "--appear-timeout", "1"});
  EXPECT_EQ(none.exit_code, 3) << none.out << none.err;
  EXPECT_TRUE(contains(none.err, "no build status appeared")) << none.err;

  // In progress, then final: wait polls until it is.
  api_->set_json("statuses.json",
                 json{{c,
                       {{"sequence",
                         {json::array({{{"key", "k"}, {"state", "INPROGRESS"}, {"name", "Build"}}}),
                          json::array({{{"key", "k"}, {"state", "SUCCESSFUL"}, {"name", "Build"}}})}}}}});
  auto later = bbsot({"wait", "--json"});
  EXPECT_EQ(later.exit_code, 0) << later.out << later.err;
  EXPECT_EQ(json::parse(later.out)["result"], "successful");

  EXPECT_EQ(bbsot({"wait", "no-such-branch"}).exit_code, 2);
  expect_no_secret_shown();
}

// ---------------------------------------------------------------- token kinds

std::string days_from_now(int days) {
  std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

class TokenKinds : public BitbucketSide {
 protected:
  // A Cloud-style host: git over HTTPS on the git double, the REST API on the API double.
  void setup(const std::string& git_user, const std::string& token, const std::string& account) {
    write_file(tmp_.path() + "/git-tokens", token + "\n");
    write_file(tmp_.path() + "/token", token + "\n", 0600);
    git_ = std::make_unique<GitHttpServer>(tmp_.path() + "/git", shared_ca(), git_user, tmp_.path() + "/git-tokens");
    git_->create_repo("acme/shop.git");
    api_ = std::make_unique<ApiDouble>(tmp_.path() + "/api", shared_ca(), tmp_.path() + "/git-tokens");
    api_->set_json("repos.json", json{{"acme/shop", {{"type", "cloud"}}}});
    host_ = "https://127.0.0.1:" + std::to_string(git_->port());
    write_user_config("accounts:\n  - url: " + host_ + "/acme\n" + account + "    token_command: cat " + tmp_.path() +
                      "/token\n    api_url: " + api_->base() + "/2.0\n");
    env_["GIT_SSL_CAINFO"] = shared_ca().ca;
    git({"config", "--global", "credential.helper", "bbsot"}, tmp_.path());
    git({"config", "--global", "credential.useHttpPath", "true"}, tmp_.path());
  }

  void clone_and_push() {
    auto clone = run({"git", "clone", git_->url_for("acme/shop.git"), tmp_.path() + "/clone"}, env_, tmp_.path());
    outputs_ += clone.out + clone.err;
    ASSERT_EQ(clone.exit_code, 0) << clone.err;
    auto c = run({"git", "commit", "-q", "--allow-empty", "-m", "x"}, env_, tmp_.path() + "/clone");
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto push = run({"git", "push", "origin", "HEAD:main"}, env_, tmp_.path() + "/clone");
    outputs_ += push.out + push.err;
    ASSERT_EQ(push.exit_code, 0) << push.err;
    work_ = tmp_.path() + "/clone";
    write_config("integration:\n  type: bitbucket\n  url: " + host_ +
                                          "\n  repository: acme/shop\n  hook_url: " + receiver_->url("/hook") + "\n");
  }

  std::unique_ptr<GitHttpServer> git_;
  std::string host_;
};

TEST_F(TokenKinds, ApiTokenClonesWithItsGitUserAndCallsTheApiWithTheEmail) {
  setup("x-bitbucket-api-token-auth", kApiToken,
        "    kind: api_token\n    email: alice@example.com\n    expires: " + days_from_now(5) + "\n");
  api_->allow_basic("alice@example.com", kApiToken);
  clone_and_push();
  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  auto posts = api_->requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["auth"], "basic");
  EXPECT_EQ(posts[0]["basic_user"], "alice@example.com");
  auto token = bbsot({"token"});
  EXPECT_EQ(token.exit_code, 0) << token.err;
  EXPECT_TRUE(contains(token.out, "kind:     api_token")) << token.out;
  EXPECT_TRUE(contains(token.out, "username: x-bitbucket-api-token-auth (for git)")) << token.out;
  EXPECT_TRUE(contains(token.err, "expires on " + days_from_now(5))) << token.err;
  json checks = doctor_checks();
  auto kind = checks_named(checks, "token kind");
  ASSERT_EQ(kind.size(), 1u) << checks.dump(1);
  EXPECT_EQ(kind[0]["level"], "warn");
  EXPECT_TRUE(contains(kind[0]["detail"].get<std::string>(), "Atlassian API token"));
  EXPECT_EQ(checks_named(checks, "token permissions")[0]["level"], "ok") << checks.dump(1);
  // A token without the webhook scope: the API-token scope is named.
  api_->set("api_token_scopes", "read:repository:bitbucket");
  auto show = bbsot({"webhook"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_TRUE(contains(show.err, "the API token's scope read:webhook:bitbucket")) << show.err;
  EXPECT_TRUE(contains(show.err, "id.atlassian.com")) << show.err;
  expect_no_secret_shown();
}

TEST_F(TokenKinds, AccessTokenClonesAsXTokenAuthAndCallsTheApiWithBearer) {
  setup("x-token-auth", kAccessToken, "    kind: access_token\n");
  clone_and_push();
  for (const auto& l : git_->access_log())
    if (contains(l, " 200 ")) {
      EXPECT_TRUE(contains(l, "x-token-auth")) << l;
    }
  auto fix = bbsot({"webhook", "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.out << fix.err;
  EXPECT_EQ(api_->requests("POST")[0]["auth"], "bearer");
  auto token = bbsot({"token", "--json"});
  json t = json::parse(token.out);
  EXPECT_EQ(t["kind"], "access_token");
  EXPECT_EQ(t["username"], "x-token-auth");
  EXPECT_EQ(t["expires"], nullptr);
  expect_no_secret_shown();
}

TEST_F(BitbucketSide, OAuthAnswerOf2026WithScopeAndNoRefreshToken) {
  setup_cloud();
  write_file(tmp_.path() + "/oauth/state/style", "2026\n");
  auto t = bbsot({"token", "--refresh", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(json::parse(t.out)["scopes"], "repository:write pullrequest webhook");
  // No refresh token to use: the next fetch is client_credentials again.
  ASSERT_EQ(bbsot({"token", "--refresh"}).exit_code, 0);
  for (const auto& l : oauth_->request_log()) EXPECT_TRUE(contains(l, "grant_type=client_credentials")) << l;
  EXPECT_EQ(checks_named(doctor_checks(), "token scopes")[0]["level"], "ok");
  expect_no_secret_shown();
}

TEST(CredentialHelperLinkage, CacheHitPathLoadsNoNetworkOrCryptoLibrary) {
  auto r = run({"ldd", bin_path("git-credential-bbsot")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* lib : {"libcurl", "libgit2", "libcrypto", "libssl"})
    EXPECT_FALSE(contains(r.out, lib)) << lib << " is loaded by the credential helper:\n" << r.out;
}

}  // namespace
}  // namespace bbsot::test
