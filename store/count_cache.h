// The list sizes a store connection counted, kept until the store changes:
// counting a million records takes a tenth of a second, ten million several,
// and a list's first page asks for its size. Known only to the store module.
#ifndef STORE_COUNT_CACHE_H_
#define STORE_COUNT_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/store.h"

namespace store {

// What a count is keyed by: every part of the query that the count depends
// on (not its keyset position or limit).
inline std::string count_key(const RecordQuery& query) {
  return query.metadata_prefix + '\n' + query.source.value_or("\x01") + '\n' +
         query.upstream_set.value_or("\x01") + '\n' + query.from + '\n' + query.until;
}

// Counts by key, each with the version of the store it was counted at:
// whatever tells an engine that nothing committed since (SQLite's PRAGMA
// data_version, PostgreSQL's snapshot). A count found at another version is
// stale. Holds at most 256 counts; then it starts afresh.
template <typename Version>
class CountCache {
 public:
  std::optional<std::int64_t> find(const std::string& key, const Version& version) const {
    const auto found = counts_.find(key);
    if (found == counts_.end() || found->second.first != version) return std::nullopt;
    return found->second.second;
  }

  void remember(const std::string& key, Version version, std::int64_t count) {
    if (counts_.size() >= 256) counts_.clear();
    counts_[key] = {std::move(version), count};
  }

 private:
  std::unordered_map<std::string, std::pair<Version, std::int64_t>> counts_;
};

}  // namespace store

#endif  // STORE_COUNT_CACHE_H_
