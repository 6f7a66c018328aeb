#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/uuid.hpp"
#include "outbox/outbox.hpp"

using namespace bbsot;

namespace {

PushRecord sample(size_t refs) {
  PushRecord r;
  r.id = new_uuid().value();
  r.created = 100;
  r.remote = "origin";
  CommitInfo c{"a1b2c3", "Ann", "ann@example.com", 5, 60, "msg\n", {"p1"}};
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

}  // namespace

TEST(Outbox, RoundTripStoresEachCommitOnce) {
  PushRecord r = sample(1000);
  std::string text = record_to_json(r);
  EXPECT_LT(text.size(), 1000u * 400) << "commits must not be repeated per ref";
  auto back = record_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->changes.size(), 1000u);
  EXPECT_EQ(back->changes[999].commits.at(0).author_email, "ann@example.com");
  EXPECT_EQ(back->changes[999].commits.at(0).tz_offset_min, 60);
  EXPECT_EQ(back->id, r.id);
}

TEST(Outbox, RejectsBadRecords) {
  EXPECT_FALSE(record_from_json("").ok());
  EXPECT_FALSE(record_from_json("{\"id\": \"../../x\", \"state\": \"pending\", \"changes\": []}").ok());
  EXPECT_FALSE(record_from_json("{\"id\": \"abc\", \"state\": \"lost\", \"changes\": []}").ok());
  EXPECT_FALSE(record_from_json("{\"id\": \"abc\", \"state\": \"ready\", \"changes\": [{\"ref\": 3}]}").ok());
  EXPECT_FALSE(record_from_json("{\"id\": \"abc\", \"state\": \"ready\", \"commits\": {}, \"changes\": [{\"ref\": "
                                "\"r\", \"commits\": [\"missing\"]}]}")
                   .ok());
}

TEST(Outbox, CorruptFilesAreSetAsideAndListedRecordsSorted) {
  char dir[] = "/tmp/bbsot-outbox-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Outbox box(dir);
  PushRecord a = sample(1), b = sample(1);
  a.created = 200;
  b.created = 100;
  ASSERT_TRUE(box.write(a).ok());
  ASSERT_TRUE(box.write(b).ok());
  ASSERT_TRUE(write_file_atomic(box.dir() + "/0f0f0f0f-0000-4000-8000-000000000000.json", "{").ok());
  std::vector<std::string> warnings;
  auto list = box.list(&warnings);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, b.id);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(path_exists(box.dir() + "/corrupt/0f0f0f0f-0000-4000-8000-000000000000.json"));
  EXPECT_FALSE(box.remove("../x").ok());
  std::system((std::string("rm -rf ") + dir).c_str());
}
