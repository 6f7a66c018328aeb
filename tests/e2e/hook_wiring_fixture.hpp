// The clone the hook-wiring tests (test_hook_managers.cpp, test_hook_wiring.cpp) start
// from, and the story each of them checks once `git bbsot init` has wired the hooks.
//
// A work tree whose `origin` (a bare repository standing in for Bitbucket) has main, a
// `platform` remote standing in for the platform's mirror, a committed .bbsot.yml whose
// hook_url is the receiver double. What bbsot recorded is read through `git bbsot report
// list --json` and the receiver (never the outbox files); a ref counts as recorded when
// either shows it.
#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "sandbox.hpp"

namespace bbsot::test {

namespace hookfix {

namespace fs = std::filesystem;

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

inline std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

inline bool is_symlink(const std::string& path) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(path, ec));
}

inline bool lexists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

inline std::string link_target(const std::string& path) {
  std::error_code ec;
  auto t = fs::read_symlink(path, ec);
  return ec ? "" : t.string();
}

inline bool eventually(const std::function<bool()>& cond, int timeout_ms = 20000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

inline std::string hook_program(const std::string& name) { return stage_dir() + "/libexec/bbsot/hooks/" + name; }

// Every file under `root` (recursively, symlinks not followed): its link target, or its
// mode and content. Directories in `skip` (relative names) are left out.
inline std::map<std::string, std::string> snapshot_tree(const std::string& root,
                                                        const std::set<std::string>& skip = {}) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) return out;
  if (!fs::is_directory(fs::symlink_status(root, ec))) {
    out[""] = is_symlink(root) ? "link -> " + link_target(root) : read_file(root);
    return out;
  }
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = fs::relative(it->path(), root).string();
    if (skip.count(rel)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    const std::string p = it->path().string();
    struct stat st;
    ::lstat(p.c_str(), &st);
    if (S_ISLNK(st.st_mode))
      out[rel] = "link -> " + link_target(p);
    else if (S_ISREG(st.st_mode))
      out[rel] = "file " + std::to_string(st.st_mode & 07777) + "\n" + read_file(p);
    else if (S_ISDIR(st.st_mode))
      out[rel] = "dir";
  }
  return out;
}

inline std::string diff_snapshots(const std::map<std::string, std::string>& a,
                                  const std::map<std::string, std::string>& b) {
  std::string out;
  for (const auto& [k, v] : a)
    if (!b.count(k))
      out += "  removed: " + k + "\n";
    else if (b.at(k) != v)
      out += "  changed: " + k + "\n    before: " + v + "\n    after:  " + b.at(k) + "\n";
  for (const auto& [k, v] : b)
    if (!a.count(k)) out += "  added: " + k + " (" + v.substr(0, 200) + ")\n";
  return out;
}

// The team's own hook, as a shell snippet: logs "team <hook> <first arg> lines=<stdin
// lines>" to .git/team-hook.log (at the top of the work tree, where git runs hooks) and
// fails when TEAM_FAIL is set.
inline std::string team_snippet(const std::string& hook, bool read_stdin = true, const std::string& arg = "$1") {
  return std::string("n=") + (read_stdin ? "$(wc -l | tr -d ' ')" : "-") + "\necho \"team " + hook + " " + arg +
         " lines=$n\" >> \"$(git rev-parse --git-common-dir)/team-hook.log\"\n[ -z \"$TEAM_FAIL\" ]\n";
}

}  // namespace hookfix

class HookWiringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_.path() + "/home";
    work_ = tmp_.path() + "/work";
    origin_ = tmp_.path() + "/origin.git";
    platform_ = tmp_.path() + "/platform.git";
    env_ = e2e_env(home_, stage_dir() + "/bin:" + node_tools_dir() + "/node_modules/.bin");
    env_["BBSOT_CONFIG"] = tmp_.path() + "/user/config.yml";
    env_["XDG_CACHE_HOME"] = home_ + "/.cache";
    env_["PRE_COMMIT_HOME"] = tmp_.path() + "/pre-commit-cache";
    env_["NO_COLOR"] = "1";
    // The hook managers' own switches, which a developer's shell may have set.
    for (const char* v :
         {"LEFTHOOK", "LEFTHOOK_BIN", "LEFTHOOK_VERBOSE", "LEFTHOOK_CONFIG", "HUSKY", "SKIP",
          "PRE_COMMIT_ALLOW_NO_CONFIG", "PRE_COMMIT_REMOTE_NAME", "CI", "BBSOT_PRE_PUSH_DONE", "TEAM_FAIL"})
      env_[v] = "";
    receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
    git_ok({"init", "-q", "--bare", origin_}, tmp_.path());
    git_ok({"init", "-q", "--bare", platform_}, tmp_.path());
    git_ok({"init", "-q", work_}, tmp_.path());
    git_ok({"remote", "add", "origin", origin_});
    git_ok({"remote", "add", "platform", platform_});
    write_file(work_ + "/.bbsot.yml",
               "integration:\n  type: bitbucket\n  repository: acme/shop\n  project: abc123\n"
               "  default_branch: main\n  hook_url: " +
                   receiver_->url() + "\nremotes:\n  source: origin\n  mirror: platform\n");
    write_file(work_ + "/README.md", "# shop\n");
    git_ok({"add", "."});
    git_ok({"commit", "-q", "-m", "Start the shop"});
    first_commit_ = git_ok({"rev-parse", "HEAD"});
    // Bitbucket has main, and main tracks it, before any hook is installed.
    git_ok({"push", "-q", "-u", "origin", "main"});
  }

  static std::string node_tools_dir() {
    if (const char* e = std::getenv("BBSOT_NODE_TOOLS"); e && *e) return e;
    return (hookfix::fs::path(stage_dir()).parent_path() / "node_tools").string();
  }

  // ---------------------------------------------------------------- running things

  RunResult cmd(const std::vector<std::string>& argv, const Env& extra = {}, const std::string& cwd = "") {
    Env env = env_;
    for (const auto& [k, v] : extra) env[k] = v;
    return run(argv, env, cwd.empty() ? work_ : cwd, "", 90000);
  }

  RunResult git(const std::vector<std::string>& args, const Env& extra = {}, const std::string& cwd = "") {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cmd(argv, extra, cwd);
  }

  std::string git_ok(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    auto r = git(args, extra, cwd);
    if (r.exit_code != 0) {
      std::string c = "git";
      for (const auto& a : args) c += " " + a;
      throw std::runtime_error(c + " failed: " + hookfix::describe(r));
    }
    return hookfix::trim(r.out);
  }

  RunResult bbsot(const std::vector<std::string>& args, const std::string& cwd = "", const Env& extra = {}) {
    std::vector<std::string> argv{"git", "bbsot"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cmd(argv, extra, cwd);
  }

  // `git bbsot init`, which must succeed.
  RunResult init_ok(const std::string& cwd = "") {
    auto r = bbsot({"init", "--yes"}, cwd);
    if (r.exit_code != 0) throw std::runtime_error("git bbsot init failed: " + hookfix::describe(r));
    return r;
  }

  void commit_file(const std::string& file, const std::string& content, const std::string& message,
                   const std::string& cwd = "") {
    const std::string dir = cwd.empty() ? work_ : cwd;
    write_file(dir + "/" + file, content);
    git_ok({"add", file}, dir);
    git_ok({"commit", "-q", "-m", message}, dir);
  }

  // ---------------------------------------------------------------- what bbsot saw

  // Refs the outbox lists (`report list --json`) or the receiver got, as report list names
  // them: "feature", "v1", "gone(deleted)".
  std::set<std::string> recorded_refs(const std::string& cwd = "") {
    std::set<std::string> out;
    auto r = bbsot({"report", "list", "--json"}, cwd);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_array())
      for (const auto& rec : j) {
        std::stringstream ss(rec.value("refs", ""));
        for (std::string ref; std::getline(ss, ref, ',');) out.insert(ref);
      }
    for (const auto& line : receiver_->requests()) {
      auto req = nlohmann::json::parse(line, nullptr, false);
      if (!req.is_object()) continue;
      auto body = nlohmann::json::parse(req.value("body", ""), nullptr, false);
      if (!body.is_object() || !body.contains("push")) continue;
      for (const auto& c : body["push"]["changes"]) {
        if (c.contains("new") && c["new"].is_object()) out.insert(c["new"].value("name", ""));
        if (c.value("closed", false) && c.contains("old") && c["old"].is_object())
          out.insert(c["old"].value("name", "") + "(deleted)");
      }
    }
    return out;
  }

  // How many push records name `ref` (an outbox record or a receiver request, whichever
  // holds more): a push must be recorded once.
  size_t records_naming(const std::string& ref) {
    size_t listed = 0, received = 0;
    auto r = bbsot({"report", "list", "--json"});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_array())
      for (const auto& rec : j) {
        std::stringstream ss(rec.value("refs", ""));
        for (std::string x; std::getline(ss, x, ',');) listed += x == ref;
      }
    for (const auto& line : receiver_->requests()) {
      auto req = nlohmann::json::parse(line, nullptr, false);
      auto body = req.is_object() ? nlohmann::json::parse(req.value("body", ""), nullptr, false) : nlohmann::json();
      if (!body.is_object() || !body.contains("push")) continue;
      for (const auto& c : body["push"]["changes"])
        if (c.contains("new") && c["new"].is_object()) received += c["new"].value("name", "") == ref;
    }
    return std::max(listed, received);
  }

  ::testing::AssertionResult recorded(const std::vector<std::string>& refs, const std::string& cwd = "") {
    std::set<std::string> got;
    const bool all = hookfix::eventually([&] {
      got = recorded_refs(cwd);
      for (const auto& r : refs)
        if (!got.count(r)) return false;
      return true;
    });
    if (all) return ::testing::AssertionSuccess();
    std::string seen;
    for (const auto& g : got) seen += " " + g;
    std::string want;
    for (const auto& r : refs) want += " " + r;
    return ::testing::AssertionFailure() << "not recorded:" << want << "; recorded:" << seen;
  }

  // doctor's check `name` as {level, detail, fix}; level "(missing)" when absent.
  struct DoctorCheck {
    std::string level = "(missing)", detail, fix;
  };
  DoctorCheck doctor_check(const std::string& name = "hook pre-push", const std::string& cwd = "") {
    DoctorCheck c;
    auto r = bbsot({"doctor", "--json"}, cwd);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (!j.is_array()) {
      c.detail = hookfix::describe(r);
      return c;
    }
    for (const auto& e : j)
      if (e.value("check", "") == name) {
        c.level = e.value("level", "");
        c.detail = e.value("detail", "");
        c.fix = e.value("fix", "");
      }
    return c;
  }

  // doctor fails the hook check and names `git bbsot init` as the fix, which then works.
  void expect_doctor_fails_and_init_fixes(const std::string& what, const std::string& check = "hook pre-push") {
    auto c = doctor_check(check);
    EXPECT_EQ(c.level, "fail") << what << ": doctor did not fail " << check << ": " << c.detail;
    EXPECT_TRUE(hookfix::contains(c.fix, "git bbsot init")) << what << ": fix is '" << c.fix << "'";
    auto r = init_ok();
    auto after = doctor_check(check);
    EXPECT_TRUE(after.level == "ok" || after.level == "(missing)")
        << what << ": after the fix, " << check << " is " << after.level << ": " << after.detail << "\n"
        << hookfix::describe(r);
  }

  std::vector<std::string> team_runs() const { return read_lines(work_ + "/.git/team-hook.log"); }

  // ---------------------------------------------------------------- the story

  // What must hold once bbsot is wired, from the worktree `cwd`: a two-branch push to
  // Bitbucket records both refs (and runs the team's pre-push, which sees the whole push
  // on stdin when `team_stdin`); a delete-only push to the mirror is refused; a delete-only
  // push to Bitbucket and a tag push are recorded; the team's hook can still block a push;
  // a branch made before any of this (no hook manager files on it) still cannot be pushed
  // to the mirror.
  void expect_guarded(const std::string& label, const std::string& cwd = "", bool team_hook = true,
                      bool team_stdin = true) {
    SCOPED_TRACE(label);
    const std::string dir = cwd.empty() ? work_ : cwd;
    const std::string n = std::to_string(++story_);
    const std::string a = "feature-a" + n, b = "feature-b" + n, tag = "v" + n;
    const std::string start = git_ok({"rev-parse", "--abbrev-ref", "HEAD"}, dir);
    const size_t team_before = team_runs().size();

    git_ok({"checkout", "-q", "-b", a}, dir);
    commit_file(a + ".txt", a + "\n", "Work on " + a, dir);
    git_ok({"checkout", "-q", "-b", b}, dir);
    commit_file(b + ".txt", b + "\n", "Work on " + b, dir);
    auto two = git({"push", "origin", a, b}, {}, dir);
    ASSERT_EQ(two.exit_code, 0) << hookfix::describe(two);
    EXPECT_TRUE(recorded({a, b}, dir)) << hookfix::describe(two);
    EXPECT_EQ(records_naming(a), 1u) << "the push of " << a << " was recorded more or less than once";
    if (team_hook) {
      auto runs = team_runs();
      EXPECT_GT(runs.size(), team_before) << "the team's own pre-push did not run\n" << hookfix::describe(two);
      if (team_stdin && runs.size() > team_before) {
        EXPECT_TRUE(hookfix::contains(runs.back(), "lines=2"))
            << "the team's hook did not get the push: " << runs.back();
      }
    }

    // The mirror gets `a` only with the override; deleting it there is refused.
    auto forced = git({"push", "-q", "platform", a}, {{"BBSOT_ALLOW_MIRROR_PUSH", "1"}}, dir);
    ASSERT_EQ(forced.exit_code, 0) << hookfix::describe(forced);
    auto del_mirror = git({"push", "platform", "--delete", a}, {}, dir);
    EXPECT_NE(del_mirror.exit_code, 0) << "a delete-only push to the mirror went through\n"
                                       << hookfix::describe(del_mirror);
    EXPECT_TRUE(hookfix::contains(del_mirror.err, "refusing to push to 'platform'")) << hookfix::describe(del_mirror);
    EXPECT_NE(git_ok({"for-each-ref", "refs/heads/" + a}, platform_), "") << "the mirror lost " << a;

    auto del = git({"push", "origin", "--delete", b}, {}, dir);
    EXPECT_EQ(del.exit_code, 0) << hookfix::describe(del);
    EXPECT_TRUE(recorded({b + "(deleted)"}, dir)) << hookfix::describe(del);

    git_ok({"tag", tag}, dir);
    auto t = git({"push", "origin", tag}, {}, dir);
    EXPECT_EQ(t.exit_code, 0) << hookfix::describe(t);
    EXPECT_TRUE(recorded({tag}, dir)) << hookfix::describe(t);

    if (team_hook) {
      git_ok({"checkout", "-q", a}, dir);
      commit_file(a + "-2.txt", "more\n", "More on " + a, dir);
      const std::string remote_a = git_ok({"rev-parse", "refs/heads/" + a}, origin_);
      auto blocked = git({"push", "origin", a}, {{"TEAM_FAIL", "1"}}, dir);
      EXPECT_NE(blocked.exit_code, 0) << "the team's hook could not block the push\n" << hookfix::describe(blocked);
      EXPECT_EQ(git_ok({"rev-parse", "refs/heads/" + a}, origin_), remote_a) << "Bitbucket got the blocked push";
    }

    // A branch from before the hook manager's files were committed.
    git_ok({"checkout", "-q", "-b", "old" + n, first_commit_}, dir);
    commit_file("old" + n + ".txt", "old\n", "Old work", dir);
    auto old_mirror = git({"push", "platform", "HEAD:refs/heads/old" + n}, {}, dir);
    EXPECT_NE(old_mirror.exit_code, 0) << "a mirror push from an old branch went through\n"
                                       << hookfix::describe(old_mirror);
    EXPECT_EQ(git_ok({"for-each-ref", "refs/heads/old" + n}, platform_), "");
    git_ok({"checkout", "-q", start}, dir);
  }

  // A linked worktree of the clone, on a new branch; returns its path.
  std::string add_worktree(const std::string& name) {
    const std::string wt = tmp_.path() + "/" + name;
    git_ok({"worktree", "add", "-q", "-b", name + "-branch", wt});
    return wt;
  }

  TempDir tmp_;
  std::string home_, work_, origin_, platform_, first_commit_;
  Env env_;
  std::unique_ptr<Receiver> receiver_;
  int story_ = 0;
};

}  // namespace bbsot::test
