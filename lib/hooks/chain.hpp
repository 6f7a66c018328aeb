// Hooks that were installed before bbsot are moved to <hook path>.bbsot-chained and run
// after bbsot's own check with the same arguments and stdin, so installing bbsot never
// loses a team's existing hook. In a per-clone hooks directory (wiring.hpp) the chained
// pre-push is a forwarder to the pre-push of the directory core.hooksPath named before.
#pragma once
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

constexpr const char* kChainedSuffix = ".bbsot-chained";

// In the environment of the hook bbsot's pre-push chains, and exported by the lefthook rc
// script once bbsot's pre-push has run: `git bbsot hook pre-push`, called from a hook
// manager's configuration, then does nothing, or the push would be recorded twice.
constexpr const char* kPrePushDoneEnv = "BBSOT_PRE_PUSH_DONE";

// The hook bbsot's pre-push chains when it was started as `started_as` (its argv[0]):
// <started_as>.bbsot-chained, named after the name it runs under (pre-commit runs it as
// pre-push.legacy: pre-push.legacy.bbsot-chained). Started under another name than
// pre-push, a pre-push.bbsot-chained beside it counts too: pre-commit moved bbsot's
// pre-push to pre-push.legacy after bbsot had moved the team's hook there. "" when none
// (nor when `started_as` has no directory: a hook manager runs bbsot and chains by itself).
std::string chained_pre_push(const std::string& started_as);

// Runs chained_pre_push(started_as) with the push's arguments and stdin (its stdout and
// stderr are the caller's), and kPrePushDoneEnv set; its exit code, 0 when there is none,
// a failure when it is there but cannot be started.
[[nodiscard]] Expected<int> run_chained_pre_push(const std::string& started_as, const std::vector<std::string>& args,
                                                 const std::string& stdin_data);

// Reads all of stdin (hooks get small inputs, but a push of 100,000 refs is ~16 MB).
std::string read_all_stdin(size_t max_bytes = 256u << 20);

}  // namespace bbsot
