#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "api/identity.hpp"
#include "api/target.hpp"
#include "base/clock.hpp"
#include "base/files.hpp"
#include "token/token_cache.hpp"

namespace bbsot {
namespace {

// Answers shaped as Atlassian documents them (trimmed to what matters plus some noise).
const char* kCloudRepo = R"({
  "type": "repository", "full_name": "acme/shop", "name": "shop", "slug": "shop",
  "uuid": "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}", "is_private": true, "scm": "git",
  "owner": {"type": "team", "display_name": "Acme", "uuid": "{0b7f5c1a-1111-4222-8333-444455556666}",
            "username": "acme", "links": {"avatar": {"href": "https://x/a.png"}}},
  "workspace": {"type": "workspace", "uuid": "{0b7f5c1a-1111-4222-8333-444455556666}",
                "slug": "acme", "name": "Acme", "links": {}},
  "project": {"type": "project", "key": "SHOP", "uuid": "{9c1d2e3f-aaaa-4bbb-8ccc-dddd0000eeee}",
              "name": "Shop"},
  "mainbranch": {"name": "main"}, "size": 12345})";

const char* kCloudUser = R"({"type": "user", "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}",
  "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443", "nickname": "ada",
  "display_name": "Ada Lovelace", "has_2fa_enabled": null, "links": {}})";

const char* kServerRepo = R"({"slug": "web", "id": 84, "name": "Web", "scmId": "git",
  "state": "AVAILABLE", "statusMessage": "Available", "forkable": true,
  "project": {"key": "SHOP", "id": 12, "name": "Shop", "description": "The shop",
              "public": false, "type": "NORMAL"},
  "public": false, "links": {"clone": []}})";

const char* kServerUser = R"({"name": "ada", "emailAddress": "ada@example.com", "id": 101,
  "displayName": "Ada Lovelace", "active": true, "slug": "ada", "type": "NORMAL"})";

TEST(BitbucketApiParse, CloudRepository) {
  auto j = parse_cloud_repository(kCloudRepo);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["uuid"], "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}");
  EXPECT_EQ((*j)["is_private"], true);
  EXPECT_EQ((*j)["owner"],
            (ApiJson{{"type", "team"}, {"display_name", "Acme"}, {"uuid", "{0b7f5c1a-1111-4222-8333-444455556666}"}}));
  EXPECT_EQ((*j)["workspace"], (ApiJson{{"type", "workspace"},
                                        {"uuid", "{0b7f5c1a-1111-4222-8333-444455556666}"},
                                        {"slug", "acme"},
                                        {"name", "Acme"}}));
  EXPECT_EQ(
      (*j)["project"],
      (ApiJson{
          {"type", "project"}, {"key", "SHOP"}, {"uuid", "{9c1d2e3f-aaaa-4bbb-8ccc-dddd0000eeee}"}, {"name", "Shop"}}));
  for (const char* k : {"mainbranch", "size", "full_name", "links", "slug"}) EXPECT_FALSE(j->contains(k)) << k;
}

TEST(BitbucketApiParse, CloudUser) {
  auto j = parse_cloud_user(kCloudUser);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, (ApiJson{{"display_name", "Ada Lovelace"},
                         {"uuid", "{d301aafa-d676-4ee0-88be-962be7417567}"},
                         {"account_id", "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443"},
                         {"nickname", "ada"}}));
}

TEST(BitbucketApiParse, ServerRepository) {
  auto j = parse_server_repository(kServerRepo);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->dump(),
            R"({"id":84,"public":false,"project":{"id":12,"name":"Shop","description":"The shop","public":false}})");
}

TEST(BitbucketApiParse, ServerUser) {
  auto j = parse_server_user(kServerUser);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->dump(),
            R"({"name":"ada","emailAddress":"ada@example.com","id":101,"displayName":"Ada Lovelace","slug":"ada"})");
}

TEST(BitbucketApiParse, MalformedAnswersAreLeftOut) {
  for (const char* body : {"", "not json", "[]", "null", "{\"uuid\": 5}", "{\"uuid\": \"\"}",
                           "{\"type\": \"error\", \"error\": {\"message\": \"Repository not found\"}}"}) {
    EXPECT_FALSE(parse_cloud_repository(body)) << body;
    EXPECT_FALSE(parse_cloud_user(body)) << body;
  }
  for (const char* body :
       {"", "{", "{\"id\": \"84\"}", "{\"id\": 1.5}", "{\"errors\": [{\"message\": \"x\"}]}", "{\"id\": null}"}) {
    EXPECT_FALSE(parse_server_repository(body)) << body;
    EXPECT_FALSE(parse_server_user(body)) << body;
  }
  EXPECT_FALSE(parse_server_user(R"({"id": 3})")) << "a user without a name is not the account's";
}

TEST(BitbucketApiParse, WrongTypesOfOptionalFieldsAreDropped) {
  auto j = parse_cloud_repository(R"({"uuid": "{u}", "is_private": "yes", "owner": "acme",
                                      "workspace": {"slug": "acme"}, "project": []})");
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, (ApiJson{{"uuid", "{u}"}}));
  auto s = parse_server_repository(R"({"id": 7, "public": 0, "project": {"name": "no id"}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (ApiJson{{"id", 7}}));
}

Account cloud_account(const std::string& url = "https://bitbucket.org/acme") {
  Account a;
  a.url = url;
  a.type = BitbucketType::Cloud;
  a.key = "consumer-key";
  a.secret.value = "consumer-secret";
  return a;
}

// A record's destination is looked up where the user's account says, as every REST call.
TEST(BitbucketApiTarget, ARecordsDestinationUsesTheAccountsApi) {
  Destination cloud{BitbucketType::Cloud, "https://bitbucket.org", "acme/shop", ""};
  UserConfig user;
  user.path = "config.yml";
  user.accounts = {cloud_account()};
  auto t = bitbucket_target_for(cloud, user, "the record");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->api_base, "https://api.bitbucket.org/2.0");
  EXPECT_EQ(t->repo_api_path(), "/repositories/acme/shop");
  cloud.url = "https://127.0.0.1:9999";
  user.accounts = {cloud_account("https://127.0.0.1:9999/acme")};
  EXPECT_FALSE(bitbucket_target_for(cloud, user, "the record")) << "never guessed for another Cloud host";
  user.accounts[0].api_url = "https://127.0.0.1:8443/2.0";
  t = bitbucket_target_for(cloud, user, "the record");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->api_base, "https://127.0.0.1:8443/2.0");
  EXPECT_EQ(t->credential_scope, "https://127.0.0.1:8443/2.0");

  Destination server{BitbucketType::Server, "https://bb.example.com/bitbucket", "SHOP/web", ""};
  Account s;
  s.type = BitbucketType::Server;
  s.kind = AccountKind::HttpAccessToken;
  s.url = server.url;
  user.accounts = {s};
  t = bitbucket_target_for(server, user, "the record");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->api_base, "https://bb.example.com/bitbucket/rest/api/1.0");
  EXPECT_EQ(t->repo_api_path(), "/projects/SHOP/repos/web");
  EXPECT_FALSE(bitbucket_target_for(server, UserConfig{}, "the record")) << "no account, no target";
}

TEST(BitbucketApiConfig, ApiUrlIsOptionalAndHttpsOnly) {
  const std::string head = "accounts:\n  - url: https://bitbucket.org/acme\n    key: k\n    secret: s\n";
  EXPECT_EQ(parse_user_config(head, "c.yml").accounts.at(0).api_url, "");
  EXPECT_EQ(parse_user_config(head + "    api_url: https://127.0.0.1:8443/2.0/\n", "c.yml").accounts.at(0).api_url,
            "https://127.0.0.1:8443/2.0");
  EXPECT_THROW(parse_user_config(head + "    api_url: http://127.0.0.1:8443/2.0\n", "c.yml"), ConfigError);
  EXPECT_THROW(parse_user_config(head + "    api_url: https://user@host/2.0\n", "c.yml"), ConfigError);
}

TEST(BitbucketApiActor, OnlyAnHttpsPushWithTheSameAccount) {
  UserConfig user;
  user.accounts = {cloud_account("https://bitbucket.org/acme"), cloud_account("https://bitbucket.org/other")};
  user.accounts[1].key = "other-key";
  const Account& acme = user.accounts[0];
  EXPECT_TRUE(pushed_with_account("https://bitbucket.org/acme/shop.git", user, acme));
  EXPECT_TRUE(pushed_with_account("https://x-token-auth@bitbucket.org/acme/shop.git", user, acme));
  EXPECT_TRUE(pushed_with_account("HTTPS://BitBucket.org/acme/shop", user, acme));
  EXPECT_FALSE(pushed_with_account("git@bitbucket.org:acme/shop.git", user, acme)) << "ssh: the key's owner";
  EXPECT_FALSE(pushed_with_account("ssh://git@bitbucket.org/acme/shop.git", user, acme));
  EXPECT_FALSE(pushed_with_account("/srv/git/shop.git", user, acme));
  EXPECT_FALSE(pushed_with_account("http://bitbucket.org/acme/shop.git", user, acme));
  EXPECT_FALSE(pushed_with_account("https://bitbucket.org/other/shop.git", user, acme)) << "another account";
  EXPECT_FALSE(pushed_with_account("https://bitbucket.org.evil.com/acme/shop.git", user, acme));
  EXPECT_FALSE(pushed_with_account("", user, acme));
}

class ApiCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bbsot-api-cache-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/cache/bbsot/api-test.json";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(ApiCache, AnswerIsKeptForADayIn0600File) {
  const int64_t t = 1795600800;
  ASSERT_TRUE(write_api_cache(path_, "repository", ApiCacheEntry{ApiJson{{"uuid", "{u}"}}, t}));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dirname_of(path_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto e = read_api_cache(path_, "repository", t + kApiCacheSeconds - 1);
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->value);
  EXPECT_EQ((*e->value)["uuid"], "{u}");
  EXPECT_FALSE(read_api_cache(path_, "repository", t + kApiCacheSeconds)) << "older than a day";
  EXPECT_FALSE(read_api_cache(path_, "repository", t - 10)) << "written in the future: stale";
  EXPECT_FALSE(read_api_cache(path_, "actor", t));
}

TEST_F(ApiCache, FailureIsKeptShortly) {
  const int64_t t = 1795600800;
  ASSERT_TRUE(write_api_cache(path_, "repository", ApiCacheEntry{std::nullopt, t}));
  auto e = read_api_cache(path_, "repository", t + kApiFailureCacheSeconds - 1);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->value);
  EXPECT_FALSE(read_api_cache(path_, "repository", t + kApiFailureCacheSeconds));
}

TEST_F(ApiCache, EntriesAreKeptSideBySideAndDamageIsAMiss) {
  const int64_t t = 1795600800;
  ASSERT_TRUE(write_api_cache(path_, "repository", ApiCacheEntry{ApiJson{{"id", 1}}, t}));
  ASSERT_TRUE(write_api_cache(path_, "actor:ada", ApiCacheEntry{ApiJson{{"id", 2}}, t}));
  EXPECT_EQ((*read_api_cache(path_, "repository", t)->value)["id"], 1);
  EXPECT_EQ((*read_api_cache(path_, "actor:ada", t)->value)["id"], 2);
  std::ofstream(path_) << "{\"entries\": {\"repository\": {\"at\": \"x\", \"ok\": true}}";
  EXPECT_FALSE(read_api_cache(path_, "repository", t));
  ASSERT_TRUE(write_api_cache(path_, "repository", ApiCacheEntry{ApiJson{{"id", 3}}, t}));
  EXPECT_EQ((*read_api_cache(path_, "repository", t)->value)["id"], 3);
}

// A lookup whose API cannot be reached leaves everything out and remembers the failure,
// so the next delivery does not try again at once. (127.0.0.1:1: nothing listens.)
TEST_F(ApiCache, UnreachableApiIsLeftOutAndTheFailureCached) {
  setenv("XDG_CACHE_HOME", (dir_ + "/cache").c_str(), 1);
  Destination repo;
  repo.type = BitbucketType::Server;
  repo.url = "https://bb.example.com";
  repo.repository = "SHOP/web";
  UserConfig user;
  Account a;
  a.type = BitbucketType::Server;
  a.kind = AccountKind::HttpAccessToken;
  a.url = "https://bb.example.com";
  a.username = "ada";
  a.token.value = "canary-token-value";
  a.api_url = "https://127.0.0.1:1/rest/api/1.0";
  user.accounts = {a};
  PushRecord r;
  BitbucketIdentity id = lookup_identity(r, repo, user);
  EXPECT_TRUE(id.empty());
  const std::string path = api_cache_path(user.accounts[0], a.api_url, "SHOP/web");
  auto e = read_api_cache(path, "repository", now_epoch());
  ASSERT_TRUE(e) << path;
  EXPECT_FALSE(e->value);
  auto text = read_file(path);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("canary-token-value"), std::string::npos);
  unsetenv("XDG_CACHE_HOME");
}

TEST(BitbucketApiLookup, NoAccountNoLookup) {
  Destination repo;
  repo.repository = "acme/shop";
  EXPECT_TRUE(lookup_identity(PushRecord{}, repo, UserConfig{}).empty());
}

}  // namespace
}  // namespace bbsot
