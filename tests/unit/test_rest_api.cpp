// The REST side without the network: where the API is and with which account
// (api/target), what the webhook must carry and the request that repairs it
// (api/webhooks), and the parsers of Atlassian's documented answers (api/pull_requests).
// The client's HTTP behaviour (pagination, retries, 401/403) is tested end to end
// against tests/support/api_server.py (tests/e2e/test_bitbucket_side.cpp).
#include <gtest/gtest.h>

#include "api/pull_requests.hpp"
#include "api/rest_client.hpp"
#include "api/target.hpp"
#include "api/webhooks.hpp"
#include "config/config.hpp"
#include "net/http.hpp"

namespace bbsot {
namespace {

RepoConfig cloud_repo() {
  return parse_repo_config(
      "integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: https://h.example/x\n", ".bbsot.yml");
}

RepoConfig server_repo(const std::string& url = "https://bb.example.com/ctx") {
  return parse_repo_config("integration:\n  type: bitbucket_server\n  url: " + url + "\n  repository: SHOP/web\n",
                           ".bbsot.yml");
}

TEST(Target, CloudAccountAndApi) {
  auto user = parse_user_config("accounts:\n  - url: https://bitbucket.org/acme\n    key: k\n    secret: s\n", "c.yml");
  auto t = resolve_bitbucket_target(state_from_config(cloud_repo(), "origin", true), user);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->api_base, "https://api.bitbucket.org/2.0");
  EXPECT_EQ(t->credential_scope, "https://api.bitbucket.org/2.0");
  EXPECT_EQ(t->repo_api_path(), "/repositories/acme/shop");
  EXPECT_EQ(t->repo_web_url(), "https://bitbucket.org/acme/shop");
  EXPECT_EQ(t->account.url, "https://bitbucket.org/acme");
}

TEST(Target, ServerApiFollowsTheIntegrationUrlInsideTheAccount) {
  auto user = parse_user_config(
      "accounts:\n  - url: https://bb.example.com\n    type: bitbucket_server\n    username: al\n    token: t\n",
      "c.yml");
  auto t = resolve_bitbucket_target(state_from_config(server_repo(), "origin", true), user);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->api_base, "https://bb.example.com/ctx/rest/api/1.0");
  EXPECT_EQ(t->rest_root, "https://bb.example.com/ctx/rest");
  EXPECT_EQ(t->credential_scope, "https://bb.example.com");
  EXPECT_EQ(t->repo_api_path(), "/projects/SHOP/repos/web");
}

TEST(Target, RefusesWhatTheUserFileDoesNotCover) {
  auto none = resolve_bitbucket_target(state_from_config(cloud_repo(), "origin", true), parse_user_config("", "c.yml"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), "no account in c.yml answers for https://bitbucket.org/acme");
  // A Server account whose api_url is elsewhere: its token stays there.
  auto user = parse_user_config(
      "accounts:\n  - url: https://bb.example.com\n    type: bitbucket_server\n    username: al\n"
      "    token: t\n    api_url: https://proxy.example.com/rest/api/1.0\n",
      "c.yml");
  auto t = resolve_bitbucket_target(state_from_config(server_repo(), "origin", true), user);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->credential_scope, "https://proxy.example.com/rest");
  // Cloud on another host has no known API without api_url.
  auto elsewhere = parse_repo_config(
      "integration:\n  type: bitbucket\n  url: https://bitbucket.example.net\n  repository: acme/shop\n", ".bbsot.yml");
  auto u = parse_user_config("accounts:\n  - url: https://bitbucket.example.net\n    key: k\n    secret: s\n", "c.yml");
  auto e = resolve_bitbucket_target(state_from_config(elsewhere, "origin", true), u);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().find("set api_url for account https://bitbucket.example.net"), std::string::npos) << e.error();
}

TEST(Webhooks, EventListsFollowThePage) {
  const auto& c = webhook_events(BitbucketType::Cloud);
  EXPECT_EQ(c.required, (std::vector<std::string>{"repo:push", "pullrequest:created", "pullrequest:updated",
                                                  "pullrequest:fulfilled", "pullrequest:rejected"}));
  for (const auto& lists : {webhook_events(BitbucketType::Cloud), webhook_events(BitbucketType::Server)})
    for (const auto& e : lists.required) {
      EXPECT_EQ(e.find("comment"), std::string::npos) << e;
      EXPECT_EQ(e.find("approv"), std::string::npos) << e;
      EXPECT_TRUE(std::find(lists.unwanted.begin(), lists.unwanted.end(), e) == lists.unwanted.end()) << e;
    }
  const auto& s = webhook_events(BitbucketType::Server);
  EXPECT_TRUE(std::find(s.required.begin(), s.required.end(), "repo:refs_changed") != s.required.end());
  EXPECT_TRUE(std::find(s.unwanted.begin(), s.unwanted.end(), "pr:reviewer:needs_work") != s.unwanted.end());
}

TEST(Webhooks, SameUrlDespiteSpelling) {
  EXPECT_TRUE(same_hook_url("https://Hooks.Example.com/x/", "https://hooks.example.com/x"));
  EXPECT_TRUE(same_hook_url("https://hooks.example.com:443/x", "https://hooks.example.com/x"));
  EXPECT_FALSE(same_hook_url("https://hooks.example.com/x", "https://hooks.example.com/y"));
  EXPECT_FALSE(same_hook_url("http://hooks.example.com/x", "https://hooks.example.com/x"));
}

Webhook hook(std::string id, std::string url, std::vector<std::string> events, bool active = true) {
  Webhook h;
  h.id = std::move(id);
  h.url = std::move(url);
  h.events = std::move(events);
  h.active = active;
  return h;
}

TEST(Webhooks, ReviewAndRepair) {
  const auto& c = webhook_events(BitbucketType::Cloud);
  std::vector<std::string> right = c.required;
  right.insert(right.end(), c.optional.begin(), c.optional.end());
  // None: a POST with the exact events.
  auto none = review_webhooks(BitbucketType::Cloud, {hook("{1}", "https://other/", right)}, "https://h.example/x");
  EXPECT_TRUE(none.matching.empty());
  auto create = webhook_fix_request(BitbucketType::Cloud, "/repositories/acme/shop", none, "https://h.example/x", {});
  ASSERT_TRUE(create.has_value());
  EXPECT_EQ(create->method, "POST");
  EXPECT_EQ(create->path, "/repositories/acme/shop/hooks");
  EXPECT_EQ(create->body["events"].get<std::vector<std::string>>(), right);
  EXPECT_EQ(create->body["url"], "https://h.example/x");
  EXPECT_FALSE(create->body.contains("secret"));
  // Right already (spelled with a trailing slash): nothing to send.
  auto ok = review_webhooks(BitbucketType::Cloud, {hook("{2}", "https://H.example/x/", right)}, "https://h.example/x");
  EXPECT_FALSE(ok.needs_fix());
  EXPECT_FALSE(webhook_fix_request(BitbucketType::Cloud, "/r", ok, "https://h.example/x", {}).has_value());
  // Wrong events and inactive: a PUT to that hook.
  auto wrong = review_webhooks(BitbucketType::Cloud,
                               {hook("{3}", "https://h.example/x", {"repo:push", "pullrequest:approved"}, false)},
                               "https://h.example/x");
  EXPECT_TRUE(wrong.needs_fix());
  EXPECT_EQ(wrong.unwanted, std::vector<std::string>{"pullrequest:approved"});
  EXPECT_EQ(wrong.missing.size(), 4u);
  auto put = webhook_fix_request(BitbucketType::Cloud, "/repositories/acme/shop", wrong, "https://h.example/x",
                                 std::string("s3cret"));
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(put->method, "PUT");
  EXPECT_EQ(put->path, "/repositories/acme/shop/hooks/%7B3%7D");
  EXPECT_EQ(put->body["active"], true);
  EXPECT_EQ(put->body["secret"], "s3cret");
  EXPECT_EQ(redacted_body(put->body)["secret"], kSecretPlaceholder);
  // Two for the same URL: the active one is kept.
  auto two =
      review_webhooks(BitbucketType::Cloud,
                      {hook("{4}", "https://h.example/x", right, false), hook("{5}", "https://h.example/x", right)},
                      "https://h.example/x");
  ASSERT_EQ(two.matching.size(), 2u);
  EXPECT_EQ(two.matching.front().id, "{5}");
}

TEST(Webhooks, ServerSecretGoesInConfiguration) {
  auto r = review_webhooks(BitbucketType::Server, {}, "https://h.example/x");
  auto req = webhook_fix_request(BitbucketType::Server, "/projects/SHOP/repos/web", r, "https://h.example/x",
                                 std::string("s"));
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->path, "/projects/SHOP/repos/web/webhooks");
  EXPECT_EQ(req->body["configuration"]["secret"], "s");
  EXPECT_EQ(redacted_body(req->body)["configuration"]["secret"], kSecretPlaceholder);
  EXPECT_TRUE(req->body.contains("name"));
}

TEST(Webhooks, ParsesBothShapes) {
  auto c = parse_webhook(BitbucketType::Cloud, ApiJson::parse(R"({"uuid": "{a}", "url": "https://h/x", "active": true,
      "events": ["repo:push"], "secret_set": true, "description": "d", "subject_type": "repository"})"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->id, "{a}");
  EXPECT_EQ(c->secret_set, true);
  auto s = parse_webhook(BitbucketType::Server, ApiJson::parse(R"({"id": 10, "name": "n", "url": "https://h/x",
      "active": false, "events": ["repo:refs_changed"], "configuration": {}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->id, "10");
  EXPECT_EQ(s->secret_set, false);
  EXPECT_FALSE(parse_webhook(BitbucketType::Cloud, ApiJson::parse(R"({"url": "https://h/x"})")).has_value());
}

TEST(PullRequests, ParsesBothShapes) {
  auto c = parse_pull_request(BitbucketType::Cloud, ApiJson::parse(R"({"id": 7, "title": "Add X", "state": "OPEN",
      "source": {"branch": {"name": "feature"}, "commit": {"hash": "1a2b3c4d5e6f"}},
      "destination": {"branch": {"name": "main"}, "commit": {"hash": "99aa"}},
      "links": {"html": {"href": "https://bitbucket.org/acme/shop/pull-requests/7"}}})"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->source_branch, "feature");
  EXPECT_EQ(c->source_commit, "1a2b3c4d5e6f");
  EXPECT_EQ(c->target_branch, "main");
  EXPECT_EQ(c->url, "https://bitbucket.org/acme/shop/pull-requests/7");
  auto s = parse_pull_request(BitbucketType::Server, ApiJson::parse(R"({"id": 3, "title": "T", "state": "OPEN",
      "fromRef": {"id": "refs/heads/f", "displayId": "f", "latestCommit": "0123456789abcdef0123456789abcdef01234567"},
      "toRef": {"id": "refs/heads/main", "displayId": "main"},
      "links": {"self": [{"href": "https://bb/projects/SHOP/repos/web/pull-requests/3"}]}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->source_branch, "f");
  EXPECT_EQ(s->target_branch, "main");
  EXPECT_EQ(s->url, "https://bb/projects/SHOP/repos/web/pull-requests/3");
  // A commit field that is not a commit id is dropped, not passed into a URL.
  auto bad = parse_pull_request(BitbucketType::Cloud, ApiJson::parse(R"({"id": 1, "source": {"branch": {"name": "a"},
      "commit": {"hash": "../../x"}}, "destination": {"branch": {"name": "b"}}})"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->source_commit, "");
}

TEST(BuildStatus, FinalAndSuccessful) {
  for (const char* s : {"SUCCESSFUL", "FAILED", "STOPPED", "CANCELLED", "UNKNOWN"}) EXPECT_TRUE(build_state_final(s));
  EXPECT_FALSE(build_state_final("INPROGRESS"));
  EXPECT_TRUE(build_state_successful("SUCCESSFUL"));
  EXPECT_FALSE(build_state_successful("STOPPED"));
  auto b =
      parse_build_status(ApiJson::parse(R"({"key": "k", "state": "FAILED", "name": "CI", "url": "https://ci/1"})"));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->name, "CI");
  EXPECT_FALSE(parse_build_status(ApiJson::parse(R"({"name": "no key"})")).has_value());
}

TEST(RestClient, RetryAfterAndPermissionWords) {
  EXPECT_EQ(parse_retry_after("3", 0), 3);
  EXPECT_EQ(parse_retry_after("", 0), -1);
  EXPECT_EQ(parse_retry_after("soon", 0), -1);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30), 30);
  Account consumer;
  ApiNeed need{"list the repository's webhooks", "webhook", "read:webhook:bitbucket", "REPO_ADMIN"};
  EXPECT_EQ(permission_words(consumer, need),
            "the OAuth consumer's permission Webhooks: Read and write (scope webhook)");
  EXPECT_EQ(permission_words(consumer, need, {"pullrequest"}),
            "the OAuth consumer's permission Pull requests: Read (scope pullrequest)");
  Account api;
  api.kind = AccountKind::ApiToken;
  EXPECT_EQ(permission_words(api, need), "the API token's scope read:webhook:bitbucket");
  Account server;
  server.kind = AccountKind::HttpAccessToken;
  server.username = "al";
  EXPECT_EQ(permission_words(server, need),
            "the permission REPO_ADMIN on the repository for al and the HTTP access token");
}

}  // namespace
}  // namespace bbsot
