// Running other programs without leaking secrets: arguments go straight to execvp (no
// shell unless asked), output comes back through a pipe, and a child never receives a
// secret in argv or its environment. Used for *_command secrets and for git itself.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::optional<std::string> cwd;
  std::optional<std::string> stdin_data;  // nullopt: /dev/null
  bool capture_stderr = true;             // false: the child's stderr goes to ours
  int timeout_ms = 30000;                 // killed (SIGKILL) after this
  size_t max_output = 1 << 20;
};

Expected<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& opts = {});
// `sh -c command`: for user-configured *_command values, which are shell snippets.
Expected<ProcessResult> run_shell(const std::string& command, const ProcessOptions& opts = {});

// Starts `argv` (an absolute path first) fully detached: a new session, stdio on
// /dev/null, no other inherited descriptor, default signal handling; it outlives its
// parent and never holds the caller's terminal or pipes. With `after_pid` > 1 the
// program is exec'd only once that process has exited: until then the child is a
// sleeping copy of the caller, named (comm) after the program. The pre-push hook uses this so the deliverer's start
// (libgit2, libcurl, OpenSSL) never competes with the push it reports for the CPU.
// Fails, without starting anything, when argv[0] is not an executable file.
[[nodiscard]] Status spawn_detached(const std::vector<std::string>& argv, int64_t after_pid = 0);

// How long a watcher waits for the push it serves; after that `git bbsot report flush`
// settles its record.
inline constexpr int kMaxPushWaitSeconds = 2 * 3600;
// Returns once process `pid` has exited, or after `max_seconds`. Async-signal-safe.
void wait_for_exit(int64_t pid, int max_seconds);

}  // namespace bbsot
