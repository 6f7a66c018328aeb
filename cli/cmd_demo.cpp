// git bbsot demo: the whole story in a sandbox, with no account and no network: a bare
// repository stands in for Bitbucket, another for the platform's mirror, and a local
// endpoint for the integration's hook_url, which checks each report's signature.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/uuid.hpp"
#include "cli/demo_receiver.hpp"
#include "cli/options.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

namespace {

class Sandbox {
 public:
  explicit Sandbox(bool keep) : keep_(keep) {
    const char* base = std::getenv("TMPDIR");
    // $TMPDIR first, /tmp when that fails; the directory is whichever mkdtemp made.
    std::vector<std::string> parents{base && *base ? base : "/tmp"};
    if (parents[0] != "/tmp") parents.emplace_back("/tmp");
    std::string failures;
    for (const auto& parent : parents) {
      std::string t = parent + "/bbsot-demo-XXXXXX";
      if (::mkdtemp(t.data()) != nullptr) {
        dir = t;
        return;
      }
      failures += (failures.empty() ? "" : "; ") + parent + ": " + std::strerror(errno);
    }
    throw Error("demo: cannot create a sandbox directory (" + failures + ")", kExitFailed,
                {"point TMPDIR at a writable directory"});
  }
  ~Sandbox() {
    if (keep_ || dir.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) print_warning("demo: could not remove the sandbox " + dir + ": " + ec.message());
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  std::string dir;

 private:
  bool keep_;
};

std::string self_exe() {
  std::string self = self_exe_path();
  return self.empty() ? "git-bbsot" : self;
}

// Runs a step the way a user would type it, showing the command and what it printed.
[[nodiscard]] int show(const std::vector<std::string>& argv, const std::string& cwd, const std::string& shown = "") {
  std::string cmd = shown;
  if (cmd.empty())
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::cout << "   $ " << cmd << "\n";
  ProcessOptions o;
  o.cwd = cwd;
  o.timeout_ms = 60000;
  auto r = run_process(argv, o);
  if (!r) throw Error("demo: " + r.error());
  for (const std::string* s : {&r->out, &r->err}) {
    size_t pos = 0;
    while (pos < s->size()) {
      size_t end = s->find('\n', pos);
      if (end == std::string::npos) end = s->size();
      std::cout << "   | " << s->substr(pos, end - pos) << "\n";
      pos = end + 1;
    }
  }
  std::cout << "   (exit " << r->exit_code << ")\n" << std::flush;
  return r->exit_code;
}

void must(int rc, const std::string& what) {
  if (rc != 0) throw Error("demo: " + what + " failed unexpectedly");
}

void must_fail(int rc, const std::string& what) {
  if (rc == 0) throw Error("demo: " + what + " succeeded; it should have been refused");
}

void must(const Status& s) {
  if (!s) throw Error("demo: " + s.error());
}

// A quiet step the demo needs to succeed (git init, commit, ...).
void step(const std::vector<std::string>& argv, const ProcessOptions& opts, const std::string& what) {
  auto r = run_process(argv, opts);
  if (!r) throw Error("demo: " + what + ": " + r.error());
  must(r->exit_code, what);
}

void describe_report(const ReceivedHook& h) {
  auto j = nlohmann::json::parse(h.body, nullptr, false);
  std::cout << "   The integration endpoint received " << h.headers.at("x-event-key") << " (request "
            << h.headers.at("x-request-uuid") << "), signature " << (h.signature_ok ? "verified" : "WRONG") << ":\n";
  if (j.is_discarded()) return;
  for (const auto& c : j["push"]["changes"]) {
    std::string name = c["new"].is_null() ? c["old"]["name"].get<std::string>() : c["new"]["name"].get<std::string>();
    std::cout << "     " << c["new"].value("type", "branch") << " " << name << ": "
              << (c["created"].get<bool>()  ? "created"
                  : c["closed"].get<bool>() ? "deleted"
                                            : "updated")
              << ", " << c["commits"].size() << " commit(s)" << (c["forced"].get<bool>() ? ", forced" : "") << "\n";
  }
}

void setup_env(const std::string& dir) {
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  ::setenv("GIT_CONFIG_GLOBAL", (dir + "/gitconfig").c_str(), 1);
  ::setenv("BBSOT_CONFIG", (dir + "/config.yml").c_str(), 1);
  ::setenv("XDG_CACHE_HOME", (dir + "/cache").c_str(), 1);
  ::setenv("GIT_TERMINAL_PROMPT", "0", 1);
  for (const char* v :
       {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "BBSOT_ALLOW_MIRROR_PUSH", "BBSOT_QUIET"})
    ::unsetenv(v);
  must(write_file_atomic(dir + "/gitconfig",
                         "[user]\n\tname = Demo Developer\n\temail = dev@example.com\n[init]\n\tdefaultBranch = main\n"
                         "[advice]\n\tdetachedHead = false\n",
                         0644));
}

}  // namespace

int cmd_demo(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("keep", "leave the sandbox in place to explore");
  auto p = parse_args("demo", "git bbsot demo [--keep]",
                      "A walk-through in a temporary directory, with no account and no network: a push\n"
                      "to the source reported to a local integration endpoint, a push to the mirror\n"
                      "refused, and status showing a mirror that diverged.",
                      opts, args, 0);
  if (p.help) return kExitOk;
  const bool keep = p.vm.count("keep") > 0;
  Sandbox sb(keep);
  const std::string& d = sb.dir;
  setup_env(d);
  auto random = new_uuid();
  if (!random) throw Error("demo: " + random.error());
  const std::string secret = *random;
  must(write_file_atomic(d + "/report-secret", secret + "\n", 0600));
  DemoReceiver receiver(secret);
  const std::string hook_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/bitbucket";
  std::cout << "bbsot demo: a sandbox in " << d << " (no account, no network)\n"
            << "   bitbucket/acme/shop.git       stands in for Bitbucket, the source of truth\n"
            << "   platform/abc123demo.git       stands in for the platform's git mirror\n"
            << "   " << hook_url << "  stands in for the integration's hook_url\n\n";
  ProcessOptions quiet;
  quiet.cwd = d;
  for (const auto& bare : {"bitbucket/acme/shop.git", "platform/abc123demo.git"})
    step({"git", "init", "-q", "--bare", d + "/" + bare}, quiet, "git init");
  step({"git", "clone", "-q", d + "/bitbucket/acme/shop.git", d + "/work"}, quiet, "git clone");
  const std::string work = d + "/work";
  quiet.cwd = work;
  must(write_file_atomic(work + "/README.md", "# shop\n", 0644));
  step({"git", "add", "."}, quiet, "git add");
  step({"git", "commit", "-q", "-m", "Start the shop"}, quiet, "git commit");

  std::cout << "0. Set the clone up, as a developer would (the stand-ins are local paths, so the source\n"
               "   and the repository are named; with real Bitbucket and platform URLs init detects them).\n"
               "   The report secret stays in your own config file, never in the committed .bbsot.yml.\n";
  must(show({self_exe(), "init", "--repository", "acme/shop", "--source-remote", "origin", "--mirror-remote",
             "platform=" + d + "/platform/abc123demo.git", "--project", "abc123demo", "--hook-url", hook_url,
             "--report-secret-command", "cat " + d + "/report-secret"},
            work,
            "git bbsot init --repository acme/shop --source-remote origin --mirror-remote platform=<URL> "
            "--project abc123demo --hook-url " + hook_url + " --report-secret-command 'cat <secret file>'"),
       "git bbsot init");
  step({"git", "add", ".bbsot.yml"}, quiet, "git add");
  step({"git", "commit", "-q", "-m", "Set up bbsot"}, quiet, "git commit");

  std::cout << "1. Push to Bitbucket: bbsot says what the integration will do and reports the push.\n";
  must(show({"git", "push", "origin", "main"}, work), "the push to the source");
  if (receiver.wait_for(1, 15000))
    describe_report(receiver.received()[0]);
  else
    std::cout << "   (no report arrived in 15 s; see: git bbsot report list)\n";

  std::cout << "\n2. Push straight to the platform's mirror: refused, with the command to use instead.\n";
  must(write_file_atomic(work + "/hotfix.txt", "fixed on the platform\n", 0644));
  step({"git", "add", "."}, quiet, "git add");
  step({"git", "commit", "-q", "-m", "Hotfix made for the platform only"}, quiet, "git commit");
  must_fail(show({"git", "push", "platform", "main"}, work), "the push to the mirror");

  std::cout << "\n3. Someone forces it through; then Bitbucket moves on. status shows what the next sync overwrites.\n";
  must(show({"env", "BBSOT_ALLOW_MIRROR_PUSH=1", "git", "push", "-q", "platform", "main"}, work,
       "BBSOT_ALLOW_MIRROR_PUSH=1 git push -q platform main"), "the forced push to the mirror");
  step({"git", "reset", "-q", "--hard", "origin/main"}, quiet, "git reset");
  must(write_file_atomic(work + "/feature.txt", "feature\n", 0644));
  step({"git", "add", "."}, quiet, "git add");
  step({"git", "commit", "-q", "-m", "Add the feature on Bitbucket"}, quiet, "git commit");
  must(show({"git", "push", "-q", "origin", "main"}, work), "the second push");
  receiver.wait_for(2, 15000);
  must(show({self_exe(), "status"}, work, "git bbsot status"), "git bbsot status");
  must(show({self_exe(), "report", "list"}, work, "git bbsot report list"), "git bbsot report list");
  const auto got = receiver.received();
  std::cout << "\nThe endpoint received " << got.size() << " report(s), every signature "
            << (std::all_of(got.begin(), got.end(), [](const ReceivedHook& h) { return h.signature_ok; })
                    ? "verified"
                    : "NOT verified")
            << ".\n";
  if (keep)
    std::cout << "The sandbox stays in " << d << " (cd " << work << "; git bbsot status --no-fetch)\n";
  else
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let detached deliverers finish
  return kExitOk;
}

}  // namespace bbsot
