#include "base/file_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <sys/file.h>

namespace bbsot {

FileLock::~FileLock() { release(); }

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void FileLock::release() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
}

// Never through a symlink: a planted link would make bbsot create or lock another file.
static int open_lock_file(const std::string& path) { return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600); }

Expected<FileLock> FileLock::acquire(const std::string& path, int timeout_ms) {
  int fd = open_lock_file(path);
  if (fd < 0) return Expected<FileLock>::failure("cannot open lock " + path + ": " + std::strerror(errno));
  // flock has no timeout; poll with a short sleep so a stuck holder cannot hang git.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd);
      return Expected<FileLock>::failure("cannot lock " + path + ": " + std::strerror(e));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Expected<FileLock>::failure("timed out waiting for the lock " + path);
    }
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(20)) pause *= 2;
  }
}

Expected<FileLock> FileLock::try_acquire(const std::string& path) {
  int fd = open_lock_file(path);
  if (fd < 0) return Expected<FileLock>::failure("cannot open lock " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
  int e = errno;
  ::close(fd);
  if (e == EWOULDBLOCK) return FileLock();
  return Expected<FileLock>::failure("cannot lock " + path + ": " + std::strerror(e));
}

}  // namespace bbsot
