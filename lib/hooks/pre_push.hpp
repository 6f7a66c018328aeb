// The pre-push hook's logic (docs/DESIGN.md "Hooks and push reports"), shared by the hook
// program and `git bbsot hook pre-push` (for hook managers).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace bbsot {

// args: remote name and URL as git passes them. `started_as`: the path the hook program
// was started as (its argv[0]), whose <path>.bbsot-chained runs after bbsot's check
// (chain.hpp); "" when a hook manager runs us and chains by itself. What the hook says
// (the plan, a refusal, warnings) goes to `out`: the program passes its stderr, where git
// shows a hook's output. Returns the exit code.
[[nodiscard]] int run_pre_push(const std::string& started_as, const std::vector<std::string>& args,
                               const std::string& stdin_data, std::ostream& out);

}  // namespace bbsot
