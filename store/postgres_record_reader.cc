#include "store/postgres_backend.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until the stubs below are written

namespace store {

void PostgresBackend::begin_read() {
  throw StoreError("PostgreSQL stores: begin_read is not written yet");
}

void PostgresBackend::end_read() {
  throw StoreError("PostgreSQL stores: end_read is not written yet");
}

std::vector<ServedRecord> PostgresBackend::list_records(const RecordQuery& query) {
  throw StoreError("PostgreSQL stores: list_records is not written yet");
}

std::int64_t PostgresBackend::count_records(const RecordQuery& query) {
  throw StoreError("PostgreSQL stores: count_records is not written yet");
}

std::optional<ServedRecord> PostgresBackend::get_record(std::string_view source, std::string_view upstream_identifier, std::string_view metadata_prefix) {
  throw StoreError("PostgreSQL stores: get_record is not written yet");
}

std::vector<std::string> PostgresBackend::prefixes_of(std::string_view source, std::string_view upstream_identifier) {
  throw StoreError("PostgreSQL stores: prefixes_of is not written yet");
}

std::vector<FormatInfo> PostgresBackend::formats() {
  throw StoreError("PostgreSQL stores: formats is not written yet");
}

std::optional<std::string> PostgresBackend::earliest_datestamp() {
  throw StoreError("PostgreSQL stores: earliest_datestamp is not written yet");
}

std::vector<SourceEntry> PostgresBackend::sources() {
  throw StoreError("PostgreSQL stores: sources is not written yet");
}

std::vector<SetEntry> PostgresBackend::sets() {
  throw StoreError("PostgreSQL stores: sets is not written yet");
}

std::string PostgresBackend::setting(std::string_view key) {
  throw StoreError("PostgreSQL stores: setting is not written yet");
}

}  // namespace store
