// git bbsot status: per branch, what the integration will do, then the reports waiting.
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/files.hpp"
#include "cli/options.hpp"
#include "cli/status_bitbucket.hpp"
#include "config/config.hpp"
#include "git/git_cli.hpp"
#include "history/git_repo.hpp"
#include "history/mirror_status.hpp"
#include "cli/repo_context.hpp"
#include "git/remotes.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

const char* colour_of(BranchState s) {
  switch (s) {
    case BranchState::InSync:
      return "\033[32m";
    case BranchState::MirrorBehind:
      return "\033[36m";
    case BranchState::MirrorDiverged:
      return "\033[31m";
    case BranchState::OnlyOnMirror:
      return "\033[33m";
    case BranchState::OnlyOnSource:
      return "\033[36m";
    case BranchState::NotCompared:
      return "";
  }
  return "";
}

nlohmann::json to_json(const std::vector<BranchStatus>& branches, const std::vector<PushRecord>& reports,
                       const std::string& source, const std::string& mirror) {
  nlohmann::json j = {{"source", source},
                      {"mirror", mirror},
                      {"branches", nlohmann::json::array()},
                      {"reports", nlohmann::json::array()}};
  for (const auto& b : branches) {
    nlohmann::json commits = nlohmann::json::array();
    for (const auto& c : b.mirror_only)
      commits.push_back({{"hash", c.hash}, {"author", c.author_name}, {"summary", c.message}});
    j["branches"].push_back({{"branch", b.branch},
                             {"state", to_string(b.state)},
                             {"source", b.source_id},
                             {"mirror", b.mirror_id},
                             {"plan", b.plan},
                             {"mirror_only_commits", commits},
                             {"mirror_only_count", b.mirror_only_count}});
  }
  for (const auto& r : reports)
    if (r.state != RecordState::Sent)
      j["reports"].push_back(
          {{"id", r.id}, {"state", to_string(r.state)}, {"attempts", r.attempts}, {"last_error", r.last_error}});
  return j;
}

void print_human(const nlohmann::json& j) {
  const bool colour = use_colour();
  std::cout << "source: " << j["source"].get<std::string>()
            << "   mirror: " << (j["mirror"].get<std::string>().empty() ? "(none)" : j["mirror"].get<std::string>())
            << "\n\n";
  size_t width = 6;
  for (const auto& b : j["branches"]) width = std::max(width, b["branch"].get<std::string>().size());
  for (const auto& b : j["branches"]) {
    const std::string name = b["branch"].get<std::string>();
    std::cout << "  " << name << std::string(width - name.size() + 2, ' ');
    std::string state = b["state"].get<std::string>();
    if (colour) {
      for (int s = 0; s <= static_cast<int>(BranchState::NotCompared); ++s)
        if (state == to_string(static_cast<BranchState>(s))) std::cout << colour_of(static_cast<BranchState>(s));
    }
    std::cout << b["plan"].get<std::string>() << (colour ? "\033[0m" : "") << "\n";
    for (const auto& c : b["mirror_only_commits"])
      std::cout << "  " << std::string(width + 2, ' ') << "  " << c["hash"].get<std::string>().substr(0, 10) << " "
                << c["summary"].get<std::string>() << " (" << c["author"].get<std::string>() << ")\n";
  }
  if (j["branches"].empty()) std::cout << "  no branches fetched from the source yet\n";
  std::cout << "\n";
  if (j.contains("waiting_for_approval"))
    for (const auto& n : j["waiting_for_approval"])
      std::cout << "waits for your approval (git bbsot approve): " << n.get<std::string>() << "\n";
  if (j["reports"].empty()) std::cout << "reports: all delivered\n";
  for (const auto& r : j["reports"]) {
    std::cout << "report " << r["id"].get<std::string>() << ": " << r["state"].get<std::string>();
    if (!r["last_error"].get<std::string>().empty())
      std::cout << " (last error: " << r["last_error"].get<std::string>() << ")";
    std::cout << "\n";
  }
}

}  // namespace

int cmd_status(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("no-fetch", "use the remote-tracking refs as they are")("json", "machine-readable output");
  auto p = parse_args("status", "git bbsot status [--no-fetch] [--json]",
                      "Fetches the source (Bitbucket) and the mirror, then says per branch what the\n"
                      "integration will do: nothing, update the mirror, overwrite commits that exist only\n"
                      "on the mirror, prune a branch made only there, or create a new environment.\n"
                      "With an account: the open pull requests and what the integration does with each,\n"
                      "and the build statuses Bitbucket shows on branch heads and pull requests.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  const RepoContext ctx = open_repo_context("status", true);
  if (ctx.work_tree.empty()) throw ConfigError("git bbsot status: run it in the repository's work tree");
  show_notices(ctx);
  const RepoConfig& cfg = ctx.cfg;
  auto listed = list_remotes(ctx.git_dir, cfg);
  if (!listed) throw Error("git bbsot status: " + listed.error());
  const auto& remotes = *listed;
  const std::string source = remote_with_role(remotes, RemoteRole::Source);
  const std::string mirror = remote_with_role(remotes, RemoteRole::Mirror);
  if (source.empty())
    throw ConfigError("git bbsot status: no remote points at the Bitbucket repository " + cfg.integration.repository,
                      {"add it (git remote add origin <url>), or choose it: git bbsot init --source-remote NAME"});
  auto repo = GitRepo::open(ctx.git_dir);
  if (!repo) throw Error(repo.error());
  if (!p.vm.count("no-fetch")) {
    for (const auto& r : {source, mirror}) {
      if (r.empty()) continue;
      auto f = git_run({"fetch", "--quiet", "--prune", r}, repo->workdir());
      if (!f || f->exit_code != 0) print_warning("bbsot: git fetch " + r + " failed; showing what was fetched before");
    }
  }
  repo = GitRepo::open(repo->git_dir());  // see the refs the fetch just wrote
  if (!repo) throw Error(repo.error());
  auto branches = compare_branches(*repo, cfg, source, mirror);
  auto reports = Outbox(repo->common_dir()).list();
  auto j = to_json(branches, reports.records, source, mirror);
  for (const auto& u : reports.unreadable)
    j["reports"].push_back({{"id", u.file}, {"state", "unreadable"}, {"attempts", 0}, {"last_error", u.reason}});
  if (!ctx.state->pending.empty())
    for (const auto& n : ctx.state->pending.notes) j["waiting_for_approval"].push_back(n);
  j["bitbucket"] = bitbucket_status(*ctx.state, branches, !p.vm.count("no-fetch"));
  if (p.vm.count("json"))
    std::cout << j.dump(2) << "\n";
  else {
    print_human(j);
    print_bitbucket_status(j["bitbucket"]);
  }
  return kExitOk;
}

}  // namespace bbsot
