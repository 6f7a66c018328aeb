#include "hooks/install.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/stat.h>

#include "base/files.hpp"
#include "hooks/chain.hpp"

namespace bbsot {

const std::vector<std::string> kBbsotHooks = {"pre-push"};

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

}  // namespace

std::string hook_program(const std::string& name) { return join_path(join_path(libexec_dir(), "hooks"), name); }

std::string bbsot_link_program(const std::string& path) {
  const std::string t = link_target(path);
  if (t.empty()) return "";
  std::string name = basename_of(t);
  if (name != "pre-push" && name != "reference-transaction") return "";
  // Any installation's (a link from before a reinstall elsewhere is still bbsot's), or
  // this one's wherever BBSOT_LIBEXEC_DIR puts it.
  if (t.find("/libexec/bbsot/hooks/") != std::string::npos || t == hook_program(name)) return name;
  return "";
}

bool is_bbsot_hook(const std::string& path, const std::string& name) { return bbsot_link_program(path) == name; }

Expected<std::vector<HookChange>> install_hooks(const std::string& hooks_dir) {
  std::vector<HookChange> out;
  auto d = ensure_dir(hooks_dir, 0755);
  if (!d) return Expected<std::vector<HookChange>>::failure(d.error());
  for (const auto& name : kBbsotHooks) {
    const std::string dest = join_path(hooks_dir, name);
    const std::string chained = dest + kChainedSuffix;
    const std::string target = hook_program(name);
    if (link_target(dest) == target) {
      out.push_back({name, "already installed"});
      continue;
    }
    if (is_bbsot_hook(dest, name)) {
      ::unlink(dest.c_str());  // another bbsot installation's link: point it at this one
    } else if (exists_or_dangling(dest)) {
      if (exists_or_dangling(chained))
        return Expected<std::vector<HookChange>>::failure(
            "both " + dest + " and " + chained +
            " exist; bbsot will not overwrite either. Merge them by hand, then run init again");
      if (::rename(dest.c_str(), chained.c_str()) != 0)
        return Expected<std::vector<HookChange>>::failure("cannot move " + dest + " aside: " + std::strerror(errno));
      out.push_back({name, "existing hook kept as " + chained + "; it runs after bbsot's check"});
    }
    if (::symlink(target.c_str(), dest.c_str()) != 0)
      return Expected<std::vector<HookChange>>::failure("cannot create " + dest + ": " + std::strerror(errno));
    out.push_back({name, "installed"});
  }
  return out;
}

}  // namespace bbsot
