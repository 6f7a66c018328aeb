#include "hooks/wiring.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include <sys/stat.h>

#include "base/atomic_file.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "git/git_cli.hpp"
#include "hooks/chain.hpp"
#include "hooks/install.hpp"
#include "hooks/wiring_text.hpp"

namespace bbsot {

namespace {

const char* kPrePushCheck = "hook pre-push";
const char* kRefTxCheck = "hook reference-transaction";
const char* kInitFix = "git bbsot init";

// ------------------------------------------------------------------ files

bool lexists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string link_target(const std::string& p) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::optional<std::string> text_of(const std::string& p, size_t max = 1 << 20) {
  auto t = read_file(p, max);
  if (!t) return std::nullopt;
  return *t;
}

mode_t mode_of(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
}

std::string real(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status errno_failure(const std::string& what) { return Status::failure(what + ": " + std::strerror(errno)); }

bool executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

// ------------------------------------------------------------------ the clone

struct Clone {
  std::string work, common;
  std::vector<std::string> worktrees;  // every worktree's top, this one first
  std::string std_hooks;               // <common>/hooks
  std::string bbsot_dir, own_dir, own_config, rc_script, git_config, exclude;
  // core.hooksPath as configured (tilde expanded) other than bbsot's own, "" when none or
  // when it names <common>/hooks; the directory it names from `work`; where it is set.
  std::string prev_value, prev_dir, prev_origin;
  bool include_present = false;  // .git/config includes bbsot/config
  bool own_effective = false;    // git's core.hooksPath is bbsot's own directory

  // A path as the user reads it: relative to the work tree when inside it.
  std::string show(const std::string& p) const {
    const std::string top = work + "/";
    return p.starts_with(top) ? p.substr(top.size()) : p;
  }
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(sep, pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

Expected<Clone> inspect(const std::string& work_in) {
  Clone c;
  auto r = git_run({"rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"}, work_in);
  if (!r || r->exit_code != 0) {
    std::string why = r ? r->err : r.error();
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Expected<Clone>::failure("cannot read the repository at " + work_in + (why.empty() ? "" : ": " + why));
  }
  auto lines = split(r->out, '\n');
  if (lines.size() < 2) return Expected<Clone>::failure("git rev-parse gave no work tree for " + work_in);
  c.work = lines[0];
  c.common = lines[1];
  c.std_hooks = join_path(c.common, "hooks");
  c.bbsot_dir = join_path(c.common, "bbsot");
  c.own_dir = join_path(c.bbsot_dir, "hooks");
  c.own_config = join_path(c.bbsot_dir, "config");
  c.rc_script = join_path(c.bbsot_dir, "lefthook-rc.sh");
  c.git_config = join_path(c.common, "config");
  c.exclude = join_path(join_path(c.common, "info"), "exclude");

  c.worktrees.push_back(c.work);
  if (auto w = git_run({"worktree", "list", "--porcelain"}, c.work); w && w->exit_code == 0) {
    std::string current;
    for (const auto& l : split(w->out, '\n')) {
      if (l.starts_with("worktree ")) current = l.substr(9);
      if (l == "bare") current.clear();
      if (l.empty() && !current.empty()) {
        if (real(current) != real(c.work)) c.worktrees.push_back(current);
        current.clear();
      }
    }
    if (!current.empty() && real(current) != real(c.work)) c.worktrees.push_back(current);
  }

  // Every value git reads, in order, with where it comes from; the last one counts.
  const std::string own_real = real(c.own_config);
  if (auto h = git_run({"config", "-z", "--show-origin", "--type=path", "--get-all", "core.hooksPath"}, c.work);
      h && h->exit_code == 0) {
    auto parts = split(h->out, '\0');
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      std::string origin = parts[i];
      const std::string value = parts[i + 1];
      bool ours = false;
      if (origin.starts_with("file:")) {
        std::string file = origin.substr(5);
        if (!file.starts_with('/')) file = join_path(c.work, file);
        ours = real(file) == own_real;
        origin = c.show(file);
      }
      c.own_effective = ours;
      if (ours) continue;
      c.prev_value = value;
      c.prev_origin = origin;
    }
  }
  if (!c.prev_value.empty()) {
    c.prev_dir = c.prev_value.starts_with('/') ? c.prev_value : join_path(c.work, c.prev_value);
    while (c.prev_dir.size() > 1 && c.prev_dir.back() == '/') c.prev_dir.pop_back();
    const std::string pr = real(c.prev_dir);
    if (pr == real(c.std_hooks) || pr == real(c.own_dir)) c.prev_value = c.prev_dir = c.prev_origin = "";
  }
  for (const auto& v :
       split(git_out({"config", "--local", "--no-includes", "--get-all", "include.path"}, c.work), '\n'))
    if (v == kOwnInclude) c.include_present = true;
  return c;
}

// ------------------------------------------------------------------ steps

HookStep make_step(
    const std::string& check, std::string line, bool needed, std::function<Status()> run,
    std::function<void()> undo = [] {}) {
  HookStep s;
  s.check = check;
  s.line = std::move(line);
  s.needed = needed;
  s.run = std::move(run);
  s.undo = std::move(undo);
  return s;
}

// Primitive operations; each checks at run time that the state is still the planned one.
struct Op {
  std::function<Status()> run;
  std::function<void()> undo;
};

Op op_symlink(const std::string& path, const std::string& target) {
  return {[=]() -> Status {
            if (lexists(path)) return Status::failure(path + " appeared meanwhile; run init again");
            if (::symlink(target.c_str(), path.c_str()) != 0) return errno_failure("cannot create " + path);
            return ok_status();
          },
          [=] {
            if (link_target(path) == target) ::unlink(path.c_str());
          }};
}

Op op_relink(const std::string& path, const std::string& target) {
  auto old = std::make_shared<std::string>();
  auto relink = [](const std::string& p, const std::string& t) -> Status {
    const std::string tmp = p + ".bbsot-new";
    ::unlink(tmp.c_str());
    if (::symlink(t.c_str(), tmp.c_str()) != 0) return errno_failure("cannot create " + tmp);
    if (::rename(tmp.c_str(), p.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return errno_failure("cannot replace " + p);
    }
    return ok_status();
  };
  return {[=]() -> Status {
            *old = link_target(path);
            return relink(path, target);
          },
          [=] {
            if (!old->empty()) (void)relink(path, *old);
          }};
}

Op op_rename(const std::string& from, const std::string& to) {
  return {[=]() -> Status {
            if (lexists(to)) return Status::failure(to + " appeared meanwhile; run init again");
            if (::rename(from.c_str(), to.c_str()) != 0) return errno_failure("cannot move " + from + " to " + to);
            return ok_status();
          },
          [=] {
            if (!lexists(from)) ::rename(to.c_str(), from.c_str());
          }};
}

Op op_unlink(const std::string& path) {
  struct Saved {
    bool link = false;
    std::string target, content;
    mode_t mode = 0644;
  };
  auto saved = std::make_shared<Saved>();
  return {[=]() -> Status {
            saved->target = link_target(path);
            saved->link = !saved->target.empty();
            if (!saved->link) {
              auto t = read_file(path, 64u << 20);
              if (!t) return Status::failure(t.error());
              saved->content = *t;
              saved->mode = mode_of(path);
            }
            if (::unlink(path.c_str()) != 0) return errno_failure("cannot remove " + path);
            return ok_status();
          },
          [=] {
            if (lexists(path)) return;
            if (saved->link)
              (void)::symlink(saved->target.c_str(), path.c_str());
            else
              (void)write_file_atomic(path, saved->content, saved->mode);
          }};
}

Op op_write(const std::string& path, const std::string& content, mode_t mode) {
  struct Saved {
    bool existed = false;
    std::string content;
    mode_t mode = 0644;
  };
  auto saved = std::make_shared<Saved>();
  return {[=]() -> Status {
            saved->existed = is_regular(path);
            if (saved->existed) {
              auto t = read_file(path, 64u << 20);
              if (!t) return Status::failure(t.error());
              saved->content = *t;
              saved->mode = mode_of(path);
            } else if (lexists(path)) {
              return Status::failure(path + " is not a regular file; bbsot will not replace it");
            }
            return write_file_atomic(path, content, mode);
          },
          [=] {
            if (saved->existed)
              (void)write_file_atomic(path, saved->content, saved->mode);
            else
              ::unlink(path.c_str());
          }};
}

Op op_mkdir(const std::string& path, mode_t mode) {
  auto made = std::make_shared<bool>(false);
  return {[=]() -> Status {
            if (is_dir(path)) return ok_status();
            if (::mkdir(path.c_str(), mode) != 0) return errno_failure("cannot create " + path);
            *made = true;
            return ok_status();
          },
          [=] {
            if (*made) ::rmdir(path.c_str());
          }};
}

Op op_rmdir_if_empty(const std::string& path) {
  auto removed = std::make_shared<bool>(false);
  return {[=]() -> Status {
            *removed = ::rmdir(path.c_str()) == 0;
            return ok_status();
          },
          [=] {
            if (*removed) ::mkdir(path.c_str(), 0755);
          }};
}

// .git/config is changed under git's own lock (config.lock), as git config does.
Status rewrite_git_config(const std::string& path, const std::function<std::string(const std::string&)>& change) {
  auto text = read_file(path, 16u << 20);
  if (!text) return Status::failure(text.error());
  const std::string lock = path + ".lock";
  int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return errno_failure("cannot lock " + path + " (another git is changing it, or a stale " + lock + " is left)");
  const std::string out = change(*text);
  ::fchmod(fd, mode_of(path));
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::write(fd, out.data() + off, out.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(lock.c_str());
      return errno_failure("cannot write " + lock);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(lock.c_str());
    return errno_failure("cannot write " + lock);
  }
  if (::rename(lock.c_str(), path.c_str()) != 0) {
    ::unlink(lock.c_str());
    return errno_failure("cannot replace " + path);
  }
  return ok_status();
}

Status unset_include(const Clone& c) {
  auto r = git_run({"config", "--local", "--fixed-value", "--unset-all", "include.path", kOwnInclude}, c.work);
  if (!r) return Status::failure(r.error());
  if (r->exit_code != 0 && r->exit_code != 5)  // 5: nothing to unset
    return Status::failure("git config --unset-all include.path " + std::string(kOwnInclude) + " failed: " + r->err);
  return ok_status();
}

// Appended at the very end, after every core.hooksPath in .git/config: the last value
// git reads wins, and `git config core.hooksPath X` (husky) rewrites the value in [core].
Op op_append_include(const Clone& c) {
  return {[c]() -> Status {
            return rewrite_git_config(c.git_config, [](const std::string& t) {
              return t + (t.empty() || t.back() == '\n' ? "" : "\n") + include_section_text();
            });
          },
          [c] { (void)unset_include(c); }};
}

Op op_remove_include(const Clone& c) {
  return {[c]() -> Status { return unset_include(c); },
          [c] {
            (void)rewrite_git_config(c.git_config, [](const std::string& t) {
              return t + (t.empty() || t.back() == '\n' ? "" : "\n") + include_section_text();
            });
          }};
}

// Several operations as one step: all of them, or (undoing those done) none.
HookStep step_of(const std::string& check, std::string line, bool needed, std::vector<Op> ops) {
  auto shared = std::make_shared<std::vector<Op>>(std::move(ops));
  auto done = std::make_shared<size_t>(0);
  return make_step(
      check, std::move(line), needed,
      [shared, done]() -> Status {
        for (*done = 0; *done < shared->size(); ++*done) {
          auto s = (*shared)[*done].run();
          if (!s) {
            for (size_t i = *done; i-- > 0;) (*shared)[i].undo();
            *done = 0;
            return s;
          }
        }
        return ok_status();
      },
      [shared, done] {
        for (size_t i = *done; i-- > 0;) (*shared)[i].undo();
        *done = 0;
      });
}

// ------------------------------------------------------------------ lefthook, the program

// Where lefthook's own hooks look for it, in their order: $<LEFTHOOK>_BIN (the name is
// spelt at run time: see wiring_text.hpp), PATH, the absolute path baked in at install
// time, node_modules/.bin.
std::string find_lefthook(const std::string& work, const std::string& hook_text) {
  const std::string var = ascii_upper("lefthook") + "_BIN";
  if (auto v = getenv_str(var.c_str()); v && executable(*v)) return *v;
  if (auto path = getenv_str("PATH"))
    for (const auto& d : split(*path, ':'))
      if (!d.empty() && executable(join_path(d, "lefthook")) && is_regular(real(join_path(d, "lefthook"))))
        return join_path(d, "lefthook");
  for (const auto& l : split(hook_text, '\n')) {
    auto at = l.find("elif /");
    auto end = l.find(" -h >/dev/null");
    if (at == std::string::npos || end == std::string::npos || end < at + 5) continue;
    std::string p = l.substr(at + 5, end - at - 5);
    if (executable(p)) return p;
  }
  const std::string local = join_path(work, "node_modules/.bin/lefthook");
  return executable(local) ? local : "";
}

Status run_lefthook_install(const std::string& bin, const std::string& work, const std::string& hook,
                            const std::string& baked) {
  ProcessOptions o;
  o.cwd = work;
  o.timeout_ms = 120000;
  auto r = run_process({bin, "install"}, o);
  if (!r) return Status::failure("cannot run " + bin + " install: " + r.error());
  if (r->exit_code != 0) {
    std::string why = r->err.empty() ? r->out : r->err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Status::failure("lefthook install failed (exit " + std::to_string(r->exit_code) + ")" +
                           (why.empty() ? "" : ": " + why.substr(why.rfind('\n') + 1)));
  }
  if (text_of(hook).value_or("").find(baked) == std::string::npos)
    return Status::failure("lefthook install did not put bbsot's rc line into " + hook +
                           " (a lefthook without the rc option?)");
  return ok_status();
}

// ------------------------------------------------------------------ planning

enum class Manager { None, PreCommit, Lefthook };

// Who generated the hook at `path` (a bbsot link is nobody's).
Manager manager_of(const std::string& path) {
  if (!bbsot_link_program(path).empty()) return Manager::None;
  auto t = text_of(path, 1 << 16);
  if (!t) return Manager::None;
  if (t->find("File generated by pre-commit") != std::string::npos) return Manager::PreCommit;
  if (t->find("lefthook") != std::string::npos) return Manager::Lefthook;
  return Manager::None;
}

class Planner {
 public:
  explicit Planner(Clone c) : c_(std::move(c)) {}

  HookPlan plan() {
    migrate_reference_transaction(c_.std_hooks);
    if (!c_.prev_value.empty()) {
      if (real(c_.prev_dir) != real(c_.std_hooks)) migrate_reference_transaction(c_.prev_dir);
      plan_own_dir();
    } else {
      const Manager m = manager_of(join_path(c_.std_hooks, "pre-push"));
      if (m == Manager::PreCommit)
        plan_pre_commit();
      else if (m == Manager::Lefthook || lefthook_manages_hooks())
        plan_lefthook();
      else
        plan_plain();
      drop_own_dir();
    }
    return std::move(p_);
  }

  // Everything any bbsot version wired, undone: the team's hooks back in their places.
  HookPlan unwire(std::vector<std::string>& warnings) {
    const RcValue rc = rc_value(c_.rc_script);
    std::vector<std::string> dirs{c_.std_hooks};
    if (!c_.prev_dir.empty() && real(c_.prev_dir) != real(c_.std_hooks)) dirs.push_back(c_.prev_dir);
    for (const auto& d : dirs)
      for (const std::string hook : {"pre-push", "reference-transaction"})
        for (const std::string& slot : {hook, hook + ".legacy", hook + ".old"})
          if (bbsot_link_program(join_path(d, slot)) == hook)
            restore_slot(join_path(d, slot), hook, kPrePushCheck, true, "bbsot's", "");
    if (c_.include_present)
      add(step_of(kPrePushCheck, "removed the include of " + c_.show(c_.own_config) + " from " + c_.show(c_.git_config),
                  true, {op_remove_include(c_)}),
          "");
    if (is_dir(c_.own_dir) || is_regular(c_.own_config)) {
      std::vector<Op> ops;
      std::string foreign;
      if (is_dir(c_.own_dir)) {
        std::set<std::string> ours;
        for (const auto& n : kGitHookNames)
          for (const std::string& f : {n, n + kChainedSuffix}) {
            const std::string path = join_path(c_.own_dir, f);
            const auto t = is_regular(path) ? text_of(path) : std::nullopt;
            if ((f == "pre-push" && is_bbsot_hook(path, "pre-push")) || (t && is_forwarder(*t))) {
              ops.push_back(op_unlink(path));
              ours.insert(f);
            }
          }
        for (const auto& f : list_dir(c_.own_dir))
          if (!ours.count(f)) foreign += (foreign.empty() ? "" : ", ") + f;
        ops.push_back(op_rmdir_if_empty(c_.own_dir));
      }
      if (is_regular(c_.own_config)) ops.push_back(op_unlink(c_.own_config));
      add(step_of(kPrePushCheck, "removed " + c_.show(c_.own_dir) + " and " + c_.show(c_.own_config), true,
                  std::move(ops)),
          "");
      if (!foreign.empty())
        warnings.push_back("kept " + c_.show(c_.own_dir) + ": it holds files bbsot did not write (" + foreign + ")");
    }
    if (is_regular(c_.rc_script))
      add(step_of(kPrePushCheck, "removed " + c_.show(c_.rc_script), true, {op_unlink(c_.rc_script)}), "");
    for (const auto& w : c_.worktrees)
      for (const auto& n : kLocalConfigNames) {
        const std::string path = join_path(w, n);
        if (!is_regular(path)) continue;
        const auto r = local_config_removed(text_of(path).value_or(""));
        if (!r.changed) continue;
        if (r.remove_file)
          add(step_of(kPrePushCheck, "removed " + c_.show(path), true, {op_unlink(path)}), "");
        else
          add(step_of(kPrePushCheck, "removed bbsot's rc line from " + c_.show(path), true,
                      {op_write(path, r.text, mode_of(path))}),
              "");
      }
    if (is_regular(c_.exclude)) {
      const auto r = exclude_removed(text_of(c_.exclude).value_or(""));
      if (r.remove_file)
        add(step_of(kPrePushCheck, "removed " + c_.show(c_.exclude), true, {op_unlink(c_.exclude)}), "");
      else if (r.changed)
        add(step_of(kPrePushCheck, "removed /lefthook-local.yml from " + c_.show(c_.exclude), true,
                    {op_write(c_.exclude, r.text, mode_of(c_.exclude))}),
            "");
    }
    // lefthook's hooks still source the (now removed) rc script: have lefthook rewrite them.
    std::string hook_text;
    for (const auto& n : kGitHookNames) {
      const std::string h = join_path(c_.std_hooks, n);
      if (manager_of(h) != Manager::Lefthook) continue;
      if (auto t = text_of(h); t && t->find(rc.baked) != std::string::npos) {
        hook_text = *t;
        break;
      }
    }
    if (!hook_text.empty()) {
      const std::string bin = find_lefthook(c_.work, hook_text);
      if (!bin.empty() && !first_config(c_.work, kMainConfigNames).empty())
        add(make_step(kPrePushCheck, "ran lefthook install: lefthook's hooks no longer source bbsot's rc script", true,
                      [bin, work = c_.work]() -> Status {
                        ProcessOptions o;
                        o.cwd = work;
                        auto r = run_process({bin, "install"}, o);
                        if (!r || r->exit_code != 0)
                          print_warning(
                              "bbsot: lefthook install failed; its hooks still name bbsot's rc script, "
                              "which is gone (harmless); run: lefthook install");
                        return ok_status();
                      }),
            "");
      else
        warnings.push_back("lefthook's hooks still name " + c_.show(c_.rc_script) +
                           ", which is gone (harmless); to drop that line, run: lefthook install");
    }
    std::vector<Op> last{op_rmdir_if_empty(c_.bbsot_dir)};
    if (is_dir(c_.bbsot_dir)) p_.steps.push_back(step_of(kPrePushCheck, "", false, std::move(last)));
    return std::move(p_);
  }

 private:
  void add(HookStep s, std::string found) {
    s.found = std::move(found);
    p_.steps.push_back(std::move(s));
  }

  void problem(std::string what, std::vector<std::string> fixes) {
    if (!p_.problem.empty()) return;  // the first one; init stops there anyway
    p_.problem = std::move(what);
    p_.fixes = std::move(fixes);
  }

  // bbsot's pre-push at `slot`; `context` says, for doctor, what the slot is for.
  void link_slot(const std::string& slot, const std::string& context) {
    const std::string target = hook_program("pre-push");
    const std::string cur = link_target(slot);
    if (cur == target) return;
    if (is_bbsot_hook(slot, "pre-push")) {
      const bool gone = !executable(slot);
      add(step_of(kPrePushCheck, "pointed " + c_.show(slot) + " at this bbsot's pre-push (" + target + ")", gone,
                  {op_relink(slot, target)}),
          gone ? c_.show(slot) + " points at " + cur + ", which is gone: git skips it without a word"
               : c_.show(slot) + " points at another bbsot installation: " + cur);
      return;
    }
    const std::string link_line = "linked " + c_.show(slot) + " to bbsot's pre-push (" + target + ")";
    if (lexists(slot)) {
      const std::string chained = slot + kChainedSuffix;
      if (lexists(chained)) {
        problem("both " + c_.show(slot) + " and " + c_.show(chained) +
                    " exist; bbsot moves a hook it replaces to the second name and will not overwrite either",
                {"merge the two hooks into " + c_.show(chained) + " and remove " + c_.show(slot) +
                 ", then run: git bbsot init"});
        return;
      }
      add(step_of(
              kPrePushCheck,
              "kept the hook at " + c_.show(slot) + " as " + basename_of(chained) + " (it runs after bbsot's check)",
              true, {op_rename(slot, chained)}),
          c_.show(slot) + " is not bbsot's" + context);
      add(step_of(kPrePushCheck, link_line, true, {op_symlink(slot, target)}), "");
    } else {
      add(step_of(kPrePushCheck, link_line, true, {op_symlink(slot, target)}), c_.show(slot) + " is missing" + context);
    }
  }

  // A bbsot link at `slot` goes; the hook bbsot had moved aside for it comes back there.
  void restore_slot(const std::string& slot, const std::string& hook, const std::string& check, bool needed,
                    const std::string& why, const std::string& found) {
    std::vector<Op> ops{op_unlink(slot)};
    std::string chained = slot + kChainedSuffix;
    if ((!lexists(chained) || claimed_.count(chained)) && basename_of(slot) != hook)
      chained = join_path(dirname_of(slot), hook + kChainedSuffix);
    std::string line = "removed " + c_.show(slot) + " (" + why + ")";
    if (lexists(chained) && !claimed_.count(chained)) {
      claimed_.insert(chained);
      ops.push_back(op_rename(chained, slot));
      line += " and put back the hook bbsot had kept as " + basename_of(chained);
    }
    add(step_of(check, line, needed, std::move(ops)), found);
  }

  void migrate_reference_transaction(const std::string& dir) {
    for (const std::string slot :
         {"reference-transaction", "reference-transaction.old", "reference-transaction.legacy"}) {
      const std::string path = join_path(dir, slot);
      if (bbsot_link_program(path) != "reference-transaction") continue;
      restore_slot(path, "reference-transaction", kRefTxCheck, true,
                   "an earlier bbsot's reference-transaction hook; bbsot no longer runs on ref updates",
                   c_.show(path) +
                       " links to an earlier bbsot's reference-transaction hook, which git runs on "
                       "every ref update (bbsot no longer needs it)");
    }
  }

  void ensure_std_hooks_dir() {
    if (is_dir(c_.std_hooks)) return;
    add(step_of(kPrePushCheck, "created " + c_.show(c_.std_hooks), true, {op_mkdir(c_.std_hooks, 0755)}), "");
  }

  void plan_plain() {
    const std::string slot = join_path(c_.std_hooks, "pre-push");
    p_.how = "git runs " + c_.show(slot) + ", bbsot's pre-push" +
             (lexists(slot + kChainedSuffix) || (lexists(slot) && bbsot_link_program(slot).empty())
                  ? ", then the hook it kept as pre-push.bbsot-chained"
                  : "");
    ensure_std_hooks_dir();
    link_slot(slot, ": git runs no bbsot pre-push");
  }

  void plan_pre_commit() {
    const std::string slot = join_path(c_.std_hooks, "pre-push.legacy");
    p_.how = "pre-commit runs " + c_.show(slot) + " (bbsot's pre-push) first on every push";
    link_slot(slot, lexists(slot)
                        ? ": pre-commit runs it first on every push (a later pre-commit install moved a hook there)"
                        : ": pre-commit's pre-push runs no bbsot (pre-commit install -f removes it)");
  }

  // ------------------------------------------------------------ lefthook

  // lefthook generated some of the hooks, perhaps not (yet) pre-push: the day lefthook.yml
  // gets a pre-push, lefthook's re-sync moves bbsot's link aside, and its own pre-push must
  // then source the rc script already.
  bool lefthook_manages_hooks() const {
    for (const auto& n : kGitHookNames)
      if (manager_of(join_path(c_.std_hooks, n)) == Manager::Lefthook) return true;
    return false;
  }

  void plan_lefthook() {
    const RcValue rc = rc_value(c_.rc_script);
    p_.how = "lefthook's hooks source " + c_.show(c_.rc_script) +
             " (rc: in lefthook-local.yml), which runs bbsot's pre-push first on every push";
    // The rc script.
    const std::string script = lefthook_rc_script(hook_program("pre-push"), rc);
    const auto cur = text_of(c_.rc_script);
    if (!cur || *cur != script) {
      std::vector<Op> ops;
      if (!is_dir(c_.bbsot_dir)) ops.push_back(op_mkdir(c_.bbsot_dir, 0755));
      ops.push_back(op_write(c_.rc_script, script, 0644));
      add(step_of(kPrePushCheck,
                  std::string(cur ? "rewrote " : "wrote ") + c_.show(c_.rc_script) +
                      " (lefthook sources it; on pre-push it runs bbsot's pre-push)",
                  true, std::move(ops)),
          c_.show(c_.rc_script) + (cur ? " is out of date" : " is missing") + ": lefthook's hooks run no bbsot");
    }
    // The local configuration that names it.
    const std::string local = first_config(c_.work, kLocalConfigNames);
    if (local.empty()) {
      const std::string path = join_path(c_.work, "lefthook-local.yml");
      add(step_of(kPrePushCheck,
                  "wrote " + c_.show(path) + " with rc: " + rc.yaml + " (untracked; lefthook keeps it in its hooks)",
                  true, {op_write(path, local_config_created(rc), 0644)}),
          c_.show(path) + " is missing: the next time lefthook syncs its hooks it drops bbsot's rc line");
      plan_exclude();
    } else {
      const std::string text = text_of(local).value_or("");
      const std::string name = c_.show(local);
      if (is_bbsot_created_local_config(text)) plan_exclude();
      const auto ours = local_config_removed(text);
      if (!has_rc_line(text, rc, local)) {
        const bool yaml = local.ends_with(".yml") || local.ends_with(".yaml");
        auto tracked = git_run({"ls-files", "--error-unmatch", "--", local}, c_.work);
        if (ours.changed) {  // bbsot's own line, naming another rc script (the clone moved)
          add(step_of(kPrePushCheck, "pointed the rc line bbsot wrote in " + name + " at " + rc.yaml, true,
                      {op_write(local, ours.remove_file ? local_config_created(rc) : local_config_added(ours.text, rc),
                                mode_of(local))}),
              name + "'s rc line names another rc script than " + c_.show(c_.rc_script));
        } else if (tracked && tracked->exit_code == 0) {
          problem(name + " is tracked; bbsot adds its rc line only to an untracked lefthook-local file",
                  {"git rm --cached " + name + " (and list it in .gitignore), then run: git bbsot init"});
        } else if (!yaml) {
          problem(name + " is not YAML; bbsot adds its rc line only to a YAML lefthook-local file",
                  {"add rc: " + rc.yaml + " to " + name + " in its own syntax, then run: git bbsot init"});
        } else if (auto other = top_level_rc(text); !other.empty()) {
          problem(name + " already sets rc: " + other +
                      "; lefthook takes one rc, and bbsot's pre-push runs from it (the team's rc in lefthook.yml is "
                      "sourced by bbsot's)",
                  {"move what " + other + " does elsewhere and delete the rc line from " + name +
                   ", then run: git bbsot init"});
        } else {
          add(step_of(kPrePushCheck, "added rc: " + rc.yaml + " to " + name + " (lefthook keeps it in its hooks)", true,
                      {op_write(local, local_config_added(text, rc), mode_of(local))}),
              name + " has no rc line for bbsot: the next time lefthook syncs its hooks it drops bbsot's");
        }
      }
    }
    // lefthook's hooks themselves: the rc line is baked in when lefthook writes them.
    const std::string hook = join_path(c_.std_hooks, "pre-push");
    const std::string hook_text = text_of(hook).value_or("");
    if (manager_of(hook) != Manager::Lefthook) {
      // lefthook has no pre-push here (yet): bbsot's own link until it has.
      p_.how = "git runs " + c_.show(hook) + ", bbsot's pre-push; lefthook's hooks source " + c_.show(c_.rc_script) +
               " (rc: in lefthook-local.yml), which runs it once lefthook has a pre-push of its own";
      ensure_std_hooks_dir();
      link_slot(hook, ": git runs no bbsot pre-push");
    } else if (hook_text.find(rc.baked) == std::string::npos) {
      std::string found = "lefthook's " + c_.show(hook) + " does not source " + c_.show(c_.rc_script);
      if (is_bbsot_hook(hook + ".old", "pre-push"))
        found += " (lefthook install moved bbsot's hook to pre-push.old, which lefthook never runs)";
      found += ": git runs no bbsot pre-push";
      const std::string bin = find_lefthook(c_.work, hook_text);
      if (first_config(c_.work, kMainConfigNames).empty())
        problem(found + ", and this branch has no lefthook configuration for lefthook install to read",
                {"check out a branch that has lefthook.yml, then run: git bbsot init"});
      else if (bin.empty())
        problem(found + ", and bbsot cannot find the lefthook program to regenerate them",
                {"put lefthook on PATH (or npm install), then run: git bbsot init"});
      else
        add(make_step(kPrePushCheck, "ran lefthook install: lefthook's hooks now source " + c_.show(c_.rc_script), true,
                      [bin, work = c_.work, hook, baked = rc.baked]() -> Status {
                        return run_lefthook_install(bin, work, hook, baked);
                      }),
            found);
    }
    if (lexists(hook + kChainedSuffix) && is_bbsot_hook(hook + ".old", "pre-push"))
      p_.notes.push_back("lefthook runs neither pre-push.old nor the team's hook bbsot had kept as " +
                         std::string("pre-push.bbsot-chained; add that check to lefthook.yml"));
  }

  // In .git/info/exclude even when this branch's .gitignore has it: the rc script writes
  // lefthook-local.yml into worktrees whose branches may not.
  void plan_exclude() {
    const auto cur = text_of(c_.exclude);
    if (cur && exclude_removed(*cur).changed) return;
    std::vector<Op> ops;
    if (!is_dir(dirname_of(c_.exclude))) ops.push_back(op_mkdir(dirname_of(c_.exclude), 0755));
    ops.push_back(op_write(c_.exclude, exclude_added(cur), cur ? mode_of(c_.exclude) : 0644));
    add(step_of(kPrePushCheck, "listed /lefthook-local.yml in " + c_.show(c_.exclude) + " (git status ignores it)",
                false, std::move(ops)),
        "");
  }

  // ------------------------------------------------------------ per-clone hooks directory

  std::set<std::string> prev_hook_names() const {
    std::set<std::string> names;
    std::vector<std::string> dirs{c_.prev_dir};
    if (!c_.prev_value.starts_with('/'))  // relative: resolved in each worktree
      for (const auto& w : c_.worktrees) dirs.push_back(join_path(w, c_.prev_value));
    for (const auto& d : dirs)
      for (const auto& n : kGitHookNames) {
        const std::string p = join_path(d, n);
        if ((lexists(p) && bbsot_link_program(p).empty()) || lexists(p + kChainedSuffix)) names.insert(n);
      }
    names.erase("pre-push");  // bbsot's own, which chains the previous one
    return names;
  }

  void plan_own_dir() {
    const std::string prev = c_.prev_value + " (" + c_.prev_origin + ")";
    p_.how = "git runs this clone's hooks from " + c_.show(c_.own_dir) + ": bbsot's pre-push, then those of " +
             c_.prev_value;
    const std::string without = "core.hooksPath is " + prev + ": git runs the hooks there, and " +
                                (is_bbsot_hook(join_path(c_.prev_dir, "pre-push"), "pre-push")
                                     ? "an earlier bbsot's link among them, in place of the team's pre-push"
                                     : "no bbsot pre-push");
    std::vector<Op> dirs;
    if (!is_dir(c_.bbsot_dir)) dirs.push_back(op_mkdir(c_.bbsot_dir, 0755));
    if (!is_dir(c_.own_dir)) dirs.push_back(op_mkdir(c_.own_dir, 0755));
    if (!dirs.empty())
      add(step_of(kPrePushCheck, "created " + c_.show(c_.own_dir) + " (this clone's own hooks directory)", true,
                  std::move(dirs)),
          without);
    // bbsot's pre-push there; a foreign one means a tool wrote into bbsot's directory.
    const std::string slot = join_path(c_.own_dir, "pre-push");
    if (lexists(slot) && !is_bbsot_hook(slot, "pre-push")) {
      problem(c_.show(slot) + " is not bbsot's: a tool wrote into bbsot's own hooks directory",
              {"remove " + c_.show(slot) + " (or move it into " + c_.prev_value + "), then run: git bbsot init"});
      return;
    }
    const std::string target = hook_program("pre-push");
    if (!lexists(slot))
      add(step_of(kPrePushCheck, "linked " + c_.show(slot) + " to bbsot's pre-push (" + target + ")", true,
                  {op_symlink(slot, target)}),
          c_.show(slot) + " is missing: git runs no bbsot pre-push");
    else if (link_target(slot) != target)
      add(step_of(kPrePushCheck, "pointed " + c_.show(slot) + " at this bbsot's pre-push (" + target + ")",
                  !executable(slot), {op_relink(slot, target)}),
          c_.show(slot) + " points at " + link_target(slot) + (executable(slot) ? "" : ", which is gone"));
    // Forwarders: pre-push.bbsot-chained (run by bbsot's pre-push) and one per hook.
    auto names = prev_hook_names();
    std::vector<std::string> wanted{std::string("pre-push") + kChainedSuffix};
    wanted.insert(wanted.end(), names.begin(), names.end());
    std::vector<std::string> written;
    std::vector<Op> ops;
    std::string found;
    for (const auto& n : wanted) {
      const std::string path = join_path(c_.own_dir, n);
      const std::string hook = n.ends_with(kChainedSuffix) ? "pre-push" : n;
      const std::string body = forwarder_script(join_path(c_.prev_value, hook));
      const auto cur = text_of(path);
      if (cur && *cur == body && executable(path)) continue;
      if (lexists(path) && (!cur || !is_forwarder(*cur))) {
        problem(c_.show(path) + " is not bbsot's: a tool wrote into bbsot's own hooks directory",
                {"remove " + c_.show(path) + ", then run: git bbsot init"});
        return;
      }
      written.push_back(n);
      ops.push_back(op_write(path, body, 0755));
      if (found.empty())
        found = cur ? c_.show(path) + " does not forward to core.hooksPath " + c_.prev_value
                    : "the " + hook + " hook of " + c_.prev_value + " has no forwarder in " + c_.show(c_.own_dir) +
                          ": git would not run it";
    }
    if (!ops.empty()) {
      std::string list;
      for (const auto& n : written) list += (list.empty() ? "" : ", ") + n;
      add(step_of(
              kPrePushCheck,
              "wrote " + list + " in " + c_.show(c_.own_dir) + " (each runs the same hook of " + c_.prev_value + ")",
              true, std::move(ops)),
          found);
    }
    // Forwarders for hooks the previous directory no longer has.
    if (is_dir(c_.own_dir)) {
      std::vector<Op> stale;
      std::string list;
      for (const auto& n : kGitHookNames) {
        const std::string path = join_path(c_.own_dir, n);
        if (n == "pre-push" || names.count(n) || !is_regular(path)) continue;
        if (auto t = text_of(path); t && is_forwarder(*t)) {
          stale.push_back(op_unlink(path));
          list += (list.empty() ? "" : ", ") + n;
        }
      }
      if (!stale.empty())
        add(step_of(kPrePushCheck,
                    "removed " + list + " from " + c_.show(c_.own_dir) + " (" + c_.prev_value + " has no such hook)",
                    false, std::move(stale)),
            "");
    }
    // The configuration that makes it git's hooks directory.
    const std::string cfg = own_config_text(c_.own_dir, c_.prev_value);
    const auto cur_cfg = text_of(c_.own_config);
    if (!cur_cfg || *cur_cfg != cfg)
      add(step_of(kPrePushCheck,
                  std::string(cur_cfg ? "rewrote " : "wrote ") + c_.show(c_.own_config) +
                      " (core.hooksPath = " + c_.show(c_.own_dir) + ")",
                  !cur_cfg || !own_config_points_at(*cur_cfg, c_.own_dir), {op_write(c_.own_config, cfg, 0644)}),
          !cur_cfg ? without
          : !own_config_points_at(*cur_cfg, c_.own_dir)
              ? c_.show(c_.own_config) + " sets core.hooksPath to another directory than " + c_.show(c_.own_dir)
              : "");
    if (!c_.include_present)
      add(step_of(kPrePushCheck,
                  "included " + c_.show(c_.own_config) + " at the end of " + c_.show(c_.git_config) +
                      ", after core.hooksPath " + c_.prev_value +
                      ", so that re-running a hook manager does not "
                      "displace it (nothing was written into " +
                      c_.prev_value + ")",
                  true, {op_append_include(c_)}),
          without);
    else if (!c_.own_effective)
      add(step_of(kPrePushCheck,
                  "moved the include of " + c_.show(c_.own_config) + " to the end of " + c_.show(c_.git_config) +
                      " (a core.hooksPath after it took precedence)",
                  true, {op_remove_include(c_), op_append_include(c_)}),
          "core.hooksPath " + prev + " is read after bbsot's: git runs no bbsot pre-push");
    // Links an earlier bbsot made where git no longer looks, or into the team's directory.
    for (const std::string n : {"pre-push", "pre-push.legacy"}) {
      const std::string path = join_path(c_.std_hooks, n);
      if (is_bbsot_hook(path, "pre-push"))
        restore_slot(path, "pre-push", kPrePushCheck, false,
                     "git runs the hooks of core.hooksPath, not " + c_.show(c_.std_hooks), "");
    }
    const std::string old_link = join_path(c_.prev_dir, "pre-push");
    if (real(c_.prev_dir) != real(c_.std_hooks) && is_bbsot_hook(old_link, "pre-push"))
      restore_slot(old_link, "pre-push", kPrePushCheck, true,
                   "an earlier bbsot wrote it into " + c_.prev_value + "; bbsot's own hooks directory runs bbsot first",
                   c_.show(old_link) + " is an earlier bbsot's link in " + c_.prev_value +
                       ": bbsot would run twice, and the team's hook not at all");
  }

  // Without core.hooksPath, an earlier per-clone directory must not stay git's.
  void drop_own_dir() {
    if (c_.include_present)
      add(step_of(kPrePushCheck, "removed the include of " + c_.show(c_.own_config) + " from " + c_.show(c_.git_config),
                  c_.own_effective, {op_remove_include(c_)}),
          c_.own_effective
              ? "git runs the hooks of " + c_.show(c_.own_dir) + ", set up for a core.hooksPath that is no longer set"
              : "");
    std::vector<Op> ops;
    if (is_dir(c_.own_dir)) {
      for (const auto& n : kGitHookNames) {
        const std::string path = join_path(c_.own_dir, n);
        if (is_bbsot_hook(path, "pre-push")) ops.push_back(op_unlink(path));
        for (const std::string& f : {path, path + kChainedSuffix})
          if (auto t = text_of(f); t && is_regular(f) && is_forwarder(*t)) ops.push_back(op_unlink(f));
      }
      ops.push_back(op_rmdir_if_empty(c_.own_dir));
    }
    if (is_regular(c_.own_config)) ops.push_back(op_unlink(c_.own_config));
    if (!ops.empty())
      add(step_of(kPrePushCheck,
                  "removed " + c_.show(c_.own_dir) + " and " + c_.show(c_.own_config) + " (no longer used)", false,
                  std::move(ops)),
          "");
  }

  Clone c_;
  HookPlan p_;
  std::set<std::string> claimed_;  // chained hooks already being put back
};

Expected<std::vector<std::string>> apply_steps(std::vector<HookStep>& steps) {
  std::vector<std::string> done;
  for (size_t i = 0; i < steps.size(); ++i) {
    auto s = steps[i].run();
    if (!s) {
      for (size_t j = i; j-- > 0;) steps[j].undo();
      return Expected<std::vector<std::string>>::failure(s.error());
    }
    if (!steps[i].line.empty()) done.push_back(steps[i].line);
  }
  return done;
}

}  // namespace

Expected<HookPlan> plan_hook_wiring(const std::string& work) {
  auto c = inspect(work);
  if (!c) return Expected<HookPlan>::failure(c.error());
  return Planner(std::move(*c)).plan();
}

Expected<std::vector<std::string>> apply_hook_wiring(HookPlan& plan) {
  if (!plan.problem.empty()) return Expected<std::vector<std::string>>::failure(plan.problem);
  return apply_steps(plan.steps);
}

Expected<std::vector<std::string>> unwire_hooks(const std::string& work) {
  auto c = inspect(work);
  if (!c) return Expected<std::vector<std::string>>::failure(c.error());
  std::vector<std::string> warnings;
  HookPlan p = Planner(std::move(*c)).unwire(warnings);
  auto done = apply_steps(p.steps);
  if (!done) return done;
  for (const auto& w : warnings) done->push_back("warning: " + w);
  return done;
}

std::vector<HookCheck> check_hook_wiring(const std::string& work) {
  std::vector<HookCheck> out;
  auto p = plan_hook_wiring(work);
  if (!p) {
    out.push_back({kPrePushCheck, "fail", p.error(), "run it inside the repository's work tree"});
    return out;
  }
  const HookStep* needed = nullptr;
  const HookStep* tidy = nullptr;
  const HookStep* ref_tx = nullptr;
  for (const auto& s : p->steps) {
    if (s.check == kRefTxCheck) {
      if (!ref_tx) ref_tx = &s;
    } else if (s.needed) {
      if (!needed || (needed->found.empty() && !s.found.empty())) needed = &s;
    } else if (!tidy) {
      tidy = &s;
    }
  }
  const std::string program = hook_program("pre-push");
  if (!p->problem.empty()) {
    std::string fix;
    for (const auto& f : p->fixes) fix += (fix.empty() ? "" : "; or ") + f;
    out.push_back({kPrePushCheck, "fail", p->problem, fix});
  } else if (needed) {
    out.push_back({kPrePushCheck, "fail",
                   needed->found.empty() ? "not wired: init would " + needed->line : needed->found, kInitFix});
  } else if (!executable(program)) {
    out.push_back({kPrePushCheck, "fail", "bbsot's hook program " + program + " is missing",
                   "reinstall bbsot (install.sh), then run: " + std::string(kInitFix)});
  } else if (tidy) {
    out.push_back({kPrePushCheck, "warn",
                   tidy->found.empty() ? p->how + "; init would tidy up: " + tidy->line : tidy->found, kInitFix});
  } else {
    out.push_back({kPrePushCheck, "ok", p->how + ", bbsot " BBSOT_VERSION, ""});
  }
  if (ref_tx) {
    std::string detail = ref_tx->found;
    size_t more = 0;
    for (const auto& s : p->steps) more += s.check == kRefTxCheck;
    if (more > 1) detail += " (and " + std::to_string(more - 1) + " more)";
    out.push_back(
        {kRefTxCheck, "fail", detail, std::string(kInitFix) + " (removes it and puts back any hook it had kept)"});
  }
  return out;
}

bool pre_commit_runs_bbsot(const std::string& work) {
  const std::string common = git_out({"rev-parse", "--path-format=absolute", "--git-common-dir"}, work);
  if (common.empty()) return false;
  const std::string legacy = join_path(join_path(common, "hooks"), "pre-push.legacy");
  return is_bbsot_hook(legacy, "pre-push") && executable(legacy);
}

}  // namespace bbsot
