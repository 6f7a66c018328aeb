// reference-transaction, kept only for clones set up by bbsot 0.1, which linked this
// program as the hook (possibly with a team's own hook kept as
// reference-transaction.bbsot-chained). bbsot no longer needs the hook: a push is
// confirmed once, by the detached watcher, after git ends. Until `git bbsot init` (or
// doctor's fix) removes the link and puts the team's hook back, this program hands
// every run to that hook unchanged, so the upgrade never silently drops it; without
// one it exits at once. libc only: git runs it on every ref update.
#include <unistd.h>

#include <climits>
#include <cstring>

int main(int argc, char** argv) {
  (void)argc;
  static const char kChained[] = "reference-transaction.bbsot-chained";
  char path[PATH_MAX];
  const char* slash = std::strrchr(argv[0], '/');
  const size_t dir_len = slash ? static_cast<size_t>(slash - argv[0]) + 1 : 0;
  if (dir_len + sizeof kChained > sizeof path) return 0;
  std::memcpy(path, argv[0], dir_len);
  std::memcpy(path + dir_len, kChained, sizeof kChained);
  argv[0] = path;
  ::execv(path, argv);  // returns only when there is no chained hook
  return 0;
}
