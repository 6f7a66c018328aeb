// What a push changed, as bbsot records it for the integration: the domain types every
// layer above shares (the pre-push hook writes them, push analysis fills in commits, the
// outbox stores them, the webhook bodies are built from them). No behaviour here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "guard/clone_state.hpp"

namespace bbsot {

struct CommitInfo {
  std::string hash;
  std::string author_name;
  std::string author_email;
  int64_t date = 0;       // author time, epoch seconds
  int tz_offset_min = 0;  // author time zone
  std::string message;
  std::vector<std::string> parents;
};

struct RefChange {
  std::string ref;  // full name: refs/heads/x or refs/tags/x
  bool is_tag = false;
  std::string old_id;  // empty when created
  std::string new_id;  // empty when deleted
  // The commits old_id/new_id peel to (they differ for annotated tags); a webhook's
  // `target` is always a commit. Filled in by the analysis after the push.
  std::string old_commit, new_commit;
  bool created = false;
  bool closed = false;     // deleted
  bool forced = false;     // old is not an ancestor of new
  bool truncated = false;  // more than the commits listed
  bool landed = false;     // positive evidence that the remote took this change
  bool old_unknown = false;  // the remote's old tip was not in this repository at push time
  // The remote-tracking ref (refs/remotes/<remote>/<branch>) when the push began, "" when
  // there was none: evidence for what the push did once it is over.
  std::string tracking_before;
  std::vector<CommitInfo> commits;  // newest first, at most 5
};

// pending: the pre-push hook wrote it, the push may still be running or undecided.
// ready: landed and analysed, to be delivered. sent: delivered (kept a week, then pruned).
// rejected: the endpoint refused it for good (3xx, 4xx, 501, TLS); sent again only on
// `report retry`. unconfirmed: bbsot found no evidence either way whether the push
// landed; the user decides (`report send` / `report drop`).
enum class RecordState { Pending, Ready, Sent, Rejected, Unconfirmed };
const char* to_string(RecordState s);

struct PushRecord {
  std::string id;  // random UUID; also the delivery's request id on every attempt
  RecordState state = RecordState::Pending;
  int64_t created = 0;     // epoch seconds
  int64_t created_ns = 0;  // for ordering records made within one second
  std::string remote;      // remote name (or the URL when pushed to a URL)
  std::string remote_url;
  std::string git_dir;     // the worktree's git dir that pushed
  int64_t pusher_pid = 0;  // the `git push` process, to tell a finished push from a running one
  // Where the report goes, fixed when the push was made (never re-read from whatever
  // .bbsot.yml is checked out later); delivered only while it is approved.
  Destination destination;
  bool has_destination = false;  // records of bbsot 0.1 have none: the clone's current one
  std::string actor_name;        // from git's user.name / user.email
  std::string actor_email;
  bool analysed = false;  // commits, forced and the peeled ids filled in
  int attempts = 0;              // delivery attempts, counted before each request goes out
  int64_t first_failure_at = 0;  // epoch seconds of the first failed attempt since the last success/retry
  int64_t last_attempt_at = 0;
  int64_t next_attempt = 0;  // epoch seconds; 0: now
  std::string last_error;    // why the last attempt failed, or why it waits / was rejected
  int64_t sent_at = 0;
  // A push too large for one report is split; each part is a record of its own with its
  // own id (request id), and every ref is in exactly one part.
  std::string split_from;
  int part = 0, parts = 0;
  std::vector<RefChange> changes;
};

}  // namespace bbsot
