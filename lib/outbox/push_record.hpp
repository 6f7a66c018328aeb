// What a push changed, as bbsot records it for the integration: the domain types every
// layer above shares (push analysis fills them, the outbox stores them, the webhook
// bodies are built from them). No behaviour here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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
  // `target` is always a commit.
  std::string old_commit, new_commit;
  bool created = false;
  bool closed = false;              // deleted
  bool forced = false;              // old is not an ancestor of new
  bool truncated = false;           // more than the commits listed
  bool confirmed = false;           // git updated the remote-tracking ref, or the remote was checked
  std::vector<CommitInfo> commits;  // newest first, at most 5
};

enum class RecordState { Pending, Ready, Sent };
const char* to_string(RecordState s);

struct PushRecord {
  std::string id;  // random UUID; also the delivery's request id on every attempt
  RecordState state = RecordState::Pending;
  int64_t created = 0;  // epoch seconds
  std::string remote;   // remote name (or the URL when pushed to a URL)
  std::string remote_url;
  std::string git_dir;      // the worktree's git dir that pushed (for confirmation)
  std::string config_path;  // the .bbsot.yml in force when the push was made
  int64_t pusher_pid = 0;   // the `git push` process, to tell a finished push from a running one
  std::string actor_name;   // from git's user.name / user.email
  std::string actor_email;
  std::vector<RefChange> changes;
  int attempts = 0;
  int64_t next_attempt = 0;  // epoch seconds; 0: now
  std::string last_error;
  int64_t sent_at = 0;
};

}  // namespace bbsot
