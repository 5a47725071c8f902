// Store's private state, shared by the files that implement Store.
#ifndef STORE_STORE_IMPL_H_
#define STORE_STORE_IMPL_H_

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/sqlite.h"
#include "store/store.h"

namespace store {

struct Store::Impl {
  explicit Impl(sqlite::Connection c) : connection(std::move(c)) {}

  // The statement for `sql`, prepared on first use and kept for reuse; reset
  // and without bindings. `sql` must be a string literal: statements are
  // found by its address, which costs nothing per call.
  sqlite::Statement& statement(const char* sql) {
    auto found = statements.find(sql);
    if (found == statements.end()) {
      found = statements.emplace(sql, sqlite::Statement(connection.get(), sql)).first;
    } else {
      found->second.reset();  // a failed use may have left it mid-step
    }
    return found->second;
  }

  sqlite::Connection connection;
  std::unordered_map<const char*, sqlite::Statement> statements;  // by SQL literal
  // count_records() results, by query, with the PRAGMA data_version they
  // were counted at: valid until another connection commits.
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> counts;
  // formats(), as of the (PRAGMA data_version, sqlite3_total_changes64) it
  // was read at: valid until any connection, this one included, commits.
  std::pair<std::int64_t, std::int64_t> formats_version{-1, -1};
  std::vector<FormatInfo> formats;
};

// A served record from a row whose columns are: id, source name, upstream
// identifier, datestamp, deleted, metadata, about, upstream datestamp,
// harvest date, upstream base URL, format namespace, and the setSpecs joined
// by newlines.
ServedRecord read_served(const sqlite::Statement& row);

// The current time as our datestamp: UTC, seconds granularity.
std::string now_datestamp();

}  // namespace store

#endif  // STORE_STORE_IMPL_H_
