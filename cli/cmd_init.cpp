// git bbsot init / uninstall: set a repository up (docs/DESIGN.md "git-bbsot"), flags named as
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
#include "git/git_dir.hpp"
#include "git/remotes.hpp"
#include "guard/clone_state.hpp"
#include "guard/team_file.hpp"
#include "hooks/wiring.hpp"
#include "base/hardening.hpp"
#include "base/web_url.hpp"
#include "bitbucket/bitbucket_url.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

const char* kInitUsage =
    "git bbsot init [--type bitbucket|bitbucket_server] [--repository OWNER/REPO] [--url URL] [--project ID]\n"
    "       [--hook-url URL | --no-hook-url] [--yes] [--source-remote NAME] [--mirror-remote NAME[=URL]]\n"
    "       [--key KEY --secret-command CMD|--secret-env VAR] [--username NAME --token-command CMD|--token-env VAR]\n"
    "       [--report-secret-command CMD|--report-secret-env VAR] [--move-report-secret]\n"
    "       [--fetch-branches BOOL] [--prune-branches BOOL] [--build-pull-requests BOOL]\n"
    "       [--resync-pull-requests BOOL] [--default-branch NAME] [--global] [--webhook]";

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
  // A remote the push hook would take for the source by its URL (the integration's
  // repository on its Bitbucket URL, a stand-in host with a path prefix included) is one.
  if (r.role == RemoteRole::Source && type_given && !in.repository.empty() && !in.url.empty())
    return SourceCandidate{r.name, in.type, in.repository, in.type == BitbucketType::Server ? in.url : ""};
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
// type/repository/url (docs/DESIGN.md "Configuration": auto-detected from URLs when absent).
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
  if (auto v = opt(p, "repository"); !v.empty()) {
    if (auto r = split_repository(v); !r) throw ConfigError("git bbsot init: --repository: " + r.error());
    in.repository = v;
  }
  if (auto v = opt(p, "url"); !v.empty()) {
    if (auto u = parse_web_url(v); !u) throw ConfigError("git bbsot init: --url: " + u.error());
    in.url = v;
  }
  if (auto v = opt(p, "project"); !v.empty()) in.project = v;
  if (auto v = opt(p, "hook-url"); !v.empty()) in.hook_url = v;
  if (auto v = opt(p, "default-branch"); !v.empty()) in.default_branch = v;
  if (auto v = opt(p, "fetch-branches"); !v.empty()) in.fetch_branches = parse_bool("fetch-branches", v);
  if (auto v = opt(p, "prune-branches"); !v.empty()) in.prune_branches = parse_bool("prune-branches", v);
  if (auto v = opt(p, "build-pull-requests"); !v.empty()) in.build_pull_requests = parse_bool("build-pull-requests", v);
  if (auto v = opt(p, "resync-pull-requests"); !v.empty())
    in.resync_pull_requests = parse_bool("resync-pull-requests", v);
  if (!in.fetch_branches) in.prune_branches = false;  // as the platform does
  if (auto v = opt(p, "source-remote"); !v.empty()) cfg.remotes.source = v;
}

// --mirror-remote NAME[=URL]: a remote to add (applied later) and to treat as the mirror.
std::optional<NamedRemote> mirror_remote_flag(const std::string& spec, RepoConfig& cfg,
                                              const std::vector<NamedRemote>& remotes) {
  auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  if (name.empty() || name.find_first_of(" \t/:") != std::string::npos)
    throw ConfigError("git bbsot init: --mirror-remote expects NAME or NAME=URL, got '" + spec + "'");
  cfg.remotes.mirror = name;
  auto cur = std::find_if(remotes.begin(), remotes.end(), [&](const NamedRemote& r) { return r.name == name; });
  if (eq == std::string::npos) {
    if (cur == remotes.end())
      throw ConfigError("git bbsot init: there is no remote '" + name + "'",
                        {"give its URL: --mirror-remote " + name + "=<the platform's git URL>"});
    return std::nullopt;
  }
  const std::string url = spec.substr(eq + 1);
  if (cur != remotes.end()) {
    if (cur->url != url)
      throw ConfigError("git bbsot init: remote '" + name + "' already points at " + redact_remote_url(cur->url),
                        {"run: git remote set-url " + name + " <url>, or choose another name"});
    return std::nullopt;
  }
  return NamedRemote{name, url, RemoteRole::Mirror};
}

// The user's account, when flags describe one, merged into `ucfg`. Literal secrets are
// not accepted on the command line: argv is visible to every user of the machine.
std::optional<std::string> plan_account(const ParsedArgs& p, const IntegrationConfig& in, UserConfig& ucfg) {
  const std::string key = opt(p, "key"), username = opt(p, "username");
  if (key.empty() && username.empty()) return std::nullopt;
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
  if (!upsert_account(ucfg, a)) return "account " + a.url + " already in " + ucfg.path;
  return "account " + a.url + " written to " + ucfg.path + " (mode 0600)";
}

bool on_terminal() { return ::isatty(0) && ::isatty(2); }

// A clone set up with --no-hook-url keeps that choice: running init again (for an
// account, say) does not ask for the hook URL again.
bool already_without_hook_url(const std::string& common_dir) {
  auto s = load_clone_state(common_dir);
  return s && *s && (*s)->integration.hook_url.empty();
}

bool confirm(const std::string& question) {
  const std::string a = ascii_lower(ask(question + " [y/N]"));
  return a == "y" || a == "yes";
}

// Everything init will do, worked out and validated before the first write: a failing
// init changes nothing (docs/DESIGN.md "init is all or nothing").
struct InitPlan {
  std::string work, git_dir, common_dir, cfg_path;
  RepoConfig cfg;
  bool existed = false;
  std::string cfg_before, cfg_after;
  std::optional<NamedRemote> add_remote;
  UserConfig user;
  std::string user_before, user_after;
  std::vector<std::string> user_notes;
  CloneState state;
  std::string state_before, state_after;
  std::vector<std::string> missing;  // each: what is missing, and the flag that supplies it
  std::vector<std::string> notes;    // printed after the actions
};

// Re-running init must not let the checked-out .bbsot.yml loosen the clone's guard: a
// branch or pull request with a hostile file would otherwise make the mirror pushable
// (docs/TRUST.md). What the user typed (--fetch-branches, --source-remote, --mirror-remote)
// or confirmed (--yes, a "y" on a terminal) is consent; anything else looser than the
// record is kept as the record had it, and said. Tightening applies as always.
void keep_guard_unless_consented(InitPlan& plan, const CloneState& before, const ParsedArgs& p, bool ask_ok) {
  GuardRecord& g = plan.state.guard;
  const GuardRecord& b = before.guard;
  std::vector<std::string> looser;
  const bool drop_fetch = b.fetch_branches && !g.fetch_branches && !p.vm.count("fetch-branches");
  if (drop_fetch) looser.push_back("fetch_branches off (the mirror would become pushable)");
  std::vector<std::string> lost_patterns, lost_remotes;
  for (const auto& pat : b.mirror_patterns)
    if (std::find(g.mirror_patterns.begin(), g.mirror_patterns.end(), pat) == g.mirror_patterns.end()) lost_patterns.push_back(pat);
  for (const auto& r : b.mirror_remotes)
    if (std::find(g.mirror_remotes.begin(), g.mirror_remotes.end(), r) == g.mirror_remotes.end()) lost_remotes.push_back(r);
  for (const auto& pat : lost_patterns) looser.push_back("hosts matching " + pat + " no longer the mirror");
  for (const auto& r : lost_remotes) looser.push_back("remote '" + r + "' no longer the mirror");
  const bool other_source =
      !b.source_remote.empty() && g.source_remote != b.source_remote && !p.vm.count("source-remote");
  if (other_source) looser.push_back("remote '" + g.source_remote + "' as the source instead of '" + b.source_remote + "'");
  if (looser.empty() || p.vm.count("yes")) return;
  std::string what;
  for (const auto& l : looser) what += (what.empty() ? "" : "; ") + l;
  if (ask_ok && confirm("The checked-out .bbsot.yml loosens this clone's guard: " + what + ". Apply that")) return;
  if (drop_fetch) {
    g.fetch_branches = true;
    plan.state.integration.fetch_branches = before.integration.fetch_branches;
    plan.state.integration.prune_branches = before.integration.prune_branches;
  }
  for (const auto& pat : lost_patterns) g.mirror_patterns.push_back(pat);
  for (const auto& r : lost_remotes) g.mirror_remotes.push_back(r);
  if (other_source) g.source_remote = b.source_remote;
  plan.notes.push_back("kept this clone's guard as it was: the checked-out .bbsot.yml would loosen it (" + what +
                       "); to accept that, run git bbsot init --yes on a branch whose .bbsot.yml you trust");
}

InitPlan make_plan(const ParsedArgs& p) {
  InitPlan plan;
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot init: " + repo.error(), {"run it inside the repository's work tree"});
  plan.work = repo->workdir();
  if (plan.work.empty()) throw ConfigError("git bbsot init: this is a bare repository; run it in a work tree");
  plan.git_dir = repo->git_dir();
  plan.common_dir = repo->common_dir();
  plan.cfg_path = join_path(plan.work, kRepoConfigName);
  plan.existed = path_exists(plan.cfg_path);
  RepoConfig& cfg = plan.cfg;
  if (plan.existed) {
    cfg = load_repo_config(plan.cfg_path);
    // Compared as bbsot writes it, so a teammate's init does not rewrite the team's file
    // only because its layout differs.
    plan.cfg_before = repo_config_yaml(cfg);
    // A secret reference of an earlier bbsot is not in that rendering: the file changes.
    if (!cfg.report.legacy_secret.empty()) plan.cfg_before += "# report secret reference\n";
  }
  const std::string file_hook_url = cfg.integration.hook_url;
  apply_flags(cfg, p);
  auto listed = list_remotes(plan.git_dir, cfg);
  if (!listed) throw Error("git bbsot init: " + listed.error());
  std::vector<NamedRemote> remotes = *listed;
  if (p.vm.count("mirror-remote")) {
    plan.add_remote = mirror_remote_flag(opt(p, "mirror-remote"), cfg, remotes);
    if (plan.add_remote) remotes.push_back(*plan.add_remote);
  }
  for (auto& r : remotes) r.role = classify_remote(r.name, r.url, cfg);
  const bool type_given = plan.existed || p.vm.count("type") > 0;
  detect_source(cfg, remotes, type_given);
  detect_mirror(cfg, remotes);
  auto& in = cfg.integration;
  const bool ask_ok = on_terminal();
  if (in.repository.empty() && ask_ok) in.repository = ask("Bitbucket repository (owner/repo, or PROJECT/repo for Server)");
  if (in.repository.empty())
    throw ConfigError("git bbsot init: cannot tell which Bitbucket repository this is (" + describe_remotes(remotes) + ")",
                      {"Cloud: pass --repository OWNER/REPO; Server: pass --type bitbucket_server --url "
                       "https://HOST[/context] --repository PROJECT/repo"});
  if (auto r = split_repository(in.repository); !r) throw ConfigError("git bbsot init: repository " + r.error());
  if (in.type == BitbucketType::Server && in.url.empty())
    throw ConfigError("git bbsot init: Bitbucket Server needs its base URL and no remote shows it",
                      {"pass --url https://HOST[/context] (the address you open Bitbucket at)"});
  if (in.url.empty() && in.type == BitbucketType::Cloud) in.url = kCloudUrl;
  // The source again, now that the repository is known (it may have come from the prompt).
  if (cfg.remotes.source.empty()) detect_source(cfg, remotes, true);
  if (cfg.remotes.source.empty() && ask_ok)
    cfg.remotes.source = ask("Which remote is Bitbucket (" + describe_remotes(remotes) + ")? remote name");
  if (cfg.remotes.source.empty())
    plan.missing.push_back("the source remote (no remote's URL names " + in.repository +
                           "): pass --source-remote NAME (" + describe_remotes(remotes) + ")");
  else if (std::none_of(remotes.begin(), remotes.end(), [&](const NamedRemote& r) { return r.name == cfg.remotes.source; }))
    plan.missing.push_back("remote '" + cfg.remotes.source + "' does not exist: add it (git remote add " +
                           cfg.remotes.source + " <Bitbucket URL>) or pass --source-remote NAME");
  if (cfg.remotes.mirror.empty() && remote_with_role(remotes, RemoteRole::Mirror).empty() && ask_ok) {
    const std::string spec = ask("The platform's git remote as NAME=URL (Enter to skip: its URL is then recognised "
                                 "when you add it)");
    if (!spec.empty()) {
      plan.add_remote = mirror_remote_flag(spec, cfg, remotes);
      if (plan.add_remote) remotes.push_back(*plan.add_remote);
      detect_mirror(cfg, remotes);
    }
  }
  if (in.project.empty() && ask_ok) in.project = ask("The platform project id (Enter to skip)");
  if (in.hook_url.empty() && ask_ok && !p.vm.count("no-hook-url"))
    in.hook_url = ask("The integration's hook URL (the platform's integration:get shows it; Enter to set up without "
                      "reports for now)");
  if (!in.hook_url.empty()) {
    // Caught here, not at the first push: the deliverer would refuse every report.
    if (auto problem = endpoint_url_problem(in.hook_url); !problem.empty())
      throw ConfigError("git bbsot init: hook_url " + problem,
                        {"use the https:// hook URL the platform shows for the integration"});
  } else if (!p.vm.count("no-hook-url") && !ask_ok && !already_without_hook_url(plan.common_dir)) {
    plan.missing.push_back(
        "the integration's hook URL: pass --hook-url URL (the platform's integration:get shows it), or "
        "--no-hook-url to set up without reports for now");
  }
  // The user's file: the account, the report secret, the secret reference an earlier
  // bbsot read from .bbsot.yml (moved only with the user's consent).
  plan.user = load_user_config(user_config_path());
  plan.user_before = path_exists(plan.user.path) ? user_config_yaml(plan.user) : "";
  if (auto note = plan_account(p, in, plan.user)) plan.user_notes.push_back(*note);
  SecretRef report_secret{"", opt(p, "report-secret-command"), opt(p, "report-secret-env")};
  if (!report_secret.command.empty() && !report_secret.env.empty())
    throw ConfigError("git bbsot init: give the report secret one way: --report-secret-command or --report-secret-env");
  if (!cfg.report.legacy_secret.empty()) {
    const SecretRef& legacy = cfg.report.legacy_secret;
    const std::string shown = legacy.command.empty() ? "secret_env: " + legacy.env : "secret_command: " + legacy.command;
    const bool consent = p.vm.count("move-report-secret") > 0 ||
                         (ask_ok && confirm(".bbsot.yml names the report secret (" + shown +
                                            "); this bbsot reads it only from your own config. Move it there"));
    if (in.hook_url.empty())
      plan.missing.push_back("the hook URL that the report secret in .bbsot.yml (" + shown + ") belongs to: --hook-url URL");
    else if (!consent && report_secret.empty())
      plan.missing.push_back(".bbsot.yml names the report secret (" + shown + " at " + cfg.report.legacy_where +
                             "), which this bbsot no longer reads from a committed file: pass --move-report-secret "
                             "to move it to your own config");
    else if (report_secret.empty())
      report_secret = legacy;
    cfg.report.legacy_secret = {};  // gone from .bbsot.yml either way once init goes ahead
  }
  if (!report_secret.empty()) {
    if (in.hook_url.empty()) throw ConfigError("git bbsot init: a report secret needs --hook-url (it is kept per hook URL)");
    if (upsert_report_secret(plan.user, in.hook_url, report_secret))
      plan.user_notes.push_back("report secret for " + in.hook_url + " written to " + plan.user.path + " (mode 0600)");
  }
  // Round-trips: init writes only what a later load accepts.
  plan.cfg_after = repo_config_yaml(cfg);
  cfg = parse_repo_config(plan.cfg_after, plan.cfg_path);
  plan.user_after = user_config_yaml(plan.user);
  (void)parse_user_config(plan.user_after, plan.user.path);
  // The clone's record. What the user typed or confirmed here is approved; a hook URL that
  // only the committed file names is shown and confirmed first.
  const bool typed = p.vm.count("hook-url") > 0 || (!file_hook_url.empty() && in.hook_url != file_hook_url);
  bool approve = typed || in.hook_url.empty() || p.vm.count("yes") > 0;
  auto old = load_clone_state(plan.common_dir);
  const std::optional<CloneState> before = old ? *old : std::nullopt;
  plan.state = state_from_config(cfg, cfg.remotes.source, false);
  if (before) {
    plan.state.approved = before->approved;
    plan.state_before = clone_state_json(*before);
    keep_guard_unless_consented(plan, *before, p, ask_ok);
  }
  const Destination dest = current_destination(plan.state);
  if (!approve && is_approved(plan.state, dest)) approve = true;
  if (!approve && ask_ok) approve = confirm("Reports of your pushes will go to " + dest.hook_url + " (" + dest.repository +
                                            "), as .bbsot.yml says. Approve on this machine");
  if (!approve)
    plan.missing.push_back("your approval of where reports go (" + dest.hook_url +
                           ", named by .bbsot.yml): pass --yes to approve it, or --hook-url URL");
  else if (!is_approved(plan.state, dest))
    plan.state.approved.push_back(dest);
  // The record follows the team's file from here on: start from the commit of it that is
  // current now, so only later changes count as changes.
  if (auto c = RefReader(plan.common_dir).id(plan.state.team_ref)) plan.state.team_commit = *c;
  plan.state_after = clone_state_json(plan.state);
  return plan;
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

// git config writes init and uninstall make: each must succeed, or the command stops
// saying which one failed.
void git_must(const std::vector<std::string>& args, const std::string& work) {
  auto r = git_run(args, work);
  std::string shown = "git";
  for (const auto& a : args) shown += " " + a;
  if (!r) throw Error("git bbsot: " + shown + ": " + r.error());
  if (r->exit_code != 0)
    throw Error("git bbsot: " + shown + " failed (exit " + std::to_string(r->exit_code) + ")" +
                (r->err.empty() ? "" : ": " + r->err.substr(0, r->err.find('\n'))));
}

void configure_helper(const std::string& url, bool global, const std::string& work, std::vector<std::string>& done) {
  const std::string scope = global ? "--global" : "--local";
  const std::string key = "credential." + url + ".helper";
  const std::string cur = "\n" + git_out({"config", scope, "--get-all", key}, work) + "\n";
  const std::string value = helper_value();
  if (cur.find("\n" + value + "\n") == std::string::npos && cur.find("\nbbsot\n") == std::string::npos) {
    git_must({"config", scope, "--add", key, value}, work);
    done.push_back("git config " + scope + " " + key + " " + value);
  }
  const std::string path_key = "credential." + url + ".useHttpPath";
  if (git_out({"config", scope, "--type=bool", "--get", path_key}, work) != "true") {
    git_must({"config", scope, path_key, "true"}, work);
    // Recorded so that uninstall removes this entry, and never one the user set.
    git_must({"config", scope, "--add", kPathRecordKey, url}, work);
    done.push_back("git config " + scope + " " + path_key + " true");
  }
}

// The hook wiring (hooks/wiring.hpp): planned before init writes anything, so that a clone
// bbsot cannot wire fails init with nothing changed, and applied last.
HookPlan plan_hooks(const std::string& work) {
  auto plan = plan_hook_wiring(work);
  if (!plan) throw Error("git bbsot init: " + plan.error());
  if (!plan->problem.empty()) throw ConfigError("git bbsot init: " + plan->problem, plan->fixes);
  return std::move(*plan);
}

void install(HookPlan& plan, std::vector<std::string>& done) {
  auto lines = apply_hook_wiring(plan);
  if (!lines) throw Error("git bbsot init: " + lines.error());
  if (lines->empty()) done.push_back("hooks already wired: " + plan.how);
  done.insert(done.end(), lines->begin(), lines->end());
  for (const auto& n : plan.notes) done.push_back("note: " + n);
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
    git_must({"config", scope, "--unset-all", key}, work);
    std::cout << "bbsot: removed " << key << " (" << scope.substr(2) << ")\n";
  }
  if (!urls.empty()) git_must({"config", scope, "--unset-all", kPathRecordKey}, work);
}

}  // namespace

int cmd_init(const Args& args) {
  // Checked while the options are parsed, before init writes anything.
  auto refuse_plain_token_url = [](const std::string& v) {
    if (auto problem = token_url_problem(v); !problem.empty())
      throw ConfigError("git bbsot init: --token-url " + problem,
                        {"pass an https:// token URL, or leave --token-url out to use Bitbucket's"});
  };
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
      "token-url", po::value<std::string>()->notifier(refuse_plain_token_url), "Cloud: OAuth token endpoint (https)")(
      "fetch-branches", po::value<std::string>(), "true|false (default true)")(
      "prune-branches", po::value<std::string>(), "true|false (default true)")(
      "build-pull-requests", po::value<std::string>(), "true|false (default true)")(
      "resync-pull-requests", po::value<std::string>(), "true|false (default false)")(
      "hook-url", po::value<std::string>(), "the integration's webhook URL (https; http only on loopback)")(
      "no-hook-url", "set up without reports for now (no hook URL yet)")(
      "default-branch", po::value<std::string>(), "the integration's default branch (default main)")(
      "mirror-remote", po::value<std::string>(), "NAME[=URL]: the platform's git remote")(
      "source-remote", po::value<std::string>(), "NAME: the Bitbucket remote (detected from URLs otherwise)")(
      "report-secret-command", po::value<std::string>(),
      "command printing the webhook secret (kept in your config, for this hook URL)")(
      "report-secret-env", po::value<std::string>(), "environment variable holding the webhook secret")(
      "move-report-secret", "move a report secret reference that an older .bbsot.yml holds into your config")(
      "yes", "approve the destinations .bbsot.yml names without asking")(
      "global", "configure the credential helper in your global git config")(
      "webhook", "also create or repair the repository webhook to hook_url (as git bbsot webhook --fix)")(
      "secret", po::value<std::string>(), "refused: use --secret-command or --secret-env")(
      "token", po::value<std::string>(), "refused: use --token-command or --token-env");
  auto p = parse_args("init", kInitUsage,
                      "Sets this clone up: .bbsot.yml (no secrets, shared by the team), your account and\n"
                      "report secret (your own 0600 file), the credential helper for the Bitbucket URL,\n"
                      "bbsot's pre-push hook, wired through pre-commit, lefthook, husky or core.hooksPath\n"
                      "when one owns the hooks (existing hooks are kept and chained; see\n"
                      "docs/HOOK-MANAGERS.md), and the clone's record of which remote is the source and\n"
                      "which the mirror, and where reports may go. Nothing is written unless everything\n"
                      "can be; on a terminal it asks for what it cannot detect, elsewhere it names each\n"
                      "missing piece and the flag for it.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  // integration:add takes --secret; here a secret on the command line would be readable by
  // every process on the machine and kept in shell history.
  for (const char* literal : {"secret", "token"})
    if (p.vm.count(literal))
      throw ConfigError(std::string("git bbsot init: --") + literal + " would put the secret on the command line",
                        {std::string("use --") + literal + "-command '<command that prints it>' or --" + literal +
                         "-env <VARIABLE>"});
  InitPlan plan = make_plan(p);
  if (!plan.missing.empty()) {
    std::vector<std::string> hints;
    for (const auto& m : plan.missing) hints.push_back("missing: " + m);
    hints.push_back("nothing was changed");
    throw ConfigError("git bbsot init: cannot finish the set-up (" + std::to_string(plan.missing.size()) +
                          " piece(s) missing)",
                      hints);
  }
  // The hooks' wiring is planned (and may refuse) before the first write too.
  HookPlan hooks = plan_hooks(plan.work);
  // Apply, in the order that leaves the clone guarded as early as possible.
  std::vector<std::string> done;
  const std::string& work = plan.work;
  if (plan.add_remote) {
    auto r = git_run({"remote", "add", plan.add_remote->name, plan.add_remote->url}, work);
    if (!r || r->exit_code != 0) throw Error("git bbsot init: cannot add remote " + plan.add_remote->name);
    done.push_back("remote " + plan.add_remote->name + " added (" + redact_remote_url(plan.add_remote->url) + ")");
  }
  if (plan.cfg_after != plan.cfg_before) {
    auto w = write_file_atomic(plan.cfg_path, plan.cfg_after, 0644);
    if (!w) throw Error(w.error());
    done.push_back(std::string(plan.existed ? "updated " : "wrote ") + plan.cfg_path +
                   " (commit it to share it with your team)");
  }
  if (plan.state_after != plan.state_before) {
    auto s = update_clone_state(plan.common_dir, [&](const std::optional<CloneState>&) { return std::optional(plan.state); });
    if (!s) throw Error("git bbsot init: " + s.error());
    done.push_back("this clone's record written (" + clone_state_path(plan.common_dir) + "): source '" +
                   plan.state.guard.source_remote + "', " +
                   (plan.state.integration.hook_url.empty() ? std::string("no hook URL yet")
                                                            : "reports approved for " + plan.state.integration.hook_url));
  }
  if (plan.user_after != plan.user_before && !plan.user_notes.empty()) {
    auto d = ensure_private_dir(dirname_of(plan.user.path), "the bbsot config directory");
    if (!d) throw Error("git bbsot init: " + d.error());
    auto w = write_file_atomic(plan.user.path, plan.user_after, 0600);
    if (!w) throw Error(w.error());
  }
  for (const auto& n : plan.user_notes) done.push_back(n);
  for (const auto& n : plan.notes) done.push_back(n);
  const IntegrationConfig& in = plan.state.integration;
  const std::string url = integration_account_url(in);
  // The helper's own matcher decides: a broader account (https://bitbucket.org) answers too,
  // and the helper is configured for that account's URL, where it will answer.
  const AccountMatch match = match_account(plan.user.accounts, integration_request(in));
  const bool known = match.account != nullptr;
  if (known) configure_helper(match.account->url, p.vm.count("global") > 0, work, done);
  install(hooks, done);
  for (const auto& d : done) std::cout << "bbsot: " << d << "\n";
  if (done.empty() || std::all_of(done.begin(), done.end(),
                                  [](const std::string& s) { return s.find("already") != std::string::npos; }))
    std::cout << "bbsot: already set up; nothing changed\n";
  if (!known)
    std::cout << "bbsot: no Bitbucket account configured for " << url << "; to let git use bbsot's tokens, run:\n"
              << (in.type == BitbucketType::Cloud
                      ? "    git bbsot init --key <consumer key> --secret-command '<command printing the secret>'\n"
                      : "    git bbsot init --username <you> --token-command '<command printing the token>'\n");
  if (in.hook_url.empty())
    std::cout << "bbsot: pushes are not reported until the integration's hook URL is set: git bbsot init --hook-url URL\n";
  if (p.vm.count("webhook"))
    return ensure_webhook({work, as_repo_config(plan.state), load_user_config(user_config_path()), plan.state}, {},
                          std::cout);
  return kExitOk;
}

int cmd_uninstall(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("global", "also remove the credential helper from your global git config");
  auto p = parse_args("uninstall", "git bbsot uninstall [--global]",
                      "Removes what init wired into the hooks (restoring the hooks that were there\n"
                      "before, in every worktree) and the credential helper entries init added.\n"
                      "Keeps .bbsot.yml, your accounts and the outbox.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot uninstall: " + repo.error());
  const std::string work = repo->workdir().empty() ? repo->git_dir() : repo->workdir();
  auto changes = unwire_hooks(work);
  if (!changes) throw Error("git bbsot uninstall: " + changes.error());
  for (const auto& c : *changes) {
    if (c.starts_with("warning: "))
      print_warning("bbsot: " + c.substr(9));
    else
      std::cout << "bbsot: " << c << "\n";
  }
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
      git_must({"config", scope, "--unset-all", key, kHelperValues}, work);
      std::cout << "bbsot: removed " << key << " (" << scope.substr(2) << ")\n";
    }
    remove_recorded_use_http_path(scope, work);
  }
  ::unlink(join_path(repo->git_dir(), "bbsot-armed").c_str());  // left by bbsot 0.1
  if (path_exists(clone_state_path(repo->common_dir()))) {
    if (::unlink(clone_state_path(repo->common_dir()).c_str()) == 0)
      std::cout << "bbsot: removed this clone's record (" << clone_state_path(repo->common_dir()) << ")\n";
  }
  std::cout << "bbsot: kept " << kRepoConfigName
            << ", your accounts and any undelivered reports (git bbsot report list)\n";
  return kExitOk;
}

}  // namespace bbsot
