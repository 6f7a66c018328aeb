// The user's accounts file and the committed .bbsot.yml: both may hold anything, and
// loading must end in a config or a ConfigError (a clear message), never in another
// exception (a crash with a yaml-cpp message) or a sanitizer report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "config/config.hpp"

using namespace bbsot;

namespace {

template <class F>
void expect_config_or_error(const char* what, F&& parse) {
  try {
    parse();
  } catch (const bbsot::Error&) {
    // The expected way to refuse input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_config: %s let a non-bbsot exception escape: %s\n", what, e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz_config: %s let an unknown exception escape\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 16)) return 0;  // real files are small; deep YAML only slows the search
  const std::string text(reinterpret_cast<const char*>(data), size);
  expect_config_or_error("parse_user_config", [&] {
    UserConfig c = parse_user_config(text, "config.yml");
    for (const auto& a : c.accounts)
      if (a.url.empty()) std::abort();  // every account has a URL once loaded
  });
  expect_config_or_error("parse_repo_config", [&] {
    RepoConfig c = parse_repo_config(text, ".bbsot.yml");
    if (c.integration.repository.empty()) std::abort();
    // A committed file never carries a secret, and what an earlier bbsot's file named
    // (a command, a variable) is only kept aside, with where it was, for init to move.
    if (!c.report.legacy_secret.value.empty()) std::abort();
    if (!c.report.legacy_secret.empty() && c.report.legacy_where.empty()) std::abort();
  });
  return 0;
}
