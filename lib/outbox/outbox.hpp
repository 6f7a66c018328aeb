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

#include "base/error.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

std::string record_to_json(const PushRecord& r);
Expected<PushRecord> record_from_json(const std::string& text);

class Outbox {
 public:
  // `common_dir`: the repository's common git dir ($GIT_COMMON_DIR).
  explicit Outbox(const std::string& common_dir);
  const std::string& dir() const { return dir_; }  // .../bbsot/outbox
  std::string lock_path() const;                   // .../bbsot/deliver.lock

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

}  // namespace bbsot
