#include "base/files.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <sys/stat.h>

namespace bbsot {

Expected<std::string> read_file(const std::string& path, size_t max_bytes, bool no_follow) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (no_follow ? O_NOFOLLOW : 0));
  if (fd < 0) {
    const int e = errno;
    // O_NOFOLLOW refuses a symbolic link with ELOOP, whose text ("Too many levels of
    // symbolic links") hides why: say it.
    struct stat st;
    if (no_follow && e == ELOOP && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return Expected<std::string>::failure("cannot read " + path +
                                            ": it is a symbolic link, which bbsot does not follow here");
    return Expected<std::string>::failure("cannot read " + path + ": " + std::strerror(e));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Expected<std::string>::failure("cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Expected<std::string>::failure(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool entry_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string dirname_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string basename_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty() || b.starts_with('/')) return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

Status ensure_dir(const std::string& path, mode_t mode) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::failure(path + " exists and is not a directory");
    if ((st.st_mode & 07777 & ~mode) != 0 && ::chmod(path.c_str(), mode) != 0)
      return Status::failure("cannot restrict the permissions of " + path + ": " + std::strerror(errno));
    return ok_status();
  }
  std::string parent = dirname_of(path);
  if (parent != path && !path_exists(parent)) {
    auto s = ensure_dir(parent, 0755);
    if (!s) return s;
  }
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return Status::failure("cannot create directory " + path + ": " + std::strerror(errno));
  return ok_status();
}

std::optional<std::string> getenv_str(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string home_dir() {
  if (auto h = getenv_str("HOME")) return *h;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
  return "/";
}

std::string user_config_path() {
  if (auto p = getenv_str("BBSOT_CONFIG")) return *p;
  if (auto x = getenv_str("XDG_CONFIG_HOME")) return *x + "/bbsot/config.yml";
  return home_dir() + "/.config/bbsot/config.yml";
}

std::string user_cache_dir() {
  if (auto x = getenv_str("XDG_CACHE_HOME")) return *x + "/bbsot";
  return home_dir() + "/.cache/bbsot";
}

}  // namespace bbsot

namespace bbsot {

std::string self_exe_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string libexec_dir() {
  if (auto env = getenv_str("BBSOT_LIBEXEC_DIR")) return *env;
  const std::string self = self_exe_path();
  if (self.empty()) return "";
  std::string dir = dirname_of(self);
  if (basename_of(dir) == "hooks") return dirname_of(dir);  // .../libexec/bbsot/hooks
  if (basename_of(dir) == "bbsot") return dir;              // .../libexec/bbsot
  return join_path(dirname_of(dir), "libexec/bbsot");       // .../bin
}

}  // namespace bbsot
