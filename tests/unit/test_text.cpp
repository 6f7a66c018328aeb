#include <gtest/gtest.h>

#include "base/text.hpp"

using namespace bbsot;

TEST(Text, NearestWord) {
  EXPECT_EQ(nearest_word("tokne_env", {"token_env", "token"}), "token_env");
  EXPECT_EQ(nearest_word("zzzzzz", {"url", "key"}), std::nullopt);
  EXPECT_EQ(nearest_word("kye", {"url", "key"}), "key");  // swapped letters: one typo
  EXPECT_EQ(nearest_word("secret_comand", {"secret_command", "secret"}), "secret_command");  // a dropped letter
  EXPECT_EQ(nearest_word("hookurl", {"hook_url", "url"}), "hook_url");
  EXPECT_EQ(nearest_word("", {"url"}), std::nullopt);
  // A long key is far from every short one; it must be refused without a suggestion.
  EXPECT_EQ(nearest_word(std::string(10000, 'k') + "ey", {"key", "url"}), std::nullopt);
  EXPECT_EQ(nearest_word("token_urll", {"token_url", "api_url", "url"}), "token_url");
}

TEST(Text, NearestWordForSubcommands) {
  const std::vector<std::string> commands{"init", "status", "doctor", "sync", "report", "help"};
  EXPECT_EQ(nearest_word("stauts", commands), "status");
  EXPECT_EQ(nearest_word("docter", commands), "doctor");
  EXPECT_EQ(nearest_word("frobnicate", commands), std::nullopt);
}
