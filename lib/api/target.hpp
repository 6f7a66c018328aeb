// Where Bitbucket's REST API is for this repository, and with which account: the one
// place every REST call site asks (webhook, doctor, status, wait, the push-report
// ids too). Keep it the single entry point: the trust boundary (docs/DESIGN.md "Trust
// boundary", issue 11) is enforced here. The committed .bbsot.yml names the repository
// and the Bitbucket URL, but only the user's own file decides where a token may go:
// the API base must lie inside the account's credential scope, and the clone-local
// record of the destinations the user approved (lib/guard) is consulted here too,
// refusing a destination the user has not approved.
#pragma once
#include <string>

#include "base/error.hpp"
#include "bitbucket/bitbucket_url.hpp"
#include "config/config.hpp"
#include "guard/clone_state.hpp"

namespace bbsot {

struct BitbucketTarget {
  BitbucketType type = BitbucketType::Cloud;
  std::string web_base;  // https://bitbucket.org, or the Server base URL (integration.url)
  // https://api.bitbucket.org/2.0, <server>/rest/api/1.0, or the account's api_url.
  std::string api_base;
  // Server: the REST root holding /api/1.0 and /build-status/1.0 (<server>/rest); "" when
  // the account's api_url does not end in /rest/api/1.0. Cloud: "".
  std::string rest_root;
  // Where the account's token may be sent (HttpRequest::credential_scope): the account's
  // api_url (Cloud) or its REST root (Server) when the user set one, else
  // https://api.bitbucket.org/2.0 (Cloud) or the account's URL (Server).
  std::string credential_scope;
  RepoName repository;
  Account account;  // a copy: the target outlives the UserConfig it came from
  std::string user_config_path;

  std::string repo_web_url() const;   // https://bitbucket.org/acme/shop, <server>/projects/K/repos/r
  std::string repo_api_path() const;  // /repositories/acme/shop, /projects/K/repos/r
  std::string repo_label() const;     // acme/shop
};

// The target for the integration's repository: the account that answers git's request for
// it (account_match, as the credential helper decides), its API base and credential scope.
// Failure (exit-code 2 material): no account, an account of the other type, Cloud off
// bitbucket.org without api_url, an API base outside the account's scope, a malformed
// repository name. The message names the file to fix.
// `state`: the clone's record; a repository the user has not approved on this machine
// (guard/clone_state.hpp bitbucket_approved) is refused, so no token reaches an API a
// committed file alone named.
[[nodiscard]] Expected<BitbucketTarget> resolve_bitbucket_target(const CloneState& state, const UserConfig& user);

// The same for a destination a record carries (a report keeps the destination it was made
// for), without the approval check: the caller has made it (bitbucket_approved).
// `named_in`: where the repository name came from, for the message.
[[nodiscard]] Expected<BitbucketTarget> bitbucket_target_for(const Destination& dest, const UserConfig& user,
                                                             const std::string& named_in);

}  // namespace bbsot
