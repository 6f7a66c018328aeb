// Which configured account answers a credential request (docs/DESIGN.md "Credential helper"):
// https only, host exact and case-insensitive (a lookalike or a subdomain never matches),
// path by whole segments, the most specific account wins. Without a path (git sends one
// only with credential.useHttpPath) an answer needs exactly one account on the host.
#pragma once
#include <string>
#include <vector>

#include "bitbucket/credential_protocol.hpp"
#include "config/config.hpp"

namespace bbsot {

struct AccountUrl {
  std::string scheme;                 // lower-cased
  std::string host;                   // lower-cased, with :port when one is given (443 is dropped for https)
  std::vector<std::string> segments;  // percent-decoded path segments, no empties
  bool valid = false;
};

AccountUrl parse_account_url(const std::string& url);

struct AccountMatch {
  const Account* account = nullptr;  // null: no answer
  bool ambiguous = false;            // several accounts on the host and no path to choose
};

AccountMatch match_account(const std::vector<Account>& accounts, const CredentialRequest& req);

// The request git makes for an https clone of the integration's repository: the account
// matching it is the one doctor checks and whose token reads Bitbucket's API.
CredentialRequest integration_request(const IntegrationConfig& in);

}  // namespace bbsot
