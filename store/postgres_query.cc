#include "store/postgres_backend.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until the stubs below are written

namespace store {

void PostgresBackend::search(const SearchQuery& query, const std::function<void(const SearchHit&)>&) {
  throw StoreError("PostgreSQL stores: search is not written yet");
}

std::int64_t PostgresBackend::count(const SearchQuery& query) {
  throw StoreError("PostgreSQL stores: count is not written yet");
}

std::vector<std::pair<std::string, std::string>> PostgresBackend::records_of_item( std::string_view upstream_identifier, const std::optional<std::string>& source) {
  throw StoreError("PostgreSQL stores: records_of_item is not written yet");
}

std::vector<SourceStatus> PostgresBackend::source_status() {
  throw StoreError("PostgreSQL stores: source_status is not written yet");
}

}  // namespace store
