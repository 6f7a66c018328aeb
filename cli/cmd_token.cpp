// git bbsot token [URL]: which account answers for a URL and the state of its token; the
// token itself only with --print.
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "base/files.hpp"
#include "bitbucket/account_match.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"
#include "bitbucket/bitbucket_url.hpp"
#include "guard/clone_state.hpp"
#include "history/git_repo.hpp"
#include "net/token_source.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

namespace {

// The URL to ask about: given, else the repository's Bitbucket repository URL.
std::string default_url() {
  auto repo = GitRepo::open_from_env();
  if (!repo) return "";
  auto state = load_clone_state(repo->common_dir());
  if (!state || !*state) return "";
  const auto& in = (*state)->integration;
  auto name = split_repository(in.repository);
  return name ? repo_clone_url(in.type, in.url, *name) : "";
}

CredentialRequest request_for(const std::string& url) {
  CredentialRequest req;
  auto p = url.find("://");
  if (p == std::string::npos)
    throw ConfigError("git bbsot token: '" + url + "' is not a URL", {"e.g. https://bitbucket.org/acme/shop.git"});
  req.protocol = url.substr(0, p);
  std::string rest = url.substr(p + 3);
  auto slash = rest.find('/');
  req.host = rest.substr(0, slash);
  req.path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  return req;
}

std::string in_words(int64_t seconds) {
  if (seconds <= 0) return "expired";
  if (seconds < 120) return "expires in " + std::to_string(seconds) + " s";
  if (seconds < 7200) return "expires in " + std::to_string(seconds / 60) + " min";
  if (seconds < int64_t{3} * 86400) return "expires in " + std::to_string(seconds / 3600) + " h";
  return "expires in " + std::to_string(seconds / 86400) + " days";
}

}  // namespace

int cmd_token(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("refresh", "get a new token now (Cloud)")("print", "print the access token itself")(
      "json", "machine-readable output");
  auto p = parse_args("token", "git bbsot token [URL] [--refresh] [--print] [--json]",
                      "Shows which account bbsot uses for URL (default: this repository's Bitbucket URL)\n"
                      "and its kind (oauth_consumer, api_token, access_token, http_access_token), its\n"
                      "token's expiry where known and scopes. The token is shown only with --print.",
                      opts, args, 1);
  if (p.help) return kExitOk;
  const std::string url = p.positional.empty() ? default_url() : p.positional[0];
  if (url.empty()) throw ConfigError("git bbsot token: which URL? give one, or run it in a repository with .bbsot.yml");
  UserConfig cfg = load_user_config(user_config_path());
  AccountMatch m = match_account(cfg.accounts, request_for(url));
  if (!m.account)
    throw Error("no bbsot account matches " + url, kExitFailed,
                {"add one: git bbsot init --key ... (Cloud) or --username ... (Server)"});
  const Account& a = *m.account;
  nlohmann::json j = {{"url", url}, {"account", a.url}, {"type", to_string(a.type)}, {"kind", to_string(a.kind)}};
  if (a.kind != AccountKind::OAuthConsumer) {
    j["username"] = git_username(a);
    j["token_source"] = !a.token.command.empty() ? "command" : !a.token.env.empty() ? "env" : "file";
    if (!a.email.empty()) j["email"] = a.email;
    // Bitbucket does not say when these tokens expire: only the date the user wrote down.
    j["expires"] = a.expires.empty() ? nlohmann::json() : nlohmann::json(a.expires);
    if (a.expires_at) j["expires_at"] = a.expires_at;
    if (p.vm.count("print")) {
      auto t = resolve_secret(a.token, std::string(to_string(a.kind)) + " of account " + a.url);
      if (!t) throw Error(t.error());
      std::cout << *t << "\n";
      return kExitOk;
    }
  } else {
    std::optional<CachedToken> t = read_cached_token(token_cache_path(a));
    if (p.vm.count("refresh") || (p.vm.count("print") && !(t && token_fresh(*t, now_epoch())))) {
      auto fresh = obtain_token(a, cfg, p.vm.count("refresh") > 0);
      if (!fresh) throw Error("cannot get an access token for " + a.url + ": " + fresh.error());
      t = *fresh;
    }
    if (p.vm.count("print")) {
      std::cout << t->access_token << "\n";
      return kExitOk;
    }
    j["cached"] = t.has_value();
    if (t) {
      j["expires_at"] = t->expires_at;
      j["scopes"] = t->scopes;
      j["obtained_at"] = t->obtained_at;
    }
  }
  if (p.vm.count("json")) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "url:      " << url << "\naccount:  " << a.url << " (" << to_string(a.type)
            << ")\nkind:     " << to_string(a.kind) << "\n";
  if (a.kind != AccountKind::OAuthConsumer) {
    std::cout << "username: " << git_username(a) << " (for git)\n";
    if (!a.email.empty()) std::cout << "email:    " << a.email << " (for the REST API)\n";
    std::cout << "token:    from " << j["token_source"].get<std::string>() << "\n";
    if (a.expires_at == 0) {
      std::cout << "expires:  unknown (Bitbucket does not tell; add expires: YYYY-MM-DD to the account)\n";
    } else {
      const int64_t left = a.expires_at - now_epoch();
      std::cout << "expires:  " << a.expires << " (" << in_words(left) << ")\n";
      if (left <= 0)
        print_warning("the token of " + a.url + " expired on " + a.expires + "; create a new one");
      else if (left < int64_t{14} * 86400)
        print_warning("the token of " + a.url + " expires on " + a.expires + "; create a new one before then");
    }
  } else if (j["cached"].get<bool>()) {
    std::cout << "token:    cached, " << in_words(j["expires_at"].get<int64_t>() - now_epoch())
              << "\nscopes:   " << j["scopes"].get<std::string>() << "\n";
  } else {
    std::cout << "token:    none cached (git fetches one on first use; --refresh gets one now)\n";
  }
  return kExitOk;
}

}  // namespace bbsot
