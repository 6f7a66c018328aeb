// What Bitbucket shows about the repository beyond git: its open pull requests and the
// build statuses on a commit (whatever posted them: the platform, Pipelines, another CI).
//   Cloud:  GET /2.0/repositories/{w}/{r}/pullrequests?state=OPEN
//           GET /2.0/repositories/{w}/{r}/commit/{commit}/statuses
//   Server: GET /rest/api/1.0/projects/{k}/repos/{r}/pull-requests?state=OPEN
//           GET /rest/build-status/1.0/commits/{commitId} (the one listing of every build
//           status of a commit in the 9.2 spec; deprecated since 7.14 but still there —
//           the repository-scoped /builds resource answers only one key at a time)
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "api/rest_client.hpp"

namespace bbsot {

struct PullRequest {
  long long id = 0;
  std::string title, state;
  std::string source_branch, source_commit;  // Cloud's commit hash may be abbreviated
  std::string target_branch;
  std::string url;  // its web page
};

// One pull request from Bitbucket's answer (Cloud `pullrequest`, Server `RestPullRequest`);
// nullopt without an id or branches.
std::optional<PullRequest> parse_pull_request(BitbucketType type, const ApiJson& j);

struct PullRequestList {
  std::vector<PullRequest> values;
  bool truncated = false;
};
[[nodiscard]] ApiResult<PullRequestList> open_pull_requests(RestClient& api, size_t max = 200);

struct BuildStatus {
  std::string key, name, state, url, description;
};

// Cloud: SUCCESSFUL | FAILED | INPROGRESS | STOPPED; Server: SUCCESSFUL | FAILED |
// INPROGRESS | CANCELLED | UNKNOWN. Final: anything but INPROGRESS (an UNKNOWN Server
// status is not going to change by waiting). Successful: SUCCESSFUL only.
bool build_state_final(const std::string& state);
bool build_state_successful(const std::string& state);

std::optional<BuildStatus> parse_build_status(const ApiJson& j);
[[nodiscard]] ApiResult<std::vector<BuildStatus>> build_statuses(RestClient& api, const std::string& commit);

}  // namespace bbsot
