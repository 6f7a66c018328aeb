#include <unistd.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/atomic_file.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"

using namespace bbsot;

namespace {

std::string user_error(const std::string& yaml) {
  try {
    parse_user_config(yaml, "config.yml");
  } catch (const ConfigError& e) {
    std::string out = e.what();
    for (const auto& h : e.hints()) out += "\nhint: " + h;
    return out;
  }
  return "";
}

std::string repo_error(const std::string& yaml) {
  try {
    parse_repo_config(yaml, ".bbsot.yml");
  } catch (const ConfigError& e) {
    std::string out = e.what();
    for (const auto& h : e.hints()) out += "\nhint: " + h;
    return out;
  }
  return "";
}

const char* kRepo = "integration:\n  type: bitbucket\n  repository: acme/shop\n  project: abc123\n";

}  // namespace

TEST(Config, UserFileAccounts) {
  auto cfg = parse_user_config(
      "accounts:\n"
      "  - url: https://bitbucket.org/acme/\n    key: K\n    secret_command: pass show bb\n"
      "  - url: https://bb.example.com\n    type: bitbucket_server\n    username: al\n    token_env: BB\n"
      "ca_file: /etc/ca.pem\ntimeout: 3\nconnect_timeout: 1.5\n",
      "config.yml");
  ASSERT_EQ(cfg.accounts.size(), 2u);
  EXPECT_EQ(cfg.accounts[0].url, "https://bitbucket.org/acme");
  EXPECT_EQ(cfg.accounts[0].token_url, kCloudTokenUrl);
  EXPECT_EQ(cfg.accounts[0].secret.command, "pass show bb");
  EXPECT_EQ(cfg.accounts[1].type, BitbucketType::Server);
  EXPECT_EQ(cfg.accounts[1].token.env, "BB");
  EXPECT_EQ(cfg.ca_file, "/etc/ca.pem");
  EXPECT_EQ(cfg.timeout_ms, 3000);
  EXPECT_EQ(cfg.connect_timeout_ms, 1500);
  EXPECT_TRUE(parse_user_config("", "c").accounts.empty());
}

TEST(Config, ExactMessages) {
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kye: K\n"),
            "config.yml:3:5: unknown key 'accounts[0].kye'\nhint: did you mean 'key'?");
  EXPECT_EQ(user_error("timeout: soon\n"),
            "config.yml:1:10: key 'timeout': expected a number of seconds between 0 and 600, got 'soon'");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    key: K\n    secret: a\n    secret_env: B\n"),
            "config.yml:5:17: 'accounts[0].secret' is given more than one way\n"
            "hint: keep only one of secret, secret_command, secret_env");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bb.example.com\n    type: server\n"),
            "config.yml:3:11: key 'accounts[0].type': expected bitbucket or bitbucket_server, got 'server'\n"
            "hint: use type: bitbucket for Bitbucket Cloud, type: bitbucket_server for Server/Data Center");
  EXPECT_EQ(repo_error("integration:\n  type: bitbucket\n  repository: acme/shop\n  fetch_branches: yes please\n"),
            ".bbsot.yml:4:19: key 'integration.fetch_branches': expected true or false, got 'yes please'\n"
            "hint: write fetch_branches: true or fetch_branches: false");
  EXPECT_EQ(repo_error("integration:\n  repositry: acme/shop\n"),
            ".bbsot.yml:2:3: unknown key 'integration.repositry'\nhint: did you mean 'repository'?");
  EXPECT_EQ(repo_error("integration: [\n"), repo_error("integration: [\n"));
  EXPECT_NE(repo_error("integration: [\n").find(".bbsot.yml:2:1: invalid YAML"), std::string::npos)
      << repo_error("integration: [\n");
}

TEST(Config, LiteralSecretInRepoFileRefused) {
  std::string err = repo_error(std::string(kRepo) + "report:\n  secret: hunter2\n");
  EXPECT_EQ(err.substr(0, err.find('\n')),
            ".bbsot.yml:6:11: key 'report.secret': a secret value must not be written in a committed file");
  EXPECT_NE(err.find("belongs in your own config"), std::string::npos) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos);
  EXPECT_NE(repo_error("integration:\n  repository: a/b\n  secret: x\n").find("secrets do not belong"),
            std::string::npos);
}

TEST(Config, RepoDefaultsFollowThePlatform) {
  auto cfg = parse_repo_config(std::string(kRepo) + "  fetch_branches: false\n", ".bbsot.yml");
  EXPECT_EQ(cfg.integration.url, kCloudUrl);
  EXPECT_FALSE(cfg.integration.fetch_branches);
  EXPECT_FALSE(cfg.integration.prune_branches);  // forced off with fetch_branches off
  EXPECT_TRUE(cfg.integration.build_pull_requests);
  EXPECT_FALSE(cfg.integration.resync_pull_requests);
  EXPECT_EQ(cfg.integration.default_branch, "main");
  EXPECT_TRUE(cfg.report.enabled);
  EXPECT_NE(
      repo_error("integration:\n  type: bitbucket_server\n  repository: P/r\n").find("integration.url' is missing"),
      std::string::npos);
  EXPECT_NE(repo_error("integration:\n  repository: justone\n").find("expected owner/repo"), std::string::npos);
}

TEST(Config, DuplicateAccountsAndMissingFields) {
  EXPECT_NE(
      user_error("accounts:\n  - {url: 'https://a', key: k, secret: s}\n  - {url: 'https://a/', key: k, secret: s}\n")
          .find("listed twice"),
      std::string::npos);
  EXPECT_NE(user_error("accounts:\n  - url: https://bitbucket.org\n").find("needs 'key'"), std::string::npos);
  EXPECT_NE(user_error("accounts:\n  - url: bitbucket.org\n    key: k\n    secret: s\n").find("expected scheme://host"),
            std::string::npos);
  EXPECT_NE(user_error("accounts: yes\n").find("'accounts' must be a list"), std::string::npos);
}

TEST(Config, UserFileReadableByOthersRefused) {
  char dir[] = "/tmp/bbsot-cfg-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/config.yml";
  ASSERT_TRUE(write_file_atomic(path, "accounts: []\n", 0644).ok());
  ::chmod(path.c_str(), 0644);
  try {
    load_user_config(path);
    FAIL() << "expected a refusal";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "the bbsot config file " + path +
                                         " is readable or writable by group or others (mode 0644); it may hold "
                                         "secrets, so bbsot refuses to use it");
    EXPECT_EQ(e.hints().at(0), "run: chmod 600 " + path);
  }
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(load_user_config(path).accounts.empty());
  EXPECT_TRUE(load_user_config(std::string(dir) + "/absent.yml").accounts.empty());
  ::unlink(path.c_str());
  ::rmdir(dir);
}

// A committed file may name no secret reference: an earlier bbsot read report.secret_env
// and report.secret_command from it (and ran the command). They are kept aside, never
// resolved, and refused with the way out.
TEST(Config, SecretReferencesInRepoFileAreKeptAsideAndRefused) {
  for (const char* key : {"secret_command: id > PWNED; echo s3cret", "secret_env: BBSOT_REPORT_SECRET"}) {
    RepoConfig cfg = parse_repo_config(std::string(kRepo) + "report:\n  " + key + "\n", ".bbsot.yml");
    EXPECT_FALSE(cfg.report.legacy_secret.empty()) << key;
    EXPECT_TRUE(cfg.report.legacy_where.starts_with(".bbsot.yml:6:")) << cfg.report.legacy_where;
    try {
      refuse_legacy_secret(cfg);
      FAIL() << "expected a refusal for " << key;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("a committed file cannot name a secret"), std::string::npos) << e.what();
      EXPECT_NE(e.hints().at(0).find("git bbsot init"), std::string::npos);
    }
  }
  // In the user's own file, keyed by hook URL.
  UserConfig u = parse_user_config(
      "reports:\n  - hook_url: HTTPS://Hooks.Example.NET:443/x/./y\n    secret_env: WEBHOOK_SECRET\n", "config.yml");
  const ReportSecret* r = report_secret_for(u, "https://hooks.example.net/x/y");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->secret.env, "WEBHOOK_SECRET");
  EXPECT_EQ(report_secret_for(u, "https://hooks.example.net/x/z"), nullptr);
  EXPECT_NE(user_error("reports:\n  - hook_url: https://h/x\n").find("needs one of secret"), std::string::npos);
}

TEST(Config, UserFileMustBeTheUsersOwnInAPrivateDirectory) {
  char dir[] = "/tmp/bbsot-cfgdir-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/config.yml";
  ASSERT_TRUE(write_file_atomic(path, "accounts: []\n", 0600).ok());
  ::chmod(dir, 0777);
  try {
    load_user_config(path);
    FAIL() << "expected a refusal of a world-writable directory";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("writable by group or others"), std::string::npos) << e.what();
    EXPECT_EQ(e.hints().at(0), std::string("run: chmod go-w ") + dir);
  }
  ::chmod(dir, 0700);
  EXPECT_TRUE(load_user_config(path).accounts.empty());
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST(Config, ResolveSecret) {
  ::setenv("BBSOT_TEST_SECRET", "from-env", 1);
  EXPECT_EQ(*resolve_secret({"", "", "BBSOT_TEST_SECRET"}, "x"), "from-env");
  EXPECT_EQ(*resolve_secret({"", "printf 'from-cmd\\n'", ""}, "x"), "from-cmd");
  auto bad = resolve_secret({"", "exit 3", ""}, "consumer secret");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "the command for the consumer secret failed (exit 3)");
  EXPECT_FALSE(resolve_secret({"", "", "BBSOT_TEST_UNSET_VAR"}, "x").ok());
}

TEST(Config, TokenKinds) {
  auto cfg = parse_user_config(
      "accounts:\n"
      "  - url: https://bitbucket.org/acme\n    kind: api_token\n    email: al@example.com\n    token_env: T\n"
      "    expires: 2027-01-31\n"
      "  - url: https://bitbucket.org/acme/shop\n    kind: access_token\n    token_command: pass show rat\n"
      "  - url: https://bitbucket.org/beta\n    kind: api_token\n    email: al@example.com\n    username: al\n"
      "    token: t\n"
      "  - url: https://bitbucket.org/gamma\n    key: K\n    secret: s\n"
      "  - url: https://bb.example.com\n    type: bitbucket_server\n    username: al\n    token_env: BB\n",
      "config.yml");
  ASSERT_EQ(cfg.accounts.size(), 5u);
  EXPECT_EQ(cfg.accounts[0].kind, AccountKind::ApiToken);
  EXPECT_EQ(cfg.accounts[0].email, "al@example.com");
  EXPECT_EQ(cfg.accounts[0].expires_at, 1801353600);  // 2027-01-31T00:00:00Z
  EXPECT_EQ(cfg.accounts[0].token_url, "");
  EXPECT_EQ(git_username(cfg.accounts[0]), "x-bitbucket-api-token-auth");
  EXPECT_EQ(cfg.accounts[1].kind, AccountKind::AccessToken);
  EXPECT_EQ(git_username(cfg.accounts[1]), "x-token-auth");
  EXPECT_EQ(git_username(cfg.accounts[2]), "al");  // the Bitbucket username, when given
  EXPECT_EQ(cfg.accounts[3].kind, AccountKind::OAuthConsumer);
  EXPECT_EQ(git_username(cfg.accounts[3]), "x-token-auth");
  EXPECT_EQ(cfg.accounts[4].kind, AccountKind::HttpAccessToken);
  EXPECT_EQ(git_username(cfg.accounts[4]), "al");
}

TEST(Config, TokenKindMessages) {
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kind: api-token\n"),
            "config.yml:3:11: key 'accounts[0].kind': unknown kind 'api-token'\n"
            "hint: did you mean 'api_token'?\n"
            "hint: Bitbucket Cloud: kind: oauth_consumer, api_token or access_token");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bb.example.com\n    type: bitbucket_server\n    kind: api_token\n"),
            "config.yml:4:11: key 'accounts[0].kind': kind api_token is for Bitbucket Cloud, but this account is "
            "type bitbucket_server\n"
            "hint: Bitbucket Server/Data Center: kind: http_access_token (or leave kind out)");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kind: api_token\n    token_env: T\n"),
            "config.yml:2:5: account https://bitbucket.org (api_token) needs 'email' and one of 'token', "
            "'token_command', 'token_env'\n"
            "hint: Bitbucket's REST API takes an API token with your Atlassian account e-mail; create the token with "
            "scopes at https://id.atlassian.com/manage-profile/security/api-tokens");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kind: access_token\n    key: K\n    token: t\n"),
            "config.yml:4:10: key 'accounts[0].key': not used by a access_token account\n"
            "hint: an access token is used alone: token, token_command or token_env");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    token_env: T\n"),
            "config.yml:2:5: account https://bitbucket.org has a token but no OAuth consumer key: which kind of "
            "token is it?\n"
            "hint: kind: api_token for an Atlassian API token (with email:), kind: access_token for a repository, "
            "project or workspace access token");
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kind: access_token\n    token: t\n"
                       "    expires: 2027-02-30\n"),
            "config.yml:5:14: key 'accounts[0].expires': expected a date YYYY-MM-DD, got '2027-02-30'\n"
            "hint: write the expiry date Bitbucket showed when the token was made, e.g. expires: 2027-01-31");
  EXPECT_NE(
      user_error("accounts:\n  - url: https://bitbucket.org\n    key: k\n    secret: s\n    expires: 2027-01-01\n")
          .find("an OAuth consumer does not expire"),
      std::string::npos);
  EXPECT_EQ(user_error("accounts:\n  - url: https://bitbucket.org\n    kind: access_token\n    tokne: t\n"),
            "config.yml:4:5: unknown key 'accounts[0].tokne'\nhint: did you mean 'token'?");
}

TEST(Config, ReportSecretsByHookUrl) {
  auto cfg = parse_user_config(
      "reports:\n"
      "  - hook_url: https://Hooks.Example.com:443/bitbucket/abc/\n    secret_command: pass show hook\n",
      "config.yml");
  ASSERT_EQ(cfg.report_secrets.size(), 1u);
  const ReportSecret* s = report_secret_for(cfg, "https://hooks.example.com/bitbucket/abc");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->secret.command, "pass show hook");
  EXPECT_EQ(report_secret_for(cfg, "https://hooks.example.com/bitbucket/other"), nullptr);
  EXPECT_NE(user_error("reports:\n  - hook_url: https://h/x\n").find("needs one of secret"), std::string::npos);
  EXPECT_EQ(user_error("reports:\n  - hook_url: https://h/x\n    secrets: a\n"),
            "config.yml:3:5: unknown key 'reports[0].secrets'\nhint: did you mean 'secret'?");
  EXPECT_NE(
      user_error("reports:\n  - {hook_url: 'https://h/x', secret: a}\n  - {hook_url: 'https://H/x/', secret: b}\n")
          .find("listed twice"),
      std::string::npos);
}
