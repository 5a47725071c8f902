#include "harvester/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace harvester {

std::optional<double> parse_retry_after(std::string_view value,
                                        std::chrono::system_clock::time_point now) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  value = value.substr(first, value.find_last_not_of(" \t") - first + 1);
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 9) return 1e9;  // absurdly long; the cap applies anyway
    return std::stod(std::string(value));
  }
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const double seconds =
      std::chrono::duration<double>(std::chrono::system_clock::from_time_t(when) - now).count();
  return std::max(0.0, seconds);
}

double backoff_delay(const RetryPolicy& policy, int attempt, std::mt19937& random) {
  const double full = policy.base_delay_seconds * std::pow(2.0, std::max(0, attempt - 1));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::min(policy.max_delay_seconds, full * jitter(random));
}

double retry_delay(const RetryPolicy& policy, int attempt,
                   const std::optional<std::string>& retry_after, std::mt19937& random) {
  if (retry_after) {
    if (const auto asked = parse_retry_after(*retry_after, std::chrono::system_clock::now())) {
      return std::min(policy.max_delay_seconds, *asked);
    }
  }
  return backoff_delay(policy, attempt, random);
}

}  // namespace harvester
