#include "hooks/chain.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <sys/stat.h>
#include <sys/wait.h>

#include "base/error.hpp"
#include "base/files.hpp"

namespace bbsot {

std::string hooks_dir_from_argv0(const char* argv0) {
  std::string p = argv0 ? argv0 : "";
  return p.find('/') == std::string::npos ? "." : dirname_of(p);
}

std::string read_all_stdin(size_t max_bytes) {
  // Read straight into the string, growing it geometrically: no intermediate copies.
  std::string out;
  size_t used = 0;
  out.resize(1 << 16);
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    ssize_t n = ::read(0, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<size_t>(n);
    if (used > max_bytes) break;
  }
  out.resize(used);
  return out;
}

namespace {

bool exists_or_dangling(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Runs `path` with `args`, feeding it `stdin_data`; `done_env`: set kPrePushDoneEnv for it.
int run_hook_file(const std::string& path, const std::vector<std::string>& args, const std::string& stdin_data,
                  bool done_env) {
  int fds[2];
  if (::pipe(fds) != 0) {
    print_error("bbsot: cannot run " + path + ": " + std::strerror(errno));
    return kExitFailed;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    print_error("bbsot: cannot run " + path + ": " + std::strerror(errno));
    return kExitFailed;
  }
  if (pid == 0) {
    ::dup2(fds[0], 0);
    ::close(fds[0]);
    ::close(fds[1]);
    if (done_env) ::setenv(kPrePushDoneEnv, "1", 1);
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    std::fprintf(stderr, "error: bbsot: cannot run %s: %s\n", path.c_str(), std::strerror(errno));
    ::_exit(126);
  }
  ::close(fds[0]);
  // A hook that ignores its stdin closes the pipe early; that is not an error.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < stdin_data.size()) {
    ssize_t n = ::write(fds[1], stdin_data.data() + off, stdin_data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fds[1]);
  std::signal(SIGPIPE, old);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

int run_chained_hook(const std::string& hooks_dir, const std::string& name, const std::vector<std::string>& args,
                     const std::string& stdin_data) {
  if (hooks_dir.empty()) return 0;
  const std::string path = join_path(hooks_dir, name + kChainedSuffix);
  if (::access(path.c_str(), X_OK) != 0) return 0;
  return run_hook_file(path, args, stdin_data, false);
}

std::string chained_pre_push(const std::string& started_as) {
  if (started_as.find('/') == std::string::npos) return "";
  std::string own = started_as + kChainedSuffix;
  if (exists_or_dangling(own)) return own;
  if (basename_of(started_as) == "pre-push") return "";
  const std::string beside = join_path(dirname_of(started_as), std::string("pre-push") + kChainedSuffix);
  return exists_or_dangling(beside) ? beside : "";
}

int run_chained_pre_push(const std::string& started_as, const std::vector<std::string>& args,
                         const std::string& stdin_data) {
  const std::string path = chained_pre_push(started_as);
  // As git does with a hook it cannot execute: nothing runs (a dangling link included).
  if (path.empty() || ::access(path.c_str(), X_OK) != 0) return 0;
  return run_hook_file(path, args, stdin_data, true);
}

}  // namespace bbsot
