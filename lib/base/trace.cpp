#include "base/trace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include <sys/time.h>

namespace bbsot {

namespace {
// -2: not yet read; -1: off; otherwise the fd to write to.
int g_trace_fd = -2;

int trace_fd() {
  if (g_trace_fd != -2) return g_trace_fd;
  g_trace_fd = -1;
  const char* v = std::getenv("BBSOT_TRACE");
  if (v == nullptr) return g_trace_fd;
  std::string_view s(v);
  if (s.empty() || s == "0" || s == "false") return g_trace_fd;
  if (s == "1" || s == "2" || s == "true") {
    g_trace_fd = 2;
  } else if (s.starts_with('/')) {
    g_trace_fd = ::open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  }
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
