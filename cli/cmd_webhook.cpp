// git bbsot webhook [--fix] [--dry-run] [--set-secret] [--json]: the repository webhook
// that tells the integration about pushes and pull requests (docs/WEBHOOK.md), shown,
// created or repaired through Bitbucket's REST API with the account's token.
#include <iostream>

#include "cli/bitbucket_cli.hpp"
#include "cli/options.hpp"

namespace bbsot {

namespace {

const char* kUsage = "git bbsot webhook [--fix] [--dry-run] [--set-secret] [--json]";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

nlohmann::ordered_json hook_json(const Webhook& h) {
  nlohmann::ordered_json j = {
      {"id", h.id}, {"url", h.url}, {"name", h.name}, {"active", h.active}, {"events", h.events}};
  j["secret_set"] = h.secret_set ? nlohmann::ordered_json(*h.secret_set) : nlohmann::ordered_json();
  return j;
}

int show(const BitbucketContext& c, bool json) {
  const std::string hook_url = require_hook_url(c.repo, "webhook");
  const BitbucketTarget target = require_target(c, "webhook");
  RestClient api(target, c.user);
  auto hooks = list_webhooks(api);
  if (!hooks) throw_api_error(hooks.error());
  const WebhookReview r = review_webhooks(target.type, *hooks, hook_url);
  const bool right = !r.needs_fix() && r.matching.size() == 1;
  if (json) {
    nlohmann::ordered_json j = {{"repository", target.repo_label()},
                                {"type", to_string(target.type)},
                                {"hook_url", hook_url},
                                {"ok", right},
                                {"webhooks", nlohmann::ordered_json::array()},
                                {"missing", r.missing},
                                {"missing_optional", r.missing_optional},
                                {"unwanted", r.unwanted},
                                {"other", r.other},
                                {"duplicates", r.matching.empty() ? 0 : r.matching.size() - 1}};
    for (const auto& h : r.matching) j["webhooks"].push_back(hook_json(h));
    std::cout << j.dump(2) << "\n";
    return right ? kExitOk : kExitFailed;
  }
  std::cout << "repository: " << target.repo_label() << " (" << to_string(target.type) << ")\nhook_url:   " << hook_url
            << "\n";
  if (r.matching.empty()) {
    std::cout << "webhook:    none points at hook_url (" << hooks->size() << " other webhook"
              << (hooks->size() == 1 ? "" : "s") << ")\n";
    print_error("the integration hears nothing from Bitbucket", {"create the webhook: git bbsot webhook --fix"});
    return kExitFailed;
  }
  const Webhook& h = r.matching.front();
  std::cout << "webhook:    " << h.id << (h.active ? " (active)" : " (INACTIVE)") << "\nurl:        " << h.url
            << "\nsecret:     "
            << (!h.secret_set   ? "cannot tell"
                : *h.secret_set ? "set"
                                : "not set")
            << "\nevents:     " << join(h.events) << "\n";
  if (!r.missing.empty()) std::cout << "missing:    " << join(r.missing) << "\n";
  if (!r.unwanted.empty()) std::cout << "unwanted:   " << join(r.unwanted) << " (comments and approvals)\n";
  if (!r.missing_optional.empty())
    std::cout << "optional:   " << join(r.missing_optional) << " not subscribed (older Bitbucket versions lack them)\n";
  for (size_t i = 1; i < r.matching.size(); ++i)
    std::cout << "duplicate:  " << r.matching[i].id << " also points at hook_url: every event arrives twice\n";
  if (right) {
    std::cout << "bbsot: the webhook is right\n";
    return kExitOk;
  }
  if (r.needs_fix())
    print_error("the webhook is not what the integration needs", {"repair it: git bbsot webhook --fix"});
  else
    print_error("more than one webhook points at hook_url",
                {"delete the duplicates in Repository settings > Webhooks of " + target.repo_web_url()});
  return kExitFailed;
}

}  // namespace

int cmd_webhook(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("fix", "create the webhook, or repair its events and active flag")(
      "dry-run", "with --fix: print the request it would send, send nothing")(
      "set-secret", "with --fix: set the webhook's secret to your report secret for hook_url")(
      "json", "machine-readable output (without --fix)");
  auto p = parse_args("webhook", kUsage,
                      "Shows the repository webhook that points at the integration's hook_url and whether it\n"
                      "carries the events the platform asks for (docs/WEBHOOK.md). --fix creates it, or\n"
                      "repairs an existing one for the same URL; it never adds a second. Exit 1 when the\n"
                      "webhook is missing or wrong.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  const bool fix = p.vm.count("fix") || p.vm.count("dry-run") || p.vm.count("set-secret");
  if (fix && p.vm.count("json"))
    throw ConfigError("git bbsot webhook: --json shows the webhook; it does not go with --fix",
                      {"usage: " + std::string(kUsage)});
  BitbucketContext c = load_bitbucket_context("webhook");
  if (!fix) return show(c, p.vm.count("json") > 0);
  WebhookOptions o;
  o.dry_run = p.vm.count("dry-run") > 0;
  o.set_secret = p.vm.count("set-secret") > 0;
  return ensure_webhook(c, o, std::cout);
}

}  // namespace bbsot
