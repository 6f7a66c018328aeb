#include <gtest/gtest.h>

#include "bitbucket/account_match.hpp"

using namespace bbsot;

namespace {

Account cloud(const std::string& url) {
  Account a;
  a.url = url;
  a.type = BitbucketType::Cloud;
  a.key = "consumer-key";
  return a;
}

Account server(const std::string& url, const std::string& user = "alice") {
  Account a;
  a.url = url;
  a.type = BitbucketType::Server;
  a.username = user;
  return a;
}

struct Case {
  const char* protocol;
  const char* host;
  const char* path;
  const char* expected;  // account url, or "" for no answer
};

}  // namespace

TEST(AccountMatch, Table) {
  std::vector<Account> accounts = {cloud("https://bitbucket.org/acme"), cloud("https://bitbucket.org/acme/special"),
                                   cloud("https://bitbucket.org/other%20team"), server("https://bb.example.com:8443"),
                                   server("https://git.example.com/bitbucket")};
  const Case cases[] = {
      {"https", "bitbucket.org", "acme/repo.git", "https://bitbucket.org/acme"},
      {"https", "bitbucket.org", "acme/special/x.git", "https://bitbucket.org/acme/special"},
      {"https", "bitbucket.org", "acme/special", "https://bitbucket.org/acme/special"},
      {"https", "bitbucket.org", "acme/specialist.git", "https://bitbucket.org/acme"},
      {"https", "bitbucket.org", "acmecorp/repo.git", ""},                        // segment, not prefix
      {"https", "bitbucket.org", "ACME/repo.git", ""},                            // path is case-sensitive, as git's
      {"https", "BitBucket.ORG", "acme/repo.git", "https://bitbucket.org/acme"},  // host case-insensitive
      {"https", "bitbucket.org:443", "acme/repo.git", "https://bitbucket.org/acme"},
      {"https", "bitbucket.org:444", "acme/repo.git", ""},
      {"https", "bitbucket.org.evil.com", "acme/repo.git", ""},  // lookalike suffix
      {"https", "evilbitbucket.org", "acme/repo.git", ""},
      {"https", "api.bitbucket.org", "acme/repo.git", ""},  // subdomain
      {"http", "bitbucket.org", "acme/repo.git", ""},       // https only
      {"ssh", "bitbucket.org", "acme/repo.git", ""},
      {"https", "", "acme/repo.git", ""},
      {"https", "bitbucket.org", "other team/r.git", "https://bitbucket.org/other%20team"},  // decoded path
      {"https", "bitbucket.org", "acme//repo.git/", "https://bitbucket.org/acme"},
      {"https", "bb.example.com:8443", "scm/p/r.git", "https://bb.example.com:8443"},
      {"https", "bb.example.com", "scm/p/r.git", ""},  // port must match
      {"https", "git.example.com", "bitbucket/scm/p/r.git", "https://git.example.com/bitbucket"},
      {"https", "git.example.com", "bitbucketx/scm/p/r.git", ""},
      {"https", "git.example.com", "", "https://git.example.com/bitbucket"},  // one account on host
      {"https", "bitbucket.org", "", ""},                                     // several on host, no path: ambiguous
  };
  for (const auto& c : cases) {
    CredentialRequest req{c.protocol, c.host, c.path, "", ""};
    AccountMatch m = match_account(accounts, req);
    std::string got = m.account ? m.account->url : "";
    EXPECT_EQ(got, c.expected) << c.protocol << "://" << c.host << "/" << c.path;
  }
}

TEST(AccountMatch, AmbiguousWithoutPathIsReported) {
  std::vector<Account> accounts = {cloud("https://bitbucket.org/a"), cloud("https://bitbucket.org/b")};
  AccountMatch m = match_account(accounts, {"https", "bitbucket.org", "", "", ""});
  EXPECT_EQ(m.account, nullptr);
  EXPECT_TRUE(m.ambiguous);
}

TEST(AccountMatch, ServerUsernameMustAgreeWhenGitSendsOne) {
  std::vector<Account> accounts = {server("https://bb.example.com", "alice")};
  EXPECT_NE(match_account(accounts, {"https", "bb.example.com", "scm/p/r.git", "alice", ""}).account, nullptr);
  EXPECT_EQ(match_account(accounts, {"https", "bb.example.com", "scm/p/r.git", "bob", ""}).account, nullptr);
}

TEST(AccountMatch, ParsesAccountUrls) {
  auto u = parse_account_url("HTTPS://Bitbucket.org:443/acme/");
  ASSERT_TRUE(u.valid);
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "bitbucket.org");
  ASSERT_EQ(u.segments.size(), 1u);
  EXPECT_FALSE(parse_account_url("bitbucket.org/acme").valid);
  EXPECT_FALSE(parse_account_url("https://user@bitbucket.org").valid);
  EXPECT_FALSE(parse_account_url("https:///x").valid);
}
