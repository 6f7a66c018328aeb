// The bounds every record and report keeps (docs/RELIABILITY.md "Size limits"). Receivers
// written for Bitbucket see Bitbucket's own bounds: at most 5 commits per change, and
// bodies Bitbucket Cloud can deliver (it is reported to fail webhooks over 256 KB,
// BCLOUD-22312).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace bbsot {

constexpr size_t kMaxCommitsPerChange = 5;   // Bitbucket's own limit in repo:push
constexpr size_t kMaxMessageBytes = 8192;    // a commit message longer than this is cut
constexpr size_t kMaxPersonBytes = 512;      // author name or e-mail
constexpr size_t kMaxBodyBytes = 256000;     // a report body, as sent (256 KB, decimal)

// bbsot's truncation rule for commit messages (and, with its own limit, names): text
// longer than `max` bytes keeps its beginning, cut at a UTF-8 character boundary, and
// ends with "\n[truncated by bbsot: N bytes in all]" (N the original length); the result
// is at most `max` bytes. Shorter text is returned unchanged.
[[nodiscard]] std::string truncate_text(std::string_view text, size_t max);

}  // namespace bbsot
