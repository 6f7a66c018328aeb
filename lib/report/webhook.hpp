// The push report's HTTP request (docs/DESIGN.md "Hooks and push reports"): the body and the
// headers Bitbucket itself sends to a webhook for a push, built from bbsot's outbox record,
// so a receiver written for Bitbucket accepts it unchanged.
//   Cloud:  `repo:push`, Atlassian's "Event payloads" page.
//   Server: `repo:refs_changed`, Atlassian's Data Center "Event payload" page, in its newer
//           form that also carries up to 5 `commits` and `toCommit`.
// Values only Bitbucket knows (uuids, numeric ids, account ids) come from its REST API
// (bitbucket_api.hpp) through WebhookContext::identity; when unknown they are left out,
// never invented. Avatar and API links of accounts are always left out.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/identity.hpp"
#include "config/config.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

struct WebhookContext {
  // The repository's web page: https://bitbucket.org/acme/shop or
  // https://bb.example.com/projects/P/repos/r (no trailing slash needed).
  std::string repo_html_url;
  // Server: the pushing account's username (actor name and slug); empty: left out.
  std::string server_username;
  int64_t now = 0;  // epoch seconds, for Server's `date`
  // What Bitbucket's API said about the repository and the pusher; empty: left out, and
  // the bodies are exactly as without it.
  BitbucketIdentity identity;
};

struct WebhookRequest {
  std::string body;  // compact JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

// Body and headers for one delivery attempt (1-based `attempt`). Cloud:
// Content-Type, User-Agent, X-Event-Key, X-Request-UUID, X-Attempt-Number; Server:
// Content-Type, X-Event-Key, X-Request-Id. The request id is `r.id` on every attempt.
// With a non-empty `secret`, also X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>.
WebhookRequest build_webhook(const PushRecord& r, const Destination& dest, const WebhookContext& ctx, int attempt,
                             const std::string& secret);

// How many bytes `c` adds to a body built for `dest` (its change object, and for Server
// its commits): what splitting a large push into reports of at most kMaxBodyBytes sums.
[[nodiscard]] size_t change_body_bytes(const PushRecord& r, const Destination& dest, const WebhookContext& ctx,
                                       const RefChange& c);

// Lower-case hex HMAC-SHA256 (OpenSSL).
std::string hmac_sha256_hex(const std::string& key, const std::string& data);

// "repo:push" (Cloud) or "repo:refs_changed" (Server).
std::string webhook_event_key(BitbucketType t);

// Date formats used in the bodies, exposed for tests.
// Cloud: UTC, "2026-11-25T10:00:00+00:00".
std::string cloud_date(int64_t epoch_seconds);
// Server: "2017-09-19T09:58:11+1000", in the given offset from UTC (minutes).
std::string server_date(int64_t epoch_seconds, int offset_minutes);
// The local time zone's offset from UTC at that instant, in minutes.
int local_utc_offset_minutes(int64_t epoch_seconds);

}  // namespace bbsot
