// The repository webhook that tells the integration about pushes and pull requests
// (docs/WEBHOOK.md): which events it carries on Cloud and on Server/Data Center, how an
// existing hook compares with that, and the one request that makes it right.
//   Cloud:  GET/POST /2.0/repositories/{workspace}/{repo_slug}/hooks, PUT .../hooks/{uid}
//   Server: GET/POST /rest/api/1.0/projects/{key}/repos/{slug}/webhooks, PUT .../webhooks/{id}
// A hook is the integration's when its URL is hook_url after normalisation (scheme and host
// case, default port, a trailing slash); one such hook is kept right, never a second made.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "api/rest_client.hpp"
#include "config/config.hpp"

namespace bbsot {

struct WebhookEvents {
  std::vector<std::string> required;  // the hook must carry each one
  // Carried when Bitbucket accepts them: newer than some supported versions, so a hook
  // without them is still right (docs/WEBHOOK.md says which and why).
  std::vector<std::string> optional;
  std::vector<std::string> unwanted;  // comment and approval events: the page says to leave them out
};
const WebhookEvents& webhook_events(BitbucketType type);

struct Webhook {
  std::string id;  // Cloud: the uuid "{...}"; Server: the numeric id
  std::string url;
  std::string name;  // Cloud: description; Server: name
  bool active = false;
  std::vector<std::string> events;
  std::optional<bool> secret_set;  // Cloud: secret_set; Server: configuration.secret; nullopt: cannot tell
};

// A webhook from Bitbucket's answer (Cloud webhook_subscription, Server RestWebhook);
// nullopt when it lacks an id or a URL.
std::optional<Webhook> parse_webhook(BitbucketType type, const ApiJson& j);

// Whether two hook URLs are the same endpoint (base/web_url normalisation).
bool same_hook_url(const std::string& a, const std::string& b);

struct WebhookReview {
  std::vector<Webhook> matching;              // hooks for hook_url; the first is the one kept right
  std::vector<std::string> missing;           // required events the first lacks
  std::vector<std::string> missing_optional;  // optional events it lacks
  std::vector<std::string> unwanted;          // comment/approval events it carries
  std::vector<std::string> other;             // events in none of the lists (left alone unless fixed)
  bool needs_fix() const;                     // none, inactive, a required event missing or an unwanted one present
};

WebhookReview review_webhooks(BitbucketType type, const std::vector<Webhook>& hooks, const std::string& hook_url);

// NOLINTNEXTLINE(bugprone-exception-escape): nlohmann::json's move does not throw
struct HookSetupRequest {
  std::string method;  // POST (create) or PUT (repair)
  std::string path;    // relative to the API base
  ApiJson body;
  bool with_secret = false;
};

constexpr const char* kWebhookDescription = "Platform source integration (managed by git bbsot)";
constexpr const char* kSecretPlaceholder = "<the report secret for hook_url from your config>";

// The request that makes the hook right, or nullopt when nothing needs changing. The
// events become exactly required + optional (unwanted and other events are dropped);
// `secret`, when given, is set (--set-secret); otherwise the hook's secret is left as it is.
std::optional<HookSetupRequest> webhook_fix_request(BitbucketType type, const std::string& repo_api_path,
                                                  const WebhookReview& review, const std::string& hook_url,
                                                  const std::optional<std::string>& secret);

// The body with any secret replaced by kSecretPlaceholder: what --dry-run prints.
ApiJson redacted_body(const ApiJson& body);

// Every webhook of the target's repository.
[[nodiscard]] ApiResult<std::vector<Webhook>> list_webhooks(RestClient& api);

struct WebhookApplied {
  Webhook hook;
  std::vector<std::string> rejected_optional;  // optional events this Bitbucket refused
};

// Sends `req`. A 400 naming an optional event (a version of Bitbucket that does not know
// it; Server/DC refuses the whole request for one unknown key) is sent once more without
// the optional events.
[[nodiscard]] ApiResult<WebhookApplied> apply_webhook_request(RestClient& api, const HookSetupRequest& req);

// What managing webhooks needs, for messages (ApiNeed).
ApiNeed webhook_need(const std::string& what, bool write);

}  // namespace bbsot
