// OAI-PMH requests to one repository: URLs, retries, politeness, parsing.
#ifndef HARVESTER_OAI_CLIENT_H_
#define HARVESTER_OAI_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harvester/harvest_error.h"
#include "harvester/http_client.h"
#include "harvester/response_reader.h"
#include "harvester/retry.h"

namespace harvester {

// A request that produced no usable OAI-PMH response, after any retries.
// `raw` holds the last body received (empty when there was none), so it can
// be quarantined for replay.
class FetchError : public HarvestError {
 public:
  FetchError(const std::string& message, std::string url, std::string raw = {},
             std::int64_t byte_offset = -1)
      : HarvestError(message), url(std::move(url)), raw(std::move(raw)), byte_offset(byte_offset) {}
  std::string url;
  std::string raw;
  std::int64_t byte_offset;
};

struct Fetched {
  std::string url;
  Response response;
  std::uint64_t bytes = 0;  // body size
};

using Arguments = std::vector<std::pair<std::string, std::string>>;

// Builds `base_url?verb=...&key=value...`, each value percent-encoded.
std::string request_url(const std::string& base_url, const Arguments& arguments);

class OaiClient {
 public:
  // Waits `politeness_delay` between the end of one request and the start of
  // the next. Retries network errors, 429 and 5xx up to policy.max_attempts.
  OaiClient(HttpOptions http, RetryPolicy policy, std::chrono::milliseconds politeness_delay);

  // Fetches and parses one response. An OAI-PMH error body is a response,
  // whatever its HTTP status (Zenodo sends 422). Throws FetchError.
  Fetched fetch(const std::string& base_url, const Arguments& arguments);

  // Retries so far, over all requests of this client.
  int retries() const { return retries_; }

  // Called before each wait for a retry, with the reason and seconds.
  std::function<void(const std::string&, double)> on_retry;

 private:
  void wait_politely();

  HttpClient http_;
  RetryPolicy policy_;
  std::chrono::milliseconds politeness_delay_;
  std::chrono::steady_clock::time_point last_request_end_{};
  std::mt19937 random_;
  int retries_ = 0;
};

}  // namespace harvester

#endif  // HARVESTER_OAI_CLIENT_H_
