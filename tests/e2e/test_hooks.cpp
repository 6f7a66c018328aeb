// End-to-end tests of the hooks and push reports (docs/DESIGN.md "Hooks and push reports"):
// real git in throwaway repositories, two bare remotes standing in for Bitbucket
// (`origin`) and the platform's mirror (`platform`), and the receiver double on
// 127.0.0.1 standing in for the integration's hook_url. The hooks are installed by
// symlinking .git/hooks/<name> to the staged programs, as the git template does.
//
// Delivery is asynchronous (detached bbsot-deliver processes), so the tests poll the
// receiver and the outbox, then wait until every deliverer of the test has exited (found
// in /proc) before counting: after that, nothing can arrive twice.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sandbox.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kZero = "0000000000000000000000000000000000000000";
constexpr int kDeliveryTimeoutMs = 15000;
constexpr int kQuietMs = 300;  // after the deliverers exited, for a late request to land

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Polls `cond` every 50 ms until it holds or timeout_ms passes; returns its last value.
bool eventually(const std::function<bool()>& cond, int timeout_ms = kDeliveryTimeoutMs) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    sleep_ms(50);
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    out += buf;
  }
  return out;
}

// One request as the receiver logged it: headers with lower-cased names, the raw body,
// and the body parsed.
struct Delivery {
  std::string path;
  json headers;
  std::string raw;
  json body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->get<std::string>();
  }
};

std::vector<std::string> hashes_of(const json& commits) {
  std::vector<std::string> out;
  for (const auto& c : commits) out.push_back(c.at("hash").get<std::string>());
  return out;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// Options of the .bbsot.yml a test writes.
struct ConfigOptions {
  std::string type = "bitbucket";
  std::string url;  // Server base URL
  std::string repository = "acme/shop";
  std::string fetch_branches;  // "" : not written (default true)
  std::string secret_env;
};

class Hooks : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    origin_ = tmp_.path() + "/origin.git";
    platform_ = tmp_.path() + "/platform.git";
    env_ = e2e_env(home_, stage_dir() + "/bin");
    git_ok({"init", "-q", "--bare", origin_}, tmp_.path());
    git_ok({"init", "-q", "--bare", platform_}, tmp_.path());
    git_ok({"init", "-q", work_}, tmp_.path());
    git_ok({"remote", "add", "origin", origin_});
    git_ok({"remote", "add", "platform", platform_});
    commit("initial");
    // Bitbucket has main before bbsot is installed: its tracking ref exists from here on.
    git_ok({"push", "-q", "origin", "main"});
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    write_config();
  }

  // ------------------------------------------------------------------------ git

  RunResult git(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    return run(argv, env, cwd.empty() ? work_ : cwd, "", 60000);
  }

  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    auto r = git(args, cwd, extra);
    if (r.exit_code != 0) {
      std::string cmd = "git";
      for (const auto& a : args) cmd += " " + a;
      throw std::runtime_error(cmd + " failed: " + describe(r));
    }
    return trim(r.out);
  }

  // An empty commit with its own, increasing dates: the order of commits is then the
  // same for git rev-list and libgit2's time-sorted walk.
  std::string commit(const std::string& message, const std::string& dir = "") {
    ++clock_;
    const std::string date = "@" + std::to_string(1700000000 + clock_ * 60) + " +0000";
    git_ok({"commit", "-q", "--allow-empty", "-m", message}, dir,
           {{"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_DATE", date}});
    return git_ok({"rev-parse", "HEAD"}, dir);
  }

  std::string rev(const std::string& what, const std::string& dir = "") { return git_ok({"rev-parse", what}, dir); }

  std::vector<std::string> rev_list(const std::vector<std::string>& args) {
    std::vector<std::string> a{"rev-list"};
    a.insert(a.end(), args.begin(), args.end());
    return split_lines(git_ok(a));
  }

  // "<sha>\t<ref>" lines of a remote, or "" when it has none of them.
  std::string ls_remote(const std::string& remote, const std::string& ref = "") {
    std::vector<std::string> a{"ls-remote", remote};
    if (!ref.empty()) a.push_back(ref);
    return git_ok(a);
  }

  RunResult push(const std::vector<std::string>& args, const Env& extra = {}, const std::string& dir = "") {
    std::vector<std::string> a{"push"};
    a.insert(a.end(), args.begin(), args.end());
    return git(a, dir, extra);
  }

  void push_ok(const std::vector<std::string>& args, const Env& extra = {}) {
    auto r = push(args, extra);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  }

  // --------------------------------------------------------------- bbsot setup

  static std::string hook_program(const std::string& name) { return stage_dir() + "/libexec/bbsot/hooks/" + name; }

  static void install_hooks(const std::string& hooks_dir) {
    fs::create_directories(hooks_dir);
    for (const char* name : {"pre-push", "reference-transaction"}) {
      std::error_code ec;
      fs::remove(hooks_dir + "/" + name, ec);
      fs::create_symlink(hook_program(name), hooks_dir + "/" + name);
    }
  }

  std::string config_text(const ConfigOptions& o) const {
    std::string t = "integration:\n";
    t += "  type: " + o.type + "\n";
    if (!o.url.empty()) t += "  url: " + o.url + "\n";
    t += "  repository: " + o.repository + "\n";
    t += "  project: abcdefgh1234\n";
    t += "  default_branch: main\n";
    t += "  hook_url: " + receiver_->url() + "\n";
    if (!o.fetch_branches.empty()) t += "  fetch_branches: " + o.fetch_branches + "\n";
    t += "remotes:\n  source: origin\n  mirror: platform\n";
    return t;
  }

  // The team's .bbsot.yml, then `git bbsot init --yes` as a developer sets the clone up
  // (hooks, the clone's record, the report secret in the user's own file).
  void write_config(const ConfigOptions& o = {}, const std::string& dir = "") {
    write_file((dir.empty() ? work_ : dir) + "/.bbsot.yml", config_text(o));
    std::vector<std::string> argv{bin_path("git-bbsot"), "init", "--yes"};
    if (!o.secret_env.empty()) argv.insert(argv.end(), {"--report-secret-env", o.secret_env});
    auto r = run(argv, env_, dir.empty() ? work_ : dir, "", 60000);
    if (r.exit_code != 0) throw std::runtime_error("git bbsot init failed: " + describe(r));
  }

  // `git bbsot report flush` in the work tree; nullopt when this build has no such
  // command (git-bbsot is being written alongside these tests).
  std::optional<RunResult> report_flush() {
    if (!fs::exists(bin_path("git-bbsot"))) return std::nullopt;
    auto r = run({bin_path("git-bbsot"), "report", "flush"}, env_, work_, "", 60000);
    if (contains(r.err, "not a bbsot command") || contains(r.err, "unknown subcommand")) return std::nullopt;
    return r;
  }

  // ------------------------------------------------------------------ observing

  std::vector<Delivery> deliveries() const {
    std::vector<Delivery> out;
    for (const auto& line : receiver_->requests()) {
      json j = json::parse(line);
      Delivery d;
      d.path = j.value("path", "");
      d.headers = j.at("headers");
      d.raw = j.at("body").get<std::string>();
      d.body = json::parse(d.raw, nullptr, false);
      out.push_back(std::move(d));
    }
    return out;
  }

  int deliverers_running() const { return bbsot::test::deliverers_running(tmp_.path()); }

  // Waits until every deliverer this test started has exited: after that nothing more
  // can arrive. Returns false on timeout.
  bool wait_idle(int timeout_ms = kDeliveryTimeoutMs) const {
    return eventually([&] { return deliverers_running() == 0; }, timeout_ms);
  }

  // Waits for at least n deliveries, then for the deliverers to finish and a little
  // more, so that a duplicate would show.
  std::vector<Delivery> wait_deliveries(size_t n, int timeout_ms = kDeliveryTimeoutMs) {
    eventually([&] { return receiver_->requests().size() >= n; }, timeout_ms);
    EXPECT_TRUE(wait_idle()) << "bbsot-deliver still running";
    sleep_ms(kQuietMs);
    return deliveries();
  }

  std::string outbox_dir(const std::string& common = "") const {
    return (common.empty() ? work_ + "/.git" : common) + "/bbsot/outbox";
  }

  std::vector<std::string> record_files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(outbox_dir(), ec))
      if (e.path().extension() == ".json") out.push_back(e.path().string());
    return out;
  }

  // Every record in the outbox, parsed (a file that does not parse is a test failure).
  std::vector<json> records() const {
    std::vector<json> out;
    for (const auto& f : record_files()) {
      std::string text;
      try {
        text = read_file(f);
      } catch (const std::exception&) {
        continue;  // removed meanwhile
      }
      json j = json::parse(text, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << f << " is not JSON:\n" << text;
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }

  bool all_records_in_state(const std::string& state) const {
    auto rs = records();
    for (const auto& r : rs)
      if (r.value("state", "") != state) return false;
    return !rs.empty();
  }

  // The single change of the single delivery a push made, after waiting for it.
  json only_change(const std::vector<Delivery>& ds) {
    EXPECT_EQ(ds.size(), 1u);
    if (ds.empty()) return json::object();
    const auto& changes = ds.back().body["push"]["changes"];
    EXPECT_EQ(changes.size(), 1u) << ds.back().raw;
    return changes.empty() ? json::object() : changes[0];
  }

  TempDir tmp_;
  std::string home_, work_, origin_, platform_;
  Env env_;
  std::unique_ptr<Receiver> receiver_;
  int clock_ = 0;
};

// -------------------------------------------------------------- Cloud repo:push

TEST_F(Hooks, NewBranchIsReportedOnce) {
  git_ok({"checkout", "-q", "-b", "feature"});
  for (int i = 1; i <= 7; ++i) commit("feature " + std::to_string(i));
  const std::string sha = rev("HEAD");
  // What Bitbucket lists: the commits new to the remote, newest first, at most 5.
  const auto expected = rev_list({"--max-count=5", "feature", "--not", "--remotes=origin"});
  ASSERT_EQ(expected.size(), 5u);

  auto r = push({"origin", "feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "bbsot: feature: new branch")) << r.err;

  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  const auto& d = ds[0];
  EXPECT_EQ(d.path, "/hook");
  EXPECT_EQ(d.header("x-event-key"), "repo:push");
  EXPECT_TRUE(std::regex_match(d.header("x-request-uuid"), kUuid)) << d.header("x-request-uuid");
  EXPECT_EQ(d.header("x-attempt-number"), "1");
  EXPECT_EQ(d.header("content-type"), "application/json");
  EXPECT_EQ(d.header("x-hub-signature"), "") << "signed without a report secret";
  ASSERT_FALSE(d.body.is_discarded()) << d.raw;

  json c = only_change(ds);
  EXPECT_EQ(c["new"]["name"], "feature");
  EXPECT_EQ(c["new"]["type"], "branch");
  EXPECT_EQ(c["new"]["target"]["hash"], sha);
  EXPECT_TRUE(c["old"].is_null());
  EXPECT_EQ(c["created"], true);
  EXPECT_EQ(c["closed"], false);
  EXPECT_EQ(c["forced"], false);
  EXPECT_EQ(c["truncated"], true);
  EXPECT_EQ(hashes_of(c["commits"]), expected);
  EXPECT_EQ(d.body["actor"]["display_name"], "Alice Example");
  EXPECT_EQ(d.body["repository"]["full_name"], "acme/shop");

  // The record is kept as sent, under the request id the receiver saw.
  auto rs = records();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0]["id"], d.header("x-request-uuid"));
  EXPECT_EQ(rs[0]["state"], "sent");
}

TEST_F(Hooks, FastForwardUpdateListsOnlyTheNewCommits) {
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");
  push_ok({"origin", "feature"});
  ASSERT_EQ(wait_deliveries(1).size(), 1u);
  const std::string old_sha = rev("HEAD");
  commit("two");
  commit("three");
  const std::string new_sha = rev("HEAD");
  const auto expected = rev_list({"origin/feature..feature"});
  ASSERT_EQ(expected.size(), 2u);

  push_ok({"origin", "feature"});
  auto ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_NE(ds[0].header("x-request-uuid"), ds[1].header("x-request-uuid"));
  const json& changes = ds[1].body["push"]["changes"];
  ASSERT_EQ(changes.size(), 1u) << ds[1].raw;
  const json& c = changes[0];
  EXPECT_EQ(c["old"]["target"]["hash"], old_sha);
  EXPECT_EQ(c["new"]["target"]["hash"], new_sha);
  EXPECT_EQ(c["created"], false);
  EXPECT_EQ(c["forced"], false);
  EXPECT_EQ(c["closed"], false);
  EXPECT_EQ(c["truncated"], false);
  EXPECT_EQ(hashes_of(c["commits"]), expected);
}

TEST_F(Hooks, ForcedUpdateIsMarkedForced) {
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");
  const std::string old_sha = commit("two");
  push_ok({"origin", "feature"});
  ASSERT_EQ(wait_deliveries(1).size(), 1u);
  git_ok({"reset", "-q", "--hard", "HEAD~1"});
  const std::string new_sha = commit("two, rewritten");

  push_ok({"--force", "origin", "feature"});
  auto ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  const json& c = ds[1].body["push"]["changes"][0];
  EXPECT_EQ(c["forced"], true);
  EXPECT_EQ(c["created"], false);
  EXPECT_EQ(c["old"]["target"]["hash"], old_sha);
  EXPECT_EQ(c["new"]["target"]["hash"], new_sha);
}

TEST_F(Hooks, DeletedBranchIsClosed) {
  git_ok({"checkout", "-q", "-b", "feature"});
  const std::string sha = commit("one");
  push_ok({"origin", "feature"});
  ASSERT_EQ(wait_deliveries(1).size(), 1u);

  auto r = push({"origin", ":feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "feature: branch deleted on Bitbucket")) << r.err;
  auto ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  const json& changes = ds[1].body["push"]["changes"];
  ASSERT_EQ(changes.size(), 1u) << ds[1].raw;
  const json& c = changes[0];
  EXPECT_EQ(c["closed"], true);
  EXPECT_TRUE(c["new"].is_null());
  EXPECT_EQ(c["old"]["name"], "feature");
  EXPECT_EQ(c["old"]["target"]["hash"], sha);
  EXPECT_EQ(c["created"], false);
}

TEST_F(Hooks, LightweightAndAnnotatedTagsAreReported) {
  const std::string sha = commit("tagged");
  git_ok({"push", "-q", "origin", "main"});  // delivered as an update; not what we look at
  ASSERT_EQ(wait_deliveries(1).size(), 1u);
  git_ok({"tag", "v1"});
  // Tags have no tracking refs: the watcher settles them with ls-remote after the push.
  push_ok({"origin", "v1"});
  auto ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  {
    const json& c = ds[1].body["push"]["changes"][0];
    EXPECT_EQ(c["new"]["type"], "tag");
    EXPECT_EQ(c["new"]["name"], "v1");
    EXPECT_EQ(c["new"]["target"]["hash"], sha);
    EXPECT_EQ(c["created"], true);
  }

  git_ok({"tag", "-a", "v2", "-m", "release 2"});
  push_ok({"origin", "v2"});
  ds = wait_deliveries(3);
  ASSERT_EQ(ds.size(), 3u);
  const json& c = ds[2].body["push"]["changes"][0];
  EXPECT_EQ(c["new"]["type"], "tag");
  EXPECT_EQ(c["new"]["name"], "v2");
  EXPECT_EQ(c["created"], true);
  // Bitbucket's ref target is always a commit: an annotated tag's target is the commit
  // it points at, not the tag object.
  EXPECT_EQ(c["new"]["target"]["hash"], sha) << "tag object is " << rev("v2");
  EXPECT_TRUE(records().size() == 3u && all_records_in_state("sent"));
}

TEST_F(Hooks, SeveralRefsInOnePushMakeOneReport) {
  git_ok({"checkout", "-q", "-b", "alpha"});
  const std::string a = commit("alpha");
  git_ok({"checkout", "-q", "-b", "beta", "main"});
  const std::string b = commit("beta");
  git_ok({"tag", "t1", a});

  push_ok({"origin", "alpha", "beta", "t1"});
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  const json& changes = ds[0].body["push"]["changes"];
  ASSERT_EQ(changes.size(), 3u) << ds[0].raw;
  std::map<std::string, json> by_name;
  for (const auto& c : changes) by_name[c["new"]["name"].get<std::string>()] = c;
  ASSERT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name["alpha"]["new"]["type"], "branch");
  EXPECT_EQ(by_name["alpha"]["new"]["target"]["hash"], a);
  EXPECT_EQ(by_name["beta"]["new"]["type"], "branch");
  EXPECT_EQ(by_name["beta"]["new"]["target"]["hash"], b);
  EXPECT_EQ(by_name["t1"]["new"]["type"], "tag");
  EXPECT_EQ(by_name["t1"]["new"]["target"]["hash"], a);
}

TEST_F(Hooks, PushAllReportsEveryUpdatedBranch) {
  git_ok({"checkout", "-q", "-b", "one"});
  const std::string s1 = commit("one");
  git_ok({"checkout", "-q", "-b", "two", "main"});
  const std::string s2 = commit("two");

  push_ok({"--all", "origin"});
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  const json& changes = ds[0].body["push"]["changes"];
  // main is already up to date on origin, so git does not push it.
  ASSERT_EQ(changes.size(), 2u) << ds[0].raw;
  std::map<std::string, std::string> got;
  for (const auto& c : changes) got[c["new"]["name"]] = c["new"]["target"]["hash"];
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"one", s1}, {"two", s2}}));
}

TEST_F(Hooks, SignatureIsHmacOfTheRawBodyAndTheSecretLeaksNowhere) {
  const std::string canary = "canary-S3cr3t-9f1c2e7a4b";
  ConfigOptions o;
  o.secret_env = "BBSOT_TEST_REPORT_SECRET";
  write_config(o);
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("signed");

  auto r = push({"origin", "feature"}, {{"BBSOT_TEST_REPORT_SECRET", canary}});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  const auto& d = ds[0];
  EXPECT_EQ(d.header("x-hub-signature"), "sha256=" + hmac_sha256_hex(canary, d.raw));

  EXPECT_FALSE(contains(d.raw, canary));
  EXPECT_FALSE(contains(d.headers.dump(), canary));
  EXPECT_FALSE(contains(r.err, canary));
  EXPECT_FALSE(contains(r.out, canary));
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(work_ + "/.git/bbsot", ec)) {
    if (!e.is_regular_file()) continue;
    EXPECT_FALSE(contains(read_file(e.path().string()), canary)) << e.path();
  }
  EXPECT_FALSE(contains(read_file(work_ + "/.bbsot.yml"), canary));
}

// ---------------------------------------------------- Server repo:refs_changed

TEST_F(Hooks, ServerSendsRefsChanged) {
  ConfigOptions o;
  o.type = "bitbucket_server";
  o.url = "https://bb.example.com";
  o.repository = "PROJ/shop";
  write_config(o);
  git_ok({"checkout", "-q", "-b", "feature"});
  const std::string first = commit("one");

  push_ok({"origin", "feature"});
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  const auto& d = ds[0];
  EXPECT_EQ(d.header("x-event-key"), "repo:refs_changed");
  EXPECT_TRUE(std::regex_match(d.header("x-request-id"), kUuid)) << d.header("x-request-id");
  EXPECT_TRUE(d.header("x-request-uuid").empty());
  ASSERT_FALSE(d.body.is_discarded()) << d.raw;
  EXPECT_EQ(d.body["eventKey"], "repo:refs_changed");
  EXPECT_EQ(d.body["repository"]["slug"], "shop");
  EXPECT_EQ(d.body["repository"]["project"]["key"], "PROJ");
  ASSERT_EQ(d.body["changes"].size(), 1u) << d.raw;
  json c = d.body["changes"][0];
  EXPECT_EQ(c["ref"]["id"], "refs/heads/feature");
  EXPECT_EQ(c["ref"]["displayId"], "feature");
  EXPECT_EQ(c["ref"]["type"], "BRANCH");
  EXPECT_EQ(c["refId"], "refs/heads/feature");
  EXPECT_EQ(c["fromHash"], kZero);
  EXPECT_EQ(c["toHash"], first);
  EXPECT_EQ(c["type"], "ADD");

  const std::string second = commit("two");
  push_ok({"origin", "feature"});
  ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  ASSERT_EQ(ds[1].body["changes"].size(), 1u) << ds[1].raw;
  c = ds[1].body["changes"][0];
  EXPECT_EQ(c["type"], "UPDATE");
  EXPECT_EQ(c["fromHash"], first);
  EXPECT_EQ(c["toHash"], second);
  EXPECT_NE(ds[0].header("x-request-id"), ds[1].header("x-request-id"));
}

// ------------------------------------------------------- pushes that do not land

TEST_F(Hooks, RejectedNonFastForwardIsNotReported) {
  // Someone else pushes to main from their own clone.
  const std::string other = tmp_.path() + "/other";
  git_ok({"clone", "-q", origin_, other}, tmp_.path());
  commit("theirs", other);
  git_ok({"push", "-q", "origin", "main"}, other);
  commit("ours");

  auto r = push({"origin", "main"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "rejected")) << r.err;
  // The watcher settles anything pre-push recorded: the push never landed, so the
  // record goes and nothing is delivered.
  EXPECT_TRUE(eventually([&] { return record_files().empty(); }));
  EXPECT_TRUE(wait_idle());
  sleep_ms(1000);
  EXPECT_TRUE(receiver_->requests().empty());
  EXPECT_TRUE(receiver_->attempts().empty());
  EXPECT_TRUE(record_files().empty());
}

TEST_F(Hooks, PushDeclinedByTheRemoteDropsThePendingRecord) {
  // A rejection the client cannot foresee: pre-push has run and recorded the push.
  write_file(origin_ + "/hooks/pre-receive", "#!/bin/sh\necho 'declined by policy' >&2\nexit 1\n", 0755);
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");

  auto r = push({"origin", "feature"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "bbsot: feature: new branch")) << "pre-push did not run:\n" << r.err;
  EXPECT_TRUE(eventually([&] { return record_files().empty(); }))
      << "pending record left: " << (record_files().empty() ? "" : read_file(record_files()[0]));
  EXPECT_TRUE(wait_idle());
  sleep_ms(kQuietMs);
  EXPECT_TRUE(receiver_->requests().empty());
  EXPECT_TRUE(receiver_->attempts().empty());
}

// ------------------------------------------------------------- delivery failures

TEST_F(Hooks, ReceiverDownKeepsTheRecordUntilFlushed) {
  receiver_->mode("500");
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");

  auto started = Clock::now();
  auto r = push({"origin", "feature"});
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_LT(took, 5000) << "the push waited for the integration";

  // The push's own delivery run tries once and schedules a retry by the backoff policy.
  json rec;
  ASSERT_TRUE(eventually(
      [&] {
        auto rs = records();
        if (rs.size() != 1 || rs[0].value("last_error", "").empty()) return false;
        rec = rs[0];
        return true;
      },
      30000))
      << "no failed attempt recorded";
  ASSERT_TRUE(wait_idle());
  rec = records().at(0);
  EXPECT_EQ(rec["state"], "ready");
  // One attempt per run: a short outage is bridged by the schedule, not by attempts
  // crammed into seconds (docs/RELIABILITY.md "Retry policy").
  EXPECT_EQ(rec["attempts"].get<int>(), 1) << rec.dump();
  EXPECT_TRUE(contains(rec["last_error"].get<std::string>(), "500")) << rec.dump();
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GE(rec["next_attempt"].get<int64_t>(), rec["first_failure_at"].get<int64_t>() + 4);
  EXPECT_LE(rec["next_attempt"].get<int64_t>(), now + 300) << "capped at 5 minutes";
  EXPECT_TRUE(receiver_->requests().empty());
  auto failed = receiver_->attempts();
  EXPECT_EQ(failed.size(), static_cast<size_t>(rec["attempts"].get<int>()));
  for (const auto& a : failed) EXPECT_TRUE(contains(a, "\"500\"")) << a;

  receiver_->mode("ok");
  auto f = report_flush();
  if (!f) GTEST_SKIP() << "git bbsot report flush is not available in this build";
  EXPECT_EQ(f->exit_code, 0) << describe(*f);
  EXPECT_TRUE(contains(f->out, "1 delivered")) << f->out;
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].header("x-request-uuid"), rec["id"]);
  EXPECT_EQ(ds[0].header("x-attempt-number"), std::to_string(rec["attempts"].get<int>() + 1));
  EXPECT_EQ(receiver_->attempts().size(), failed.size() + 1);
  auto rs = records();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0]["state"], "sent");
  EXPECT_EQ(rs[0]["last_error"], "");
}

// The deliverer is killed while its request is in flight: the record must survive and
// be delivered exactly once later.
TEST_F(Hooks, DelivererKilledMidRequestLosesNothing) {
  receiver_->mode("500");
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");
  push_ok({"origin", "feature"});
  ASSERT_TRUE(eventually(
      [&] {
        auto rs = records();
        return rs.size() == 1 && !rs[0].value("last_error", "").empty();
      },
      30000));
  // The hook's deliverers (confirm's run, the watcher) must be gone: ours is to be the
  // only one that takes the record once it is due.
  ASSERT_TRUE(wait_idle());
  const std::string rec_path = record_files().at(0);
  json rec = json::parse(read_file(rec_path));
  const int attempts_before = static_cast<int>(receiver_->attempts().size());
  // Due now, so a plain `bbsot-deliver run` takes it.
  rec["next_attempt"] = 0;
  write_file(rec_path, rec.dump(2) + "\n", 0600);

  receiver_->mode("slow");
  const std::string pid_file = tmp_.path() + "/deliver.pid";
  const std::string deliver = stage_dir() + "/libexec/bbsot/bbsot-deliver";
  RunResult killed;
  std::thread t([&] {
    killed = run({"sh", "-c", "echo $$ > '" + pid_file + "'; exec '" + deliver + "' run '" + work_ + "/.git'"}, env_,
                 work_, "", 60000);
  });
  bool in_flight = eventually([&] { return receiver_->attempts().size() > static_cast<size_t>(attempts_before); });
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(read_file(pid_file)));
  } catch (const std::exception&) {
  }
  sleep_ms(300);
  if (pid > 0) ::kill(pid, SIGKILL);
  t.join();
  ASSERT_TRUE(in_flight) << "the deliverer never reached the receiver";
  ASSERT_GT(pid, 0);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << describe(killed);

  // The record is still there, undelivered.
  auto rs = records();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0]["state"], "ready");
  EXPECT_TRUE(receiver_->requests().empty());

  receiver_->mode("ok");
  // The killed run never rescheduled the record, so a plain run takes it too.
  auto f = report_flush();
  if (!f) f = run({deliver, "run", work_ + "/.git"}, env_, work_);
  EXPECT_EQ(f->exit_code, 0) << describe(*f);
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].header("x-request-uuid"), rec["id"]);
  rs = records();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0]["state"], "sent");
}

// ---------------------------------------------------------------- the mirror

TEST_F(Hooks, PushToTheMirrorIsRefused) {
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");

  auto r = push({"platform", "feature"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "refusing to push to 'platform'")) << r.err;
  EXPECT_TRUE(contains(r.err, "git push origin feature")) << r.err;
  EXPECT_EQ(ls_remote("platform"), "");
  EXPECT_TRUE(record_files().empty());

  r = push({"platform", "feature"}, {{"BBSOT_ALLOW_MIRROR_PUSH", "1"}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "BBSOT_ALLOW_MIRROR_PUSH")) << r.err;
  EXPECT_TRUE(contains(ls_remote("platform", "refs/heads/feature"), rev("feature")));

  ConfigOptions o;
  o.fetch_branches = "false";
  write_config(o);
  git_ok({"checkout", "-q", "-b", "other"});
  commit("two");
  r = push({"platform", "other"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.err, "bbsot:")) << r.err;
  EXPECT_TRUE(contains(ls_remote("platform", "refs/heads/other"), rev("other")));
  EXPECT_TRUE(record_files().empty());
  EXPECT_TRUE(wait_idle());
  EXPECT_TRUE(receiver_->attempts().empty());
}

// .bbsot.yml is shared, but each clone names its own remotes: here a teammate's `origin`
// is the platform (reached through a stand-in ssh that serves the bare repository).
TEST_F(Hooks, TeammateWhoseOriginIsThePlatformIsRefusedAndPointedAtBitbucket) {
  const std::string ssh = tmp_.path() + "/fake-ssh";
  write_file(ssh,
             "#!/bin/sh\n# the last argument is the command git runs on the server\n"
             "while [ $# -gt 1 ]; do shift; done\ncd '" +
                 tmp_.path() + "' && exec sh -c \"$1\"\n");
  fs::permissions(ssh, fs::perms(0755));
  git_ok({"remote", "set-url", "origin", "abc123@git.eu-3.platform.sh:platform.git"});
  git_ok({"remote", "add", "bb", origin_});
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("one");

  auto r = push({"origin", "feature"}, {{"GIT_SSH_COMMAND", ssh}});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "refusing to push to 'origin'")) << r.err;
  EXPECT_FALSE(contains(r.err, "bbsot:     git push origin")) << "suggested the refused remote itself:\n" << r.err;
  EXPECT_TRUE(contains(r.err, "git push https://bitbucket.org/acme/shop feature")) << r.err;
  EXPECT_EQ(ls_remote("platform", "refs/heads/feature"), "");
}

// ------------------------------------------------------------ configuration

// The guard does not depend on the checked-out tree: a branch whose .bbsot.yml is broken
// (or missing) is guarded and reported as the clone's record says (docs/TRUST.md).
TEST_F(Hooks, BrokenConfigOnTheBranchChangesNothing) {
  git_ok({"checkout", "-q", "-b", "feature"});
  write_file(work_ + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repository: [acme/shop\n");
  git_ok({"add", ".bbsot.yml"});
  git_ok({"commit", "-q", "-m", "break the config on this branch"});
  const std::string sha = rev("HEAD");

  auto r = push({"origin", "feature"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "bbsot: feature: new branch")) << r.err;
  EXPECT_EQ(wait_deliveries(1).size(), 1u);
  r = push({"platform", "feature"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "refusing to push to 'platform'")) << r.err;
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  fs::remove(work_ + "/.bbsot.yml");
  r = push({"platform", "feature"});
  EXPECT_NE(r.exit_code, 0) << "refused without the file too:\n" << describe(r);

  // An unrelated remote (neither source nor mirror) is an ordinary remote.
  const std::string backup = tmp_.path() + "/backup.git";
  git_ok({"init", "-q", "--bare", backup}, tmp_.path());
  git_ok({"remote", "add", "backup", backup});
  const size_t before = record_files().size();
  r = push({"backup", "feature"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.err, "bbsot:")) << r.err;
  EXPECT_TRUE(contains(ls_remote("backup", "refs/heads/feature"), sha));
  EXPECT_EQ(record_files().size(), before);
}

// A clone never set up with init (hooks from the template), whose .bbsot.yml cannot be
// read: the file cannot name the mirror, but a platform URL is still refused (a push to
// the mirror is never let through because bbsot could not read its configuration), while
// the push to Bitbucket goes on with the warning.
TEST_F(Hooks, UnreadableFileInACloneNotSetUpStillRefusesAPlatformUrl) {
  const std::string ssh = tmp_.path() + "/fake-ssh";
  write_file(ssh,
             "#!/bin/sh\n# the last argument is the command git runs on the server\n"
             "while [ $# -gt 1 ]; do shift; done\ncd '" +
                 tmp_.path() + "' && exec sh -c \"$1\"\n");
  fs::permissions(ssh, fs::perms(0755));
  fs::remove(work_ + "/.git/bbsot/clone.json");
  write_file(work_ + "/.bbsot.yml", "integration:\n  type: bitbucket\n  repository: [acme/shop\n");
  // The same bare repository as `platform`, reached by the platform's URL.
  git_ok({"remote", "add", "env", "abc123@git.eu-3.platform.sh:platform.git"});
  git_ok({"checkout", "-q", "-b", "feature"});
  const std::string sha = commit("one");
  auto r = push({"env", "feature"}, {{"GIT_SSH_COMMAND", ssh}});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "refusing to push to 'env'")) << r.err;
  EXPECT_TRUE(contains(r.err, ".bbsot.yml")) << "the refusal says what could not be read:\n" << r.err;
  EXPECT_FALSE(contains(ls_remote("platform"), sha));
  r = push({"origin", "feature"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "this push is not checked")) << r.err;
}

// ------------------------------------------------------------- chained hooks

TEST_F(Hooks, ChainedPrePushRunsAfterBbsotAndCanRefuse) {
  const std::string log = tmp_.path() + "/chained.log";
  const std::string exit_file = tmp_.path() + "/chained.exit";
  write_file(work_ + "/.git/hooks/pre-push.bbsot-chained",
             "#!/bin/sh\n"
             "echo chained-pre-push-ran >&2\n"
             "printf 'args:%s\\n' \"$*\" >> '" +
                 log +
                 "'\n"
                 "cat >> '" +
                 log +
                 "'\n"
                 "exit $(cat '" +
                 exit_file + "' 2>/dev/null || echo 0)\n",
             0755);
  git_ok({"checkout", "-q", "-b", "feature"});
  const std::string sha = commit("one");

  auto r = push({"origin", "feature"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto bbsot_at = r.err.find("bbsot: feature");
  auto chained_at = r.err.find("chained-pre-push-ran");
  ASSERT_NE(bbsot_at, std::string::npos) << r.err;
  ASSERT_NE(chained_at, std::string::npos) << r.err;
  EXPECT_LT(bbsot_at, chained_at) << "the chained hook must run after bbsot";
  EXPECT_EQ(read_lines(log), (std::vector<std::string>{"args:origin " + origin_,
                                                       "refs/heads/feature " + sha + " refs/heads/feature " + kZero}));
  EXPECT_EQ(wait_deliveries(1).size(), 1u);

  // A chained hook that refuses stops the push.
  write_file(exit_file, "1\n");
  commit("two");
  r = push({"origin", "feature"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(ls_remote("origin", "refs/heads/feature"), sha));
  EXPECT_TRUE(eventually([&] {
    for (const auto& rec : records())
      if (rec.value("state", "") == "pending") return false;
    return true;
  })) << "the refused push left a pending record";
  EXPECT_TRUE(wait_idle());
  sleep_ms(kQuietMs);
  EXPECT_EQ(receiver_->requests().size(), 1u);
}

// A clone set up by bbsot 0.1 links .git/hooks/reference-transaction to bbsot's program,
// maybe with the team's own hook kept as reference-transaction.bbsot-chained. Until init
// removes the link, the program hands every run to that hook unchanged: the upgrade never
// drops it.
TEST_F(Hooks, UpgradedCloneStillRunsItsChainedReferenceTransactionHook) {
  const std::string log = tmp_.path() + "/chained-rt.log";
  const std::string hooks = work_ + "/.git/hooks";
  fs::create_symlink(hook_program("reference-transaction"), hooks + "/reference-transaction");
  write_file(hooks + "/reference-transaction.bbsot-chained",
             "#!/bin/sh\n{ echo \"state:$1\"; cat; } >> '" + log + "'\n", 0755);
  const std::string sha = commit("local");
  auto lines = read_lines(log);
  auto has = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l) != lines.end(); };
  EXPECT_TRUE(has("state:prepared")) << read_file(log);
  EXPECT_TRUE(has("state:committed")) << read_file(log);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.ends_with(" " + sha + " refs/heads/main");
  })) << read_file(log);
  // Without a chained hook the program does nothing, and a commit works.
  fs::remove(hooks + "/reference-transaction.bbsot-chained");
  commit("two");
}

// ------------------------------------------------------------------ worktrees

TEST_F(Hooks, TwoWorktreesPushingAtOnce) {
  const std::string wt = tmp_.path() + "/wt2";
  git_ok({"worktree", "add", "-q", "-b", "wt-b", wt, "main"});
  write_config({}, wt);
  git_ok({"checkout", "-q", "-b", "wt-a"});
  const std::string a = commit("from the main worktree");
  const std::string b = commit("from the linked worktree", wt);

  RunResult ra, rb;
  std::thread ta([&] { ra = push({"origin", "wt-a"}); });
  std::thread tb([&] { rb = push({"origin", "wt-b"}, {}, wt); });
  ta.join();
  tb.join();
  ASSERT_EQ(ra.exit_code, 0) << describe(ra);
  ASSERT_EQ(rb.exit_code, 0) << describe(rb);

  auto ds = wait_deliveries(2);
  ASSERT_EQ(ds.size(), 2u);
  std::map<std::string, std::string> got;
  std::set<std::string> ids;
  for (const auto& d : ds) {
    ASSERT_EQ(d.body["push"]["changes"].size(), 1u) << d.raw;
    const json& c = d.body["push"]["changes"][0];
    got[c["new"]["name"]] = c["new"]["target"]["hash"];
    ids.insert(d.header("x-request-uuid"));
  }
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"wt-a", a}, {"wt-b", b}}));
  EXPECT_EQ(ids.size(), 2u);

  // One outbox for both worktrees, every record whole and sent.
  auto rs = records();
  ASSERT_EQ(rs.size(), 2u);
  for (const auto& r : rs) EXPECT_EQ(r["state"], "sent") << r.dump();
  std::error_code ec;
  EXPECT_FALSE(fs::exists(outbox_dir() + "/corrupt", ec));
  EXPECT_FALSE(fs::exists(wt + "/.git/bbsot", ec));
}

// ----------------------------------------------------------------- fast path

// No hook runs on commits or checkouts: they cost what they cost without bbsot
// (issue 13). The upgrade shim for old clones links libc only.
TEST_F(Hooks, CommitsAndCheckoutsRunNoBbsotHook) {
  EXPECT_FALSE(fs::exists(fs::symlink_status(work_ + "/.git/hooks/reference-transaction")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(work_ + "/.git/hooks/post-commit")));
  commit("one");
  git_ok({"checkout", "-q", "-b", "feature"});
  commit("two");
  git_ok({"branch", "-q", "-D", "main"});
  EXPECT_TRUE(record_files().empty());
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "sanitizer build: the program links the sanitizer runtime";
#endif
  auto r = run({"ldd", hook_program("reference-transaction")});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char* lib : {"libstdc++", "libgit2", "libcurl", "libcrypto", "libssl", "yaml-cpp", "libboost"})
    EXPECT_FALSE(contains(r.out, lib)) << lib << " is loaded by the program:\n" << r.out;
  EXPECT_TRUE(contains(r.out, "libc.so")) << r.out;
}

}  // namespace
}  // namespace bbsot::test
