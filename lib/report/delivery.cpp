#include "report/delivery.hpp"

#include <openssl/evp.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include "api/identity.hpp"
#include "base/clock.hpp"
#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/process.hpp"
#include "base/trace.hpp"
#include "base/web_url.hpp"
#include "bitbucket/account_match.hpp"
#include "bitbucket/bitbucket_url.hpp"
#include "config/config.hpp"
#include "config/secret.hpp"
#include "git/git_dir.hpp"
#include "git/push_lines.hpp"
#include "guard/clone_state.hpp"
#include "history/git_repo.hpp"
#include "history/push_analysis.hpp"
#include "net/ca_policy.hpp"
#include "outbox/limits.hpp"
#include "report/retry_policy.hpp"
#include "report/webhook.hpp"

namespace bbsot {

namespace {

// The envelope of a body (actor, repository, Server's commits list): what a part may hold
// besides its changes. Generous on purpose: the API's ids add a few hundred bytes.
constexpr size_t kEnvelopeReserve = size_t{32} * 1024;
constexpr int kDeliverLockMs = 10 * 60 * 1000;

double random_jitter() {
  uint32_t v = 0;
  if (::getrandom(&v, sizeof v, GRND_NONBLOCK) != sizeof v) v = static_cast<uint32_t>(::getpid());
  return 0.8 + 0.4 * (static_cast<double>(v) / 4294967295.0);
}

Expected<std::map<std::string, std::string>> git_ls_remote(const std::string& git_dir, const std::string& remote,
                                                           const std::vector<std::string>& refs) {
  using R = Expected<std::map<std::string, std::string>>;
  std::vector<std::string> argv = {"git", "--git-dir=" + git_dir, "ls-remote", "--", remote};
  // Ask for the refs by name unless there are very many (argv has a size limit).
  if (refs.size() <= 500) argv.insert(argv.end(), refs.begin(), refs.end());
  ProcessOptions opts;
  opts.timeout_ms = 60000;
  opts.max_output = size_t{256} << 20;
  auto res = run_process(argv, opts);
  if (!res) return R::failure(res.error());
  if (res->exit_code != 0) return R::failure("git ls-remote " + remote + " failed (exit " + std::to_string(res->exit_code) + ")");
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < res->out.size()) {
    size_t end = std::min(res->out.find('\n', pos), res->out.size());
    const std::string line = res->out.substr(pos, end - pos);
    pos = end + 1;
    auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(tab + 1)] = line.substr(0, tab);
  }
  return out;
}

// The push is over when its git process is gone. A pid can be reused, so "alive" needs
// the process to still be a git push.
bool pusher_alive(int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline", 1 << 16);
  return cmdline && cmdline->find("push") != std::string::npos;
}

bool by_remote_name(const PushRecord& r) {
  return !r.remote.empty() && r.remote.find_first_of("/:") == std::string::npos;
}

enum class Landing { Landed, NotLanded, Unknown };

// What this repository's own files prove about one change of a finished push. `refs`
// is one reader for the whole record: packed-refs is loaded once, not once per change.
std::optional<Landing> local_evidence(const std::string& common, RefReader& refs, const PushRecord& r,
                                      const RefChange& c) {
  if (c.is_tag || !by_remote_name(r) || !c.ref.starts_with("refs/heads/")) return std::nullopt;
  const std::string tracking = "refs/remotes/" + r.remote + "/" + c.ref.substr(11);
  const auto now = refs.id(tracking);
  if (c.closed) {
    // git deletes the tracking ref (and its reflog) when a deletion reaches the remote.
    if (!c.tracking_before.empty() && !now) return Landing::Landed;
    return std::nullopt;
  }
  for (const auto& e : read_reflog(common, tracking))
    if (e.new_id == c.new_id && e.message.starts_with("update by push") && e.time + 5 >= r.created)
      return Landing::Landed;
  // Without a reflog (core.logAllRefUpdates off): the tracking ref moved to the new id.
  if (now && *now == c.new_id && c.tracking_before != c.new_id) return Landing::Landed;
  return std::nullopt;
}

// What the remote shows now, for a change the local files did not decide.
Landing remote_evidence(const std::map<std::string, std::string>& remote, const RefChange& c) {
  auto it = remote.find(c.ref);
  const bool present = it != remote.end();
  if (c.closed) {
    if (!present) return Landing::Landed;
    return it->second == c.old_id ? Landing::NotLanded : Landing::Unknown;
  }
  if (present && it->second == c.new_id) return Landing::Landed;
  if (c.created && !present) return Landing::NotLanded;
  if (!c.created && present && it->second == c.old_id) return Landing::NotLanded;
  return Landing::Unknown;  // the remote moved on (or the ref went away): no evidence either way
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

std::string web_url_of(const Destination& d) {
  auto name = split_repository(d.repository);
  return name ? repo_web_url(d.type, d.url, *name) : d.url + "/" + d.repository;
}

}  // namespace

std::string part_id(const std::string& record_id, int part) {
  const std::string seed = record_id + "/part/" + std::to_string(part);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(seed.data(), seed.size(), md, &len, EVP_sha256(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x40);
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1],
                md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
  return out;
}

DeliveryWorld real_world() {
  DeliveryWorld w;
  w.now = [] { return now_epoch(); };
  w.send = [](const HttpRequest& req, HttpFailure* kind) { return http_request(req, kind); };
  w.ls_remote = git_ls_remote;
  w.jitter = random_jitter;
  return w;
}

namespace {

// Commits and bounds (libgit2), then parts of at most kMaxBodyBytes. `state` is the
// record's state in every part (ready, or unconfirmed). Part 1 keeps the record's id.
std::vector<PushRecord> prepare_parts(PushRecord r, std::vector<RefChange> changes, RecordState state,
                                      const Destination& dest) {
  std::vector<PushRecord> parts;
  if (changes.empty()) return parts;
  if (!r.analysed) {
    auto repo = GitRepo::open(r.git_dir.empty() ? "." : r.git_dir);
    if (repo) {
      analyse_changes(*repo, changes, by_remote_name(r) ? r.remote : "");
      if (r.actor_name.empty()) r.actor_name = truncate_text(repo->config_string("user.name"), kMaxPersonBytes);
      if (r.actor_email.empty()) r.actor_email = truncate_text(repo->config_string("user.email"), kMaxPersonBytes);
    } else {
      trace("prepare: " + r.id + ": cannot open " + r.git_dir + " (" + repo.error() + "); reported without commits");
    }
    r.analysed = true;
  }
  WebhookContext ctx;
  ctx.repo_html_url = web_url_of(dest);
  const size_t budget = kMaxBodyBytes - kEnvelopeReserve;
  std::vector<std::vector<RefChange>> groups(1);
  size_t used = 0;
  for (auto& c : changes) {
    const size_t n = change_body_bytes(r, dest, ctx, c);
    if (!groups.back().empty() && used + n > budget) {
      groups.emplace_back();
      used = 0;
    }
    used += n;
    groups.back().push_back(std::move(c));
  }
  const int count = static_cast<int>(groups.size());
  for (int i = 0; i < count; ++i) {
    PushRecord p = r;
    p.id = i == 0 ? r.id : part_id(r.id, i + 1);
    p.state = state;
    p.changes = std::move(groups[static_cast<size_t>(i)]);
    p.last_error.clear();
    if (count > 1) {
      p.split_from = r.id;
      p.part = i + 1;
      p.parts = count;
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

// Where a record's report goes: the destination fixed at push time. A push made while
// the clone had no hook URL yet goes to the hook URL set (and approved) since for the same
// Bitbucket repository; records of bbsot 0.1 carry no destination at all.
Destination destination_of(const PushRecord& r, const std::optional<CloneState>& state) {
  if (!state) return r.has_destination ? r.destination : Destination{};
  Destination now = current_destination(*state);
  if (!r.has_destination) return now;
  if (r.destination.hook_url.empty() && now.same_bitbucket(r.destination)) return now;
  return r.destination;
}

}  // namespace

SettleSummary settle_pending(const std::string& common_dir, bool force, const DeliveryWorld& world) {
  SettleSummary sum;
  Outbox box(common_dir);
  const auto state_or = load_clone_state(common_dir);
  const std::optional<CloneState> state = state_or ? *state_or : std::nullopt;
  for (const auto& rec : box.list().records) {
    if (rec.state != RecordState::Pending) continue;
    if (!force && pusher_alive(rec.pusher_pid)) {
      ++sum.waiting;
      continue;
    }
    std::vector<Landing> verdict(rec.changes.size(), Landing::Unknown);
    std::vector<std::string> ask;
    std::vector<bool> decided(rec.changes.size(), false);
    RefReader refs(common_dir);
    for (size_t i = 0; i < rec.changes.size(); ++i) {
      if (rec.changes[i].landed) {
        verdict[i] = Landing::Landed, decided[i] = true;
      } else if (auto e = local_evidence(common_dir, refs, rec, rec.changes[i])) {
        verdict[i] = *e, decided[i] = true;
      } else {
        ask.push_back(rec.changes[i].ref);
      }
    }
    if (!ask.empty()) {
      auto remote = world.ls_remote(rec.git_dir, rec.remote, ask);
      if (!remote) {
        const std::string why = "could not check " + rec.remote + " for what the push did: " + remote.error();
        auto s = box.update(rec.id, [&](PushRecord& cur) {
          if (cur.last_error == why) return false;
          cur.last_error = why;
          return true;
        });
        (void)s;  // a record dropped meanwhile stays dropped
        sum.messages.push_back("report " + rec.id + ": " + why);
        ++sum.waiting;
        continue;
      }
      for (size_t i = 0; i < rec.changes.size(); ++i)
        if (!decided[i]) verdict[i] = remote_evidence(*remote, rec.changes[i]);
    }
    std::vector<RefChange> landed, unknown;
    for (size_t i = 0; i < rec.changes.size(); ++i) {
      RefChange c = rec.changes[i];
      if (verdict[i] == Landing::Landed) {
        c.landed = true;
        landed.push_back(std::move(c));
      } else if (verdict[i] == Landing::Unknown) {
        unknown.push_back(std::move(c));
      }
    }
    const Destination dest = destination_of(rec, state);
    auto parts = prepare_parts(rec, landed, RecordState::Ready, dest);
    if (!unknown.empty()) {
      auto u = prepare_parts(rec, unknown, RecordState::Unconfirmed, dest);
      const bool own_id = parts.empty() && u.size() == 1;
      for (size_t k = 0; k < u.size(); ++k) {
        PushRecord& p = u[k];
        p.id = own_id ? rec.id : part_id(rec.id, 1000 + static_cast<int>(k));
        p.last_error = "no evidence that these changes reached " + rec.remote +
                       " (the remote shows other commits now); send it: git bbsot report send " + p.id +
                       ", or drop it: git bbsot report drop " + p.id;
        parts.push_back(std::move(p));
      }
    }
    auto s = box.replace(rec.id, parts);
    if (!s) {
      sum.messages.push_back("report " + rec.id + ": " + s.error());
      continue;
    }
    for (const auto& p : parts) (p.state == RecordState::Ready ? sum.ready : sum.unconfirmed)++;
    if (parts.empty()) {
      ++sum.dropped;
      sum.messages.push_back("report " + rec.id + ": dropped, the push did not reach " + rec.remote);
    } else if (landed.size() + unknown.size() < rec.changes.size()) {
      sum.messages.push_back("report " + rec.id + ": " + std::to_string(rec.changes.size() - landed.size() - unknown.size()) +
                             " ref(s) left out: the remote shows they were not updated (rejected)");
    }
    trace("settle: " + rec.id + ": " + std::to_string(landed.size()) + " landed, " + std::to_string(unknown.size()) +
          " unknown, " + std::to_string(parts.size()) + " record(s)");
  }
  return sum;
}

Status send_unconfirmed(const std::string& common_dir, const std::string& id, const DeliveryWorld& world) {
  (void)world;
  Outbox box(common_dir);
  auto r = box.read(id);
  if (!r) return Status::failure(r.error());
  if (r->state != RecordState::Unconfirmed)
    return Status::failure("report " + id + " is " + to_string(r->state) + ", not unconfirmed");
  auto state = load_clone_state(common_dir);
  std::vector<RefChange> changes = r->changes;
  for (auto& c : changes) c.landed = true;
  const Destination dest = destination_of(*r, state ? *state : std::nullopt);
  return box.replace(id, prepare_parts(*r, changes, RecordState::Ready, dest));
}

Status retry_rejected(const std::string& common_dir, const std::string& id) {
  Outbox box(common_dir);
  bool was_rejected = false;
  auto s = box.update(id, [&](PushRecord& r) {
    if (r.state != RecordState::Rejected) return false;
    was_rejected = true;
    r.state = RecordState::Ready;
    r.first_failure_at = 0;
    r.next_attempt = 0;
    r.last_error.clear();
    return true;
  });
  if (!s) return s;
  if (!was_rejected) return Status::failure("report " + id + " is not rejected");
  return ok_status();
}

namespace {

// What one destination needs for this run, worked out once: whether reports may go
// there, the secret, Bitbucket's ids.
struct DestinationRun {
  bool checked = false;
  std::string waits;  // why reports there wait; "" : they may go
  std::string secret;
  bool context_ready = false;
  WebhookContext ctx;
  bool failing = false;  // an attempt failed this run: the rest wait for the next run
};

std::string waits_for(const Destination& d, const std::optional<CloneState>& state, const UserConfig* user,
                      const std::string& user_error, std::string& secret) {
  if (!state) return "this clone has not been set up by `git bbsot init` (it approves where reports go)";
  if (!is_approved(*state, d))
    return d.hook_url.empty() ? "no hook_url for " + d.repository
                              : d.hook_url + " is not approved on this machine; run: git bbsot approve";
  if (d.hook_url.empty()) return "this clone has no hook URL for the integration yet; set it: git bbsot init --hook-url URL";
  if (auto problem = endpoint_url_problem(d.hook_url); !problem.empty()) return "hook_url " + problem;
  if (!user) return user_error;
  if (const ReportSecret* rs = report_secret_for(*user, d.hook_url)) {
    auto s = resolve_secret(rs->secret, "report secret for " + d.hook_url);
    if (!s) return s.error();
    secret = *s;
  }
  return "";
}

WebhookContext context_for(const PushRecord& r, const Destination& d, const UserConfig& user,
                           const std::optional<CloneState>& state, int64_t now) {
  WebhookContext ctx;
  ctx.repo_html_url = web_url_of(d);
  IntegrationConfig in;
  in.type = d.type;
  in.url = d.url;
  in.repository = d.repository;
  const Account* account = match_account(user.accounts, integration_request(in)).account;
  if (d.type == BitbucketType::Server && account) ctx.server_username = account->username;
  // Tokens go only to an approved Bitbucket repository's API.
  if (state && bitbucket_approved(*state, d)) ctx.identity = lookup_identity(r, d, user);
  ctx.now = now;
  return ctx;
}

}  // namespace

DeliverySummary deliver_ready(const std::string& common_dir, bool ignore_backoff, const DeliveryWorld& world) {
  DeliverySummary sum;
  Outbox box(common_dir);
  if (!path_exists(box.dir())) return sum;
  auto lock = FileLock::acquire(box.deliver_lock_path(), kDeliverLockMs);
  if (!lock) {
    sum.messages.push_back(lock.error());
    return sum;
  }
  std::optional<UserConfig> user;
  std::string user_error;
  try {
    user = load_user_config(user_config_path());
  } catch (const ConfigError& e) {
    user_error = e.what();
  }
  const auto state_or = load_clone_state(common_dir);
  const std::optional<CloneState> state = state_or ? *state_or : std::nullopt;
  std::map<std::string, DestinationRun> runs;  // by destination
  std::set<std::string> tried;
  // A push confirmed while we deliver is picked up by the next pass of this run.
  for (bool again = true; again;) {
    again = false;
    const int64_t now = world.now();
    for (const auto& listed : box.list().records) {
      if (listed.state == RecordState::Sent && listed.sent_at + kKeepSentSeconds < now) {
        (void)box.remove(listed.id);  // delivered a week ago: nothing left to keep
        continue;
      }
      if (listed.state != RecordState::Ready || tried.count(listed.id)) continue;
      tried.insert(listed.id);
      const Destination dest = destination_of(listed, state);
      const std::string key = to_string(dest.type) + std::string(" ") + dest.url + " " + dest.repository + " " + dest.hook_url;
      DestinationRun& run = runs[key];
      if (!run.checked) {
        run.checked = true;
        run.waits = waits_for(dest, state, user ? &*user : nullptr, user_error, run.secret);
      }
      auto note_wait = [&](const std::string& why) {
        ++sum.waiting;
        if (listed.last_error == why) return;
        (void)box.update(listed.id, [&](PushRecord& cur) {
          if (cur.state != RecordState::Ready || cur.last_error == why) return false;
          cur.last_error = why;
          return true;
        });
      };
      if (!run.waits.empty()) {
        note_wait("waiting: " + run.waits);
        continue;
      }
      if (run.failing) {
        ++sum.waiting;
        continue;
      }
      if (!ignore_backoff && !attempt_due(listed, now)) {
        ++sum.waiting;
        if (listed.first_failure_at > 0 && (sum.next_retry == 0 || listed.next_attempt < sum.next_retry))
          sum.next_retry = listed.next_attempt;
        continue;
      }
      // The attempt number is on disk before the request goes out, so a deliverer killed
      // mid-request makes the next one send attempt n+1 with the same request id.
      int attempt = 0;
      auto claimed = box.update(
          listed.id,
          [&](PushRecord& cur) {
            if (cur.state != RecordState::Ready) return false;
            attempt = ++cur.attempts;
            cur.last_attempt_at = now;
            return true;
          },
          false);
      if (!claimed || attempt == 0) continue;  // dropped or sent meanwhile
      PushRecord r = listed;
      r.attempts = attempt;
      if (!run.context_ready) {
        run.ctx = context_for(r, dest, *user, state, now);
        run.context_ready = true;
      }
      run.ctx.now = now;
      WebhookRequest w = build_webhook(r, dest, run.ctx, attempt, run.secret);
      HttpRequest req;
      req.method = "POST";
      req.url = dest.hook_url;
      req.headers = w.headers;
      req.body = w.body;
      req.ca_file = ca_file_for(*user, req.url);
      req.connect_timeout_ms = user->connect_timeout_ms;
      req.timeout_ms = user->timeout_ms;
      req.max_response_bytes = 1 << 20;
      req.allow_plain_http_loopback = true;
      HttpFailure kind = HttpFailure::None;
      auto resp = world.send(req, &kind);
      const int64_t after = world.now();
      const AttemptOutcome o = resp ? classify_answer(*resp, req.url, after) : classify_failure(kind, resp.error());
      trace("deliver: " + r.id + " attempt " + std::to_string(attempt) + ": " +
            (o.verdict == Verdict::Delivered ? std::string("delivered") : o.detail));
      auto saved = box.update(r.id, [&](PushRecord& cur) {
        if (cur.state != RecordState::Ready) return false;
        switch (o.verdict) {
          case Verdict::Delivered:
            cur.state = RecordState::Sent;
            cur.sent_at = after;
            cur.last_error.clear();
            cur.first_failure_at = 0;
            cur.next_attempt = 0;
            break;
          case Verdict::Retry:
            if (cur.first_failure_at == 0 || cur.first_failure_at > after) cur.first_failure_at = after;
            cur.next_attempt = next_attempt_after(cur.first_failure_at, after, o.retry_after, world.jitter());
            cur.last_error = o.detail;
            break;
          case Verdict::Reject:
            cur.state = RecordState::Rejected;
            cur.last_error = "rejected: " + o.detail;
            break;
        }
        return true;
      }, false);
      if (!saved) sum.messages.push_back("report " + r.id + ": " + saved.error());
      const std::string shown = "report " + short_id(r.id) + " (" + std::to_string(r.changes.size()) + " ref" +
                                (r.changes.size() == 1 ? "" : "s") + "): ";
      switch (o.verdict) {
        case Verdict::Delivered:
          ++sum.sent;
          sum.messages.push_back(shown + "delivered");
          break;
        case Verdict::Retry:
          ++sum.retrying;
          run.failing = true;
          sum.messages.push_back(shown + "not delivered, retried later: " + o.detail);
          break;
        case Verdict::Reject:
          ++sum.rejected;
          sum.messages.push_back(shown + "rejected: " + o.detail);
          (void)box.add_notice("report " + r.id + " was rejected by " + dest.hook_url + " (" + o.detail +
                               "); once the endpoint is fixed: git bbsot report retry " + r.id);
          break;
      }
      if (world.progress) world.progress(sum.messages.back());
      again = true;
    }
  }
  // The earliest retry among all retrying records, also those tried in this run.
  for (const auto& r : box.list().records)
    if (r.state == RecordState::Ready && r.first_failure_at > 0 && (sum.next_retry == 0 || r.next_attempt < sum.next_retry))
      sum.next_retry = r.next_attempt;
  return sum;
}

void linger(const std::string& common_dir, const DeliveryWorld& world) {
  Outbox box(common_dir);
  auto lock = FileLock::try_acquire(box.linger_lock_path());
  if (!lock || !lock->held()) return;  // another deliverer lingers for this repository
  using Clock = std::chrono::steady_clock;
  // BBSOT_LINGER_SECONDS shortens (or, with 0, skips) the lingering: for machines where a
  // process that outlives the push is unwelcome, and for the tests.
  int64_t seconds = kLingerSeconds;
  if (auto v = getenv_str("BBSOT_LINGER_SECONDS")) {
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (end && *end == '\0' && n >= 0) seconds = std::min<int64_t>(n, kLingerSeconds);
  }
  if (seconds == 0) return;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    int64_t next = 0;
    bool settle = false;
    for (const auto& r : box.list().records) {
      if (r.state == RecordState::Pending && !r.last_error.empty()) settle = true;
      if (r.state == RecordState::Ready && r.first_failure_at > 0 && (next == 0 || r.next_attempt < next))
        next = r.next_attempt;
    }
    if (next == 0 && !settle) return;  // nothing left that waiting can fix
    if (next == 0) next = world.now() + kRetryCapSeconds;
    // Sleep on the monotonic clock: a wall clock that jumps cannot stretch the wait.
    const int64_t wait = std::clamp<int64_t>(next - world.now(), 1, kRetryCapSeconds);
    if (Clock::now() + std::chrono::seconds(wait) > deadline) return;
    std::this_thread::sleep_for(std::chrono::seconds(wait));
    trace("linger: retrying");
    (void)settle_pending(common_dir, false, world);
    (void)deliver_ready(common_dir, false, world);
  }
}

}  // namespace bbsot
