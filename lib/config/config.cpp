#include "config/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "base/files.hpp"
#include "base/hardening.hpp"
#include "base/text.hpp"
#include "base/web_url.hpp"

namespace bbsot {

const char* to_string(BitbucketType t) { return t == BitbucketType::Cloud ? "bitbucket" : "bitbucket_server"; }

const char* to_string(AccountKind k) {
  switch (k) {
    case AccountKind::OAuthConsumer:
      return "oauth_consumer";
    case AccountKind::ApiToken:
      return "api_token";
    case AccountKind::AccessToken:
      return "access_token";
    case AccountKind::HttpAccessToken:
      return "http_access_token";
  }
  return "?";
}

namespace {

// Where a node sits, for messages: "file:line:column" (1-based, as editors count).
std::string where(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return file;
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& what,
                       std::vector<std::string> hints = {}) {
  throw ConfigError(where(file, n) + ": " + what, std::move(hints));
}

// Reads one mapping, rejecting unknown keys with the nearest known one.
class Section {
 public:
  Section(const std::string& file, const YAML::Node& node, std::string prefix, std::vector<std::string> known)
      : file_(file), node_(node), prefix_(std::move(prefix)), known_(std::move(known)) {
    if (!node_.IsMap()) fail(file_, node_, "'" + label() + "' must be a mapping of keys to values");
    for (const auto& kv : node_) check_known(kv.first);
  }

  const YAML::Node get(const std::string& key) const { return node_[key]; }
  bool has(const std::string& key) const { return node_[key].IsDefined() && !node_[key].IsNull(); }

  std::string str(const std::string& key, const std::string& fallback = "") const {
    YAML::Node v = node_[key];
    if (!v.IsDefined() || v.IsNull()) return fallback;
    if (!v.IsScalar()) fail(file_, v, "key '" + name(key) + "': expected a string");
    return v.Scalar();
  }

  bool boolean(const std::string& key, bool fallback) const {
    YAML::Node v = node_[key];
    if (!v.IsDefined() || v.IsNull()) return fallback;
    const std::string s = v.IsScalar() ? v.Scalar() : "";
    if (s == "true") return true;
    if (s == "false") return false;
    fail(file_, v, "key '" + name(key) + "': expected true or false, got '" + s + "'",
         {"write " + key + ": true or " + key + ": false"});
  }

  int seconds(const std::string& key, int fallback_ms) const {
    YAML::Node v = node_[key];
    if (!v.IsDefined() || v.IsNull()) return fallback_ms;
    const std::string s = v.IsScalar() ? v.Scalar() : "";
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(d > 0) || d > 600)
      fail(file_, v, "key '" + name(key) + "': expected a number of seconds between 0 and 600, got '" + s + "'");
    return static_cast<int>(d * 1000);
  }

  std::string name(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  std::string label() const { return prefix_.empty() ? "(top level)" : prefix_; }
  const std::string& file() const { return file_; }

 private:
  void check_known(const YAML::Node& key) const {
    const std::string k = key.IsScalar() ? key.Scalar() : "";
    if (std::find(known_.begin(), known_.end(), k) != known_.end()) return;
    std::vector<std::string> hints;
    if (auto near = nearest_word(k, known_))
      hints.push_back("did you mean '" + *near + "'?");
    else {
      std::string all;
      for (const auto& n : known_) all += (all.empty() ? "" : ", ") + n;
      hints.push_back("known keys here: " + all);
    }
    fail(file_, key, "unknown key '" + name(k) + "'", hints);
  }

  std::string file_;
  YAML::Node node_;
  std::string prefix_;
  std::vector<std::string> known_;
};

BitbucketType parse_type(const Section& s, const std::string& key, BitbucketType fallback) {
  if (!s.has(key)) return fallback;
  const std::string v = s.str(key);
  if (v == "bitbucket") return BitbucketType::Cloud;
  if (v == "bitbucket_server") return BitbucketType::Server;
  fail(s.file(), s.get(key), "key '" + s.name(key) + "': expected bitbucket or bitbucket_server, got '" + v + "'",
       {"use type: bitbucket for Bitbucket Cloud, type: bitbucket_server for Server/Data Center"});
}

// At most one of `<base>`, `<base>_command`, `<base>_env` (the user's own file only).
SecretRef parse_secret(const Section& s, const std::string& base) {
  SecretRef ref;
  ref.value = s.str(base);
  ref.command = s.str(base + "_command");
  ref.env = s.str(base + "_env");
  const int set = !ref.value.empty() + !ref.command.empty() + !ref.env.empty();
  if (set > 1)
    fail(s.file(), s.get(base + "_command").IsDefined() ? s.get(base + "_command") : s.get(base + "_env"),
         "'" + s.name(base) + "' is given more than one way",
         {"keep only one of " + base + ", " + base + "_command, " + base + "_env"});
  return ref;
}

bool valid_account_url(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos || p == 0) return false;
  std::string host = url.substr(p + 3);
  host.resize(std::min(host.size(), host.find('/')));
  return !host.empty() && host.find('@') == std::string::npos && url.find_first_of(" \t\r\n?#") == std::string::npos;
}

}  // namespace

std::string token_url_problem(const std::string& url) {
  if (ascii_lower(url).starts_with("https://") && valid_account_url(url)) return "";
  return "'" + url +
         "' is not an https:// URL; the token endpoint receives the OAuth consumer secret, so bbsot sends to it "
         "only over TLS (plain http is refused, also to this machine)";
}

namespace {

// "2027-01-31" -> that day at 00:00 UTC; -1 when it is not a real date.
int64_t parse_day(const std::string& s) {
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return -1;
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap)) return -1;
  // Days from the civil date (Howard Hinnant's algorithm): no timegm, no locale, no TZ.
  const int yy = y - (m <= 2);
  const int era = yy / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t{era} * 146097 + doe - 719468) * 86400;
}

const std::vector<std::string>& kind_names() {
  static const std::vector<std::string> names = {"oauth_consumer", "api_token", "access_token", "http_access_token"};
  return names;
}

AccountKind parse_kind(const Section& s, BitbucketType type) {
  const AccountKind fallback =
      type == BitbucketType::Server ? AccountKind::HttpAccessToken : AccountKind::OAuthConsumer;
  if (!s.has("kind")) return fallback;
  const std::string v = s.str("kind");
  const auto& names = kind_names();
  auto it = std::find(names.begin(), names.end(), v);
  if (it == names.end()) {
    std::vector<std::string> hints;
    if (auto near = nearest_word(v, names)) hints.push_back("did you mean '" + *near + "'?");
    hints.push_back(type == BitbucketType::Cloud ? "Bitbucket Cloud: kind: oauth_consumer, api_token or access_token"
                                                 : "Bitbucket Server/Data Center: kind: http_access_token");
    fail(s.file(), s.get("kind"), "key '" + s.name("kind") + "': unknown kind '" + v + "'", hints);
  }
  const auto k = static_cast<AccountKind>(it - names.begin());
  const bool server_kind = k == AccountKind::HttpAccessToken;
  if (server_kind != (type == BitbucketType::Server))
    fail(s.file(), s.get("kind"),
         "key '" + s.name("kind") + "': kind " + v + " is for Bitbucket " +
             (server_kind ? "Server/Data Center" : "Cloud") + ", but this account is type " + to_string(type),
         {type == BitbucketType::Cloud ? "Bitbucket Cloud: kind: oauth_consumer, api_token or access_token"
                                       : "Bitbucket Server/Data Center: kind: http_access_token (or leave kind out)"});
  return k;
}

// A key this kind of account has no use for: refused, so a half-converted entry (a
// consumer key left beside an API token) is not silently half-used.
void refuse_key(const Section& s, const std::string& key, const std::string& kind, const std::string& why) {
  if (s.has(key)) fail(s.file(), s.get(key), "key '" + s.name(key) + "': not used by a " + kind + " account", {why});
}

Account parse_account(const std::string& file, const YAML::Node& node, size_t index) {
  Section s(file, node, "accounts[" + std::to_string(index) + "]",
            {"url", "type", "kind", "key", "secret", "secret_command", "secret_env", "username", "token",
             "token_command", "token_env", "token_url", "api_url", "email", "expires"});
  Account a;
  a.line = static_cast<int>(node.Mark().line + 1);
  a.type = parse_type(s, "type", BitbucketType::Cloud);
  a.kind = parse_kind(s, a.type);
  a.url = s.str("url", a.type == BitbucketType::Cloud ? kCloudUrl : "");
  while (a.url.size() > 1 && a.url.back() == '/') a.url.pop_back();
  if (a.url.empty())
    fail(file, node, "'" + s.name("url") + "' is missing",
         {"a Bitbucket Server account needs url: https://bitbucket.example.com"});
  if (!valid_account_url(a.url))
    fail(file, s.get("url"), "key '" + s.name("url") + "': expected scheme://host[:port][/path], got '" + a.url + "'",
         {"write the URL without user name, query or fragment, e.g. https://bitbucket.org/acme"});
  a.key = s.str("key");
  a.secret = parse_secret(s, "secret");
  a.username = s.str("username");
  a.token = parse_secret(s, "token");
  a.email = s.str("email");
  a.token_url = s.str("token_url", a.kind == AccountKind::OAuthConsumer ? kCloudTokenUrl : "");
  if (auto problem = token_url_problem(a.token_url); !a.token_url.empty() && !problem.empty())
    fail(file, s.get("token_url"), "key '" + s.name("token_url") + "': " + problem,
         {std::string("write token_url: https://..., or leave it out to use Bitbucket's (") + kCloudTokenUrl + ")"});
  a.api_url = s.str("api_url");
  while (a.api_url.size() > 1 && a.api_url.back() == '/') a.api_url.pop_back();
  // The account's token goes there, so only over TLS.
  if (!a.api_url.empty() && (!a.api_url.starts_with("https://") || !valid_account_url(a.api_url)))
    fail(file, s.get("api_url"),
         "key '" + s.name("api_url") + "': expected https://host[:port][/path], got '" + a.api_url + "'",
         {"leave api_url out to use Bitbucket's own API"});
  if (s.has("expires")) {
    a.expires = s.str("expires");
    a.expires_at = parse_day(a.expires);
    if (a.expires_at < 0)
      fail(file, s.get("expires"),
           "key '" + s.name("expires") + "': expected a date YYYY-MM-DD, got '" + a.expires + "'",
           {"write the expiry date Bitbucket showed when the token was made, e.g. expires: 2027-01-31"});
    if (a.kind == AccountKind::OAuthConsumer)
      fail(file, s.get("expires"), "key '" + s.name("expires") + "': an OAuth consumer does not expire",
           {"bbsot reads its access tokens' expiry from Bitbucket; remove expires here"});
  }
  const std::string token_keys = "one of 'token', 'token_command', 'token_env'";
  switch (a.kind) {
    case AccountKind::OAuthConsumer:
      if (a.key.empty() || a.secret.empty()) {
        if (!a.token.empty())
          fail(file, node, "account " + a.url + " has a token but no OAuth consumer key: which kind of token is it?",
               {"kind: api_token for an Atlassian API token (with email:), kind: access_token for a repository, "
                "project or workspace access token"});
        fail(file, node,
             "account " + a.url + " (bitbucket) needs 'key' and one of 'secret', 'secret_command', 'secret_env'",
             {"create an OAuth consumer in Bitbucket (Workspace settings > OAuth consumers) and put its key and "
              "secret here, or use kind: api_token / kind: access_token with a token"});
      }
      break;
    case AccountKind::ApiToken:
      refuse_key(s, "key", "api_token", "an OAuth consumer is a separate account entry (kind: oauth_consumer)");
      refuse_key(s, "secret", "api_token", "the API token goes in token, token_command or token_env");
      refuse_key(s, "secret_command", "api_token", "the API token goes in token, token_command or token_env");
      refuse_key(s, "secret_env", "api_token", "the API token goes in token, token_command or token_env");
      refuse_key(s, "token_url", "api_token", "only an OAuth consumer has a token endpoint");
      if (a.email.empty() || a.token.empty())
        fail(file, node, "account " + a.url + " (api_token) needs 'email' and " + token_keys,
             {"Bitbucket's REST API takes an API token with your Atlassian account e-mail; create the token with "
              "scopes at https://id.atlassian.com/manage-profile/security/api-tokens"});
      break;
    case AccountKind::AccessToken:
      for (const char* k : {"key", "secret", "secret_command", "secret_env", "token_url"})
        refuse_key(s, k, "access_token", "an access token is used alone: token, token_command or token_env");
      refuse_key(s, "email", "access_token", "an e-mail belongs to an Atlassian API token (kind: api_token)");
      refuse_key(s, "username", "access_token", "git uses x-token-auth as the user name with an access token");
      if (a.token.empty())
        fail(file, node, "account " + a.url + " (access_token) needs " + token_keys,
             {"create a repository, project or workspace access token in Bitbucket (Repository settings > Access "
              "tokens)"});
      break;
    case AccountKind::HttpAccessToken:
      if (a.username.empty() || a.token.empty())
        fail(file, node,
             "account " + a.url +
                 " (bitbucket_server) needs 'username' and one of 'token', 'token_command', "
                 "'token_env'",
             {"create an HTTP access token in Bitbucket Server (Manage account > HTTP access tokens)"});
      break;
  }
  return a;
}

ReportSecret parse_report_secret(const std::string& file, const YAML::Node& node, size_t index) {
  Section s(file, node, "reports[" + std::to_string(index) + "]",
            {"hook_url", "secret", "secret_command", "secret_env"});
  ReportSecret r;
  r.line = static_cast<int>(node.Mark().line + 1);
  auto url = parse_web_url(s.str("hook_url"));
  if (!url)
    fail(file, s.has("hook_url") ? s.get("hook_url") : node, "key '" + s.name("hook_url") + "': " + url.error(),
         {"write the integration's hook URL exactly as .bbsot.yml names it"});
  r.hook_url = url->str();
  r.secret = parse_secret(s, "secret");
  if (r.secret.empty())
    fail(file, node, "'" + s.label() + "' needs one of secret, secret_command, secret_env",
         {"e.g. secret_command: pass show platform/webhook-secret"});
  return r;
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                          ": invalid YAML: " + e.msg,
                      {"check the indentation and quoting around that place"});
  }
}

// The user file may hold secrets and names the commands bbsot runs: it, and the directory
// it sits in, must be the user's own, as ssh insists for ~/.ssh.
void check_private(const std::string& path) {
  for (const auto& [p, what, no_read] : {std::tuple{path, std::string("the bbsot config file"), true},
                                         std::tuple{dirname_of(path), std::string("the directory of the bbsot config file"), false}}) {
    auto s = check_private_path(p, what, no_read, false);
    if (!s) {
      const auto fix = s.error().rfind("; run: ");
      if (fix == std::string::npos) throw ConfigError(s.error() + "; it may hold secrets, so bbsot refuses to use it");
      throw ConfigError(s.error().substr(0, fix) + "; it may hold secrets, so bbsot refuses to use it",
                        {s.error().substr(fix + 2)});
    }
  }
}

}  // namespace

UserConfig parse_user_config(const std::string& text, const std::string& file) {
  UserConfig cfg;
  cfg.path = file;
  YAML::Node root = parse_yaml(text, file);
  if (!root.IsDefined() || root.IsNull()) return cfg;
  Section top(file, root, "", {"accounts", "reports", "ca_file", "connect_timeout", "timeout"});
  cfg.ca_file = top.str("ca_file");
  cfg.connect_timeout_ms = top.seconds("connect_timeout", cfg.connect_timeout_ms);
  cfg.timeout_ms = top.seconds("timeout", cfg.timeout_ms);
  YAML::Node accounts = top.get("accounts");
  if (accounts.IsDefined() && !accounts.IsNull()) {
    if (!accounts.IsSequence())
      fail(file, accounts, "'accounts' must be a list", {"start each account with '- url: ...'"});
    for (size_t i = 0; i < accounts.size(); ++i) {
      Account a = parse_account(file, accounts[i], i);
      for (const auto& other : cfg.accounts)
        if (other.url == a.url)
          fail(file, accounts[i],
               "account " + a.url + " is listed twice (first at line " + std::to_string(other.line) + ")",
               {"keep one entry per URL; use a longer URL (https://host/workspace) to tell accounts apart"});
      cfg.accounts.push_back(std::move(a));
    }
  }
  YAML::Node reports = top.get("reports");
  if (reports.IsDefined() && !reports.IsNull()) {
    if (!reports.IsSequence())
      fail(file, reports, "'reports' must be a list", {"start each entry with '- hook_url: ...'"});
    for (size_t i = 0; i < reports.size(); ++i) {
      ReportSecret r = parse_report_secret(file, reports[i], i);
      for (const auto& other : cfg.report_secrets)
        if (other.hook_url == r.hook_url)
          fail(file, reports[i],
               "hook URL " + r.hook_url + " is listed twice (first at line " + std::to_string(other.line) + ")");
      cfg.report_secrets.push_back(std::move(r));
    }
  }
  return cfg;
}

const ReportSecret* report_secret_for(const UserConfig& cfg, const std::string& hook_url) {
  auto url = parse_web_url(hook_url);
  if (!url) return nullptr;
  const std::string key = url->str();
  for (const auto& r : cfg.report_secrets)
    if (r.hook_url == key) return &r;
  return nullptr;
}

void refuse_legacy_secret(const RepoConfig& cfg) {
  const SecretRef& s = cfg.report.legacy_secret;
  if (s.empty()) return;
  const std::string key = s.command.empty() ? "report.secret_env" : "report.secret_command";
  throw ConfigError(cfg.report.legacy_where + ": key '" + key +
                        "': a committed file cannot name a secret (anyone who can commit could make bbsot run a "
                        "command or read your environment); the report secret belongs in your own config",
                    {"run: git bbsot init   (it shows the reference and, if you agree, moves it to reports: in " +
                     user_config_path() + ")"});
}

std::string git_username(const Account& a) {
  switch (a.kind) {
    case AccountKind::OAuthConsumer:
    case AccountKind::AccessToken:
      return kTokenGitUser;
    case AccountKind::ApiToken:
      return a.username.empty() ? kApiTokenGitUser : a.username;
    case AccountKind::HttpAccessToken:
      return a.username;
  }
  return a.username;
}

std::string integration_account_url(const IntegrationConfig& in) {
  if (in.type == BitbucketType::Server) return in.url;
  return in.url + "/" + in.repository.substr(0, in.repository.find('/'));
}

UserConfig load_user_config(const std::string& path) {
  if (!path_exists(path)) {
    UserConfig empty;
    empty.path = path;
    return empty;
  }
  check_private(path);
  auto text = read_file(path, 1 << 20);
  if (!text) throw ConfigError(text.error());
  return parse_user_config(*text, path);
}

RepoConfig parse_repo_config(const std::string& text, const std::string& file) {
  RepoConfig cfg;
  cfg.path = file;
  YAML::Node root = parse_yaml(text, file);
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(file + ": empty; it needs an 'integration:' section", {"run: git bbsot init"});
  Section top(file, root, "", {"integration", "remotes", "report"});
  if (!top.has("integration")) fail(file, root, "missing 'integration:' section", {"run: git bbsot init"});

  Section in(file, top.get("integration"), "integration",
             {"type", "repository", "url", "project", "default_branch", "fetch_branches", "prune_branches",
              "build_pull_requests", "resync_pull_requests", "pull_requests_clone_parent_data", "hook_url", "secret",
              "token", "key"});
  for (const char* lit : {"secret", "token"})
    if (in.has(lit))
      fail(file, in.get(lit), "key 'integration." + std::string(lit) + "': secrets do not belong in " + file,
           {"put account credentials in the user file (git bbsot init --key ... --secret-command ...)"});
  if (in.has("key"))
    fail(file, in.get("key"), "key 'integration.key': the OAuth consumer belongs in the user file, not the repository",
         {"move it to ~/.config/bbsot/config.yml under accounts:"});
  auto& i = cfg.integration;
  i.type = parse_type(in, "type", BitbucketType::Cloud);
  i.repository = in.str("repository");
  if (i.repository.empty() || std::count(i.repository.begin(), i.repository.end(), '/') != 1 ||
      i.repository.front() == '/' || i.repository.back() == '/')
    fail(file, in.has("repository") ? in.get("repository") : top.get("integration"),
         "key 'integration.repository': expected owner/repo (Cloud) or PROJECT/repo (Server)" +
             (i.repository.empty() ? std::string() : ", got '" + i.repository + "'"));
  i.url = in.str("url", i.type == BitbucketType::Cloud ? kCloudUrl : "");
  while (i.url.size() > 1 && i.url.back() == '/') i.url.pop_back();
  if (i.type == BitbucketType::Server && i.url.empty())
    fail(file, top.get("integration"), "'integration.url' is missing; Bitbucket Server needs its base URL",
         {"add url: https://bitbucket.example.com"});
  if (!valid_account_url(i.url))
    fail(file, in.get("url"), "key 'integration.url': expected scheme://host[:port][/path], got '" + i.url + "'");
  i.project = in.str("project");
  i.default_branch = in.str("default_branch", i.default_branch);
  i.fetch_branches = in.boolean("fetch_branches", true);
  i.prune_branches = in.boolean("prune_branches", true) && i.fetch_branches;
  i.build_pull_requests = in.boolean("build_pull_requests", true);
  i.resync_pull_requests = in.boolean("resync_pull_requests", false);
  i.pull_requests_clone_parent_data = in.boolean("pull_requests_clone_parent_data", true);
  i.hook_url = in.str("hook_url");

  if (top.has("remotes")) {
    Section r(file, top.get("remotes"), "remotes", {"source", "mirror", "mirror_patterns"});
    cfg.remotes.source = r.str("source");
    cfg.remotes.mirror = r.str("mirror");
    YAML::Node pats = r.get("mirror_patterns");
    if (pats.IsDefined() && !pats.IsNull()) {
      if (!pats.IsSequence()) fail(file, pats, "'remotes.mirror_patterns' must be a list of host patterns");
      for (const auto& p : pats) {
        if (!p.IsScalar() || p.Scalar().empty())
          fail(file, p, "'remotes.mirror_patterns' entries must be host patterns like git.*.platform.sh");
        cfg.remotes.mirror_patterns.push_back(p.Scalar());
      }
    }
  }
  if (top.has("report")) {
    Section r(file, top.get("report"), "report", {"enabled", "secret", "secret_command", "secret_env"});
    cfg.report.enabled = r.boolean("enabled", true);
    if (r.has("secret"))
      fail(file, r.get("secret"), "key 'report.secret': a secret value must not be written in a committed file",
           {"remove it from " + file + " and change the webhook's secret (it has been shared with everyone who can read the repository)",
            "the report secret belongs in your own config: reports: [{hook_url: ..., secret_command: ...}] in " +
                std::string("~/.config/bbsot/config.yml")});
    // An earlier bbsot read these from here; kept aside, never used, until the user moves
    // them (git bbsot init asks).
    for (const char* key : {"secret_command", "secret_env"}) {
      if (!r.has(key)) continue;
      (std::string(key) == "secret_command" ? cfg.report.legacy_secret.command : cfg.report.legacy_secret.env) =
          r.str(key);
      cfg.report.legacy_where = where(file, r.get(key));
    }
  }
  return cfg;
}

RepoConfig load_repo_config(const std::string& path) {
  auto text = read_file(path, 1 << 20);
  if (!text) throw ConfigError(text.error(), {"run: git bbsot init"});
  return parse_repo_config(*text, path);
}

}  // namespace bbsot
