#include "git/git_cli.hpp"

namespace bbsot {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string shown(const std::vector<std::string>& args) {
  std::string s = "git";
  for (const auto& a : args) s += " " + a;
  return s;
}

// "git config --get x failed (exit 128): fatal: bad config line 3 in file .git/config"
std::string failure_of(const std::vector<std::string>& args, const ProcessResult& r) {
  std::string first = r.err.substr(0, r.err.find('\n'));
  return shown(args) + " failed (exit " + std::to_string(r.exit_code) + ")" + (first.empty() ? "" : ": " + first);
}

}  // namespace

Expected<ProcessResult> git_run(const std::vector<std::string>& args, const std::string& cwd, int timeout_ms) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts;
  if (!cwd.empty()) opts.cwd = cwd;
  opts.timeout_ms = timeout_ms;
  opts.max_output = 64u << 20;
  return run_process(argv, opts);
}

Expected<std::string> git_output(const std::vector<std::string>& args, const std::string& cwd) {
  using R = Expected<std::string>;
  auto r = git_run(args, cwd);
  if (!r) return R::failure(shown(args) + ": " + r.error());
  if (r->exit_code != 0) return R::failure(failure_of(args, *r));
  return trimmed(r->out);
}

Expected<std::optional<std::string>> git_lookup(const std::vector<std::string>& args, const std::string& cwd) {
  using R = Expected<std::optional<std::string>>;
  auto r = git_run(args, cwd);
  if (!r) return R::failure(shown(args) + ": " + r.error());
  if (r->exit_code == 1) return std::optional<std::string>();
  if (r->exit_code != 0) return R::failure(failure_of(args, *r));
  return std::optional<std::string>(trimmed(r->out));
}

Expected<std::optional<std::string>> git_config_get(const std::string& key, const std::string& cwd) {
  return git_lookup({"config", "--get", key}, cwd);
}

Expected<bool> git_ref_exists(const std::string& ref, const std::string& cwd) {
  auto r = git_lookup({"rev-parse", "--verify", "--quiet", ref}, cwd);
  if (!r) return Expected<bool>::failure(r.error());
  return r->has_value();
}

std::string git_out(const std::vector<std::string>& args, const std::string& cwd) {
  auto r = git_run(args, cwd);
  if (!r || r->exit_code != 0) return "";
  return trimmed(r->out);
}

}  // namespace bbsot
