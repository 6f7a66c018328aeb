#include "git/git_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "base/files.hpp"

namespace bbsot {

namespace {

std::string trim_eol(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string current_dir() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

std::string absolute(const std::string& p) { return p.starts_with('/') ? p : join_path(current_dir(), p); }

std::string real_or_same(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool hex_id(const std::string& s) {
  return (s.size() == 40 || s.size() == 64) &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int hex_nibble(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::string id_bytes(const std::string& id) {
  std::string out(id.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(hex_nibble(id[2 * i]) * 16 + hex_nibble(id[2 * i + 1]));
  return out;
}

bool pread_all(int fd, void* buf, size_t n, off_t at) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, at);
    if (r <= 0) return false;
    p += r;
    at += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

uint32_t be32(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

// One pack index: binary search of the sorted names inside the fan-out bucket, by pread,
// so a large index costs a few reads, not a full load.
bool idx_has(const std::string& path, const std::string& raw) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char head[8];
  bool found = false;
  if (pread_all(fd, head, sizeof head, 0)) {
    const bool v2 = std::memcmp(head, "\377tOc", 4) == 0 && be32(head + 4) == 2;
    const off_t fanout_at = v2 ? 8 : 0;
    const off_t names_at = fanout_at + off_t{256} * 4;
    const size_t stride = v2 ? raw.size() : raw.size() + 4;  // v1: offset, then the name
    const size_t name_off = v2 ? 0 : 4;
    const auto bucket = static_cast<unsigned char>(raw[0]);
    unsigned char fb[8];
    uint32_t lo = 0, hi = 0;
    if (bucket == 0) {
      found = pread_all(fd, fb + 4, 4, fanout_at);
      hi = found ? be32(fb + 4) : 0;
    } else {
      found = pread_all(fd, fb, 8, fanout_at + off_t{bucket - 1} * 4);
      if (found) lo = be32(fb), hi = be32(fb + 4);
    }
    found = false;
    std::string name(raw.size(), '\0');
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (!pread_all(fd, name.data(), name.size(), names_at + static_cast<off_t>(mid) * static_cast<off_t>(stride) +
                                                         static_cast<off_t>(name_off)))
        break;
      const int c = std::memcmp(name.data(), raw.data(), raw.size());
      if (c == 0) {
        found = true;
        break;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  ::close(fd);
  return found;
}

bool store_has(const std::string& objects, const std::string& id, const std::string& raw, int depth) {
  struct stat st;
  if (::stat(join_path(objects, id.substr(0, 2) + "/" + id.substr(2)).c_str(), &st) == 0) return true;
  const std::string pack = join_path(objects, "pack");
  if (DIR* d = ::opendir(pack.c_str())) {
    bool found = false;
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 4 && n.ends_with(".idx") && idx_has(join_path(pack, n), raw)) {
        found = true;
        break;
      }
    }
    ::closedir(d);
    if (found) return true;
  }
  if (depth >= 5) return false;  // git's own limit on chained alternates
  auto alternates = read_file(join_path(objects, "info/alternates"), 1 << 16);
  if (!alternates) return false;
  size_t pos = 0;
  while (pos < alternates->size()) {
    size_t end = std::min(alternates->find('\n', pos), alternates->size());
    std::string line = trim_eol(alternates->substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (store_has(line.starts_with('/') ? line : join_path(objects, line), id, raw, depth + 1)) return true;
  }
  return false;
}

}  // namespace

Expected<GitDirs> locate_git_dirs_for_hook() {
  using E = Expected<GitDirs>;
  GitDirs d;
  const std::string cwd = current_dir();
  if (auto env = getenv_str("GIT_DIR")) {
    d.git_dir = absolute(*env);
    if (auto wt = getenv_str("GIT_WORK_TREE")) d.work_tree = absolute(*wt);
    else if (real_or_same(cwd) != real_or_same(d.git_dir)) d.work_tree = cwd;
  } else if (is_dir(".git")) {
    d.git_dir = join_path(cwd, ".git");
    d.work_tree = cwd;
  } else if (auto text = read_file(".git", 4096); text && text->starts_with("gitdir: ")) {
    d.git_dir = absolute(trim_eol(text->substr(8)));
    d.work_tree = cwd;
  } else if (path_exists("HEAD") && is_dir("objects") && is_dir("refs")) {
    d.git_dir = cwd;  // git runs a bare repository's hooks in the repository itself
  } else {
    return E::failure("cannot find the git directory from " + cwd + " (no $GIT_DIR, no .git)");
  }
  d.common_dir = common_dir_of(d.git_dir);
  return d;
}

std::string common_dir_of(const std::string& git_dir) {
  auto text = read_file(join_path(git_dir, "commondir"), 4096);
  if (!text) return git_dir;
  const std::string c = trim_eol(*text);
  return c.starts_with('/') ? c : real_or_same(join_path(git_dir, c));
}

namespace {

// Lookups in one directory answered by open() before the directory is listed: a push of
// a few refs opens a few files; a big one lists refs/remotes/<remote>/ once.
constexpr int kLookupsBeforeListing = 8;

}  // namespace

bool RefReader::may_be_loose(const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash == std::string::npos) return true;
  LooseDir& d = loose_dirs_[name.substr(0, slash)];
  if (!d.listed && ++d.lookups > kLookupsBeforeListing) {
    d.listed = true;
    if (DIR* dir = ::opendir(join_path(common_, name.substr(0, slash)).c_str())) {
      while (dirent* e = ::readdir(dir)) d.names.insert(e->d_name);
      ::closedir(dir);
    }
  }
  return !d.listed || d.names.count(name.substr(slash + 1)) > 0;
}

std::optional<std::string_view> RefReader::packed(const std::string& name) {
  if (!packed_loaded_) {
    packed_loaded_ = true;
    if (auto text = read_file(join_path(common_, "packed-refs"), size_t{1} << 30)) packed_text_ = std::move(*text);
    const std::string_view t = packed_text_;
    bool sorted = true;
    size_t pos = 0;
    while (pos < t.size()) {
      const size_t end = std::min(t.find('\n', pos), t.size());
      if (t[pos] != '#' && t[pos] != '^') {
        const size_t sp = t.find(' ', pos);
        if (sp != std::string_view::npos && sp < end) {
          std::string_view ref = t.substr(sp + 1, end - sp - 1);
          if (!ref.empty() && ref.back() == '\r') ref.remove_suffix(1);
          if (!packed_.empty() && !(packed_.back().first < ref)) sorted = false;
          packed_.emplace_back(ref, t.substr(pos, sp - pos));
        }
      }
      pos = end + 1;
    }
    // git writes packed-refs sorted; a file that is not is sorted here (the first entry
    // of a duplicate name wins, as a stable sort keeps it first).
    if (!sorted) std::stable_sort(packed_.begin(), packed_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  auto it = std::lower_bound(packed_.begin(), packed_.end(), name,
                             [](const auto& entry, const std::string& n) { return entry.first < n; });
  if (it == packed_.end() || it->first != name) return std::nullopt;
  return it->second;
}

std::optional<std::string> RefReader::id(const std::string& ref) {
  std::string name = ref;
  for (int depth = 0; depth < 5; ++depth) {
    if (may_be_loose(name)) {
      if (auto text = read_file(join_path(common_, name), 4096)) {
        const std::string v = trim_eol(*text);
        if (v.starts_with("ref: ")) {
          name = v.substr(5);
          continue;
        }
        if (hex_id(v)) return v;
        return std::nullopt;
      }
    }
    auto p = packed(name);
    if (!p || !hex_id(std::string(*p))) return std::nullopt;
    return std::string(*p);
  }
  return std::nullopt;
}

std::vector<ReflogEntry> read_reflog(const std::string& common_dir, const std::string& ref, size_t max_bytes) {
  std::vector<ReflogEntry> out;
  const std::string path = join_path(common_dir, "logs/" + ref);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st;
  std::string text;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    const size_t n = std::min(size, max_bytes);
    text.resize(n);
    if (!pread_all(fd, text.data(), n, static_cast<off_t>(size - n))) text.clear();
    if (n < size) text.erase(0, std::min(text.size(), text.find('\n') + 1));  // a cut first line
  }
  ::close(fd);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    // "<old> <new> <name> <<email>> <time> <tz>\t<message>"
    const size_t a = line.find(' ');
    const size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
    const size_t tab = line.find('\t');
    const size_t gt = line.rfind('>', tab);
    if (b == std::string::npos || gt == std::string::npos || gt < b) continue;
    ReflogEntry e;
    e.old_id = line.substr(0, a);
    e.new_id = line.substr(a + 1, b - a - 1);
    if (!hex_id(e.old_id) || !hex_id(e.new_id)) continue;
    const std::string when = line.substr(gt + 1, (tab == std::string::npos ? line.size() : tab) - gt - 1);
    char* stop = nullptr;
    e.time = std::strtoll(when.c_str(), &stop, 10);
    e.message = tab == std::string::npos ? "" : line.substr(tab + 1);
    out.push_back(std::move(e));
  }
  return out;
}

bool has_object(const std::string& common_dir, const std::string& id) {
  if (!hex_id(id)) return false;
  return store_has(join_path(common_dir, "objects"), id, id_bytes(id), 0);
}

}  // namespace bbsot
