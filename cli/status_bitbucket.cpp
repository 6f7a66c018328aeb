#include "cli/status_bitbucket.hpp"

#include <iostream>

#include "api/pull_requests.hpp"
#include "api/target.hpp"
#include "base/error.hpp"
#include "base/files.hpp"
#include "cli/options.hpp"

namespace bbsot {

namespace {

constexpr size_t kMaxBranchLookups = 20;  // each is one request; status must stay quick
constexpr size_t kMaxPullRequestLookups = 20;

nlohmann::json statuses_json(const std::vector<BuildStatus>& s) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& b : s) arr.push_back({{"key", b.key}, {"name", b.name}, {"state", b.state}, {"url", b.url}});
  return arr;
}

const char* state_colour(const std::string& state) {
  if (state == "SUCCESSFUL") return "\033[32m";
  if (state == "INPROGRESS") return "\033[36m";
  return "\033[31m";
}

void print_statuses(const nlohmann::json& statuses, const std::string& indent, bool colour) {
  if (statuses.is_null()) return;  // not asked (bounded out)
  if (statuses.empty()) {
    std::cout << indent << "no build status\n";
    return;
  }
  for (const auto& b : statuses) {
    const std::string state = b["state"].get<std::string>();
    const std::string name =
        b["name"].get<std::string>().empty() ? b["key"].get<std::string>() : b["name"].get<std::string>();
    std::cout << indent << (colour ? state_colour(state) : "") << state << (colour ? "\033[0m" : "") << "  " << name;
    if (!b["url"].get<std::string>().empty()) std::cout << "  " << b["url"].get<std::string>();
    std::cout << "\n";
  }
}

}  // namespace

std::string pull_request_plan(const IntegrationConfig& in, const std::string& target_branch) {
  if (!in.build_pull_requests) return "no environment: build_pull_requests is off";
  std::string plan = "active environment, parent " + target_branch;
  if (in.type == BitbucketType::Cloud)
    plan += in.resync_pull_requests ? "; data copied from " + target_branch + " on every push (resync_pull_requests)"
                                    : "; data copied from " + target_branch + " once, when it is created";
  else
    plan += in.pull_requests_clone_parent_data ? "; data cloned from " + target_branch + " when it is created"
                                               : "; no data copied (pull_requests_clone_parent_data is off)";
  return plan;
}

nlohmann::json bitbucket_status(const CloneState& state, const std::vector<BranchStatus>& branches, bool fetch) {
  const RepoConfig repo = as_repo_config(state);
  nlohmann::json j = {{"fetched", false},
                      {"left_out", nlohmann::json::array()},
                      {"errors", nlohmann::json::array()},
                      {"pull_requests", nlohmann::json::array()},
                      {"branch_builds", nlohmann::json::array()}};
  if (!fetch) {
    j["left_out"].push_back("pull requests and build statuses (--no-fetch: Bitbucket was not asked)");
    return j;
  }
  UserConfig user;
  try {
    user = load_user_config(user_config_path());
  } catch (const ConfigError& e) {
    j["left_out"].push_back(std::string("pull requests and build statuses (") + e.what() + ")");
    return j;
  }
  auto target = resolve_bitbucket_target(state, user);
  if (!target) {
    // Said in --json only: without an account there is nothing to miss on every status. A
    // repository the user has not approved is a decision waiting for them: said always.
    if (bitbucket_approved(state, current_destination(state))) j["no_account"] = true;
    j["left_out"].push_back("pull requests and build statuses (" + target.error() + ")");
    return j;
  }
  j["fetched"] = true;
  j["account"] = target->account.url;
  RestLimits limits;
  limits.budget_ms = 20000;  // per call: status is interactive
  limits.max_attempts = 2;
  RestClient api(*target, user, limits);
  // After one failed lookup the rest would fail the same way (no network, a missing
  // scope): they are left out and said to be, instead of costing a timeout each.
  bool stop = false;
  auto statuses_of = [&](const std::string& commit, nlohmann::json& into) {
    if (stop || commit.empty()) return false;
    auto s = build_statuses(api, commit);
    if (s) {
      into = statuses_json(*s);
      return true;
    }
    j["errors"].push_back(s.error().message);
    stop = true;
    return false;
  };
  size_t prs_left_out = 0, branches_left_out = 0;
  auto prs = open_pull_requests(api);
  if (!prs) {
    j["errors"].push_back(prs.error().message);
    // No answer, or Bitbucket in trouble: the statuses would fare no better. (A refusal,
    // such as a token without the pullrequest scope, may still allow them.)
    const long st = prs.error().status;
    if (st == 0 || st == 429 || st >= 500) stop = true;
  } else {
    if (prs->truncated)
      j["left_out"].push_back("open pull requests beyond the first " + std::to_string(prs->values.size()));
    size_t looked = 0;
    for (const auto& p : prs->values) {
      nlohmann::json e = {{"id", p.id},
                          {"title", p.title},
                          {"source", p.source_branch},
                          {"target", p.target_branch},
                          {"source_commit", p.source_commit},
                          {"url", p.url},
                          {"plan", pull_request_plan(repo.integration, p.target_branch)},
                          {"build_statuses", nullptr}};
      if (looked < kMaxPullRequestLookups && !stop && !p.source_commit.empty()) {
        ++looked;
        statuses_of(p.source_commit, e["build_statuses"]);
      } else if (!p.source_commit.empty()) {
        ++prs_left_out;
      }
      j["pull_requests"].push_back(e);
    }
  }
  size_t looked = 0;
  for (const auto& b : branches) {
    if (b.source_id.empty()) continue;
    nlohmann::json e = {{"branch", b.branch}, {"commit", b.source_id}, {"build_statuses", nullptr}};
    if (looked < kMaxBranchLookups && !stop) {
      ++looked;
      statuses_of(b.source_id, e["build_statuses"]);
    } else {
      ++branches_left_out;
    }
    j["branch_builds"].push_back(e);
  }
  if (prs_left_out) j["left_out"].push_back("build statuses of " + std::to_string(prs_left_out) + " pull request(s)");
  if (branches_left_out)
    j["left_out"].push_back("build statuses of " + std::to_string(branches_left_out) + " branch(es)");
  return j;
}

void print_bitbucket_status(const nlohmann::json& j) {
  if (j.value("no_account", false)) return;
  const bool colour = use_colour();
  if (j["fetched"].get<bool>()) {
    const auto& prs = j["pull_requests"];
    std::cout << "\npull requests: " << (prs.empty() ? "none open" : std::to_string(prs.size()) + " open") << "\n";
    for (const auto& p : prs) {
      std::cout << "  #" << p["id"].get<long long>() << " " << p["source"].get<std::string>() << " -> "
                << p["target"].get<std::string>() << ": " << p["plan"].get<std::string>() << "\n      "
                << p["title"].get<std::string>();
      if (!p["url"].get<std::string>().empty()) std::cout << "  " << p["url"].get<std::string>();
      std::cout << "\n";
      print_statuses(p["build_statuses"], "      ", colour);
    }
    if (!j["branch_builds"].empty()) std::cout << "\nbuilds on branch heads:\n";
    size_t width = 0;
    for (const auto& b : j["branch_builds"]) width = std::max(width, b["branch"].get<std::string>().size());
    for (const auto& b : j["branch_builds"]) {
      const std::string name = b["branch"].get<std::string>();
      std::cout << "  " << name << std::string(width - name.size() + 2, ' ')
                << b["commit"].get<std::string>().substr(0, 10) << "\n";
      print_statuses(b["build_statuses"], "      ", colour);
    }
  }
  for (const auto& e : j["errors"]) print_warning("bbsot: " + e.get<std::string>());
  for (const auto& l : j["left_out"]) std::cout << "left out: " << l.get<std::string>() << "\n";
}

}  // namespace bbsot
