// Reading refs as git's files backend lays them out (lib/git/git_dir), without libgit2:
// loose over packed, symbolic refs, packed-refs sorted or not, and the directory listing
// a big push's lookups switch to, which must answer exactly what opening each file would.
#include "git/git_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scratch_dir.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

std::string id_of(int n, char fill = 'a') {
  std::string s = std::to_string(n);
  return std::string(40 - s.size(), fill) + s;
}

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(RefReader, LooseWinsOverPackedAndSymbolicRefsAreFollowed) {
  unit::ScratchDir d;
  put(d.path + "/packed-refs", "# pack-refs with: peeled fully-peeled sorted \n" + id_of(1) +
                                   " refs/remotes/origin/main\n" + id_of(2) + " refs/tags/v1\n^" + id_of(3) + "\n");
  put(d.path + "/refs/remotes/origin/main", id_of(4) + "\n");
  put(d.path + "/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/main\n");
  put(d.path + "/refs/remotes/origin/broken", "not an id\n");
  RefReader refs(d.path);
  EXPECT_EQ(refs.id("refs/remotes/origin/main"), id_of(4));
  EXPECT_EQ(refs.id("refs/remotes/origin/HEAD"), id_of(4));
  EXPECT_EQ(refs.id("refs/tags/v1"), id_of(2)) << "the peeled line belongs to the tag, it is not a ref";
  EXPECT_EQ(refs.id("refs/remotes/origin/broken"), std::nullopt);
  EXPECT_EQ(refs.id("refs/remotes/origin/none"), std::nullopt);
  EXPECT_EQ(refs.id("refs/heads/main"), std::nullopt);
}

TEST(RefReader, PackedRefsOutOfOrderAnswerAsSortedOnes) {
  unit::ScratchDir d;
  put(d.path + "/packed-refs", id_of(9) + " refs/heads/zz\n" + id_of(1) + " refs/heads/aa\n" + id_of(5) +
                                   " refs/heads/mm\n" + id_of(6) + " refs/heads/aa\n");
  RefReader refs(d.path);
  EXPECT_EQ(refs.id("refs/heads/mm"), id_of(5));
  EXPECT_EQ(refs.id("refs/heads/zz"), id_of(9));
  EXPECT_EQ(refs.id("refs/heads/aa"), id_of(1)) << "of a name packed twice, the first line counts";
  EXPECT_EQ(refs.id("refs/heads/b"), std::nullopt);
}

// Past the first few lookups in refs/remotes/origin/ the reader lists it once: every
// loose ref is still found, every other one comes from packed-refs, nested names too.
TEST(RefReader, ManyLookupsInOneDirectoryAnswerAsOpeningEachFileWould) {
  unit::ScratchDir d;
  std::string packed = "# pack-refs with: peeled fully-peeled sorted \n";
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("refs/remotes/origin/b" + std::to_string(1000 + i));
  for (int i = 0; i < 200; ++i)
    if (i % 3 != 0) packed += id_of(i, 'b') + " " + names[static_cast<size_t>(i)] + "\n";
  packed += id_of(7, 'c') + " refs/remotes/origin/feature/x\n";
  put(d.path + "/packed-refs", packed);
  for (int i = 0; i < 200; ++i)
    if (i % 2 == 0) put(d.path + "/" + names[static_cast<size_t>(i)], id_of(i, 'e') + "\n");
  put(d.path + "/refs/remotes/origin/feature/y", id_of(8, 'c') + "\n");
  RefReader refs(d.path);
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 200; ++i) {
      std::optional<std::string> want;
      if (i % 2 == 0) want = id_of(i, 'e');
      else if (i % 3 != 0) want = id_of(i, 'b');
      EXPECT_EQ(refs.id(names[static_cast<size_t>(i)]), want) << names[static_cast<size_t>(i)] << " pass " << pass;
    }
    for (int i = 0; i < 20; ++i) EXPECT_EQ(refs.id("refs/remotes/origin/feature/z" + std::to_string(i)), std::nullopt);
    EXPECT_EQ(refs.id("refs/remotes/origin/feature/x"), id_of(7, 'c'));
    EXPECT_EQ(refs.id("refs/remotes/origin/feature/y"), id_of(8, 'c'));
  }
}

TEST(RefReader, NoRefsDirectoryAndNoPackedRefsIsNoRef) {
  unit::ScratchDir d;
  RefReader refs(d.path);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(refs.id("refs/remotes/origin/b" + std::to_string(i)), std::nullopt);
}

}  // namespace
}  // namespace bbsot
