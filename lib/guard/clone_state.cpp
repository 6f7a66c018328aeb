#include "guard/clone_state.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/hardening.hpp"
#include "base/text.hpp"
#include "base/web_url.hpp"

namespace bbsot {

namespace {

using nlohmann::json;

constexpr int kStateVersion = 1;

std::string norm_url(const std::string& u) {
  if (u.empty()) return u;
  auto w = parse_web_url(u);
  return w ? w->str() : u;
}

BitbucketType type_from(const std::string& s) {
  if (s == "bitbucket") return BitbucketType::Cloud;
  if (s == "bitbucket_server") return BitbucketType::Server;
  throw std::invalid_argument("unknown type '" + s + "'");
}

json integration_json(const IntegrationConfig& in) {
  return json{{"type", to_string(in.type)},
              {"repository", in.repository},
              {"url", in.url},
              {"project", in.project},
              {"default_branch", in.default_branch},
              {"fetch_branches", in.fetch_branches},
              {"prune_branches", in.prune_branches},
              {"build_pull_requests", in.build_pull_requests},
              {"resync_pull_requests", in.resync_pull_requests},
              {"pull_requests_clone_parent_data", in.pull_requests_clone_parent_data},
              {"hook_url", in.hook_url}};
}

IntegrationConfig integration_from(const json& j) {
  IntegrationConfig in;
  in.type = type_from(j.at("type").get<std::string>());
  in.repository = j.at("repository").get<std::string>();
  in.url = j.at("url").get<std::string>();
  in.project = j.value("project", "");
  in.default_branch = j.value("default_branch", "main");
  in.fetch_branches = j.value("fetch_branches", true);
  in.prune_branches = j.value("prune_branches", true);
  in.build_pull_requests = j.value("build_pull_requests", true);
  in.resync_pull_requests = j.value("resync_pull_requests", false);
  in.pull_requests_clone_parent_data = j.value("pull_requests_clone_parent_data", true);
  in.hook_url = j.value("hook_url", "");
  return in;
}

json guard_json(const GuardRecord& g) {
  return json{{"source_remote", g.source_remote},
              {"mirror_remotes", g.mirror_remotes},
              {"mirror_patterns", g.mirror_patterns},
              {"fetch_branches", g.fetch_branches}};
}

GuardRecord guard_from(const json& j) {
  GuardRecord g;
  g.source_remote = j.value("source_remote", "");
  g.mirror_remotes = j.value("mirror_remotes", std::vector<std::string>{});
  g.mirror_patterns = j.value("mirror_patterns", std::vector<std::string>{});
  g.fetch_branches = j.value("fetch_branches", true);
  return g;
}

json destination_json(const Destination& d) {
  return json{{"type", to_string(d.type)}, {"url", d.url}, {"repository", d.repository}, {"hook_url", d.hook_url}};
}

Destination destination_from(const json& j) {
  Destination d;
  d.type = type_from(j.at("type").get<std::string>());
  d.url = j.at("url").get<std::string>();
  d.repository = j.at("repository").get<std::string>();
  d.hook_url = j.value("hook_url", "");
  return d;
}

// The patterns a file means: its own list, or the vendor defaults when it has none.
std::vector<std::string> effective_patterns(const RemotesConfig& r) {
  return r.mirror_patterns.empty() ? default_mirror_patterns() : r.mirror_patterns;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool same_source(const IntegrationConfig& a, const IntegrationConfig& b) {
  return a.type == b.type && norm_url(a.url) == norm_url(b.url) && ascii_lower(a.repository) == ascii_lower(b.repository);
}

std::string team_ref_for(const std::string& source_remote, const std::string& default_branch) {
  return source_remote.empty() ? "" : "refs/remotes/" + source_remote + "/" + default_branch;
}

}  // namespace

bool Destination::same_bitbucket(const Destination& o) const {
  return type == o.type && norm_url(url) == norm_url(o.url) && ascii_lower(repository) == ascii_lower(o.repository);
}

bool Destination::same(const Destination& o) const { return same_bitbucket(o) && norm_url(hook_url) == norm_url(o.hook_url); }

std::string Destination::describe() const {
  return (hook_url.empty() ? std::string("no hook_url") : "reports to " + hook_url) + " for " + repository + " on " +
         url + " (" + to_string(type) + ")";
}

std::string clone_state_path(const std::string& common_dir) { return join_path(common_dir, "bbsot/clone.json"); }

std::string clone_state_json(const CloneState& s) {
  json pending = json::object();
  if (s.pending.guard) pending["guard"] = guard_json(*s.pending.guard);
  if (s.pending.source) pending["source"] = integration_json(*s.pending.source);
  if (s.pending.source_remote) pending["source_remote"] = *s.pending.source_remote;
  pending["notes"] = s.pending.notes;
  json approved = json::array();
  for (const auto& d : s.approved) approved.push_back(destination_json(d));
  json j{{"version", kStateVersion},
         {"integration", integration_json(s.integration)},
         {"report_enabled", s.report_enabled},
         {"guard", guard_json(s.guard)},
         {"approved", approved},
         {"team", json{{"ref", s.team_ref}, {"commit", s.team_commit}, {"problem", s.team_problem}}},
         {"pending", pending}};
  if (!s.legacy_secret.empty())
    j["legacy_secret"] = json{{"command", s.legacy_secret.command}, {"env", s.legacy_secret.env}};
  return j.dump(2) + "\n";
}

Expected<CloneState> parse_clone_state(const std::string& text) {
  using E = Expected<CloneState>;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return E::failure("not a JSON object");
  try {
    const int version = j.at("version").get<int>();
    if (version != kStateVersion)
      return E::failure("written by a bbsot that uses format " + std::to_string(version) + " (this one reads " +
                        std::to_string(kStateVersion) + ")");
    CloneState s;
    s.integration = integration_from(j.at("integration"));
    s.report_enabled = j.value("report_enabled", true);
    s.guard = guard_from(j.at("guard"));
    s.integration.fetch_branches = s.guard.fetch_branches;
    for (const auto& d : j.value("approved", json::array())) s.approved.push_back(destination_from(d));
    const json team = j.value("team", json::object());
    s.team_ref = team.value("ref", "");
    s.team_commit = team.value("commit", "");
    s.team_problem = team.value("problem", "");
    const json pending = j.value("pending", json::object());
    if (pending.contains("guard")) s.pending.guard = guard_from(pending["guard"]);
    if (pending.contains("source")) s.pending.source = integration_from(pending["source"]);
    if (pending.contains("source_remote")) s.pending.source_remote = pending["source_remote"].get<std::string>();
    s.pending.notes = pending.value("notes", std::vector<std::string>{});
    if (j.contains("legacy_secret")) {
      s.legacy_secret.command = j["legacy_secret"].value("command", "");
      s.legacy_secret.env = j["legacy_secret"].value("env", "");
    }
    return s;
  } catch (const std::exception& e) {
    return E::failure(std::string("missing or mistyped field (") + e.what() + ")");
  }
}

Expected<std::optional<CloneState>> load_clone_state(const std::string& common_dir) {
  using E = Expected<std::optional<CloneState>>;
  const std::string path = clone_state_path(common_dir);
  // lstat: a symbolic link, even a dangling one, is an unreadable record, not a missing one.
  if (!entry_exists(path)) return std::optional<CloneState>();
  auto text = read_file(path, 1 << 20, true);
  if (!text) return E::failure(text.error());
  auto s = parse_clone_state(*text);
  if (!s) return E::failure(path + " is unreadable: " + s.error());
  return std::optional<CloneState>(std::move(*s));
}

Status save_clone_state(const std::string& common_dir, const CloneState& state) {
  const std::string path = clone_state_path(common_dir);
  auto d = ensure_private_dir(dirname_of(path), "bbsot's directory in the repository");
  if (!d) return d;
  return write_file_atomic(path, clone_state_json(state), 0600, Sync::FileAndDirectory);
}

CloneState state_from_config(const RepoConfig& cfg, const std::string& source_remote, bool approve_destination) {
  CloneState s;
  s.integration = cfg.integration;
  s.report_enabled = cfg.report.enabled;
  s.guard.source_remote = source_remote;
  if (!cfg.remotes.mirror.empty()) s.guard.mirror_remotes.push_back(cfg.remotes.mirror);
  for (const auto& m : cfg.remotes.more_mirrors)
    if (!contains(s.guard.mirror_remotes, m)) s.guard.mirror_remotes.push_back(m);
  s.guard.mirror_patterns = effective_patterns(cfg.remotes);
  s.guard.fetch_branches = cfg.integration.fetch_branches;
  s.team_ref = team_ref_for(source_remote, cfg.integration.default_branch);
  s.legacy_secret = cfg.report.legacy_secret;
  if (approve_destination) s.approved.push_back(current_destination(s));
  return s;
}

RepoConfig as_repo_config(const CloneState& s) {
  RepoConfig cfg;
  cfg.path = "(clone record)";
  cfg.integration = s.integration;
  cfg.integration.fetch_branches = s.guard.fetch_branches;
  if (!s.guard.fetch_branches) cfg.integration.prune_branches = false;
  cfg.remotes.source = s.guard.source_remote;
  if (!s.guard.mirror_remotes.empty()) cfg.remotes.mirror = s.guard.mirror_remotes.front();
  cfg.remotes.more_mirrors.assign(s.guard.mirror_remotes.begin() + (s.guard.mirror_remotes.empty() ? 0 : 1),
                                  s.guard.mirror_remotes.end());
  cfg.remotes.mirror_patterns = s.guard.mirror_patterns;
  cfg.report.enabled = s.report_enabled;
  return cfg;
}

Destination current_destination(const CloneState& s) {
  return Destination{s.integration.type, s.integration.url, s.integration.repository, s.integration.hook_url};
}

bool is_approved(const CloneState& s, const Destination& d) {
  return std::any_of(s.approved.begin(), s.approved.end(), [&](const Destination& a) { return a.same(d); });
}

bool bitbucket_approved(const CloneState& s, const Destination& d) {
  return std::any_of(s.approved.begin(), s.approved.end(), [&](const Destination& a) { return a.same_bitbucket(d); });
}

FollowResult follow_team_file(CloneState& s, const RepoConfig& team, const std::string& commit) {
  FollowResult r;
  const std::string before = clone_state_json(s);
  PendingChange pending;
  // The guard: tighten at once, loosen only with approval.
  GuardRecord looser = s.guard;
  bool loosens = false;
  if (team.integration.fetch_branches && !s.guard.fetch_branches) {
    s.guard.fetch_branches = true;
    r.applied.push_back("fetch_branches is now on in the team's .bbsot.yml: pushes to the mirror are refused");
  } else if (!team.integration.fetch_branches && s.guard.fetch_branches) {
    looser.fetch_branches = false;
    loosens = true;
    pending.notes.push_back("the team's .bbsot.yml turns fetch_branches off (the mirror would become pushable)");
  }
  for (const auto& name : {team.remotes.mirror}) {
    if (name.empty() || contains(s.guard.mirror_remotes, name)) continue;
    s.guard.mirror_remotes.push_back(name);
    r.applied.push_back("remote '" + name + "' is the mirror too (the team's .bbsot.yml names it)");
  }
  const auto team_patterns = effective_patterns(team.remotes);
  for (const auto& p : team_patterns) {
    if (contains(s.guard.mirror_patterns, p)) continue;
    s.guard.mirror_patterns.push_back(p);
    r.applied.push_back("hosts matching " + p + " are mirrors too (the team's .bbsot.yml lists the pattern)");
  }
  std::vector<std::string> kept;
  for (const auto& p : s.guard.mirror_patterns) {
    if (contains(team_patterns, p)) {
      kept.push_back(p);
      continue;
    }
    loosens = true;
    pending.notes.push_back("the team's .bbsot.yml no longer treats hosts matching " + p + " as the mirror");
  }
  if (loosens) {
    looser.mirror_patterns = kept;
    looser.mirror_remotes = s.guard.mirror_remotes;
    looser.fetch_branches = team.integration.fetch_branches && s.guard.fetch_branches;
    pending.guard = looser;
  }
  // Another source: a different repository or Bitbucket, or another remote name.
  if (!same_source(team.integration, s.integration)) {
    pending.source = team.integration;
    pending.notes.push_back("the team's .bbsot.yml names another source: " + team.integration.repository + " on " +
                            team.integration.url);
  }
  if (!team.remotes.source.empty() && team.remotes.source != s.guard.source_remote) {
    pending.source_remote = team.remotes.source;
    pending.notes.push_back("the team's .bbsot.yml names remote '" + team.remotes.source + "' as the source");
  }
  // Informational options and the hook URL follow at once; a new hook URL is used only
  // once approved (the records wait for it).
  IntegrationConfig& in = s.integration;
  const IntegrationConfig& t = team.integration;
  if (norm_url(t.hook_url) != norm_url(in.hook_url)) {
    r.applied.push_back(t.hook_url.empty() ? std::string("the team's .bbsot.yml has no hook_url any more")
                                           : "the team's .bbsot.yml sends reports to " + t.hook_url +
                                                 (is_approved(s, Destination{in.type, in.url, in.repository, t.hook_url})
                                                      ? ""
                                                      : " (not approved here yet: git bbsot approve)"));
    in.hook_url = t.hook_url;
  }
  if (t.default_branch != in.default_branch) {
    r.applied.push_back("the default branch is now " + t.default_branch);
    in.default_branch = t.default_branch;
  }
  in.project = t.project;
  in.prune_branches = t.prune_branches && s.guard.fetch_branches;
  in.build_pull_requests = t.build_pull_requests;
  in.resync_pull_requests = t.resync_pull_requests;
  in.pull_requests_clone_parent_data = t.pull_requests_clone_parent_data;
  in.fetch_branches = s.guard.fetch_branches;
  s.report_enabled = team.report.enabled;
  s.legacy_secret = team.report.legacy_secret;
  s.team_ref = team_ref_for(s.guard.source_remote, in.default_branch);
  s.team_commit = commit;
  s.team_problem.clear();
  s.pending = pending;
  r.changed = clone_state_json(s) != before;
  return r;
}

FollowResult note_team_problem(CloneState& s, const std::string& commit, const std::string& problem) {
  FollowResult r;
  r.changed = s.team_commit != commit || s.team_problem != problem;
  s.team_commit = commit;
  s.team_problem = problem;
  return r;
}

void approve_all(CloneState& s) {
  if (s.pending.guard) s.guard = *s.pending.guard;
  if (s.pending.source) {
    const IntegrationConfig& t = *s.pending.source;
    s.integration.type = t.type;
    s.integration.url = t.url;
    s.integration.repository = t.repository;
  }
  if (s.pending.source_remote) s.guard.source_remote = *s.pending.source_remote;
  s.integration.fetch_branches = s.guard.fetch_branches;
  if (!s.guard.fetch_branches) s.integration.prune_branches = false;
  s.team_ref = team_ref_for(s.guard.source_remote, s.integration.default_branch);
  s.pending = PendingChange{};
  if (!is_approved(s, current_destination(s))) s.approved.push_back(current_destination(s));
}

}  // namespace bbsot
