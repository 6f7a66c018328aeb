// libgit2, opened the way git itself found the repository (GIT_DIR and friends from the
// environment, else discovery from the current directory). Only programs that need
// object access link this: never the reference-transaction fast path.
#pragma once
#include <memory>
#include <string>

#include "base/error.hpp"

struct git_repository;

namespace bbsot {

class GitRepo {
 public:
  static Expected<GitRepo> open_from_env();
  static Expected<GitRepo> open(const std::string& path);
  GitRepo(GitRepo&&) noexcept = default;
  GitRepo& operator=(GitRepo&&) noexcept = default;
  ~GitRepo();

  git_repository* get() const { return repo_.get(); }
  std::string git_dir() const;     // this worktree's git dir, no trailing slash
  std::string common_dir() const;  // shared by all worktrees
  std::string workdir() const;     // empty for a bare repository
  // A config value as git would read it (repository, user and system files), or "".
  std::string config_string(const std::string& key) const;

 private:
  struct Free {
    void operator()(git_repository* r) const;
  };
  explicit GitRepo(git_repository* r) : repo_(r) {}
  std::unique_ptr<git_repository, Free> repo_;
};

// The last libgit2 error as one line.
std::string git_error_text();

}  // namespace bbsot
