// pre-push's stdin (githooks(5): "<local ref> SP <local sha> SP <remote ref> SP <remote
// sha> LF") and the remote URL git passes as its second argument, here the first line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "git/push_lines.hpp"
#include "git/remote_url.hpp"
#include "history/push_analysis.hpp"

using namespace bbsot;

namespace {

RepoConfig cloud_config() {
  RepoConfig c;
  c.integration.type = BitbucketType::Cloud;
  c.integration.repository = "acme/shop";
  c.integration.url = kCloudUrl;
  c.integration.project = "abcdefgh1234567";
  return c;
}

RepoConfig server_config() {
  RepoConfig c;
  c.integration.type = BitbucketType::Server;
  c.integration.repository = "PROJ/shop";
  c.integration.url = "https://bb.example.com:8443/bitbucket";
  c.remotes.mirror_patterns = {"git.*.platform.sh", "*.example.net"};
  return c;
}

bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

bool hex_or_null(std::string_view id) {
  if (id.size() != 40 && id.size() != 64) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void check_url(const std::string& url) {
  static const RepoConfig cloud = cloud_config();
  static const RepoConfig server = server_config();
  const RemoteUrl u = parse_remote_url(url);
  if (u.valid) {
    // A parsed URL is safe to print: no control characters anywhere, never a password.
    // Only file:// may leave the host empty.
    if ((u.host.empty() && u.scheme != "file") || has_control(u.host) || has_control(u.path) || has_control(u.user))
      std::abort();
    if (u.port < 0 || u.port > 65535) std::abort();
    (void)bitbucket_repo_key(u);
    (void)mirror_belongs_to_project(u, "abcdefgh1234567");
  }
  (void)classify_remote("origin", url, cloud);
  (void)classify_remote("platform", url, server);
  if (has_control(redact_remote_url(url))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  // What analyse_push relies on. The local ref may be empty (" <sha> refs/heads/x <sha>"):
  // git always sends one, and bbsot never reads it.
  for (const PushLine& l : parse_push_lines(text, &warnings))
    if (!l.remote_ref.starts_with("refs/") || !hex_or_null(l.local_id) || !hex_or_null(l.remote_id)) std::abort();
  check_url(text.substr(0, text.find('\n')));
  return 0;
}
