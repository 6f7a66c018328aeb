#include "git/git_cli.hpp"

namespace bbsot {

Expected<ProcessResult> git_run(const std::vector<std::string>& args, const std::string& cwd, int timeout_ms) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts;
  if (!cwd.empty()) opts.cwd = cwd;
  opts.timeout_ms = timeout_ms;
  opts.max_output = 64u << 20;
  return run_process(argv, opts);
}

std::string git_out(const std::vector<std::string>& args, const std::string& cwd) {
  auto r = git_run(args, cwd);
  if (!r || r->exit_code != 0) return "";
  std::string s = r->out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace bbsot
