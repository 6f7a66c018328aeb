// Wiring bbsot's pre-push into a clone so that git runs it on every push, on every branch,
// whichever hook manager owns the hooks (docs/HOOK-MANAGERS.md). Every point is per clone
// and untracked; nothing is written into a tracked or a global hooks directory.
//
//   no manager, no core.hooksPath  <common>/hooks/pre-push -> bbsot (a team's hook kept as
//                                  pre-push.bbsot-chained, run after bbsot's check)
//   pre-commit                     <common>/hooks/pre-push.legacy -> bbsot: pre-commit runs
//                                  it first on every push, with git's argv and stdin
//   lefthook                       lefthook-local.yml (untracked, excluded) names
//                                  <common>/bbsot/lefthook-rc.sh as `rc:`; lefthook bakes it
//                                  into its hooks, and on pre-push it runs bbsot first
//   husky, any other core.hooksPath <common>/bbsot/hooks becomes core.hooksPath (through an
//                                  [include] at the end of .git/config, so that re-running
//                                  husky cannot displace it); its pre-push is bbsot, and its
//                                  other hooks forward to those of the previous directory
//
// Planning reads only; applying is all or nothing (a failed step undoes the ones before).
// Earlier bbsot versions' reference-transaction links are removed on the way, the team's
// own hook put back in their place.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace bbsot {

struct HookStep {
  std::string check;   // the doctor check it belongs to: "hook pre-push" or "hook reference-transaction"
  std::string line;    // what the step does, one line (init prints it after doing it)
  std::string found;   // what is wrong until it is done, one line (doctor's detail); "" for tidying
  bool needed = true;  // false: bbsot's pre-push runs on every push without it (tidying)
  std::function<Status()> run;
  std::function<void()> undo;  // best effort, for a later step that failed
};

struct HookPlan {
  std::string how;              // how bbsot's pre-push runs here once wired, one line
  std::vector<HookStep> steps;  // in order; none: already wired
  // Non-empty: the clone cannot be wired as it is. One line saying what and where, and
  // the fixes (commands or edits that work in this state).
  std::string problem;
  std::vector<std::string> fixes;
  std::vector<std::string> notes;  // said after the steps (e.g. a team hook a manager no longer runs)
};

// What wiring the clone whose work tree contains `work` needs. Writes nothing. Fails only
// when git cannot tell what the clone is.
[[nodiscard]] Expected<HookPlan> plan_hook_wiring(const std::string& work);
// Runs the plan's steps (a plan with a problem is refused); returns the line of each step
// done. On a failed step, undoes those before it and fails with that step's error.
[[nodiscard]] Expected<std::vector<std::string>> apply_hook_wiring(HookPlan& plan);

// Removes everything any bbsot version wired into the clone, putting back each hook bbsot
// moved aside, in every worktree; returns one line per thing done (and warnings as
// "warning: ..." lines). Keeps the outbox.
[[nodiscard]] Expected<std::vector<std::string>> unwire_hooks(const std::string& work);

struct HookCheck {
  std::string name, level, detail, fix;  // level: ok | warn | fail
};
// doctor's hook checks: "hook pre-push" (does git run bbsot's pre-push on every push, as
// wired?) and, when an earlier bbsot's link is found, "hook reference-transaction".
std::vector<HookCheck> check_hook_wiring(const std::string& work);

// True when pre-commit's legacy hook (<common>/hooks/pre-push.legacy) is bbsot's pre-push,
// which pre-commit runs first on every push: a .pre-commit-config.yaml entry calling
// `git bbsot hook pre-push` is then redundant.
bool pre_commit_runs_bbsot(const std::string& work);

}  // namespace bbsot
