#include "config/config_write.hpp"

#include <yaml-cpp/yaml.h>

#include "base/web_url.hpp"

namespace bbsot {

namespace {

void emit_secret(YAML::Emitter& e, const std::string& base, const SecretRef& s) {
  if (!s.value.empty()) e << YAML::Key << base << YAML::Value << s.value;
  if (!s.command.empty()) e << YAML::Key << base + "_command" << YAML::Value << s.command;
  if (!s.env.empty()) e << YAML::Key << base + "_env" << YAML::Value << s.env;
}

bool same_secret(const SecretRef& a, const SecretRef& b) {
  return a.value == b.value && a.command == b.command && a.env == b.env;
}

bool same_account(const Account& a, const Account& b) {
  return a.url == b.url && a.type == b.type && a.key == b.key && same_secret(a.secret, b.secret) &&
         a.username == b.username && same_secret(a.token, b.token) && a.token_url == b.token_url &&
         a.api_url == b.api_url && a.kind == b.kind && a.email == b.email && a.expires == b.expires;
}

// `a` carries only what the command line said; whatever it leaves empty the user set
// before (by hand or an earlier init) and must survive.
Account merged(Account cur, const Account& a) {
  auto take = [](std::string& dst, const std::string& src) {
    if (!src.empty()) dst = src;
  };
  cur.type = a.type;
  // init writes OAuth consumers and Server tokens: a consumer key given for an entry that
  // held another kind of Cloud token turns it into a consumer.
  if (a.type == BitbucketType::Server)
    cur.kind = AccountKind::HttpAccessToken;
  else if (!a.key.empty())
    cur.kind = AccountKind::OAuthConsumer;
  take(cur.key, a.key);
  take(cur.email, a.email);
  take(cur.expires, a.expires);
  if (a.expires_at) cur.expires_at = a.expires_at;
  take(cur.username, a.username);
  take(cur.token_url, a.token_url);
  take(cur.api_url, a.api_url);
  // A secret is one of value/command/env: a new one replaces the old one whole.
  if (!a.secret.empty()) cur.secret = a.secret;
  if (!a.token.empty()) cur.token = a.token;
  return cur;
}

}  // namespace

std::string repo_config_yaml(const RepoConfig& cfg) {
  const auto& in = cfg.integration;
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "integration" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "type" << YAML::Value << to_string(in.type);
  e << YAML::Key << "repository" << YAML::Value << in.repository;
  if (in.type == BitbucketType::Server || in.url != kCloudUrl) e << YAML::Key << "url" << YAML::Value << in.url;
  if (!in.project.empty()) e << YAML::Key << "project" << YAML::Value << in.project;
  e << YAML::Key << "default_branch" << YAML::Value << in.default_branch;
  e << YAML::Key << "fetch_branches" << YAML::Value << in.fetch_branches;
  e << YAML::Key << "prune_branches" << YAML::Value << in.prune_branches;
  e << YAML::Key << "build_pull_requests" << YAML::Value << in.build_pull_requests;
  if (in.type == BitbucketType::Cloud)
    e << YAML::Key << "resync_pull_requests" << YAML::Value << in.resync_pull_requests;
  else
    e << YAML::Key << "pull_requests_clone_parent_data" << YAML::Value << in.pull_requests_clone_parent_data;
  if (!in.hook_url.empty()) e << YAML::Key << "hook_url" << YAML::Value << in.hook_url;
  e << YAML::EndMap;
  if (!cfg.remotes.source.empty() || !cfg.remotes.mirror.empty() || !cfg.remotes.mirror_patterns.empty()) {
    e << YAML::Key << "remotes" << YAML::Value << YAML::BeginMap;
    if (!cfg.remotes.source.empty()) e << YAML::Key << "source" << YAML::Value << cfg.remotes.source;
    if (!cfg.remotes.mirror.empty()) e << YAML::Key << "mirror" << YAML::Value << cfg.remotes.mirror;
    if (!cfg.remotes.mirror_patterns.empty())
      e << YAML::Key << "mirror_patterns" << YAML::Value << cfg.remotes.mirror_patterns;
    e << YAML::EndMap;
  }
  e << YAML::Key << "report" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "enabled" << YAML::Value << cfg.report.enabled;
  e << YAML::EndMap << YAML::EndMap;
  return std::string(
             "# bbsot: Bitbucket is the source of truth for the platform's mirror.\n"
             "# Committed and shared by the team; never put secret values here.\n") +
         e.c_str() + "\n";
}

std::string user_config_yaml(const UserConfig& cfg) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  if (!cfg.ca_file.empty()) e << YAML::Key << "ca_file" << YAML::Value << cfg.ca_file;
  if (cfg.connect_timeout_ms != 5000)
    e << YAML::Key << "connect_timeout" << YAML::Value << cfg.connect_timeout_ms / 1000.0;
  if (cfg.timeout_ms != 20000) e << YAML::Key << "timeout" << YAML::Value << cfg.timeout_ms / 1000.0;
  e << YAML::Key << "accounts" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : cfg.accounts) {
    e << YAML::BeginMap << YAML::Key << "url" << YAML::Value << a.url;
    e << YAML::Key << "type" << YAML::Value << to_string(a.type);
    if (a.kind == AccountKind::ApiToken || a.kind == AccountKind::AccessToken)
      e << YAML::Key << "kind" << YAML::Value << to_string(a.kind);
    if (!a.key.empty()) e << YAML::Key << "key" << YAML::Value << a.key;
    emit_secret(e, "secret", a.secret);
    if (!a.username.empty()) e << YAML::Key << "username" << YAML::Value << a.username;
    emit_secret(e, "token", a.token);
    if (!a.token_url.empty() && !(a.type == BitbucketType::Cloud && a.token_url == kCloudTokenUrl))
      e << YAML::Key << "token_url" << YAML::Value << a.token_url;
    if (!a.api_url.empty()) e << YAML::Key << "api_url" << YAML::Value << a.api_url;
    if (!a.email.empty()) e << YAML::Key << "email" << YAML::Value << a.email;
    if (!a.expires.empty()) e << YAML::Key << "expires" << YAML::Value << a.expires;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  if (!cfg.report_secrets.empty()) {
    e << YAML::Key << "reports" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : cfg.report_secrets) {
      e << YAML::BeginMap << YAML::Key << "hook_url" << YAML::Value << r.hook_url;
      emit_secret(e, "secret", r.secret);
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  return std::string(
             "# bbsot accounts (mode 0600). Secrets: prefer *_command or *_env over literal values.\n"
             "# git bbsot init rewrites this file: values are kept, comments are not.\n") +
         e.c_str() + "\n";
}

bool upsert_account(UserConfig& cfg, const Account& a) {
  for (auto& cur : cfg.accounts) {
    if (cur.url != a.url) continue;
    Account next = merged(cur, a);
    if (same_account(next, cur)) return false;
    cur = std::move(next);
    return true;
  }
  cfg.accounts.push_back(a);
  return true;
}

bool upsert_report_secret(UserConfig& cfg, const std::string& hook_url, const SecretRef& secret) {
  auto url = parse_web_url(hook_url);
  const std::string key = url ? url->str() : hook_url;
  for (auto& r : cfg.report_secrets) {
    if (r.hook_url != key) continue;
    if (same_secret(r.secret, secret)) return false;
    r.secret = secret;
    return true;
  }
  cfg.report_secrets.push_back({key, secret, 0});
  return true;
}

}  // namespace bbsot
