#include "store/backend.h"

namespace store {

std::unique_ptr<Backend> open_postgres(const std::string& url, const OpenOptions&) {
  throw StoreError("cannot open store " + url + ": PostgreSQL stores are not built yet");
}

}  // namespace store
