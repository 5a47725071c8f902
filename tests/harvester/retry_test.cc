// When to try a request again and how long to wait (HV-7), without a network.
#include "harvester/retry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace harvester {
namespace {

using std::chrono::system_clock;

// 2026-10-21T07:28:00Z
const system_clock::time_point kNow = system_clock::from_time_t(1792567680);

TEST(RetryAfter, DeltaSecondsAndTheThreeHttpDateForms_HV7) {
  EXPECT_EQ(parse_retry_after("120", kNow), 120.0);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), 0.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2026 07:30:00 GMT", kNow), 120.0);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-26 07:30:00 GMT", kNow), 120.0);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:30:00 2026", kNow), 120.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", kNow), 0.0) << "in the past";
}

TEST(RetryAfter, AnythingElseIsNotAWait) {
  for (const char* bad : {"", "soon", "-5", "1.5", "12abc", "Wed, 32 Oct 2026 07:30:00 GMT"}) {
    EXPECT_FALSE(parse_retry_after(bad, kNow).has_value()) << bad;
  }
}

TEST(Backoff, DoublesWithJitterBetweenHalfAndAllOfIt_HV7) {
  const RetryPolicy policy{6, 2.0, 600.0};
  std::mt19937 random(7);
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const double full = 2.0 * (1 << (attempt - 1));
    for (int i = 0; i < 100; ++i) {
      const double delay = backoff_delay(policy, attempt, random);
      EXPECT_GE(delay, full / 2) << attempt;
      EXPECT_LE(delay, full) << attempt;
    }
  }
}

TEST(Backoff, NeverWaitsLongerThanTheCap_HV7) {
  const RetryPolicy policy{100, 2.0, 30.0};
  std::mt19937 random(7);
  EXPECT_LE(backoff_delay(policy, 60, random), 30.0);
  EXPECT_EQ(retry_delay(policy, 1, std::string("86400"), random), 30.0) << "Retry-After capped";
  EXPECT_EQ(retry_delay(policy, 1, std::string("3"), random), 3.0);
  EXPECT_EQ(retry_delay(policy, 1, std::string("99999999999999999999999"), random), 30.0);
  const double unparseable = retry_delay(policy, 1, std::string("later"), random);
  EXPECT_GE(unparseable, 1.0);
  EXPECT_LE(unparseable, 2.0);
}

}  // namespace
}  // namespace harvester
