#include <gtest/gtest.h>

#include "bitbucket/credential_protocol.hpp"

using namespace bbsot;

TEST(CredentialProtocol, ReadsGit239Request) {
  auto r =
      parse_credential_request("protocol=https\nhost=bitbucket.org\npath=acme/repo.git\nusername=x-token-auth\n\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->protocol, "https");
  EXPECT_EQ(r->host, "bitbucket.org");
  EXPECT_EQ(r->path, "acme/repo.git");
  EXPECT_EQ(r->username, "x-token-auth");
}

TEST(CredentialProtocol, StopsAtBlankLineAndToleratesEofWithoutNewline) {
  auto r = parse_credential_request("protocol=https\nhost=a\n\nhost=b\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "a");
  auto e = parse_credential_request("protocol=https\nhost=c");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "c");
}

TEST(CredentialProtocol, IgnoresNewerAttributes) {
  auto r = parse_credential_request(
      "capability[]=authtype\nprotocol=https\nhost=h\nwwwauth[]=Basic realm=\"x\"\npassword_expiry_utc=5\n"
      "oauth_refresh_token=zzz\nephemeral=1\n\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->host, "h");
}

TEST(CredentialProtocol, UrlAttributeFillsFields) {
  auto r = parse_credential_request("url=https://bob@bb.example.com:8443/scm/p/r.git\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->protocol, "https");
  EXPECT_EQ(r->host, "bb.example.com:8443");
  EXPECT_EQ(r->path, "scm/p/r.git");
  EXPECT_EQ(r->username, "bob");
}

TEST(CredentialProtocol, CrLfLinesAccepted) {
  auto r = parse_credential_request("protocol=https\r\nhost=h\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "h");
}

TEST(CredentialProtocol, RefusesBadInputWithoutQuotingIt) {
  auto nul = parse_credential_request(std::string("protocol=https\nhost=a\0b\n", 23));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error(), "credential input contains a NUL byte");
  auto bad = parse_credential_request("protocol=https\nsecretvalue-without-equals\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "credential input line 2 is not key=value");
  EXPECT_EQ(bad.error().find("secretvalue"), std::string::npos);
  EXPECT_FALSE(parse_credential_request("=value\n").ok());
}

TEST(CredentialProtocol, BoundsLineLengthAndAttributeCount) {
  std::string longline = "path=" + std::string(kMaxCredentialLine, 'a') + "\n";
  auto r = parse_credential_request(longline);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("longer than"), std::string::npos);
  std::string many;
  for (size_t i = 0; i <= kMaxCredentialAttributes; ++i) many += "x=1\n";
  EXPECT_FALSE(parse_credential_request(many).ok());
  std::string enough;
  for (size_t i = 0; i < kMaxCredentialAttributes; ++i) enough += "x=1\n";
  EXPECT_TRUE(parse_credential_request(enough).ok());
}

TEST(CredentialProtocol, FormatsAnswerWithExpiry) {
  EXPECT_EQ(format_credential_answer({"x-token-auth", "tok", 1700000000}),
            "username=x-token-auth\npassword=tok\npassword_expiry_utc=1700000000\n");
  EXPECT_EQ(format_credential_answer({"alice", "t", 0}), "username=alice\npassword=t\n");
  EXPECT_EQ(format_credential_answer({"alice", "t\nusername=evil", 0}), "");
}
