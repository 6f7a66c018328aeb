// BBSOT_TRACE, read like GIT_TRACE: unset/0/false: off; 1/2/true: stderr; a path: append
// to that file. A relative path is taken from the directory the user ran git in (for a
// hook or credential helper, which git runs in the work tree's top directory, that is the
// top directory plus GIT_PREFIX), made absolute once and passed on to child processes, so
// every bbsot process of one command writes to the one file the user named. A file that
// cannot be opened is said once per process on stderr (tracing then stays off).
// Trace lines never carry secrets: callers pass values through redact() and the tests
// plant canaries to prove it.
#pragma once
#include <string>

namespace bbsot {

bool trace_enabled();
void trace(const std::string& line);
// Replaces every occurrence of each non-empty secret in `text` with "<redacted>".
std::string redact(std::string text, std::initializer_list<std::string> secrets);

}  // namespace bbsot
