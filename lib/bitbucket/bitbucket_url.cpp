#include "bitbucket/bitbucket_url.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace bbsot {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '~';
}

bool valid_name(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && std::all_of(s.begin(), s.end(), name_char);
}

std::string trimmed_base(std::string_view base_url) { return strip_trailing_slashes(std::string(base_url)); }

}  // namespace

Expected<RepoName> split_repository(std::string_view full) {
  using E = Expected<RepoName>;
  const size_t slash = full.find('/');
  if (slash == std::string_view::npos || full.find('/', slash + 1) != std::string_view::npos)
    return E::failure("expected owner/repo (Cloud) or PROJECT/repo (Server), got '" + std::string(full.substr(0, 200)) +
                      "'");
  RepoName r{std::string(full.substr(0, slash)), std::string(full.substr(slash + 1))};
  if (!valid_name(r.owner) || !valid_name(r.slug))
    return E::failure("'" + std::string(full.substr(0, 200)) +
                      "' is not a Bitbucket repository name (letters, digits, '.', '_', '-', '~'; not '.' or '..')");
  return r;
}

bool is_cloud_host(std::string_view host) {
  const std::string h = ascii_lower(host);
  return h == "bitbucket.org" || h == "altssh.bitbucket.org";
}

bool is_cloud_url(std::string_view url) {
  auto u = parse_web_url(url);
  return u && u->host == "bitbucket.org";
}

std::string repo_web_url(BitbucketType type, std::string_view base_url, const RepoName& repo) {
  const std::string base = trimmed_base(base_url);
  if (type == BitbucketType::Cloud) return base + "/" + repo.owner + "/" + repo.slug;
  return base + "/projects/" + repo.owner + "/repos/" + repo.slug;
}

std::string repo_clone_url(BitbucketType type, std::string_view base_url, const RepoName& repo) {
  const std::string base = trimmed_base(base_url);
  if (type == BitbucketType::Cloud) return base + "/" + repo.owner + "/" + repo.slug + ".git";
  return base + "/scm/" + repo.owner + "/" + repo.slug + ".git";
}

std::string default_api_base(BitbucketType type, std::string_view base_url) {
  const std::string base = trimmed_base(base_url);
  if (type == BitbucketType::Server) return base.empty() ? "" : base + "/rest/api/1.0";
  if (base.empty() || is_cloud_url(base)) return "https://api.bitbucket.org/2.0";
  return "";
}

std::string account_url_for(BitbucketType type, std::string_view base_url, const RepoName& repo) {
  const std::string base = trimmed_base(base_url);
  return type == BitbucketType::Server ? base : base + "/" + repo.owner;
}

}  // namespace bbsot
