// The end-to-end fixture most suites start from: a work tree whose `origin` (standing in
// for Bitbucket) and `platform` (the platform's mirror) are bare repositories on disk,
// `main` pushed to origin before bbsot is set up, and the receiver double standing in for
// the integration's hook_url. Suites add what they are about; this holds the git and
// outbox plumbing once (issue 14: it was copied into three suites).
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sandbox.hpp"

namespace bbsot::test {

// Polls `cond` every 50 ms until it holds or timeout_ms passes; returns its last value.
bool eventually(const std::function<bool()>& cond, int timeout_ms = 15000);
bool contains(const std::string& hay, const std::string& needle);
std::string trim(std::string s);
std::vector<std::string> split_lines(const std::string& text);
std::string describe(const RunResult& r);
void sleep_ms(int ms);

// One request as the receiver logged it.
struct Delivery {
  std::string path;
  nlohmann::json headers;
  std::string raw;
  nlohmann::json body;
  std::string header(const std::string& name) const;
};

class RepoFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  RunResult git(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {});
  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {});
  // An empty commit with its own, increasing dates.
  std::string commit(const std::string& message, const std::string& dir = "", const Env& extra = {});
  std::string rev(const std::string& what, const std::string& dir = "");
  RunResult push(const std::vector<std::string>& args, const Env& extra = {}, const std::string& dir = "");
  std::string ls_remote(const std::string& remote, const std::string& ref = "");
  // `git bbsot ARGS` as a user types it.
  RunResult bbsot(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {},
                  int timeout_ms = 60000);

  // The team's .bbsot.yml (Cloud acme/shop, remotes origin/platform, hook_url the
  // receiver); `extra_integration` is added under integration:, `tail` at the end.
  std::string team_config(const std::string& extra_integration = "", const std::string& tail = "") const;
  void write_team_config(const std::string& extra_integration = "", const std::string& tail = "",
                         const std::string& dir = "");
  // `git bbsot init --yes ARGS` in `dir`; throws with the output when it fails.
  void init_clone(const std::vector<std::string>& args = {}, const std::string& dir = "");
  // Commits .bbsot.yml as it is in the work tree on the current branch.
  void commit_team_config(const std::string& message);
  // The team's .bbsot.yml with its hook_url (the receiver's) moved to `url`, or dropped
  // when `url` is empty, committed (not pushed).
  void commit_team_hook_url(const std::string& url);

  std::vector<Delivery> deliveries() const;
  int deliverers_running() const;
  bool wait_idle(int timeout_ms = 15000) const;
  // At least n deliveries, then the deliverers gone and a little more (a duplicate shows).
  std::vector<Delivery> wait_deliveries(size_t n, int timeout_ms = 15000);
  std::string outbox_dir() const { return work_ + "/.git/bbsot/outbox"; }
  std::vector<nlohmann::json> records() const;  // every record file, parsed
  nlohmann::json report_list();                 // `git bbsot report list --json`

  TempDir tmp_;
  std::string home_, work_, origin_, platform_, user_config_;
  Env env_;
  std::unique_ptr<Receiver> receiver_;
  int clock_ = 0;
};

}  // namespace bbsot::test
