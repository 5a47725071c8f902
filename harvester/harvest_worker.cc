#include "harvester/harvest_worker.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "harvester/harvest_run.h"
#include "store/host_leases.h"
#include "store/store.h"

namespace harvester {
namespace {

// Renews a host's lease every third of its length on a connection of its
// own, for as long as it lives. A renewal that finds the lease gone ends the
// process: its harvest may no longer write.
class LeaseKeeper {
 public:
  LeaseKeeper(const WorkerSettings& settings, std::string host, const LogFunction& log)
      : leases_(settings.store_url, settings.name, settings.lease),
        host_(std::move(host)),
        period_(std::max<std::chrono::milliseconds>(settings.lease / 3,
                                                    std::chrono::milliseconds(200))),
        thread_([this, &log] { keep(log); }) {}

  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  ~LeaseKeeper() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

 private:
  void keep(const LogFunction& log) {
    std::unique_lock lock(mutex_);
    while (!changed_.wait_for(lock, period_, [&] { return stopping_; })) {
      bool held = false;
      std::string error;
      try {
        held = leases_.renew(host_);
      } catch (const std::exception& failure) {
        error = failure.what();
      }
      if (held) continue;
      log("error", "lost the lease of host " + host_ +
                       (error.empty() ? ": another worker took it" : ": " + error) +
                       "; stopping at once");
      std::fflush(nullptr);
      std::_Exit(kExitLeaseLost);
    }
  }

  store::HostLeases leases_;
  const std::string host_;
  const std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace

std::string default_worker_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  return std::string(host) + ":" + std::to_string(getpid());
}

std::vector<SourceSummary> run_worker(const WorkerSettings& settings,
                                      const std::vector<SourceSettings>& sources,
                                      const LogFunction& log, const ProgressFunction& progress) {
  store::Store::open(settings.store_url);  // creates or migrates the schema once
  store::HostLeases leases(settings.store_url, settings.name, settings.lease);
  std::vector<store::WorkerSource> shared;
  std::vector<std::string> names;
  for (const auto& source : sources) {
    shared.push_back({source.name, source.base_url, host_of(source.base_url)});
    names.push_back(source.name);
  }
  leases.register_sources(shared);

  std::vector<SourceSummary> summaries;
  while (true) {
    const auto claim = leases.claim(names, settings.revisit);
    if (!claim) {
      if (!leases.any_due(names, settings.revisit)) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    log("info", "worker " + settings.name + " took host " + claim->host);
    if (claim->interrupted_runs > 0) {
      log("warning", "host " + claim->host + ": " + std::to_string(claim->interrupted_runs) +
                         " run(s) of a stopped worker marked interrupted; resuming");
    }
    {
      LeaseKeeper keeper(settings, claim->host, log);
      for (const auto& name : claim->sources) {
        const auto source = std::find_if(sources.begin(), sources.end(),
                                         [&](const SourceSettings& s) { return s.name == name; });
        summaries.push_back(harvest_source(settings.store_url, *source, log, progress));
        leases.finish_source(claim->host, name);
      }
    }
    leases.release(claim->host);
  }
  return summaries;
}

}  // namespace harvester
