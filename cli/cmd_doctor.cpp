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
#include "hooks/wiring_text.hpp"
#include "bitbucket/bitbucket_url.hpp"
#include "base/hardening.hpp"
#include "cli/repo_context.hpp"
#include "git/remotes.hpp"
#include "guard/clone_state.hpp"
#include "hooks/wiring.hpp"
#include "report/retry_policy.hpp"
#include "report/webhook.hpp"
#include "net/ca_policy.hpp"
#include "net/http.hpp"
#include "net/token_source.hpp"
#include "outbox/outbox.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

namespace {

struct Check {
  std::string name, level, detail, fix;  // level: ok | warn | fail
  std::string command;                   // the fix's command, "" when the fix is not one
};

// How a fix is written (issue 16; tests/e2e/test_doctor_fixes.cpp runs every one): a fix
// that is a command ends in "run: COMMAND", COMMAND to the end of the line as it works when
// pasted into a shell in the work tree, in the state doctor saw (it may ask on a terminal,
// as approve and init do), after whatever the text before "run:" says to do first. A note
// after the command is a shell comment ("   # ..."). Anything else is prose naming the
// exact place to change (file, setting, page) and what to change there.
// `command` is what follows the last "run: ", without the comment: doctor --json's field.
std::string command_of(const std::string& fix) {
  const auto at = fix.rfind("run: ");
  if (at == std::string::npos) return "";
  std::string cmd = fix.substr(at + 5);
  if (const auto note = cmd.find("   # "); note != std::string::npos) cmd.resize(note);
  return cmd;
}

class Doctor {
 public:
  void add(std::string name, std::string level, std::string detail, std::string fix = "") {
    std::string command = command_of(fix);
    checks.push_back({std::move(name), std::move(level), std::move(detail), std::move(fix), std::move(command)});
  }
  std::vector<Check> checks;
};

// The hook checks (lib/hooks/wiring) name `git bbsot init` bare, sometimes with a note in
// parentheses: written here the way every fix is.
std::string as_fix(const std::string& text) {
  if (!text.starts_with("git ")) return text;
  const auto note = text.find(" (");
  if (note == std::string::npos || text.back() != ')') return "run: " + text;
  std::string cmd = text.substr(0, note);
  while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
  return "run: " + cmd + "   # " + text.substr(note + 2, text.size() - note - 3);
}


void check_hooks(Doctor& d, const std::string& work) {
  for (auto& c : check_hook_wiring(work)) d.add(c.name, c.level, c.detail, as_fix(c.fix));
}

void check_credentials(Doctor& d, const RepoConfig& cfg, const UserConfig& ucfg, const std::string& work) {
  const std::string url = integration_account_url(cfg.integration);
  const std::string helper = git_out({"config", "--get-urlmatch", "credential.helper", url + "/x.git"}, work);
  const std::string helpers = git_out({"config", "--get-all", "credential." + url + ".helper"}, work);
  AccountMatch m = match_account(ucfg.accounts, integration_request(cfg.integration));
  // init configures the helper for the account that answers; without one, the account
  // comes first (the next check says how).
  if (helper.find("bbsot") == std::string::npos && helpers.find("bbsot") == std::string::npos)
    d.add("credential helper", "warn", "git does not use bbsot for " + url,
          m.account ? "run: git bbsot init"
                    : "add the account first (see the account check); git bbsot init then configures the helper");
  else
    d.add("credential helper", "ok", "configured for " + url);
  if (!m.account) {
    d.add("account", "warn", "no account in " + ucfg.path + " for " + url,
          cfg.integration.type == BitbucketType::Cloud
              ? "git bbsot init --key KEY --secret-command 'COMMAND' with your OAuth consumer's key and a command "
                "printing its secret (Workspace settings > OAuth consumers), or an api_token or access_token account "
                "in " + ucfg.path + " (docs/CONFIGURATION.md)"
              : "git bbsot init --username YOU --token-command 'COMMAND' with a command printing your HTTP access "
                "token (Manage account > HTTP access tokens), or an account in " + ucfg.path);
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
      d.add("token", "fail", t.error(),
            "fix token, token_command or token_env of the account " + m.account->url + " in " + ucfg.path);
    return;
  }
  auto t = obtain_token(*m.account, ucfg);
  if (t)
    d.add("token", "ok", "access token for " + m.account->url + ", scopes: " + t->scopes);
  else
    d.add("token", "fail", t.error(),
          "check key and secret (or secret_command, secret_env) of the account " + m.account->url + " in " + ucfg.path +
              " against the consumer in Workspace settings > OAuth consumers");
}

// The integration's endpoint, probed the way a report would find it: a POST of an empty
// JSON object (signed when reports are signed), judged by the delivery's own failure
// classes (docs/RELIABILITY.md): an answer that would park a report fails with the status
// named; 2xx, or 400/422 to the empty probe, shows a receiver is there. Nothing is sent to
// a destination this machine has not approved.
void check_hook_url(Doctor& d, const CloneState& state, const UserConfig* ucfg) {
  const Destination dest = current_destination(state);
  const std::string& url = dest.hook_url;
  if (url.empty()) {
    d.add("hook_url", "warn", "no hook_url: pushes are not reported to the integration",
          "git bbsot init --hook-url URL, with the hook URL the platform shows for the integration");
    return;
  }
  if (auto problem = endpoint_url_problem(url); !problem.empty()) {
    d.add("hook_url", "fail", "integration.hook_url: " + problem,
          "git bbsot init --hook-url URL, with the https:// hook URL the platform shows for the integration; reports "
          "wait in the outbox meanwhile");
    return;
  }
  if (!is_approved(state, dest)) {
    d.add("hook_url", "fail", url + " (from the team's .bbsot.yml) is not approved on this machine; reports wait",
          "run: git bbsot approve");
    return;
  }
  if (!ucfg) return;
  HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = "{}";
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "bbsot-doctor/" BBSOT_VERSION}};
  if (const ReportSecret* rs = report_secret_for(*ucfg, url)) {
    if (auto secret = resolve_secret(rs->secret, "report secret for " + url))
      req.headers.emplace_back("X-Hub-Signature", "sha256=" + hmac_sha256_hex(*secret, req.body));
    else
      d.add("report secret", "fail", secret.error(),
            "fix the secret of hook_url " + url + " under reports: in " + ucfg->path);
  }
  req.ca_file = ca_file_for(*ucfg, url);
  req.connect_timeout_ms = ucfg->connect_timeout_ms;
  req.timeout_ms = std::min(ucfg->timeout_ms, 10000);
  req.allow_plain_http_loopback = true;
  HttpFailure kind = HttpFailure::None;
  auto r = http_request(req, &kind);
  if (!r) {
    const AttemptOutcome o = classify_failure(kind, r.error());
    d.add("hook_url", "fail", r.error() + (o.verdict == Verdict::Reject ? " (reports would be parked as rejected)" : ""),
          "check the network path to " + url +
              " (proxy, firewall, ca_file in " + ucfg->path + "); reports wait in the outbox meanwhile");
    return;
  }
  const long s = r->status;
  const AttemptOutcome o = classify_answer(*r, url, now_epoch());
  if (o.verdict == Verdict::Delivered || s == 400 || s == 422)
    d.add("hook_url", "ok", url + " answers (HTTP " + std::to_string(s) + " to an empty probe)");
  else if (o.verdict == Verdict::Retry)
    d.add("hook_url", "warn", o.detail + ": reports are retried until it answers",
          "check the integration on the platform; nothing to change here");
  else
    d.add("hook_url", "fail", o.detail + ": a report would be parked as rejected",
          "git bbsot init --hook-url URL, with the hook URL the platform shows for the integration");
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
  const std::string cfg_dir = dirname_of(user_config_path());
  for (const auto& [path, what] : {std::pair<std::string, std::string>{user_cache_dir(), "the token cache directory"},
                                   {join_path(common, "bbsot"), "bbsot's directory in the repository"},
                                   {join_path(common, "bbsot/outbox"), "the outbox"},
                                   {cfg_dir, "the bbsot config directory"}}) {
    if (!path_exists(path)) continue;
    auto s = check_private_path(path, what, path != cfg_dir, true);
    if (s) continue;
    // base/hardening's message ends in "; run: COMMAND" naming the path as is: quoted here
    // for the shell, where a path may hold any character.
    const auto fix = s.error().rfind("; run: ");
    if (fix == std::string::npos) {
      d.add("permissions", "fail", s.error(), "make " + path + " yours, or remove it and let bbsot recreate it");
      return;
    }
    std::string cmd = s.error().substr(fix + 7);
    const std::string quoted = sh_quote(path);
    for (size_t at = 0; quoted != path && (at = cmd.find(" " + path, at)) != std::string::npos; at += quoted.size() + 1)
      cmd.replace(at + 1, path.size(), quoted);
    d.add("permissions", "fail", s.error().substr(0, fix), "run: " + cmd);
    return;
  }
  d.add("permissions", "ok", "token cache, outbox and config directory are private and yours");
}

// The clone's record: the guard and the approved destinations.
bool check_record(Doctor& d, const RepoContext& ctx, const std::string& work) {
  if (!ctx.state_error.empty()) {
    d.add("clone record", "fail", ctx.state_error + " (pushes to the mirror are refused by URL only)",
          "run: git bbsot init");
    return false;
  }
  if (!ctx.state) {
    const bool old_setup = path_exists(join_path(work, kRepoConfigName));
    d.add("clone record", "fail",
          old_setup ? std::string("this clone was set up by an earlier bbsot (or only has the template's hooks): the "
                                  "guard follows the checked-out .bbsot.yml and reports wait for your approval")
                    : std::string("this clone is not set up"),
          "run: git bbsot init");
    return false;
  }
  d.add("clone record", "ok",
        "source '" + ctx.state->guard.source_remote + "', mirror " +
            (ctx.state->guard.mirror_remotes.empty() ? std::string("by URL") : "'" + ctx.state->guard.mirror_remotes.front() + "'") +
            (ctx.state->guard.fetch_branches ? ", pushes to it refused" : ", pushable (fetch_branches is off)"));
  if (!ctx.state->team_problem.empty())
    d.add("team file", "warn", ctx.state->team_problem,
          "fix .bbsot.yml on the default branch (" + ctx.state->integration.default_branch + ") and push it");
  for (const auto& n : ctx.state->pending.notes)
    d.add("team file", "warn", n + " (waits for your approval)", "run: git bbsot approve");
  return true;
}

void check_outbox(Doctor& d, const std::string& common) {
  const OutboxListing l = Outbox(common).list();
  int rejected = 0, unconfirmed = 0;
  for (const auto& r : l.records) {
    rejected += r.state == RecordState::Rejected;
    unconfirmed += r.state == RecordState::Unconfirmed;
  }
  if (rejected > 0)
    d.add("reports", "fail", std::to_string(rejected) + " report(s) rejected by the endpoint (git bbsot report list)",
          "once the endpoint accepts them (see hook_url), run: git bbsot report retry --all");
  if (unconfirmed > 0) {
    std::string ids;
    for (const auto& r : l.records)
      if (r.state == RecordState::Unconfirmed) ids += (ids.empty() ? "" : ", ") + r.id;
    d.add("reports", "warn",
          std::to_string(unconfirmed) + " report(s) unconfirmed (" + ids +
              "): bbsot cannot tell whether their push landed",
          "for each, check on Bitbucket whether the push landed: if it did, git bbsot report send ID, else git bbsot "
          "report drop ID");
  }
  for (const auto& u : l.unreadable)
    d.add("reports", "warn", "unreadable record " + u.file + ": " + u.reason + " (kept)",
          "look at " + join_path(Outbox(common).dir(), u.file) + " and remove it once nothing in it is needed");
  if (rejected == 0 && unconfirmed == 0 && l.unreadable.empty()) d.add("reports", "ok", std::to_string(l.records.size()) + " record(s), none stuck");
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
  const RepoContext ctx = open_repo_context("doctor", false);
  if (ctx.work_tree.empty()) throw ConfigError("git bbsot doctor: run it in the repository's work tree");
  const std::string work = ctx.work_tree;
  const std::string cfg_path = join_path(work, kRepoConfigName);
  try {
    if (path_exists(cfg_path)) {
      RepoConfig file = load_repo_config(cfg_path);
      refuse_legacy_secret(file);
      d.add("config", "ok", cfg_path + " is valid");
    } else {
      d.add("config", ctx.state ? "warn" : "fail", cfg_path + " does not exist on this branch",
            ctx.state ? "" : "run: git bbsot init");
    }
  } catch (const ConfigError& e) {
    const bool legacy = std::string(e.what()).find("cannot name a secret") != std::string::npos;
    d.add("config", "fail", e.what(),
          legacy ? "run: git bbsot init --move-report-secret" : (e.hints().empty() ? "" : e.hints()[0]));
  }
  std::optional<UserConfig> ucfg;
  try {
    ucfg = load_user_config(user_config_path());
    d.add("user config", "ok",
          user_config_path() + (path_exists(user_config_path()) ? " is valid and private" : " (none yet)"));
  } catch (const ConfigError& e) {
    d.add("user config", "fail", e.what(), e.hints().empty() ? "" : e.hints()[0]);
  }
  const bool recorded = check_record(d, ctx, work);
  if (recorded) {
    const RepoConfig& cfg = ctx.cfg;
    auto remotes = list_remotes(ctx.git_dir, cfg);
    const std::string src = remotes ? remote_with_role(*remotes, RemoteRole::Source) : "",
                      mir = remotes ? remote_with_role(*remotes, RemoteRole::Mirror) : "";
    if (src.empty()) {
      // The recorded remote is gone (or now points at the mirror): put it back under its name.
      const std::string name = ctx.state->guard.source_remote;
      const std::string have = name.empty() ? "" : git_out({"remote", "get-url", name}, work);
      auto repo = split_repository(cfg.integration.repository);
      const std::string clone =
          repo ? repo_clone_url(cfg.integration.type,
                                cfg.integration.url.empty() ? std::string(kCloudUrl) : cfg.integration.url, *repo)
               : "";
      d.add("source remote", "fail", "no remote points at " + cfg.integration.repository,
            !name.empty() && have.empty() && !clone.empty()
                ? "run: git remote add " + sh_quote(name) + " " + sh_quote(clone)
                : "point a remote at " + cfg.integration.repository +
                      " on Bitbucket, then: git bbsot init --source-remote NAME");
    } else
      d.add("source remote", "ok", src);
    if (mir.empty())
      d.add("mirror remote", "warn", "no platform remote found (one added later is recognised by its URL)",
            "git bbsot init --mirror-remote NAME=URL, with the platform's git URL for this repository");
    else
      d.add("mirror remote", "ok", mir);
  }
  check_hooks(d, work);
  if (recorded) {
    // Accounts, CA file and timeouts live in the user file: checked only once it loads.
    if (ucfg) check_credentials(d, ctx.cfg, *ucfg, work);
    check_hook_url(d, *ctx.state, ucfg ? &*ucfg : nullptr);
    auto add = [&d](std::string n, std::string l, std::string de, std::string f) {
      d.add(std::move(n), std::move(l), std::move(de), std::move(f));
    };
    if (ucfg && match_account(ucfg->accounts, integration_request(ctx.cfg.integration)).account)
      check_bitbucket_side(add, *ctx.state, *ucfg);
  }
  check_outbox(d, ctx.common_dir);
  check_permissions(d, ctx.common_dir);
  bool failed = false;
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : d.checks) {
    failed = failed || c.level == "fail";
    arr.push_back({{"check", c.name}, {"level", c.level}, {"detail", c.detail}, {"fix", c.fix}, {"command", c.command}});
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
