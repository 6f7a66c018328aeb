// git bbsot report list|flush|drop: the push-report outbox seen and handled by hand.
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/options.hpp"
#include "history/git_repo.hpp"
#include "outbox/outbox.hpp"
#include "report/delivery.hpp"

namespace bbsot {

namespace {

const char* kUsage = "git bbsot report list [--json] | flush | drop <id>";

std::string when(int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::localtime(&tt));
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

int list(const Outbox& box, bool json) {
  std::vector<std::string> warnings;
  auto records = box.list(&warnings);
  for (const auto& w : warnings) print_warning(w);
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : records)
      arr.push_back({{"id", r.id},
                     {"state", to_string(r.state)},
                     {"created", r.created},
                     {"remote", r.remote},
                     {"refs", refs_of(r)},
                     {"attempts", r.attempts},
                     {"last_error", r.last_error},
                     {"sent_at", r.sent_at},
                     {"next_attempt", r.next_attempt}});
    std::cout << arr.dump(2) << "\n";
    return kExitOk;
  }
  if (records.empty()) {
    std::cout << "no push reports\n";
    return kExitOk;
  }
  for (const auto& r : records) {
    std::cout << r.id << "  " << to_string(r.state) << "  " << when(r.created) << "  " << r.remote << "  " << refs_of(r)
              << "  attempts " << r.attempts;
    if (!r.last_error.empty()) std::cout << "  last error: " << r.last_error;
    std::cout << "\n";
  }
  return kExitOk;
}

int flush(const std::string& common) {
  std::vector<std::string> messages;
  settle_pending(common, false, &messages);
  auto sum = deliver_ready(common, true);
  messages.insert(messages.end(), sum.messages.begin(), sum.messages.end());
  for (const auto& m : messages) std::cout << m << "\n";
  int waiting = 0;
  for (const auto& r : Outbox(common).list())
    if (r.state != RecordState::Sent) ++waiting;
  std::cout << sum.sent << " delivered, " << waiting << " waiting\n";
  return sum.failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

int cmd_report(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("json", "list: machine-readable output");
  auto p = parse_args("report", kUsage,
                      "Push reports wait in the repository's outbox until the integration's hook_url has them.\n"
                      "  list    every report: state (pending, ready, sent), attempts, last error\n"
                      "  flush   check unconfirmed pushes against the remote and deliver now, waiting\n"
                      "  drop    forget one report (it will never be delivered)",
                      opts, args, 2);
  if (p.help) return kExitOk;
  const std::string sub = p.positional.empty() ? "list" : p.positional[0];
  auto repo = GitRepo::open_from_env();
  if (!repo) throw ConfigError("git bbsot report: " + repo.error());
  const std::string common = repo->common_dir();
  if (sub == "list" && p.positional.size() <= 1) return list(Outbox(common), p.vm.count("json") > 0);
  if (sub == "flush" && p.positional.size() == 1) return flush(common);
  if (sub == "drop") {
    if (p.positional.size() != 2)
      throw ConfigError("git bbsot report drop: which report? give its id", {"see: git bbsot report list"});
    Outbox box(common);
    auto s = box.remove(p.positional[1]);
    if (!s) {
      print_error(s.error(), {"see: git bbsot report list"});
      return kExitFailed;
    }
    std::cout << "dropped report " << p.positional[1] << "\n";
    return kExitOk;
  }
  if (sub == "list" || sub == "flush")
    throw ConfigError("git bbsot report " + sub + ": unexpected argument '" + p.positional[1] + "'",
                      {std::string("usage: ") + kUsage});
  throw ConfigError("git bbsot report: unknown subcommand '" + sub + "'", {std::string("usage: ") + kUsage});
}

}  // namespace bbsot
