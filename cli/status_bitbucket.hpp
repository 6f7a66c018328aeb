// The Bitbucket part of `git bbsot status`: the open pull requests and what the
// integration does with each under the configured options, and the build statuses on
// each listed branch's head commit and each pull request's source commit. Kept apart
// from cmd_status.cpp, which calls these two functions.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "guard/clone_state.hpp"
#include "history/mirror_status.hpp"

namespace bbsot {

// `fetch` false (--no-fetch): nothing is asked of Bitbucket and the answer says what was
// left out. Never throws for Bitbucket's sake: a failure is recorded in the answer
// ("left_out" / "errors") and the rest of status stands.
// The user's file is read here: a broken one costs this part, not the whole status.
nlohmann::json bitbucket_status(const CloneState& state, const std::vector<BranchStatus>& branches, bool fetch);

// The human form of bitbucket_status's answer, after the branch and report lines.
void print_bitbucket_status(const nlohmann::json& j);

// What the integration does with an open pull request under the options (docs/DESIGN.md
// "The integration model"): one line.
std::string pull_request_plan(const IntegrationConfig& in, const std::string& target_branch);

}  // namespace bbsot
