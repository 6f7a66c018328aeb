#include "base/hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/files.hpp"

namespace bbsot {

void disable_core_dumps() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
}

Status ensure_private_dir(const std::string& path, const std::string& what) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::failure("cannot inspect " + what + " " + path + ": " + std::strerror(errno));
    const std::string parent = dirname_of(path);
    if (parent != path) {
      auto p = ensure_dir(parent, 0755);
      if (!p) return p;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
      return Status::failure("cannot create " + what + " " + path + ": " + std::strerror(errno));
    if (::lstat(path.c_str(), &st) != 0)
      return Status::failure("cannot inspect " + what + " " + path + ": " + std::strerror(errno));
  }
  if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode)) return Status::failure(what + " " + path + " is not a directory");
  auto s = check_private_path(path, what, false, true);
  if (!s) return s;
  if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0)
    return Status::failure("cannot restrict the permissions of " + path + ": " + std::strerror(errno));
  return ok_status();
}

Status check_private_path(const std::string& path, const std::string& what, bool no_group_other_read,
                          bool no_symlink) {
  struct stat st;
  if ((no_symlink ? ::lstat(path.c_str(), &st) : ::stat(path.c_str(), &st)) != 0)
    return Status::failure("cannot inspect " + what + " " + path + ": " + std::strerror(errno));
  if (no_symlink && S_ISLNK(st.st_mode))
    return Status::failure(what + " " + path + " is a symbolic link; bbsot does not follow it (another user could " +
                           "point it at their directory) and must be a real directory; run: rm " + path + " && mkdir -m 700 " +
                           path);
  if (st.st_uid != ::geteuid())
    return Status::failure(what + " " + path + " belongs to another user (uid " + std::to_string(st.st_uid) +
                           "); bbsot uses only files that are yours");
  const mode_t bad = no_group_other_read ? 077 : 022;
  if ((st.st_mode & bad) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::failure(what + " " + path + " is " + (no_group_other_read ? "readable or writable" : "writable") +
                           " by group or others (mode " + mode + "); run: chmod " +
                           (S_ISDIR(st.st_mode) ? (no_group_other_read ? "700" : "go-w") : "600") + " " + path);
  }
  return ok_status();
}

}  // namespace bbsot
