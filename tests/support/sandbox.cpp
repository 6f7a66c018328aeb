#include "sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char** environ;

namespace bbsot::test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
// Set before any test starts a program, which inherits them (see tests/CMakeLists.txt for
// why not through ctest). Reports also go to files that the last test checks.
[[maybe_unused]] const bool kSanitizerOptionsSet = [] {
  const std::string dir = BBSOT_SANITIZER_REPORT_DIR;
  ::setenv("ASAN_OPTIONS", ("detect_leaks=1:abort_on_error=0:log_path=" + dir + "/asan").c_str(), 0);
  ::setenv("UBSAN_OPTIONS", ("print_stacktrace=1:halt_on_error=1:log_path=" + dir + "/ubsan").c_str(), 0);
  return true;
}();
#endif

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

std::string errno_text() { return std::strerror(errno); }

int elapsed_ms(Clock::time_point since) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// argv/envp arrays built before fork: the child may only make async-signal-safe calls.
struct CStrings {
  explicit CStrings(const std::vector<std::string>& v) {
    for (const auto& s : v) ptrs.push_back(const_cast<char*>(s.c_str()));
    ptrs.push_back(nullptr);
  }
  std::vector<char*> ptrs;
  char** get() { return ptrs.data(); }
};

std::vector<std::string> merged_env(const Env& overrides) {
  Env env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : overrides) {
    if (v.empty())
      env.erase(k);
    else
      env[k] = v;
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// In the child after fork: own process group (so the parent can kill the whole tree),
// default SIGPIPE (the parent may ignore it; ignored signals survive exec).
void child_common() {
  setpgid(0, 0);
  signal(SIGPIPE, SIG_DFL);
}

// Waits up to timeout_ms for pid; returns the decoded status or -1 if still running.
int wait_for(pid_t pid, int timeout_ms) {
  auto start = Clock::now();
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) return 0;  // already reaped
    if (elapsed_ms(start) >= timeout_ms) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int read_port(const std::string& port_file) {
  std::ifstream in(port_file);
  int port = 0;
  if (in >> port && port > 0 && port < 65536) return port;
  return 0;
}

std::string python_script(const std::string& name) { return support_dir() + "/" + name; }

void make_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir + ": " + ec.message());
}

}  // namespace

// ---------------------------------------------------------------------------- files

std::string stage_dir() { return BBSOT_STAGE_DIR; }
std::string bin_path(const std::string& name) { return stage_dir() + "/bin/" + name; }
std::string support_dir() { return BBSOT_SUPPORT_DIR; }

void write_file(const std::string& path, const std::string& content, int mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail("cannot write " + path + ": " + errno_text());
  ::fchmod(fd, mode);  // O_CREAT's mode is masked by umask and ignored for existing files
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("cannot write " + path + ": " + errno_text());
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

void append_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << content;
  if (!out.flush()) fail("cannot append to " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// -------------------------------------------------------------------------- TempDir

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/bbsot-test-XXXXXX";
  if (!mkdtemp(tmpl.data())) fail("mkdtemp failed: " + errno_text());
  path_ = tmpl;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    TempDir old(std::move(*this));
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (std::getenv("BBSOT_KEEP_TEST_DIRS")) {
    std::cerr << "[bbsot] kept test directory " << path_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// --------------------------------------------------------------------------- TestCA

TestCA::TestCA(const std::string& d) : dir(d) {
  make_dirs(dir);
  auto r = run({"sh", support_dir() + "/make_ca.sh", dir}, {}, "", "", 60000);
  if (r.exit_code != 0) fail("make_ca.sh failed (" + std::to_string(r.exit_code) + "): " + r.err);
  ca = dir + "/ca.pem";
  cert = dir + "/server.pem";
  key = dir + "/server.key";
  other_ca = dir + "/other-ca.pem";
  other_cert = dir + "/other-server.pem";
  other_key = dir + "/other-server.key";
  wrong_host_cert = dir + "/wrong-host.pem";
  wrong_host_key = dir + "/wrong-host.key";
}

const TestCA& shared_ca() {
  static TempDir dir;
  static TestCA ca(dir.path());
  return ca;
}

// --------------------------------------------------------------------------- Server

Server Server::start(std::vector<std::string> argv_after_python, const std::string& port_file, int timeout_ms) {
  ::unlink(port_file.c_str());  // a stale port file would be taken as "ready"
  Server s;
  s.log_ = port_file + ".log";
  int log_fd = ::open(s.log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) fail("cannot open " + s.log_ + ": " + errno_text());
  // Debian's interpreter directly: a version-manager shim on PATH costs ~1.5 s per start.
  const char* python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  argv_after_python.insert(argv_after_python.begin(), python);
  CStrings args(argv_after_python);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    ::close(log_fd);
    fail("fork failed: " + errno_text());
  }
  if (pid == 0) {
    child_common();
    // A crashed test binary must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int null_fd = ::open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execvp(python, args.get());
    _exit(127);
  }
  ::close(log_fd);
  setpgid(pid, pid);  // also here: stop() may signal the group before the child runs
  s.pid_ = pid;
  auto started = Clock::now();
  for (;;) {
    if ((s.port_ = read_port(port_file)) > 0) return s;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      s.pid_ = -1;
      fail("server " + argv_after_python[1] + " exited (" + std::to_string(decode_status(status)) +
           ") before listening:\n" + read_file(s.log_));
    }
    if (elapsed_ms(started) >= timeout_ms) {
      s.stop();
      fail("server " + argv_after_python[1] + " did not start within " + std::to_string(timeout_ms) + " ms:\n" +
           read_file(s.log_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Server::Server(Server&& other) noexcept : pid_(other.pid_), port_(other.port_), log_(std::move(other.log_)) {
  other.pid_ = -1;
}

Server& Server::operator=(Server&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    port_ = other.port_;
    log_ = std::move(other.log_);
    other.pid_ = -1;
  }
  return *this;
}

Server::~Server() { stop(); }

void Server::stop() {
  if (pid_ <= 0) return;
  // The group: git http-backend children must go too.
  ::kill(-pid_, SIGTERM);
  if (wait_for(pid_, 2000) < 0) {
    ::kill(-pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  ::kill(-pid_, SIGKILL);  // stragglers in the group, if any; harmless when empty
  pid_ = -1;
}

// ---------------------------------------------------------------------- OAuthServer

OAuthServer::OAuthServer(const std::string& dir, const TestCA& ca, std::string client_id, std::string client_secret)
    : state_dir_(dir + "/state"),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      server_([&] {
        make_dirs(dir + "/state");
        write_file(dir + "/client_secret", client_secret_ + "\n", 0600);
        return Server::start(
            {python_script("oauth_server.py"), "--cert", ca.cert, "--key", ca.key, "--port-file", dir + "/port",
             "--state-dir", dir + "/state", "--client-id", client_id_, "--client-secret-file", dir + "/client_secret"},
            dir + "/port");
      }()) {}

void OAuthServer::mode(const std::string& m) { write_file(state_dir_ + "/mode", m + "\n"); }
void OAuthServer::date_offset(long seconds) { write_file(state_dir_ + "/date_offset", std::to_string(seconds) + "\n"); }

int OAuthServer::count() const {
  std::ifstream in(state_dir_ + "/count");
  int n = 0;
  in >> n;
  return n;
}

std::vector<std::string> OAuthServer::tokens() const { return read_lines(tokens_file()); }
std::vector<std::string> OAuthServer::request_log() const { return read_lines(state_dir_ + "/requests.log"); }

std::string OAuthServer::url() const {
  return "https://127.0.0.1:" + std::to_string(port()) + "/site/oauth2/access_token";
}

// -------------------------------------------------------------------- GitHttpServer

GitHttpServer::GitHttpServer(const std::string& dir, const TestCA& ca, std::string user, std::string tokens_file)
    : root_(dir + "/root"),
      user_(std::move(user)),
      tokens_file_(tokens_file.empty() ? dir + "/tokens" : std::move(tokens_file)),
      revoked_file_(dir + "/revoked"),
      server_([&] {
        make_dirs(dir + "/root");
        return Server::start(
            {python_script("git_http_server.py"), "--cert", ca.cert, "--key", ca.key, "--port-file", dir + "/port",
             "--root", dir + "/root", "--user", user_, "--tokens-file", tokens_file_, "--revoked-file", revoked_file_},
            dir + "/port");
      }()) {}

void GitHttpServer::add_token(const std::string& token) { append_file(tokens_file_, token + "\n"); }
void GitHttpServer::revoke(const std::string& token) { append_file(revoked_file_, token + "\n"); }

std::string GitHttpServer::create_repo(const std::string& repo, const std::string& branch) {
  std::string path = root_ + "/" + repo;
  auto r = run({"git", "init", "-q", "--bare", "--initial-branch=" + branch, path}, isolated_git_env(root_));
  if (r.exit_code != 0) fail("git init --bare " + path + " failed: " + r.err);
  return path;
}

std::string GitHttpServer::url_for(const std::string& repo) const {
  return "https://127.0.0.1:" + std::to_string(port()) + "/" + repo;
}

std::vector<std::string> GitHttpServer::access_log() const { return read_lines(root_ + "/access.log"); }

// ------------------------------------------------------------------------- Receiver

Receiver::Receiver(const std::string& dir, const TestCA* ca, int port)
    : log_(dir + "/requests.log"), state_dir_(dir + "/state"), tls_(ca != nullptr), server_([&] {
        make_dirs(dir + "/state");
        std::vector<std::string> args{
            python_script("receiver.py"), "--port-file", dir + "/port", "--log", log_, "--state-dir", state_dir_};
        if (ca) args.insert(args.end(), {"--cert", ca->cert, "--key", ca->key});
        if (port != 0) args.insert(args.end(), {"--port", std::to_string(port)});
        return Server::start(args, dir + "/port");
      }()) {}

void Receiver::mode(const std::string& m) { write_file(state_dir_ + "/mode", m + "\n"); }
void Receiver::date_offset(long seconds) { write_file(state_dir_ + "/date_offset", std::to_string(seconds) + "\n"); }
std::vector<std::string> Receiver::requests() const { return read_lines(log_); }
std::vector<std::string> Receiver::attempts() const { return read_lines(state_dir_ + "/attempts.log"); }

std::string Receiver::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
}

// ------------------------------------------------------------------------------ run

Env isolated_git_env(const std::string& home, const std::string& ca_file) {
  Env env{{"HOME", home},
          {"XDG_CONFIG_HOME", home + "/.config"},
          {"GIT_CONFIG_NOSYSTEM", "1"},
          {"GIT_CONFIG_GLOBAL", ""},
          {"GIT_TERMINAL_PROMPT", "0"},
          {"GIT_ASKPASS", ""},
          {"SSH_ASKPASS", ""},
          {"GIT_DIR", ""},
          {"GIT_WORK_TREE", ""},
          {"GIT_AUTHOR_NAME", "Test Author"},
          {"GIT_AUTHOR_EMAIL", "author@example.com"},
          {"GIT_COMMITTER_NAME", "Test Committer"},
          {"GIT_COMMITTER_EMAIL", "committer@example.com"}};
  if (!ca_file.empty()) env["GIT_SSL_CAINFO"] = ca_file;
  return env;
}

Env e2e_env(const std::string& home, const std::string& path_prefix) {
  make_dirs(home);
  Env env = isolated_git_env(home);
  const char* path = std::getenv("PATH");
  env["PATH"] = path_prefix + ":" + (path ? path : "/usr/bin:/bin");
  for (const char* v : {"BBSOT_ALLOW_MIRROR_PUSH", "BBSOT_QUIET", "BBSOT_LIBEXEC_DIR", "BBSOT_CONFIG", "BBSOT_TRACE",
                        "BBSOT_PRE_PUSH_DONE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_CONFIG_PARAMETERS", "GIT_PREFIX",
                        "GIT_SSL_CAINFO", "NO_COLOR", "XDG_CACHE_HOME"})
    env[v] = "";
  // A detached deliverer that failed would otherwise stay up to 30 minutes, retrying;
  // the tests that are about lingering set their own value.
  env["BBSOT_LINGER_SECONDS"] = "0";
  write_file(home + "/.gitconfig",
             "[user]\n\tname = Alice Example\n\temail = alice@example.com\n[init]\n\tdefaultBranch = main\n"
             "[advice]\n\tdetachedHead = false\n");
  return env;
}

RunResult set_up_clone(const Env& env, const std::string& work, const std::vector<std::string>& flags) {
  std::vector<std::string> argv{bin_path("git-bbsot"), "init"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto r = run(argv, env, work, "", 60000);
  if (r.exit_code != 0) {
    std::string cmd = "git bbsot init";
    for (const auto& f : flags) cmd += " " + f;
    fail(cmd + " in " + work + " failed (exit " + std::to_string(r.exit_code) + "):\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err);
  }
  return r;
}

namespace {

// A /proc file of a process that exits while it is read fails with ESRCH, which
// libstdc++'s filebuf turns into an exception: read(2) it and keep what came.
std::string read_proc_file(const fs::path& p) {
  std::string out;
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  ::close(fd);
  return out;
}

}  // namespace

int deliverers_running(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    std::string cmdline = read_proc_file(e.path() / "cmdline");  // gone meanwhile: empty
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    // Until the push ends the watcher is a sleeping copy of the hook, named bbsot-deliver.
    if (cmdline.find("bbsot-deliver") == std::string::npos && read_proc_file(e.path() / "comm") != "bbsot-deliver\n")
      continue;
    std::error_code ec2;
    const std::string cwd = fs::read_symlink(e.path() / "cwd", ec2).string();
    if (cmdline.find(dir) != std::string::npos || cwd.starts_with(dir)) ++n;
  }
  return n;
}

namespace {

struct Pipes {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  ~Pipes() {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      if (fd >= 0) ::close(fd);
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Feeds stdin and drains stdout/stderr until both close or the deadline passes.
// Returns false on timeout.
bool pump(Pipes& p, const std::string& stdin_data, RunResult& res, Clock::time_point deadline) {
  size_t written = 0;
  if (stdin_data.empty()) Pipes::close_fd(p.in[1]);
  char buf[65536];
  while (p.out[0] >= 0 || p.err[0] >= 0) {
    std::vector<pollfd> fds;
    if (p.in[1] >= 0) fds.push_back({p.in[1], POLLOUT, 0});
    if (p.out[0] >= 0) fds.push_back({p.out[0], POLLIN, 0});
    if (p.err[0] >= 0) fds.push_back({p.err[0], POLLIN, 0});
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) return false;
    int n = ::poll(fds.data(), fds.size(), left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    for (const auto& f : fds) {
      if (!f.revents) continue;
      if (f.fd == p.in[1]) {
        ssize_t w = ::write(p.in[1], stdin_data.data() + written, stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = stdin_data.size();
        if (written >= stdin_data.size()) Pipes::close_fd(p.in[1]);
        continue;
      }
      ssize_t r = ::read(f.fd, buf, sizeof buf);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        Pipes::close_fd(f.fd == p.out[0] ? p.out[0] : p.err[0]);
        continue;
      }
      (f.fd == p.out[0] ? res.out : res.err).append(buf, static_cast<size_t>(r));
    }
  }
  return true;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const Env& env_overrides, const std::string& cwd,
              const std::string& stdin_data, int timeout_ms) {
  if (argv.empty()) fail("run: empty argv");
  // Writing to a child that exited must be an error, not a SIGPIPE killing the tests.
  static const bool sigpipe_ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  Pipes p;
  if (pipe2(p.in, O_CLOEXEC) || pipe2(p.out, O_CLOEXEC) || pipe2(p.err, O_CLOEXEC))
    fail("pipe failed: " + errno_text());
  ::fcntl(p.in[1], F_SETFL, O_NONBLOCK);
  std::vector<std::string> env = merged_env(env_overrides);
  CStrings args(argv), envp(env);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  pid_t pid = fork();
  if (pid < 0) fail("fork failed: " + errno_text());
  if (pid == 0) {
    child_common();
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    dup2(p.in[0], 0);
    dup2(p.out[1], 1);
    dup2(p.err[1], 2);
    execvpe(args.get()[0], args.get(), envp.get());
    const char msg[] = "run: exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  setpgid(pid, pid);
  Pipes::close_fd(p.in[0]);
  Pipes::close_fd(p.out[1]);
  Pipes::close_fd(p.err[1]);
  RunResult res;
  bool finished = pump(p, stdin_data, res, deadline);
  if (finished) {
    int left = std::max(
        0, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
    res.exit_code = wait_for(pid, left);
    finished = res.exit_code >= 0;
  }
  if (!finished) {
    ::kill(-pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    res.exit_code = 124;
  }
  return res;
}

}  // namespace bbsot::test
