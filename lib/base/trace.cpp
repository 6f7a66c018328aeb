#include "base/trace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <sys/time.h>

#include "base/error.hpp"

namespace bbsot {

namespace {
// -2: not yet read; -1: off; otherwise the fd to write to.
int g_trace_fd = -2;

// A relative BBSOT_TRACE names a file in the directory the user ran git in. git runs
// hooks and credential helpers in the work tree's top directory and says where the user
// was in GIT_PREFIX (relative to that top, "sub/dir/"), so that is added back; every other
// process is still where the user started it. "" when the current directory is unknown.
std::string absolute_trace_path(const std::string& relative) {
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return "";
  std::string dir = buf;
  const char* prefix = std::getenv("GIT_PREFIX");
  if (prefix != nullptr && *prefix != '\0' && *prefix != '/') dir += "/" + std::string(prefix);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "/" + relative;
}

int trace_fd() {
  if (g_trace_fd != -2) return g_trace_fd;
  g_trace_fd = -1;
  const char* v = std::getenv("BBSOT_TRACE");
  if (v == nullptr) return g_trace_fd;
  std::string s(v);
  if (s.empty() || s == "0" || s == "false") return g_trace_fd;
  if (s == "1" || s == "2" || s == "true") {
    g_trace_fd = 2;
    return g_trace_fd;
  }
  if (s.size() == 1 && s[0] >= '3' && s[0] <= '9') {
    print_warning("BBSOT_TRACE=" + s +
                  ": file descriptors other than 2 are not supported; tracing is off (use 1 for stderr, or a file)");
    return g_trace_fd;
  }
  if (!s.starts_with('/')) {
    const std::string abs = absolute_trace_path(s);
    if (abs.empty()) {
      print_warning("BBSOT_TRACE=" + s + ": the current directory is unknown; tracing is off (give an absolute path)");
      return g_trace_fd;
    }
    // Children (git run by git-bbsot from the top directory, the detached deliverer, the
    // token program) inherit the resolved file, so one trace collects every process.
    ::setenv("BBSOT_TRACE", abs.c_str(), 1);
    s = abs;
  }
  g_trace_fd = ::open(s.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (g_trace_fd < 0)
    print_warning("BBSOT_TRACE: cannot open " + s + " for tracing: " + std::strerror(errno) + "; tracing is off");
  return g_trace_fd;
}
}  // namespace

bool trace_enabled() { return trace_fd() >= 0; }

void trace(const std::string& line) {
  int fd = trace_fd();
  if (fd < 0) return;
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  tm t;
  ::localtime_r(&tv.tv_sec, &t);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%06ld", t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<long>(tv.tv_usec));
  std::string out = std::string(stamp) + " bbsot[" + std::to_string(::getpid()) + "]: " + line + "\n";
  // One write per line so concurrent processes appending to one file do not interleave.
  [[maybe_unused]] ssize_t n = ::write(fd, out.data(), out.size());
}

std::string redact(std::string text, std::initializer_list<std::string> secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos))
      text.replace(pos, s.size(), "<redacted>");
  }
  return text;
}

}  // namespace bbsot
