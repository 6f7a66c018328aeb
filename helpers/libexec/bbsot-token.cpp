// bbsot-token fill ACCOUNT_URL: fetches (or reuses) the account's OAuth access token and
// prints git's credential answer. Started by git-credential-bbsot on a cache miss; kept
// separate so that libcurl and OpenSSL are loaded only when the network is needed.
#include <cstring>
#include <iostream>

#include "base/hardening.hpp"
#include "base/files.hpp"
#include "bitbucket/credential_protocol.hpp"
#include "config/config.hpp"
#include "net/token_source.hpp"

using namespace bbsot;

namespace {

int fill(const std::string& url) {
  UserConfig cfg = load_user_config(user_config_path());
  for (const auto& a : cfg.accounts) {
    if (a.url != url || a.kind != AccountKind::OAuthConsumer) continue;
    auto t = obtain_token(a, cfg);
    if (!t) {
      print_error("bbsot: cannot get an access token for " + a.url + ": " + t.error());
      return kExitFailed;
    }
    std::cout << format_credential_answer({kTokenGitUser, t->access_token, t->expires_at}) << std::flush;
    return kExitOk;
  }
  print_error("bbsot: no Bitbucket Cloud OAuth consumer account " + url + " in " + cfg.path);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  bbsot::disable_core_dumps();  // it may hold a consumer secret, a token or a report secret
  if (argc != 3 || std::strcmp(argv[1], "fill") != 0) {
    std::cerr << "usage: bbsot-token fill ACCOUNT_URL   (run by git-credential-bbsot)\n";
    return kExitUsage;
  }
  return run_main([&] { return fill(argv[2]); });
}
