#include <cstdlib>
#include <ctime>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/webhook.hpp"

namespace bbsot {
namespace {

using json = nlohmann::json;

const std::string kA = "1111111111111111111111111111111111111111";
const std::string kB = "2222222222222222222222222222222222222222";
const std::string kC = "3333333333333333333333333333333333333333";
const std::string kP = "9999999999999999999999999999999999999999";
const std::string kZero = "0000000000000000000000000000000000000000";
const std::string kHtml = "https://bitbucket.org/acme/shop";
const std::string kApi = "https://api.bitbucket.org/2.0/repositories/acme/shop";
const std::string kServerHtml = "https://bb.example.com/projects/SHOP/repos/web";
constexpr int64_t kNow = 1795600800;  // 2026-11-25T10:00:00Z
constexpr int64_t kT1 = 1795597200;   // 2026-11-25T09:00:00Z

// Server's `date` is in the local time zone; tests pin it.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (had_)
      setenv("TZ", old_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

CommitInfo commit(const std::string& hash, const std::string& parent, const std::string& msg, int64_t date = kT1) {
  CommitInfo c;
  c.hash = hash;
  c.author_name = "Ada Lovelace";
  c.author_email = "ada@example.com";
  c.date = date;
  c.tz_offset_min = 60;
  c.message = msg;
  if (!parent.empty()) c.parents.push_back(parent);
  return c;
}

RefChange branch(const std::string& name, const std::string& from, const std::string& to) {
  RefChange c;
  c.ref = "refs/heads/" + name;
  c.old_id = from;
  c.new_id = to;
  c.created = from.empty();
  c.closed = to.empty();
  return c;
}

PushRecord record(std::vector<RefChange> changes) {
  PushRecord r;
  r.id = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab";
  r.actor_name = "Ada Lovelace";
  r.actor_email = "ada@example.com";
  r.changes = std::move(changes);
  return r;
}

Destination cloud_cfg() {
  Destination cfg;
  cfg.type = BitbucketType::Cloud;
  cfg.repository = "acme/shop";
  cfg.url = "https://bitbucket.org";
  return cfg;
}

Destination server_cfg() {
  Destination cfg;
  cfg.type = BitbucketType::Server;
  cfg.repository = "shop/Web";
  cfg.url = "https://bb.example.com";
  return cfg;
}

WebhookContext cloud_ctx() { return WebhookContext{kHtml, "", kNow, {}}; }
WebhookContext server_ctx() { return WebhookContext{kServerHtml, "ada", kNow, {}}; }

json cloud_body(const PushRecord& r) { return json::parse(build_webhook(r, cloud_cfg(), cloud_ctx(), 1, "").body); }

json server_body(const PushRecord& r) {
  ScopedTz tz("UTC0");
  return json::parse(build_webhook(r, server_cfg(), server_ctx(), 1, "").body);
}

std::map<std::string, std::string> header_map(const WebhookRequest& req) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : req.headers) {
    EXPECT_EQ(m.count(k), 0u) << "duplicate header " << k;
    m[k] = v;
  }
  return m;
}

// ------------------------------------------------------------------ signatures

TEST(WebhookSignature, Rfc4231TestCase2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignature, HeaderSignsTheExactBody) {
  PushRecord r = record({branch("main", kA, kB)});
  auto req = build_webhook(r, cloud_cfg(), cloud_ctx(), 1, "s3cret");
  auto h = header_map(req);
  ASSERT_EQ(h.count("X-Hub-Signature"), 1u);
  EXPECT_EQ(h["X-Hub-Signature"], "sha256=" + hmac_sha256_hex("s3cret", req.body));
  EXPECT_EQ(h["X-Hub-Signature"].size(), 7u + 64u);
}

TEST(WebhookSignature, NoSecretNoSignature) {
  PushRecord r = record({branch("main", kA, kB)});
  auto h = header_map(build_webhook(r, cloud_cfg(), cloud_ctx(), 1, ""));
  EXPECT_EQ(h.count("X-Hub-Signature"), 0u);
}

// --------------------------------------------------------------------- headers

TEST(WebhookHeaders, Cloud) {
  PushRecord r = record({branch("main", kA, kB)});
  auto req = build_webhook(r, cloud_cfg(), cloud_ctx(), 3, "k");
  auto h = header_map(req);
  std::map<std::string, std::string> want{
      {"Content-Type", "application/json"},
      {"User-Agent", "Bitbucket-Webhooks/2.0"},
      {"X-Event-Key", "repo:push"},
      {"X-Request-UUID", r.id},
      {"X-Attempt-Number", "3"},
      {"X-Hub-Signature", "sha256=" + hmac_sha256_hex("k", req.body)},
  };
  EXPECT_EQ(h, want);
}

TEST(WebhookHeaders, Server) {
  PushRecord r = record({branch("main", kA, kB)});
  auto req = build_webhook(r, server_cfg(), server_ctx(), 2, "");
  std::map<std::string, std::string> want{
      {"Content-Type", "application/json; charset=utf-8"},
      {"X-Event-Key", "repo:refs_changed"},
      {"X-Request-Id", r.id},
  };
  EXPECT_EQ(header_map(req), want);
}

TEST(WebhookHeaders, RequestIdIsStableAcrossAttempts) {
  PushRecord r = record({branch("main", kA, kB)});
  auto a = header_map(build_webhook(r, cloud_cfg(), cloud_ctx(), 1, ""));
  auto b = header_map(build_webhook(r, cloud_cfg(), cloud_ctx(), 2, ""));
  EXPECT_EQ(a["X-Request-UUID"], b["X-Request-UUID"]);
  EXPECT_EQ(a["X-Attempt-Number"], "1");
  EXPECT_EQ(b["X-Attempt-Number"], "2");
}

TEST(WebhookHeaders, EventKeys) {
  EXPECT_EQ(webhook_event_key(BitbucketType::Cloud), "repo:push");
  EXPECT_EQ(webhook_event_key(BitbucketType::Server), "repo:refs_changed");
}

// ----------------------------------------------------------------------- dates

TEST(WebhookDates, Formats) {
  EXPECT_EQ(cloud_date(kNow), "2026-11-25T10:00:00+00:00");
  EXPECT_EQ(server_date(kNow, 0), "2026-11-25T10:00:00+0000");
  EXPECT_EQ(server_date(kNow, 600), "2026-11-25T20:00:00+1000");
  EXPECT_EQ(server_date(kNow, -330), "2026-11-25T04:30:00-0530");
}

TEST(WebhookDates, ServerDateUsesLocalZone) {
  ScopedTz tz("AEST-10");
  EXPECT_EQ(local_utc_offset_minutes(kNow), 600);
  auto body = json::parse(build_webhook(record({branch("main", kA, kB)}), server_cfg(), server_ctx(), 1, "").body);
  EXPECT_EQ(body["date"], "2026-11-25T20:00:00+1000");
}

// ----------------------------------------------------------------- Cloud body

TEST(WebhookCloud, ActorAndRepository) {
  json b = cloud_body(record({branch("main", kA, kB)}));
  EXPECT_EQ(b["actor"], (json{{"type", "user"}, {"display_name", "Ada Lovelace"}}));
  json repo = b["repository"];
  EXPECT_EQ(repo["type"], "repository");
  EXPECT_EQ(repo["full_name"], "acme/shop");
  EXPECT_EQ(repo["name"], "shop");
  EXPECT_EQ(repo["scm"], "git");
  EXPECT_EQ(repo["links"]["html"]["href"], kHtml);
  EXPECT_EQ(repo["links"]["self"]["href"], kApi);
  // Only Bitbucket knows these.
  for (const char* k : {"uuid", "is_private", "owner", "workspace", "project"}) {
    EXPECT_FALSE(repo.contains(k)) << k;
  }
  for (const char* k : {"uuid", "account_id", "nickname"}) EXPECT_FALSE(b["actor"].contains(k)) << k;
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(b["push"]["changes"].is_array());
}

TEST(WebhookCloud, Update) {
  RefChange c = branch("main", kA, kB);
  c.commits = {commit(kB, kA, "Fix the cart\n")};
  json ch = cloud_body(record({c}))["push"]["changes"][0];
  EXPECT_EQ(ch["created"], false);
  EXPECT_EQ(ch["closed"], false);
  EXPECT_EQ(ch["forced"], false);
  EXPECT_EQ(ch["truncated"], false);

  json n = ch["new"];
  EXPECT_EQ(n["type"], "branch");
  EXPECT_EQ(n["name"], "main");
  EXPECT_EQ(n["links"]["html"]["href"], kHtml + "/branch/main");
  EXPECT_EQ(n["links"]["self"]["href"], kApi + "/refs/branches/main");
  EXPECT_EQ(n["links"]["commits"]["href"], kApi + "/commits/main");
  json t = n["target"];
  EXPECT_EQ(t["type"], "commit");
  EXPECT_EQ(t["hash"], kB);
  EXPECT_EQ(t["date"], "2026-11-25T09:00:00+00:00");
  EXPECT_EQ(t["message"], "Fix the cart\n");
  EXPECT_EQ(t["author"], (json{{"type", "author"}, {"raw", "Ada Lovelace <ada@example.com>"}}));
  ASSERT_EQ(t["parents"].size(), 1u);
  EXPECT_EQ(t["parents"][0]["type"], "commit");
  EXPECT_EQ(t["parents"][0]["hash"], kA);
  EXPECT_EQ(t["parents"][0]["links"]["html"]["href"], kHtml + "/commits/" + kA);
  EXPECT_EQ(t["parents"][0]["links"]["self"]["href"], kApi + "/commit/" + kA);
  EXPECT_EQ(t["links"]["html"]["href"], kHtml + "/commits/" + kB);
  EXPECT_EQ(t["links"]["self"]["href"], kApi + "/commit/" + kB);

  json o = ch["old"];
  EXPECT_EQ(o["type"], "branch");
  EXPECT_EQ(o["name"], "main");
  EXPECT_EQ(o["target"]["hash"], kA);
  EXPECT_EQ(o["target"]["type"], "commit");
  // The old tip's details are not in the record: not invented.
  EXPECT_FALSE(o["target"].contains("message"));
  EXPECT_FALSE(o["target"].contains("author"));

  EXPECT_EQ(ch["links"]["html"]["href"], kHtml + "/branches/compare/" + kB + ".." + kA);
  EXPECT_EQ(ch["links"]["diff"]["href"], kApi + "/diff/" + kB + ".." + kA);
  EXPECT_EQ(ch["links"]["commits"]["href"], kApi + "/commits?include=" + kB + "&exclude=" + kA);

  ASSERT_EQ(ch["commits"].size(), 1u);
  EXPECT_EQ(ch["commits"][0], t);
}

TEST(WebhookCloud, CreatedBranch) {
  RefChange c = branch("feature/cart", "", kC);
  c.commits = {commit(kC, kB, "Cart\n"), commit(kB, kA, "Basket\n", kT1 - 60)};
  json ch = cloud_body(record({c}))["push"]["changes"][0];
  EXPECT_EQ(ch["created"], true);
  EXPECT_EQ(ch["closed"], false);
  EXPECT_TRUE(ch["old"].is_null());
  EXPECT_EQ(ch["new"]["name"], "feature/cart");
  EXPECT_EQ(ch["new"]["links"]["html"]["href"], kHtml + "/branch/feature/cart");
  EXPECT_EQ(ch["new"]["target"]["hash"], kC);
  EXPECT_EQ(ch["links"], (json{{"commits", {{"href", kApi + "/commits?include=" + kC}}},
                               {"html", {{"href", kHtml + "/branch/feature/cart"}}}}));
  ASSERT_EQ(ch["commits"].size(), 2u);
  EXPECT_EQ(ch["commits"][0]["hash"], kC);
  EXPECT_EQ(ch["commits"][1]["hash"], kB);
  EXPECT_EQ(ch["commits"][1]["date"], "2026-11-25T08:59:00+00:00");
}

TEST(WebhookCloud, ForcedUpdateAndTruncated) {
  RefChange c = branch("main", kA, kC);
  c.forced = true;
  c.truncated = true;
  c.commits = {commit(kC, kP, "Rewrite\n")};
  json ch = cloud_body(record({c}))["push"]["changes"][0];
  EXPECT_EQ(ch["forced"], true);
  EXPECT_EQ(ch["truncated"], true);
  EXPECT_EQ(ch["created"], false);
  EXPECT_EQ(ch["old"]["target"]["hash"], kA);
  EXPECT_EQ(ch["new"]["target"]["hash"], kC);
  EXPECT_EQ(ch["new"]["target"]["parents"][0]["hash"], kP);
}

TEST(WebhookCloud, Delete) {
  json ch = cloud_body(record({branch("old-work", kA, "")}))["push"]["changes"][0];
  EXPECT_EQ(ch["closed"], true);
  EXPECT_EQ(ch["created"], false);
  EXPECT_EQ(ch["forced"], false);
  EXPECT_EQ(ch["truncated"], false);
  EXPECT_TRUE(ch["new"].is_null());
  EXPECT_EQ(ch["old"]["name"], "old-work");
  EXPECT_EQ(ch["old"]["target"]["hash"], kA);
  // As Bitbucket sends a deletion: nothing to compare, nothing new.
  EXPECT_FALSE(ch.contains("links"));
  EXPECT_FALSE(ch.contains("commits"));
}

TEST(WebhookCloud, Tag) {
  RefChange c;
  c.ref = "refs/tags/v1.0";
  c.is_tag = true;
  c.new_id = kB;
  c.created = true;
  c.commits = {commit(kB, kA, "Release\n")};
  json ch = cloud_body(record({c}))["push"]["changes"][0];
  EXPECT_EQ(ch["new"]["type"], "tag");
  EXPECT_EQ(ch["new"]["name"], "v1.0");
  EXPECT_EQ(ch["new"]["links"]["html"]["href"], kHtml + "/commits/tag/v1.0");
  EXPECT_EQ(ch["new"]["links"]["self"]["href"], kApi + "/refs/tags/v1.0");
  EXPECT_EQ(ch["new"]["links"]["commits"]["href"], kApi + "/commits/v1.0");
  EXPECT_EQ(ch["new"]["target"]["hash"], kB);
  EXPECT_EQ(ch["links"], (json{{"commits", {{"href", kApi + "/commits?include=" + kB}}}}));
}

TEST(WebhookCloud, SeveralChangesKeepOrder) {
  RefChange a = branch("main", kA, kB);
  a.commits = {commit(kB, kA, "One\n")};
  RefChange b = branch("gone", kC, "");
  RefChange t;
  t.ref = "refs/tags/v2";
  t.is_tag = true;
  t.new_id = kB;
  t.created = true;
  json changes = cloud_body(record({a, b, t}))["push"]["changes"];
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0]["new"]["name"], "main");
  EXPECT_EQ(changes[1]["old"]["name"], "gone");
  EXPECT_TRUE(changes[1]["new"].is_null());
  EXPECT_EQ(changes[2]["new"]["type"], "tag");
  // A tag on a commit the record does not describe: only its hash.
  EXPECT_EQ(changes[2]["new"]["target"],
            (json{{"type", "commit"},
                  {"hash", kB},
                  {"links",
                   {{"self", {{"href", kApi + "/commit/" + kB}}}, {"html", {{"href", kHtml + "/commits/" + kB}}}}}}));
  EXPECT_EQ(changes[2]["commits"], json::array());
}

TEST(WebhookCloud, AtMostFiveCommits) {
  RefChange c = branch("main", kA, kB);
  for (int i = 0; i < 7; ++i) c.commits.push_back(commit(i == 0 ? kB : kC, kA, "m\n"));
  json ch = cloud_body(record({c}))["push"]["changes"][0];
  EXPECT_EQ(ch["commits"].size(), 5u);
  EXPECT_EQ(ch["truncated"], true);
}

TEST(WebhookCloud, RefNamesAreEscapedInLinks) {
  json ch = cloud_body(record({branch("fix#1", kA, kB)}))["push"]["changes"][0];
  EXPECT_EQ(ch["new"]["name"], "fix#1");
  EXPECT_EQ(ch["new"]["links"]["html"]["href"], kHtml + "/branch/fix%231");
}

TEST(WebhookCloud, NoApiLinksForAnUnknownHost) {
  Destination cfg = cloud_cfg();
  cfg.url = "http://127.0.0.1:8123";
  WebhookContext ctx{"http://127.0.0.1:8123/acme/shop", "", kNow, {}};
  RefChange c = branch("main", kA, kB);
  json b = json::parse(build_webhook(record({c}), cfg, ctx, 1, "").body);
  EXPECT_FALSE(b["repository"]["links"].contains("self"));
  json ch = b["push"]["changes"][0];
  EXPECT_EQ(ch["links"], (json{{"html", {{"href", ctx.repo_html_url + "/branches/compare/" + kB + ".." + kA}}}}));
  EXPECT_FALSE(ch["new"]["links"].contains("self"));
}

TEST(WebhookCloud, InvalidUtf8InAMessageDoesNotThrow) {
  RefChange c = branch("main", kA, kB);
  c.commits = {commit(kB, kA, std::string("caf\xe9\n"))};
  std::string body;
  EXPECT_NO_THROW(body = build_webhook(record({c}), cloud_cfg(), cloud_ctx(), 1, "").body);
  EXPECT_NO_THROW(json::parse(body));
}

// ---------------------------------------------------------------- Server body

TEST(WebhookServer, EnvelopeActorAndRepository) {
  json b = server_body(record({branch("main", kA, kB)}));
  EXPECT_EQ(b["eventKey"], "repo:refs_changed");
  EXPECT_EQ(b["date"], "2026-11-25T10:00:00+0000");
  EXPECT_EQ(b["actor"], (json{{"name", "ada"},
                              {"emailAddress", "ada@example.com"},
                              {"displayName", "Ada Lovelace"},
                              {"active", true},
                              {"slug", "ada"},
                              {"type", "NORMAL"}}));
  json repo = b["repository"];
  EXPECT_EQ(repo["slug"], "web");
  EXPECT_EQ(repo["name"], "Web");
  EXPECT_EQ(repo["scmId"], "git");
  EXPECT_EQ(repo["state"], "AVAILABLE");
  EXPECT_EQ(repo["statusMessage"], "Available");
  EXPECT_EQ(repo["forkable"], true);
  EXPECT_EQ(repo["project"]["key"], "SHOP");
  EXPECT_EQ(repo["project"]["type"], "NORMAL");
  EXPECT_EQ(repo["project"]["links"]["self"][0]["href"], "https://bb.example.com/projects/SHOP");
  EXPECT_EQ(repo["links"]["self"][0]["href"], kServerHtml + "/browse");
  for (const char* k : {"id", "public"}) {
    EXPECT_FALSE(repo.contains(k)) << k;
    EXPECT_FALSE(repo["project"].contains(k)) << k;
  }
  EXPECT_FALSE(b["actor"].contains("id"));
}

TEST(WebhookServer, ActorWithoutUsername) {
  ScopedTz tz("UTC0");
  WebhookContext ctx = server_ctx();
  ctx.server_username.clear();
  json b = json::parse(build_webhook(record({branch("main", kA, kB)}), server_cfg(), ctx, 1, "").body);
  EXPECT_FALSE(b["actor"].contains("name"));
  EXPECT_FALSE(b["actor"].contains("slug"));
  EXPECT_EQ(b["actor"]["displayName"], "Ada Lovelace");
}

TEST(WebhookServer, Update) {
  RefChange c = branch("main", kA, kB);
  c.commits = {commit(kB, kA, "Fix the cart\n\nLonger text.\n")};
  json b = server_body(record({c}));
  ASSERT_EQ(b["changes"].size(), 1u);
  EXPECT_EQ(b["changes"][0], (json{{"ref", {{"id", "refs/heads/main"}, {"displayId", "main"}, {"type", "BRANCH"}}},
                                   {"refId", "refs/heads/main"},
                                   {"fromHash", kA},
                                   {"toHash", kB},
                                   {"type", "UPDATE"}}));
  json want_commit{{"id", kB},
                   {"displayId", kB.substr(0, 11)},
                   {"author", {{"name", "Ada Lovelace"}, {"emailAddress", "ada@example.com"}}},
                   {"authorTimestamp", kT1 * 1000},
                   {"message", "Fix the cart\n\nLonger text."},
                   {"parents", json::array({{{"id", kA}, {"displayId", kA.substr(0, 11)}}})}};
  EXPECT_EQ(b["commits"], json::array({want_commit}));
  EXPECT_EQ(b["toCommit"], want_commit);
}

TEST(WebhookServer, CreatedBranch) {
  RefChange c = branch("feature/cart", "", kC);
  c.commits = {commit(kC, kB, "Cart\n")};
  json ch = server_body(record({c}))["changes"][0];
  EXPECT_EQ(ch["type"], "ADD");
  EXPECT_EQ(ch["fromHash"], kZero);
  EXPECT_EQ(ch["toHash"], kC);
  EXPECT_EQ(ch["ref"]["displayId"], "feature/cart");
  EXPECT_EQ(ch["refId"], "refs/heads/feature/cart");
}

TEST(WebhookServer, ForcedUpdateIsAnUpdate) {
  RefChange c = branch("main", kA, kC);
  c.forced = true;
  c.commits = {commit(kC, kP, "Rewrite\n")};
  json b = server_body(record({c}));
  EXPECT_EQ(b["changes"][0]["type"], "UPDATE");
  EXPECT_EQ(b["changes"][0]["fromHash"], kA);
  EXPECT_EQ(b["changes"][0]["toHash"], kC);
  EXPECT_EQ(b["toCommit"]["id"], kC);
}

TEST(WebhookServer, Delete) {
  json b = server_body(record({branch("old-work", kA, "")}));
  json ch = b["changes"][0];
  EXPECT_EQ(ch["type"], "DELETE");
  EXPECT_EQ(ch["fromHash"], kA);
  EXPECT_EQ(ch["toHash"], kZero);
  EXPECT_EQ(b["commits"], json::array());
  EXPECT_FALSE(b.contains("toCommit"));
}

TEST(WebhookServer, Tag) {
  RefChange c;
  c.ref = "refs/tags/v1.0";
  c.is_tag = true;
  c.new_id = kB;
  c.created = true;
  json ch = server_body(record({c}))["changes"][0];
  EXPECT_EQ(ch["ref"], (json{{"id", "refs/tags/v1.0"}, {"displayId", "v1.0"}, {"type", "TAG"}}));
  EXPECT_EQ(ch["type"], "ADD");
  EXPECT_EQ(ch["fromHash"], kZero);
}

TEST(WebhookServer, SeveralChanges) {
  RefChange del = branch("gone", kC, "");
  RefChange a = branch("main", kA, kB);
  a.commits = {commit(kB, kA, "One\n")};
  RefChange n = branch("next", "", kC);
  n.commits = {commit(kC, kB, "Two\n"), commit(kB, kA, "One\n")};
  json b = server_body(record({del, a, n}));
  ASSERT_EQ(b["changes"].size(), 3u);
  EXPECT_EQ(b["changes"][0]["type"], "DELETE");
  EXPECT_EQ(b["changes"][1]["type"], "UPDATE");
  EXPECT_EQ(b["changes"][2]["type"], "ADD");
  // One list for the push, without duplicates; toCommit from the first surviving ref.
  ASSERT_EQ(b["commits"].size(), 2u);
  EXPECT_EQ(b["commits"][0]["id"], kB);
  EXPECT_EQ(b["commits"][1]["id"], kC);
  EXPECT_EQ(b["toCommit"]["id"], kB);
}

TEST(WebhookServer, AtMostFiveCommits) {
  RefChange c = branch("main", kA, kB);
  for (int i = 0; i < 8; ++i) {
    std::string h(40, static_cast<char>('a' + i));
    c.commits.push_back(commit(i == 0 ? kB : h, kA, "m\n"));
  }
  EXPECT_EQ(server_body(record({c}))["commits"].size(), 5u);
}

}  // namespace
}  // namespace bbsot

// ------------------------------------------------- ids from Bitbucket's REST API

namespace bbsot {
namespace {

BitbucketIdentity cloud_identity() {
  BitbucketIdentity id;
  id.repository =
      ApiJson{{"uuid", "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}"},
              {"is_private", true},
              {"owner", {{"type", "team"}, {"display_name", "Acme"}, {"uuid", "{0b7f}"}}},
              {"workspace", {{"type", "workspace"}, {"uuid", "{0b7f}"}, {"slug", "acme"}, {"name", "Acme"}}},
              {"project", {{"type", "project"}, {"key", "SHOP"}, {"uuid", "{9c1d}"}, {"name", "Shop"}}}};
  id.actor =
      ApiJson{{"display_name", "Ada L."}, {"uuid", "{d301}"}, {"account_id", "557058:c0b7"}, {"nickname", "ada"}};
  return id;
}

TEST(WebhookApiIds, EmptyIdentityChangesNothing) {
  PushRecord r = record({branch("main", kA, kB)});
  WebhookContext with = cloud_ctx();
  with.identity = BitbucketIdentity{};
  EXPECT_EQ(build_webhook(r, cloud_cfg(), with, 1, "").body, build_webhook(r, cloud_cfg(), cloud_ctx(), 1, "").body);
  ScopedTz tz("UTC0");
  WebhookContext s = server_ctx();
  s.identity = BitbucketIdentity{};
  EXPECT_EQ(build_webhook(r, server_cfg(), s, 1, "").body, build_webhook(r, server_cfg(), server_ctx(), 1, "").body);
}

TEST(WebhookApiIds, CloudRepositoryAndActor) {
  WebhookContext ctx = cloud_ctx();
  ctx.identity = cloud_identity();
  json b = json::parse(build_webhook(record({branch("main", kA, kB)}), cloud_cfg(), ctx, 1, "").body);
  json repo = b["repository"];
  EXPECT_EQ(repo["uuid"], "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}");
  EXPECT_EQ(repo["is_private"], true);
  EXPECT_EQ(repo["owner"]["uuid"], "{0b7f}");
  EXPECT_EQ(repo["workspace"]["slug"], "acme");
  EXPECT_EQ(repo["project"]["key"], "SHOP");
  EXPECT_EQ(repo["full_name"], "acme/shop");
  EXPECT_EQ(repo["links"]["html"]["href"], kHtml);
  EXPECT_EQ(b["actor"], (json{{"type", "user"},
                              {"display_name", "Ada L."},
                              {"uuid", "{d301}"},
                              {"account_id", "557058:c0b7"},
                              {"nickname", "ada"}}));
}

TEST(WebhookApiIds, CloudRepositoryWithoutActor) {
  WebhookContext ctx = cloud_ctx();
  ctx.identity = cloud_identity();
  ctx.identity.actor = ApiJson::object();
  json b = json::parse(build_webhook(record({branch("main", kA, kB)}), cloud_cfg(), ctx, 1, "").body);
  EXPECT_EQ(b["repository"]["uuid"], "{3a1c9f1e-8c45-4a51-9b1e-2f8a6c7d9e01}");
  EXPECT_EQ(b["actor"], (json{{"type", "user"}, {"display_name", "Ada Lovelace"}}));
}

TEST(WebhookApiIds, ServerRepositoryAndActorInDocumentedOrder) {
  ScopedTz tz("UTC0");
  WebhookContext ctx = server_ctx();
  ctx.identity.repository =
      ApiJson{{"id", 84}, {"public", false}, {"project", {{"id", 12}, {"name", "Shop"}, {"public", true}}}};
  ctx.identity.actor = ApiJson{
      {"name", "ada"}, {"emailAddress", "ada@bb.example.com"}, {"id", 101}, {"displayName", "Ada L."}, {"slug", "ada"}};
  std::string body = build_webhook(record({branch("main", kA, kB)}), server_cfg(), ctx, 1, "").body;
  json b = json::parse(body);
  EXPECT_NE(
      body.find(
          R"("actor":{"name":"ada","emailAddress":"ada@bb.example.com","id":101,"displayName":"Ada L.","active":true,"slug":"ada","type":"NORMAL"})"),
      std::string::npos)
      << body;
  json repo = b["repository"];
  EXPECT_EQ(repo["id"], 84);
  EXPECT_EQ(repo["public"], false);
  EXPECT_EQ(repo["project"]["id"], 12);
  EXPECT_EQ(repo["project"]["name"], "Shop");
  EXPECT_EQ(repo["project"]["public"], true);
  EXPECT_EQ(repo["project"]["key"], "SHOP");
  // Key order as in Atlassian's example: slug, id, name, ...; key, id, name, public, type.
  EXPECT_NE(body.find(R"("repository":{"slug":"web","id":84,"name":"Web")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("project":{"key":"SHOP","id":12,"name":"Shop","public":true,"type":"NORMAL")"),
            std::string::npos)
      << body;
}

}  // namespace
}  // namespace bbsot
