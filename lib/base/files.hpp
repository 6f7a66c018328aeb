// Small file-system helpers: whole-file reads, private directories, the XDG locations
// bbsot uses for its user configuration and token cache.
#pragma once
#include <optional>
#include <string>

#include <sys/types.h>

#include "base/error.hpp"

namespace bbsot {

// The whole file, or why not. `no_follow`: a symlink is not opened (O_NOFOLLOW).
[[nodiscard]] Expected<std::string> read_file(const std::string& path, size_t max_bytes = 16 << 20,
                                              bool no_follow = false);
bool path_exists(const std::string& path);
// The name itself exists (lstat): true for a symbolic link whatever it points to.
bool entry_exists(const std::string& path);
// Creates `path` and missing parents; the last component gets `mode` and, if it
// already exists, is tightened to `mode` when it is wider.
Status ensure_dir(const std::string& path, mode_t mode);
std::string dirname_of(const std::string& path);
std::string basename_of(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

std::optional<std::string> getenv_str(const char* name);  // unset or empty -> nullopt
std::string home_dir();
std::string user_config_path();  // $BBSOT_CONFIG or ${XDG_CONFIG_HOME:-~/.config}/bbsot/config.yml
std::string user_cache_dir();    // ${XDG_CACHE_HOME:-~/.cache}/bbsot

}  // namespace bbsot

namespace bbsot {
// The directory of bbsot's private programs: $BBSOT_LIBEXEC_DIR, else
// <dir of this executable>/../libexec/bbsot (bin/ and libexec/bbsot/hooks/ both work).
std::string libexec_dir();
// This program's own path (/proc/self/exe), or "" when it cannot be read.
std::string self_exe_path();
}  // namespace bbsot
