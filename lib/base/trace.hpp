// BBSOT_TRACE, read like GIT_TRACE: unset/0/false: off; 1/2/true: stderr; an absolute
// path: append to that file. Trace lines never carry secrets: callers pass values
// through redact() and the tests plant canaries to prove it.
#pragma once
#include <string>

namespace bbsot {

bool trace_enabled();
void trace(const std::string& line);
// Replaces every occurrence of each non-empty secret in `text` with "<redacted>".
std::string redact(std::string text, std::initializer_list<std::string> secrets);

}  // namespace bbsot
