#include "hooks/chain.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

#include <sys/stat.h>
#include <sys/wait.h>

#include "base/files.hpp"

extern char** environ;

namespace bbsot {

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
// Its stdout and stderr are the caller's. A failure when it cannot be started (posix_spawn
// reports a failed exec too), else its exit code.
Expected<int> run_hook_file(const std::string& path, const std::vector<std::string>& args,
                            const std::string& stdin_data, bool done_env) {
  const auto cannot = [&](int err) { return Expected<int>::failure("cannot run " + path + ": " + std::strerror(err)); };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return cannot(errno);
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (!done_env || !std::string_view(*e).starts_with(std::string(kPrePushDoneEnv) + "="))
      env_strings.emplace_back(*e);
  if (done_env) env_strings.push_back(std::string(kPrePushDoneEnv) + "=1");
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);  // dup2 clears close-on-exec on fd 0
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    return cannot(rc);
  }
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

std::string chained_pre_push(const std::string& started_as) {
  if (started_as.find('/') == std::string::npos) return "";
  std::string own = started_as + kChainedSuffix;
  if (exists_or_dangling(own)) return own;
  if (basename_of(started_as) == "pre-push") return "";
  const std::string beside = join_path(dirname_of(started_as), std::string("pre-push") + kChainedSuffix);
  return exists_or_dangling(beside) ? beside : "";
}

Expected<int> run_chained_pre_push(const std::string& started_as, const std::vector<std::string>& args,
                                   const std::string& stdin_data) {
  const std::string path = chained_pre_push(started_as);
  // As git does with a hook it cannot execute: nothing runs (a dangling link included).
  if (path.empty() || ::access(path.c_str(), X_OK) != 0) return 0;
  return run_hook_file(path, args, stdin_data, true);
}

}  // namespace bbsot
