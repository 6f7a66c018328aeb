#include "api/webhooks.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "base/web_url.hpp"

namespace bbsot {

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string str_field(const ApiJson& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return "";
}

std::vector<std::string> wanted_events(BitbucketType type) {
  const auto& e = webhook_events(type);
  std::vector<std::string> out = e.required;
  out.insert(out.end(), e.optional.begin(), e.optional.end());
  return out;
}

}  // namespace

// The lists and the reasons for each event are in docs/WEBHOOK.md; keep them in step.
const WebhookEvents& webhook_events(BitbucketType type) {
  // Cloud: "update the triggers to include all pull request events except comments and
  // approval", beside the default push trigger. Names: the webhook_subscription.events
  // enum of Atlassian's Bitbucket Cloud OpenAPI spec.
  static const WebhookEvents cloud{
      {"repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"},
      {"pullrequest:push"},
      {"pullrequest:approved", "pullrequest:unapproved", "pullrequest:changes_request_created",
       "pullrequest:changes_request_removed", "pullrequest:comment_created", "pullrequest:comment_updated",
       "pullrequest:comment_deleted", "pullrequest:comment_resolved", "pullrequest:comment_reopened",
       "repo:commit_comment_created"}};
  // Server/DC: "Send all events except comments and approval". Names: Atlassian's "Event
  // payload" page (Bitbucket Data Center 8.11-9.2).
  static const WebhookEvents server{
      {"repo:refs_changed", "repo:modified", "repo:forked", "mirror:repo_synchronized", "pr:opened",
       "pr:from_ref_updated", "pr:modified", "pr:reviewer:updated", "pr:merged", "pr:declined", "pr:deleted"},
      {"pr:to_ref_updated", "repo:secret_detected"},
      {"pr:reviewer:approved", "pr:reviewer:unapproved", "pr:reviewer:needs_work", "pr:reviewer:changes_requested",
       "pr:comment:added", "pr:comment:edited", "pr:comment:deleted", "repo:comment:added", "repo:comment:edited",
       "repo:comment:deleted"}};
  return type == BitbucketType::Cloud ? cloud : server;
}

std::optional<Webhook> parse_webhook(BitbucketType type, const ApiJson& j) {
  if (!j.is_object()) return std::nullopt;
  Webhook h;
  h.id = str_field(j, type == BitbucketType::Cloud ? "uuid" : "id");
  h.url = str_field(j, "url");
  if (h.id.empty() || h.url.empty()) return std::nullopt;
  h.name = str_field(j, type == BitbucketType::Cloud ? "description" : "name");
  h.active = j.value("active", false);
  if (auto ev = j.find("events"); ev != j.end() && ev->is_array())
    for (const auto& e : *ev)
      if (e.is_string()) h.events.push_back(e.get<std::string>());
  if (type == BitbucketType::Cloud) {
    if (auto s = j.find("secret_set"); s != j.end() && s->is_boolean()) h.secret_set = s->get<bool>();
  } else if (auto c = j.find("configuration"); c != j.end() && c->is_object()) {
    // Bitbucket DC keeps a webhook's secret in configuration.secret; whether its answers
    // show it is not documented, so only its presence counts.
    auto s = c->find("secret");
    h.secret_set = s != c->end() && s->is_string() && !s->get<std::string>().empty();
  }
  return h;
}

bool same_hook_url(const std::string& a, const std::string& b) {
  auto x = parse_web_url(a), y = parse_web_url(b);
  if (!x || !y) return a == b;
  return x->str() == y->str();
}

bool WebhookReview::needs_fix() const {
  if (matching.empty()) return true;
  return !matching.front().active || !missing.empty() || !unwanted.empty();
}

WebhookReview review_webhooks(BitbucketType type, const std::vector<Webhook>& hooks, const std::string& hook_url) {
  WebhookReview r;
  for (const auto& h : hooks)
    if (same_hook_url(h.url, hook_url)) r.matching.push_back(h);
  if (r.matching.empty()) return r;
  // The hook to keep: an active one, else the first Bitbucket lists.
  std::stable_partition(r.matching.begin(), r.matching.end(), [](const Webhook& h) { return h.active; });
  const auto& e = webhook_events(type);
  const auto& h = r.matching.front();
  for (const auto& ev : e.required)
    if (!has(h.events, ev)) r.missing.push_back(ev);
  for (const auto& ev : e.optional)
    if (!has(h.events, ev)) r.missing_optional.push_back(ev);
  for (const auto& ev : h.events) {
    if (has(e.unwanted, ev))
      r.unwanted.push_back(ev);
    else if (!has(e.required, ev) && !has(e.optional, ev))
      r.other.push_back(ev);
  }
  return r;
}

std::optional<HookSetupRequest> webhook_fix_request(BitbucketType type, const std::string& repo_api_path,
                                                  const WebhookReview& review, const std::string& hook_url,
                                                  const std::optional<std::string>& secret) {
  if (!review.needs_fix() && !secret) return std::nullopt;
  const bool cloud = type == BitbucketType::Cloud;
  const std::string collection = repo_api_path + (cloud ? "/hooks" : "/webhooks");
  HookSetupRequest req;
  ApiJson body = ApiJson::object();
  if (review.matching.empty()) {
    req.method = "POST";
    req.path = collection;
    body[cloud ? "description" : "name"] = kWebhookDescription;
  } else {
    const Webhook& h = review.matching.front();
    req.method = "PUT";
    req.path = collection + "/" + percent_encode(h.id);
    body[cloud ? "description" : "name"] = h.name.empty() ? std::string(kWebhookDescription) : h.name;
  }
  body["url"] = hook_url;
  body["active"] = true;
  body["events"] = wanted_events(type);
  if (secret) {
    req.with_secret = true;
    if (cloud)
      body["secret"] = *secret;  // PUT without `secret` leaves it unchanged (Cloud spec)
    else
      body["configuration"] = ApiJson{{"secret", *secret}};
  }
  req.body = std::move(body);
  return req;
}

ApiJson redacted_body(const ApiJson& body) {
  ApiJson out = body;
  if (out.contains("secret")) out["secret"] = kSecretPlaceholder;
  if (out.contains("configuration") && out["configuration"].is_object() && out["configuration"].contains("secret"))
    out["configuration"]["secret"] = kSecretPlaceholder;
  return out;
}

ApiNeed webhook_need(const std::string& what, bool write) {
  ApiNeed n;
  n.what = what;
  n.cloud_scope = "webhook";
  n.api_token_scope = write ? "write:webhook:bitbucket" : "read:webhook:bitbucket";
  n.server_permission = "REPO_ADMIN";
  return n;
}

ApiResult<std::vector<Webhook>> list_webhooks(RestClient& api) {
  const auto& t = api.target();
  const bool cloud = t.type == BitbucketType::Cloud;
  auto page = api.get_all(t.repo_api_path() + (cloud ? "/hooks" : "/webhooks"),
                          webhook_need("list the repository's webhooks", false), 500);
  if (!page) return page.error();
  std::vector<Webhook> out;
  for (const auto& v : page->values)
    if (auto h = parse_webhook(t.type, v)) out.push_back(*h);
  return out;
}

ApiResult<WebhookApplied> apply_webhook_request(RestClient& api, const HookSetupRequest& req) {
  const auto& t = api.target();
  const std::string what = req.method == "POST" ? "create the webhook" : "update the webhook";
  // Subscribing to pull request events also needs the pullrequest scope on Cloud ("this
  // call requires the webhook scope, as well as any scope that applies to the events").
  const ApiNeed need = webhook_need(what, true);
  WebhookApplied applied;
  ApiJson body = req.body;
  auto r = api.send(req.method, req.path, body, need);
  // One more try per optional event a 400 names: Server/DC stops at the first key it does
  // not know, so each try may reveal the next.
  const auto& optional = webhook_events(t.type).optional;
  for (size_t tries = 0; !r && r.error().status == 400 && tries < optional.size(); ++tries) {
    std::vector<std::string> named;
    for (const auto& ev : optional)
      if (r.error().message.find(ev) != std::string::npos && !has(applied.rejected_optional, ev)) named.push_back(ev);
    if (named.empty()) break;
    ApiJson events = ApiJson::array();
    for (const auto& ev : body["events"])
      if (!has(named, ev.get<std::string>())) events.push_back(ev);
    body["events"] = events;
    applied.rejected_optional.insert(applied.rejected_optional.end(), named.begin(), named.end());
    r = api.send(req.method, req.path, body, need);
  }
  if (!r) return r.error();
  auto h = parse_webhook(t.type, *r);
  if (!h) return ApiError{200, "Bitbucket's answer to " + what + " is not a webhook", {}, {}, {}};
  applied.hook = *h;
  return applied;
}

}  // namespace bbsot
