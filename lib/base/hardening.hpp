// Process and file hardening for programs that hold secrets (docs/DESIGN.md "Trust boundary", docs/TRUST.md):
// no core dumps (a crash while a consumer secret or token is in memory must not leave it
// in a `core` file in the work tree, where `git add -A` would commit it), and private
// files and directories that are really the user's own.
#pragma once
#include <string>

#include "base/error.hpp"

namespace bbsot {

// prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0 for this process (and, for the limit, its
// children). Call first thing in main() of every program that may hold a secret.
void disable_core_dumps();

// Whether `path` (which must exist) is owned by this user and not writable by group or
// others; with `no_group_other_read`, not readable by them either. `what` names it in the
// message ("the bbsot config file"). Does not follow a final symlink when `no_symlink`.
[[nodiscard]] Status check_private_path(const std::string& path, const std::string& what, bool no_group_other_read,
                                        bool no_symlink);

// A directory for bbsot's private files (the token cache, the outbox): created 0700 when
// missing; when present it must be a real directory (not a symlink: its target would get
// the tokens), owned by this user and not writable by group or others; readable bits for
// others are then taken away.
[[nodiscard]] Status ensure_private_dir(const std::string& path, const std::string& what);

}  // namespace bbsot
