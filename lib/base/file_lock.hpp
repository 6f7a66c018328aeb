// Advisory whole-file locks (flock) on a lock file that is never deleted, so a waiter
// never locks an unlinked inode. Used for the token cache (one network request per
// account however many `get`s run at once) and the outbox deliverer (one at a time).
#pragma once
#include <string>

#include "base/error.hpp"

namespace bbsot {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Blocks until the exclusive lock is held or `timeout_ms` passes (then fails).
  static Expected<FileLock> acquire(const std::string& path, int timeout_ms);
  // Takes the lock only if it is free; an empty FileLock (held() false) otherwise.
  static Expected<FileLock> try_acquire(const std::string& path);
  bool held() const { return fd_ >= 0; }
  void release();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace bbsot
