// The push-report outbox (DESIGN.md "Hooks and push reports"): one JSON record per push
// under $GIT_COMMON_DIR/bbsot/outbox/<id>.json, shared by all worktrees, every write by
// rename. States: pending (pre-push recorded it) -> ready (git updated the remote-tracking
// refs, so the push happened) -> sent. A record is never deleted while undelivered;
// an unreadable record is moved to outbox/corrupt/, not deleted.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace bbsot {

struct CommitInfo {
  std::string hash;
  std::string author_name;
  std::string author_email;
  int64_t date = 0;        // author time, epoch seconds
  int tz_offset_min = 0;   // author time zone
  std::string message;
  std::vector<std::string> parents;
};

struct RefChange {
  std::string ref;   // full name: refs/heads/x or refs/tags/x
  bool is_tag = false;
  std::string old_id;  // empty when created
  std::string new_id;  // empty when deleted
  // The commits old_id/new_id peel to (they differ for annotated tags); a webhook's
  // `target` is always a commit.
  std::string old_commit, new_commit;
  bool created = false;
  bool closed = false;  // deleted
  bool forced = false;  // old is not an ancestor of new
  bool truncated = false;   // more than the commits listed
  bool confirmed = false;   // git updated the remote-tracking ref, or the remote was checked
  std::vector<CommitInfo> commits;  // newest first, at most 5
};

enum class RecordState { Pending, Ready, Sent };
const char* to_string(RecordState s);

struct PushRecord {
  std::string id;          // random UUID; also the delivery's request id on every attempt
  RecordState state = RecordState::Pending;
  int64_t created = 0;     // epoch seconds
  std::string remote;      // remote name (or the URL when pushed to a URL)
  std::string remote_url;
  std::string git_dir;     // the worktree's git dir that pushed (for confirmation)
  std::string config_path; // the .bbsot.yml in force when the push was made
  int64_t pusher_pid = 0;  // the `git push` process, to tell a finished push from a running one
  std::string actor_name;  // from git's user.name / user.email
  std::string actor_email;
  std::vector<RefChange> changes;
  int attempts = 0;
  int64_t next_attempt = 0;  // epoch seconds; 0: now
  std::string last_error;
  int64_t sent_at = 0;
};

std::string record_to_json(const PushRecord& r);
Expected<PushRecord> record_from_json(const std::string& text);

class Outbox {
 public:
  // `common_dir`: the repository's common git dir ($GIT_COMMON_DIR).
  explicit Outbox(const std::string& common_dir);
  const std::string& dir() const { return dir_; }  // .../bbsot/outbox
  std::string lock_path() const;                    // .../bbsot/deliver.lock

  Status write(const PushRecord& r);  // creates the directory on first use
  Expected<PushRecord> read(const std::string& id) const;
  // All readable records, oldest first; unreadable ones are set aside into
  // outbox/corrupt/ and named in `warnings`.
  std::vector<PushRecord> list(std::vector<std::string>* warnings = nullptr) const;
  Status remove(const std::string& id);  // only for `report drop` and delivered cleanup

 private:
  std::string dir_;
};

// The per-worktree marker that arms the reference-transaction hook's slow path:
// <git_dir>/bbsot-armed, holding the pusher's pid. Absent: the hook exits after one stat.
std::string armed_marker_path(const std::string& git_dir);

std::string new_uuid();  // random version-4 UUID from /dev/urandom

}  // namespace bbsot
