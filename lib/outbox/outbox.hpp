// The push-report outbox (docs/ARCHITECTURE.md "Record life cycle"): one JSON record per
// report under $GIT_COMMON_DIR/bbsot/outbox/<id>.json, shared by all worktrees, written by
// rename with fsync of the file and the directory. A record is never deleted while
// undelivered, except by `report drop` or on positive evidence that its push did not land;
// a record this bbsot cannot read is listed as such and left where it is.
//
// Calling sequence: the pre-push hook write()s a new pending record; everyone else changes
// records only through update()/replace()/remove(), which hold bbsot/outbox.lock across
// the read and the write, so the hook, a watcher, a deliverer and `report drop` never undo
// each other's changes (a dropped record is never brought back).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

// Records of format 1 (bbsot 0.1) and 2 are read; 2 is written.
constexpr int kRecordFormat = 2;
// A record larger than this is listed as unreadable (and kept); pushes are split long
// before a record gets near it (10,000 refs make about 2.5 MB).
constexpr size_t kMaxRecordBytes = size_t{64} << 20;

[[nodiscard]] std::string record_to_json(const PushRecord& r);
[[nodiscard]] Expected<PushRecord> record_from_json(const std::string& text);
[[nodiscard]] bool valid_record_id(const std::string& id);

struct UnreadableRecord {
  std::string file;    // path of the record
  std::string reason;  // one line: why this bbsot cannot read it
};

struct OutboxListing {
  std::vector<PushRecord> records;  // oldest first (created, then created_ns, then id)
  std::vector<UnreadableRecord> unreadable;
};

class Outbox {
 public:
  // `common_dir`: the repository's common git dir ($GIT_COMMON_DIR).
  explicit Outbox(const std::string& common_dir);
  const std::string& dir() const { return dir_; }  // .../bbsot/outbox
  std::string deliver_lock_path() const;           // .../bbsot/deliver.lock: one deliverer at a time
  std::string linger_lock_path() const;            // .../bbsot/linger.lock: one lingering deliverer

  // A new record (the caller made a fresh id). Creates the directory on first use.
  [[nodiscard]] Status write(const PushRecord& r);
  [[nodiscard]] Expected<PushRecord> read(const std::string& id) const;
  [[nodiscard]] OutboxListing list() const;
  // Read-modify-write of one record under the lock. `change` returns false to leave the
  // record as it is. Fails when the record is gone (dropped meanwhile) or unreadable.
  // `durable`: fsync file and directory. Without it the write is still atomic (a rename:
  // a killed process leaves the old or the new record, never half of one); only a power
  // failure can undo it, costing at worst one more attempt under the same request id.
  [[nodiscard]] Status update(const std::string& id, const std::function<bool(PushRecord&)>& change,
                              bool durable = true);
  // Replaces record `id` by `parts` (a split, or the record itself with new content)
  // under the lock: parts other than `id` are written first, then `id` is rewritten or,
  // if no part has its id, removed. A part whose file exists already and is no longer
  // pending is kept as it is, so redoing an interrupted split never resets a delivered
  // part. Fails (changing nothing) when `id` is gone or no longer pending.
  [[nodiscard]] Status replace(const std::string& id, const std::vector<PushRecord>& parts);
  // Removes a record (report drop; a push that did not land), under the lock.
  [[nodiscard]] Status remove(const std::string& id);

  // One-line notices for the user (a report parked as rejected, a report that waits),
  // shown once by the next push or command and then forgotten. Duplicates are dropped.
  [[nodiscard]] Status add_notice(const std::string& line);
  [[nodiscard]] std::vector<std::string> take_notices();

 private:
  std::string lock_path() const;  // .../bbsot/outbox.lock
  std::string path_of(const std::string& id) const;
  std::string dir_;
};

}  // namespace bbsot
