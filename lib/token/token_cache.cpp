#include "token/token_cache.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "base/hardening.hpp"
#include "base/atomic_file.hpp"
#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/text.hpp"

namespace bbsot {

namespace {

std::string account_stem(const Account& a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(fnv1a_64(a.url + "\n" + a.key + "\n" + a.token_url)));
  return join_path(user_cache_dir(), std::string("token-") + buf);
}

}  // namespace

std::string token_cache_path(const Account& a) { return account_stem(a) + ".json"; }
std::string token_lock_path(const Account& a) { return account_stem(a) + ".lock"; }

std::optional<CachedToken> read_cached_token(const std::string& path) {
  // A cache directory that is not privately ours (a symlink, another owner, writable by
  // others) is a miss here; bbsot-token then refuses it with the reason.
  if (!check_private_path(dirname_of(path), "the token cache directory", false, true)) return std::nullopt;
  auto text = read_file(path, 1 << 16, true);
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  CachedToken t;
  try {
    t.account_url = j.value("account", "");
    t.access_token = j.value("access_token", "");
    t.refresh_token = j.value("refresh_token", "");
    t.scopes = j.value("scopes", "");
    // Only in-range integers: nlohmann casts a float like 1e300 with undefined behaviour.
    for (auto [key, field] : {std::pair{"expires_at", &t.expires_at}, std::pair{"obtained_at", &t.obtained_at}}) {
      auto it = j.find(key);
      if (it == j.end()) continue;
      if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX))
        return std::nullopt;
      *field = it->get<int64_t>();
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a hand-edited or truncated cache is simply a miss
  }
  if (t.access_token.empty()) return std::nullopt;
  return t;
}

Status write_cached_token(const std::string& path, const CachedToken& t) {
  auto dir = ensure_private_dir(dirname_of(path), "the token cache directory");
  if (!dir) return dir;
  nlohmann::json j = {{"account", t.account_url}, {"access_token", t.access_token}, {"refresh_token", t.refresh_token},
                      {"scopes", t.scopes},       {"expires_at", t.expires_at},     {"obtained_at", t.obtained_at}};
  return write_file_atomic(path, j.dump() + "\n", 0600);
}

bool token_fresh(const CachedToken& t, int64_t now) { return t.expires_at - kTokenMarginSeconds > now; }

Expected<bool> erase_cached_token(const Account& a, const std::string& rejected) {
  const std::string path = token_cache_path(a);
  if (!path_exists(path)) return false;
  auto lock = FileLock::acquire(token_lock_path(a), 10000);
  if (!lock) return Expected<bool>::failure(lock.error());
  auto cur = read_cached_token(path);
  // Only the token git saw fail: a newer one fetched meanwhile by another process stays.
  if (cur && !rejected.empty() && cur->access_token != rejected) return false;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return Expected<bool>::failure("cannot remove " + path + ": " + std::strerror(errno));
  return true;
}

}  // namespace bbsot
