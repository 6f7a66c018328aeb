#include "base/atomic_file.hpp"

#include "base/files.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

namespace bbsot {

AtomicFile::AtomicFile(std::string path, mode_t mode) : path_(std::move(path)) {
  std::string tmpl = path_ + ".tmp.XXXXXX";
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) throw Error("cannot create a temporary file beside " + path_ + ": " + std::strerror(errno));
  tmp_path_ = tmpl;
  // mkstemp creates 0600; widen only when asked (never for secrets).
  if (mode != 0600 && ::fchmod(fd_, mode) != 0) {
    int e = errno;
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
    fd_ = -1;
    throw Error("cannot set the mode of " + tmp_path_ + ": " + std::strerror(e));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

void AtomicFile::write(const std::string& data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write " + tmp_path_ + ": " + std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

Status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::failure("cannot open " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (rc != 0) return Status::failure("cannot sync " + dir + ": " + std::strerror(e));
  return ok_status();
}

void AtomicFile::commit(Sync sync) {
  if (sync != Sync::None && ::fsync(fd_) != 0) throw Error("cannot sync " + tmp_path_ + ": " + std::strerror(errno));
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw Error("cannot close " + tmp_path_ + ": " + std::strerror(errno));
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    throw Error("cannot rename " + tmp_path_ + " to " + path_ + ": " + std::strerror(errno));
  tmp_path_.clear();
  if (sync == Sync::FileAndDirectory) {
    auto s = sync_directory(dirname_of(path_));
    if (!s) throw Error(s.error());
  }
}

Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode, Sync sync) {
  try {
    AtomicFile f(path, mode);
    f.write(data);
    f.commit(sync);
    return ok_status();
  } catch (const Error& e) {
    return Status::failure(e.what());
  }
}

}  // namespace bbsot
