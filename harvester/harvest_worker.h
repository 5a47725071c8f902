// `oaipmh harvest --worker`: one of any number of processes, on any
// machines, that share the configured sources of one PostgreSQL store. Each
// takes a host's lease (store/host_leases.h), harvests that host's due
// sources one after another with their checkpoints in the store, and gives
// the host back; it never harvests a host another worker holds. A worker
// that dies leaves its lease to expire: another takes the host and resumes
// each list from its checkpoint.
#ifndef HARVESTER_HARVEST_WORKER_H_
#define HARVESTER_HARVEST_WORKER_H_

#include <chrono>
#include <string>
#include <vector>

#include "harvester/source_harvest.h"

namespace harvester {

struct WorkerSettings {
  std::string store_url;  // postgresql://...
  std::string name;       // in the leases; default: <hostname>:<pid>
  // How long a lease lasts unless renewed; renewed every third of it.
  std::chrono::seconds lease{60};
  // A source a worker finished is due again after this long.
  std::chrono::seconds revisit{std::chrono::hours(24)};
};

// The exit status of a worker that lost its lease while harvesting (it was
// stalled longer than the lease and another worker took the host): it stops
// at once, so that two workers never write one source.
constexpr int kExitLeaseLost = 4;

// The worker's name when none is given: host name and process id.
std::string default_worker_name();

// Harvests due sources of free hosts until no source is due; returns the
// summaries of the sources it harvested, in order. Waits (polling each
// second) while due sources' hosts are held by other workers, since a held
// host's worker may die. Throws store::StoreError when the store cannot be
// used.
std::vector<SourceSummary> run_worker(const WorkerSettings& settings,
                                      const std::vector<SourceSettings>& sources,
                                      const LogFunction& log, const ProgressFunction& progress);

}  // namespace harvester

#endif  // HARVESTER_HARVEST_WORKER_H_
