// The pre-push hook's logic (DESIGN.md "Hooks and push reports"), shared by the hook
// program and `git bbsot hook pre-push` (for hook managers).
#pragma once
#include <string>
#include <vector>

namespace bbsot {

// args: remote name and URL as git passes them. `hooks_dir`: where to find a chained
// hook ("" when a hook manager runs us and chains by itself). Returns the exit code.
int run_pre_push(const std::string& hooks_dir, const std::vector<std::string>& args, const std::string& stdin_data);

}  // namespace bbsot
