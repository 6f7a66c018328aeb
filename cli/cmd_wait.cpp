// git bbsot wait [BRANCH|COMMIT]: after a push, waits until every build status Bitbucket
// shows on the commit is final (whatever posted them: the platform, Pipelines, another
// CI), then prints each. Exit 0 all successful, 1 any not, 3 timed out (also when no
// status appeared in time). Polling is polite: growing pauses, Retry-After honoured.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "net/http.hpp"
#include "api/pull_requests.hpp"
#include "base/clock.hpp"
#include "cli/bitbucket_cli.hpp"
#include "cli/options.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "git/remotes.hpp"

namespace bbsot {

namespace {

using Clock = std::chrono::steady_clock;

const char* kUsage = "git bbsot wait [BRANCH|COMMIT] [--timeout SECONDS] [--appear-timeout SECONDS] [--json]";

constexpr int kFirstPauseMs = 2000;
constexpr int kMaxPauseMs = 30000;

int seconds_option(const ParsedArgs& p, const char* name, int fallback) {
  if (!p.vm.count(name)) return fallback;
  const std::string v = p.vm[name].as<std::string>();
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 1 || n > 86400)
    throw ConfigError(
        "git bbsot wait: --" + std::string(name) + " expects seconds between 1 and 86400, got '" + v + "'",
        {std::string("usage: ") + kUsage});
  return static_cast<int>(n);
}

// The commit Bitbucket has for `what`: the source's remote-tracking branch when there is
// one (what was pushed), else whatever git resolves it to.
std::string resolve_commit(const std::string& work, const std::string& source, std::string what) {
  if (what.empty()) {
    what = git_out({"symbolic-ref", "--quiet", "--short", "HEAD"}, work);
    if (what.empty()) what = "HEAD";
  }
  if (!source.empty() && what != "HEAD") {
    std::string tracked = git_out({"rev-parse", "--verify", "--quiet", "refs/remotes/" + source + "/" + what}, work);
    if (!tracked.empty()) return tracked;
  }
  if (what.starts_with("-"))
    throw ConfigError("git bbsot wait: '" + what + "' is not a branch or commit", {std::string("usage: ") + kUsage});
  std::string id = git_out({"rev-parse", "--verify", "--quiet", what + "^{commit}"}, work);
  if (id.empty())
    throw ConfigError("git bbsot wait: '" + what + "' is not a branch or commit here",
                      {"give a branch pushed to Bitbucket, or a commit id"});
  return id;
}

std::string label(const BuildStatus& b) { return b.name.empty() ? b.key : b.name; }

nlohmann::ordered_json statuses_json(const std::vector<BuildStatus>& s) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& b : s)
    arr.push_back(
        {{"key", b.key}, {"name", b.name}, {"state", b.state}, {"url", b.url}, {"description", b.description}});
  return arr;
}

}  // namespace

int cmd_wait(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("timeout", po::value<std::string>(), "give up after SECONDS (default 1800)")(
      "appear-timeout", po::value<std::string>(), "give up when no build status appears within SECONDS (default 300)")(
      "json", "machine-readable output");
  auto p = parse_args("wait", kUsage,
                      "Waits until every build status Bitbucket shows on the commit (default: the current\n"
                      "branch as last pushed) is final, then prints each one's state, name and URL.\n"
                      "Exit 0 when all succeeded, 1 when any did not, 3 on timeout.",
                      opts, args, 1);
  if (p.help) return kExitOk;
  const int timeout_s = seconds_option(p, "timeout", 1800);
  const int appear_s = seconds_option(p, "appear-timeout", 300);
  const bool json = p.vm.count("json") > 0;
  BitbucketContext c = load_bitbucket_context("wait");
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot wait: " + repo.error());
  auto remotes = list_remotes(repo->git_dir(), c.repo);
  if (!remotes) throw Error("git bbsot wait: " + remotes.error());
  const std::string source = remote_with_role(*remotes, RemoteRole::Source);
  const std::string commit = resolve_commit(c.work, source, p.positional.empty() ? "" : p.positional[0]);
  const BitbucketTarget target = require_target(c, "wait");
  RestClient api(target, c.user);

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(timeout_s);
  const auto appear_deadline = start + std::chrono::seconds(std::min(appear_s, timeout_s));
  const bool progress = !json && ::isatty(2);
  int pause_ms = kFirstPauseMs;
  std::vector<BuildStatus> statuses;
  std::string result;
  bool warned = false;
  for (;;) {
    auto r = build_statuses(api, commit);
    if (!r) {
      const long st = r.error().status;
      if (st == 401 || st == 403 || st == 404 || (st >= 400 && st < 500 && st != 429)) throw_api_error(r.error());
      if (!warned) print_warning("bbsot: " + r.error().message + "; still waiting");
      warned = true;
    } else {
      statuses = *r;
    }
    const size_t done = static_cast<size_t>(std::count_if(
        statuses.begin(), statuses.end(), [](const BuildStatus& b) { return build_state_final(b.state); }));
    if (!statuses.empty() && done == statuses.size()) {
      result = std::all_of(statuses.begin(), statuses.end(),
                           [](const BuildStatus& b) { return build_state_successful(b.state); })
                   ? "successful"
                   : "failed";
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline || (statuses.empty() && now >= appear_deadline)) {
      result = statuses.empty() ? "none" : "timeout";
      break;
    }
    if (progress) {
      const long secs = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(now - start).count());
      std::cerr << "\rwaiting for " << commit.substr(0, 12) << ": "
                << (statuses.empty() ? std::string("no build status yet")
                                     : std::to_string(done) + " of " + std::to_string(statuses.size()) + " final")
                << " (" << secs << " s)\033[K" << std::flush;
    }
    // Bitbucket's own Retry-After, when it sent one, is the least pause.
    long pause = pause_ms;
    for (const auto& [k, v] : api.last_headers())
      if (k == "retry-after") pause = std::max(pause, parse_retry_after(v, now_epoch()) * 1000);
    const auto until = std::min(Clock::now() + std::chrono::milliseconds(pause),
                                statuses.empty() ? std::min(deadline, appear_deadline) : deadline);
    std::this_thread::sleep_until(until);
    pause_ms = std::min(pause_ms * 3 / 2, kMaxPauseMs);
  }
  if (progress) std::cerr << "\r\033[K" << std::flush;
  if (json) {
    std::cout << nlohmann::ordered_json{{"commit", commit},
                                        {"repository", target.repo_label()},
                                        {"result", result},
                                        {"statuses", statuses_json(statuses)}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& b : statuses)
      std::cout << b.state << "  " << label(b) << (b.url.empty() ? "" : "  " + b.url) << "\n";
  }
  const std::string what = commit.substr(0, 12) + " on " + target.repo_label();
  if (result == "successful") {
    if (!json) std::cout << "bbsot: every build on " << what << " succeeded\n";
    return kExitOk;
  }
  if (result == "failed") {
    if (!json) print_error("a build on " + what + " did not succeed");
    return kExitFailed;
  }
  if (!json) {
    if (result == "none")
      print_error(
          "no build status appeared on " + what + " within " + std::to_string(std::min(appear_s, timeout_s)) + " s",
          {"check that the integration's webhook is right: git bbsot webhook"});
    else
      print_error("the builds on " + what + " were not final within " + std::to_string(timeout_s) + " s",
                  {"wait longer: git bbsot wait --timeout SECONDS"});
  }
  return kExitTimeout;
}

}  // namespace bbsot
