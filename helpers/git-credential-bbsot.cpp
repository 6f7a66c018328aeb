// git-credential-bbsot: git's credential helper for Bitbucket (docs/DESIGN.md "Credential
// helper"). This program runs before every HTTPS fetch and push, so it links no network
// or crypto library: a cached OAuth token and the tokens the user holds (Server HTTP
// access tokens, Cloud API and access tokens) are answered here; an OAuth token that
// must be fetched is handed to libexec/bbsot/bbsot-token by exec.
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "base/hardening.hpp"
#include "base/clock.hpp"
#include "base/files.hpp"
#include "base/trace.hpp"
#include "bitbucket/account_match.hpp"
#include "bitbucket/credential_protocol.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"
#include "token/token_cache.hpp"

using namespace bbsot;

namespace {

const char* kUsage =
    "usage: git-credential-bbsot <get|store|erase>\n"
    "       git-credential-bbsot --version\n"
    "\n"
    "git's credential helper for Bitbucket; git runs it, you configure it:\n"
    "  git config --global credential.https://bitbucket.org.helper bbsot\n"
    "  git config --global credential.https://bitbucket.org.useHttpPath true\n"
    "Accounts live in ${XDG_CONFIG_HOME:-~/.config}/bbsot/config.yml (see git bbsot help init).\n";

int answer(const std::string& username, const std::string& password, int64_t expiry) {
  std::string out = format_credential_answer({username, password, expiry});
  if (out.empty()) {
    print_error("bbsot: the credential contains a line break; not passing it to git");
    return kExitFailed;
  }
  std::cout << out << std::flush;
  return kExitOk;
}

// A token the user holds (Server HTTP access token, Cloud API or access token): answered
// here, from the user's file, without the network.
int get_user_token(const Account& a) {
  auto token = resolve_secret(a.token, std::string(to_string(a.kind)) + " of account " + a.url);
  if (!token) {
    print_error("bbsot: " + token.error());
    return kExitFailed;
  }
  // No expiry for git: the configured date is the user's note, and Bitbucket is the judge.
  return answer(git_username(a), *token, 0);
}

int get_cloud(const Account& a) {
  if (auto t = read_cached_token(token_cache_path(a)); t && token_fresh(*t, now_epoch())) {
    trace("credential: cached token for " + a.url);
    return answer("x-token-auth", t->access_token, t->expires_at);
  }
  const std::string prog = join_path(libexec_dir(), "bbsot-token");
  trace("credential: no fresh token for " + a.url + "; running " + prog);
  std::cout.flush();
  // The account URL is not a secret; the program reads the secret itself.
  ::execl(prog.c_str(), prog.c_str(), "fill", a.url.c_str(), static_cast<char*>(nullptr));
  print_error("bbsot: cannot run " + prog + ": " + std::strerror(errno),
              {"reinstall bbsot (./install.sh), or set BBSOT_LIBEXEC_DIR"});
  return kExitFailed;
}

int run(const std::string& op) {
  auto req = read_credential_request(std::cin);
  if (!req) {
    print_error("bbsot: " + req.error());
    return kExitUsage;
  }
  if (op == "store") return kExitOk;  // tokens come from the accounts file and the cache only
  UserConfig cfg = load_user_config(user_config_path());
  AccountMatch m = match_account(cfg.accounts, *req);
  if (m.ambiguous) {
    if (op == "get")
      std::cerr << "bbsot: several accounts match " << req->host
                << " and git sent no path; run: git config --global credential.https://" << req->host
                << ".useHttpPath true\n";
    return kExitOk;
  }
  if (!m.account) return kExitOk;  // not ours: git asks the next helper
  const Account& a = *m.account;
  trace("credential: " + op + " for " + req->host + " matched account " + a.url);
  if (op == "erase") {
    if (a.kind != AccountKind::OAuthConsumer) return kExitOk;  // a token the user holds stays theirs
    auto erased = erase_cached_token(a, req->password);
    if (!erased) print_error("bbsot: " + erased.error());
    return erased ? kExitOk : kExitFailed;
  }
  return a.kind == AccountKind::OAuthConsumer ? get_cloud(a) : get_user_token(a);
}

}  // namespace

int main(int argc, char** argv) {
  bbsot::disable_core_dumps();  // it may hold a consumer secret, a token or a report secret
  if (argc != 2) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string op = argv[1];
  if (op == "--help" || op == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (op == "--version") {  // as `git bbsot --version` prints it
    std::cout << "bbsot " BBSOT_VERSION "\n";
    return kExitOk;
  }
  // gitcredentials(7): a helper ignores operations it does not know.
  if (op != "get" && op != "store" && op != "erase") return kExitOk;
  return run_main([&] { return run(op); });
}
