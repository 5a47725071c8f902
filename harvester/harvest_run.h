// A harvest of many sources: parallel workers, never two at once on one host,
// under the store's harvest lock.
#ifndef HARVESTER_HARVEST_RUN_H_
#define HARVESTER_HARVEST_RUN_H_

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harvester/source_harvest.h"
#include "store/host_leases.h"

namespace harvester {

// Holds the store's harvest lock for its lifetime, so two harvests never
// write one store at once: an exclusive flock on `<store>.harvest-lock` for
// SQLite, an advisory lock in the database for PostgreSQL. Harvest workers
// of a PostgreSQL store share the lock (they share the sources by leases).
class HarvestLock {
 public:
  // Takes the lock, or returns nullopt at once when another process holds
  // it. Throws std::runtime_error when the lock file cannot be opened, or
  // store::StoreError when the database cannot be reached.
  static std::optional<HarvestLock> try_acquire(const std::string& store, bool shared = false);

  HarvestLock(HarvestLock&& other) noexcept;
  HarvestLock& operator=(HarvestLock&&) = delete;
  HarvestLock(const HarvestLock&) = delete;
  ~HarvestLock();

  // Where the lock is, for messages: the lock file of a SQLite store, or
  // the PostgreSQL store itself.
  static std::string path_for(const std::string& store);

 private:
  explicit HarvestLock(int fd) : fd_(fd) {}
  explicit HarvestLock(std::unique_ptr<store::PostgresHarvestLock> lock)
      : fd_(-1), postgres_(std::move(lock)) {}
  int fd_;  // the locked file; -1 when moved from or for PostgreSQL
  std::unique_ptr<store::PostgresHarvestLock> postgres_;
};

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
