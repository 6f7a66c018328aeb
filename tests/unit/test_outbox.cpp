// The outbox's records and storage (lib/outbox): the format every later bbsot reads, and
// the storage rules that keep a report from being lost or brought back.
#include "outbox/outbox.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/uuid.hpp"
#include "outbox/limits.hpp"
#include "scratch_dir.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

using TempDir = unit::ScratchDir;

PushRecord sample(size_t refs) {
  PushRecord r;
  r.id = new_uuid().value();
  r.created = 100;
  r.remote = "origin";
  CommitInfo c{"a1b2c3", "Ann", "ann@example.com", 5, 60, "the one message\n", {"p1"}};
  for (size_t i = 0; i < refs; ++i) {
    RefChange ch;
    ch.ref = "refs/heads/b" + std::to_string(i);
    ch.new_id = "a1b2c3";
    ch.created = true;
    ch.commits = {c};
    r.changes.push_back(ch);
  }
  return r;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

TEST(OutboxRecord, CommitsAreStoredOncePerRecord) {
  PushRecord r = sample(1000);
  const std::string text = record_to_json(r);
  EXPECT_EQ(count(text, "the one message"), 1u) << "a commit shared by 1,000 refs must be stored once";
  auto back = record_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->changes.size(), 1000u);
  EXPECT_EQ(back->changes[999].commits.at(0).author_email, "ann@example.com");
  EXPECT_EQ(back->changes[999].commits.at(0).tz_offset_min, 60);
  EXPECT_EQ(back->id, r.id);
}

TEST(OutboxRecord, RoundTripKeepsEveryField) {
  PushRecord r = sample(2);
  r.state = RecordState::Rejected;
  r.created_ns = 100123456789;
  r.has_destination = true;
  r.destination = {BitbucketType::Server, "https://bb.example.com", "PROJ/shop", "https://hooks.example.net/x"};
  r.attempts = 3;
  r.first_failure_at = 90;
  r.last_attempt_at = 95;
  r.next_attempt = 130;
  r.last_error = "rejected: HTTP 410";
  r.split_from = r.id;
  r.part = 2;
  r.parts = 3;
  r.changes[0].landed = true;
  r.changes[0].old_unknown = true;
  r.changes[0].tracking_before = std::string(40, 'c');
  auto back = record_from_json(record_to_json(r));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->state, RecordState::Rejected);
  EXPECT_EQ(back->created_ns, r.created_ns);
  ASSERT_TRUE(back->has_destination);
  EXPECT_TRUE(back->destination.same(r.destination));
  EXPECT_EQ(back->attempts, 3);
  EXPECT_EQ(back->first_failure_at, 90);
  EXPECT_EQ(back->next_attempt, 130);
  EXPECT_EQ(back->part, 2);
  EXPECT_EQ(back->parts, 3);
  EXPECT_TRUE(back->changes[0].landed);
  EXPECT_TRUE(back->changes[0].old_unknown);
  EXPECT_EQ(back->changes[0].tracking_before, std::string(40, 'c'));
}

// A change's fields at their defaults are left out (a 10,000-ref record is written in
// the hook), and each one set on its own comes back: none is lost by leaving the rest out.
TEST(OutboxRecord, DefaultsAreLeftOutAndEveryFieldSetAloneComesBack) {
  PushRecord r = sample(1);
  r.changes[0] = RefChange{};
  r.changes[0].ref = "refs/heads/main";
  const std::string text = record_to_json(r);
  EXPECT_NE(text.find(R"("changes":[{"ref":"refs/heads/main"}])"), std::string::npos) << text;
  using Set = void (*)(RefChange&);
  const std::vector<std::pair<const char*, Set>> fields = {
      {"is_tag", [](RefChange& c) { c.is_tag = true; }},
      {"old", [](RefChange& c) { c.old_id = std::string(40, '1'); }},
      {"new", [](RefChange& c) { c.new_id = std::string(40, '2'); }},
      {"old_commit", [](RefChange& c) { c.old_commit = std::string(40, '3'); }},
      {"new_commit", [](RefChange& c) { c.new_commit = std::string(40, '4'); }},
      {"created", [](RefChange& c) { c.created = true; }},
      {"closed", [](RefChange& c) { c.closed = true; }},
      {"forced", [](RefChange& c) { c.forced = true; }},
      {"truncated", [](RefChange& c) { c.truncated = true; }},
      {"landed", [](RefChange& c) { c.landed = true; }},
      {"old_unknown", [](RefChange& c) { c.old_unknown = true; }},
      {"tracking_before", [](RefChange& c) { c.tracking_before = std::string(40, '5'); }},
      {"commits", [](RefChange& c) { c.commits = {CommitInfo{"c9", "Ann", "a@x", 5, 0, "m", {}}}; }},
  };
  for (const auto& [name, set] : fields) {
    PushRecord one = r;
    set(one.changes[0]);
    auto back = record_from_json(record_to_json(one));
    ASSERT_TRUE(back) << name << ": " << back.error();
    RefChange want = one.changes[0];
    const RefChange& got = back->changes.at(0);
    EXPECT_EQ(std::tie(got.ref, got.is_tag, got.old_id, got.new_id, got.old_commit, got.new_commit, got.created,
                       got.closed, got.forced, got.truncated, got.landed, got.old_unknown, got.tracking_before),
              std::tie(want.ref, want.is_tag, want.old_id, want.new_id, want.old_commit, want.new_commit,
                       want.created, want.closed, want.forced, want.truncated, want.landed, want.old_unknown,
                       want.tracking_before))
        << name;
    ASSERT_EQ(got.commits.size(), want.commits.size()) << name;
    if (!want.commits.empty()) {
      EXPECT_EQ(got.commits[0].hash, "c9");
    }
  }
}

// What bbsot 0.1 wrote is read by every later bbsot: an upgrade loses nothing.
TEST(OutboxRecord, ReadsFormatOne) {
  const std::string v1 =
      R"({"version":1,"id":"0a0b0c0d-0000-4000-8000-000000000001","state":"ready","created":1700000000,)"
      R"("remote":"origin","remote_url":"/srv/origin.git","git_dir":"/w/.git","config_path":"/w/.bbsot.yml",)"
      R"("pusher_pid":42,"actor_name":"Ann","actor_email":"ann@example.com","attempts":2,"next_attempt":0,)"
      R"("last_error":"HTTP 500","sent_at":0,"commits":{"c1":{"hash":"c1","author_name":"Ann","author_email":"a@x",)"
      R"("date":5,"tz_offset_min":0,"message":"m","parents":[]}},"changes":[{"ref":"refs/heads/main","is_tag":false,)"
      R"("old":"","new":"c1","old_commit":"","new_commit":"c1","created":true,"closed":false,"forced":false,)"
      R"("truncated":false,"confirmed":true,"commits":["c1"]}]})";
  auto r = record_from_json(v1);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->state, RecordState::Ready);
  EXPECT_FALSE(r->has_destination);  // delivered to the clone's approved destination
  EXPECT_TRUE(r->analysed);           // 0.1 listed commits in the hook
  EXPECT_TRUE(r->changes[0].landed);  // 0.1's "confirmed"
  EXPECT_EQ(r->changes[0].commits.at(0).message, "m");
  EXPECT_EQ(r->attempts, 2);
}

TEST(OutboxRecord, RejectsMalformedRecordsWithAReason) {
  EXPECT_FALSE(record_from_json("").ok());
  EXPECT_FALSE(record_from_json(R"({"id": "../../x", "state": "pending", "changes": []})").ok());
  EXPECT_FALSE(record_from_json(R"({"id": "abc", "state": "ready", "changes": [{"ref": 3}]})").ok());
  EXPECT_FALSE(record_from_json(R"({"id": "abc", "state": "ready", "attempts": 1e300, "changes": []})").ok());
  EXPECT_FALSE(
      record_from_json(R"({"id": "abc", "state": "ready", "commits": {}, "changes": [{"ref": "r", "commits": ["x"]}]})")
          .ok());
  // Times no clock gives (found by fuzz_outbox_write: created * 10^9 overflowed).
  for (const char* t : {"-9223372036854775808", "-1", "9223372036854775807", "9300000000"}) {
    auto absurd = record_from_json(std::string(R"({"id": "abc", "state": "ready", "created": )") + t +
                                   R"(, "changes": []})");
    ASSERT_FALSE(absurd) << t;
    EXPECT_NE(absurd.error().find("created is out of range"), std::string::npos) << absurd.error();
  }
  EXPECT_FALSE(record_from_json(R"({"id": "abc", "state": "ready", "next_attempt": -5, "changes": []})").ok());
  EXPECT_TRUE(record_from_json(R"({"id": "abc", "state": "ready", "created": 1764000000, "changes": []})").ok());
  auto unknown = record_from_json(R"({"version": 2, "id": "abc", "state": "lost", "changes": []})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown to this bbsot"), std::string::npos) << unknown.error();
  auto newer = record_from_json(R"({"version": 3, "id": "abc", "state": "whatever", "changes": []})");
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().find("newer bbsot"), std::string::npos) << newer.error();
}

TEST(Outbox, UnreadableRecordsAreListedAndKeptWhereTheyAre) {
  TempDir dir;
  Outbox box(dir.path);
  PushRecord a = sample(1), b = sample(1);
  a.created = 200;
  b.created = 100;
  ASSERT_TRUE(box.write(a).ok());
  ASSERT_TRUE(box.write(b).ok());
  const std::string broken = box.dir() + "/0f0f0f0f-0000-4000-8000-000000000000.json";
  const std::string future = box.dir() + "/0f0f0f0f-0000-4000-8000-000000000001.json";
  ASSERT_TRUE(write_file_atomic(broken, "{").ok());
  ASSERT_TRUE(write_file_atomic(future, R"({"version":9,"id":"x","state":"teleported","changes":[]})").ok());
  const OutboxListing list = box.list();
  ASSERT_EQ(list.records.size(), 2u);
  EXPECT_EQ(list.records[0].id, b.id);  // oldest first
  ASSERT_EQ(list.unreadable.size(), 2u);
  EXPECT_TRUE(path_exists(broken));
  EXPECT_TRUE(path_exists(future));
  EXPECT_FALSE(path_exists(box.dir() + "/corrupt"));
  EXPECT_FALSE(box.remove("../x").ok());
}

// A record file replaced by a symbolic link (to a valid record elsewhere, so following
// it would succeed) is not read through the link: it is listed unreadable and says so, and
// a later write replaces the link instead of writing into its target.
TEST(Outbox, ARecordReplacedByASymlinkIsNotFollowed) {
  TempDir dir;
  Outbox box(dir.path);
  PushRecord r = sample(1);
  ASSERT_TRUE(box.write(r).ok());
  const std::string path = box.dir() + "/" + r.id + ".json";
  const std::string target = dir.path + "/elsewhere.json";
  fs::rename(path, target);
  fs::create_symlink(target, path);
  const std::string target_text = read_file(target).value();

  const OutboxListing list = box.list();
  EXPECT_TRUE(list.records.empty()) << "the link was followed";
  ASSERT_EQ(list.unreadable.size(), 1u);
  EXPECT_EQ(list.unreadable[0].file, path);
  EXPECT_NE(list.unreadable[0].reason.find("is a symbolic link, which bbsot does not follow"), std::string::npos)
      << list.unreadable[0].reason;
  auto read = box.read(r.id);
  ASSERT_FALSE(read) << "the link was followed";
  EXPECT_NE(read.error().find("symbolic link"), std::string::npos) << read.error();
  EXPECT_FALSE(box.update(r.id, [](PushRecord& cur) {
    cur.attempts++;
    return true;
  }));

  r.attempts = 7;
  ASSERT_TRUE(box.write(r).ok());
  EXPECT_EQ(read_file(target).value(), target_text) << "written through the link";
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(path))) << "the link is still there";
  ASSERT_TRUE(box.read(r.id)) << "the record written in its place";
  EXPECT_EQ(box.read(r.id)->attempts, 7);

  // A dangling link is listed too, not taken for a record removed meanwhile.
  const std::string dangling = box.dir() + "/0f0f0f0f-0000-4000-8000-000000000002.json";
  fs::create_symlink(dir.path + "/missing.json", dangling);
  const OutboxListing again = box.list();
  EXPECT_EQ(again.records.size(), 1u);
  ASSERT_EQ(again.unreadable.size(), 1u);
  EXPECT_EQ(again.unreadable[0].file, dangling);
}

TEST(Outbox, RecordsOfOneSecondAreListedInTheOrderTheyWereMade) {
  TempDir dir;
  Outbox box(dir.path);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    PushRecord r = sample(1);
    r.created = 100;
    r.created_ns = 100000000000 + i * 1000;  // made later, listed later, whatever its id
    ids.push_back(r.id);
    ASSERT_TRUE(box.write(r).ok());
  }
  const auto list = box.list().records;
  ASSERT_EQ(list.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(list[i].id, ids[i]);
}

TEST(Outbox, AnUpdateNeverBringsADroppedRecordBack) {
  TempDir dir;
  Outbox box(dir.path);
  PushRecord r = sample(1);
  r.state = RecordState::Ready;
  ASSERT_TRUE(box.write(r).ok());
  ASSERT_TRUE(box.remove(r.id).ok());
  auto s = box.update(r.id, [](PushRecord& cur) {
    cur.attempts++;
    return true;
  });
  EXPECT_FALSE(s);
  EXPECT_FALSE(path_exists(box.dir() + "/" + r.id + ".json"));
}

TEST(Outbox, ReplaceWritesPartsAndKeepsDeliveredOnes) {
  TempDir dir;
  Outbox box(dir.path);
  PushRecord r = sample(3);
  ASSERT_TRUE(box.write(r).ok());
  PushRecord p1 = r, p2 = r;
  p1.state = p2.state = RecordState::Ready;
  p2.id = "0f0f0f0f-0000-4000-8000-0000000000aa";
  p1.changes.resize(2);
  p2.changes.erase(p2.changes.begin(), p2.changes.begin() + 2);
  // A part delivered by an earlier, interrupted run of the same split stays delivered.
  PushRecord sent = p2;
  sent.state = RecordState::Sent;
  ASSERT_TRUE(box.write(sent).ok());
  ASSERT_TRUE(box.replace(r.id, {p1, p2}).ok());
  EXPECT_EQ(box.read(r.id)->state, RecordState::Ready);
  EXPECT_EQ(box.read(r.id)->changes.size(), 2u);
  EXPECT_EQ(box.read(p2.id)->state, RecordState::Sent);
  // Only a pending (or unconfirmed) record is replaced.
  EXPECT_FALSE(box.replace(r.id, {p1}));
  // No part: the record goes (its push did not land).
  PushRecord gone = sample(1);
  ASSERT_TRUE(box.write(gone).ok());
  ASSERT_TRUE(box.replace(gone.id, {}).ok());
  EXPECT_FALSE(box.read(gone.id));
}

TEST(Outbox, NoticesAreShownOnceWithoutDuplicates) {
  TempDir dir;
  Outbox box(dir.path);
  EXPECT_TRUE(box.take_notices().empty());
  ASSERT_TRUE(box.add_notice("report a was rejected").ok());
  ASSERT_TRUE(box.add_notice("report a was rejected").ok());
  ASSERT_TRUE(box.add_notice("two\nlines").ok());
  const auto n = box.take_notices();
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0], "report a was rejected");
  EXPECT_EQ(n[1], "two lines");
  EXPECT_TRUE(box.take_notices().empty());
}

TEST(Limits, LongMessagesAreCutAtACharacterBoundaryWithAMarker) {
  EXPECT_EQ(truncate_text("short", 100), "short");
  std::string big(10000, 'x');
  big.replace(8150, 3, "\xe2\x82\xac");  // a 3-byte character across the cut
  const std::string cut = truncate_text(big, kMaxMessageBytes);
  EXPECT_LE(cut.size(), kMaxMessageBytes);
  EXPECT_NE(cut.find("[truncated by bbsot: 10000 bytes in all]"), std::string::npos) << cut.substr(cut.size() - 60);
  // No half character before the marker.
  const size_t marker = cut.find("\n[truncated");
  ASSERT_NE(marker, std::string::npos);
  const std::string kept = cut.substr(0, marker);
  EXPECT_TRUE(kept.size() <= 8150 || kept.substr(8150, 3) == "\xe2\x82\xac") << kept.size();
}

}  // namespace
}  // namespace bbsot
