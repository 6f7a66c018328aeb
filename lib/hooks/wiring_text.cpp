#include "hooks/wiring_text.hpp"

#include <cctype>

#include <sys/stat.h>

#include "base/files.hpp"

namespace bbsot {

namespace {

constexpr const char* kForwarderMarker = "#!/bin/sh\n# bbsot forwarder: ";
constexpr const char* kLocalCreatedMarker = "# git bbsot init wrote this file";
constexpr const char* kLocalAddedMarker = "# git bbsot init added this rc line";
constexpr const char* kExcludeCreatedMarker = "# git bbsot init created this file";
constexpr const char* kExcludeAddedMarker = "# git bbsot init: lefthook-local.yml";
constexpr const char* kExcludePattern = "/lefthook-local.yml";

bool plain_word(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '.' || ch == '_' || ch == '-' ||
          ch == '+' || ch == ','))
      return false;
  return true;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// Takes out each `marker` line and the line after it when that one starts with `next`.
Removal remove_marked(const std::string& text, const std::vector<std::string>& markers, const std::string& next,
                      const std::string& created_marker) {
  Removal r;
  bool created = false;
  const auto lines = lines_of(text);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    bool marked = false;
    for (const auto& m : markers) marked = marked || lines[i].starts_with(m);
    if (marked) {
      r.changed = true;
      created = created || lines[i].starts_with(created_marker);
      if (i + 1 < lines.size() && lines[i + 1].starts_with(next)) ++i;
      continue;
    }
    out += lines[i];
    if (i + 1 < lines.size() || text.ends_with('\n')) out += "\n";
  }
  r.text = out;
  r.remove_file = r.changed && created && blank(out);
  return r;
}

std::vector<std::string> config_names(const char* base) {
  std::vector<std::string> out;
  for (const char* ext : {".yml", ".yaml", ".json", ".jsonc", ".toml"})
    for (const std::string& name : {std::string(base), "." + std::string(base), ".config/" + std::string(base)})
      out.push_back(name + ext);
  return out;
}

std::string shell_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + sh_quote(w);
  return out;
}

}  // namespace

std::string sh_quote(const std::string& s) {
  if (plain_word(s)) return s;
  return "'" + replace_all(s, "'", "'\\''") + "'";
}

// ------------------------------------------------------------ per-clone hooks directory

std::string include_section_text() { return std::string("[include]\n\tpath = ") + kOwnInclude + "\n"; }

std::string own_config_text(const std::string& own_dir, const std::string& prev) {
  return "# bbsot: git bbsot init made " + own_dir +
         " this clone's hooks directory. .git/config includes\n"
         "# this file at its end, after its own core.hooksPath, so that re-running a hook manager does\n"
         "# not displace it. Its pre-push is bbsot's; its other hooks run those of " +
         prev +
         ".\n"
         "# git bbsot uninstall removes this file and the include.\n"
         "[core]\n"
         "\thooksPath = \"" +
         replace_all(replace_all(own_dir, "\\", "\\\\"), "\"", "\\\"") + "\"\n";
}

bool own_config_points_at(const std::string& text, const std::string& own_dir) {
  const std::string full = own_config_text(own_dir, "");
  return text.ends_with(full.substr(full.rfind("[core]\n")));
}

const std::vector<std::string> kGitHookNames = {
    "applypatch-msg",     "pre-applypatch",     "post-applypatch",       "pre-commit",       "pre-merge-commit",
    "prepare-commit-msg", "commit-msg",         "post-commit",           "pre-rebase",       "post-checkout",
    "post-merge",         "pre-push",           "pre-receive",           "update",           "proc-receive",
    "post-receive",       "post-update",        "reference-transaction", "push-to-checkout", "pre-auto-gc",
    "post-rewrite",       "sendemail-validate", "fsmonitor-watchman",    "p4-changelist",    "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit",      "post-index-change"};

std::string forwarder_script(const std::string& target) {
  return std::string(kForwarderMarker) +
         "git runs this clone's hooks from its own directory (git bbsot init made\n"
         "# it core.hooksPath; git bbsot uninstall removes it). This one runs the same hook of the\n"
         "# directory core.hooksPath named before, with the same arguments and stdin.\n"
         "h=" +
         sh_quote(target) +
         "\n"
         "if [ -x \"$h\" ]; then exec \"$h\" \"$@\"; fi\n"
         "if [ -e \"$h\" ]; then echo \"hint: The '$h' hook was ignored because it's not set as executable.\" >&2; fi\n"
         "exit 0\n";
}

bool is_forwarder(const std::string& text) { return text.starts_with(kForwarderMarker); }

// ------------------------------------------------------------ lefthook

const std::vector<std::string> kLocalConfigNames = config_names("lefthook-local");
const std::vector<std::string> kMainConfigNames = config_names("lefthook");

std::string first_config(const std::string& root, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    std::string p = join_path(root, n);
    struct stat st;
    if (::lstat(p.c_str(), &st) == 0) return p;
  }
  return "";
}

RcValue rc_value(const std::string& rc_path) {
  RcValue v;
  v.path = rc_path;
  v.shell = sh_quote(rc_path);
  v.yaml = v.shell == rc_path ? rc_path : "'" + replace_all(v.shell, "'", "''") + "'";
  v.baked = ". " + v.shell;
  return v;
}

std::string local_config_created(const RcValue& rc) {
  return std::string(kLocalCreatedMarker) +
         " (untracked): lefthook bakes its rc into its hooks, and on pre-push the rc script runs bbsot's "
         "pre-push first. git bbsot uninstall removes it.\n"
         "rc: " +
         rc.yaml + "\n";
}

std::string local_config_added(const std::string& text, const RcValue& rc) {
  return text + (text.empty() || text.ends_with('\n') ? "" : "\n") + kLocalAddedMarker +
         ": lefthook bakes it into its hooks, and on pre-push the rc script runs bbsot's pre-push first "
         "(git bbsot uninstall removes both lines)\n"
         "rc: " +
         rc.yaml + "\n";
}

bool has_rc_line(const std::string& text, const RcValue& rc, const std::string& path) {
  if (path.ends_with(".yml") || path.ends_with(".yaml")) {
    for (const auto& l : lines_of(text))
      if (l == "rc: " + rc.yaml) return true;
    return false;
  }
  return text.find(rc.path) != std::string::npos;  // JSON or TOML the user wrote by hand
}

bool is_bbsot_created_local_config(const std::string& text) { return text.starts_with(kLocalCreatedMarker); }

std::string top_level_rc(const std::string& text) {
  for (const auto& l : lines_of(text)) {
    size_t i = 0;
    const bool quoted = !l.empty() && (l[0] == '"' || l[0] == '\'');
    if (quoted) i = 1;
    if (l.compare(i, 2, "rc") != 0) continue;
    i += 2;
    if (quoted) {
      if (i >= l.size() || l[i] != l[0]) continue;
      ++i;
    }
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i >= l.size() || l[i] != ':') continue;
    std::string v = l.substr(i + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    return v.empty() ? "(empty)" : v;
  }
  return "";
}

Removal local_config_removed(const std::string& text) {
  return remove_marked(text, {kLocalCreatedMarker, kLocalAddedMarker}, "rc:", kLocalCreatedMarker);
}

std::string exclude_added(const std::optional<std::string>& current) {
  if (!current)
    return std::string(kExcludeCreatedMarker) +
           ": lefthook-local.yml holds this clone's rc line for bbsot (git bbsot uninstall removes it)\n" +
           kExcludePattern + "\n";
  return *current + (current->empty() || current->ends_with('\n') ? "" : "\n") + kExcludeAddedMarker +
         " holds this clone's rc line for bbsot (git bbsot uninstall removes these two lines)\n" + kExcludePattern +
         "\n";
}

Removal exclude_removed(const std::string& text) {
  return remove_marked(text, {kExcludeCreatedMarker, kExcludeAddedMarker}, kExcludePattern, kExcludeCreatedMarker);
}

// Sourced by lefthook's hooks, in the hook's shell, at the top of the work tree: every
// name it sets starts with bbsot_ and is unset again.
std::string lefthook_rc_script(const std::string& prog, const RcValue& rc) {
  std::vector<std::string> created_lines;
  for (const auto& l : lines_of(local_config_created(rc))) created_lines.push_back(l);
  std::string local_names, main_names;
  for (const auto& n : kLocalConfigNames) local_names += " " + n;
  for (const auto& n : kMainConfigNames) main_names += " " + n;
  return "# bbsot: lefthook's hooks source this file (rc: in lefthook-local.yml). git bbsot init wrote it;\n"
         "# git bbsot uninstall removes it. On pre-push it runs bbsot's pre-push with git's arguments and\n"
         "# stdin before lefthook starts, stops the push when bbsot refuses it, and hands lefthook the\n"
         "# same stdin. Then it sources the team's own rc, if lefthook.yml names one (lefthook-local.yml's\n"
         "# rc takes its place in lefthook's hooks).\n"
         "bbsot_prog=" +
         sh_quote(prog) +
         "\n"
         "# A worktree made after init has no lefthook-local.yml: a hook run there would make lefthook\n"
         "# regenerate the shared hooks without this rc line. Write it first.\n"
         "bbsot_local=\n"
         "for bbsot_f in" +
         local_names +
         "; do\n"
         "  if [ -e \"$bbsot_f\" ]; then bbsot_local=$bbsot_f; break; fi\n"
         "done\n"
         "if [ -z \"$bbsot_local\" ] && [ -e .git ]; then\n"
         "  printf '%s\\n' " +
         shell_words(created_lines) +
         " >lefthook-local.yml 2>/dev/null || :\n"
         "fi\n"
         "case ${0##*/} in\n"
         "pre-push)\n"
         "  if [ -x \"$bbsot_prog\" ]; then\n"
         "    bbsot_in=$(mktemp \"${TMPDIR:-/tmp}/bbsot-pre-push.XXXXXX\" 2>/dev/null) || bbsot_in=\n"
         "    if [ -n \"$bbsot_in\" ] && cat >\"$bbsot_in\"; then\n"
         "      \"$bbsot_prog\" \"$@\" <\"$bbsot_in\"\n"
         "      bbsot_status=$?\n"
         "      exec 0<\"$bbsot_in\"\n"
         "      rm -f \"$bbsot_in\"\n"
         "    else\n"
         "      [ -z \"$bbsot_in\" ] || rm -f \"$bbsot_in\"\n"
         "      echo \"warning: bbsot: cannot keep a copy of the push for lefthook; its pre-push jobs get no stdin\" "
         ">&2\n"
         "      \"$bbsot_prog\" \"$@\"\n"
         "      bbsot_status=$?\n"
         "    fi\n"
         "    [ \"$bbsot_status\" = 0 ] || exit \"$bbsot_status\"\n"
         "    BBSOT_PRE_PUSH_DONE=1\n"
         "    export BBSOT_PRE_PUSH_DONE\n"
         "  else\n"
         "    echo \"warning: bbsot: $bbsot_prog is missing; this push is not checked (run: git bbsot doctor)\" >&2\n"
         "  fi\n"
         "  ;;\n"
         "esac\n"
         "# The team's rc, as lefthook would have pasted it into its hooks: [ -f RC ] && . RC\n"
         "bbsot_rc=\n"
         "for bbsot_f in" +
         main_names +
         "; do\n"
         "  [ -e \"$bbsot_f\" ] || continue\n"
         "  case $bbsot_f in\n"
         "  *.yml | *.yaml)\n"
         "    bbsot_rc=$(sed -n -e \"/^rc[[:space:]]*:/{s/^rc[[:space:]]*:[[:space:]]*//;s/[[:space:]]#.*//;"
         "s/[[:space:]]*\\$//;s/^'\\(.*\\)'\\$/\\1/;s/^\\\"\\(.*\\)\\\"\\$/\\1/;p;q;}\" \"$bbsot_f\" 2>/dev/null)\n"
         "    ;;\n"
         "  esac\n"
         "  break\n"
         "done\n"
         "unset bbsot_prog bbsot_local bbsot_f bbsot_in bbsot_status\n"
         "if [ -n \"$bbsot_rc\" ]; then eval \"[ -f $bbsot_rc ] && . $bbsot_rc\"; fi\n"
         "unset bbsot_rc\n";
}

}  // namespace bbsot
