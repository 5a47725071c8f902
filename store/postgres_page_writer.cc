#include "store/postgres_backend.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"  // until the stubs below are written

namespace store {

std::vector<PageCounts> PostgresBackend::write_pages(const std::vector<const HarvestedPage*>& pages) {
  throw StoreError("PostgreSQL stores: write_pages is not written yet");
}

}  // namespace store
