#include <gtest/gtest.h>

#include "net/oauth.hpp"

using namespace bbsot;

TEST(OAuth, ParsesBitbucketAnswer) {
  auto t =
      parse_token_response(200,
                           R"({"access_token": "AT-1", "scopes": "repository repository:write", "token_type": "bearer",
          "expires_in": 7200, "state": "client_credentials", "refresh_token": "RT-1"})",
                           1000);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->access_token, "AT-1");
  EXPECT_EQ(t->refresh_token, "RT-1");
  EXPECT_EQ(t->expires_at, 8200);
  EXPECT_EQ(t->scopes, "repository repository:write");
}

TEST(OAuth, ErrorBodiesBecomeOneLine) {
  auto t = parse_token_response(
      401, R"({"error": "invalid_client", "error_description": "Invalid OAuth client credentials"})", 0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(), "the OAuth token endpoint answered HTTP 401: invalid_client (Invalid OAuth client credentials)");
  auto s = parse_token_response(500, "<html>oops</html>", 0);
  EXPECT_EQ(s.error(), "the OAuth token endpoint answered HTTP 500");
  auto nl = parse_token_response(400, "{\"error\": \"invalid_grant\\nforged line\"}", 0);
  EXPECT_EQ(nl.error().find('\n'), std::string::npos);
}

TEST(OAuth, RejectsMalformedAnswers) {
  EXPECT_EQ(parse_token_response(200, R"({"access_token": )", 0).error(),
            "the OAuth token endpoint answered HTTP 200 with a body that is not JSON");
  EXPECT_EQ(parse_token_response(200, R"({"token_type": "bearer"})", 0).error(),
            "the OAuth token endpoint's answer has no access_token");
  EXPECT_FALSE(parse_token_response(200, R"({"access_token": 5})", 0).ok());
  EXPECT_FALSE(parse_token_response(200, R"({"access_token": "a", "expires_in": -3})", 0).ok());
  EXPECT_FALSE(parse_token_response(200, R"({"access_token": "a", "expires_in": "soon"})", 0).ok());
  EXPECT_FALSE(parse_token_response(200, R"({"access_token": "a", "token_type": "mac"})", 0).ok());
  EXPECT_FALSE(parse_token_response(200, "{\"access_token\": \"a\\nb\"}", 0).ok());
  EXPECT_FALSE(parse_token_response(200, "[]", 0).ok());
}

TEST(OAuth, DefaultsExpiryWhenAbsent) {
  auto t = parse_token_response(200, R"({"access_token": "a"})", 10);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->expires_at, 3610);
}

TEST(OAuth, FormEncoding) {
  EXPECT_EQ(form_encode({{"grant_type", "refresh_token"}, {"refresh_token", "a+b/c=d e&"}}),
            "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd%20e%26");
}

// The answer Bitbucket gives since 2026-05-04: `scope`, and no refresh token for
// client_credentials
// (https://community.developer.atlassian.com/t/oauth-2-0-and-api-authentication-changes-for-bitbucket-cloud/99003).
TEST(OAuth, Parses2026AnswerWithScopeAndNoRefreshToken) {
  auto t = parse_token_response(
      200, R"({"access_token": "AT-2", "scope": "pullrequest webhook repository:write", "token_type": "bearer",
          "expires_in": 7200, "state": "client_credentials"})",
      0);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->scopes, "pullrequest webhook repository:write");
  EXPECT_EQ(t->refresh_token, "");
  auto list = parse_token_response(200, R"({"access_token": "a", "scope": ["webhook", "pullrequest"]})", 0);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->scopes, "webhook pullrequest");
}
