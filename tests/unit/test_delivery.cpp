// The delivery state machine (lib/report/delivery) with the clock, HTTP and the remote
// behind DeliveryWorld, as ninja tests its build logic behind a fake disk: real outbox
// files, fake everything the outbox talks to.
#include "report/delivery.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "report/retry_policy.hpp"
#include "guard/clone_state.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHook = "https://hooks.example.net/bitbucket";

class Delivery : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "bbsot-delivery-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
    common_ = dir_ + "/repo.git";
    fs::create_directories(common_);
    fs::create_directories(dir_ + "/user");
    ::chmod((dir_ + "/user").c_str(), 0700);
    ASSERT_TRUE(write_file_atomic(dir_ + "/user/config.yml", "timeout: 5\n", 0600));
    ::setenv("BBSOT_CONFIG", (dir_ + "/user/config.yml").c_str(), 1);
    ::setenv("XDG_CACHE_HOME", (dir_ + "/cache").c_str(), 1);
    RepoConfig cfg = parse_repo_config(
        std::string("integration:\n  type: bitbucket\n  repository: acme/shop\n  hook_url: ") + kHook + "\n", "x");
    ASSERT_TRUE(save_clone_state(common_, state_from_config(cfg, "origin", true)));
    world_.now = [this] { return now_; };
    world_.jitter = [] { return 1.0; };
    world_.send = [this](const HttpRequest& req, HttpFailure* kind) -> Expected<HttpResponse> {
      sent_.push_back(req);
      if (on_send_) on_send_(req);
      if (fail_kind_ != HttpFailure::None) {
        *kind = fail_kind_;
        return Expected<HttpResponse>::failure("no answer from " + req.url);
      }
      HttpResponse r;
      r.status = status_;
      r.body = "answer";
      return r;
    };
    world_.ls_remote = [this](const std::string&, const std::string&, const std::vector<std::string>&) {
      return Expected<std::map<std::string, std::string>>(remote_);
    };
  }
  void TearDown() override {
    ::unsetenv("BBSOT_CONFIG");
    ::unsetenv("XDG_CACHE_HOME");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  PushRecord ready(const std::string& id, const std::string& branch) {
    PushRecord r;
    r.id = id;
    r.state = RecordState::Ready;
    r.created = now_;
    r.remote = "origin";
    r.has_destination = true;
    r.destination = {BitbucketType::Cloud, "https://bitbucket.org", "acme/shop", kHook};
    r.analysed = true;
    RefChange c;
    c.ref = "refs/heads/" + branch;
    c.new_id = c.new_commit = std::string(40, 'b');
    c.created = c.landed = true;
    r.changes = {c};
    EXPECT_TRUE(Outbox(common_).write(r));
    return r;
  }
  PushRecord read(const std::string& id) { return Outbox(common_).read(id).value(); }
  std::string header(const HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  std::string dir_, common_;
  DeliveryWorld world_;
  int64_t now_ = 1'800'000'000;
  long status_ = 200;
  HttpFailure fail_kind_ = HttpFailure::None;
  std::function<void(const HttpRequest&)> on_send_;
  std::vector<HttpRequest> sent_;
  std::map<std::string, std::string> remote_;
};

const char* const kA = "0a0a0a0a-0000-4000-8000-00000000000a";
const char* const kB = "0b0b0b0b-0000-4000-8000-00000000000b";
const char* const kC = "0c0c0c0c-0000-4000-8000-00000000000c";

TEST_F(Delivery, AFailureIsRetriedOnScheduleWithTheSameRequestId) {
  ready(kA, "feature");
  status_ = 503;
  auto s = deliver_ready(common_, false, world_);
  EXPECT_EQ(s.retrying, 1);
  PushRecord r = read(kA);
  EXPECT_EQ(r.state, RecordState::Ready);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.first_failure_at, now_);
  EXPECT_EQ(r.next_attempt, now_ + kRetryMinSeconds);
  EXPECT_EQ(s.next_retry, now_ + kRetryMinSeconds);
  now_ += 2;  // not due yet: nothing is sent
  deliver_ready(common_, false, world_);
  EXPECT_EQ(sent_.size(), 1u);
  now_ += 10;
  status_ = 200;
  s = deliver_ready(common_, false, world_);
  EXPECT_EQ(s.sent, 1);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(header(sent_[1], "X-Request-UUID"), kA);
  EXPECT_EQ(header(sent_[1], "X-Attempt-Number"), "2");
  EXPECT_EQ(read(kA).state, RecordState::Sent);
}

TEST_F(Delivery, AnUnreachableEndpointIsTriedOncePerRun) {
  ready(kA, "a");
  ready(kB, "b");
  ready(kC, "c");
  fail_kind_ = HttpFailure::Timeout;
  auto s = deliver_ready(common_, true, world_);
  EXPECT_EQ(sent_.size(), 1u) << "the endpoint that timed out was tried again in the same run";
  EXPECT_EQ(s.retrying, 1);
  EXPECT_EQ(s.waiting, 2);
  for (const char* id : {kA, kB, kC}) EXPECT_EQ(read(id).state, RecordState::Ready);
}

TEST_F(Delivery, PermanentRefusalsAreParkedAndNotRetried) {
  ready(kA, "a");
  status_ = 410;
  auto s = deliver_ready(common_, true, world_);
  EXPECT_EQ(s.rejected, 1);
  PushRecord r = read(kA);
  EXPECT_EQ(r.state, RecordState::Rejected);
  EXPECT_NE(r.last_error.find("HTTP 410"), std::string::npos) << r.last_error;
  const auto notices = Outbox(common_).take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("git bbsot report retry"), std::string::npos) << notices[0];
  deliver_ready(common_, true, world_);
  EXPECT_EQ(sent_.size(), 1u) << "a rejected report was retried";
  ASSERT_TRUE(retry_rejected(common_, kA));
  status_ = 200;
  deliver_ready(common_, false, world_);
  EXPECT_EQ(read(kA).state, RecordState::Sent);
  EXPECT_EQ(header(sent_.back(), "X-Attempt-Number"), "2");
}

TEST_F(Delivery, AnUnapprovedDestinationSendsNothing) {
  PushRecord r = ready(kA, "a");
  r.destination.hook_url = "https://elsewhere.example/hook";
  ASSERT_TRUE(Outbox(common_).update(kA, [&](PushRecord& cur) {
    cur.destination = r.destination;
    return true;
  }));
  auto s = deliver_ready(common_, true, world_);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(s.waiting, 1);
  EXPECT_NE(read(kA).last_error.find("not approved"), std::string::npos) << read(kA).last_error;
  EXPECT_EQ(read(kA).attempts, 0) << "a wait is not an attempt";
}

TEST_F(Delivery, ADropDuringTheRequestStaysDropped) {
  ready(kA, "a");
  on_send_ = [this](const HttpRequest&) { ASSERT_TRUE(Outbox(common_).remove(kA)); };
  deliver_ready(common_, true, world_);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_FALSE(path_exists(Outbox(common_).dir() + "/" + kA + ".json"));
}

// Settling decides per change on evidence: a reflog entry of the push (landed), the remote
// still at the old id (not landed: left out), or the remote somewhere else (unconfirmed).
TEST_F(Delivery, SettlingKeepsWhatLandedAndAsksTheUserAboutTheRest) {
  PushRecord p;
  p.id = kA;
  p.state = RecordState::Pending;
  p.created = now_;
  p.remote = "origin";
  p.git_dir = common_;
  p.has_destination = true;
  p.destination = {BitbucketType::Cloud, "https://bitbucket.org", "acme/shop", kHook};
  p.analysed = true;
  auto change = [](const std::string& b, char old_c, char new_c) {
    RefChange c;
    c.ref = "refs/heads/" + b;
    c.old_id = std::string(40, old_c);
    c.new_id = std::string(40, new_c);
    return c;
  };
  p.changes = {change("landed", '1', '2'), change("rejected", '3', '4'), change("moved-on", '5', '6')};
  ASSERT_TRUE(Outbox(common_).write(p));
  fs::create_directories(common_ + "/logs/refs/remotes/origin");
  ASSERT_TRUE(write_file_atomic(common_ + "/logs/refs/remotes/origin/landed",
                                std::string(40, '1') + " " + std::string(40, '2') + " A <a@x> " +
                                    std::to_string(now_) + " +0000\tupdate by push\n"));
  remote_ = {{"refs/heads/rejected", std::string(40, '3')}, {"refs/heads/moved-on", std::string(40, '9')}};
  auto s = settle_pending(common_, true, world_);
  EXPECT_EQ(s.ready, 1);
  EXPECT_EQ(s.unconfirmed, 1);
  PushRecord r = read(kA);
  EXPECT_EQ(r.state, RecordState::Ready);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].ref, "refs/heads/landed");
  const auto all = Outbox(common_).list().records;
  ASSERT_EQ(all.size(), 2u);
  const PushRecord& u = all[0].id == kA ? all[1] : all[0];
  EXPECT_EQ(u.state, RecordState::Unconfirmed);
  ASSERT_EQ(u.changes.size(), 1u);
  EXPECT_EQ(u.changes[0].ref, "refs/heads/moved-on");
  EXPECT_NE(u.last_error.find("git bbsot report send"), std::string::npos);
}

TEST(DeliveryIds, PartsHaveStableDistinctIds) {
  EXPECT_EQ(part_id(kA, 2), part_id(kA, 2));
  EXPECT_NE(part_id(kA, 2), part_id(kA, 3));
  EXPECT_NE(part_id(kA, 2), part_id(kB, 2));
  EXPECT_TRUE(valid_record_id(part_id(kA, 2)));
  EXPECT_EQ(part_id(kA, 2)[14], '4');  // a version-4 UUID, as receivers expect
}

}  // namespace
}  // namespace bbsot
