#include "outbox/outbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>

#include "base/atomic_file.hpp"
#include "base/file_lock.hpp"
#include "base/files.hpp"
#include "base/hardening.hpp"

namespace bbsot {

using nlohmann::json;

const char* to_string(RecordState s) {
  switch (s) {
    case RecordState::Pending: return "pending";
    case RecordState::Ready: return "ready";
    case RecordState::Sent: return "sent";
    case RecordState::Rejected: return "rejected";
    case RecordState::Unconfirmed: return "unconfirmed";
  }
  return "pending";
}

namespace {

constexpr int kLockTimeoutMs = 30000;

std::optional<RecordState> state_from(const std::string& s) {
  if (s == "pending") return RecordState::Pending;
  if (s == "ready") return RecordState::Ready;
  if (s == "sent") return RecordState::Sent;
  if (s == "rejected") return RecordState::Rejected;
  if (s == "unconfirmed") return RecordState::Unconfirmed;
  return std::nullopt;
}

// An integer field. nlohmann converts a float to an integer with a plain cast, which is
// undefined for 1e300: anything but an in-range integer is a malformed record.
int64_t int_field(const json& j, const char* key, int64_t fallback, int64_t lo = INT64_MIN, int64_t hi = INT64_MAX) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number_integer()) throw std::invalid_argument(std::string(key) + " is not an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    throw std::invalid_argument(std::string(key) + " is out of range");
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) throw std::invalid_argument(std::string(key) + " is out of range");
  return v;
}

// Seconds since the epoch as bbsot keeps them: never negative, and small enough that the
// nanoseconds (created_ns) and any sum with a delay stay inside int64 (year 2262). A record
// is a file anyone with the account can edit; an absurd time is refused, not overflowed.
constexpr int64_t kMaxEpoch = INT64_MAX / 1000000000 - int64_t{86400} * 366;

CommitInfo commit_from(const json& j) {
  CommitInfo c;
  c.hash = j.at("hash").get<std::string>();
  c.author_name = j.value("author_name", "");
  c.author_email = j.value("author_email", "");
  c.date = int_field(j, "date", 0, -kMaxEpoch, kMaxEpoch);
  c.tz_offset_min = static_cast<int>(int_field(j, "tz_offset_min", 0, INT32_MIN, INT32_MAX));
  c.message = j.value("message", "");
  c.parents = j.value("parents", std::vector<std::string>{});
  return c;
}

RefChange change_from(const json& j, const json& table, int version) {
  RefChange r;
  r.ref = j.at("ref").get<std::string>();
  r.is_tag = j.value("is_tag", false);
  r.old_id = j.value("old", "");
  r.new_id = j.value("new", "");
  r.old_commit = j.value("old_commit", "");
  r.new_commit = j.value("new_commit", "");
  r.created = j.value("created", false);
  r.closed = j.value("closed", false);
  r.forced = j.value("forced", false);
  r.truncated = j.value("truncated", false);
  // Format 1 called it `confirmed`: a tracking ref update or the remote proved it.
  r.landed = version >= 2 ? j.value("landed", false) : j.value("confirmed", false);
  r.old_unknown = j.value("old_unknown", false);
  r.tracking_before = j.value("tracking_before", "");
  for (const auto& c : j.value("commits", json::array()))
    r.commits.push_back(commit_from(c.is_string() ? table.at(c.get<std::string>()) : c));
  return r;
}

BitbucketType type_from(const std::string& s) {
  if (s == "bitbucket") return BitbucketType::Cloud;
  if (s == "bitbucket_server") return BitbucketType::Server;
  throw std::invalid_argument("unknown destination type '" + s + "'");
}

}  // namespace

bool valid_record_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

namespace {

// Records are written by hand rather than through a JSON tree: a push of 10,000 refs is
// written inside the pre-push hook, and building the tree was most of its cost.
// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
size_t utf8_len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;                       // overlong
  if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;   // overlong
  if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;  // surrogates
  if (n == 4 && (c > 0xf4 || (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

// git hands over bytes, not text (a Latin-1 author name, say); JSON must be UTF-8, so an
// invalid byte becomes U+FFFD rather than making the whole record unreadable.
void put_string(std::string& out, std::string_view v) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < v.size(); ++i) {
    // Plain printable ASCII, the bulk of every record, is copied in one go.
    size_t run = i;
    while (run < v.size() && static_cast<unsigned char>(v[run]) >= 0x20 && static_cast<unsigned char>(v[run]) < 0x80 &&
           v[run] != '"' && v[run] != '\\')
      ++run;
    if (run > i) {
      out.append(v.data() + i, run - i);
      i = run - 1;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c >= 0x80) {
      const size_t n = utf8_len(v, i);
      if (n == 0)
        out += "\xef\xbf\xbd";
      else
        out.append(v.substr(i, n)), i += n - 1;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    put_string(out_, k);
    out_.push_back(':');
    return *this;
  }
  void str(std::string_view k, std::string_view v) { key(k), put_string(out_, v); }
  void num(std::string_view k, int64_t v) { key(k), out_ += std::to_string(v); }
  void flag(std::string_view k, bool v) { key(k), out_ += v ? "true" : "false"; }
  void open(char c) { out_.push_back(c), first_ = true; }
  void close(char c) { out_.push_back(c), first_ = false; }
  void item() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

void write_commit(Writer& w, const CommitInfo& c) {
  w.open('{');
  w.str("hash", c.hash);
  w.str("author_name", c.author_name);
  w.str("author_email", c.author_email);
  w.num("date", c.date);
  w.num("tz_offset_min", c.tz_offset_min);
  w.str("message", c.message);
  w.key("parents");
  w.open('[');
  for (const auto& p : c.parents) w.item(), put_string(w.out(), p);
  w.close(']');
  w.close('}');
}

// A field at its default (false, "", no commits) is left out, as change_from reads it
// back: a pending record of a 10,000-ref push is written inside the pre-push hook, and
// the defaults were most of its bytes.
void write_change(Writer& w, const RefChange& c) {
  const auto str = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) w.str(k, v);
  };
  const auto flag = [&](std::string_view k, bool v) {
    if (v) w.flag(k, true);
  };
  w.open('{');
  w.str("ref", c.ref);
  flag("is_tag", c.is_tag);
  str("old", c.old_id);
  str("new", c.new_id);
  str("old_commit", c.old_commit);
  str("new_commit", c.new_commit);
  flag("created", c.created);
  flag("closed", c.closed);
  flag("forced", c.forced);
  flag("truncated", c.truncated);
  flag("landed", c.landed);
  flag("old_unknown", c.old_unknown);
  str("tracking_before", c.tracking_before);
  if (!c.commits.empty()) {
    w.key("commits");
    w.open('[');
    for (const auto& ci : c.commits) w.item(), put_string(w.out(), ci.hash);
    w.close(']');
  }
  w.close('}');
}

}  // namespace

// Commits are stored once per record and referenced by hash from each change: a push of
// many refs to the same commits stays small.
std::string record_to_json(const PushRecord& r) {
  std::string out;
  out.reserve(768 + r.changes.size() * 128);
  Writer w(out);
  w.open('{');
  w.num("version", kRecordFormat);
  w.str("id", r.id);
  w.str("state", to_string(r.state));
  w.num("created", r.created);
  w.num("created_ns", r.created_ns);
  w.str("remote", r.remote);
  w.str("remote_url", r.remote_url);
  w.str("git_dir", r.git_dir);
  w.num("pusher_pid", r.pusher_pid);
  if (r.has_destination) {
    w.key("destination");
    w.open('{');
    w.str("type", to_string(r.destination.type));
    w.str("url", r.destination.url);
    w.str("repository", r.destination.repository);
    w.str("hook_url", r.destination.hook_url);
    w.close('}');
  }
  w.str("actor_name", r.actor_name);
  w.str("actor_email", r.actor_email);
  w.flag("analysed", r.analysed);
  w.num("attempts", r.attempts);
  w.num("first_failure_at", r.first_failure_at);
  w.num("last_attempt_at", r.last_attempt_at);
  w.num("next_attempt", r.next_attempt);
  w.str("last_error", r.last_error);
  w.num("sent_at", r.sent_at);
  if (!r.split_from.empty()) {
    w.str("split_from", r.split_from);
    w.num("part", r.part);
    w.num("parts", r.parts);
  }
  w.key("commits");
  w.open('{');
  std::set<std::string_view> seen;
  for (const auto& c : r.changes)
    for (const auto& ci : c.commits)
      if (seen.insert(ci.hash).second) w.key(ci.hash), write_commit(w, ci);
  w.close('}');
  w.key("changes");
  w.open('[');
  for (const auto& c : r.changes) w.item(), write_change(w, c);
  w.close(']');
  w.close('}');
  out.push_back('\n');
  return out;
}

Expected<PushRecord> record_from_json(const std::string& text) {
  using R = Expected<PushRecord>;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return R::failure("not a JSON object");
  try {
    const int64_t version = int_field(j, "version", 1, 0, INT32_MAX);
    if (version > kRecordFormat)
      return R::failure("written by a newer bbsot (record format " + std::to_string(version) + "; this one reads up to " +
                        std::to_string(kRecordFormat) + "); kept for it");
    if (version < 1) return R::failure("record format " + std::to_string(version) + " is not one bbsot ever wrote");
    PushRecord r;
    r.id = j.at("id").get<std::string>();
    if (!valid_record_id(r.id)) return R::failure("bad record id");
    const std::string state = j.at("state").get<std::string>();
    auto st = state_from(state);
    if (!st) return R::failure("state '" + state.substr(0, 40) + "' is unknown to this bbsot; kept as it is");
    r.state = *st;
    r.created = int_field(j, "created", 0, 0, kMaxEpoch);
    r.created_ns = int_field(j, "created_ns", r.created * 1000000000, 0, INT64_MAX);
    r.remote = j.value("remote", "");
    r.remote_url = j.value("remote_url", "");
    r.git_dir = j.value("git_dir", "");
    r.pusher_pid = int_field(j, "pusher_pid", 0, 0, INT32_MAX);
    if (auto d = j.find("destination"); d != j.end() && d->is_object()) {
      r.has_destination = true;
      r.destination.type = type_from(d->at("type").get<std::string>());
      r.destination.url = d->at("url").get<std::string>();
      r.destination.repository = d->at("repository").get<std::string>();
      r.destination.hook_url = d->value("hook_url", "");
    }
    r.actor_name = j.value("actor_name", "");
    r.actor_email = j.value("actor_email", "");
    // Format 1 worked out the commits in the pre-push hook.
    r.analysed = version >= 2 ? j.value("analysed", false) : true;
    const json table = j.value("commits", json::object());
    for (const auto& c : j.at("changes")) r.changes.push_back(change_from(c, table, static_cast<int>(version)));
    r.attempts = static_cast<int>(int_field(j, "attempts", 0, 0, INT32_MAX));
    r.first_failure_at = int_field(j, "first_failure_at", 0, 0, kMaxEpoch);
    r.last_attempt_at = int_field(j, "last_attempt_at", 0, 0, kMaxEpoch);
    r.next_attempt = int_field(j, "next_attempt", 0, 0, kMaxEpoch);
    r.last_error = j.value("last_error", "");
    r.sent_at = int_field(j, "sent_at", 0, 0, kMaxEpoch);
    r.split_from = j.value("split_from", "");
    r.part = static_cast<int>(int_field(j, "part", 0, 0, INT32_MAX));
    r.parts = static_cast<int>(int_field(j, "parts", 0, 0, INT32_MAX));
    return r;
  } catch (const json::exception& e) {
    return R::failure(std::string("missing or mistyped field (") + e.what() + ")");
  } catch (const std::invalid_argument& e) {
    return R::failure(std::string("bad field: ") + e.what());
  }
}

Outbox::Outbox(const std::string& common_dir) : dir_(join_path(common_dir, "bbsot/outbox")) {}

std::string Outbox::lock_path() const { return join_path(dirname_of(dir_), "outbox.lock"); }
std::string Outbox::deliver_lock_path() const { return join_path(dirname_of(dir_), "deliver.lock"); }
std::string Outbox::linger_lock_path() const { return join_path(dirname_of(dir_), "linger.lock"); }
std::string Outbox::path_of(const std::string& id) const { return join_path(dir_, id + ".json"); }

Status Outbox::write(const PushRecord& r) {
  if (!valid_record_id(r.id)) return Status::failure("refusing to write a record with a bad id");
  if (auto d = ensure_private_dir(dirname_of(dir_), "bbsot's directory in the repository"); !d) return d;
  if (auto d = ensure_private_dir(dir_, "the outbox"); !d) return d;
  return write_file_atomic(path_of(r.id), record_to_json(r), 0600, Sync::FileAndDirectory);
}

Expected<PushRecord> Outbox::read(const std::string& id) const {
  if (!valid_record_id(id)) return Expected<PushRecord>::failure("'" + id + "' is not a report id");
  const std::string path = path_of(id);
  if (!entry_exists(path)) return Expected<PushRecord>::failure("no report " + id);
  auto text = read_file(path, kMaxRecordBytes, true);
  if (!text) return Expected<PushRecord>::failure("report " + id + " is unreadable: " + text.error());
  auto r = record_from_json(*text);
  if (!r) return Expected<PushRecord>::failure("report " + id + " is unreadable: " + r.error());
  return r;
}

OutboxListing Outbox::list() const {
  OutboxListing out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) {
    if (errno != ENOENT) out.unreadable.push_back({dir_, std::string("cannot read the outbox: ") + std::strerror(errno)});
    return out;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.ends_with(".json") && n[0] != '.') names.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) {
    const std::string path = join_path(dir_, n);
    auto text = read_file(path, kMaxRecordBytes, true);
    if (!text) {
      if (entry_exists(path)) out.unreadable.push_back({path, text.error()});  // a dangling link too
      continue;  // else removed meanwhile by a deliverer
    }
    auto r = record_from_json(*text);
    if (!r) {
      out.unreadable.push_back({path, r.error()});
    } else if (r->id + ".json" != n) {
      out.unreadable.push_back({path, "its id " + r->id + " does not match its file name"});
    } else {
      out.records.push_back(std::move(*r));
    }
  }
  std::sort(out.records.begin(), out.records.end(), [](const PushRecord& a, const PushRecord& b) {
    if (a.created != b.created) return a.created < b.created;
    if (a.created_ns != b.created_ns) return a.created_ns < b.created_ns;
    if (a.part != b.part) return a.part < b.part;
    return a.id < b.id;
  });
  return out;
}

Status Outbox::update(const std::string& id, const std::function<bool(PushRecord&)>& change, bool durable) {
  auto lock = FileLock::acquire(lock_path(), kLockTimeoutMs);
  if (!lock) return Status::failure(lock.error());
  auto r = read(id);
  if (!r) return Status::failure(r.error());
  if (!change(*r)) return ok_status();
  return write_file_atomic(path_of(id), record_to_json(*r), 0600, durable ? Sync::FileAndDirectory : Sync::None);
}

Status Outbox::replace(const std::string& id, const std::vector<PushRecord>& parts) {
  auto lock = FileLock::acquire(lock_path(), kLockTimeoutMs);
  if (!lock) return Status::failure(lock.error());
  auto cur = read(id);
  if (!cur) return Status::failure(cur.error());
  if (cur->state != RecordState::Pending && cur->state != RecordState::Unconfirmed)
    return Status::failure("report " + id + " is " + to_string(cur->state) + " already");
  const PushRecord* self = nullptr;
  for (const auto& p : parts) {
    if (!valid_record_id(p.id)) return Status::failure("refusing to write a record with a bad id");
    if (p.id == id) {
      self = &p;
      continue;
    }
    if (auto existing = read(p.id); existing && existing->state != RecordState::Pending) continue;
    auto w = write_file_atomic(path_of(p.id), record_to_json(p), 0600, Sync::File);
    if (!w) return w;
  }
  if (self) return write_file_atomic(path_of(id), record_to_json(*self), 0600, Sync::FileAndDirectory);
  if (::unlink(path_of(id).c_str()) != 0 && errno != ENOENT)
    return Status::failure("cannot remove report " + id + ": " + std::strerror(errno));
  return sync_directory(dir_);
}

Status Outbox::remove(const std::string& id) {
  if (!valid_record_id(id)) return Status::failure("'" + id + "' is not a report id");
  auto lock = FileLock::acquire(lock_path(), kLockTimeoutMs);
  if (!lock) return Status::failure(lock.error());
  if (::unlink(path_of(id).c_str()) != 0)
    return Status::failure(errno == ENOENT ? "no report " + id : "cannot remove report " + id + ": " + std::strerror(errno));
  return sync_directory(dir_);
}

Status Outbox::add_notice(const std::string& line) {
  if (auto d = ensure_private_dir(dirname_of(dir_), "bbsot's directory in the repository"); !d) return d;
  auto lock = FileLock::acquire(lock_path(), kLockTimeoutMs);
  if (!lock) return Status::failure(lock.error());
  const std::string path = join_path(dirname_of(dir_), "notices");
  auto existing = read_file(path, 1 << 16, true);
  const std::string text = existing ? *existing : std::string();
  std::string one = line;
  std::replace(one.begin(), one.end(), '\n', ' ');
  if (("\n" + text).find("\n" + one + "\n") != std::string::npos) return ok_status();
  if (text.size() > size_t{32} * 1024) return ok_status();  // enough to tell; the rest is in report list
  return write_file_atomic(path, text + one + "\n", 0600);
}

std::vector<std::string> Outbox::take_notices() {
  const std::string path = join_path(dirname_of(dir_), "notices");
  std::vector<std::string> out;
  if (!path_exists(path)) return out;  // the usual case: one stat
  auto lock = FileLock::acquire(lock_path(), kLockTimeoutMs);
  if (!lock) return out;
  auto text = read_file(path, 1 << 16, true);
  if (!text) return out;
  size_t pos = 0;
  while (pos < text->size()) {
    const size_t end = std::min(text->find('\n', pos), text->size());
    if (end > pos) out.push_back(text->substr(pos, end - pos));
    pos = end + 1;
  }
  ::unlink(path.c_str());
  return out;
}

}  // namespace bbsot
