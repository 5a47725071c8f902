// The PostgreSQL engine of the store: one database, for stores larger than
// one machine's disk or shared by harvest workers and serve processes on
// many machines (docs/scaling.md). Its operations are defined in store.cc
// (opening, migrations, sources, lists, runs), page_writer.cc,
// record_reader.cc (what the provider reads) and query.cc (`oaipmh query`,
// show, status). Known only to the store module.
#ifndef STORE_POSTGRES_BACKEND_H_
#define STORE_POSTGRES_BACKEND_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/backend.h"
#include "store/count_cache.h"
#include "store/postgres/connection.h"

namespace store {

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(pg::Connection connection) : connection_(std::move(connection)) {}

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

  // The engine's own parts (the page writer) reach the connection through this.
  pg::Connection& connection() { return connection_; }

 private:
  pg::Connection connection_;
  // count_records() results, by the snapshot they were counted in
  // (pg_current_snapshot()): two equal snapshots see the same rows, so a
  // count is valid until some transaction commits. Counting 10,000,000
  // records takes seconds; a list's first page asks for it.
  CountCache<std::string> counts_;
};

// A served record from row `row` of `rows`, whose columns are ServedColumn's
// (backend.h).
ServedRecord read_served(const pg::Result& rows, int row);

}  // namespace store

#endif  // STORE_POSTGRES_BACKEND_H_
