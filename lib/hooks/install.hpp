// Installing bbsot's hooks into the hooks directory git really uses, without losing what
// was there: a foreign hook is moved to <name>.bbsot-chained (bbsot runs it after its own
// check) and moved back by uninstall. Both are idempotent.
#pragma once
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

extern const std::vector<std::string> kBbsotHooks;  // pre-push

// The program a hook links to: <libexec>/hooks/<name>.
std::string hook_program(const std::string& name);
// True when `path` is a symlink to some bbsot installation's hook program of that name.
bool is_bbsot_hook(const std::string& path, const std::string& name);

struct HookChange {
  std::string hook;
  std::string action;  // "installed", "already installed", "chained existing hook", "removed", "restored"
};

Expected<std::vector<HookChange>> install_hooks(const std::string& hooks_dir);
Expected<std::vector<HookChange>> uninstall_hooks(const std::string& hooks_dir);

// A hook manager that owns the hooks ("husky", "lefthook", "pre-commit"), or "": husky by
// core.hooksPath, pre-commit and lefthook by the pre-push hook they generate.
std::string detect_hook_manager(const std::string& hooks_path_config, const std::string& hooks_dir);
// How to call bbsot from that manager's configuration.
std::string hook_manager_instructions(const std::string& manager);

}  // namespace bbsot
