#include "history/git_repo.hpp"

#include <git2.h>

namespace bbsot {

namespace {

void init_once() {
  static const int rc = git_libgit2_init();
  (void)rc;
}

std::string strip_slash(const char* p) {
  std::string s = p ? p : "";
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::string git_error_text() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

void GitRepo::Free::operator()(git_repository* r) const { git_repository_free(r); }

GitRepo::~GitRepo() = default;

Expected<GitRepo> GitRepo::open_from_env() {
  init_once();
  git_repository* r = nullptr;
  if (git_repository_open_ext(&r, nullptr, GIT_REPOSITORY_OPEN_FROM_ENV, nullptr) != 0)
    return Expected<GitRepo>::failure("not in a git repository (" + git_error_text() + ")");
  return GitRepo(r);
}

Expected<GitRepo> GitRepo::open(const std::string& path) {
  init_once();
  git_repository* r = nullptr;
  if (git_repository_open_ext(&r, path.c_str(), 0, nullptr) != 0)
    return Expected<GitRepo>::failure("cannot open repository " + path + " (" + git_error_text() + ")");
  return GitRepo(r);
}

std::string GitRepo::git_dir() const { return strip_slash(git_repository_path(get())); }
std::string GitRepo::common_dir() const { return strip_slash(git_repository_commondir(get())); }
std::string GitRepo::workdir() const { return strip_slash(git_repository_workdir(get())); }

std::string GitRepo::config_string(const std::string& key) const {
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, get()) != 0) return "";
  const char* v = nullptr;
  std::string out;
  if (git_config_get_string(&v, cfg, key.c_str()) == 0 && v) out = v;
  git_config_free(cfg);
  return out;
}

}  // namespace bbsot
