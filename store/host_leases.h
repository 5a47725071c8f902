// Leases that let harvest workers on many machines share one PostgreSQL
// store's sources (`oaipmh harvest --worker`, docs/scaling.md): a worker
// harvests the sources of one host at a time, holding that host's lease.
// Taking a lease locks the host's row with SELECT ... FOR UPDATE SKIP LOCKED,
// so two workers never take one host; the lease then lasts until its expiry
// time, which the worker pushes forward while it works. A dead worker's
// lease expires and another worker takes the host, resuming each list from
// its checkpoint.
#ifndef STORE_HOST_LEASES_H_
#define STORE_HOST_LEASES_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store_error.h"

namespace store {

namespace pg {
class Connection;
}

// Whether harvest workers can share the store `name`: a PostgreSQL database
// can (its rows carry the leases); a SQLite file cannot.
bool supports_host_leases(const std::string& name);

// A configured source, as the workers share it.
struct WorkerSource {
  std::string name;
  std::string base_url;
  std::string host;  // whose lease covers it: the base URL's host:port
};

// A host a worker holds, with its sources that are due.
struct HostClaim {
  std::string host;
  std::vector<std::string> sources;   // names, in name order
  std::int64_t interrupted_runs = 0;  // runs of a dead worker, now marked interrupted
};

// One worker's connection to the leases. Not thread-safe: the worker's
// renewal thread uses a HostLeases of its own.
class HostLeases {
 public:
  // Connects to the PostgreSQL store `url` (already migrated). `worker` names
  // this worker in the leases (host name and process id). Throws StoreError.
  HostLeases(const std::string& url, std::string worker, std::chrono::seconds lease);
  HostLeases(HostLeases&&) noexcept;
  ~HostLeases();

  // Adds the sources (and their hosts) that workers share; a source already
  // known keeps its schedule.
  void register_sources(const std::vector<WorkerSource>& sources);

  // Takes the lease of a host none holds (or whose holder's lease expired)
  // that has a due source among `names`: never finished by a worker, or
  // finished more than `revisit` ago. Runs the host's sources left
  // 'running' by a dead worker become 'interrupted'. nullopt when no such
  // host is free now.
  std::optional<HostClaim> claim(const std::vector<std::string>& names,
                                 std::chrono::seconds revisit);

  // Pushes the lease's expiry forward; false when this worker no longer
  // holds it (it expired and another worker took the host).
  bool renew(const std::string& host);

  // Records that the worker finished harvesting `source` (whatever the
  // result: the run says how it went), so it is not due until `revisit`.
  void finish_source(const std::string& host, const std::string& source);

  // Gives the host back.
  void release(const std::string& host);

  // Whether any of `names` is still due (free or held by a live worker).
  bool any_due(const std::vector<std::string>& names, std::chrono::seconds revisit);

 private:
  std::unique_ptr<pg::Connection> connection_;
  std::string worker_;
  std::chrono::seconds lease_;
};

}  // namespace store

#endif  // STORE_HOST_LEASES_H_
