// Writing the two configuration files (git bbsot init): .bbsot.yml holds no secret
// values, the user file is written 0600 and keeps every account it had.
#pragma once
#include <string>

#include "config/config.hpp"

namespace bbsot {

std::string repo_config_yaml(const RepoConfig& cfg);
std::string user_config_yaml(const UserConfig& cfg);
// Adds `a`, or updates the account with the same URL: the fields `a` sets replace the
// stored ones, the fields it leaves empty keep their stored values. False: nothing changed.
bool upsert_account(UserConfig& cfg, const Account& a);
// Sets the report secret of `hook_url` (normalised), replacing an earlier one. False:
// nothing changed.
bool upsert_report_secret(UserConfig& cfg, const std::string& hook_url, const SecretRef& secret);

}  // namespace bbsot
