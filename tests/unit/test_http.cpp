// Which URLs bbsot sends to: https anywhere, plain http only to this machine.
#include <gtest/gtest.h>

#include "net/http.hpp"

using namespace bbsot;

TEST(EndpointUrl, HttpsIsAccepted) {
  EXPECT_EQ(endpoint_url_problem("https://eu-3.platform.sh/api/projects/abc/integrations/def/hook"), "");
  EXPECT_EQ(endpoint_url_problem("HTTPS://Example.COM/hook"), "");
}

TEST(EndpointUrl, PlainHttpOnlyToLoopback) {
  EXPECT_EQ(endpoint_url_problem("http://127.0.0.1:8080/hook"), "");
  EXPECT_EQ(endpoint_url_problem("http://127.255.3.4/hook"), "");
  EXPECT_EQ(endpoint_url_problem("http://localhost:9/hook"), "");
  EXPECT_EQ(endpoint_url_problem("http://[::1]:8080/hook"), "");
  EXPECT_NE(endpoint_url_problem("http://integrations.example.net/hook"), "");
  EXPECT_NE(endpoint_url_problem("http://128.0.0.1/hook"), "");
}

TEST(EndpointUrl, NamesThatOnlyLookLikeLoopbackAreRefused) {
  // DNS names, not addresses: anyone can make them resolve anywhere.
  EXPECT_FALSE(loopback_http("http://127.evil.example/hook"));
  EXPECT_FALSE(loopback_http("http://127.0.0.1.evil.example/hook"));
  EXPECT_FALSE(loopback_http("http://localhost.evil.example/hook"));
  // Userinfo hides the real host from a careless reader.
  EXPECT_FALSE(loopback_http("http://127.0.0.1@evil.example/hook"));
  EXPECT_FALSE(loopback_http("http://127.0.0.1:80@evil.example/"));
  EXPECT_TRUE(loopback_http("http://127.0.0.1/"));
  EXPECT_TRUE(loopback_http("http://127.0.0.1"));
}

TEST(EndpointUrl, OtherSchemesAndEmptyHostsAreRefused) {
  EXPECT_NE(endpoint_url_problem("ftp://127.0.0.1/hook"), "");
  EXPECT_NE(endpoint_url_problem("https://"), "");
  EXPECT_NE(endpoint_url_problem("integrations.example.net/hook"), "");
  EXPECT_NE(endpoint_url_problem(""), "");
}

TEST(EndpointUrl, TheProblemSaysWhatIsAllowed) {
  const std::string p = endpoint_url_problem("http://integrations.example.net/hook");
  EXPECT_NE(p.find("http://integrations.example.net/hook"), std::string::npos) << p;
  EXPECT_NE(p.find("https://"), std::string::npos) << p;
  EXPECT_NE(p.find("127.0.0.0/8"), std::string::npos) << p;
}
