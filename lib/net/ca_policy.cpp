#include "net/ca_policy.hpp"

#include "base/files.hpp"
#include "base/process.hpp"

namespace bbsot {

std::string ca_file_for(const UserConfig& cfg, const std::string& url) {
  if (!cfg.ca_file.empty()) return cfg.ca_file;
  if (auto env = getenv_str("GIT_SSL_CAINFO")) return *env;
  ProcessOptions opts;
  opts.timeout_ms = 5000;
  auto r = run_process({"git", "config", "--get-urlmatch", "http.sslCAInfo", url}, opts);
  if (!r || r->exit_code != 0) return "";
  std::string v = r->out;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace bbsot
