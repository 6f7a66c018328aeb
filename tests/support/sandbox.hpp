// Support for the end-to-end tests: throwaway directories and certificates, the Python
// server doubles in tests/support (started per test, killed with their process group
// when the handle dies), and a subprocess runner with environment overrides.
// Everything reports failure by throwing std::runtime_error: a broken fixture is a test
// error, not a condition the tests branch on.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace bbsot::test {

using Env = std::map<std::string, std::string>;

// A fresh directory under $TMPDIR (or /tmp), removed on destruction unless
// BBSOT_KEEP_TEST_DIRS is set (then its path is printed so a failure can be inspected).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Certificates made by make_ca.sh in `dir` (see that script for what each one is for).
// The server wrappers serve `cert`/`key`; to serve another certificate, pass a copy with
// those two fields swapped (e.g. cert = wrong_host_cert, key = wrong_host_key).
struct TestCA {
  explicit TestCA(const std::string& dir);
  std::string dir, ca, cert, key, other_ca, other_cert, other_key, wrong_host_cert, wrong_host_key;
};
// One CA per test process: generating keys costs more than most tests.
const TestCA& shared_ca();

// A server double: `python3 argv...` with stdout/stderr appended to <port_file>.log.
// start() returns once the server has written its port to port_file.
class Server {
 public:
  static Server start(std::vector<std::string> argv_after_python, const std::string& port_file, int timeout_ms = 10000);
  Server(Server&& other) noexcept;
  Server& operator=(Server&& other) noexcept;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_; }
  // SIGTERM, then SIGKILL after 2 s, then reap. Idempotent.
  void stop();

 private:
  Server() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

// tests/support/oauth_server.py in `dir` (created if needed): state in dir/state,
// client secret in dir/client_secret (0600), port in dir/port.
class OAuthServer {
 public:
  OAuthServer(const std::string& dir, const TestCA& ca, std::string client_id = "test-client-id",
              std::string client_secret = "test-client-secret");
  void mode(const std::string& m);  // "ok", "invalid_client", "500", "503", "slow", "reset", ...
  // Shifts the Date header the server sends by `seconds` (positive: the server's clock is ahead).
  void date_offset(long seconds);
  int count() const;                        // token requests received
  std::vector<std::string> tokens() const;  // access tokens issued, oldest first
  std::vector<std::string> request_log() const;
  std::string url() const;  // https://127.0.0.1:<port>/site/oauth2/access_token
  int port() const { return server_.port(); }
  const std::string& state_dir() const { return state_dir_; }
  std::string tokens_file() const { return state_dir_ + "/tokens"; }
  const std::string& client_id() const { return client_id_; }
  const std::string& client_secret() const { return client_secret_; }
  Server& server() { return server_; }

 private:
  std::string state_dir_, client_id_, client_secret_;
  Server server_;
};

// tests/support/git_http_server.py in `dir`: repositories under dir/root, access log
// at dir/root/access.log. tokens_file defaults to dir/tokens; pass an OAuthServer's
// tokens_file() so every token it issues is accepted.
class GitHttpServer {
 public:
  GitHttpServer(const std::string& dir, const TestCA& ca, std::string user = "x-token-auth",
                std::string tokens_file = "");
  void add_token(const std::string& token);
  void revoke(const std::string& token);
  // `git init --bare <root>/<repo>` with initial branch `branch`; returns its path.
  std::string create_repo(const std::string& repo, const std::string& branch = "main");
  std::string url_for(const std::string& repo) const;  // https://127.0.0.1:<port>/<repo>
  std::vector<std::string> access_log() const;
  int port() const { return server_.port(); }
  const std::string& root() const { return root_; }
  const std::string& user() const { return user_; }
  const std::string& tokens_file() const { return tokens_file_; }
  Server& server() { return server_; }

 private:
  std::string root_, user_, tokens_file_, revoked_file_;
  Server server_;
};

// tests/support/receiver.py in `dir`: requests answered 200 in dir/requests.log, every
// attempt in dir/state/attempts.log. Plain HTTP unless `ca` is given. On `port` when it is
// not 0 (an endpoint that was down and comes back at the same URL), else on a free one.
class Receiver {
 public:
  explicit Receiver(const std::string& dir, const TestCA* ca = nullptr, int port = 0);
  void mode(const std::string& m);            // "ok", "500", "slow", "close"
  void date_offset(long seconds);             // as OAuthServer::date_offset
  std::vector<std::string> requests() const;  // raw JSON lines
  std::vector<std::string> attempts() const;
  std::string url(const std::string& path = "/hook") const;
  int port() const { return server_.port(); }
  Server& server() { return server_; }

 private:
  std::string log_, state_dir_;
  bool tls_ = false;
  Server server_;
};

struct RunResult {
  int exit_code = -1;  // 128+N when killed by signal N; 124 on timeout
  std::string out, err;
};
// Runs argv (PATH lookup) with the current environment plus env_overrides (an empty
// value removes the variable), in its own process group so a timeout kills it all.
RunResult run(const std::vector<std::string>& argv, const Env& env_overrides = {}, const std::string& cwd = "",
              const std::string& stdin_data = "", int timeout_ms = 60000);

// Environment for git that ignores the developer's configuration: HOME=home,
// no system config, no prompts, and (if non-empty) ca_file trusted for HTTPS.
Env isolated_git_env(const std::string& home, const std::string& ca_file = "");

// Where an end-to-end fixture starts: isolated_git_env(home) with `path_prefix` (the
// staged programs, and any tools the test needs, ':'-separated) first on PATH, every
// variable that changes bbsot's or git's behaviour cleared so the developer's shell
// cannot change what is tested, and a global git config in home (identity, `main` as
// the default branch, no detached-HEAD advice). Creates home.
Env e2e_env(const std::string& home, const std::string& path_prefix);

// `git bbsot init FLAGS` run in the work tree `work` with `env`, as a developer sets a
// clone up once .bbsot.yml is there: the pre-push hook, the clone's record (which the hooks
// and commands act on, never the checked-out file), a report secret in the user's file.
// Off a terminal init asks nothing, so the flags must supply what it cannot detect
// (--yes approves the destination .bbsot.yml names; --hook-url URL or --no-hook-url;
// --source-remote NAME; ...). Throws std::runtime_error with init's output when it fails.
RunResult set_up_clone(const Env& env, const std::string& work, const std::vector<std::string>& flags = {"--yes"});

// bbsot-deliver processes working for a test whose files are under `dir`: named in their
// argv (watch GIT_DIR) or started from one of its directories (hooks pass relative paths),
// and watchers still waiting for their push (a copy of the hook, named bbsot-deliver).
int deliverers_running(const std::string& dir);

std::string stage_dir();                        // the build's installed-layout tree
std::string bin_path(const std::string& name);  // stage_dir()/bin/name
std::string support_dir();                      // tests/support in the source tree

void write_file(const std::string& path, const std::string& content, int mode = 0644);
void append_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);                // throws if unreadable
std::vector<std::string> read_lines(const std::string& path);  // empty if missing

}  // namespace bbsot::test
