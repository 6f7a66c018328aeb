// The test doubles themselves: if these fail, every other e2e failure is suspect.
#include <signal.h>

#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

using nlohmann::json;

// A tiny HTTPS client (urllib), request described on stdin so secrets stay out of argv.
const char* kClient = R"PY(
import base64, json, ssl, sys, urllib.request, urllib.error
r = json.load(sys.stdin)
ctx = ssl.create_default_context(cafile=r["ca"]) if r.get("ca") else None
req = urllib.request.Request(r["url"], data=r["body"].encode(), method="POST")
for k, v in r.get("headers", {}).items():
    req.add_header(k, v)
if r.get("basic"):
    req.add_header("Authorization", "Basic " + base64.b64encode(r["basic"].encode()).decode())
try:
    resp = urllib.request.urlopen(req, context=ctx, timeout=20)
    status, headers, body = resp.status, resp.headers, resp.read()
except urllib.error.HTTPError as e:
    status, headers, body = e.code, e.headers, e.read()
print(json.dumps({"status": status, "retry_after": headers.get("Retry-After"),
                  "body": body.decode("utf-8", "replace")}))
)PY";

struct Reply {
  int status = 0;
  std::string retry_after, body;
};

Reply post(const std::string& url, const std::string& body, const std::string& ca = "", const std::string& basic = "",
           std::map<std::string, std::string> headers = {}) {
  json req{{"url", url}, {"body", body}, {"ca", ca}, {"basic", basic}, {"headers", headers}};
  auto r = run({"python3", "-c", kClient}, {}, "", req.dump(), 30000);
  if (r.exit_code != 0) throw std::runtime_error("client failed: " + r.err);
  auto j = json::parse(r.out);
  Reply out;
  out.status = j["status"];
  if (!j["retry_after"].is_null()) out.retry_after = j["retry_after"];
  out.body = j["body"];
  return out;
}

Reply token_request(const OAuthServer& s, const std::string& secret,
                    const std::string& form = "grant_type=client_credentials") {
  return post(s.url(), form, shared_ca().ca, s.client_id() + ":" + secret,
              {{"Content-Type", "application/x-www-form-urlencoded"}});
}

bool alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

TEST(ServersOAuth, IssuesTokensWithCorrectCredentials) {
  TempDir tmp;
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  auto r = token_request(oauth, oauth.client_secret());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["token_type"], "bearer");
  EXPECT_EQ(j["expires_in"], 7200);
  EXPECT_EQ(j["state"], "client_credentials");
  EXPECT_EQ(j["scopes"], "repository repository:write");
  ASSERT_TRUE(j["access_token"].is_string());
  EXPECT_EQ(oauth.tokens(), std::vector<std::string>{j["access_token"].get<std::string>()});
  EXPECT_EQ(oauth.count(), 1);

  auto refreshed = token_request(oauth, oauth.client_secret(),
                                 "grant_type=refresh_token&refresh_token=" + j["refresh_token"].get<std::string>());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_NE(json::parse(refreshed.body)["access_token"], j["access_token"]);
  EXPECT_EQ(oauth.tokens().size(), 2u);
  EXPECT_EQ(oauth.count(), 2);
}

TEST(ServersOAuth, RejectsWrongCredentialsAndBadGrants) {
  TempDir tmp;
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  auto r = token_request(oauth, "not-the-secret");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid_client");
  EXPECT_EQ(post(oauth.url(), "grant_type=client_credentials", shared_ca().ca).status, 401);

  r = token_request(oauth, oauth.client_secret(), "grant_type=refresh_token&refresh_token=nope");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid_grant");
  r = token_request(oauth, oauth.client_secret(), "grant_type=password");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"], "unsupported_grant_type");

  EXPECT_EQ(oauth.count(), 4);
  EXPECT_TRUE(oauth.tokens().empty());
  for (const auto& line : oauth.request_log()) EXPECT_EQ(line.find(oauth.client_secret()), std::string::npos) << line;
  EXPECT_EQ(read_file(oauth.server().log_path()).find(oauth.client_secret()), std::string::npos);
}

TEST(ServersOAuth, ModesInjectFailures) {
  TempDir tmp;
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  const auto& secret = oauth.client_secret();
  oauth.mode("503");
  auto r = token_request(oauth, secret);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, "1");
  oauth.mode("500");
  EXPECT_EQ(token_request(oauth, secret).status, 500);
  oauth.mode("invalid_client");
  EXPECT_EQ(token_request(oauth, secret).status, 401);
  oauth.mode("malformed");
  r = token_request(oauth, secret);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(json::accept(r.body));
  oauth.mode("missing_token");
  r = token_request(oauth, secret);
  EXPECT_FALSE(json::parse(r.body).contains("access_token"));
  oauth.mode("expires_in=5");
  EXPECT_EQ(json::parse(token_request(oauth, secret).body)["expires_in"], 5);
  oauth.mode("ok");
  EXPECT_EQ(token_request(oauth, secret).status, 200);
  EXPECT_EQ(oauth.count(), 7);
  EXPECT_EQ(oauth.tokens().size(), 2u);  // expires_in=5 and ok; missing_token issues none
}

TEST(ServersOAuth, RejectsClientsThatDoNotTrustIt) {
  TempDir tmp;
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  EXPECT_THROW(post(oauth.url(), "grant_type=client_credentials", shared_ca().other_ca,
                    oauth.client_id() + ":" + oauth.client_secret()),
               std::runtime_error);
  // The failed handshake must not have taken the server down.
  EXPECT_EQ(token_request(oauth, oauth.client_secret()).status, 200);
}

TEST(ServersOAuth, WrongHostCertificateFailsVerification) {
  TempDir tmp;
  TestCA wrong = shared_ca();
  wrong.cert = wrong.wrong_host_cert;
  wrong.key = wrong.wrong_host_key;
  OAuthServer oauth(tmp.path() + "/oauth", wrong);
  try {
    post(oauth.url(), "grant_type=client_credentials", shared_ca().ca);
    FAIL() << "expected a hostname mismatch";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("match"), std::string::npos) << e.what();
  }
  EXPECT_EQ(oauth.count(), 0);
}

class ServersGit : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string home = tmp.path() + "/home";
  Env env;
  void SetUp() override {
    std::filesystem::create_directories(home);
    env = isolated_git_env(home, shared_ca().ca);
  }
  RunResult git(std::vector<std::string> args, const std::string& token, const std::string& cwd = "") {
    std::vector<std::string> argv{"git", "-c",
                                  "credential.helper=!f(){ echo username=x-token-auth; echo "
                                  "password=" +
                                      token + "; }; f"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, cwd);
  }
};

TEST_F(ServersGit, CloneCommitPushWithValidToken) {
  GitHttpServer server(tmp.path() + "/git", shared_ca());
  server.create_repo("team/repo.git");
  server.add_token("good-token");
  std::string wc = tmp.path() + "/wc";

  auto r = git({"clone", server.url_for("team/repo.git"), wc}, "good-token");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_file(wc + "/README", "hello\n");
  ASSERT_EQ(run({"git", "add", "README"}, env, wc).exit_code, 0);
  ASSERT_EQ(run({"git", "commit", "-q", "-m", "first"}, env, wc).exit_code, 0);
  r = git({"push", "origin", "HEAD:main"}, "good-token", wc);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = run({"git", "--git-dir", server.root() + "/team/repo.git", "log", "--format=%s", "main"}, env);
  EXPECT_EQ(r.out, "first\n");
  bool saw_receive_pack = false;
  for (const auto& line : server.access_log()) {
    EXPECT_EQ(line.find("good-token"), std::string::npos) << line;
    if (line.rfind("POST /team/repo.git/git-receive-pack 200 x-token-auth", 0) == 0) saw_receive_pack = true;
  }
  EXPECT_TRUE(saw_receive_pack);
}

TEST_F(ServersGit, LargeChunkedPush) {
  GitHttpServer server(tmp.path() + "/git", shared_ca());
  server.create_repo("repo.git");
  server.add_token("tok");
  std::string wc = tmp.path() + "/wc";
  ASSERT_EQ(run({"git", "init", "-q", "-b", "main", wc}, env).exit_code, 0);
  // Random data does not compress, so the pack exceeds http.postBuffer: chunked upload.
  auto r = run({"sh", "-c", "head -c 3000000 /dev/urandom > blob"}, env, wc);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(run({"git", "add", "blob"}, env, wc).exit_code, 0);
  ASSERT_EQ(run({"git", "commit", "-q", "-m", "big"}, env, wc).exit_code, 0);
  r = git({"-c", "http.postBuffer=65536", "push", server.url_for("repo.git"), "HEAD:main"}, "tok", wc);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"git", "--git-dir", server.root() + "/repo.git", "log", "--format=%s", "main"}, env);
  EXPECT_EQ(r.out, "big\n");
}

TEST_F(ServersGit, WrongAndRevokedTokensGet401) {
  GitHttpServer server(tmp.path() + "/git", shared_ca());
  server.create_repo("repo.git");
  server.add_token("good-token");

  auto r = git({"ls-remote", server.url_for("repo.git")}, "bad-token");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Authentication failed"), std::string::npos) << r.err;
  EXPECT_EQ(git({"ls-remote", server.url_for("repo.git")}, "good-token").exit_code, 0);
  server.revoke("good-token");
  EXPECT_NE(git({"ls-remote", server.url_for("repo.git")}, "good-token").exit_code, 0);

  auto log = server.access_log();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find(" 401 x-token-auth"), std::string::npos) << log.back();
}

TEST_F(ServersGit, AcceptsTokensIssuedByTheOAuthDouble) {
  OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
  GitHttpServer server(tmp.path() + "/git", shared_ca(), "x-token-auth", oauth.tokens_file());
  server.create_repo("repo.git");
  auto reply = token_request(oauth, oauth.client_secret());
  ASSERT_EQ(reply.status, 200);
  std::string token = json::parse(reply.body)["access_token"];
  EXPECT_EQ(git({"ls-remote", server.url_for("repo.git")}, token).exit_code, 0);
}

TEST_F(ServersGit, UntrustedCertificateFails) {
  GitHttpServer server(tmp.path() + "/git", shared_ca());
  server.create_repo("repo.git");
  server.add_token("tok");
  env["GIT_SSL_CAINFO"] = shared_ca().other_ca;
  auto r = git({"ls-remote", server.url_for("repo.git")}, "tok");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(server.access_log().empty());
}

// The header that makes a POST a webhook event, as Bitbucket sends it.
const std::map<std::string, std::string> kEvent{{"X-Event-Key", "repo:push"}};

TEST(ServersReceiver, LogsPostsAndHonoursModes) {
  TempDir tmp;
  Receiver rx(tmp.path() + "/rx");
  auto r =
      post(rx.url("/hooks/push"), R"({"event":"push"})", "", "",
           {{"X-Event-Key", "repo:push"}, {"X-Bbsot-Signature", "sha256=abc"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 1u);
  auto j = json::parse(reqs[0]);
  EXPECT_EQ(j["path"], "/hooks/push");
  EXPECT_EQ(j["headers"]["x-bbsot-signature"], "sha256=abc");
  EXPECT_EQ(j["body"], R"({"event":"push"})");

  // Not an event (doctor's probe): answered 400 and not logged as a delivery.
  r = post(rx.url(), "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("X-Event-Key"), std::string::npos) << r.body;

  rx.mode("500");
  EXPECT_EQ(post(rx.url(), "x", "", "", kEvent).status, 500);
  rx.mode("404");
  EXPECT_EQ(post(rx.url(), "x", "", "", kEvent).status, 404);
  rx.mode("close");
  EXPECT_THROW(post(rx.url(), "x", "", "", kEvent), std::runtime_error);
  rx.mode("ok");
  EXPECT_EQ(post(rx.url(), "y", "", "", kEvent).status, 200);
  EXPECT_EQ(rx.requests().size(), 2u);
  EXPECT_EQ(rx.attempts().size(), 6u);
}

TEST(ServersReceiver, ServesTls) {
  TempDir tmp;
  Receiver rx(tmp.path() + "/rx", &shared_ca());
  EXPECT_EQ(rx.url().rfind("https://", 0), 0u);
  EXPECT_EQ(post(rx.url(), "z", shared_ca().ca, "", kEvent).status, 200);
  EXPECT_EQ(rx.requests().size(), 1u);
}

// An endpoint that was down comes back at the same URL (tests of reports that wait).
TEST(ServersReceiver, ComesBackOnTheSamePort) {
  TempDir tmp;
  int port = 0;
  {
    Receiver first(tmp.path() + "/first");
    port = first.port();
  }
  EXPECT_THROW(post("http://127.0.0.1:" + std::to_string(port) + "/hook", "x", "", "", kEvent), std::runtime_error)
      << "still listening after stop";
  Receiver again(tmp.path() + "/again", nullptr, port);
  EXPECT_EQ(again.port(), port);
  EXPECT_EQ(again.url(), "http://127.0.0.1:" + std::to_string(port) + "/hook");
  EXPECT_EQ(post(again.url(), "back", "", "", kEvent).status, 200);
  EXPECT_EQ(again.requests().size(), 1u);
}

TEST(ServersLifecycle, ServersDieWithTheirHandle) {
  TempDir tmp;
  pid_t pids[3];
  {
    OAuthServer oauth(tmp.path() + "/oauth", shared_ca());
    GitHttpServer git(tmp.path() + "/git", shared_ca());
    Receiver rx(tmp.path() + "/rx");
    pids[0] = oauth.server().pid();
    pids[1] = git.server().pid();
    pids[2] = rx.server().pid();
    for (pid_t p : pids) EXPECT_TRUE(alive(p));
    Server moved = std::move(rx.server());
    EXPECT_EQ(rx.server().pid(), -1);
    EXPECT_EQ(moved.pid(), pids[2]);
  }
  for (pid_t p : pids) EXPECT_FALSE(alive(p)) << p;
}

TEST(ServersLifecycle, StartFailureReportsTheLog) {
  TempDir tmp;
  try {
    Server::start({support_dir() + "/oauth_server.py", "--bogus"}, tmp.path() + "/port", 5000);
    FAIL() << "expected a throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("arguments are required"), std::string::npos) << e.what();
  }
}

TEST(ServersRun, CapturesOutputEnvStdinAndTimeout) {
  auto r = run({"sh", "-c", "cat; echo out-$FOO; echo err >&2; echo ${HOME:-nohome}; exit 3"},
               {{"FOO", "bar"}, {"HOME", ""}}, "", "input\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "input\nout-bar\nnohome\n");
  EXPECT_EQ(r.err, "err\n");
  r = run({"sh", "-c", "pwd"}, {}, "/");
  EXPECT_EQ(r.out, "/\n");
  r = run({"sleep", "10"}, {}, "", "", 300);
  EXPECT_EQ(r.exit_code, 124);
  // More output than a pipe buffer, while stdin is still being written: no deadlock.
  std::string big(1 << 20, 'x');
  r = run({"sh", "-c", "cat; head -c 1000000 /dev/zero >&2"}, {}, "", big);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), big.size());
  EXPECT_EQ(r.err.size(), 1000000u);
}

}  // namespace
}  // namespace bbsot::test
