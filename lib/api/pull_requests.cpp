#include "api/pull_requests.hpp"

#include "base/text.hpp"

namespace bbsot {

namespace {

std::string at(const ApiJson& j, std::initializer_list<const char*> path) {
  const ApiJson* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(k);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? printable_text(cur->get<std::string>(), 500) : "";
}

bool commit_id(const std::string& c) {
  return c.size() >= 4 && c.size() <= 64 && c.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

std::optional<PullRequest> parse_pull_request(BitbucketType type, const ApiJson& j) {
  if (!j.is_object()) return std::nullopt;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer()) return std::nullopt;
  PullRequest p;
  p.id = id->get<long long>();
  p.title = at(j, {"title"});
  p.state = at(j, {"state"});
  if (type == BitbucketType::Cloud) {
    p.source_branch = at(j, {"source", "branch", "name"});
    p.source_commit = at(j, {"source", "commit", "hash"});
    p.target_branch = at(j, {"destination", "branch", "name"});
    p.url = at(j, {"links", "html", "href"});
  } else {
    p.source_branch = at(j, {"fromRef", "displayId"});
    p.source_commit = at(j, {"fromRef", "latestCommit"});
    p.target_branch = at(j, {"toRef", "displayId"});
    // links.self is a list of {href} on Server.
    if (auto l = j.find("links"); l != j.end() && l->is_object())
      if (auto s = l->find("self"); s != l->end() && s->is_array() && !s->empty()) p.url = at((*s)[0], {"href"});
  }
  if (p.source_branch.empty() || p.target_branch.empty()) return std::nullopt;
  if (!commit_id(p.source_commit)) p.source_commit.clear();
  return p;
}

ApiResult<PullRequestList> open_pull_requests(RestClient& api, size_t max) {
  const auto& t = api.target();
  ApiNeed need{"list the open pull requests", "pullrequest", "read:pullrequest:bitbucket", "REPO_READ"};
  auto page = api.get_all(
      t.repo_api_path() + (t.type == BitbucketType::Cloud ? "/pullrequests" : "/pull-requests") + "?state=OPEN", need,
      max);
  if (!page) return page.error();
  PullRequestList out;
  out.truncated = page->truncated;
  for (const auto& v : page->values)
    if (auto p = parse_pull_request(t.type, v)) out.values.push_back(*p);
  return out;
}

bool build_state_final(const std::string& state) { return state != "INPROGRESS"; }
bool build_state_successful(const std::string& state) { return state == "SUCCESSFUL"; }

std::optional<BuildStatus> parse_build_status(const ApiJson& j) {
  if (!j.is_object()) return std::nullopt;
  BuildStatus b;
  b.key = at(j, {"key"});
  b.state = at(j, {"state"});
  if (b.key.empty() || b.state.empty()) return std::nullopt;
  b.name = at(j, {"name"});
  b.url = at(j, {"url"});
  b.description = at(j, {"description"});
  return b;
}

ApiResult<std::vector<BuildStatus>> build_statuses(RestClient& api, const std::string& commit) {
  const auto& t = api.target();
  if (!commit_id(commit)) return ApiError{0, "'" + printable_text(commit, 80) + "' is not a commit id", {}, {}, {}};
  ApiNeed need{"read the build statuses of " + commit.substr(0, 12), "repository", "read:repository:bitbucket",
               "REPO_READ"};
  std::string path;
  if (t.type == BitbucketType::Cloud) {
    path = t.repo_api_path() + "/commit/" + ascii_lower(commit) + "/statuses";
  } else {
    if (t.rest_root.empty())
      return ApiError{
          0,
          "cannot tell where build statuses are: api_url of " + t.account.url + " does not end in /rest/api/1.0",
          {},
          {},
          {}};
    path = t.rest_root + "/build-status/1.0/commits/" + ascii_lower(commit);
  }
  auto page = api.get_all(path, need, 200);
  if (!page) return page.error();
  std::vector<BuildStatus> out;
  for (const auto& v : page->values)
    if (auto b = parse_build_status(v)) out.push_back(*b);
  return out;
}

}  // namespace bbsot
