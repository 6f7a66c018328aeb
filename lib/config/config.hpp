// The two configuration files (docs/DESIGN.md "Configuration"): the user's accounts file and
// the repository's committed .bbsot.yml. Loading validates everything up front and
// throws ConfigError with file:line:column, the key, what was expected and a fix.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

enum class BitbucketType { Cloud, Server };  // "bitbucket" | "bitbucket_server"
const char* to_string(BitbucketType t);

// Where a secret comes from. At most one of the three is set; a literal `value` is only
// accepted in the 0600 user file, never in .bbsot.yml.
struct SecretRef {
  std::string value;
  std::string command;  // run with sh -c; its stdout (trailing newline stripped) is the secret
  std::string env;      // name of an environment variable holding the secret
  bool empty() const { return value.empty() && command.empty() && env.empty(); }
};

// Which credential an account holds (docs/CONFIGURATION.md "Token kinds", with
// Atlassian's pages): it decides the user name git gets and the REST API's
// Authorization header.
//   oauth_consumer     Cloud: key/secret, client_credentials access tokens; git
//                      x-token-auth, REST Bearer
//   api_token          Cloud: an Atlassian API token; git the Bitbucket username or
//                      x-bitbucket-api-token-auth, REST Basic with the Atlassian e-mail
//   access_token       Cloud: a repository/project/workspace access token; git
//                      x-token-auth, REST Bearer
//   http_access_token  Server/DC: an HTTP access token; git the username, REST Bearer
enum class AccountKind { OAuthConsumer, ApiToken, AccessToken, HttpAccessToken };
const char* to_string(AccountKind k);

struct Account {
  std::string url;  // scheme://host[:port][/path-prefix], matched like credential.<url>
  BitbucketType type = BitbucketType::Cloud;
  std::string key;        // Cloud: OAuth consumer key
  SecretRef secret;       // Cloud: OAuth consumer secret
  std::string username;   // Server
  SecretRef token;        // Server: HTTP access token
  std::string token_url;  // Cloud: OAuth token endpoint (default Bitbucket's)
  // `kind:`, defaulting by type. Cloud api_token and access_token keep their token in
  // `token`; api_token's `username` is the Bitbucket username git uses (optional).
  AccountKind kind = AccountKind::OAuthConsumer;
  // Cloud api_token: the Atlassian account e-mail, the REST API's Basic user name.
  std::string email;
  // `expires: YYYY-MM-DD` as the user wrote it, for tokens whose expiry Bitbucket does
  // not tell bbsot ("" unknown); expires_at is that day at 00:00 UTC (0 unknown).
  std::string expires;
  int64_t expires_at = 0;
  // Bitbucket's REST API base, for the ids only Bitbucket knows in push reports; empty:
  // https://api.bitbucket.org/2.0 (Cloud on bitbucket.org) or <url>/rest/api/1.0 (Server).
  std::string api_url;
  int line = 0;  // where the entry starts in the file, for messages
};

// The report secret for one integration hook URL, from the user's own file (`reports:
// [{hook_url, secret | secret_command | secret_env}]`): it signs the reports sent there
// (X-Hub-Signature), and `git bbsot webhook --set-secret` gives it to Bitbucket's webhook.
// Keyed by the hook URL, which only the user approves, so a committed file cannot borrow
// another project's secret.
struct ReportSecret {
  std::string hook_url;  // normalised (base/web_url)
  SecretRef secret;
  int line = 0;
};

struct UserConfig {
  std::string path;
  std::vector<Account> accounts;
  std::vector<ReportSecret> report_secrets;  // `reports:` in the file
  std::string ca_file;
  int connect_timeout_ms = 5000;  // `connect_timeout` (seconds) in the file
  int timeout_ms = 20000;         // `timeout` (seconds): whole request
};

struct IntegrationConfig {
  BitbucketType type = BitbucketType::Cloud;
  std::string repository;  // owner/repo (Cloud) or PROJECT/repo (Server)
  std::string url;         // Server base URL; Cloud: https://bitbucket.org
  std::string project;     // the platform project id
  std::string default_branch = "main";
  bool fetch_branches = true;
  bool prune_branches = true;  // forced off when fetch_branches is off
  bool build_pull_requests = true;
  bool resync_pull_requests = false;            // Cloud
  bool pull_requests_clone_parent_data = true;  // Server
  std::string hook_url;
};

struct RemotesConfig {
  std::string source;  // remote names; empty: detected from URLs
  std::string mirror;
  std::vector<std::string> mirror_patterns;  // host globs; empty: the known vendor hosts
  // More mirror remote names than the file's one: a clone's recorded guard keeps every
  // name it was ever told about until the user approves dropping one (guard/clone_state).
  std::vector<std::string> more_mirrors;
};

struct ReportConfig {
  bool enabled = true;
  // A `secret_command`/`secret_env` that a .bbsot.yml of an earlier bbsot named. Never
  // resolved from here (a committed file cannot make bbsot run a command or read the
  // environment, docs/TRUST.md): `git bbsot init` offers to move it into the user's file.
  SecretRef legacy_secret;
  std::string legacy_where;  // "file:line:column" of that key, for messages
};

struct RepoConfig {
  std::string path;
  IntegrationConfig integration;
  RemotesConfig remotes;
  ReportConfig report;
};

constexpr const char* kCloudUrl = "https://bitbucket.org";
// The user names Atlassian documents for git over HTTPS with a token as the password:
// OAuth and access tokens (https://developer.atlassian.com/cloud/bitbucket/rest/intro/
// "Repository cloning"), API tokens (https://support.atlassian.com/bitbucket-cloud/docs/
// using-api-tokens/, when no Bitbucket username is configured).
constexpr const char* kTokenGitUser = "x-token-auth";
constexpr const char* kApiTokenGitUser = "x-bitbucket-api-token-auth";

// The user name git sends with the account's token (see AccountKind).
std::string git_username(const Account& a);
constexpr const char* kCloudTokenUrl = "https://bitbucket.org/site/oauth2/access_token";
constexpr const char* kRepoConfigName = ".bbsot.yml";

// The account URL that answers for the integration's repository: the Server base URL, or
// https://bitbucket.org/<workspace> for Cloud (what init writes and doctor checks).
std::string integration_account_url(const IntegrationConfig& in);

// The one rule for an account's token_url, which every request to it carries the OAuth
// consumer secret to: https://host[:port][/path], never plain http, not even to this
// machine (the test doubles use TLS too). "" when `url` follows it, else why not, for a
// message. The user-file loader, `init --token-url` and the token fetch all apply it.
[[nodiscard]] std::string token_url_problem(const std::string& url);

// Throws ConfigError. A missing user file yields an empty config (no accounts). The
// file must be the user's own and private (mode 0600), and so must its directory (not
// writable by group or others), as ssh checks ~/.ssh: others could otherwise swap in
// accounts or commands.
UserConfig load_user_config(const std::string& path);
UserConfig parse_user_config(const std::string& text, const std::string& path_for_messages);
// Throws ConfigError, also when the file does not exist.
RepoConfig load_repo_config(const std::string& path);
RepoConfig parse_repo_config(const std::string& text, const std::string& path_for_messages);

// The report secret configured for `hook_url` (compared after normalisation), or null.
// The one place that decides which secret goes with a hook URL: delivery, doctor and
// `git bbsot webhook --set-secret` ask here.
[[nodiscard]] const ReportSecret* report_secret_for(const UserConfig& cfg, const std::string& hook_url);

// Throws ConfigError naming the key when `cfg` (a committed file) still names a secret
// the way an earlier bbsot allowed (report.secret_command / secret_env).
void refuse_legacy_secret(const RepoConfig& cfg);

}  // namespace bbsot
