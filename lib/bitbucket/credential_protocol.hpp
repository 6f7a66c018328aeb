// git's credential helper protocol (gitcredentials(7), "Custom helpers"): attribute=value
// lines on stdin ended by a blank line or EOF. Input is bounded and strictly checked
// because anything can be piped into a helper; unknown attributes are ignored so newer
// gits keep working.
#pragma once
#include <cstdint>
#include <istream>
#include <string>

#include "base/error.hpp"

namespace bbsot {

struct CredentialRequest {
  std::string protocol;
  std::string host;  // may carry :port
  std::string path;  // only with credential.useHttpPath
  std::string username;
  std::string password;
};

struct CredentialAnswer {
  std::string username;
  std::string password;
  int64_t password_expiry_utc = 0;  // 0: not sent
};

constexpr size_t kMaxCredentialLine = 65536;
constexpr size_t kMaxCredentialAttributes = 256;

// Reads until a blank line or EOF. Fails on NUL bytes, over-long lines, too many
// attributes, or a line without '='. The message never quotes a value.
Expected<CredentialRequest> read_credential_request(std::istream& in);
Expected<CredentialRequest> parse_credential_request(const std::string& text);
std::string format_credential_answer(const CredentialAnswer& a);

}  // namespace bbsot
