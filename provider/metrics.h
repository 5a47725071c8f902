// The provider's operational metrics, exposed by `oaipmh serve` at /metrics in
// the Prometheus text exposition format 0.0.4. Counting is lock-free (relaxed
// atomics in fixed arrays, no allocation), so it is cheap enough for every
// request; rendering reads the counters without stopping anyone, so a sample
// taken during traffic may be a few requests behind in one family and not in
// another, which Prometheus tolerates.
#ifndef PROVIDER_METRICS_H_
#define PROVIDER_METRICS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "provider/request.h"

namespace provider {

// The value of a request's `verb` label: one of the six verbs (H-4: exactly
// as spelt in the protocol), "none" when the request names no verb or could
// not be read at all, "invalid" when it names an unknown or misspelt verb,
// repeats the verb, or cannot be decoded (H-3). Stored as a small index.
class VerbLabel {
 public:
  static constexpr std::size_t kCount = 8;  // the six verbs, none, invalid

  static VerbLabel none();
  static VerbLabel invalid();
  // The label of a request whose form text decoded to `arguments`; nullopt
  // (undecodable) is "invalid".
  static VerbLabel of(const std::optional<RawArguments>& arguments);
  // The same from the raw form text (a query string or a POST body).
  static VerbLabel of_form(std::string_view form_text);
  // The label with index `index`; requires index < kCount.
  static VerbLabel of_index(std::size_t index) { return VerbLabel(index); }

  std::size_t index() const { return index_; }
  std::string_view name() const;

 private:
  explicit VerbLabel(std::size_t index) : index_(index) {}
  std::size_t index_;
};

// Counters for one `oaipmh serve`. Every method is thread-safe.
class Metrics {
 public:
  // The upper bounds, in seconds, of the response-time histogram's buckets
  // (besides +Inf): from a cached Identify to a ListRecords page of large
  // records read from a cold disk.
  static constexpr std::array<double, 13> kDurationBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One request answered with HTTP `status` (100 to 599; anything else is
  // counted as 500), `body_bytes` of body sent and `seconds` from its first
  // byte received to its response's last byte sent.
  void count_request(VerbLabel verb, int status, std::uint64_t body_bytes, double seconds);

  // `records` records or headers written in one response (GetRecord,
  // ListRecords, ListIdentifiers).
  void count_records(VerbLabel verb, std::int64_t records);

  // One request refused with 503 because max_in_flight requests were
  // already queued for or in the handler (H-7).
  void count_overload();

  // The exposition text, every family with # HELP and # TYPE. `in_flight` is
  // the value of the gauge oaipmh_requests_in_flight, which the HTTP server
  // owns.
  std::string render(std::size_t in_flight) const;

 private:
  static constexpr int kFirstStatus = 100;
  static constexpr std::size_t kStatuses = 500;                         // 100 to 599
  static constexpr std::size_t kBuckets = kDurationBuckets.size() + 1;  // and +Inf

  using Counter = std::atomic<std::uint64_t>;

  void render_requests(std::string& out) const;
  void render_durations(std::string& out) const;
  void render_per_verb(std::string& out) const;

  // Requests by verb and status, in a fixed array so counting never allocates.
  std::array<std::array<Counter, kStatuses>, VerbLabel::kCount> requests_{};
  // Requests by verb and duration bucket; each request in one bucket only
  // (rendering makes them cumulative, as Prometheus wants).
  std::array<std::array<Counter, kBuckets>, VerbLabel::kCount> durations_{};
  std::array<Counter, VerbLabel::kCount> duration_nanoseconds_{};  // the histogram's _sum
  std::array<Counter, VerbLabel::kCount> bytes_{};                 // response body bytes sent
  std::array<Counter, VerbLabel::kCount> records_{};               // records and headers written
  Counter overloads_{0};                                           // 503s for max_in_flight
};

}  // namespace provider

#endif  // PROVIDER_METRICS_H_
