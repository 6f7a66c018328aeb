// The token cache (lib/token/token_cache): the only file a token is written to, private,
// per account, and a miss (never a crash, never a stale token) for anything it cannot trust.
#include "token/token_cache.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/files.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

class TokenCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bbsot-token-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const char* old = std::getenv("XDG_CACHE_HOME");
    if (old) old_ = old;
    had_old_ = old != nullptr;
    ::setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
    account_.url = "https://bitbucket.org/acme";
    account_.key = "consumer-key";
    account_.token_url = "https://bitbucket.org/site/oauth2/access_token";
  }
  void TearDown() override {
    if (had_old_)
      ::setenv("XDG_CACHE_HOME", old_.c_str(), 1);
    else
      ::unsetenv("XDG_CACHE_HOME");
    fs::remove_all(dir_);
  }
  static CachedToken token(const std::string& access, int64_t expires_at) {
    CachedToken t;
    t.account_url = "https://bitbucket.org/acme";
    t.access_token = access;
    t.refresh_token = "refresh";
    t.scopes = "repository webhook";
    t.expires_at = expires_at;
    t.obtained_at = expires_at - 7200;
    return t;
  }
  std::string dir_, old_;
  bool had_old_ = false;
  Account account_;
};

TEST_F(TokenCache, RoundTripIsPrivateAndPerAccount) {
  const std::string path = token_cache_path(account_);
  EXPECT_EQ(path.rfind(dir_ + "/bbsot/token-", 0), 0u) << path;
  ASSERT_TRUE(write_cached_token(path, token("abc", 2000000000)));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/bbsot").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = read_cached_token(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->access_token, "abc");
  EXPECT_EQ(back->refresh_token, "refresh");
  EXPECT_EQ(back->scopes, "repository webhook");
  EXPECT_EQ(back->expires_at, 2000000000);
  EXPECT_EQ(back->obtained_at, 2000000000 - 7200);

  // Another key, or another token endpoint, for the same URL: another file.
  Account other = account_;
  other.key = "another-consumer";
  EXPECT_NE(token_cache_path(other), path);
  other = account_;
  other.token_url = "https://other.example/token";
  EXPECT_NE(token_cache_path(other), path);
  EXPECT_NE(token_lock_path(account_), path);
}

TEST_F(TokenCache, FreshOnlyWithTheMarginLeft) {
  const int64_t now = 1800000000;
  EXPECT_TRUE(token_fresh(token("t", now + kTokenMarginSeconds + 1), now));
  EXPECT_FALSE(token_fresh(token("t", now + kTokenMarginSeconds), now));
  EXPECT_FALSE(token_fresh(token("t", now - 5), now));
}

TEST_F(TokenCache, WhatCannotBeTrustedIsAMiss) {
  const std::string path = token_cache_path(account_);
  ASSERT_TRUE(write_cached_token(path, token("abc", 2000000000)));
  const auto write_raw = [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), 0600);
  };
  for (const char* text : {"", "not json", "[]", R"({"access_token": ""})", R"({"access_token": 5})",
                           R"({"access_token": "x", "expires_at": 1e300})",
                           R"({"access_token": "x", "expires_at": 18446744073709551615})"}) {
    write_raw(text);
    EXPECT_FALSE(read_cached_token(path)) << text;
  }
  write_raw(R"({"access_token": "x", "expires_at": 2000000000})");
  EXPECT_TRUE(read_cached_token(path));

  // A cache directory others can write to is not ours: a miss, whatever it holds.
  ASSERT_EQ(::chmod((dir_ + "/bbsot").c_str(), 0777), 0);
  EXPECT_FALSE(read_cached_token(path));
  ASSERT_EQ(::chmod((dir_ + "/bbsot").c_str(), 0700), 0);
  EXPECT_TRUE(read_cached_token(path));

  // A token file replaced by a link to another file is not followed.
  const std::string elsewhere = dir_ + "/elsewhere.json";
  fs::rename(path, elsewhere);
  fs::create_symlink(elsewhere, path);
  EXPECT_FALSE(read_cached_token(path));
}

TEST_F(TokenCache, EraseRemovesOnlyTheRejectedToken) {
  const std::string path = token_cache_path(account_);
  auto none = erase_cached_token(account_, "abc");
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(*none);
  ASSERT_TRUE(write_cached_token(path, token("newer", 2000000000)));
  // git rejected an older token; the newer one another process fetched meanwhile stays.
  auto kept = erase_cached_token(account_, "older");
  ASSERT_TRUE(kept) << kept.error();
  EXPECT_FALSE(*kept);
  EXPECT_TRUE(read_cached_token(path));
  auto removed = erase_cached_token(account_, "newer");
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(path_exists(path));
}

}  // namespace
}  // namespace bbsot
