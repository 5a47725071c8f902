// oaipmh harvest: pull records from OAI-PMH repositories into the store.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/configuration.h"
#include "cli/progress_display.h"
#include "harvester/harvest_run.h"
#include "harvester/harvest_worker.h"
#include "oai/datestamp.h"
#include "store/harvest_lock.h"
#include "store/host_leases.h"

namespace cli {
namespace {

constexpr int kExitLocked = 3;

// Per-source keys given on the command line: each overrides the
// configuration's value for every source of this run (or the default for a
// --url run). Unset: the configuration's.
struct SourceOverrides {
  std::optional<std::string> contact;
  std::optional<std::string> user_agent;
  std::optional<double> politeness_delay;  // seconds
  std::optional<long> connect_timeout;     // seconds
  std::optional<long> request_timeout;     // seconds
  std::optional<int> max_response_mb;
  std::optional<int> max_attempts;
  std::optional<double> max_retry_wait;  // seconds
  std::optional<std::int64_t> max_pages;
  bool ignore_declared_base_url = false;

  void apply(harvester::SourceSettings& source) const {
    if (contact) source.http.from = *contact;
    if (user_agent) source.http.user_agent = *user_agent;
    if (politeness_delay) {
      source.politeness_delay =
          std::chrono::milliseconds(static_cast<std::int64_t>(*politeness_delay * 1000.0));
    }
    if (connect_timeout) source.http.connect_timeout_seconds = *connect_timeout;
    if (request_timeout) source.http.total_timeout_seconds = *request_timeout;
    if (max_response_mb)
      source.http.max_response_bytes = static_cast<std::uint64_t>(*max_response_mb) << 20;
    if (max_attempts) source.retry.max_attempts = *max_attempts;
    if (max_retry_wait) source.retry.max_delay_seconds = *max_retry_wait;
    if (max_pages) source.max_pages = *max_pages;
    if (ignore_declared_base_url) source.use_declared_base_url = false;
  }
};

struct HarvestOptions {
  std::string store;
  std::string config;
  std::vector<std::string> names;  // from the configuration; empty = all
  std::string url;
  std::string name;
  std::vector<std::string> prefixes;
  std::vector<std::string> sets;
  bool list_identifiers = false;
  std::string from;
  std::string until;
  bool full = false;
  int workers = 0;          // 0 = from the configuration
  bool worker = false;      // one of many --worker processes sharing the sources
  std::string worker_name;  // empty: <hostname>:<pid>
  bool quiet = false;
  bool verbose = false;
  SourceOverrides overrides;
};

// The configuration's sources (all, or the names given); sets the store
// unless --store did, and `defaults` to the configuration's [harvest].
std::vector<harvester::SourceSettings> configured_sources(HarvestOptions& options,
                                                          HarvestDefaults& defaults) {
  if (!options.url.empty() || !options.name.empty() || !options.prefixes.empty() ||
      !options.sets.empty() || options.list_identifiers) {
    throw UsageError(
        "--url, --name, --prefix, --set and --list-identifiers are for a harvest "
        "without --config");
  }
  Configuration configuration = load_configuration(options.config);
  if (options.store.empty()) options.store = configuration.store;
  defaults = configuration.harvest;
  for (const auto& wanted : options.names) {
    const bool found = std::any_of(configuration.sources.begin(), configuration.sources.end(),
                                   [&](const auto& source) { return source.name == wanted; });
    if (!found) throw UsageError("no source named '" + wanted + "' in " + options.config);
  }
  std::vector<harvester::SourceSettings> sources;
  for (auto& source : configuration.sources) {
    if (options.names.empty() ||
        std::find(options.names.begin(), options.names.end(), source.name) != options.names.end()) {
      sources.push_back(std::move(source));
    }
  }
  if (sources.empty()) throw UsageError(options.config + " has no [[source]] to harvest");
  return sources;
}

// The one repository of --url and --name.
harvester::SourceSettings command_line_source(const HarvestOptions& options,
                                              const HarvestDefaults& defaults) {
  if (options.url.empty() || options.name.empty()) {
    throw UsageError("give --url and --name for one repository, or --config FILE");
  }
  if (!options.names.empty()) throw UsageError("source names go with --config");
  harvester::SourceSettings source = defaults.source;
  source.name = options.name;
  source.base_url = options.url;
  source.metadata_prefixes = options.prefixes;
  source.sets = options.sets;
  source.list_identifiers = options.list_identifiers;
  validate_source(source, "command line");
  return source;
}

// What a --worker needs; throws UsageError for what a worker cannot do.
harvester::WorkerSettings worker_settings(const HarvestOptions& options,
                                          const HarvestDefaults& defaults) {
  if (options.config.empty()) throw UsageError("--worker harvests the sources of --config FILE");
  if (!store::supports_host_leases(options.store)) {
    throw UsageError(
        "--worker needs a PostgreSQL store (postgresql://...): workers on several "
        "machines share it");
  }
  if (options.full || !options.from.empty() || !options.until.empty()) {
    throw UsageError("--full, --from and --until are for a harvest without --worker");
  }
  harvester::WorkerSettings worker;
  worker.store_url = options.store;
  worker.name =
      options.worker_name.empty() ? harvester::default_worker_name() : options.worker_name;
  worker.lease = std::chrono::seconds(defaults.lease_seconds);
  worker.revisit = std::chrono::seconds(static_cast<std::int64_t>(defaults.revisit_hours * 3600));
  return worker;
}

// The sources to harvest and the store, from the options and the configuration.
std::vector<harvester::SourceSettings> select_sources(HarvestOptions& options, int& workers,
                                                      harvester::WorkerSettings& worker) {
  HarvestDefaults defaults = default_harvest_settings();
  std::vector<harvester::SourceSettings> sources;
  if (!options.config.empty()) {
    sources = configured_sources(options, defaults);
  } else {
    sources.push_back(command_line_source(options, defaults));
  }
  if (options.store.empty()) {
    throw UsageError("no store: give --store or set 'store' in the configuration");
  }
  for (const auto* bound : {&options.from, &options.until}) {
    if (!bound->empty() && !oai::Datestamp::parse(*bound)) {
      throw UsageError("'" + *bound + "' is not a date: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
    }
  }
  for (auto& source : sources) {
    if (!options.from.empty()) source.from = options.from;
    if (!options.until.empty()) source.until = options.until;
    source.full = options.full;
    options.overrides.apply(source);
  }
  workers = options.workers > 0 ? options.workers : defaults.workers;
  if (options.worker) {
    worker = worker_settings(options, defaults);
  } else if (!options.worker_name.empty()) {
    throw UsageError("--worker-name goes with --worker");
  }
  return sources;
}

std::string summary_line(const harvester::SourceSummary& summary) {
  char line[512];
  std::snprintf(line, sizeof line,
                "%s: %s, %lld new, %lld updated, %lld deleted, %lld unchanged, %lld pages, %s, "
                "%d retries, %.1f s",
                summary.source.c_str(), summary.ok ? "ok" : "FAILED",
                static_cast<long long>(summary.counts.created),
                static_cast<long long>(summary.counts.updated),
                static_cast<long long>(summary.counts.deleted),
                static_cast<long long>(summary.counts.unchanged),
                static_cast<long long>(summary.pages), human_bytes(summary.bytes).c_str(),
                summary.retries, summary.seconds);
  std::string text = line;
  if (summary.quarantined > 0) text += ", " + std::to_string(summary.quarantined) + " quarantined";
  if (!summary.ok) text += ": " + summary.error;
  return text;
}

// HV-10: a repository's operators must be able to reach whoever harvests it.
void note_missing_contact(const std::vector<harvester::SourceSettings>& sources) {
  const bool anonymous = std::any_of(sources.begin(), sources.end(),
                                     [](const auto& source) { return source.http.from.empty(); });
  if (anonymous) {
    std::fprintf(stderr,
                 "oaipmh harvest: note: no contact address, so the repositories cannot reach "
                 "whoever runs this harvest; give one with --contact EMAIL or [harvest] contact "
                 "in the configuration (sent as the From header)\n");
  }
}

// Prints each source's summary line (only the failed ones with --quiet);
// returns the run's exit status.
int report(const std::vector<harvester::SourceSummary>& summaries, bool quiet) {
  int status = kExitOk;
  for (const auto& summary : summaries) {
    if (!summary.ok) status = kExitFailed;
    if (!summary.ok || !quiet) std::printf("%s\n", summary_line(summary).c_str());
  }
  return status;
}

int run_harvest(HarvestOptions& options) {
  int workers = 1;
  harvester::WorkerSettings worker;
  const std::vector<harvester::SourceSettings> sources = select_sources(options, workers, worker);
  const auto mode = options.worker ? store::HarvestLock::Mode::kSharedByWorkers
                                   : store::HarvestLock::Mode::kExclusive;
  // Throws StoreError when a PostgreSQL store cannot be reached: exit 1.
  const auto lock = store::HarvestLock::try_acquire(options.store, mode);
  if (!lock) {
    std::fprintf(stderr, "oaipmh harvest: another harvest holds the lock on %s (%s); exiting\n",
                 options.store.c_str(), store::HarvestLock::describe(options.store).c_str());
    return kExitLocked;
  }
  if (!options.quiet) note_missing_contact(sources);
  ProgressDisplay display(stderr, !options.quiet && isatty(STDERR_FILENO) != 0);
  harvester::LogFunction log = [&](const std::string& level, const std::string& message) {
    if (options.quiet || (level == "info" && !options.verbose)) return;
    display.log("oaipmh harvest: " + level + ": " + message);
  };
  harvester::ProgressFunction progress = [&](const harvester::Progress& at) { display.update(at); };
  std::vector<harvester::SourceSummary> summaries;
  if (options.worker) {
    try {
      summaries = harvester::run_worker(worker, sources, log, progress);
    } catch (const store::StoreError& error) {
      std::fprintf(stderr, "oaipmh harvest: worker %s: %s\n", worker.name.c_str(), error.what());
      return kExitFailed;
    }
  } else {
    summaries = harvester::harvest_sources(options.store, sources, workers, log, progress);
  }
  // Progress lines go before any summary: erasing them moves the cursor up
  // over the lines last drawn, which must not be summaries.
  for (const auto& summary : summaries) display.finish(summary.source);
  return report(summaries, options.quiet);
}

// The per-source keys of the configuration that a run from the shell may
// set: they apply to every source of the run, overriding the configuration.
void add_source_overrides(CLI::App& command, SourceOverrides& overrides) {
  command
      .add_option("--contact", overrides.contact,
                  "E-mail address the repositories can write to, sent as From (HV-10; "
                  "[harvest] contact)")
      ->type_name("EMAIL")
      ->check([](const std::string& value) {
        return is_contact_address(value)
                   ? std::string()
                   : std::string("an e-mail address such as harvest@example.org");
      });
  command.add_option("--user-agent", overrides.user_agent,
                     "The User-Agent header (default: oaipmh/" OAIPMH_VERSION ")");
  command
      .add_option("--politeness-delay", overrides.politeness_delay,
                  "Seconds between two requests to one source (default: 1)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 1e9).description(""));
  command
      .add_option("--connect-timeout", overrides.connect_timeout,
                  "Seconds to connect (default: 30)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1L, 1'000'000'000L).description(""));
  command
      .add_option("--request-timeout", overrides.request_timeout,
                  "Seconds one request may take in all (default: 900)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1L, 1'000'000'000L).description(""));
  command
      .add_option("--max-response-mb", overrides.max_response_mb,
                  "Largest response accepted, MiB after decompression (default: 64)")
      ->type_name("MIB")
      ->check(CLI::Range(1, 2047).description(""));
  command
      .add_option("--max-attempts", overrides.max_attempts,
                  "Tries of one request after network errors, 429 and 5xx (default: 6)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000).description(""));
  command
      .add_option("--max-retry-wait", overrides.max_retry_wait,
                  "Longest wait before a retry, Retry-After included, in seconds (default: 600)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 1e9).description(""));
  command
      .add_option("--max-pages", overrides.max_pages,
                  "Pages in one list before it is stopped as a loop (default: 1000000)")
      ->type_name("N")
      ->check(
          CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()).description(""));
  command.add_flag("--ignore-declared-base-url", overrides.ignore_declared_base_url,
                   "Send every request to the URL given, not to the baseURL Identify declares");
}

}  // namespace

Command add_harvest_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "harvest",
      "Harvest OAI-PMH repositories into the store, incrementally.\n\n"
      "One repository: --url URL --name NAME; or the [[source]] tables of --config FILE\n"
      "(all, or the NAMEs given). Each run continues from the last one: the next 'from'\n"
      "is the responseDate of the last complete list, and an interrupted list resumes\n"
      "from its checkpoint.\n\n"
      "With --worker (a PostgreSQL store): one of any number of worker processes, on\n"
      "any machines, that share the configured sources: each takes a host's lease,\n"
      "harvests its due sources (not finished by a worker within [harvest]\n"
      "revisit_hours), and goes on until no source is due (docs/scaling.md).\n\n"
      "--contact, --user-agent, --politeness-delay and the options after them set the\n"
      "configuration's per-source keys for every source of this run.\n\n"
      "Exit status: 0 every source succeeded; 1 at least one source failed (the others\n"
      "were still harvested); 2 usage or configuration error; 3 another harvest holds\n"
      "the store's lock (STORE.harvest-lock, or an advisory lock in PostgreSQL),\n"
      "nothing was done; 4 a worker lost its lease (it stopped at once).");
  auto options = std::make_shared<HarvestOptions>();
  command->add_option("--store", options->store,
                      "Store to harvest into: a SQLite file or a postgresql:// URL (default: "
                      "'store' of the configuration)");
  command->add_option("--config", options->config, "TOML configuration (see etc/oaipmh.toml)");
  command->add_option("names", options->names, "With --config: harvest only these sources");
  command->add_option("--url", options->url, "Base URL of one repository to harvest");
  command->add_option("--name", options->name,
                      "Our name for that repository (letters, digits, -_.!~*'())");
  command
      ->add_option("--prefix", options->prefixes,
                   "Metadata format to harvest besides oai_dc (repeatable)")
      ->allow_extra_args(false);
  command
      ->add_option("--set", options->sets,
                   "Harvest only this upstream set (repeatable; default: everything)")
      ->allow_extra_args(false);
  command->add_flag("--list-identifiers", options->list_identifiers,
                    "Use ListIdentifiers + GetRecord instead of ListRecords");
  command->add_option("--from", options->from,
                      "Harvest records from this date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ) "
                      "instead of the saved watermark");
  command->add_option("--until", options->until, "Harvest records up to this date");
  command->add_flag("--full", options->full,
                    "Harvest everything again; for sources whose deletedRecord is 'no' or "
                    "'transient', mark records not seen as deleted");
  command->add_option("--workers", options->workers,
                      "Sources harvested at once, never two of one host (default: 4, or "
                      "[harvest] workers)");
  command->add_flag("--worker", options->worker,
                    "Share the sources of --config with other workers (PostgreSQL store)");
  command->add_option("--worker-name", options->worker_name,
                      "This worker's name in the leases (default: HOSTNAME:PID)");
  add_source_overrides(*command, options->overrides);
  auto* quiet = command->add_flag("-q,--quiet", options->quiet,
                                  "Print only failures: no progress, warnings or summaries");
  command->add_flag("-v,--verbose", options->verbose, "Also log informational messages")
      ->excludes(quiet);
  return {command, [options] { return run_harvest(*options); }};
}

}  // namespace cli
