#include "report/delivery.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "api/identity.hpp"
#include "base/clock.hpp"
#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "bitbucket/account_match.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"
#include "history/push_analysis.hpp"
#include "net/ca_policy.hpp"
#include "net/http.hpp"
#include "net/token_source.hpp"
#include "report/webhook.hpp"
#include "token/token_cache.hpp"

namespace bbsot {

namespace {

std::string real(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

std::string mutation_lock(const Outbox& box) { return join_path(dirname_of(box.dir()), "outbox.lock"); }

// Read-modify-write of one record under the outbox lock, so the hook, the watcher and a
// deliverer never overwrite each other's changes.
template <class F>
Status update_record(Outbox& box, const std::string& id, F&& change) {
  auto lock = FileLock::acquire(mutation_lock(box), 30000);
  if (!lock) return Status::failure(lock.error());
  auto r = box.read(id);
  if (!r) return Status::failure(r.error());
  if (!change(*r)) return ok_status();
  return box.write(*r);
}

bool all_confirmed(const PushRecord& r) {
  for (const auto& c : r.changes)
    if (!c.confirmed) return false;
  return true;
}

std::string branch_of(const std::string& ref) { return ref.starts_with("refs/heads/") ? ref.substr(11) : ""; }

bool pid_alive(int64_t pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// ls-remote's view of `refs` on the record's remote.
Expected<std::map<std::string, std::string>> remote_refs(const PushRecord& r) {
  std::vector<std::string> argv = {"git", "--git-dir=" + r.git_dir, "ls-remote", "--", r.remote};
  for (const auto& c : r.changes)
    if (!c.confirmed) argv.push_back(c.ref);
  ProcessOptions opts;
  opts.timeout_ms = 60000;
  auto res = run_process(argv, opts);
  using R = Expected<std::map<std::string, std::string>>;
  if (!res) return R::failure(res.error());
  if (res->exit_code != 0)
    return R::failure("git ls-remote " + r.remote + " failed (exit " + std::to_string(res->exit_code) + ")");
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < res->out.size()) {
    size_t end = res->out.find('\n', pos);
    if (end == std::string::npos) end = res->out.size();
    std::string line = res->out.substr(pos, end - pos);
    pos = end + 1;
    auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(tab + 1)] = line.substr(0, tab);
  }
  return out;
}

struct RecordConfig {
  RepoConfig repo;
  UserConfig user;
};

Expected<RecordConfig> config_for(const PushRecord& r) {
  try {
    RecordConfig c{load_repo_config(r.config_path), load_user_config(user_config_path())};
    return c;
  } catch (const Error& e) {
    return Expected<RecordConfig>::failure(e.what());
  }
}

// The account that answers for the integration's repository, as for a push over https
// to it (what doctor checks): its token fetches the ids only Bitbucket knows.
const Account* account_for(const RecordConfig& c) {
  return match_account(c.user.accounts, integration_request(c.repo.integration)).account;
}

// Computed once per record and run: the API lookup behind `identity` is cached, but a
// retry within a run need not even read the cache.
WebhookContext context_for(const PushRecord& r, const RecordConfig& c) {
  WebhookContext ctx;
  const auto& in = c.repo.integration;
  const auto slash = in.repository.find('/');
  const Account* account = account_for(c);
  if (in.type == BitbucketType::Cloud) {
    ctx.repo_html_url = in.url + "/" + in.repository;
  } else {
    ctx.repo_html_url =
        in.url + "/projects/" + in.repository.substr(0, slash) + "/repos/" + in.repository.substr(slash + 1);
    if (account) ctx.server_username = account->username;
  }
  ctx.identity = lookup_identity(r, c.repo, c.user, account);
  ctx.now = now_epoch();
  return ctx;
}

// One POST. Returns "" on a 2xx answer, else what went wrong.
std::string post_once(const PushRecord& r, const RecordConfig& c, const WebhookContext& ctx, const std::string& secret,
                      int attempt) {
  WebhookRequest w = build_webhook(r, c.repo, ctx, attempt, secret);
  HttpRequest req;
  req.method = "POST";
  req.url = c.repo.integration.hook_url;
  req.headers = w.headers;
  req.body = w.body;
  req.ca_file = ca_file_for(c.user, req.url);
  req.connect_timeout_ms = c.user.connect_timeout_ms;
  req.timeout_ms = c.user.timeout_ms;
  req.max_response_bytes = 1 << 20;
  req.allow_plain_http_loopback = true;
  auto resp = http_request(req);
  if (!resp) return resp.error();
  if (resp->status >= 200 && resp->status < 300) return "";
  return "HTTP " + std::to_string(resp->status) + " from " + req.url;
}

int64_t backoff_seconds(int attempts) {
  int64_t s = 30;
  for (int i = 1; i < attempts && s < 3600; ++i) s *= 2;
  return std::min<int64_t>(s, 3600);
}

// Tries one record up to kAttemptsPerRun times with growing pauses; records the outcome.
bool deliver_one(Outbox& box, const PushRecord& r, DeliverySummary& sum) {
  auto cfg = config_for(r);
  std::string error;
  std::string secret;
  if (cfg && cfg->repo.integration.hook_url.empty()) error = "no hook_url in " + r.config_path;
  if (!cfg) error = cfg.error();
  if (error.empty() && !cfg->repo.report.secret.empty()) {
    auto s = resolve_secret(cfg->repo.report.secret, "report secret");
    if (s)
      secret = *s;
    else
      error = s.error();
  }
  int attempt = r.attempts;
  // Configuration problems are not retried in this run; network and HTTP failures are.
  if (error.empty()) {
    WebhookContext ctx = context_for(r, *cfg);
    for (int i = 0; i < kAttemptsPerRun; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500 << (i - 1)));
      ++attempt;
      ctx.now = now_epoch();
      error = post_once(r, *cfg, ctx, secret, attempt);
      trace("deliver: " + r.id + " attempt " + std::to_string(attempt) + ": " + (error.empty() ? "sent" : error));
      if (error.empty()) break;
    }
  }
  const bool ok = error.empty();
  update_record(box, r.id, [&](PushRecord& cur) {
    cur.attempts = attempt;
    if (ok) {
      cur.state = RecordState::Sent;
      cur.sent_at = now_epoch();
      cur.last_error.clear();
    } else {
      cur.last_error = error;
      cur.next_attempt = now_epoch() + backoff_seconds(attempt);
    }
    return true;
  });
  if (ok)
    ++sum.sent;
  else
    ++sum.failed;
  sum.messages.push_back("report " + r.id + (ok ? ": delivered" : ": not delivered: " + error));
  return ok;
}

}  // namespace

std::string common_dir_of(const std::string& git_dir) {
  auto text = read_file(join_path(git_dir, "commondir"), 4096);
  if (!text) return git_dir;
  std::string c = *text;
  while (!c.empty() && (c.back() == '\n' || c.back() == '\r')) c.pop_back();
  return c.starts_with('/') ? c : real(join_path(git_dir, c));
}

int confirm_from_transaction(const std::string& git_dir, const std::string& transaction) {
  std::map<std::string, std::string> updates;  // tracking ref -> new id
  size_t pos = 0;
  while (pos < transaction.size()) {
    size_t end = transaction.find('\n', pos);
    if (end == std::string::npos) end = transaction.size();
    std::string line = transaction.substr(pos, end - pos);
    pos = end + 1;
    auto a = line.find(' '), b = line.find(' ', a == std::string::npos ? 0 : a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ref = line.substr(b + 1);
    if (ref.starts_with("refs/remotes/")) updates[ref] = line.substr(a + 1, b - a - 1);
  }
  if (updates.empty()) return 0;
  Outbox box(common_dir_of(git_dir));
  const std::string me = real(git_dir);
  int ready = 0;
  for (const auto& rec : box.list()) {
    if (rec.state != RecordState::Pending || real(rec.git_dir) != me) continue;
    update_record(box, rec.id, [&](PushRecord& r) {
      bool changed = false;
      for (auto& c : r.changes) {
        const std::string b = branch_of(c.ref);
        if (c.confirmed || b.empty()) continue;
        auto it = updates.find("refs/remotes/" + r.remote + "/" + b);
        if (it == updates.end()) continue;
        if (c.closed ? is_null_id(it->second) : it->second == c.new_id) c.confirmed = changed = true;
      }
      if (changed && all_confirmed(r) && r.state == RecordState::Pending) {
        r.state = RecordState::Ready;
        ++ready;
      }
      return changed;
    });
  }
  return ready;
}

void settle_pending(const std::string& common_dir, bool force, std::vector<std::string>* messages) {
  Outbox box(common_dir);
  for (const auto& rec : box.list(messages)) {
    if (rec.state != RecordState::Pending || (!force && pid_alive(rec.pusher_pid))) continue;
    auto refs = remote_refs(rec);  // network: outside the lock
    if (!refs) {
      update_record(box, rec.id, [&](PushRecord& r) {
        r.last_error = "could not check the remote: " + refs.error();
        return true;
      });
      if (messages) messages->push_back("report " + rec.id + ": " + refs.error());
      continue;
    }
    bool removed = false;
    update_record(box, rec.id, [&](PushRecord& r) {
      if (r.state != RecordState::Pending) return false;
      std::vector<RefChange> kept;
      for (auto& c : r.changes) {
        auto it = refs->find(c.ref);
        const bool landed = c.confirmed || (c.closed ? it == refs->end() : it != refs->end() && it->second == c.new_id);
        if (landed) {
          c.confirmed = true;
          kept.push_back(c);
        }
      }
      if (kept.empty()) return removed = true, false;
      r.changes = std::move(kept);
      r.state = RecordState::Ready;
      return true;
    });
    if (removed) {
      box.remove(rec.id);
      if (messages) messages->push_back("report " + rec.id + ": dropped, the push did not reach " + rec.remote);
    }
  }
}

DeliverySummary deliver_ready(const std::string& common_dir, bool ignore_backoff) {
  DeliverySummary sum;
  Outbox box(common_dir);
  auto d = ensure_dir(dirname_of(box.dir()), 0700);
  auto lock = FileLock::acquire(box.lock_path(), 10 * 60 * 1000);
  if (!lock) {
    sum.messages.push_back(lock.error());
    return sum;
  }
  std::set<std::string> tried;
  // Loop: a push confirmed while we deliver is picked up by this run.
  for (bool again = true; again;) {
    again = false;
    for (const auto& r : box.list(&sum.messages)) {
      if (r.state == RecordState::Sent && r.sent_at + kKeepSentSeconds < now_epoch()) box.remove(r.id);
      if (r.state != RecordState::Ready || tried.count(r.id)) continue;
      if (!ignore_backoff && r.next_attempt > now_epoch()) continue;
      tried.insert(r.id);
      deliver_one(box, r, sum);
      again = true;
    }
  }
  return sum;
}

void disarm_if_idle(const std::string& git_dir) {
  Outbox box(common_dir_of(git_dir));
  const std::string me = real(git_dir);
  for (const auto& r : box.list())
    if (r.state == RecordState::Pending && real(r.git_dir) == me) return;
  ::unlink(armed_marker_path(git_dir).c_str());
}

}  // namespace bbsot
