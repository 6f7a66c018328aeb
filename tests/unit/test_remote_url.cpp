#include <gtest/gtest.h>

#include "git/remote_url.hpp"

namespace bbsot {
namespace {

struct ParseCase {
  const char* url;
  bool valid;
  const char* scheme;
  const char* user;
  const char* host;
  int port;
  const char* path;
  const char* key;  // bitbucket_repo_key
};

// clang-format off
const ParseCase kParseCases[] = {
  // Bitbucket Cloud, https
  {"https://bitbucket.org/acme/widget.git", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/widget", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/widget/", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/widget.git//", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://jdoe@bitbucket.org/acme/widget.git", true, "https", "jdoe", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://x-token-auth:s3cr3tPa55@bitbucket.org/acme/widget.git", true, "https", "x-token-auth", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://BitBucket.ORG/Acme/Widget.GIT", true, "https", "", "bitbucket.org", 0, "Acme/Widget", "acme/widget"},
  {"https://bitbucket.org:443/acme/widget.git", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org./acme/widget.git", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/my%20widget.git", false, "", "", "", 0, "", ""},  // decoded space
  {"https://bitbucket.org/acme/wid%67et.git", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://j%40doe@bitbucket.org/acme/widget", true, "https", "j@doe", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/widget.git?x=1#frag", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/./other/../widget", true, "https", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org/acme/widget/src/main/", true, "https", "", "bitbucket.org", 0, "acme/widget/src/main", ""},
  {"https://bitbucket.org/acme", true, "https", "", "bitbucket.org", 0, "acme", ""},
  {"http://bitbucket.org/acme/widget", true, "http", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  // Bitbucket Cloud, ssh
  {"git@bitbucket.org:acme/widget.git", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"git@bitbucket.org:acme/widget", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"git@bitbucket.org:/acme/widget.git/", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"ssh://git@bitbucket.org/acme/widget.git", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"ssh://git@bitbucket.org:22/acme/widget.git", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"git+ssh://git@bitbucket.org/acme/widget.git", true, "ssh", "git", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"ssh://git@altssh.bitbucket.org:443/acme/widget.git", true, "ssh", "git", "altssh.bitbucket.org", 443, "acme/widget", "acme/widget"},
  {"bitbucket.org:acme/widget.git", true, "ssh", "", "bitbucket.org", 0, "acme/widget", "acme/widget"},
  {"git@bitbucket.org:acme/wid%67et.git", true, "ssh", "git", "bitbucket.org", 0, "acme/wid%67et", "acme/wid%67et"},
  // Lookalike hosts: never bitbucket.org
  {"https://bitbucket.org.evil.com/acme/widget.git", true, "https", "", "bitbucket.org.evil.com", 0, "acme/widget", ""},
  {"https://evilbitbucket.org/acme/widget.git", true, "https", "", "evilbitbucket.org", 0, "acme/widget", ""},
  {"https://bitbucket.org@evil.com/acme/widget.git", true, "https", "bitbucket.org", "evil.com", 0, "acme/widget", ""},
  {"https://bitbucket.org:pw@evil.com/acme/widget.git", true, "https", "bitbucket.org", "evil.com", 0, "acme/widget", ""},
  {"git@bitbucket.org@evil.com:acme/widget.git", true, "ssh", "git@bitbucket.org", "evil.com", 0, "acme/widget", "acme/widget"},
  {"https://bitbucket.org%2eevil.com/acme/widget.git", true, "https", "", "bitbucket.org.evil.com", 0, "acme/widget", ""},  // curl decodes the host
  {"https://bitbucket.org\\@evil.com/acme/widget.git", false, "", "", "", 0, "", ""},
  // Bitbucket Server / Data Center
  {"https://git.example.com/scm/PROJ/repo.git", true, "https", "", "git.example.com", 0, "scm/PROJ/repo", "proj/repo"},
  {"https://git.example.com/scm/PROJ/repo", true, "https", "", "git.example.com", 0, "scm/PROJ/repo", "proj/repo"},
  {"https://jdoe@git.example.com:8443/bitbucket/scm/PROJ/repo.git", true, "https", "jdoe", "git.example.com", 8443, "bitbucket/scm/PROJ/repo", "proj/repo"},
  {"http://git.example.com:7990/scm/proj/repo.git/", true, "http", "", "git.example.com", 7990, "scm/proj/repo", "proj/repo"},
  {"https://git.example.com/scm/~jdoe/repo.git", true, "https", "", "git.example.com", 0, "scm/~jdoe/repo", "~jdoe/repo"},
  {"https://git.example.com/projects/PROJ/repos/repo/browse", true, "https", "", "git.example.com", 0, "projects/PROJ/repos/repo/browse", "proj/repo"},
  {"https://git.example.com/bb/projects/PROJ/repos/repo", true, "https", "", "git.example.com", 0, "bb/projects/PROJ/repos/repo", "proj/repo"},
  {"https://git.example.com/users/JDoe/repos/repo/browse", true, "https", "", "git.example.com", 0, "users/JDoe/repos/repo/browse", "~jdoe/repo"},
  {"ssh://git@git.example.com:7999/PROJ/repo.git", true, "ssh", "git", "git.example.com", 7999, "PROJ/repo", "proj/repo"},
  {"ssh://git@git.example.com:7999/PROJ/repo", true, "ssh", "git", "git.example.com", 7999, "PROJ/repo", "proj/repo"},
  {"ssh://git@git.example.com:7999/~jdoe/repo.git", true, "ssh", "git", "git.example.com", 7999, "~jdoe/repo", "~jdoe/repo"},
  {"git@git.example.com:PROJ/repo.git", true, "ssh", "git", "git.example.com", 0, "PROJ/repo", "proj/repo"},
  {"git@git.example.com:../repo.git", true, "ssh", "git", "git.example.com", 0, "../repo", ""},
  {"ssh://git@git.example.com/PROJ/x/../repo.git", true, "ssh", "git", "git.example.com", 0, "PROJ/repo", "proj/repo"},
  {"https://git.example.com/PROJ/repo.git", true, "https", "", "git.example.com", 0, "PROJ/repo", ""},
  {"https://git.example.com/scm/PROJ/repo/extra.git", true, "https", "", "git.example.com", 0, "scm/PROJ/repo/extra", ""},
  {"ssh://git@[2001:db8::1]:7999/PROJ/repo.git", true, "ssh", "git", "2001:db8::1", 7999, "PROJ/repo", "proj/repo"},
  {"git@[2001:DB8::1]:PROJ/repo.git", true, "ssh", "git", "2001:db8::1", 0, "PROJ/repo", "proj/repo"},
  {"[git@git.example.com:7999]:PROJ/repo.git", true, "ssh", "git", "git.example.com", 7999, "PROJ/repo", "proj/repo"},
  // Platform.sh / Upsun mirrors
  {"abcdefg123@git.eu-5.platform.sh:abcdefg123.git", true, "ssh", "abcdefg123", "git.eu-5.platform.sh", 0, "abcdefg123", ""},
  {"ssh://abcdefg123@git.us-2.platform.sh/abcdefg123.git", true, "ssh", "abcdefg123", "git.us-2.platform.sh", 0, "abcdefg123", ""},
  {"abcdefg123@git.ca-1.upsun.com:abcdefg123.git", true, "ssh", "abcdefg123", "git.ca-1.upsun.com", 0, "abcdefg123", ""},
  // Other schemes
  {"git://example.com/acme/widget.git", true, "git", "", "example.com", 0, "acme/widget", ""},
  {"git://example.com:9418/acme/widget", true, "git", "", "example.com", 0, "acme/widget", ""},
  {"file:///srv/git/widget.git", true, "file", "", "", 0, "srv/git/widget", ""},
  {"file://localhost/srv/git/widget.git/", true, "file", "", "localhost", 0, "srv/git/widget", ""},
  {"FILE:///srv/git/widget/.git", true, "file", "", "", 0, "srv/git/widget", ""},
  // Local paths: not remote URLs
  {"./widget", false, "", "", "", 0, "", ""},
  {"../widget.git", false, "", "", "", 0, "", ""},
  {"/srv/git/widget.git", false, "", "", "", 0, "", ""},
  {"widget", false, "", "", "", 0, "", ""},
  {"C:\\repos\\widget", false, "", "", "", 0, "", ""},
  {"C:/repos/widget", false, "", "", "", 0, "", ""},
  {"./dir:with/colon", false, "", "", "", 0, "", ""},
  // Empty and garbage
  {"", false, "", "", "", 0, "", ""},
  {" ", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/acme/widget.git\n", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/acme/wid get", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/acme/widget%0a", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/acme/widget%zz", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/acme/widget%", false, "", "", "", 0, "", ""},
  {"https://", false, "", "", "", 0, "", ""},
  {"https:///acme/widget", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org/", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org:99999/acme/widget", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org:0/acme/widget", false, "", "", "", 0, "", ""},
  {"https://bitbucket.org:http/acme/widget", false, "", "", "", 0, "", ""},
  {"ftp://bitbucket.org/acme/widget.git", false, "", "", "", 0, "", ""},
  {"codecommit::us-east-1://widget", false, "", "", "", 0, "", ""},
  {"://bitbucket.org/acme/widget", false, "", "", "", 0, "", ""},
  {"git@bitbucket.org:", false, "", "", "", 0, "", ""},
  {":acme/widget", false, "", "", "", 0, "", ""},
  {"-oProxyCommand=evil:acme/widget", false, "", "", "", 0, "", ""},
  {"ssh://-oProxyCommand=evil/acme/widget", false, "", "", "", 0, "", ""},
  {"https://bit..bucket.org/acme/widget", false, "", "", "", 0, "", ""},
  {"https://[::1/acme/widget", false, "", "", "", 0, "", ""},
  {"\x7f", false, "", "", "", 0, "", ""},
};
// clang-format on

TEST(RemoteUrlParse, Table) {
  ASSERT_GE(std::size(kParseCases), 40u);
  for (const auto& c : kParseCases) {
    SCOPED_TRACE(testing::Message() << "url: [" << redact_remote_url(c.url) << "]");
    RemoteUrl u = parse_remote_url(c.url);
    EXPECT_EQ(u.valid, c.valid);
    EXPECT_EQ(u.scheme, c.scheme);
    EXPECT_EQ(u.user, c.user);
    EXPECT_EQ(u.host, c.host);
    EXPECT_EQ(u.port, c.port);
    EXPECT_EQ(u.path, c.path);
    EXPECT_EQ(bitbucket_repo_key(u), c.key);
  }
}

TEST(RemoteUrlParse, InvalidResultIsEmpty) {
  RemoteUrl u = parse_remote_url("https://jdoe@bitbucket.org:99999/acme/widget");
  EXPECT_FALSE(u.valid);
  EXPECT_TRUE(u.scheme.empty() && u.user.empty() && u.host.empty() && u.path.empty());
  EXPECT_EQ(bitbucket_repo_key(u), "");
}

TEST(RemoteUrlSecrets, PasswordNeverKept) {
  const char* secret = "s3cr3tPa55";
  for (const char* url :
       {"https://x-token-auth:s3cr3tPa55@bitbucket.org/acme/widget.git",
        "ssh://git:s3cr3tPa55@git.example.com:7999/PROJ/repo.git", "https://user:s3cr3tPa55@bad host/x",
        "https://user:s3cr3tPa55/x@git.example.com/scm/P/r.git"}) {
    RemoteUrl u = parse_remote_url(url);
    for (const std::string* f : {&u.scheme, &u.user, &u.host, &u.path})
      EXPECT_EQ(f->find(secret), std::string::npos) << *f;
    EXPECT_EQ(bitbucket_repo_key(u).find(secret), std::string::npos);
    EXPECT_EQ(redact_remote_url(url).find(secret), std::string::npos) << redact_remote_url(url);
  }
  // A percent-encoded password is dropped too.
  RemoteUrl u = parse_remote_url("https://me:p%40ss@bitbucket.org/acme/widget");
  EXPECT_EQ(u.user, "me");
}

TEST(RemoteUrlSecrets, Redact) {
  EXPECT_EQ(redact_remote_url("https://u:pw@bitbucket.org/a/b.git"), "https://u@bitbucket.org/a/b.git");
  EXPECT_EQ(redact_remote_url("https://u:p@w@bitbucket.org/a/b"), "https://u@bitbucket.org/a/b");
  EXPECT_EQ(redact_remote_url("ssh://git@host:7999/p/a@b"), "ssh://git@host:7999/p/a@b");
  EXPECT_EQ(redact_remote_url("https://host:8443/scm/p/r.git"), "https://host:8443/scm/p/r.git");
  EXPECT_EQ(redact_remote_url("git@bitbucket.org:a/b.git"), "git@bitbucket.org:a/b.git");
  EXPECT_EQ(redact_remote_url("https://h/a\nb"), "https://h/a?b");
}

TEST(RemoteUrlGlob, Matches) {
  EXPECT_TRUE(glob_match("git.*.platform.sh", "git.eu-5.platform.sh"));
  EXPECT_TRUE(glob_match("git.*.platform.sh", "GIT.EU-5.Platform.SH"));
  EXPECT_TRUE(glob_match("git.*.platform.sh", "git.a.b.platform.sh"));
  EXPECT_FALSE(glob_match("git.*.platform.sh", "git.eu-5.platform.sh.evil.com"));
  EXPECT_FALSE(glob_match("git.*.platform.sh", "git.platform.sh"));
  EXPECT_FALSE(glob_match("git.*.platform.sh", "evilgit.eu.platform.sh"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(glob_match("*a*b", "xxaxxbxxc"));
  EXPECT_TRUE(glob_match("exact.host", "Exact.Host"));
  EXPECT_FALSE(glob_match("exact.host", "exact.hosts"));
  EXPECT_FALSE(glob_match("", "x"));
  for (const auto& p : default_mirror_patterns()) EXPECT_NE(p.find('*'), std::string::npos);
}

TEST(RemoteUrlRole, ToString) {
  EXPECT_STREQ(to_string(RemoteRole::Source), "source");
  EXPECT_STREQ(to_string(RemoteRole::Mirror), "mirror");
  EXPECT_STREQ(to_string(RemoteRole::Other), "other");
}

TEST(RemoteUrlRole, MirrorBelongsToProject) {
  auto u = parse_remote_url("abcdefg123@git.eu-5.platform.sh:abcdefg123.git");
  EXPECT_TRUE(mirror_belongs_to_project(u, "abcdefg123"));
  EXPECT_FALSE(mirror_belongs_to_project(u, "zzz"));
  EXPECT_FALSE(mirror_belongs_to_project(u, ""));
  auto v = parse_remote_url("ssh://git.eu-5.platform.sh/abcdefg123.git");
  EXPECT_TRUE(mirror_belongs_to_project(v, "abcdefg123"));
}

RepoConfig cloud_config() {
  RepoConfig c;
  c.integration.type = BitbucketType::Cloud;
  c.integration.repository = "Acme/Widget";
  c.integration.project = "abcdefg123";
  return c;
}

RepoConfig server_config() {
  RepoConfig c;
  c.integration.type = BitbucketType::Server;
  c.integration.repository = "PROJ/repo";
  c.integration.url = "https://git.example.com/bitbucket";
  return c;
}

struct RoleCase {
  const char* config;  // "cloud", "server", "cloud-named", "custom-mirror", "cloud-local"
  const char* name;
  const char* url;
  RemoteRole role;
};

RepoConfig config_for(std::string_view which) {
  if (which == "server") return server_config();
  RepoConfig c = cloud_config();
  if (which == "cloud-named") {
    c.remotes.source = "upstream";
    c.remotes.mirror = "deploy";
  } else if (which == "custom-mirror") {
    c.remotes.mirror_patterns = {"git.*.example-paas.net", "mirror.internal"};
  } else if (which == "cloud-local") {
    c.integration.url = "http://127.0.0.1:8080/bb";
  } else if (which == "cloud-nofetch") {
    c.integration.fetch_branches = false;
  }
  return c;
}

using R = RemoteRole;
// clang-format off
const RoleCase kRoleCases[] = {
  // Cloud by URL
  {"cloud", "origin", "https://bitbucket.org/acme/widget.git", R::Source},
  {"cloud", "origin", "https://jdoe@BITBUCKET.org/ACME/widget/", R::Source},
  {"cloud", "origin", "https://x-token-auth:pw@bitbucket.org/acme/widget", R::Source},
  {"cloud", "origin", "git@bitbucket.org:acme/widget.git", R::Source},
  {"cloud", "origin", "ssh://git@bitbucket.org/acme/widget", R::Source},
  {"cloud", "origin", "ssh://git@altssh.bitbucket.org:443/acme/widget.git", R::Source},
  {"cloud", "origin", "https://bitbucket.org/acme/other.git", R::Other},
  {"cloud", "origin", "https://bitbucket.org/acme/widget/src/main", R::Other},
  {"cloud", "origin", "git://bitbucket.org/acme/widget.git", R::Other},
  {"cloud", "origin", "https://bitbucket.org.evil.com/acme/widget.git", R::Other},
  {"cloud", "origin", "https://evilbitbucket.org/acme/widget.git", R::Other},
  {"cloud", "origin", "https://bitbucket.org@evil.com/acme/widget.git", R::Other},
  {"cloud", "origin", "git@bitbucket.org@evil.com:acme/widget.git", R::Other},
  {"cloud", "origin", "https://github.com/acme/widget.git", R::Other},
  {"cloud", "origin", "https://git.example.com/scm/acme/widget.git", R::Other},
  {"cloud", "origin", "", R::Other},
  {"cloud", "origin", "../widget", R::Other},
  {"cloud", "origin", "garbage url", R::Other},
  // Mirrors: default patterns, whichever project
  {"cloud", "platform", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
  {"cloud", "other", "zzzzzz9999@git.us-2.platform.sh:zzzzzz9999.git", R::Mirror},
  {"cloud", "upsun", "abcdefg123@git.ca-1.upsun.com:abcdefg123.git", R::Mirror},
  {"cloud", "magento", "abcdefg123@git.us-3.magento.cloud:abcdefg123.git", R::Mirror},
  {"cloud", "x", "abcdefg123@git.eu-5.platform.sh.evil.com:abcdefg123.git", R::Other},
  {"cloud", "x", "abcdefg123@evilgit.eu-5.platform.sh:abcdefg123.git", R::Other},
  // Names decide when the URL is not recognisable
  {"cloud-named", "upstream", "https://github.com/acme/widget.git", R::Source},
  {"cloud-named", "deploy", "", R::Mirror},
  {"cloud-named", "deploy", "../deploy.git", R::Mirror},
  {"cloud-named", "upstream", "https://bitbucket.org/acme/widget.git", R::Source},
  // A URL recognised as the other role wins over the name (a clone whose names differ)
  {"cloud-named", "deploy", "https://bitbucket.org/acme/widget.git", R::Source},
  {"cloud-named", "upstream", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
  {"server", "origin", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
  {"cloud-named", "origin", "https://bitbucket.org/acme/widget.git", R::Source},
  {"cloud-named", "platform", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
  {"cloud-named", "origin", "https://github.com/acme/widget.git", R::Other},
  // Custom mirror patterns replace the defaults
  {"custom-mirror", "paas", "ssh://git@git.eu.example-paas.net/p.git", R::Mirror},
  {"custom-mirror", "paas", "git@MIRROR.internal:p.git", R::Mirror},
  {"custom-mirror", "platform", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Other},
  {"custom-mirror", "origin", "git@bitbucket.org:acme/widget.git", R::Source},
  // fetch_branches does not change the role (the hook decides what a role means)
  {"cloud-nofetch", "platform", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
  {"cloud-nofetch", "origin", "git@bitbucket.org:acme/widget.git", R::Source},
  // Cloud integration pointed at a local stand-in below a path
  {"cloud-local", "origin", "http://127.0.0.1:8080/bb/acme/widget.git", R::Source},
  {"cloud-local", "origin", "http://127.0.0.1:9999/bb/acme/widget.git", R::Source},
  {"cloud-local", "origin", "http://127.0.0.1:8080/acme/widget.git", R::Other},
  {"cloud-local", "origin", "https://bitbucket.org/acme/widget.git", R::Other},
  // Server
  {"server", "origin", "https://git.example.com/bitbucket/scm/PROJ/repo.git", R::Source},
  {"server", "origin", "https://git.example.com/scm/proj/repo", R::Source},
  {"server", "origin", "http://git.example.com:7990/scm/PROJ/repo.git", R::Source},
  {"server", "origin", "https://jdoe:tok@Git.Example.com/bitbucket/scm/PROJ/repo.git/", R::Source},
  {"server", "origin", "ssh://git@git.example.com:7999/PROJ/repo.git", R::Source},
  {"server", "origin", "ssh://git@git.example.com:7999/proj/repo", R::Source},
  {"server", "origin", "ssh://git@git.example.com/PROJ/repo.git", R::Source},
  {"server", "origin", "git@git.example.com:PROJ/repo.git", R::Source},
  {"server", "origin", "https://git.example.com/bitbucket/projects/PROJ/repos/repo/browse", R::Source},
  {"server", "origin", "https://git.example.com/bitbucket/scm/PROJ/other.git", R::Other},
  {"server", "origin", "https://git.example.com/PROJ/repo.git", R::Other},
  {"server", "origin", "git://git.example.com/PROJ/repo.git", R::Other},
  {"server", "origin", "ssh://git@git.example.com.evil.com:7999/PROJ/repo.git", R::Other},
  {"server", "origin", "https://git.example.com@evil.com/scm/PROJ/repo.git", R::Other},
  {"server", "origin", "https://bitbucket.org/proj/repo.git", R::Other},
  {"server", "platform", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", R::Mirror},
};
// clang-format on

TEST(RemoteUrlClassify, Table) {
  ASSERT_GE(std::size(kRoleCases), 40u);
  for (const auto& c : kRoleCases) {
    SCOPED_TRACE(testing::Message() << c.config << " " << c.name << " [" << redact_remote_url(c.url) << "]");
    EXPECT_STREQ(to_string(classify_remote(c.name, c.url, config_for(c.config))), to_string(c.role));
  }
}

TEST(RemoteUrlClassify, NoRepositoryMeansNoSourceByUrl) {
  RepoConfig c = cloud_config();
  c.integration.repository.clear();
  EXPECT_EQ(classify_remote("origin", "https://bitbucket.org/acme/widget.git", c), RemoteRole::Other);
  c.remotes.source = "origin";
  EXPECT_EQ(classify_remote("origin", "https://bitbucket.org/acme/widget.git", c), RemoteRole::Source);
}

TEST(RemoteUrlClassify, ServerWithoutUrlMatchesOnlyByName) {
  RepoConfig c = server_config();
  c.integration.url.clear();
  EXPECT_EQ(classify_remote("origin", "https://git.example.com/scm/PROJ/repo.git", c), RemoteRole::Other);
}

TEST(RemoteUrlClassify, RepositoryWrittenWithGitSuffixOrSlashes) {
  RepoConfig c = cloud_config();
  c.integration.repository = "/acme/widget.git/";
  EXPECT_EQ(classify_remote("origin", "git@bitbucket.org:acme/widget.git", c), RemoteRole::Source);
}

// Finding 9: .bbsot.yml names the remotes for everyone, but a teammate's `origin` may be
// the platform (cloned with `platform get`); its pushes must be refused, not reported.
TEST(RemoteUrlClassify, SourceNameWithAMirrorUrlIsTheMirror) {
  RepoConfig c = cloud_config();
  c.remotes.source = "origin";
  c.remotes.mirror = "platform";
  EXPECT_EQ(classify_remote("origin", "abcdefg123@git.eu-5.platform.sh:abcdefg123.git", c), RemoteRole::Mirror);
  EXPECT_EQ(classify_remote("platform", "git@bitbucket.org:acme/widget.git", c), RemoteRole::Source);
  // Unrecognisable URLs (local paths, other hosts) leave the names in charge.
  EXPECT_EQ(classify_remote("origin", "/srv/git/widget.git", c), RemoteRole::Source);
  EXPECT_EQ(classify_remote("platform", "https://deploy.example.net/widget.git", c), RemoteRole::Mirror);
}

// git percent-decodes a URL-form remote (host included) before it connects, curl decodes
// an http(s) host, and git takes the brackets off any ssh host, not only an IPv6 one
// (connect.c host_end): each of these pushes to the platform's git host (checked with a
// GIT_SSH_COMMAND that logs its arguments), so each must be the mirror, whatever its name.
TEST(RemoteUrlClassify, MirrorHostsSpelledAsGitAndCurlReadThem) {
  RepoConfig c = cloud_config();
  for (const char* url : {
           "ssh://[git.eu-5.platform.sh]/abcdefg123.git",
           "ssh://abcdefg123@[git.eu-5.platform.sh]:22/abcdefg123.git",
           "abcdefg123@[git.eu-5.platform.sh]:abcdefg123.git",
           "ssh://abcdefg123@git.eu-5.platform%2Esh/abcdefg123.git",
           "ssh://%67it.eu-5.platform.sh/abcdefg123.git",
           "git+ssh://abcdefg123@GIT.EU-5.PLATFORM%2esh./abcdefg123.git",
           // git decodes first and splits after: an encoded '@', '/' or ':' splits too
           "ssh://x%40git.eu-5.platform.sh/abcdefg123.git",
           "ssh://git.eu-5.platform.sh%2Fabcdefg123.git",
           "ssh://git.eu-5.platform.sh%3A22/abcdefg123.git",
       }) {
    SCOPED_TRACE(url);
    EXPECT_STREQ(to_string(classify_remote("deploy", url, c)), "mirror");
  }
  RepoConfig custom = config_for("custom-mirror");
  EXPECT_STREQ(to_string(classify_remote("paas", "https://mirror%2Einternal/p.git", custom)), "mirror");
  // Decoding never makes a lookalike the real host.
  EXPECT_STREQ(to_string(classify_remote("origin", "https://bitbucket.org%2eevil.com/acme/widget.git", c)), "other");
  EXPECT_STREQ(to_string(classify_remote("origin", "ssh://git.eu-5.platform.sh%2eevil.com/x.git", c)), "other");
}

}  // namespace
}  // namespace bbsot
