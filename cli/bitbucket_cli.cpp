#include "cli/bitbucket_cli.hpp"

#include <iostream>

#include "base/files.hpp"
#include "config/secret.hpp"
#include "cli/repo_context.hpp"
#include "net/http.hpp"

namespace bbsot {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

BitbucketContext load_bitbucket_context(const std::string& command) {
  const RepoContext ctx = open_repo_context(command, true);
  if (ctx.work_tree.empty()) throw ConfigError("git bbsot " + command + ": run it in the repository's work tree");
  show_notices(ctx);
  BitbucketContext c;
  c.work = ctx.work_tree;
  c.repo = ctx.cfg;
  c.user = load_user_config(user_config_path());
  c.state = *ctx.state;
  return c;
}

BitbucketTarget require_target(const BitbucketContext& c, const std::string& command) {
  auto t = resolve_bitbucket_target(c.state, c.user);
  if (!t && !bitbucket_approved(c.state, current_destination(c.state)))
    throw ConfigError("git bbsot " + command + ": " + t.error());  // it says what to run; no account is missing
  if (!t)
    throw ConfigError("git bbsot " + command + ": " + t.error(),
                      {c.repo.integration.type == BitbucketType::Cloud
                           ? "add an account: git bbsot init --key <consumer key> --secret-command '<command>', or "
                             "an API or access token (docs/CONFIGURATION.md, \"Token kinds\")"
                           : "add an account: git bbsot init --username <you> --token-command '<command>'"});
  return *t;
}

void throw_api_error(const ApiError& e) { throw Error(e.message, kExitFailed, e.hints); }

std::string require_hook_url(const RepoConfig& repo, const std::string& command) {
  const std::string& url = repo.integration.hook_url;
  if (url.empty())
    throw ConfigError("git bbsot " + command + ": integration.hook_url is not set in " + repo.path,
                      {"add the hook URL the platform shows for the integration: git bbsot init --hook-url <url>"});
  if (auto p = endpoint_url_problem(url); !p.empty())
    throw ConfigError("git bbsot " + command + ": integration.hook_url in " + repo.path + ": " + p);
  return url;
}

int ensure_webhook(const BitbucketContext& c, const WebhookOptions& o, std::ostream& out) {
  const std::string hook_url = require_hook_url(c.repo, "webhook");
  std::optional<std::string> secret;
  if (o.set_secret) {
    const ReportSecret* ref = report_secret_for(c.user, hook_url);
    if (!ref)
      throw ConfigError("git bbsot webhook --set-secret: no report secret for " + hook_url + " in " + c.user.path,
                        {"add it there: reports: [{hook_url: " + hook_url +
                         ", secret_command: '<command printing it>'}] (docs/CONFIGURATION.md)"});
    // Resolved only to be sent, never printed: a dry run shows a placeholder instead.
    if (!o.dry_run) {
      auto s = resolve_secret(ref->secret, "report secret for " + hook_url);
      if (!s) throw Error(s.error());
      secret = *s;
    } else {
      secret = std::string(kSecretPlaceholder);
    }
  }
  const BitbucketTarget target = require_target(c, "webhook");
  RestClient api(target, c.user);
  auto hooks = list_webhooks(api);
  if (!hooks) throw_api_error(hooks.error());
  const WebhookReview review = review_webhooks(target.type, *hooks, hook_url);
  if (review.matching.size() > 1)
    print_warning("bbsot: " + std::to_string(review.matching.size()) + " webhooks on " + target.repo_label() +
                  " point at " + hook_url + ": the integration gets every event more than once; keeping " +
                  review.matching.front().id + "; delete the others in Repository settings > Webhooks of " +
                  target.repo_web_url());
  auto req = webhook_fix_request(target.type, target.repo_api_path(), review, hook_url, secret);
  if (!req) {
    out << "bbsot: the webhook " << review.matching.front().id << " on " << target.repo_label() << " to " << hook_url
        << " is right; nothing changed\n";
    return kExitOk;
  }
  if (o.dry_run) {
    out << "bbsot: would send (dry run, nothing sent):\n"
        << req->method << " " << target.api_base << req->path << "\n"
        << redacted_body(req->body).dump(2) << "\n";
    return kExitOk;
  }
  auto applied = apply_webhook_request(api, *req);
  if (!applied) throw_api_error(applied.error());
  const Webhook& h = applied->hook;
  out << "bbsot: " << (req->method == "POST" ? "created" : "updated") << " the webhook " << h.id << " on "
      << target.repo_label() << " to " << h.url << " (" << (h.active ? "active" : "inactive")
      << "), events: " << join(h.events) << "\n";
  if (!review.matching.empty() && !review.unwanted.empty())
    out << "bbsot: removed the comment and approval events: " << join(review.unwanted) << "\n";
  if (!applied->rejected_optional.empty())
    out << "bbsot: this Bitbucket does not know " << join(applied->rejected_optional)
        << "; the webhook works without them\n";
  if (req->with_secret) out << "bbsot: set the webhook's secret to the report secret from " << c.user.path << "\n";
  return kExitOk;
}

}  // namespace bbsot
