#include "git/remotes.hpp"

#include <algorithm>

#include "git/git_cli.hpp"

namespace bbsot {

Expected<std::vector<NamedRemote>> list_remotes(const std::string& git_dir, const RepoConfig& cfg) {
  using E = Expected<std::vector<NamedRemote>>;
  // -z: a key ends at '\n' (its value follows) and an entry at NUL, so values with any
  // byte are safe. Remote names may contain dots: the key is remote.<name>.url.
  auto r = git_run({"--git-dir=" + git_dir, "config", "-z", "--get-regexp", "^remote\\..*\\.(url|pushurl)$"});
  if (!r) return E::failure(r.error());
  if (r->exit_code != 0 && r->exit_code != 1) return E::failure("git config could not list the remotes");
  std::vector<NamedRemote> out;
  std::vector<std::pair<std::string, std::string>> push_urls;
  size_t pos = 0;
  const std::string& t = r->out;
  while (pos < t.size()) {
    const size_t end = std::min(t.find('\0', pos), t.size());
    const std::string entry = t.substr(pos, end - pos);
    pos = end + 1;
    const size_t nl = entry.find('\n');
    if (nl == std::string::npos) continue;
    const std::string key = entry.substr(0, nl), value = entry.substr(nl + 1);
    const size_t dot = key.rfind('.');
    if (dot == std::string::npos || dot <= 7) continue;
    const std::string name = key.substr(7, dot - 7), kind = key.substr(dot + 1);
    if (kind == "pushurl") {
      push_urls.emplace_back(name, value);
      continue;
    }
    if (std::none_of(out.begin(), out.end(), [&](const NamedRemote& n) { return n.name == name; }))
      out.push_back({name, value, RemoteRole::Other});
  }
  for (const auto& [name, url] : push_urls)
    for (auto& n : out)
      if (n.name == name) n.url = url;
  for (auto& n : out) n.role = classify_remote(n.name, n.url, cfg);
  return out;
}

std::string remote_with_role(const std::vector<NamedRemote>& remotes, RemoteRole role) {
  for (const auto& r : remotes)
    if (r.role == role) return r.name;
  return "";
}

}  // namespace bbsot
