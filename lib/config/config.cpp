#include "config/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "base/files.hpp"
#include "base/text.hpp"

namespace bbsot {

const char* to_string(BitbucketType t) { return t == BitbucketType::Cloud ? "bitbucket" : "bitbucket_server"; }

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

// At most one of `<base>`, `<base>_command`, `<base>_env`.
SecretRef parse_secret(const Section& s, const std::string& base, bool allow_literal) {
  SecretRef ref;
  if (s.has(base)) {
    if (!allow_literal)
      fail(s.file(), s.get(base), "key '" + s.name(base) + "': a secret value must not be written in a committed file",
           {"use " + base + "_command: <command that prints it> or " + base +
            "_env: <environment variable>; keep the value out of the repository"});
    ref.value = s.str(base);
  }
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

Account parse_account(const std::string& file, const YAML::Node& node, size_t index) {
  Section s(file, node, "accounts[" + std::to_string(index) + "]",
            {"url", "type", "key", "secret", "secret_command", "secret_env", "username", "token", "token_command",
             "token_env", "token_url", "api_url"});
  Account a;
  a.line = static_cast<int>(node.Mark().line + 1);
  a.type = parse_type(s, "type", BitbucketType::Cloud);
  a.url = s.str("url", a.type == BitbucketType::Cloud ? kCloudUrl : "");
  while (a.url.size() > 1 && a.url.back() == '/') a.url.pop_back();
  if (a.url.empty())
    fail(file, node, "'" + s.name("url") + "' is missing",
         {"a Bitbucket Server account needs url: https://bitbucket.example.com"});
  if (!valid_account_url(a.url))
    fail(file, s.get("url"), "key '" + s.name("url") + "': expected scheme://host[:port][/path], got '" + a.url + "'",
         {"write the URL without user name, query or fragment, e.g. https://bitbucket.org/acme"});
  a.key = s.str("key");
  a.secret = parse_secret(s, "secret", true);
  a.username = s.str("username");
  a.token = parse_secret(s, "token", true);
  a.token_url = s.str("token_url", a.type == BitbucketType::Cloud ? kCloudTokenUrl : "");
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
  if (a.type == BitbucketType::Cloud && (a.key.empty() || a.secret.empty()))
    fail(file, node,
         "account " + a.url + " (bitbucket) needs 'key' and one of 'secret', 'secret_command', 'secret_env'",
         {"create an OAuth consumer in Bitbucket (Workspace settings > OAuth consumers) and put its key and secret "
          "here"});
  if (a.type == BitbucketType::Server && (a.username.empty() || a.token.empty()))
    fail(file, node,
         "account " + a.url + " (bitbucket_server) needs 'username' and one of 'token', 'token_command', 'token_env'",
         {"create an HTTP access token in Bitbucket Server (Manage account > HTTP access tokens)"});
  return a;
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

void check_private(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    throw ConfigError(path + ": readable or writable by group or others (mode " + std::string(mode) +
                          "); it may hold secrets, so bbsot refuses to use it",
                      {"run: chmod 600 " + path});
  }
}

}  // namespace

UserConfig parse_user_config(const std::string& text, const std::string& file) {
  UserConfig cfg;
  cfg.path = file;
  YAML::Node root = parse_yaml(text, file);
  if (!root.IsDefined() || root.IsNull()) return cfg;
  Section top(file, root, "", {"accounts", "ca_file", "connect_timeout", "timeout"});
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
  return cfg;
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
    cfg.report.secret = parse_secret(r, "secret", false);
  }
  return cfg;
}

RepoConfig load_repo_config(const std::string& path) {
  auto text = read_file(path, 1 << 20);
  if (!text) throw ConfigError(text.error(), {"run: git bbsot init"});
  return parse_repo_config(*text, path);
}

}  // namespace bbsot
