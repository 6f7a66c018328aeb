// What the `git bbsot` commands that talk to Bitbucket's REST API share (webhook, wait,
// status, doctor, init --webhook): the configuration they load, the target they resolve
// through resolve_bitbucket_target (the one entry point, api/target.hpp), how an API
// failure becomes `error:`/`hint:` lines, and the webhook set-up itself.
#pragma once
#include <iosfwd>
#include <string>

#include "api/rest_client.hpp"
#include "api/target.hpp"
#include "api/webhooks.hpp"
#include "config/config.hpp"

namespace bbsot {

struct BitbucketContext {
  std::string work;  // the work tree
  RepoConfig repo;   // the clone's record as a RepoConfig (never the checked-out file)
  UserConfig user;
  CloneState state;  // the record itself: which destinations are approved
};

// The clone's record and the user's file; ConfigError (exit 2) when the clone is not set
// up or the file is wrong. `command` names the command in messages.
BitbucketContext load_bitbucket_context(const std::string& command);

// resolve_bitbucket_target, or ConfigError with how to add the account.
BitbucketTarget require_target(const BitbucketContext& c, const std::string& command);

// An ApiError as an Error (exit 1) with its hints.
[[noreturn]] void throw_api_error(const ApiError& e);

struct WebhookOptions {
  bool dry_run = false;     // print the request, send nothing that changes Bitbucket
  bool set_secret = false;  // give the webhook the report secret from the user's file
};

// Creates or repairs the integration's webhook (git bbsot webhook --fix, init --webhook),
// saying what it did on `out`. Returns the exit code; throws ConfigError for a missing
// hook_url or secret.
int ensure_webhook(const BitbucketContext& c, const WebhookOptions& o, std::ostream& out);

// The hook_url the webhook points at, checked: ConfigError when it is missing or not https.
std::string require_hook_url(const RepoConfig& repo, const std::string& command);

}  // namespace bbsot
