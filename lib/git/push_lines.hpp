// The pre-push hook's stdin (githooks(5)): "<local ref> SP <local object name> SP <remote
// ref> SP <remote object name> LF", one line per ref git is about to update.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace bbsot {

// Views into the hook's stdin text, which outlives them: a push of 100,000 refs is parsed
// without an allocation per field.
struct PushLine {
  std::string_view local_ref, local_id, remote_ref, remote_id;
};

// Malformed lines are skipped and described in `warnings` (never fatal: a push is not
// blocked by bbsot's failure to understand it).
[[nodiscard]] std::vector<PushLine> parse_push_lines(const std::string& text, std::vector<std::string>* warnings);
[[nodiscard]] bool is_null_id(std::string_view id);
[[nodiscard]] bool is_hex_id(std::string_view s);  // 40 or 64 lower-case hex digits

}  // namespace bbsot
