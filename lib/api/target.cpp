#include "api/target.hpp"

#include "base/text.hpp"
#include "base/web_url.hpp"
#include "bitbucket/account_match.hpp"

namespace bbsot {

namespace {

using R = Expected<BitbucketTarget>;

constexpr const char* kCloudApi = "https://api.bitbucket.org/2.0";

// <x>/rest/api/1.0 (or /latest, Atlassian's alias) -> <x>/rest; "" otherwise.
std::string rest_root_of(const std::string& api_base) {
  for (const char* tail : {"/api/1.0", "/api/latest"}) {
    const std::string t = tail;
    if (api_base.size() > t.size() && api_base.ends_with(t)) {
      std::string root = api_base.substr(0, api_base.size() - t.size());
      if (ascii_lower(root).ends_with("/rest")) return root;
    }
  }
  return "";
}

}  // namespace

std::string BitbucketTarget::repo_web_url() const { return bbsot::repo_web_url(type, web_base, repository); }

std::string BitbucketTarget::repo_api_path() const {
  if (type == BitbucketType::Cloud)
    return "/repositories/" + percent_encode(repository.owner) + "/" + percent_encode(repository.slug);
  return "/projects/" + percent_encode(repository.owner) + "/repos/" + percent_encode(repository.slug);
}

std::string BitbucketTarget::repo_label() const { return repository.owner + "/" + repository.slug; }

R resolve_bitbucket_target(const CloneState& state, const UserConfig& user) {
  const Destination dest = current_destination(state);
  if (!bitbucket_approved(state, dest))
    return R::failure("the Bitbucket repository " + dest.repository + " on " + dest.url +
                      " is not approved on this machine (the team's .bbsot.yml names it); run: git bbsot approve");
  return bitbucket_target_for(dest, user, as_repo_config(state).path);
}

R bitbucket_target_for(const Destination& dest, const UserConfig& user, const std::string& named_in) {
  IntegrationConfig in;
  in.type = dest.type;
  in.url = dest.url;
  in.repository = dest.repository;
  auto name = split_repository(in.repository);
  if (!name) return R::failure("integration.repository in " + named_in + ": " + name.error());
  const AccountMatch m = match_account(user.accounts, integration_request(in));
  const std::string account_url = integration_account_url(in);
  if (!m.account)
    return R::failure("no account in " + user.path + " answers for " + account_url +
                      (m.ambiguous ? " (several match and none is more specific)" : ""));
  const Account& a = *m.account;
  if (a.type != in.type)
    return R::failure("the account " + a.url + " in " + user.path + " is type " + to_string(a.type) +
                      ", but the repository is " + to_string(in.type));
  BitbucketTarget t;
  t.type = in.type;
  t.web_base = strip_trailing_slashes(in.url.empty() ? std::string(kCloudUrl) : in.url);
  t.repository = *name;
  t.account = a;
  t.user_config_path = user.path;
  if (!a.api_url.empty()) {
    t.api_base = strip_trailing_slashes(a.api_url);
  } else {
    t.api_base = default_api_base(in.type, t.web_base);
    if (t.api_base.empty())
      return R::failure("Bitbucket Cloud at " + t.web_base +
                        " has no known REST API address; set api_url for account " + a.url + " in " + user.path);
  }
  if (in.type == BitbucketType::Server) {
    t.rest_root = rest_root_of(t.api_base);
    t.credential_scope = a.api_url.empty() ? a.url : (t.rest_root.empty() ? t.api_base : t.rest_root);
  } else {
    t.credential_scope = a.api_url.empty() ? std::string(kCloudApi) : t.api_base;
  }
  // The API base comes from the committed file for Server (integration.url): the
  // account's token goes there only if the user's own account URL covers it.
  if (!url_within(t.credential_scope, t.api_base))
    return R::failure("the REST API " + t.api_base + " is not inside " + t.credential_scope + ", where account " +
                      a.url + " in " + user.path + " may send its token");
  return t;
}

}  // namespace bbsot
