#include "config/secret.hpp"

#include "base/files.hpp"
#include "base/process.hpp"

namespace bbsot {

Expected<std::string> resolve_secret(const SecretRef& ref, const std::string& what) {
  using R = Expected<std::string>;
  if (!ref.value.empty()) return ref.value;
  if (!ref.env.empty()) {
    auto v = getenv_str(ref.env.c_str());
    if (!v) return R::failure("the " + what + " is to come from $" + ref.env + ", which is not set");
    return *v;
  }
  if (!ref.command.empty()) {
    ProcessOptions opts;
    opts.timeout_ms = 30000;
    opts.capture_stderr = false;  // a password manager may need to talk to the user
    auto r = run_shell(ref.command, opts);
    if (!r) return R::failure("the command for the " + what + " could not run: " + r.error());
    if (r->exit_code != 0)
      return R::failure("the command for the " + what + " failed (exit " + std::to_string(r->exit_code) + ")");
    std::string out = r->out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (out.empty()) return R::failure("the command for the " + what + " printed nothing");
    return out;
  }
  return R::failure("no " + what + " is configured");
}

}  // namespace bbsot
