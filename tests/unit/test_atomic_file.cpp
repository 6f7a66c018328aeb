#include <dirent.h>
#include <stdlib.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/atomic_file.hpp"
#include "base/files.hpp"

namespace bbsot {
namespace {

std::string make_temp_dir() {
  std::string t = "/tmp/bbsot-unit-XXXXXX";
  return mkdtemp(t.data());
}

int count_entries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  closedir(d);
  return n;
}

TEST(AtomicFile, CommitPublishesWithMode0600) {
  auto dir = make_temp_dir();
  auto path = dir + "/f";
  ASSERT_TRUE(write_file_atomic(path, "hello").ok());
  EXPECT_EQ(*read_file(path), "hello");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(count_entries(dir), 1);
}

TEST(AtomicFile, WithoutCommitNothingIsPublishedOrLeftBehind) {
  auto dir = make_temp_dir();
  auto path = dir + "/f";
  ASSERT_TRUE(write_file_atomic(path, "old").ok());
  {
    AtomicFile f(path);
    f.write("half-written");
  }
  EXPECT_EQ(*read_file(path), "old");
  EXPECT_EQ(count_entries(dir), 1);
}

TEST(AtomicFile, MissingDirectoryIsAnError) {
  auto s = write_file_atomic("/nonexistent-bbsot-dir/f", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("/nonexistent-bbsot-dir/f"), std::string::npos);
}

TEST(FsUtil, EnsureDirTightensWiderPermissions) {
  auto dir = make_temp_dir() + "/a/b";
  ASSERT_TRUE(ensure_dir(dir, 0700).ok());
  chmod(dir.c_str(), 0755);
  ASSERT_TRUE(ensure_dir(dir, 0700).ok());
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace bbsot
