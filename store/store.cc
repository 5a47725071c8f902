// Store: picks the engine from the store's name and forwards to it.
#include "store/store.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "oai/datestamp.h"
#include "store/backend.h"

namespace store {

std::string now_datestamp() { return oai::Datestamp::now().to_string(); }

std::vector<std::string> library_versions() {
  // libpq gives major * 10000 + minor since PostgreSQL 10.
  const int libpq = PQlibVersion();
  return {std::string("SQLite ") + sqlite3_libversion(),
          "libpq " + std::to_string(libpq / 10000) + "." + std::to_string(libpq % 10000)};
}

std::string join_words(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += ' ';
    joined += part;
  }
  return joined;
}

std::vector<std::string> split_at(const std::string& text, char separator) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = std::min(text.find(separator, start), text.size());
    parts.emplace_back(text, start, end - start);
    start = end + 1;
  }
  return parts;
}

int latest_version(const std::vector<Migration>& migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

bool is_postgres_url(std::string_view name) {
  return name.rfind("postgresql://", 0) == 0 || name.rfind("postgres://", 0) == 0;
}

bool is_missing_file(const std::string& name) {
  return !is_postgres_url(name) && !std::filesystem::is_regular_file(name);
}

std::string resolve_store_name(const std::string& name, const std::string& folder) {
  if (name.empty() || is_postgres_url(name) || std::filesystem::path(name).is_absolute()) {
    return name;
  }
  return (std::filesystem::path(folder) / name).lexically_normal().string();
}

Store::Store(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Store Store::open(const std::string& name, const OpenOptions& options) {
  if (is_postgres_url(name)) return Store(open_postgres(name, options));
  return Store(open_sqlite(name, kMigrations, options));
}

Store Store::open(const std::string& path, const std::vector<Migration>& migrations,
                  const OpenOptions& options) {
  return Store(open_sqlite(path, migrations, options));
}

int Store::schema_version() const { return backend_->schema_version(); }

std::int64_t Store::upsert_source(std::string_view name, std::string_view base_url) {
  return backend_->upsert_source(name, base_url);
}
std::optional<Source> Store::find_source(std::string_view name) const {
  return backend_->find_source(name);
}
void Store::save_identify(std::int64_t source_id, const IdentifyFacts& facts) {
  backend_->save_identify(source_id, facts);
}
void Store::save_formats(std::int64_t source_id, const std::vector<MetadataFormat>& formats) {
  backend_->save_formats(source_id, formats);
}
void Store::save_sets(std::int64_t source_id, const std::vector<SetInfo>& sets) {
  backend_->save_sets(source_id, sets);
}
HarvestList Store::open_list(std::int64_t source_id, std::string_view metadata_prefix,
                             std::string_view set_spec) {
  return backend_->open_list(source_id, metadata_prefix, set_spec);
}
void Store::drop_checkpoint(std::int64_t list_id) { backend_->drop_checkpoint(list_id); }
void Store::start_sweep(std::int64_t list_id) { backend_->start_sweep(list_id); }
std::int64_t Store::begin_run(std::int64_t source_id) { return backend_->begin_run(source_id); }
void Store::finish_run(std::int64_t run_id, RunResult result, std::string_view error,
                       std::int64_t retries) {
  backend_->finish_run(run_id, result, error, retries);
}
PageCounts Store::write_page(const HarvestedPage& page) {
  return backend_->write_pages({&page}).front();
}
std::vector<PageCounts> Store::write_pages(const std::vector<const HarvestedPage*>& pages) {
  return backend_->write_pages(pages);
}
void Store::quarantine(std::optional<std::int64_t> source_id, std::optional<std::int64_t> run_id,
                       std::string_view request_url, std::string_view error,
                       std::optional<std::int64_t> byte_offset, std::string_view raw) {
  backend_->quarantine(source_id, run_id, request_url, error, byte_offset, raw);
}
StoreStats Store::stats() const { return backend_->stats(); }

Backend& backend_of(Store& store) { return *store.backend_; }

ReadSnapshot::ReadSnapshot(Store& store) : store_(&store) { store.backend_->begin_read(); }

ReadSnapshot::~ReadSnapshot() {
  try {
    end();
  } catch (...) {
    // Ending a read-only transaction fails only with its connection, which
    // the next use reports.
  }
}

void ReadSnapshot::end() {
  if (store_ == nullptr) return;
  Store* store = std::exchange(store_, nullptr);
  store->backend_->end_read();
}
std::vector<ServedRecord> Store::list_records(const RecordQuery& query) const {
  return backend_->list_records(query);
}
std::int64_t Store::count_records(const RecordQuery& query) const {
  return backend_->count_records(query);
}
std::optional<ServedRecord> Store::get_record(std::string_view source,
                                              std::string_view upstream_identifier,
                                              std::string_view metadata_prefix) const {
  return backend_->get_record(source, upstream_identifier, metadata_prefix);
}
std::vector<std::string> Store::prefixes_of(std::string_view source,
                                            std::string_view upstream_identifier) const {
  return backend_->prefixes_of(source, upstream_identifier);
}
std::vector<MetadataFormat> Store::formats() const { return backend_->formats(); }
std::optional<std::string> Store::earliest_datestamp() const {
  return backend_->earliest_datestamp();
}
std::vector<Source> Store::sources() const { return backend_->sources(); }
std::vector<SetInfo> Store::sets() const { return backend_->sets(); }
std::string Store::setting(std::string_view key) const { return backend_->setting(key); }

}  // namespace store
