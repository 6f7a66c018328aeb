// The repository as git's files backend lays it out, read without libgit2: where the
// git directory is when git runs a hook, its common directory, refs, reflogs and whether
// an object is present. The pre-push hook answers from these in well under a millisecond;
// starting libgit2 (which parses the system CA bundle in Debian's build) costs about
// 20 times an empty program (docs/BENCHMARKS.md).
//
// Limits, on purpose: only the files ref backend (git 2.39 has no other); per-worktree
// refs other than HEAD are not needed (bbsot reads refs/heads/*, refs/remotes/*, which
// live in the common directory).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

struct GitDirs {
  std::string git_dir;     // this worktree's git directory
  std::string common_dir;  // shared by all worktrees ($GIT_COMMON_DIR)
  std::string work_tree;   // "" for a bare repository
};

// As git hands them to a hook: $GIT_DIR when set (git sets it for linked worktrees; the
// hook runs at the work tree's top), else ".git" in the current directory (a directory,
// or a "gitdir:" file), else the current directory when it is a bare repository.
// Paths are absolute.
[[nodiscard]] Expected<GitDirs> locate_git_dirs_for_hook();

// The common directory of a (possibly linked-worktree) git dir: its `commondir` file, else
// the git dir itself.
[[nodiscard]] std::string common_dir_of(const std::string& git_dir);

// Reads refs from the common directory: loose files first, then packed-refs (loaded
// once per reader, on the first miss). A symbolic ref is followed up to five levels.
// A reader is a snapshot for one job (a hook run, one settling): once more than a few
// refs of one directory were asked for, that directory is listed once and a ref not in
// it is looked up in packed-refs only. A push of 10,000 new branches then costs one
// directory listing instead of 10,000 failed opens of refs/remotes/<remote>/<branch>.
class RefReader {
 public:
  explicit RefReader(std::string common_dir) : common_(std::move(common_dir)) {}
  RefReader(const RefReader&) = delete;  // packed_ points into packed_text_
  RefReader& operator=(const RefReader&) = delete;
  // The object id `ref` (a full name: refs/remotes/origin/main) points at, or nullopt.
  [[nodiscard]] std::optional<std::string> id(const std::string& ref);

 private:
  struct LooseDir {
    int lookups = 0;
    bool listed = false;
    std::unordered_set<std::string> names;  // entries of the directory, once listed
  };
  [[nodiscard]] bool may_be_loose(const std::string& name);
  [[nodiscard]] std::optional<std::string_view> packed(const std::string& name);

  std::string common_;
  std::unordered_map<std::string, LooseDir> loose_dirs_;
  bool packed_loaded_ = false;
  std::string packed_text_;
  std::vector<std::pair<std::string_view, std::string_view>> packed_;  // (name, id) views into packed_text_, by name
};

struct ReflogEntry {
  std::string old_id, new_id;
  int64_t time = 0;     // epoch seconds of the update
  std::string message;  // e.g. "update by push"
};

// The reflog of `ref` (logs/<ref> under the common directory), oldest first; empty when
// there is none. Malformed lines are skipped. `max_bytes` bounds what is read: the
// newest entries are at the end, so only the tail is read when the file is larger.
[[nodiscard]] std::vector<ReflogEntry> read_reflog(const std::string& common_dir, const std::string& ref,
                                                   size_t max_bytes = 1 << 20);

// Whether the object database has `id` (40 or 64 hex digits): a loose object, an entry
// in a pack index (versions 1 and 2), or the same in an alternate object store.
[[nodiscard]] bool has_object(const std::string& common_dir, const std::string& id);

}  // namespace bbsot
