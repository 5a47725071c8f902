// Store's private state, shared by the files that implement Store.
#ifndef STORE_STORE_IMPL_H_
#define STORE_STORE_IMPL_H_

#include <map>
#include <string>

#include "store/sqlite.h"
#include "store/store.h"

namespace store {

struct Store::Impl {
  explicit Impl(sqlite::Connection c) : connection(std::move(c)) {}

  // The statement for `sql`, prepared on first use and kept for reuse; reset
  // and without bindings.
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
  std::map<std::string, sqlite::Statement> statements;  // by SQL text
};

// The current time as our datestamp: UTC, seconds granularity.
std::string now_datestamp();

}  // namespace store

#endif  // STORE_STORE_IMPL_H_
