// bbsot's hook programs and the links that point at them. A hook directory's entry is
// bbsot's when it is a symlink to some bbsot installation's <libexec>/bbsot/hooks/<hook>;
// everything that wires bbsot into a clone (wiring.hpp) recognises bbsot by that.
#pragma once
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

extern const std::vector<std::string> kBbsotHooks;  // pre-push: bbsot installs no other hook

// The program a hook links to: <libexec>/hooks/<name>.
std::string hook_program(const std::string& name);
// True when `path` is a symlink to some bbsot installation's hook program of that name
// (also when that program is gone: the link is still bbsot's).
bool is_bbsot_hook(const std::string& path, const std::string& name);
// The name of the bbsot hook program `path` links to ("pre-push", "reference-transaction"),
// or "" when it is not such a link.
std::string bbsot_link_program(const std::string& path);

struct HookChange {
  std::string hook;
  std::string action;  // "installed", "already installed", "existing hook kept as ...", "removed", "restored ..."
};

// bbsot's hooks straight into `hooks_dir`, a foreign hook kept as <name>.bbsot-chained.
// For a directory bbsot owns outright (the demo's sandbox); a clone is wired by
// plan_hook_wiring/apply_hook_wiring, which know about hook managers and core.hooksPath.
[[nodiscard]] Expected<std::vector<HookChange>> install_hooks(const std::string& hooks_dir);

}  // namespace bbsot
