#include "bitbucket/bitbucket_url.hpp"

#include <gtest/gtest.h>

namespace bbsot {
namespace {

std::string norm(const std::string& url) {
  auto u = parse_web_url(url);
  return u ? u->str() : "ERROR: " + u.error();
}

TEST(BitbucketUrl, NormalisesSchemeHostPortAndDots) {
  EXPECT_EQ(norm("HTTPS://Bitbucket.EXAMPLE.com:443/a/./b/../c/"), "https://bitbucket.example.com/a/c");
  EXPECT_EQ(norm("http://127.0.0.1:80/x"), "http://127.0.0.1/x");
  EXPECT_EQ(norm("https://host:8443//a//b"), "https://host:8443/a/b");
  EXPECT_EQ(norm("https://host/a%62c/%7Euser"), "https://host/abc/~user");
  EXPECT_EQ(norm("https://[::1]:7990/bb"), "https://[::1]:7990/bb");
  EXPECT_EQ(norm("https://host./p?start=25&limit=100"), "https://host/p?start=25&limit=100");
}

TEST(BitbucketUrl, RefusesWhatCouldHideAnotherPath) {
  for (const char* bad :
       {"https://host/a/../../etc", "https://host/a%2F..%2Fb", "https://host/a%5c..", "https://host/a%00b",
        "https://user:pw@host/x", "https://host/x#frag", "https://host\\evil/x", "https://ho st/x", "ftp://host/x",
        "https://host:0/x", "https://host:99999/x", "https://-host/x", "https://ho..st/x", "https://host/a%zz",
        "https://host/a%4", "host/x", "https://[zz::1]/x", "https:///x"}) {
    EXPECT_FALSE(parse_web_url(bad)) << bad;
  }
}

TEST(BitbucketUrl, WithinComparesWholeSegmentsAfterNormalisation) {
  EXPECT_TRUE(url_within("https://host/bitbucket", "https://host/bitbucket/rest/api/1.0/projects/P/repos/r"));
  EXPECT_TRUE(url_within("https://HOST:443/bitbucket/", "https://host/bitbucket/./rest"));
  // The reproduction: a committed URL climbing out of the account's prefix.
  EXPECT_FALSE(url_within("https://host/bitbucket", "https://host/bitbucket/../other-app/rest/api/1.0/x"));
  EXPECT_FALSE(url_within("https://host/bitbucket", "https://host/bitbucket-evil/rest"));
  EXPECT_FALSE(url_within("https://host/bitbucket", "http://host/bitbucket/rest"));
  EXPECT_FALSE(url_within("https://host/bitbucket", "https://host:8443/bitbucket/rest"));
  EXPECT_FALSE(url_within("https://host/bitbucket", "https://host.evil/bitbucket/rest"));
  EXPECT_FALSE(url_within("https://host/bitbucket", "https://host/bitbucket/%2e%2e/other"));
  EXPECT_TRUE(url_within("https://api.bitbucket.org/2.0", "https://api.bitbucket.org/2.0/repositories/a/b?page=2"));
  EXPECT_FALSE(url_within("not a url", "https://host/x"));
}

TEST(BitbucketUrl, RepositoryNames) {
  auto r = split_repository("Acme/shop.web");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->owner, "Acme");
  EXPECT_EQ(r->slug, "shop.web");
  EXPECT_TRUE(split_repository("~ann/dotfiles"));
  for (const char* bad : {"acme", "acme/", "/shop", "a/b/c", "../shop", "acme/..", "acme/sh op", "acme/shop?x", ""})
    EXPECT_FALSE(split_repository(bad)) << bad;
}

TEST(BitbucketUrl, RepositoryUrls) {
  const RepoName r{"acme", "shop"};
  EXPECT_EQ(repo_web_url(BitbucketType::Cloud, "https://bitbucket.org/", r), "https://bitbucket.org/acme/shop");
  EXPECT_EQ(repo_web_url(BitbucketType::Server, "https://bb.example.com/ctx", {"PROJ", "shop"}),
            "https://bb.example.com/ctx/projects/PROJ/repos/shop");
  EXPECT_EQ(repo_clone_url(BitbucketType::Server, "https://bb.example.com", {"PROJ", "shop"}),
            "https://bb.example.com/scm/PROJ/shop.git");
  EXPECT_EQ(default_api_base(BitbucketType::Cloud, "https://bitbucket.org"), "https://api.bitbucket.org/2.0");
  EXPECT_EQ(default_api_base(BitbucketType::Cloud, "https://127.0.0.1:4443/bb"), "");
  EXPECT_EQ(default_api_base(BitbucketType::Server, "https://bb.example.com/ctx/"),
            "https://bb.example.com/ctx/rest/api/1.0");
  EXPECT_EQ(account_url_for(BitbucketType::Cloud, "https://bitbucket.org", r), "https://bitbucket.org/acme");
  EXPECT_EQ(account_url_for(BitbucketType::Server, "https://bb.example.com/ctx", r), "https://bb.example.com/ctx");
}

}  // namespace
}  // namespace bbsot
