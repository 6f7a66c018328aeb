// What a push will change, worked out from pre-push's stdin and the local object
// database: created, updated, force-updated or deleted, branch or tag, and up to five of
// the new commits, as Bitbucket reports them in its push webhooks.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "config/config.hpp"
#include "outbox/outbox.hpp"

namespace bbsot {

class GitRepo;

// Views into the hook's stdin text, which outlives them: a push of 100,000 refs is parsed
// without an allocation per field.
struct PushLine {
  std::string_view local_ref, local_id, remote_ref, remote_id;
};

constexpr size_t kMaxCommitsPerChange = 5;  // Bitbucket's own limit in repo:push

// githooks(5): "<local ref> SP <local object name> SP <remote ref> SP <remote object name> LF".
// Malformed lines are skipped and described in `warnings` (never fatal: a push is not
// blocked by bbsot's failure to understand it).
std::vector<PushLine> parse_push_lines(const std::string& text, std::vector<std::string>* warnings);
bool is_null_id(std::string_view id);

// Branch and tag updates only; other refs (notes, ...) are not reported by Bitbucket.
std::vector<RefChange> analyse_push(const GitRepo& repo, const std::vector<PushLine>& lines,
                                    const std::string& remote_name);

// One line for the user per change: what the integration will do with it.
std::string describe_change(const RefChange& c, const IntegrationConfig& in);

}  // namespace bbsot
