#include "repo_fixture.hpp"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bbsot::test {

namespace fs = std::filesystem;
using nlohmann::json;

bool eventually(const std::function<bool()>& cond, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

std::string Delivery::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->get<std::string>();
}

void RepoFixture::SetUp() {
  home_ = tmp_.path() + "/home";
  work_ = tmp_.path() + "/work";
  origin_ = tmp_.path() + "/origin.git";
  platform_ = tmp_.path() + "/platform.git";
  user_config_ = home_ + "/.config/bbsot/config.yml";
  env_ = e2e_env(home_, stage_dir() + "/bin");
  git_ok({"init", "-q", "--bare", origin_}, tmp_.path());
  git_ok({"init", "-q", "--bare", platform_}, tmp_.path());
  git_ok({"init", "-q", work_}, tmp_.path());
  git_ok({"remote", "add", "origin", origin_});
  git_ok({"remote", "add", "platform", platform_});
  commit("initial");
  git_ok({"push", "-q", "origin", "main"});
  receiver_ = std::make_unique<Receiver>(tmp_.path() + "/receiver");
}

RunResult RepoFixture::git(const std::vector<std::string>& args, const std::string& cwd, const Env& extra) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = env_;
  for (const auto& [k, v] : extra) env[k] = v;
  return run(argv, env, cwd.empty() ? work_ : cwd, "", 120000);
}

std::string RepoFixture::git_ok(const std::vector<std::string>& args, const std::string& cwd, const Env& extra) {
  auto r = git(args, cwd, extra);
  if (r.exit_code != 0) {
    std::string cmd = "git";
    for (const auto& a : args) cmd += " " + a;
    throw std::runtime_error(cmd + " failed: " + describe(r));
  }
  return trim(r.out);
}

std::string RepoFixture::commit(const std::string& message, const std::string& dir, const Env& extra) {
  ++clock_;
  const std::string date = "@" + std::to_string(1700000000 + clock_ * 60) + " +0000";
  Env env{{"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_DATE", date}};
  for (const auto& [k, v] : extra) env[k] = v;
  git_ok({"commit", "-q", "--allow-empty", "-m", message}, dir, env);
  return git_ok({"rev-parse", "HEAD"}, dir);
}

std::string RepoFixture::rev(const std::string& what, const std::string& dir) { return git_ok({"rev-parse", what}, dir); }

RunResult RepoFixture::push(const std::vector<std::string>& args, const Env& extra, const std::string& dir) {
  std::vector<std::string> a{"push"};
  a.insert(a.end(), args.begin(), args.end());
  return git(a, dir, extra);
}

std::string RepoFixture::ls_remote(const std::string& remote, const std::string& ref) {
  std::vector<std::string> a{"ls-remote", remote};
  if (!ref.empty()) a.push_back(ref);
  return git_ok(a);
}

RunResult RepoFixture::bbsot(const std::vector<std::string>& args, const std::string& cwd, const Env& extra,
                             int timeout_ms) {
  std::vector<std::string> argv{"git", "bbsot"};
  argv.insert(argv.end(), args.begin(), args.end());
  Env env = env_;
  for (const auto& [k, v] : extra) env[k] = v;
  return run(argv, env, cwd.empty() ? work_ : cwd, "", timeout_ms);
}

std::string RepoFixture::team_config(const std::string& extra_integration, const std::string& tail) const {
  return "integration:\n  type: bitbucket\n  repository: acme/shop\n  project: abcdefgh1234\n  default_branch: main\n"
         "  hook_url: " +
         receiver_->url() + "\n" + extra_integration + "remotes:\n  source: origin\n  mirror: platform\n" + tail;
}

void RepoFixture::write_team_config(const std::string& extra_integration, const std::string& tail,
                                    const std::string& dir) {
  write_file((dir.empty() ? work_ : dir) + "/.bbsot.yml", team_config(extra_integration, tail));
}

void RepoFixture::init_clone(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> a{"init", "--yes"};
  a.insert(a.end(), args.begin(), args.end());
  auto r = bbsot(a, dir);
  if (r.exit_code != 0) throw std::runtime_error("git bbsot init failed: " + describe(r));
}

void RepoFixture::commit_team_hook_url(const std::string& url) {
  std::string text = read_file(work_ + "/.bbsot.yml");
  const std::string line = "  hook_url: " + receiver_->url() + "\n";
  const size_t at = text.find(line);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, line.size(), url.empty() ? std::string() : "  hook_url: " + url + "\n");
  write_file(work_ + "/.bbsot.yml", text);
  commit_team_config(url.empty() ? "Drop the hook URL" : "Move the hook");
}

void RepoFixture::commit_team_config(const std::string& message) {
  git_ok({"add", ".bbsot.yml"});
  ++clock_;
  const std::string date = "@" + std::to_string(1700000000 + clock_ * 60) + " +0000";
  git_ok({"commit", "-q", "-m", message}, "", {{"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_DATE", date}});
}

std::vector<Delivery> RepoFixture::deliveries() const {
  std::vector<Delivery> out;
  for (const auto& line : receiver_->requests()) {
    json j = json::parse(line);
    Delivery d;
    d.path = j.value("path", "");
    d.headers = j.at("headers");
    d.raw = j.at("body").get<std::string>();
    d.body = json::parse(d.raw, nullptr, false);
    out.push_back(std::move(d));
  }
  return out;
}

int RepoFixture::deliverers_running() const { return bbsot::test::deliverers_running(tmp_.path()); }

bool RepoFixture::wait_idle(int timeout_ms) const {
  return eventually([&] { return deliverers_running() == 0; }, timeout_ms);
}

std::vector<Delivery> RepoFixture::wait_deliveries(size_t n, int timeout_ms) {
  eventually([&] { return receiver_->requests().size() >= n; }, timeout_ms);
  EXPECT_TRUE(wait_idle()) << "bbsot-deliver still running";
  sleep_ms(300);
  return deliveries();
}

std::vector<json> RepoFixture::records() const {
  std::vector<json> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(outbox_dir(), ec)) {
    if (e.path().extension() != ".json") continue;
    std::string text;
    try {
      text = read_file(e.path().string());
    } catch (const std::exception&) {
      continue;  // removed meanwhile
    }
    json j = json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << e.path() << " is not JSON";
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

json RepoFixture::report_list() {
  auto r = bbsot({"report", "list", "--json"});
  if (r.exit_code != 0) throw std::runtime_error("git bbsot report list failed: " + describe(r));
  return json::parse(r.out);
}

}  // namespace bbsot::test
