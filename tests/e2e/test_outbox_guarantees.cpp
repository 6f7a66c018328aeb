// The outbox's guarantees under real outages (docs/RELIABILITY.md; issue 12): every push
// that landed reaches the integration once, soon after the endpoint can take it, in
// bodies a receiver written for Bitbucket accepts; a permanent refusal parks the report
// instead of retrying it forever; nothing is lost, nothing comes back once dropped.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "repo_fixture.hpp"

namespace bbsot::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kFakeTimeLib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

class Outbox : public RepoFixture {
 protected:
  void SetUp() override {
    RepoFixture::SetUp();
    write_team_config();
    init_clone();
  }

  // The user's file with short timeouts, so a hung endpoint costs seconds here.
  void short_timeouts(int seconds) {
    fs::create_directories(fs::path(user_config_).parent_path());
    fs::permissions(fs::path(user_config_).parent_path(), fs::perms::owner_all);
    write_file(user_config_, "timeout: " + std::to_string(seconds) + "\nconnect_timeout: " + std::to_string(seconds) +
                                 "\n", 0600);
  }

  std::string push_branch(const std::string& name, const Env& extra = {}) {
    git_ok({"checkout", "-q", "-B", name, "main"});
    const std::string sha = commit("work on " + name);
    auto r = push({"origin", name}, extra);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return sha;
  }

  json record_of(const std::string& branch) {
    for (const auto& r : report_list())
      if (r.value("refs", "") == branch) return r;
    return json();
  }

  // The pid of a running bbsot-deliver of this test, or 0.
  pid_t deliverer_pid() {
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd;
      try {
        cmd = read_file(e.path().string() + "/cmdline");
      } catch (const std::exception&) {
        continue;
      }
      if (contains(cmd, "bbsot-deliver") && contains(cmd, tmp_.path())) return static_cast<pid_t>(std::stol(name));
    }
    return 0;
  }
};

// A 5 MB commit message: delivered, in a body within the cap, the message cut by
// bbsot's documented rule (docs/RELIABILITY.md "Size limits").
TEST_F(Outbox, HugeCommitMessageIsDeliveredTruncated) {
  git_ok({"checkout", "-q", "-b", "big"});
  const std::string msg_file = tmp_.path() + "/msg";
  write_file(msg_file, "Big change\n\n" + std::string(5 * 1024 * 1024, 'x') + "\n");
  git_ok({"commit", "-q", "--allow-empty", "-F", msg_file});
  auto r = push({"origin", "big"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto ds = wait_deliveries(1, 30000);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_LE(ds[0].raw.size(), 256000u);
  const std::string message = ds[0].body["push"]["changes"][0]["commits"][0]["message"].get<std::string>();
  EXPECT_TRUE(message.starts_with("Big change\n\n")) << message.substr(0, 40);
  EXPECT_TRUE(contains(message, "[truncated by bbsot: ")) << message.substr(message.size() - 80);
  EXPECT_LE(message.size(), 8192u);
}

// A push that landed is delivered even when the branch has moved on since (two more
// pushes, then a teammate's force-push): its tracking ref's reflog proves it landed.
TEST_F(Outbox, LandedPushIsDeliveredAfterTheBranchMovedOn) {
  // No deliverer runs for these pushes (as when it was killed before it looked).
  const Env no_deliverer{{"BBSOT_LIBEXEC_DIR", tmp_.path() + "/nowhere"}};
  git_ok({"checkout", "-q", "-b", "feature"});
  std::vector<std::string> tips;
  for (int i = 0; i < 3; ++i) {
    tips.push_back(commit("step " + std::to_string(i)));
    auto r = push({"origin", "feature"}, no_deliverer);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.err, "git bbsot report flush")) << "the push must say how the report goes out\n" << r.err;
  }
  // A teammate force-pushes another history to the branch.
  const std::string mate = tmp_.path() + "/mate";
  git_ok({"clone", "-q", "-b", "main", origin_, mate}, tmp_.path());
  git_ok({"checkout", "-q", "-b", "feature"}, mate);
  commit("the teammate's version", mate);
  git_ok({"push", "-q", "--force", "origin", "feature"}, mate);
  auto f = bbsot({"report", "flush"});
  EXPECT_EQ(f.exit_code, 0) << describe(f);
  auto ds = wait_deliveries(3);
  ASSERT_EQ(ds.size(), 3u);
  std::set<std::string> delivered;
  for (const auto& d : ds) delivered.insert(d.body["push"]["changes"][0]["new"]["target"]["hash"].get<std::string>());
  EXPECT_EQ(delivered, std::set<std::string>(tips.begin(), tips.end()));
}

// A change bbsot can decide neither way is kept as unconfirmed, and sent or dropped by the
// user: here a remote without a fetch refspec (so no tracking ref records the push) whose
// ref the remote moved on from at once.
TEST_F(Outbox, UndecidablePushIsKeptUnconfirmedForTheUser) {
  write_file(origin_ + "/hooks/post-receive",
             "#!/bin/sh\nwhile read old new ref; do git update-ref \"$ref\" \"$(git rev-parse main)\"; done\n", 0755);
  const Env no_deliverer{{"BBSOT_LIBEXEC_DIR", tmp_.path() + "/nowhere"}};
  git_ok({"checkout", "-q", "-b", "moved"});
  commit("soon replaced on the remote");
  git_ok({"config", "--unset-all", "remote.origin.fetch"});
  auto r = push({"origin", "moved"}, no_deliverer);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto f = bbsot({"report", "flush"});
  EXPECT_EQ(f.exit_code, 1) << describe(f);
  json rec = report_list().at(0);
  EXPECT_EQ(rec["state"], "unconfirmed") << rec.dump();
  EXPECT_TRUE(contains(rec["last_error"].get<std::string>(), "git bbsot report send")) << rec.dump();
  EXPECT_TRUE(receiver_->requests().empty());
  auto s = bbsot({"report", "send", rec["id"].get<std::string>()});
  EXPECT_EQ(s.exit_code, 0) << describe(s);
  EXPECT_EQ(wait_deliveries(1).size(), 1u);
}

// The receiver is down for a while and comes back: the lingering deliverer delivers
// within a minute of its return, once, with no push or command in between.
TEST_F(Outbox, ShortOutageIsBridgedByTheLingeringDeliverer) {
  env_["BBSOT_LINGER_SECONDS"] = "";  // the real default
  receiver_->mode("close");
  push_branch("during-outage");
  ASSERT_TRUE(eventually([&] { return !receiver_->attempts().empty(); }));
  sleep_ms(30000);
  ASSERT_TRUE(receiver_->requests().empty());
  ASSERT_GT(deliverers_running(), 0) << "nobody lingers to retry";
  receiver_->mode("ok");
  EXPECT_TRUE(eventually([&] { return receiver_->requests().size() == 1; }, 60000))
      << "not delivered within 60 s of the receiver's return";
  EXPECT_TRUE(wait_idle(30000)) << "the deliverer stays after it has nothing left to retry";
  sleep_ms(300);
  EXPECT_EQ(receiver_->requests().size(), 1u);
}

// A push made while the clock was three days ahead schedules its retry three days out;
// with the clock right again the next push delivers it (a stored time further ahead than
// the cap counts as due).
TEST_F(Outbox, ClockThatJumpedAheadDoesNotDelayDelivery) {
  if (::access(kFakeTimeLib, R_OK) != 0) GTEST_SKIP() << kFakeTimeLib << " is missing (apt-get install faketime)";
  Env ahead{{"LD_PRELOAD", kFakeTimeLib}, {"FAKETIME", "+3d"}, {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
  const char* asan = std::getenv("ASAN_OPTIONS");
  ahead["ASAN_OPTIONS"] = std::string(asan && *asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0";
  receiver_->mode("500");
  push_branch("ahead", ahead);
  ASSERT_TRUE(wait_idle());
  json rec = record_of("ahead");
  ASSERT_EQ(rec["state"], "ready") << rec.dump();
  EXPECT_GT(rec["next_attempt"].get<int64_t>(), std::time(nullptr) + 2 * 86400) << "the fake clock did not apply";
  receiver_->mode("ok");
  auto run_result = run({stage_dir() + "/libexec/bbsot/bbsot-deliver", "run", work_ + "/.git"}, env_, work_);
  EXPECT_EQ(run_result.exit_code, 0) << describe(run_result);
  EXPECT_TRUE(eventually([&] { return receiver_->requests().size() == 1; }))
      << "a plain run (which keeps the backoff) left a record scheduled days ahead";
}

// An endpoint that accepts and never answers costs one timeout per run, not one per record
// per attempt: `report flush` with 5 waiting records returns in about the timeout.
TEST_F(Outbox, HungEndpointCostsOneWait) {
  short_timeouts(2);
  receiver_->mode("500");
  for (int i = 0; i < 5; ++i) push_branch("b" + std::to_string(i));
  ASSERT_TRUE(wait_idle());
  const size_t attempts_before = receiver_->attempts().size();
  receiver_->mode("hang");
  const auto started = Clock::now();
  auto f = bbsot({"report", "flush"});
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
  EXPECT_EQ(f.exit_code, 1) << describe(f);
  EXPECT_LT(seconds, 2 * 2 + 15) << "flush waited once per record\n" << f.out;  // 274 s on bbsot 0.1
  EXPECT_EQ(receiver_->attempts().size(), attempts_before + 1) << "the hung endpoint was tried again in the same run";
  EXPECT_TRUE(contains(f.out, "5 waiting")) << f.out;
  EXPECT_EQ(report_list().size(), 5u);
}

// Permanent refusals are parked as rejected with the reason, shown once by the next push,
// not retried by it, and sent again by `report retry` once the endpoint is fixed.
TEST_F(Outbox, PermanentRefusalsAreParkedUntilRetried) {
  for (const std::string status : {"410", "413"}) {
    receiver_->mode(status);
    const std::string branch = "refused-" + status;
    push_branch(branch);
    ASSERT_TRUE(wait_idle());
    json rec = record_of(branch);
    ASSERT_EQ(rec["state"], "rejected") << rec.dump();
    EXPECT_TRUE(contains(rec["last_error"].get<std::string>(), "HTTP " + status)) << rec.dump();
    const int attempts = rec["attempts"].get<int>();
    receiver_->mode("ok");
    git_ok({"checkout", "-q", "-B", "other-" + status, "main"});
    commit("unrelated");
    auto r = push({"origin", "other-" + status});
    EXPECT_TRUE(contains(r.err, "was rejected")) << "the next push says so once:\n" << r.err;
    ASSERT_TRUE(wait_idle());
    rec = record_of(branch);
    EXPECT_EQ(rec["state"], "rejected");
    EXPECT_EQ(rec["attempts"].get<int>(), attempts) << "a later push retried a rejected report";
    auto doctor = bbsot({"doctor"});
    EXPECT_TRUE(contains(doctor.out, "report retry")) << doctor.out;
    auto again = bbsot({"report", "retry", rec["id"].get<std::string>()});
    EXPECT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_EQ(record_of(branch)["state"], "sent");
  }
}

// The deliverer is killed while its first request is in flight: the redelivery carries the
// same request id and X-Attempt-Number 2 (the attempt was counted before it went out).
TEST_F(Outbox, KilledMidRequestRedeliversAsAttemptTwo) {
  receiver_->mode("hang");
  push_branch("in-flight");
  ASSERT_TRUE(eventually([&] { return !receiver_->attempts().empty(); }));
  pid_t pid = deliverer_pid();
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(wait_idle());
  receiver_->mode("ok");
  const std::string id = record_of("in-flight")["id"].get<std::string>();
  auto f = bbsot({"report", "flush"});
  EXPECT_EQ(f.exit_code, 0) << describe(f);
  auto ds = wait_deliveries(1);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].header("x-request-uuid"), id);
  EXPECT_EQ(ds[0].header("x-attempt-number"), "2");
}

// `report drop` while a deliverer is sending that very record: it stays dropped.
TEST_F(Outbox, DropDuringDeliveryNeverBringsTheRecordBack) {
  short_timeouts(3);
  receiver_->mode("hang");
  push_branch("dropped");
  ASSERT_TRUE(eventually([&] { return !receiver_->attempts().empty(); }));
  const std::string id = record_of("dropped")["id"].get<std::string>();
  auto d = bbsot({"report", "drop", id});
  EXPECT_EQ(d.exit_code, 0) << describe(d);
  ASSERT_TRUE(wait_idle(20000));
  EXPECT_FALSE(fs::exists(outbox_dir() + "/" + id + ".json")) << "the deliverer wrote the dropped record back";
  EXPECT_TRUE(report_list().empty());
}

// A record this bbsot cannot read is listed with its file name and kept.
TEST_F(Outbox, UnreadableRecordsAreListedAndKept) {
  fs::create_directories(outbox_dir());
  const std::string odd = outbox_dir() + "/0f0f0f0f-0000-4000-8000-000000000000.json";
  write_file(odd, R"({"version": 7, "id": "0f0f0f0f-0000-4000-8000-000000000000", "state": "teleported"})", 0600);
  auto l = bbsot({"report", "list"});
  EXPECT_TRUE(contains(l.out, "unreadable")) << l.out;
  EXPECT_TRUE(contains(l.out, odd)) << l.out;
  EXPECT_TRUE(contains(l.out, "newer bbsot")) << l.out;
  auto f = bbsot({"report", "flush"});
  EXPECT_TRUE(fs::exists(odd));
}

}  // namespace
}  // namespace bbsot::test
