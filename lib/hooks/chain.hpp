// Hooks that were installed before bbsot are moved to <hooks dir>/<name>.bbsot-chained
// and run after bbsot's own check with the same arguments and stdin, so installing bbsot
// never loses a team's existing hook.
#pragma once
#include <string>
#include <vector>

namespace bbsot {

constexpr const char* kChainedSuffix = ".bbsot-chained";

// The hooks directory a hook was started from: git runs hooks by their path there.
std::string hooks_dir_from_argv0(const char* argv0);

// Runs the chained hook if there is one (stdout and stderr are the caller's) and returns
// its exit code; 0 when there is none.
int run_chained_hook(const std::string& hooks_dir, const std::string& name, const std::vector<std::string>& args,
                     const std::string& stdin_data);

// Reads all of stdin (hooks get small inputs, but a push of 100,000 refs is ~16 MB).
std::string read_all_stdin(size_t max_bytes = 256u << 20);

}  // namespace bbsot
