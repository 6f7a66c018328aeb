// git-credential-bbsot driven by real git over HTTPS: a git smart-HTTP server that
// accepts only tokens the OAuth double issued, both on 127.0.0.1 with a per-run CA.
#include <dirent.h>

#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sandbox.hpp"

using namespace bbsot::test;

namespace {

const std::string kSecret = "CANARY-consumer-secret-7f3a9c";
const std::string kServerToken = "CANARY-server-token-51be02";

class Credential : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string home = tmp.path() + "/home";
  const TestCA& ca = shared_ca();
  OAuthServer oauth{tmp.path() + "/oauth", ca, "consumer-key-1", kSecret};
  GitHttpServer git_server{tmp.path() + "/git", ca, "x-token-auth", oauth.tokens_file()};
  std::string trace_file = tmp.path() + "/trace.log";

  void SetUp() override {
    git_server.create_repo("acme/shop.git");
    write_config("timeout: 3\nconnect_timeout: 2\n");
    write_file(home + "/.gitconfig",
               "[user]\n\tname = Ann\n\temail = ann@example.com\n[init]\n\tdefaultBranch = main\n"
               "[credential]\n\thelper = bbsot\n");
  }

  void write_config(const std::string& extra) {
    std::string cfg = "ca_file: " + ca.ca + "\n" + extra +
                      "accounts:\n"
                      "  - url: https://127.0.0.1:" +
                      std::to_string(git_server.port()) +
                      "/acme\n"
                      "    key: consumer-key-1\n"
                      "    secret_command: cat " +
                      tmp.path() +
                      "/secret\n"
                      "    token_url: " +
                      oauth.url() + "\n";
    write_file(tmp.path() + "/secret", kSecret + "\n", 0600);
    ::mkdir(home.c_str(), 0700);
    ::mkdir((home + "/.config").c_str(), 0700);
    ::mkdir((home + "/.config/bbsot").c_str(), 0700);
    write_file(home + "/.config/bbsot/config.yml", cfg, 0600);
  }

  Env env() const {
    Env e = isolated_git_env(home, "");  // the helper trusts the CA from ca_file; git from GIT_SSL_CAINFO
    e["GIT_SSL_CAINFO"] = ca.ca;
    e["PATH"] = stage_dir() + "/bin:" + std::string(getenv("PATH"));
    e["XDG_CACHE_HOME"] = home + "/.cache";
    e["BBSOT_TRACE"] = trace_file;
    e["GIT_CONFIG_GLOBAL"] = home + "/.gitconfig";
    return e;
  }

  RunResult git(std::vector<std::string> args, const std::string& cwd = "") {
    args.insert(args.begin(), "git");
    return run(args, env(), cwd.empty() ? tmp.path() : cwd);
  }

  RunResult fill(const std::string& path = "acme/shop.git") {
    std::string in = "protocol=https\nhost=127.0.0.1:" + std::to_string(git_server.port()) + "\npath=" + path + "\n\n";
    return run({"git", "credential", "fill"}, env(), tmp.path(), in);
  }

  std::string url() const { return git_server.url_for("acme/shop.git"); }
};

std::string password_of(const std::string& answer) {
  auto p = answer.find("password=");
  if (p == std::string::npos) return "";
  return answer.substr(p + 9, answer.find('\n', p) - p - 9);
}

// Every file under `dir` whose content contains `needle`.
void files_containing(const std::string& dir, const std::string& needle, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string p = dir + "/" + n;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      files_containing(p, needle, out);
    else if (S_ISREG(st.st_mode)) {
      try {
        if (read_file(p).find(needle) != std::string::npos) out.push_back(p);
      } catch (...) {
      }
    }
  }
  closedir(d);
}

}  // namespace

TEST_F(Credential, CloneAndPushOverHttpsWithOneTokenRequest) {
  auto clone = git({"clone", url(), "work"});
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  const std::string work = tmp.path() + "/work";
  write_file(work + "/README", "hello\n");
  ASSERT_EQ(git({"add", "README"}, work).exit_code, 0);
  ASSERT_EQ(git({"commit", "-qm", "first"}, work).exit_code, 0);
  auto push = git({"push", "origin", "HEAD:main"}, work);
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_EQ(oauth.count(), 1) << "the push should reuse the cached token";
  auto cache_dir = home + "/.cache/bbsot";
  struct stat st;
  ASSERT_EQ(stat(cache_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::vector<std::string> with_token;
  files_containing(home, oauth.tokens().at(0), with_token);
  ASSERT_EQ(with_token.size(), 1u);
  ASSERT_EQ(stat(with_token[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Credential, AnswerCarriesTokenUserAndExpiry) {
  auto r = fill();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("username=x-token-auth\n"), std::string::npos) << r.out;
  EXPECT_EQ(password_of(r.out), oauth.tokens().at(0));
  // git 2.39 drops password_expiry_utc from its own output; ask the helper directly.
  auto direct = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(),
                    "protocol=https\nhost=127.0.0.1:" + std::to_string(git_server.port()) + "\npath=acme/x\n");
  EXPECT_NE(direct.out.find("password_expiry_utc="), std::string::npos) << direct.out;
  EXPECT_EQ(oauth.count(), 1);
}

TEST_F(Credential, RejectedTokenIsErasedAndTheNextOperationGetsANewOne) {
  ASSERT_EQ(git({"clone", url(), "work"}).exit_code, 0);
  const std::string first = oauth.tokens().at(0);
  git_server.revoke(first);
  auto failed = git({"fetch"}, tmp.path() + "/work");
  EXPECT_NE(failed.exit_code, 0);
  auto again = git({"fetch"}, tmp.path() + "/work");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(oauth.count(), 2);
  EXPECT_NE(oauth.tokens().back(), first);
}

TEST_F(Credential, SixteenParallelFillsMakeOneTokenRequest) {
  std::vector<RunResult> results(16);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&r, this] { r = fill(); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(password_of(r.out), oauth.tokens().at(0));
  }
  EXPECT_EQ(oauth.count(), 1);
}

TEST_F(Credential, StaleTokenIsRefreshedWithTheRefreshToken) {
  oauth.mode("expires_in=60");  // inside the safety margin: never reused
  ASSERT_EQ(fill().exit_code, 0);
  ASSERT_EQ(fill().exit_code, 0);
  EXPECT_EQ(oauth.count(), 2);
  auto log = oauth.request_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("refresh_token"), std::string::npos) << log[1];
}

struct Failure {
  const char* mode;
  const char* expected;
};

TEST_F(Credential, EndpointFailuresGiveOneLineAndNoAnswer) {
  const Failure cases[] = {
      {"invalid_client", "answered HTTP 401: invalid_client (Invalid OAuth client credentials)"},
      {"500", "answered HTTP 500: server_error"},
      {"malformed", "a body that is not JSON"},
      {"missing_token", "has no access_token"},
      {"big", "larger than"},
  };
  for (const auto& c : cases) {
    oauth.mode(c.mode);
    auto r = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(),
                 "protocol=https\nhost=127.0.0.1:" + std::to_string(git_server.port()) + "\npath=acme/x\n");
    EXPECT_EQ(r.out, "") << c.mode;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.mode << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.mode << ": " << r.err;
    std::vector<std::string> cached;
    files_containing(home + "/.cache", "access_token", cached);
    EXPECT_TRUE(cached.empty()) << c.mode;
  }
}

TEST_F(Credential, SlowEndpointTimesOutInsteadOfHanging) {
  write_config("timeout: 2\nconnect_timeout: 1\n");
  oauth.mode("slow");
  auto start = std::chrono::steady_clock::now();
  auto r = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(),
               "protocol=https\nhost=127.0.0.1:" + std::to_string(git_server.port()) + "\npath=acme/x\n", 20000);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no answer from"), std::string::npos) << r.err;
  EXPECT_LT(secs, 10);
}

TEST_F(Credential, CertificateFromAnotherCaIsRefused) {
  write_config("");
  std::string cfg = read_file(home + "/.config/bbsot/config.yml");
  cfg.replace(cfg.find(ca.ca), ca.ca.size(), ca.other_ca);
  write_file(home + "/.config/bbsot/config.yml", cfg, 0600);
  auto r = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(),
               "protocol=https\nhost=127.0.0.1:" + std::to_string(git_server.port()) + "\npath=acme/x\n");
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("TLS verification failed"), std::string::npos) << r.err;
  EXPECT_EQ(oauth.count(), 0);
}

TEST_F(Credential, NoMatchingAccountMeansNoAnswer) {
  for (const char* in :
       {"protocol=https\nhost=bitbucket.org\npath=acme/x\n", "protocol=http\nhost=127.0.0.1\npath=acme/x\n",
        "protocol=https\nhost=127.0.0.1.evil.test\npath=acme/x\n"}) {
    auto r = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(), in);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
  }
  auto bad = run({bin_path("git-credential-bbsot"), "get"}, env(), tmp.path(), std::string("host=a\0b\n", 9));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "error: bbsot: credential input contains a NUL byte\n");
  auto unknown = run({bin_path("git-credential-bbsot"), "frobnicate"}, env(), tmp.path(), "");
  EXPECT_EQ(unknown.exit_code, 0);
  auto none = run({bin_path("git-credential-bbsot")}, env(), tmp.path(), "");
  EXPECT_EQ(none.exit_code, 2);
}

TEST_F(Credential, BitbucketServerAccessToken) {
  TempDir srv_dir;
  GitHttpServer server_git(srv_dir.path(), ca, "alice");
  server_git.add_token(kServerToken);
  server_git.create_repo("scm/proj/repo.git");
  std::string cfg = "ca_file: " + ca.ca +
                    "\naccounts:\n  - url: https://127.0.0.1:" + std::to_string(server_git.port()) +
                    "\n    type: bitbucket_server\n    username: alice\n    token_env: BB_SERVER_TOKEN\n";
  write_file(home + "/.config/bbsot/config.yml", cfg, 0600);
  Env e = env();
  e["BB_SERVER_TOKEN"] = kServerToken;
  auto r = run({"git", "clone", server_git.url_for("scm/proj/repo.git"), "srv"}, e, tmp.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(kServerToken), std::string::npos);
}

TEST_F(Credential, SecretsNeverLeak) {
  auto clone = git({"clone", url(), "work"});
  ASSERT_EQ(clone.exit_code, 0) << clone.err;
  oauth.mode("invalid_client");
  run({"rm", "-rf", home + "/.cache"});
  auto failing = fill();
  const std::string token = oauth.tokens().at(0);
  for (const auto& out : {clone.out, clone.err, failing.out, failing.err}) {
    EXPECT_EQ(out.find(kSecret), std::string::npos);
    EXPECT_EQ(out.find(token), std::string::npos);
  }
  const std::string trace = read_file(trace_file);
  EXPECT_NE(trace.find("credential:"), std::string::npos) << "tracing was on";
  EXPECT_EQ(trace.find(kSecret), std::string::npos);
  EXPECT_EQ(trace.find(token), std::string::npos);
  // The secret lives only where the user put it (and in the double's own state).
  std::vector<std::string> with_secret;
  files_containing(tmp.path(), kSecret, with_secret);
  for (const auto& f : with_secret)
    EXPECT_TRUE(f == tmp.path() + "/secret" || f.starts_with(tmp.path() + "/oauth/")) << f;
  std::vector<std::string> with_token;
  files_containing(tmp.path() + "/work", token, with_token);
  files_containing(home + "/.config", token, with_token);
  EXPECT_TRUE(with_token.empty()) << with_token.front();
}
