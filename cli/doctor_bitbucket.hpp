// doctor's checks of the Bitbucket side (called from cmd_doctor.cpp): the account's kind
// and token expiry, what the token may do (the OAuth consumer's scopes, a Server token's
// repository read and webhook admin), and the integration's webhook (exists, active,
// points at hook_url, every needed event, no comment/approval events, secret against
// whether bbsot signs reports). Each failure's fix is a command or the exact permission.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "guard/clone_state.hpp"

namespace bbsot {

// doctor's Doctor::add: check name, ok | warn | fail, detail, fix.
using DoctorAdd = std::function<void(std::string, std::string, std::string, std::string)>;

// Warn from this many days before a configured expiry.
constexpr int64_t kExpiryWarningDays = 14;

// "token kind": which kind the account is, and its expiry where known (`expires:`);
// `path`: the user's file the account is in.
void check_token_kind(const DoctorAdd& add, const Account& a, int64_t now, const std::string& path);

// The OAuth scopes a Cloud consumer's token must carry for bbsot (git push, webhook,
// pull requests), missing ones named; `scopes` as the token answer gave them.
std::vector<std::string> missing_cloud_scopes(const std::string& scopes);

// Everything after the account is known to exist: token kind, permissions, webhook.
void check_bitbucket_side(const DoctorAdd& add, const CloneState& state, const UserConfig& user);

}  // namespace bbsot
