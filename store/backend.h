// The seam between Store and a store engine: what an engine implements.
// Store picks the engine from the store's name (a path: SQLite, sqlite/; a
// postgresql:// URL: PostgreSQL, postgres/) and forwards each call to it; the
// searches of store/query.h call it directly. Known only to the store module.
//
// Every engine keeps the contracts that store.h and query.h give for the
// operations of the same names; what it must guarantee besides is said here.
// All of them run on the thread that owns the Store (one connection, not
// thread-safe) and throw StoreError for any failure of the database.
#ifndef STORE_BACKEND_H_
#define STORE_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/query.h"
#include "store/store.h"

namespace store {

class Backend {
 public:
  virtual ~Backend() = default;

  // The newest migration applied to the store.
  virtual int schema_version() = 0;

  // ---- Sources, lists and runs, for the harvester. Each call is atomic:
  // it commits, or changes nothing.

  // Adds the source `name` or updates its configured base URL; returns its id.
  virtual std::int64_t upsert_source(std::string_view name, std::string_view base_url) = 0;
  // The source with every column filled, or nullopt.
  virtual std::optional<Source> find_source(std::string_view name) = 0;
  // Keeps what Identify said; the source must exist.
  virtual void save_identify(std::int64_t source_id, const IdentifyFacts& facts) = 0;
  // Replace the source's formats (or sets) with these, in one transaction.
  virtual void save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats) = 0;
  virtual void save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) = 0;
  // The list (source, prefix, set), created when new, with its watermark and
  // checkpoint as committed.
  virtual HarvestList open_list(std::int64_t source_id, std::string_view metadata_prefix,
                                std::string_view set_spec) = 0;
  virtual void drop_checkpoint(std::int64_t list_id) = 0;
  virtual void start_sweep(std::int64_t list_id) = 0;
  // A new run, `running`, started now; its id.
  virtual std::int64_t begin_run(std::int64_t source_id) = 0;
  virtual void finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                          std::int64_t retries) = 0;
  // Writes the pages in order, all in ONE transaction: on any exception
  // nothing of any page is kept (the crash tests kill inside it). Reads what
  // the store holds for the records first and takes the clock only then, so
  // that a changed record's stamp precedes the commit by the writes' time
  // alone. Uses each page's `prepared` when present.
  virtual std::vector<PageCounts> write_pages(const std::vector<const HarvestedPage*>& pages) = 0;
  virtual void quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id,
                          std::string_view request_url, std::string_view error,
                          std::optional<std::int64_t> byte_offset, std::string_view raw) = 0;
  virtual StoreStats stats() = 0;

  // ---- What the provider reads: between begin_read() and end_read()
  // (ReadSnapshot) every call sees one snapshot, on a store that may be
  // read-only. Outside them each call sees the store as of its own start.

  // Starts the snapshot; requires none to be open on this connection.
  virtual void begin_read() = 0;
  // Ends it; requires one open.
  virtual void end_read() = 0;
  // At most query.limit records after the keyset position, in (datestamp,
  // id) order, each with its set specs; metadata only when asked for.
  virtual std::vector<ServedRecord> list_records(const RecordQuery& query) = 0;
  // How many records the query matches, ignoring position and limit. May
  // answer from a CountCache while nothing committed since it counted.
  virtual std::int64_t count_records(const RecordQuery& query) = 0;
  virtual std::optional<ServedRecord> get_record(std::string_view source,
                                                 std::string_view upstream_identifier,
                                                 std::string_view metadata_prefix) = 0;
  virtual std::vector<std::string> prefixes_of(std::string_view source,
                                               std::string_view upstream_identifier) = 0;
  // Every prefix records were harvested in, by prefix, with the schema and
  // namespace of the first source (by id) that declared it.
  virtual std::vector<MetadataFormat> formats() = 0;
  virtual std::optional<std::string> earliest_datestamp() = 0;
  virtual std::vector<Source> sources() = 0;
  // By source name, then set spec; the source field filled.
  virtual std::vector<SetInfo> sets() = 0;
  virtual std::string setting(std::string_view key) = 0;

  // ---- The searches of store/query.h.

  // Calls `each` while the query runs: memory must not grow with the hits.
  // A text query the engine cannot parse throws SearchSyntaxError worded
  // `cannot understand the search "<text>": <why>`, as FTS5 words it.
  virtual void search(const SearchQuery& query,
                      const std::function<void(const SearchHit&)>& each) = 0;
  virtual std::int64_t count(const SearchQuery& query) = 0;
  // (source name, metadata prefix) of every record of the item, in
  // find_for_show()'s order.
  virtual std::vector<std::pair<std::string, std::string>> records_of_item(
      std::string_view upstream_identifier, const std::optional<std::string>& source) = 0;
  virtual std::vector<SourceStatus> source_status() = 0;
};

// The engine behind `store`: for the store module's own files.
Backend& backend_of(Store& store);

// The parts joined by single spaces (how lists of words are kept in a column).
std::string join_words(const std::vector<std::string>& parts);

// `text` cut at every `separator`; nothing for an empty text.
std::vector<std::string> split_at(const std::string& text, char separator);

// The columns of a row that read_served_row() turns into a ServedRecord, in
// this order. Both engines' record readers and searches select them so.
enum ServedColumn : int {
  kServedId,
  kServedSource,  // the source's name
  kServedUpstreamIdentifier,
  kServedDatestamp,
  kServedDeleted,
  kServedMetadata,  // NULL or '' when not asked for
  kServedAbout,
  kServedUpstreamDatestamp,
  kServedHarvestDate,
  kServedUpstreamBaseUrl,  // declared, else configured
  kServedNamespace,        // the format's namespace upstream, '' when unknown
  kServedSetSpecs,         // joined by newlines
  kServedColumnCount
};

// The ServedRecord of a row with ServedColumn's columns, read through an
// engine's accessors: row.integer(column), row.text(column) (empty for
// NULL) and row.flag(column).
template <typename Row>
ServedRecord read_served_row(const Row& row) {
  ServedRecord record;
  record.id = row.integer(kServedId);
  record.source = row.text(kServedSource);
  record.upstream_identifier = row.text(kServedUpstreamIdentifier);
  record.datestamp = row.text(kServedDatestamp);
  record.deleted = row.flag(kServedDeleted);
  record.metadata = row.text(kServedMetadata);
  record.about = row.text(kServedAbout);
  record.upstream_datestamp = row.text(kServedUpstreamDatestamp);
  record.harvest_date = row.text(kServedHarvestDate);
  record.upstream_base_url = row.text(kServedUpstreamBaseUrl);
  record.metadata_namespace = row.text(kServedNamespace);
  record.set_specs = split_at(row.text(kServedSetSpecs), '\n');
  return record;
}

// The current time as our datestamp: UTC, seconds granularity.
std::string now_datestamp();

// The newest version of a list of migrations (0 for none).
int latest_version(const std::vector<Migration>& migrations);

std::unique_ptr<Backend> open_sqlite(const std::string& path,
                                     const std::vector<Migration>& migrations,
                                     const OpenOptions& options);
std::unique_ptr<Backend> open_postgres(const std::string& url, const OpenOptions& options);

}  // namespace store

#endif  // STORE_BACKEND_H_
