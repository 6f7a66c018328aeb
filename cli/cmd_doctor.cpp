// git bbsot doctor: one line per check with ok / warn / fail and the fix.
#include <iostream>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "base/clock.hpp"
#include "base/files.hpp"
#include "bitbucket/account_match.hpp"
#include "cli/doctor_bitbucket.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "history/repo_remotes.hpp"
#include "hooks/install.hpp"
#include "net/ca_policy.hpp"
#include "net/http.hpp"
#include "net/token_source.hpp"
#include "outbox/outbox.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

namespace {

struct Check {
  std::string name, level, detail, fix;  // level: ok | warn | fail
};

class Doctor {
 public:
  void add(std::string name, std::string level, std::string detail, std::string fix = "") {
    checks.push_back({std::move(name), std::move(level), std::move(detail), std::move(fix)});
  }
  std::vector<Check> checks;
};

std::string mode_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", st.st_mode & 07777);
  return buf;
}

void check_hooks(Doctor& d, const std::string& work) {
  const std::string hooks_path = git_out({"config", "core.hooksPath"}, work);
  std::string dir = git_out({"rev-parse", "--git-path", "hooks"}, work);
  if (!dir.starts_with('/')) dir = join_path(work, dir);
  const std::string manager = detect_hook_manager(hooks_path, dir);
  for (const auto& h : kBbsotHooks) {
    const std::string path = join_path(dir, h);
    if (!is_bbsot_hook(path, h)) {
      if (!manager.empty())
        d.add("hook " + h, "warn", "hooks are managed by " + manager + "; bbsot must be called from it",
              hook_manager_instructions(manager));
      else
        d.add("hook " + h, "fail", "not installed in " + dir, "run: git bbsot init");
      continue;
    }
    if (::access(path.c_str(), X_OK) != 0)
      d.add("hook " + h, "fail", path + " points at a missing program", "reinstall bbsot, then run: git bbsot init");
    else {
      char buf[4096];
      ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
      std::string target = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      if (target == hook_program(h))
        d.add("hook " + h, "ok", "installed, bbsot " BBSOT_VERSION);
      else
        d.add("hook " + h, "warn", "points at another bbsot installation: " + target, "run: git bbsot init");
    }
  }
}

void check_credentials(Doctor& d, const RepoConfig& cfg, const UserConfig& ucfg, const std::string& work) {
  const std::string url = integration_account_url(cfg.integration);
  const std::string helper = git_out({"config", "--get-urlmatch", "credential.helper", url + "/x.git"}, work);
  const std::string helpers = git_out({"config", "--get-all", "credential." + url + ".helper"}, work);
  if (helper.find("bbsot") == std::string::npos && helpers.find("bbsot") == std::string::npos)
    d.add("credential helper", "warn", "git does not use bbsot for " + url,
          "run: git bbsot init --key ... (Cloud) or --username ... (Server)");
  else
    d.add("credential helper", "ok", "configured for " + url);
  AccountMatch m = match_account(ucfg.accounts, integration_request(cfg.integration));
  if (!m.account) {
    d.add("account", "warn", "no account in " + ucfg.path + " for " + url,
          "run: git bbsot init --key ... --secret-command ...");
    return;
  }
  if (m.account->kind != AccountKind::OAuthConsumer) {
    auto t =
        resolve_secret(m.account->token, std::string(to_string(m.account->kind)) + " of account " + m.account->url);
    if (t)
      d.add("token", "ok",
            m.account->type == BitbucketType::Server
                ? "Server access token available for " + m.account->username
                : std::string(to_string(m.account->kind)) + " available for " + m.account->url);
    else
      d.add("token", "fail", t.error(), "fix token/token_command/token_env in " + ucfg.path);
    return;
  }
  auto t = obtain_token(*m.account, ucfg);
  if (t)
    d.add("token", "ok", "access token for " + m.account->url + ", scopes: " + t->scopes);
  else
    d.add("token", "fail", t.error(), "check key and secret of " + m.account->url + " in " + ucfg.path);
}

void check_hook_url(Doctor& d, const RepoConfig& cfg, const UserConfig& ucfg) {
  const std::string& url = cfg.integration.hook_url;
  if (url.empty()) {
    d.add("hook_url", "warn", "no hook_url: pushes are not reported to the integration",
          "add integration.hook_url to .bbsot.yml (the integration's webhook URL)");
    return;
  }
  if (auto problem = endpoint_url_problem(url); !problem.empty()) {
    d.add("hook_url", "fail", "integration.hook_url in " + std::string(kRepoConfigName) + ": " + problem,
          "use the https:// hook URL the platform shows for the integration; reports wait in the outbox meanwhile");
    return;
  }
  HttpRequest req;
  req.method = "GET";
  req.url = url;
  req.ca_file = ca_file_for(ucfg, url);
  req.connect_timeout_ms = ucfg.connect_timeout_ms;
  req.timeout_ms = std::min(ucfg.timeout_ms, 10000);
  req.allow_plain_http_loopback = true;
  auto r = http_request(req);
  if (!r) {
    d.add("hook_url", "fail", r.error(), "check the URL and the network; reports wait in the outbox meanwhile");
    return;
  }
  d.add("hook_url", "ok", url + " answers (HTTP " + std::to_string(r->status) + ")");
  // Token expiry is computed from our clock: compare it with the server's.
  const std::string date = r->header("date");
  struct tm tm = {};
  if (!date.empty() && strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    int64_t skew = static_cast<int64_t>(timegm(&tm)) - now_epoch();
    if (skew > 120 || skew < -120)
      d.add("clock", "warn", "this machine's clock is " + std::to_string(skew) + " s off the server's",
            "enable time synchronisation (systemd-timesyncd or chrony)");
    else
      d.add("clock", "ok", "within " + std::to_string(skew < 0 ? -skew : skew) + " s of the server");
  }
}

void check_permissions(Doctor& d, const std::string& common) {
  for (const auto& [path, want] :
       {std::pair<std::string, std::string>{user_cache_dir(), "0700"}, {join_path(common, "bbsot/outbox"), "0700"}}) {
    const std::string m = mode_of(path);
    if (m.empty() || m == want) continue;
    d.add("permissions", "fail", path + " has mode " + m, "run: chmod " + want.substr(1) + " " + path);
    return;
  }
  d.add("permissions", "ok", "token cache and outbox are private");
}

}  // namespace

int cmd_doctor(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("json", "machine-readable output");
  auto p = parse_args("doctor", "git bbsot doctor [--json]",
                      "Checks the set-up: configuration, remotes, hooks, credential helper and token,\n"
                      "hook_url over TLS, file permissions, clock; with an account, the token's kind, expiry\n"
                      "and permissions and the integration's webhook on Bitbucket. Exit 1 when a check fails.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  Doctor d;
  auto repo = GitRepo::open_from_env();
  if (!repo || repo->workdir().empty()) throw ConfigError("git bbsot doctor: run it in the repository's work tree");
  const std::string work = repo->workdir();
  RepoConfig cfg;
  UserConfig ucfg;
  bool cfg_ok = true, ucfg_ok = true;
  try {
    cfg = load_repo_config(join_path(work, kRepoConfigName));
    d.add("config", "ok", join_path(work, kRepoConfigName) + " is valid");
  } catch (const ConfigError& e) {
    d.add("config", "fail", e.what(), e.hints().empty() ? "" : e.hints()[0]);
    cfg_ok = false;
  }
  try {
    ucfg = load_user_config(user_config_path());
    d.add("user config", "ok",
          user_config_path() + (path_exists(user_config_path()) ? " is valid and private" : " (none yet)"));
  } catch (const ConfigError& e) {
    d.add("user config", "fail", e.what(), e.hints().empty() ? "" : e.hints()[0]);
    ucfg_ok = false;
  }
  if (cfg_ok) {
    auto remotes = list_remotes(*repo, cfg);
    const std::string src = remote_with_role(remotes, RemoteRole::Source),
                      mir = remote_with_role(remotes, RemoteRole::Mirror);
    if (src.empty())
      d.add("source remote", "fail", "no remote points at " + cfg.integration.repository,
            "git remote add origin <Bitbucket URL>");
    else
      d.add("source remote", "ok", src);
    if (mir.empty())
      d.add("mirror remote", "warn", "no platform remote found",
            "git bbsot init --mirror-remote platform=<platform git URL>");
    else
      d.add("mirror remote", "ok", mir);
  }
  check_hooks(d, work);
  if (cfg_ok) {
    // Accounts, CA file and timeouts live in the user file: checked only once it loads.
    if (ucfg_ok) check_credentials(d, cfg, ucfg, work);
    check_hook_url(d, cfg, ucfg);
    auto add = [&d](std::string n, std::string l, std::string de, std::string f) {
      d.add(std::move(n), std::move(l), std::move(de), std::move(f));
    };
    if (ucfg_ok && match_account(ucfg.accounts, integration_request(cfg.integration)).account)
      check_bitbucket_side(add, cfg, ucfg);
  }
  check_permissions(d, repo->common_dir());
  bool failed = false;
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : d.checks) {
    failed = failed || c.level == "fail";
    arr.push_back({{"check", c.name}, {"level", c.level}, {"detail", c.detail}, {"fix", c.fix}});
  }
  if (p.vm.count("json")) {
    std::cout << arr.dump(2) << "\n";
  } else {
    const bool colour = use_colour();
    for (const auto& c : d.checks) {
      const char* col = c.level == "ok" ? "\033[32m" : c.level == "warn" ? "\033[33m" : "\033[31m";
      std::cout << (colour ? col : "") << (c.level + "    ").substr(0, 5) << (colour ? "\033[0m" : "") << c.name << ": "
                << c.detail << "\n";
      if (!c.fix.empty() && c.level != "ok") std::cout << "      fix: " << c.fix << "\n";
    }
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace bbsot
