// config_write: rewriting the user file keeps every account and every field of it
// (audit 4, finding 4), and an update touches only what the command line set.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_write.hpp"

namespace bbsot {
namespace {

const char* kUserFile =
    "ca_file: /etc/ssl/corp.pem\n"
    "accounts:\n"
    "  - url: https://bitbucket.org/acme\n"
    "    type: bitbucket\n"
    "    key: old-key\n"
    "    secret_command: pass show acme\n"
    "    token_url: https://auth.example.com/token\n"
    "    api_url: https://api.example.com/2.0\n"
    "  - url: https://bitbucket.example.com\n"
    "    type: bitbucket_server\n"
    "    username: alice\n"
    "    token_env: BB_TOKEN\n"
    "    api_url: https://bitbucket.example.com/rest/api/1.0\n"
    "  - url: https://bitbucket.org/beta\n"
    "    kind: api_token\n"
    "    email: alice@example.com\n"
    "    username: alice\n"
    "    token_command: pass show beta\n"
    "    expires: 2027-03-01\n"
    "  - url: https://bitbucket.org/gamma/shop\n"
    "    kind: access_token\n"
    "    token_env: RAT\n"
    "reports:\n"
    "  - hook_url: https://hooks.example.com/abc\n"
    "    secret_env: HOOK_SECRET\n";

void expect_same(const Account& a, const Account& b) {
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.secret.value, b.secret.value);
  EXPECT_EQ(a.secret.command, b.secret.command);
  EXPECT_EQ(a.secret.env, b.secret.env);
  EXPECT_EQ(a.username, b.username);
  EXPECT_EQ(a.token.value, b.token.value);
  EXPECT_EQ(a.token.command, b.token.command);
  EXPECT_EQ(a.token.env, b.token.env);
  EXPECT_EQ(a.token_url, b.token_url);
  EXPECT_EQ(a.api_url, b.api_url);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.email, b.email);
  EXPECT_EQ(a.expires, b.expires);
  EXPECT_EQ(a.expires_at, b.expires_at);
}

TEST(ConfigWrite, UserFileRoundTripKeepsEveryField) {
  UserConfig cfg = parse_user_config(kUserFile, "config.yml");
  cfg.connect_timeout_ms = 3000;
  UserConfig again = parse_user_config(user_config_yaml(cfg), "config.yml");
  ASSERT_EQ(again.accounts.size(), cfg.accounts.size());
  for (size_t i = 0; i < cfg.accounts.size(); ++i) expect_same(again.accounts[i], cfg.accounts[i]);
  EXPECT_EQ(again.ca_file, cfg.ca_file);
  EXPECT_EQ(again.connect_timeout_ms, 3000);
  ASSERT_EQ(again.report_secrets.size(), 1u);
  EXPECT_EQ(again.report_secrets[0].hook_url, "https://hooks.example.com/abc");
  EXPECT_EQ(again.report_secrets[0].secret.env, "HOOK_SECRET");
}

TEST(ConfigWrite, UpsertKeepsTheFieldsTheFlagsDidNotSet) {
  UserConfig cfg = parse_user_config(kUserFile, "config.yml");
  Account flags;  // what `init --key new-key --secret-env ACME_SECRET` describes
  flags.url = "https://bitbucket.org/acme";
  flags.key = "new-key";
  flags.secret.env = "ACME_SECRET";
  ASSERT_TRUE(upsert_account(cfg, flags));
  UserConfig again = parse_user_config(user_config_yaml(cfg), "config.yml");
  ASSERT_EQ(again.accounts.size(), 4u);
  const Account& a = again.accounts[0];
  EXPECT_EQ(a.key, "new-key");
  EXPECT_EQ(a.secret.env, "ACME_SECRET");
  EXPECT_EQ(a.secret.command, "");  // replaced whole: one source per secret
  EXPECT_EQ(a.token_url, "https://auth.example.com/token");
  EXPECT_EQ(a.api_url, "https://api.example.com/2.0");
  EXPECT_EQ(again.accounts[1].api_url, "https://bitbucket.example.com/rest/api/1.0");
  EXPECT_EQ(again.accounts[1].token.env, "BB_TOKEN");
}

TEST(ConfigWrite, UpsertOfWhatIsStoredChangesNothing) {
  UserConfig cfg = parse_user_config(kUserFile, "config.yml");
  Account flags;
  flags.url = "https://bitbucket.example.com";
  flags.type = BitbucketType::Server;
  flags.username = "alice";
  flags.token.env = "BB_TOKEN";
  EXPECT_FALSE(upsert_account(cfg, flags));
  flags.url = "https://bitbucket.example.com/other";
  EXPECT_TRUE(upsert_account(cfg, flags));
  EXPECT_EQ(cfg.accounts.size(), 5u);
}

}  // namespace
}  // namespace bbsot
