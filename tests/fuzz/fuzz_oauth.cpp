// Bitbucket's OAuth token endpoint answers, success and failure: whatever comes back, a
// token handed to git is one non-empty line, and an error is one printable line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/oauth.hpp"

using namespace bbsot;

namespace {

bool one_printable_line(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

void check(long status, const std::string& body) {
  const int64_t now = 1700000000;
  auto t = parse_token_response(status, body, now);
  if (!t.ok()) {
    if (t.error().empty() || !one_printable_line(t.error())) std::abort();
    return;
  }
  if (status != 200) std::abort();
  if (t->access_token.empty() || t->access_token.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
    std::abort();
  if (t->expires_at <= now || t->obtained_at != now) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  check(200, body);
  check(401, body);
  return 0;
}
