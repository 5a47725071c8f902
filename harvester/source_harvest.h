// The harvest of one source: Identify, formats, sets, then each list page by
// page into the store, resumable from its checkpoint.
#ifndef HARVESTER_SOURCE_HARVEST_H_
#define HARVESTER_SOURCE_HARVEST_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harvester/http_client.h"
#include "harvester/retry.h"
#include "store/store.h"

namespace harvester {

// Everything that says how one source is harvested.
struct SourceSettings {
  std::string name;      // our name for it: also its set when we serve the store
  std::string base_url;  // as configured
  // Formats to harvest; oai_dc is always harvested besides these.
  std::vector<std::string> metadata_prefixes;
  // Upstream sets to harvest, each its own list; empty = the whole repository.
  std::vector<std::string> sets;
  // ListIdentifiers, then GetRecord for each record, for repositories whose
  // ListRecords is broken.
  bool list_identifiers = false;
  // Bounds given by hand; without them `from` is the list's watermark.
  std::optional<std::string> from;
  std::optional<std::string> until;
  // Harvest everything again (no from) and mark records not seen as deleted
  // (HV-11); only for sources whose deletedRecord is `no` or `transient`.
  bool full = false;
  // Send requests to the baseURL Identify declares (HV-1), falling back to
  // the configured one when it is unusable or unreachable.
  bool use_declared_base_url = true;
  std::int64_t max_pages = 1'000'000;  // per list (HV-4 loop guard)
  int max_window_restarts = 3;         // after refused tokens (HV-5)
  std::chrono::milliseconds politeness_delay{0};
  HttpOptions http;
  RetryPolicy retry;
};

// Where a harvest stands, for progress lines.
struct Progress {
  std::string source;
  std::string list;    // "oai_dc" or "oai_dc set=physics"
  std::string window;  // "from 2024-01-01" or "everything"
  std::int64_t records = 0;
  std::int64_t pages = 0;
  double seconds = 0;
};

// How a source's harvest ended.
struct SourceSummary {
  std::string source;
  bool ok = false;
  std::string error;  // why it failed; empty when ok
  store::PageCounts counts;
  std::int64_t pages = 0;
  std::uint64_t bytes = 0;
  int retries = 0;
  std::int64_t quarantined = 0;         // records or responses kept aside
  std::int64_t illegal_characters = 0;  // removed from responses
  double seconds = 0;
};

// Log lines: level ("info", "warning") and message.
using LogFunction = std::function<void(const std::string& level, const std::string& message)>;
using ProgressFunction = std::function<void(const Progress&)>;

// Harvests one source into the store at `store_path` (opened by this call,
// so sources can run on several threads). Never throws for a failure of the
// source: it ends in the summary and in the store's harvest run.
SourceSummary harvest_source(const std::string& store_path, const SourceSettings& settings,
                             const LogFunction& log, const ProgressFunction& progress);

}  // namespace harvester

#endif  // HARVESTER_SOURCE_HARVEST_H_
