#include "provider/metrics.h"

#include <charconv>
#include <cmath>

namespace provider {
namespace {

using oai::Verb;

constexpr std::size_t kVerbs = 6;  // indexes 0-5 are Verb's values
constexpr std::size_t kNone = 6;
constexpr std::size_t kInvalid = 7;
constexpr std::array<std::string_view, 13> kBucketLabels = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};
static_assert(kBucketLabels.size() == Metrics::kDurationBuckets.size());
// The verbs that write records or headers.
constexpr std::array<Verb, 3> kRecordVerbs = {Verb::kGetRecord, Verb::kListIdentifiers,
                                              Verb::kListRecords};

std::uint64_t load(const std::atomic<std::uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount) {
  counter.fetch_add(amount, std::memory_order_relaxed);
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// One sample line: name{labels} value.
void sample(std::string& out, std::string_view name, std::string_view labels,
            std::string_view value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(value).append("\n");
}

std::string verb_labels(std::string_view verb) { return "verb=\"" + std::string(verb) + "\""; }

std::string number(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

}  // namespace

VerbLabel VerbLabel::none() { return VerbLabel(kNone); }

VerbLabel VerbLabel::invalid() { return VerbLabel(kInvalid); }

VerbLabel VerbLabel::of(const std::optional<RawArguments>& arguments) {
  if (!arguments) return invalid();
  const std::string* verb = nullptr;
  for (const auto& [key, value] : *arguments) {
    if (key != "verb") continue;
    if (verb != nullptr) return invalid();  // repeated (H-4)
    verb = &value;
  }
  if (verb == nullptr) return none();
  const auto parsed = oai::parse_verb(*verb);
  return parsed ? VerbLabel(static_cast<std::size_t>(*parsed)) : invalid();
}

VerbLabel VerbLabel::of_form(std::string_view form_text) { return of(parse_form(form_text)); }

std::string_view VerbLabel::name() const {
  if (index_ < kVerbs) return to_string(static_cast<Verb>(index_));
  return index_ == kNone ? "none" : "invalid";
}

void Metrics::count_request(VerbLabel verb, int status, std::uint64_t body_bytes, double seconds) {
  if (status < kFirstStatus || status >= kFirstStatus + static_cast<int>(kStatuses)) status = 500;
  const std::size_t v = verb.index();
  add(requests_[v][static_cast<std::size_t>(status - kFirstStatus)], 1);
  std::size_t bucket = 0;
  while (bucket < kDurationBuckets.size() && seconds > kDurationBuckets[bucket]) ++bucket;
  add(durations_[v][bucket], 1);
  add(duration_nanoseconds_[v],
      seconds > 0 ? static_cast<std::uint64_t>(std::llround(seconds * 1e9)) : 0);
  add(bytes_[v], body_bytes);
}

void Metrics::count_records(VerbLabel verb, std::int64_t records) {
  if (records > 0) add(records_[verb.index()], static_cast<std::uint64_t>(records));
}

void Metrics::count_overload() { add(overloads_, 1); }

std::string Metrics::render(std::size_t in_flight) const {
  std::string out;
  out.reserve(8192);
  render_requests(out);
  render_durations(out);
  render_per_verb(out);
  family(out, "oaipmh_requests_in_flight", "gauge",
         "Requests queued for or being answered by the handler (max_in_flight applies to "
         "this number), not counting the scrape that reads it.");
  sample(out, "oaipmh_requests_in_flight", "", std::to_string(in_flight));
  family(out, "oaipmh_overload_rejections_total", "counter",
         "Requests refused with 503 and Retry-After because max_in_flight requests were in "
         "flight (H-7).");
  sample(out, "oaipmh_overload_rejections_total", "", std::to_string(load(overloads_)));
  return out;
}

// Only the (verb, status) pairs seen so far: 4,000 mostly empty series would
// bury the ones that matter.
void Metrics::render_requests(std::string& out) const {
  family(out, "oaipmh_requests_total", "counter",
         "Requests to the OAI-PMH endpoint, by verb (none: no verb; invalid: a bad, repeated "
         "or undecodable verb) and HTTP status.");
  for (std::size_t v = 0; v < VerbLabel::kCount; ++v) {
    const std::string verb = std::string(VerbLabel::of_index(v).name());
    for (std::size_t s = 0; s < kStatuses; ++s) {
      const std::uint64_t count = load(requests_[v][s]);
      if (count == 0) continue;
      sample(out, "oaipmh_requests_total",
             verb_labels(verb) + ",status=\"" + std::to_string(kFirstStatus + static_cast<int>(s)) +
                 "\"",
             std::to_string(count));
    }
  }
}

// _count is the sum of the buckets as read here, so it always equals the
// +Inf bucket even while requests are being counted.
void Metrics::render_durations(std::string& out) const {
  static constexpr std::string_view kName = "oaipmh_request_duration_seconds";
  family(out, kName, "histogram",
         "Seconds from a request's first byte received to its response's last byte sent, by "
         "verb.");
  for (std::size_t v = 0; v < VerbLabel::kCount; ++v) {
    std::array<std::uint64_t, kBuckets> counts{};
    std::uint64_t total = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) total += counts[b] = load(durations_[v][b]);
    if (total == 0) continue;
    const std::string verb = verb_labels(VerbLabel::of_index(v).name());
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      cumulative += counts[b];
      const std::string_view le = b < kBucketLabels.size() ? kBucketLabels[b] : "+Inf";
      sample(out, std::string(kName) + "_bucket", verb + ",le=\"" + std::string(le) + "\"",
             std::to_string(cumulative));
    }
    sample(out, std::string(kName) + "_sum", verb,
           number(static_cast<double>(load(duration_nanoseconds_[v])) / 1e9));
    sample(out, std::string(kName) + "_count", verb, std::to_string(total));
  }
}

void Metrics::render_per_verb(std::string& out) const {
  family(out, "oaipmh_response_bytes_total", "counter",
         "Response body bytes sent for requests to the OAI-PMH endpoint (after compression), "
         "by verb.");
  for (std::size_t v = 0; v < VerbLabel::kCount; ++v) {
    const std::uint64_t bytes = load(bytes_[v]);
    // A verb that was asked for has a series even if its answers were empty (HEAD).
    bool seen = bytes > 0;
    for (std::size_t b = 0; b < kBuckets && !seen; ++b) seen = load(durations_[v][b]) > 0;
    if (!seen) continue;
    sample(out, "oaipmh_response_bytes_total", verb_labels(VerbLabel::of_index(v).name()),
           std::to_string(bytes));
  }
  family(out, "oaipmh_records_served_total", "counter",
         "Records (GetRecord, ListRecords) and headers (ListIdentifiers) written in responses.");
  // Always present, from zero, so rate() works from the first scrape.
  for (const Verb verb : kRecordVerbs) {
    const auto v = static_cast<std::size_t>(verb);
    sample(out, "oaipmh_records_served_total", verb_labels(to_string(verb)),
           std::to_string(load(records_[v])));
  }
}

}  // namespace provider
