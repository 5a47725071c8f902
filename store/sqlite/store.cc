// The SQLite engine: opening and migrating a store file, sources, lists,
// runs and the quarantine.
#include <string>
#include <utility>

#include "store/portable_sql.h"
#include "store/sqlite/backend.h"

namespace store {
namespace {

// Applies each migration newer than the store's version, one transaction
// each. The version is read again inside the transaction, so two processes
// opening a new store at once apply every step exactly once.
void migrate(sqlite::Connection& connection, const std::vector<Migration>& migrations,
             const std::string& path) {
  for (const auto& migration : migrations) {
    if (connection.query_int("PRAGMA user_version") >= migration.version) continue;
    sqlite::Transaction transaction(connection);
    if (connection.query_int("PRAGMA user_version") >= migration.version) continue;
    try {
      connection.exec(migration.sql);
    } catch (const StoreError& error) {
      throw StoreError("store " + path + ": migration " + migration.name +
                       " failed: " + error.what());
    }
    connection.exec(("PRAGMA user_version = " + std::to_string(migration.version)).c_str());
    transaction.commit();
  }
}

}  // namespace

std::unique_ptr<Backend> open_sqlite(const std::string& path,
                                     const std::vector<Migration>& migrations,
                                     const OpenOptions& options) {
  const int flags =
      options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  sqlite::Connection connection(path, flags | SQLITE_OPEN_NOMUTEX);
  sqlite3_busy_timeout(connection.get(), options.busy_timeout_ms);
  int version = 0;
  try {
    version = static_cast<int>(connection.query_int("PRAGMA user_version"));
  } catch (const StoreError& error) {
    throw StoreError("cannot open store " + path + ": " + error.what());
  }
  const int latest = latest_version(migrations);
  if (version > latest) {
    throw StoreError("store " + path + " has schema version " + std::to_string(version) +
                     ", newer than this oaipmh knows (" + std::to_string(latest) +
                     "); use a newer oaipmh");
  }
  connection.exec("PRAGMA foreign_keys = ON");
  if (options.read_only) {
    if (version < latest) {
      throw StoreError("store " + path + " has schema version " + std::to_string(version) +
                       ", older than this oaipmh's " + std::to_string(latest) +
                       "; open it once for writing (oaipmh init) to migrate it");
    }
  } else {
    // A new store gets 16 KiB pages: a record (raw XML and its Dublin Core,
    // about 3 KB) fills most of a 4 KiB page alone, so a third of such a
    // store was unused page space. Only a new, empty file takes the setting.
    if (version == 0) connection.exec("PRAGMA page_size = 16384");
    // WAL lets `serve` read while `harvest` writes; NORMAL sync is durable
    // against a crash of the process, the case that matters here.
    connection.exec(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = "
        "10000");
    migrate(connection, migrations, path);
  }
  return std::make_unique<SqliteBackend>(std::move(connection));
}

int SqliteBackend::schema_version() {
  return static_cast<int>(connection_.query_int("PRAGMA user_version"));
}

std::int64_t SqliteBackend::upsert_source(std::string_view name, std::string_view base_url) {
  auto& upsert = statement(
      "INSERT INTO sources (name, base_url, created_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url RETURNING id");
  upsert.bind(1, name).bind(2, base_url).bind(3, now_datestamp());
  upsert.step();
  const auto id = upsert.column_int(0);
  upsert.reset();
  return id;
}

std::optional<Source> SqliteBackend::find_source(std::string_view name) {
  auto& select = statement(portable_sql::kFindSource);
  select.bind(1, name);
  std::optional<Source> source;
  if (select.step()) source = portable_sql::read_source_row(sqlite::RowReader{select});
  select.reset();
  return source;
}

void SqliteBackend::save_identify(std::int64_t source_id, const IdentifyFacts& facts) {
  statement(
      "UPDATE sources SET repository_name = ?2, declared_base_url = ?3, "
      "protocol_version = ?4, admin_emails = ?5, earliest_datestamp = ?6, "
      "deleted_record = ?7, granularity = ?8, compression = ?9, identified_at = ?10 "
      "WHERE id = ?1")
      .bind(1, source_id)
      .bind(2, facts.repository_name)
      .bind(3, facts.declared_base_url)
      .bind(4, facts.protocol_version)
      .bind(5, join_words(facts.admin_emails))
      .bind(6, facts.earliest_datestamp)
      .bind(7, facts.deleted_record)
      .bind(8, facts.granularity)
      .bind(9, join_words(facts.compression))
      .bind(10, facts.response_date)
      .run();
}

void SqliteBackend::save_formats(std::int64_t source_id,
                                 const std::vector<MetadataFormat>& formats) {
  sqlite::Transaction transaction(connection_);
  statement("DELETE FROM source_formats WHERE source_id = ?1").bind(1, source_id).run();
  auto& insert = statement(
      "INSERT OR REPLACE INTO source_formats "
      "(source_id, metadata_prefix, schema_url, metadata_namespace) VALUES (?1, ?2, ?3, ?4)");
  for (const auto& format : formats) {
    insert.bind(1, source_id)
        .bind(2, format.metadata_prefix)
        .bind(3, format.schema_url)
        .bind(4, format.metadata_namespace)
        .run();
  }
  transaction.commit();
}

void SqliteBackend::save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) {
  sqlite::Transaction transaction(connection_);
  statement("DELETE FROM sets WHERE source_id = ?1").bind(1, source_id).run();
  auto& insert = statement(
      "INSERT OR REPLACE INTO sets (source_id, set_spec, set_name, descriptions) "
      "VALUES (?1, ?2, ?3, NULLIF(?4, ''))");
  for (const auto& set : sets) {
    insert.bind(1, source_id).bind(2, set.set_spec).bind(3, set.set_name).bind(4, set.descriptions);
    insert.run();
  }
  transaction.commit();
}

HarvestList SqliteBackend::open_list(std::int64_t source_id, std::string_view metadata_prefix,
                                     std::string_view set_spec) {
  statement(
      "INSERT INTO harvest_lists (source_id, metadata_prefix, set_spec) VALUES (?1, ?2, ?3) "
      "ON CONFLICT DO NOTHING")
      .bind(1, source_id)
      .bind(2, metadata_prefix)
      .bind(3, set_spec)
      .run();
  auto& select = statement(
      "SELECT l.id, l.next_from, c.window_from, c.window_until, c.first_response_date, "
      "c.resumption_token, c.page_number, c.list_id IS NOT NULL "
      "FROM harvest_lists l LEFT JOIN checkpoints c ON c.list_id = l.id "
      "WHERE l.source_id = ?1 AND l.metadata_prefix = ?2 AND l.set_spec = ?3");
  select.bind(1, source_id).bind(2, metadata_prefix).bind(3, set_spec);
  if (!select.step()) throw StoreError("harvest list vanished while opening it");
  HarvestList list{select.column_int(0),           source_id,
                   std::string(metadata_prefix),   std::string(set_spec),
                   select.column_optional_text(1), std::nullopt};
  if (select.column_int(7) != 0) {
    list.checkpoint =
        Checkpoint{select.column_optional_text(2), select.column_optional_text(3),
                   select.column_text(4), select.column_text(5), select.column_int(6)};
  }
  select.reset();
  return list;
}

void SqliteBackend::drop_checkpoint(std::int64_t list_id) {
  statement("DELETE FROM checkpoints WHERE list_id = ?1").bind(1, list_id).run();
}

void SqliteBackend::start_sweep(std::int64_t list_id) {
  sqlite::Transaction transaction(connection_);
  statement("DELETE FROM sweeps WHERE list_id = ?1").bind(1, list_id).run();
  statement("INSERT INTO sweeps (list_id, started_at) VALUES (?1, ?2)")
      .bind(1, list_id)
      .bind(2, now_datestamp())
      .run();
  transaction.commit();
}

std::int64_t SqliteBackend::begin_run(std::int64_t source_id) {
  auto& insert =
      statement("INSERT INTO harvest_runs (source_id, started_at) VALUES (?1, ?2) RETURNING id");
  insert.bind(1, source_id).bind(2, now_datestamp());
  insert.step();
  const auto id = insert.column_int(0);
  insert.reset();
  return id;
}

void SqliteBackend::finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                               std::int64_t retries) {
  const char* result_text = result == RunResult::kOk       ? "ok"
                            : result == RunResult::kFailed ? "failed"
                                                           : "interrupted";
  statement(
      "UPDATE harvest_runs SET ended_at = ?2, result = ?3, error = NULLIF(?4, ''), "
      "retries = ?5 WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, now_datestamp())
      .bind(3, result_text)
      .bind(4, error)
      .bind(5, retries)
      .run();
}

void SqliteBackend::quarantine(std::optional<std::int64_t> source_id,
                               std::optional<std::int64_t> run_id, std::string_view request_url,
                               std::string_view error, std::optional<std::int64_t> byte_offset,
                               std::string_view raw) {
  auto& insert = statement(
      "INSERT INTO quarantine (source_id, run_id, request_url, received_at, error, byte_offset, "
      "raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS BLOB))");
  if (source_id)
    insert.bind(1, *source_id);
  else
    insert.bind_null(1);
  if (run_id)
    insert.bind(2, *run_id);
  else
    insert.bind_null(2);
  insert.bind(3, request_url).bind(4, now_datestamp()).bind(5, error);
  if (byte_offset)
    insert.bind(6, *byte_offset);
  else
    insert.bind_null(6);
  insert.bind(7, raw).run();
}

StoreStats SqliteBackend::stats() {
  auto& select = statement(
      "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM records), "
      "(SELECT count(*) FROM records WHERE deleted)");
  select.step();
  StoreStats stats{select.column_int(0), select.column_int(1), select.column_int(2)};
  select.reset();
  return stats;
}

}  // namespace store
