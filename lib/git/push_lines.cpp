#include "git/push_lines.hpp"

#include <algorithm>

namespace bbsot {

bool is_hex_id(std::string_view s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_null_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c == '0'; });
}

std::vector<PushLine> parse_push_lines(const std::string& text, std::vector<std::string>* warnings) {
  std::vector<PushLine> out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  size_t pos = 0, lineno = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++lineno;
    if (line.empty()) continue;
    PushLine p;
    std::string_view* fields[] = {&p.local_ref, &p.local_id, &p.remote_ref, &p.remote_id};
    size_t n = 0, start = 0;
    for (; n < 4 && start <= line.size(); ++n) {
      size_t sp = n < 3 ? line.find(' ', start) : line.size();
      if (sp == std::string_view::npos) break;
      *fields[n] = line.substr(start, sp - start);
      start = sp + 1;
    }
    if (n != 4 || !is_hex_id(p.local_id) || !is_hex_id(p.remote_id) || !p.remote_ref.starts_with("refs/") ||
        p.remote_ref.find_first_of(" \t\r") != std::string::npos) {
      if (warnings) warnings->push_back("ignoring malformed pre-push line " + std::to_string(lineno));
      continue;
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace bbsot
