// A harvest of many sources: parallel workers, never two at once on one host
// (the caller holds the store's harvest lock, store/harvest_lock.h).
#ifndef HARVESTER_HARVEST_RUN_H_
#define HARVESTER_HARVEST_RUN_H_

#include <string>
#include <vector>

#include "harvester/source_harvest.h"

namespace harvester {

// The versions of the HTTP and XML libraries this program runs with, for
// `oaipmh --version`: {"libcurl 7.88.1 (OpenSSL/3.0.15)", "libxml2 2.9.14"}.
std::vector<std::string> library_versions();

// The host (and port) of a URL, lower-case; the URL itself when it has none.
std::string host_of(const std::string& url);

// Harvests `sources` into the store with up to `workers` threads. A source
// starts only when no other source of the same host is being harvested.
// Summaries come back in the order of `sources`. `log` and `progress` may be
// called from several threads at once.
std::vector<SourceSummary> harvest_sources(const std::string& store_path,
                                           const std::vector<SourceSettings>& sources, int workers,
                                           const LogFunction& log,
                                           const ProgressFunction& progress);

}  // namespace harvester

#endif  // HARVESTER_HARVEST_RUN_H_
