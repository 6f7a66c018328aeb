// Moving push records through the outbox (DESIGN.md "Hooks and push reports"):
// confirmation from git's own remote-tracking ref updates, settling what nothing
// confirmed by asking the remote, and delivery to the integration's hook_url with
// retries that keep the request id. Runs in detached processes and in `report flush`.
#pragma once
#include <string>
#include <vector>

#include "outbox/outbox.hpp"

namespace bbsot {

// The common git dir of a (possibly linked-worktree) git dir, without libgit2.
std::string common_dir_of(const std::string& git_dir);

// reference-transaction "committed" input: "<old> <new> <ref>" lines. Marks the changes
// of pending records of `git_dir` whose tracking refs git just updated; returns how many
// records became ready.
int confirm_from_transaction(const std::string& git_dir, const std::string& transaction);

// Pending records whose push is over (pusher gone, or `force`): each unconfirmed change
// is checked against the remote with `git ls-remote`; changes the remote has are kept,
// the rest dropped; a record left with nothing is removed (the push never happened).
// A failed check leaves the record pending with last_error set.
void settle_pending(const std::string& common_dir, bool force, std::vector<std::string>* messages);

struct DeliverySummary {
  int sent = 0;
  int failed = 0;  // still undelivered after this run's attempts
  std::vector<std::string> messages;
};

// Delivers ready records (one deliverer at a time per repository). `ignore_backoff`:
// deliver now even if a record's next attempt is later (report flush).
DeliverySummary deliver_ready(const std::string& common_dir, bool ignore_backoff);

// Removes <git_dir>/bbsot-armed when no pending record of that worktree is left.
void disarm_if_idle(const std::string& git_dir);

constexpr int kAttemptsPerRun = 4;
constexpr int64_t kKeepSentSeconds = int64_t{7} * 86400;

}  // namespace bbsot
