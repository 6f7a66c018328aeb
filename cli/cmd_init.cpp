// git bbsot init / uninstall: set a repository up (DESIGN.md "git-bbsot"), flags named as
// the platform CLI's integration:add names them. Idempotent: a second run changes nothing.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/text.hpp"
#include "bitbucket/account_match.hpp"
#include "cli/bitbucket_cli.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "config/config_write.hpp"
#include "git/git_cli.hpp"
#include "git/remote_url.hpp"
#include "history/git_repo.hpp"
#include "history/repo_remotes.hpp"
#include "hooks/install.hpp"
#include "net/http.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

const char* kInitUsage =
    "git bbsot init [--type bitbucket|bitbucket_server] [--repository OWNER/REPO] [--url URL] [--project ID]\n"
    "       [--key KEY --secret-command CMD] [--username NAME --token-command CMD] [--hook-url URL]\n"
    "       [--fetch-branches BOOL] [--prune-branches BOOL] [--build-pull-requests BOOL]\n"
    "       [--resync-pull-requests BOOL] [--mirror-remote NAME[=URL]] [--global] [--webhook]";

// The credential.helper values init writes.
const char* kHelperValues = "^(bbsot|/.*/git-credential-bbsot)$";
// The URLs whose credential.<url>.useHttpPath init set (it was not true before).
const char* kPathRecordKey = "bbsot.useHttpPathSetFor";

bool parse_bool(const std::string& flag, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw ConfigError("git bbsot init: --" + flag + " expects true or false, got '" + v + "'");
}

std::string opt(const ParsedArgs& p, const char* name) { return p.vm.count(name) ? p.vm[name].as<std::string>() : ""; }

std::string ask(const std::string& question) {
  if (!::isatty(0)) return "";
  std::cerr << question << ": " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The host of a configured URL as parse_remote_url spells it (no port, no brackets).
std::string url_host(const std::string& url) {
  std::string h = parse_account_url(url).host;
  if (h.starts_with('[')) return h.substr(1, h.find(']') - 1);
  auto colon = h.rfind(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

bool is_cloud_host(const std::string& host) { return host == "bitbucket.org" || host == "altssh.bitbucket.org"; }

// Index of the `scm` segment of a Server HTTP clone URL (<context>/scm/PROJECT/repo), or -1.
long scm_index(const RemoteUrl& u, const std::vector<std::string>& segs) {
  if (u.scheme != "https" && u.scheme != "http") return -1;
  const size_t n = segs.size();
  return n >= 3 && ascii_lower(segs[n - 3]) == "scm" ? long(n - 3) : -1;
}

// A remote that names a Bitbucket repository, with what it implies.
struct SourceCandidate {
  std::string remote;
  BitbucketType type = BitbucketType::Cloud;
  std::string repository;
  std::string url;  // Server base URL the remote implies ("" for Cloud)
};

// The Server base URL a remote implies: https on its host, plus the context path before /scm/.
std::string server_base_url(const RemoteUrl& u, const std::vector<std::string>& segs, long scm) {
  std::string url = "https://" + u.host;
  if (u.scheme == "https" && u.port) url += ":" + std::to_string(u.port);  // ssh ports say nothing of https
  for (long i = 0; i < scm; ++i) url += "/" + segs[size_t(i)];
  return url;
}

// What `r` says about the source, or nothing when it is not evidently the Bitbucket
// repository. Any host may run Bitbucket Server (git.example.com too), so a non-Cloud host
// counts only with Server evidence: a /scm/ clone path, the Server SSH port 7999, or the
// user naming it (--url on that host, --type bitbucket_server). The platform's remote is
// recognised by classify_remote's mirror patterns, not by its host name.
std::optional<SourceCandidate> source_candidate(const NamedRemote& r, const IntegrationConfig& in, bool type_given) {
  if (r.role == RemoteRole::Mirror) return std::nullopt;
  const RemoteUrl u = parse_remote_url(r.url);
  const std::string key = bitbucket_repo_key(u);
  if (key.empty()) return std::nullopt;
  if (!in.repository.empty() && ascii_lower(in.repository) != key) return std::nullopt;  // another repository
  const bool cloud = is_cloud_host(u.host);
  const std::string named = in.url.empty() ? "" : url_host(in.url);
  if (!named.empty() && named != u.host && !(cloud && is_cloud_host(named))) return std::nullopt;
  const auto segs = path_segments(u.path);
  const long scm = scm_index(u, segs);
  const bool server_evidence = scm >= 0 || (u.scheme == "ssh" && u.port == 7999) || !named.empty() ||
                               (type_given && in.type == BitbucketType::Server);
  if (!cloud && !server_evidence) return std::nullopt;
  SourceCandidate c{r.name, cloud ? BitbucketType::Cloud : BitbucketType::Server, key, ""};
  if (type_given && c.type != in.type) return std::nullopt;
  if (segs.size() >= 2 && (cloud || scm >= 0 || u.scheme == "ssh"))
    c.repository = segs[segs.size() - 2] + "/" + segs.back();  // as the user spelled it
  if (!cloud) c.url = server_base_url(u, segs, scm);
  return c;
}

// One line on what each remote looked like, for the "cannot tell" error.
std::string describe_remotes(const std::vector<NamedRemote>& remotes) {
  std::string out;
  for (const auto& r : remotes) {
    out += (out.empty() ? "" : "; ") + r.name + " = " + redact_remote_url(r.url);
    if (r.role == RemoteRole::Mirror)
      out += " (the platform's mirror)";
    else if (bitbucket_repo_key(parse_remote_url(r.url)).empty())
      out += " (not a Bitbucket repository URL)";
    else
      out += " (no /scm/ path or port 7999: maybe Bitbucket Server, not certain)";
  }
  return out.empty() ? "no remotes" : "remotes: " + out;
}

std::vector<SourceCandidate> source_candidates(const RepoConfig& cfg, const std::vector<NamedRemote>& remotes,
                                               bool type_given) {
  std::vector<SourceCandidate> out;
  for (const auto& r : remotes) {
    if (!cfg.remotes.source.empty() && r.name != cfg.remotes.source) continue;
    auto c = source_candidate(r, cfg.integration, type_given);
    if (!c) continue;
    // The same repository over ssh and https: the https form also carries the context path.
    auto same = std::find_if(out.begin(), out.end(), [&](const SourceCandidate& o) {
      return ascii_lower(o.repository) == ascii_lower(c->repository) && o.type == c->type;
    });
    if (same == out.end())
      out.push_back(*c);
    else if (c->url.size() > same->url.size())
      same->url = c->url;
  }
  return out;
}

// Fills the source remote and, only where the user and .bbsot.yml left them absent,
// type/repository/url (DESIGN: "auto-detected from URLs when absent").
void detect_source(RepoConfig& cfg, const std::vector<NamedRemote>& remotes, bool type_given) {
  auto found = source_candidates(cfg, remotes, type_given);
  if (found.size() > 1) {
    std::string names;
    for (const auto& c : found) names += (names.empty() ? "" : ", ") + c.remote + " (" + c.repository + ")";
    throw ConfigError("git bbsot init: several remotes name a Bitbucket repository: " + names,
                      {"pass --source-remote NAME or --repository OWNER/REPO to say which one is the source"});
  }
  if (found.empty()) return;
  const auto& c = found.front();
  auto& in = cfg.integration;
  if (!type_given) in.type = c.type;
  if (in.repository.empty()) in.repository = c.repository;
  if (in.url.empty() && in.type == BitbucketType::Server) in.url = c.url;
  if (cfg.remotes.source.empty()) cfg.remotes.source = c.remote;
}

void detect_mirror(RepoConfig& cfg, const std::vector<NamedRemote>& remotes) {
  for (const auto& r : remotes) {
    if (r.role != RemoteRole::Mirror) continue;
    if (cfg.remotes.mirror.empty()) cfg.remotes.mirror = r.name;
    RemoteUrl u = parse_remote_url(r.url);
    if (cfg.integration.project.empty() && !u.user.empty() && u.user != "git") cfg.integration.project = u.user;
    return;
  }
}

void apply_flags(RepoConfig& cfg, const ParsedArgs& p) {
  auto& in = cfg.integration;
  if (auto t = opt(p, "type"); !t.empty()) {
    if (t != "bitbucket" && t != "bitbucket_server")
      throw ConfigError("git bbsot init: --type expects bitbucket or bitbucket_server, got '" + t + "'");
    in.type = t == "bitbucket" ? BitbucketType::Cloud : BitbucketType::Server;
  }
  if (auto v = opt(p, "repository"); !v.empty()) in.repository = v;
  if (auto v = opt(p, "url"); !v.empty()) in.url = v;
  if (auto v = opt(p, "project"); !v.empty()) in.project = v;
  if (auto v = opt(p, "hook-url"); !v.empty()) {
    // Caught here, not at the first push: the deliverer would refuse every report.
    if (auto problem = endpoint_url_problem(v); !problem.empty())
      throw ConfigError("git bbsot init: --hook-url " + problem,
                        {"use the https:// hook URL the platform shows for the integration"});
    in.hook_url = v;
  }
  if (auto v = opt(p, "default-branch"); !v.empty()) in.default_branch = v;
  if (auto v = opt(p, "fetch-branches"); !v.empty()) in.fetch_branches = parse_bool("fetch-branches", v);
  if (auto v = opt(p, "prune-branches"); !v.empty()) in.prune_branches = parse_bool("prune-branches", v);
  if (auto v = opt(p, "build-pull-requests"); !v.empty()) in.build_pull_requests = parse_bool("build-pull-requests", v);
  if (auto v = opt(p, "resync-pull-requests"); !v.empty())
    in.resync_pull_requests = parse_bool("resync-pull-requests", v);
  if (!in.fetch_branches) in.prune_branches = false;  // as the platform does
  if (auto v = opt(p, "report-secret-command"); !v.empty()) cfg.report.secret = {"", v, ""};
  if (auto v = opt(p, "report-secret-env"); !v.empty()) cfg.report.secret = {"", "", v};
  if (auto v = opt(p, "source-remote"); !v.empty()) cfg.remotes.source = v;
}

void add_mirror_remote(const std::string& spec, RepoConfig& cfg, const std::string& work) {
  auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  if (name.empty()) throw ConfigError("git bbsot init: --mirror-remote expects NAME or NAME=URL");
  if (eq != std::string::npos) {
    const std::string url = spec.substr(eq + 1);
    const std::string cur = git_out({"remote", "get-url", name}, work);
    if (cur.empty()) {
      auto r = git_run({"remote", "add", name, url}, work);
      if (!r || r->exit_code != 0) throw Error("git bbsot init: cannot add remote " + name);
    } else if (cur != url) {
      throw ConfigError("git bbsot init: remote '" + name + "' already points at " + redact_remote_url(cur),
                        {"run: git remote set-url " + name + " <url>, or choose another name"});
    }
  }
  cfg.remotes.mirror = name;
}

// The user's account, when flags describe one. Literal secrets are not accepted on the
// command line: argv is visible to every user of the machine.
bool update_account(const ParsedArgs& p, const IntegrationConfig& in, std::vector<std::string>& done) {
  const std::string key = opt(p, "key"), username = opt(p, "username");
  if (key.empty() && username.empty()) return false;
  Account a;
  a.type = in.type;
  a.url = integration_account_url(in);
  if (in.type == BitbucketType::Cloud) {
    if (key.empty())
      throw ConfigError("git bbsot init: a Bitbucket Cloud account needs --key (the OAuth consumer key)");
    a.key = key;
    a.secret = {"", opt(p, "secret-command"), opt(p, "secret-env")};
    if (a.secret.empty())
      throw ConfigError(
          "git bbsot init: --key needs --secret-command CMD (or --secret-env VAR) for the consumer secret",
          {"e.g. --secret-command 'pass show bitbucket/oauth-secret'"});
    a.token_url = opt(p, "token-url");  // empty: keep the stored one, or the default
  } else {
    if (username.empty()) throw ConfigError("git bbsot init: a Bitbucket Server account needs --username");
    a.username = username;
    a.token = {"", opt(p, "token-command"), opt(p, "token-env")};
    if (a.token.empty())
      throw ConfigError(
          "git bbsot init: --username needs --token-command CMD (or --token-env VAR) for the HTTP access token");
  }
  const std::string path = user_config_path();
  UserConfig ucfg = load_user_config(path);
  if (!upsert_account(ucfg, a)) {
    done.push_back("account " + a.url + " already in " + path);
    return true;
  }
  auto d = ensure_dir(dirname_of(path), 0700);
  if (!d) throw Error(d.error());
  auto w = write_file_atomic(path, user_config_yaml(ucfg), 0600);
  if (!w) throw Error(w.error());
  done.push_back("account " + a.url + " written to " + path + " (mode 0600)");
  return true;
}

// The helper by absolute path: `bbsot` alone makes git start a second git process to find
// git-credential-bbsot on PATH, which costs more than the helper itself (docs/BENCHMARKS.md).
std::string helper_value() {
  const std::string self = self_exe_path();
  if (self.empty()) return "bbsot";
  std::string path = join_path(dirname_of(self), "git-credential-bbsot");
  // git runs an absolute helper through the shell: keep it to characters that need no quoting.
  if (path.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+") !=
          std::string::npos ||
      ::access(path.c_str(), X_OK) != 0)
    return "bbsot";
  return path;
}

void configure_helper(const std::string& url, bool global, const std::string& work, std::vector<std::string>& done) {
  const std::string scope = global ? "--global" : "--local";
  const std::string key = "credential." + url + ".helper";
  const std::string cur = "\n" + git_out({"config", scope, "--get-all", key}, work) + "\n";
  const std::string value = helper_value();
  if (cur.find("\n" + value + "\n") == std::string::npos && cur.find("\nbbsot\n") == std::string::npos) {
    git_run({"config", scope, "--add", key, value}, work);
    done.push_back("git config " + scope + " " + key + " " + value);
  }
  const std::string path_key = "credential." + url + ".useHttpPath";
  if (git_out({"config", scope, "--type=bool", "--get", path_key}, work) != "true") {
    git_run({"config", scope, path_key, "true"}, work);
    // Recorded so that uninstall removes this entry, and never one the user set.
    git_run({"config", scope, "--add", kPathRecordKey, url}, work);
    done.push_back("git config " + scope + " " + path_key + " true");
  }
}

std::string hooks_dir(const std::string& work) {
  std::string d = git_out({"rev-parse", "--git-path", "hooks"}, work);
  return d.starts_with('/') ? d : join_path(work, d);
}

void install(const std::string& work, std::vector<std::string>& done) {
  const std::string hooks_path = git_out({"config", "core.hooksPath"}, work);
  const std::string dir = hooks_dir(work);
  const std::string manager = detect_hook_manager(hooks_path, dir);
  if (!manager.empty()) {
    done.push_back("hooks: core.hooksPath belongs to " + manager + "; bbsot leaves it alone. To run bbsot from it, " +
                   hook_manager_instructions(manager));
    return;
  }
  auto changes = install_hooks(dir);
  if (!changes) throw Error("git bbsot init: " + changes.error());
  for (const auto& c : *changes) done.push_back("hook " + c.hook + ": " + c.action + " (" + dir + ")");
}

// Only the useHttpPath entries init itself set (kPathRecordKey): the user's own stay.
void remove_recorded_use_http_path(const std::string& scope, const std::string& work) {
  const std::string urls = git_out({"config", scope, "--get-all", kPathRecordKey}, work);
  size_t pos = 0;
  while (pos < urls.size()) {
    size_t end = std::min(urls.find('\n', pos), urls.size());
    const std::string key = "credential." + urls.substr(pos, end - pos) + ".useHttpPath";
    pos = end + 1;
    if (git_out({"config", scope, "--get", key}, work).empty()) continue;
    git_run({"config", scope, "--unset-all", key}, work);
    std::cout << "bbsot: removed " << key << " (" << scope.substr(2) << ")\n";
  }
  if (!urls.empty()) git_run({"config", scope, "--unset-all", kPathRecordKey}, work);
}

}  // namespace

int cmd_init(const Args& args) {
  po::options_description opts("Options (as the platform CLI's integration:add names them)");
  opts.add_options()("type", po::value<std::string>(), "bitbucket (Cloud) or bitbucket_server")(
      "repository", po::value<std::string>(), "owner/repo (Cloud) or PROJECT/repo (Server)")(
      "url", po::value<std::string>(), "Bitbucket Server base URL (Cloud: https://bitbucket.org)")(
      "project", po::value<std::string>(), "the platform project id")(
      "key", po::value<std::string>(), "Cloud: OAuth consumer key")("secret-command", po::value<std::string>(),
                                                                    "Cloud: command printing the consumer secret")(
      "secret-env", po::value<std::string>(), "Cloud: environment variable holding the consumer secret")(
      "username", po::value<std::string>(), "Server: your username")("token-command", po::value<std::string>(),
                                                                     "Server: command printing your HTTP access token")(
      "token-env", po::value<std::string>(), "Server: environment variable holding the token")(
      "token-url", po::value<std::string>(), "Cloud: OAuth token endpoint (default Bitbucket's)")(
      "fetch-branches", po::value<std::string>(), "true|false (default true)")(
      "prune-branches", po::value<std::string>(), "true|false (default true)")(
      "build-pull-requests", po::value<std::string>(), "true|false (default true)")(
      "resync-pull-requests", po::value<std::string>(), "true|false (default false)")(
      "hook-url", po::value<std::string>(), "the integration's webhook URL (https; http only on loopback)")(
      "default-branch", po::value<std::string>(), "the integration's default branch (default main)")(
      "mirror-remote", po::value<std::string>(), "NAME[=URL]: the platform's git remote")(
      "source-remote", po::value<std::string>(), "NAME: the Bitbucket remote (detected from URLs otherwise)")(
      "report-secret-command", po::value<std::string>(), "command printing the webhook secret")(
      "report-secret-env", po::value<std::string>(), "environment variable holding the webhook secret")(
      "global", "configure the credential helper in your global git config")(
      "webhook", "also create or repair the repository webhook to hook_url (as git bbsot webhook --fix)")(
      "secret", po::value<std::string>(), "refused: use --secret-command or --secret-env")(
      "token", po::value<std::string>(), "refused: use --token-command or --token-env");
  auto p = parse_args("init", kInitUsage,
                      "Sets this repository up: .bbsot.yml (no secrets), your account (0600 user file),\n"
                      "the credential helper for the Bitbucket URL, and the pre-push and\n"
                      "reference-transaction hooks (existing hooks are kept and chained).",
                      opts, args, 0);
  if (p.help) return kExitOk;
  // integration:add takes --secret; here a secret on the command line would be readable by
  // every process on the machine and kept in shell history.
  for (const char* literal : {"secret", "token"})
    if (p.vm.count(literal))
      throw ConfigError(std::string("git bbsot init: --") + literal + " would put the secret on the command line",
                        {std::string("use --") + literal + "-command '<command that prints it>' or --" + literal +
                         "-env <VARIABLE>"});
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot init: " + repo.error(), {"run it inside the repository's work tree"});
  const std::string work = repo->workdir();
  if (work.empty()) throw ConfigError("git bbsot init: this is a bare repository; run it in a work tree");
  const std::string cfg_path = join_path(work, kRepoConfigName);
  const bool existed = path_exists(cfg_path);
  RepoConfig cfg;
  if (existed) cfg = load_repo_config(cfg_path);
  const std::string before = existed ? repo_config_yaml(cfg) : "";
  apply_flags(cfg, p);
  if (p.vm.count("mirror-remote")) add_mirror_remote(opt(p, "mirror-remote"), cfg, work);
  auto remotes = list_remotes(*repo, cfg);
  detect_source(cfg, remotes, existed || p.vm.count("type") > 0);
  detect_mirror(cfg, list_remotes(*repo, cfg));
  if (cfg.integration.repository.empty()) cfg.integration.repository = ask("Bitbucket repository (owner/repo)");
  if (cfg.integration.repository.empty())
    throw ConfigError(
        "git bbsot init: cannot tell which Bitbucket repository this is (" + describe_remotes(remotes) + ")",
        {"Cloud: pass --repository OWNER/REPO; Server: pass --type bitbucket_server --url https://HOST[/context] "
         "--repository PROJECT/repo"});
  if (cfg.integration.type == BitbucketType::Server && cfg.integration.url.empty())
    throw ConfigError("git bbsot init: Bitbucket Server needs its base URL and no remote shows it",
                      {"pass --url https://HOST[/context] (the address you open Bitbucket at)"});
  if (cfg.integration.url.empty() && cfg.integration.type == BitbucketType::Cloud) cfg.integration.url = kCloudUrl;
  // Round-trip through the parser: init writes only what a later load accepts.
  cfg = parse_repo_config(repo_config_yaml(cfg), cfg_path);
  std::vector<std::string> done;
  if (repo_config_yaml(cfg) != before) {
    auto w = write_file_atomic(cfg_path, repo_config_yaml(cfg), 0644);
    if (!w) throw Error(w.error());
    done.push_back(std::string(existed ? "updated " : "wrote ") + cfg_path + " (commit it to share it with your team)");
  }
  update_account(p, cfg.integration, done);
  const std::string url = integration_account_url(cfg.integration);
  // The helper's own matcher decides: a broader account (https://bitbucket.org) answers too,
  // and the helper is configured for that account's URL, where it will answer.
  const UserConfig users = load_user_config(user_config_path());
  const AccountMatch match = match_account(users.accounts, integration_request(cfg.integration));
  const bool known = match.account != nullptr;
  if (known) configure_helper(match.account->url, p.vm.count("global") > 0, work, done);
  install(work, done);
  for (const auto& d : done) std::cout << "bbsot: " << d << "\n";
  if (done.empty() || std::all_of(done.begin(), done.end(),
                                  [](const std::string& s) { return s.find("already") != std::string::npos; }))
    std::cout << "bbsot: already set up; nothing changed\n";
  if (!known)
    std::cout << "bbsot: no Bitbucket account configured for " << url << "; to let git use bbsot's tokens, run:\n"
              << (cfg.integration.type == BitbucketType::Cloud
                      ? "    git bbsot init --key <consumer key> --secret-command '<command printing the secret>'\n"
                      : "    git bbsot init --username <you> --token-command '<command printing the token>'\n");
  if (p.vm.count("webhook")) return ensure_webhook({work, cfg, load_user_config(user_config_path())}, {}, std::cout);
  return kExitOk;
}

int cmd_uninstall(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("global", "also remove the credential helper from your global git config");
  auto p = parse_args("uninstall", "git bbsot uninstall [--global]",
                      "Removes bbsot's hooks (restoring the hooks that were there before) and the\n"
                      "credential helper entries init added. Keeps .bbsot.yml, your accounts and the outbox.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot uninstall: " + repo.error());
  const std::string work = repo->workdir().empty() ? repo->git_dir() : repo->workdir();
  auto changes = uninstall_hooks(hooks_dir(work));
  if (!changes) throw Error("git bbsot uninstall: " + changes.error());
  for (const auto& c : *changes) std::cout << "bbsot: hook " << c.hook << ": " << c.action << "\n";
  std::vector<std::string> scopes{"--local"};
  if (p.vm.count("global")) scopes.push_back("--global");
  for (const auto& scope : scopes) {
    const std::string keys =
        git_out({"config", scope, "--name-only", "--get-regexp", "^credential\\..*\\.helper$", kHelperValues}, work);
    size_t pos = 0;
    while (pos < keys.size()) {
      size_t end = keys.find('\n', pos);
      if (end == std::string::npos) end = keys.size();
      const std::string key = keys.substr(pos, end - pos);
      pos = end + 1;
      git_run({"config", scope, "--unset-all", key, kHelperValues}, work);
      std::cout << "bbsot: removed " << key << " (" << scope.substr(2) << ")\n";
    }
    remove_recorded_use_http_path(scope, work);
  }
  ::unlink(armed_marker_path(repo->git_dir()).c_str());
  std::cout << "bbsot: kept " << kRepoConfigName
            << ", your accounts and any undelivered reports (git bbsot report list)\n";
  return kExitOk;
}

}  // namespace bbsot
