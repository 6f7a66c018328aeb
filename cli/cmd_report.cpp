// git bbsot report list|flush|send|retry|drop: the push-report outbox seen and handled by hand.
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "cli/options.hpp"
#include "cli/repo_context.hpp"
#include "outbox/outbox.hpp"
#include "report/delivery.hpp"

namespace bbsot {

namespace {

const char* kUsage =
    "git bbsot report [list [--json] | flush | send <id> | retry <id>|--all | drop <id>]";

std::string when(int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&tt));
  return buf;
}

std::string refs_of(const PushRecord& r) {
  std::string out;
  for (const auto& c : r.changes) {
    std::string name = c.ref.substr(c.ref.find('/', 5) + 1);
    out += (out.empty() ? "" : ",") + name + (c.closed ? "(deleted)" : "");
  }
  return out;
}

// What the user should know about a record besides its state.
std::string status_line(const PushRecord& r) {
  std::string s = r.last_error.empty() ? "" : "last error: " + r.last_error;
  if (r.state == RecordState::Ready && r.first_failure_at > 0 && r.next_attempt > 0)
    s += (s.empty() ? "" : "; ") + std::string("next attempt ") + when(r.next_attempt);
  return s;
}

int list(const RepoContext& ctx, bool json) {
  const OutboxListing listing = Outbox(ctx.common_dir).list();
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : listing.records) {
      nlohmann::json j = {{"id", r.id},
                          {"state", to_string(r.state)},
                          {"created", r.created},
                          {"remote", r.remote},
                          {"refs", refs_of(r)},
                          {"attempts", r.attempts},
                          {"last_error", r.last_error},
                          {"sent_at", r.sent_at},
                          {"next_attempt", r.next_attempt}};
      if (r.has_destination) j["hook_url"] = r.destination.hook_url;
      if (!r.split_from.empty()) j["part"] = {{"of", r.split_from}, {"part", r.part}, {"parts", r.parts}};
      arr.push_back(j);
    }
    for (const auto& u : listing.unreadable) arr.push_back({{"state", "unreadable"}, {"file", u.file}, {"reason", u.reason}});
    std::cout << arr.dump(2) << "\n";
    return kExitOk;
  }
  if (listing.records.empty() && listing.unreadable.empty()) {
    std::cout << "no push reports\n";
    return kExitOk;
  }
  for (const auto& r : listing.records) {
    std::cout << r.id << "  " << to_string(r.state) << "  " << when(r.created) << "  " << r.remote << "  " << refs_of(r);
    if (r.parts > 1) std::cout << "  (part " << r.part << " of " << r.parts << ")";
    std::cout << "  attempts " << r.attempts;
    if (const std::string s = status_line(r); !s.empty()) std::cout << "  " << s;
    std::cout << "\n";
  }
  for (const auto& u : listing.unreadable)
    std::cout << "unreadable  " << u.file << ": " << u.reason << " (kept; nothing is deleted)\n";
  return kExitOk;
}

int flush(const RepoContext& ctx) {
  DeliveryWorld world = real_world();
  // On a terminal each report is shown as it goes; elsewhere the lines come at the end.
  const bool live = ::isatty(1) != 0;
  if (live) world.progress = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
  const SettleSummary settled = settle_pending(ctx.common_dir, false, world);
  for (const auto& m : settled.messages) std::cout << m << "\n";
  const DeliverySummary sum = deliver_ready(ctx.common_dir, true, world);
  if (!live)
    for (const auto& m : sum.messages) std::cout << m << "\n";
  std::map<std::string, int> waiting;  // reason -> records
  int open = 0;
  for (const auto& r : Outbox(ctx.common_dir).list().records) {
    if (r.state == RecordState::Sent) continue;
    ++open;
    std::string why = r.last_error.empty() ? std::string(to_string(r.state)) : r.last_error;
    if (r.state == RecordState::Pending && r.last_error.empty()) why = "the push is still running";
    ++waiting[std::string(to_string(r.state)) + ": " + why];
  }
  std::cout << sum.sent << " delivered, " << open << " waiting\n";
  for (const auto& [why, n] : waiting) std::cout << "  " << n << " " << why << "\n";
  return open > 0 ? kExitFailed : kExitOk;
}

int one(const std::string& sub, const RepoContext& ctx, const std::string& id) {
  Status s = ok_status();
  if (sub == "drop") s = Outbox(ctx.common_dir).remove(id);
  else if (sub == "send") s = send_unconfirmed(ctx.common_dir, id, real_world());
  else s = retry_rejected(ctx.common_dir, id);
  if (!s) {
    print_error(s.error(), {"see: git bbsot report list"});
    return kExitFailed;
  }
  if (sub == "drop") {
    std::cout << "dropped report " << id << " (it will never be delivered)\n";
    return kExitOk;
  }
  std::cout << "report " << id << " is ready; delivering now\n";
  return flush(ctx);
}

}  // namespace

int cmd_report(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("json", "list: machine-readable output")("all", "retry: every rejected report");
  auto p = parse_args("report", kUsage,
                      "Push reports wait in the repository's outbox until the integration's hook_url has them.\n"
                      "  list    every report: state (pending, ready, sent, rejected, unconfirmed), attempts,\n"
                      "          why it waits; unreadable records are listed and kept\n"
                      "  flush   find out what finished pushes did and deliver now, whatever the backoff\n"
                      "  send    deliver an unconfirmed report (bbsot could not tell whether its push landed)\n"
                      "  retry   send a rejected report again once the endpoint is fixed (--all: every one)\n"
                      "  drop    forget one report (it will never be delivered)",
                      opts, args, 2);
  if (p.help) return kExitOk;
  const std::string sub = p.positional.empty() ? "list" : p.positional[0];
  const RepoContext ctx = open_repo_context("report", false);
  show_notices(ctx);
  auto extra = [&](size_t allowed) {
    if (p.positional.size() > allowed)
      throw ConfigError("git bbsot report " + sub + ": unexpected argument '" + p.positional[allowed] + "'",
                        {std::string("usage: ") + kUsage});
  };
  if (sub == "list") {
    extra(1);
    return list(ctx, p.vm.count("json") > 0);
  }
  if (sub == "flush") {
    extra(1);
    return flush(ctx);
  }
  if (sub == "drop" || sub == "send" || sub == "retry") {
    if (sub == "retry" && p.vm.count("all")) {
      extra(1);
      int n = 0;
      for (const auto& r : Outbox(ctx.common_dir).list().records)
        if (r.state == RecordState::Rejected && retry_rejected(ctx.common_dir, r.id)) ++n;
      std::cout << n << " rejected report(s) ready again; delivering now\n";
      return flush(ctx);
    }
    if (p.positional.size() != 2)
      throw ConfigError("git bbsot report " + sub + ": which report? give its id", {"see: git bbsot report list"});
    return one(sub, ctx, p.positional[1]);
  }
  throw ConfigError("git bbsot report: unknown subcommand '" + sub + "'", {std::string("usage: ") + kUsage});
}

}  // namespace bbsot
