// The values of a push report only Bitbucket knows (docs/DESIGN.md "Hooks and push reports":
// repository and actor uuids or numeric ids), fetched through the REST client
// (api/rest_client.hpp: the account's credential of whatever kind, Bearer or the API
// token's Basic with the Atlassian e-mail, only inside its credential scope; 401/403/404
// named; bounded answers) for the target api/target.hpp resolves, cached per account and
// repository, and left out on any failure.
//   Cloud:  GET /2.0/repositories/{workspace}/{repo_slug}, GET /2.0/user
//   Server: GET /rest/api/1.0/projects/{key}/repos/{slug}, GET /rest/api/1.0/users/{userSlug}
// Only the fields the webhook bodies carry are kept, already in the shape Bitbucket's
// event payloads give them, so the body builder merges them without reinterpreting.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "api/rest_client.hpp"
#include "config/config.hpp"
#include "guard/clone_state.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

struct BitbucketIdentity {
  // Cloud: uuid, is_private, owner, workspace, project.
  // Server: id, public, project {id, name, public, description}.
  ApiJson repository = ApiJson::object();
  // Cloud: display_name, uuid, account_id, nickname. Server: id, name, slug, displayName.
  ApiJson actor = ApiJson::object();
  bool empty() const { return repository.empty() && actor.empty(); }
};

// Parsers of the documented answers (HTTP 200 bodies). nullopt when the body is not the
// expected object or lacks the identifying field (uuid / numeric id): nothing is guessed.
std::optional<ApiJson> parse_cloud_repository(const std::string& body);
std::optional<ApiJson> parse_cloud_user(const std::string& body);
std::optional<ApiJson> parse_server_repository(const std::string& body);
std::optional<ApiJson> parse_server_user(const std::string& body);
// The same for an answer already parsed (the REST client's).
std::optional<ApiJson> cloud_repository_ids(const ApiJson& answer);
std::optional<ApiJson> cloud_user_ids(const ApiJson& answer);
std::optional<ApiJson> server_repository_ids(const ApiJson& answer);
std::optional<ApiJson> server_user_ids(const ApiJson& answer);

// Whether a push to `remote_url` was made with this (Cloud) account's token: https, and
// the same account answers for that URL. Only then is /2.0/user the pusher.
bool pushed_with_account(const std::string& remote_url, const UserConfig& user, const Account& a);

// ----------------------------------------------------------------------- cache

constexpr int64_t kApiCacheSeconds = 86400;       // an answer is good for a day
constexpr int64_t kApiFailureCacheSeconds = 600;  // a failure: one try per 10 minutes

// One cached lookup: value set on success, nullopt for a cached failure.
struct ApiCacheEntry {
  std::optional<ApiJson> value;
  int64_t at = 0;
};

// ${XDG_CACHE_HOME:-~/.cache}/bbsot/api-<hash>.json, next to the token cache (0700 dir,
// 0600 file written by rename). `scope` names what the entries belong to (the
// repository); entries are "repository" and "actor:<name>".
std::string api_cache_path(const Account& a, const std::string& base, const std::string& scope);
// The entry `key` if present and still within its lifetime at `now`.
std::optional<ApiCacheEntry> read_api_cache(const std::string& path, const std::string& key, int64_t now);
Status write_api_cache(const std::string& path, const std::string& key, const ApiCacheEntry& e);

// ----------------------------------------------------------------------- lookup

// Everything that can be learnt for a delivery of `r` to `dest` (a destination the caller
// has checked is approved): the repository's identity, and the actor's when it is known
// who pushed (see pushed_with_account; Server: the account's username), with the account
// that answers for `dest`. Never fails: what cannot be fetched is left out, with one trace
// line (BBSOT_TRACE) and a short-lived cached failure.
BitbucketIdentity lookup_identity(const PushRecord& r, const Destination& dest, const UserConfig& user);

}  // namespace bbsot
