#include "cli/doctor_bitbucket.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "api/rest_client.hpp"
#include "api/target.hpp"
#include "api/webhooks.hpp"
#include "base/clock.hpp"
#include "net/http.hpp"
#include "net/token_source.hpp"

namespace bbsot {

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

const char* kind_words(AccountKind k) {
  switch (k) {
    case AccountKind::OAuthConsumer:
      return "OAuth consumer (client_credentials access tokens)";
    case AccountKind::ApiToken:
      return "Atlassian API token";
    case AccountKind::AccessToken:
      return "repository/project/workspace access token";
    case AccountKind::HttpAccessToken:
      return "HTTP access token";
  }
  return "";
}

// Classic OAuth scopes and what each implies (Bitbucket REST intro, "Bitbucket OAuth 2.0
// scopes"): pullrequest:write -> pullrequest, repository:write; pullrequest and
// repository:write -> repository; project -> repository.
std::set<std::string> expand_scopes(const std::string& scopes) {
  std::set<std::string> out;
  std::istringstream in(scopes);
  for (std::string s; in >> s;) {
    while (!s.empty() && s.back() == ',') s.pop_back();
    out.insert(s);
  }
  if (out.count("pullrequest:write")) out.insert({"pullrequest", "repository:write"});
  if (out.count("repository:write") || out.count("pullrequest") || out.count("project")) out.insert("repository");
  return out;
}

// Whether bbsot signs its reports to hook_url: the delivery reads the secret from the
// user's own file only (docs/TRUST.md).
bool signs_reports(const RepoConfig&, const UserConfig& user, const std::string& hook_url) {
  return report_secret_for(user, hook_url) != nullptr;
}

void check_webhook(const DoctorAdd& add, RestClient& api, const RepoConfig& repo, const UserConfig& user) {
  const std::string& hook_url = repo.integration.hook_url;
  if (hook_url.empty() || !endpoint_url_problem(hook_url).empty()) return;  // check_hook_url says so
  const auto& t = api.target();
  auto hooks = list_webhooks(api);
  if (!hooks) {
    add("webhook", "fail", hooks.error().message, hooks.error().hints.empty() ? "" : hooks.error().hints.front());
    return;
  }
  const WebhookReview r = review_webhooks(t.type, *hooks, hook_url);
  if (r.matching.empty()) {
    add("webhook", "fail",
        "no webhook on " + t.repo_label() + " points at " + hook_url + ": the integration hears nothing",
        "run: git bbsot webhook --fix");
    return;
  }
  const Webhook& h = r.matching.front();
  if (!h.active)
    add("webhook", "fail", "the webhook " + h.id + " to " + hook_url + " is inactive", "run: git bbsot webhook --fix");
  else
    add("webhook", "ok", "the webhook " + h.id + " on " + t.repo_label() + " points at " + h.url + " and is active",
        "");
  if (r.matching.size() > 1)
    add("webhook", "warn",
        std::to_string(r.matching.size() - 1) + " more webhook(s) point at " + hook_url +
            ": the integration gets every event more than once",
        "delete the duplicates in Repository settings > Webhooks of " + t.repo_web_url());
  if (!r.missing.empty())
    add("webhook events", "fail", "missing: " + join(r.missing), "run: git bbsot webhook --fix");
  else if (!r.unwanted.empty())
    add("webhook events", "warn", "comment or approval events the integration does not want: " + join(r.unwanted),
        "run: git bbsot webhook --fix");
  else
    add("webhook events", "ok", "every event the integration needs (" + std::to_string(h.events.size()) + " events)",
        "");
  const bool bbsot_signs = signs_reports(repo, user, hook_url);
  if (!h.secret_set) {
    add("webhook secret", bbsot_signs ? "warn" : "ok",
        std::string("Bitbucket does not show whether this webhook has a secret; bbsot ") +
            (bbsot_signs ? "signs" : "does not sign") + " its reports",
        bbsot_signs ? "to be sure both sign with the same secret, run: git bbsot webhook --fix --set-secret" : "");
  } else if (*h.secret_set && !bbsot_signs) {
    add("webhook secret", "warn",
        "Bitbucket signs its deliveries (the webhook has a secret) but bbsot's reports are not signed: an "
        "integration that checks signatures drops them",
        "add the same secret for " + hook_url + " under reports: in " + user.path);
  } else if (!*h.secret_set && bbsot_signs) {
    add("webhook secret", "warn",
        "bbsot signs its reports but the webhook has no secret: Bitbucket's own deliveries are unsigned",
        "run: git bbsot webhook --fix --set-secret");
  } else {
    add("webhook secret", "ok",
        *h.secret_set ? "the webhook has a secret and bbsot signs its reports (Bitbucket never shows the value)"
                      : "neither the webhook nor bbsot's reports are signed",
        "");
  }
}

}  // namespace

std::vector<std::string> missing_cloud_scopes(const std::string& scopes) {
  const auto have = expand_scopes(scopes);
  std::vector<std::string> missing;
  for (const char* need : {"repository:write", "pullrequest", "webhook"})
    if (!have.count(need)) missing.push_back(need);
  return missing;
}

void check_token_kind(const DoctorAdd& add, const Account& a, int64_t now, const std::string& path) {
  const std::string what = std::string(to_string(a.kind)) + ": " + kind_words(a.kind) + " for " + a.url;
  if (a.kind == AccountKind::OAuthConsumer) {
    add("token kind", "ok", what + "; access tokens are fetched when needed", "");
    return;
  }
  if (a.expires_at == 0) {
    add("token kind", "ok", what + "; expiry unknown (Bitbucket does not tell)", "");
    return;
  }
  const int64_t days = (a.expires_at - now) / 86400;
  const std::string renew = std::string(a.kind == AccountKind::ApiToken
                                            ? "at https://id.atlassian.com/manage-profile/security/api-tokens"
                                        : a.kind == AccountKind::AccessToken
                                            ? "in Repository, Project or Workspace settings > Access tokens"
                                            : "in Bitbucket: Manage account > HTTP access tokens") +
                            ", then update token (or token_command, token_env) and expires of the account " + a.url +
                            " in " + path;
  if (a.expires_at <= now)
    add("token kind", "fail", what + "; expired on " + a.expires, "create a new token " + renew);
  else if (days < kExpiryWarningDays)
    add("token kind", "warn", what + "; expires on " + a.expires + " (in " + std::to_string(days) + " days)",
        "before then, create a new token " + renew);
  else
    add("token kind", "ok", what + "; expires on " + a.expires + " (in " + std::to_string(days) + " days)", "");
}

void check_bitbucket_side(const DoctorAdd& add, const CloneState& state, const UserConfig& user) {
  const RepoConfig repo = as_repo_config(state);
  auto target = resolve_bitbucket_target(state, user);
  if (!target) {
    // The target's own message may end in the command that fixes it ("; run: ...").
    const std::string& e = target.error();
    const auto run = e.rfind("; run: ");
    if (run != std::string::npos)
      add("bitbucket api", "warn", e.substr(0, run), e.substr(run + 2));
    else
      add("bitbucket api", "warn", e, "fix the account (url, kind, api_url) under accounts: in " + user.path);
    return;
  }
  const Account& a = target->account;
  check_token_kind(add, a, now_epoch(), user.path);
  RestLimits limits;
  limits.budget_ms = 20000;
  RestClient api(*target, user, limits);
  if (a.kind == AccountKind::OAuthConsumer) {
    auto t = obtain_token(a, user);  // the cached one check_credentials just fetched
    if (t) {
      const auto missing = missing_cloud_scopes(t->scopes);
      if (t->scopes.empty())
        add("token scopes", "warn", "Bitbucket's token answer named no scopes; bbsot cannot check them", "");
      else if (missing.empty())
        add("token scopes", "ok", t->scopes, "");
      else {
        add("token scopes", "fail", "the consumer's token lacks " + join(missing) + " (granted: " + t->scopes + ")",
            "add " + permission_words(a, ApiNeed{}, missing) +
                " in Bitbucket: Workspace settings > OAuth consumers > "
                "(your consumer) > Edit, then run: git bbsot token --refresh");
      }
    }
  } else {
    // No introspection for these tokens: ask what bbsot will ask, and name what is refused.
    ApiNeed read{"read the repository", "repository", "read:repository:bitbucket", "REPO_READ"};
    auto r = api.get(target->repo_api_path(), read);
    if (r)
      add("token permissions", "ok", "the token can read " + target->repo_label(), "");
    else
      add("token permissions", "fail", r.error().message, r.error().hints.empty() ? "" : r.error().hints.front());
  }
  check_webhook(add, api, repo, user);
}

}  // namespace bbsot
