#include "report/retry_policy.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace bbsot {

namespace {

// The first line of an answer, printable and short: it goes into one line for the user.
std::string first_line(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (c == '\n' || c == '\r' || out.size() >= 160) break;
    out.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace


AttemptOutcome classify_answer(const HttpResponse& resp, const std::string& url, int64_t now) {
  AttemptOutcome o;
  const long s = resp.status;
  const std::string line = first_line(resp.body);
  o.detail = "HTTP " + std::to_string(s) + " from " + url + (line.empty() ? "" : ": " + line);
  if (s >= 200 && s < 300) {
    o.verdict = Verdict::Delivered;
    return o;
  }
  if (s == 408 || s == 429 || (s >= 500 && s != 501)) {
    o.verdict = Verdict::Retry;
    o.retry_after = parse_retry_after(resp.header("retry-after"), now);
    return o;
  }
  o.verdict = Verdict::Reject;  // 1xx leftovers, 3xx (redirects are never followed), 4xx, 501
  if (s >= 300 && s < 400) {
    const std::string where = resp.header("location");
    o.detail += where.empty() ? " (a redirect; bbsot does not follow them)" : " (redirects to " + where.substr(0, 200) + "; bbsot does not follow redirects)";
  }
  return o;
}

AttemptOutcome classify_failure(HttpFailure kind, const std::string& error) {
  AttemptOutcome o;
  o.detail = error;
  switch (kind) {
    case HttpFailure::Tls:
    case HttpFailure::Refused:
      o.verdict = Verdict::Reject;  // a certificate problem or a refused URL does not go away by waiting
      return o;
    case HttpFailure::Timeout:
    case HttpFailure::Connect:
      o.unreachable = true;
      o.verdict = Verdict::Retry;
      return o;
    default:
      o.verdict = Verdict::Retry;
      return o;
  }
}

int64_t next_attempt_after(int64_t first_failure_at, int64_t now, int64_t retry_after, double jitter) {
  const int64_t elapsed = first_failure_at > 0 && first_failure_at <= now ? now - first_failure_at : 0;
  const double base = std::clamp(static_cast<double>(elapsed) / 2.0, static_cast<double>(kRetryMinSeconds),
                                 static_cast<double>(kRetryCapSeconds));
  int64_t delay = static_cast<int64_t>(base * std::clamp(jitter, 0.8, 1.2));
  if (retry_after >= 0) delay = std::max(delay, retry_after);
  return now + std::clamp<int64_t>(delay, 1, kRetryCapSeconds);
}

bool attempt_due(const PushRecord& r, int64_t now) {
  if (r.next_attempt <= now) return true;
  // Stored by a clock that was ahead (or that went back since): never wait longer than the cap.
  return r.next_attempt - now > kRetryCapSeconds;
}

}  // namespace bbsot
