// A harvest of many sources: parallel workers, never two at once on one host,
// under the store's harvest lock.
#ifndef HARVESTER_HARVEST_RUN_H_
#define HARVESTER_HARVEST_RUN_H_

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harvester/source_harvest.h"

namespace harvester {

// Holds the store's harvest lock (an exclusive flock on `<store>.harvest-lock`)
// for its lifetime, so two harvests never write one store at once.
class HarvestLock {
 public:
  // Takes the lock, or returns nullopt at once when another process holds it.
  // Throws std::runtime_error when the lock file cannot be opened.
  static std::optional<HarvestLock> try_acquire(const std::string& store_path);

  HarvestLock(HarvestLock&& other) noexcept;
  HarvestLock& operator=(HarvestLock&&) = delete;
  HarvestLock(const HarvestLock&) = delete;
  ~HarvestLock();

  // The lock file of a store.
  static std::string path_for(const std::string& store_path);

 private:
  explicit HarvestLock(int fd) : fd_(fd) {}
  int fd_;  // the locked file; -1 when moved from
};

// The host (and port) of a URL, lower-case; the URL itself when it has none.
std::string host_of(const std::string& url);

// Harvests `sources` into the store with up to `workers` threads. A source
// starts only when no other source of the same host is being harvested.
// Summaries come back in the order of `sources`. `log` and `progress` may be
// called from several threads at once.
std::vector<SourceSummary> harvest_sources(const std::string& store_path,
                                           const std::vector<SourceSettings>& sources, int workers,
                                           const LogFunction& log, const ProgressFunction& progress);

}  // namespace harvester

#endif  // HARVESTER_HARVEST_RUN_H_
