// The PostgreSQL engine: opening and migrating a store database, sources,
// lists, runs and the quarantine.
#include <string>
#include <utility>

#include "store/portable_sql.h"
#include "store/postgres/backend.h"

namespace store {
namespace {

int stored_version(pg::Connection& connection) {
  auto exists = connection.run_once("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  auto version = connection.run_once("SELECT coalesce(max(version), 0) FROM schema_version");
  return static_cast<int>(version.integer(0, 0));
}

// Holds the lock that makes processes opening a new store at once apply
// every migration exactly once ('oai' in any form), for its lifetime.
class MigrationLock {
 public:
  explicit MigrationLock(pg::Connection& connection) : connection_(connection) {
    connection_.exec("SELECT pg_advisory_lock(7079756)");
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;
  ~MigrationLock() {
    try {
      connection_.exec("SELECT pg_advisory_unlock(7079756)");
    } catch (...) {
      // The connection is gone, and the lock with it.
    }
  }

 private:
  pg::Connection& connection_;
};

// Applies each migration newer than the store's version, one transaction
// each, the version read again under the lock. The lock is taken before
// the transaction begins, not inside it: a transaction that began while
// another process migrated kept that process's new tables out of its
// catalog caches, found no schema_version, and applied 001 a second time.
void migrate(pg::Connection& connection, const std::vector<Migration>& migrations,
             const std::string& url) {
  for (const auto& migration : migrations) {
    if (stored_version(connection) >= migration.version) continue;
    MigrationLock lock(connection);
    pg::Transaction transaction(connection);
    if (stored_version(connection) >= migration.version) continue;
    try {
      connection.exec(migration.sql);
    } catch (const StoreError& error) {
      throw StoreError("store " + url + ": migration " + migration.name +
                       " failed: " + error.what());
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

int PostgresBackend::schema_version() { return stored_version(connection_); }

std::int64_t PostgresBackend::upsert_source(std::string_view name, std::string_view base_url) {
  auto upserted = connection_.run(
      "INSERT INTO sources (name, base_url, created_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url RETURNING id",
      pg::Params().add(name).add(base_url).add(now_datestamp()));
  return upserted.integer(0, 0);
}

std::optional<Source> PostgresBackend::find_source(std::string_view name) {
  auto found = connection_.run(portable_sql::kFindSource, pg::Params().add(name));
  if (found.rows() == 0) return std::nullopt;
  return portable_sql::read_source_row(pg::RowReader{found, 0});
}

void PostgresBackend::save_identify(std::int64_t source_id, const IdentifyFacts& facts) {
  connection_.run(
      "UPDATE sources SET repository_name = $2, declared_base_url = $3, "
      "protocol_version = $4, admin_emails = $5, earliest_datestamp = $6, "
      "deleted_record = $7, granularity = $8, compression = $9, identified_at = $10 "
      "WHERE id = $1",
      pg::Params()
          .add(source_id)
          .add(facts.repository_name)
          .add(facts.declared_base_url)
          .add(facts.protocol_version)
          .add(join_words(facts.admin_emails))
          .add(facts.earliest_datestamp)
          .add(facts.deleted_record)
          .add(facts.granularity)
          .add(join_words(facts.compression))
          .add(facts.response_date));
}

// A source declares a few formats and at most some thousands of sets: one
// statement a row is fast enough. A name given twice keeps the last, as
// SQLite's INSERT OR REPLACE does.
void PostgresBackend::save_formats(std::int64_t source_id,
                                   const std::vector<MetadataFormat>& formats) {
  pg::Transaction transaction(connection_);
  connection_.run("DELETE FROM source_formats WHERE source_id = $1", pg::Params().add(source_id));
  for (const auto& format : formats) {
    connection_.run(
        "INSERT INTO source_formats (source_id, metadata_prefix, schema_url, metadata_namespace) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (source_id, metadata_prefix) DO UPDATE SET "
        "schema_url = excluded.schema_url, metadata_namespace = excluded.metadata_namespace",
        pg::Params()
            .add(source_id)
            .add(format.metadata_prefix)
            .add(format.schema_url)
            .add(format.metadata_namespace));
  }
  transaction.commit();
}

void PostgresBackend::save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) {
  pg::Transaction transaction(connection_);
  connection_.run("DELETE FROM sets WHERE source_id = $1", pg::Params().add(source_id));
  for (const auto& set : sets) {
    connection_.run(
        "INSERT INTO sets (source_id, set_spec, set_name, descriptions) "
        "VALUES ($1, $2, $3, NULLIF($4, '')) ON CONFLICT (source_id, set_spec) DO UPDATE SET "
        "set_name = excluded.set_name, descriptions = excluded.descriptions",
        pg::Params().add(source_id).add(set.set_spec).add(set.set_name).add(set.descriptions));
  }
  transaction.commit();
}

HarvestList PostgresBackend::open_list(std::int64_t source_id, std::string_view metadata_prefix,
                                       std::string_view set_spec) {
  const auto key = pg::Params().add(source_id).add(metadata_prefix).add(set_spec);
  connection_.run(
      "INSERT INTO harvest_lists (source_id, metadata_prefix, set_spec) VALUES ($1, $2, $3) "
      "ON CONFLICT DO NOTHING",
      key);
  auto found = connection_.run(
      "SELECT l.id, l.next_from, c.window_from, c.window_until, c.first_response_date, "
      "c.resumption_token, c.page_number, c.list_id IS NOT NULL "
      "FROM harvest_lists l LEFT JOIN checkpoints c ON c.list_id = l.id "
      "WHERE l.source_id = $1 AND l.metadata_prefix = $2 AND l.set_spec = $3",
      key);
  if (found.rows() == 0) throw StoreError("harvest list vanished while opening it");
  HarvestList list{found.integer(0, 0),          source_id,
                   std::string(metadata_prefix), std::string(set_spec),
                   found.optional_text(0, 1),    std::nullopt};
  if (found.boolean(0, 7)) {
    list.checkpoint = Checkpoint{found.optional_text(0, 2), found.optional_text(0, 3),
                                 found.text(0, 4), found.text(0, 5), found.integer(0, 6)};
  }
  return list;
}

void PostgresBackend::drop_checkpoint(std::int64_t list_id) {
  connection_.run("DELETE FROM checkpoints WHERE list_id = $1", pg::Params().add(list_id));
}

void PostgresBackend::start_sweep(std::int64_t list_id) {
  pg::Transaction transaction(connection_);
  connection_.run("DELETE FROM sweeps WHERE list_id = $1", pg::Params().add(list_id));
  connection_.run("INSERT INTO sweeps (list_id, started_at) VALUES ($1, $2)",
                  pg::Params().add(list_id).add(now_datestamp()));
  transaction.commit();
}

std::int64_t PostgresBackend::begin_run(std::int64_t source_id) {
  auto inserted = connection_.run(
      "INSERT INTO harvest_runs (source_id, started_at) VALUES ($1, $2) RETURNING id",
      pg::Params().add(source_id).add(now_datestamp()));
  return inserted.integer(0, 0);
}

void PostgresBackend::finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                                 std::int64_t retries) {
  const char* result_text = result == RunResult::kOk       ? "ok"
                            : result == RunResult::kFailed ? "failed"
                                                           : "interrupted";
  connection_.run(
      "UPDATE harvest_runs SET ended_at = $2, result = $3, error = NULLIF($4, ''), "
      "retries = $5 WHERE id = $1",
      pg::Params().add(run_id).add(now_datestamp()).add(result_text).add(error).add(retries));
}

void PostgresBackend::quarantine(std::optional<std::int64_t> source_id,
                                 std::optional<std::int64_t> run_id, std::string_view request_url,
                                 std::string_view error, std::optional<std::int64_t> byte_offset,
                                 std::string_view raw) {
  pg::Params params;
  if (source_id)
    params.add(*source_id);
  else
    params.add_null();
  if (run_id)
    params.add(*run_id);
  else
    params.add_null();
  params.add(request_url).add(now_datestamp()).add(error);
  if (byte_offset)
    params.add(*byte_offset);
  else
    params.add_null();
  // Bytes, not text: what failed may not even be UTF-8.
  params.bytes(raw);
  connection_.run(
      "INSERT INTO quarantine (source_id, run_id, request_url, received_at, error, byte_offset, "
      "raw) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      params);
}

StoreStats PostgresBackend::stats() {
  auto counted = connection_.run(
      "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM records), "
      "(SELECT count(*) FROM records WHERE deleted)");
  return StoreStats{counted.integer(0, 0), counted.integer(0, 1), counted.integer(0, 2)};
}

}  // namespace store
