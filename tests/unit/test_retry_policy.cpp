// When a report is tried again (lib/report/retry_policy), with a fake clock: backoff by
// the time since the first failure, capped at 5 minutes, safe against a clock that jumped.
#include "report/retry_policy.hpp"

#include <gtest/gtest.h>

namespace bbsot {
namespace {

HttpResponse answer(long status, const std::string& body = "", std::vector<std::pair<std::string, std::string>> h = {}) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  r.headers = std::move(h);
  return r;
}

TEST(RetryPolicy, EveryStatusHasAClass) {
  const int64_t now = 1000;
  for (long s : {200, 201, 202, 204}) EXPECT_EQ(classify_answer(answer(s), "u", now).verdict, Verdict::Delivered) << s;
  for (long s : {408, 429, 500, 502, 503, 504, 599}) EXPECT_EQ(classify_answer(answer(s), "u", now).verdict, Verdict::Retry) << s;
  for (long s : {301, 302, 307, 400, 401, 403, 404, 405, 410, 413, 422, 451, 501})
    EXPECT_EQ(classify_answer(answer(s), "u", now).verdict, Verdict::Reject) << s;
  auto o = classify_answer(answer(410, "Gone: integration deleted\nmore"), "https://h/x", now);
  EXPECT_EQ(o.detail, "HTTP 410 from https://h/x: Gone: integration deleted");
  auto redirect = classify_answer(answer(302, "", {{"location", "https://elsewhere/x"}}), "https://h/x", now);
  EXPECT_NE(redirect.detail.find("does not follow redirects"), std::string::npos) << redirect.detail;
  EXPECT_EQ(classify_failure(HttpFailure::Tls, "TLS verification failed").verdict, Verdict::Reject);
  EXPECT_TRUE(classify_failure(HttpFailure::Timeout, "no answer").unreachable);
  EXPECT_TRUE(classify_failure(HttpFailure::Connect, "refused").unreachable);
  EXPECT_EQ(classify_failure(HttpFailure::Broken, "reset").verdict, Verdict::Retry);
}

TEST(RetryPolicy, RetryAfterIsHonouredWithinTheCap) {
  auto o = classify_answer(answer(429, "", {{"retry-after", "120"}}), "u", 1000);
  EXPECT_EQ(o.retry_after, 120);
  EXPECT_EQ(next_attempt_after(1000, 1000, o.retry_after, 1.0), 1120);
  EXPECT_EQ(next_attempt_after(1000, 1000, 100000, 1.0), 1000 + kRetryCapSeconds);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:20:00 GMT", 1000), 200);
  EXPECT_EQ(parse_retry_after("soon", 1000), -1);
}

TEST(RetryPolicy, BackoffGrowsWithTheOutageNotWithAttempts) {
  // Right after the first failure: the minimum; after 30 s down: 15 s; after an hour: the cap.
  EXPECT_EQ(next_attempt_after(1000, 1000, -1, 1.0), 1000 + kRetryMinSeconds);
  EXPECT_EQ(next_attempt_after(1000, 1030, -1, 1.0), 1030 + 15);
  EXPECT_EQ(next_attempt_after(1000, 1000 + 3600, -1, 1.0), 1000 + 3600 + kRetryCapSeconds);
  // Jitter stays within +-20%.
  EXPECT_EQ(next_attempt_after(1000, 1100, -1, 5.0), 1100 + 60);
  EXPECT_EQ(next_attempt_after(1000, 1100, -1, 0.0), 1100 + 40);
}

TEST(RetryPolicy, AClockThatJumpedCannotPostponeBeyondTheCap) {
  PushRecord r;
  r.next_attempt = 1000 + 3 * 86400;  // written while the clock was three days ahead
  EXPECT_TRUE(attempt_due(r, 1000));
  r.next_attempt = 1100;
  EXPECT_FALSE(attempt_due(r, 1000));
  EXPECT_TRUE(attempt_due(r, 1100));
  // A first failure "in the future" (the clock went back) counts as now.
  EXPECT_EQ(next_attempt_after(5000, 1000, -1, 1.0), 1000 + kRetryMinSeconds);
}

}  // namespace
}  // namespace bbsot
