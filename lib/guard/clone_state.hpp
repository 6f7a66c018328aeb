// What protects this clone and where its reports may go, recorded for the clone by
// `git bbsot init` in $GIT_COMMON_DIR/bbsot/clone.json (docs/TRUST.md). The committed
// .bbsot.yml is input from whoever can commit, so the hooks never act on the checked-out
// copy: they act on this record, which
//  - holds the guard (which remote is the mirror, which the source, fetch_branches) as
//    init recorded it; it follows the team's file as it stands on the source's default
//    branch (refs/remotes/<source>/<default_branch>): a change there that tightens the
//    guard applies at once, one that loosens it (or names another source) waits for the
//    user's approval;
//  - holds the destinations the user approved on this machine (integration hook_url and
//    Bitbucket repository): a report is delivered, and a token used, only for an
//    approved destination;
//  - follows the team's informational options (project, default branch, prune and pull
//    request options) and its hook_url at once: they change no guard, and a new hook_url
//    is used only once approved.
// So the guard holds on every branch, with a missing, older or broken file, a detached
// HEAD, in every worktree.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/config.hpp"
#include "git/remote_url.hpp"

namespace bbsot {

// Where a push's report goes and which Bitbucket repository it describes; approved as
// one unit, because the report's body names the repository and is signed for the URL.
struct Destination {
  BitbucketType type = BitbucketType::Cloud;
  std::string url;         // Bitbucket base URL
  std::string repository;  // owner/repo or PROJECT/repo
  std::string hook_url;    // "" when the integration has none
  // Compared after normalisation (URLs) and case-folding (repository).
  [[nodiscard]] bool same(const Destination& o) const;
  [[nodiscard]] bool same_bitbucket(const Destination& o) const;  // ignoring hook_url
  [[nodiscard]] std::string describe() const;  // one line for the user
};

struct GuardRecord {
  std::string source_remote;                // the remote name init recorded ("" : by URL only)
  std::vector<std::string> mirror_remotes;  // names that are the mirror whatever their URL
  std::vector<std::string> mirror_patterns; // host globs; empty: the known vendor hosts
  bool fetch_branches = true;               // off: the mirror is an ordinary remote
};

// A change the team's file asks for that this clone has not accepted yet.
struct PendingChange {
  std::optional<GuardRecord> guard;              // a looser guard
  std::optional<IntegrationConfig> source;       // another Bitbucket repository (type/url/repository)
  std::optional<std::string> source_remote;      // another source remote name
  std::vector<std::string> notes;                // one line each, for status/doctor/approve
  [[nodiscard]] bool empty() const { return !guard && !source && !source_remote; }
};

struct CloneState {
  IntegrationConfig integration;  // type/url/repository: the approved source; the rest followed
  bool report_enabled = true;
  GuardRecord guard;
  std::vector<Destination> approved;
  // The team's file this record follows, and the last commit of it that was read.
  std::string team_ref;     // refs/remotes/<source>/<default_branch>
  std::string team_commit;  // "" : not read yet
  std::string team_problem; // why that commit's file could not be followed; "" : it could
  PendingChange pending;
  // A secret reference an earlier bbsot's .bbsot.yml named: shown by init, never used.
  SecretRef legacy_secret;
};

// The record's path: <common_dir>/bbsot/clone.json.
[[nodiscard]] std::string clone_state_path(const std::string& common_dir);

// nullopt: no record (bbsot was never set up in this clone, or by a bbsot before 0.2).
// Failure: the file exists but cannot be read; callers then fail closed for the mirror.
[[nodiscard]] Expected<std::optional<CloneState>> load_clone_state(const std::string& common_dir);
// Written 0600 by rename, with fsync of the file and the directory.
[[nodiscard]] Status save_clone_state(const std::string& common_dir, const CloneState& state);
[[nodiscard]] std::string clone_state_json(const CloneState& state);
[[nodiscard]] Expected<CloneState> parse_clone_state(const std::string& text);

// A record for a clone whose set-up the user has just typed or confirmed (init):
// everything from `cfg`, the source remote named, `cfg`'s destination approved.
[[nodiscard]] CloneState state_from_config(const RepoConfig& cfg, const std::string& source_remote,
                                           bool approve_destination);

// The record's view as a RepoConfig, for code that classifies remotes and plans.
[[nodiscard]] RepoConfig as_repo_config(const CloneState& state);

// The destination a push made now would be reported to.
[[nodiscard]] Destination current_destination(const CloneState& state);
[[nodiscard]] bool is_approved(const CloneState& state, const Destination& d);
// Whether the user approved a destination on this Bitbucket repository (tokens may go
// to its API), whatever its hook URL.
[[nodiscard]] bool bitbucket_approved(const CloneState& state, const Destination& d);

// What following one version of the team's file did.
struct FollowResult {
  bool changed = false;             // the record must be saved
  std::vector<std::string> applied;  // tightenings and informational changes, one line each
};
// Applies `team` (the file at commit `commit` of team_ref) to the record: tightening and
// informational changes at once, the rest into `pending` (replacing what was pending).
FollowResult follow_team_file(CloneState& state, const RepoConfig& team, const std::string& commit);
// Records that the file at `commit` could not be used (missing or broken): nothing
// loosens, the problem is kept for doctor/status.
FollowResult note_team_problem(CloneState& state, const std::string& commit, const std::string& problem);

// Accepts what is pending and approves the current destination.
void approve_all(CloneState& state);

}  // namespace bbsot
