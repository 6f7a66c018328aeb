#include "base/error.hpp"

#include <cstdio>

namespace bbsot {

void print_error(const std::string& what, const std::vector<std::string>& hints) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  for (const auto& h : hints) std::fprintf(stderr, "hint: %s\n", h.c_str());
}

void print_warning(const std::string& what) { std::fprintf(stderr, "warning: %s\n", what.c_str()); }

}  // namespace bbsot
