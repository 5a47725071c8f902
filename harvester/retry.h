// When to try an HTTP request again, and how long to wait first (HV-7).
#ifndef HARVESTER_RETRY_H_
#define HARVESTER_RETRY_H_

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace harvester {

struct RetryPolicy {
  int max_attempts = 6;              // first try included; never unbounded (HV-7)
  double base_delay_seconds = 2.0;   // the first backoff; doubles each attempt
  double max_delay_seconds = 600.0;  // cap on any wait, Retry-After included
};

// The wait a Retry-After header asks for: delta-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", and the obsolete RFC 850 and
// asctime forms), relative to `now`; a date in the past gives 0. nullopt
// when the value is neither.
std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now);

// The wait before attempt `attempt` (1 = the first retry): exponential
// backoff from base_delay_seconds with jitter (between half and the whole of
// it), capped at max_delay_seconds.
double backoff_delay(const RetryPolicy& policy, int attempt, std::mt19937& random);

// The wait before a retry that the server asked for with `retry_after`
// (when parseable), else backoff_delay(); always capped.
double retry_delay(const RetryPolicy& policy, int attempt,
                   const std::optional<std::string>& retry_after, std::mt19937& random);

}  // namespace harvester

#endif  // HARVESTER_RETRY_H_
