// Every Bitbucket URL rule in one place: the owner/repo split, which hosts are Cloud,
// and the web, clone, API and account URLs of a repository on Cloud and on Server/Data
// Center. URL normalisation itself is base/web_url.
#pragma once
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "base/web_url.hpp"
#include "config/config.hpp"

namespace bbsot {

struct RepoName {
  std::string owner;  // Cloud workspace, Server project key (or ~user)
  std::string slug;
};

// "owner/repo" as .bbsot.yml writes it: exactly two segments of the characters Bitbucket
// allows in workspace, project and repository names (letters, digits, '.', '_', '-', and
// '~' for Server's personal projects), neither "." nor "..".
[[nodiscard]] Expected<RepoName> split_repository(std::string_view full);

// bitbucket.org (and altssh.bitbucket.org, its SSH-over-443 host).
[[nodiscard]] bool is_cloud_host(std::string_view host);
[[nodiscard]] bool is_cloud_url(std::string_view url);  // https://bitbucket.org[/...]

// The repository's web page: https://bitbucket.org/acme/shop or
// <base>/projects/PROJ/repos/shop.
[[nodiscard]] std::string repo_web_url(BitbucketType type, std::string_view base_url, const RepoName& repo);
// The HTTPS clone URL: <base>/acme/shop.git or <base>/scm/PROJ/shop.git.
[[nodiscard]] std::string repo_clone_url(BitbucketType type, std::string_view base_url, const RepoName& repo);
// The REST API base implied by the Bitbucket URL: https://api.bitbucket.org/2.0 for Cloud
// on bitbucket.org, <base>/rest/api/1.0 for Server, "" for Cloud anywhere else.
[[nodiscard]] std::string default_api_base(BitbucketType type, std::string_view base_url);
// The account URL that answers for the repository: the Server base URL, or
// https://bitbucket.org/<workspace> for Cloud (what init writes and doctor checks).
[[nodiscard]] std::string account_url_for(BitbucketType type, std::string_view base_url, const RepoName& repo);

}  // namespace bbsot
