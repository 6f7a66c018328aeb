// Fault injection and secret hygiene (issue 5): the token endpoint and the report endpoint
// misbehaving, a broken outbox, clock trouble, and canaries that must never leak.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <regex>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sandbox.hpp"

using namespace bbsot::test;

namespace {

const std::string kSecret = "CANARY-fault-consumer-secret-0b41";
const std::string kReportSecret = "CANARY-report-secret-93ad7e";

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);  // nothing listens there now
  return ntohs(a.sin_port);
}

long long ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

void all_files(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string p = dir + "/" + n;
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      all_files(p, out);
    else if (S_ISREG(st.st_mode))
      out.push_back(p);
  }
  closedir(d);
}

class TokenFaults : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string home = tmp.path() + "/home";
  const TestCA& ca = shared_ca();

  void SetUp() override {
    ::mkdir(home.c_str(), 0700);
    ::mkdir((home + "/.config").c_str(), 0700);
    ::mkdir((home + "/.config/bbsot").c_str(), 0700);
    write_file(tmp.path() + "/secret", kSecret + "\n", 0600);
  }

  void config(const std::string& token_url, const std::string& ca_file) {
    write_file(home + "/.config/bbsot/config.yml",
               "ca_file: " + ca_file +
                   "\ntimeout: 2\nconnect_timeout: 1\naccounts:\n  - url: https://bb.test/acme\n"
                   "    key: consumer-key-1\n    secret_command: cat " +
                   tmp.path() + "/secret\n    token_url: " + token_url + "\n",
               0600);
  }

  RunResult get(const Env& extra = {}) {
    Env e = isolated_git_env(home);
    e["XDG_CACHE_HOME"] = home + "/.cache";
    e["BBSOT_TRACE"] = tmp.path() + "/trace.log";
    for (const auto& [k, v] : extra) e[k] = v;
    return run({bin_path("git-credential-bbsot"), "get"}, e, tmp.path(),
               "protocol=https\nhost=bb.test\npath=acme/r.git\n", 20000);
  }

  void expect_clean_failure(const RunResult& r, const std::string& needle) {
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos);
    std::vector<std::string> cached;
    all_files(home + "/.cache", cached);
    for (const auto& f : cached) EXPECT_EQ(f.find(".json"), std::string::npos) << "cached after a failure: " << f;
  }
};

// The value of `key=` in a credential answer; -1 when absent.
long long answer_field(const std::string& out, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("(^|\n)" + key + "=([0-9]+)\n"))) return -1;
  return std::stoll(m[2]);
}

std::string answer_password(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("(^|\n)password=([^\n]*)\n")) ? std::string(m[2]) : "";
}

const char* const kFakeTimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

}  // namespace

TEST_F(TokenFaults, ConnectionRefused) {
  config("https://127.0.0.1:" + std::to_string(closed_port()) + "/site/oauth2/access_token", ca.ca);
  auto t = std::chrono::steady_clock::now();
  auto r = get();
  expect_clean_failure(r, "cannot connect to");
  EXPECT_LT(ms_since(t), 5000);
}

TEST_F(TokenFaults, ServiceUnavailableWithRetryAfter) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.mode("503");
  config(oauth.url(), ca.ca);
  expect_clean_failure(get(), "answered HTTP 503");
}

TEST_F(TokenFaults, CertificateForAnotherHost) {
  TestCA wrong = ca;
  wrong.cert = ca.wrong_host_cert;
  wrong.key = ca.wrong_host_key;
  OAuthServer oauth(tmp.path() + "/oauth", wrong, "consumer-key-1", kSecret);
  config(oauth.url(), ca.ca);
  expect_clean_failure(get(), "TLS verification failed");
  EXPECT_EQ(oauth.count(), 0);
}

TEST_F(TokenFaults, AcceptsButNeverAnswersWithinTheTimeout) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.mode("slow");
  config(oauth.url(), ca.ca);
  auto t = std::chrono::steady_clock::now();
  expect_clean_failure(get(), "no answer from");
  EXPECT_LT(ms_since(t), 8000);
}

TEST_F(TokenFaults, ExpiryFarInTheFutureIsRefused) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.mode("expires_in=999999999");
  config(oauth.url(), ca.ca);
  expect_clean_failure(get(), "expires_in is not a sensible number");
}

TEST_F(TokenFaults, ExpiredCachedTokenIsNotUsed) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  config(oauth.url(), ca.ca);
  ASSERT_EQ(get().exit_code, 0);
  std::vector<std::string> files;
  all_files(home + "/.cache/bbsot", files);
  std::string cache;
  for (const auto& f : files)
    if (f.ends_with(".json")) cache = f;
  ASSERT_FALSE(cache.empty());
  auto j = nlohmann::json::parse(read_file(cache));
  j["expires_at"] = 1000;  // a token from 1970: the system clock moved on, or the file is stale
  j["refresh_token"] = "";
  write_file(cache, j.dump(), 0600);
  auto r = get();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(oauth.count(), 2);
  EXPECT_NE(r.out.find(oauth.tokens().back()), std::string::npos);
}

TEST_F(TokenFaults, ResetMidBody) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.mode("reset");
  config(oauth.url(), ca.ca);
  auto t = std::chrono::steady_clock::now();
  expect_clean_failure(get(), "was reset while reading the answer");
  EXPECT_LT(ms_since(t), 5000);
  EXPECT_GE(oauth.count(), 1) << "the server saw the request";
}

TEST_F(TokenFaults, BodyShorterThanContentLength) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.mode("short_body");
  config(oauth.url(), ca.ca);
  auto t = std::chrono::steady_clock::now();
  expect_clean_failure(get(), "was cut short");
  EXPECT_LT(ms_since(t), 5000);
}

// Our clock 3 h behind the server's: expiry comes from our clock + expires_in, so the token
// is neither thrown away as stale nor kept past its life.
TEST_F(TokenFaults, ServerClockAheadDoesNotChangeExpiryOrCaching) {
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  oauth.date_offset(3 * 3600);
  config(oauth.url(), ca.ca);
  const long long before = std::time(nullptr);
  auto first = get();
  const long long after = std::time(nullptr);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = get();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(oauth.count(), 1) << "the second fill should use the cached token";
  EXPECT_EQ(answer_password(first.out), answer_password(second.out));
  EXPECT_FALSE(answer_password(first.out).empty()) << first.out.size();
  const long long expiry = answer_field(first.out, "password_expiry_utc");
  EXPECT_GE(expiry, before + 7200 - 5) << "expiry must come from our clock, not the server's Date";
  EXPECT_LE(expiry, after + 7200 + 5) << "expiry must come from our clock, not the server's Date";
  EXPECT_EQ(answer_field(second.out, "password_expiry_utc"), expiry);
}

// Our clock two days behind: the server's certificate is not valid yet by it. The user must
// learn that the clock, not the server, is the likely culprit.
TEST_F(TokenFaults, ClockTwoDaysBehindSaysCertificateNotYetValid) {
  if (::access(kFakeTimeLib, R_OK) != 0) GTEST_SKIP() << kFakeTimeLib << " is missing (apt-get install faketime)";
  OAuthServer oauth(tmp.path() + "/oauth", ca, "consumer-key-1", kSecret);
  config(oauth.url(), ca.ca);
  Env faked{{"LD_PRELOAD", kFakeTimeLib}, {"FAKETIME", "-2d"}, {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
  // In the ASan build the preloaded library comes before ASan's runtime, which ASan
  // refuses by default; libfaketime only wraps time functions, so the order is harmless.
  // Other builds ignore the variable.
  const char* asan = std::getenv("ASAN_OPTIONS");
  faked["ASAN_OPTIONS"] = std::string(asan && *asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0";
  auto r = get(faked);
  expect_clean_failure(r, "not yet valid");
  EXPECT_NE(r.err.find("this machine's"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("clock"), std::string::npos) << r.err;
  EXPECT_EQ(oauth.count(), 0) << "no request may follow a failed handshake";
}

namespace {

class ReportFaults : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string home = tmp.path() + "/home";
  std::string work = tmp.path() + "/work";
  std::string calls = tmp.path() + "/git-calls.log";

  void SetUp() override {
    ::mkdir(home.c_str(), 0700);
    write_file(home + "/.gitconfig",
               "[user]\n\tname = Ann\n\temail = ann@example.com\n[init]\n\tdefaultBranch = main\n");
    write_file(tmp.path() + "/report-secret", kReportSecret + "\n", 0600);
    // A `git` first on PATH that records each invocation's argv and environment, so the
    // test can see what bbsot handed to its children.
    ::mkdir((tmp.path() + "/wrap").c_str(), 0755);
    write_file(tmp.path() + "/wrap/git",
               "#!/bin/sh\n{ echo \"ARGV: $*\"; env; echo; } >> " + calls + "\nexec /usr/bin/git \"$@\"\n", 0755);
    ASSERT_EQ(git({"init", "-q", "--bare", tmp.path() + "/origin.git"}, tmp.path()).exit_code, 0);
    ASSERT_EQ(git({"init", "-q", work}, tmp.path()).exit_code, 0);
    ASSERT_EQ(git({"remote", "add", "origin", tmp.path() + "/origin.git"}).exit_code, 0);
  }

  // The team's .bbsot.yml naming `hook_url`, and the clone set up from it as a developer
  // does: `git bbsot init --yes` approves the hook URL and writes the report secret's
  // command into the user's own file (a committed file may not name it).
  void bbsot_yml(const std::string& hook_url) {
    write_file(work + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: " +
                                         hook_url + "\nremotes:\n  source: origin\n");
    set_up_clone(env(), work, {"--yes", "--report-secret-command", "cat " + tmp.path() + "/report-secret"});
  }

  Env env() {
    Env e = isolated_git_env(home);
    e["GIT_CONFIG_GLOBAL"] = home + "/.gitconfig";
    e["PATH"] = tmp.path() + "/wrap:" + stage_dir() + "/bin:" + std::string(getenv("PATH"));
    e["BBSOT_TRACE"] = tmp.path() + "/trace.log";
    e["BBSOT_CONFIG"] = home + "/config.yml";
    // A deliverer whose attempt failed would otherwise linger for 30 minutes, retrying.
    e["BBSOT_LINGER_SECONDS"] = "0";
    return e;
  }

  RunResult git(std::vector<std::string> args, const std::string& cwd = "") {
    args.insert(args.begin(), "git");
    return run(args, env(), cwd.empty() ? work : cwd);
  }

  void commit(const std::string& msg) {
    write_file(work + "/f.txt", msg + "\n");
    ASSERT_EQ(git({"add", "-A"}).exit_code, 0);
    ASSERT_EQ(git({"commit", "-qm", msg}).exit_code, 0);
  }

  std::vector<nlohmann::json> records() {
    std::vector<std::string> files;
    all_files(work + "/.git/bbsot/outbox", files);
    std::vector<nlohmann::json> out;
    for (const auto& f : files)
      if (f.ends_with(".json")) out.push_back(nlohmann::json::parse(read_file(f)));
    return out;
  }

  int deliverers() const { return deliverers_running(tmp.path()); }

  bool wait_until(const std::function<bool()>& pred, int ms = 15000) {
    auto t = std::chrono::steady_clock::now();
    while (ms_since(t) < ms) {
      if (pred()) return true;
      usleep(50000);
    }
    return pred();
  }
};

}  // namespace

TEST_F(ReportFaults, EndpointDownNeverDelaysThePushAndLosesNothing) {
  const int port = closed_port();
  bbsot_yml("http://127.0.0.1:" + std::to_string(port) + "/hook");
  commit("one");
  auto t = std::chrono::steady_clock::now();
  auto push = git({"push", "-q", "origin", "main"});
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_LT(ms_since(t), 5000);
  // The attempt is counted before the request goes out; its outcome comes after.
  ASSERT_TRUE(wait_until([&] {
    auto r = records();
    return r.size() == 1 && r[0]["attempts"].get<int>() > 0 && !r[0]["last_error"].get<std::string>().empty();
  })) << "the record should wait in the outbox after a failed attempt";
  auto r = records()[0];
  EXPECT_EQ(r["state"], "ready");
  EXPECT_NE(r["last_error"].get<std::string>().find("cannot connect"), std::string::npos) << r.dump();
  // The endpoint comes back at the URL the report was made for.
  Receiver recv(tmp.path() + "/recv", nullptr, port);
  auto flush = run({bin_path("git-bbsot"), "report", "flush"}, env(), work);
  EXPECT_EQ(flush.exit_code, 0) << flush.out << flush.err;
  ASSERT_EQ(recv.requests().size(), 1u);
  EXPECT_NE(recv.requests()[0].find(r["id"].get<std::string>()), std::string::npos) << "same request id after retries";
}

TEST_F(ReportFaults, EndpointFailingWith500KeepsTheRecordAndTheSameId) {
  Receiver recv(tmp.path() + "/recv");
  recv.mode("500");
  bbsot_yml(recv.url());
  commit("one");
  ASSERT_EQ(git({"push", "-q", "origin", "main"}).exit_code, 0);
  // The deliverer the push started makes one attempt, keeps the failure and exits (no
  // retries within a run; later runs retry with backoff).
  ASSERT_TRUE(wait_until([&] {
    auto r = records();
    return r.size() == 1 && r[0]["attempts"].get<int>() == 1 && !r[0]["last_error"].get<std::string>().empty();
  })) << "the record should keep the failed attempt";
  ASSERT_TRUE(wait_until([&] { return deliverers() == 0; })) << "bbsot-deliver still running";
  EXPECT_EQ(recv.attempts().size(), 1u) << "one attempt per record per run";
  EXPECT_NE(records()[0]["last_error"].get<std::string>().find("500"), std::string::npos) << records()[0].dump();
  EXPECT_EQ(records()[0]["state"], "ready") << "a 500 is retried, not parked";
  // A flush while the endpoint still fails: one more attempt of the same record, left undelivered.
  auto failing = run({bin_path("git-bbsot"), "report", "flush"}, env(), work);
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_NE(failing.out.find("0 delivered, 1 waiting"), std::string::npos) << failing.out;
  EXPECT_EQ(recv.attempts().size(), 2u);
  recv.mode("ok");
  auto flush = run({bin_path("git-bbsot"), "report", "flush"}, env(), work);
  ASSERT_EQ(flush.exit_code, 0) << flush.out << flush.err;
  ASSERT_EQ(recv.requests().size(), 1u);
  auto rec = records();
  ASSERT_EQ(rec.size(), 1u);
  auto delivered = nlohmann::json::parse(recv.requests()[0]);
  EXPECT_EQ(delivered["headers"]["x-request-uuid"], rec[0]["id"]) << "the request id is the record's on every attempt";
  EXPECT_EQ(delivered["headers"]["x-attempt-number"], std::to_string(recv.attempts().size()))
      << "one record retried, not a new report per attempt";
}

TEST_F(ReportFaults, UnwritableOutboxDoesNotStopThePush) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());
  std::filesystem::remove_all(work + "/.git/bbsot/outbox");
  write_file(work + "/.git/bbsot/outbox", "not a directory\n");  // root ignores modes: break it this way
  commit("one");
  auto push = git({"push", "origin", "main"});
  EXPECT_EQ(push.exit_code, 0) << push.err;
  EXPECT_NE(push.err.find("could not record this push"), std::string::npos) << push.err;
  EXPECT_EQ(git({"ls-remote", "origin", "main"}).out.size() > 0, true);
}

// As root, modes do not stop writes: make the outbox a read-only bind mount of itself when
// mounting is allowed; as another user, chmod is enough.
TEST_F(ReportFaults, ReadOnlyOutboxDoesNotStopThePush) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());
  const std::string outbox = work + "/.git/bbsot/outbox";
  ::mkdir(outbox.c_str(), 0700);  // init may have made it already
  // Constructed in place (never copied), so only the guard in the optional undoes anything.
  struct Unmount {
    std::string p;
    explicit Unmount(std::string path) : p(std::move(path)) {}
    Unmount(const Unmount&) = delete;
    ~Unmount() {
      if (run({"umount", p}).exit_code != 0) run({"umount", "-l", p});
    }
  };
  struct Rechmod {
    std::string p;
    explicit Rechmod(std::string path) : p(std::move(path)) {}
    Rechmod(const Rechmod&) = delete;
    ~Rechmod() { ::chmod(p.c_str(), 0700); }
  };
  std::optional<Unmount> unmount;
  std::optional<Rechmod> rechmod;
  std::string why;
  if (::geteuid() == 0) {
    if (run({"mount", "--bind", outbox, outbox}).exit_code != 0)
      GTEST_SKIP() << "cannot bind-mount here (needs privileges)";
    unmount.emplace(outbox);
    auto ro = run({"mount", "-o", "remount,ro,bind", outbox});
    if (ro.exit_code != 0) GTEST_SKIP() << "cannot remount read-only here: " << ro.err;
    why = "Read-only file system";
  } else {
    ASSERT_EQ(::chmod(outbox.c_str(), 0500), 0);
    rechmod.emplace(outbox);
    why = "Permission denied";
  }
  ASSERT_NE(::access(outbox.c_str(), W_OK), 0) << "the outbox is still writable";
  commit("one");
  auto t = std::chrono::steady_clock::now();
  auto push = git({"push", "origin", "main"});
  EXPECT_EQ(push.exit_code, 0) << push.err;
  EXPECT_LT(ms_since(t), 10000);
  EXPECT_NE(push.err.find("could not record this push"), std::string::npos) << push.err;
  EXPECT_NE(push.err.find(why), std::string::npos) << "the reason should be given: " << push.err;
  EXPECT_TRUE(records().empty());
  std::vector<std::string> files;
  all_files(outbox, files);
  EXPECT_TRUE(files.empty()) << files.size() << " files, first " << (files.empty() ? "" : files[0]);
  EXPECT_FALSE(git({"ls-remote", "origin", "main"}).out.empty()) << "the push itself went through";
}

// Token expiry is computed from our clock, so doctor compares it with the hook_url server's.
TEST_F(ReportFaults, DoctorWarnsWhenThisClockIsBehindTheServers) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());
  auto in_sync = run({bin_path("git-bbsot"), "doctor"}, env(), work);
  EXPECT_TRUE(std::regex_search(in_sync.out, std::regex("(^|\n)ok +clock: "))) << in_sync.out << in_sync.err;
  recv.date_offset(3 * 3600);  // the server is 3 h ahead: our clock is 3 h behind
  auto behind = run({bin_path("git-bbsot"), "doctor"}, env(), work);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(behind.out, m, std::regex("(^|\n)warn +clock: this machine's clock is (-?[0-9]+) s off")))
      << behind.out;
  EXPECT_NEAR(std::stod(m[2]), 3 * 3600, 60) << behind.out;
  EXPECT_NE(behind.out.find("time synchronisation"), std::string::npos) << behind.out;
}

// A record that cannot be read is listed with the reason and left where it is (nothing
// is moved or deleted), and it does not stop the other reports.
TEST_F(ReportFaults, UnreadableRecordIsListedAndKept) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());
  ::mkdir((work + "/.git/bbsot/outbox").c_str(), 0700);  // init may have made it already
  const std::string bad = work + "/.git/bbsot/outbox/0f0f0f0f-0000-4000-8000-000000000000.json";
  const std::string text = "{\"id\": \"0f0f0f0f-0000-4000-8000-0000";
  write_file(bad, text, 0600);
  auto list = run({bin_path("git-bbsot"), "report", "list"}, env(), work);
  EXPECT_EQ(list.exit_code, 0) << list.out << list.err;
  const auto line_at = list.out.find("unreadable  " + bad + ": ");
  ASSERT_NE(line_at, std::string::npos) << list.out;
  const std::string line = list.out.substr(line_at, list.out.find('\n', line_at) - line_at);
  EXPECT_NE(line.find("(kept;"), std::string::npos) << line;
  auto json_list = run({bin_path("git-bbsot"), "report", "list", "--json"}, env(), work);
  ASSERT_EQ(json_list.exit_code, 0) << json_list.out << json_list.err;
  auto j = nlohmann::json::parse(json_list.out, nullptr, false);
  ASSERT_TRUE(j.is_array() && j.size() == 1u) << json_list.out;
  EXPECT_EQ(j[0]["state"], "unreadable");
  EXPECT_EQ(j[0]["file"], bad);
  EXPECT_FALSE(j[0]["reason"].get<std::string>().empty()) << json_list.out;
  commit("one");
  EXPECT_EQ(git({"push", "-q", "origin", "main"}).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return recv.requests().size() == 1; }));
  ASSERT_TRUE(wait_until([&] { return deliverers() == 0; })) << "bbsot-deliver still running";
  EXPECT_EQ(read_file(bad), text) << "the unreadable record must stay as it was";
  EXPECT_FALSE(std::filesystem::exists(work + "/.git/bbsot/outbox/corrupt"));
}

TEST_F(ReportFaults, FullDiskDoesNotStopThePush) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());  // the clone's record stays readable; the outbox's disk is full
  const std::string mnt = work + "/.git/bbsot/outbox";
  ::mkdir(mnt.c_str(), 0700);  // init may have made it already
  if (run({"mount", "-t", "tmpfs", "-o", "size=16k,nr_inodes=4", "tmpfs", mnt}).exit_code != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs privileges)";
  struct Unmount {
    std::string p;
    ~Unmount() { run({"umount", "-l", p}); }
  } unmount{mnt};
  // Fill it up.
  run({"sh", "-c", "cat /dev/zero > " + mnt + "/fill"});
  commit("one");
  auto push = git({"push", "origin", "main"});
  EXPECT_EQ(push.exit_code, 0) << push.err;
  EXPECT_NE(push.err.find("could not record this push"), std::string::npos) << push.err;
}

TEST_F(ReportFaults, SecretsNeverLeakToOutputTracesChildrenOrFiles) {
  Receiver recv(tmp.path() + "/recv");
  bbsot_yml(recv.url());
  commit("one");
  std::vector<RunResult> results;
  results.push_back(git({"push", "origin", "main"}));
  ASSERT_TRUE(wait_until([&] { return recv.requests().size() == 1; }));
  commit("two");
  results.push_back(git({"push", "origin", "main"}));
  ASSERT_TRUE(wait_until([&] { return recv.requests().size() == 2; }));
  results.push_back(run({bin_path("git-bbsot"), "report", "list", "--json"}, env(), work));
  results.push_back(run({bin_path("git-bbsot"), "report", "flush"}, env(), work));
  results.push_back(run({bin_path("git-bbsot"), "status", "--no-fetch"}, env(), work));
  results.push_back(run({bin_path("git-bbsot"), "doctor"}, env(), work));
  for (const auto& r : results) {
    EXPECT_EQ(r.out.find(kReportSecret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kReportSecret), std::string::npos) << r.err;
  }
  // The receiver got signatures, never the secret.
  for (const auto& req : recv.requests()) EXPECT_EQ(req.find(kReportSecret), std::string::npos);
  // Children's argv and environment, as the git wrapper saw them.
  const std::string seen = read_file(calls);
  EXPECT_NE(seen.find("ARGV:"), std::string::npos) << "the wrapper ran";
  EXPECT_EQ(seen.find(kReportSecret), std::string::npos);
  // Trace was on; no file but the one the user keeps the secret in holds it.
  EXPECT_NE(read_file(tmp.path() + "/trace.log").find("deliver:"), std::string::npos);
  std::vector<std::string> files;
  all_files(tmp.path(), files);
  for (const auto& f : files) {
    if (f == tmp.path() + "/report-secret") continue;
    EXPECT_EQ(read_file(f).find(kReportSecret), std::string::npos) << f;
  }
}
