#include "outbox/limits.hpp"

namespace bbsot {

std::string truncate_text(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  const std::string marker = "\n[truncated by bbsot: " + std::to_string(text.size()) + " bytes in all]";
  size_t keep = max > marker.size() ? max - marker.size() : 0;
  // Back up over continuation bytes (10xxxxxx) so no character is cut in half.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xc0) == 0x80) --keep;
  std::string out(text.substr(0, keep));
  out += marker;
  if (out.size() > max) out.resize(max);  // a tiny `max`: the marker itself is cut
  return out;
}

}  // namespace bbsot
