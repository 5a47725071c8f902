// The SQLite engine of the store: one file, WAL mode (the embedded default).
// Its operations are defined in store.cc (opening, migrations, sources,
// lists, runs), page_writer.cc, record_reader.cc (what the provider reads)
// and query.cc (`oaipmh query`, show, status). Known only to the store module.
#ifndef STORE_SQLITE_BACKEND_H_
#define STORE_SQLITE_BACKEND_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/backend.h"
#include "store/count_cache.h"
#include "store/sqlite/connection.h"
#include "store/store.h"

namespace store {

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(sqlite::Connection connection) : connection_(std::move(connection)) {}

  int schema_version() override;
  std::int64_t upsert_source(std::string_view name, std::string_view base_url) override;
  std::optional<Source> find_source(std::string_view name) override;
  void save_identify(std::int64_t source_id, const IdentifyFacts& facts) override;
  void save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats) override;
  void save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) override;
  HarvestList open_list(std::int64_t source_id, std::string_view metadata_prefix,
                        std::string_view set_spec) override;
  void drop_checkpoint(std::int64_t list_id) override;
  void start_sweep(std::int64_t list_id) override;
  std::int64_t begin_run(std::int64_t source_id) override;
  void finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                  std::int64_t retries) override;
  std::vector<PageCounts> write_pages(const std::vector<const HarvestedPage*>& pages) override;
  void quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id,
                  std::string_view request_url, std::string_view error,
                  std::optional<std::int64_t> byte_offset, std::string_view raw) override;
  StoreStats stats() override;

  void begin_read() override;
  void end_read() override;
  std::vector<ServedRecord> list_records(const RecordQuery& query) override;
  std::int64_t count_records(const RecordQuery& query) override;
  std::optional<ServedRecord> get_record(std::string_view source,
                                         std::string_view upstream_identifier,
                                         std::string_view metadata_prefix) override;
  std::vector<std::string> prefixes_of(std::string_view source,
                                       std::string_view upstream_identifier) override;
  std::vector<MetadataFormat> formats() override;
  std::optional<std::string> earliest_datestamp() override;
  std::vector<Source> sources() override;
  std::vector<SetInfo> sets() override;
  std::string setting(std::string_view key) override;

  void search(const SearchQuery& query, const std::function<void(const SearchHit&)>& each) override;
  std::int64_t count(const SearchQuery& query) override;
  std::vector<std::pair<std::string, std::string>> records_of_item(
      std::string_view upstream_identifier, const std::optional<std::string>& source) override;
  std::vector<SourceStatus> source_status() override;

  // The engine's own parts (the page writer, the readers) reach the
  // connection through these.
  sqlite::Connection& connection() { return connection_; }

  // The statement for `sql`, prepared on first use and kept for reuse; reset
  // and without bindings. `sql` must be a string literal: statements are
  // found by its address, which costs nothing per call.
  sqlite::Statement& statement(const char* sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      found = statements_.emplace(sql, sqlite::Statement(connection_.get(), sql)).first;
    } else {
      found->second.reset();  // a failed use may have left it mid-step
    }
    return found->second;
  }

 private:
  sqlite::Connection connection_;
  std::unordered_map<const char*, sqlite::Statement> statements_;  // by SQL literal
  // count_records() results, at the PRAGMA data_version they were counted
  // at: valid until another connection commits.
  CountCache<std::int64_t> counts_;
  // formats(), as of the (PRAGMA data_version, sqlite3_total_changes64) it
  // was read at: valid until any connection, this one included, commits.
  std::pair<std::int64_t, std::int64_t> formats_version_{-1, -1};
  std::vector<MetadataFormat> formats_;
};

// A served record from a row whose columns are ServedColumn's (backend.h).
ServedRecord read_served(const sqlite::Statement& row);

}  // namespace store

#endif  // STORE_SQLITE_BACKEND_H_
