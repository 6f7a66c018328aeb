// Git remote URLs and remote roles (docs/DESIGN.md "Hooks and push reports"). The hooks must
// tell the Bitbucket repository (source) from the platform's git remote (mirror) by the
// URL git hands them, in whatever form the user wrote it, without being fooled by
// lookalike hosts. Parsing is pure string work: no DNS, no git, no exceptions.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace bbsot {

// A normalised remote URL. Never holds a password: a `user:password@` in the input is
// dropped during parsing, so a RemoteUrl is always safe to print.
struct RemoteUrl {
  std::string scheme;  // "https", "http", "ssh", "git", "file"; scp-like becomes "ssh"
  std::string user;    // percent-decoded for URL forms
  std::string host;    // lower-cased, no trailing dot, IPv6 without brackets
  int port = 0;        // 0 = the scheme's default (an explicit default port becomes 0)
  std::string path;    // no leading/trailing '/', no ".git" suffix, percent-decoded
                       // (URL forms, as git does), dot segments resolved; case kept
  bool valid = false;
};

// Accepts what git accepts for a remote: scheme://[user[:password]@]host[:port]/path with
// schemes https, http, ssh (also git+ssh, ssh+git), git and file://[host]/path; scp-like
// [user@]host:path, user@[ipv6]:path and git's [user@host:port]:path. Rejects (valid=false): local paths (./x,
// ../x, /x, x, C:\x, C:/x), empty input, whitespace or control characters (also
// percent-encoded), unknown schemes, bad hosts/ports/escapes and an empty path.
RemoteUrl parse_remote_url(std::string_view url);

// The Bitbucket repository a URL names, lower-cased, or "" when not recognisable:
//  Cloud (host bitbucket.org; ssh also altssh.bitbucket.org): "owner/repo" from
//    https://[user@]bitbucket.org/owner/repo[.git] and git@bitbucket.org:owner/repo[.git].
//  Server/Data Center (any other host): "project/repo" from HTTP(S)
//    [/context]/scm/PROJECT/repo[.git], from browse URLs [/context]/projects/PROJECT/repos/
//    repo[/...] (personal: users/NAME/repos/repo -> "~name/repo"), and from ssh (any port,
//    usually 7999) /PROJECT/repo[.git].
std::string bitbucket_repo_key(const RemoteUrl& u);

enum class RemoteRole { Source, Mirror, Other };
const char* to_string(RemoteRole r);  // "source" | "mirror" | "other"

// Host globs of the known Platform.sh-family git endpoints, used when
// remotes.mirror_patterns is empty. Each platform git remote looks like
// <project-id>@git.<region>.<vendor domain>:<project-id>.git:
//   git.*.platform.sh      Platform.sh regions (git.eu-5.platform.sh) and dedicated clusters
//   git.*.upsun.com        Upsun (Platform.sh's successor brand)
//   git.*.platformsh.site  Platform.sh preview/staging endpoints
//   git.*.magento.cloud    Adobe Commerce Cloud, a Platform.sh white label
// '*' spans dots, but the fixed suffix keeps lookalikes such as
// git.eu-5.platform.sh.evil.com out.
const std::vector<std::string>& default_mirror_patterns();

// '*' matches any run of characters (including none and dots); everything else matches
// itself, ASCII case-insensitively. The whole text must match.
bool glob_match(std::string_view pattern, std::string_view text);

// True when the mirror URL belongs to the platform project `project` (its user or its
// path starts with the project id). Used for messages: any mirror is a Mirror either way.
bool mirror_belongs_to_project(const RemoteUrl& u, std::string_view project);

// The role of remote `name` with URL `url`:
//  1. the URL is on the integration's host (Cloud: integration.url, default
//     https://bitbucket.org, over http(s) or ssh; Server: the host of integration.url over
//     any of http, https, ssh, ssh on any port) and its repository key equals
//     integration.repository (case-insensitive) -> Source;
//  2. the host matches cfg.remotes.mirror_patterns (default_mirror_patterns() when empty)
//     -> Mirror, whichever platform project it belongs to;
//  3. otherwise cfg.remotes.source / cfg.remotes.mirror name it -> Source / Mirror;
//  4. otherwise Other (also for URLs that do not parse).
// A recognised URL beats the name: the names in .bbsot.yml are shared, but each clone
// chose its own, and a teammate whose `origin` is the platform must still be refused.
RemoteRole classify_remote(const std::string& name, const std::string& url, const RepoConfig& cfg);

// `url` as given, with the password of a scheme://user:password@host form replaced by
// nothing (scheme://user@host...) and control characters by '?': safe for messages.
std::string redact_remote_url(std::string_view url);

}  // namespace bbsot
