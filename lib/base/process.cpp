#include "base/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <chrono>
#include <csignal>
#include <cstring>

#include <sys/wait.h>

extern char** environ;

namespace bbsot {

namespace {

struct Pipe {
  int r = -1, w = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
  void close_all() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
    r = w = -1;
  }
};

std::vector<char*> to_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const ProcessOptions& opts, Pipe& in, Pipe& out,
                             Pipe& err) {
  if (opts.cwd && ::chdir(opts.cwd->c_str()) != 0) _exit(127);
  int devnull = ::open("/dev/null", O_RDWR);
  ::dup2(opts.stdin_data ? in.r : devnull, 0);
  ::dup2(out.w, 1);
  if (opts.capture_stderr) ::dup2(err.w, 2);
  auto args = to_argv(argv);
  ::signal(SIGPIPE, SIG_DFL);
  ::execvp(args[0], args.data());
  const char msg[] = "error: cannot run program\n";
  [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
  _exit(127);
}

// Feeds stdin and drains stdout/stderr together so neither side can block the other.
bool pump(const ProcessOptions& opts, Pipe& in, Pipe& out, Pipe& err, ProcessResult& res, pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.timeout_ms);
  size_t written = 0;
  static const std::string kNoInput;
  const std::string& data = opts.stdin_data ? *opts.stdin_data : kNoInput;
  if (!opts.stdin_data || data.empty()) {
    if (in.w >= 0) ::close(in.w);
    in.w = -1;
  }
  while (out.r >= 0 || err.r >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out.r >= 0) fds[n++] = {out.r, POLLIN, 0};
    if (err.r >= 0) fds[n++] = {err.r, POLLIN, 0};
    if (in.w >= 0) fds[n++] = {in.w, POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      return false;
    }
    int rc = ::poll(fds, n, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.w) {
        ssize_t w = ::write(in.w, data.data() + written, data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == data.size()) {
          ::close(in.w);
          in.w = -1;
        }
        continue;
      }
      char buf[8192];
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out.r ? res.out : res.err;
      if (r > 0 && sink.size() < opts.max_output) sink.append(buf, static_cast<size_t>(r));
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        if (fds[i].fd == out.r) {
          ::close(out.r);
          out.r = -1;
        } else {
          ::close(err.r);
          err.r = -1;
        }
      }
    }
  }
  return true;
}

}  // namespace

Expected<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  using R = Expected<ProcessResult>;
  if (argv.empty()) return R::failure("no program to run");
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open())
    return R::failure(std::string("cannot create a pipe: ") + std::strerror(errno));
  // Writes to a child that exits early must fail with EPIPE, not kill us.
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::sigaction(SIGPIPE, &old, nullptr);
    return R::failure(std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid == 0) exec_child(argv, opts, in, out, err);
  ::close(in.r);
  ::close(out.w);
  ::close(err.w);
  in.r = out.w = err.w = -1;
  if (!opts.capture_stderr) {
    ::close(err.r);
    err.r = -1;
  }
  ProcessResult res;
  bool finished = pump(opts, in, out, err, res, pid);
  in.close_all();
  out.close_all();
  err.close_all();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  if (!finished)
    return R::failure("'" + argv[0] + "' did not finish within " + std::to_string(opts.timeout_ms / 1000) + " s");
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return res;
}

Expected<ProcessResult> run_shell(const std::string& command, const ProcessOptions& opts) {
  return run_process({"/bin/sh", "-c", command}, opts);
}

// Async-signal-safe calls only: it runs between fork and exec, where the caller may have
// had threads. The pidfd is readable once the process has exited (Linux 5.3); without one,
// a sleep that grows to 2 s. A pidfd names the process itself, so a reused pid is not
// waited for; the fallback can be fooled by reuse, and is bounded by max_seconds.
void wait_for_exit(int64_t pid, int max_seconds) {
  if (pid <= 1 || pid > INT32_MAX) return;
  const auto p = static_cast<pid_t>(pid);
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, p, 0);
  if (fd >= 0) {
    pollfd pfd{static_cast<int>(fd), POLLIN, 0};
    while (::poll(&pfd, 1, max_seconds * 1000) < 0 && errno == EINTR) {
    }
    ::close(static_cast<int>(fd));
    return;
  }
#endif
  long pause_ms = 20, waited_ms = 0;
  while ((::kill(p, 0) == 0 || errno == EPERM) && waited_ms < max_seconds * 1000L) {
    timespec ts{pause_ms / 1000, (pause_ms % 1000) * 1000000L};
    ::nanosleep(&ts, nullptr);
    waited_ms += pause_ms;
    pause_ms = pause_ms < 1000 ? pause_ms * 2 : 2000;
  }
}

// fork, not posix_spawn: the child has to wait before it execs, which a vfork-like spawn
// cannot. The new session keeps it out of git's process group and terminal; it is
// reparented to init when the short-lived caller exits.
Status spawn_detached(const std::vector<std::string>& argv, int64_t after_pid) {
  if (argv.empty()) return Status::failure("no program to start");
  // exec errors are not seen by the parent of a fork: the usual one is checked here.
  if (::access(argv[0].c_str(), X_OK) != 0) return Status::failure("cannot start " + argv[0] + ": " + std::strerror(errno));
  auto args = to_argv(argv);  // everything the child needs is allocated before the fork
  const pid_t wait_for = after_pid > 1 && after_pid <= INT32_MAX ? static_cast<pid_t>(after_pid) : 0;
  // While it waits, the child goes by the program's name (ps -o comm, pgrep, top), not the
  // caller's: a lingering "pre-push" would look like a hung hook.
  char name[16] = {};
  const std::string base = argv[0].substr(argv[0].rfind('/') + 1);
  base.copy(name, sizeof name - 1);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::failure("cannot start " + argv[0] + ": " + std::strerror(errno));
  if (pid > 0) return ok_status();
  ::setsid();
  const int devnull = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
  ::close_range(3, ~0U, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (wait_for) {
    ::prctl(PR_SET_NAME, name, 0, 0, 0);
    wait_for_exit(wait_for, kMaxPushWaitSeconds);
  }
  ::execve(args[0], args.data(), environ);
  _exit(127);
}

}  // namespace bbsot
