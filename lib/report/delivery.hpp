// Moving push records through the outbox (docs/ARCHITECTURE.md "Record life cycle"):
//  settle   after the push has ended, decide per change whether it landed, on positive
//           evidence only: the tracking ref's "update by push" reflog entry, the tracking
//           ref now at the new id (or gone, for a deletion), or the remote showing the new
//           id; dropped only when the remote still shows the old id and nothing records
//           the update; otherwise kept as unconfirmed for the user.
//  prepare  list the commits (libgit2), bound them, split a push too large for one body.
//  deliver  POST to the record's approved destination with the retry policy
//           (retry_policy.hpp); one attempt per record per run; an endpoint that timed
//           out is not tried again in the same run.
//  linger   the detached deliverer's loop while retries are due (at most kLingerSeconds).
// Runs in detached processes (bbsot-deliver) and in `git bbsot report`.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "net/http.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

// What the state machine talks to outside the outbox: the clock, HTTP, the remote, the
// jitter source, a progress line. real_world() has the real ones; unit tests pass fakes.
struct DeliveryWorld {
  std::function<int64_t()> now;
  std::function<Expected<HttpResponse>(const HttpRequest&, HttpFailure*)> send;
  // `git ls-remote` of `remote` (a name or URL) in the repository of `git_dir`, for refs:
  // ref -> id of those the remote has.
  std::function<Expected<std::map<std::string, std::string>>(const std::string& git_dir, const std::string& remote,
                                                             const std::vector<std::string>& refs)>
      ls_remote;
  std::function<double()> jitter;                    // in [0.8, 1.2]
  std::function<void(const std::string&)> progress;  // one line per record; may be empty
};
[[nodiscard]] DeliveryWorld real_world();

struct SettleSummary {
  int ready = 0;        // records (parts) that became ready
  int dropped = 0;      // records whose push did not land at all
  int unconfirmed = 0;  // records bbsot could not decide
  int waiting = 0;      // pushes still running, or the remote could not be asked
  std::vector<std::string> messages;
};

// Pending records whose push is over (their pusher has exited, or `force`).
SettleSummary settle_pending(const std::string& common_dir, bool force, const DeliveryWorld& world);

// Makes an unconfirmed record ready on the user's word (`report send`): every change
// counts as landed.
[[nodiscard]] Status send_unconfirmed(const std::string& common_dir, const std::string& id, const DeliveryWorld& world);
// Puts a rejected record back to ready (`report retry`): the next run sends it.
[[nodiscard]] Status retry_rejected(const std::string& common_dir, const std::string& id);

struct DeliverySummary {
  int sent = 0;
  int retrying = 0;  // failed now, tried again later
  int rejected = 0;  // parked now
  int waiting = 0;   // not tried: not approved, no hook_url, no secret, backoff, endpoint down
  int64_t next_retry = 0;  // earliest next attempt of a retrying record (epoch s); 0: none
  std::vector<std::string> messages;
};

// Delivers ready records (one deliverer at a time per repository). `ignore_backoff`:
// try every retrying record now (a push or `report flush` asks for it).
DeliverySummary deliver_ready(const std::string& common_dir, bool ignore_backoff, const DeliveryWorld& world);

// Retries on its own while some record is retrying, for at most kLingerSeconds from now;
// one lingering deliverer per repository (others return at once).
void linger(const std::string& common_dir, const DeliveryWorld& world);

// The id of part `part` (2, 3, ...) of a split record: derived from the record's id, so a
// split redone after a crash makes the same ids (and the receiver drops duplicates).
[[nodiscard]] std::string part_id(const std::string& record_id, int part);

}  // namespace bbsot
