// reference-transaction: git runs this on every ref update (each commit runs it twice),
// so the common case must cost no more than starting an empty program. Only libc is used
// here; no configuration is read and no library is started until a push armed this
// worktree by creating <git dir>/bbsot-armed. Then, on "committed", the work is handed to
// libexec/bbsot/bbsot-deliver, which also runs any chained hook.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <sys/stat.h>

namespace {

const char kMarker[] = "bbsot-armed";
const char kChained[] = "reference-transaction.bbsot-chained";

// Joins into a fixed buffer; false when it does not fit.
bool join(char* out, size_t size, const char* a, const char* b) {
  size_t la = std::strlen(a), lb = std::strlen(b);
  if (la + 1 + lb + 1 > size) return false;
  std::memcpy(out, a, la);  // NOLINT(bugprone-not-null-terminated-result): b's copy ends it
  out[la] = '/';
  std::memcpy(out + la + 1, b, lb + 1);
  return true;
}

// Whether this worktree is armed, finding its git dir as git's hook environment gives it:
// $GIT_DIR in linked worktrees, else ".git" (a directory, or a "gitdir:" file for
// submodules) in a work tree, else "." (bare). The common case is a single stat.
bool armed(char* out, size_t size) {
  struct stat st;
  const char* git_dir = std::getenv("GIT_DIR");
  if (git_dir && *git_dir) return join(out, size, git_dir, kMarker) && ::stat(out, &st) == 0;
  if (!join(out, size, ".git", kMarker)) return false;
  if (::stat(out, &st) == 0) return true;
  if (errno == ENOENT) {
    if (::stat(".git", &st) == 0) return false;                     // a work tree, nothing armed
    return join(out, size, ".", kMarker) && ::stat(out, &st) == 0;  // bare repository
  }
  if (errno != ENOTDIR) return false;
  // .git is a file: "gitdir: <path>".
  char buf[PATH_MAX + 16];
  int fd = ::open(".git", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 8 || std::strncmp(buf, "gitdir: ", 8) != 0) return false;
  buf[n] = '\0';
  buf[std::strcspn(buf, "\r\n")] = '\0';
  return join(out, size, buf + 8, kMarker) && ::stat(out, &st) == 0;
}

void run_chained(const char* hooks_dir, char** argv) {
  char path[PATH_MAX];
  if (!join(path, sizeof path, hooks_dir, kChained)) return;
  argv[0] = path;
  ::execv(path, argv);  // returns only when there is no chained hook
}

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  char hooks_dir[PATH_MAX];
  const char* slash = std::strrchr(argv[0], '/');
  size_t len = slash ? static_cast<size_t>(slash - argv[0]) : 1;
  if (len >= sizeof hooks_dir) return 0;
  std::memcpy(hooks_dir, slash ? argv[0] : ".", len);
  hooks_dir[len] = '\0';

  char marker[PATH_MAX];
  if (!argv[1] || std::strcmp(argv[1], "committed") != 0 || !armed(marker, sizeof marker)) {
    run_chained(hooks_dir, argv);
    return 0;
  }
  // Slow path: bbsot-deliver lives next to our real location, libexec/bbsot/hooks/..
  char prog[PATH_MAX];
  const char* dir = std::getenv("BBSOT_LIBEXEC_DIR");
  char self[PATH_MAX];
  if (!dir || !*dir) {
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 0;
    self[n] = '\0';
    for (int up = 0; up < 2; ++up) *std::strrchr(self, '/') = '\0';  // .../libexec/bbsot
    dir = self;
  }
  if (!join(prog, sizeof prog, dir, "bbsot-deliver")) return 0;
  char* args[] = {prog, const_cast<char*>("confirm"), hooks_dir, marker, nullptr};
  ::execv(prog, args);
  run_chained(hooks_dir, argv);  // bbsot is broken or half-uninstalled: never fail git
  return 0;
}
