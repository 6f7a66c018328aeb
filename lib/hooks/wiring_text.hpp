// The files and lines bbsot writes to wire a clone (wiring.hpp), and how it recognises
// them later: uninstall removes exactly these. None of them contains "lefthook" in upper
// case: lefthook deletes, without a backup, any hook file that contains it.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace bbsot {

// ------------------------------------------------------------ per-clone hooks directory

// The include.path value in .git/config (relative: to .git/, where git resolves it).
constexpr const char* kOwnInclude = "bbsot/config";
std::string include_section_text();  // "[include]\n\tpath = bbsot/config\n"
// <common>/bbsot/config: core.hooksPath = own_dir; `prev` is named in its comment.
std::string own_config_text(const std::string& own_dir, const std::string& prev);
// Whether such a file (perhaps for another `prev`) sets core.hooksPath to `own_dir`.
bool own_config_points_at(const std::string& text, const std::string& own_dir);

// githooks(5) as of git 2.39: the names a forwarder is made for.
extern const std::vector<std::string> kGitHookNames;
// A hook in bbsot's own hooks directory that execs `target` (the same hook of the previous
// core.hooksPath, relative to the work tree top where git runs hooks, or absolute) with
// the same arguments and stdin, by its real path (husky's `h` finds its script from $0).
std::string forwarder_script(const std::string& target);
bool is_forwarder(const std::string& text);

// ------------------------------------------------------------ lefthook

// lefthook's file names in its own search order (each extension, then each name).
extern const std::vector<std::string> kLocalConfigNames;
extern const std::vector<std::string> kMainConfigNames;
// The first of `names` that exists under `root`, as a path; "" when none does.
std::string first_config(const std::string& root, const std::vector<std::string>& names);

struct RcValue {
  std::string path;   // <common>/bbsot/lefthook-rc.sh
  std::string shell;  // as lefthook pastes it into its hooks (unquoted there): shell-quoted if needed
  std::string yaml;   // the YAML scalar whose value is `shell`
  std::string baked;  // what lefthook's hooks then contain: ". <shell>"
};
RcValue rc_value(const std::string& rc_path);
// The rc script lefthook's hooks source; `prog`: bbsot's pre-push program.
std::string lefthook_rc_script(const std::string& prog, const RcValue& rc);

std::string local_config_created(const RcValue& rc);                         // a new lefthook-local.yml
std::string local_config_added(const std::string& text, const RcValue& rc);  // appended to the user's
// Whether a lefthook-local file at `path` names bbsot's rc script.
bool has_rc_line(const std::string& text, const RcValue& rc, const std::string& path);
bool is_bbsot_created_local_config(const std::string& text);
// The value of a top-level rc: key in YAML text, "" when there is none.
std::string top_level_rc(const std::string& text);

// A file with bbsot's lines taken out: `remove_file` when bbsot had created it and
// nothing else is left; `changed` false when bbsot's lines were not there.
struct Removal {
  bool changed = false;
  bool remove_file = false;
  std::string text;
};
Removal local_config_removed(const std::string& text);

// .git/info/exclude with /lefthook-local.yml added (`current`: nullopt when absent).
std::string exclude_added(const std::optional<std::string>& current);
Removal exclude_removed(const std::string& text);

// `s` as one shell word.
std::string sh_quote(const std::string& s);

}  // namespace bbsot
