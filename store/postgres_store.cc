// The PostgreSQL engine: opening and migrating a store database, sources,
// lists, runs and the quarantine.
#include <string>
#include <utility>

#include "store/postgres_backend.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until the stubs below are written

namespace store {
namespace {

int latest_version(const std::vector<Migration>& migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

int stored_version(pg::Connection& connection) {
  auto exists = connection.run_once("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  auto version = connection.run_once("SELECT coalesce(max(version), 0) FROM schema_version");
  return static_cast<int>(version.integer(0, 0));
}

// Applies each migration newer than the store's version, one transaction
// each. An advisory lock held for the whole transaction makes processes
// that open a new store at once apply every step exactly once.
void migrate(pg::Connection& connection, const std::vector<Migration>& migrations,
             const std::string& url) {
  for (const auto& migration : migrations) {
    if (stored_version(connection) >= migration.version) continue;
    pg::Transaction transaction(connection);
    connection.exec("SELECT pg_advisory_xact_lock(7079756)");  // 'oai' in any form
    if (stored_version(connection) >= migration.version) continue;
    try {
      connection.exec(migration.sql);
    } catch (const StoreError& error) {
      throw StoreError("store " + url + ": migration " + migration.name + " failed: " +
                       error.what());
    }
    connection.exec("DELETE FROM schema_version");
    connection.run_once("INSERT INTO schema_version (version) VALUES ($1)",
                        pg::Params().add(std::int64_t{migration.version}));
    transaction.commit();
  }
}

}  // namespace

std::unique_ptr<Backend> open_postgres(const std::string& url, const OpenOptions& options) {
  pg::Connection connection(url);
  // Our datestamps are UTC whatever the server's time zone; statements that
  // wait for a lock give up as SQLite's busy timeout does.
  connection.exec("SET TIME ZONE 'UTC'; SET lock_timeout = " +
                  std::to_string(options.busy_timeout_ms));
  const int latest = latest_version(kPostgresMigrations);
  int version = 0;
  try {
    version = stored_version(connection);
  } catch (const StoreError& error) {
    throw StoreError("cannot open store " + url + ": " + error.what());
  }
  if (version > latest) {
    throw StoreError("store " + url + " has schema version " + std::to_string(version) +
                     ", newer than this oaipmh knows (" + std::to_string(latest) +
                     "); use a newer oaipmh");
  }
  if (options.read_only) {
    if (version < latest) {
      throw StoreError("store " + url + " has schema version " + std::to_string(version) +
                       ", older than this oaipmh's " + std::to_string(latest) +
                       "; open it once for writing (oaipmh init) to migrate it");
    }
    connection.exec("SET default_transaction_read_only = on");
  } else {
    migrate(connection, kPostgresMigrations, url);
  }
  return std::make_unique<PostgresBackend>(std::move(connection));
}

int PostgresBackend::schema_version() { return stored_version(connection); }

std::int64_t PostgresBackend::upsert_source(std::string_view name, std::string_view base_url) {
  throw StoreError("PostgreSQL stores: upsert_source is not written yet");
}

std::optional<Source> PostgresBackend::find_source(std::string_view name) {
  throw StoreError("PostgreSQL stores: find_source is not written yet");
}

void PostgresBackend::save_identify(std::int64_t source_id, const IdentifyFacts& facts) {
  throw StoreError("PostgreSQL stores: save_identify is not written yet");
}

void PostgresBackend::save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats) {
  throw StoreError("PostgreSQL stores: save_formats is not written yet");
}

void PostgresBackend::save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) {
  throw StoreError("PostgreSQL stores: save_sets is not written yet");
}

HarvestList PostgresBackend::open_list(std::int64_t source_id, std::string_view metadata_prefix, std::string_view set_spec) {
  throw StoreError("PostgreSQL stores: open_list is not written yet");
}

void PostgresBackend::drop_checkpoint(std::int64_t list_id) {
  throw StoreError("PostgreSQL stores: drop_checkpoint is not written yet");
}

void PostgresBackend::start_sweep(std::int64_t list_id) {
  throw StoreError("PostgreSQL stores: start_sweep is not written yet");
}

std::int64_t PostgresBackend::begin_run(std::int64_t source_id) {
  throw StoreError("PostgreSQL stores: begin_run is not written yet");
}

void PostgresBackend::finish_run(std::int64_t run_id, RunResult result, std::string_view error, std::int64_t retries) {
  throw StoreError("PostgreSQL stores: finish_run is not written yet");
}

void PostgresBackend::quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id, std::string_view request_url, std::string_view error, std::optional<std::int64_t> byte_offset, std::string_view raw) {
  throw StoreError("PostgreSQL stores: quarantine is not written yet");
}

StoreStats PostgresBackend::stats() {
  throw StoreError("PostgreSQL stores: stats is not written yet");
}

}  // namespace store
