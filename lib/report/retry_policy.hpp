// When and whether a report is sent again (docs/RELIABILITY.md "Retry policy" and
// "Failure classes"). Pure functions of the record, the answer and the clock, so the
// policy is unit-tested with a fake clock.
//
// Retry: backoff by the time since the first failure (not by attempts crammed into one
// run): half of it, at least 5 s, at most 5 minutes, with +-20% jitter. A stored time
// that lies further ahead than the cap (the clock jumped and came back) counts as due.
#pragma once
#include <cstdint>
#include <string>

#include "net/http.hpp"
#include "outbox/push_record.hpp"

namespace bbsot {

constexpr int64_t kRetryMinSeconds = 5;
constexpr int64_t kRetryCapSeconds = 300;
constexpr int64_t kLingerSeconds = int64_t{30} * 60;        // the detached deliverer retries on its own this long
constexpr int64_t kKeepSentSeconds = int64_t{7} * 86400;

enum class Verdict {
  Delivered,  // 2xx
  Retry,      // try again later: timeouts, connection errors, 408, 429, 5xx except 501
  Reject,     // parked as rejected: 3xx (never followed), other 4xx, 501, TLS failures
};

struct AttemptOutcome {
  Verdict verdict = Verdict::Retry;
  std::string detail;        // one line: the status and the first line of the answer, or the error
  int64_t retry_after = -1;  // seconds the endpoint asked for (429/503 Retry-After), -1 none
  bool unreachable = false;  // a timeout or a connection failure: the endpoint is not tried
                             // again for other records in the same run
};

[[nodiscard]] AttemptOutcome classify_answer(const HttpResponse& resp, const std::string& url, int64_t now);
[[nodiscard]] AttemptOutcome classify_failure(HttpFailure kind, const std::string& error);

// The next attempt after a failure at `now`, the first failure of this outage having been
// at `first_failure_at`; `jitter` in [0.8, 1.2].
[[nodiscard]] int64_t next_attempt_after(int64_t first_failure_at, int64_t now, int64_t retry_after, double jitter);
// Whether a ready record may be tried at `now`.
[[nodiscard]] bool attempt_due(const PushRecord& r, int64_t now);


}  // namespace bbsot
