// End-to-end tests of the ids only Bitbucket knows in push reports (docs/DESIGN.md "Hooks and
// push reports"): a push through the installed hooks, delivered to the receiver double,
// with the account's API served by tests/support/api_server.py (TLS, accepts only tokens
// the OAuth double issued). The API's answers land in the report; an API that is down,
// failing or refusing the token costs nothing but the ids.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDeliveryTimeoutMs = 15000;

const char* kRepoUuid = "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}";
const char* kWorkspaceUuid = "{0b7f5c1a-1111-4222-8333-444455556666}";

bool eventually(const std::function<bool()>& cond, int timeout_ms = kDeliveryTimeoutMs) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string slurp(const std::string& path) {
  try {
    return read_file(path);
  } catch (const std::exception&) {
    return "";
  }
}

// tests/support/api_server.py in `dir`: state in dir/state (answers.json, mode,
// requests.log), accepting the tokens listed in `tokens_file`.
class ApiServer {
 public:
  // `basic_file`: "user:password" lines the API accepts as HTTP Basic (API tokens).
  ApiServer(const std::string& dir, const TestCA& ca, const std::string& tokens_file,
            const std::string& basic_file = "")
      : state_(dir + "/state"), server_([&] {
          fs::create_directories(dir + "/state");
          std::vector<std::string> argv{support_dir() + "/api_server.py", "--cert", ca.cert, "--key", ca.key,
                                        "--port-file", dir + "/port", "--state-dir", dir + "/state", "--tokens-file",
                                        tokens_file};
          if (!basic_file.empty()) argv.insert(argv.end(), {"--basic-file", basic_file});
          return Server::start(argv, dir + "/port");
        }()) {}
  void answers(const json& a) { write_file(state_ + "/answers.json", a.dump()); }
  void mode(const std::string& m) { write_file(state_ + "/mode", m + "\n"); }
  std::vector<std::string> log() const { return read_lines(state_ + "/requests.log"); }
  // requests.jsonl: method, path, auth scheme, Basic user name, accepted, status.
  std::vector<json> requests() const {
    std::vector<json> out;
    for (const auto& l : read_lines(state_ + "/requests.jsonl")) out.push_back(json::parse(l));
    return out;
  }
  std::string state_dir() const { return state_; }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(server_.port()); }
  Server& server() { return server_; }

 private:
  std::string state_;
  Server server_;
};

class ApiIds : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    trace_ = tmp_.path() + "/trace.log";
    env_ = e2e_env(home_, stage_dir() + "/bin");
    env_["BBSOT_TRACE"] = trace_;
    git({"init", "-q", "--bare", tmp_.path() + "/origin.git"}, tmp_.path());
    git({"init", "-q", "--bare", tmp_.path() + "/platform.git"}, tmp_.path());
    git({"init", "-q", work_}, tmp_.path());
    git({"remote", "add", "origin", tmp_.path() + "/origin.git"});
    git({"remote", "add", "platform", tmp_.path() + "/platform.git"});
    commit("initial");
    git({"push", "-q", "origin", "main"});
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
  }

  std::string git(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, env_, cwd.empty() ? work_ : cwd, "", 60000);
    if (r.exit_code != 0) throw std::runtime_error("git failed: " + r.err);
    return r.out;
  }

  void commit(const std::string& message) {
    ++clock_;
    // Appended, not `"@" + ...`: GCC 12 warns falsely (-Wrestrict, PR 105329) on that form.
    const std::string date = std::string("@").append(std::to_string(1700000000 + clock_ * 60)).append(" +0000");
    Env e = env_;
    e["GIT_AUTHOR_DATE"] = e["GIT_COMMITTER_DATE"] = date;
    auto r = run({"git", "commit", "-q", "--allow-empty", "-m", message}, e, work_, "", 60000);
    if (r.exit_code != 0) throw std::runtime_error("git commit failed: " + r.err);
  }

  // .bbsot.yml for Cloud acme/shop or Server SHOP/web; `cloud_url`: Cloud's integration.url.
  // Then the clone is set up from it (`git bbsot init --yes`: the hook, and the clone's
  // record approving the hook URL and the repository the file names), after the user's
  // accounts are written and the remotes are as the test wants them.
  void write_repo_config(bool server, const std::string& cloud_url = "") {
    std::string t = "integration:\n";
    t += server ? "  type: bitbucket_server\n  url: " + server_url() + "\n  repository: SHOP/web\n"
                : "  type: bitbucket\n  repository: acme/shop\n";
    if (!server && !cloud_url.empty()) t += "  url: " + cloud_url + "\n";
    t += "  project: abcdefgh1234\n  default_branch: main\n";
    t += "  hook_url: " + receiver_->url() + "\n";
    t += "remotes:\n  source: origin\n  mirror: platform\n";
    write_file(work_ + "/.bbsot.yml", t);
    set_up_clone(env_, work_);
  }

  void write_user_config(const std::string& accounts) {
    fs::create_directories(home_ + "/.config/bbsot");
    write_file(home_ + "/.config/bbsot/config.yml", "ca_file: " + shared_ca().ca + "\naccounts:\n" + accounts, 0600);
  }

  // Cloud: the OAuth double issues the tokens the API double accepts.
  void setup_cloud(const std::string& api_tokens_file = "") {
    oauth_ = std::make_unique<OAuthServer>(tmp_.path() + "/oauth", shared_ca());
    api_ = std::make_unique<ApiServer>(tmp_.path() + "/api", shared_ca(),
                                       api_tokens_file.empty() ? oauth_->tokens_file() : api_tokens_file);
    api_->answers(json{{"/2.0/repositories/acme/shop", cloud_repo_answer()}, {"/2.0/user", cloud_user_answer()}});
    write_user_config("  - url: https://bitbucket.org/acme\n    key: " + oauth_->client_id() +
                      "\n    secret_command: cat " + tmp_.path() + "/oauth/client_secret" +
                      "\n    token_url: " + oauth_->url() + "\n    api_url: " + api_->base() + "/2.0\n");
    write_repo_config(false);
  }

  std::string server_url() const { return "https://bb.example.com"; }

  static json cloud_repo_answer() {
    return json{{"type", "repository"},
                {"full_name", "acme/shop"},
                {"uuid", kRepoUuid},
                {"is_private", true},
                {"owner", {{"type", "team"}, {"display_name", "Acme"}, {"uuid", kWorkspaceUuid}}},
                {"workspace", {{"type", "workspace"}, {"uuid", kWorkspaceUuid}, {"slug", "acme"}, {"name", "Acme"}}},
                {"project", {{"type", "project"}, {"key", "SHOP"}, {"uuid", "{9c1d}"}, {"name", "Shop"}}}};
  }
  static json cloud_user_answer() {
    return json{{"type", "user"},
                {"uuid", "{d301}"},
                {"account_id", "557058:c0b7"},
                {"nickname", "acme-bot"},
                {"display_name", "Acme bot"}};
  }

  void push_feature(const std::string& branch = "feature") {
    git({"checkout", "-q", "-B", branch});
    commit("work on " + branch);
    auto r = run({"git", "push", "origin", branch}, env_, work_, "", 60000);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  int deliverers_running() const { return bbsot::test::deliverers_running(tmp_.path()); }

  // The n-th delivery's body (0-based), after waiting for it and for the deliverers.
  json delivery(size_t n) {
    EXPECT_TRUE(eventually([&] { return receiver_->requests().size() > n; })) << "no delivery";
    EXPECT_TRUE(eventually([&] { return deliverers_running() == 0; })) << "bbsot-deliver still running";
    auto reqs = receiver_->requests();
    if (reqs.size() <= n) return json::object();
    return json::parse(json::parse(reqs[n]).at("body").get<std::string>());
  }

  // No access token the OAuth double issued appears in the trace or the reports.
  void expect_no_token_leaked() {
    if (!oauth_) return;
    const std::string trace = slurp(trace_);
    const std::string reports = slurp(tmp_.path() + "/receiver/requests.log");
    ASSERT_FALSE(trace.empty()) << "BBSOT_TRACE wrote nothing";
    ASSERT_FALSE(oauth_->tokens().empty()) << "no token issued: the check would prove nothing";
    for (const auto& t : oauth_->tokens()) {
      EXPECT_FALSE(contains(trace, t)) << "token in the trace";
      EXPECT_FALSE(contains(reports, t)) << "token in a report";
    }
  }

  int api_requests(const std::string& path) const {
    int n = 0;
    for (const auto& l : api_->log())
      if (contains(l, "GET " + path + " ")) ++n;
    return n;
  }

  TempDir tmp_;
  std::string home_, work_, trace_;
  Env env_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<OAuthServer> oauth_;
  std::unique_ptr<ApiServer> api_;
  int clock_ = 0;
};

TEST_F(ApiIds, CloudReportCarriesTheRepositoryIdsAndCachesThem) {
  setup_cloud();
  push_feature();
  json b = delivery(0);
  json repo = b["repository"];
  EXPECT_EQ(repo["uuid"], kRepoUuid) << b.dump();
  EXPECT_EQ(repo["is_private"], true);
  EXPECT_EQ(repo["workspace"]["slug"], "acme");
  EXPECT_EQ(repo["workspace"]["uuid"], kWorkspaceUuid);
  EXPECT_EQ(repo["owner"]["uuid"], kWorkspaceUuid);
  EXPECT_EQ(repo["project"]["key"], "SHOP");
  EXPECT_EQ(repo["full_name"], "acme/shop");
  // Pushed to a local path, not over https with the consumer's token: the pusher is not
  // the consumer's owner, so no actor ids.
  EXPECT_EQ(b["actor"], (json{{"type", "user"}, {"display_name", "Alice Example"}}));
  EXPECT_EQ(api_requests("/2.0/user"), 0);
  ASSERT_EQ(api_requests("/2.0/repositories/acme/shop"), 1);
  EXPECT_TRUE(contains(api_->log()[0], "auth=ok status=200")) << api_->log()[0];

  // The next push is answered from the cache.
  push_feature("second");
  json b2 = delivery(1);
  EXPECT_EQ(b2["repository"]["uuid"], kRepoUuid);
  EXPECT_EQ(api_requests("/2.0/repositories/acme/shop"), 1);
  expect_no_token_leaked();
}

// An HTTPS push made with the consumer's token (through git-credential-bbsot) is the
// consumer owner's push: then, and only then, the actor's ids come from /2.0/user.
TEST_F(ApiIds, CloudHttpsPushWithTheAccountCarriesTheActorIds) {
  oauth_ = std::make_unique<OAuthServer>(tmp_.path() + "/oauth", shared_ca());
  GitHttpServer git_server(tmp_.path() + "/git", shared_ca(), "x-token-auth", oauth_->tokens_file());
  git_server.create_repo("acme/shop.git");
  api_ = std::make_unique<ApiServer>(tmp_.path() + "/api", shared_ca(), oauth_->tokens_file());
  api_->answers(json{{"/2.0/repositories/acme/shop", cloud_repo_answer()}, {"/2.0/user", cloud_user_answer()}});
  const std::string host = "https://127.0.0.1:" + std::to_string(git_server.port());
  write_user_config("  - url: " + host + "/acme\n    key: " + oauth_->client_id() + "\n    secret_command: cat " +
                    tmp_.path() + "/oauth/client_secret" + "\n    token_url: " + oauth_->url() +
                    "\n    api_url: " + api_->base() + "/2.0\n");
  env_["GIT_SSL_CAINFO"] = shared_ca().ca;
  git({"config", "--global", "credential.helper", "bbsot"}, tmp_.path());
  git({"config", "--global", "credential.useHttpPath", "true"}, tmp_.path());
  git({"remote", "set-url", "origin", git_server.url_for("acme/shop.git")});
  write_repo_config(false, host);
  push_feature();
  json b = delivery(0);
  EXPECT_EQ(b["actor"], (json{{"type", "user"},
                              {"display_name", "Acme bot"},
                              {"uuid", "{d301}"},
                              {"account_id", "557058:c0b7"},
                              {"nickname", "acme-bot"}}))
      << b.dump();
  EXPECT_EQ(b["repository"]["uuid"], kRepoUuid);
  EXPECT_EQ(api_requests("/2.0/user"), 1);
  expect_no_token_leaked();
}

// The Cloud account kinds of issue 15, through the same REST client as every other call:
// an Atlassian API token calls the API with HTTP Basic (the Atlassian e-mail and the
// token), an access token with Bearer. An HTTPS push made with either fetches the
// repository's and the pusher's ids; the token shows nowhere.
class ApiIdsTokenKinds : public ApiIds {
 protected:
  // git over HTTPS on the git double as `git_user` with `token`; the API double accepts
  // it as Bearer (`bearer`) or as Basic alice@example.com:token.
  void push_with(const std::string& git_user, const std::string& account_lines, bool bearer) {
    write_file(tmp_.path() + "/git-tokens", std::string(kToken) + "\n");
    write_file(tmp_.path() + "/token", std::string(kToken) + "\n", 0600);
    write_file(tmp_.path() + "/bearer-tokens", bearer ? std::string(kToken) + "\n" : "");
    write_file(tmp_.path() + "/basic", bearer ? "" : "alice@example.com:" + std::string(kToken) + "\n");
    GitHttpServer git_server(tmp_.path() + "/git", shared_ca(), git_user, tmp_.path() + "/git-tokens");
    git_server.create_repo("acme/shop.git");
    api_ = std::make_unique<ApiServer>(tmp_.path() + "/api", shared_ca(), tmp_.path() + "/bearer-tokens",
                                       tmp_.path() + "/basic");
    api_->answers(json{{"/2.0/repositories/acme/shop", cloud_repo_answer()}, {"/2.0/user", cloud_user_answer()}});
    const std::string host = "https://127.0.0.1:" + std::to_string(git_server.port());
    write_user_config("  - url: " + host + "/acme\n" + account_lines + "    token_command: cat " + tmp_.path() +
                      "/token\n    api_url: " + api_->base() + "/2.0\n");
    env_["GIT_SSL_CAINFO"] = shared_ca().ca;
    git({"config", "--global", "credential.helper", "bbsot"}, tmp_.path());
    git({"config", "--global", "credential.useHttpPath", "true"}, tmp_.path());
    git({"remote", "set-url", "origin", git_server.url_for("acme/shop.git")});
    write_repo_config(false, host);
    push_feature();
    body_ = delivery(0);
  }

  void expect_ids_fetched_as(const std::string& scheme, const std::string& basic_user) {
    EXPECT_EQ(body_["repository"]["uuid"], kRepoUuid) << body_.dump();
    EXPECT_EQ(body_["actor"]["uuid"], "{d301}") << body_.dump();
    EXPECT_EQ(body_["actor"]["display_name"], "Acme bot");
    auto reqs = api_->requests();
    ASSERT_EQ(reqs.size(), 2u) << slurp(api_->state_dir() + "/requests.log");
    for (const auto& r : reqs) {
      EXPECT_EQ(r["auth"], scheme) << r.dump();
      EXPECT_EQ(r["basic_user"], basic_user) << r.dump();
      EXPECT_EQ(r["auth_ok"], true) << r.dump();
      EXPECT_EQ(r["status"], 200) << r.dump();
    }
    const std::string shown = slurp(trace_) + slurp(tmp_.path() + "/receiver/requests.log") +
                              slurp(api_->state_dir() + "/requests.jsonl") + slurp(api_->state_dir() + "/requests.log");
    ASSERT_FALSE(slurp(trace_).empty()) << "BBSOT_TRACE wrote nothing";
    EXPECT_FALSE(contains(shown, kToken)) << "the token was shown";
    EXPECT_TRUE(contains(slurp(trace_), "api: repository acme/shop: fetched")) << slurp(trace_);
  }

  static constexpr const char* kToken = "CANARY-ids-token-93e1";
  json body_;
};

TEST_F(ApiIdsTokenKinds, ApiTokenFetchesIdsWithBasicAndTheAtlassianEmail) {
  push_with("x-bitbucket-api-token-auth", "    kind: api_token\n    email: alice@example.com\n", false);
  expect_ids_fetched_as("basic", "alice@example.com");
}

TEST_F(ApiIdsTokenKinds, AccessTokenFetchesIdsWithBearer) {
  push_with("x-token-auth", "    kind: access_token\n", true);
  expect_ids_fetched_as("bearer", "");
}

TEST_F(ApiIds, ApiDownStillDeliversWithoutIdsAndWithoutDelay) {
  setup_cloud();
  api_->server().stop();
  auto start = Clock::now();
  push_feature();
  json b = delivery(0);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  EXPECT_FALSE(b["repository"].contains("uuid")) << b.dump();
  EXPECT_EQ(b["repository"]["full_name"], "acme/shop");
  EXPECT_LT(ms, 5000) << "the report waited for the API";
  EXPECT_TRUE(contains(slurp(trace_), "api: repository acme/shop: left out")) << slurp(trace_);
  expect_no_token_leaked();
}

TEST_F(ApiIds, Api500IsLeftOutAndTriedOnceNotPerDelivery) {
  setup_cloud();
  api_->mode("500");
  push_feature();
  json b = delivery(0);
  EXPECT_FALSE(b["repository"].contains("uuid")) << b.dump();
  push_feature("second");
  json b2 = delivery(1);
  EXPECT_FALSE(b2["repository"].contains("uuid"));
  EXPECT_EQ(api_requests("/2.0/repositories/acme/shop"), 1) << "a failure is cached for a while";
  expect_no_token_leaked();
}

TEST_F(ApiIds, UnknownRepositoryIs404AndLeftOut) {
  setup_cloud();
  api_->answers(json{{"/2.0/user", cloud_user_answer()}});
  push_feature();
  json b = delivery(0);
  EXPECT_FALSE(b["repository"].contains("uuid"));
  ASSERT_EQ(api_->log().size(), 1u);
  EXPECT_TRUE(contains(api_->log()[0], "auth=ok status=404")) << api_->log()[0];
  EXPECT_TRUE(contains(slurp(trace_), "api: repository acme/shop: left out: Bitbucket has no acme/shop")) << slurp(trace_);
}

TEST_F(ApiIds, TokenTheApiDoesNotKnowIs401AndLeftOut) {
  write_file(tmp_.path() + "/no-tokens", "");
  setup_cloud(tmp_.path() + "/no-tokens");
  push_feature();
  json b = delivery(0);
  EXPECT_FALSE(b["repository"].contains("uuid"));
  // The REST client's rule: one fresh token from the consumer, then the 401 stands.
  ASSERT_EQ(api_->log().size(), 2u);
  for (const auto& l : api_->log()) EXPECT_TRUE(contains(l, "auth=bad status=401")) << l;
  EXPECT_EQ(oauth_->count(), 2) << "the refused token was not replaced once";
  EXPECT_TRUE(contains(slurp(trace_), "api: repository acme/shop: left out: Bitbucket did not accept")) << slurp(trace_);
  expect_no_token_leaked();
}

TEST_F(ApiIds, ServerReportCarriesRepositoryAndUserIds) {
  const std::string token = "server-token-canary-5f2b";
  write_file(tmp_.path() + "/server-tokens", token + "\n");
  api_ = std::make_unique<ApiServer>(tmp_.path() + "/api", shared_ca(), tmp_.path() + "/server-tokens");
  api_->answers(
      json{{"/rest/api/1.0/projects/SHOP/repos/web",
            {{"slug", "web"},
             {"id", 84},
             {"name", "web"},
             {"public", false},
             {"project", {{"key", "SHOP"}, {"id", 12}, {"name", "Shop"}, {"public", false}, {"type", "NORMAL"}}}}},
           {"/rest/api/1.0/users/ada",
            {{"name", "ada"},
             {"emailAddress", "ada@bb.example.com"},
             {"id", 101},
             {"displayName", "Ada L."},
             {"active", true},
             {"slug", "ada"},
             {"type", "NORMAL"}}}});
  write_user_config("  - url: " + server_url() + "\n    type: bitbucket_server\n    username: ada\n    token: " +
                    token + "\n    api_url: " + api_->base() + "/rest/api/1.0\n");
  write_repo_config(true);
  push_feature();
  json b = delivery(0);
  EXPECT_EQ(b["repository"]["id"], 84) << b.dump();
  EXPECT_EQ(b["repository"]["public"], false);
  EXPECT_EQ(b["repository"]["project"]["id"], 12);
  EXPECT_EQ(b["repository"]["project"]["name"], "Shop");
  EXPECT_EQ(b["actor"]["id"], 101);
  EXPECT_EQ(b["actor"]["name"], "ada");
  EXPECT_EQ(b["actor"]["slug"], "ada");
  for (const auto& l : api_->log()) EXPECT_TRUE(contains(l, "auth=ok status=200")) << l;
  EXPECT_FALSE(contains(slurp(trace_), token)) << "token in the trace";
  EXPECT_FALSE(contains(slurp(tmp_.path() + "/receiver/requests.log"), token)) << "token in a report";
}

}  // namespace
}  // namespace bbsot::test
