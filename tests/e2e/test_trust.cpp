// The trust boundary (docs/TRUST.md; issue 11): what a committed .bbsot.yml can and
// cannot make bbsot do on a teammate's machine, and the guard that holds on every branch.
// Each test is a reproduction that failed on bbsot 0.1: the attacker commits to the
// repository (or to a branch the victim checks out), the victim is a teammate whose clone
// was set up with `git bbsot init`.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <regex>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "net/http.hpp"
#include "repo_fixture.hpp"

extern char** environ;

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Trust : public RepoFixture {
 protected:
  void SetUp() override {
    RepoFixture::SetUp();
    write_team_config();
    commit_team_config("Set up bbsot");
    git_ok({"push", "-q", "origin", "main"});
    init_clone();
  }

  // A teammate's commit on Bitbucket's main, as the victim's next fetch brings it.
  void teammate_commits_config(const std::string& text) {
    const std::string mate = tmp_.path() + "/mate";
    if (!fs::exists(mate)) git_ok({"clone", "-q", origin_, mate}, tmp_.path());
    git_ok({"pull", "-q", "--ff-only"}, mate);
    write_file(mate + "/.bbsot.yml", text);
    git_ok({"add", ".bbsot.yml"}, mate);
    git_ok({"commit", "-q", "-m", "Change the integration"}, mate);
    git_ok({"push", "-q", "origin", "main"}, mate);
    git_ok({"fetch", "-q", "origin"});
  }
};

// bbsot 0.1 ran report.secret_command from the committed file with sh -c on every
// teammate's machine, and sent every push to whatever hook_url the file named.
TEST_F(Trust, HostileConfigOnTheDefaultBranchRunsNothingAndSendsNothing) {
  Receiver attacker(tmp_.path() + "/attacker");
  const std::string pwned = tmp_.path() + "/PWNED";
  teammate_commits_config("integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: " + attacker.url() +
                          "\nremotes:\n  source: origin\n  mirror: platform\nreport:\n  secret_command: id > " + pwned +
                          "; echo s3cret\n");
  git_ok({"merge", "-q", "--ff-only", "origin/main"});
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("work");
  auto r = push({"origin", "feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "not approved on this machine")) << r.err;
  EXPECT_TRUE(contains(r.err, "git bbsot approve")) << r.err;
  EXPECT_TRUE(wait_idle());
  sleep_ms(300);
  EXPECT_FALSE(fs::exists(pwned)) << "a command from the committed file ran";
  EXPECT_TRUE(attacker.attempts().empty()) << "data went to the committed hook_url";
  EXPECT_TRUE(receiver_->requests().empty());
  // Kept, with the reason, until the user decides.
  json list = report_list();
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["state"], "ready");
  EXPECT_TRUE(contains(list[0]["last_error"].get<std::string>(), "not approved")) << list.dump();
  auto doctor = bbsot({"doctor"});
  EXPECT_EQ(doctor.exit_code, 1) << describe(doctor);
  EXPECT_TRUE(contains(doctor.out, "git bbsot approve")) << doctor.out;
  EXPECT_TRUE(attacker.attempts().empty()) << "doctor probed an unapproved destination";
  // Approved on purpose (the user read the URL): the waiting report goes there, and the
  // committed secret_command still never runs.
  auto a = bbsot({"approve", "--yes"});
  ASSERT_EQ(a.exit_code, 0) << describe(a);
  EXPECT_TRUE(contains(a.out, attacker.url())) << a.out;
  auto f = bbsot({"report", "flush"});
  EXPECT_EQ(f.exit_code, 0) << describe(f);
  EXPECT_TRUE(eventually([&] { return attacker.requests().size() == 1; }));
  EXPECT_FALSE(fs::exists(pwned));
  EXPECT_EQ(json::parse(attacker.requests()[0])["headers"].value("x-hub-signature", ""), "")
      << "signed with a secret the committed file named";
}

// A branch (or pull request) the victim checks out may carry any .bbsot.yml: the hooks
// never read it.
TEST_F(Trust, CheckedOutBranchConfigIsIgnored) {
  Receiver attacker(tmp_.path() + "/attacker");
  git_ok({"checkout", "-q", "-b", "pr-branch"});
  write_file(work_ + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: " +
                                         attacker.url() + "\n  fetch_branches: false\nremotes:\n  source: platform\n");
  commit_team_config("hostile");
  const std::string sha = rev("HEAD");
  auto r = push({"platform", "pr-branch"});
  EXPECT_NE(r.exit_code, 0) << "the mirror became pushable by a checked-out file\n" << describe(r);
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  r = push({"origin", "pr-branch"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto ds = wait_deliveries(1);
  EXPECT_EQ(ds.size(), 1u);
  EXPECT_TRUE(attacker.attempts().empty());
}

// Re-running init on such a branch (docs/TRUST.md named it a residual risk: the file's
// fetch_branches: false made the mirror pushable) keeps the guard unless the user says so.
TEST_F(Trust, InitOnAHostileBranchKeepsTheGuardWithoutConsent) {
  git_ok({"checkout", "-q", "-b", "pr-branch"});
  write_file(work_ + "/.bbsot.yml", team_config("  fetch_branches: false\n"));
  commit_team_config("hostile");
  const std::string sha = commit("for the mirror");
  auto i = bbsot({"init"});
  ASSERT_EQ(i.exit_code, 0) << describe(i);
  EXPECT_TRUE(contains(i.out, "kept this clone's guard as it was")) << i.out;
  EXPECT_TRUE(contains(i.out, "fetch_branches off")) << i.out;
  auto r = push({"platform", "pr-branch"});
  EXPECT_NE(r.exit_code, 0) << "init on a branch with a hostile file made the mirror pushable\n" << describe(r);
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  // Consent, typed: the user's own --yes on that branch applies it.
  i = bbsot({"init", "--yes"});
  ASSERT_EQ(i.exit_code, 0) << describe(i);
  EXPECT_FALSE(contains(i.out, "kept this clone's guard")) << i.out;
  r = push({"platform", "pr-branch"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

// A remote named as the source by the committed file counts by its URL only.
TEST_F(Trust, ANameInTheTeamFileNeverMakesAnotherRemoteTheSource) {
  const std::string other = tmp_.path() + "/github.git";
  git_ok({"init", "-q", "--bare", other}, tmp_.path());
  git_ok({"remote", "add", "github", other});
  teammate_commits_config(team_config("", "").replace(team_config("", "").find("source: origin"), 14, "source: github"));
  git_ok({"checkout", "-q", "-b", "secret-work"});
  commit("private");
  auto r = push({"github", "secret-work"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "wait for your approval")) << r.err;
  EXPECT_TRUE(wait_idle());
  EXPECT_TRUE(report_list().empty()) << "a push to another server was recorded for the integration";
}

// Tightening applies at once, loosening waits for approval.
TEST_F(Trust, TeamFileTightensAtOnceAndLoosensOnlyWithApproval) {
  teammate_commits_config(team_config("  fetch_branches: false\n"));
  git_ok({"checkout", "-q", "-b", "feature"});
  const std::string sha = commit("for the mirror");
  auto r = push({"platform", "feature"});
  EXPECT_NE(r.exit_code, 0) << "fetch_branches: false loosened the guard without approval\n" << describe(r);
  EXPECT_TRUE(contains(r.err, "wait for your approval")) << r.err;
  auto a = bbsot({"approve", "--list"});
  EXPECT_TRUE(contains(a.out, "fetch_branches off")) << a.out;
  a = bbsot({"approve", "--yes"});
  ASSERT_EQ(a.exit_code, 0) << describe(a);
  r = push({"platform", "feature"});
  EXPECT_EQ(r.exit_code, 0) << "approved: the mirror is an ordinary remote now\n" << describe(r);
  EXPECT_TRUE(contains(ls_remote("platform"), sha));

  // Back on: a tightening needs nobody's approval.
  teammate_commits_config(team_config("  fetch_branches: true\n"));
  r = push({"platform", "feature:other"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "fetch_branches is now on")) << r.err;
}

// The guard holds on a branch made before .bbsot.yml existed, in a detached HEAD and in a
// linked worktree.
TEST_F(Trust, GuardHoldsOnEveryBranchAndWorktree) {
  git_ok({"checkout", "-q", "-b", "old", "HEAD~1"});
  ASSERT_FALSE(fs::exists(work_ + "/.bbsot.yml"));
  std::string sha = commit("old work");
  auto r = push({"platform", "old"});
  EXPECT_NE(r.exit_code, 0) << "branch without .bbsot.yml\n" << describe(r);
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  r = push({"origin", "old"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(wait_deliveries(1).size(), 1u) << "a push from a branch without .bbsot.yml is reported";

  git_ok({"checkout", "-q", "--detach", "main"});
  r = push({"platform", "HEAD:refs/heads/detached"});
  EXPECT_NE(r.exit_code, 0) << "detached HEAD\n" << describe(r);

  const std::string wt = tmp_.path() + "/wt";
  git_ok({"worktree", "add", "-q", "-b", "in-wt", wt, "main~1"});
  sha = commit("in the worktree", wt);
  r = push({"platform", "in-wt"}, {}, wt);
  EXPECT_NE(r.exit_code, 0) << "linked worktree\n" << describe(r);
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  // Deleting a branch on the mirror deletes its environment: refused too.
  git_ok({"push", "-q", "platform", "main:doomed"}, "", {{"BBSOT_ALLOW_MIRROR_PUSH", "1"}});
  r = push({"platform", "--delete", "doomed"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(ls_remote("platform"), "refs/heads/doomed"));
}

// A clone set up by bbsot 0.1: .bbsot.yml names the report secret, the hooks are linked,
// and there is no record. Its first push says what changed and how to move on; the
// report waits; init moves the secret with consent and the report goes, signed.
TEST_F(Trust, UpgradedCloneSaysOnceWhatChangedAndLosesNoReport) {
  fs::remove(work_ + "/.git/bbsot/clone.json");
  write_team_config("", "report:\n  secret_env: BBSOT_TEST_REPORT_SECRET\n");
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("after the upgrade");
  const Env secret{{"BBSOT_TEST_REPORT_SECRET", "upgrade-secret-1"}};
  auto r = push({"origin", "feature"}, secret);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  size_t lines = 0;
  for (const auto& l : split_lines(r.err)) lines += contains(l, "git bbsot init") ? 1 : 0;
  EXPECT_EQ(lines, 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "no longer reads report secrets from .bbsot.yml")) << r.err;
  EXPECT_TRUE(wait_idle());
  EXPECT_TRUE(receiver_->attempts().empty()) << "sent before the user approved";
  ASSERT_EQ(report_list().size(), 1u);
  auto doctor = bbsot({"doctor"});
  EXPECT_EQ(doctor.exit_code, 1);
  EXPECT_TRUE(contains(doctor.out, "git bbsot init")) << doctor.out;
  // Off a terminal init names the flag; it changes nothing without it.
  const std::string before = read_file(work_ + "/.bbsot.yml");
  auto i = bbsot({"init"}, "", secret);
  EXPECT_EQ(i.exit_code, 2) << describe(i);
  EXPECT_TRUE(contains(i.err, "--move-report-secret")) << i.err;
  EXPECT_EQ(read_file(work_ + "/.bbsot.yml"), before);
  i = bbsot({"init", "--move-report-secret", "--yes"}, "", secret);
  ASSERT_EQ(i.exit_code, 0) << describe(i);
  EXPECT_FALSE(contains(read_file(work_ + "/.bbsot.yml"), "secret_env")) << read_file(work_ + "/.bbsot.yml");
  EXPECT_TRUE(contains(read_file(user_config_), "secret_env: BBSOT_TEST_REPORT_SECRET")) << read_file(user_config_);
  auto f = bbsot({"report", "flush"}, "", secret);
  EXPECT_EQ(f.exit_code, 0) << describe(f);
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_TRUE(ds[0].header("x-hub-signature").starts_with("sha256=")) << ds[0].headers.dump();
}

// init is all or nothing: a failing init changes no file, no config, no hook.
TEST_F(Trust, FailedInitChangesNothing) {
  auto snapshot = [&] {
    std::string s;
    for (const auto& p : {work_ + "/.bbsot.yml", work_ + "/.git/config", work_ + "/.git/bbsot/clone.json", user_config_})
      s += p + "\n" + (fs::exists(p) ? read_file(p) : "(none)") + "\n";
    for (const auto& e : fs::directory_iterator(work_ + "/.git/hooks"))
      s += e.path().filename().string() + (fs::is_symlink(e.symlink_status()) ? " -> " + fs::read_symlink(e.path()).string() : "") + "\n";
    return s;
  };
  const std::string before = snapshot();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"init", "--type", "bitbucket_server", "--url", "https://bb.example.com", "--token-command", "x"},
        {"init", "--type", "bitbucket_server", "--url", "https://bb.example.com", "--username", "ann"},
        {"init", "--hook-url", "http://integrations.example.net/hook"},
        {"init", "--source-remote", "nosuch"}}) {
    auto r = bbsot(args);
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_EQ(snapshot(), before) << "after: " << describe(r);
  }
}

// Unclassifiable remotes and no --source-remote: init names the flag instead of
// finishing half set up.
TEST_F(Trust, InitWithoutASourceNamesTheFlag) {
  const std::string fresh = tmp_.path() + "/fresh";
  git_ok({"clone", "-q", origin_, fresh}, tmp_.path());
  write_file(fresh + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repository: acme/shop\n");
  auto r = bbsot({"init", "--no-hook-url"}, fresh);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--source-remote")) << r.err;
  EXPECT_FALSE(fs::exists(fresh + "/.git/bbsot/clone.json"));
  r = bbsot({"init", "--no-hook-url", "--source-remote", "origin"}, fresh);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

// ----------------------------------------------------------------- secrets and files

// A crash while the consumer secret is in memory leaves no core file (in the work tree
// `git add -A` would commit it): bbsot-token is killed with SIGABRT while it waits on the
// token endpoint, with the consumer secret read.
TEST(TrustProcess, ProgramsHoldingSecretsLeaveNoCoreDump) {
  TempDir tmp;
  const std::string cwd = tmp.path() + "/work";
  fs::create_directories(cwd);
  Env env = e2e_env(tmp.path() + "/home", stage_dir() + "/bin");
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  oauth.mode("slow");
  const std::string cfg = tmp.path() + "/user/config.yml";
  fs::create_directories(tmp.path() + "/user");
  ::chmod((tmp.path() + "/user").c_str(), 0700);
  write_file(cfg,
             "ca_file: " + shared_ca().ca + "\naccounts:\n  - url: https://bitbucket.org/acme\n    key: " +
                 oauth.client_id() + "\n    secret_command: cat " + oauth.state_dir() + "/../client_secret\n    token_url: " +
                 oauth.url() + "\n",
             0600);
  env["BBSOT_CONFIG"] = cfg;
  env["XDG_CACHE_HOME"] = tmp.path() + "/cache";
  std::vector<std::string> envp;
  for (char** e = environ; *e; ++e) envp.emplace_back(*e);
  for (const auto& [k, v] : env) envp.push_back(k + "=" + v);
  // Runs argv in `cwd` with core dumps allowed, kills it with SIGABRT once `ready` holds;
  // true when the kernel wrote a core.
  auto dumped = [&](std::vector<std::string> argv, const std::function<bool()>& ready) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      struct rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
      ::setrlimit(RLIMIT_CORE, &unlimited);
      if (::chdir(cwd.c_str()) != 0) ::_exit(127);
      std::vector<char*> a, e;
      for (auto& x : argv) a.push_back(x.data());
      a.push_back(nullptr);
      for (auto& x : envp) e.push_back(x.data());
      e.push_back(nullptr);
      ::execve(a[0], a.data(), e.data());
      ::_exit(127);
    }
    // Past exec (setrlimit done, the program itself running), then whatever the caller waits for.
    const std::string exe = fs::canonical(argv[0]).string();
    const bool was_ready = eventually(
        [&] {
          std::error_code ec;
          return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string() == exe && ready();
        },
        10000);
    // The other half of the protection, visible even where no core would be written.
    if (!argv[0].starts_with("/bin/")) {
      std::string limits;
      try {
        limits = read_file("/proc/" + std::to_string(pid) + "/limits");
      } catch (const std::exception&) {
      }
      EXPECT_TRUE(std::regex_search(limits, std::regex("Max core file size +0 +0 "))) << limits;
    }
    ::kill(pid, SIGABRT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(was_ready) << argv[0];
    EXPECT_TRUE(WIFSIGNALED(status)) << argv[0] << " was not killed (status " << status << ")";
    return WIFSIGNALED(status) && WCOREDUMP(status);
  };
  // The control: this machine does write cores for a program that does not prevent it.
  if (!dumped({"/bin/sleep", "30"}, [] { return true; }))
    GTEST_SKIP() << "this machine writes no core dumps (core_pattern or limits)";
  for (const auto& e : fs::directory_iterator(cwd)) fs::remove(e.path());
  const int before = oauth.count();
  EXPECT_FALSE(dumped({stage_dir() + "/libexec/bbsot/bbsot-token", "fill", "https://bitbucket.org/acme"},
                      [&] { return oauth.count() > before; }))
      << "bbsot-token dumped core with the consumer secret in memory";
  for (const auto& e : fs::directory_iterator(cwd))
    EXPECT_FALSE(e.path().filename().string().starts_with("core")) << e.path() << " left in the work tree";
}

// Until the push it serves ends, the watcher is a sleeping copy of the pre-push hook, which
// has read the user's file (report secrets, account secrets): it must not dump core
// either. Run here with the test as the hook's parent, the copy waits for the test.
TEST_F(Trust, TheWatcherWaitingForThePushDumpsNoCore) {
  fs::create_directories(fs::path(user_config_).parent_path());
  ::chmod(fs::path(user_config_).parent_path().c_str(), 0700);
  write_file(user_config_, "reports:\n  - hook_url: " + receiver_->url() + "\n    secret: canary-report-secret\n",
             0600);
  const std::string main_id = rev("HEAD");
  commit("to report");
  const std::string line = "refs/heads/main " + rev("HEAD") + " refs/heads/main " + main_id + "\n";
  auto r = run({stage_dir() + "/libexec/bbsot/hooks/pre-push", "origin", origin_}, env_, work_, line);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  pid_t watcher = 0;
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string pid = e.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string comm, cmdline;
      try {
        comm = read_file(e.path().string() + "/comm");
        cmdline = read_file(e.path().string() + "/cmdline");
      } catch (const std::exception&) {
        continue;
      }
      if (comm == "bbsot-deliver\n" && contains(cmdline, "hooks/pre-push") && contains(cmdline, origin_)) {
        watcher = static_cast<pid_t>(std::stol(pid));
        return true;
      }
    }
    return false;
  })) << "no watcher waiting for the push";
  std::string limits;
  try {
    limits = read_file("/proc/" + std::to_string(watcher) + "/limits");
  } catch (const std::exception&) {
  }
  ::kill(watcher, SIGKILL);
  EXPECT_TRUE(std::regex_search(limits, std::regex("Max core file size +0 +0 "))) << limits;
}

// The user's config and the cache must be the user's own (as ssh insists for ~/.ssh).
TEST(TrustFiles, ForeignOwnedWorldWritableAndSymlinkedFilesAreRefused) {
  TempDir tmp;
  Env env = e2e_env(tmp.path() + "/home", stage_dir() + "/bin");
  const std::string dir = tmp.path() + "/user";
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  const std::string cfg = dir + "/config.yml";
  write_file(cfg, "accounts:\n  - url: https://bb.example.com\n    type: bitbucket_server\n    username: ann\n"
                  "    token: canary-server-token\n", 0600);
  env["BBSOT_CONFIG"] = cfg;
  env["XDG_CACHE_HOME"] = tmp.path() + "/cache";
  const std::string request = "protocol=https\nhost=bb.example.com\npath=scm/p/r.git\n\n";
  auto fill = [&] { return run({bin_path("git-credential-bbsot"), "get"}, env, tmp.path(), request); };
  auto ok = fill();
  ASSERT_EQ(ok.exit_code, 0) << describe(ok);
  ASSERT_TRUE(contains(ok.out, "password=canary-server-token")) << "the set-up itself must work";
  ::chmod(dir.c_str(), 0777);
  auto r = fill();
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "writable by group or others")) << r.err;
  EXPECT_FALSE(contains(r.out, "canary")) << r.out;
  ::chmod(dir.c_str(), 0700);
  if (::geteuid() == 0) {  // only root can give a file away
    ASSERT_EQ(::chown(cfg.c_str(), 65534, 65534), 0);
    r = fill();
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.err, "belongs to another user")) << r.err;
    EXPECT_FALSE(contains(r.out, "canary")) << r.out;
    ASSERT_EQ(::chown(cfg.c_str(), 0, 0), 0);
  }
  // A cache directory that is a symlink to somewhere else is not followed.
  const std::string elsewhere = tmp.path() + "/elsewhere";
  fs::create_directories(elsewhere);
  ::chmod(elsewhere.c_str(), 0755);
  fs::create_directories(tmp.path() + "/cache");
  std::error_code ec;
  fs::create_symlink(elsewhere, tmp.path() + "/cache/bbsot", ec);
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  write_file(cfg,
             "ca_file: " + shared_ca().ca + "\naccounts:\n  - url: https://bitbucket.org/acme\n    key: " +
                 oauth.client_id() + "\n    secret_command: cat " + oauth.state_dir() + "/../client_secret\n    token_url: " +
                 oauth.url() + "\n",
             0600);
  r = run({bin_path("git-credential-bbsot"), "get"}, env, tmp.path(),
          "protocol=https\nhost=bitbucket.org\npath=acme/shop.git\n\n");
  EXPECT_TRUE(contains(r.err, "is a symbolic link")) << describe(r);
  EXPECT_EQ((fs::status(elsewhere).permissions() & fs::perms::others_read), fs::perms::others_read)
      << "the link's target was chmodded";
  for (const auto& e : fs::directory_iterator(elsewhere)) ADD_FAILURE() << "written through the link: " << e.path();
}

// http_request itself, below every caller: a request that carries a credential goes only
// inside the URL the credential belongs to (HttpRequest::credential_scope). The listener
// is the receiver double over TLS; its attempts log shows whether anything arrived.
TEST(CredentialScope, HttpRequestSendsNoCredentialOutsideItsScope) {
  TempDir tmp;
  Receiver listener(tmp.path() + "/listener", &shared_ca());
  const std::string canary = "CANARY-scoped-token-91ce";
  auto request = [&](const std::string& url, const std::string& scope) {
    HttpRequest req;
    req.method = "POST";
    req.url = url;
    req.body = "{}";
    req.headers = {
        {"Content-Type", "application/json"}, {"X-Event-Key", "repo:push"}, {"Authorization", "Bearer " + canary}};
    req.ca_file = shared_ca().ca;
    req.credential_scope = scope;
    return req;
  };
  const std::string scope = listener.url("/api/2.0");
  struct Case {
    std::string what;
    HttpRequest req;
  };
  std::vector<Case> outside = {
      {"another path on the same server", request(listener.url("/elsewhere/hook"), scope)},
      {"a path that only starts like the scope", request(listener.url("/api/2.0-evil/hook"), scope)},
      {"a scope on another host", request(listener.url("/api/2.0/hook"), "https://api.bitbucket.org/2.0")},
      {"no scope at all", request(listener.url("/api/2.0/hook"), "")},
  };
  HttpRequest basic = request(listener.url("/elsewhere/hook"), scope);
  basic.headers.pop_back();  // the credential as HTTP Basic instead
  basic.basic_user = "alice";
  basic.basic_password = canary;
  outside.push_back({"HTTP Basic to another path", basic});
  for (const auto& c : outside) {
    HttpFailure kind = HttpFailure::None;
    auto r = http_request(c.req, &kind);
    ASSERT_FALSE(r) << c.what << ": sent, answered " << r.value().status;
    EXPECT_EQ(kind, HttpFailure::Refused) << c.what;
    EXPECT_TRUE(contains(r.error(), "refusing to send the credential for")) << c.what << ": " << r.error();
    EXPECT_TRUE(contains(r.error(), c.req.url)) << c.what << ": " << r.error();
    EXPECT_FALSE(contains(r.error(), canary)) << c.what << ": the message shows the credential";
  }
  // Each call returned before connecting; had one been sent, the listener logged it first.
  EXPECT_TRUE(listener.attempts().empty()) << "a request reached the listener";
  // Inside the scope it is sent, with the header: the listener would have seen the others.
  auto inside = http_request(request(listener.url("/api/2.0/hook"), scope));
  ASSERT_TRUE(inside) << inside.error();
  EXPECT_EQ(inside->status, 200);
  ASSERT_EQ(listener.requests().size(), 1u);
  const json got = json::parse(listener.requests()[0]);
  EXPECT_EQ(got["path"], "/api/2.0/hook");
  EXPECT_EQ(got["headers"].value("authorization", ""), "Bearer " + canary);
  EXPECT_EQ(listener.attempts().size(), 1u);
}

}  // namespace
}  // namespace bbsot::test
