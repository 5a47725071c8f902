// What a store engine implements: every operation of Store and of the
// searches in store/query.h. Store picks the engine from the store's name
// (a path: SQLite; a postgresql:// URL: PostgreSQL) and forwards to it.
// Known only to the store module.
#ifndef STORE_BACKEND_H_
#define STORE_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/query.h"
#include "store/store.h"

namespace store {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual int schema_version() = 0;

  virtual std::int64_t upsert_source(std::string_view name, std::string_view base_url) = 0;
  virtual std::optional<Source> find_source(std::string_view name) = 0;
  virtual void save_identify(std::int64_t source_id, const IdentifyFacts& facts) = 0;
  virtual void save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats) = 0;
  virtual void save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) = 0;
  virtual HarvestList open_list(std::int64_t source_id, std::string_view metadata_prefix,
                                std::string_view set_spec) = 0;
  virtual void drop_checkpoint(std::int64_t list_id) = 0;
  virtual void start_sweep(std::int64_t list_id) = 0;
  virtual std::int64_t begin_run(std::int64_t source_id) = 0;
  virtual void finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                          std::int64_t retries) = 0;
  virtual std::vector<PageCounts> write_pages(const std::vector<const HarvestedPage*>& pages) = 0;
  virtual void quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id,
                          std::string_view request_url, std::string_view error,
                          std::optional<std::int64_t> byte_offset, std::string_view raw) = 0;
  virtual StoreStats stats() = 0;

  virtual void begin_read() = 0;
  virtual void end_read() = 0;
  virtual std::vector<ServedRecord> list_records(const RecordQuery& query) = 0;
  virtual std::int64_t count_records(const RecordQuery& query) = 0;
  virtual std::optional<ServedRecord> get_record(std::string_view source,
                                                 std::string_view upstream_identifier,
                                                 std::string_view metadata_prefix) = 0;
  virtual std::vector<std::string> prefixes_of(std::string_view source,
                                               std::string_view upstream_identifier) = 0;
  virtual std::vector<FormatInfo> formats() = 0;
  virtual std::optional<std::string> earliest_datestamp() = 0;
  virtual std::vector<SourceEntry> sources() = 0;
  virtual std::vector<SetEntry> sets() = 0;
  virtual std::string setting(std::string_view key) = 0;

  virtual void search(const SearchQuery& query,
                      const std::function<void(const SearchHit&)>& each) = 0;
  virtual std::int64_t count(const SearchQuery& query) = 0;
  // (source name, metadata prefix) of every record of the item, in
  // find_for_show()'s order.
  virtual std::vector<std::pair<std::string, std::string>> records_of_item(
      std::string_view upstream_identifier, const std::optional<std::string>& source) = 0;
  virtual std::vector<SourceStatus> source_status() = 0;
};

// The current time as our datestamp: UTC, seconds granularity.
std::string now_datestamp();

// The parts joined by single spaces (how lists of words are kept in a column).
std::string join_words(const std::vector<std::string>& parts);

// `text` cut at every `separator`; nothing for an empty text.
std::vector<std::string> split_at(const std::string& text, char separator);

// The newest version of a list of migrations (0 for none).
int latest_version(const std::vector<Migration>& migrations);

// What a cache of count_records() results is keyed by: every part of the
// query that the count depends on (not its keyset position or limit).
std::string count_key(const RecordQuery& query);

std::unique_ptr<Backend> open_sqlite(const std::string& path,
                                     const std::vector<Migration>& migrations,
                                     const OpenOptions& options);
std::unique_ptr<Backend> open_postgres(const std::string& url, const OpenOptions& options);

}  // namespace store

#endif  // STORE_BACKEND_H_
