// The store: everything harvested, in one SQLite file (the embedded default)
// or one PostgreSQL database; the only code that speaks SQL. docs/store.md
// documents its tables for people.
#ifndef STORE_STORE_H_
#define STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/migrations.h"
#include "store/store_error.h"

namespace store {

struct OpenOptions {
  // Read-only stores are never created or migrated; they must already be at
  // the newest schema version.
  bool read_only = false;
  // How long a statement waits for another connection's lock before failing.
  int busy_timeout_ms = 10'000;
};

// What Identify said about a source (HV-1).
struct IdentifyFacts {
  std::string repository_name;
  std::string declared_base_url;
  std::string protocol_version;
  std::vector<std::string> admin_emails;
  std::string earliest_datestamp;
  std::string deleted_record;  // no | transient | persistent
  std::string granularity;     // YYYY-MM-DD | YYYY-MM-DDThh:mm:ssZ
  std::vector<std::string> compression;
  std::string response_date;
};

// A repository the store harvests: our name for it, and what its Identify said.
struct Source {
  std::int64_t id = 0;
  std::string name;                           // ours: also its set when the store is served
  std::string base_url;                       // as configured
  std::string declared_base_url;              // Identify's baseURL; empty until identified
  std::string repository_name;                // Identify's repositoryName; empty until identified
  std::optional<std::string> granularity;     // absent until identified
  std::optional<std::string> deleted_record;  // absent until identified

  // Where the repository says it is: the declared base URL, else the configured one.
  const std::string& upstream_base_url() const {
    return declared_base_url.empty() ? base_url : declared_base_url;
  }
};

// A metadata format: what ListMetadataFormats declared, or what the store serves.
struct MetadataFormat {
  std::string metadata_prefix;
  std::string schema_url;
  std::string metadata_namespace;
};

// A set: what ListSets declared for a source (save_sets()), or one of the
// sets the store serves (Store::sets()).
struct SetInfo {
  std::string set_spec;  // upstream setSpec; in Store::sets(), empty for a source itself
  std::string set_name;
  std::string descriptions;  // raw XML of the setDescription contents, may be empty
  std::string source;        // in Store::sets(): the source it belongs to; else unused
};

// Where an unfinished list stands: the next request is its resumption token.
struct Checkpoint {
  std::optional<std::string> window_from;   // as sent
  std::optional<std::string> window_until;  // as sent
  std::string first_response_date;          // of the list's first page
  std::string resumption_token;             // to send next
  std::int64_t page_number = 0;             // pages committed so far
};

// One list a source is harvested as: a prefix and a set ('' = everything).
struct HarvestList {
  std::int64_t id = 0;
  std::int64_t source_id = 0;
  std::string metadata_prefix;
  std::string set_spec;
  std::optional<std::string> next_from;  // the incremental watermark (HV-3)
  std::optional<Checkpoint> checkpoint;  // set while a list is unfinished
};

// One Dublin Core element of an oai_dc record, in document order.
struct DcElement {
  std::string element;  // one of the fifteen DCMES names, e.g. "title"
  std::string value;
  std::string lang;  // xml:lang, empty when absent
};

// One record of a harvested page, as the harvester read it.
struct HarvestedRecord {
  std::string identifier;              // upstream identifier
  std::string datestamp;               // upstream datestamp, as received
  bool deleted = false;                // header status="deleted"
  std::vector<std::string> set_specs;  // upstream setSpecs, as received
  std::string metadata;                // payload root element, raw XML; empty when deleted
  std::string about;                   // upstream <about> contents, raw XML; may be empty
  std::vector<DcElement> dc;           // parsed elements, for oai_dc records
};

struct PreparedRecords;  // defined where pages are written

// One harvested page and what it leaves behind, written in one transaction.
struct HarvestedPage {
  std::int64_t list_id = 0;
  std::int64_t run_id = 0;
  std::string response_date;  // upstream responseDate: every record's harvestDate
  std::uint64_t bytes = 0;    // response size, added to the run
  std::vector<HarvestedRecord> records;
  // Set when the list goes on: saved as the list's checkpoint.
  std::optional<Checkpoint> continue_at;
  // Set when this page completes the list: the checkpoint is removed and the
  // watermark moves to this value (never backwards). Ignored with continue_at.
  std::optional<std::string> next_from;
  // What writing computes from the records alone (content hashes, Dublin
  // Core JSON, full-text columns), if prepare_page() ran: it may run on
  // another thread than the writes. Computed by the write when absent.
  std::shared_ptr<const PreparedRecords> prepared;
};

// Fills page.prepared from page.records. Uses no store: any thread may call
// it, for a page whose records no longer change.
void prepare_page(HarvestedPage& page);

// What write_page() did with the page's records.
struct PageCounts {
  std::int64_t created = 0;    // new live records
  std::int64_t updated = 0;    // live records whose content changed
  std::int64_t deleted = 0;    // records that became (or arrived as) tombstones
  std::int64_t unchanged = 0;  // identical to what the store held
};

// What a harvest run ends with.
enum class RunResult { kOk, kFailed, kInterrupted };

// The versions of the database libraries this program runs with, for
// `oaipmh --version` and bug reports: {"SQLite 3.40.1", "libpq 15.18"}.
std::vector<std::string> library_versions();

// Totals over the whole store.
struct StoreStats {
  std::int64_t sources = 0;
  std::int64_t records = 0;  // deleted ones included
  std::int64_t deleted = 0;
};

// ---- What the provider reads ------------------------------------------------

// A record as the provider serves it.
struct ServedRecord {
  std::int64_t id = 0;
  std::string source;  // the source's name (our set for it)
  std::string upstream_identifier;
  std::string datestamp;  // ours
  bool deleted = false;
  std::vector<std::string> set_specs;  // upstream setSpecs
  std::string metadata;                // empty when deleted or not asked for
  std::string about;                   // upstream <about> contents, may be empty
  std::string upstream_datestamp;
  std::string harvest_date;
  std::string upstream_base_url;   // the source's declared baseURL, else the configured one
  std::string metadata_namespace;  // the format's namespace upstream, may be empty
};

// Which records a ListRecords or ListIdentifiers page holds.
struct RecordQuery {
  std::string metadata_prefix;
  std::optional<std::string> source;          // only this source's records
  std::optional<std::string> upstream_set;    // only members of this upstream set or below it (S-3)
  std::string from = "0000-01-01T00:00:00Z";  // inclusive, seconds form
  std::string until = "9999-12-31T23:59:59Z";  // inclusive, seconds form
  // Keyset position: only records after this (datestamp, id), in that order.
  std::string after_datestamp;
  std::int64_t after_id = 0;
  int limit = 100;
  bool with_metadata = true;  // false for ListIdentifiers
};

class Backend;  // a store engine (store/backend.h)

// Whether a store's name is a PostgreSQL URL (postgresql:// or postgres://)
// rather than a SQLite file path. For the store module and its tests: other
// code asks what it needs to know (the functions below, HarvestLock,
// supports_host_leases()) instead of which engine a store is.
bool is_postgres_url(std::string_view name);

// Whether `name` is a file path where there is no file (a store that
// read-only use cannot open). A database URL is never missing here: its
// database is checked when opened.
bool is_missing_file(const std::string& name);

// `name` as a configuration file in `folder` means it: a relative file path
// is taken relative to that folder; an absolute path or a database URL
// stays as it is.
std::string resolve_store_name(const std::string& name, const std::string& folder);

// A connection to one store. Not thread-safe: use one Store per thread
// (SQLite's WAL, like PostgreSQL, lets one writer and many readers work at
// once).
class Store {
 public:
  // Opens the store `name`: a SQLite file path, or a PostgreSQL URL
  // (`postgresql://` or `postgres://`, libpq's syntax). Creates it unless
  // read-only (a PostgreSQL database must exist; its tables are created)
  // and applies every migration it lacks, each in its own transaction.
  // Throws StoreError when it is not a store, cannot be opened, or was
  // written by a newer schema than this program knows (the message names
  // both versions).
  static Store open(const std::string& name, const OpenOptions& options = {});

  // A SQLite store with another list of migrations; for tests of migration
  // itself.
  static Store open(const std::string& path, const std::vector<Migration>& migrations,
                    const OpenOptions& options);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // The newest migration applied.
  int schema_version() const;

  // Adds the source `name` or updates its base URL; returns its id.
  std::int64_t upsert_source(std::string_view name, std::string_view base_url);
  std::optional<Source> find_source(std::string_view name) const;
  void save_identify(std::int64_t source_id, const IdentifyFacts& facts);
  // Replaces the formats (or sets) recorded for the source.
  void save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats);
  void save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets);

  // The list (source, prefix, set), created when new, with its watermark and
  // checkpoint.
  HarvestList open_list(std::int64_t source_id, std::string_view metadata_prefix,
                        std::string_view set_spec = "");
  // Forgets the list's checkpoint, so its next harvest restarts the window
  // (HV-5). The watermark stays.
  void drop_checkpoint(std::int64_t list_id);

  // Starts a full harvest of the list (which must be of the whole repository,
  // set ''): from now on write_page() remembers every identifier it sees, and
  // the page that completes the list turns the list's live records that were
  // not seen into tombstones (HV-11). Forgets what an earlier sweep saw.
  void start_sweep(std::int64_t list_id);

  // Starts a harvest run of the source; returns its id.
  std::int64_t begin_run(std::int64_t source_id);
  // Ends the run with `result`; `error` is empty on success.
  void finish_run(std::int64_t run_id, RunResult result, std::string_view error = "",
                  std::int64_t retries = 0);

  // Writes the page's records, tombstones, set memberships, Dublin Core
  // elements and full-text entries, its checkpoint or the list's new
  // watermark (and the end of a sweep), and the run's counters, all in one
  // transaction: on any
  // exception the store is exactly as before. Records keep our datestamp when
  // their content is unchanged; changed ones are stamped with the current
  // second, taken right before the writes (DESIGN.md).
  PageCounts write_page(const HarvestedPage& page);

  // Writes several pages, in order, as write_page() would, but in one
  // transaction: all of them or none. Fewer commits make a fast harvest
  // cheaper (the full-text index is flushed once, not once a page).
  std::vector<PageCounts> write_pages(const std::vector<const HarvestedPage*>& pages);

  // Keeps a response or record that could not be stored, for replay.
  void quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id,
                  std::string_view request_url, std::string_view error,
                  std::optional<std::int64_t> byte_offset, std::string_view raw);

  StoreStats stats() const;

  // ---- Reading for the provider. While a ReadSnapshot of the store lives,
  // every read sees one snapshot, whatever harvests commit meanwhile.

  // The records of a page, in (datestamp, id) order.
  std::vector<ServedRecord> list_records(const RecordQuery& query) const;
  // How many records the query matches, ignoring its keyset position and limit.
  std::int64_t count_records(const RecordQuery& query) const;
  // One record of one source and format, if the store holds it.
  std::optional<ServedRecord> get_record(std::string_view source,
                                         std::string_view upstream_identifier,
                                         std::string_view metadata_prefix) const;
  // The formats the store holds records of for this item (any state).
  std::vector<std::string> prefixes_of(std::string_view source,
                                       std::string_view upstream_identifier) const;
  // Every format the store holds records in, with the schema and namespace
  // the first source offering it declared.
  std::vector<MetadataFormat> formats() const;
  // The lowest of our datestamps, if the store holds any record.
  std::optional<std::string> earliest_datestamp() const;
  // Every source, by name.
  std::vector<Source> sources() const;
  // Every upstream set: declared by ListSets or met in a record's header.
  std::vector<SetInfo> sets() const;
  // A value of the settings table, or empty.
  std::string setting(std::string_view key) const;

 private:
  friend Backend& backend_of(Store& store);  // for the store module's own files (backend.h)
  friend class ReadSnapshot;
  explicit Store(std::unique_ptr<Backend> backend);
  std::unique_ptr<Backend> backend_;  // the engine, its connection and statements
};

// Every read through `store` while this object lives sees one snapshot of
// the store, whatever harvests commit meanwhile (a read transaction). Ends
// it when destroyed, or at end(); one snapshot at a time a Store.
class ReadSnapshot {
 public:
  // Throws StoreError when the snapshot cannot begin.
  explicit ReadSnapshot(Store& store);
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  // Ends the snapshot unless end() did; never throws.
  ~ReadSnapshot();
  // Ends the snapshot now; throws StoreError when it cannot end cleanly.
  // Calling it again does nothing.
  void end();

 private:
  Store* store_;  // null once ended
};

}  // namespace store

#endif  // STORE_STORE_H_
