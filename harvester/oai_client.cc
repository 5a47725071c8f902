#include "harvester/oai_client.h"

#include <thread>

namespace harvester {
namespace {

bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599); }

void sleep_seconds(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

std::string request_url(const std::string& base_url, const Arguments& arguments) {
  std::string url = base_url;
  char separator = base_url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : arguments) {
    url += separator;
    url += key;
    url += '=';
    url += url_encode(value);
    separator = '&';
  }
  return url;
}

OaiClient::OaiClient(HttpOptions http, RetryPolicy policy,
                     std::chrono::milliseconds politeness_delay)
    : http_(std::move(http)),
      policy_(policy),
      politeness_delay_(politeness_delay),
      random_(std::random_device{}()) {}

void OaiClient::wait_politely() {
  const auto next = last_request_end_ + politeness_delay_;
  const auto now = std::chrono::steady_clock::now();
  if (next > now) std::this_thread::sleep_for(next - now);
}

Fetched OaiClient::fetch(const std::string& base_url, const Arguments& arguments) {
  const std::string url = request_url(base_url, arguments);
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= policy_.max_attempts;
    wait_politely();
    HttpResponse http;
    try {
      http = http_.get(url);
    } catch (const TransportError& error) {
      last_request_end_ = std::chrono::steady_clock::now();
      if (!error.retryable() || last) {
        throw FetchError(std::string(error.what()) + " (after " + std::to_string(attempt) +
                             (attempt == 1 ? " attempt)" : " attempts)"),
                         url);
      }
      const double wait = retry_delay(policy_, attempt, std::nullopt, random_);
      if (on_retry) on_retry(error.what(), wait);
      ++retries_;
      sleep_seconds(wait);
      continue;
    }
    last_request_end_ = std::chrono::steady_clock::now();
    if (retryable_status(http.status)) {
      if (last) {
        throw FetchError("HTTP " + std::to_string(http.status) + " after " +
                             std::to_string(attempt) + " attempts",
                         url, std::move(http.body));
      }
      const double wait = retry_delay(policy_, attempt, http.retry_after, random_);
      if (on_retry) on_retry("HTTP " + std::to_string(http.status), wait);
      ++retries_;
      sleep_seconds(wait);
      continue;
    }
    const std::uint64_t bytes = http.body.size();
    try {
      return Fetched{url, read_response(http.body, charset_of(http.content_type)), bytes};
    } catch (const ResponseError& error) {
      const std::string status =
          http.status == 200 ? std::string() : "HTTP " + std::to_string(http.status) + ", ";
      throw FetchError(status + error.what(), url, std::move(http.body), error.byte_offset());
    }
  }
}

}  // namespace harvester
