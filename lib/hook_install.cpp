#include "hook_install.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_util.hpp"

namespace bbsot {

const std::vector<std::string> kBbsotHooks = {"pre-push", "reference-transaction"};

namespace {

std::string link_target(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool exists_or_dangling(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Status install_one(const std::string& dir, const std::string& name, std::vector<HookChange>& out) {
  const std::string dest = join_path(dir, name);
  const std::string chained = dest + ".bbsot-chained";
  const std::string target = hook_program(name);
  if (link_target(dest) == target) {
    out.push_back({name, "already installed"});
    return ok_status();
  }
  if (is_bbsot_hook(dest, name)) {
    ::unlink(dest.c_str());  // another bbsot installation's link: point it at this one
  } else if (exists_or_dangling(dest)) {
    if (exists_or_dangling(chained))
      return Status::failure("both " + dest + " and " + chained + " exist; bbsot will not overwrite either. Merge them by hand, then run init again");
    if (::rename(dest.c_str(), chained.c_str()) != 0)
      return Status::failure("cannot move " + dest + " aside: " + std::strerror(errno));
    out.push_back({name, "existing hook kept as " + chained + "; it runs after bbsot's check"});
  }
  if (::symlink(target.c_str(), dest.c_str()) != 0)
    return Status::failure("cannot create " + dest + ": " + std::strerror(errno));
  out.push_back({name, "installed"});
  return ok_status();
}

Status uninstall_one(const std::string& dir, const std::string& name, std::vector<HookChange>& out) {
  const std::string dest = join_path(dir, name);
  const std::string chained = dest + ".bbsot-chained";
  if (is_bbsot_hook(dest, name)) {
    if (::unlink(dest.c_str()) != 0) return Status::failure("cannot remove " + dest + ": " + std::strerror(errno));
    out.push_back({name, "removed"});
  }
  if (exists_or_dangling(chained) && !exists_or_dangling(dest)) {
    if (::rename(chained.c_str(), dest.c_str()) != 0)
      return Status::failure("cannot restore " + dest + ": " + std::strerror(errno));
    out.push_back({name, "restored the hook that was there before"});
  }
  return ok_status();
}

}  // namespace

std::string hook_program(const std::string& name) { return join_path(join_path(libexec_dir(), "hooks"), name); }

bool is_bbsot_hook(const std::string& path, const std::string& name) {
  const std::string t = link_target(path);
  return !t.empty() && basename_of(t) == name && t.find("/libexec/bbsot/hooks/") != std::string::npos;
}

Expected<std::vector<HookChange>> install_hooks(const std::string& hooks_dir) {
  std::vector<HookChange> out;
  auto d = ensure_dir(hooks_dir, 0755);
  if (!d) return Expected<std::vector<HookChange>>::failure(d.error());
  for (const auto& h : kBbsotHooks) {
    auto s = install_one(hooks_dir, h, out);
    if (!s) return Expected<std::vector<HookChange>>::failure(s.error());
  }
  return out;
}

Expected<std::vector<HookChange>> uninstall_hooks(const std::string& hooks_dir) {
  std::vector<HookChange> out;
  for (const auto& h : kBbsotHooks) {
    auto s = uninstall_one(hooks_dir, h, out);
    if (!s) return Expected<std::vector<HookChange>>::failure(s.error());
  }
  return out;
}

std::string detect_hook_manager(const std::string& work_tree, const std::string& hooks_path) {
  if (hooks_path.find(".husky") != std::string::npos) return "husky";
  for (const char* f : {"lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml"})
    if (path_exists(join_path(work_tree, f)) && !hooks_path.empty()) return "lefthook";
  if (!hooks_path.empty() && path_exists(join_path(work_tree, ".pre-commit-config.yaml"))) return "pre-commit";
  return "";
}

std::string hook_manager_instructions(const std::string& manager) {
  if (manager == "husky")
    return "add to .husky/pre-push:\n    git bbsot hook pre-push \"$@\"\n"
           "and to .husky/reference-transaction:\n    git bbsot hook reference-transaction \"$@\"";
  if (manager == "lefthook")
    return "add to lefthook.yml:\n"
           "    pre-push:\n      commands:\n        bbsot:\n          run: git bbsot hook pre-push {1} {2}\n          use_stdin: true\n"
           "    reference-transaction:\n      commands:\n        bbsot:\n          run: git bbsot hook reference-transaction {1}\n          use_stdin: true";
  if (manager == "pre-commit")
    return "add to .pre-commit-config.yaml:\n"
           "    - repo: local\n      hooks:\n        - id: bbsot\n          name: bbsot\n          entry: git bbsot hook pre-push\n"
           "          language: system\n          stages: [pre-push]\n          pass_filenames: false\n          always_run: true";
  return "";
}

}  // namespace bbsot
